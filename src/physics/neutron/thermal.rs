//! Hydrogen bound in water below 1 eV: a scattering law S(alpha, beta) built at load time from
//! the CAB-model LEAPR input of ENDF/B-VIII.1 (`data/neutron/tsl_H_in_H2O.txt`, 293.6 K), by
//! the incoherent Gaussian phonon expansion LEAPR itself uses (MacFarlane, NJOY manual, LEAPR
//! chapter):
//!
//! - continuous spectrum rho (weight TBETA): P(b) = rho(b) / (2 b sinh(b/2)),
//!   lambda = int P(b) e^(-b/2) db (Debye-Waller), T1 = P e^(-b/2) / lambda, T_n = T1 * T_(n-1),
//!   S_c(a, b) = e^(-a lambda) sum_n (a lambda)^n / n! T_n(b)  (b = (E'-E)/kT, a = alpha);
//! - the two discrete oscillators (0.205 and 0.415 eV) convolved as Bessel-function lines,
//!   e^(-a lambda_i) I_k(x_i) e^(-k b_i / 2) at b = k b_i, x_i = a w_i / (b_i sinh(b_i/2));
//! - the zero-phonon line (weight e^(-a lambda_total)) is the quasi-elastic peak; its width comes
//!   from the translational diffusion (weight TWT = 0.0079), which is neglected: it is scattered
//!   elastically (E' = E) with the angular factor e^(-alpha lambda_total) (as incoherent elastic
//!   scattering). Translational broadening of the inelastic part is also neglected.
//!
//! Above 1 eV bound hydrogen is a free gas at the effective temperature of this law (its
//! short-collision-time limit, [`ThermalH2O::kt_eff_mev`]).
//!
//! Checked against the ENDF/B-VIII CAB evaluation processed by NJOY (tests/neutron_data.rs):
//! within 1.3% from 0.01 to 5 eV; below about 5 meV our cross section is low (4% at 1 meV)
//! because the translational diffusion of the molecule is neglected.
//!
//! Double-differential cross section per H atom: sigma_b / (2 kT) sqrt(E'/E) S(alpha, beta) with
//! sigma_b = sigma_free ((A+1)/A)^2. The inelastic part is tabulated at incident energies 1e-5 eV
//! to 1 eV (12 per decade) as a CDF over outgoing energy (steps of 0.05 kT) and, per group of
//! outgoing energies, a CDF of the cosine at 65 points.

use crate::rng::HistoryRng;
use crate::tables::{numbers, read_data_file, SectionedText};
use anyhow::{bail, Context, Result};
use rayon::prelude::*;

/// Upper energy of the bound-hydrogen treatment (MeV): 1 eV. Above it, hydrogen scatters as a
/// free gas (the free-atom limit is reached within 1% at 1 eV for water, where
/// alpha lambda >> 1).
pub const SAB_MAX_MEV: f64 = 1e-6;
const E_LO_EV: f64 = 1e-5;
const PER_DECADE: usize = 12;
const N_MU: usize = 65;
/// outgoing energies per cosine group
const GROUP: usize = 4;
/// largest energy gain tabulated (units of kT)
const B_GAIN: f64 = 30.0;
/// phonon orders kept
const N_PHONON: usize = 160;

/// The bound-hydrogen scattering law of water at 293.6 K.
#[derive(Debug)]
pub struct ThermalH2O {
    pub awr: f64,
    /// bound-atom scattering cross section (barn)
    pub sigma_bound_b: f64,
    kt_ev: f64,
    /// Debye-Waller lambda of the whole (non-translational) spectrum
    pub lambda_total: f64,
    /// kT_eff (MeV) of the short-collision-time (free-gas) limit of bound H above
    /// [`SAB_MAX_MEV`]: T_eff = T/2 sum over modes of w b coth(b/2) (translational weight: w;
    /// continuous spectrum: integral of rho b coth(b/2); oscillators), about 1200 K for water
    pub kt_eff_mev: f64,
    /// incident energies (eV)
    e_in: Vec<f64>,
    /// inelastic cross section per H (barn) at e_in
    inel_b: Vec<f64>,
    outgoing: Vec<Outgoing>,
}

#[derive(Debug)]
struct Outgoing {
    /// outgoing energy of bin j: e0 + j de (eV); bin j spans +- de/2 (clipped at 0)
    e0: f64,
    de: f64,
    cdf: Vec<f64>,
    /// per group of GROUP bins: the CDF of mu at N_MU equally spaced cosines
    mu_cdf: Vec<[f32; N_MU]>,
}

