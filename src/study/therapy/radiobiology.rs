//! The radiobiology of a therapy study: per-voxel BED with the fitted kinetics of the voxel's
//! region, EQD2, gEUD, TCP of lesions, NTCP of organs at risk, surviving fractions and the cell
//! response at the follow-up scan.
//!
//! Assumptions (stated in the report):
//! - the dose-rate shape of a voxel is that of its region's fitted time-activity curve (the
//!   fit's signed exponential terms, G from [`crate::biology::gfactor::g_sum_of_exponentials`]);
//!   voxels of regions without a fit decay with the physical half-life;
//! - the low-LET dose is the reference dose minus its alpha part; the alpha part is
//!   RBE-weighted without repair ([`crate::biology::lq`]);
//! - cycles are identical and far apart: BEDs add; the response model gives each cycle its
//!   start time (`followup.cycle_interval_weeks`);
//! - voxels without a tissue (no `default_tissue`) get BED = dose (α/β = ∞, RBE 1) and a
//!   surviving fraction of 1; tissues without α have a surviving fraction of 1 (not modelled).

use super::spec::TherapyStudy;
use crate::biology::lq::{eqd2_voxels, geud_gy};
use crate::biology::region::{bed_map, region_ntcp, region_tcp};
use crate::biology::response::{relative_uptake_voxels, ResponseModel, ResponseParams};
use crate::biology::tissues::{Tissue, TissueDb, Tracer};
use crate::biology::DoseRateShape;
use crate::source::nuclide::Nuclide;
use crate::study::dosimetry::{DosimetryResult, RegionResult};
use anyhow::{bail, Context, Result};
use serde::Serialize;

pub use super::role::{role, Role};

/// Radiobiology of one region (doses over all cycles unless named per cycle).
#[derive(Clone, Debug, Serialize)]
pub struct RegionBio {
    pub name: String,
    pub label: u16,
    pub tissue: Option<String>,
    pub role: Role,
    pub voxels: usize,
    pub mass_g: f64,
    pub mean_dose_per_cycle_gy: f64,
    pub mean_dose_gy: f64,
    pub alpha_dose_gy: f64,
    /// relative uncertainty (1 sigma) of the dosimetry's reference mean dose
    pub rel_uncertainty: f64,
    pub effective_half_life_h: f64,
    pub uptake_half_time_h: f64,
    pub g_factor: f64,
    pub bed_gy: f64,
    pub eqd2_gy: f64,
    /// gEUD of the voxel EQD2 (Gy) with `geud_a`
    pub geud_gy: f64,
    pub geud_a: f64,
    pub tcp: Option<f64>,
    pub ntcp: Option<f64>,
    /// mean viable-cell fraction at the follow-up scan (lesions with response parameters)
    pub viable_fraction: Option<f64>,
}

/// Per-voxel maps and per-region results.
#[derive(Clone, Debug)]
pub struct Bio {
    /// dose over all cycles (Gy)
    pub total_dose_gy: Vec<f64>,
    pub bed_gy: Vec<f64>,
    pub surviving_fraction: Vec<f64>,
    /// follow-up tracer uptake relative to the baseline, per voxel
    pub relative_uptake: Vec<f64>,
    pub regions: Vec<RegionBio>,
    pub followup_h: f64,
    pub cycle_starts_h: Vec<f64>,
    /// the tissues as used (after the study's additions and overrides)
    pub tissues: TissueDb,
}

/// The dose-rate shape of a region's fit: its signed exponential terms when the fit has them
/// and they give a valid shape, else the fitted uptake half-time and effective half-life, else
/// the physical decay.
pub fn shape_of(r: Option<&RegionResult>, physical_half_life_h: f64) -> DoseRateShape {
    if let Some(r) = r.filter(|r| !r.exponential_terms.is_empty()) {
        let s = DoseRateShape::Exponentials {
            terms: r.exponential_terms.clone(),
        };
        if s.validate().is_ok() {
            return s;
        }
    }
    // a fit without a usable effective half-life falls back to the physical decay
    let te = r
        .map(|r| r.effective_half_life_h)
        .filter(|t| t.is_finite() && *t > 0.0)
        .unwrap_or(physical_half_life_h);
    match r.map(|r| r.uptake_half_time_h) {
        Some(tu) if tu.is_finite() && tu > 0.0 => DoseRateShape::UptakeExponential {
            uptake_half_time_h: tu,
            effective_half_life_h: te,
        },
        _ => DoseRateShape::Exponential {
            effective_half_life_h: te,
        },
    }
}

