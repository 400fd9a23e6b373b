//! Multiple elastic scattering of electrons and positrons: a screened-Rutherford (Wentzel) DCS
//! whose screening parameter is fitted, per material and energy, so that its first transport
//! cross section equals the accurate one of EEDL (ENDF/B-VIII.1 MF23/MF26 MT525, tabulated by
//! `scripts/gen_electron_elastic.py` in `data/electron/elastic_Z###_Sym.txt`). This is the
//! "modified Wentzel" idea of PENELOPE (Baro et al., NIM B 100 (1995) 31; Salvat, PENELOPE-2011
//! manual, sec. 3.1 and 4.1) restricted to matching lambda_1.
//!
//! With x = 1 - cos(theta) in [0, 2] and K = 2 pi r_e^2 sum_i n_i Z_i (Z_i + 1) / (beta^4 gamma^2)
//! (cm2/g; n_i atoms per gram; Z(Z+1) counts the atomic electrons), the Wentzel DCS is
//! dsigma/dx = K / (x + 2A)^2, so that (all cm2/g)
//! - total: sigma = K / (2A (1 + A))
//! - first transport: sigma_1 = int x dsigma = K [ln(1 + 1/A) - 1/(1 + A)]
//! - hard part (x > x_c): K [1/(x_c + 2A) - 1/(2 + 2A)]
//! - soft part transport moments T_1 = int_0^{x_c} x dsigma, T_2 = int_0^{x_c} 3/2 x (2 - x) dsigma.
//!
//! The mixed scheme (PENELOPE): hard collisions (x > x_c) are simulated one by one; the soft ones
//! over a step s are lumped into one artificial deflection at a random point of the step (random
//! hinge) whose first two Legendre moments are the exact ones, exp(-s T_1) and exp(-s T_2).
//!
//! Accuracy of the underlying lambda_1: EEDL's large-angle data (partial-wave based above a few
//! keV); between its tabulated energies 256 keV and 10 MeV the reduced cross section
//! sigma_1 beta^4 gamma^2 / (2 pi r_e^2 Z (Z + 1)) = ln(1 + 1/A) - 1/(1 + A) is interpolated
//! linearly in ln(p), exact for a screened Rutherford DCS with A proportional to 1/p^2
//! (Moliere-like screening), whose Coulomb correction changes slowly with energy.

use crate::rng::HistoryRng;
use crate::tables::{read_data_file, SYMBOLS};
use crate::units::{AVOGADRO, BARN_CM2, CLASSICAL_ELECTRON_RADIUS_CM, ELECTRON_MASS_MEV};
use anyhow::{anyhow, bail, Context, Result};

/// EEDL first transport cross section of one element, as its reduced value on ln(p).
#[derive(Clone, Debug)]
pub struct ElementElastic {
    pub z: u8,
    pub atomic_weight: f64,
    /// ln(p / m c) at the EEDL angular-distribution energies
    ln_p: Vec<f64>,
    /// sigma_1 beta^4 gamma^2 / (2 pi r_e^2 Z^2), dimensionless (EEDL elastic)
    reduced: Vec<f64>,
}

/// ln(p / m c) and beta^4 gamma^2 of a lepton of kinetic energy `t_mev`.
#[inline]
pub fn kinematics(t_mev: f64) -> (f64, f64) {
    let tau = t_mev / ELECTRON_MASS_MEV;
    let p2 = tau * (tau + 2.0);
    let g = tau + 1.0;
    (0.5 * p2.ln(), p2 * p2 / (g * g))
}

impl ElementElastic {
    /// Loads `data/electron/elastic_Z###_Sym.txt`.
    pub fn load(z: u8) -> Result<Self> {
        let sym = SYMBOLS.get(z as usize).copied().unwrap_or("");
        let (path, text) = read_data_file(&format!("electron/elastic_Z{z:03}_{sym}.txt"))?;
        Self::parse(&text).with_context(|| format!("{}: malformed elastic table", path.display()))
    }

