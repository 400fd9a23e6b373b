//! The mean absorbed dose to the nuclei of labelled cells (L5), shared by the cell-tracking
//! study and the labelled cells of a dosimetry study:
//!
//! D_nucleus = S(nucleus <- compartment) x Ã_cell + D_cross,
//!
//! with S the cellular S value of the cell's geometry and label compartment ([`super::compute`],
//! MIRD cellular S values, Goddu et al. 1997, by default the analytic CSDA method), Ã_cell the
//! cumulated (time-integrated) activity per cell (Bq s) and D_cross the dose from everything
//! outside the cell (the other cells, the organ), which the caller computes from its own model.

use super::geometry::{SourceRegion, TargetRegion};
use super::CellSValueSpec;
use crate::context::Context;
use anyhow::Result;
use serde::Serialize;

/// The nucleus dose of a labelled cell, split into self- and cross-dose.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct NucleusDose {
    /// S(nucleus <- compartment) (Gy per Bq s)
    pub s_nucleus_gy_per_bq_s: f64,
    /// cumulated activity per cell (Bq s)
    pub cumulated_per_cell_bq_s: f64,
    /// S x the cumulated activity per cell (Gy)
    pub self_dose_gy: f64,
    /// from outside the cell (Gy)
    pub cross_dose_gy: f64,
    /// self + cross (Gy)
    pub nucleus_dose_gy: f64,
    /// self / total (0 when the total is 0)
    pub self_fraction: f64,
}

impl NucleusDose {
    /// The dose of an S value (Gy per Bq s), a cumulated activity per cell (Bq s) and a
    /// cross-dose (Gy).
    pub fn new(s_gy_per_bq_s: f64, cumulated_per_cell_bq_s: f64, cross_dose_gy: f64) -> Self {
        let self_gy = s_gy_per_bq_s * cumulated_per_cell_bq_s;
        let total = self_gy + cross_dose_gy;
        NucleusDose {
            s_nucleus_gy_per_bq_s: s_gy_per_bq_s,
            cumulated_per_cell_bq_s,
            self_dose_gy: self_gy,
            cross_dose_gy,
            nucleus_dose_gy: total,
            self_fraction: if total > 0.0 { self_gy / total } else { 0.0 },
        }
    }
}

/// The nucleus dose of a cell of geometry and nuclide `cell` labelled in `compartment` with a
/// cumulated activity per cell `cumulated_per_cell_bq_s`, plus `cross_dose_gy`.
///
/// # Errors
/// As [`super::compute`]: spec errors naming the field (radii, nuclide), data that cannot be
/// loaded.
pub fn nucleus_dose(
    ctx: &Context,
    cell: &CellSValueSpec,
    compartment: SourceRegion,
    cumulated_per_cell_bq_s: f64,
    cross_dose_gy: f64,
) -> Result<NucleusDose> {
    let sv = super::compute(ctx, cell)?;
    Ok(NucleusDose::new(
        sv.s(TargetRegion::Nucleus, compartment),
        cumulated_per_cell_bq_s,
        cross_dose_gy,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_and_cross_add_up() {
        let d = NucleusDose::new(2e-3, 1e3, 1.0);
        assert!((d.self_dose_gy - 2.0).abs() < 1e-12);
        assert!((d.nucleus_dose_gy - 3.0).abs() < 1e-12);
        assert!((d.self_fraction - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(NucleusDose::new(0.0, 0.0, 0.0).self_fraction, 0.0);
    }
}
