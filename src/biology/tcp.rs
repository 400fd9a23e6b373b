//! Tumour control probability, Poisson model (Munro & Gilbert 1961; Webb & Nahum 1993 Phys Med
//! Biol 38:653): TCP = exp(−Σᵢ ρ Vᵢ SFᵢ), SFᵢ = exp(−α BEDᵢ), with an optional population average
//! over a normal spread of α (inter-patient heterogeneity of radiosensitivity).

use super::special::{gauss_legendre, normal_cdf};
use std::f64::consts::PI;

/// Gauss–Legendre panels (8 points each) over the transition of TCP(α) in the population
/// average: 64 panels agree with 128 and with a brute-force trapezoid to 1e-6
/// (`tests/biology.rs`).
pub const POPULATION_PANELS: usize = 64;

/// Poisson TCP of `clonogens` cells each surviving with probability `surviving_fraction`:
/// TCP = exp(−N·SF).
pub fn tcp_poisson(clonogens: f64, surviving_fraction: f64) -> f64 {
    (-clonogens * surviving_fraction).exp()
}

/// Expected number of surviving clonogens Σᵢ ρ Vᵢ exp(−α BEDᵢ) of a voxel BED map (Gy), voxels of
/// `voxel_volume_cm3` and clonogen density `clonogens_per_cm3`.
pub fn surviving_clonogens(
    bed_gy: &[f64],
    voxel_volume_cm3: f64,
    clonogens_per_cm3: f64,
    alpha_per_gy: f64,
) -> f64 {
    let n_per_voxel = clonogens_per_cm3 * voxel_volume_cm3;
    bed_gy
        .iter()
        .map(|b| n_per_voxel * (-alpha_per_gy * b).exp())
        .sum()
}

/// TCP of a voxel BED map (Gy) for one radiosensitivity α (1/Gy): exp(−Σ ρ V SFᵢ).
pub fn tcp_voxels(
    bed_gy: &[f64],
    voxel_volume_cm3: f64,
    clonogens_per_cm3: f64,
    alpha_per_gy: f64,
) -> f64 {
    (-surviving_clonogens(bed_gy, voxel_volume_cm3, clonogens_per_cm3, alpha_per_gy)).exp()
}

/// Population TCP of a voxel BED map (Gy): the mean of [`tcp_voxels`] over α ~ N(ᾱ, σ_α)
/// (Webb & Nahum 1993), by deterministic quadrature (see [`tcp_population_panels`]). α ≤ 0 of the
/// normal tail means no cell kill. σ_α = 0 gives [`tcp_voxels`] at ᾱ.
///
/// The BED map must have been computed with the tissue's α/β, so that SF = exp(−α·BED) holds for
/// every α of the spread (β scales with α at fixed α/β, as in Webb & Nahum 1993).
pub fn tcp_population(
    bed_gy: &[f64],
    voxel_volume_cm3: f64,
    clonogens_per_cm3: f64,
    alpha_mean_per_gy: f64,
    sigma_alpha_per_gy: f64,
) -> f64 {
    tcp_population_panels(
        bed_gy,
        voxel_volume_cm3,
        clonogens_per_cm3,
        alpha_mean_per_gy,
        sigma_alpha_per_gy,
        POPULATION_PANELS,
    )
}

/// [`tcp_population`] with a chosen number of 8-point Gauss–Legendre panels.
///
/// TCP(α) rises from 0 to 1 over Δα ≈ 3/BED, much narrower than σ_α for therapeutic doses, so a
/// Gauss–Hermite rule over the normal weight would step over it. Instead the transition
/// [a, b] (TCP from 1e-17 to 1 − 1e-16, found by bisection within ᾱ ± 10σ) is integrated with
/// `panels` composite Gauss–Legendre panels against the normal density; below a TCP is 0, above
/// b it is 1 (the normal mass there is added from Φ), and α ≤ 0 contributes Φ(−ᾱ/σ)·TCP(0).
pub fn tcp_population_panels(
    bed_gy: &[f64],
    voxel_volume_cm3: f64,
    clonogens_per_cm3: f64,
    alpha_mean_per_gy: f64,
    sigma_alpha_per_gy: f64,
    panels: usize,
) -> f64 {
    let tcp_at = |a: f64| tcp_voxels(bed_gy, voxel_volume_cm3, clonogens_per_cm3, a.max(0.0));
    population_average(tcp_at, alpha_mean_per_gy, sigma_alpha_per_gy, panels)
}