/// Modified Bessel function I_k(x), k >= 0, by its series (x small here, < 1).
fn bessel_i(k: u32, x: f64) -> f64 {
    let h = 0.5 * x;
    let mut term = (0..k).fold(1.0, |t, i| t * h / (i + 1) as f64);
    let mut s = term;
    for m in 1..40 {
        term *= h * h / (m as f64 * (m + k) as f64);
        s += term;
        if term < 1e-17 * s {
            break;
        }
    }
    s
}

/// The continuous-spectrum part S_c(alpha, beta) without its zero-phonon term, on a grid of
/// alpha (log-spaced) and beta (step db, from -b_loss to b_gain).
struct PhononTable {
    ln_a0: f64,
    d_ln_a: f64,
    n_a: usize,
    db: f64,
    /// index of beta = 0
    j0: usize,
    n_b: usize,
    /// [a][b]
    s: Vec<f64>,
    lambda: f64,
}

impl PhononTable {
    fn new(rho: &[f64], db: f64, tbeta: f64, b_loss: f64, b_gain: f64) -> Self {
        let n = rho.len();
        // normalise rho to tbeta (trapezoid)
        let area: f64 = (1..n).map(|k| 0.5 * (rho[k - 1] + rho[k]) * db).sum();
        let rho: Vec<f64> = rho.iter().map(|r| r * tbeta / area).collect();
        let p = |k: usize| -> f64 {
            if k == 0 {
                // rho ~ b^2 near 0: P(0) = rho(db) / db^2 (LEAPR's extrapolation)
                rho[1] / (db * db)
            } else {
                let b = k as f64 * db;
                rho[k] / (2.0 * b * (0.5 * b).sinh())
            }
        };
        // T1 on k = -(n-1)..(n-1): index k + n - 1
        let m = 2 * n - 1;
        let mut t1 = vec![0.0; m];
        for (i, t) in t1.iter_mut().enumerate() {
            let k = i as i64 - (n as i64 - 1);
            let b = k as f64 * db;
            *t = p(k.unsigned_abs() as usize) * (-0.5 * b).exp();
        }
        let lambda: f64 = t1.iter().sum::<f64>() * db;
        t1.iter_mut().for_each(|t| *t /= lambda);
        // T_n on its full support k = -n(n-1)..n(n-1), kept in the window [-b_loss, b_gain]
        let j_lo = (b_loss / db).ceil() as i64;
        let j_hi = (b_gain / db).ceil() as i64;
        let n_b = (j_lo + j_hi + 1) as usize;
        let mut tn_window: Vec<Vec<f64>> = Vec::with_capacity(N_PHONON);
        let mut cur = t1.clone();
        let half = (n - 1) as i64;
        for order in 1..=N_PHONON {
            let h = order as i64 * half;
            let mut w = vec![0.0; n_b];
            for (jj, v) in w.iter_mut().enumerate() {
                let k = jj as i64 - j_lo;
                if k >= -h && k <= h {
                    *v = cur[(k + h) as usize];
                }
            }
            tn_window.push(w);
            if order == N_PHONON {
                break;
            }
            // next order: conv(T1, cur) on support -(h+half)..(h+half)
            let h2 = h + half;
            let mut next = vec![0.0; (2 * h2 + 1) as usize];
            for (i1, &a) in t1.iter().enumerate() {
                if a == 0.0 {
                    continue;
                }
                let off = i1; // k1 + half
                for (i2, &b) in cur.iter().enumerate() {
                    next[off + i2] += a * b * db;
                }
            }
            cur = next;
        }
        // alpha grid
        let (a0, a1, n_a) = (1e-3f64, 400.0f64, 240usize);
        let d_ln_a = (a1 / a0).ln() / (n_a - 1) as f64;
        let mut s = vec![0.0; n_a * n_b];
        for ia in 0..n_a {
            let al = (a0.ln() + ia as f64 * d_ln_a).exp() * lambda;
            // Poisson weights e^-al al^n / n! for n >= 1
            let mut w = (-al).exp();
            for (order, tn) in tn_window.iter().enumerate() {
                w *= al / (order + 1) as f64;
                if w < 1e-300 && (order as f64) > al {
                    break;
                }
                if w < 1e-30 {
                    continue;
                }
                let row = &mut s[ia * n_b..(ia + 1) * n_b];
                for (r, t) in row.iter_mut().zip(tn) {
                    *r += w * t;
                }
            }
        }
        PhononTable {
            ln_a0: a0.ln(),
            d_ln_a,
            n_a,
            db,
            j0: j_lo as usize,
            n_b,
            s,
            lambda,
        }
    }

