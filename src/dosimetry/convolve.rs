//! Three-dimensional linear convolution of a voxel map with a small kernel, by FFT (with zero
//! padding against wrap-around) and directly (the reference the FFT is tested against).
//!
//! Layout: voxel (i, j, k) of a grid with dims [nx, ny, nz] is element `i + nx (j + ny k)`, as
//! in [`crate::io::Grid`]. A kernel holds the values at offsets -h..=h along each axis.
//!
//! The FFT convolution pads each axis to a length P >= n + h with small prime factors (2, 3,
//! 5): the output voxels i in [0, n) then only see source voxels i - d in [-h, n - 1 + h], none
//! of which wraps around onto [0, n). The transform is real-to-complex along x (realfft) and
//! complex along y and z (rustfft), lines in parallel with rayon; the result does not depend on
//! the thread count (every line is transformed by the same plan, independently).

use anyhow::{bail, Result};
use rayon::prelude::*;
use realfft::RealFftPlanner;
use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};
use std::sync::Arc;

/// A convolution kernel: values at offsets (di, dj, dk), |d| <= half along each axis.
#[derive(Clone, Debug)]
pub struct Kernel {
    /// half-widths along x, y, z (voxels)
    pub half: [usize; 3],
    /// (2 half + 1) values per axis, x fastest, offset -half first
    pub data: Vec<f64>,
}

impl Kernel {
    /// Full kernel from values in one octant, `octant[i][j][k]` for offsets 0 <= i, j, k < n,
    /// mirrored to negative offsets (a kernel symmetric under reflections, such as a voxel
    /// S-value kernel in a homogeneous medium).
    pub fn from_octant(n: usize, value: impl Fn(usize, usize, usize) -> f64) -> Kernel {
        let h = n.saturating_sub(1);
        let w = 2 * h + 1;
        let mut data = vec![0.0; w * w * w];
        for k in 0..w {
            for j in 0..w {
                for i in 0..w {
                    let a = |x: usize| x.abs_diff(h);
                    data[i + w * (j + w * k)] = value(a(i), a(j), a(k));
                }
            }
        }
        Kernel { half: [h; 3], data }
    }

    fn width(&self, axis: usize) -> usize {
        2 * self.half[axis] + 1
    }

    /// Value at offset d (each component within +-half).
    pub fn at(&self, d: [isize; 3]) -> f64 {
        let [wx, wy, _] = [self.width(0), self.width(1), self.width(2)];
        let idx = |a: usize| (d[a] + self.half[a] as isize) as usize;
        self.data[idx(0) + wx * (idx(1) + wy * idx(2))]
    }
}

/// Smallest length >= n whose prime factors are all 2, 3 or 5 (measured faster with rustfft
/// than also allowing 7).
pub fn smooth_length(n: usize) -> usize {
    let mut m = n.max(1);
    loop {
        let mut r = m;
        for p in [2, 3, 5] {
            while r.is_multiple_of(p) {
                r /= p;
            }
        }
        if r == 1 {
            return m;
        }
        m += 1;
    }
}

fn check(src: &[f64], dims: [usize; 3], kernel: &Kernel) -> Result<()> {
    if src.len() != dims[0] * dims[1] * dims[2] {
        bail!(
            "convolution: {} values for a grid of {}x{}x{}",
            src.len(),
            dims[0],
            dims[1],
            dims[2]
        );
    }
    let w: usize = (0..3).map(|a| kernel.width(a)).product();
    if kernel.data.len() != w {
        bail!(
            "convolution: kernel has {} values, expected {w}",
            kernel.data.len()
        );
    }
    Ok(())
}

