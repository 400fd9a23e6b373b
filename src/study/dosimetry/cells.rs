//! Labelled cells in a dosimetry study (issue 17 item 4): a region's activity given as cells
//! labelled ex vivo (`labelled_cells` in its `[[kinetics]]` entry) instead of a fraction of the
//! administered activity, and the mean absorbed dose to those cells' nuclei beside the organ's.
//!
//! The region's activity follows the same kinetics as any region, with N a_cell (cells x
//! activity per cell) in place of f A0: A(t) = N a_cell (exp(-(lb + lp) t) - exp(-(lu + lb + lp) t)),
//! the uptake half-time being the cells' homing and the biological half-life the loss of label
//! from the organ. The nucleus dose of one of these cells ([`crate::dosimetry::cell::nucleus`]):
//!
//! - self: S(nucleus <- compartment) x Ã_cell, the analytic cellular S value of the cell's
//!   geometry (MIRD cellular S values, Goddu et al. 1997) and Ã_cell = the region's model TIA /
//!   N = a_cell (1/(lb + lp) - 1/(lu + lb + lp)), the label a cell holds while in the organ
//!   (stated, not fitted from the images: the cells and their activity are inputs);
//! - cross: the organ's mean absorbed dose by the reference (first) dose method, which is the
//!   dose of the organ's activity concentration (the other cells) and of the other regions.
//!
//! The cell's own decays are also part of the organ's mean dose, spread over the organ; that
//! share, a_cell / (N a_cell) of the organ's self-dose, is counted twice and is negligible for
//! more than a few hundred cells.

use crate::dosimetry::cell::geometry::SourceRegion;
use crate::dosimetry::cell::nucleus::{nucleus_dose, NucleusDose};
use crate::dosimetry::cell::CellSValueSpec;
use crate::error::{spec_error, spec_error_of};
use crate::source::DecayData;
use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// `labelled_cells` of a `[[kinetics]]` entry: the region's activity as labelled cells.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LabelledCells {
    /// labelled cells that reach the region (at the uptake plateau)
    pub cells: f64,
    /// activity per cell at administration (Bq) of the study's nuclide (`therapy.nuclide`)
    pub activity_per_cell_bq: f64,
    /// cell and nucleus radii (um)
    pub cell_radius_um: f64,
    pub nucleus_radius_um: f64,
    /// where the label sits: "nucleus", "cytoplasm" (default), "cell_surface" or "cell"
    #[serde(default = "cytoplasm")]
    pub compartment: SourceRegion,
}

fn cytoplasm() -> SourceRegion {
    SourceRegion::Cytoplasm
}

impl LabelledCells {
    /// The region's activity at the uptake plateau without decay (Bq): cells x activity per cell.
    pub fn activity_bq(&self) -> f64 {
        self.cells * self.activity_per_cell_bq
    }

    /// The cellular S-value computation of these cells for the study's nuclide (analytic
    /// method).
    pub fn svalue_spec(&self, nuclide: &str, chain: bool, decay_data: DecayData) -> CellSValueSpec {
        let mut s = CellSValueSpec::new(nuclide, self.cell_radius_um, self.nucleus_radius_um);
        s.chain = chain;
        s.decay_data = decay_data;
        s
    }

    /// Checks the numbers; `field` is the entry's field (`kinetics[2].labelled_cells`).
    ///
    /// # Errors
    /// A [`crate::error::SpecError`] naming `field.<name>`: cells below 1, a non-positive
    /// activity per cell, radii that are not positive or a nucleus not smaller than the cell.
    pub fn check(&self, field: &str) -> Result<()> {
        if !(self.cells.is_finite() && self.cells >= 1.0) {
            return Err(spec_error(
                format!("{field}.cells"),
                format!("{}: expected at least 1 cell", self.cells),
            ));
        }
        let a = self.activity_per_cell_bq;
        if !(a.is_finite() && a > 0.0) {
            return Err(spec_error(
                format!("{field}.activity_per_cell_bq"),
                format!("{a} Bq: expected a positive activity per cell"),
            ));
        }
        // the radii as the cellular S values check them, named in this entry
        if let Err(e) = self
            .svalue_spec("F-18", false, DecayData::default())
            .geometry()
        {
            let (f, m) = spec_error_of(&e)
                .map(|s| (s.field.clone(), s.message.clone()))
                .unwrap_or_else(|| ("cell_radius_um".into(), format!("{e:#}")));
            return Err(spec_error(format!("{field}.{f}"), m));
        }
        Ok(())
    }
}

