//! Validation before computing (issue 20): everything a therapy study names that can be checked
//! without a history, for the nominal study and for every sweep point, so that a misspelled
//! sweep key or an unknown tissue is reported before the first Monte Carlo decay rather than
//! after the nominal run.

use super::spec::TherapyStudy;
use super::sweep::{combinations, point_table, Axis};
use crate::study::common::{spec_in_file, StudyOptions};
use anyhow::{Context as _, Result};
use std::path::Path;

/// Checks the names of a parsed study: the tissue of every `[biology.regions]` entry and the
/// default tissue exist (in `data/biology/tissues.toml` or the study's own `[biology.tissue]`),
/// and so do the baseline and follow-up tracers.
///
/// # Errors
/// The first unknown name, with the file and the field.
pub fn check_study(study: &TherapyStudy) -> Result<()> {
    let db = super::tissues::tissues(study)?;
    let b = &study.biology;
    check_region_names(study)?;
    let named = b
        .regions
        .iter()
        .map(|(r, t)| (format!("biology.regions.{r}"), t))
        .chain(
            b.default_tissue
                .iter()
                .map(|t| ("biology.default_tissue".to_string(), t)),
        );
    for (field, t) in named {
        db.tissue(t)
            .map_err(|e| spec_in_file(&study.file, &field, format!("{e:#}")))?;
    }
    let [(_, baseline), (_, followup)] = study.tracers()?;
    for (field, t) in [
        ("baseline_pet.tracer", baseline),
        ("followup.tracer", followup),
    ] {
        db.tracer(&t)
            .map_err(|e| spec_in_file(&study.file, field, format!("{e:#}")))?;
    }
    Ok(())
}

/// Checks that every region of `[biology.regions]` is one of the phantom's (from its definition,
/// before the dosimetry voxelises and transports).
fn check_region_names(study: &TherapyStudy) -> Result<()> {
    let ph = &study.dosimetry.phantom;
    let def = crate::phantom::builtin::load_def(&ph.builtin)
        .map_err(|e| spec_in_file(&study.file, "phantom.builtin", format!("{e:#}")))?;
    let names = def.region_names(&ph.groups);
    for r in study.biology.regions.keys() {
        if !names.contains(r) {
            return Err(spec_in_file(
                &study.file,
                &format!("biology.regions.{r}"),
                format!(
                    "phantom '{}' has no region '{r}': its regions are {}",
                    def.name,
                    names[1..].join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// Builds and checks the study of every sweep point (a misspelled dotted key makes the point's
/// table invalid: unknown fields are refused when it is parsed).
///
/// # Errors
/// The first invalid point, named by its values.
pub fn check_sweep(
    table: &toml::Table,
    file: &Path,
    axes: &[Axis],
    opts: &StudyOptions,
) -> Result<()> {
    for values in combinations(axes) {
        let name = axes
            .iter()
            .zip(&values)
            .map(|(a, v)| format!("{} = {v}", a.path))
            .collect::<Vec<_>>()
            .join(", ");
        let point = || -> Result<()> {
            let t = point_table(table, file, axes, &values)?;
            check_study(&TherapyStudy::from_table(t, file, opts.histories)?)
        };
        point().with_context(|| format!("sweep point {name}"))?;
    }
    Ok(())
}
