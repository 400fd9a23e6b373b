//! Coherent (Rayleigh) scattering: Thomson angular distribution times the squared atomic form
//! factor of the material, F^2(x) = sum_i n_i F_i(x)^2 (independent-atom approximation), with
//! x = sin(theta/2)/lambda in 1/Angstrom.
//!
//! Sampling: q = x^2 is drawn from the cumulative of F^2(q) up to q_max = (E/hc)^2, then
//! cos(theta) = 1 - 2 q / q_max is accepted with probability (1 + cos^2)/2.

use crate::numerics::interp_loglog;
use crate::rng::HistoryRng;
use crate::units::HC_KEV_ANGSTROM;

/// Cumulative integral of the material's F^2 over q = x^2.
#[derive(Clone, Debug)]
pub struct RayleighSampler {
    q: Vec<f64>,
    cum: Vec<f64>,
}

impl RayleighSampler {
    /// `atoms`: (atoms per gram, form factor x grid, F values) of each element.
    pub fn new(atoms: &[(f64, &[f64], &[f64])]) -> Self {
        let mut q = vec![0.0];
        let n = 800;
        let (qa, qb) = (1e-6f64, 1e8f64);
        for k in 0..n {
            q.push(qa * (qb / qa).powf(k as f64 / (n - 1) as f64));
        }
        let f2 = |qq: f64| -> f64 {
            let x = qq.sqrt();
            atoms
                .iter()
                .map(|(n_i, xs, fs)| {
                    let f = if x <= xs[0] {
                        fs[0]
                    } else {
                        interp_loglog(xs, fs, x)
                    };
                    n_i * f * f
                })
                .sum()
        };
        let mut cum = vec![0.0; q.len()];
        let mut prev = f2(0.0);
        for k in 1..q.len() {
            // Simpson on each interval
            let mid = f2(0.5 * (q[k - 1] + q[k]));
            let cur = f2(q[k]);
            cum[k] = cum[k - 1] + (q[k] - q[k - 1]) * (prev + 4.0 * mid + cur) / 6.0;
            prev = cur;
        }
        RayleighSampler { q, cum }
    }

    /// Samples the cosine of the scattering angle for a photon of `e_mev`.
    pub fn sample_cos(&self, e_mev: f64, rng: &mut HistoryRng) -> f64 {
        let k_inv_a = e_mev * 1e3 / HC_KEV_ANGSTROM;
        let q_max = k_inv_a * k_inv_a;
        let c_max = crate::numerics::interp_linear(&self.q, &self.cum, q_max);
        loop {
            let target = rng.uniform() * c_max;
            let hi = self
                .cum
                .partition_point(|&c| c <= target)
                .clamp(1, self.q.len() - 1);
            let lo = hi - 1;
            let dc = self.cum[hi] - self.cum[lo];
            let t = if dc > 0.0 {
                (target - self.cum[lo]) / dc
            } else {
                0.0
            };
            let q = (self.q[lo] + t * (self.q[hi] - self.q[lo])).min(q_max);
            let cos_t = (1.0 - 2.0 * q / q_max).clamp(-1.0, 1.0);
            if rng.uniform() * 2.0 <= 1.0 + cos_t * cos_t {
                return cos_t;
            }
        }
    }
}
