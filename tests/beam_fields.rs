//! `theradose beam` fields and directions: a direction vector along an axis is the axis name
//! bit for bit; a rectangular field's lateral profile follows W and H; a square and a disc of
//! the same area give the same central-axis dose; two oblique beams mirrored in a water cube
//! give the same depth curve; bad input names the flag and the value. And the BNCT study's
//! warning for a noisy normal-tissue peak prescription.

use clap::Parser;
use theradose::dosimetry::bnct::{BeamResult, AXIS_RADIUS_CM};

// The command's own flags (src/cli/beam.rs uses only the library and clap); its `run` is not
// used here.
#[allow(dead_code)]
#[path = "../src/cli/beam.rs"]
mod beam_cli;
use beam_cli::BeamArgs;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    beam: BeamArgs,
}

/// Runs the beam of parsed arguments.
fn run_beam(a: &BeamArgs) -> anyhow::Result<BeamResult> {
    theradose::dosimetry::bnct::run_beam(&theradose::context::Context::load()?, &a.spec())
}

/// Parses `theradose beam` arguments (after the common ones below; the phantom is the 20 cm
/// water cube unless `extra` names one) as the CLI does.
fn parse(extra: &str) -> Result<BeamArgs, clap::Error> {
    let mut common = String::from(
        "theradose --particle neutron --boron-ppm 15 --local-gamma --threads 2 --out /none",
    );
    if !extra.contains("--phantom") {
        common += " --phantom water-cube";
    }
    let words: Vec<&str> = common
        .split_whitespace()
        .chain(extra.split_whitespace())
        .collect();
    Cli::try_parse_from(words).map(|c| c.beam)
}

fn beam(extra: &str) -> BeamResult {
    run_beam(&parse(extra).unwrap()).unwrap()
}

fn map<'a>(r: &'a BeamResult, name: &str) -> &'a [f64] {
    &r.maps.iter().find(|m| m.0 == name).unwrap().1
}

/// Mean of the boron dose over the voxels of a depth-curve segment (centre within
/// AXIS_RADIUS_CM of the axis through `origin` along `dir`, depth in [t0, t1) cm) and an upper
/// bound of its standard deviation: the mean of the voxels' standard deviations (by
/// Cauchy-Schwarz, |cov| <= sigma_i sigma_j, so it never understates the noise of the mean).
fn axis_mean(r: &BeamResult, origin: [f64; 3], dir: [f64; 3], t0: f64, t1: f64) -> (f64, f64) {
    let (d, rel) = (map(r, "dose_boron"), map(r, "dose_boron_rel_unc"));
    let ph = &r.phantom;
    let (mut sum, mut sd, mut n) = (0.0, 0.0, 0);
    for v in 0..ph.len() {
        let (i, j, k) = ph.ijk(v);
        let c = ph.voxel_centre(i, j, k);
        let w = [c.x - origin[0], c.y - origin[1], c.z - origin[2]];
        let t = w[0] * dir[0] + w[1] * dir[1] + w[2] * dir[2];
        let r2 = w.iter().map(|x| x * x).sum::<f64>() - t * t;
        if t >= t0 && t < t1 && r2 <= AXIS_RADIUS_CM * AXIS_RADIUS_CM {
            sum += d[v];
            sd += d[v] * rel[v];
            n += 1;
        }
    }
    assert!(n > 0);
    (sum / n as f64, sd / n as f64)
}

/// Two estimates agree within 3 combined (upper-bound) standard deviations.
fn assert_agree(what: &str, a: (f64, f64), b: (f64, f64)) {
    let s = (a.1 * a.1 + b.1 * b.1).sqrt();
    eprintln!(
        "{what}: {:.4e} +- {:.1}% vs {:.4e} +- {:.1}% ({:.2} sigma)",
        a.0,
        100.0 * a.1 / a.0,
        b.0,
        100.0 * b.1 / b.0,
        (a.0 - b.0).abs() / s
    );
    assert!(a.0 > 0.0 && b.0 > 0.0, "{what}: empty");
    assert!((a.0 - b.0).abs() <= 3.0 * s, "{what}: {a:?} vs {b:?}");
}

