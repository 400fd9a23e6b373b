//! L5 dosimetry: time-activity fits and time-integrated activity, voxel S-value convolution,
//! local deposition, DVH and region statistics, organ S-values.

pub mod convolve;
pub mod kinetics;
pub mod ldm;
pub mod regions;
pub mod resample;
pub mod svconv;
pub mod tia;
