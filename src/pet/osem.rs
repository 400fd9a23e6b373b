//! Ordered-subsets expectation maximisation (Hudson & Larkin 1994, IEEE Trans Med Imaging
//! 13:601) with the attenuation and sensitivity in the system model and known additive
//! backgrounds (scatter, randoms) in the expected data:
//!
//! ybar = E P G x + b,   x <- x / (G P^T E 1_S) * G P^T E (y / ybar)   over each subset S,
//!
//! with P the geometric projector, E the per-LOR factor (attenuation x calibration), G the
//! optional resolution blur (its own adjoint) and b the background. Subset S holds every
//! S-th view (interleaved angles).

use super::blur::Blur3;
use super::projector::{Projector, Sinogram};

/// The system model of a reconstruction.
pub struct SystemModel<'a> {
    pub projector: &'a Projector,
    /// E: counts per (Bq/mL x mm of path) for each LOR, including attenuation
    pub factor: &'a Sinogram,
    /// G: resolution modelling (None: none)
    pub psf: Option<&'a Blur3>,
}

impl SystemModel<'_> {
    fn dims(&self) -> [usize; 3] {
        let g = &self.projector.geom;
        [g.nx, g.ny, g.nz]
    }

    /// `out` = E P G x on the LORs of `views`.
    pub fn forward(&self, x: &[f64], views: &[usize], out: &mut Sinogram) {
        match self.psf {
            Some(b) => {
                let mut xb = x.to_vec();
                b.apply(&mut xb, self.dims());
                self.projector.forward(&xb, views, out);
            }
            None => self.projector.forward(x, views, out),
        }
        for r in self.projector.view_ranges(views) {
            for (o, e) in out.data[r.clone()].iter_mut().zip(&self.factor.data[r]) {
                *o *= e;
            }
        }
    }

    /// G P^T E y on the LORs of `views` (`y` is overwritten with E y there).
    pub fn back(&self, y: &mut Sinogram, views: &[usize]) -> Vec<f64> {
        for r in self.projector.view_ranges(views) {
            for (o, e) in y.data[r.clone()].iter_mut().zip(&self.factor.data[r]) {
                *o *= e;
            }
        }
        let mut img = self.projector.back(y, views);
        if let Some(b) = self.psf {
            b.apply(&mut img, self.dims());
        }
        img
    }
}

/// The views of subset `s` of `n_subsets` (every `n_subsets`-th view from `s`).
pub fn subset_views(n_views: usize, n_subsets: usize, s: usize) -> Vec<usize> {
    (s..n_views).step_by(n_subsets).collect()
}

/// Reconstructs `data` (prompts) with known `background`; returns the image in the unit the
/// model's factor implies (Bq/mL). `progress` is called after each iteration with its number.
pub fn osem(
    model: &SystemModel,
    data: &Sinogram,
    background: &Sinogram,
    iterations: usize,
    n_subsets: usize,
    mut progress: impl FnMut(usize),
) -> Vec<f64> {
    let g = &model.projector.geom;
    let n = g.nx * g.ny * g.nz;
    let subsets: Vec<Vec<usize>> = (0..n_subsets)
        .map(|s| subset_views(g.n_views, n_subsets, s))
        .collect();
    // sensitivity image of each subset: G P^T E 1
    let sens: Vec<Vec<f64>> = subsets
        .iter()
        .map(|v| {
            let mut ones = model.projector.zeros();
            for r in model.projector.view_ranges(v) {
                ones.data[r].fill(1.0);
            }
            model.back(&mut ones, v)
        })
        .collect();
    // uniform start matching the net counts
    let sens_total: f64 = sens.iter().flatten().sum();
    let net: f64 = data.data.iter().sum::<f64>() - background.data.iter().sum::<f64>();
    let c0 = if net > 0.0 && sens_total > 0.0 {
        net / sens_total
    } else {
        return vec![0.0; n];
    };
    let mut x = vec![c0; n];
    let mut ybar = model.projector.zeros();
    for it in 1..=iterations {
        for (views, sens) in subsets.iter().zip(&sens) {
            model.forward(&x, views, &mut ybar);
            for r in model.projector.view_ranges(views) {
                let (yb, y, b) = (
                    &mut ybar.data[r.clone()],
                    &data.data[r.clone()],
                    &background.data[r],
                );
                for ((q, &y), &b) in yb.iter_mut().zip(y).zip(b) {
                    let m = *q + b;
                    *q = if m > 0.0 { y / m } else { 0.0 };
                }
            }
            let upd = model.back(&mut ybar, views);
            for ((x, u), s) in x.iter_mut().zip(&upd).zip(sens) {
                *x = if *s > 0.0 { *x * u / s } else { 0.0 };
            }
        }
        progress(it);
    }
    x
}
