//! What every study kind shares: the options of a study run, the thread pool, reading a study
//! file as a TOML table, the default output folder, and the figure of a phantom's regions.
//! Nothing here imports a study kind.

use crate::phantom::Phantom;
use crate::plot;
use crate::study::maps;
use anyhow::{Context as _, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};

pub use crate::io::write_file_atomic as write_atomic;

/// Options of a study run (the command line's `--histories` and `--threads`).
#[derive(Clone, Debug, Default)]
pub struct StudyOptions {
    /// Monte Carlo histories (decays, or source neutrons for BNCT); overrides the study file's
    pub histories: Option<u64>,
    /// worker threads (default: all cores)
    pub threads: Option<usize>,
}

/// The phantom a result was computed on, as the summaries name it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PhantomInfo {
    /// phantom name
    pub name: String,
    /// voxels along x, y, z
    pub dims: [usize; 3],
    /// voxel size along x, y, z (mm)
    pub voxel_mm: [f64; 3],
}

impl PhantomInfo {
    /// The name, dimensions and voxel size of `ph`.
    pub fn of(ph: &Phantom) -> PhantomInfo {
        PhantomInfo {
            name: ph.name.clone(),
            dims: ph.grid.dims,
            voxel_mm: ph.grid.spacing_mm,
        }
    }
}

pub use crate::run::pool::thread_pool;

/// Reads a TOML file as a table.
///
/// # Errors
/// An unreadable file or invalid TOML.
pub fn read_table(path: &Path) -> Result<toml::Table> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read study file {}", path.display()))?;
    text.parse::<toml::Table>()
        .with_context(|| format!("{}: invalid TOML", path.display()))
}

/// `out`, else `results/<name>`.
pub fn out_dir(out: Option<&Path>, name: &str) -> PathBuf {
    out.map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new("results").join(name))
}

/// Creates a folder and its parents.
///
/// # Errors
/// When it cannot be created (the message names it).
pub fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))
}

/// A [`crate::error::SpecError`] of `field` in the study file `file` (the file is the error's
/// context, so `{:#}` prints `FILE: FIELD: MESSAGE`).
pub fn spec_in_file(file: &str, field: &str, message: String) -> anyhow::Error {
    crate::error::spec_error(field, message).context(file.to_string())
}

/// The phantom cut to the planes [k0, k1) (the axial range of a scan).
///
/// # Errors
/// Planes outside the phantom (an empty or invalid grid).
pub fn crop_z(ph: &Phantom, k0: usize, k1: usize) -> Result<Phantom> {
    let plane = ph.grid.dims[0] * ph.grid.dims[1];
    let r = k0 * plane..k1 * plane;
    let mut grid = ph.grid.clone();
    grid.dims[2] = k1 - k0;
    for a in 0..3 {
        grid.origin_mm[a] += grid.direction[a][2] * grid.spacing_mm[2] * k0 as f64;
    }
    Phantom::new(
        &ph.name,
        grid,
        ph.material[r.clone()].to_vec(),
        ph.density[r.clone()].to_vec(),
        ph.label[r].to_vec(),
        ph.materials.clone(),
        ph.regions.clone(),
    )
}

/// A phantom's regions, each in its own colour over the density in grey, in the planes of the
/// `[figures]` settings in force (default axial, coronal and sagittal) through `[figures]
/// through` (default the grid's centre), with a legend, a scale bar and orientation letters
/// (`results/phantoms/NAME.png` and `.svg`); `[figures] regions` picks the regions coloured.
///
/// # Errors
/// A bad `[figures] through`; a figure that cannot be written.
pub fn phantom_png(ph: &Phantom, path: &Path) -> Result<()> {
    let spec = plot::current();
    let title = format!(
        "{}: regions over the density ({} mm voxels)",
        ph.name, ph.grid.spacing_mm[0]
    );
    let density: Vec<f64> = ph.density.iter().map(|&d| f64::from(d)).collect();
    let names: Vec<String> = ph.regions.iter().map(|r| r.name.clone()).collect();
    let regions: Vec<u16> = (1..ph.regions.len())
        .filter(|&id| spec.shows_region(&ph.regions[id].name))
        .map(|id| id as u16)
        .collect();
    let planes = maps::planes(&spec);
    let fig = plot::RegionMapFigure {
        title: &title,
        grid: &ph.grid,
        labels: &ph.label,
        names: &names,
        density: &density,
        density_window: maps::DENSITY_WINDOW,
        planes: &planes,
        through: maps::through_voxel(ph, &spec, None)?,
        regions: &regions,
    };
    plot::written(plot::region_map_png(path, &fig)).map(|_| ())
}
