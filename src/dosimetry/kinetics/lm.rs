//! Weighted nonlinear least squares by Levenberg–Marquardt (Marquardt 1963, with the diagonal
//! scaling of Moré 1978) and the small symmetric positive-definite solves it needs.

use super::model::{self, Param};

/// Pivot below this fraction of 1 (after scaling the matrix to unit diagonal) marks a matrix as
/// singular: parameters that the data cannot separate (cond > ~1e12).
const SINGULAR_PIVOT: f64 = 1e-12;
/// Iteration cap; the fits here converge in tens of iterations when they converge at all.
const MAX_ITER: usize = 400;
/// Largest change of one `theta` per step (a factor e^4 in a parameter), keeping the
/// exponentials finite while the fit is far from the minimum.
const MAX_STEP: f64 = 4.0;

/// Cholesky factor `L` (row-major, lower) of a symmetric matrix scaled to unit diagonal;
/// returns `(L, scale)` with `a_ij = scale_i scale_j (L L^T)_ij`, or `None` when not positive
/// definite to [`SINGULAR_PIVOT`].
#[allow(clippy::needless_range_loop)] // textbook index form of the factorisation reads best
fn cholesky_scaled(a: &[Vec<f64>]) -> Option<(Vec<Vec<f64>>, Vec<f64>)> {
    let n = a.len();
    let scale: Vec<f64> = (0..n).map(|i| a[i][i].sqrt()).collect();
    if scale.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
        return None;
    }
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = a[i][j] / (scale[i] * scale[j]);
            for k in 0..j {
                s -= l[i][k] * l[j][k];
            }
            if i == j {
                if s.is_nan() || s <= SINGULAR_PIVOT {
                    return None;
                }
                l[i][i] = s.sqrt();
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    Some((l, scale))
}

/// Solves `a x = b` for symmetric positive-definite `a`.
pub(super) fn solve_spd(a: &[Vec<f64>], b: &[f64]) -> Option<Vec<f64>> {
    let (l, s) = cholesky_scaled(a)?;
    let n = b.len();
    let mut y = vec![0.0; n];
    for i in 0..n {
        y[i] = (b[i] / s[i] - (0..i).map(|k| l[i][k] * y[k]).sum::<f64>()) / l[i][i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        x[i] = (y[i] - (i + 1..n).map(|k| l[k][i] * x[k]).sum::<f64>()) / l[i][i];
    }
    Some(x.iter().zip(&s).map(|(v, si)| v / si).collect())
}

/// Inverse of a symmetric positive-definite matrix.
pub(super) fn inverse_spd(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let mut inv = vec![vec![0.0; n]; n];
    for j in 0..n {
        let mut e = vec![0.0; n];
        e[j] = 1.0;
        let col = solve_spd(a, &e)?;
        for i in 0..n {
            inv[i][j] = col[i];
        }
    }
    Some(inv)
}

/// The data of one fit: times (h), values and weights `1 / sigma^2`.
#[derive(Clone, Copy)]
pub(super) struct Data<'a> {
    pub t_h: &'a [f64],
    pub y: &'a [f64],
    pub w: &'a [f64],
}

/// Weighted residual sum of squares `sum w (y - f)^2` at natural parameters `p`.
pub(super) fn chi2(model: super::kind::Model, p: &[f64], d: Data) -> f64 {
    (0..d.y.len())
        .map(|i| {
            let r = d.y[i] - model::eval(model, p, d.t_h[i]);
            d.w[i] * r * r
        })
        .sum()
}

/// Weighted Jacobian rows `sqrt(w) d f / d p_free` at natural parameters `p`.
pub(super) fn jacobian_natural(param: &Param, p: &[f64], d: Data) -> Vec<Vec<f64>> {
    let free = param.free_indices();
    let mut g = vec![0.0; param.n_natural()];
    (0..d.y.len())
        .map(|i| {
            model::gradient(param.model, p, d.t_h[i], &mut g);
            let sw = d.w[i].sqrt();
            free.iter().map(|&k| sw * g[k]).collect()
        })
        .collect()
}

/// `J^T J` and `J^T r` of the weighted problem in `theta`.
fn normal_equations(param: &Param, theta: &[f64], d: Data) -> (Vec<Vec<f64>>, Vec<f64>) {
    let p = param.natural(theta);
    let dp = param.jacobian(theta);
    let m = theta.len();
    let (mut jtj, mut jtr) = (vec![vec![0.0; m]; m], vec![0.0; m]);
    let mut g = vec![0.0; param.n_natural()];
    let mut row = vec![0.0; m];
    for i in 0..d.y.len() {
        model::gradient(param.model, &p, d.t_h[i], &mut g);
        let sw = d.w[i].sqrt();
        let r = sw * (d.y[i] - model::eval(param.model, &p, d.t_h[i]));
        for (j, rj) in row.iter_mut().enumerate() {
            *rj = sw * g.iter().zip(&dp).map(|(gk, dk)| gk * dk[j]).sum::<f64>();
        }
        for a in 0..m {
            jtr[a] += row[a] * r;
            for b in 0..m {
                jtj[a][b] += row[a] * row[b];
            }
        }
    }
    (jtj, jtr)
}

/// Minimises the weighted residual sum of squares over `theta` from `theta0`; returns the final
/// `theta` and its chi-square.
pub(super) fn minimise(param: &Param, theta0: &[f64], d: Data) -> (Vec<f64>, f64) {
    let cost = |th: &[f64]| chi2(param.model, &param.natural(th), d);
    let mut theta = theta0.to_vec();
    let mut c = cost(&theta);
    let mut mu = 1e-3;
    for _ in 0..MAX_ITER {
        let (jtj, jtr) = normal_equations(param, &theta, d);
        let mut improved = false;
        while mu < 1e16 {
            let mut a = jtj.clone();
            for (k, row) in a.iter_mut().enumerate() {
                // Marquardt damping on the scaled diagonal, plus a tiny floor so a parameter
                // the data do not constrain yet cannot make the system singular.
                row[k] += mu * jtj[k][k] + 1e-300;
            }
            let Some(step) = solve_spd(&a, &jtr) else {
                mu *= 10.0;
                continue;
            };
            let trial: Vec<f64> = theta
                .iter()
                .zip(&step)
                .map(|(t, s)| t + s.clamp(-MAX_STEP, MAX_STEP))
                .collect();
            let ct = cost(&trial);
            if ct.is_finite() && ct <= c {
                let rel = (c - ct) / c.max(f64::MIN_POSITIVE);
                let small = step.iter().all(|s| s.abs() < 1e-10);
                theta = trial;
                c = ct;
                mu = (mu * 0.3).max(1e-12);
                improved = true;
                if rel < 1e-13 || small {
                    return (theta, c);
                }
                break;
            }
            mu *= 10.0;
        }
        if !improved {
            break;
        }
    }
    (theta, c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::needless_range_loop)] // matrix product written with indices
    fn solve_and_inverse_of_a_spd_matrix() {
        let a = vec![
            vec![4.0, 1.0, 0.5],
            vec![1.0, 3.0, 0.2],
            vec![0.5, 0.2, 2.0],
        ];
        let inv = inverse_spd(&a).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|k| a[i][k] * inv[k][j]).sum();
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((v - want).abs() < 1e-14);
            }
        }
        assert!(inverse_spd(&[vec![1.0, 1.0], vec![1.0, 1.0]]).is_none());
    }
}
