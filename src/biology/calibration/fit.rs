//! Maximum-likelihood fit of the population of radiosensitivities (mean α and its spread σ_α)
//! to grouped response counts, its covariance, and predictive intervals by sampling.
//!
//! A lesion of mean dose D responds when its α reaches α*(D) ([`super::endpoint::Arm`]); the
//! lesions' α are normal N(ᾱ, σ_α), and α ≤ 0 kills nothing (the convention of
//! [`crate::biology::tcp::tcp_population`]), so P(response | D) = Φ((ᾱ − α*(D))/σ_α). A row's
//! probability averages this over the row's dose distribution; its count is binomial.

use crate::biology::special::{gauss_legendre, normal_cdf};
use crate::rng::HistoryRng;

/// Standard-normal range of a row's dose distribution that is integrated (mass outside 1e-15).
const Z_RANGE: f64 = 8.0;
/// Gauss–Legendre nodes per row.
pub const NODES: usize = 32;

/// A row's dose quadrature: weights (sum 1), doses (Gy) and α* (1/Gy) at the nodes.
#[derive(Clone, Debug)]
pub struct Quadrature {
    pub weight: Vec<f64>,
    pub dose_gy: Vec<f64>,
    pub alpha_star: Vec<f64>,
}

/// Nodes and weights of a log-normal (median, GSD) restricted to [low, high).
pub fn lognormal_nodes(median: f64, gsd: f64, low: f64, high: f64) -> (Vec<f64>, Vec<f64>) {
    let (mu, s) = (median.ln(), gsd.ln());
    let z = |d: f64| -> f64 {
        if d <= 0.0 {
            -Z_RANGE
        } else {
            ((d.ln() - mu) / s).clamp(-Z_RANGE, Z_RANGE)
        }
    };
    let (zl, zh) = (z(low), z(high));
    let (x, w) = gauss_legendre(NODES);
    let half = 0.5 * (zh - zl);
    let mut dose = Vec::with_capacity(NODES);
    let mut weight = Vec::with_capacity(NODES);
    for (xi, wi) in x.iter().zip(&w) {
        let zi = zl + half * (xi + 1.0);
        dose.push((mu + s * zi).exp());
        weight.push(wi * (-0.5 * zi * zi).exp());
    }
    let total: f64 = weight.iter().sum();
    weight.iter_mut().for_each(|v| *v /= total);
    (dose, weight)
}

/// Response probability of one lesion with threshold α* for the population (ᾱ, σ).
pub fn lesion_probability(alpha_star: f64, mean: f64, sigma: f64) -> f64 {
    if alpha_star <= 0.0 {
        1.0
    } else if alpha_star.is_infinite() {
        0.0
    } else {
        normal_cdf((mean - alpha_star) / sigma)
    }
}

impl Quadrature {
    /// The row's response probability for the population (ᾱ, σ).
    pub fn probability(&self, mean: f64, sigma: f64) -> f64 {
        self.weight
            .iter()
            .zip(&self.alpha_star)
            .map(|(w, a)| w * lesion_probability(*a, mean, sigma))
            .sum()
    }
}

/// One row's counts with its quadrature.
#[derive(Clone, Debug)]
pub struct Counts<'a> {
    pub quad: &'a Quadrature,
    pub n: u32,
    pub k: u32,
}

/// Binomial log-likelihood of the rows (without the constant binomial coefficients).
pub fn log_likelihood(rows: &[Counts], mean: f64, sigma: f64) -> f64 {
    rows.iter()
        .map(|r| {
            let p = r.quad.probability(mean, sigma).clamp(1e-300, 1.0 - 1e-16);
            f64::from(r.k) * p.ln() + f64::from(r.n - r.k) * (-p).ln_1p()
        })
        .sum()
}

/// The fitted population with its covariance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub mean: f64,
    pub sigma: f64,
    /// covariance of (ᾱ, σ) from the inverse observed information, [[var ᾱ, cov], [cov, var σ]]
    pub cov: [[f64; 2]; 2],
    pub log_likelihood: f64,
}

