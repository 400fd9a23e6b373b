//! L5 PET: a simulated scan of a phantom and activity map on a scanner model, its OSEM
//! reconstruction, SUV metrics and the PERCIST / EORTC response criteria.
//!
//! The measurement model (stacked 2D, non-TOF):
//! 1. truth: the activity concentration at scan start (Bq/mL) on the phantom grid;
//! 2. positron range: a separable blur from the project's positron transport in water
//!    ([`positron_range_kernel`]) turns it into the annihilation density;
//! 3. system resolution: a Gaussian image-space blur of the crystal size, non-collinearity and
//!    block decoding error ([`scanner::Scanner::transaxial_fwhm_mm`], Moses 2011);
//! 4. projection: every image slice is a direct plane (span 1, segment 0, no oblique planes,
//!    the axial resolution is the axial blur of step 3); each plane is sampled by views over
//!    [0, pi) and radial bins of half a voxel; Siddon's exact intersection lengths
//!    ([`geometry`], [`projector`]);
//! 5. expected counts: per LOR, efficiency x positron yield x decays during the scan
//!    ((1 - exp(-lambda T)) / lambda per Bq at scan start) x attenuation exp(-integral of mu at
//!    511 keV) through the phantom's materials; the efficiency is the scanner's absolute
//!    sensitivity averaged over its axial FOV, the same for every plane (a longer object is a
//!    multi-bed scan of `duration_s` per bed);
//! 6. optional scatter and randoms as smooth additive backgrounds of given fractions;
//! 7. Poisson noise, one random stream per (plane, view) ([`noise`]);
//! 8. OSEM with attenuation and calibration in the system model, optional resolution modelling
//!    and the backgrounds known exactly ([`osem`]); the image is in Bq/mL at scan start.
//!
//! Decay during the uptake period enters through the activity at scan start (the caller's
//! kinetics) and through the decay-corrected injected activity of SUV ([`metrics::suv_scale`]).

pub mod blur;
pub mod criteria;
pub mod detect;
pub mod geometry;
pub mod metrics;
pub mod noise;
pub mod osem;
pub mod phantom_activity;
pub mod positron_range;
pub mod positron_range_kernel;
pub mod projector;
pub mod scan;
pub mod scan_summary;
pub mod scanner;
pub mod simulate;

pub use scanner::Scanner;
pub use simulate::{simulate, PetImages, PetOptions};
