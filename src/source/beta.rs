//! Beta-minus and beta-plus energy spectra from Fermi theory, tabulated for sampling.
//!
//! The density of the kinetic energy T of the beta particle is (Hayen et al., Rev. Mod. Phys. 90
//! (2018) 015008, eq. 4 and section IV; the same model as Geant4 `G4BetaDecayCorrections`):
//!
//!   N(W) ~ p W (W0 - W)^2 F0(Z, W) L0(Z, W) S(W) C(W)
//!
//! with W = 1 + T / m_e c^2 the total energy and p = sqrt(W^2 - 1) the momentum in electron
//! units, and
//! - F0: the Fermi function of a point nucleus evaluated at the nuclear radius R,
//!   F0 = 2 (1 + g) (2 p R)^(2 g - 2) exp(pi y) |Gamma(g + i y)|^2 / Gamma(2 g + 1)^2,
//!   g = sqrt(1 - (alpha Z)^2), y = alpha Z W / p, Z the daughter charge (negative for beta+);
//! - L0: finite nuclear size (uniformly charged sphere), the analytic leading terms of
//!   Wilkinson (Nucl. Instrum. Meth. A 290 (1990) 509), Hayen et al. eq. 18 without the fitted
//!   higher-order a_n terms;
//! - S: atomic screening by Rose's potential shift W' = W -+ V0, V0 = 1.13 alpha^2 |Z|^(4/3),
//!   factor (W'/W) (p'/p) (Geant4 `G4BetaDecayCorrections::FermiFunction`);
//! - C: the shape factor of n-th forbidden unique transitions (spin change L = n + 1),
//!   C = sum_k lambda_k p^(2k-2) q^(2L-2k) / ((2k-1)! (2L-2k+1)!), k = 1..L, q = W0 - W
//!   (Konopinski-Uhlenbeck form; Hayen et al. eq. 119), with the Coulomb functions
//!   lambda_k = F_(k-1) / F_0 in the point-nucleus approximation of Behrens and Buehring,
//!   F_(k-1) = 4^(k-1) 2k (k + g_k) ((2k-1)!!)^2 (2pR)^(2(g_k - k)) exp(pi y) |Gamma(g_k + iy)|^2
//!   / Gamma(2 g_k + 1)^2, g_k = sqrt(k^2 - (alpha Z)^2) (the same expressions as Geant4's
//!   `G4BetaDecayCorrections::ShapeFactor`; first unique: C ~ q^2 + lambda_2 p^2).
//!   Non-unique forbidden transitions get C = 1 (the xi approximation), as in ICRP-107.
//!
//! Nuclear radius R = 1.121 A^(1/3) + 2.426 A^(-1/3) - 6.614/A fm (Elton 1961, as used by Hayen
//! et al.), in units of hbar/(m_e c) = 386.159 fm (CODATA 2018).
//!
//! The density is tabulated on `GRID` + 1 equidistant kinetic energies; the samplers draw from
//! the piecewise-linear density exactly (the inverse CDF inside the bin, or in the decay loop
//! an alias table and a trapezoid mixture, [`super::linear_sampler`]), so the histogram test can
//! compare samples with the table itself.

use super::linear_sampler::LinearSampler;
use crate::numerics::GuideTable;
use crate::rng::HistoryRng;
use crate::units::ELECTRON_MASS_MEV;

/// Fine-structure constant (CODATA 2018).
const ALPHA: f64 = 7.297_352_569_3e-3;
/// hbar / (m_e c) in fm (CODATA 2018).
const HBAR_OVER_MEC_FM: f64 = 386.159_267_96;
/// Number of intervals of the tabulated density.
const GRID: usize = 512;

/// Which particle is emitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BetaSign {
    Minus,
    Plus,
}

/// Parameters of one beta branch.
#[derive(Clone, Copy, Debug)]
pub struct BetaParams {
    pub sign: BetaSign,
    /// atomic number of the daughter
    pub z_daughter: u32,
    /// mass number
    pub a: u32,
    /// maximum kinetic energy of the beta particle (MeV)
    pub endpoint_mev: f64,
    /// 0 for allowed (and non-unique forbidden), n for n-th forbidden unique
    pub unique_order: u32,
}

