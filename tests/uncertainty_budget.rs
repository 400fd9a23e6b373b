//! The whole-chain uncertainty budget of a therapy study (issue 19) against closed forms: a
//! region dose with a calibration uncertainty alone gives the analytic interval, a
//! mono-exponential fit's covariance alone the delta method's, intervals shrink with their
//! inputs and contain the nominal value, every input fixed but the Monte Carlo collapses to
//! the Monte Carlo interval, and the budget is bit-identical for any thread count.

use std::time::Instant;
use theradose::biology::tissues::TissueDb;
use theradose::biology::DoseRateShape;
use theradose::dosimetry::kinetics::Model;
use theradose::study::therapy::radiobiology::Role;
use theradose::study::therapy::uncertainty::model::{Bins, Kinetics, RegionCase, MAX_BINS};
use theradose::study::therapy::uncertainty::sample::{Problem, QuantityBudget, Z95};
use theradose::study::therapy::uncertainty::spec::{
    all_fixed, defaults, Dist, DistKind, Input, N_INPUTS,
};
use theradose::study::therapy::uncertainty::{cholesky, solve, Budget};

const DOSE_GY: f64 = 10.0;

fn shape() -> DoseRateShape {
    DoseRateShape::Exponential {
        effective_half_life_h: 50.0,
    }
}

/// A region of 100 voxels at `DOSE_GY` per cycle, one cycle, no tissue (BED = dose).
fn region(kinetics: Kinetics, mc_rel: f64) -> RegionCase {
    let lo = vec![DOSE_GY; 100];
    let al = vec![0.0; 100];
    RegionCase {
        name: "r".into(),
        role: Role::Other,
        tissue: None,
        bins: Bins::of(&lo, &al, MAX_BINS),
        voxel_cm3: 0.064,
        cycles: 1,
        geud_a: 1.0,
        mean_dose_gy: DOSE_GY,
        kinetics,
        fallback_shape: shape(),
        mc_rel,
        response: None,
        dose_only: false,
    }
}

fn fixed_shape() -> Kinetics {
    Kinetics::Shape {
        shape: shape(),
        tia_rel: 0.0,
    }
}

fn run(regions: Vec<RegionCase>, inputs: [Dist; N_INPUTS], samples: usize) -> Budget {
    let p = Problem {
        regions,
        inputs,
        samples,
        seed: 7,
    };
    solve(&p, Instant::now())
}

fn q<'a>(b: &'a Budget, region: &str, quantity: &str) -> &'a QuantityBudget {
    b.regions
        .iter()
        .find(|r| r.name == region)
        .and_then(|r| r.quantities.iter().find(|q| q.quantity == quantity))
        .unwrap_or_else(|| panic!("{region} {quantity}"))
}

