//! Radiobiology of a BNCT treatment: the weighted (photon-isoeffective) dose of each region
//! feeds the project's linear-quadratic module (`crate::biology`), as for the radionuclide
//! therapies: BED with the Lea–Catcheside factor of a constant dose rate over the irradiation
//! time ([`crate::biology::gfactor::g_constant_rate`]), EQD2, the population TCP of tissues with
//! a radiosensitivity and clonogen density (tumours), and the LKB NTCP of tissues with LKB
//! parameters.
//!
//! The weighted dose D_w = CBE D_B + RBE (D_N + D_H) + D_gamma is treated as one low-LET dose
//! (the model of `crate::biology::lq`): the CBE/RBE factors already carry the high-LET
//! effectiveness, so applying the LQ repair term to all of D_w is the usual first-order
//! approximation; a photon-isoeffective model with separate dose-response per component
//! (González & Santa Cruz 2012) is not built.

use super::spec::BnctStudy;
use crate::biology::gfactor::g_constant_rate;
use crate::biology::lq::{bed_voxels, eqd2_gy};
use crate::biology::region::{region_ntcp, region_tcp};
use crate::biology::tissues::{Tissue, TissueDb};
use crate::phantom::Phantom;
use anyhow::{bail, Context, Result};
use std::fmt::Write as _;

/// Radiobiology of one region over the treatment.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BioRow {
    pub region: String,
    pub tissue: String,
    pub alpha_beta_gy: f64,
    pub repair_half_time_h: f64,
    /// Lea–Catcheside factor of the constant dose rate over the treatment
    pub g_factor: f64,
    /// mass-weighted mean weighted dose (Gy-eq)
    pub weighted_mean_gy_eq: f64,
    /// mass-weighted mean of the voxel BEDs (Gy)
    pub bed_gy: f64,
    /// EQD2 of that mean BED (Gy)
    pub eqd2_gy: f64,
    /// population TCP (tissues with alpha and clonogen density)
    pub tcp: Option<f64>,
    /// LKB NTCP (tissues with LKB parameters)
    pub ntcp: Option<f64>,
}

/// The tissue of each evaluated region: the study's `[biology.regions]` map, or by default the
/// tumour region as `tumour`.
fn region_tissues(study: &BnctStudy) -> Vec<(String, String)> {
    match &study.biology {
        Some(b) if !b.regions.is_empty() => b
            .regions
            .iter()
            .map(|(r, t)| (r.clone(), t.clone()))
            .collect(),
        _ => vec![(study.tumour_region().to_string(), "tumour".to_string())],
    }
}

/// Checks the radiobiology inputs before any Monte Carlo: every region of `[biology.regions]`
/// exists in `ph` and its tissue is an inline `[biology.tissue]` entry that validates or a
/// tissue of the shared table (errors name the file and the field, as [`evaluate`]'s).
///
/// # Errors
/// A mapped region or tissue that does not exist, an invalid inline tissue.
pub fn check(study: &BnctStudy, ph: &Phantom) -> Result<()> {
    let f = study.file.display();
    let db = TissueDb::load()?;
    let inline = study.biology.as_ref().map(|b| &b.tissue);
    for (region, tname) in region_tissues(study) {
        if !ph.regions.iter().any(|r| r.name == region) {
            bail!("{f}: biology.regions.{region}: the phantom has no region '{region}'");
        }
        match inline.and_then(|t| t.get(&tname)) {
            Some(t) => t
                .validate()
                .with_context(|| format!("{f}: biology.tissue.{tname}"))?,
            None => {
                db.tissue(&tname)
                    .with_context(|| format!("{f}: biology.regions.{region}"))?;
            }
        }
    }
    study.prescription_kind()?;
    Ok(())
}

