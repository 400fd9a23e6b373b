//! Dosimetry studies (issue 6): a radiopharmaceutical therapy in a built-in phantom, from a
//! stated kinetic model per region to synthetic serial activity images (with the resolution
//! and noise of a SPECT/PET image), time-activity fits and time-integrated activity, and the
//! absorbed dose by Monte Carlo, voxel S-values and local deposition, per cycle and for all
//! cycles, with DVHs, TAC figures and the method comparison.
//!
//! A study file holds the sections of [`DosimetrySpec`] (see `studies/lu177-psma.toml`); the
//! therapy chain of issue 7 (`studies/quickstart.toml`) embeds the same sections and calls
//! [`run`] for the dose.

use super::dose::{run_files, DoseFiles};
use super::dosimetry_images as images;
use super::dosimetry_report as report;
use super::output;
use super::{build_phantom, PhantomSpec};
use crate::dosimetry::kinetics::voxel::{fit_regions, tia_map, VoxelFitOptions};
use crate::dosimetry::kinetics::{Model, ModelChoice, TacFit, TacOptions, TrapezoidStart};
use crate::dosimetry::ldm::{energy_split, ldm_dose};
use crate::dosimetry::regions::RegionDose;
use crate::io::{read_volume, write_volume, Volume};
use crate::materials::MaterialDb;
use crate::phantom::Phantom;
use crate::plot::tac::{tac_png, TacFigure};
use crate::source::nuclide::Nuclide;
use crate::source::Spectrum;
use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::f64::consts::LN_2 as LN2;
use std::path::Path;

/// The phantom of a study.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StudyPhantom {
    /// built-in phantom name or phantom TOML
    pub builtin: String,
    /// voxel size (mm), also the voxel size of the synthetic images
    pub voxel_mm: f64,
    /// shape groups to include (e.g. "lesions")
    #[serde(default)]
    pub groups: Vec<String>,
}

/// The administered therapy.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TherapySpec {
    /// e.g. "Lu-177" or "Ac-225"
    pub nuclide: String,
    /// the decay chain at secular equilibrium in the source (Ac-225: true)
    #[serde(default)]
    pub chain: bool,
    /// administered activity per cycle (MBq)
    pub activity_per_cycle_mbq: f64,
    /// number of identical cycles
    #[serde(default = "one")]
    pub cycles: u32,
    /// RBE of the alpha dose (reported separately, RBE-weighted), default 5
    #[serde(default = "rbe_default")]
    pub rbe_alpha: f64,
}

fn one() -> u32 {
    1
}
fn rbe_default() -> f64 {
    5.0
}

/// The kinetics of one region: a fraction of the administered activity taken up with an uptake
/// half-time and washed out with a biological half-life (physical decay on top):
/// A(t) = A0 f (exp(-(lb + lp) t) - exp(-(lu + lb + lp) t)), l = ln2 / half-time.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RegionKinetics {
    /// region name of the phantom
    pub region: String,
    /// fraction of the administered activity at the uptake plateau (no decay)
    pub uptake_fraction: f64,
    pub uptake_half_time_h: f64,
    pub biological_half_life_h: f64,
    /// where the value comes from (a paper, or "assumed")
    #[serde(default)]
    pub source: String,
}

/// How the serial images are made.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ImagingSpec {
    /// scan times after administration (h)
    pub times_h: Vec<f64>,
    /// image resolution (FWHM, mm)
    pub fwhm_mm: f64,
    /// relative noise (1 sigma) of a voxel holding the mean activity concentration of the
    /// hottest region at the first scan; Poisson-like (sigma ~ sqrt(value))
    pub noise_rel: f64,
    #[serde(default = "one_u64")]
    pub seed: u64,
}

fn one_u64() -> u64 {
    1
}

