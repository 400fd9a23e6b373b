//! Bounds of an electron's CSDA range found from the bits of its energy, without a logarithm:
//! where a source's electron is born, the range rejection (range below the distance to the
//! nearest face) is then decided by a table look-up for all but the few electrons whose range
//! lies within a few per cent of that distance, with the same decisions as the exact range.

use crate::numerics::OctaveBins;

/// Energy bins: 32 per octave from 2^-10 MeV (0.98 keV) to 2^5 MeV, found from the exponent and
/// the leading mantissa bits of the energy.
const ENERGY_BINS: OctaveBins = OctaveBins {
    octave_min: -10,
    octaves: 15,
    sub_bits: 5,
};

/// Lower and upper bounds of a monotone range-energy relation per energy bin.
#[derive(Clone, Debug, Default)]
pub struct RangeBounds {
    bins: Vec<[f64; 2]>,
}

impl RangeBounds {
    /// The bounds of `range` (g/cm2 against MeV, non-decreasing) over each bin: its values at
    /// the bin's edges, widened by 1e-12 relative against the rounding of its interpolation.
    pub fn new(range: impl Fn(f64) -> f64) -> Self {
        let bins = (0..ENERGY_BINS.count())
            .map(|b| {
                let (e_lo, e_hi) = ENERGY_BINS.edges(b);
                [range(e_lo) * (1.0 - 1e-12), range(e_hi) * (1.0 + 1e-12)]
            })
            .collect();
        RangeBounds { bins }
    }

    /// [lower, upper] bound of the range at `e_mev`, or None outside the bins (or for a
    /// number that is not positive and finite).
    #[inline]
    pub fn bounds(&self, e_mev: f64) -> Option<[f64; 2]> {
        Some(self.bins[ENERGY_BINS.index(e_mev)?])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bounds hold the exact range of water's electron tables at energies spread over the
    /// bins (and at their edges), and are tight: within 6 % of it from 10 keV to 10 MeV (a bin
    /// spans at most 3.1 % in energy, and the range, from a 1 keV cut-off, grows about as
    /// E^1.75 at 20 keV).
    #[test]
    fn bounds_hold_the_range() {
        let db = crate::materials::MaterialDb::load().unwrap();
        let water = db.get("water").unwrap().clone();
        let params = super::super::condensed::CondensedParams::new(0.001, 0.001);
        let ep = super::super::condensed::ElectronPhysics::new(&[water], params).unwrap();
        let t = ep.tables(0, super::super::Lepton::Electron);
        let b = ep.range_bounds(0);
        let mut rng = crate::rng::HistoryRng::new(5, 0);
        let mut energies: Vec<f64> = (0..100_000)
            .map(|_| 10f64.powf(-3.0 + 4.3 * rng.uniform()))
            .collect();
        energies.extend((0..ENERGY_BINS.count()).flat_map(|b| {
            let (lo, hi) = ENERGY_BINS.edges(b);
            [lo, hi.next_down()]
        }));
        for e in energies {
            let r = ep.range(t, e);
            let [lo, hi] = b.bounds(e).expect("in the bins");
            assert!(lo <= r && r <= hi, "{e} MeV: {lo} <= {r} <= {hi}");
            if e < 10.0 && e > 0.01 {
                assert!(hi - lo < 0.06 * r, "{e} MeV: [{lo}, {hi}] around {r}");
            }
        }
        assert_eq!(b.bounds(0.0), None);
        assert_eq!(b.bounds(f64::NAN), None);
        assert_eq!(b.bounds(64.0), None);
    }
}