/// ln Gamma(z) for complex z with Re z >= 0.5 (Lanczos, g = 7, n = 9; Press et al., Numerical
/// Recipes 3rd ed. section 6.1, coefficients of Godfrey), as (re, im); relative error ~1e-15.
fn ln_gamma(re: f64, im: f64) -> (f64, f64) {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    let zr = re - 1.0;
    let (mut xr, mut xi) = (C[0], 0.0);
    for (k, c) in C.iter().enumerate().skip(1) {
        let (dr, di) = (zr + k as f64, im);
        let d2 = dr * dr + di * di;
        xr += c * dr / d2;
        xi -= c * di / d2;
    }
    let (tr, ti) = (zr + 7.5, im);
    let ln_t = (0.5 * (tr * tr + ti * ti).ln(), ti.atan2(tr));
    let ln_x = (0.5 * (xr * xr + xi * xi).ln(), xi.atan2(xr));
    // (z - 1 + 0.5) ln t - t + 0.5 ln(2 pi) + ln x
    let (ar, ai) = (zr + 0.5, im);
    let r = ar * ln_t.0 - ai * ln_t.1 - tr + 0.5 * (2.0 * std::f64::consts::PI).ln() + ln_x.0;
    let i = ar * ln_t.1 + ai * ln_t.0 - ti + ln_x.1;
    (r, i)
}

/// Nuclear radius (uniform sphere) in units of hbar/(m_e c) (Elton 1961).
pub fn nuclear_radius(a: u32) -> f64 {
    let a = a as f64;
    (1.121 * a.cbrt() + 2.426 / a.cbrt() - 6.614 / a) / HBAR_OVER_MEC_FM
}

/// Fermi function F0 L0 S at total energy `w` (electron units); `z` is the signed daughter
/// charge (positive for beta-, negative for beta+).
pub fn fermi_function(z: f64, a: u32, w: f64) -> f64 {
    if z == 0.0 {
        return 1.0;
    }
    let az = ALPHA * z;
    let g = (1.0 - az * az).sqrt();
    let r = nuclear_radius(a);
    // screening: Rose's shift of the total energy
    let v0 = 1.13 * ALPHA * ALPHA * z.abs().powf(4.0 / 3.0);
    let ws = if z > 0.0 {
        (w - v0).max(1.000_01)
    } else {
        w + v0
    };
    let p = (w * w - 1.0).sqrt();
    let ps = (ws * ws - 1.0).sqrt();
    let y = az * ws / ps;
    let ln_mod2 = 2.0 * ln_gamma(g, y).0;
    let ln_g2 = ln_gamma(2.0 * g + 1.0, 0.0).0;
    let f0 = 2.0
        * (1.0 + g)
        * ((2.0 * g - 2.0) * (2.0 * ps * r).ln() + std::f64::consts::PI * y + ln_mod2
            - 2.0 * ln_g2)
            .exp();
    let screening = (ws / w) * (ps / p);
    // finite nuclear size (Wilkinson 1990, leading terms)
    let l0 = 1.0 - az * w * r * (41.0 - 26.0 * g) / (15.0 * (2.0 * g - 1.0))
        + 13.0 / 60.0 * az * az
        - az * r * g * (17.0 - 2.0 * g) / (30.0 * w * (2.0 * g - 1.0));
    f0 * screening * l0
}

/// ln F_(k-1) without the common factor exp(pi y) (see the module doc).
fn ln_fk(k: u32, az: f64, r: f64, p: f64, y: f64) -> f64 {
    let kf = k as f64;
    let gk = (kf * kf - az * az).sqrt();
    let dfact: f64 = (1..=k).map(|i| (2 * i - 1) as f64).product();
    (4f64.powi(k as i32 - 1) * 2.0 * kf * (kf + gk) * dfact * dfact).ln()
        + 2.0 * (gk - kf) * (2.0 * p * r).ln()
        + 2.0 * ln_gamma(gk, y).0
        - 2.0 * ln_gamma(2.0 * gk + 1.0, 0.0).0
}