/// out[i] = sum over offsets d of src[i - d] kernel[d], by direct summation (O(N K)); the
/// reference for [`convolve_fft`] on small grids.
pub fn convolve_direct(src: &[f64], dims: [usize; 3], kernel: &Kernel) -> Result<Vec<f64>> {
    check(src, dims, kernel)?;
    let [nx, ny, nz] = dims;
    let h = kernel.half.map(|x| x as isize);
    let mut out = vec![0.0; src.len()];
    for (s_idx, &s) in src.iter().enumerate() {
        if s == 0.0 {
            continue;
        }
        let (si, sj, sk) = (
            (s_idx % nx) as isize,
            ((s_idx / nx) % ny) as isize,
            (s_idx / (nx * ny)) as isize,
        );
        for dk in -h[2]..=h[2] {
            let k = sk + dk;
            if k < 0 || k >= nz as isize {
                continue;
            }
            for dj in -h[1]..=h[1] {
                let j = sj + dj;
                if j < 0 || j >= ny as isize {
                    continue;
                }
                for di in -h[0]..=h[0] {
                    let i = si + di;
                    if i < 0 || i >= nx as isize {
                        continue;
                    }
                    let o = i as usize + nx * (j as usize + ny * k as usize);
                    out[o] += s * kernel.at([di, dj, dk]);
                }
            }
        }
    }
    Ok(out)
}

/// A complex 3D array in the half-spectrum layout: [hx, py, pz], x fastest.
struct Spectrum {
    data: Vec<Complex<f64>>,
    hx: usize,
    py: usize,
    pz: usize,
}

/// Raw pointer shared between threads that write disjoint elements (the z lines).
#[derive(Clone, Copy)]
struct SharedPtr(*mut Complex<f64>);
// SAFETY: used only by `fft_z`, where every task touches a disjoint set of elements.
unsafe impl Send for SharedPtr {}
unsafe impl Sync for SharedPtr {}

/// Lines transformed together: gathered side by side into one buffer (rustfft transforms a
/// buffer of several lines in one call), so that the strided reads of a column fetch whole
/// cache lines of neighbouring columns.
const BLOCK: usize = 16;

/// Transforms along y, in place, the z planes below `planes` (the others are zero, or not
/// needed); lines of one plane are disjoint from other planes'.
fn fft_y(s: &mut Spectrum, fft: &Arc<dyn Fft<f64>>, planes: usize) {
    let (hx, py) = (s.hx, s.py);
    s.data
        .par_chunks_mut(hx * py)
        .take(planes)
        .for_each(|plane| {
            if plane.iter().all(|c| c.re == 0.0 && c.im == 0.0) {
                return; // a zero plane (padding, or a kernel's empty middle) stays zero
            }
            let mut buf = vec![Complex::new(0.0, 0.0); py * BLOCK];
            let mut scratch = vec![Complex::new(0.0, 0.0); fft.get_inplace_scratch_len()];
            for kx0 in (0..hx).step_by(BLOCK) {
                let nb = BLOCK.min(hx - kx0);
                for y in 0..py {
                    for b in 0..nb {
                        buf[b * py + y] = plane[kx0 + b + hx * y];
                    }
                }
                fft.process_with_scratch(&mut buf[..nb * py], &mut scratch);
                for y in 0..py {
                    for b in 0..nb {
                        plane[kx0 + b + hx * y] = buf[b * py + y];
                    }
                }
            }
        });
}