/// Fits (ᾱ, σ) by maximum likelihood: a coarse grid in (ln ᾱ, ln σ/ᾱ), then Nelder–Mead in
/// (ln ᾱ, ln σ); the covariance inverts the Hessian of −ln L in (ᾱ, σ) by central differences.
/// `None` when the information matrix is not positive definite (the data do not fix both).
pub fn fit(rows: &[Counts]) -> Option<Estimate> {
    let nll = |t: [f64; 2]| -log_likelihood(rows, t[0].exp(), t[1].exp());
    let mut best = ([0.0, 0.0], f64::INFINITY);
    for i in 0..48 {
        let m = (1e-3f64).ln() + f64::from(i) * (1e3f64).ln() / 47.0;
        for j in 0..32 {
            let cv = (0.01f64).ln() + f64::from(j) * (300.0f64).ln() / 31.0;
            let t = [m, m + cv];
            let v = nll(t);
            if v < best.1 {
                best = (t, v);
            }
        }
    }
    let t = nelder_mead(nll, best.0, 0.2, 1e-12, 4000);
    let (mean, sigma) = (t[0].exp(), t[1].exp());
    let f = |m: f64, s: f64| -log_likelihood(rows, m, s);
    let (hm, hs) = (1e-4 * mean, 1e-4 * sigma);
    let f0 = f(mean, sigma);
    let a = (f(mean + hm, sigma) - 2.0 * f0 + f(mean - hm, sigma)) / (hm * hm);
    let c = (f(mean, sigma + hs) - 2.0 * f0 + f(mean, sigma - hs)) / (hs * hs);
    let b = (f(mean + hm, sigma + hs) - f(mean + hm, sigma - hs) - f(mean - hm, sigma + hs)
        + f(mean - hm, sigma - hs))
        / (4.0 * hm * hs);
    let det = a * c - b * b;
    if !(a > 0.0 && det > 0.0 && det.is_finite()) {
        return None;
    }
    Some(Estimate {
        mean,
        sigma,
        cov: [[c / det, -b / det], [-b / det, a / det]],
        log_likelihood: -f0,
    })
}

/// Minimises `f` over two variables by the Nelder–Mead simplex (reflection 1, expansion 2,
/// contraction 1/2, shrink 1/2), from `x0` with initial step `step`, until the simplex's values
/// differ by less than `tol` or after `max_iter` iterations.
pub fn nelder_mead(
    f: impl Fn([f64; 2]) -> f64,
    x0: [f64; 2],
    step: f64,
    tol: f64,
    max_iter: usize,
) -> [f64; 2] {
    let mut s = [x0, [x0[0] + step, x0[1]], [x0[0], x0[1] + step]];
    let mut v = s.map(&f);
    let lerp =
        |a: [f64; 2], b: [f64; 2], t: f64| [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
    for _ in 0..max_iter {
        let mut idx = [0usize, 1, 2];
        idx.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
        let (b, m, w) = (idx[0], idx[1], idx[2]);
        if (v[w] - v[b]).abs() <= tol * (1.0 + v[b].abs()) {
            break;
        }
        let centroid = lerp(s[b], s[m], 0.5);
        let r = lerp(centroid, s[w], -1.0);
        let fr = f(r);
        if fr < v[b] {
            let e = lerp(centroid, s[w], -2.0);
            let fe = f(e);
            (s[w], v[w]) = if fe < fr { (e, fe) } else { (r, fr) };
        } else if fr < v[m] {
            (s[w], v[w]) = (r, fr);
        } else {
            let c = lerp(centroid, s[w], 0.5);
            let fc = f(c);
            if fc < v[w] {
                (s[w], v[w]) = (c, fc);
            } else {
                for i in [m, w] {
                    s[i] = lerp(s[b], s[i], 0.5);
                    v[i] = f(s[i]);
                }
            }
        }
    }
    let b = (0..3).min_by(|&i, &j| v[i].total_cmp(&v[j])).unwrap_or(0);
    s[b]
}

/// Draws of the population (ᾱ, σ) from the estimate's normal approximation (both positive:
/// a draw with a non-positive component is drawn again), one random stream per draw.
pub fn parameter_draws(est: &Estimate, n: usize, seed: u64) -> Vec<(f64, f64)> {
    let [[vm, cv], [_, vs]] = est.cov;
    let l11 = vm.sqrt();
    let l21 = cv / l11;
    let l22 = (vs - l21 * l21).max(0.0).sqrt();
    (0..n)
        .map(|i| {
            let mut rng = HistoryRng::new(seed, i as u64);
            loop {
                let (z1, z2) = (rng.standard_normal(), rng.standard_normal());
                let m = est.mean + l11 * z1;
                let s = est.sigma + l21 * z1 + l22 * z2;
                if m > 0.0 && s > 0.0 {
                    break (m, s);
                }
            }
        })
        .collect()
}

/// A binomial draw of n trials with probability p (n Bernoulli draws).
pub fn binomial(rng: &mut HistoryRng, n: u32, p: f64) -> u32 {
    (0..n).map(|_| u32::from(rng.uniform() < p)).sum()
}

/// The `q`-quantile (0..1) of sorted values, by linear interpolation.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let x = q * (sorted.len() - 1) as f64;
    let i = x.floor() as usize;
    let j = (i + 1).min(sorted.len() - 1);
    sorted[i] + (x - i as f64) * (sorted[j] - sorted[i])
}

