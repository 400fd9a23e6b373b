//! Cellular S values against MIRDcell V3 run as a peer code (issue 17).
//!
//! Reference: `tests/reference/mirdcell_cell_svalues.csv`, the eight self-dose S values
//! (C<-C, C<-CS, N<-N, N<-Cy, N<-CS, Cy<-N, Cy<-CS, Cy<-Cy) that MIRDcell V3 (Vaziri et al.,
//! J Nucl Med 55:1557, 2014; github.com/jw526/MIRDcellV3 commit 7bf977c) computes, by its own
//! Java classes driven headless by `scripts/mirdcell_reference` (source, data and conventions in
//! the CSV header). MIRDcell implements the MIRD cellular S value method of Goddu et al. (SNM
//! 1997); the driver reproduces the published MIRD values of monoenergetic electrons
//! (`tests/reference/mird_cellular_svalues.csv`) within 0.5% and the original DCAL Fortran
//! output for Lu-177 (RC 5, RN 3, in the MIRDcell repository) within 0.007%.
//!
//! Which MIRDcell data: `beta_average` (MIRD RADTABS, Eckerman & Endo 2008 = the ICRP-107
//! evaluation that theradose reads; every line of I-125, In-111, Tc-99m, At-211, Po-210 is the
//! same; At-211 without its daughter Po-211, as theradose without `chain`) and, for F-18, `user_bet07` (the same records with the positron line replaced by the
//! 2008 spectrum of MIRD-07.BET; MIRDcell's own beta_average puts all positrons at the mean
//! energy). Geometries RC/RN = 5/2, 5/3, 5/4, 10/3, 10/5 um.
//!
//! Tolerances: the analytic method within 3% (issue 17) for all eight S values of every
//! nuclide and geometry with the same data, and for monoenergetic electrons of 1 keV to 1 MeV;
//! the Monte Carlo within 10% for the self-doses N<-N, C<-C and Cy<-Cy where the straight-line
//! CSDA and transport should agree. Analytic minus MIRDcell, % (beta_average; F-18 user_bet07):
//!
//! | nuclide | RC/RN | C<-C | C<-CS | N<-N | N<-Cy | N<-CS | Cy<-N | Cy<-CS | Cy<-Cy |
//! |---|---|---|---|---|---|---|---|---|---|
//! | I-125 | 5/2 | +0.19 | +0.21 | +0.12 | +0.14 | +0.22 | +0.14 | +0.21 | +0.19 |
//! | I-125 | 5/3 | +0.19 | +0.21 | +0.15 | +0.15 | +0.24 | +0.15 | +0.20 | +0.20 |
//! | I-125 | 5/4 | +0.19 | +0.21 | +0.17 | +0.14 | +0.26 | +0.14 | +0.20 | +0.22 |
//! | I-125 | 10/3 | +0.23 | +0.25 | +0.15 | +0.29 | +0.00 | +0.29 | +0.25 | +0.23 |
//! | I-125 | 10/5 | +0.23 | +0.25 | +0.19 | +0.29 | +0.06 | +0.29 | +0.26 | +0.24 |
//! | In-111 | 5/2 | +0.23 | +0.23 | +0.14 | +0.23 | +0.25 | +0.23 | +0.23 | +0.24 |
//! | In-111 | 5/3 | +0.23 | +0.23 | +0.18 | +0.25 | +0.30 | +0.25 | +0.22 | +0.24 |
//! | In-111 | 5/4 | +0.23 | +0.23 | +0.21 | +0.26 | +0.25 | +0.26 | +0.22 | +0.24 |
//! | In-111 | 10/3 | +0.20 | +0.19 | +0.18 | +0.06 | +0.06 | +0.06 | +0.19 | +0.21 |
//! | In-111 | 10/5 | +0.20 | +0.19 | +0.23 | +0.05 | -0.31 | +0.05 | +0.21 | +0.22 |
//! | Tc-99m | 5/2 | +0.11 | +0.11 | +0.08 | +0.15 | -0.04 | +0.15 | +0.11 | +0.11 |
//! | Tc-99m | 5/3 | +0.11 | +0.11 | +0.10 | +0.10 | +0.01 | +0.10 | +0.11 | +0.11 |
//! | Tc-99m | 5/4 | +0.11 | +0.11 | +0.11 | +0.05 | +0.05 | +0.05 | +0.12 | +0.12 |
//! | Tc-99m | 10/3 | +0.12 | +0.12 | +0.10 | -0.07 | +0.17 | -0.07 | +0.12 | +0.12 |
//! | Tc-99m | 10/5 | +0.12 | +0.12 | +0.11 | -0.08 | +0.06 | -0.08 | +0.13 | +0.13 |
//! | F-18 | 5/2 | +0.60 | +0.49 | +0.61 | +0.17 | +0.15 | +0.17 | +0.50 | +0.65 |
//! | F-18 | 5/3 | +0.60 | +0.49 | +0.60 | +0.16 | +0.17 | +0.16 | +0.55 | +0.80 |
//! | F-18 | 5/4 | +0.60 | +0.49 | +0.60 | +0.16 | +0.16 | +0.16 | +0.71 | +1.23 |
//! | F-18 | 10/3 | +0.60 | +0.50 | +0.60 | +0.17 | +0.21 | +0.17 | +0.51 | +0.62 |
//! | F-18 | 10/5 | +0.60 | +0.50 | +0.60 | +0.17 | +0.20 | +0.17 | +0.53 | +0.71 |
//! | At-211 | 5/2 | +1.21 | +1.10 | +1.16 | +0.80 | +0.84 | +0.80 | +1.11 | +1.26 |
//! | At-211 | 5/3 | +1.21 | +1.10 | +1.18 | +0.80 | +0.82 | +0.80 | +1.15 | +1.39 |
//! | At-211 | 5/4 | +1.21 | +1.10 | +1.20 | +0.80 | +0.80 | +0.80 | +1.30 | +1.81 |
//! | At-211 | 10/3 | +1.21 | +1.08 | +1.18 | +0.79 | +0.75 | +0.79 | +1.09 | +1.23 |
//! | At-211 | 10/5 | +1.21 | +1.08 | +1.21 | +0.79 | +0.74 | +0.79 | +1.12 | +1.31 |
//! | Po-210 | 5/2 | +1.13 | +1.01 | +1.12 | +0.72 | +0.66 | +0.72 | +1.02 | +1.18 |
//! | Po-210 | 5/3 | +1.13 | +1.01 | +1.13 | +0.70 | +0.68 | +0.70 | +1.07 | +1.32 |
//! | Po-210 | 5/4 | +1.13 | +1.01 | +1.13 | +0.69 | +0.68 | +0.69 | +1.23 | +1.77 |
//! | Po-210 | 10/3 | +1.08 | +0.93 | +1.13 | +0.65 | +0.55 | +0.65 | +0.94 | +1.10 |
//! | Po-210 | 10/5 | +1.08 | +0.93 | +1.13 | +0.64 | +0.56 | +0.64 | +0.97 | +1.19 |
//!
//! The causes of what remains (each measured separately): MIRDcell's unit constants (2.13
//! g rad/(uCi h) per MeV and 7.508e-5, for 2.1341 and 7.5075e-5) make its S values 0.19% low;
//! its quadrature (300 steps, the geometric factor at the end of each step) 0.45% low for tracks
//! longer than the cell (alphas, F-18); theradose's alpha stopping power is 0.5-0.7% above the
//! ASTAR table MIRDcell uses (5-6 MeV); Cy<-CS and Cy<-Cy are differences of the other values
//! in MIRDcell, which amplifies these by up to 2x in the thin cytoplasm of RC/RN = 5/4.
//!
//! This comparison found that the analytic method used the power law
//! R = 0.0431 (E + 0.367)^1.77 - 0.007 for Cole's relation, whose stopping power is 8% low at
//! 100 keV and 46% at 500 keV: Tc-99m N<-CS was 4-10% below MIRDcell and F-18 18% below;
//! `src/dosimetry/cell/range.rs` now uses E(R) as the MIRD S values do
//! (`analytic_matches_mirdcell_monoenergetic_electrons` pins it from 1 keV to 1 MeV).
//!
//! Not compared, with the reason: MIRDcell's beta_average F-18 (one 249.8 keV line): the
//! analytic method with theradose's spectrum is 28% above it, and with that single line it
//! agrees (`f18_mean_energy_line`); MIRDcell's beta_full data (MIRD 1989, log-binned spectra):
//! older Auger and conversion data (I-125: 1.1% more electron energy per decay) give -4.7% to
//! +1.2% for I-125, In-111 and Tc-99m; F-18 there agrees within 0.9% by a cancellation (0.999
//! positrons of 262 keV mean per decay, against 0.967 of 250 keV in ICRP-107).
//!
//! The Monte Carlo (20 000 decays per source, RC 5, RN 3) against MIRDcell, self-doses:
//!
//! | nuclide | N<-N | C<-C | Cy<-Cy | (not asserted) |
//! |---|---|---|---|---|
//! | I-125 | +6.4 (0.2) | +8.0 (0.3) | +7.9 (0.3) | N<-Cy +15.5, N<-CS +59 |
//! | In-111 | +9.8 (0.5) | +10.6 (0.6) | +9.7 (0.5) | not asserted; N<-Cy +39, N<-CS +48 |
//! | Tc-99m | +4.1 (0.5) | +3.1 (0.5) | +3.6 (0.5) | |
//! | F-18 | -2.6 (1.3) | -2.4 (1.1) | -2.0 (1.2) | vs user_bet07 |
//! | At-211 | +1.5 (1.0) | +0.3 (1.1) | +1.1 (1.1) | |
//! | Po-210 | +1.2 (0.5) | +0.9 (0.5) | +1.5 (0.5) | |
//!
//! (% difference, relative standard uncertainty of the Monte Carlo in brackets.)
//! Where the two should not agree, not asserted: the cross-doses N<-Cy, N<-CS and Cy<-N of the
//! Auger emitters (MC +15% to +60%): the straight-line method sends every electron along its
//! initial direction, while scattered electrons emitted away from the nucleus still reach it;
//! the self-doses of In-111 (MC +10% to +12%): its 19-26 keV Auger and 145-245 keV conversion
//! electrons cross the cell on tortuous paths that deposit more than a straight chord, and
//! Cole's stopping power is 1-4% below ESTAR's at 10-20 keV. The same effects make I-125 6-8%
//! higher, inside the tolerance.

