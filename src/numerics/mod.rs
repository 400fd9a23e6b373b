//! Vectors, uniform logarithmic grids, interpolation and samplers (alias tables).

mod fast_math;
mod fit;
mod interp;
mod octave_bins;
pub use fast_math::{fast_exp, fast_ln};
pub use fit::fit_quadratic;
pub use interp::{interp_linear, interp_loglog};
pub use octave_bins::OctaveBins;

use std::ops::{Add, Mul, Sub};

/// A 3-vector (positions in cm, directions as unit vectors).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Vec3 {
    pub x: f64,
    pub y: f64,
    pub z: f64,
}

impl Vec3 {
    pub const fn new(x: f64, y: f64, z: f64) -> Self {
        Vec3 { x, y, z }
    }
    #[inline]
    pub fn dot(self, o: Vec3) -> f64 {
        self.x * o.x + self.y * o.y + self.z * o.z
    }
    #[inline]
    pub fn norm(self) -> f64 {
        self.dot(self).sqrt()
    }
    #[inline]
    pub fn normalized(self) -> Vec3 {
        self * (1.0 / self.norm())
    }
    /// Component by axis index 0, 1, 2.
    #[inline]
    pub fn get(self, axis: usize) -> f64 {
        match axis {
            0 => self.x,
            1 => self.y,
            _ => self.z,
        }
    }
    /// Rotates this unit direction by a polar angle with cosine `cos_theta` and an azimuth `phi`
    /// about itself (the standard transport rotation, as in EGSnrc `uphi`).
    #[inline]
    pub fn rotated(self, cos_theta: f64, phi: f64) -> Vec3 {
        let (sin_phi, cos_phi) = phi.sin_cos();
        self.rotated_cs(cos_theta, cos_phi, sin_phi)
    }

    /// `rotated` with the azimuth given by its cosine and sine.
    #[inline]
    pub fn rotated_cs(self, cos_theta: f64, cos_phi: f64, sin_phi: f64) -> Vec3 {
        let sin2_theta = (1.0 - cos_theta * cos_theta).max(0.0);
        let (u, v, w) = (self.x, self.y, self.z);
        let s = 1.0 - w * w;
        if s > 1e-12 {
            // a = sin(theta) / sqrt(s), and sin(theta) sqrt(s) = a s: one square root
            let a = (sin2_theta / s).sqrt();
            Vec3::new(
                u * cos_theta + a * (u * w * cos_phi - v * sin_phi),
                v * cos_theta + a * (v * w * cos_phi + u * sin_phi),
                w * cos_theta - a * s * cos_phi,
            )
        } else {
            let sin_theta = sin2_theta.sqrt();
            let sign = if w > 0.0 { 1.0 } else { -1.0 };
            Vec3::new(sin_theta * cos_phi, sin_theta * sin_phi, sign * cos_theta)
        }
    }
}

impl Add for Vec3 {
    type Output = Vec3;
    #[inline]
    fn add(self, o: Vec3) -> Vec3 {
        Vec3::new(self.x + o.x, self.y + o.y, self.z + o.z)
    }
}
impl Sub for Vec3 {
    type Output = Vec3;
    #[inline]
    fn sub(self, o: Vec3) -> Vec3 {
        Vec3::new(self.x - o.x, self.y - o.y, self.z - o.z)
    }
}
impl Mul<f64> for Vec3 {
    type Output = Vec3;
    #[inline]
    fn mul(self, s: f64) -> Vec3 {
        Vec3::new(self.x * s, self.y * s, self.z * s)
    }
}

/// A grid uniform in ln(E): node i is at E = e_min * exp(i * d), i = 0..n.
#[derive(Clone, Debug)]
pub struct LogGrid {
    pub e_min: f64,
    pub e_max: f64,
    pub n: usize,
    ln_e_min: f64,
    inv_d: f64,
    d: f64,
}

