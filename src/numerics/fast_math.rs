//! The natural logarithm and exponential for the hot paths that locate an energy on a
//! logarithmic grid, invert it, and sample exponential path lengths: inlined, no call into libm
//! (glibc's `log` and `exp` take about 46 and 67 instructions with their calls). Accuracy: see
//! each function and the tests.
//!
//! `fast_ln`: for x = 2^e m with m in [1, 2), ln x = e ln 2 + ln c + ln(1 + r), where c is the
//! centre of the 1/256-wide cell of [1, 2) that holds m and r = m / c - 1, so |r| < 2^-9.
//! ln(1 + r) is its Taylor series to r^5 (the first omitted term is below r^6 / 6 < 1e-17). The
//! table of (1 / c, ln c) is computed at compile time, ln c from the series of
//! 2 atanh((c - 1) / (c + 1)). Only absolute accuracy is claimed: near x = 1 from below the
//! result is -ln 2 + ln c_255 + ..., whose relative error is large where ln x is tiny; grid
//! locations and -ln(u) need the absolute one.

/// Cells per octave (the top 8 bits of the mantissa pick one).
const CELL_BITS: u32 = 8;
const CELLS: usize = 1 << CELL_BITS;

/// ln 2 split so that n * LN2_HI is exact for integers |n| < 2^20 (its low 20 mantissa bits
/// are zero): an exponent's multiple in `fast_ln`, 256 times one in `fast_exp`.
const LN2_HI: f64 = f64::from_bits(std::f64::consts::LN_2.to_bits() & !0xf_ffff);
/// The rest of ln 2: `LN_2 - LN2_HI` (exact) plus ln 2 - `LN_2`, the f64 constant's own error
/// (ln 2 = 0.69314718055994530941723212145817656807..., `LN_2` =
/// 0.69314718055994528622676398299518041312...), which n * ln 2 would otherwise carry to
/// about 1e-14 at |n| = 1000.
const LN2_LO: f64 = (std::f64::consts::LN_2 - LN2_HI) + 2.319_046_813_846_299_6e-17;

/// (1 / c_j, ln c_j) for the cell centres c_j = 1 + (j + 1/2) / 256.
static TABLE: [(f64, f64); CELLS] = {
    let mut t = [(0.0, 0.0); CELLS];
    let mut j = 0;
    while j < CELLS {
        let c = 1.0 + (j as f64 + 0.5) / CELLS as f64;
        t[j] = (1.0 / c, const_ln(c));
        j += 1;
    }
    t
};

/// ln c for c in [1, 2], at compile time: 2 atanh(s) with s = (c - 1) / (c + 1) <= 1/3, its
/// series summed to s^41 (terms below 1e-20 of the sum).
const fn const_ln(c: f64) -> f64 {
    let s = (c - 1.0) / (c + 1.0);
    let s2 = s * s;
    // the terms s^(2k+1) / (2k+1), k = 0..21, summed from the smallest
    let mut powers = [0.0; 21];
    let mut power = s;
    let mut k = 0;
    while k < 21 {
        powers[k] = power;
        power *= s2;
        k += 1;
    }
    let mut sum = 0.0;
    while k > 0 {
        k -= 1;
        sum += powers[k] / (2 * k + 1) as f64;
    }
    2.0 * sum
}

/// ln x for a positive, finite, normal x (error below 5e-16 x max(1, |ln x|) there); anything
/// else (zero, negative, subnormal, infinite, NaN) goes to `f64::ln`, so the result is always
/// that of the logarithm up to the stated error.
#[inline(always)]
pub fn fast_ln(x: f64) -> f64 {
    let bits = x.to_bits();
    // positive normal finite: the biased exponent is in 1..=2046 and the sign bit is clear
    if bits.wrapping_sub(1 << 52) >= (2046 << 52) {
        return libm_ln(x);
    }
    let e = ((bits >> 52) as i64 - 1023) as f64;
    let cell_mask = ((CELLS as u64) - 1) << (52 - CELL_BITS);
    let j = ((bits & cell_mask) >> (52 - CELL_BITS)) as usize;
    let one = 1023u64 << 52;
    let m = f64::from_bits((bits & ((1u64 << 52) - 1)) | one);
    let (inv_c, ln_c) = TABLE[j];
    // m / c - 1, rounded once in the product (an absolute error below 1.2e-16 in r)
    let r = m * inv_c - 1.0;
    let r2 = r * r;
    // r - r^2/2 + r^3/3 - r^4/4 + r^5/5, as two independent halves
    let p = r + r2 * (-0.5 + r * (1.0 / 3.0)) + r2 * r2 * (-0.25 + r * 0.2);
    (e * LN2_HI + ln_c) + (e * LN2_LO + p)
}

/// 2^(j/256), j = 0..256, computed at compile time from the exponential series.
static EXP2_TABLE: [f64; CELLS] = {
    let mut t = [0.0; CELLS];
    let mut j = 0;
    while j < CELLS {
        t[j] = const_exp(j as f64 / CELLS as f64 * std::f64::consts::LN_2);
        j += 1;
    }
    t
};

/// e^y for y in [0, ln 2], at compile time: its Taylor series to y^25 (terms below 1e-26),
/// summed from the smallest.
const fn const_exp(y: f64) -> f64 {
    let mut terms = [0.0; 26];
    let mut term = 1.0;
    let mut k = 0;
    while k < 26 {
        terms[k] = term;
        term = term * y / (k + 1) as f64;
        k += 1;
    }
    let mut sum = 0.0;
    while k > 0 {
        k -= 1;
        sum += terms[k];
    }
    sum
}