fn with(i: Input, distribution: DistKind, rel_sd: f64) -> [Dist; N_INPUTS] {
    let mut x = all_fixed();
    x[i.index()] = Dist {
        distribution,
        rel_sd,
    };
    x
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

/// 4000 samples: the standard error of a 2.5% quantile of a normal is sqrt(p(1-p)/n)/phi(1.96)
/// = 0.042 sigma, here 0.2% of the bound, so the issue's 2% is ten standard errors.
#[test]
fn calibration_alone_gives_the_analytic_dose_interval() {
    let s = 0.05;
    for (kind, lo, hi) in [
        (DistKind::Normal, 1.0 - Z95 * s, 1.0 + Z95 * s),
        (DistKind::Lognormal, (-Z95 * s).exp(), (Z95 * s).exp()),
    ] {
        let b = run(
            vec![region(fixed_shape(), 0.0)],
            with(Input::Calibration, kind, s),
            4000,
        );
        let d = q(&b, "r", "mean_dose_gy");
        eprintln!(
            "calibration {kind:?} 5%: sampled [{:.4}, {:.4}] Gy, analytic [{:.4}, {:.4}] Gy",
            d.low,
            d.high,
            DOSE_GY * lo,
            DOSE_GY * hi
        );
        assert!(rel(d.low, DOSE_GY * lo) < 0.02, "{kind:?} {d:?}");
        assert!(rel(d.high, DOSE_GY * hi) < 0.02, "{kind:?} {d:?}");
        assert_eq!(d.dominant, Some(Input::Calibration));
        // BED = dose without a tissue: the same interval
        let bed = q(&b, "r", "bed_gy");
        assert!(rel(bed.high, d.high) < 1e-12);
        // the MIRD-style analytic check agrees (first order; lognormal within its skew)
        let a = &b.analytic[0];
        assert!((a.width_ratio - 1.0).abs() < 0.02, "{a:?}");
    }
}

/// A mono-exponential TAC A0 e^(-lambda t) with 4% and 5% standard deviations on A0 and lambda,
/// correlation 0.5: TIA = A0/lambda, delta method u^2 = a^2 + l^2 - 2 rho a l. The sampled 95%
/// interval's half-width over 1.96 D agrees within the issue's 5% (1/lambda's curvature adds
/// ~1% at 5%, the quantiles' sampling error ~0.5% with 10000 samples).
#[test]
fn fit_covariance_alone_agrees_with_the_delta_method() {
    let (a0, lambda) = (100.0, std::f64::consts::LN_2 / 50.0);
    let (sa, sl, rho) = (0.04 * a0, 0.05 * lambda, 0.5);
    let cov = vec![vec![sa * sa, rho * sa * sl], vec![rho * sa * sl, sl * sl]];
    let k = Kinetics::Fit {
        model: Model::Mono,
        params: vec![a0, lambda],
        chol: cholesky(&cov),
    };
    let b = run(
        vec![region(k, 0.0)],
        with(Input::Fit, DistKind::Normal, 1.0),
        10_000,
    );
    let u = (0.04f64.powi(2) + 0.05f64.powi(2) - 2.0 * rho * 0.04 * 0.05).sqrt();
    // the analytic module's delta method is the closed form (finite-difference gradient)
    assert!(rel(b.analytic[0].rel_sd, u) < 1e-6, "{:?}", b.analytic[0]);
    let d = q(&b, "r", "mean_dose_gy");
    let sampled = (d.high - d.low) / (2.0 * Z95 * DOSE_GY);
    eprintln!("fit covariance: sampled half-width/1.96 {sampled:.5}, delta method {u:.5}");
    assert!(
        rel(sampled, u) < 0.05,
        "sampled {sampled}, delta method {u}"
    );
    assert_eq!(d.dominant, Some(Input::Fit));
}

/// A lesion of tumour tissue with a dose gradient of 30-50 Gy per cycle over 200 voxels (TCP in
/// its transition) and 2 % Monte Carlo uncertainty.
fn tumour_lesion() -> RegionCase {
    let db = TissueDb::load().unwrap();
    let tumour = db.tissue("tumour").unwrap().clone();
    let lo: Vec<f64> = (0..200).map(|i| 30.0 + 20.0 * i as f64 / 199.0).collect();
    let al = vec![0.0; 200];
    let mut c = region(fixed_shape(), 0.02);
    c.name = "lesion".into();
    c.role = Role::Lesion;
    c.tissue = Some(("tumour".into(), tumour));
    c.bins = Bins::of(&lo, &al, MAX_BINS);
    c.mean_dose_gy = lo.iter().sum::<f64>() / 200.0;
    c
}

/// A lesion of tumour tissue (TCP) with every default input, and the same with every relative
/// standard deviation halved and quartered: every interval narrows and contains the nominal.
#[test]
fn intervals_shrink_with_their_inputs_and_contain_the_nominal() {
    let c = tumour_lesion();
    let mut widths: Vec<Vec<f64>> = Vec::new();
    for f in [1.0, 0.5, 0.25] {
        let mut inputs = defaults().unwrap();
        for d in inputs.iter_mut() {
            d.rel_sd *= f;
        }
        let b = run(vec![c.clone()], inputs, 1000);
        let mut w = Vec::new();
        for name in ["mean_dose_gy", "bed_gy", "eqd2_gy", "geud_gy", "tcp"] {
            let x = q(&b, "lesion", name);
            assert!(
                x.low <= x.nominal && x.nominal <= x.high,
                "{name} at {f}: {x:?}"
            );
            w.push(x.high - x.low);
        }
        widths.push(w);
    }
    for k in 1..widths.len() {
        for (j, (a, b)) in widths[k - 1].iter().zip(&widths[k]).enumerate() {
            assert!(b < a, "quantity {j}: width {b} not below {a}");
        }
    }
}

/// Every input fixed but the Monte Carlo: the dose interval is D (1 ± 1.96 u) with u the
/// region's Monte Carlo uncertainty (2%: the quantiles' sampling error as above); with the
/// Monte Carlo fixed too, every interval is the nominal value.
#[test]
fn fixed_inputs_collapse_to_the_monte_carlo_uncertainty() {
    let u = 0.03;
    let b = run(
        vec![region(fixed_shape(), u)],
        with(Input::MonteCarlo, DistKind::Normal, 1.0),
        4000,
    );
    let d = q(&b, "r", "mean_dose_gy");
    eprintln!(
        "Monte Carlo 3% alone: sampled [{:.4}, {:.4}] Gy",
        d.low, d.high
    );
    assert!(rel(d.low, DOSE_GY * (1.0 - Z95 * u)) < 0.02, "{d:?}");
    assert!(rel(d.high, DOSE_GY * (1.0 + Z95 * u)) < 0.02, "{d:?}");
    assert_eq!(d.dominant, Some(Input::MonteCarlo));
    let b = run(vec![region(fixed_shape(), u)], all_fixed(), 200);
    for x in &b.regions[0].quantities {
        assert_eq!((x.low, x.median, x.high), (x.nominal, x.nominal, x.nominal));
        assert_eq!(x.dominant, None);
    }
}

/// The same seed gives the same budget, bit for bit, on 1, 2 and 7 threads.
#[test]
fn the_budget_is_bit_identical_for_any_thread_count() {
    let db = TissueDb::load().unwrap();
    let mut c = region(fixed_shape(), 0.02);
    c.tissue = Some(("kidney".into(), db.tissue("kidney").unwrap().clone()));
    c.role = Role::OrganAtRisk;
    let json = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let b = pool.install(|| {
            run(
                vec![c.clone(), region(fixed_shape(), 0.01)],
                defaults().unwrap(),
                300,
            )
        });
        serde_json::to_string(&b.regions).unwrap()
    };
    let one = json(1);
    assert_eq!(one, json(2));
    assert_eq!(one, json(7));
}

