//! `theradose dose`: absorbed dose from a time-integrated activity map by one of three methods
//! (issue 6):
//! - `mc`: full Monte Carlo with the TIA map as the source on the phantom's materials (every
//!   radiation of each decay; electrons, positrons, alphas and photons transported);
//! - `vsv`: voxel S-value convolution by FFT, with kernels made by the project's own `vsv`
//!   command for the map's voxel size (cached in `--kernel-cache`), optional density correction
//!   and tissue-class kernels (see [`crate::dosimetry::svconv`]);
//! - `ldm`: local deposition of the non-penetrating energy (see [`crate::dosimetry::ldm`]).
//!
//! The phantom is voxelised at the map's voxel size and the map must lie on its grid. Writes
//! `dose.nii.gz` (Gy), `regions.csv`, `dvh.csv`, `dvh.png`, `dose_coronal.png` and
//! `summary.json`; `mc` also writes `uncertainty.nii.gz` and can be resumed (`tally.bin`).

use super::output::{self, RunOptions};
use super::{build_phantom, PhantomSpec, RunFile, RunSpec, SourceSpec};
use crate::dosimetry::ldm::{energy_split, ldm_dose};
use crate::dosimetry::regions::{dvh, dvh_csv, region_dose, regions_csv, RegionDose};
use crate::dosimetry::svconv::vsv_dose;
use crate::dosimetry::vsv_cache::{kernel_set, KernelOptions};
use crate::io::{read_volume, write_volume, Volume};
use crate::materials::MaterialDb;
use crate::phantom::Phantom;
use crate::plot::{self, Series};
use crate::source::Spectrum;
use anyhow::{bail, Context, Result};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Arguments of `theradose dose`.
#[derive(clap::Args, Debug, Clone)]
pub struct DoseArgs {
    /// mc (Monte Carlo), vsv (voxel S-value convolution) or ldm (local deposition)
    #[arg(long)]
    pub method: String,
    /// built-in phantom name (`theradose phantom list`) or phantom TOML; voxelised at the
    /// voxel size of --tia
    #[arg(long)]
    pub phantom: String,
    /// optional shape groups of the phantom, e.g. lesions
    #[arg(long, value_delimiter = ',')]
    pub groups: Vec<String>,
    /// time-integrated activity map (Bq s per voxel, NIfTI or MetaImage) on the phantom grid
    #[arg(long)]
    pub tia: PathBuf,
    /// radionuclide, e.g. Lu-177
    #[arg(long)]
    pub nuclide: String,
    /// include the decay chain at secular equilibrium (e.g. Ac-225 and its daughters)
    #[arg(long)]
    pub chain: bool,
    /// Monte Carlo decays (mc)
    #[arg(long, default_value_t = 1_000_000)]
    pub histories: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// worker threads (default: all cores); results do not depend on it
    #[arg(long)]
    pub threads: Option<usize>,
    /// mc: stop when the mean dose of --region reaches this relative uncertainty (1 sigma)
    #[arg(long)]
    pub target_uncertainty: Option<f64>,
    /// region for --target-uncertainty
    #[arg(long)]
    pub region: Option<String>,
    /// vsv: kernel medium (ignored with --tissue-kernels)
    #[arg(long, default_value = "soft-tissue")]
    pub kernel_medium: String,
    /// vsv: one kernel per tissue class (soft-tissue, lung, cortical-bone) by voxel material
    #[arg(long)]
    pub tissue_kernels: bool,
    /// vsv: scale the dose by kernel density / voxel density
    #[arg(long)]
    pub density_correction: bool,
    /// vsv: kernel half-width in voxels (S for offsets 0..n-1 per axis); default covers 6 cm
    #[arg(long)]
    pub kernel_n: Option<usize>,
    /// vsv: decays per kernel (per chain member)
    #[arg(long, default_value_t = 2_000_000)]
    pub kernel_histories: u64,
    /// vsv: folder of cached kernels (default results/vsv-cache)
    #[arg(long)]
    pub kernel_cache: Option<PathBuf>,
    /// doses (Gy) for the V(x Gy) columns of regions.csv
    #[arg(long, value_delimiter = ',', default_values_t = vec![2.0, 5.0, 10.0, 20.0])]
    pub v_gy: Vec<f64>,
    /// extra region: a mask volume on the phantom grid (nonzero voxels), named by its file
    #[arg(long)]
    pub mask: Vec<PathBuf>,
    /// also write the dose as DICOM RT Dose (DIR/dose.dcm, 32-bit, DoseGridScaling)
    #[arg(long)]
    pub dicom: bool,
    /// output folder
    #[arg(long)]
    pub out: PathBuf,
}