    /// S_c(alpha, beta) (without the zero-phonon term), linear in ln alpha and in beta; below the
    /// smallest alpha it scales as alpha (one-phonon limit).
    fn eval(&self, alpha: f64, beta: f64) -> f64 {
        let x = beta / self.db + self.j0 as f64;
        if x < 0.0 || x >= (self.n_b - 1) as f64 {
            return 0.0;
        }
        let jb = x as usize;
        let fb = x - jb as f64;
        let la = alpha.ln();
        let y = (la - self.ln_a0) / self.d_ln_a;
        let (ia, fa, scale) = if y < 0.0 {
            (0usize, 0.0, alpha / self.ln_a0.exp())
        } else if y >= (self.n_a - 1) as f64 {
            return 0.0;
        } else {
            (y as usize, y - y.floor(), 1.0)
        };
        let at = |ia: usize| {
            let r = &self.s[ia * self.n_b..];
            r[jb] + fb * (r[jb + 1] - r[jb])
        };
        let v0 = at(ia);
        let v = if fa > 0.0 {
            v0 + fa * (at(ia + 1) - v0)
        } else {
            v0
        };
        v * scale
    }
}

impl ThermalH2O {
    /// Loads the LEAPR parameters and builds the tables (about a second).
    ///
    /// # Errors
    /// A missing or malformed `data/neutron/tsl_H_in_H2O.txt`.
    pub fn load() -> Result<Self> {
        let (path, text) = read_data_file("neutron/tsl_H_in_H2O.txt")?;
        Self::parse(&text).with_context(|| format!("{}: malformed", path.display()))
    }

    fn parse(text: &str) -> Result<Self> {
        let t = SectionedText::parse(text);
        let temp: f64 = t.value("temperature_k")?;
        let awr: f64 = t.value("awr")?;
        let free: f64 = t.value("free_xs_b")?;
        let delta: f64 = t.value("delta_ev")?;
        let tbeta: f64 = t.value("tbeta")?;
        let mut rho = Vec::new();
        for (ln, l) in t.rows("spectrum") {
            rho.extend(numbers(ln, l, 1)?);
        }
        let mut osc = Vec::new();
        for (ln, l) in t.rows("oscillators") {
            let v = numbers(ln, l, 2)?;
            osc.push((v[0], v[1]));
        }
        if rho.len() < 3 || osc.is_empty() {
            bail!("missing spectrum or oscillators");
        }
        // k_B in eV/K (CODATA 2018 exact)
        let kt = 8.617_333_262e-5 * temp;
        let db = delta / kt;
        let e_max_ev = SAB_MAX_MEV * 1e6;
        let b_loss = e_max_ev / kt + 1.0;
        let table = PhononTable::new(&rho, db, tbeta, b_loss, B_GAIN);
        let osc: Vec<(f64, f64, f64)> = osc
            .iter()
            .map(|&(e, w)| {
                let b = e / kt;
                (b, w, w / ((0.5 * b).tanh() * b))
            })
            .collect();
        let lambda_total = table.lambda + osc.iter().map(|o| o.2).sum::<f64>();
        let twt: f64 = t.value("twt")?;
        let kt_eff_mev = 1e-6 * kt * Self::t_eff_ratio(&rho, db, tbeta, twt, &osc);
        let sigma_b = free * ((awr + 1.0) / awr).powi(2);
        let n_e = PER_DECADE * (e_max_ev / E_LO_EV).log10().round() as usize + 1;
        let e_in: Vec<f64> = (0..n_e)
            .map(|i| E_LO_EV * 10f64.powf(i as f64 / PER_DECADE as f64))
            .collect();
        if osc.len() != 2 {
            bail!(
                "expected 2 discrete oscillators (the CAB water model), found {}",
                osc.len()
            );
        }
        let built: Vec<(f64, Outgoing)> = e_in
            .par_iter()
            .map(|&e| Self::kernel(&table, &osc, e, kt, awr, sigma_b, db))
            .collect();
        let (inel_b, outgoing): (Vec<f64>, Vec<Outgoing>) = built.into_iter().unzip();
        Ok(ThermalH2O {
            awr,
            sigma_bound_b: sigma_b,
            kt_ev: kt,
            lambda_total,
            kt_eff_mev,
            e_in,
            inel_b,
            outgoing,
        })
    }