/// Which dose methods run and with what statistics.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DoseSpec {
    /// any of "mc", "vsv", "ldm" (the first is the reference of the comparison)
    pub methods: Vec<String>,
    /// Monte Carlo decays
    pub histories: u64,
    /// stop the Monte Carlo when the first region of `target_regions` has reached this
    /// relative uncertainty (1 sigma) on its mean dose (optional; name the statistically
    /// hardest region first, usually the smallest lesion: the larger regions are then below it,
    /// as `doses.csv` reports)
    pub target_uncertainty: Option<f64>,
    #[serde(default)]
    pub target_regions: Vec<String>,
    #[serde(default = "one_u64")]
    pub seed: u64,
    /// TIA model of the region fits: "auto" (AICc), "mono", "bi", "tri", "uptake",
    /// "trapezoid" (voxels are fitted mono-exponentially, falling back to the trapezoid)
    #[serde(default = "auto")]
    pub tia_model: String,
    /// decays per voxel S-value kernel (per chain member and tissue kernel)
    #[serde(default = "kernel_histories_default")]
    pub kernel_histories: u64,
    /// decays per source region of the organ S-values (MIRD organ dose = sum of fitted region
    /// TIA x S, compared with the voxel methods as "organ-s"; 0 skips it)
    #[serde(default = "organ_s_histories_default")]
    pub organ_s_histories: u64,
}

fn organ_s_histories_default() -> u64 {
    200_000
}

fn kernel_histories_default() -> u64 {
    2_000_000
}

fn auto() -> String {
    "auto".into()
}

/// The sections of a dosimetry study.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DosimetrySpec {
    pub phantom: StudyPhantom,
    pub therapy: TherapySpec,
    pub kinetics: Vec<RegionKinetics>,
    pub imaging: ImagingSpec,
    pub dose: DoseSpec,
}

/// Per-region results of a dosimetry study (doses per cycle unless named `_total`).
#[derive(Clone, Debug, Serialize)]
pub struct RegionResult {
    pub name: String,
    pub mass_g: f64,
    /// TIA per cycle from the fit of the region's image TAC (MBq h) and its relative
    /// uncertainty; the true (model) TIA beside it
    pub tia_mbq_h: f64,
    pub tia_rel_uncertainty: f64,
    pub tia_true_mbq_h: f64,
    pub tia_model: String,
    /// effective half-life of the fitted washout (h) and uptake half-time (h, 0 if instant)
    pub effective_half_life_h: f64,
    pub uptake_half_time_h: f64,
    /// mean absorbed dose per cycle by method name ("mc", "vsv", "ldm", "organ-s")
    pub mean_gy: std::collections::BTreeMap<String, f64>,
    /// relative uncertainty (1 sigma) of the reference (first method's) mean dose
    pub rel_uncertainty: f64,
    pub d90_gy: f64,
    pub d50_gy: f64,
    pub d2_gy: f64,
    pub max_gy: f64,
    /// alpha part of the reference mean dose per cycle (Gy, 0 without alphas) and the
    /// RBE-weighted mean dose per cycle
    pub alpha_gy: f64,
    pub rbe_weighted_gy: f64,
    /// over all cycles
    pub mean_gy_total: f64,
    /// the fitted TAC as signed exponential terms (amplitude in Bq, rate per h), for the
    /// G-factor of the BED; empty for the trapezoid
    pub exponential_terms: Vec<(f64, f64)>,
}

/// What a dosimetry study returns to the therapy chain.
pub struct DosimetryResult {
    pub phantom: crate::phantom::Phantom,
    /// reference dose per voxel per cycle (Gy), its low-LET and alpha parts, and the
    /// relative uncertainty per voxel
    pub dose_gy: Vec<f64>,
    pub alpha_gy: Vec<f64>,
    pub rel_uncertainty: Vec<f64>,
    /// TIA per voxel per cycle used as the source (Bq s)
    pub tia_bq_s: Vec<f64>,
    pub regions: Vec<RegionResult>,
}

