//! A simulated PET scan of a phantom (L5, `theradose pet`; see [`crate::pet`] for the model).
//!
//! [`scan`] returns the reconstruction and the truth in memory; [`PetScanResult::write`]
//! writes:
//! - `pet.nii.gz`: the reconstructed activity concentration at scan start (Bq/mL, f32);
//! - `truth.nii.gz`: the activity concentration the scan saw (Bq/mL at scan start, f32);
//! - `suv.nii.gz` with `injected_mbq`: the reconstruction as body-weight SUV;
//! - `summary.json`: `mean_bq_ml_central` and `true_bq_ml_central`, the mean of the
//!   reconstruction and of the truth over the central 50% of the phantom's largest region
//!   (its voxels within a quarter of the region's extent from its centroid along each axis,
//!   `pet::phantom_activity::central_voxels`), with the inputs, version, seed and counts;
//! - `recovery.csv` (phantoms with `sphere_<d>mm` regions, e.g. `nema-iec`):
//!   `sphere_diameter_mm,recovery_mean,recovery_max`, reconstructed mean and maximum over each
//!   sphere's voxels divided by its true concentration.
//!
//! The command line adds `pet.png`, the transverse slice holding the most true activity.

use crate::context::Context;
use crate::io::{self, write_file_atomic, Volume};
use crate::pet::phantom_activity::{self as pa, Recovery};
use crate::pet::scan_summary::{
    PetActivity, PetFwhm, PetGrid, PetInputs, PetRecovery, PetScanSummary, PetSinogram, PetSuv,
};
use crate::pet::{metrics, simulate, PetOptions, Scanner};
use crate::phantom::Phantom;
use crate::run::problem::build_phantom;
use crate::spec_bail;
use anyhow::{bail, Context as _, Result};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A PET scan (the TOML section of `theradose pet`; fields named like its flags).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PetScanSpec {
    /// built-in phantom name (e.g. nema-iec) or a phantom TOML file; or a CT in HU (DICOM
    /// folder or file, NIfTI, MetaImage), scanned on its own grid
    pub phantom: String,
    /// with a CT phantom: its regions (label map on the CT grid, RTSTRUCT or DICOM SEG)
    #[serde(default)]
    pub labels: Option<PathBuf>,
    /// names of the ids of a `labels` label map (JSON or CSV `id,name`)
    #[serde(default)]
    pub label_names: Option<PathBuf>,
    /// with a CT `phantom` folder holding several CT series: the SeriesInstanceUID to use
    #[serde(default)]
    pub series: Option<String>,
    /// activity concentration map (Bq/mL at scan start) on the phantom grid
    #[serde(default)]
    pub activity: Option<PathBuf>,
    /// uniform concentration (Bq/mL) in every fillable region (not walls, lung or outside)
    #[serde(default)]
    pub uniform_bq_ml: Option<f64>,
    /// hot-region (sphere*, lesion*, tumour*) to background concentration ratio
    #[serde(default)]
    pub sphere_to_background: Option<f64>,
    /// background concentration (Bq/mL) in the largest region, with `sphere_to_background`
    #[serde(default)]
    pub background_bq_ml: Option<f64>,
    /// positron emitter, e.g. F-18, Ga-68, Cu-64, Zr-89
    pub nuclide: String,
    /// scanner model: clinical, preclinical, or a scanner TOML file
    pub scanner: String,
    /// scan duration per bed position (s)
    pub duration_s: f64,
    /// reconstruct the expected counts (no Poisson noise)
    #[serde(default)]
    pub noise_free: bool,
    /// OSEM iterations
    #[serde(default = "default_iterations")]
    pub iterations: usize,
    /// OSEM subsets
    #[serde(default = "default_subsets")]
    pub subsets: usize,
    /// voxel size (mm; default: the scanner's, 4 clinical, 0.8 preclinical)
    #[serde(default)]
    pub voxel_mm: Option<f64>,
    /// optional shape groups of a built-in phantom (e.g. lesions, tumour)
    #[serde(default)]
    pub groups: Vec<String>,
    /// resolution modelling in the reconstruction
    #[serde(default)]
    pub psf: bool,
    /// Gaussian post-filter FWHM (mm)
    #[serde(default)]
    pub post_filter_mm: f64,
    /// scatter fraction S/(T+S)
    #[serde(default)]
    pub scatter_fraction: f64,
    /// randoms fraction R/(T+S+R)
    #[serde(default)]
    pub randoms_fraction: f64,
    /// positron histories of the range kernel (0: no positron range)
    #[serde(default = "default_positron_histories")]
    pub positron_histories: u64,
    /// projection angles (default: pi/2 x image diagonal in voxels, at most crystals/2)
    #[serde(default)]
    pub views: Option<usize>,
    /// injected activity (MBq) for the SUV image
    #[serde(default)]
    pub injected_mbq: Option<f64>,
    /// body weight (kg) for SUV (default: the phantom's mass)
    #[serde(default)]
    pub weight_kg: Option<f64>,
    /// time from injection to scan start (min), for SUV
    #[serde(default = "default_uptake_min")]
    pub uptake_min: f64,
    /// random seed
    #[serde(default = "crate::run::spec::default_seed")]
    pub seed: u64,
    /// worker threads (default: all cores)
    #[serde(default)]
    pub threads: Option<usize>,
    /// progress messages on stderr
    #[serde(default)]
    pub progress: bool,
    /// decay data of `nuclide`: "icrp107" (ICRP-107, the default) or "endf" (ENDF/B-VIII.1)
    #[serde(default)]
    pub decay_data: crate::source::DecayData,
}