impl LogGrid {
    pub fn new(e_min: f64, e_max: f64, n: usize) -> Self {
        assert!(n >= 2 && e_max > e_min && e_min > 0.0);
        let d = (e_max / e_min).ln() / (n - 1) as f64;
        LogGrid {
            e_min,
            e_max,
            n,
            ln_e_min: e_min.ln(),
            inv_d: 1.0 / d,
            d,
        }
    }
    /// Energy of node i.
    pub fn node(&self, i: usize) -> f64 {
        (self.ln_e_min + i as f64 * self.d).exp()
    }
    /// ln of the energy of node i (no transcendental call).
    #[inline]
    pub fn ln_node(&self, i: usize) -> f64 {
        self.ln_e_min + i as f64 * self.d
    }
    /// Index of the interval holding `e` and the fraction within it (linear in ln E),
    /// clamped to the grid.
    #[inline]
    pub fn locate(&self, e: f64) -> (usize, f64) {
        let x = (fast_ln(e) - self.ln_e_min) * self.inv_d;
        if x <= 0.0 {
            return (0, 0.0);
        }
        let i = clamped_index(x, self.n);
        if i >= self.n - 1 {
            return (self.n - 2, 1.0);
        }
        (i, x - i as f64)
    }
}

/// A lower bound of ln x within 0.0597 of it, from the bits of a positive normal x without a
/// logarithm: (exponent + mantissa fraction f) ln 2, since log2(1 + f) - f lies in [0, 0.0861)
/// for f in [0, 1). For first guesses in table searches that are then corrected.
#[inline(always)]
pub fn ln_lower_bound(x: f64) -> f64 {
    let bits = x.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as f64 - 1023.0;
    let frac = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52)) - 1.0;
    std::f64::consts::LN_2 * (exponent + frac)
}

/// `min(floor(max(x, 0)), n - 1)` as an index, NaN giving 0: the same value as
/// `(x.max(0.0) as usize).min(n - 1)`, in a few instructions. (Rust's `as usize` from f64
/// saturates, which x86-64 without AVX-512 does in about a dozen instructions; measured as 5% of
/// the instructions of a photon history when four look-ups per interaction used it.)
#[inline(always)]
pub fn clamped_index(x: f64, n: usize) -> usize {
    debug_assert!(n >= 1 && n <= u32::MAX as usize);
    let c = x.max(0.0).min((n - 1) as f64);
    // SAFETY: c is finite (f64::max returns 0 for NaN, min caps +inf) and in [0, n - 1], so its
    // truncation fits a u32 (n <= u32::MAX).
    unsafe { c.to_int_unchecked::<u32>() as usize }
}

/// 2^63 as f64 (exact).
const TWO_POW_63: f64 = (1u64 << 63) as f64;

/// `x as u64` (truncating, saturating, NaN to 0) with one instruction for the usual
/// 0 <= x < 2^63: the saturating conversion to u64 takes about a dozen on x86-64 without
/// AVX-512, and the tally ran it twice per scored voxel.
#[inline(always)]
pub fn truncate_u64(x: f64) -> u64 {
    // NaN and negative values become 0 here, as in the cast
    let y = x.max(0.0);
    if y < TWO_POW_63 {
        // SAFETY: y is finite and in [0, 2^63), so its truncation fits an i64
        unsafe { y.to_int_unchecked::<i64>() as u64 }
    } else {
        saturate_u64(y)
    }
}

/// `y as u64` for the y >= 2^63 (or infinite) that [`truncate_u64`] leaves to it, out of line
/// and opaque to the optimiser, which otherwise computed it for every number and selected (the
/// four energy-balance sums of a history's closing took 72 instructions, 8 since; callgrind).
#[cold]
#[inline(never)]
fn saturate_u64(y: f64) -> u64 {
    std::hint::black_box(y) as u64
}

/// Walker/Vose alias table: samples index i with probability w_i / sum(w) in O(1).
#[derive(Clone, Debug)]
pub struct AliasTable {
    prob: Vec<f64>,
    alias: Vec<u32>,
}