/// A direction vector along an axis (any length, either sign written with a leading minus)
/// selects the axis beam: same geometry, same random numbers, so every map and the depth curve
/// are bit-identical to those of the axis name.
#[test]
fn axis_vector_is_the_axis_name_bit_for_bit() {
    let common = "--spectrum epithermal --voxel-mm 10 --field-diameter-cm 8 --histories 600";
    for (name, vector) in [("+z", "0,0,2"), ("-x", "-1,0,0")] {
        let a = beam(&format!("{common} --direction {name}"));
        let b = beam(&format!("{common} --direction {vector}"));
        assert!(!a.depth.is_empty());
        for (x, y) in a.maps.iter().zip(&b.maps) {
            assert!(
                x.1.iter()
                    .zip(&y.1)
                    .all(|(p, q)| p.to_bits() == q.to_bits()),
                "{name} vs {vector}: {} differs",
                x.0
            );
        }
        assert_eq!(a.depth_csv(), b.depth_csv());
        assert_eq!(a.summary.direction_vector, b.summary.direction_vector);
    }
}

/// Position (cm) where a profile falls to half of `plateau`, by linear interpolation between
/// the first pair of neighbouring points that straddle it, scanning outwards from `from`.
fn half_point(xs: &[f64], ys: &[f64], from: usize, step: isize, plateau: f64) -> f64 {
    let h = 0.5 * plateau;
    let mut i = from as isize;
    loop {
        let j = i + step;
        let (a, b) = (ys[i as usize], ys[j as usize]);
        if a >= h && b < h {
            let f = (a - h) / (a - b);
            return xs[i as usize] + f * (xs[j as usize] - xs[i as usize]);
        }
        i = j;
    }
}

/// Rectangular field 12 x 6 cm along +z: at shallow depth (first 8 mm) the epithermal fluence is
/// mostly the incident beam, uniform over the field; scattering smears the edges symmetrically,
/// and a step convolved with a symmetric kernel passes half its height at the step, so the
/// full width at half the central plateau is the field width. W (12 cm) lies along the first
/// field axis (y for a +z beam), H (6 cm) along the second (x), as --help says. Tolerance: one
/// voxel (0.4 cm), the resolution of the profile.
#[test]
fn rectangular_field_profile_follows_w_and_h() {
    let r = beam("--spectrum epithermal --field-cm 12x6 --histories 20000");
    let ph = &r.phantom;
    let phi = map(&r, "fluence_epithermal");
    let d = ph.grid.dims;
    let vox = ph.voxel_cm[0];
    let pos: Vec<f64> = (0..d[0]).map(|i| (i as f64 + 0.5) * vox).collect();
    let centre = 0.5 * ph.size_cm[0];
    // profile along `axis` (0 = x, 1 = y), averaged over the first two layers and over the
    // band |other - centre| < band_cm
    let profile = |axis: usize, band_cm: f64| -> Vec<f64> {
        (0..d[axis])
            .map(|a| {
                let (mut s, mut n) = (0.0, 0);
                for k in 0..2 {
                    for (b, x) in pos.iter().enumerate().take(d[1 - axis]) {
                        if (x - centre).abs() < band_cm {
                            let (i, j) = if axis == 0 { (a, b) } else { (b, a) };
                            s += phi[i + d[0] * (j + d[1] * k)];
                            n += 1;
                        }
                    }
                }
                s / n as f64
            })
            .collect()
    };
    for (axis, width, other) in [(1, 12.0, 6.0), (0, 6.0, 12.0)] {
        let y = profile(axis, 0.5 * other - 1.0);
        let inner: Vec<f64> = (0..d[axis])
            .filter(|&a| (pos[a] - centre).abs() < 0.5 * width - 1.5)
            .map(|a| y[a])
            .collect();
        let plateau = inner.iter().sum::<f64>() / inner.len() as f64;
        let mid = d[axis] / 2;
        let lo = half_point(&pos, &y, mid, -1, plateau);
        let hi = half_point(&pos, &y, mid, 1, plateau);
        eprintln!(
            "axis {axis}: half points {lo:.2} .. {hi:.2} cm, width {:.2} cm (field {width} cm)",
            hi - lo
        );
        assert!(
            ((hi - lo) - width).abs() <= vox,
            "axis {axis}: width {}",
            hi - lo
        );
        assert!(
            ((lo + hi) / 2.0 - centre).abs() <= 0.5 * vox,
            "axis {axis}: centre"
        );
    }
    assert_eq!(r.summary.field_size_cm, Some([12.0, 6.0]));
    assert!((r.summary.field_area_cm2 - 72.0).abs() < 1e-9);
}

