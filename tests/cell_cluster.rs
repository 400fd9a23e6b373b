//! Multicellular dosimetry (issue 17, item 2): `theradose::dosimetry::cell::cluster`.
//!
//! - A cluster of identical, uniformly labelled cells: the mean nucleus dose equals the sum of
//!   the self-dose (the cellular S value of `cell-svalues`) and the cross-dose computed from the
//!   cell-to-cell S values and the cell positions (tolerance 1e-9: the same numbers summed
//!   independently).
//! - The cell-to-cell S value at centre distance 0 reproduces the concentric cellular S values
//!   (an independent quadrature: exact piecewise cubic against a Gauss-Legendre product rule),
//!   within 0.5%.
//! - The alpha cross-dose and hit number at 12 um against a straight-track Monte Carlo with the
//!   NIST ASTAR range table (`tests/reference/astar_alpha_water.csv`): within 3% (2% ion model
//!   against ASTAR, plus 3 standard deviations of the sampling).

use theradose::context::Context;
use theradose::dosimetry::cell::cluster::{compute, CellClusterSpec};
use theradose::dosimetry::cell::cross::CrossTable;
use theradose::dosimetry::cell::geometry::{CellGeometry, SourceRegion as S, TargetRegion as T};
use theradose::dosimetry::cell::packing::Arrangement;
use theradose::dosimetry::cell::{emission_lines, range_energy, CellSValueSpec};
use theradose::error::spec_error_of;
use theradose::source::decay_data::DecayData;
use theradose::units::MEV_TO_J;

fn spec(n: &str, cells: usize) -> CellClusterSpec {
    CellClusterSpec {
        nuclide: n.into(),
        chain: false,
        decay_data: DecayData::default(),
        cell_radius_um: 5.0,
        nucleus_radius_um: 3.0,
        arrangement: Arrangement::Cluster,
        cells,
        packing_fraction: None,
        labelled_fraction: 1.0,
        activity_per_cell_bq: 0.01,
        activity_sigma: 0.0,
        source: S::Cell,
        effective_half_life_h: None,
        exposure_h: None,
        tissue: "tumour".into(),
        seed: 3,
    }
}

fn cross_table(n: &str, src: S, d_max: f64) -> CrossTable {
    let ctx = Context::load().unwrap();
    let cs = CellSValueSpec::new(n, 5.0, 3.0);
    let lines = emission_lines(&cs).unwrap();
    let re = range_energy(&ctx, &lines).unwrap();
    let g = CellGeometry {
        cell_radius_um: 5.0,
        nucleus_radius_um: 3.0,
    };
    CrossTable::new(&g, src, &lines, &re, d_max)
}

/// Mean nucleus dose of identical uniformly labelled cells = self + cross from the S values and
/// the positions, for an Auger emitter (I-125), a beta emitter (Lu-177) and an alpha emitter
/// (At-211), in a cluster and in a monolayer.
#[test]
fn mean_dose_is_self_plus_cross_from_s_values() {
    let ctx = Context::load().unwrap();
    for (n, arr) in [
        ("I-125", Arrangement::Cluster),
        ("Lu-177", Arrangement::Monolayer),
        ("At-211", Arrangement::Cluster),
    ] {
        let mut sp = spec(n, 300);
        sp.arrangement = arr;
        let r = compute(&ctx, &sp).unwrap();
        // decays per cell: A / lambda with the ICRP-107 half-life
        let nuc = theradose::source::nuclide::Nuclide::load(n).unwrap();
        let decays = 0.01 / nuc.lambda_per_s();
        let s_self = theradose::dosimetry::cell::compute(&ctx, &CellSValueSpec::new(n, 5.0, 3.0))
            .unwrap()
            .s(T::Nucleus, S::Cell);
        let table = cross_table(n, S::Cell, 2.0 * r.extent_radius_um + 10.0);
        let mut expect = 0.0;
        for (k, ck) in r.cells.iter().enumerate() {
            let mut d = decays * s_self;
            for (j, cj) in r.cells.iter().enumerate() {
                if j != k {
                    let dist = ((ck.x_um - cj.x_um).powi(2)
                        + (ck.y_um - cj.y_um).powi(2)
                        + (ck.z_um - cj.z_um).powi(2))
                    .sqrt();
                    let (a, b, _) = table.lookup(dist);
                    d += decays * (a + b);
                }
            }
            expect += d;
        }
        expect /= r.cells.len() as f64;
        let got = r.summary().all.mean_nucleus_dose_gy;
        println!("{n} {arr:?}: mean nucleus dose {got:.5e} Gy, self + cross {expect:.5e} Gy");
        assert!((got / expect - 1.0).abs() < 1e-9, "{n}: {got} vs {expect}");
        assert!(r
            .cells
            .iter()
            .all(|c| c.labelled && (c.decays / decays - 1.0).abs() < 1e-12));
    }
}

