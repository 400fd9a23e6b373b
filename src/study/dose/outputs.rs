//! Files of a dose: `dose.nii.gz` (Gy), `uncertainty.nii.gz` (mc), `regions.csv`, `dvh.csv`,
//! `dvh.png`, `dose_coronal.png`, `summary.json` and optionally `dose.dcm` (RT Dose); and
//! [`run_files`], the whole `theradose dose` from files.

use super::compute::{compute, phantom_regions, DoseRegion, DoseResult};
use super::spec::{DoseMethod, DoseSpec};
use crate::context::Context;
use crate::dosimetry::regions::{dvh, dvh_csv, regions_csv};
use crate::io::{read_volume, write_file_atomic, write_volume, Volume};
use crate::phantom::Phantom;
use crate::plot;
use crate::run::guard::{check_existing, Existing, OutputLock};
use crate::run::problem::build_phantom;
use crate::run::spec::PhantomSpec;
use anyhow::{bail, Context as _, Result};
use serde_json::json;
use std::path::{Path, PathBuf};

/// A dose from files, as `theradose dose` runs it: a built-in phantom voxelised at the TIA
/// map's voxel size or a CT (with labels), the TIA map file, extra mask regions, and the
/// output folder.
#[derive(Clone, Debug)]
pub struct DoseFiles {
    /// built-in phantom name or phantom TOML; or a CT in HU (DICOM folder or file, NIfTI,
    /// MetaImage), see [`super::ct::is_ct`]
    pub phantom: String,
    /// with a CT: its labels, a label map on the CT grid, an RTSTRUCT or a DICOM SEG
    pub labels: Option<PathBuf>,
    /// with a label map: the names of its ids (JSON `{"1": "liver"}` or CSV `id,name`)
    pub label_names: Option<PathBuf>,
    /// with a CT folder holding several CT series: the SeriesInstanceUID of the one to use
    pub series: Option<String>,
    /// optional shape groups of the phantom, e.g. lesions
    pub groups: Vec<String>,
    /// time-integrated activity map (Bq s per voxel, NIfTI or MetaImage) on the phantom grid
    pub tia: PathBuf,
    /// extra regions: mask volumes on the phantom grid (nonzero voxels), named by their files
    pub masks: Vec<PathBuf>,
    /// doses (Gy) for the V(x Gy) columns of regions.csv
    pub v_gy: Vec<f64>,
    /// also write the dose as DICOM RT Dose (`dose.dcm`)
    pub dicom: bool,
    /// output folder
    pub out: PathBuf,
    pub spec: DoseSpec,
    /// what to do with a checkpoint or result already in `out`: [`Existing::Resume`] (the
    /// default of [`DoseFiles::new`]) continues the checkpoint of the same problem and refuses
    /// one of another; [`Existing::Refuse`] refuses any; [`Existing::Force`] replaces it
    pub existing: Existing,
}

impl DoseFiles {
    /// The command's defaults for a method name (`mc`, `vsv`, `ldm`), phantom, TIA file,
    /// nuclide and output folder.
    ///
    /// # Errors
    /// An unknown method (a spec error on `method`).
    pub fn with_method(
        method: &str,
        phantom: &str,
        tia: &Path,
        nuclide: &str,
        out: &Path,
    ) -> Result<DoseFiles> {
        let spec = DoseSpec::new(DoseMethod::parse(method)?, nuclide);
        Ok(DoseFiles::new(spec, phantom, tia, out))
    }

    /// The command's defaults for a spec, phantom, TIA file and output folder.
    pub fn new(spec: DoseSpec, phantom: &str, tia: &Path, out: &Path) -> DoseFiles {
        DoseFiles {
            phantom: phantom.into(),
            labels: None,
            label_names: None,
            series: None,
            groups: Vec::new(),
            tia: tia.to_path_buf(),
            masks: Vec::new(),
            v_gy: vec![2.0, 5.0, 10.0, 20.0],
            dicom: false,
            out: out.to_path_buf(),
            spec,
            existing: Existing::Resume,
        }
    }
}