/// Coulomb function lambda_k = F_(k-1) / F_0 at total energy `w` (signed daughter charge `z`).
pub fn coulomb_lambda(k: u32, z: f64, a: u32, w: f64) -> f64 {
    if k == 1 {
        return 1.0;
    }
    let az = ALPHA * z;
    let r = nuclear_radius(a);
    let p = (w * w - 1.0).sqrt();
    let y = az * w / p;
    (ln_fk(k, az, r, p, y) - ln_fk(1, az, r, p, y)).exp()
}

fn factorial(n: u32) -> f64 {
    (1..=n).map(|k| k as f64).product()
}

/// Unnormalised density of the kinetic energy `t_mev` of the beta particle.
pub fn density(b: &BetaParams, t_mev: f64) -> f64 {
    if !(0.0..b.endpoint_mev).contains(&t_mev) {
        return 0.0;
    }
    // at T = 0 take the limit (finite for beta-, zero for beta+)
    let t_mev = t_mev.max(1e-7 * b.endpoint_mev);
    let w = 1.0 + t_mev / ELECTRON_MASS_MEV;
    let w0 = 1.0 + b.endpoint_mev / ELECTRON_MASS_MEV;
    let p = (w * w - 1.0).sqrt();
    let q = w0 - w;
    let z = match b.sign {
        BetaSign::Minus => b.z_daughter as f64,
        BetaSign::Plus => -(b.z_daughter as f64),
    };
    let shape = if b.unique_order == 0 {
        1.0
    } else {
        let l = b.unique_order + 1;
        (1..=l)
            .map(|k| {
                coulomb_lambda(k, z, b.a, w) * p.powi(2 * k as i32 - 2) * q.powi(2 * (l - k) as i32)
                    / (factorial(2 * k - 1) * factorial(2 * (l - k) + 1))
            })
            .sum()
    };
    p * w * q * q * fermi_function(z, b.a, w) * shape
}

/// A tabulated beta spectrum: piecewise-linear density on an equidistant grid, its CDF and mean.
#[derive(Clone, Debug)]
pub struct BetaSpectrum {
    pub params: BetaParams,
    step_mev: f64,
    /// normalised density (1/MeV) at the grid nodes
    pdf: Vec<f64>,
    /// CDF at the grid nodes
    cdf: Vec<f64>,
    /// where the search of a u among the CDF nodes starts
    guide: GuideTable,
    /// the same density sampled without a search (the decay loop's sampler)
    fast: LinearSampler,
    /// mean kinetic energy (MeV) of the tabulated density
    pub mean_mev: f64,
}

impl BetaSpectrum {
    /// Tabulates the spectrum of a branch (`endpoint_mev` > 0).
    pub fn new(params: BetaParams) -> Self {
        debug_assert!(params.endpoint_mev > 0.0);
        let h = params.endpoint_mev / GRID as f64;
        let mut pdf: Vec<f64> = (0..=GRID).map(|i| density(&params, i as f64 * h)).collect();
        pdf[GRID] = 0.0;
        let mut cdf = vec![0.0; GRID + 1];
        let mut mean = 0.0;
        for i in 0..GRID {
            let (f0, f1) = (pdf[i], pdf[i + 1]);
            cdf[i + 1] = cdf[i] + 0.5 * h * (f0 + f1);
            // integral of t f(t) over the bin for linear f
            let t0 = i as f64 * h;
            mean += h * (f0 * (t0 / 2.0 + h / 6.0) + f1 * (t0 / 2.0 + h / 3.0));
        }
        let norm = cdf[GRID];
        pdf.iter_mut().for_each(|v| *v /= norm);
        cdf.iter_mut().for_each(|v| *v /= norm);
        let guide = GuideTable::new(&cdf, 1.0, GRID);
        let fast = LinearSampler::new(&pdf, h).expect("a beta spectrum has a positive density");
        BetaSpectrum {
            params,
            step_mev: h,
            pdf,
            cdf,
            guide,
            fast,
            mean_mev: mean / norm,
        }
    }

