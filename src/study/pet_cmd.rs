//! `theradose pet`: a simulated PET scan of a phantom (see `crate::pet` for the model).
//!
//! Writes to `--out DIR`:
//! - `pet.nii.gz`: the reconstructed activity concentration at scan start (Bq/mL, f32);
//! - `truth.nii.gz`: the activity concentration the scan saw (Bq/mL at scan start, f32);
//! - `suv.nii.gz` with `--injected-mbq`: the reconstruction as body-weight SUV;
//! - `summary.json`: `mean_bq_ml_central` and `true_bq_ml_central`, the mean of the
//!   reconstruction and of the truth over the central 50% of the phantom's largest region
//!   (its voxels within a quarter of the region's extent from its centroid along each axis,
//!   `pet::phantom_activity::central_voxels`), with the inputs, version, seed and counts;
//! - `recovery.csv` (phantoms with `sphere_<d>mm` regions, e.g. `nema-iec`):
//!   `sphere_diameter_mm,recovery_mean,recovery_max`, reconstructed mean and maximum over each
//!   sphere's voxels divided by its true concentration;
//! - `pet.png`: the transverse slice of the reconstruction holding the most true activity.

use super::output::write_atomic;
use super::{build_phantom, PhantomSpec};
use crate::io::{self, Volume};
use crate::materials::MaterialDb;
use crate::pet::{metrics, phantom_activity as pa, simulate, PetOptions, Scanner};
use crate::phantom::Phantom;
use crate::plot;
use anyhow::{bail, Context, Result};
use serde_json::json;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Arguments of `theradose pet`.
#[derive(clap::Args, Debug)]
pub struct PetArgs {
    /// built-in phantom name (`theradose phantom list`, e.g. nema-iec) or a phantom TOML file
    #[arg(long)]
    pub phantom: String,
    /// activity concentration map (Bq/mL at scan start) on the phantom grid (NIfTI / MetaImage)
    #[arg(long)]
    pub activity: Option<PathBuf>,
    /// uniform concentration (Bq/mL) in every fillable region (not walls, lung or outside)
    #[arg(long)]
    pub uniform_bq_ml: Option<f64>,
    /// hot-region (sphere*, lesion*, tumour*) to background concentration ratio
    #[arg(long)]
    pub sphere_to_background: Option<f64>,
    /// background concentration (Bq/mL) in the largest region, with --sphere-to-background
    #[arg(long)]
    pub background_bq_ml: Option<f64>,
    /// positron emitter, e.g. F-18, Ga-68, Cu-64, Zr-89
    #[arg(long)]
    pub nuclide: String,
    /// scanner model: clinical, preclinical, or a scanner TOML file
    #[arg(long)]
    pub scanner: String,
    /// scan duration per bed position (s)
    #[arg(long)]
    pub duration_s: f64,
    /// reconstruct the expected counts (no Poisson noise)
    #[arg(long)]
    pub noise_free: bool,
    #[arg(long, default_value_t = 4)]
    pub iterations: usize,
    #[arg(long, default_value_t = 8)]
    pub subsets: usize,
    /// voxel size (mm; default: the scanner's, 4 clinical, 0.8 preclinical)
    #[arg(long)]
    pub voxel_mm: Option<f64>,
    /// optional shape groups of a built-in phantom (e.g. lesions, tumour)
    #[arg(long, value_delimiter = ',')]
    pub groups: Vec<String>,
    /// resolution modelling in the reconstruction
    #[arg(long)]
    pub psf: bool,
    /// Gaussian post-filter FWHM (mm)
    #[arg(long, default_value_t = 0.0)]
    pub post_filter_mm: f64,
    /// scatter fraction S/(T+S), e.g. the scanner's NEMA value
    #[arg(long, default_value_t = 0.0)]
    pub scatter_fraction: f64,
    /// randoms fraction R/(T+S+R)
    #[arg(long, default_value_t = 0.0)]
    pub randoms_fraction: f64,
    /// positron histories of the range kernel (0: no positron range)
    #[arg(long, default_value_t = 20_000)]
    pub positron_histories: u64,
    /// projection angles (default: pi/2 x image diagonal in voxels, at most crystals/2)
    #[arg(long)]
    pub views: Option<usize>,
    /// injected activity (MBq) for the SUV image
    #[arg(long)]
    pub injected_mbq: Option<f64>,
    /// body weight (kg) for SUV (default: the phantom's mass)
    #[arg(long)]
    pub weight_kg: Option<f64>,
    /// time from injection to scan start (min), for SUV
    #[arg(long, default_value_t = 60.0)]
    pub uptake_min: f64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long)]
    pub threads: Option<usize>,
    #[arg(long)]
    pub out: PathBuf,
}