/// Reads the TIA map and the phantom, computes the dose and writes every file into `job.out`.
/// The Monte Carlo checkpoints to `tally.bin` there; a checkpoint already there is treated as
/// `job.existing` says (continued when it is of the same problem, by default).
///
/// # Errors
/// Unreadable or mismatched files (named), bad spec values (named by field), an interrupted run.
pub fn run_files(ctx: &Context, job: &DoseFiles) -> Result<DoseResult> {
    job.spec.validate()?;
    // the output folder first: writable, not another run's, nothing replaced unasked
    let _lock = OutputLock::acquire(&job.out, &crate::run::progress::note)?;
    check_existing(&job.out, job.existing)?;
    let tia = read_volume(&job.tia)?;
    let (ph, tia, reference) = if super::ct::is_ct(&job.phantom) {
        let ct = Path::new(&job.phantom);
        let (ph, reference) = super::ct::ct_phantom(
            ctx,
            ct,
            job.labels.as_deref(),
            job.label_names.as_deref(),
            None,
            job.series.as_deref(),
        )?;
        let tia = super::ct::tia_on_grid(tia, &job.tia, &ph)?;
        (ph, tia, reference)
    } else {
        if let Some(s) = &job.series {
            bail!(
                "series {s}: a series applies to a CT phantom, not to the built-in phantom '{}'",
                job.phantom
            );
        }
        if let Some(l) = &job.labels {
            bail!(
                "labels {}: labels apply to a CT phantom, not to the built-in phantom '{}'",
                l.display(),
                job.phantom
            );
        }
        let ph = phantom_for(ctx, job, &tia)?;
        (ph, tia, None)
    };
    let mut regions = phantom_regions(&ph);
    regions.extend(read_masks(&ph, &job.masks)?);
    let ckpt = job.out.join("tally.bin");
    let r = compute(ctx, &ph, &tia.data, regions, &job.spec, Some(&ckpt))
        .with_context(|| format!("{}", job.tia.display()))?;
    let dicom = job.dicom.then(|| job.out.join("dose.dcm"));
    r.write(&ph, &job.out, &job.v_gy, None, Some(&job.tia))?;
    if let Some(p) = dicom {
        let desc = format!(
            "theradose {} dose Gy method {} nuclide {}",
            crate::VERSION,
            r.spec.method.name(),
            r.spec.nuclide
        );
        crate::io::dicom::write_rt_dose_for(&p, &ph.grid, &r.dose_gy, &desc, reference.as_ref())?;
    }
    Ok(r)
}

/// The phantom voxelised at the map's voxel sizes (anisotropic ones too), checked against the
/// map's grid.
fn phantom_for(ctx: &Context, job: &DoseFiles, tia: &Volume<f64>) -> Result<Phantom> {
    let s = tia.grid.spacing_mm;
    let spec = PhantomSpec {
        builtin: Some(job.phantom.clone()),
        ct: None,
        ct_series: None,
        labels: None,
        label_names: Default::default(),
        hu_calibration: None,
        voxel_mm: Some(crate::run::spec::VoxelMm(s)),
        groups: job.groups.clone(),
        world: None,
    };
    let ph = build_phantom(&spec, &ctx.materials)?;
    if !tia.grid.same_geometry(&ph.grid, 1e-3) {
        bail!(
            "{}: grid {}, expected {} like phantom '{}' (export it with `theradose phantom export`)",
            job.tia.display(),
            tia.grid.describe(),
            ph.grid.describe(),
            ph.name
        );
    }
    Ok(ph)
}

/// Mask files as extra regions, each named by its file.
fn read_masks(ph: &Phantom, masks: &[PathBuf]) -> Result<Vec<DoseRegion>> {
    let mut out = Vec::new();
    for m in masks {
        let vol = read_volume(m)?;
        if !vol.grid.same_geometry(&ph.grid, 1e-3) {
            bail!(
                "{}: mask grid {}, expected {} like the phantom",
                m.display(),
                vol.grid.describe(),
                ph.grid.describe()
            );
        }
        let stem = m.file_name().and_then(|s| s.to_str()).unwrap_or("mask");
        out.push(DoseRegion {
            name: stem
                .trim_end_matches(".gz")
                .trim_end_matches(".nii")
                .to_string(),
            voxels: (0..ph.len() as u32)
                .filter(|&v| vol.data[v as usize] != 0.0)
                .collect(),
            region_id: None,
        });
    }
    Ok(out)
}

impl DoseResult {
    /// The region rows as `regions.csv` writes them, as text.
    pub fn regions_csv(&self, ph: &Phantom, v_gy: &[f64]) -> String {
        let mass: Vec<f64> = (0..ph.len()).map(|v| ph.voxel_mass_g(v)).collect();
        let voxels: Vec<Vec<u32>> = self.region_sets.iter().map(|r| r.voxels.clone()).collect();
        regions_csv(&self.regions, &self.dose_gy, &mass, &voxels, v_gy)
    }

    /// Writes `dose.nii.gz` (Gy, f32), `uncertainty.nii.gz` (mc), `regions.csv`, `dvh.csv`,
    /// `dvh.png`, `dose_coronal.png`, `summary.json`, and the RT Dose where `dicom` names a file.
    ///
    /// # Errors
    /// When a file cannot be written.
    pub fn write(
        &self,
        ph: &Phantom,
        out: &Path,
        v_gy: &[f64],
        dicom: Option<&Path>,
        tia_file: Option<&Path>,
    ) -> Result<()> {
        let method = self.spec.method.name();
        let desc = format!(
            "theradose {} dose Gy method {} nuclide {}",
            crate::VERSION,
            method,
            self.spec.nuclide
        );
        let f32s = |v: &[f64]| v.iter().map(|&d| d as f32).collect::<Vec<f32>>();
        let vol = |data| Volume {
            grid: ph.grid.clone(),
            data,
        };
        write_volume(&out.join("dose.nii.gz"), &vol(f32s(&self.dose_gy)), &desc)?;
        if let Some(u) = &self.rel_uncertainty {
            write_volume(
                &out.join("uncertainty.nii.gz"),
                &vol(f32s(u)),
                &format!(
                    "theradose {} relative uncertainty (1 sigma) of dose",
                    crate::VERSION
                ),
            )?;
        }
        if let Some(p) = dicom {
            crate::io::dicom::write_rt_dose(p, &ph.grid, &self.dose_gy, &desc)?;
        }
        write_file_atomic(
            &out.join("regions.csv"),
            self.regions_csv(ph, v_gy).as_bytes(),
        )?;
        self.write_dvh(ph, out)?;
        self.write_coronal(ph, out)?;
        let summary = self.summary(ph, tia_file);
        write_file_atomic(
            &out.join("summary.json"),
            serde_json::to_string_pretty(&summary)?.as_bytes(),
        )
    }