impl DoseArgs {
    /// The command's defaults for a method, phantom, TIA file, nuclide and output folder.
    pub fn new(method: &str, phantom: &str, tia: &Path, nuclide: &str, out: &Path) -> DoseArgs {
        DoseArgs {
            method: method.into(),
            phantom: phantom.into(),
            groups: Vec::new(),
            tia: tia.to_path_buf(),
            nuclide: nuclide.into(),
            chain: false,
            histories: 1_000_000,
            seed: 1,
            threads: None,
            target_uncertainty: None,
            region: None,
            kernel_medium: "soft-tissue".into(),
            tissue_kernels: false,
            density_correction: false,
            kernel_n: None,
            kernel_histories: 2_000_000,
            kernel_cache: None,
            v_gy: vec![2.0, 5.0, 10.0, 20.0],
            mask: Vec::new(),
            dicom: false,
            out: out.to_path_buf(),
        }
    }
}

/// A dose map with what the statistics need.
pub struct DoseMap {
    pub dose_gy: Vec<f64>,
    /// relative uncertainty per voxel (mc)
    pub rel_uncertainty: Option<Vec<f64>>,
    /// exact relative uncertainty of each region's mean dose, by region id (mc)
    pub region_rel_uncertainty: Option<Vec<f64>>,
    pub info: serde_json::Value,
}

/// Runs `theradose dose`.
pub fn run(args: &DoseArgs) -> Result<()> {
    let r = compute(args)?;
    eprintln!(
        "dose ({}) written to {}; regions.csv: {} regions",
        args.method,
        args.out.display(),
        r.len()
    );
    Ok(())
}

/// Reads and checks the TIA map: finite, non-negative, not all zero, isotropic voxels where
/// needed.
pub fn read_tia(path: &Path) -> Result<Volume<f64>> {
    let vol = read_volume(path)?;
    for (i, &v) in vol.data.iter().enumerate() {
        if !v.is_finite() || v < 0.0 {
            let [nx, ny, _] = vol.grid.dims;
            bail!(
                "{}: voxel ({}, {}, {}) is {v}, expected a finite non-negative TIA (Bq s)",
                path.display(),
                i % nx,
                (i / nx) % ny,
                i / (nx * ny)
            );
        }
    }
    if vol.data.iter().all(|&v| v == 0.0) {
        bail!("{}: the TIA map is zero everywhere", path.display());
    }
    Ok(vol)
}

/// The phantom voxelised at the map's voxel size, checked against the map's grid.
pub fn phantom_for(args: &DoseArgs, db: &MaterialDb, tia: &Volume<f64>) -> Result<Phantom> {
    let s = tia.grid.spacing_mm;
    if (s[0] - s[1]).abs() > 1e-6 * s[0] || (s[0] - s[2]).abs() > 1e-6 * s[0] {
        bail!(
            "{}: voxels of {:?} mm; a built-in phantom is voxelised in cubes: expected equal spacing",
            args.tia.display(),
            s
        );
    }
    let ph = build_phantom(&phantom_spec(args, s[0]), db)?;
    if !tia.grid.same_geometry(&ph.grid, 1e-3) {
        bail!(
            "{}: grid {:?} of {:?} mm at origin {:?}, expected {:?} of {:?} mm at {:?} like phantom '{}' (export it with `theradose phantom export`)",
            args.tia.display(),
            tia.grid.dims,
            tia.grid.spacing_mm,
            tia.grid.origin_mm,
            ph.grid.dims,
            ph.grid.spacing_mm,
            ph.grid.origin_mm,
            ph.name
        );
    }
    Ok(ph)
}

