//! Coherent (Rayleigh) scattering: Thomson angular distribution times the squared atomic form
//! factor of the material, F^2(x) = sum_i n_i F_i(x)^2 (independent-atom approximation), with
//! x = sin(theta/2)/lambda in 1/Angstrom.
//!
//! Sampling: q = x^2 is drawn from the cumulative of F^2(q) up to q_max = (E/hc)^2, then
//! cos(theta) = 1 - 2 q / q_max is accepted with probability (1 + cos^2)/2.

use crate::numerics::{interp_loglog, GuideTable};
use crate::rng::HistoryRng;
use crate::units::HC_KEV_ANGSTROM;

/// q grid: 0, then N_Q values log-uniform from Q_A to Q_B (1/Angstrom^2).
const N_Q: usize = 800;
const Q_A: f64 = 1e-6;
const Q_B: f64 = 1e8;
/// Buckets of the guide table over the cumulative integral.
const N_GUIDE: usize = 256;

/// Cumulative integral of the material's F^2 over q = x^2.
#[derive(Clone, Debug)]
pub struct RayleighSampler {
    q: Vec<f64>,
    cum: Vec<f64>,
    /// where the search of a cumulative value starts
    guide: GuideTable,
    /// (N_Q - 1) / ln(Q_B / Q_A): node spacing in ln q
    inv_dln_q: f64,
}

impl RayleighSampler {
    /// `atoms`: (atoms per gram, form factor x grid, F values) of each element.
    pub fn new(atoms: &[(f64, &[f64], &[f64])]) -> Self {
        let mut q = vec![0.0];
        let (n, qa, qb) = (N_Q, Q_A, Q_B);
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
        let total = cum[cum.len() - 1];
        let guide = GuideTable::new(&cum, total, N_GUIDE);
        RayleighSampler {
            q,
            cum,
            guide,
            inv_dln_q: (N_Q - 1) as f64 / (Q_B / Q_A).ln(),
        }
    }

    /// The cumulative integral at q (linear between nodes, as `interp_linear` gives it), its
    /// node located from ln q instead of a binary search.
    #[inline]
    fn cum_at(&self, x: f64) -> f64 {
        let (q, cum) = (&self.q, &self.cum);
        let n = q.len();
        if x <= q[0] {
            return cum[0];
        }
        if x >= q[n - 1] {
            return cum[n - 1];
        }
        // first node above x: a guess from a lower bound of ln q (at most 1.5 nodes low; no
        // logarithm), corrected to the exact one
        let t = crate::numerics::ln_lower_bound(x / Q_A) * self.inv_dln_q;
        let mut hi = if t > 0.0 {
            (crate::numerics::clamped_index(t, n) + 2).min(n - 1)
        } else {
            1
        };
        while hi > 1 && q[hi - 1] > x {
            hi -= 1;
        }
        while q[hi] <= x {
            hi += 1;
        }
        let lo = hi - 1;
        if q[hi] <= q[lo] {
            return cum[hi];
        }
        cum[lo] + (x - q[lo]) / (q[hi] - q[lo]) * (cum[hi] - cum[lo])
    }

    /// The first node whose cumulative integral exceeds `target` (`partition_point`).
    #[inline]
    fn node_above(&self, target: f64) -> usize {
        self.guide.first_above(&self.cum, target)
    }

    /// Samples the cosine of the scattering angle for a photon of `e_mev`.
    pub fn sample_cos(&self, e_mev: f64, rng: &mut HistoryRng) -> f64 {
        let k_inv_a = e_mev * 1e3 / HC_KEV_ANGSTROM;
        let q_max = k_inv_a * k_inv_a;
        let c_max = self.cum_at(q_max);
        loop {
            let target = rng.uniform() * c_max;
            let hi = self.node_above(target).clamp(1, self.q.len() - 1);
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

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn table_lookups_equal_the_searches_they_replace() {
        // a hydrogen-like form factor F(x) = 1 / (1 + (x / 0.3)^2)^2 on a log x grid
        let xs: Vec<f64> = (0..200)
            .map(|k| 1e-4 * 1e9f64.powf(k as f64 / 199.0))
            .collect();
        let fs: Vec<f64> = xs
            .iter()
            .map(|x| (1.0 + (x / 0.3).powi(2)).powi(-2))
            .collect();
        let s = RayleighSampler::new(&[(1.0, &xs, &fs)]);
        let total = s.cum[s.cum.len() - 1];
        let mut r = crate::rng::HistoryRng::new(5, 0);
        for k in 0..200_000 {
            // q from 1e-8 to 1e9 (beyond both grid ends) and the grid nodes themselves
            let q = if k % 2 == 0 {
                10f64.powf(-8.0 + 17.0 * r.uniform())
            } else {
                s.q[k / 2 % s.q.len()]
            };
            assert_eq!(
                s.cum_at(q).to_bits(),
                crate::numerics::interp_linear(&s.q, &s.cum, q).to_bits(),
                "q {q}"
            );
            let target = if k % 2 == 0 {
                r.uniform() * total
            } else {
                s.cum[k / 2 % s.cum.len()]
            };
            assert_eq!(
                s.node_above(target),
                s.cum.partition_point(|&c| c <= target),
                "target {target}"
            );
        }
    }
}
