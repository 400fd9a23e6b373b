//! Per-history random streams.
//!
//! Every history draws from its own xoshiro256++ generator (Blackman & Vigna 2019) whose state is
//! derived from (run seed, history index) by SplitMix64, so a result does not depend on the thread
//! count or on how a run is split into jobs. The generator implements `rand_core::TryRng` so the
//! `rand_distr` samplers accept it.

use std::convert::Infallible;

/// SplitMix64 step (Steele, Lea & Flood 2014), used to expand seeds.
#[inline]
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256++ generator for one history.
#[derive(Debug)]
pub struct HistoryRng {
    s: [u64; 4],
}

impl HistoryRng {
    /// The stream of history `index` of the run with seed `seed`.
    #[inline]
    pub fn new(seed: u64, index: u64) -> Self {
        Self::from_key(Self::run_key(seed), index)
    }

    /// The seed mixed once per run: `from_key(run_key(seed), i)` is `new(seed, i)`, without
    /// repeating the seed's mixing for every history.
    pub fn run_key(seed: u64) -> u64 {
        let mut a = seed ^ 0x6A09_E667_F3BC_C909;
        splitmix64(&mut a)
    }

    /// The stream of history `index` of the run whose seed gave `key` ([`Self::run_key`]).
    #[inline]
    pub fn from_key(key: u64, index: u64) -> Self {
        // The seed (through run_key) and the index pass through two SplitMix64 chains, so nearby
        // (seed, index) pairs give unrelated states.
        let mut st = key ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03);
        let mut s = [0u64; 4];
        for v in s.iter_mut() {
            *v = splitmix64(&mut st);
        }
        if s == [0; 4] {
            s[0] = 1;
        }
        HistoryRng { s }
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = (s[0].wrapping_add(s[3])).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1) with 53 random bits.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in (0, 1]: safe for `-ln(u)`.
    #[inline]
    pub fn uniform_open(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// An exponentially distributed number of mean free paths (mean 1), by the ziggurat method
    /// of Marsaglia & Tsang 2000 (`rand_distr::Exp1`: one u64 per draw in about 98% of cases,
    /// no logarithm there; exact, including the tail). Also in the electron step loop, where an
    /// inversion -ln(u) had measured faster with libm's logarithm; with the inlined one
    /// ([`crate::numerics::fast_ln`]) the ziggurat still takes fewer instructions: Lu-177 `vsv`
    /// 3,819 -> 3,667 per decay, 1 MeV electron kernel 73,532 -> 70,595 per history (callgrind).
    #[inline]
    pub fn mfp(&mut self) -> f64 {
        use rand_distr::Distribution;
        rand_distr::Exp1.sample(self)
    }

    /// A standard-normal draw (Box-Muller, two uniforms per draw, the cosine branch).
    pub fn standard_normal(&mut self) -> f64 {
        let u1 = self.uniform_open();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Azimuth uniform in [0, 2 pi).
    #[inline]
    pub fn phi(&mut self) -> f64 {
        std::f64::consts::TAU * self.uniform()
    }

    /// (cos phi, sin phi) of an azimuth uniform in [0, 2 pi), from one random number: the top
    /// 8 bits pick one of 256 table angles 2 pi j / 256, the next 45 bits a remainder b in
    /// [0, 2 pi / 256) whose cosine and sine come from their Taylor series (terms to b^6 and b^7;
    /// the first omitted terms are below 4e-18). No division, no branch, no rejection loop (the
    /// unit-disk rejection used before took 2.55 numbers and a division on average).
    #[inline]
    pub fn azimuth(&mut self) -> (f64, f64) {
        let r = self.next_u64();
        let (cj, sj) = AZIMUTH_TABLE[(r >> 56) as usize];
        let b = ((r >> 11) & ((1 << 45) - 1)) as f64 * (AZIMUTH_STEP / (1u64 << 45) as f64);
        let b2 = b * b;
        let cb = 1.0 - b2 * (0.5 - b2 * (1.0 / 24.0 - b2 * (1.0 / 720.0)));
        let sb = b * (1.0 - b2 * (1.0 / 6.0 - b2 * (1.0 / 120.0 - b2 * (1.0 / 5040.0))));
        (cj * cb - sj * sb, sj * cb + cj * sb)
    }
}

/// Angle between the entries of [`AZIMUTH_TABLE`] (rad).
const AZIMUTH_STEP: f64 = std::f64::consts::TAU / 256.0;

/// (cos, sin) of 2 pi j / 256, j = 0..256, computed at compile time (see [`const_cos_sin`]).
static AZIMUTH_TABLE: [(f64, f64); 256] = {
    let mut t = [(0.0, 0.0); 256];
    let mut j = 0;
    while j < 256 {
        t[j] = const_cos_sin(j);
        j += 1;
    }
    t
};

/// (cos, sin) of 2 pi j / 256 by octant symmetry and Taylor series on [0, pi/4] (15 terms of
/// each: the first omitted one is below 1e-35 there), for the compile-time table.
const fn const_cos_sin(j: usize) -> (f64, f64) {
    let r = (j % 32) as f64 * AZIMUTH_STEP;
    // Taylor series of cos and sin at r
    let (mut c, mut s) = (0.0, 0.0);
    let (mut term_c, mut term_s) = (1.0, r);
    let mut n = 0;
    while n < 15 {
        c += term_c;
        s += term_s;
        let k = (2 * n + 1) as f64;
        term_c = -term_c * r * r / (k * (k + 1.0));
        term_s = -term_s * r * r / ((k + 1.0) * (k + 2.0));
        n += 1;
    }
    // octant o: angle = o pi/4 + r; rotate (c, s) by o pi/4
    let h = std::f64::consts::FRAC_1_SQRT_2;
    match j / 32 {
        0 => (c, s),
        1 => (h * (c - s), h * (c + s)),
        2 => (-s, c),
        3 => (-h * (c + s), h * (c - s)),
        4 => (-c, -s),
        5 => (-h * (c - s), -h * (c + s)),
        6 => (s, -c),
        _ => (h * (c + s), -h * (c - s)),
    }
}

impl rand_core::TryRng for HistoryRng {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.next_u64() >> 32) as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.next_u64())
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn streams_are_pinned() {
        // values of the published stream definition (SplitMix64 seeding of xoshiro256++ as in
        // the module doc), computed independently in Python: a change here changes every result
        let mut r = HistoryRng::new(7, 3);
        assert_eq!(r.next_u64(), 0x50e3_148a_c6aa_9706);
        assert_eq!(r.next_u64(), 0xd6ca_4d1d_df92_a615);
        let mut r = HistoryRng::from_key(HistoryRng::run_key(0), 0);
        assert_eq!(r.next_u64(), 0xf35b_831a_fff5_033d);
    }
    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4).map(|_| HistoryRng::new(7, 3).next_u64()).collect();
        assert!(a.iter().all(|&v| v == a[0]));
        assert_ne!(
            HistoryRng::new(7, 3).next_u64(),
            HistoryRng::new(7, 4).next_u64()
        );
        assert_ne!(
            HistoryRng::new(7, 3).next_u64(),
            HistoryRng::new(8, 3).next_u64()
        );
    }
    #[test]
    fn azimuth_is_on_the_unit_circle_and_uniform() {
        // the table against std (to 1e-15: the f64 angle 2 pi j / 256 that std is given is itself
        // rounded, by up to 4.4e-16 near 2 pi) and the sampled angles: |(c, s)| = 1 to 1e-15, and
        // the angle histogram in 64 bins uniform (chi-square, 63 dof, 1e6 samples; the 99.99%
        // point is 114)
        for (j, &(c, s)) in AZIMUTH_TABLE.iter().enumerate() {
            let a = j as f64 * AZIMUTH_STEP;
            let err = (c - a.cos()).abs().max((s - a.sin()).abs());
            assert!(err < 1e-15, "{j}: {err}");
        }
        let mut r = HistoryRng::new(3, 1);
        let n = 1_000_000;
        let mut bins = [0u32; 64];
        for _ in 0..n {
            let (c, s) = r.azimuth();
            assert!((c * c + s * s - 1.0).abs() < 1e-15);
            let phi = s.atan2(c).rem_euclid(std::f64::consts::TAU);
            bins[((phi / std::f64::consts::TAU * 64.0) as usize).min(63)] += 1;
        }
        let e = n as f64 / 64.0;
        let chi2: f64 = bins.iter().map(|&b| (b as f64 - e).powi(2) / e).sum();
        assert!(chi2 < 114.0, "chi2 {chi2}");
    }
    #[test]
    fn uniform_mean_and_range() {
        let mut r = HistoryRng::new(1, 0);
        let n = 100_000;
        let mut s = 0.0;
        for _ in 0..n {
            let u = r.uniform();
            assert!((0.0..1.0).contains(&u));
            s += u;
        }
        assert!((s / n as f64 - 0.5).abs() < 0.005);
    }
}
