//! The summary of a simulated PET scan (`summary.json` of `theradose pet`), typed; fields are
//! declared in the order of the JSON keys.

use crate::pet::phantom_activity::Recovery;
use crate::pet::Scanner;
use serde::{Serialize, Serializer};
use std::path::PathBuf;

/// What a scan measured and how (`summary.json`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PetScanSummary {
    /// how the central voxels are chosen
    pub central_definition: String,
    /// the phantom's largest region, whose central voxels are averaged
    pub central_region: String,
    /// central voxels averaged
    pub central_voxels: usize,
    /// decays per Bq at scan start over the scan (s)
    pub decays_per_bq: f64,
    /// expected true coincidences
    pub expected_trues: f64,
    /// the image grid
    pub grid: PetGrid,
    /// the scan's inputs
    pub inputs: PetInputs,
    /// reconstructed mean activity concentration of the central voxels (Bq/mL)
    pub mean_bq_ml_central: f64,
    /// rms of the 1D positron range blur (mm; 0 without positron transport)
    pub positron_range_rms_1d_mm: f64,
    /// prompt coincidences (sum of the sinogram)
    pub prompts: f64,
    /// recovery of the `sphere_<d>mm` regions
    pub recovery: Vec<PetRecovery>,
    /// the scanner model (its keys sorted, as a JSON object)
    #[serde(serialize_with = "sorted_keys")]
    pub scanner: Scanner,
    /// wall-clock seconds
    pub seconds: f64,
    /// the noise seed
    pub seed: u64,
    /// the sinogram sampling
    pub sinogram: PetSinogram,
    /// body-weight SUV scaling (None without an injected activity)
    pub suv: Option<PetSuv>,
    /// system resolution
    pub system_fwhm_mm: PetFwhm,
    /// true mean activity concentration of the central voxels (Bq/mL)
    pub true_bq_ml_central: f64,
    /// theradose version
    pub version: String,
}

/// Serialises `v` as a JSON object with sorted keys (what `json!` gives for a struct).
fn sorted_keys<T: Serialize, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    serde_json::to_value(v)
        .map_err(serde::ser::Error::custom)?
        .serialize(s)
}

/// The image grid of a scan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PetGrid {
    /// voxels along each axis
    pub dims: [usize; 3],
    /// voxel size along each axis
    pub voxel_mm: [f64; 3],
}

/// The inputs of a scan, as given.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PetInputs {
    /// the activity map
    pub activity: PetActivity,
    /// the decay data of the nuclide: "icrp107" or "endf"
    pub decay_data: crate::source::DecayData,
    /// scan duration (s)
    pub duration_s: f64,
    /// optional shape groups of the phantom
    pub groups: Vec<String>,
    /// OSEM iterations
    pub iterations: usize,
    /// expected counts reconstructed, without Poisson noise
    pub noise_free: bool,
    /// the nuclide's name
    pub nuclide: String,
    /// the built-in phantom's name
    pub phantom: String,
    /// positron histories per medium (0: no positron range)
    pub positron_histories: u64,
    /// post-reconstruction Gaussian filter FWHM (mm)
    pub post_filter_mm: f64,
    /// resolution modelling in the reconstruction
    pub psf: bool,
    /// randoms as a fraction of the trues
    pub randoms_fraction: f64,
    /// the scanner's name
    pub scanner: String,
    /// scatter as a fraction of the trues
    pub scatter_fraction: f64,
    /// OSEM subsets
    pub subsets: usize,
    /// voxel size of the phantom (mm)
    pub voxel_mm: f64,
}

/// The activity map of a scan.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum PetActivity {
    /// read from an image file
    File {
        /// the file
        file: PathBuf,
    },
    /// uniform in the body (Bq/mL)
    Uniform {
        /// the concentration
        uniform_bq_ml: f64,
    },
    /// spheres at a ratio to a uniform background
    Spheres {
        /// the background concentration (Bq/mL)
        background_bq_ml: f64,
        /// sphere to background concentration ratio
        sphere_to_background: f64,
    },
}

/// The sinogram sampling of a scan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PetSinogram {
    /// radial bin width
    pub bin_mm: f64,
    /// radial bins
    pub bins: usize,
    /// lines of response
    pub lors: usize,
    /// planes
    pub planes: usize,
    /// views
    pub views: usize,
}

/// The system resolution (FWHM, mm).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PetFwhm {
    /// along the axis
    pub axial: f64,
    /// across the axis
    pub transaxial: f64,
}

/// The SUV scaling of a scan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PetSuv {
    /// body mass (g)
    pub body_mass_g: f64,
    /// injected activity (MBq)
    pub injected_mbq: f64,
    /// SUV per Bq/mL of the reconstruction
    pub suv_per_bq_ml: f64,
    /// time from injection to the scan (min)
    pub uptake_min: f64,
}

/// Recovery of one sphere region.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PetRecovery {
    /// sphere diameter
    pub diameter_mm: f64,
    /// reconstructed maximum over the true mean
    pub max: f64,
    /// reconstructed mean over the true mean
    pub mean: f64,
    /// the region's name
    pub region: String,
}

impl From<&Recovery> for PetRecovery {
    fn from(r: &Recovery) -> PetRecovery {
        PetRecovery {
            diameter_mm: r.diameter_mm,
            max: r.max,
            mean: r.mean,
            region: r.region.clone(),
        }
    }
}