/// Weighted least-squares calibration slope of observed on predicted fractions, with binomial
/// weights n/(p(1−p)) (p clamped to [0.01, 0.99]) and its standard error for known variances:
/// (slope, se). `None` with fewer than two points or no spread of the predictions.
pub fn calibration_slope(points: &[(f64, f64, u32)]) -> Option<(f64, f64)> {
    if points.len() < 2 {
        return None;
    }
    let w: Vec<f64> = points
        .iter()
        .map(|(p, _, n)| {
            let p = p.clamp(0.01, 0.99);
            f64::from(*n) / (p * (1.0 - p))
        })
        .collect();
    let sw: f64 = w.iter().sum();
    let xm = points.iter().zip(&w).map(|(q, w)| w * q.0).sum::<f64>() / sw;
    let ym = points.iter().zip(&w).map(|(q, w)| w * q.1).sum::<f64>() / sw;
    let sxx: f64 = points
        .iter()
        .zip(&w)
        .map(|(q, w)| w * (q.0 - xm).powi(2))
        .sum();
    let sxy: f64 = points
        .iter()
        .zip(&w)
        .map(|(q, w)| w * (q.0 - xm) * (q.1 - ym))
        .sum();
    if sxx <= 1e-12 * sw {
        return None;
    }
    Some((sxy / sxx, sxx.sqrt().recip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nelder_mead_finds_a_quadratic_minimum() {
        let t = nelder_mead(
            |x| (x[0] - 1.5).powi(2) + 3.0 * (x[1] + 0.5).powi(2) + 0.5 * x[0] * x[1],
            [0.0, 0.0],
            0.3,
            1e-15,
            5000,
        );
        // gradient zero: 2(x-1.5) + 0.5y = 0, 6(y+0.5) + 0.5x = 0
        let (x, y) = (t[0], t[1]);
        assert!((2.0 * (x - 1.5) + 0.5 * y).abs() < 1e-5, "{t:?}");
        assert!((6.0 * (y + 0.5) + 0.5 * x).abs() < 1e-5, "{t:?}");
    }

    #[test]
    fn lognormal_nodes_reproduce_the_median_and_bins() {
        // whole distribution: the median of the nodes' mass is the median
        let (d, w) = lognormal_nodes(50.0, 1.7, 0.0, f64::INFINITY);
        let below: f64 = d
            .iter()
            .zip(&w)
            .filter(|(d, _)| **d < 50.0)
            .map(|(_, w)| w)
            .sum();
        assert!((below - 0.5).abs() < 1e-12, "{below}");
        // geometric mean exp(E ln D) = median
        let gm = d.iter().zip(&w).map(|(d, w)| w * d.ln()).sum::<f64>().exp();
        assert!((gm / 50.0 - 1.0).abs() < 1e-12);
        // a bin keeps its nodes inside
        let (d, _) = lognormal_nodes(50.0, 1.7, 39.0, 60.0);
        assert!(d.iter().all(|x| (39.0..60.0).contains(x)));
    }

    #[test]
    fn slope_of_perfect_predictions_is_one() {
        let pts = [(0.2, 0.2, 20), (0.5, 0.5, 30), (0.9, 0.9, 25)];
        let (b, se) = calibration_slope(&pts).unwrap();
        assert!((b - 1.0).abs() < 1e-12 && se > 0.0);
        assert!(calibration_slope(&pts[..1]).is_none());
    }
}