/// Transforms along z, in place; rows (kx, y) are split among threads. With `then`, each
/// transformed line is multiplied by the same line of that spectrum and transformed back with
/// its inverse plan (the convolution's product and inverse z pass, fused into one gather).
fn fft_z_then(
    s: &mut Spectrum,
    fft: &Arc<dyn Fft<f64>>,
    then: Option<(&Spectrum, &Arc<dyn Fft<f64>>)>,
) {
    let (hx, py, pz) = (s.hx, s.py, s.pz);
    let plane = hx * py;
    let ptr = SharedPtr(s.data.as_mut_ptr());
    (0..py).into_par_iter().for_each(|y| {
        let p = ptr;
        let mut buf = vec![Complex::new(0.0, 0.0); pz * BLOCK];
        let inv_len = then.map_or(0, |t| t.1.get_inplace_scratch_len());
        let mut scratch = vec![Complex::new(0.0, 0.0); fft.get_inplace_scratch_len().max(inv_len)];
        for kx0 in (0..hx).step_by(BLOCK) {
            let nb = BLOCK.min(hx - kx0);
            let base = kx0 + hx * y;
            for z in 0..pz {
                for b in 0..nb {
                    // SAFETY: element base + b + plane z belongs to row y only (b < nb keeps
                    // kx within the row); rows are disjoint.
                    buf[b * pz + z] = unsafe { *p.0.add(base + b + plane * z) };
                }
            }
            fft.process_with_scratch(&mut buf[..nb * pz], &mut scratch);
            if let Some((k, inv)) = then {
                for z in 0..pz {
                    for b in 0..nb {
                        buf[b * pz + z] *= k.data[base + b + plane * z];
                    }
                }
                inv.process_with_scratch(&mut buf[..nb * pz], &mut scratch);
            }
            for z in 0..pz {
                for b in 0..nb {
                    // SAFETY: as above.
                    unsafe { *p.0.add(base + b + plane * z) = buf[b * pz + z] };
                }
            }
        }
    });
}

/// Forward transform of a real array of `dims` (lines along x given by `fill`, which writes
/// the first `dims[0]` values of a line and says whether it holds any nonzero value),
/// zero-padded to `pad`.
fn forward(
    dims: [usize; 3],
    pad: [usize; 3],
    fill: impl Fn(usize, usize, &mut [f64]) -> bool + Sync,
    z_then: Option<&Spectrum>,
) -> Spectrum {
    let [nx, ny, nz] = dims;
    let [px, py, pz] = pad;
    let hx = px / 2 + 1;
    let mut planner = RealFftPlanner::<f64>::new();
    let r2c = planner.plan_fft_forward(px);
    let mut data = vec![Complex::new(0.0, 0.0); hx * py * pz];
    data.par_chunks_mut(hx * py)
        .enumerate()
        .for_each(|(z, plane)| {
            if z >= nz {
                return;
            }
            let mut input = vec![0.0; px];
            let mut scratch = r2c.make_scratch_vec();
            for y in 0..ny {
                input.fill(0.0);
                if !fill(y, z, &mut input[..nx]) {
                    continue; // its transform is zero, as the buffer already holds
                }
                let out = &mut plane[hx * y..hx * (y + 1)];
                r2c.process_with_scratch(&mut input, out, &mut scratch)
                    .expect("buffer lengths match the plan");
            }
        });
    let mut s = Spectrum { data, hx, py, pz };
    let mut cplanner = FftPlanner::<f64>::new();
    fft_y(&mut s, &cplanner.plan_fft_forward(py), nz);
    let inv = cplanner.plan_fft_inverse(pz);
    fft_z_then(
        &mut s,
        &cplanner.plan_fft_forward(pz),
        z_then.map(|k| (k, &inv)),
    );
    s
}