/// Runs `theradose pet`.
pub fn run(args: &PetArgs) -> Result<()> {
    let start = Instant::now();
    let scanner = Scanner::load(&args.scanner)?;
    let voxel_mm = args.voxel_mm.unwrap_or(scanner.default_voxel_mm);
    let db = MaterialDb::load()?;
    let spec = PhantomSpec {
        builtin: Some(args.phantom.clone()),
        ct: None,
        labels: None,
        label_names: Default::default(),
        hu_calibration: None,
        voxel_mm: Some(voxel_mm),
        groups: args.groups.clone(),
    };
    let ph = build_phantom(&spec, &db)?;
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
        progress: true,
    };
    let pool = {
        let mut b = rayon::ThreadPoolBuilder::new();
        if let Some(t) = args.threads {
            b = b.num_threads(t.max(1));
        }
        b.build()?
    };
    let img = pool.install(|| simulate(&ph, &activity, &args.nuclide, &scanner, &opts))?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let write = |name: &str, data: &[f64], what: &str| -> Result<()> {
        let vol = Volume {
            grid: ph.grid.clone(),
            data: data.iter().map(|&x| x as f32).collect::<Vec<f32>>(),
        };
        io::write_volume(&args.out.join(name), &vol, what)?;
        Ok(())
    };
    write("pet.nii.gz", &img.recon_bq_ml, "theradose pet: OSEM Bq/mL")?;
    write(
        "truth.nii.gz",
        &img.truth_bq_ml,
        "theradose pet: truth Bq/mL",
    )?;

    let mut suv_json = serde_json::Value::Null;
    if let Some(mbq) = args.injected_mbq {
        let nuc = crate::source::nuclide::Nuclide::load(&args.nuclide)?;
        let mass_g = match args.weight_kg {
            Some(kg) => kg * 1e3,
            None => ph.region_masses_g().iter().skip(1).sum(),
        };
        let s = metrics::suv_scale(mbq * 1e6, mass_g, args.uptake_min * 60.0, nuc.half_life_s)?;
        let suv: Vec<f64> = img.recon_bq_ml.iter().map(|c| c * s).collect();
        write("suv.nii.gz", &suv, "theradose pet: SUV (body weight)")?;
        suv_json = json!({"injected_mbq": mbq, "body_mass_g": mass_g,
            "uptake_min": args.uptake_min, "suv_per_bq_ml": s});
    }

    let Some(bg) = pa::largest_region(&ph) else {
        bail!("phantom '{}' has no region besides outside", ph.name);
    };
    let central = pa::central_voxels(&ph, bg);
    let mean_c = metrics::suv_mean(&img.recon_bq_ml, &central);
    let true_c = metrics::suv_mean(&img.truth_bq_ml, &central);
    let recovery = pa::sphere_recovery(&ph, &img.recon_bq_ml, &img.truth_bq_ml);
    if !recovery.is_empty() {
        let mut csv = String::from("sphere_diameter_mm,recovery_mean,recovery_max\n");
        for r in &recovery {
            let _ = writeln!(csv, "{},{:.6},{:.6}", r.diameter_mm, r.mean, r.max);
        }
        write_atomic(&args.out.join("recovery.csv"), csv.as_bytes())?;
    }
    figure(
        &ph,
        &img.recon_bq_ml,
        &img.truth_bq_ml,
        &args.out.join("pet.png"),
    )?;
    let g = &img.geometry;
    let summary = json!({
        "mean_bq_ml_central": mean_c,
        "true_bq_ml_central": true_c,
        "central_region": ph.regions[bg as usize].name,
        "central_voxels": central.len(),
        "central_definition": "voxels of the largest region within a quarter of its extent \
            from its centroid along each axis",
        "version": crate::VERSION,
        "seed": args.seed,
        "inputs": {
            "phantom": args.phantom, "activity": activity_input, "nuclide": args.nuclide,
            "scanner": scanner.name, "duration_s": args.duration_s,
            "noise_free": args.noise_free, "iterations": args.iterations,
            "subsets": args.subsets, "voxel_mm": voxel_mm, "groups": args.groups,
            "psf": args.psf,
            "post_filter_mm": args.post_filter_mm, "scatter_fraction": args.scatter_fraction,
            "randoms_fraction": args.randoms_fraction,
            "positron_histories": args.positron_histories,
        },
        "scanner": scanner,
        "grid": {"dims": ph.grid.dims, "voxel_mm": ph.grid.spacing_mm},
        "sinogram": {"views": g.n_views, "bins": g.n_bins, "bin_mm": g.bin_mm,
            "planes": g.nz, "lors": g.n_lors()},
        "system_fwhm_mm": {"transaxial": img.system_fwhm_mm[0], "axial": img.system_fwhm_mm[1]},
        "positron_range_rms_1d_mm": img.positron_rms_mm,
        "decays_per_bq": img.decay_integral_s,
        "expected_trues": img.expected_trues,
        "prompts": img.prompts,
        "suv": suv_json,
        "recovery": recovery.iter().map(|r| json!({"region": r.region,
            "diameter_mm": r.diameter_mm, "mean": r.mean, "max": r.max}))
            .collect::<Vec<_>>(),
        "seconds": start.elapsed().as_secs_f64(),
    });
    write_atomic(
        &args.out.join("summary.json"),
        serde_json::to_string_pretty(&summary)?.as_bytes(),
    )?;
    eprintln!(
        "wrote {}: central mean {mean_c:.1} Bq/mL (true {true_c:.1})",
        args.out.display()
    );
    Ok(())
}