/// Default of [`PetScanSpec::iterations`]: 4.
pub fn default_iterations() -> usize {
    4
}
/// Default of [`PetScanSpec::subsets`]: 8.
pub fn default_subsets() -> usize {
    8
}
/// Default of [`PetScanSpec::positron_histories`]: 20 000.
pub fn default_positron_histories() -> u64 {
    20_000
}
/// Default of [`PetScanSpec::uptake_min`]: 60 min.
pub fn default_uptake_min() -> f64 {
    60.0
}

/// A simulated scan: images on the phantom grid and the summary.
#[derive(Clone, Debug)]
pub struct PetScanResult {
    /// the phantom scanned
    pub phantom: Phantom,
    /// reconstructed activity concentration at scan start (Bq/mL)
    pub recon_bq_ml: Vec<f64>,
    /// activity concentration the scan saw (Bq/mL at scan start)
    pub truth_bq_ml: Vec<f64>,
    /// the reconstruction as body-weight SUV (with `injected_mbq`)
    pub suv: Option<Vec<f64>>,
    /// recovery of every `sphere_<d>mm` region
    pub recovery: Vec<Recovery>,
    /// `summary.json`
    pub summary: PetScanSummary,
}

impl PetScanResult {
    /// Writes `pet.nii.gz`, `truth.nii.gz`, `suv.nii.gz` (with SUV), `recovery.csv` (with
    /// spheres) and `summary.json` into the folder `out`.
    ///
    /// # Errors
    /// A folder or file that cannot be written.
    pub fn write(&self, out: &Path) -> Result<()> {
        std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
        let write = |name: &str, data: &[f64], what: &str| -> Result<()> {
            let vol = Volume {
                grid: self.phantom.grid.clone(),
                data: data.iter().map(|&x| x as f32).collect::<Vec<f32>>(),
            };
            io::write_volume(&out.join(name), &vol, what)?;
            Ok(())
        };
        write("pet.nii.gz", &self.recon_bq_ml, "theradose pet: OSEM Bq/mL")?;
        write(
            "truth.nii.gz",
            &self.truth_bq_ml,
            "theradose pet: truth Bq/mL",
        )?;
        if let Some(suv) = &self.suv {
            write("suv.nii.gz", suv, "theradose pet: SUV (body weight)")?;
        }
        if !self.recovery.is_empty() {
            let mut csv = String::from("sphere_diameter_mm,recovery_mean,recovery_max\n");
            for r in &self.recovery {
                let _ = writeln!(csv, "{},{:.6},{:.6}", r.diameter_mm, r.mean, r.max);
            }
            write_file_atomic(&out.join("recovery.csv"), csv.as_bytes())?;
        }
        write_file_atomic(
            &out.join("summary.json"),
            serde_json::to_string_pretty(&self.summary)?.as_bytes(),
        )
    }
}

