//! Bins of a positive number found from its bits, without a logarithm: its binary exponent
//! gives the octave, its leading mantissa bits the bin within it (bins equal in the number, a
//! fixed number per octave). Used for tables over energy that a hot loop consults (the
//! Klein-Nishina envelopes, electron range bounds).

/// `1 << sub_bits` bins per octave over `octaves` octaves from 2^`octave_min`.
#[derive(Clone, Copy, Debug)]
pub struct OctaveBins {
    pub octave_min: i64,
    pub octaves: usize,
    pub sub_bits: u32,
}

impl OctaveBins {
    /// Number of bins.
    pub const fn count(&self) -> usize {
        self.octaves << self.sub_bits
    }

    /// The edges (lower, upper) of bin `b`.
    pub fn edges(&self, b: usize) -> (f64, f64) {
        let sub = 1usize << self.sub_bits;
        let base = 2f64.powi((self.octave_min + (b / sub) as i64) as i32);
        let edge = |k: usize| base * (1.0 + k as f64 / sub as f64);
        (edge(b % sub), edge(b % sub + 1))
    }

    /// The bin of `x`, or None outside the bins (zero, negative, NaN and infinite included).
    #[inline]
    pub fn index(&self, x: f64) -> Option<usize> {
        let bits = x.to_bits();
        let octave = ((bits >> 52) & 0x7ff) as i64 - 1023 - self.octave_min;
        if bits >> 63 != 0 || !(0..self.octaves as i64).contains(&octave) {
            return None;
        }
        let sub = ((bits >> (52 - self.sub_bits)) & ((1 << self.sub_bits) - 1)) as usize;
        Some(((octave as usize) << self.sub_bits) + sub)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every bin holds its own edges' interior and lower edge, and numbers outside give None.
    #[test]
    fn index_finds_the_bin_of_its_edges() {
        let bins = OctaveBins {
            octave_min: -10,
            octaves: 15,
            sub_bits: 5,
        };
        for b in 0..bins.count() {
            let (lo, hi) = bins.edges(b);
            assert_eq!(bins.index(lo), Some(b));
            assert_eq!(bins.index(0.5 * (lo + hi)), Some(b));
            assert_eq!(bins.index(hi.next_down()), Some(b));
        }
        for x in [
            0.0,
            -0.1,
            f64::NAN,
            f64::INFINITY,
            2f64.powi(-11),
            2f64.powi(5),
        ] {
            assert_eq!(bins.index(x), None, "{x}");
        }
    }
}