/// Evaluates every mapped region of `ph` with the treatment's weighted dose map (`weighted_gy`,
/// Gy-eq per voxel over the treatment) delivered at a constant rate over `treatment_h` hours.
///
/// # Errors
/// A mapped region or tissue that does not exist (named with the file and field), an invalid
/// inline tissue, or a tissue without the parameters of TCP/NTCP when they are needed.
pub fn evaluate(
    study: &BnctStudy,
    ph: &Phantom,
    weighted_gy: &[f64],
    treatment_h: f64,
) -> Result<Vec<BioRow>> {
    let f = study.file.display();
    let db = TissueDb::load()?;
    let inline = study.biology.as_ref().map(|b| &b.tissue);
    let voxel_cm3 = ph.voxel_cm.iter().product::<f64>();
    let mut rows = Vec::new();
    for (region, tname) in region_tissues(study) {
        let Some(id) = ph.regions.iter().position(|r| r.name == region) else {
            bail!("{f}: biology.regions.{region}: the phantom has no region '{region}'");
        };
        let tissue: &Tissue = match inline.and_then(|t| t.get(&tname)) {
            Some(t) => {
                t.validate()
                    .with_context(|| format!("{f}: biology.tissue.{tname}"))?;
                t
            }
            None => db
                .tissue(&tname)
                .with_context(|| format!("{f}: biology.regions.{region}"))?,
        };
        let vox = ph.region_voxels(id as u16);
        if vox.is_empty() {
            continue;
        }
        let dose: Vec<f64> = vox.iter().map(|&v| weighted_gy[v as usize]).collect();
        let mass: Vec<f64> = vox.iter().map(|&v| ph.voxel_mass_g(v as usize)).collect();
        let m: f64 = mass.iter().sum();
        let g = g_constant_rate(treatment_h, tissue.repair_half_time_h);
        let bed = bed_voxels(&dose, g, tissue.alpha_beta_gy);
        let mean = |x: &[f64]| x.iter().zip(&mass).map(|(a, w)| a * w).sum::<f64>() / m;
        let bed_mean = mean(&bed);
        let tcp = match (tissue.alpha_per_gy, tissue.clonogen_density_per_cm3) {
            (Some(_), Some(_)) => Some(region_tcp(&bed, voxel_cm3, tissue)?),
            _ => None,
        };
        let ntcp = match tissue.lkb {
            Some(_) => Some(region_ntcp(&bed, tissue)?),
            None => None,
        };
        rows.push(BioRow {
            region,
            tissue: tname,
            alpha_beta_gy: tissue.alpha_beta_gy,
            repair_half_time_h: tissue.repair_half_time_h,
            g_factor: g,
            weighted_mean_gy_eq: mean(&dose),
            bed_gy: bed_mean,
            eqd2_gy: eqd2_gy(bed_mean, tissue.alpha_beta_gy),
            tcp,
            ntcp,
        });
    }
    Ok(rows)
}

/// `radiobiology.csv`: one row per evaluated region (empty cells where TCP/NTCP do not apply).
pub fn csv(rows: &[BioRow]) -> String {
    let mut s = String::from(
        "region,tissue,alpha_beta_gy,repair_half_time_h,g_factor,weighted_mean_gy_eq,bed_gy,\
         eqd2_gy,tcp,ntcp\n",
    );
    let opt = |x: Option<f64>| x.map_or(String::new(), |v| format!("{v:.6}"));
    for r in rows {
        let _ = writeln!(
            s,
            "{},{},{},{},{:.9},{:.6e},{:.6e},{:.6e},{},{}",
            r.region,
            r.tissue,
            r.alpha_beta_gy,
            r.repair_half_time_h,
            r.g_factor,
            r.weighted_mean_gy_eq,
            r.bed_gy,
            r.eqd2_gy,
            opt(r.tcp),
            opt(r.ntcp)
        );
    }
    s
}

/// The report section: the table and the model's assumptions.
pub fn report_md(rows: &[BioRow], treatment_h: f64) -> String {
    let mut s = String::from("\n## Radiobiology\n\n");
    let _ = writeln!(
        s,
        "The weighted dose of each region is taken as a low-LET dose delivered at a constant rate \
         over the {:.1} min irradiation (Lea-Catcheside G of a constant rate; tissue parameters \
         from `data/biology/tissues.toml` or the study's `[biology.tissue]`); the CBE/RBE \
         factors carry the high-LET effectiveness. `radiobiology.csv` holds the table.\n",
        treatment_h * 60.0
    );
    s.push_str("| region | tissue | G | D_w (Gy-eq) | BED (Gy) | EQD2 (Gy) | TCP | NTCP |\n");
    s.push_str("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
    let opt = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.3}"));
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {:.3} | {:.2} | {:.2} | {:.2} | {} | {} |",
            r.region,
            r.tissue,
            r.g_factor,
            r.weighted_mean_gy_eq,
            r.bed_gy,
            r.eqd2_gy,
            opt(r.tcp),
            opt(r.ntcp)
        );
    }
    s
}