/// Simulates the scan of a spec.
///
/// # Errors
/// An unknown scanner, phantom or nuclide, activity options that are not exactly one of
/// `activity`, `uniform_bq_ml` or `sphere_to_background` with `background_bq_ml`, an activity
/// map on another grid, a failed simulation.
pub fn scan(ctx: &Context, args: &PetScanSpec) -> Result<PetScanResult> {
    let start = Instant::now();
    let scanner = Scanner::load(&args.scanner)?;
    let voxel_mm = args.voxel_mm.unwrap_or(scanner.default_voxel_mm);
    let spec = crate::run::phantom_arg::phantom_spec(
        &args.phantom,
        args.labels.as_deref(),
        args.label_names.as_deref(),
        args.series.as_deref(),
        Some(voxel_mm),
        &args.groups,
    )?;
    let ph = build_phantom(&spec, &ctx.materials)?;
    let (activity, activity_input) = activity_map(&ph, args)?;
    let opts = PetOptions {
        // the activity options give the concentration at scan start
        uptake_s: 0.0,
        duration_s: args.duration_s,
        iterations: args.iterations,
        subsets: args.subsets,
        noise: !args.noise_free,
        seed: args.seed,
        psf_recon: args.psf,
        positron_histories: args.positron_histories,
        scatter_fraction: args.scatter_fraction,
        randoms_fraction: args.randoms_fraction,
        post_filter_fwhm_mm: args.post_filter_mm,
        views: args.views,
        progress: args.progress,
    };
    let pool = crate::run::pool::thread_pool(args.threads)?;
    let nuclide = args.decay_data.qualify(&args.nuclide);
    let img = pool.install(|| simulate(&ph, &activity, &nuclide, &scanner, &opts))?;
    let (suv, suv_json) = suv_image(args, &ph, &img.recon_bq_ml)?;
    let Some(bg) = pa::largest_region(&ph) else {
        bail!("phantom '{}' has no region besides outside", ph.name);
    };
    let central = pa::central_voxels(&ph, bg);
    let mean_c = metrics::suv_mean(&img.recon_bq_ml, &central);
    let true_c = metrics::suv_mean(&img.truth_bq_ml, &central);
    let recovery = pa::sphere_recovery(&ph, &img.recon_bq_ml, &img.truth_bq_ml);
    let g = &img.geometry;
    let summary = PetScanSummary {
        central_definition: "voxels of the largest region within a quarter of its extent \
            from its centroid along each axis"
            .into(),
        central_region: ph.regions[bg as usize].name.clone(),
        central_voxels: central.len(),
        decays_per_bq: img.decay_integral_s,
        expected_trues: img.expected_trues,
        grid: PetGrid {
            dims: ph.grid.dims,
            voxel_mm: ph.grid.spacing_mm,
        },
        inputs: inputs_of(args, activity_input, &scanner.name, voxel_mm),
        mean_bq_ml_central: mean_c,
        positron_range_rms_1d_mm: img.positron_rms_mm,
        prompts: img.prompts,
        recovery: recovery.iter().map(PetRecovery::from).collect(),
        scanner,
        seconds: start.elapsed().as_secs_f64(),
        seed: args.seed,
        sinogram: PetSinogram {
            bin_mm: g.bin_mm,
            bins: g.n_bins,
            lors: g.n_lors(),
            planes: g.nz,
            views: g.n_views,
        },
        suv: suv_json,
        system_fwhm_mm: PetFwhm {
            axial: img.system_fwhm_mm[1],
            transaxial: img.system_fwhm_mm[0],
        },
        true_bq_ml_central: true_c,
        version: crate::VERSION.into(),
    };
    Ok(PetScanResult {
        phantom: ph,
        recon_bq_ml: img.recon_bq_ml,
        truth_bq_ml: img.truth_bq_ml,
        suv,
        recovery,
        summary,
    })
}