use theradose::context::Context;
use theradose::dosimetry::cell::analytic::{pairs, AnalyticCell};
use theradose::dosimetry::cell::geometry::{CellGeometry, SourceRegion as S, TargetRegion as T};
use theradose::dosimetry::cell::range::{Particle, RangeEnergy};
use theradose::dosimetry::cell::spectrum::EmissionLine;
use theradose::dosimetry::cell::{compute, CellSValueSpec, CellSValues, Method};

const REFERENCE: &str = "tests/reference/mirdcell_cell_svalues.csv";

/// One row of the MIRDcell reference.
struct Row {
    nuclide: String,
    rc: f64,
    rn: f64,
    target: T,
    source: S,
    s: f64,
    data: String,
}

fn reference() -> Vec<Row> {
    std::fs::read_to_string(REFERENCE)
        .expect("MIRDcell reference")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("nuclide"))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Row {
                nuclide: f[0].to_string(),
                rc: f[1].parse().unwrap(),
                rn: f[2].parse().unwrap(),
                target: match f[3] {
                    "nucleus" => T::Nucleus,
                    "cytoplasm" => T::Cytoplasm,
                    "cell" => T::Cell,
                    x => panic!("target {x}"),
                },
                source: match f[4] {
                    "nucleus" => S::Nucleus,
                    "cytoplasm" => S::Cytoplasm,
                    "cell_surface" => S::CellSurface,
                    "cell" => S::Cell,
                    x => panic!("source {x}"),
                },
                s: f[5].parse().unwrap(),
                data: f[6].to_string(),
            }
        })
        .collect()
}