/// The nucleus dose of a region's labelled cells beside the organ dose (per cycle).
#[derive(Clone, Debug, Serialize)]
pub struct LabelledCellDose {
    pub region: String,
    pub cells: f64,
    pub activity_per_cell_bq: f64,
    pub cell_radius_um: f64,
    pub nucleus_radius_um: f64,
    pub compartment: SourceRegion,
    /// the region's model TIA per cycle (MBq h): cells x activity per cell x the kinetics
    /// integral
    pub organ_tia_mbq_h: f64,
    /// the organ's mean dose per cycle by the reference method (Gy), also the cross-dose
    pub organ_dose_gy: f64,
    /// the reference method's name
    pub organ_dose_method: String,
    /// self-dose, cross-dose, S value and cumulated activity per cell (per cycle)
    pub nucleus: NucleusDose,
    /// nucleus dose / organ dose
    pub nucleus_to_organ_ratio: f64,
    /// nucleus dose over all cycles (Gy)
    pub nucleus_dose_gy_all_cycles: f64,
}

/// What [`labelled_cell_dose`] needs of the study besides the cells.
pub struct CellDoseInputs<'a> {
    pub nuclide: &'a str,
    pub chain: bool,
    pub decay_data: DecayData,
    pub cycles: u32,
    /// the reference dose method's name
    pub method: &'a str,
}

/// The nucleus dose of region `region`'s cells `lc`, given the region's model TIA per cycle
/// (Bq s) and its mean dose per cycle by the reference method (Gy).
///
/// # Errors
/// As [`nucleus_dose`] (unknown nuclide, S values that cannot be computed).
pub fn labelled_cell_dose(
    ctx: &crate::context::Context,
    input: &CellDoseInputs,
    region: &str,
    lc: &LabelledCells,
    organ_tia_bq_s: f64,
    organ_dose_gy: f64,
) -> Result<LabelledCellDose> {
    let spec = lc.svalue_spec(input.nuclide, input.chain, input.decay_data);
    let d = nucleus_dose(
        ctx,
        &spec,
        lc.compartment,
        organ_tia_bq_s / lc.cells,
        organ_dose_gy,
    )?;
    Ok(LabelledCellDose {
        region: region.to_string(),
        cells: lc.cells,
        activity_per_cell_bq: lc.activity_per_cell_bq,
        cell_radius_um: lc.cell_radius_um,
        nucleus_radius_um: lc.nucleus_radius_um,
        compartment: lc.compartment,
        organ_tia_mbq_h: organ_tia_bq_s / 3600.0 * 1e-6,
        organ_dose_gy,
        organ_dose_method: input.method.to_string(),
        nucleus: d,
        nucleus_to_organ_ratio: if organ_dose_gy > 0.0 {
            d.nucleus_dose_gy / organ_dose_gy
        } else {
            f64::INFINITY
        },
        nucleus_dose_gy_all_cycles: d.nucleus_dose_gy * input.cycles as f64,
    })
}

/// `labelled_cells.csv`: one row per region given as labelled cells (doses per cycle).
pub fn labelled_cells_csv(rows: &[LabelledCellDose]) -> String {
    let mut s = String::from(
        "region,cells,activity_per_cell_bq,cell_radius_um,nucleus_radius_um,compartment,\
         organ_tia_mbq_h,tia_per_cell_bq_s,s_nucleus_gy_per_bq_s,organ_dose_gy,self_dose_gy,\
         cross_dose_gy,nucleus_dose_gy,self_fraction,nucleus_to_organ_ratio,\
         nucleus_dose_gy_all_cycles\n",
    );
    for r in rows {
        let d = &r.nucleus;
        let _ = writeln!(
            s,
            "{},{:.6e},{:.6e},{},{},{},{:.6e},{:.6e},{:.6e},{:.6e},{:.6e},{:.6e},{:.6e},{:.6},{:.6e},{:.6e}",
            r.region,
            r.cells,
            r.activity_per_cell_bq,
            r.cell_radius_um,
            r.nucleus_radius_um,
            r.compartment.name(),
            r.organ_tia_mbq_h,
            d.cumulated_per_cell_bq_s,
            d.s_nucleus_gy_per_bq_s,
            r.organ_dose_gy,
            d.self_dose_gy,
            d.cross_dose_gy,
            d.nucleus_dose_gy,
            d.self_fraction,
            r.nucleus_to_organ_ratio,
            r.nucleus_dose_gy_all_cycles
        );
    }
    s
}

