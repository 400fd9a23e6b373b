//! Beta spectrum sampling (chi-square against the tabulated density, and the table against the
//! Fermi-theory density it tabulates) and energy conservation per decay.

use theradose::rng::HistoryRng;
use theradose::source::beta::{density, BetaParams, BetaSign, BetaSpectrum};
use theradose::source::nuclide::{DecayData, EmissionKind, Nuclide};

fn spectra() -> Vec<(&'static str, BetaParams)> {
    let p = |sign, z_daughter, a, endpoint_mev, unique_order| BetaParams {
        sign,
        z_daughter,
        a,
        endpoint_mev,
        unique_order,
    };
    vec![
        (
            "Lu-177 beta- 500.6 keV allowed",
            p(BetaSign::Minus, 72, 177, 0.5006, 0),
        ),
        (
            "Y-90 beta- 2279.8 keV 1st unique",
            p(BetaSign::Minus, 40, 90, 2.2798, 1),
        ),
        (
            "Ga-68 beta+ 1899.1 keV allowed",
            p(BetaSign::Plus, 30, 68, 1.8991, 0),
        ),
        (
            "Cs-137 beta- 514 keV 1st unique",
            p(BetaSign::Minus, 56, 137, 0.514, 1),
        ),
    ]
}

#[test]
fn beta_sampling_chi_square() {
    // 40 equal bins, 10^6 samples; chi-square with 39 degrees of freedom below 72.05, its 0.1%
    // upper quantile (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.4); both samplers, the
    // inverse CDF and the decay loop's alias table. The sample mean and variance within 4
    // standard errors of the table's.
    for ((what, params), fast) in spectra().into_iter().flat_map(|s| [(s, false), (s, true)]) {
        let s = BetaSpectrum::new(params);
        let (bins, n) = (40usize, 1_000_000u64);
        let mut counts = vec![0u64; bins];
        let mut rng = HistoryRng::new(90, 0);
        let mut moments = [0.0f64; 4];
        for _ in 0..n {
            let t = if fast {
                s.sample_rng(&mut rng)
            } else {
                s.sample(rng.uniform())
            };
            assert!((0.0..=params.endpoint_mev).contains(&t));
            for (k, m) in moments.iter_mut().enumerate() {
                *m += t.powi(k as i32 + 1) / n as f64;
            }
            counts[((t / params.endpoint_mev * bins as f64) as usize).min(bins - 1)] += 1;
        }
        let w = params.endpoint_mev / bins as f64;
        let mut chi2 = 0.0;
        for (i, &c) in counts.iter().enumerate() {
            let p = s.cdf((i + 1) as f64 * w) - s.cdf(i as f64 * w);
            let e = p * n as f64;
            chi2 += (c as f64 - e).powi(2) / e;
        }
        eprintln!(
            "{what} (alias sampler: {fast}): chi2 = {chi2:.1} (39 dof), mean {:.5} MeV",
            s.mean_mev
        );
        assert!(chi2 < 72.05, "{what} (alias sampler: {fast}): chi2 {chi2}");
        // the table's mean and variance by Simpson's rule on its piecewise-linear CDF
        let m = 20_000;
        let h = params.endpoint_mev / m as f64;
        let mut tab = [0.0f64; 2];
        for i in 0..m {
            let (a, b) = (i as f64 * h, (i + 1) as f64 * h);
            let p = s.cdf(b) - s.cdf(a);
            let t = 0.5 * (a + b);
            tab[0] += p * t;
            tab[1] += p * t * t;
        }
        let var = moments[1] - moments[0] * moments[0];
        let var_tab = tab[1] - tab[0] * tab[0];
        let se_mean = (var / n as f64).sqrt();
        // variance of the sample variance: (mu4 - var^2) / n, mu4 the fourth central moment
        let mu = moments[0];
        let mu4 =
            moments[3] - 4.0 * mu * moments[2] + 6.0 * mu * mu * moments[1] - 3.0 * mu.powi(4);
        let se_var = ((mu4 - var * var) / n as f64).sqrt();
        eprintln!(
            "  mean {:.6} against {:.6} ({:+.2} se), variance {:.4e} against {:.4e} ({:+.2} se)",
            mu,
            tab[0],
            (mu - tab[0]) / se_mean,
            var,
            var_tab,
            (var - var_tab) / se_var
        );
        assert!((mu - tab[0]).abs() < 4.0 * se_mean, "{what} ({fast}): mean");
        assert!(
            (var - var_tab).abs() < 4.0 * se_var,
            "{what} ({fast}): variance"
        );
    }
}

