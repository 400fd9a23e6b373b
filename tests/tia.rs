//! Time-activity fits and time-integrated activity (issue 6): exact integrals of noise-free
//! curves, AICc model choice, covariance against Monte Carlo spread, trapezoid bias, the
//! single-time-point formulas, per-voxel maps, resampling and CLI errors.

use std::f64::consts::LN_2;
use theradose::dosimetry::kinetics::voxel::{fit_regions, tia_map, VoxelFitOptions};
use theradose::dosimetry::kinetics::{
    fit_tac, simple, Model, ModelChoice, TacOptions, TrapezoidStart, Weights,
};
use theradose::rng::HistoryRng;

/// Lu-177 half-life 6.647 d = 159.5 h (ENDF/B-VIII.1, as in data/decay/Lu-177.txt).
const LU177_HALF_LIFE_H: f64 = 159.53;

fn sum_exp(p: &[(f64, f64)], t: f64) -> f64 {
    p.iter().map(|(a, l)| a * (-l * t).exp()).sum()
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

/// Standard normal deviate (Box–Muller) from the crate's per-history generator.
fn normal(rng: &mut HistoryRng) -> f64 {
    let (u1, u2) = (rng.uniform_open(), rng.uniform());
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn opts(choice: ModelChoice) -> TacOptions {
    TacOptions::new(choice, Some(LN_2 / LU177_HALF_LIFE_H))
}

const MONO: [(f64, f64); 1] = [(50.0, LN_2 / 40.0)];
/// A fast (4 h) and a slow (80 h) effective component, like a kidney after a PSMA ligand.
const BI: [(f64, f64); 2] = [(30.0, LN_2 / 80.0), (70.0, LN_2 / 4.0)];
const TIMES_H: [f64; 10] = [0.5, 1.0, 2.0, 4.0, 8.0, 24.0, 48.0, 96.0, 168.0, 240.0];

fn curve(p: &[(f64, f64)]) -> Vec<f64> {
    TIMES_H.iter().map(|&t| sum_exp(p, t)).collect()
}

fn analytic_tia(p: &[(f64, f64)]) -> f64 {
    p.iter().map(|(a, l)| a / l).sum()
}

/// Issue 6: TIA of noise-free mono- and bi-exponential data equals the analytic integral
/// `sum A_k / lambda_k` within 0.5 %.
#[test]
fn noise_free_tia_equals_analytic_integral() {
    for (p, model) in [(&MONO[..], Model::Mono), (&BI[..], Model::Bi)] {
        let y = curve(p);
        let sigma: Vec<f64> = y.iter().map(|v| 0.1 * v).collect();
        for choice in [ModelChoice::Fixed(model), ModelChoice::Auto] {
            let f = fit_tac(&TIMES_H, &y, Weights::Relative(&sigma), &opts(choice)).unwrap();
            let want = analytic_tia(p);
            assert!(rel(f.tia, want) < 0.005, "{choice:?}: {} vs {want}", f.tia);
            assert_eq!(f.model, model, "{choice:?}");
        }
    }
}

fn noisy(p: &[(f64, f64)], rel_sd: f64, seed: u64) -> Vec<f64> {
    let mut rng = HistoryRng::new(seed, 0);
    curve(p)
        .iter()
        .map(|v| v * (1.0 + rel_sd * normal(&mut rng)))
        .collect()
}

/// AICc (Burnham & Anderson 2002; Glatting et al., Med Phys 34 (2007) 4285) picks the
/// generating model in most noisy realisations: 10 points, 3 % noise. AICc chooses a too-rich
/// model by chance in a minority of cases, so the test asks for at least 16 of 20.
#[test]
fn aicc_picks_the_generating_model() {
    for (p, model) in [(&MONO[..], Model::Mono), (&BI[..], Model::Bi)] {
        let mut hits = 0;
        for seed in 0..20 {
            let y = noisy(p, 0.03, seed + 100);
            let sigma: Vec<f64> = y.iter().map(|v| 0.03 * v).collect();
            let f = fit_tac(
                &TIMES_H,
                &y,
                Weights::Relative(&sigma),
                &opts(ModelChoice::Auto),
            )
            .unwrap();
            hits += usize::from(f.model == model);
        }
        eprintln!("AICc: {model:?} chosen {hits}/20");
        assert!(hits >= 16, "{model:?} chosen {hits}/20");
    }
}

/// The delta-method TIA uncertainty (g^T C g) matches the spread of the TIA over 400 noisy
/// realisations within 20 % (the sample sd of 400 draws is itself uncertain by ~3.5 %; the
/// delta method is first order, so a bias of a few % is expected at 5 % noise).
#[test]
fn tia_uncertainty_matches_monte_carlo_spread() {
    for (p, model) in [(&MONO[..], Model::Mono), (&BI[..], Model::Bi)] {
        let truth = curve(p);
        let sigma: Vec<f64> = truth.iter().map(|v| 0.05 * v).collect();
        let (mut tias, mut predicted) = (Vec::new(), Vec::new());
        for seed in 0..400 {
            let mut rng = HistoryRng::new(7, seed);
            let y: Vec<f64> = truth
                .iter()
                .zip(&sigma)
                .map(|(v, s)| (v + s * normal(&mut rng)).max(0.0))
                .collect();
            let f = fit_tac(
                &TIMES_H,
                &y,
                Weights::Absolute(&sigma),
                &opts(ModelChoice::Fixed(model)),
            )
            .unwrap();
            tias.push(f.tia);
            predicted.push(f.tia_sd.unwrap());
        }
        let n = tias.len() as f64;
        let mean = tias.iter().sum::<f64>() / n;
        let sd = (tias.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        let pred = predicted.iter().sum::<f64>() / n;
        eprintln!("{model:?}: predicted sd {pred:.3}, MC spread {sd:.3}, mean {mean:.2}");
        assert!(
            rel(pred, sd) < 0.2,
            "{model:?}: predicted {pred}, spread {sd}"
        );
        assert!(rel(mean, analytic_tia(p)) < 0.02, "{model:?}: mean {mean}");
    }
}

/// Trapezoid on a pure exponential sampled every `dt`: each segment's trapezoid is the exact
/// integral times `(x/2) coth(x/2)`, `x = lambda dt` (a standard identity of the trapezoid on
/// e^(-lambda t)); the tail `A_n / lambda` is exact; the start adds `t_1 A_1 / 2`.
#[test]
fn trapezoid_with_tail_has_its_known_bias() {
    let lambda = LN_2 / LU177_HALF_LIFE_H;
    let (a0, dt) = (100.0, 24.0);
    let t: Vec<f64> = (1..=7).map(|k| k as f64 * dt).collect();
    let y: Vec<f64> = t.iter().map(|&t| a0 * (-lambda * t).exp()).collect();
    let (tia, _) = simple::trapezoid_tail(&t, &y, lambda, TrapezoidStart::Zero);
    let x = lambda * dt;
    let body = (y[0] - y[6]) / lambda * (x / 2.0) / (x / 2.0).tanh();
    let want = 0.5 * t[0] * y[0] + body + y[6] / lambda;
    assert!(rel(tia, want) < 1e-12, "{tia} vs {want}");
    // And the fit result carries it with the propagated point errors.
    let sigma: Vec<f64> = y.iter().map(|v| 0.1 * v).collect();
    let f = fit_tac(
        &t,
        &y,
        Weights::Absolute(&sigma),
        &opts(ModelChoice::Fixed(Model::Trapezoid)),
    )
    .unwrap();
    assert!(rel(f.tia, want) < 1e-12);
    assert!(rel(f.effective_half_life_h.unwrap(), LU177_HALF_LIFE_H) < 1e-9);
}

/// Hänscheid et al. 2018 (J Nucl Med 59:75): TIA = A(t) 2t / ln 2; Madsen et al. 2018 (Med
/// Phys 45:2318): TIA = A(t) e^(lambda t) / lambda. Hand values: 10 MBq at 96 h gives
/// 10 * 192 / 0.693147 = 2769.97 MBq h; with T_eff = 60 h, lambda = 0.0115525 /h,
/// e^(1.109040) = 3.031433, TIA = 2624.05 MBq h.
#[test]
fn single_time_point_formulas_match_hand_calculation() {
    let one = |m: Model, th: Option<f64>| {
        let mut o = opts(ModelChoice::Fixed(m));
        o.effective_half_life_h = th;
        fit_tac(&[96.0], &[10.0], Weights::Absolute(&[0.5]), &o).unwrap()
    };
    let h = one(Model::Hanscheid, None);
    assert!(rel(h.tia, 2769.97) < 1e-5, "{}", h.tia);
    assert!(rel(h.tia_rel_uncertainty().unwrap(), 0.05) < 1e-12);
    let m = one(Model::Madsen, Some(60.0));
    assert!(rel(m.tia, 2624.05) < 1e-5, "{}", m.tia);
    // Hänscheid is exact for a mono-exponential whose effective half-life equals t.
    let a_t = 50.0 * (-LN_2 / 96.0 * 96.0f64).exp();
    assert!(rel(simple::hanscheid(96.0, a_t), 50.0 * 96.0 / LN_2) < 1e-12);
}

/// Data that decay slower than the nuclide (noise on a near-physical curve) get the slowest
/// rate clamped at the physical decay constant.
#[test]
fn rates_slower_than_physical_decay_are_clamped() {
    let lambda = LN_2 / LU177_HALF_LIFE_H;
    let y: Vec<f64> = TIMES_H
        .iter()
        .map(|&t| 20.0 * (-0.8 * lambda * t).exp())
        .collect();
    let sigma: Vec<f64> = y.iter().map(|v| 0.05 * v).collect();
    let f = fit_tac(
        &TIMES_H,
        &y,
        Weights::Relative(&sigma),
        &opts(ModelChoice::Fixed(Model::Mono)),
    )
    .unwrap();
    assert!(f.clamped_to_physical);
    assert!(rel(f.params[1], lambda) < 1e-12);
    assert!(rel(f.effective_half_life_h.unwrap(), LU177_HALF_LIFE_H) < 1e-9);
}

/// Uptake-washout data are fitted by that model (noise-free, exact integral within 0.5 %).
#[test]
fn uptake_washout_fit() {
    let (a, lw, lu) = (40.0, LN_2 / 60.0, LN_2 / 3.0);
    let y: Vec<f64> = TIMES_H
        .iter()
        .map(|&t| a * ((-lw * t).exp() - (-lu * t).exp()))
        .collect();
    let sigma: Vec<f64> = y.iter().map(|v| 0.1 * v).collect();
    let f = fit_tac(
        &TIMES_H,
        &y,
        Weights::Relative(&sigma),
        &opts(ModelChoice::Auto),
    )
    .unwrap();
    assert_eq!(f.model, Model::UptakeWashout);
    let terms = f.exponential_terms().unwrap();
    let at = |t: f64| terms.iter().map(|(a, l)| a * (-l * t).exp()).sum::<f64>();
    assert!((at(30.0) - f.eval(30.0)).abs() < 1e-12 * f.eval(30.0));
    assert!(rel(f.tia, a * (1.0 / lw - 1.0 / lu)) < 0.005);
    assert!(rel(f.effective_half_life_h.unwrap(), 60.0) < 0.005);
}

/// Voxel maps: a mono-exponential voxel gets its analytic integral (Bq s), an all-zero voxel
/// stays 0, a voxel with a single positive value falls back to the trapezoid; regions sum.
#[test]
fn voxel_map_and_regions() {
    let lambda = LN_2 / LU177_HALF_LIFE_H;
    let t = [4.0, 24.0, 96.0, 168.0];
    let mono = |a: f64, th: f64, t: f64| a * (-LN_2 / th * t).exp();
    let images: Vec<Vec<f64>> = t
        .iter()
        .map(|&t| {
            let one = if t == 24.0 { 5.0 } else { 0.0 };
            vec![mono(1e6, 50.0, t), 0.0, one, mono(2e6, 50.0, t)]
        })
        .collect();
    let refs: Vec<&[f64]> = images.iter().map(|v| v.as_slice()).collect();
    let o = VoxelFitOptions {
        choice: ModelChoice::Fixed(Model::Mono),
        lambda_phys_per_h: lambda,
        rel_sigma: 0.1,
        trapezoid_start: TrapezoidStart::Zero,
    };
    let (tia, unc) = tia_map(&t, &refs, &o).unwrap();
    let want = 1e6 * 50.0 / LN_2 * 3600.0;
    assert!(rel(tia[0], want) < 1e-6, "{} vs {want}", tia[0]);
    assert_eq!((tia[1], unc[1]), (0.0, 0.0));
    let trap = (0.5 * (24.0 - 4.0) + 0.5 * (96.0 - 24.0)) * 5.0 * 3600.0;
    assert!(rel(tia[2], trap) < 1e-12, "{} vs {trap}", tia[2]);
    assert!(unc[0] > 0.0 && unc[0] < 0.2);
    // Region 7 holds voxels 0 and 3: a mono curve of 3e6 Bq.
    let labels = [7u16, 0, 0, 7];
    let fits = fit_regions(&t, &refs, &labels, &[7], 0.1, &opts(ModelChoice::Auto)).unwrap();
    assert!(rel(fits[0].tia, 3e6 * 50.0 / LN_2) < 1e-6);
    // A negative voxel is an error that names the image and the voxel.
    let mut bad = images.clone();
    bad[1][3] = -1.0;
    let refs: Vec<&[f64]> = bad.iter().map(|v| v.as_slice()).collect();
    let e = tia_map(&t, &refs, &o).unwrap_err().to_string();
    assert!(e.contains("image 2") && e.contains("voxel 3"), "{e}");
}

mod resampling {
    use theradose::dosimetry::resample::{resample, ResampleMode};
    use theradose::io::{Grid, Volume};
    use theradose::rng::HistoryRng;

    fn random_activity(grid: Grid, seed: u64) -> Volume<f64> {
        let mut rng = HistoryRng::new(seed, 0);
        let data = (0..grid.len()).map(|_| 1e3 * rng.uniform()).collect();
        Volume { grid, data }
    }

    /// Activity mode keeps the total (exact overlap, grids with parallel faces; the target
    /// covers the source): 1e-9 relative, round-off of the sums.
    #[test]
    fn activity_mode_conserves_total_activity() {
        let src = random_activity(Grid::new([10, 8, 6], [2.0, 2.0, 2.0]), 3);
        let mut target = Grid::new([8, 6, 5], [3.0, 3.0, 3.0]);
        target.origin_mm[0] += 0.7; // target no longer symmetric, still covers the source
        let out = resample(&src, &target, ResampleMode::ConserveActivity).unwrap();
        let (a, b) = (src.data.iter().sum::<f64>(), out.data.iter().sum::<f64>());
        assert!((a - b).abs() < 1e-9 * a, "{a} vs {b}");
        // Rotated target (90 degrees about z): the rescaled trilinear path, same total.
        let mut rot = Grid::new([9, 12, 5], [2.5, 2.5, 3.0]);
        rot.direction = [[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]];
        rot.origin_mm = [13.75, -10.0, -6.0]; // centre of the rotated grid at the world origin
        let out = resample(&src, &rot, ResampleMode::ConserveActivity).unwrap();
        let b = out.data.iter().sum::<f64>();
        assert!((a - b).abs() < 1e-9 * a, "{a} vs {b}");
    }

    /// Trilinear interpolation reproduces a linear concentration field exactly (1e-12) at
    /// target centres inside the hull of the source centres.
    #[test]
    fn trilinear_reproduces_a_linear_field() {
        let src_grid = Grid::new([12, 10, 8], [2.0, 2.5, 3.0]);
        let field = |w: [f64; 3]| 5.0 + 0.3 * w[0] - 0.2 * w[1] + 0.05 * w[2];
        let mut data = Vec::with_capacity(src_grid.len());
        for k in 0..8 {
            for j in 0..10 {
                for i in 0..12 {
                    data.push(field(src_grid.world_mm([i as f64, j as f64, k as f64])));
                }
            }
        }
        let src = Volume {
            grid: src_grid,
            data,
        };
        let mut target = Grid::new([7, 9, 5], [1.7, 1.9, 2.9]);
        target.origin_mm[1] += 0.4;
        let out = resample(&src, &target, ResampleMode::Trilinear).unwrap();
        for k in 0..5 {
            for j in 0..9 {
                for i in 0..7 {
                    let w = target.world_mm([i as f64, j as f64, k as f64]);
                    let v = out.data[target.index(i, j, k)];
                    assert!((v - field(w)).abs() < 1e-12 * field(w).abs(), "{w:?}: {v}");
                }
            }
        }
    }
}

mod cli {
    use std::process::Command;

    fn tia(args: &[&str]) -> (bool, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_theradose"))
            .arg("tia")
            .args(args)
            .output()
            .unwrap();
        let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        (out.status.success(), s(&out.stdout), s(&out.stderr))
    }

    /// The contract keys of issue 6 and a figure.
    #[test]
    fn prints_the_contract_keys_and_writes_the_figure() {
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("tac.png");
        let (ok, out, err) = tia(&[
            "--times-h",
            "4,24,96,168",
            "--values",
            "120,95,40,16",
            "--nuclide",
            "Lu-177",
            "--plot",
            png.to_str().unwrap(),
        ]);
        assert!(ok, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        for key in [
            "model",
            "tia_mbq_h",
            "tia_rel_uncertainty",
            "effective_half_life_h",
            "aicc",
        ] {
            assert!(v.get(key).is_some(), "missing {key}: {out}");
        }
        assert_eq!(v["model"], "mono");
        assert!(v["tia_mbq_h"].as_f64().unwrap() > 0.0);
        let bytes = std::fs::read(&png).unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
    }

    /// Bad inputs fail with a message naming the field and what was expected.
    #[test]
    fn bad_inputs_give_clear_errors() {
        let cases: [(&[&str], &str); 7] = [
            (
                &["--times-h", "4,24,24", "--values", "1,2,3"],
                "strictly increasing",
            ),
            (
                &["--times-h", "4,24,96", "--values", "1,-2,3"],
                "non-negative",
            ),
            (&["--times-h", "4,24,96", "--values", "1,NaN,3"], "finite"),
            (
                &["--times-h", "4,24,96", "--values", "1,2"],
                "expected one value per time",
            ),
            (
                &[
                    "--times-h",
                    "4,24,96,168",
                    "--values",
                    "9,7,5,3",
                    "--model",
                    "bi",
                ],
                "expected at least 5",
            ),
            (
                &["--times-h", "4,24", "--values", "9,x"],
                "'x' is not a number",
            ),
            (
                &[
                    "--times-h",
                    "4,24",
                    "--values",
                    "9,7",
                    "--model",
                    "trapezoid",
                ],
                "needs the nuclide",
            ),
        ];
        for (args, want) in cases {
            let (ok, _, err) = tia(args);
            assert!(!ok, "{args:?} should fail");
            assert!(err.contains(want), "{args:?}: {err}");
        }
    }
}

/// The voxel map is bitwise identical for 1 and 3 threads (each voxel is fitted on its own).
#[test]
fn voxel_map_does_not_depend_on_thread_count() {
    let t = [4.0, 24.0, 96.0, 168.0];
    let mut rng = HistoryRng::new(11, 0);
    let images: Vec<Vec<f64>> = t
        .iter()
        .map(|&t| {
            (0..500)
                .map(|v| {
                    let th = 10.0 + (v % 50) as f64;
                    1e4 * (-LN_2 / th * t).exp() * (1.0 + 0.1 * normal(&mut rng)).max(0.0)
                })
                .collect()
        })
        .collect();
    let refs: Vec<&[f64]> = images.iter().map(|v| v.as_slice()).collect();
    let o = VoxelFitOptions {
        choice: ModelChoice::Auto,
        lambda_phys_per_h: LN_2 / LU177_HALF_LIFE_H,
        rel_sigma: 0.1,
        trapezoid_start: TrapezoidStart::Zero,
    };
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| tia_map(&t, &refs, &o).unwrap())
    };
    let (a, b) = (run(1), run(3));
    assert!(a
        .0
        .iter()
        .zip(&b.0)
        .all(|(x, y)| x.to_bits() == y.to_bits()));
    assert!(a
        .1
        .iter()
        .zip(&b.1)
        .all(|(x, y)| x.to_bits() == y.to_bits()));
}

/// Region time-activity values from a CSV file (issue 6 input) give the same fit as the
/// command-line values; a wrong header is named.
#[test]
fn tac_csv_input_matches_command_line_values() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("kidneys.csv");
    std::fs::write(
        &csv,
        "time_h,activity_mbq\n4,100\n24,70.7\n96,25\n168,8.84\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_theradose"))
            .arg("tia")
            .args(args)
            .output()
            .unwrap();
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).to_string(),
            String::from_utf8_lossy(&o.stderr).to_string(),
        )
    };
    let (ok, a, _) = run(&["--csv", csv.to_str().unwrap(), "--model", "mono"]);
    assert!(ok);
    let (ok, b, _) = run(&[
        "--times-h",
        "4,24,96,168",
        "--values",
        "100,70.7,25,8.84",
        "--model",
        "mono",
    ]);
    assert!(ok);
    let tia = |s: &str| {
        serde_json::from_str::<serde_json::Value>(s).unwrap()["tia_mbq_h"]
            .as_f64()
            .unwrap()
    };
    assert_eq!(tia(&a), tia(&b));
    std::fs::write(&csv, "t,a\n4,100\n").unwrap();
    let (ok, _, e) = run(&["--csv", csv.to_str().unwrap()]);
    assert!(
        !ok && e.contains("kidneys.csv") && e.contains("expected time_h,activity_mbq"),
        "{e}"
    );
}
