//! The tissues of a therapy study: the tissue database (`data/biology/tissues.toml`) with the
//! study's extra tissues (`[biology.tissue.NAME]`), its RBE and its overrides
//! (`[biology.overrides.NAME]`).

use super::spec::TherapyStudy;
use crate::biology::tissues::TissueDb;
use crate::study::common::spec_in_file;
use anyhow::Result;

/// The tissue database with the study's extra tissues, overrides and RBE.
///
/// # Errors
/// An unreadable tissue file, an override of an unknown tissue, an invalid value.
pub fn tissues(study: &TherapyStudy) -> Result<TissueDb> {
    let f = &study.file;
    let mut db = TissueDb::load()?;
    let b = &study.biology;
    for (name, t) in &b.tissue {
        t.validate()
            .map_err(|e| spec_in_file(f, &format!("biology.tissue.{name}"), format!("{e:#}")))?;
        db.tissue.insert(name.clone(), t.clone());
    }
    // the study's RBE for every tissue, then the per-tissue overrides (which may set their own)
    let rbe = b.rbe_alpha.unwrap_or(study.dosimetry.therapy.rbe_alpha);
    for t in db.tissue.values_mut() {
        t.rbe_alpha = rbe;
    }
    for (name, o) in &b.overrides {
        let Some(t) = db.tissue.get_mut(name) else {
            return Err(spec_in_file(
                f,
                &format!("biology.overrides.{name}"),
                format!(
                    "unknown tissue, expected one of {:?}",
                    db.tissue.keys().collect::<Vec<_>>()
                ),
            ));
        };
        o.apply(t);
        t.validate()
            .map_err(|e| spec_in_file(f, &format!("biology.overrides.{name}"), format!("{e:#}")))?;
    }
    Ok(db)
}
