//! L5 dosimetry: time-activity fits and time-integrated activity, voxel S-value convolution,
//! local deposition, DVH and region statistics, organ S-values.

pub mod bnct;
pub mod cell;
pub mod coefficients;
pub mod convolve;
pub mod kinetics;
pub mod ldm;
pub mod point_kernel;
pub mod regions;
pub mod register;
pub mod resample;
pub mod svalues;
pub mod svconv;
pub mod tia;
pub mod tia_map;
pub mod vsv;
pub mod vsv_cache;