    /// T_eff / T of the scattering law (LEAPR's effective temperature): the translational weight,
    /// plus 1/2 integral of rho(b) b coth(b/2) db over the continuous spectrum (normalised to
    /// tbeta, trapezoid), plus w_i b_i/2 coth(b_i/2) per oscillator.
    fn t_eff_ratio(rho: &[f64], db: f64, tbeta: f64, twt: f64, osc: &[(f64, f64, f64)]) -> f64 {
        let n = rho.len();
        let area: f64 = (1..n).map(|k| 0.5 * (rho[k - 1] + rho[k]) * db).sum();
        // b coth(b/2) -> 2 at b = 0
        let f = |k: usize| {
            let b = k as f64 * db;
            let g = if k == 0 { 2.0 } else { b / (0.5 * b).tanh() };
            rho[k] * tbeta / area * g
        };
        let cont: f64 = (1..n).map(|k| 0.25 * (f(k - 1) + f(k)) * db).sum();
        let oscs: f64 = osc
            .iter()
            .map(|&(b, w, _)| w * 0.5 * b / (0.5 * b).tanh())
            .sum();
        twt + cont + oscs
    }

    /// The inelastic cross section (barn) and outgoing tables at incident energy e (eV).
    fn kernel(
        table: &PhononTable,
        osc: &[(f64, f64, f64)],
        e: f64,
        kt: f64,
        awr: f64,
        sigma_b: f64,
        db: f64,
    ) -> (f64, Outgoing) {
        let j_min = -((e / kt) / db).floor() as i64;
        let j_max = (B_GAIN / db).floor() as i64;
        let n_j = (j_max - j_min + 1) as usize;
        let de = db * kt;
        let e0 = e + j_min as f64 * de;
        let mut pdf = vec![0.0; n_j];
        let mut mu_acc = vec![[0.0f64; N_MU]; n_j.div_ceil(GROUP)];
        // oscillator lines kept: energy loss of 0, 1, 2 quanta of the first, 0, 1 of the second
        // (gains are weighted by e^(-k b_i / 2) < 0.02 and dropped)
        let combos: [(i32, i32); 5] = [(0, 0), (-1, 0), (-2, 0), (0, -1), (-1, -1)];
        for jj in 0..n_j {
            let j = j_min + jj as i64;
            let beta = j as f64 * db;
            let ep = (e + beta * kt).max(0.0);
            if ep <= 0.0 {
                continue;
            }
            let mut row = [0.0f64; N_MU];
            for (m, r) in row.iter_mut().enumerate() {
                let mu = -1.0 + 2.0 * m as f64 / (N_MU - 1) as f64;
                let alpha = ((e + ep - 2.0 * mu * (e * ep).sqrt()) / (awr * kt)).max(1e-12);
                let d0 = (-alpha * table.lambda).exp();
                // line weights of each oscillator for k = 0, -1, -2 quanta (energy loss)
                let mut lines = [[0.0f64; 3]; 2];
                for (l, &(bi, wi, li)) in lines.iter_mut().zip(osc) {
                    let x = alpha * wi / (bi * (0.5 * bi).sinh());
                    let dw = (-alpha * li).exp();
                    for (k, v) in l.iter_mut().enumerate() {
                        *v = dw * bessel_i(k as u32, x) * (0.5 * k as f64 * bi).exp();
                    }
                }
                let mut s = 0.0;
                for &(k1, k2) in &combos {
                    let w =
                        lines[0][k1.unsigned_abs() as usize] * lines[1][k2.unsigned_abs() as usize];
                    let shift = k1 as f64 * osc[0].0 + k2 as f64 * osc[1].0;
                    // continuous n >= 1 terms shifted by the oscillator line
                    s += w * table.eval(alpha, beta - shift);
                    // the zero-phonon continuous term on an oscillator line (not the QE peak)
                    if (k1, k2) != (0, 0) && (beta - shift).abs() <= 0.5 * db {
                        s += w * d0 / db;
                    }
                }
                *r = sigma_b / (2.0 * kt) * (ep / e).sqrt() * s;
            }
            let dmu = 2.0 / (N_MU - 1) as f64;
            let tot: f64 = (1..N_MU).map(|m| 0.5 * (row[m - 1] + row[m]) * dmu).sum();
            let width = if j == j_min {
                ep.min(0.5 * de) + 0.5 * de
            } else {
                de
            };
            pdf[jj] = tot * width;
            let g = &mut mu_acc[jj / GROUP];
            for m in 0..N_MU {
                g[m] += row[m] * width;
            }
        }
        let total: f64 = pdf.iter().sum();
        let mut cdf = Vec::with_capacity(n_j);
        let mut acc = 0.0;
        for p in &pdf {
            acc += p;
            cdf.push(if total > 0.0 { acc / total } else { 0.0 });
        }
        let mu_cdf = mu_acc
            .iter()
            .map(|g| {
                let mut c = [0.0f32; N_MU];
                let mut a = 0.0;
                for m in 1..N_MU {
                    a += 0.5 * (g[m - 1] + g[m]);
                    c[m] = a as f32;
                }
                if a > 0.0 {
                    c.iter_mut().for_each(|x| *x /= a as f32);
                }
                c
            })
            .collect();
        (
            total,
            Outgoing {
                e0,
                de,
                cdf,
                mu_cdf,
            },
        )
    }