/// The dose bins against the voxels: 1000 voxels over 20 Gy in 64 bins give the voxel mean BED
/// within 1e-3 and TCP and NTCP within 0.002 absolute (the within-bin spread shifts the
/// surviving clonogens by about (alpha x bin width)^2/24 of their number); so does a lesion of
/// 221 voxels (a 30 mm sphere at 4 mm) with a cold rim, 18 to 60 Gy, where the surviving
/// clonogens sit in the few coldest voxels (kept as single-voxel bins).
#[test]
fn dose_bins_reproduce_the_voxel_radiobiology() {
    use theradose::biology::{bed_map, region_ntcp, region_tcp};
    use theradose::study::therapy::uncertainty::model::{evaluate, Factors};
    let db = TissueDb::load().unwrap();
    let spread = |d0: f64| -> Vec<f64> {
        (0..1000)
            .map(|i| d0 + 20.0 * ((i * 37) % 1000) as f64 / 1000.0)
            .collect()
    };
    let rim: Vec<f64> = (0..221)
        .map(|i| 60.0 * (1.0 - 0.7 * (-(i as f64) / 15.0).exp()))
        .collect();
    let cases = [
        ("tumour", Role::Lesion, spread(20.0)),
        ("tumour", Role::Lesion, spread(45.0)),
        ("tumour", Role::Lesion, rim),
        ("kidney", Role::OrganAtRisk, spread(10.0)),
        ("kidney", Role::OrganAtRisk, spread(25.0)),
    ];
    for (tissue, role, lo) in cases {
        let n = lo.len();
        let d0 = lo[0];
        let al = vec![0.0; n];
        let t = db.tissue(tissue).unwrap().clone();
        let mut c = region(fixed_shape(), 0.0);
        c.role = role;
        c.tissue = Some((tissue.into(), t.clone()));
        c.bins = Bins::of(&lo, &al, MAX_BINS);
        c.mean_dose_gy = lo.iter().sum::<f64>() / n as f64;
        let v = evaluate(&c, &Factors::nominal());
        let bed = bed_map(&lo, Some(&al), &shape(), &t, 1).unwrap();
        let mean_bed = bed.iter().sum::<f64>() / n as f64;
        assert!(
            rel(v.bed_gy, mean_bed) < 1e-3,
            "{tissue}: {} {mean_bed}",
            v.bed_gy
        );
        match role {
            Role::Lesion => {
                let tcp = region_tcp(&bed, 0.064, &t).unwrap();
                assert!((v.tcp - tcp).abs() < 2e-3, "{d0}: {} {tcp}", v.tcp);
            }
            _ => {
                let ntcp = region_ntcp(&bed, &t).unwrap();
                assert!((v.ntcp - ntcp).abs() < 2e-3, "{d0}: {} {ntcp}", v.ntcp);
            }
        }
    }
}