/// BED per voxel (Gy) of a region of tissue `t` over `cycles` cycles of per-cycle low-LET and
/// alpha doses `lo`, `al` (Gy), and the G-factor of its dose-rate shape.
fn region_bed(
    lo: &[f64],
    al: &[f64],
    shape: &DoseRateShape,
    t: &Tissue,
    cycles: u32,
) -> Result<(Vec<f64>, f64)> {
    Ok((
        bed_map(lo, Some(al), shape, t, cycles)?,
        shape.g_factor(t.repair_half_time_h)?,
    ))
}

/// The response of a lesion of tissue `t` (None without response parameters): the mean viable
/// fraction at the follow-up scan and the relative tracer uptake per voxel, from the per-cycle
/// low-LET and alpha doses `lo`, `al` (Gy) and the schedule (cycle starts, follow-up time; h).
fn response(
    t: &Tissue,
    shape: &DoseRateShape,
    (starts, followup_h): (&[f64], f64),
    lo: &[f64],
    al: &[f64],
    tracer: &Tracer,
) -> Result<Option<(f64, Vec<f64>)>> {
    let Ok(p) = ResponseParams::from_tissue(t) else {
        return Ok(None);
    };
    let model = ResponseModel::new(p, shape, starts, followup_h)?;
    let cells = model.voxels(lo, Some(al))?;
    let viable = cells.iter().map(|c| c.viable).sum::<f64>() / cells.len() as f64;
    let r = relative_uptake_voxels(&model, lo, Some(al), tracer)?;
    Ok(Some((viable, r)))
}

/// What [`region_bio`] summarises of one region: its voxels, per-cycle low-LET and alpha doses
/// (Gy), BED per voxel (Gy), G-factor, tissue, fit and viable fraction.
struct RegionInputs<'a> {
    id: usize,
    vox: &'a [usize],
    lo: &'a [f64],
    al: &'a [f64],
    bed: &'a [f64],
    g: f64,
    tissue: Option<(&'a str, &'a Tissue)>,
    fit: Option<&'a RegionResult>,
    viable: Option<f64>,
    /// relative uncertainty of the region's mean dose in the dosimetry's first (reference)
    /// method, for regions without a kinetics fit
    dose_rel: Option<f64>,
}