    /// The spectrum whose tabulated mean kinetic energy is `mean_mev` (MeV): solves the endpoint
    /// E0 by a bracketed regula falsi (Illinois variant; bisection steps when it stalls) on
    /// mean(E0) - `mean_mev`, from the bracket [mean, 20 mean] (the mean of any beta spectrum
    /// lies between 0.05 E0 and E0), to 1e-9 relative in E0. Used for ICRP-107's branches,
    /// which give only the mean (10 to 15 tabulations per branch).
    ///
    /// # Errors
    /// A non-positive or non-finite mean, or no convergence in 200 steps.
    pub fn with_mean(
        sign: BetaSign,
        z_daughter: u32,
        a: u32,
        unique_order: u32,
        mean_mev: f64,
    ) -> anyhow::Result<Self> {
        if !(mean_mev.is_finite() && mean_mev > 0.0) {
            anyhow::bail!("beta branch mean {mean_mev} MeV: expected a positive energy");
        }
        let make = |e0: f64| {
            BetaSpectrum::new(BetaParams {
                sign,
                z_daughter,
                a,
                endpoint_mev: e0,
                unique_order,
            })
        };
        let (mut lo, mut hi) = (mean_mev, 20.0 * mean_mev);
        let (mut s_lo, mut s_hi) = (make(lo), make(hi));
        let (mut f_lo, mut f_hi) = (s_lo.mean_mev - mean_mev, s_hi.mean_mev - mean_mev);
        if f_lo > 0.0 || f_hi < 0.0 {
            anyhow::bail!(
                "no endpoint between {lo} and {hi} MeV gives the mean {mean_mev} MeV \
                 (means {} and {} MeV)",
                s_lo.mean_mev,
                s_hi.mean_mev
            );
        }
        // Illinois: halve the weight of an end that stays twice in a row
        let mut side = 0i8;
        for _ in 0..200 {
            if hi - lo <= 1e-9 * hi {
                break;
            }
            let mut x = (lo * f_hi - hi * f_lo) / (f_hi - f_lo);
            if !(x > lo && x < hi) {
                x = 0.5 * (lo + hi);
            }
            let s = make(x);
            let f = s.mean_mev - mean_mev;
            if f == 0.0 {
                return Ok(s);
            }
            if f < 0.0 {
                (lo, s_lo, f_lo) = (x, s, f);
                if side == -1 {
                    f_hi *= 0.5;
                }
                side = -1;
            } else {
                (hi, s_hi, f_hi) = (x, s, f);
                if side == 1 {
                    f_lo *= 0.5;
                }
                side = 1;
            }
        }
        if hi - lo > 1e-9 * hi {
            anyhow::bail!("beta endpoint for mean {mean_mev} MeV did not converge");
        }
        // the end whose mean is closer
        Ok(
            if (s_lo.mean_mev - mean_mev).abs() <= (s_hi.mean_mev - mean_mev).abs() {
                s_lo
            } else {
                s_hi
            },
        )
    }

    /// The tabulated (normalised, piecewise-linear) density at `t_mev` (1/MeV).
    pub fn pdf(&self, t_mev: f64) -> f64 {
        if !(0.0..=self.params.endpoint_mev).contains(&t_mev) {
            return 0.0;
        }
        let x = t_mev / self.step_mev;
        let i = (x as usize).min(GRID - 1);
        let f = x - i as f64;
        self.pdf[i] * (1.0 - f) + self.pdf[i + 1] * f
    }