/// A square field and a disc of the same area (side sqrt(pi) r) give the same dose on the
/// central axis: the equivalent-field rule of radiotherapy (a circle of radius r is equivalent
/// to a square of side 1.77 r: Khan, The Physics of Radiation Therapy, ch. 10, equivalent
/// squares), as the axis dose integrates a scatter kernel over fields of equal area and nearly
/// the same shape. Compared over the first 10 cm of the axis within 3 sigma.
#[test]
fn square_and_disc_of_equal_area_agree_on_axis() {
    let side = std::f64::consts::PI.sqrt() * 4.0;
    let common = "--spectrum epithermal --voxel-mm 10 --histories 20000";
    let disc = beam(&format!("{common} --field-diameter-cm 8 --seed 5"));
    let square = beam(&format!("{common} --field-cm {side}x{side} --seed 6"));
    let rel_area = square.summary.field_area_cm2 / disc.summary.field_area_cm2;
    assert!((rel_area - 1.0).abs() < 1e-12, "{rel_area}");
    let (o, dir) = ([10.0, 10.0, 0.0], [0.0, 0.0, 1.0]);
    for (t0, t1) in [(0.0, 5.0), (5.0, 10.0)] {
        assert_agree(
            &format!("boron dose on axis, depth {t0}-{t1} cm, disc vs square"),
            axis_mean(&disc, o, dir, t0, t1),
            axis_mean(&square, o, dir, t0, t1),
        );
    }
}

/// Oblique beams (1,1,0)/sqrt2 and (1,-1,0)/sqrt2 aimed at the centre of a water cube are
/// mirror images (y -> 20 cm - y) of each other, and so is the cube with its voxel grid: their
/// depth curves, measured from where the axis enters the body (the cube's edges x = 0, y = 0
/// and x = 0, y = 20 cm), have the same depths and agree within statistics (different seeds).
#[test]
fn mirrored_oblique_beams_give_the_same_depth_curve() {
    let common = "--spectrum epithermal --voxel-mm 10 --field-diameter-cm 8 --histories 20000";
    let a = beam(&format!("{common} --direction 1,1,0 --seed 7"));
    let b = beam(&format!("{common} --direction 1,-1,0 --seed 8"));
    let entry = |r: &BeamResult| -> Vec<f64> { r.summary.depth_origin_local_cm.to_vec() };
    let (ea, eb) = (entry(&a), entry(&b));
    for (e, y) in [(&ea, 0.0), (&eb, 20.0)] {
        assert!((e[0]).abs() < 1e-6 && (e[1] - y).abs() < 1e-6 && (e[2] - 10.0).abs() < 1e-6);
    }
    let depths = |r: &BeamResult| r.depth.iter().map(|row| row[0]).collect::<Vec<_>>();
    assert_eq!(depths(&a), depths(&b));
    // the curve follows the oblique axis: it spans the cube's diagonal (20 sqrt2 = 28.3 cm)
    let last = *depths(&a).last().unwrap();
    assert!(last > 27.0 && last < 28.3, "{last}");
    let s = std::f64::consts::FRAC_1_SQRT_2;
    for (t0, t1) in [(0.0, 5.0), (5.0, 10.0)] {
        assert_agree(
            &format!("boron dose on the oblique axis, depth {t0}-{t1} cm"),
            axis_mean(&a, [0.0, 0.0, 10.0], [s, s, 0.0], t0, t1),
            axis_mean(&b, [0.0, 20.0, 10.0], [s, -s, 0.0], t0, t1),
        );
    }
}