/// Linear convolution by FFT: out[i] = sum_d src[i - d] kernel[d] for the voxels of `dims`
/// (the source is zero outside the grid). Equal to [`convolve_direct`] to rounding (about
/// 1e-12 relative to the largest value).
///
/// # Errors
/// A source or kernel whose length does not match its dimensions.
pub fn convolve_fft(src: &[f64], dims: [usize; 3], kernel: &Kernel) -> Result<Vec<f64>> {
    check(src, dims, kernel)?;
    // n + h avoids wrap-around onto the grid; 2h + 1 keeps the wrapped kernel from overlapping itself
    let pad =
        [0, 1, 2].map(|a| smooth_length((dims[a] + kernel.half[a]).max(2 * kernel.half[a] + 1)));
    let [px, py, pz] = pad;
    // the kernel, wrapped so that offset d sits at index d mod P (only the lines through the
    // kernel's support are nonzero)
    let h = kernel.half.map(|x| x as isize);
    let unwrap = |i: usize, p: usize, h: isize| -> Option<isize> {
        let d = if i as isize <= h {
            i as isize
        } else {
            i as isize - p as isize
        };
        (d.abs() <= h).then_some(d)
    };
    let kspec = forward(
        pad,
        pad,
        |y, z, line| {
            let (Some(dj), Some(dk)) = (unwrap(y, py, h[1]), unwrap(z, pz, h[2])) else {
                return false;
            };
            for di in -h[0]..=h[0] {
                line[di.rem_euclid(px as isize) as usize] = kernel.at([di, dj, dk]);
            }
            true
        },
        None,
    );
    let [nx, ny, _] = dims;
    let mut s = forward(
        dims,
        pad,
        |y, z, line| {
            let src_line = &src[nx * (y + ny * z)..nx * (y + ny * z) + nx];
            line.copy_from_slice(src_line);
            src_line.iter().any(|&v| v != 0.0)
        },
        Some(&kspec),
    );
    // (the forward z pass has multiplied by the kernel's spectrum and transformed back)
    let mut cplanner = FftPlanner::<f64>::new();
    fft_y(&mut s, &cplanner.plan_fft_inverse(py), dims[2]);
    let [nx, ny, nz] = dims;
    let hx = s.hx;
    let c2r = RealFftPlanner::<f64>::new().plan_fft_inverse(px);
    let norm = 1.0 / (px * py * pz) as f64;
    // the output reuses the kernel spectrum's memory (already paged in; 157 MB for a
    // 256x256x300 grid): every element is written below
    let mut out = reuse_as_reals(kspec.data, nx * ny * nz);
    out.par_chunks_mut(nx * ny)
        .zip(s.data.par_chunks_mut(hx * py))
        .for_each(|(oplane, splane)| {
            let mut line = vec![0.0; px];
            let mut scratch = c2r.make_scratch_vec();
            for y in 0..ny {
                let input = &mut splane[hx * y..hx * (y + 1)];
                // the imaginary parts of the DC and Nyquist terms are rounding noise for a
                // real result; realfft requires them to be zero
                input[0].im = 0.0;
                if px.is_multiple_of(2) {
                    input[hx - 1].im = 0.0;
                }
                c2r.process_with_scratch(input, &mut line, &mut scratch)
                    .expect("buffer lengths match the plan");
                for (o, v) in oplane[nx * y..nx * (y + 1)].iter_mut().zip(&line) {
                    *o = v * norm;
                }
            }
        });
    Ok(out)
}

/// The allocation of a complex vector as a vector of `n` reals (contents unspecified, to be
/// overwritten).
///
/// # Panics
/// If `n` exceeds twice the complex length.
fn reuse_as_reals(v: Vec<Complex<f64>>, n: usize) -> Vec<f64> {
    assert!(
        n <= 2 * v.len(),
        "{n} reals from {} complex values",
        v.len()
    );
    let mut v = std::mem::ManuallyDrop::new(v);
    let (ptr, len, cap) = (v.as_mut_ptr() as *mut f64, 2 * v.len(), 2 * v.capacity());
    // SAFETY: Complex<f64> is #[repr(C)] { re: f64, im: f64 }: the same alignment as f64 and
    // exactly twice its size, so the allocation holds `cap` initialised-or-spare f64 slots and
    // its layout (size 16 cap/2, align 8) is the one a Vec<f64> of capacity `cap` frees.
    let mut out = unsafe { Vec::from_raw_parts(ptr, len, cap) };
    out.truncate(n);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smooth_lengths() {
        assert_eq!(smooth_length(1), 1);
        assert_eq!(smooth_length(11), 12);
        assert_eq!(smooth_length(266), 270);
        assert_eq!(smooth_length(121), 125);
    }
}