/// The report's section on the labelled cells (empty without them).
pub fn report_section(rows: &[LabelledCellDose]) -> String {
    let Some(first) = rows.first() else {
        return String::new();
    };
    let mut s = format!(
        "## Labelled cells: organ dose and nucleus dose\n\n\
         Regions given as labelled cells: the mean absorbed dose to the cells' nuclei is the \
         self-dose S(nucleus <- compartment) x the time-integrated activity per cell (the \
         region's model TIA / cells; analytic cellular S values, MIRD cellular S values, Goddu \
         et al. 1997) plus the cross-dose, taken as the organ's mean dose ({} method, from the \
         image-based TIA map). Doses per cycle.\n\n\
         | region | cells | activity per cell (Bq) | cell / nucleus radius (um) | label in | TIA per \
         cell (Bq s) | S(nucleus <- label) (Gy/(Bq s)) | organ dose (Gy) | nucleus self-dose (Gy) \
         | nucleus dose (Gy) | nucleus / organ |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
        first.organ_dose_method
    );
    for r in rows {
        let d = &r.nucleus;
        let _ = writeln!(
            s,
            "| {} | {:.3e} | {:.3e} | {} / {} | {} | {:.3e} | {:.3e} | {:.3e} | {:.3e} | {:.3e} | {:.3e} |",
            r.region,
            r.cells,
            r.activity_per_cell_bq,
            r.cell_radius_um,
            r.nucleus_radius_um,
            r.compartment.name(),
            d.cumulated_per_cell_bq_s,
            d.s_nucleus_gy_per_bq_s,
            r.organ_dose_gy,
            d.self_dose_gy,
            d.nucleus_dose_gy,
            r.nucleus_to_organ_ratio
        );
    }
    s.push('\n');
    for r in rows {
        let _ = writeln!(
            s,
            "- {}: the labelled cells' nuclei take {:.3e} Gy per cycle, {} the organ's mean dose \
             of {:.3e} Gy ({:.0} % of it from the cell's own label).",
            r.region,
            r.nucleus.nucleus_dose_gy,
            ratio_words(r.nucleus_to_organ_ratio),
            r.organ_dose_gy,
            100.0 * r.nucleus.self_fraction
        );
    }
    s.push('\n');
    s
}

/// "1.2e3 times" (or "10^3.1 times"-like words for a ratio).
fn ratio_words(ratio: f64) -> String {
    if !ratio.is_finite() {
        return "infinitely more than".into();
    }
    let orders = if ratio > 0.0 { ratio.log10() } else { 0.0 };
    if orders >= 1.0 {
        format!("{ratio:.3e} times (about {orders:.1} orders of magnitude above)")
    } else {
        format!("{ratio:.3} times")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells() -> LabelledCells {
        LabelledCells {
            cells: 1e6,
            activity_per_cell_bq: 0.05,
            cell_radius_um: 10.0,
            nucleus_radius_um: 6.0,
            compartment: SourceRegion::Cell,
        }
    }

    #[test]
    fn bad_cells_name_their_field() {
        let field = |lc: LabelledCells| {
            let e = lc.check("kinetics[1].labelled_cells").unwrap_err();
            spec_error_of(&e).unwrap().field.clone()
        };
        assert!(cells().check("k").is_ok());
        let mut c = cells();
        c.activity_per_cell_bq = -1.0;
        assert_eq!(field(c), "kinetics[1].labelled_cells.activity_per_cell_bq");
        let mut c = cells();
        c.cells = 0.0;
        assert_eq!(field(c), "kinetics[1].labelled_cells.cells");
        let mut c = cells();
        c.nucleus_radius_um = 12.0;
        assert_eq!(field(c), "kinetics[1].labelled_cells.nucleus_radius_um");
    }

    #[test]
    fn ratio_words_say_the_orders_of_magnitude() {
        assert!(ratio_words(1234.0).contains("3.1 orders"));
        assert_eq!(ratio_words(1.5), "1.500 times");
    }
}
