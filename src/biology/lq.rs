//! Linear-quadratic model: BED, EQD2, mixed low-/high-LET doses, several cycles, gEUD and
//! surviving-fraction maps over voxel arrays.
//!
//! Log cell kill of a low-LET dose D with protraction factor G (see [`super::gfactor`]):
//! −ln SF = αD + βGD² = α·BED, BED = D(1 + GD/(α/β)) (Dale 1985 Br J Radiol 58:515).
//!
//! High-LET (alpha) dose: RBE-weighted, purely linear, no repair term, BED_α = RBE·D_α
//! (Sgouros et al 2010 J Nucl Med 51:311, the "RBE-weighted dose" of MIRD Pamphlet 22); the
//! interaction of alpha and beta sublesions is neglected. A BNCT weighted (photon-equivalent)
//! dose is treated as a low-LET dose delivered over the irradiation time (G from
//! [`super::gfactor::g_constant_rate`]).

/// Biologically effective dose (Gy) of a low-LET dose `dose_gy` with protraction factor `g` in a
/// tissue of `alpha_beta_gy`: BED = D(1 + GD/(α/β)).
pub fn bed_gy(dose_gy: f64, g: f64, alpha_beta_gy: f64) -> f64 {
    dose_gy * (1.0 + g * dose_gy / alpha_beta_gy)
}

/// BED (Gy) of a low-LET dose plus an alpha dose weighted by `rbe_alpha`:
/// BED = D_β(1 + G D_β/(α/β)) + RBE·D_α.
pub fn bed_mixed_gy(
    low_let_gy: f64,
    alpha_gy: f64,
    rbe_alpha: f64,
    g: f64,
    alpha_beta_gy: f64,
) -> f64 {
    bed_gy(low_let_gy, g, alpha_beta_gy) + rbe_alpha * alpha_gy
}

/// BED (Gy) of several therapy cycles, `cycle_doses_gy` each delivered with the same dose-rate
/// shape (factor `g`). Cycles are weeks apart, much longer than the repair half-time, so no
/// sublethal damage carries over and the BEDs add (Dale 1996; Cremonesi et al 2006 J Nucl Med
/// 47:1467, "BED of multiple cycles"); repopulation between cycles is not subtracted.
pub fn bed_cycles_gy(cycle_doses_gy: &[f64], g: f64, alpha_beta_gy: f64) -> f64 {
    cycle_doses_gy
        .iter()
        .map(|d| bed_gy(*d, g, alpha_beta_gy))
        .sum()
}

/// Equieffective dose in 2-Gy fractions (Gy): EQD2 = BED/(1 + 2/(α/β)).
pub fn eqd2_gy(bed_gy: f64, alpha_beta_gy: f64) -> f64 {
    bed_gy / (1.0 + 2.0 / alpha_beta_gy)
}

/// BED per voxel (Gy) of a low-LET dose map (Gy) with one protraction factor `g` (the region's
/// dose-rate shape). Non-finite or negative doses give NaN in that voxel.
pub fn bed_voxels(dose_gy: &[f64], g: f64, alpha_beta_gy: f64) -> Vec<f64> {
    dose_gy
        .iter()
        .map(|d| {
            if d.is_finite() && *d >= 0.0 {
                bed_gy(*d, g, alpha_beta_gy)
            } else {
                f64::NAN
            }
        })
        .collect()
}

/// BED per voxel (Gy) of a low-LET dose map plus an alpha dose map (both Gy, same length;
/// the shorter length is used if they differ, which the caller prevents).
pub fn bed_voxels_mixed(
    low_let_gy: &[f64],
    alpha_gy: &[f64],
    rbe_alpha: f64,
    g: f64,
    alpha_beta_gy: f64,
) -> Vec<f64> {
    debug_assert_eq!(low_let_gy.len(), alpha_gy.len());
    low_let_gy
        .iter()
        .zip(alpha_gy)
        .map(|(b, a)| bed_mixed_gy(*b, *a, rbe_alpha, g, alpha_beta_gy))
        .collect()
}

/// EQD2 per voxel (Gy) of a BED map (Gy).
pub fn eqd2_voxels(bed_gy: &[f64], alpha_beta_gy: f64) -> Vec<f64> {
    bed_gy.iter().map(|b| eqd2_gy(*b, alpha_beta_gy)).collect()
}

/// Surviving fraction of a BED (Gy): SF = exp(−α·BED) = exp(−αD − βGD²).
pub fn surviving_fraction(bed_gy: f64, alpha_per_gy: f64) -> f64 {
    (-alpha_per_gy * bed_gy).exp()
}

/// Surviving-fraction map of a BED map (Gy).
pub fn surviving_fraction_voxels(bed_gy: &[f64], alpha_per_gy: f64) -> Vec<f64> {
    bed_gy
        .iter()
        .map(|b| surviving_fraction(*b, alpha_per_gy))
        .collect()
}

/// Generalised equivalent uniform dose (Niemierko 1999 Med Phys 26:1101) of equal-volume voxel
/// doses (Gy): gEUD = (mean dᵢᵃ)^{1/a}. a = 1 is the mean dose, a → +∞ the maximum, a → −∞ the
/// minimum (tumours: a < 0; serial organs: a ≫ 1). a = 0 gives the geometric mean.
/// Returns NaN for an empty array.
pub fn geud_gy(dose_gy: &[f64], a: f64) -> f64 {
    geud_weighted_gy(dose_gy, None, a)
}

/// gEUD (Gy) with relative voxel volumes `weights` (any positive scale; `None`: equal volumes;
/// NaN if their length differs from the doses').
/// Evaluated as d_ref·(Σwᵢ(dᵢ/d_ref)ᵃ/Σwᵢ)^{1/a}, d_ref the largest (a > 0) or smallest (a < 0)
/// dose, so that large |a| neither overflows nor underflows.
pub fn geud_weighted_gy(dose_gy: &[f64], weights: Option<&[f64]>, a: f64) -> f64 {
    if dose_gy.is_empty() || weights.is_some_and(|w| w.len() != dose_gy.len()) {
        return f64::NAN;
    }
    let w = |i: usize| weights.map_or(1.0, |w| w[i]);
    let wsum: f64 = (0..dose_gy.len()).map(w).sum();
    if a == 0.0 {
        let s: f64 = (0..dose_gy.len()).map(|i| w(i) * dose_gy[i].ln()).sum();
        return (s / wsum).exp();
    }
    let dref = if a > 0.0 {
        dose_gy.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
    } else {
        dose_gy.iter().cloned().fold(f64::INFINITY, f64::min)
    };
    if dref <= 0.0 {
        // all doses zero (a > 0), or a zero dose with a < 0 (cold spot dominates)
        return 0.0;
    }
    let s: f64 = (0..dose_gy.len())
        .map(|i| w(i) * (dose_gy[i] / dref).powf(a))
        .sum();
    dref * (s / wsum).powf(1.0 / a)
}
