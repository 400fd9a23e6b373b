//! Dose statistics of regions: mass, mean/min/max dose, dose-volume points D_x, V(x Gy), mean
//! relative uncertainty, and cumulative dose-volume histograms.
//!
//! Every statistic is mass-weighted (voxels of unequal density count by their mass), as in
//! MIRD and RT dose reporting: D_x is the smallest dose received by the hottest x% of the
//! region's mass, i.e. the dose at which the cumulative DVH falls to x%. It is taken from the
//! voxels sorted by dose, without binning: D_x is the dose of the voxel at which the mass
//! accumulated from the hottest voxel first reaches x% of the region's mass.

/// Statistics of one region.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RegionDose {
    pub name: String,
    pub voxels: usize,
    pub mass_g: f64,
    /// mass-weighted mean dose (Gy)
    pub mean_gy: f64,
    pub min_gy: f64,
    pub max_gy: f64,
    pub d98_gy: f64,
    pub d90_gy: f64,
    pub d70_gy: f64,
    pub d50_gy: f64,
    pub d2_gy: f64,
    /// relative uncertainty (1 sigma) of the mean dose: exact when the caller gives it (the
    /// Monte Carlo's history statistics of the region total), otherwise the mass-weighted mean
    /// of the voxels' relative uncertainties (an upper bound for independent voxels)
    pub rel_uncertainty: f64,
}

/// Voxels of one region with their doses and masses, sorted hottest first.
fn sorted(dose: &[f64], mass: &[f64], voxels: &[u32]) -> Vec<(f64, f64)> {
    let mut v: Vec<(f64, f64)> = voxels
        .iter()
        .map(|&i| (dose[i as usize], mass[i as usize]))
        .collect();
    v.sort_by(|a, b| b.0.total_cmp(&a.0));
    v
}

/// The dose received by at least `percent` % of the mass (`sorted` hottest first).
fn d_at(sorted: &[(f64, f64)], total_mass: f64, percent: f64) -> f64 {
    let target = total_mass * percent / 100.0;
    let mut acc = 0.0;
    for &(d, m) in sorted {
        acc += m;
        if acc >= target * (1.0 - 1e-12) {
            return d;
        }
    }
    sorted.last().map_or(0.0, |x| x.0)
}

/// Statistics of a region given by its voxel indices.
///
/// `unc` is the relative uncertainty per voxel (used when `region_rel_uncertainty` is None).
pub fn region_dose(
    name: &str,
    dose: &[f64],
    unc: Option<&[f64]>,
    mass: &[f64],
    voxels: &[u32],
    region_rel_uncertainty: Option<f64>,
) -> RegionDose {
    let s = sorted(dose, mass, voxels);
    let mass_g: f64 = s.iter().map(|x| x.1).sum();
    let mean = if mass_g > 0.0 {
        s.iter().map(|x| x.0 * x.1).sum::<f64>() / mass_g
    } else {
        0.0
    };
    let rel = region_rel_uncertainty.unwrap_or_else(|| match unc {
        Some(u) if mass_g > 0.0 => {
            voxels
                .iter()
                .map(|&i| u[i as usize] * mass[i as usize])
                .sum::<f64>()
                / mass_g
        }
        _ => 0.0,
    });
    RegionDose {
        name: name.to_string(),
        voxels: voxels.len(),
        mass_g,
        mean_gy: mean,
        min_gy: s.last().map_or(0.0, |x| x.0),
        max_gy: s.first().map_or(0.0, |x| x.0),
        d98_gy: d_at(&s, mass_g, 98.0),
        d90_gy: d_at(&s, mass_g, 90.0),
        d70_gy: d_at(&s, mass_g, 70.0),
        d50_gy: d_at(&s, mass_g, 50.0),
        d2_gy: d_at(&s, mass_g, 2.0),
        rel_uncertainty: rel,
    }
}

/// Fraction of the region's mass receiving at least `dose_gy` (V(x Gy) as a fraction).
pub fn v_at(dose: &[f64], mass: &[f64], voxels: &[u32], dose_gy: f64) -> f64 {
    let total: f64 = voxels.iter().map(|&i| mass[i as usize]).sum();
    if total <= 0.0 {
        return 0.0;
    }
    let hit: f64 = voxels
        .iter()
        .filter(|&&i| dose[i as usize] >= dose_gy)
        .map(|&i| mass[i as usize])
        .sum();
    // an empty sum of f64 is -0.0, which files would print as "-0.000000"
    if hit > 0.0 {
        hit / total
    } else {
        0.0
    }
}