/// The inputs of a scan for its summary: the spec's values, the activity map's description,
/// the scanner's name and the voxel size used.
fn inputs_of(args: &PetScanSpec, activity: PetActivity, scanner: &str, voxel_mm: f64) -> PetInputs {
    PetInputs {
        activity,
        decay_data: crate::source::DecayData::of_name(&args.nuclide, args.decay_data)
            .unwrap_or(args.decay_data),
        duration_s: args.duration_s,
        groups: args.groups.clone(),
        iterations: args.iterations,
        noise_free: args.noise_free,
        nuclide: args.nuclide.clone(),
        phantom: args.phantom.clone(),
        positron_histories: args.positron_histories,
        post_filter_mm: args.post_filter_mm,
        psf: args.psf,
        randoms_fraction: args.randoms_fraction,
        scanner: scanner.to_string(),
        scatter_fraction: args.scatter_fraction,
        subsets: args.subsets,
        voxel_mm,
    }
}

/// The SUV image of the reconstruction and its summary (null without `injected_mbq`).
fn suv_image(
    args: &PetScanSpec,
    ph: &Phantom,
    recon_bq_ml: &[f64],
) -> Result<(Option<Vec<f64>>, Option<PetSuv>)> {
    let Some(mbq) = args.injected_mbq else {
        return Ok((None, None));
    };
    let nuc = crate::source::nuclide::Nuclide::load_from(&args.nuclide, args.decay_data)?;
    let mass_g = match args.weight_kg {
        Some(kg) => kg * 1e3,
        None => ph.region_masses_g().iter().skip(1).sum(),
    };
    let s = metrics::suv_scale(mbq * 1e6, mass_g, args.uptake_min * 60.0, nuc.half_life_s)?;
    let suv: Vec<f64> = recon_bq_ml.iter().map(|c| c * s).collect();
    let info = PetSuv {
        body_mass_g: mass_g,
        injected_mbq: mbq,
        suv_per_bq_ml: s,
        uptake_min: args.uptake_min,
    };
    Ok((Some(suv), Some(info)))
}

/// The activity map the options ask for, and a description of it for the summary.
fn activity_map(ph: &Phantom, a: &PetScanSpec) -> Result<(Vec<f64>, PetActivity)> {
    match (
        &a.activity,
        a.uniform_bq_ml,
        a.sphere_to_background,
        a.background_bq_ml,
    ) {
        (Some(p), None, None, None) => {
            let vol = io::read_volume(p)?;
            let spacing_ok =
                (0..3).all(|a| (vol.grid.spacing_mm[a] - ph.grid.spacing_mm[a]).abs() < 1e-3);
            if vol.grid.dims != ph.grid.dims || !spacing_ok {
                bail!(
                    "{}: dimensions {} of {:?} mm voxels, expected {} like phantom '{}' at {} mm \
                     voxels",
                    p.display(),
                    vol.grid.dims_string(),
                    vol.grid.spacing_mm,
                    ph.grid.dims_string(),
                    ph.name,
                    ph.grid.spacing_mm[0]
                );
            }
            Ok((vol.data, PetActivity::File { file: p.clone() }))
        }
        (None, Some(c), None, None) => Ok((
            pa::uniform(ph, c)?,
            PetActivity::Uniform { uniform_bq_ml: c },
        )),
        (None, None, Some(r), Some(c)) => Ok((
            pa::sphere_to_background(ph, r, c)?,
            PetActivity::Spheres {
                background_bq_ml: c,
                sphere_to_background: r,
            },
        )),
        _ => spec_bail!(
            "activity",
            "give one of activity (a file), uniform_bq_ml, or sphere_to_background with \
             background_bq_ml"
        ),
    }
}
