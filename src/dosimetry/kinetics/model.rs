//! The exponential time-activity models: value, gradient, integral and the mapping between the
//! natural parameters and the unconstrained ones the fit moves.
//!
//! Natural parameter layout (times in h, rates in 1/h, amplitudes in the unit of the values):
//! * sum of `K` exponentials `sum_k A_k exp(-lambda_k t)`: `[A_1, lambda_1, ..., A_K, lambda_K]`
//!   with `lambda_1 < lambda_2 < ...` (component 1 is the slowest);
//! * uptake-washout `A (exp(-lambda_w t) - exp(-lambda_u t))`: `[A, lambda_w, lambda_u]` with
//!   `lambda_w < lambda_u` (washout slower than uptake).
//!
//! The fit moves `theta`: every amplitude is `exp(theta)`, the slowest rate is
//! `floor + exp(theta)` and each faster rate is the previous one plus `exp(theta)`, so
//! amplitudes are positive, rates ordered, and no rate is slower than `floor` (the physical decay
//! constant when a nuclide is given, else 0). When the slowest rate is clamped to the floor its
//! `theta` is dropped.

use super::kind::Model;

/// The parameter mapping of one exponential model.
#[derive(Clone, Copy, Debug)]
pub(super) struct Param {
    pub model: Model,
    /// Lowest allowed rate, 1/h (physical decay constant, or 0).
    pub floor: f64,
    /// The slowest rate is fixed at `floor` and not fitted.
    pub clamped: bool,
}

impl Param {
    /// Number of natural parameters.
    pub fn n_natural(&self) -> usize {
        match self.model {
            Model::Mono => 2,
            Model::Bi => 4,
            Model::Tri => 6,
            _ => 3,
        }
    }

    /// Number of fitted parameters.
    pub fn n_free(&self) -> usize {
        self.n_natural() - usize::from(self.clamped)
    }

    /// Natural indices of the rates, slowest first.
    pub fn rate_indices(&self) -> Vec<usize> {
        match self.model {
            Model::UptakeWashout => vec![1, 2],
            _ => (0..self.n_natural() / 2).map(|k| 2 * k + 1).collect(),
        }
    }

    /// Natural indices of the amplitudes.
    pub fn amp_indices(&self) -> Vec<usize> {
        match self.model {
            Model::UptakeWashout => vec![0],
            _ => (0..self.n_natural() / 2).map(|k| 2 * k).collect(),
        }
    }

    /// Natural indices of the fitted parameters (all but a clamped slowest rate).
    pub fn free_indices(&self) -> Vec<usize> {
        (0..self.n_natural())
            .filter(|&i| !(self.clamped && i == 1))
            .collect()
    }

    /// Natural parameters from `theta` (indexed like [`Self::free_indices`]).
    pub fn natural(&self, theta: &[f64]) -> Vec<f64> {
        let mut p = vec![0.0; self.n_natural()];
        let free = self.free_indices();
        for (j, &i) in free.iter().enumerate() {
            p[i] = theta[j].exp();
        }
        let mut rate = self.floor;
        for i in self.rate_indices() {
            rate += if self.clamped && i == 1 { 0.0 } else { p[i] };
            p[i] = rate;
        }
        p
    }

    /// `theta` from natural parameters; `None` unless the amplitudes are positive and the rates
    /// strictly increase above the floor (exactly at it for a clamped slowest rate).
    pub fn theta(&self, p: &[f64]) -> Option<Vec<f64>> {
        let mut q = p.to_vec();
        let mut prev = self.floor;
        for i in self.rate_indices() {
            q[i] = p[i] - prev;
            prev = p[i];
        }
        let th: Vec<f64> = self.free_indices().iter().map(|&i| q[i].ln()).collect();
        th.iter().all(|v| v.is_finite()).then_some(th)
    }

    /// `d p_i / d theta_j` as rows of natural index `i`.
    pub fn jacobian(&self, theta: &[f64]) -> Vec<Vec<f64>> {
        let free = self.free_indices();
        let mut g = vec![vec![0.0; free.len()]; self.n_natural()];
        let col = |i: usize| free.iter().position(|&f| f == i);
        for i in self.amp_indices() {
            if let Some(j) = col(i) {
                g[i][j] = theta[j].exp();
            }
        }
        let rates = self.rate_indices();
        for (m, &i) in rates.iter().enumerate() {
            for &r in &rates[..=m] {
                if let Some(j) = col(r) {
                    g[i][j] = theta[j].exp();
                }
            }
        }
        g
    }
}

/// The model value at `t_h`.
pub(super) fn eval(model: Model, p: &[f64], t_h: f64) -> f64 {
    match model {
        Model::UptakeWashout => p[0] * ((-p[1] * t_h).exp() - (-p[2] * t_h).exp()),
        _ => p.chunks(2).map(|c| c[0] * (-c[1] * t_h).exp()).sum(),
    }
}

/// `d value / d p` at `t_h` into `out` (natural layout).
pub(super) fn gradient(model: Model, p: &[f64], t_h: f64, out: &mut [f64]) {
    match model {
        Model::UptakeWashout => {
            let (ew, eu) = ((-p[1] * t_h).exp(), (-p[2] * t_h).exp());
            out[0] = ew - eu;
            out[1] = -p[0] * t_h * ew;
            out[2] = p[0] * t_h * eu;
        }
        _ => {
            for (k, c) in p.chunks(2).enumerate() {
                let e = (-c[1] * t_h).exp();
                out[2 * k] = e;
                out[2 * k + 1] = -c[0] * t_h * e;
            }
        }
    }
}

/// `integral_0^inf value dt` (value times h).
pub(super) fn integral(model: Model, p: &[f64]) -> f64 {
    match model {
        Model::UptakeWashout => p[0] * (1.0 / p[1] - 1.0 / p[2]),
        _ => p.chunks(2).map(|c| c[0] / c[1]).sum(),
    }
}

/// `d integral / d p` (natural layout).
pub(super) fn integral_gradient(model: Model, p: &[f64]) -> Vec<f64> {
    match model {
        Model::UptakeWashout => vec![
            1.0 / p[1] - 1.0 / p[2],
            -p[0] / (p[1] * p[1]),
            p[0] / (p[2] * p[2]),
        ],
        _ => p
            .chunks(2)
            .flat_map(|c| [1.0 / c[1], -c[0] / (c[1] * c[1])])
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theta_round_trip_and_jacobian() {
        let param = Param {
            model: Model::Bi,
            floor: 0.01,
            clamped: false,
        };
        let p = [100.0, 0.02, 50.0, 0.3];
        let th = param.theta(&p).unwrap();
        let q = param.natural(&th);
        for (a, b) in p.iter().zip(&q) {
            assert!((a - b).abs() < 1e-12 * a.abs());
        }
        // Finite-difference check of d p / d theta (central, step 1e-6: error ~1e-12).
        let g = param.jacobian(&th);
        for j in 0..th.len() {
            let (mut a, mut b) = (th.clone(), th.clone());
            a[j] += 1e-6;
            b[j] -= 1e-6;
            let (pa, pb) = (param.natural(&a), param.natural(&b));
            for i in 0..p.len() {
                let fd = (pa[i] - pb[i]) / 2e-6;
                assert!((fd - g[i][j]).abs() < 1e-6 * (1.0 + fd.abs()), "{i} {j}");
            }
        }
    }
}