/// [`tcp_population`] of BED values (Gy) standing for volumes `volumes_cm3` each (e.g. the
/// dose bins of a region in the uncertainty budget: each bin's BED and the volume of its
/// voxels); equal to [`tcp_population`] when every volume is the voxel volume.
pub fn tcp_population_weighted(
    bed_gy: &[f64],
    volumes_cm3: &[f64],
    clonogens_per_cm3: f64,
    alpha_mean_per_gy: f64,
    sigma_alpha_per_gy: f64,
) -> f64 {
    debug_assert_eq!(bed_gy.len(), volumes_cm3.len());
    let tcp_at = |a: f64| {
        let a = a.max(0.0);
        let n: f64 = bed_gy
            .iter()
            .zip(volumes_cm3)
            .map(|(b, v)| clonogens_per_cm3 * v * (-a * b).exp())
            .sum();
        (-n).exp()
    };
    population_average(
        tcp_at,
        alpha_mean_per_gy,
        sigma_alpha_per_gy,
        POPULATION_PANELS,
    )
}

/// The mean of `tcp_at(α)` over α ~ N(m, s) by the quadrature of [`tcp_population_panels`].
fn population_average(tcp_at: impl Fn(f64) -> f64, m: f64, s: f64, panels: usize) -> f64 {
    if s <= 0.0 || panels == 0 {
        return tcp_at(m);
    }
    let cdf = |a: f64| normal_cdf((a - m) / s);
    let below_zero = cdf(0.0) * tcp_at(0.0);
    let (lo, hi) = ((m - 10.0 * s).max(0.0), m + 10.0 * s);
    if hi <= lo {
        return below_zero;
    }
    const EPS_LO: f64 = 1e-17;
    const EPS_HI: f64 = 1e-16;
    let a = if tcp_at(lo) > EPS_LO {
        lo
    } else {
        bisect(lo, hi, |x| tcp_at(x) > EPS_LO)
    };
    let b = if tcp_at(hi) < 1.0 - EPS_HI {
        hi
    } else {
        bisect(a, hi, |x| tcp_at(x) >= 1.0 - EPS_HI)
    };
    let (x, w) = gauss_legendre(8);
    let width = (b - a) / panels as f64;
    let norm = 1.0 / (s * (2.0 * PI).sqrt());
    let mut transition = 0.0;
    for k in 0..panels {
        let mid = a + width * (k as f64 + 0.5);
        for (xi, wi) in x.iter().zip(&w) {
            let al = mid + 0.5 * width * xi;
            let pdf = norm * (-0.5 * ((al - m) / s).powi(2)).exp();
            transition += 0.5 * width * wi * pdf * tcp_at(al);
        }
    }
    // above b: TCP = 1 (to 1e-16), up to hi and beyond
    let above = 1.0 - cdf(b);
    (below_zero + transition + above).clamp(0.0, 1.0)
}

/// Smallest x in [lo, hi] where the monotone predicate turns true (to 1e-14 relative).
fn bisect(mut lo: f64, mut hi: f64, turned: impl Fn(f64) -> bool) -> f64 {
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if turned(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
        if hi - lo <= 1e-14 * hi.abs().max(1e-300) {
            break;
        }
    }
    hi
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_tcp_equals_the_voxel_tcp_with_equal_volumes_and_merged_voxels() {
        let bed = [60.0, 70.0, 80.0, 70.0];
        let v = 0.064;
        let t = tcp_population(&bed, v, 1e7, 0.3, 0.08);
        let w = tcp_population_weighted(&bed, &[v; 4], 1e7, 0.3, 0.08);
        // the same sum in the same order: equal to rounding
        assert!((t - w).abs() < 1e-12, "{t} {w}");
        // two voxels of 70 Gy merged into one bin of twice the volume
        let m = tcp_population_weighted(&[60.0, 70.0, 80.0], &[v, 2.0 * v, v], 1e7, 0.3, 0.08);
        assert!((t - m).abs() < 1e-12, "{t} {m}");
    }
}