fn phantom_spec(args: &DoseArgs, voxel_mm: f64) -> PhantomSpec {
    PhantomSpec {
        builtin: Some(args.phantom.clone()),
        ct: None,
        labels: None,
        label_names: Default::default(),
        hu_calibration: None,
        voxel_mm: Some(voxel_mm),
        groups: args.groups.clone(),
    }
}

/// Computes the dose by the chosen method and writes the outputs; returns the region rows.
pub fn compute(args: &DoseArgs) -> Result<Vec<RegionDose>> {
    let method = args.method.as_str();
    if !matches!(method, "mc" | "vsv" | "ldm") {
        bail!("--method {method}: expected mc, vsv or ldm");
    }
    let tia = read_tia(&args.tia)?;
    let db = MaterialDb::load()?;
    let ph = phantom_for(args, &db, &tia)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create output folder {}", args.out.display()))?;
    let start = Instant::now();
    let spectrum = Spectrum::nuclide(&args.nuclide, args.chain).context("--nuclide")?;
    let decays: f64 = tia.data.iter().sum();
    let map = match method {
        "mc" => mc(args, &ph, decays, &tia.data)?,
        "vsv" => {
            let opts = KernelOptions {
                nuclide: args.nuclide.clone(),
                chain: args.chain,
                voxel_mm: ph.grid.spacing_mm[0],
                medium: args.kernel_medium.clone(),
                tissue_kernels: args.tissue_kernels,
                n: args.kernel_n,
                histories: args.kernel_histories,
                seed: args.seed,
                threads: args.threads,
                cache: args
                    .kernel_cache
                    .clone()
                    .unwrap_or_else(|| PathBuf::from("results/vsv-cache")),
            };
            let ctx = crate::context::Context::load()?;
            let (kernels, class, kinfo) = kernel_set(&ctx, &opts, &ph)?;
            let t0 = Instant::now();
            let rho = args.density_correction.then_some(ph.density.as_slice());
            let dose = vsv_dose(&tia.data, ph.grid.dims, &kernels, &class, rho)?;
            DoseMap {
                dose_gy: dose,
                rel_uncertainty: None,
                region_rel_uncertainty: None,
                info: json!({"kernels": kinfo, "convolution_seconds": t0.elapsed().as_secs_f64(),
                    "density_correction": args.density_correction}),
            }
        }
        _ => {
            let split = energy_split(&spectrum);
            let mass: Vec<f64> = (0..ph.len()).map(|v| ph.voxel_mass_g(v)).collect();
            DoseMap {
                dose_gy: ldm_dose(&tia.data, split.non_penetrating_mev(), &mass),
                rel_uncertainty: None,
                region_rel_uncertainty: None,
                info: json!({"energy_per_decay_mev": split,
                    "deposited_locally": "electrons (beta-, beta+, conversion, Auger), alphas, recoils; photons ignored"}),
            }
        }
    };
    let rows = write_outputs(args, &ph, &map, decays, start.elapsed().as_secs_f64())?;
    Ok(rows)
}