/// The response model on the merged dose groups against every voxel: a lesion of 1000 voxels
/// over 20 Gy (one cycle, follow-up after 6 weeks) gives the voxels' mean relative uptake and
/// viable fraction within 1e-3 absolute (32 groups of at most ~1.2 Gy; 16 groups missed by
/// 1.4e-3 at 2-22 Gy, where the uptake is steepest in dose).
#[test]
fn response_groups_reproduce_the_voxel_response() {
    use theradose::biology::response::relative_uptake;
    use theradose::biology::{ResponseModel, ResponseParams};
    use theradose::study::therapy::uncertainty::model::{evaluate, Factors, ResponseCase};
    let db = TissueDb::load().unwrap();
    let t = db.tissue("tumour").unwrap().clone();
    let tracer = db.tracer("psma").unwrap().clone();
    let n = 1000;
    for d0 in [2.0, 10.0] {
        let lo: Vec<f64> = (0..n)
            .map(|i| d0 + 20.0 * ((i * 37) % n) as f64 / n as f64)
            .collect();
        let al = vec![0.0; n];
        let mut c = region(fixed_shape(), 0.0);
        c.role = Role::Lesion;
        c.tissue = Some(("tumour".into(), t.clone()));
        c.bins = Bins::of(&lo, &al, MAX_BINS);
        c.response = Some(ResponseCase {
            tracer: tracer.clone(),
            suv_change_pct: vec![("suv_peak_change_pct".into(), -50.0)],
            cycle_starts_h: vec![0.0],
            followup_h: 6.0 * 168.0,
            percist: None,
        });
        let v = evaluate(&c, &Factors::nominal());
        let p = ResponseParams::from_tissue(&t).unwrap();
        let model = ResponseModel::new(p, &shape(), &[0.0], 6.0 * 168.0).unwrap();
        let cells = model.voxels(&lo, Some(&al)).unwrap();
        let viable = cells.iter().map(|x| x.viable).sum::<f64>() / n as f64;
        let uptake = cells
            .iter()
            .map(|x| relative_uptake(x, &tracer))
            .sum::<f64>()
            / n as f64;
        eprintln!(
            "{d0} Gy: uptake {} (voxels {uptake}), viable {} ({viable})",
            v.uptake, v.viable_fraction
        );
        assert!((v.uptake - uptake).abs() < 1e-3, "{} {uptake}", v.uptake);
        assert!(
            (v.viable_fraction - viable).abs() < 1e-3,
            "{} {viable}",
            v.viable_fraction
        );
    }
}