    /// Quasi-elastic cross section per H (barn): sigma_b (1 - e^-2c) / (2c), c = 2 E lambda / (A kT).
    pub fn quasi_elastic_b(&self, e_mev: f64) -> f64 {
        let c = 2.0 * e_mev * 1e6 * self.lambda_total / (self.awr * self.kt_ev);
        if c < 1e-8 {
            return self.sigma_bound_b;
        }
        self.sigma_bound_b * (1.0 - (-2.0 * c).exp()) / (2.0 * c)
    }

    /// Inelastic cross section per H (barn), log-log in energy; 1/v below the table.
    pub fn inelastic_b(&self, e_mev: f64) -> f64 {
        let e = e_mev * 1e6;
        let (i, f) = self.bracket(e);
        if e < self.e_in[0] {
            return self.inel_b[0] * (self.e_in[0] / e).sqrt();
        }
        let (a, b) = (self.inel_b[i], self.inel_b[i + 1]);
        if a > 0.0 && b > 0.0 {
            a * (b / a).powf(f)
        } else {
            a + f * (b - a)
        }
    }

    /// Total bound scattering cross section per H (barn).
    pub fn total_b(&self, e_mev: f64) -> f64 {
        self.quasi_elastic_b(e_mev) + self.inelastic_b(e_mev)
    }

    fn bracket(&self, e_ev: f64) -> (usize, f64) {
        let n = self.e_in.len();
        if e_ev <= self.e_in[0] {
            return (0, 0.0);
        }
        if e_ev >= self.e_in[n - 1] {
            return (n - 2, 1.0);
        }
        let i = self.e_in.partition_point(|&x| x <= e_ev) - 1;
        (
            i,
            (e_ev / self.e_in[i]).ln() / (self.e_in[i + 1] / self.e_in[i]).ln(),
        )
    }

    /// Samples a collision with bound hydrogen: the new energy (MeV) and the lab cosine.
    pub fn sample(&self, e_mev: f64, rng: &mut HistoryRng) -> (f64, f64) {
        let qe = self.quasi_elastic_b(e_mev);
        let inel = self.inelastic_b(e_mev);
        if rng.uniform() * (qe + inel) < qe {
            // p(mu) ~ exp(-c (1 - mu)) on [-1, 1]
            let c = 2.0 * e_mev * 1e6 * self.lambda_total / (self.awr * self.kt_ev);
            let u = rng.uniform();
            let mu = if c < 1e-6 {
                2.0 * u - 1.0
            } else {
                1.0 + (1.0 - u * (1.0 - (-2.0 * c).exp())).ln() / c
            };
            return (e_mev, mu.clamp(-1.0, 1.0));
        }
        let (i, f) = self.bracket(e_mev * 1e6);
        let o = &self.outgoing[if rng.uniform() < f { i + 1 } else { i }];
        let u = rng.uniform();
        let j = o.cdf.partition_point(|&c| c <= u).min(o.cdf.len() - 1);
        let lo = (o.e0 + (j as f64 - 0.5) * o.de).max(0.0);
        let hi = o.e0 + (j as f64 + 0.5) * o.de;
        let ep = (lo + rng.uniform() * (hi - lo)).max(1e-6 * E_LO_EV);
        let c = &o.mu_cdf[j / GROUP];
        let v = rng.uniform() as f32;
        let m = c.partition_point(|&x| x <= v).clamp(1, N_MU - 1);
        let h = 2.0 / (N_MU - 1) as f64;
        let (c0, c1) = (c[m - 1] as f64, c[m] as f64);
        let t = if c1 > c0 {
            (v as f64 - c0) / (c1 - c0)
        } else {
            0.5
        };
        let mu = -1.0 + (m as f64 - 1.0 + t.clamp(0.0, 1.0)) * h;
        (ep * 1e-6, mu)
    }
}