fn select<'a>(rows: &'a [Row], nuclide: &str, data: &str) -> Vec<&'a Row> {
    rows.iter()
        .filter(|r| r.nuclide == nuclide && r.data == data)
        .collect()
}

fn run(ctx: &Context, n: &str, rc: f64, rn: f64, mc: Option<u64>) -> CellSValues {
    let mut spec = CellSValueSpec::new(n, rc, rn);
    if let Some(h) = mc {
        spec.method = Method::Mc;
        spec.histories = h;
        spec.threads = Some(2);
    }
    compute(ctx, &spec).unwrap()
}

fn key(t: T, s: S) -> String {
    format!("{}<-{}", t.name(), s.name())
}

/// The analytic method against MIRDcell with the same decay data: all eight S values of I-125,
/// In-111, Tc-99m, At-211, Po-210 (beta_average) and F-18 (user_bet07), five geometries, 3%.
#[test]
fn analytic_matches_mirdcell_with_the_same_data() {
    let ctx = Context::load().unwrap();
    let rows = reference();
    let mut n = 0;
    let mut worst: f64 = 0.0;
    for (nuc, data) in [
        ("I-125", "beta_average"),
        ("In-111", "beta_average"),
        ("Tc-99m", "beta_average"),
        ("F-18", "user_bet07"),
        ("At-211", "beta_average"),
        ("Po-210", "beta_average"),
    ] {
        let sel = select(&rows, nuc, data);
        assert_eq!(sel.len(), 40, "{nuc}: 5 geometries x 8 S values");
        let mut last: Option<((f64, f64), CellSValues)> = None;
        for r in sel {
            if last.as_ref().map(|l| l.0) != Some((r.rc, r.rn)) {
                last = Some(((r.rc, r.rn), run(&ctx, nuc, r.rc, r.rn, None)));
            }
            let x = last.as_ref().unwrap().1.s(r.target, r.source);
            let dev = x / r.s - 1.0;
            println!(
                "{nuc} {}/{} {}: {x:.4e} vs MIRDcell {:.4e} ({:+.2}%)",
                r.rc,
                r.rn,
                key(r.target, r.source),
                r.s,
                100.0 * dev
            );
            assert!(
                dev.abs() < 0.03,
                "{nuc} {} {}/{}",
                key(r.target, r.source),
                r.rc,
                r.rn
            );
            worst = worst.max(dev.abs());
            n += 1;
        }
    }
    assert_eq!(n, 240);
    println!("worst |deviation| {:.2}%", 100.0 * worst);
}

