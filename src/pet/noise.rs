//! Poisson counting noise on a sinogram, deterministic for any thread count.
//!
//! The LORs of one (plane k, view v) pair, all bins in order, draw from the stream
//! `HistoryRng::new(seed, k * n_views + v)`; the streams do not depend on how the work is
//! shared between threads.

use super::projector::{Projector, Sinogram, PLANE_BLOCK};
use crate::rng::HistoryRng;
use rand_distr::{Distribution, Poisson};
use rayon::prelude::*;

/// One Poisson draw of mean `mean` (0 for a non-positive or non-finite mean).
pub fn poisson(mean: f64, rng: &mut HistoryRng) -> f64 {
    if !(mean > 0.0 && mean.is_finite()) {
        return 0.0;
    }
    match Poisson::new(mean) {
        Ok(p) => p.sample(rng),
        Err(_) => mean.round(),
    }
}

/// A Poisson realisation of the expected counts `mean`.
pub fn poisson_sinogram(projector: &Projector, mean: &Sinogram, seed: u64) -> Sinogram {
    let g = &projector.geom;
    let n_lor = g.lors_per_plane();
    let mut out = projector.zeros();
    out.data
        .par_chunks_mut(PLANE_BLOCK * n_lor)
        .zip(mean.data.par_chunks(PLANE_BLOCK * n_lor))
        .enumerate()
        .for_each(|(bi, (o, m))| {
            let len = o.len() / n_lor;
            for kk in 0..len {
                let k = bi * PLANE_BLOCK + kk;
                for v in 0..g.n_views {
                    let mut rng = HistoryRng::new(seed, (k * g.n_views + v) as u64);
                    for b in 0..g.n_bins {
                        let i = (v * g.n_bins + b) * len + kk;
                        o[i] = poisson(m[i], &mut rng);
                    }
                }
            }
        });
    out
}