/// Runs a dosimetry study into `out`: `images/` (synthetic serial images, Bq/mL), `tac/`
/// (region TAC fits, PNG), `tia.nii.gz` (Bq s per voxel per cycle), `dose_<method>/` (the
/// `dose` command's outputs per method, per cycle), `doses.csv` (per region: TIA, fits, mean
/// dose per method per cycle and for all cycles), `comparison.csv`/`comparison.png` (methods
/// against the first) and `summary.json`.
///
/// # Errors
/// Bad study values (named by field), unknown regions or nuclides, I/O errors.
pub fn run(spec: &DosimetrySpec, out: &Path, threads: Option<usize>) -> Result<DosimetryResult> {
    check(spec)?;
    let db = MaterialDb::load()?;
    let ph = build_phantom(
        &PhantomSpec {
            builtin: Some(spec.phantom.builtin.clone()),
            ct: None,
            labels: None,
            label_names: Default::default(),
            hu_calibration: None,
            voxel_mm: Some(spec.phantom.voxel_mm),
            groups: spec.phantom.groups.clone(),
        },
        &db,
    )?;
    let ids = images::validate(spec, &ph)?;
    let nuclide = Nuclide::load(&spec.therapy.nuclide).context("therapy.nuclide")?;
    let lambda_p = nuclide.lambda_per_s() * 3600.0;
    std::fs::create_dir_all(out.join("images"))
        .with_context(|| format!("cannot create {}", out.display()))?;
    std::fs::create_dir_all(out.join("tac"))?;
    // 1. serial images
    let times = &spec.imaging.times_h;
    eprintln!(
        "dosimetry: {} synthetic images of {} ({} regions)",
        times.len(),
        ph.name,
        ids.len()
    );
    let blurred: Vec<Vec<f64>> = times
        .iter()
        .map(|&t| images::blurred(spec, &ph, &images::true_map(spec, &ph, &ids, lambda_p, t)))
        .collect();
    let c_ref = images::hottest_mean(&ph, &ids, &blurred[0]);
    let mut imgs = blurred;
    let inv_ml = 1.0 / ph.voxel_volume_cm3();
    for (j, img) in imgs.iter_mut().enumerate() {
        images::add_noise(spec, img, c_ref, j as u64);
        // the body outline masks the image (voxels of air hold no activity)
        for (v, x) in img.iter_mut().enumerate() {
            if ph.density[v] < 0.01 {
                *x = 0.0;
            }
        }
        write_volume(
            &out.join("images")
                .join(format!("activity_{:.0}h.nii.gz", times[j])),
            &Volume {
                grid: ph.grid.clone(),
                data: img.iter().map(|&x| (x * inv_ml) as f32).collect(),
            },
            &format!(
                "theradose {} synthetic activity Bq/mL at {} h",
                crate::VERSION,
                times[j]
            ),
        )?;
    }
    let stack: Vec<&[f64]> = imgs.iter().map(|x| x.as_slice()).collect();
    // 2. region fits and TAC figures
    let choice = match spec.dose.tia_model.as_str() {
        "auto" => ModelChoice::Auto,
        m => ModelChoice::Fixed(Model::from_name(m).ok_or_else(|| {
            anyhow!("dose.tia_model '{m}': expected auto, mono, bi, tri, uptake or trapezoid")
        })?),
    };
    let rel_sigma = spec.imaging.noise_rel.max(0.02);
    let fits = fit_regions(
        times,
        &stack,
        &ph.label,
        &ids,
        rel_sigma,
        &TacOptions::new(choice, Some(lambda_p)),
    )?;
    for (k, f) in spec.kinetics.iter().zip(&fits) {
        tac_figure(
            &out.join("tac").join(format!("{}.png", k.region)),
            &k.region,
            times,
            &stack,
            &ph,
            f,
        )?;
    }
    // 3. voxel TIA map
    eprintln!("dosimetry: voxel TIA fits");
    let (mut tia, _tia_unc) = tia_map(
        times,
        &stack,
        &VoxelFitOptions {
            choice: ModelChoice::Fixed(Model::Mono),
            lambda_phys_per_h: lambda_p,
            rel_sigma,
            trapezoid_start: TrapezoidStart::Zero,
        },
    )?;
    for (v, x) in tia.iter_mut().enumerate() {
        if ph.density[v] < 0.01 || !x.is_finite() {
            *x = 0.0;
        }
    }
    let tia_path = out.join("tia.nii.gz");
    write_volume(
        &tia_path,
        &Volume {
            grid: ph.grid.clone(),
            data: tia.clone(),
        },
        &format!("theradose {} TIA Bq s per voxel per cycle", crate::VERSION),
    )?;
    // 4. doses
    let cache = out.parent().unwrap_or(Path::new(".")).join("vsv-cache");
    let mut per_method: Vec<(String, Vec<RegionDose>)> = Vec::new();
    let mut reference: Option<(Vec<f64>, Vec<f64>)> = None;
    for m in &spec.dose.methods {
        eprintln!("dosimetry: dose by {m}");
        let dir = out.join(format!("dose_{m}"));
        let mut a = DoseFiles::with_method(
            m,
            &spec.phantom.builtin,
            &tia_path,
            &spec.therapy.nuclide,
            &dir,
        )?;
        a.groups = spec.phantom.groups.clone();
        a.spec.chain = spec.therapy.chain;
        a.spec.histories = spec.dose.histories;
        a.spec.seed = spec.dose.seed;
        a.spec.threads = threads;
        a.spec.target_uncertainty = spec.dose.target_uncertainty;
        a.spec.region = spec.dose.target_regions.first().cloned();
        a.spec.kernel_cache = Some(cache.clone());
        a.spec.kernel_histories = spec.dose.kernel_histories;
        a.spec.tissue_kernels = true;
        a.spec.density_correction = true;
        let rows = run_files(&crate::context::Context::load()?, &a)?.regions;
        if reference.is_none() {
            let d = read_volume(&dir.join("dose.nii.gz"))?.data;
            let u = read_volume(&dir.join("uncertainty.nii.gz"))
                .map(|v| v.data)
                .unwrap_or_else(|_| vec![0.0; d.len()]);
            reference = Some((d, u));
        }
        per_method.push((m.clone(), rows));
    }
    let (dose, unc) = reference.expect("at least one method");
    // 5. alpha part: alphas and recoils stop within about 0.1 mm, so locally at voxel scale
    let spectrum = Spectrum::nuclide(&spec.therapy.nuclide, spec.therapy.chain)?;
    let split = energy_split(&spectrum);
    let mass: Vec<f64> = (0..ph.len()).map(|v| ph.voxel_mass_g(v)).collect();
    let alpha = ldm_dose(&tia, split.alpha_recoil_mev, &mass);
    let mut regions =
        report::region_results(spec, &ph, &ids, &fits, &per_method, &alpha, lambda_p)?;
    if spec.dose.organ_s_histories > 0 {
        organ_doses(spec, out, threads, &mut regions)?;
    }
    report::write_tables(spec, out, &ph, &regions, &per_method, &dose)?;
    let summary = json!({
        "version": crate::VERSION,
        "study": spec,
        "phantom": {"name": ph.name, "dims": ph.grid.dims, "voxel_mm": ph.grid.spacing_mm},
        "physical_half_life_h": LN2 / lambda_p,
        "energy_per_decay_mev": split,
        "alpha_dose": "alpha and recoil energy deposited in the decay voxel (ranges below 0.1 mm)",
        "image_noise_reference_bq_per_voxel": c_ref,
        "regions": regions,
    });
    output::write_atomic(
        &out.join("summary.json"),
        serde_json::to_string_pretty(&summary)?.as_bytes(),
    )?;
    Ok(DosimetryResult {
        phantom: ph,
        dose_gy: dose,
        alpha_gy: alpha,
        rel_uncertainty: unc,
        tia_bq_s: tia,
        regions,
    })
}