/// Monoenergetic electrons of 1 keV to 1 MeV (one per decay), RC/RN 5/2 and 10/5: the analytic
/// method against MIRDcell within 3%, where the range-energy relation above 50 keV decides.
#[test]
fn analytic_matches_mirdcell_monoenergetic_electrons() {
    let rows = reference();
    let re = RangeEnergy { alpha: None };
    let ps = pairs();
    let mut n = 0;
    for r in rows.iter().filter(|r| r.data == "monoenergetic") {
        let e_kev: f64 = r.nuclide["e-".len()..r.nuclide.len() - "keV".len()]
            .parse()
            .unwrap();
        let g = CellGeometry {
            cell_radius_um: r.rc,
            nucleus_radius_um: r.rn,
        };
        let line = EmissionLine {
            particle: Particle::Electron,
            energy_mev: e_kev * 1e-3,
            yield_per_decay: 1.0,
        };
        let s = AnalyticCell::new(g).svalues(&re, &[line]);
        let k = ps.iter().position(|&p| p == (r.target, r.source)).unwrap();
        let x = s[k];
        println!(
            "{e_kev} keV {}/{} {}: {x:.4e} vs MIRDcell {:.4e}",
            r.rc,
            r.rn,
            key(r.target, r.source),
            r.s
        );
        if r.s == 0.0 {
            // MIRDcell: no electron reaches the nucleus from the surface (range < RC - RN)
            assert_eq!(x, 0.0, "{e_kev} keV {}", key(r.target, r.source));
        } else {
            assert!(
                (x / r.s - 1.0).abs() < 0.03,
                "{e_kev} keV {}/{} {}: {x} vs {}",
                r.rc,
                r.rn,
                key(r.target, r.source),
                r.s
            );
        }
        n += 1;
    }
    assert_eq!(n, 7 * 2 * 8);
}

