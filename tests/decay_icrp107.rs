//! Mean energy per decay by radiation type, from sampled decays and from the tables, against ICRP
//! Publication 107 (Eckerman & Endo 2008; values copied in tests/reference/decay_icrp107.csv with
//! their source). Tolerance 1% (issue 4).
//!
//! Components: beta-, beta+, conversion + Auger electrons, gamma + X-ray photons, annihilation
//! photons (2 m_e c^2 per positron), alpha kinetic energy, recoil. ICRP-107's index columns are
//! sums of these: electrons = beta- + beta+ + CE + Auger, photons = gamma + X + annihilation,
//! alpha = alpha + recoil (README pitfalls), and are checked as such.
//!
//! This file tests theradose's ENDF/B-VIII.1 tables (`DecayData::Endf`, loaded explicitly since
//! ICRP-107 became the default; the ICRP-107 tables are tested in tests/decay_icrp107_data.rs).
//! ENDF/B-VIII.1 holds ENSDF conversions of 2005 ("EVAL-NOV05"). Where that
//! evaluation's discrete lines differ from ICRP-107 by more than 1%, the comment gives both numbers
//! and the check is against ENDF's own mean energy of that spectrum (ERAV x FD of MF8 MT457,
//! tests/reference/decay_endf_averages.csv), at the same 1%. ENDF beta means are divided by the
//! sum of the ENDF branch intensities of the mode (theradose scales them to the mode branching).

use theradose::rng::HistoryRng;
use theradose::source::bateman::Chain;
use theradose::source::nuclide::{DecayData, Emission, EmissionKind, MeanEnergies, Nuclide};

const ME: f64 = 0.510_998_95; // m_e c^2, MeV (CODATA 2018)
const N: u64 = 3_000_000;
// component indices
const BM: usize = 0;
const BP: usize = 1;
const CE: usize = 2;
const PH: usize = 3;
const AN: usize = 4;
const AL: usize = 5;
const RE: usize = 6;

/// Energy of one decay by component; an electron at the energy of a tabulated line is a
/// conversion or Auger electron, any other electron a beta particle.
fn classify(nuc: &Nuclide, out: &[Emission], d: &mut [f64; 7]) {
    for e in out {
        let t = e.energy_mev;
        match e.kind {
            EmissionKind::Electron if nuc.electrons.iter().any(|l| l.energy_mev == t) => d[CE] += t,
            EmissionKind::Electron => d[BM] += t,
            EmissionKind::Positron => {
                d[BP] += t;
                d[AN] += 2.0 * ME;
            }
            EmissionKind::Photon => d[PH] += t,
            EmissionKind::Alpha => d[AL] += t,
            EmissionKind::Recoil => d[RE] += t,
        }
    }
}

/// Mean and standard error of the mean per parent decay of each component, and of the sums
/// electrons (BM + BP + CE), photons (PH + AN) and alpha + recoil (indices 7, 8, 9).
struct Stats {
    mean: [f64; 10],
    se: [f64; 10],
}

/// Samples `n` parent decays; member j decays floor(r_j) times plus once with probability
/// frac(r_j) (r_j = 1 for one nuclide, the branching product in a chain at secular equilibrium).
fn sample_members(members: &[(Nuclide, f64)], n: u64, seed: u64) -> Stats {
    let (mut s, mut s2) = ([0.0; 10], [0.0; 10]);
    let mut out = Vec::new();
    for i in 0..n {
        let mut rng = HistoryRng::new(seed, i);
        let mut d = [0.0; 7];
        for (m, r) in members {
            let times = r.floor() as usize + usize::from(rng.uniform() < r - r.floor());
            for _ in 0..times {
                out.clear();
                m.sample_decay(&mut rng, &mut out);
                classify(m, &out, &mut d);
            }
        }
        let sums = [d[BM] + d[BP] + d[CE], d[PH] + d[AN], d[AL] + d[RE]];
        for (k, v) in d.iter().chain(&sums).enumerate() {
            s[k] += v;
            s2[k] += v * v;
        }
    }
    let nf = n as f64;
    let mean = s.map(|v| v / nf);
    let mut se = [0.0; 10];
    for k in 0..10 {
        se[k] = ((s2[k] / nf - mean[k] * mean[k]).max(0.0) / nf).sqrt();
    }
    Stats { mean, se }
}

fn table_array(m: &MeanEnergies) -> [f64; 10] {
    let c = [
        m.beta_minus,
        m.beta_plus,
        m.ce_auger,
        m.photon,
        m.annihilation,
        m.alpha,
        m.recoil,
    ];
    let sums = [c[BM] + c[BP] + c[CE], c[PH] + c[AN], c[AL] + c[RE]];
    [
        c[0], c[1], c[2], c[3], c[4], c[5], c[6], sums[0], sums[1], sums[2],
    ]
}

struct Case {
    table: [f64; 10],
    stats: Stats,
}

