//! Normal-tissue complication probability, Lyman–Kutcher–Burman model (Lyman 1985 Radiat Res
//! 104:S13; Kutcher & Burman 1989 IJROBP 16:1623; Burman et al 1991 IJROBP 21:123):
//! NTCP = Φ((gEUD − TD50)/(m·TD50)), gEUD the generalised mean of the voxel doses with
//! a = 1/n (the effective-volume reduction of Kutcher & Burman is equivalent to gEUD with
//! a = 1/n, Niemierko 1999; Mohan et al 1992).
//!
//! The fitted TD50 of Burman 1991 refer to external-beam doses in 2-Gy fractions, so the doses
//! given to [`lkb_ntcp`] must be EQD2 (Gy) of the radionuclide doses ([`ntcp_from_bed`] converts a
//! BED map with the tissue's α/β).

use super::lq::{eqd2_voxels, geud_weighted_gy};
use super::special::normal_cdf;
use serde::{Deserialize, Serialize};

/// LKB parameters of an organ.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LkbParams {
    /// uniform whole-organ EQD2 giving 50% complication probability (Gy)
    pub td50_gy: f64,
    /// slope parameter: σ of the dose-response probit relative to TD50 (dimensionless)
    pub m: f64,
    /// volume-effect parameter (n → 0 serial, n = 1 parallel / mean dose)
    pub n: f64,
}

impl LkbParams {
    /// Checks the parameters (all positive and finite).
    pub fn validate(&self) -> Result<(), String> {
        for (name, v) in [("td50_gy", self.td50_gy), ("m", self.m), ("n", self.n)] {
            if !(v.is_finite() && v > 0.0) {
                return Err(format!("lkb.{name} = {v}: expected a positive number"));
            }
        }
        Ok(())
    }
}

/// LKB NTCP of voxel EQD2 values (Gy) with optional relative voxel volumes; `None` weights mean
/// equal voxels. Returns NaN for an empty organ.
pub fn lkb_ntcp(eqd2_gy: &[f64], weights: Option<&[f64]>, p: &LkbParams) -> f64 {
    let d_eff = geud_weighted_gy(eqd2_gy, weights, 1.0 / p.n);
    lkb_ntcp_uniform(d_eff, p)
}

/// LKB NTCP of a uniform whole-organ EQD2 (Gy): Φ((D − TD50)/(m·TD50)).
pub fn lkb_ntcp_uniform(eqd2_gy: f64, p: &LkbParams) -> f64 {
    normal_cdf((eqd2_gy - p.td50_gy) / (p.m * p.td50_gy))
}

/// LKB NTCP of a voxel BED map (Gy): converted to EQD2 with `alpha_beta_gy`, then [`lkb_ntcp`].
pub fn ntcp_from_bed(bed_gy: &[f64], alpha_beta_gy: f64, p: &LkbParams) -> f64 {
    lkb_ntcp(&eqd2_voxels(bed_gy, alpha_beta_gy), None, p)
}