/// The radiobiology of one region: mean doses, BED, EQD2, gEUD, TCP (lesions) and NTCP (organs
/// with LKB parameters). `total` is the dose per voxel over all cycles (Gy).
fn region_bio(
    study: &TherapyStudy,
    ph: &crate::phantom::Phantom,
    total: &[f64],
    t_phys_h: f64,
    r: &RegionInputs,
) -> Result<RegionBio> {
    let (id, vox, lo, al, b, g, tissue, fit) =
        (r.id, r.vox, r.lo, r.al, r.bed, r.g, r.tissue, r.fit);
    let name = &ph.regions[id].name;
    let cycles = study.dosimetry.therapy.cycles;
    let role_r = tissue.map_or(Role::Other, |(_, t)| role(t));
    let tt = tissue.map(|(_, t)| t);
    let ab = tt.map_or(f64::INFINITY, |t| t.alpha_beta_gy);
    let eqd2 = eqd2_voxels(b, ab);
    let geud_a = match (role_r, tt.and_then(|t| t.lkb)) {
        (Role::Lesion, _) => study.biology.geud_a_tumour,
        (_, Some(l)) => 1.0 / l.n,
        _ => 1.0,
    };
    let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
    let voxel_cm3 = ph.voxel_volume_cm3();
    let mean_bed = mean(b);
    Ok(RegionBio {
        name: name.clone(),
        label: id as u16,
        tissue: tissue.map(|(n, _)| n.to_string()),
        role: role_r,
        voxels: vox.len(),
        mass_g: vox.iter().map(|&v| ph.voxel_mass_g(v)).sum(),
        mean_dose_per_cycle_gy: mean(lo) + mean(al),
        mean_dose_gy: vox.iter().map(|&v| total[v]).sum::<f64>() / vox.len() as f64,
        alpha_dose_gy: mean(al) * cycles as f64,
        rel_uncertainty: fit
            .map(|r| r.rel_uncertainty)
            .or(r.dose_rel)
            .unwrap_or(f64::NAN),
        effective_half_life_h: fit.map_or(t_phys_h, |r| r.effective_half_life_h),
        uptake_half_time_h: fit.map_or(0.0, |r| r.uptake_half_time_h),
        g_factor: g,
        bed_gy: mean_bed,
        eqd2_gy: if ab.is_finite() {
            mean_bed / (1.0 + 2.0 / ab)
        } else {
            mean_bed
        },
        geud_gy: geud_gy(&eqd2, geud_a),
        geud_a,
        tcp: match (role_r, tt) {
            (Role::Lesion, Some(t)) => Some(region_tcp(b, voxel_cm3, t)?),
            _ => None,
        },
        ntcp: match tt {
            Some(t) if t.lkb.is_some() => Some(region_ntcp(b, t)?),
            _ => None,
        },
        viable_fraction: r.viable,
    })
}

/// Checks that the dosimetry's maps cover the phantom and that every region of
/// `[biology.regions]` is one of the phantom's.
fn check_inputs(study: &TherapyStudy, dos: &DosimetryResult) -> Result<()> {
    let ph = &dos.phantom;
    let n = ph.len();
    for (what, len) in [
        ("dose_gy", dos.dose_gy.len()),
        ("alpha_gy", dos.alpha_gy.len()),
    ] {
        if len != n {
            bail!("dosimetry result: {what} has {len} voxels, expected {n} like the phantom");
        }
    }
    for r in study.biology.regions.keys() {
        ph.region_id(r).map_err(|e| {
            crate::study::common::spec_in_file(
                &study.file,
                &format!("biology.regions.{r}"),
                format!("{e:#}"),
            )
        })?;
    }
    Ok(())
}

/// The tissue of region `name` (its own, else the study's default tissue), with its name; None
/// when the study gives neither.
fn tissue_of<'a>(
    study: &'a TherapyStudy,
    db: &'a TissueDb,
    name: &str,
) -> Result<Option<(&'a str, &'a Tissue)>> {
    let t = match study.biology.regions.get(name) {
        Some(t) => Some(t.as_str()),
        None => study.biology.default_tissue.as_deref(),
    };
    t.map(|t| {
        db.tissue(t)
            .map(|x| (t, x))
            .with_context(|| format!("{}: biology, region '{name}'", study.file))
    })
    .transpose()
}

