//! Region-level radiobiology for the study: BED maps of a region's dose with its kinetics, and
//! TCP / NTCP of a region with the default parameters of its tissue.

use super::doserate::DoseRateShape;
use super::lq::{bed_voxels_mixed, eqd2_gy};
use super::ntcp::ntcp_from_bed;
use super::tcp::tcp_population;
use super::tissues::Tissue;
use anyhow::{bail, Context, Result};

/// BED (Gy) per voxel of a region treated with `cycles` identical cycles, each giving the voxel
/// `low_let_gy` (Gy) of beta/gamma dose and optionally `alpha_gy` (Gy) of alpha dose with the
/// dose-rate `shape` of the region's kinetics. Cycles are far apart, so BEDs add
/// ([`super::lq::bed_cycles_gy`]).
///
/// # Errors
/// An invalid shape, mismatched map lengths, a negative or non-finite dose.
pub fn bed_map(
    low_let_gy: &[f64],
    alpha_gy: Option<&[f64]>,
    shape: &DoseRateShape,
    tissue: &Tissue,
    cycles: u32,
) -> Result<Vec<f64>> {
    let g = shape
        .g_factor(tissue.repair_half_time_h)
        .context("dose-rate shape")?;
    let zeros;
    let alpha = match alpha_gy {
        Some(a) if a.len() != low_let_gy.len() => bail!(
            "alpha dose map has {} voxels, expected {} like the beta/gamma dose",
            a.len(),
            low_let_gy.len()
        ),
        Some(a) => a,
        None => {
            zeros = vec![0.0; low_let_gy.len()];
            &zeros
        }
    };
    if low_let_gy
        .iter()
        .chain(alpha)
        .any(|d| !(d.is_finite() && *d >= 0.0))
    {
        bail!("dose map: expected finite, non-negative doses (Gy)");
    }
    let per_cycle = bed_voxels_mixed(low_let_gy, alpha, tissue.rbe_alpha, g, tissue.alpha_beta_gy);
    Ok(per_cycle.iter().map(|b| b * cycles as f64).collect())
}

/// Radiobiological summary of a region.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RegionSummary {
    /// mean absorbed dose over all cycles (Gy, alpha unweighted)
    pub mean_dose_gy: f64,
    /// mean of the voxel BEDs (Gy)
    pub mean_bed_gy: f64,
    /// EQD2 of the mean BED (Gy)
    pub mean_eqd2_gy: f64,
}

/// Mean dose, mean BED and its EQD2 of a region (`total_dose_gy`: dose over all cycles, per
/// voxel; `bed_gy` from [`bed_map`]). Empty regions give NaN.
pub fn summarize(total_dose_gy: &[f64], bed_gy: &[f64], tissue: &Tissue) -> RegionSummary {
    let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
    let mean_bed = mean(bed_gy);
    RegionSummary {
        mean_dose_gy: mean(total_dose_gy),
        mean_bed_gy: mean_bed,
        mean_eqd2_gy: eqd2_gy(mean_bed, tissue.alpha_beta_gy),
    }
}

/// Population TCP of a tumour region from its BED map (Gy) and voxel volume (cm³), with the
/// tissue's α, σ_α and clonogen density.
///
/// # Errors
/// The tissue lacks α or the clonogen density.
pub fn region_tcp(bed_gy: &[f64], voxel_volume_cm3: f64, tissue: &Tissue) -> Result<f64> {
    let alpha = tissue.alpha()?;
    let rho = tissue
        .clonogen_density_per_cm3
        .context("clonogen_density_per_cm3 is not given for this tissue")?;
    let sigma = tissue.sigma_alpha_per_gy.unwrap_or(0.0);
    Ok(tcp_population(bed_gy, voxel_volume_cm3, rho, alpha, sigma))
}

/// LKB NTCP of an organ from its BED map (Gy), converted to EQD2 with the tissue's α/β.
///
/// # Errors
/// The tissue has no LKB parameters.
pub fn region_ntcp(bed_gy: &[f64], tissue: &Tissue) -> Result<f64> {
    let p = tissue
        .lkb
        .as_ref()
        .context("no LKB parameters (lkb) for this tissue")?;
    Ok(ntcp_from_bed(bed_gy, tissue.alpha_beta_gy, p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::biology::gfactor::g_mono_exponential;
    use crate::biology::lq::bed_gy;
    use crate::biology::tissues::TissueDb;

    #[test]
    fn bed_map_cycles_alpha_and_errors() {
        let db = TissueDb::load().unwrap();
        let kidney = db.tissue("kidney").unwrap();
        let shape = DoseRateShape::Exponential {
            effective_half_life_h: 50.0,
        };
        let g = g_mono_exponential(50.0, kidney.repair_half_time_h);
        let bed = bed_map(&[5.0, 0.0], Some(&[0.0, 1.0]), &shape, kidney, 4).unwrap();
        // cycles add; alpha dose is RBE-weighted (rounding 1e-12)
        assert!((bed[0] - 4.0 * bed_gy(5.0, g, 2.6)).abs() < 1e-12);
        assert!((bed[1] - 4.0 * kidney.rbe_alpha).abs() < 1e-12);
        assert!(bed_map(&[1.0], Some(&[1.0, 2.0]), &shape, kidney, 1).is_err());
        assert!(bed_map(&[-1.0], None, &shape, kidney, 1).is_err());
        let s = summarize(&[20.0, 0.0], &bed, kidney);
        assert!((s.mean_dose_gy - 10.0).abs() < 1e-12);
        // NTCP needs LKB, TCP needs α and ρ: kidney has LKB and no α
        assert!(region_ntcp(&bed, kidney).is_ok());
        assert!(region_tcp(&bed, 0.1, kidney).is_err());
        let tumour = db.tissue("tumour").unwrap();
        let t = region_tcp(&[200.0; 8], 0.1, tumour).unwrap();
        assert!(t > 0.99 && t <= 1.0);
        assert!(region_ntcp(&bed, tumour).is_err());
    }
}
