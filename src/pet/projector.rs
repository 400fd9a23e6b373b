//! Forward and back projection of stacked 2D planes with Siddon's exact intersection lengths.
//!
//! The planes are processed in blocks of [`PLANE_BLOCK`] consecutive slices. Inside a block the
//! image is stored plane-innermost (`pixel * L + kk`) and so is the sinogram
//! (`(view * n_bins + bin) * L + kk`), so one ray traversal serves the L planes of the block
//! with a contiguous inner loop. Blocks are independent and run in parallel; each plane's
//! arithmetic is the same whatever the thread count, so results are bit-identical.
//!
//! The projector is the bare geometric operator P (mm of path per voxel). Forward and back
//! projection use the same traversals, so `<P x, y> = <x, P^T y>` to rounding.

use super::geometry::{Ray, SinoGeom};
use rayon::prelude::*;

/// Planes per block: the length of the projector's inner loop.
pub const PLANE_BLOCK: usize = 16;

/// A sinogram on a [`SinoGeom`], in the projector's block layout.
#[derive(Clone, Debug, PartialEq)]
pub struct Sinogram {
    pub data: Vec<f64>,
}

/// The stacked-2D projector.
#[derive(Clone, Debug)]
pub struct Projector {
    pub geom: SinoGeom,
}

impl Projector {
    pub fn new(geom: SinoGeom) -> Projector {
        Projector { geom }
    }

    /// A zero sinogram.
    pub fn zeros(&self) -> Sinogram {
        Sinogram {
            data: vec![0.0; self.geom.n_lors()],
        }
    }

    /// Flat index of LOR (view `v`, bin `b`, plane `k`) in a [`Sinogram`].
    pub fn index(&self, v: usize, b: usize, k: usize) -> usize {
        let g = &self.geom;
        let k0 = k / PLANE_BLOCK * PLANE_BLOCK;
        let len = PLANE_BLOCK.min(g.nz - k0);
        k0 * g.lors_per_plane() + (v * g.n_bins + b) * len + (k - k0)
    }

    /// Index ranges of a sinogram holding the LORs of `views` (all bins and planes).
    pub fn view_ranges<'a>(
        &'a self,
        views: &'a [usize],
    ) -> impl Iterator<Item = std::ops::Range<usize>> + 'a {
        let g = &self.geom;
        (0..g.nz).step_by(PLANE_BLOCK).flat_map(move |k0| {
            let len = PLANE_BLOCK.min(g.nz - k0);
            views.iter().map(move |&v| {
                let a = k0 * g.lors_per_plane() + v * g.n_bins * len;
                a..a + g.n_bins * len
            })
        })
    }

    /// `out` = P `img` on the LORs of `views` (other LORs untouched). `img` is in the grid
    /// order `i + nx (j + ny k)`.
    pub fn forward(&self, img: &[f64], views: &[usize], out: &mut Sinogram) {
        let g = &self.geom;
        debug_assert_eq!(img.len(), g.pixels_per_plane() * g.nz);
        let blocks = to_blocks(img, g);
        let (n_lor, n_pix) = (g.lors_per_plane(), g.pixels_per_plane());
        out.data
            .par_chunks_mut(PLANE_BLOCK * n_lor)
            .zip(blocks.par_chunks(PLANE_BLOCK * n_pix))
            .for_each(|(s, im)| {
                let len = s.len() / n_lor;
                let mut ray = Ray::with_capacity(2 * (g.nx + g.ny));
                for &v in views {
                    for b in 0..g.n_bins {
                        g.trace(v, b, &mut ray);
                        let o = &mut s[(v * g.n_bins + b) * len..][..len];
                        o.fill(0.0);
                        for (&p, &l) in ray.pixel.iter().zip(&ray.len_mm) {
                            let src = &im[p as usize * len..][..len];
                            for (o, x) in o.iter_mut().zip(src) {
                                *o += l * x;
                            }
                        }
                    }
                }
            });
    }

    /// P^T `sino` restricted to the LORs of `views`, in the grid order.
    pub fn back(&self, sino: &Sinogram, views: &[usize]) -> Vec<f64> {
        let g = &self.geom;
        let (n_lor, n_pix) = (g.lors_per_plane(), g.pixels_per_plane());
        let mut blocks = vec![0.0; n_pix * g.nz];
        blocks
            .par_chunks_mut(PLANE_BLOCK * n_pix)
            .zip(sino.data.par_chunks(PLANE_BLOCK * n_lor))
            .for_each(|(im, s)| {
                let len = s.len() / n_lor;
                let mut ray = Ray::with_capacity(2 * (g.nx + g.ny));
                for &v in views {
                    for b in 0..g.n_bins {
                        let y = &s[(v * g.n_bins + b) * len..][..len];
                        if y.iter().all(|&x| x == 0.0) {
                            continue;
                        }
                        g.trace(v, b, &mut ray);
                        for (&p, &l) in ray.pixel.iter().zip(&ray.len_mm) {
                            let dst = &mut im[p as usize * len..][..len];
                            for (d, y) in dst.iter_mut().zip(y) {
                                *d += l * y;
                            }
                        }
                    }
                }
            });
        from_blocks(&blocks, g)
    }
}

/// Grid order -> block layout.
fn to_blocks(img: &[f64], g: &SinoGeom) -> Vec<f64> {
    let n_pix = g.pixels_per_plane();
    let mut out = vec![0.0; img.len()];
    out.par_chunks_mut(PLANE_BLOCK * n_pix)
        .enumerate()
        .for_each(|(bi, blk)| {
            let k0 = bi * PLANE_BLOCK;
            let len = blk.len() / n_pix;
            for kk in 0..len {
                let plane = &img[(k0 + kk) * n_pix..][..n_pix];
                for (p, &x) in plane.iter().enumerate() {
                    blk[p * len + kk] = x;
                }
            }
        });
    out
}

/// Block layout -> grid order.
fn from_blocks(blocks: &[f64], g: &SinoGeom) -> Vec<f64> {
    let n_pix = g.pixels_per_plane();
    let mut out = vec![0.0; blocks.len()];
    for (bi, blk) in blocks.chunks(PLANE_BLOCK * n_pix).enumerate() {
        let k0 = bi * PLANE_BLOCK;
        let len = blk.len() / n_pix;
        for kk in 0..len {
            let plane = &mut out[(k0 + kk) * n_pix..][..n_pix];
            for (p, x) in plane.iter_mut().enumerate() {
                *x = blk[p * len + kk];
            }
        }
    }
    out
}