/// e^y with a relative error below 5e-16 for |y| <= 700 (see the test); outside that, and for
/// NaN, `f64::exp`'s result.
///
/// y = (256 q + j) ln 2 / 256 + r with the integer n = 256 q + j nearest to 256 y / ln 2, so
/// |r| <= ln 2 / 512: e^y = 2^q 2^(j/256) e^r, e^r from its Taylor series to r^5 (the first
/// omitted term is below 1e-19).
#[inline(always)]
pub fn fast_exp(y: f64) -> f64 {
    // (NaN fails the first comparison, hence the second)
    if y.abs() > 700.0 || y.is_nan() {
        return libm_exp(y);
    }
    // rounding to the nearest integer by adding 1.5 x 2^52 (|256 y / ln 2| < 2^18)
    const SHIFT: f64 = 1.5 * (1u64 << 52) as f64;
    let shifted = y * (CELLS as f64 / std::f64::consts::LN_2) + SHIFT;
    let n = shifted.to_bits() as i64 as i32;
    let nf = shifted - SHIFT;
    // r = y - n ln 2 / 256, with ln 2 split so that the first product is exact
    let r = (y - nf * (LN2_HI / CELLS as f64)) - nf * (LN2_LO / CELLS as f64);
    let j = (n & (CELLS as i32 - 1)) as usize;
    let q = (n >> CELL_BITS) as i64;
    let scale = f64::from_bits(((q + 1023) as u64) << 52);
    let r2 = r * r;
    // e^r - 1, so that the table entry is rounded into the result once (t + t s); the power of
    // two is exact
    let s = r + r2 * (0.5 + r * (1.0 / 6.0)) + r2 * r2 * (1.0 / 24.0 + r * (1.0 / 120.0));
    let t = EXP2_TABLE[j];
    (t + t * s) * scale
}

/// `f64::ln` for the inputs [`fast_ln`] leaves to it, out of line and opaque to the optimiser:
/// LLVM treats libm's `log` as free of side effects and would otherwise call it on every input
/// and select the result (measured for `exp`: the call was made at every use).
#[cold]
#[inline(never)]
fn libm_ln(x: f64) -> f64 {
    std::hint::black_box(x).ln()
}

/// `f64::exp` for the inputs [`fast_exp`] leaves to it (see [`libm_ln`]).
#[cold]
#[inline(never)]
fn libm_exp(y: f64) -> f64 {
    std::hint::black_box(y).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Largest |fast_ln(x) - ln x| / max(1, |ln x|) over log-uniform random x from 1e-300 to
    /// 1e300, x near 1, every cell edge of [1, 2) and its neighbours: below 5e-16, about two
    /// units in the last place of a logarithm between 1 and 2 (the table's ln c and the final
    /// sums each round once; libm's own result is within one). Inputs that are not positive
    /// normal numbers give `f64::ln`'s result.
    #[test]
    fn fast_ln_is_the_logarithm() {
        let mut rng = crate::rng::HistoryRng::new(11, 0);
        let mut xs: Vec<f64> = (0..1_000_000)
            .map(|_| 10f64.powf(600.0 * rng.uniform() - 300.0))
            .collect();
        xs.extend((0..100_000).map(|_| 1.0 + 1e-3 * (rng.uniform() - 0.5)));
        for j in 0..=CELLS {
            let edge = 1.0 + j as f64 / CELLS as f64;
            for x in [
                edge,
                edge.next_up(),
                edge.next_down(),
                0.5 * edge,
                0.75 * edge,
            ] {
                xs.push(x);
            }
        }
        xs.extend([
            1.0,
            1.0f64.next_up(),
            1.0f64.next_down(),
            f64::MIN_POSITIVE,
            f64::MAX,
        ]);
        let mut worst = 0.0f64;
        for &x in &xs {
            let err = (fast_ln(x) - x.ln()).abs() / x.ln().abs().max(1.0);
            worst = worst.max(err);
        }
        assert!(worst < 5e-16, "largest scaled error {worst:e}");
        for x in [
            0.0,
            -0.0,
            -1.0,
            1e-310,
            f64::INFINITY,
            f64::NAN,
            f64::NEG_INFINITY,
        ] {
            let (a, b) = (fast_ln(x), x.ln());
            assert!(a == b || (a.is_nan() && b.is_nan()), "{x}: {a} vs {b}");
        }
    }

    /// Largest |fast_exp(y) / e^y - 1| over uniform random y in [-700, 700] and in [-1, 1],
    /// and at every table node j ln 2 / 256 and its neighbours: below 5e-16, about two units in
    /// the last place (the table entry and the final sum each round once; libm's own result is
    /// within one). Outside [-700, 700] and for NaN, `f64::exp`'s result.
    #[test]
    fn fast_exp_is_the_exponential() {
        let mut rng = crate::rng::HistoryRng::new(12, 0);
        let mut ys: Vec<f64> = (0..1_000_000)
            .map(|_| 1400.0 * rng.uniform() - 700.0)
            .collect();
        ys.extend((0..1_000_000).map(|_| 2.0 * rng.uniform() - 1.0));
        for n in -2000..2000 {
            let y = n as f64 * std::f64::consts::LN_2 / CELLS as f64;
            ys.extend([y, y.next_up(), y.next_down()]);
        }
        ys.extend([0.0, -0.0, 700.0, -700.0, 1e-300, -1e-300]);
        let mut worst = 0.0f64;
        for &y in &ys {
            worst = worst.max((fast_exp(y) / y.exp() - 1.0).abs());
        }
        assert!(worst < 5e-16, "largest relative error {worst:e}");
        for y in [
            700.5,
            -700.5,
            710.0,
            -746.0,
            -1e6,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ] {
            let (a, b) = (fast_exp(y), y.exp());
            assert!(a == b || (a.is_nan() && b.is_nan()), "{y}: {a} vs {b}");
        }
    }
}
