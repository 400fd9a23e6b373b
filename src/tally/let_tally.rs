//! LET scoring of ion tracks (alpha particles): four fixed-point tally bins per voxel, so the
//! sums are exact and bit-identical for any thread count like the dose.
//!
//! Per voxel and history the transport scores (`Transport::with_let_scoring`):
//! - `EDEP`: energy the ion tracks lost in the voxel (MeV),
//! - `EDEP_LET`: sum of edep x LET (MeV keV/um, divided by [`LET_SCALE_KEV_UM`]),
//! - `PATH`: ion track length in the voxel (cm),
//! - `PATH_LET`: sum of path x LET (cm keV/um, divided by [`LET_SCALE_KEV_UM`]),
//!
//! with LET the electronic stopping power of the voxel's medium at the step's energy
//! (unrestricted LET_inf). The dose-averaged LET is L_D = sum(edep LET) / sum(edep) and the
//! track-averaged LET is L_T = sum(path LET) / sum(path); both are 0 where no ion passed.
//! Recoil nuclei (deposited locally) and electrons are not part of these averages.

use super::Tally;

/// Bins per voxel: EDEP, EDEP_LET, PATH, PATH_LET.
pub const LET_BINS_PER_VOXEL: usize = 4;
/// The LET-weighted sums are stored in units of this many keV/um, which keeps one history's
/// value (a few alphas of 5-9 MeV at ~100 keV/um in one voxel) near the size of an energy
/// deposit and the u128 sums of squares far from overflow.
pub const LET_SCALE_KEV_UM: f64 = 1000.0;
/// keV/um per (MeV cm2/g x g/cm3): 1 MeV/cm = 1000 keV / 10^4 um.
pub const KEV_UM_PER_MEV_CM: f64 = 0.1;

/// Where the LET bins of a voxel tally start, and how to read them.
#[derive(Clone, Copy, Debug)]
pub struct LetLayout {
    /// first LET bin (voxel 0, EDEP)
    pub offset: usize,
    pub n_voxels: usize,
}

/// Sums of the four LET bins over a set of voxels (units of the tally quantum).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LetSums {
    pub edep: u128,
    pub edep_let: u128,
    pub path: u128,
    pub path_let: u128,
}

impl LetSums {
    /// Adds another set of sums.
    pub fn add(&mut self, o: &LetSums) {
        self.edep += o.edep;
        self.edep_let += o.edep_let;
        self.path += o.path;
        self.path_let += o.path_let;
    }
    /// Dose-averaged LET (keV/um), 0 without ion energy deposited.
    pub fn dose_averaged_kev_um(&self) -> f64 {
        ratio(self.edep_let, self.edep) * LET_SCALE_KEV_UM
    }
    /// Track-averaged LET (keV/um), 0 without ion track length.
    pub fn track_averaged_kev_um(&self) -> f64 {
        ratio(self.path_let, self.path) * LET_SCALE_KEV_UM
    }
}

fn ratio(a: u128, b: u128) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

impl LetLayout {
    /// Tally bin of quantity `q` (0..4) of voxel `v`.
    #[inline]
    pub fn bin(&self, v: usize, q: usize) -> usize {
        self.offset + LET_BINS_PER_VOXEL * v + q
    }

    /// The summed LET bins of one voxel.
    pub fn voxel(&self, tally: &Tally, v: usize) -> LetSums {
        LetSums {
            edep: tally.sum(self.bin(v, 0)),
            edep_let: tally.sum(self.bin(v, 1)),
            path: tally.sum(self.bin(v, 2)),
            path_let: tally.sum(self.bin(v, 3)),
        }
    }

    /// The LET bins summed per label (`labels[v]` < `n_labels` for every voxel) in one pass;
    /// integer sums, so exact.
    pub fn sums_by_label(&self, tally: &Tally, labels: &[u16], n_labels: usize) -> Vec<LetSums> {
        let mut out = vec![LetSums::default(); n_labels];
        for (v, &l) in labels.iter().enumerate().take(self.n_voxels) {
            out[l as usize].add(&self.voxel(tally, v));
        }
        out
    }

    /// Per-voxel maps of the dose-averaged and track-averaged LET (keV/um; 0 where no ion
    /// deposited energy or passed).
    pub fn maps(&self, tally: &Tally) -> (Vec<f32>, Vec<f32>) {
        (0..self.n_voxels)
            .map(|v| {
                let s = self.voxel(tally, v);
                (
                    s.dose_averaged_kev_um() as f32,
                    s.track_averaged_kev_um() as f32,
                )
            })
            .unzip()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tally::{ChunkScore, HistoryScore};

    #[test]
    fn averages_are_weighted_ratios_and_zero_without_ions() {
        let lay = LetLayout {
            offset: 2,
            n_voxels: 2,
        };
        let mut t = Tally::new(2 + 8);
        let mut c = ChunkScore::default();
        let mut h = HistoryScore::default();
        // voxel 0: 1 MeV at 100 keV/um and 3 MeV at 200 keV/um -> L_D = 175; paths 1 and 3 um
        // at 100 and 200 keV/um -> L_T = 175 as well
        for (e, l, p) in [(1.0, 100.0, 1e-4), (3.0, 200.0, 3e-4)] {
            h.score_aux(lay.bin(0, 0) as u32, e);
            h.score_aux(lay.bin(0, 1) as u32, e * l / LET_SCALE_KEV_UM);
            h.score_aux(lay.bin(0, 2) as u32, p);
            h.score_aux(lay.bin(0, 3) as u32, p * l / LET_SCALE_KEV_UM);
        }
        // aux bins are not energy: they do not count in the history's scored total
        assert_eq!(h.scored_total(), 0.0);
        c.close_history(&mut h);
        t.absorb(&mut c);
        let (ld, lt) = lay.maps(&t);
        assert!((ld[0] - 175.0).abs() < 1e-3 && (lt[0] - 175.0).abs() < 1e-3);
        assert_eq!((ld[1], lt[1]), (0.0, 0.0));
        let by = lay.sums_by_label(&t, &[1, 0], 2);
        assert_eq!((by[1], by[0]), (lay.voxel(&t, 0), LetSums::default()));
    }
}