/// Monte Carlo through the run-file machinery (checkpoints, resume, progress).
///
/// The run's name carries a hash of the map's values: the checkpoint (`tally.bin`) of an earlier
/// run into the same folder is resumed only when the map is the same, not merely its path.
fn mc(args: &DoseArgs, ph: &Phantom, decays: f64, tia: &[f64]) -> Result<DoseMap> {
    let bytes: Vec<u8> = tia.iter().flat_map(|x| x.to_le_bytes()).collect();
    let file = RunFile {
        name: format!("dose-mc-{}-{:016x}", args.nuclide, super::fnv1a(&bytes)),
        description: format!("theradose dose --method mc, TIA {}", args.tia.display()),
        phantom: phantom_spec(args, ph.grid.spacing_mm[0]),
        source: SourceSpec {
            particle: "photon".into(),
            kind: "map".into(),
            position_mm: None,
            region: None,
            map: Some(std::fs::canonicalize(&args.tia).unwrap_or(args.tia.clone())),
            energy_mev: None,
            lines: None,
            nuclide: Some(args.nuclide.clone()),
            chain: Some(args.chain),
            daughter_escape: Vec::new(),
            emitted_particles: Some(decays),
        },
        run: RunSpec {
            histories: args.histories,
            seed: args.seed,
            photon_cutoff_kev: None,
            compton_binding: None,
            target_uncertainty: args.target_uncertainty,
            target_region: args.region.clone(),
            electron_transport: None,
            electron_cutoff_kev: None,
        },
        scoring: Default::default(),
    };
    // resume the checkpoint of an interrupted run of the same problem; a checkpoint of another
    // problem (another map, nuclide, seed or histories) is replaced
    let ckpt = args.out.join("tally.bin");
    let resume = match crate::tally::file::read(&ckpt) {
        Ok((h, _)) => h.fingerprint == file.fingerprint(),
        Err(_) => false,
    };
    if ckpt.exists() && !resume {
        eprintln!(
            "{}: checkpoint of another run, starting afresh",
            ckpt.display()
        );
        std::fs::remove_file(&ckpt).with_context(|| format!("cannot remove {}", ckpt.display()))?;
    }
    let opt = RunOptions {
        threads: args.threads,
        jobs: 1,
        resume,
        ..Default::default()
    };
    let summary = output::run_file(file, &args.out, &opt)?;
    let dose = read_volume(&args.out.join("dose.nii.gz"))?.data;
    let unc = read_volume(&args.out.join("uncertainty.nii.gz"))?.data;
    let mut region_rel = vec![0.0; ph.regions.len()];
    if let Some(regs) = summary["regions"].as_array() {
        for r in regs {
            if let (Some(name), Some(u)) = (r["name"].as_str(), r["rel_uncertainty"].as_f64()) {
                if let Ok(id) = ph.region_id(name) {
                    region_rel[id as usize] = u;
                }
            }
        }
    }
    Ok(DoseMap {
        dose_gy: dose,
        rel_uncertainty: Some(unc),
        region_rel_uncertainty: Some(region_rel),
        info: json!({"histories": summary["histories"], "histories_per_second": summary["histories_per_second"],
            "energy_balance": summary["energy_balance"]}),
    })
}

