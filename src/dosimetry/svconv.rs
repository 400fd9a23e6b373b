//! Voxel S-value (VSV) dose: the time-integrated activity map convolved with the dose kernel of
//! one decay in a homogeneous medium (Bolch et al 1999, MIRD Pamphlet 17), by FFT.
//!
//! With one kernel (water or soft tissue) the dose is that of a homogeneous body. Options:
//! - density correction: the dose of voxel i is scaled by rho_kernel / rho_i (the kernel
//!   deposits energy per unit mass of the kernel medium; a voxel of another density holds
//!   another mass), as in Dieudonne et al 2013 (J Nucl Med 54:236) for lung and bone;
//! - tissue kernels: one kernel per tissue class (soft tissue, lung, bone); every map is
//!   convolved with each kernel and voxel i takes the result of its own class (the kernel of
//!   the medium the absorbing voxel is in, the approximation of Lee et al 2018 (Med Phys
//!   45:3721) "multiple VSV"), then the density correction within the class.

use super::convolve::{convolve_fft, Kernel};
use anyhow::{bail, Result};

/// One VSV kernel in mGy per MBq s, for a medium of a given density.
#[derive(Clone, Debug)]
pub struct VsvKernel {
    pub kernel: Kernel,
    pub density_g_cm3: f64,
}

/// Gy per (Bq s x mGy/(MBq s)).
const GY_PER_BQ_S_MGY_PER_MBQ_S: f64 = 1e-6 * 1e-3;

/// VSV dose (Gy) per voxel.
///
/// `class[i]` selects the kernel of voxel i (index into `kernels`); `density` (g/cm3) turns on
/// the density correction.
///
/// # Errors
/// A class index without a kernel, lengths that do not match the grid.
pub fn vsv_dose(
    tia_bq_s: &[f64],
    dims: [usize; 3],
    kernels: &[VsvKernel],
    class: &[u8],
    density: Option<&[f32]>,
) -> Result<Vec<f64>> {
    if class.len() != tia_bq_s.len() {
        bail!(
            "vsv: class map of {} voxels for {}",
            class.len(),
            tia_bq_s.len()
        );
    }
    if let Some(&c) = class.iter().find(|&&c| c as usize >= kernels.len()) {
        bail!(
            "vsv: voxel class {c} has no kernel ({} kernels)",
            kernels.len()
        );
    }
    let mut dose = vec![0.0; tia_bq_s.len()];
    for (k, kern) in kernels.iter().enumerate() {
        if !class.iter().any(|&c| c as usize == k) {
            continue;
        }
        let conv = convolve_fft(tia_bq_s, dims, &kern.kernel)?;
        for (i, d) in dose.iter_mut().enumerate() {
            if class[i] as usize != k {
                continue;
            }
            let mut v = conv[i] * GY_PER_BQ_S_MGY_PER_MBQ_S;
            if let Some(rho) = density {
                let r = rho[i] as f64;
                v = if r > 0.0 {
                    v * kern.density_g_cm3 / r
                } else {
                    0.0
                };
            }
            *d = v;
        }
    }
    Ok(dose)
}