    fn parse(text: &str) -> Result<Self> {
        let (mut z, mut aw) = (0u8, 0.0);
        let (mut ln_p, mut reduced) = (vec![], vec![]);
        for (ln, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with('[') {
                continue;
            }
            let v: Vec<&str> = line.split_whitespace().collect();
            let bad = || anyhow!("line {}: cannot parse '{line}'", ln + 1);
            match v[0] {
                "Z" => z = v.get(1).and_then(|s| s.parse().ok()).ok_or_else(bad)?,
                "atomic_weight" => aw = v.get(1).and_then(|s| s.parse().ok()).ok_or_else(bad)?,
                _ => {
                    let n: Vec<f64> = v.iter().map(|s| s.parse()).collect::<Result<_, _>>()?;
                    if n.len() < 3 {
                        bail!("line {}: expected energy_mev sigma_la_b g1 ...", ln + 1);
                    }
                    let (lp, b4g2) = kinematics(n[0]);
                    // reduced by Z^2: times Z (Z + 1) in `MaterialElastic::sigma_1` (Z(Z+1) rule)
                    let zz = z as f64 * z as f64;
                    let pref = 2.0 * std::f64::consts::PI * CLASSICAL_ELECTRON_RADIUS_CM.powi(2);
                    ln_p.push(lp);
                    reduced.push(n[1] * BARN_CM2 * n[2] * b4g2 / (pref * zz));
                }
            }
        }
        if z == 0 || aw <= 0.0 || ln_p.len() < 2 || ln_p.windows(2).any(|w| w[1] <= w[0]) {
            bail!("missing Z, atomic_weight or increasing energy rows");
        }
        Ok(ElementElastic {
            z,
            atomic_weight: aw,
            ln_p,
            reduced,
        })
    }

    /// Reduced first transport cross section at kinetic energy `t_mev` (linear in ln p, clamped
    /// at the table ends).
    pub fn reduced_sigma1(&self, t_mev: f64) -> f64 {
        let (lp, _) = kinematics(t_mev);
        crate::numerics::interp_linear(&self.ln_p, &self.reduced, lp)
    }
}