/// The cell-to-cell S value at d = 0 is the concentric cellular S value S(N <- source).
#[test]
fn cross_at_zero_distance_is_the_self_s_value() {
    let ctx = Context::load().unwrap();
    for n in ["I-125", "At-211", "F-18"] {
        let own =
            theradose::dosimetry::cell::compute(&ctx, &CellSValueSpec::new(n, 5.0, 3.0)).unwrap();
        for src in [S::Nucleus, S::Cytoplasm, S::CellSurface, S::Cell] {
            let t = cross_table(n, src, 30.0);
            let (a, b, _) = t.lookup(0.0);
            let s = own.s(T::Nucleus, src);
            println!("{n} N<-{src:?}: cross(0) {:.5e} self {s:.5e}", a + b);
            assert!(
                ((a + b) / s - 1.0).abs() < 0.005,
                "{n} {src:?}: {} vs {s}",
                a + b
            );
        }
    }
}

/// ASTAR table (E MeV, R_CSDA g/cm2).
fn astar_range() -> Vec<(f64, f64)> {
    std::fs::read_to_string("tests/reference/astar_alpha_water.csv")
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("energy"))
        .map(|l| {
            let v: Vec<f64> = l.split(',').map(|x| x.parse().unwrap()).collect();
            (v[0], v[3])
        })
        .collect()
}

fn loglog(t: &[(f64, f64)], x: f64) -> f64 {
    let k = t.partition_point(|p| p.0 <= x).clamp(1, t.len() - 1);
    let (a, b) = (t[k - 1], t[k]);
    let f = (x / a.0).ln() / (b.0 / a.0).ln();
    (a.1.ln() + f * (b.1 / a.1).ln()).exp()
}

