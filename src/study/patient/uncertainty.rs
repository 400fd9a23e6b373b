//! The uncertainty budget of a patient study (issue 19): the therapy budget's sampling
//! ([`crate::study::therapy::uncertainty`]) on the patient's regions, with the mean absorbed
//! dose of the reference method as the one quantity (a patient study has no radiobiology).
//! Inputs: image calibration, recovery, segmented volume, the region TAC fit (its parameter
//! covariance), the reference method's Monte Carlo statistics and the decay data, from
//! `[uncertainty]` over `data/biology/uncertainty.toml`. On by default (`samples = 1000`);
//! `[uncertainty] samples = 0` turns it off.

use super::run::PatientResult;
use super::spec::PatientSpec;
use crate::biology::DoseRateShape;
use crate::study::therapy::radiobiology::Role;
use crate::study::therapy::uncertainty::model::{Bins, RegionCase, MAX_BINS};
use crate::study::therapy::uncertainty::sample::Problem;
use crate::study::therapy::uncertainty::{kinetics_of_fit, solve, Budget};
use anyhow::Result;
use std::f64::consts::LN_2;
use std::time::Instant;

/// What the report says the patient budget assumes.
pub const ASSUMPTIONS: &str = "\nAssumptions of the budget: the transport is not rerun (the \
     dose is linear in the activity); a region's dose scales with its own activity (self-dose; \
     cross-fire from other regions moves with them only through the shared calibration and \
     decay data); recovery and volume act on the mean dose as factors; the quantity is the \
     mean dose of the reference method (the first of `dose.methods`).\n";

/// The budget of a patient study's result; None when `[uncertainty] samples = 0` or no dose
/// was computed.
///
/// # Errors
/// A bad `[uncertainty]` section (also caught by [`PatientSpec::check`]).
pub fn budget(r: &PatientResult, spec: &PatientSpec) -> Result<Option<Budget>> {
    let u = &spec.uncertainty;
    let Some(reference) = r.doses.first() else {
        return Ok(None);
    };
    if u.samples == 0 {
        return Ok(None);
    }
    let start = Instant::now();
    let ph = &r.phantom;
    let physical_h = LN_2 / r.lambda_phys_per_h;
    let mut regions = Vec::new();
    for g in &r.regions {
        let Some(row) = reference.regions.iter().find(|x| x.name == g.name) else {
            continue;
        };
        let dose: Vec<f64> = ph
            .region_voxels(g.id)
            .iter()
            .map(|&v| reference.dose_gy[v as usize].max(0.0))
            .collect();
        let half_life = if g.effective_half_life_h.is_finite() && g.effective_half_life_h > 0.0 {
            g.effective_half_life_h
        } else {
            physical_h
        };
        let fallback = DoseRateShape::Exponential {
            effective_half_life_h: half_life,
        };
        regions.push(RegionCase {
            name: g.name.clone(),
            role: Role::Other,
            tissue: None,
            bins: Bins::of(&dose, &vec![0.0; dose.len()], MAX_BINS),
            voxel_cm3: ph.voxel_volume_cm3(),
            cycles: 1,
            geud_a: 1.0,
            mean_dose_gy: row.mean_gy,
            kinetics: kinetics_of_fit(g.fit.as_ref(), &fallback),
            fallback_shape: fallback,
            mc_rel: if row.rel_uncertainty.is_finite() {
                row.rel_uncertainty
            } else {
                0.0
            },
            response: None,
            dose_only: true,
        });
    }
    let problem = Problem {
        regions,
        inputs: u.resolve("the study")?,
        samples: u.samples,
        seed: u.seed.unwrap_or(spec.dose.seed),
    };
    Ok(Some(solve(&problem, start)))
}