/// CSV of region statistics; header
/// `region,mass_g,mean_gy,rel_uncertainty,d90_gy,d50_gy,d2_gy,max_gy` followed by more columns
/// (`min_gy,d98_gy,d70_gy,voxels` and `v<x>gy_fraction` for each of `v_levels_gy`).
pub fn regions_csv(
    rows: &[RegionDose],
    dose: &[f64],
    mass: &[f64],
    voxels: &[Vec<u32>],
    v_levels_gy: &[f64],
) -> String {
    let mut s = String::from(
        "region,mass_g,mean_gy,rel_uncertainty,d90_gy,d50_gy,d2_gy,max_gy,min_gy,d98_gy,d70_gy,voxels",
    );
    for v in v_levels_gy {
        s.push_str(&format!(",v{v}gy_fraction"));
    }
    s.push('\n');
    for (r, vox) in rows.iter().zip(voxels) {
        s.push_str(&format!(
            "{},{:.6},{:.6e},{:.4e},{:.6e},{:.6e},{:.6e},{:.6e},{:.6e},{:.6e},{:.6e},{}",
            r.name,
            r.mass_g,
            r.mean_gy,
            r.rel_uncertainty,
            r.d90_gy,
            r.d50_gy,
            r.d2_gy,
            r.max_gy,
            r.min_gy,
            r.d98_gy,
            r.d70_gy,
            r.voxels
        ));
        for &v in v_levels_gy {
            s.push_str(&format!(",{:.6}", v_at(dose, mass, vox, v)));
        }
        s.push('\n');
    }
    s
}

/// Cumulative DVHs: the fraction of each region's mass receiving at least each dose of an
/// even grid of `bins` + 1 doses from 0 to the largest maximum. Returns the dose grid and one
/// curve per region.
pub fn dvh(
    dose: &[f64],
    mass: &[f64],
    voxels: &[Vec<u32>],
    bins: usize,
) -> (Vec<f64>, Vec<Vec<f64>>) {
    let dmax = voxels
        .iter()
        .flatten()
        .map(|&i| dose[i as usize])
        .fold(0.0, f64::max);
    let step = if dmax > 0.0 { dmax / bins as f64 } else { 1.0 };
    let grid: Vec<f64> = (0..=bins).map(|b| b as f64 * step).collect();
    let curves = voxels
        .iter()
        .map(|vox| {
            // mass per bin of dose, then a reverse cumulative sum
            let mut h = vec![0.0; bins + 2];
            let mut total = 0.0;
            for &i in vox {
                let b = ((dose[i as usize] / step).floor() as usize).min(bins);
                h[b] += mass[i as usize];
                total += mass[i as usize];
            }
            let mut out = vec![0.0; bins + 1];
            let mut acc = 0.0;
            for b in (0..=bins).rev() {
                acc += h[b];
                out[b] = if total > 0.0 { acc / total } else { 0.0 };
            }
            out
        })
        .collect();
    (grid, curves)
}

/// DVH CSV: `dose_gy` then one column per region (`<name>_volume_fraction`).
pub fn dvh_csv(names: &[String], grid: &[f64], curves: &[Vec<f64>]) -> String {
    let mut s = String::from("dose_gy");
    for n in names {
        s.push_str(&format!(",{n}_volume_fraction"));
    }
    s.push('\n');
    for (b, d) in grid.iter().enumerate() {
        s.push_str(&format!("{d:.6e}"));
        for c in curves {
            s.push_str(&format!(",{:.6}", c[b]));
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dose_volume_points_of_a_ramp() {
        // 100 voxels of equal mass with doses 1..=100 Gy: the hottest 2% receive >= 99 Gy,
        // 50% >= 51 Gy, 90% >= 11 Gy
        let dose: Vec<f64> = (1..=100).map(|x| x as f64).collect();
        let mass = vec![1.0; 100];
        let vox: Vec<u32> = (0..100).collect();
        let r = region_dose("ramp", &dose, None, &mass, &vox, None);
        assert_eq!(r.d2_gy, 99.0);
        assert_eq!(r.d50_gy, 51.0);
        assert_eq!(r.d90_gy, 11.0);
        assert_eq!(r.d98_gy, 3.0);
        assert!((r.mean_gy - 50.5).abs() < 1e-12);
        assert_eq!((r.min_gy, r.max_gy), (1.0, 100.0));
        assert!((v_at(&dose, &mass, &vox, 91.0) - 0.10).abs() < 1e-12);
        let (g, c) = dvh(&dose, &mass, &[vox], 100);
        assert_eq!(c[0][0], 1.0);
        assert!((c[0][50] - 0.51).abs() < 1e-12, "{} at {}", c[0][50], g[50]);
    }

    #[test]
    fn no_negative_zero_in_tables() {
        // a region that nothing reaches: V(x Gy) is +0, so the CSV reads 0.000000, not -0.000000
        let dose = vec![0.0; 4];
        let mass = vec![1.0; 4];
        let vox: Vec<u32> = (0..4).collect();
        let v = v_at(&dose, &mass, &vox, 2.0);
        assert!(v == 0.0 && v.is_sign_positive());
        let r = region_dose("cold", &dose, None, &mass, &vox, None);
        let csv = regions_csv(&[r], &dose, &mass, &[vox], &[2.0]);
        assert!(!csv.contains("-0."), "{csv}");
    }
}