/// Screening parameter A whose Wentzel DCS has the reduced first transport cross section
/// `reduced` = ln(1 + 1/A) - 1/(1 + A) (bisection in ln A; the function decreases with A).
pub fn screening_from_reduced(reduced: f64) -> f64 {
    let f = |a: f64| (1.0 + 1.0 / a).ln() - 1.0 / (1.0 + a);
    let (mut lo, mut hi) = (-60.0f64, 10.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f(mid.exp()) > reduced {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (0.5 * (lo + hi)).exp()
}

/// One Wentzel DCS dsigma/dx = k / (x + 2a)^2 (cm2/g), x = 1 - cos(theta).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Wentzel {
    pub k: f64,
    pub a: f64,
}

impl Wentzel {
    /// Total cross section (cm2/g).
    pub fn sigma_total(&self) -> f64 {
        self.k / (2.0 * self.a * (1.0 + self.a))
    }
    /// First transport cross section (cm2/g).
    pub fn sigma_1(&self) -> f64 {
        self.k * ((1.0 + 1.0 / self.a).ln() - 1.0 / (1.0 + self.a))
    }
    /// Cross section of deflections with x > `x_c` (cm2/g).
    pub fn sigma_hard(&self, x_c: f64) -> f64 {
        self.k * (1.0 / (x_c + 2.0 * self.a) - 1.0 / (2.0 + 2.0 * self.a))
    }
    /// The cut x_c whose hard cross section is `sigma_h` (0 when that exceeds the total).
    pub fn cut_for_hard(&self, sigma_h: f64) -> f64 {
        if sigma_h >= self.sigma_total() {
            return 0.0;
        }
        let inv = sigma_h / self.k + 1.0 / (2.0 + 2.0 * self.a);
        (1.0 / inv - 2.0 * self.a).clamp(0.0, 2.0)
    }
    /// Soft transport cross sections (T_1, T_2) of deflections with x < `x_c` (cm2/g).
    pub fn soft_moments(&self, x_c: f64) -> (f64, f64) {
        let k2 = 2.0 * self.a;
        let l = (x_c / k2).ln_1p();
        let t1 = l - x_c / (x_c + k2);
        let t2 = 1.5 * (-x_c + (2.0 + 2.0 * k2) * l - k2 * (2.0 + k2) * x_c / (k2 * (x_c + k2)));
        (self.k * t1, self.k * t2.max(0.0))
    }
    /// Samples x = 1 - cos(theta) of a hard collision (x in [x_c, 2]) from a uniform number.
    #[inline]
    pub fn sample_hard(&self, x_c: f64, u: f64) -> f64 {
        let k2 = 2.0 * self.a;
        let (lo, hi) = (1.0 / (2.0 + k2), 1.0 / (x_c + k2));
        (1.0 / (lo + u * (hi - lo)) - k2).clamp(x_c, 2.0)
    }
}

/// The elastic data of one material: per element its atoms per gram.
#[derive(Clone, Debug)]
pub struct MaterialElastic {
    elements: Vec<(f64, ElementElastic)>,
}

impl MaterialElastic {
    /// From (Z, mass fraction) pairs.
    ///
    /// # Errors
    /// An element without `data/electron/elastic_Z###` table.
    pub fn new(elements: &[(u8, f64)]) -> Result<Self> {
        let mut out = Vec::new();
        for &(z, w) in elements {
            let d = ElementElastic::load(z)?;
            out.push((w * AVOGADRO / d.atomic_weight, d));
        }
        Ok(MaterialElastic { elements: out })
    }

    /// sum n_i Z_i (Z_i + f) per gram.
    fn zz(&self, f: f64) -> f64 {
        self.elements
            .iter()
            .map(|(n, d)| n * d.z as f64 * (d.z as f64 + f))
            .sum()
    }

    /// First transport cross section (cm2/g): the EEDL elastic one (scattering by the screened
    /// nucleus, about proportional to Z^2) times (Z + f)/Z, where the f Z part stands for the
    /// deflections in soft collisions with the atomic electrons. f = 1 is Bethe's Z(Z + 1) rule
    /// (Phys. Rev. 89 (1953) 1256) for all inelastic collisions; when delta rays above W_cc are
    /// simulated explicitly (with their own deflections) only the soft share is kept. With the
    /// small-angle free-electron kinematics, 1 - cos(theta) = W m c^2 / p^2 c^2, and the 1/W^2
    /// Moller DCS, the deflection from transfers in [W1, W2] is proportional to ln(W2/W1), so
    /// f = ln(W_cc / I) / ln(W_max / I) (clamped to [0, 1]) with I the mean excitation energy.
    pub fn sigma_1(&self, t_mev: f64, f: f64) -> f64 {
        let (_, b4g2) = kinematics(t_mev);
        let pref = 2.0 * std::f64::consts::PI * CLASSICAL_ELECTRON_RADIUS_CM.powi(2) / b4g2;
        self.elements
            .iter()
            .map(|(n, d)| pref * n * d.z as f64 * (d.z as f64 + f) * d.reduced_sigma1(t_mev))
            .sum()
    }

    /// The Wentzel DCS with the first transport cross section [`Self::sigma_1`] at `t_mev`.
    pub fn wentzel(&self, t_mev: f64, f: f64) -> Wentzel {
        let (_, b4g2) = kinematics(t_mev);
        let k =
            2.0 * std::f64::consts::PI * CLASSICAL_ELECTRON_RADIUS_CM.powi(2) * self.zz(f) / b4g2;
        Wentzel {
            k,
            a: screening_from_reduced(self.sigma_1(t_mev, f) / k),
        }
    }
}

/// The soft-inelastic share f of the Z(Z + 1) rule (see [`MaterialElastic::sigma_1`]) for
/// delta-ray threshold `w_cc_mev`, largest transfer `w_max_mev` and mean excitation energy `i_mev`.
pub fn soft_inelastic_share(w_cc_mev: f64, w_max_mev: f64, i_mev: f64) -> f64 {
    if w_cc_mev >= w_max_mev {
        return 1.0;
    }
    ((w_cc_mev / i_mev).ln() / (w_max_mev / i_mev).ln()).clamp(0.0, 1.0)
}

/// Samples the soft (random-hinge) deflection cos(theta) whose Legendre moments are
/// <P1> = `m1` = exp(-s T_1) and <P2> = `p2` = exp(-s T_2), exactly.
///
/// The deflection is the sum of many small soft deflections, so its core is a small-angle
/// Gaussian: exponential in x = 1 - cos(theta), of mean tau. The second moment of x then
/// selects the shape (see [`SoftShape`]): where it exceeds the exponential's 2 <x>^2, a share
/// w of isotropic directions carries the larger-angle part; where it falls short (the core is
/// wide enough to feel the curvature of the sphere), a share v of the core is flat on
/// [0, 2 tau]. Beyond tau = 0.2, or below 4/3 <x>^2, PENELOPE's two-uniform distribution is
/// used (a U(-1, b) + (1 - a) U(b, 1), b = p2 / m1, a = (b + 1 - 2 m1) / 2; Baro et al., NIM B
/// 100 (1995) 31). All three have exactly the two moments.
///
/// Why the shape matters (water kernels, 24 shells, 3e5 histories, against C1 = C2 = loss
/// fraction = 0.05): with the two-uniform distribution, C1 = 1 above 50 keV moved the 0.3 MeV
/// kernel by up to 0.77% of its peak (chi-square 32/21), and together with 20% loss per step
/// and C2 = 0.4 the 0.07 and 0.3 MeV kernels by 0.72-0.75% (chi-square 42/22 and 41/21); with
/// an exponential core, C1 = 1 gives 21.5/22 and 24.2/21.
#[inline]
pub fn sample_soft(m1: f64, p2: f64, rng: &mut HistoryRng) -> f64 {
    let exponential = |tau: f64, rng: &mut HistoryRng| loop {
        // tau <= 0.2: a draw beyond x = 2 has probability below 5e-5
        let x = tau * rng.mfp();
        if x <= 2.0 {
            return 1.0 - x;
        }
    };
    match SoftShape::of(m1, p2) {
        SoftShape::IsotropicTail { w, tau } => {
            let u = rng.uniform();
            if u < w {
                -1.0 + 2.0 * (u / w)
            } else {
                exponential(tau, rng)
            }
        }
        SoftShape::FlatCore { v, tau } => {
            let u = rng.uniform();
            if u < v {
                1.0 - 2.0 * tau * (u / v)
            } else {
                exponential(tau, rng)
            }
        }
        SoftShape::TwoUniform => {
            let b = (p2 / m1).clamp(-1.0, 1.0);
            let a = (0.5 * (b + 1.0) - m1).clamp(0.0, 1.0);
            let u = rng.uniform();
            if u < a {
                -1.0 + (b + 1.0) * (u / a)
            } else {
                b + (1.0 - b) * ((u - a) / (1.0 - a))
            }
        }
    }
}

/// Largest mean tau of the exponential core in [`sample_soft`].
const MAX_CORE_TAU: f64 = 0.2;

/// The distribution of a soft deflection in x = 1 - cos(theta), by its two moments.
#[derive(Clone, Copy, Debug, PartialEq)]
enum SoftShape {
    /// (1 - w) exponential of mean tau + w uniform on [0, 2]:
    /// w + (1 - w) tau = <x>, (4/3) w + 2 (1 - w) tau^2 = <x^2>
    IsotropicTail { w: f64, tau: f64 },
    /// (1 - v) exponential of mean tau + v uniform on [0, 2 tau]: tau = <x>,
    /// (2 - 2 v / 3) tau^2 = <x^2>
    FlatCore { v: f64, tau: f64 },
    /// PENELOPE's two-uniform distribution
    TwoUniform,
}

impl SoftShape {
    #[inline]
    fn of(m1: f64, p2: f64) -> Self {
        let a1 = 1.0 - m1;
        // <x^2> = 1 - 2 <mu> + <mu^2>, <mu^2> = (2 <P2> + 1) / 3
        let a2 = 1.0 - 2.0 * m1 + (2.0 * p2 + 1.0) / 3.0;
        if !(a1 > 0.0 && a1 <= MAX_CORE_TAU) {
            return SoftShape::TwoUniform;
        }
        let qc = 2.0 * a1 * a1 - a2;
        if qc <= 0.0 {
            // (2/3) w^2 + qb w + qc = 0 from the moment equations: one root w >= 0, written
            // without cancellation (qb > 0 for <x> < 1/3)
            let qb = 4.0 / 3.0 - 4.0 * a1 + a2;
            let w = -2.0 * qc / (qb + (qb * qb - 8.0 / 3.0 * qc).sqrt());
            let tau = (a1 - w) / (1.0 - w);
            if w < a1 && tau > 0.0 && tau <= MAX_CORE_TAU {
                return SoftShape::IsotropicTail { w, tau };
            }
            return SoftShape::TwoUniform;
        }
        let v = 1.5 * (2.0 - a2 / (a1 * a1));
        if v <= 1.0 {
            SoftShape::FlatCore { v, tau: a1 }
        } else {
            SoftShape::TwoUniform
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soft_deflection_has_the_exact_legendre_moments() {
        // moments of soft Wentzel scattering (A = 1e-3, cut x_c = 0.05) over paths from 0.003
        // to 8 soft transport mean free paths, which take each of the three shapes
        let w = Wentzel { k: 1.0, a: 1e-3 };
        let (t1, t2) = w.soft_moments(0.05);
        let mut rng = HistoryRng::new(5, 0);
        let n = 400_000;
        let mut shapes = [0; 3];
        for s in [0.003, 0.03, 0.15, 0.5, 2.0, 8.0].iter().map(|f| f / t1) {
            let (m1, p2) = ((-s * t1).exp(), (-s * t2).exp());
            shapes[match SoftShape::of(m1, p2) {
                SoftShape::IsotropicTail { .. } => 0,
                SoftShape::FlatCore { .. } => 1,
                SoftShape::TwoUniform => 2,
            }] += 1;
            let (mut s1, mut s2, mut q1, mut q2) = (0.0, 0.0, 0.0, 0.0);
            for _ in 0..n {
                let mu = sample_soft(m1, p2, &mut rng);
                assert!((-1.0..=1.0).contains(&mu));
                let l2 = 0.5 * (3.0 * mu * mu - 1.0);
                (s1, s2, q1, q2) = (s1 + mu, s2 + l2, q1 + mu * mu, q2 + l2 * l2);
            }
            let nf = n as f64;
            let (e1, e2) = (s1 / nf, s2 / nf);
            let (sd1, sd2) = (
                ((q1 / nf - e1 * e1) / nf).sqrt(),
                ((q2 / nf - e2 * e2) / nf).sqrt(),
            );
            assert!(
                (e1 - m1).abs() < 4.0 * sd1 + 1e-12,
                "path {s}: <P1> {e1} vs {m1}"
            );
            assert!(
                (e2 - p2).abs() < 4.0 * sd2 + 1e-12,
                "path {s}: <P2> {e2} vs {p2}"
            );
        }
        assert_eq!(shapes, [2, 1, 3], "paths by shape");
    }
    #[test]
    fn wentzel_moments_are_consistent() {
        let w = Wentzel { k: 3.0, a: 1e-3 };
        let (t1, _) = w.soft_moments(2.0);
        assert!((t1 / w.sigma_1() - 1.0).abs() < 1e-9);
        assert!((w.sigma_hard(0.0) / w.sigma_total() - 1.0).abs() < 1e-12);
        let xc = w.cut_for_hard(0.3 * w.sigma_total());
        assert!((w.sigma_hard(xc) / (0.3 * w.sigma_total()) - 1.0).abs() < 1e-9);
        let a = screening_from_reduced(w.sigma_1() / w.k);
        assert!((a / w.a - 1.0).abs() < 1e-9);
        // T2 by a midpoint sum
        let xc = 0.1;
        let n = 200_000;
        let h = xc / n as f64;
        let t2: f64 = (0..n)
            .map(|i| {
                let x = (i as f64 + 0.5) * h;
                1.5 * x * (2.0 - x) * w.k / (x + 2.0 * w.a).powi(2) * h
            })
            .sum();
        assert!((w.soft_moments(xc).1 / t2 - 1.0).abs() < 1e-6);
    }
}