impl AliasTable {
    /// Builds the table; returns None if there is no positive finite weight.
    pub fn new(weights: &[f64]) -> Option<Self> {
        let n = weights.len();
        let total: f64 = weights.iter().filter(|w| w.is_finite() && **w > 0.0).sum();
        if n == 0 || total <= 0.0 {
            return None;
        }
        let mut scaled: Vec<f64> = weights
            .iter()
            .map(|&w| {
                if w.is_finite() && w > 0.0 {
                    w * n as f64 / total
                } else {
                    0.0
                }
            })
            .collect();
        let mut prob = vec![1.0; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let mut small: Vec<usize> = Vec::new();
        let mut large: Vec<usize> = Vec::new();
        for (i, &s) in scaled.iter().enumerate() {
            if s < 1.0 {
                small.push(i)
            } else {
                large.push(i)
            }
        }
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            prob[s] = scaled[s];
            alias[s] = l as u32;
            scaled[l] = (scaled[l] + scaled[s]) - 1.0;
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        for &i in large.iter().chain(small.iter()) {
            prob[i] = 1.0;
        }
        Some(AliasTable { prob, alias })
    }
    pub fn len(&self) -> usize {
        self.prob.len()
    }
    pub fn is_empty(&self) -> bool {
        self.prob.is_empty()
    }
    /// Per index: the probability of keeping it, and its alias (for callers that pack the table
    /// with their own data).
    pub fn parts(&self) -> (&[f64], &[u32]) {
        (&self.prob, &self.alias)
    }
    /// Samples an index from two uniform numbers in [0, 1).
    #[inline]
    pub fn sample(&self, u1: f64, u2: f64) -> usize {
        let n = self.prob.len();
        let i = clamped_index(u1 * n as f64, n);
        if u2 < self.prob[i] {
            i
        } else {
            self.alias[i] as usize
        }
    }
}

/// Inverse CDF inside one segment of a piecewise-linear density: the offset d in [0, h] at
/// which the integral f0 d + (f1 - f0) d^2 / (2 h) of the density that goes linearly from `f0`
/// (at 0) to `f1` (at `h`) reaches `r` (0 <= r <= (f0 + f1) h / 2). The root is taken in the
/// form 2 r / (f0 + sqrt(f0^2 + 2 (f1 - f0) r / h)), which loses no digits when f1 ~ f0; a flat
/// segment gives r / f0. Shared by the beta spectra and the tabulated spectra of `source`.
#[inline]
pub fn invert_linear_segment(f0: f64, f1: f64, h: f64, r: f64) -> f64 {
    let a = 0.5 * (f1 - f0) / h;
    let d = if a.abs() < 1e-12 * f0.max(1e-300) / h {
        r / f0.max(1e-300)
    } else {
        let disc = (f0 * f0 + 4.0 * a * r).max(0.0);
        2.0 * r / (f0 + disc.sqrt()).max(1e-300)
    };
    d.clamp(0.0, h)
}

/// Asks the kernel to back a large, not yet touched allocation with transparent huge pages:
/// Woodcock tracking reads voxels at random, and with 4 KiB pages most reads of a big phantom
/// also miss the TLB. Harmless where huge pages are unavailable.
pub fn advise_huge_pages<T>(v: &Vec<T>) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let start = v.as_ptr() as usize;
        let end = start + v.capacity() * std::mem::size_of::<T>();
        let a = start.div_ceil(HUGE) * HUGE;
        let b = end / HUGE * HUGE;
        if b > a {
            // SAFETY: the range lies inside this Vec's own allocation; madvise only changes how
            // the kernel backs those pages, never their contents.
            unsafe {
                libc::madvise(a as *mut libc::c_void, b - a, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = v;
}

/// A guide table over a non-decreasing cumulative array (Chen & Asau 1974): finds the first
/// node above a target, `cum.partition_point(|&c| c <= target)`, from the bucket of the target
/// and a short scan instead of a binary search.
#[derive(Clone, Debug)]
pub struct GuideTable {
    /// first[j]: the first node with cum > total * j / buckets
    first: Vec<u32>,
    /// buckets / total
    scale: f64,
}

impl GuideTable {
    /// The table of `buckets` equal buckets over [0, total] of `cum`.
    pub fn new(cum: &[f64], total: f64, buckets: usize) -> Self {
        GuideTable {
            first: (0..=buckets)
                .map(|j| cum.partition_point(|&c| c <= total * j as f64 / buckets as f64) as u32)
                .collect(),
            scale: buckets as f64 / total,
        }
    }

    /// The first index of `cum` (the array the table was made from) whose value exceeds
    /// `target`, as `cum.partition_point(|&c| c <= target)`.
    #[inline]
    pub fn first_above(&self, cum: &[f64], target: f64) -> usize {
        let j = clamped_index(target * self.scale, self.first.len());
        let mut hi = self.first[j] as usize;
        while hi > 0 && cum[hi - 1] > target {
            hi -= 1;
        }
        while hi < cum.len() && cum[hi] <= target {
            hi += 1;
        }
        hi
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fast_truncation_equals_the_saturating_cast() {
        let mut r = crate::rng::HistoryRng::new(4, 0);
        let special = [0.0, -0.0, -1.0, 0.5, TWO_POW_63, 1.8446744073709552e19];
        for x in special
            .into_iter()
            .chain([f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e30, -1e30])
            .chain((0..100_000).map(|_| 10f64.powf(-5.0 + 25.0 * r.uniform())))
        {
            assert_eq!(truncate_u64(x), x as u64, "{x}");
        }
    }

    #[test]
    fn ln_lower_bound_is_below_ln_by_at_most_0_0597() {
        let mut r = crate::rng::HistoryRng::new(12, 0);
        for _ in 0..200_000 {
            let x = 10f64.powf(-300.0 + 600.0 * r.uniform());
            let d = x.ln() - ln_lower_bound(x);
            assert!((-1e-12..0.0597).contains(&d), "{x}: {d}");
        }
    }

    #[test]
    fn guide_table_finds_the_binary_search_node() {
        // plateaus, a jump and an end below the total
        let cum = [0.0, 0.0, 0.1, 0.1, 0.1, 0.45, 0.5, 0.9, 0.9, 1.2];
        let g = GuideTable::new(&cum, 1.3, 7);
        for k in 0..=1400 {
            let t = k as f64 * 1e-3;
            for t in [t, t.next_up(), t.next_down()] {
                assert_eq!(
                    g.first_above(&cum, t),
                    cum.partition_point(|&c| c <= t),
                    "{t}"
                );
            }
        }
    }

    #[test]
    fn clamped_index_equals_the_saturating_cast() {
        let mut r = crate::rng::HistoryRng::new(6, 0);
        for n in [1usize, 2, 64, 2048, 1 << 20] {
            for x in [
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                -0.5,
                -0.0,
                0.0,
                0.999,
            ]
            .into_iter()
            .chain([n as f64 - 1.0, n as f64 - 0.5, n as f64, 1e300])
            .chain((0..10_000).map(|_| (r.uniform() - 0.1) * 1.2 * n as f64))
            {
                assert_eq!(
                    clamped_index(x, n),
                    (x.max(0.0) as usize).min(n - 1),
                    "{x} {n}"
                );
            }
        }
    }

    use super::*;

    #[test]
    fn rotation_keeps_unit_length_and_angle() {
        let d = Vec3::new(0.3, -0.4, 0.866_025_4).normalized();
        let r = d.rotated(0.5, 1.2);
        assert!((r.norm() - 1.0).abs() < 1e-12);
        assert!((r.dot(d) - 0.5).abs() < 1e-12);
        let z = Vec3::new(0.0, 0.0, 1.0).rotated(0.2, 0.3);
        assert!((z.z - 0.2).abs() < 1e-12);
        // random rotations: each keeps the angle, and 1e5 in a chain (an electron's many
        // steps) keep the length to 1e-11 without renormalising
        let mut r = crate::rng::HistoryRng::new(8, 0);
        let mut d = Vec3::new(0.0, 0.6, 0.8);
        for _ in 0..100_000 {
            let c = 2.0 * r.uniform() - 1.0;
            let (cp, sp) = r.azimuth();
            let n = d.rotated_cs(c, cp, sp);
            assert!((n.dot(d) / d.norm() - c).abs() < 1e-9, "{c}");
            d = n;
        }
        assert!((d.norm() - 1.0).abs() < 1e-11, "{}", d.norm());
    }

    #[test]
    fn alias_table_reproduces_weights() {
        let w = [1.0, 0.0, 3.0, 6.0];
        let t = AliasTable::new(&w).unwrap();
        let n = 200;
        let mut counts = [0usize; 4];
        for a in 0..n {
            for b in 0..n {
                counts[t.sample((a as f64 + 0.5) / n as f64, (b as f64 + 0.5) / n as f64)] += 1;
            }
        }
        let tot = (n * n) as f64;
        for i in 0..4 {
            assert!(
                (counts[i] as f64 / tot - w[i] / 10.0).abs() < 0.01,
                "{counts:?}"
            );
        }
    }

    #[test]
    fn loglog_interpolation_is_exact_for_power_laws() {
        let xs = [1.0, 10.0, 100.0];
        let ys = [2.0, 200.0, 20000.0];
        assert!((interp_loglog(&xs, &ys, 3.0) - 18.0).abs() < 1e-9);
        let g = LogGrid::new(1e-3, 10.0, 101);
        let (i, f) = g.locate(g.node(37) * 1.000001);
        assert_eq!(i, 37);
        assert!(f > 0.0 && f < 1e-3);
    }
}