/// A small xorshift generator for the test's own sampling.
struct Xs(u64);
impl Xs {
    fn u(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Po-210 (one 5.304 MeV alpha per decay, ICRP-107) uniform in a cell (RC 5 um); the nucleus
/// (RN 3 um) of a cell 12 um away: energy per decay and hits per decay by straight tracks
/// sampled here with the ASTAR range table, against the cross table.
#[test]
fn alpha_cross_dose_matches_astar_straight_tracks() {
    let t = astar_range();
    let inv: Vec<(f64, f64)> = t.iter().map(|&(e, r)| (r, e)).collect();
    let e0 = 5.30443;
    let y = 0.999988;
    let r0 = loglog(&t, e0) * 1e4;
    let e_at = |res_um: f64| {
        if res_um <= 0.0 {
            0.0
        } else {
            loglog(&inv, (res_um * 1e-4).max(inv[0].0))
        }
    };
    let (d, rn, rc) = (12.0, 3.0, 5.0);
    let mut g = Xs(0x9E37_79B9_7F4A_7C15);
    let n = 2_000_000;
    let (mut e_sum, mut hits) = (0.0, 0u64);
    for _ in 0..n {
        // a point uniform in the source cell, an isotropic direction
        let p = loop {
            let v = [2.0 * g.u() - 1.0, 2.0 * g.u() - 1.0, 2.0 * g.u() - 1.0];
            if v.iter().map(|x| x * x).sum::<f64>() <= 1.0 {
                break [v[0] * rc, v[1] * rc, v[2] * rc];
            }
        };
        let cz = 2.0 * g.u() - 1.0;
        let ph = std::f64::consts::TAU * g.u();
        let s = (1.0 - cz * cz).sqrt();
        let u = [s * ph.cos(), s * ph.sin(), cz];
        // the target nucleus centred at (d, 0, 0)
        let q = [p[0] - d, p[1], p[2]];
        let b = q[0] * u[0] + q[1] * u[1] + q[2] * u[2];
        let c = q.iter().map(|x| x * x).sum::<f64>() - rn * rn;
        let disc = b * b - c;
        if disc <= 0.0 {
            continue;
        }
        let (t_in, t_out) = ((-b - disc.sqrt()).max(0.0), -b + disc.sqrt());
        if t_out <= 0.0 || t_in >= r0 {
            continue;
        }
        hits += 1;
        e_sum += e_at(r0 - t_in) - e_at(r0 - t_out.min(r0));
    }
    let e_mc = y * e_sum / n as f64;
    let h_mc = y * hits as f64 / n as f64;
    let tab = cross_table("Po-210", S::Cell, 60.0);
    let (_, s_alpha, h_tab) = tab.lookup(d);
    let m_n = 4.0 / 3.0 * std::f64::consts::PI * rn.powi(3) * 1e-15;
    let e_tab = s_alpha * m_n / MEV_TO_J;
    let sd = 1.0 / (hits as f64).sqrt();
    println!("d {d} um: E/decay table {e_tab:.5e} MeV, ASTAR tracks {e_mc:.5e} (+-{:.2}%); hits {h_tab:.5e} vs {h_mc:.5e}", 100.0 * sd);
    assert!(
        (e_tab / e_mc - 1.0).abs() < 0.02 + 3.0 * sd,
        "{e_tab} vs {e_mc}"
    );
    assert!(
        (h_tab / h_mc - 1.0).abs() < 0.01 + 3.0 * sd,
        "{h_tab} vs {h_mc}"
    );
    // beyond the reach of any track (d > RC + range + RN, with a margin of one 5% step of the
    // table's distance grid and the 2% range tolerance): nothing
    let (_, s_far, h_far) = tab.lookup(1.1 * (rc + r0 + rn));
    assert_eq!((s_far, h_far), (0.0, 0.0));
}

/// Labelled fraction and log-normal activity: the labelled count and the mean activity of the
/// labelled cells (1000 cells, sigma 1: the sample mean within 4 standard errors of the mean).
#[test]
fn labelled_fraction_and_lognormal_activity() {
    let ctx = Context::load().unwrap();
    let mut sp = spec("I-125", 1000);
    sp.labelled_fraction = 0.25;
    sp.activity_sigma = 1.0;
    let r = compute(&ctx, &sp).unwrap();
    let lab: Vec<f64> = r
        .cells
        .iter()
        .filter(|c| c.labelled)
        .map(|c| c.activity_bq)
        .collect();
    assert_eq!(lab.len(), 250);
    let mean = lab.iter().sum::<f64>() / 250.0;
    // log-normal with sigma 1 and mean m: sd = m sqrt(e - 1)
    let se = 0.01 * (1f64.exp() - 1.0).sqrt() / 250f64.sqrt();
    assert!((mean - 0.01).abs() < 4.0 * se, "{mean}");
    let s = r.summary();
    assert_eq!(s.unlabelled.mean_self_dose_gy, 0.0);
    assert!(s.labelled.mean_nucleus_dose_gy > s.unlabelled.mean_nucleus_dose_gy);
    assert!(s.labelled.surviving_fraction < s.unlabelled.surviving_fraction);
}

/// Bad input names the field.
#[test]
fn bad_input_names_the_field() {
    let ctx = Context::load().unwrap();
    let field = |sp: CellClusterSpec| {
        spec_error_of(&compute(&ctx, &sp).unwrap_err())
            .unwrap()
            .field
            .clone()
    };
    let mut sp = spec("I-125", 10);
    sp.activity_per_cell_bq = -1.0;
    assert_eq!(field(sp), "activity_per_cell_bq");
    let mut sp = spec("I-125", 10);
    sp.labelled_fraction = 1.5;
    assert_eq!(field(sp), "labelled_fraction");
    let mut sp = spec("I-125", 10);
    sp.packing_fraction = Some(0.6);
    assert_eq!(field(sp), "packing_fraction");
    let mut sp = spec("I-125", 10);
    sp.nucleus_radius_um = 7.0;
    assert_eq!(field(sp), "nucleus_radius_um");
}