    /// The CDF of the tabulated density at `t_mev`.
    pub fn cdf(&self, t_mev: f64) -> f64 {
        if t_mev <= 0.0 {
            return 0.0;
        }
        if t_mev >= self.params.endpoint_mev {
            return 1.0;
        }
        let h = self.step_mev;
        let i = ((t_mev / h) as usize).min(GRID - 1);
        let d = t_mev - i as f64 * h;
        let (f0, f1) = (self.pdf[i], self.pdf[i + 1]);
        self.cdf[i] + f0 * d + (f1 - f0) * d * d / (2.0 * h)
    }

    /// Samples a kinetic energy (MeV) from the random stream: 5 uniform numbers, no search, no
    /// division (the same density as [`Self::sample`]).
    #[inline]
    pub fn sample_rng(&self, rng: &mut HistoryRng) -> f64 {
        self.fast.sample(rng).min(self.params.endpoint_mev)
    }

    /// Samples a kinetic energy (MeV) from a uniform number in [0, 1) by the inverse CDF (one
    /// number per sample, in order).
    #[inline]
    pub fn sample(&self, u: f64) -> f64 {
        let i = self.guide.first_above(&self.cdf, u).clamp(1, GRID) - 1;
        let (f0, f1) = (self.pdf[i], self.pdf[i + 1]);
        let h = self.step_mev;
        let d = crate::numerics::invert_linear_segment(f0, f1, h, u - self.cdf[i]);
        (i as f64 * h + d).min(self.params.endpoint_mev)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_gamma_matches_known_values() {
        // Gamma(5) = 24; |Gamma(1 + i)|^2 = pi / sinh(pi)
        assert!((ln_gamma(5.0, 0.0).0 - 24f64.ln()).abs() < 1e-12);
        let v = 2.0 * ln_gamma(1.0, 1.0).0;
        let exact = (std::f64::consts::PI / std::f64::consts::PI.sinh()).ln();
        assert!((v - exact).abs() < 1e-12);
    }

    #[test]
    fn endpoint_solved_from_mean() {
        // Lu-177's main branch: ENDF endpoint 0.4981 MeV, ICRP-107 mean 0.149135 MeV
        for (sign, z, a, u, mean) in [
            (BetaSign::Minus, 72, 177, 0, 0.149_135),
            (BetaSign::Minus, 40, 90, 1, 0.932_991),
            (BetaSign::Plus, 8, 18, 0, 0.2498),
            (BetaSign::Minus, 2, 3, 0, 0.005_68),
        ] {
            let s = BetaSpectrum::with_mean(sign, z, a, u, mean).unwrap();
            assert!(
                (s.mean_mev / mean - 1.0).abs() < 1e-8,
                "{mean}: {}",
                s.mean_mev
            );
        }
    }

    #[test]
    fn sampler_inverts_cdf() {
        let s = BetaSpectrum::new(BetaParams {
            sign: BetaSign::Minus,
            z_daughter: 72,
            a: 177,
            endpoint_mev: 0.498,
            unique_order: 0,
        });
        for k in 1..100 {
            let u = k as f64 / 100.0;
            assert!((s.cdf(s.sample(u)) - u).abs() < 1e-9);
        }
        // the guide table finds the binary search's interval, at and between the nodes and
        // the guide points
        let mut us: Vec<f64> = s
            .cdf
            .iter()
            .flat_map(|&c| [c, c.next_down(), c.next_up()])
            .collect();
        us.extend((0..=4 * GRID).map(|k| k as f64 / (4 * GRID) as f64));
        us.extend([0.0, 1.0f64.next_down()]);
        for u in us.into_iter().filter(|u| (0.0..1.0).contains(u)) {
            let i = s.cdf.partition_point(|&c| c <= u).clamp(1, GRID) - 1;
            let (f0, f1) = (s.pdf[i], s.pdf[i + 1]);
            let d = crate::numerics::invert_linear_segment(f0, f1, s.step_mev, u - s.cdf[i]);
            let want = (i as f64 * s.step_mev + d).min(s.params.endpoint_mev);
            assert_eq!(s.sample(u).to_bits(), want.to_bits(), "u = {u}");
        }
    }
}
