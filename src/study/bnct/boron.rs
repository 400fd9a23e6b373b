//! The 10B map of a BNCT study: from a simulated 18F-BPA (FBPA) PET, or uniform per region.
//!
//! FBPA PET: the true uptake is `blood_suv x uptake_to_blood[region]` (SUV) in every body voxel;
//! the project's PET simulation (positron range, system blur, attenuation, Poisson noise, OSEM)
//! measures it; the boron per voxel is then, as in clinical FBPA-based planning (10B in tissue
//! = 10B in blood x tissue-to-blood ratio of the PET; Ishiwata, Ann Nucl Med 33 (2019) 223,
//! PMC6450856),
//!   ppm_v = blood_ppm x SUV_v / SUV_blood,
//! with SUV_blood the measured mean SUV of the blood-pool region (its voxels at least a margin
//! away from other regions, against spill-in) divided by that region's tissue-to-blood ratio.
//! The map therefore follows the measured (blurred, noisy) uptake, partial-volume losses of a
//! small tumour included.

use super::spec::{BnctStudy, FbpaPart};
use crate::pet::metrics::suv_scale;
use crate::pet::phantom_activity::central_voxels;
use crate::pet::{simulate, PetOptions, Scanner};
use crate::phantom::Phantom;
use crate::source::nuclide::Nuclide;
use anyhow::{Context, Result};
use serde_json::json;

/// The boron map and the images it came from.
pub struct BoronMap {
    /// 10B (ug/g) per voxel; 0 outside the body
    pub ppm: Vec<f64>,
    /// the reconstructed FBPA image (SUV), with the PET source
    pub pet_suv: Option<Vec<f64>>,
    /// the true FBPA uptake (SUV), with the PET source
    pub truth_suv: Option<Vec<f64>>,
    /// what was done, for summary.json
    pub info: serde_json::Value,
}

/// The blood-pool reference margin (mm): `fbpa_pet.reference_margin_mm`, default twice the
/// scanner's transaxial FWHM.
fn margin_mm(p: &FbpaPart, scanner: &Scanner) -> f64 {
    p.reference_margin_mm
        .unwrap_or(2.0 * scanner.transaxial_fwhm_mm())
}

/// The blood-pool reference of the PET: the region `pool` eroded by `margin` mm (its central
/// voxels when the erosion leaves none). Returns the voxels, their description and their mean
/// SUV.
fn blood_pool(
    ph: &Phantom,
    pool: &str,
    suv: &[f64],
    margin: f64,
) -> Result<(Vec<u32>, String, f64)> {
    let id = ph.region_id(pool)?;
    let mut voxels = eroded(ph, id, margin);
    let mut reference = format!("{pool} voxels at least {margin:.1} mm from other regions");
    if voxels.is_empty() {
        voxels = central_voxels(ph, id);
        reference = format!("{pool}: central voxels (the {margin:.1} mm erosion left none)");
    }
    let pool_suv = voxels.iter().map(|&v| suv[v as usize]).sum::<f64>() / voxels.len() as f64;
    Ok((voxels, reference, pool_suv))
}