/// Runs the radiobiology on a dosimetry result whose per-cycle doses are scaled by `scale`.
///
/// # Errors
/// Unknown regions or tissues (named with the file and field), maps of the wrong size, invalid
/// kinetics.
pub fn evaluate(study: &TherapyStudy, dos: &DosimetryResult, scale: f64) -> Result<Bio> {
    let f = &study.file;
    let ph = &dos.phantom;
    let n = ph.len();
    check_inputs(study, dos)?;
    let db = super::tissues::tissues(study)?;
    let cycles = study.dosimetry.therapy.cycles;
    let therapy = &study.dosimetry.therapy;
    let t_phys_h = Nuclide::load_from(&therapy.nuclide, therapy.decay_data)?.half_life_s / 3600.0;
    let [_, (_, tracer_name)] = study.tracers()?;
    let tracer = db
        .tracer(&tracer_name)
        .with_context(|| format!("{f}: follow-up tracer"))?
        .clone();
    let (followup_h, starts) = study.schedule_h();

    let low: Vec<f64> = (0..n)
        .map(|v| ((dos.dose_gy[v] - dos.alpha_gy[v]) * scale).max(0.0))
        .collect();
    let alpha: Vec<f64> = dos.alpha_gy.iter().map(|a| (a * scale).max(0.0)).collect();
    let mut total = vec![0.0; n];
    let mut bed = vec![0.0; n];
    let mut sf = vec![1.0; n];
    let mut rel = vec![1.0; n];
    let mut by_label: Vec<Vec<usize>> = vec![Vec::new(); ph.regions.len()];
    for (v, &l) in ph.label.iter().enumerate() {
        by_label[l as usize].push(v);
        total[v] = (low[v] + alpha[v]) * cycles as f64;
    }
    let mut regions = Vec::new();
    for (id, vox) in by_label.iter().enumerate().skip(1) {
        if vox.is_empty() {
            continue;
        }
        let name = &ph.regions[id].name;
        let fit = dos.regions.iter().find(|r| r.name == *name);
        let shape = shape_of(fit, t_phys_h);
        let lo: Vec<f64> = vox.iter().map(|&v| low[v]).collect();
        let al: Vec<f64> = vox.iter().map(|&v| alpha[v]).collect();
        let tissue = tissue_of(study, &db, name)?;
        let (b, g) = match tissue {
            Some((_, t)) => region_bed(&lo, &al, &shape, t, cycles)
                .with_context(|| format!("region '{name}'"))?,
            None => (vox.iter().map(|&v| total[v]).collect(), 0.0),
        };
        for (k, &v) in vox.iter().enumerate() {
            bed[v] = b[k];
            if let Some(a) = tissue.and_then(|(_, t)| t.alpha_per_gy) {
                sf[v] = (-a * b[k]).exp();
            }
        }
        let mut viable = None;
        if let Some((_, t)) = tissue.filter(|(_, t)| role(t) == Role::Lesion) {
            let schedule = (starts.as_slice(), followup_h);
            if let Some((v, r)) = response(t, &shape, schedule, &lo, &al, &tracer)
                .with_context(|| format!("response model of region '{name}'"))?
            {
                viable = Some(v);
                for (k, &v) in vox.iter().enumerate() {
                    rel[v] = r[k];
                }
            }
        }
        // report regions with a tissue or a fit
        if tissue.is_none() && fit.is_none() {
            continue;
        }
        let inputs = RegionInputs {
            id,
            vox,
            lo: &lo,
            al: &al,
            bed: &b,
            g,
            tissue,
            fit,
            viable,
            dose_rel: dos
                .per_method
                .first()
                .and_then(|(_, rows)| rows.iter().find(|x| x.name == *name))
                .map(|x| x.rel_uncertainty),
        };
        regions.push(region_bio(study, ph, &total, t_phys_h, &inputs)?);
    }
    Ok(Bio {
        total_dose_gy: total,
        bed_gy: bed,
        surviving_fraction: sf,
        relative_uptake: rel,
        regions,
        followup_h,
        cycle_starts_h: starts,
        tissues: db,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::biology::gfactor::g_uptake_exponential;
    use crate::biology::lq::bed_gy;
    use std::collections::BTreeMap;
    use std::path::Path;

    fn study() -> TherapyStudy {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("studies/quickstart-ci.toml");
        let t = crate::study::common::read_table(&p).unwrap();
        let (t, _) = super::super::sweep::split_sweep(t, &p).unwrap();
        TherapyStudy::from_table(t, &p, None).unwrap()
    }

    fn fit(name: &str, tu: f64, te: f64) -> RegionResult {
        RegionResult {
            name: name.into(),
            mass_g: 0.0,
            tia_mbq_h: 0.0,
            tia_rel_uncertainty: 0.0,
            tia_true_mbq_h: 0.0,
            tia_model: "uptake".into(),
            effective_half_life_h: te,
            uptake_half_time_h: tu,
            mean_gy: BTreeMap::new(),
            rel_uncertainty: 0.01,
            d90_gy: 0.0,
            d50_gy: 0.0,
            d2_gy: 0.0,
            max_gy: 0.0,
            alpha_gy: 0.0,
            rbe_weighted_gy: 0.0,
            mean_gy_total: 0.0,
            exponential_terms: Vec::new(),
        }
    }

    /// A fake dosimetry: uniform dose per cycle in the lesions (20 Gy) and kidneys (4 Gy).
    fn fake() -> DosimetryResult {
        let ctx = crate::context::Context::load().unwrap();
        let groups = ["lesions".to_string()];
        let ph =
            crate::phantom::builtin::build("adult", &ctx.materials, Some(16.0), &groups).unwrap();
        let kid = ph.region_id("kidneys").unwrap();
        let dose: Vec<f64> = ph
            .label
            .iter()
            .map(|&l| match ph.regions[l as usize].name.as_str() {
                n if n.starts_with("lesion") => 20.0,
                _ if l == kid => 4.0,
                _ => 0.01,
            })
            .collect();
        let n = ph.len();
        DosimetryResult {
            phantom: ph,
            alpha_gy: vec![0.0; n],
            rel_uncertainty: vec![0.01; n],
            tia_bq_s: vec![0.0; n],
            dose_gy: dose,
            regions: vec![fit("kidneys", 1.0, 40.0), fit("lesion_1", 2.0, 80.0)],
            images_bq: Vec::new(),
            fits: Vec::new(),
            per_method: Vec::new(),
            svalues: None,
            labelled_cells: Vec::new(),
            summary: serde_json::Value::Null,
        }
    }

    #[test]
    fn uniform_doses_give_the_closed_form_bed_and_monotone_tcp() {
        let s = study();
        let dos = fake();
        let bio = evaluate(&s, &dos, 1.0).unwrap();
        let cycles = s.dosimetry.therapy.cycles as f64;
        let get = |b: &Bio, n: &str| b.regions.iter().find(|r| r.name == n).unwrap().clone();
        // kidneys: 4 Gy per cycle, uptake 1 h, effective 40 h, repair 2.8 h, a/b 2.6 (MIRD 20)
        let k = get(&bio, "kidneys");
        let g = g_uptake_exponential(1.0, 40.0, 2.8);
        assert!((k.g_factor - g).abs() < 1e-12);
        assert!(
            (k.bed_gy - cycles * bed_gy(4.0, g, 2.6)).abs() < 1e-9,
            "{k:?}"
        );
        assert!((k.mean_dose_gy - 4.0 * cycles).abs() < 1e-9);
        assert_eq!(k.role, Role::OrganAtRisk);
        // lesion_1 has its fit; lesion_2 falls back to the physical decay of Lu-177
        let l1 = get(&bio, "lesion_1");
        assert!((l1.g_factor - g_uptake_exponential(2.0, 80.0, 1.5)).abs() < 1e-12);
        assert_eq!(l1.role, Role::Lesion);
        let l2 = get(&bio, "lesion_2");
        assert!((l2.effective_half_life_h - 159.5).abs() < 0.5, "{l2:?}");
        for r in &bio.regions {
            assert!(r.bed_gy >= r.mean_dose_gy * (1.0 - 1e-12), "{}", r.name);
        }
        // twice the activity: TCP and NTCP do not fall, the viable fraction does not rise
        let bio2 = evaluate(&s, &dos, 2.0).unwrap();
        for r in &bio.regions {
            let r2 = get(&bio2, &r.name);
            assert!(r2.tcp.unwrap_or(0.0) >= r.tcp.unwrap_or(0.0), "{}", r.name);
            assert!(
                r2.ntcp.unwrap_or(0.0) >= r.ntcp.unwrap_or(0.0),
                "{}",
                r.name
            );
            if let (Some(a), Some(b)) = (r.viable_fraction, r2.viable_fraction) {
                assert!(b <= a, "{}", r.name);
            }
        }
        // relative uptake: lesions lose tracer, other voxels keep theirs
        let ph = &dos.phantom;
        for (v, u) in bio.relative_uptake.iter().enumerate() {
            let name = &ph.regions[ph.label[v] as usize].name;
            if name.starts_with("lesion") {
                assert!(*u < 1.0, "{name}: {u}");
            } else {
                assert_eq!(*u, 1.0);
            }
        }
    }
}
