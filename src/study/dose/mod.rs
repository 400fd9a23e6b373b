//! Absorbed dose from a time-integrated activity (TIA) map on a phantom, by one of three methods:
//! - `mc`: full Monte Carlo with the TIA map as the source on the phantom's materials (every
//!   radiation of each decay; electrons, positrons, alphas and photons transported);
//! - `vsv`: voxel S-value convolution by FFT, with kernels made by the project's own voxel
//!   S-value computation for the map's voxel size (cached in the kernel cache folder), optional
//!   density correction and tissue-class kernels (see [`crate::dosimetry::svconv`]);
//! - `ldm`: local deposition of the non-penetrating energy (see [`crate::dosimetry::ldm`]).
//!
//! [`compute()`] takes a phantom and a TIA array in memory and returns a [`DoseResult`] with the
//! dose and its uncertainty per voxel and the region statistics; [`DoseResult::write`] writes the
//! files of `theradose dose`. [`run_files`] does both from files, as the command does.

mod compute;
pub mod ct;
mod mc;
mod outputs;
mod spec;

pub use compute::{compute, phantom_regions, DoseRegion, DoseResult};
pub use outputs::{dvh_png, run_files, DoseFiles};
pub use spec::{DoseMethod, DoseSpec};