/// Writes dose.nii.gz, regions.csv, dvh.csv, figures and summary.json.
fn write_outputs(
    args: &DoseArgs,
    ph: &Phantom,
    map: &DoseMap,
    decays: f64,
    seconds: f64,
) -> Result<Vec<RegionDose>> {
    let out = &args.out;
    let desc = format!(
        "theradose {} dose Gy method {} nuclide {}",
        crate::VERSION,
        args.method,
        args.nuclide
    );
    let f32s: Vec<f32> = map.dose_gy.iter().map(|&d| d as f32).collect();
    write_volume(
        &out.join("dose.nii.gz"),
        &Volume {
            grid: ph.grid.clone(),
            data: f32s,
        },
        &desc,
    )?;
    if args.dicom {
        crate::io::dicom::write_rt_dose(&out.join("dose.dcm"), &ph.grid, &map.dose_gy, &desc)?;
    }
    let mass: Vec<f64> = (0..ph.len()).map(|v| ph.voxel_mass_g(v)).collect();
    let mut names = Vec::new();
    let mut voxels = Vec::new();
    let mut exact = Vec::new();
    for (id, r) in ph.regions.iter().enumerate().skip(1) {
        names.push(r.name.clone());
        voxels.push(ph.region_voxels(id as u16));
        exact.push(map.region_rel_uncertainty.as_ref().map(|u| u[id]));
    }
    for m in &args.mask {
        let vol = read_volume(m)?;
        if !vol.grid.same_geometry(&ph.grid, 1e-3) {
            bail!(
                "{}: mask grid {:?} of {:?} mm, expected {:?} of {:?} mm like the phantom",
                m.display(),
                vol.grid.dims,
                vol.grid.spacing_mm,
                ph.grid.dims,
                ph.grid.spacing_mm
            );
        }
        let stem = m.file_name().and_then(|s| s.to_str()).unwrap_or("mask");
        names.push(
            stem.trim_end_matches(".gz")
                .trim_end_matches(".nii")
                .to_string(),
        );
        voxels.push(
            (0..ph.len() as u32)
                .filter(|&v| vol.data[v as usize] != 0.0)
                .collect(),
        );
        exact.push(None);
    }
    let rows: Vec<RegionDose> = names
        .iter()
        .zip(&voxels)
        .zip(&exact)
        .map(|((n, v), e)| {
            region_dose(
                n,
                &map.dose_gy,
                map.rel_uncertainty.as_deref(),
                &mass,
                v,
                *e,
            )
        })
        .collect();
    output::write_atomic(
        &out.join("regions.csv"),
        regions_csv(&rows, &map.dose_gy, &mass, &voxels, &args.v_gy).as_bytes(),
    )?;
    let (grid, curves) = dvh(&map.dose_gy, &mass, &voxels, 200);
    output::write_atomic(
        &out.join("dvh.csv"),
        dvh_csv(&names, &grid, &curves).as_bytes(),
    )?;
    dvh_png(&out.join("dvh.png"), &names, &grid, &curves, &args.method)?;
    let cj = coronal_slice(ph, &map.dose_gy);
    let dose = &map.dose_gy;
    output::coronal_figure(
        ph,
        cj,
        |v| if ph.density[v] >= 0.01 { dose[v] } else { 0.0 },
        &out.join("dose_coronal.png"),
        &format!(
            "{} dose ({}), coronal slice j = {cj}",
            args.nuclide, args.method
        ),
        "dose (Gy)",
        plot::Colormap::Inferno,
        true,
        None,
    )?;
    let summary = json!({
        "version": crate::VERSION,
        "method": args.method,
        "nuclide": args.nuclide,
        "chain": args.chain,
        "phantom": ph.name,
        "dims": ph.grid.dims,
        "voxel_mm": ph.grid.spacing_mm,
        "tia_file": args.tia,
        "decays": decays,
        "seed": args.seed,
        "seconds": seconds,
        "method_info": map.info,
        "regions": rows,
    });
    output::write_atomic(
        &out.join("summary.json"),
        serde_json::to_string_pretty(&summary)?.as_bytes(),
    )?;
    Ok(rows)
}

/// The x-z slice through the voxel of highest dose.
fn coronal_slice(ph: &Phantom, dose: &[f64]) -> usize {
    let (imax, _) = dose
        .iter()
        .enumerate()
        .filter(|(v, _)| ph.density[*v] >= 0.01)
        .fold((0, f64::MIN), |a, (i, &d)| if d > a.1 { (i, d) } else { a });
    ph.ijk(imax).1
}

/// Cumulative DVH figure of all regions.
pub fn dvh_png(
    path: &Path,
    names: &[String],
    grid: &[f64],
    curves: &[Vec<f64>],
    method: &str,
) -> Result<()> {
    let pts: Vec<Vec<(f64, f64)>> = curves
        .iter()
        .map(|c| grid.iter().zip(c).map(|(&d, &v)| (d, 100.0 * v)).collect())
        .collect();
    let series: Vec<Series> = names
        .iter()
        .zip(&pts)
        .map(|(n, p)| Series {
            name: n,
            points: p,
            y_err: None,
        })
        .collect();
    plot::line_png(
        path,
        &format!("Cumulative dose-volume histograms ({method})"),
        "dose (Gy)",
        "volume receiving at least the dose (% of mass)",
        &series,
        false,
    )
}
