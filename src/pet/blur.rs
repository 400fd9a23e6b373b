//! Separable image-space blurs: the Gaussian system resolution (detector, non-collinearity)
//! and the positron-range kernel, applied along x, y and z of an image in grid order.
//!
//! Each axis has a symmetric kernel of voxel weights summing to 1; voxels beyond the image are
//! zero (activity at the edge of the grid is lost, as it would leave the field of view). A
//! symmetric kernel with zero padding is a symmetric operator, so the blur is its own adjoint
//! (the reconstruction relies on it for resolution modelling).

use rayon::prelude::*;

/// A symmetric 1D kernel: `w[m]` is the weight of offset `m - half` voxels.
#[derive(Clone, Debug, PartialEq)]
pub struct Kernel1d {
    pub w: Vec<f64>,
}

impl Kernel1d {
    /// The identity (no blur).
    pub fn identity() -> Kernel1d {
        Kernel1d { w: vec![1.0] }
    }

    /// A Gaussian of `fwhm_mm` averaged over voxels of `voxel_mm` (voxel-integrated, so a blur
    /// far below the voxel size is the identity), truncated at 4 sigma and renormalised.
    pub fn gaussian(fwhm_mm: f64, voxel_mm: f64) -> Kernel1d {
        if fwhm_mm.is_nan() || fwhm_mm <= 0.0 {
            return Kernel1d::identity();
        }
        let sigma = fwhm_mm / (8.0 * std::f64::consts::LN_2).sqrt();
        let half = (4.0 * sigma / voxel_mm).ceil() as i64;
        let cdf = |x: f64| 0.5 * (1.0 + erf(x / (sigma * std::f64::consts::SQRT_2)));
        let w: Vec<f64> = (-half..=half)
            .map(|m| cdf((m as f64 + 0.5) * voxel_mm) - cdf((m as f64 - 0.5) * voxel_mm))
            .collect();
        Kernel1d::normalised(w)
    }

    /// Weights scaled to sum to 1, with negligible tails (below 1e-6 of the total) trimmed
    /// symmetrically.
    pub fn normalised(mut w: Vec<f64>) -> Kernel1d {
        let s: f64 = w.iter().sum();
        w.iter_mut().for_each(|x| *x /= s);
        while w.len() > 2 && w[0] < 1e-6 && w[w.len() - 1] < 1e-6 {
            w.remove(0);
            w.pop();
        }
        let s: f64 = w.iter().sum();
        w.iter_mut().for_each(|x| *x /= s);
        Kernel1d { w }
    }

    /// Half width (voxels).
    pub fn half(&self) -> usize {
        self.w.len() / 2
    }

    pub fn is_identity(&self) -> bool {
        self.w.len() == 1
    }

    /// Root-mean-square offset (in voxels).
    pub fn rms(&self) -> f64 {
        let h = self.half() as f64;
        self.w
            .iter()
            .enumerate()
            .map(|(m, w)| w * (m as f64 - h).powi(2))
            .sum::<f64>()
            .sqrt()
    }
}

/// A separable 3D blur: one kernel per axis.
#[derive(Clone, Debug, PartialEq)]
pub struct Blur3 {
    pub k: [Kernel1d; 3],
}

impl Blur3 {
    pub fn is_identity(&self) -> bool {
        self.k.iter().all(Kernel1d::is_identity)
    }

    /// Blurs `img` (grid order, dims `d`) in place.
    pub fn apply(&self, img: &mut [f64], d: [usize; 3]) {
        debug_assert_eq!(img.len(), d[0] * d[1] * d[2]);
        let n_slab = d[0] * d[1];
        if !self.k[0].is_identity() || !self.k[1].is_identity() {
            img.par_chunks_mut(n_slab).for_each(|slab| {
                let mut line = Vec::with_capacity(d[0].max(d[1]));
                let mut out = Vec::with_capacity(d[0].max(d[1]));
                for j in 0..d[1] {
                    convolve_strided(slab, j * d[0], 1, d[0], &self.k[0], &mut line, &mut out);
                }
                for i in 0..d[0] {
                    convolve_strided(slab, i, d[0], d[1], &self.k[1], &mut line, &mut out);
                }
            });
        }
        let kz = &self.k[2];
        if !kz.is_identity() {
            let src = img.to_vec();
            let h = kz.half() as i64;
            img.par_chunks_mut(n_slab).enumerate().for_each(|(k, dst)| {
                dst.fill(0.0);
                for (m, &w) in kz.w.iter().enumerate() {
                    let ks = k as i64 + m as i64 - h;
                    if ks < 0 || ks >= d[2] as i64 {
                        continue;
                    }
                    let s = &src[ks as usize * n_slab..][..n_slab];
                    for (o, x) in dst.iter_mut().zip(s) {
                        *o += w * x;
                    }
                }
            });
        }
    }
}