/// F-18 in MIRDcell's beta_average option is one positron line at the mean energy (MIRD-07
/// F-18.RAD: ICODE 4, 0.9673 per decay, 0.249776 MeV). The analytic method given that line
/// reproduces it within 3%; with the spectrum (theradose's default) it is 20-35% higher: the
/// stopping power averaged over the spectrum exceeds the stopping power at the mean energy.
#[test]
fn f18_mean_energy_line() {
    let ctx = Context::load().unwrap();
    let rows = reference();
    let re = RangeEnergy { alpha: None };
    let ps = pairs();
    let line = EmissionLine {
        particle: Particle::Electron,
        energy_mev: 0.249776,
        yield_per_decay: 0.9673,
    };
    let sel = select(&rows, "F-18", "beta_average");
    assert_eq!(sel.len(), 40);
    let mut last: Option<((f64, f64), CellSValues)> = None;
    for r in sel {
        if last.as_ref().map(|l| l.0) != Some((r.rc, r.rn)) {
            last = Some(((r.rc, r.rn), run(&ctx, "F-18", r.rc, r.rn, None)));
        }
        let g = CellGeometry {
            cell_radius_um: r.rc,
            nucleus_radius_um: r.rn,
        };
        let k = ps.iter().position(|&p| p == (r.target, r.source)).unwrap();
        let one = AnalyticCell::new(g).svalues(&re, &[line])[k];
        let spectrum = last.as_ref().unwrap().1.s(r.target, r.source);
        let name = key(r.target, r.source);
        assert!((one / r.s - 1.0).abs() < 0.03, "{name}: {one} vs {}", r.s);
        let excess = spectrum / r.s - 1.0;
        assert!((0.20..0.35).contains(&excess), "{name}: {excess}");
    }
}

/// The Monte Carlo against MIRDcell for the self-doses N<-N, C<-C and Cy<-Cy of I-125, Tc-99m,
/// F-18 (user_bet07), At-211 and Po-210, RC 5 um, RN 3 um: 10%, with relative standard
/// uncertainties below 2%.
#[test]
fn monte_carlo_matches_mirdcell_self_doses() {
    let ctx = Context::load().unwrap();
    let rows = reference();
    for (nuc, data, h) in [
        ("I-125", "beta_average", 20_000),
        ("Tc-99m", "beta_average", 20_000),
        ("F-18", "user_bet07", 20_000),
        ("At-211", "beta_average", 20_000),
        ("Po-210", "beta_average", 20_000),
    ] {
        let m = run(&ctx, nuc, 5.0, 3.0, Some(h));
        for (t, s) in [
            (T::Nucleus, S::Nucleus),
            (T::Cell, S::Cell),
            (T::Cytoplasm, S::Cytoplasm),
        ] {
            let r = select(&rows, nuc, data)
                .into_iter()
                .find(|r| r.rc == 5.0 && r.rn == 3.0 && r.target == t && r.source == s)
                .expect("reference row");
            let x = m.s(t, s);
            println!(
                "{nuc} {}: MC {x:.4e} (+-{:.1}%) vs MIRDcell {:.4e} ({:+.1}%)",
                key(t, s),
                100.0 * m.rel(t, s),
                r.s,
                100.0 * (x / r.s - 1.0)
            );
            assert!((x / r.s - 1.0).abs() < 0.10, "{nuc} {}", key(t, s));
            assert!(m.rel(t, s) < 0.02);
        }
    }
}