#[test]
fn table_matches_fermi_density() {
    // bin probabilities (40 bins) of the piecewise-linear table vs Simpson integrals (200
    // intervals per bin) of the Fermi-theory density itself: within 0.3% for every bin above 0.1%
    for (what, params) in spectra() {
        let s = BetaSpectrum::new(params);
        let bins = 40;
        let w = params.endpoint_mev / bins as f64;
        let simpson = |a: f64, b: f64| {
            let m = 200;
            let h = (b - a) / m as f64;
            (0..=m)
                .map(|k| {
                    let c = if k == 0 || k == m {
                        1.0
                    } else if k % 2 == 1 {
                        4.0
                    } else {
                        2.0
                    };
                    c * density(&params, a + k as f64 * h)
                })
                .sum::<f64>()
                * h
                / 3.0
        };
        let exact: Vec<f64> = (0..bins)
            .map(|i| simpson(i as f64 * w, (i + 1) as f64 * w))
            .collect();
        let total: f64 = exact.iter().sum();
        for (i, e) in exact.iter().enumerate() {
            let p = s.cdf((i + 1) as f64 * w) - s.cdf(i as f64 * w);
            let q = e / total;
            if q > 1e-3 {
                assert!(
                    (p / q - 1.0).abs() < 3e-3,
                    "{what} bin {i}: table {p} vs density {q}"
                );
            }
        }
    }
}

#[test]
fn energy_conservation_per_decay() {
    // Per decay: a beta- emitter emits exactly one beta particle below the largest endpoint; an
    // alpha decay emits one alpha and its recoil, E_alpha + E_recoil <= Q_alpha (0.02%). On average: the
    // emitted energy plus the antineutrino energy (sum over branches of I (E0 - <T>)) equals the
    // decay energy sum(BR x Q) of ENDF/B-VIII.1 within 1% (lines are sampled independently, so
    // the balance holds per decay only on average).
    for name in [
        "Lu-177", "Y-90", "I-131", "Tb-161", "Ac-225", "Fr-221", "Bi-213", "Pb-212",
    ] {
        // ENDF explicitly: the balance needs the Q values, which ICRP-07 does not give
        let nuc = Nuclide::load_from(name, DecayData::Endf).unwrap();
        let q_alpha = nuc
            .modes
            .iter()
            .filter(|m| m.mode == "alpha")
            .map(|m| m.q_mev)
            .fold(0.0, f64::max);
        let e0_max = nuc
            .beta_minus
            .iter()
            .map(|b| b.energy_mev)
            .fold(0.0, f64::max);
        let q: f64 = nuc.modes.iter().map(|m| m.branching * m.q_mev).sum();
        let nu: f64 = nuc
            .beta_minus
            .iter()
            .map(|b| b.intensity * (b.energy_mev - b.spectrum.as_ref().unwrap().mean_mev))
            .sum();
        let n = 400_000u64;
        let (mut total, mut out) = (0.0, Vec::new());
        for i in 0..n {
            let mut rng = HistoryRng::new(3, i);
            out.clear();
            nuc.sample_decay(&mut rng, &mut out);
            let betas: Vec<f64> = out
                .iter()
                .filter(|e| e.kind == EmissionKind::Electron)
                .filter(|e| nuc.electrons.iter().all(|l| l.energy_mev != e.energy_mev))
                .map(|e| e.energy_mev)
                .collect();
            let alphas: Vec<_> = out
                .iter()
                .filter(|e| e.kind == EmissionKind::Alpha)
                .collect();
            let recoils: Vec<_> = out
                .iter()
                .filter(|e| e.kind == EmissionKind::Recoil)
                .collect();
            assert!(
                betas.len() + alphas.len() <= 1,
                "{name}: two primaries in one decay"
            );
            assert!(betas.iter().all(|&t| t <= e0_max));
            assert_eq!(alphas.len(), recoils.len());
            if let (Some(a), Some(r)) = (alphas.first(), recoils.first()) {
                // within the rounding of the tabulated alpha energies (Ac-225: 5.8300 + 0.1056 MeV
                // vs Q 5.9351 MeV, +0.008%)
                assert!(a.energy_mev + r.energy_mev <= q_alpha * (1.0 + 2e-4));
            }
            total += out.iter().map(|e| e.energy_mev).sum::<f64>();
        }
        let emitted = total / n as f64 + nu;
        eprintln!("{name}: emitted + antineutrino {emitted:.5} MeV, sum BR x Q {q:.5} MeV");
        assert!((emitted / q - 1.0).abs() < 0.01, "{name}: {emitted} vs {q}");
    }
}