/// PERCIST category probabilities (issue 19): a lesion whose sample SUVpeak change equals its
/// budget quantity (the reported follow-up SUVpeak set to baseline x (1 + change)). With every
/// input fixed its nominal category has probability 1; with the calibration varying, the
/// follow-up is placed so that the -30% PMR threshold sits at the 2.5th percentile of the
/// sampled change (from a first run with the same samples): P(PMR) is 0.025 within 2 samples
/// of 4000, and the four probabilities add up to 1.
#[test]
fn percist_probabilities_follow_the_sampled_suv_change() {
    use theradose::study::therapy::uncertainty::model::{PercistCase, ResponseCase};
    let db = TissueDb::load().unwrap();
    let t = db.tissue("tumour").unwrap().clone();
    let tracer = db.tracer("psma").unwrap().clone();
    let lesion = |change: f64| {
        let lo: Vec<f64> = (0..200).map(|i| 8.0 + 0.02 * i as f64).collect();
        let mut c = region(fixed_shape(), 0.0);
        c.name = "lesion".into();
        c.role = Role::Lesion;
        c.tissue = Some(("tumour".into(), t.clone()));
        c.bins = Bins::of(&lo, &vec![0.0; 200], MAX_BINS);
        c.response = Some(ResponseCase {
            tracer: tracer.clone(),
            suv_change_pct: vec![("suv_peak_change_pct".into(), change)],
            cycle_starts_h: vec![0.0],
            followup_h: 6.0 * 168.0,
            percist: Some(PercistCase {
                baseline_suv_peak: 10.0,
                followup_suv_peak: 10.0 * (1.0 + change / 100.0),
                background_suv: None,
            }),
        });
        c
    };
    let p = |b: &Budget, k: &str| b.regions[0].percist_probability.as_ref().unwrap()[k];
    let fixed = run(vec![lesion(-60.0)], all_fixed(), 50);
    assert_eq!(p(&fixed, "PMR"), 1.0);
    let n = 4000;
    let inputs = with(Input::Calibration, DistKind::Lognormal, 0.3);
    let first = run(vec![lesion(-50.0)], inputs, n);
    let low = q(&first, "lesion", "suv_peak_change_pct").low;
    // the uptake ratio at the 2.5th percentile, and the change that puts it at -30%
    let r = (1.0 + low / 100.0) / 0.5;
    let change = (0.7 / r - 1.0) * 100.0;
    let b = run(vec![lesion(change)], inputs, n);
    let probs = b.regions[0].percist_probability.clone().unwrap();
    eprintln!("2.5th percentile {low:.2} %, nominal change {change:.2} %: {probs:?}");
    assert!((p(&b, "PMR") - 0.025).abs() <= 2.0 / n as f64, "{probs:?}");
    assert!((probs.values().sum::<f64>() - 1.0).abs() < 1e-12);
    assert_eq!(p(&b, "CMR"), 0.0, "no background given");
}

/// The population spread sigma_alpha as an input (issue 19, item 1): alone it moves the TCP of
/// a lesion in its transition (interval around the nominal, sigma_alpha the dominant input) and
/// leaves the dose exactly nominal; and since it draws after every other input, adding it to
/// the defaults leaves the other inputs' draws bit for bit: with it fixed or varying, the dose
/// and BED intervals (which it cannot move) are identical.
#[test]
fn sigma_alpha_moves_tcp_only_and_keeps_the_other_draws() {
    let c = tumour_lesion();
    let alone = run(
        vec![c.clone()],
        with(Input::SigmaAlpha, DistKind::Lognormal, 0.3),
        1000,
    );
    let tcp = q(&alone, "lesion", "tcp");
    let dose = q(&alone, "lesion", "mean_dose_gy");
    eprintln!("sigma_alpha alone: TCP {tcp:?}");
    assert!(tcp.low < tcp.nominal && tcp.nominal < tcp.high, "{tcp:?}");
    assert_eq!(tcp.dominant, Some(Input::SigmaAlpha));
    assert_eq!((dose.low, dose.high), (dose.nominal, dose.nominal));
    let mut varying = defaults().unwrap();
    let mut fixed = varying;
    fixed[Input::SigmaAlpha.index()] = all_fixed()[0];
    varying[Input::SigmaAlpha.index()].rel_sd = 0.3;
    let (a, b) = (run(vec![c.clone()], varying, 500), run(vec![c], fixed, 500));
    for name in ["mean_dose_gy", "bed_gy"] {
        let (x, y) = (q(&a, "lesion", name), q(&b, "lesion", name));
        assert_eq!((x.low, x.high), (y.low, y.high), "{name}");
    }
}