/// Organ-level MIRD doses: S-values of the kinetics regions as sources (all regions as targets)
/// by Monte Carlo (`svalues.csv`), and each kinetics region's dose per cycle =
/// sum over sources of the fitted TIA x S(region <- source), stored as method "organ-s".
fn organ_doses(
    spec: &DosimetrySpec,
    out: &Path,
    threads: Option<usize>,
    regions: &mut [RegionResult],
) -> Result<()> {
    eprintln!("dosimetry: organ S-values");
    let file = crate::dosimetry::svalues::nuclide_run_file(
        &spec.phantom.builtin,
        Some(spec.phantom.voxel_mm),
        &spec.phantom.groups,
        &spec.therapy.nuclide,
        spec.therapy.chain,
        spec.dose.organ_s_histories,
        spec.dose.seed,
    )?;
    let sources: Vec<String> = spec.kinetics.iter().map(|k| k.region.clone()).collect();
    let ctx = crate::context::Context::load()?;
    let table = crate::dosimetry::svalues::compute(&ctx, file, &sources, threads)?;
    output::write_atomic(&out.join("svalues.csv"), table.csv().as_bytes())?;
    let tia: Vec<(String, f64)> = regions
        .iter()
        .map(|r| (r.name.clone(), r.tia_mbq_h * 3600.0))
        .collect();
    let doses = table.organ_dose_gy(&tia)?;
    for r in regions.iter_mut() {
        if let Some((_, d)) = doses.iter().find(|(n, _)| *n == r.name) {
            r.mean_gy.insert(report::ORGAN_S.to_string(), *d);
        }
    }
    Ok(())
}