fn case(name: &str) -> Case {
    let nuc = Nuclide::load_from(name, DecayData::Endf).unwrap();
    Case {
        table: table_array(&nuc.mean_energy()),
        stats: sample_members(&[(nuc, 1.0)], N, 107),
    }
}

const NAMES: [&str; 10] = [
    "beta-",
    "beta+",
    "CE+Auger",
    "gamma+X",
    "annihilation",
    "alpha",
    "recoil",
    "electrons",
    "photons",
    "alpha+recoil",
];

impl Case {
    /// Checks component `k` from the table and from sampling against `reference` at 1%; the
    /// sampled mean only when its standard error is below 0.25% (4 standard errors = 1%).
    fn check(&self, nuclide: &str, k: usize, reference: f64, source: &str) {
        let what = format!("{nuclide} {}", NAMES[k]);
        let (t, m, se) = (self.table[k], self.stats.mean[k], self.stats.se[k]);
        let rel_t = t / reference - 1.0;
        let rel_m = m / reference - 1.0;
        eprintln!(
            "{what:24} ref {reference:.6} ({source}) table {:+.3}% sampled {:+.3}% (se {:.3}%)",
            rel_t * 100.0,
            rel_m * 100.0,
            se / m.max(1e-300) * 100.0
        );
        assert!(
            rel_t.abs() <= 0.01,
            "{what}: table {t} vs {reference} ({source})"
        );
        if se <= 0.0025 * m {
            assert!(
                rel_m.abs() <= 0.01,
                "{what}: sampled {m} vs {reference} ({source})"
            );
        } else {
            eprintln!("{what:24} statistical error too large for 1%: table check only");
        }
    }
}

#[test]
fn lu177() {
    let c = case("Lu-177");
    // beta-: ENDF 0.1349457 / 1.00016 = 0.134924 vs ICRP-107 0.13327, +1.2%: ENDF's endpoints
    // (500.6, 387.7, 179.3 keV) are 2.3 keV above ICRP-107's (Q 498.3 keV). CE+Auger: ENDF
    // 0.013228 vs ICRP 0.014654 (IC 0.013522 + Auger 0.0011318), -9.7%; photons: ENDF 0.033153
    // (gamma 0.029925 + X 0.003227) vs ICRP 0.035098 (gamma 0.031558 + X 0.0035397), -5.5%.
    // Different evaluations; checked against ENDF. (The ICRP electron total 0.14792 happens to
    // agree within 0.2%: the two differences cancel.)
    c.check("Lu-177", BM, 0.1349457 / 1.00016, "ENDF ERAV STYP 1");
    c.check("Lu-177", CE, 0.01322828, "ENDF ERAV STYP 8");
    c.check("Lu-177", PH, 0.02992531 + 0.003227285, "ENDF ERAV STYP 0+9");
    c.check("Lu-177", 7, 0.14792, "ICRP-107 index");
}

#[test]
fn y90() {
    let c = case("Y-90");
    // first-forbidden unique shape with lambda_2; the allowed shape would give 0.928 (-0.5%)
    c.check("Y-90", BM, 0.9329, "ICRP-107 RAD");
    c.check(
        "Y-90",
        CE,
        0.00020063 + 6.5471e-07,
        "ICRP-107 RAD IC + Auger",
    );
    c.check("Y-90", 7, 0.9331, "ICRP-107 index");
}

#[test]
fn i131() {
    let c = case("I-131");
    c.check("I-131", BM, 0.18187, "ICRP-107 RAD");
    // CE+Auger: ENDF 0.009841 vs ICRP 0.0099798 (IC 0.0095669 + Auger 0.00041286), -1.4%
    c.check("I-131", CE, 0.009841051, "ENDF ERAV STYP 8");
    c.check("I-131", PH, 0.38124 + 0.0015218, "ICRP-107 RAD gamma + X");
    c.check("I-131", 7, 0.19184, "ICRP-107 index");
    c.check("I-131", 8, 0.38275, "ICRP-107 index");
}

#[test]
fn f18() {
    let c = case("F-18");
    c.check("F-18", BP, 0.24161, "ICRP-107 RAD");
    c.check("F-18", AN, 0.98858, "ICRP-107 RAD");
    c.check("F-18", 7, 0.2416, "ICRP-107 index");
    c.check("F-18", 8, 0.98858, "ICRP-107 index");
}

#[test]
fn ga68() {
    let c = case("Ga-68");
    c.check("Ga-68", BP, 0.73738, "ICRP-107 RAD");
    c.check("Ga-68", AN, 0.90867, "ICRP-107 RAD");
    c.check(
        "Ga-68",
        CE,
        9.7924e-06 + 0.00054994,
        "ICRP-107 RAD IC + Auger",
    );
    c.check("Ga-68", PH, 0.039613 + 0.00040725, "ICRP-107 RAD gamma + X");
    c.check("Ga-68", 7, 0.73794, "ICRP-107 index");
    c.check("Ga-68", 8, 0.94869, "ICRP-107 index");
}