/// The activity map the options ask for, and a description of it for the summary.
fn activity_map(ph: &Phantom, a: &PetArgs) -> Result<(Vec<f64>, serde_json::Value)> {
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
            Ok((vol.data, json!({"file": p})))
        }
        (None, Some(c), None, None) => Ok((pa::uniform(ph, c)?, json!({"uniform_bq_ml": c}))),
        (None, None, Some(r), Some(c)) => Ok((
            pa::sphere_to_background(ph, r, c)?,
            json!({"sphere_to_background": r, "background_bq_ml": c}),
        )),
        _ => bail!(
            "pet: give one of --activity FILE, --uniform-bq-ml C, or --sphere-to-background R \
             with --background-bq-ml C"
        ),
    }
}

/// Transverse slice of the reconstruction holding the most true activity.
fn figure(ph: &Phantom, recon: &[f64], truth: &[f64], path: &Path) -> Result<()> {
    let [nx, ny, nz] = ph.grid.dims;
    let slab_sum = |k: usize| truth[k * nx * ny..(k + 1) * nx * ny].iter().sum::<f64>();
    let k = (0..nz).fold(0, |b, k| if slab_sum(k) > slab_sum(b) { k } else { b });
    let slab = k * nx * ny..(k + 1) * nx * ny;
    let title = format!("{}: reconstruction, slice z = {k}", ph.name);
    plot::slice_png(
        path,
        &plot::Slice {
            values: &recon[slab.clone()],
            width: nx,
            height: ny,
            pixel_mm: [ph.grid.spacing_mm[0], ph.grid.spacing_mm[1]],
        },
        &plot::SliceFigure {
            title: &title,
            colorbar_label: "activity (Bq/mL)",
            x_label: "x (mm)",
            y_label: "y (mm)",
            colormap: plot::Colormap::Inferno,
            log_scale: false,
            range: None,
            outline_labels: Some(&ph.label[slab]),
            isolines: &[],
        },
    )
}