/// A spatially varying blur by voxel class: the content of voxel `v` is spread with
/// `blurs[class[v]]`, i.e. img <- sum over classes c of blurs[c](img masked to class c). Each
/// kernel sums to 1, so the total is conserved up to what leaves the grid. Classes are summed in
/// order (deterministic); a class with no content or an identity blur costs one pass.
///
/// Not self-adjoint (unlike [`Blur3::apply`]): meant for the forward model only.
pub fn apply_by_class(img: &mut [f64], d: [usize; 3], class: &[u16], blurs: &[Blur3]) {
    debug_assert_eq!(img.len(), class.len());
    debug_assert!(class.iter().all(|&c| (c as usize) < blurs.len()));
    if blurs.iter().all(Blur3::is_identity) {
        return;
    }
    if blurs.len() == 1 {
        blurs[0].apply(img, d);
        return;
    }
    let mut out = vec![0.0; img.len()];
    let mut part = vec![0.0; img.len()];
    for (c, b) in blurs.iter().enumerate() {
        let mut any = false;
        for ((p, &x), &k) in part.iter_mut().zip(img.iter()).zip(class) {
            *p = if k as usize == c { x } else { 0.0 };
            any |= *p != 0.0;
        }
        if !any {
            continue;
        }
        b.apply(&mut part, d);
        out.iter_mut().zip(&part).for_each(|(o, p)| *o += p);
    }
    img.copy_from_slice(&out);
}

/// Convolves the line `data[start + i * stride]`, i < n, with `k` in place.
pub(super) fn convolve_strided(
    data: &mut [f64],
    start: usize,
    stride: usize,
    n: usize,
    k: &Kernel1d,
    line: &mut Vec<f64>,
    out: &mut Vec<f64>,
) {
    line.clear();
    line.extend((0..n).map(|i| data[start + i * stride]));
    out.clear();
    out.resize(n, 0.0);
    let h = k.half() as i64;
    for (i, o) in out.iter_mut().enumerate() {
        let lo = (i as i64 - h).max(0) as usize;
        let hi = (i as i64 + h).min(n as i64 - 1) as usize;
        let mut acc = 0.0;
        for (s, x) in line[lo..=hi].iter().enumerate() {
            acc += k.w[(lo + s) + h as usize - i] * x;
        }
        *o = acc;
    }
    for (i, o) in out.iter().enumerate() {
        data[start + i * stride] = *o;
    }
}

/// Error function, Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7: far below the
/// accuracy a blur kernel needs).
pub fn erf(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let y = 1.0 - poly * (-x * x).exp();
    if x >= 0.0 {
        y
    } else {
        -y
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaussian_kernel_has_its_variance() {
        // a voxel-integrated Gaussian has variance sigma^2 + voxel^2/12
        let k = Kernel1d::gaussian(10.0, 1.0);
        let sigma = 10.0 / (8.0 * std::f64::consts::LN_2).sqrt();
        let expect = (sigma * sigma + 1.0 / 12.0).sqrt();
        assert!((k.rms() - expect).abs() < 1e-3 * expect, "{}", k.rms());
        assert!((k.w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn blur_is_symmetric() {
        let d = [5, 4, 6];
        let b = Blur3 {
            k: [
                Kernel1d::gaussian(3.0, 1.0),
                Kernel1d::gaussian(2.0, 1.0),
                Kernel1d::gaussian(4.0, 1.0),
            ],
        };
        let n = d[0] * d[1] * d[2];
        let x: Vec<f64> = (0..n).map(|i| ((i * 37) % 11) as f64).collect();
        let y: Vec<f64> = (0..n).map(|i| ((i * 13) % 7) as f64).collect();
        let (mut bx, mut by) = (x.clone(), y.clone());
        b.apply(&mut bx, d);
        b.apply(&mut by, d);
        let l: f64 = bx.iter().zip(&y).map(|(a, b)| a * b).sum();
        let r: f64 = x.iter().zip(&by).map(|(a, b)| a * b).sum();
        assert!((l - r).abs() < 1e-12 * l.abs());
    }
}