/// Each bad input is refused with a message naming the flag (while parsing) or the spec field
/// (by the library) and the value (or what was expected): both field flags or none, zero or negative sizes, a malformed field, a zero or
/// malformed direction, an aim point whose axis misses the phantom box or the body.
#[test]
fn bad_input_names_the_flag() {
    let base = "--spectrum epithermal --histories 10";
    // refused while parsing
    for (args, words) in [
        (
            "--field-diameter-cm 8 --field-cm 8x8",
            &["--field-diameter-cm", "--field-cm"][..],
        ),
        ("", &["--field-diameter-cm", "--field-cm"][..]),
        ("--field-cm 8", &["--field-cm", "WxH"][..]),
        ("--field-cm 8x", &["--field-cm", "WxH"][..]),
        (
            "--field-diameter-cm 8 --aim-mm 1,2",
            &["--aim-mm", "x,y,z"][..],
        ),
    ] {
        let msg = parse(&format!("{base} {args}")).err().unwrap().to_string();
        assert!(words.iter().all(|w| msg.contains(w)), "{args}: {msg}");
    }
    // refused by run_beam: a spec error naming the spec field (the CLI shows it as the flag)
    for (args, words) in [
        ("--field-cm 0x4", &["field_cm", "0x4", "positive"][..]),
        ("--field-cm 4x-2", &["field_cm", "4x-2", "positive"][..]),
        (
            "--field-diameter-cm 0",
            &["field_diameter_cm", "positive"][..],
        ),
        (
            "--field-diameter-cm 8 --direction 0,0,0",
            &["direction", "0,0,0", "non-zero"][..],
        ),
        (
            "--field-diameter-cm 8 --direction 1,2",
            &["direction", "1,2", "ux,uy,uz"][..],
        ),
        (
            "--field-diameter-cm 8 --direction -z --aim-mm 500,0,0",
            &["aim_mm", "500,0,0", "misses the phantom"][..],
        ),
        (
            "--field-diameter-cm 8 --phantom water-sphere --aim-mm 95,95,0",
            &["aim_mm", "95,95,0", "misses the body"][..],
        ),
    ] {
        let a = parse(&format!("{base} {args}")).unwrap();
        let e = run_beam(&a).err().unwrap();
        let field = theradose::error::spec_error_of(&e).map(|s| s.field.clone());
        let msg = format!("{e:#}");
        assert_eq!(field.as_deref(), Some(words[0]), "{args}: {msg}");
        assert!(words.iter().all(|w| msg.contains(w)), "{args}: {msg}");
    }
}

/// A BNCT study prescribed to the normal-tissue peak (the largest voxel mean of the brain)
/// warns when the peak's relative uncertainty exceeds 5%: the largest of noisy means is biased
/// high by about its noise. Thermal 2 cm beam, 16 mm voxels (a one-voxel peak of 4 cm3): about
/// 12% at 1000 histories (warning), about 2.6% at 20 000 (none; the uncertainty falls as
/// 1/sqrt(N)).
#[test]
fn noisy_normal_peak_prescription_warns() {
    let dir = tempfile::tempdir().unwrap();
    let phantom = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/studies/bnct-head-phantom.toml"
    );
    let text = STUDY.replace("PHANTOM", phantom);
    let path = dir.path().join("peak.toml");
    std::fs::write(&path, text).unwrap();
    let run = |n: u64| {
        let out = dir.path().join(format!("n{n}"));
        let opts = theradose::study::StudyOptions {
            histories: Some(n),
            threads: Some(2),
        };
        theradose::study::bnct::run_file(
            &theradose::context::Context::load().unwrap(),
            &path,
            Some(&out),
            &opts,
        )
        .unwrap();
        let s: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap())
                .unwrap();
        let report = std::fs::read_to_string(out.join("report.md")).unwrap();
        let rel = s["prescription"]["peak_rel_unc"].as_f64().unwrap();
        let warnings = s["warnings"].as_array().unwrap().len();
        eprintln!("{n} histories: peak relative uncertainty {rel:.4}, {warnings} warning(s)");
        (rel, warnings, report.contains("**Warning:**"))
    };
    let (rel, warnings, in_report) = run(1000);
    assert!(rel > 0.05 && warnings == 1 && in_report, "{rel}");
    let (rel, warnings, in_report) = run(20_000);
    assert!(rel < 0.05 && warnings == 0 && !in_report, "{rel}");
}

const STUDY: &str = r#"
name = "peak-warning"
kind = "bnct"
[phantom]
builtin = "PHANTOM"
voxel_mm = 16.0
[beam]
spectrum = "thermal"
field_diameter_cm = 2.0
direction = "+x"
aim_mm = [-35.0, 0.0, 20.0]
[boron]
compound = "BPA"
blood_ppm = 15.0
source = "ratios"
uptake_to_blood = { tumour = 3.5, skin = 1.5, brain = 1.0, skull = 1.0 }
[weighting]
rbe_nitrogen = 3.2
rbe_hydrogen = 3.2
rbe_gamma = 1.0
cbe = { tumour = 3.8, skin = 2.5, brain = 1.3 }
cbe_default = 1.3
[prescription]
kind = "normal_peak"
dose_gy_eq = 12.5
region = "brain"
peak_volume_cm3 = 1.0
tumour_region = "tumour"
[run]
histories = 1000
seed = 1
"#;