/// Builds the boron map of a study on its phantom.
///
/// # Errors
/// Unknown scanner or nuclide data, a failing PET simulation, an empty blood-pool region.
pub fn boron_map(study: &BnctStudy, ph: &Phantom) -> Result<BoronMap> {
    let b = &study.boron;
    let ratio: Vec<f64> = ph
        .regions
        .iter()
        .enumerate()
        .map(|(i, r)| {
            if i == 0 {
                0.0
            } else {
                study.uptake_to_blood(&r.name)
            }
        })
        .collect();
    let Some(p) = study.fbpa_pet.as_ref().filter(|_| b.source == "fbpa_pet") else {
        let ppm = ph
            .label
            .iter()
            .map(|&l| b.blood_ppm * ratio[l as usize])
            .collect();
        return Ok(BoronMap {
            ppm,
            pet_suv: None,
            truth_suv: None,
            info: json!({"source": "ratios", "blood_ppm": b.blood_ppm}),
        });
    };
    let f = study.file.display();
    let scanner = Scanner::load(&p.scanner).with_context(|| format!("{f}: fbpa_pet.scanner"))?;
    let nuc = Nuclide::load("F-18")?;
    let uptake_s = p.uptake_min * 60.0;
    let mass_g = p.body_mass_kg * 1e3;
    // SUV per (Bq/mL at scan start)
    let scale = suv_scale(p.injected_mbq * 1e6, mass_g, uptake_s, nuc.half_life_s)
        .with_context(|| format!("{f}: fbpa_pet"))?;
    let truth_suv: Vec<f64> = ph
        .label
        .iter()
        .map(|&l| p.blood_suv * ratio[l as usize])
        .collect();
    let activity: Vec<f64> = truth_suv.iter().map(|s| s / scale).collect();
    let opts = PetOptions {
        uptake_s: 0.0,
        duration_s: p.duration_s,
        iterations: p.iterations,
        subsets: p.subsets,
        noise: p.noise,
        seed: p.seed,
        positron_histories: p.positron_histories,
        post_filter_fwhm_mm: p.post_filter_mm,
        progress: false,
        ..Default::default()
    };
    let img = simulate(ph, &activity, "F-18", &scanner, &opts)
        .with_context(|| format!("{f}: the FBPA PET simulation"))?;
    let suv: Vec<f64> = img.recon_bq_ml.iter().map(|c| c * scale).collect();
    let pool = b.blood_pool_region.as_deref().unwrap_or_default();
    let (voxels, reference, pool_suv) = blood_pool(ph, pool, &suv, margin_mm(p, &scanner))?;
    let blood_suv = pool_suv / study.uptake_to_blood(pool);
    let ppm: Vec<f64> = (0..ph.len())
        .map(|v| {
            if ph.label[v] == 0 {
                0.0
            } else {
                b.blood_ppm * suv[v].max(0.0) / blood_suv
            }
        })
        .collect();
    let info = json!({
        "source": "fbpa_pet",
        "blood_ppm": b.blood_ppm,
        "scanner": scanner.name,
        "injected_mbq": p.injected_mbq,
        "uptake_min": p.uptake_min,
        "duration_s": p.duration_s,
        "iterations": p.iterations,
        "subsets": p.subsets,
        "noise": p.noise,
        "expected_trues": img.expected_trues,
        "prompts": img.prompts,
        "system_fwhm_mm": img.system_fwhm_mm,
        "positron_rms_mm": img.positron_rms_mm,
        "blood_pool_reference": reference,
        "blood_pool_voxels": voxels.len(),
        "blood_pool_suv_measured": pool_suv,
        "blood_suv_true": p.blood_suv,
        "blood_suv_measured": blood_suv,
    });
    Ok(BoronMap {
        ppm,
        pet_suv: Some(suv),
        truth_suv: Some(truth_suv),
        info,
    })
}

/// Voxels of region `id` at least `margin_mm` from any voxel of another label (or the grid
/// edge): the region eroded by whole voxels, 6-connected, ceil(margin / voxel) times.
pub fn eroded(ph: &Phantom, id: u16, margin_mm: f64) -> Vec<u32> {
    let d = ph.grid.dims;
    let vox = ph
        .grid
        .spacing_mm
        .iter()
        .cloned()
        .fold(f64::INFINITY, f64::min);
    let steps = (margin_mm / vox).ceil() as usize;
    let mut mask: Vec<bool> = ph.label.iter().map(|&l| l == id).collect();
    for _ in 0..steps {
        let prev = mask.clone();
        for (v, m) in mask.iter_mut().enumerate() {
            if !*m {
                continue;
            }
            let (i, j, k) = ph.ijk(v);
            let inside = |a: usize, lo: bool, n: usize| if lo { a > 0 } else { a + 1 < n };
            let (sx, sy) = (1, d[0]);
            let sz = d[0] * d[1];
            *m = inside(i, true, d[0])
                && inside(i, false, d[0])
                && inside(j, true, d[1])
                && inside(j, false, d[1])
                && inside(k, true, d[2])
                && inside(k, false, d[2])
                && prev[v - sx]
                && prev[v + sx]
                && prev[v - sy]
                && prev[v + sy]
                && prev[v - sz]
                && prev[v + sz];
        }
    }
    (0..ph.len() as u32).filter(|&v| mask[v as usize]).collect()
}