    /// The JSON of `summary.json`.
    pub fn summary(&self, ph: &Phantom, tia_file: Option<&Path>) -> serde_json::Value {
        json!({
            "version": crate::VERSION,
            "method": self.spec.method.name(),
            "nuclide": self.spec.nuclide,
            "decay_data": self.spec.decay_data_used().unwrap_or(self.spec.decay_data),
            "chain": self.spec.chain,
            "phantom": ph.name,
            "dims": ph.grid.dims,
            "voxel_mm": ph.grid.spacing_mm,
            "tia_file": tia_file,
            "decays": self.decays,
            "seed": self.spec.seed,
            "seconds": self.seconds,
            "method_info": self.method_info,
            "regions": self.regions,
        })
    }

    fn write_dvh(&self, ph: &Phantom, out: &Path) -> Result<()> {
        let mass: Vec<f64> = (0..ph.len()).map(|v| ph.voxel_mass_g(v)).collect();
        let voxels: Vec<Vec<u32>> = self.region_sets.iter().map(|r| r.voxels.clone()).collect();
        let names: Vec<String> = self.regions.iter().map(|r| r.name.clone()).collect();
        let (grid, curves) = dvh(&self.dose_gy, &mass, &voxels, 200);
        write_file_atomic(
            &out.join("dvh.csv"),
            dvh_csv(&names, &grid, &curves).as_bytes(),
        )?;
        dvh_png(
            &out.join("dvh.png"),
            &names,
            &grid,
            &curves,
            self.spec.method.name(),
        )
    }

    /// `dose_coronal.png`: the dose as a wash over the phantom's density in a coronal plane
    /// through the voxel of highest dose (or `[figures] through`), with the region outlines of
    /// the settings in force; air (below 0.01 g/cm3) is blanked.
    fn write_coronal(&self, ph: &Phantom, out: &Path) -> Result<()> {
        let dose = &self.dose_gy;
        let spec = plot::FiguresSpec {
            slices: vec!["coronal".into()],
            ..plot::current()
        };
        spec.check()?;
        let at = match &spec.through {
            Some(_) => crate::study::maps::through_voxel(ph, &spec, None)?,
            None => {
                let (i, j, k) = ph.ijk(max_dose_voxel(ph, dose));
                [i, j, k]
            }
        };
        let value: Vec<f64> = (0..ph.len())
            .map(|v| if ph.density[v] >= 0.01 { dose[v] } else { 0.0 })
            .collect();
        let max = value
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        let title = format!(
            "{} dose ({}), coronal plane through the maximum",
            self.spec.nuclide,
            self.spec.method.name()
        );
        let style = crate::study::maps::MapStyle {
            title: &title,
            colorbar_label: "dose (Gy)",
            colormap: plot::Colormap::Magma,
            range: (max > 0.0).then_some((max * 1e-3, max)),
            log_scale: true,
            isolevels: &[],
            iso_unit: "",
            notes: &[],
        };
        crate::study::maps::anatomy_map(
            ph,
            &spec,
            at,
            &value,
            &out.join("dose_coronal.png"),
            &style,
        )?;
        Ok(())
    }
}

/// The voxel of highest dose outside air (0.01 g/cm3).
fn max_dose_voxel(ph: &Phantom, dose: &[f64]) -> usize {
    let (imax, _) = dose
        .iter()
        .enumerate()
        .filter(|(v, _)| ph.density[*v] >= 0.01)
        .fold((0, f64::MIN), |a, (i, &d)| if d > a.1 { (i, d) } else { a });
    imax
}

/// Cumulative DVH figure of all regions.
pub fn dvh_png(
    path: &Path,
    names: &[String],
    grid: &[f64],
    curves: &[Vec<f64>],
    method: &str,
) -> Result<()> {
    let d = crate::study::maps::DvhCurves {
        names,
        grid,
        curves,
        y_scale: 100.0,
    };
    crate::study::maps::dvh_panels_png(
        path,
        &format!("Cumulative dose-volume histograms ({method})"),
        &d,
        (
            "dose (Gy)",
            "volume receiving at least the dose (% of mass)",
        ),
        None,
    )
    .map(|_| ())
}
