//! The summary of a BNCT beam run (`summary.json`, printed by `theradose beam`), typed; fields
//! are declared in the order of the JSON keys.

use serde::Serialize;
use std::collections::BTreeMap;

/// What a beam run did and its normalisation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BeamSummary {
    /// the aim point in the phantom box (cm)
    pub aim_local_cm: [f64; 3],
    /// the aim point as given (mm)
    pub aim_mm: Option<[f64; 3]>,
    /// the aperture epithermal fluence rate normalised to (cm-2 s-1)
    #[serde(rename = "aperture_epithermal_flux_cm-2_s-1")]
    pub aperture_epithermal_flux_cm2_s1: f64,
    /// largest weighted dose on the beam axis
    pub axis_max_weighted_dose_gy_per_source: f64,
    /// its rate at the normalisation
    pub axis_max_weighted_dose_rate_gy_per_s: f64,
    /// the boron map file, if any
    pub boron_map: Option<String>,
    /// 10B in normal tissue (ug/g)
    pub boron_ppm: f64,
    /// how depth.csv averages
    pub depth_curve: String,
    /// where depth 0 is, in the phantom box (cm)
    pub depth_origin_local_cm: [f64; 3],
    /// the beam direction as given
    pub direction: String,
    /// the unit beam direction (voxel axes)
    pub direction_vector: [f64; 3],
    /// |emitted - deposited - escaped| / emitted
    pub energy_balance_relative_discrepancy: f64,
    /// epithermal fluence at the aperture per source neutron (cm-2)
    #[serde(rename = "epithermal_fluence_at_aperture_per_source_cm-2")]
    pub epithermal_fluence_at_aperture_per_source_cm2: f64,
    /// the 18F-BPA PET file, if any
    pub fbpa_pet: Option<String>,
    /// the PET's reference SUV
    pub fbpa_reference_suv: f64,
    /// the field shape and size in words
    pub field: String,
    /// field area
    pub field_area_cm2: f64,
    /// the field's W and H axes
    pub field_axes: FieldAxes,
    /// circular field diameter as given
    pub field_diameter_cm: Option<f64>,
    /// rectangular field W x H as given
    pub field_size_cm: Option<[f64; 2]>,
    /// capture and inelastic gammas transported (else deposited locally)
    pub gamma_transport: bool,
    /// source neutrons simulated
    pub histories: u64,
    /// source neutrons per wall-clock second
    pub histories_per_second: f64,
    /// the beam particle ("neutron")
    pub particle: String,
    /// the phantom as given
    pub phantom: String,
    /// mean and maximum doses per region (Gy per source neutron)
    pub regions: BTreeMap<String, RegionDoses>,
    /// wall-clock seconds of the transport
    pub seconds: f64,
    /// CPU seconds of the transport (every thread; 0 for a merged result)
    pub cpu_seconds: f64,
    /// 1 / (rel^2 x CPU s) of the weighted mean dose of the first tumour region (else of the
    /// region with the highest weighted mean dose); absent for a merged result
    #[serde(skip_serializing_if = "Option::is_none")]
    pub figure_of_merit: Option<crate::run::FigureOfMerit>,
    /// the run seed
    pub seed: u64,
    /// source neutrons per second for that fluence rate
    pub source_neutrons_per_second: f64,
    /// the spectrum as given (a name or a CSV file)
    pub spectrum: String,
    /// what the spectrum is
    pub spectrum_description: String,
    /// source neutrons per energy group
    pub spectrum_fractions: SpectrumFractions,
    /// where the spectrum comes from
    pub spectrum_source: String,
    /// depth of the thermal fluence maximum
    pub thermal_fluence_peak_depth_cm: f64,
    /// worker threads used
    pub threads: usize,
    /// time to deliver the prescription (with a prescription)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub treatment_time_min: Option<f64>,
    /// the dose the prescription refers to
    #[serde(skip_serializing_if = "Option::is_none")]
    pub treatment_time_reference: Option<String>,
    /// mean weighted dose of the tumour (with tumour voxels)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tumour_mean_weighted_dose_gy_per_source: Option<f64>,
    /// its rate at the normalisation
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tumour_mean_weighted_dose_rate_gy_per_s: Option<f64>,
    /// 10B in the tumour (ug/g)
    pub tumour_ppm: f64,
    /// units of the per-source quantities
    pub units: String,
    /// theradose version
    pub version: String,
    /// the CBE and RBE factors of the weighted dose
    pub weighting: WeightingFactors,
}

/// Source neutrons per energy group (the thermal, epithermal and fast groups of the transport).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SpectrumFractions {
    /// epithermal group
    pub epithermal: f64,
    /// fast group
    pub fast: f64,
    /// thermal group
    pub thermal: f64,
}

/// The field's axes across the beam (unit vectors, voxel axes).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldAxes {
    /// the H axis
    pub h: [f64; 3],
    /// the W axis
    pub w: [f64; 3],
}

/// The CBE and RBE factors of the weighted dose.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WeightingFactors {
    /// boron CBE in normal tissue
    pub cbe_normal: f64,
    /// boron CBE in skin
    pub cbe_skin: f64,
    /// boron CBE in the tumour
    pub cbe_tumour: f64,
    /// RBE of the gamma dose
    pub rbe_gamma: f64,
    /// RBE of the hydrogen (fast neutron) dose
    pub rbe_hydrogen: f64,
    /// RBE of the nitrogen (proton) dose
    pub rbe_nitrogen: f64,
}

/// Mean and maximum of every dose map over a region (`<map>_mean_gy`, `<map>_max_gy`, Gy per
/// source neutron), and whether it is tumour.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RegionDoses {
    /// `<map>_mean_gy` and `<map>_max_gy` of every dose map
    #[serde(flatten)]
    pub doses: BTreeMap<String, f64>,
    /// the region is tumour
    pub tumour: bool,
    /// relative uncertainty (1 sigma) of the region's weighted mean dose, from its total scored
    /// history by history
    pub weighted_rel_uncertainty: f64,
}