#[test]
fn tb161() {
    let c = case("Tb-161");
    c.check("Tb-161", BM, 0.15426, "ICRP-107 RAD");
    // CE+Auger: ENDF 0.045158 vs ICRP 0.048226 (IC 0.039286 + Auger 0.0089396), -6.4%; photons:
    // ENDF 0.035944 (gamma 0.023973 + X 0.011972) vs ICRP 0.036525 (X 0.012552), -1.6%: the
    // conversion and Dy K-vacancy data differ. Checked against ENDF. Hence the electron total
    // is checked as ICRP beta- + ENDF CE+Auger.
    c.check("Tb-161", CE, 0.04515829, "ENDF ERAV STYP 8");
    c.check("Tb-161", PH, 0.02397256 + 0.0119718, "ENDF ERAV STYP 0+9");
    c.check(
        "Tb-161",
        7,
        0.15426 + 0.04515829,
        "ICRP beta- + ENDF STYP 8",
    );
}

#[test]
fn at211() {
    let c = case("At-211");
    c.check("At-211", AL, 2.4524, "ICRP-107 RAD");
    c.check("At-211", RE, 0.04742, "ICRP-107 RAD");
    c.check("At-211", 9, 2.4998, "ICRP-107 index");
    // CE+Auger: ENDF 0.005461 vs ICRP 0.0059449 (IC 0.000092 + Auger 0.0058529), -8%; photons:
    // ENDF 0.038973 (gamma 0.001824 + X 0.037149) vs ICRP 0.0366736 (X 0.034853), +6.3%: the Po
    // K-vacancy yields after EC differ (ENDF's K X-rays 7% stronger, its Auger electrons
    // weaker). Checked against ENDF.
    c.check("At-211", CE, 0.005461392, "ENDF ERAV STYP 8");
    c.check("At-211", PH, 0.001823958 + 0.03714875, "ENDF ERAV STYP 0+9");
}

#[test]
fn ac225() {
    let c = case("Ac-225");
    // alpha: ENDF 5.775816 / 0.998045 (alpha line sum) = 5.78713
    c.check("Ac-225", AL, 5.7872, "ICRP-107 RAD");
    c.check("Ac-225", RE, 0.10481, "ICRP-107 RAD");
    c.check("Ac-225", 9, 5.8919, "ICRP-107 index");
    // CE+Auger: ENDF 0.038493 vs ICRP 0.024764 (IC 0.019795 + Auger 0.004969), +55%; photons:
    // ENDF 0.015370 (gamma 0.010125 + X 0.005245) vs ICRP 0.0170867 (gamma 0.010435 + X
    // 0.0066517), -10%: the Ac-225 conversion-electron and L X-ray data of the two evaluations
    // differ. Checked against ENDF.
    c.check("Ac-225", CE, 0.03849319, "ENDF ERAV STYP 8");
    c.check("Ac-225", PH, 0.01012507 + 0.005245306, "ENDF ERAV STYP 0+9");
}

#[test]
fn ac225_chain() {
    let parent = Nuclide::load_from("Ac-225", DecayData::Endf).unwrap();
    let chain = Chain::from_nuclide(&parent).unwrap();
    let members: Vec<(Nuclide, f64)> = chain
        .names
        .iter()
        .zip(chain.secular_ratios())
        .map(|(m, r)| (Nuclide::load_from(m, DecayData::Endf).unwrap(), r))
        .collect();
    let mut table = [0.0; 10];
    for (m, r) in &members {
        for (t, v) in table.iter_mut().zip(table_array(&m.mean_energy())) {
            *t += r * v;
        }
    }
    let c = Case {
        table,
        stats: sample_members(&members, 1_000_000, 225),
    };
    // ICRP-107 chain sums per parent decay (branching products; reference CSV)
    c.check("Ac-225 chain", AL, 27.48, "ICRP-107 chain sum");
    c.check("Ac-225 chain", RE, 0.5133, "ICRP-107 chain sum");
    c.check("Ac-225 chain", 8, 0.2192, "ICRP-107 chain sum");
    // Electrons: ENDF chain sum 0.7019 vs ICRP-107 0.6895, +1.8%, +0.0137 MeV of it the Ac-225
    // conversion electrons above. Checked against the ENDF ERAV chain sum: beta- ERAV divided by
    // the branch-intensity sum of the mode, times the branching products (At-217 beta- 7e-5,
    // Bi-213 0.99993, Tl-209 0.02199846, Pb-209 1).
    let endf = 0.03849319                                           // Ac-225 e-
        + 0.008254865                                               // Fr-221 e-
        + 1.6044e-05 + 3.060765e-05                                 // At-217 beta-, e-
        + 0.99993 * (0.423969 * 0.978 / 0.975244113 + 0.01761397)    // Bi-213 beta-, e-
        + 0.02199846 * (0.6554398 / 0.9992 + 0.02714641)            // Tl-209 beta-, e-
        + 0.19735; // Pb-209 beta-
    c.check("Ac-225 chain", 7, endf, "ENDF ERAV chain sum");
}