/// Checks the numbers of a study (the phantom and kinetics are checked against the phantom
/// in [`images::validate`]).
fn check(spec: &DosimetrySpec) -> Result<()> {
    let t = &spec.therapy;
    if !(t.activity_per_cycle_mbq.is_finite() && t.activity_per_cycle_mbq > 0.0) {
        bail!(
            "therapy.activity_per_cycle_mbq = {}: expected a positive activity",
            t.activity_per_cycle_mbq
        );
    }
    if t.cycles == 0 {
        bail!("therapy.cycles = 0: expected at least 1");
    }
    if spec.dose.methods.is_empty() {
        bail!("dose.methods is empty: expected some of \"mc\", \"vsv\", \"ldm\"");
    }
    for m in &spec.dose.methods {
        if !matches!(m.as_str(), "mc" | "vsv" | "ldm") {
            bail!("dose.methods: '{m}', expected mc, vsv or ldm");
        }
    }
    if spec.dose.histories == 0 {
        bail!("dose.histories = 0: expected at least 1");
    }
    if !(spec.imaging.fwhm_mm >= 0.0 && spec.imaging.noise_rel >= 0.0) {
        bail!("imaging.fwhm_mm and imaging.noise_rel must be >= 0");
    }
    Ok(())
}

/// TAC figure of one region: image values (MBq) with the fit and its 95% band.
fn tac_figure(
    path: &Path,
    region: &str,
    times: &[f64],
    stack: &[&[f64]],
    ph: &Phantom,
    fit: &TacFit,
) -> Result<()> {
    let id = ph.region_id(region)?;
    let vox = ph.region_voxels(id);
    let values: Vec<f64> = stack
        .iter()
        .map(|img| vox.iter().map(|&v| img[v as usize]).sum::<f64>() * 1e-6)
        .collect();
    let t_end = times.last().copied().unwrap_or(1.0) * 1.3;
    let ts: Vec<f64> = (0..=200).map(|i| t_end * i as f64 / 200.0).collect();
    let curve: Vec<(f64, f64)> = ts.iter().map(|&t| (t, fit.eval(t) * 1e-6)).collect();
    let sd: Vec<f64> = ts
        .iter()
        .map(|&t| fit.eval_sd(t).unwrap_or(0.0) * 1e-6)
        .collect();
    let lo: Vec<f64> = curve
        .iter()
        .zip(&sd)
        .map(|(c, s)| (c.1 - 1.96 * s).max(0.0))
        .collect();
    let hi: Vec<f64> = curve.iter().zip(&sd).map(|(c, s)| c.1 + 1.96 * s).collect();
    let label = format!("{} fit, TIA {:.3e} MBq h", fit.model.name(), fit.tia * 1e-6);
    tac_png(
        path,
        &TacFigure {
            title: &format!("{region}: time-activity curve (image region sum)"),
            y_label: "activity (MBq)",
            times_h: times,
            values: &values,
            errors: None,
            curve: &curve,
            curve_label: &label,
            band: Some((&lo, &hi)),
        },
    )
}

/// Reads a study file of `kind = "dosimetry"` (keys `name`, `description`, `kind` and the
/// sections of [`DosimetrySpec`]) and runs it into `out` (default `results/<name>`).
/// `histories` overrides `dose.histories`.
pub fn run_file(
    path: &Path,
    out: Option<&Path>,
    histories: Option<u64>,
    threads: Option<usize>,
) -> Result<DosimetryResult> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read study file {}", path.display()))?;
    let mut value: toml::Table =
        toml::from_str(&text).with_context(|| format!("{}: invalid TOML", path.display()))?;
    let name = match value.remove("name") {
        Some(toml::Value::String(s)) => s,
        _ => bail!("{}: expected name = \"...\"", path.display()),
    };
    value.remove("description");
    match value.remove("kind") {
        Some(toml::Value::String(k)) if k == "dosimetry" => {}
        other => bail!(
            "{}: kind = {other:?}, expected \"dosimetry\"",
            path.display()
        ),
    }
    let mut spec: DosimetrySpec = toml::Value::Table(value)
        .try_into()
        .with_context(|| format!("{}: invalid dosimetry study", path.display()))?;
    if let Some(h) = histories {
        spec.dose.histories = h;
    }
    let out = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new("results").join(&name));
    run(&spec, &out, threads)
}
