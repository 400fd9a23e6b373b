//! Detectability of a signal in a region of a simulated PET: contrast-to-noise ratio and the
//! smallest number of cells that meets the Rose criterion.
//!
//! Four reconstructions of the same scan enter: noise-free and noisy, of the background alone
//! (what the animal holds without the cells: free tracer, released label) and of the background
//! plus the cells. In region r:
//! - contrast Δ = mean_r(noise-free, with cells) − mean_r(noise-free, background);
//! - noise σ = the standard deviation of the region's mean in the scan with cells. The Rose
//!   criterion (Rose, J Opt Soc Am 38 (1948) 196; k ≥ 5 for certain detection) compares the
//!   signal summed over the object with the noise summed over the same area, i.e. the region's
//!   mean against the noise of that mean. σ = σ_vox / sqrt(n), with σ_vox the rms over the
//!   region's n voxels of e = noisy − noise-free (one realisation), the white-noise value.
//!   Unfiltered OSEM noise is anti-correlated between neighbouring voxels: the autocovariance
//!   of e summed over lags up to 2 voxels (the zero-frequency noise power) came out below the
//!   white-noise value in the mouse lungs and liver (695 and 1287 voxels at 1 mm), so σ_vox/√n
//!   is an upper bound (N_min errs on the safe side); a lag sum from one realisation is too
//!   noisy to use in a small region (it scattered by a factor 3 in the 72-voxel mouse spleen);
//!   and at least the Poisson noise of the region's own expected counts C,
//!   σ ≥ mean_r(noise-free) / sqrt(C): no reconstruction knows a region's activity better than
//!   its counts (at a few counts the noisy image is zero over the whole region, and the
//!   voxel-noise value, which assumes independent voxels, would fall far below this);
//! - CNR = Δ / σ, detectable when CNR ≥ k (default 5).
//!
//! The minimum detectable number of cells N_min solves CNR(N) = k with the contrast linear in
//! the cells, Δ(N) = d N (d = Δ/N), and the noise variance that of the background plus a part
//! proportional to the cells' counts, σ²(N) = σ_B² + v N (σ_B from the background-only pair,
//! v = max(σ² − σ_B², 0)/N): d² N² − k² v N − k² σ_B² = 0, so
//! N_min = (k² v + sqrt(k⁴ v² + 4 k² d² σ_B²)) / (2 d²). In both limits N_min ∝ 1/(activity per
//! cell): background-dominated N_min = k σ_B / d, count-dominated N_min = k² v / d².

/// The detectability of one region in one scan.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RegionDetect {
    /// Δ (Bq/mL at the scan start)
    pub contrast_bq_ml: f64,
    /// noise of the region's mean in the scan with cells, σ (Bq/mL)
    pub noise_bq_ml: f64,
    /// the same in the background-only scan, σ_B (Bq/mL)
    pub background_noise_bq_ml: f64,
    /// rms voxel noise of the scan with cells (Bq/mL)
    pub voxel_noise_bq_ml: f64,
    /// Δ / σ (infinite for a noiseless image with contrast)
    pub cnr: f64,
    /// the smallest number of cells with CNR ≥ the threshold (infinite without contrast)
    pub min_detectable_cells: f64,
    /// the same for an observer of single voxels (the rms voxel noise in place of the noise of
    /// the region's mean): the least efficient observer, where the Rose criterion's is the
    /// ideal one that sums over the whole region
    pub min_detectable_cells_voxel: f64,
}

/// The four reconstructions of one scan (same grid, Bq/mL) and the expected counts per Bq at
/// the scan start (efficiency x positron yield x decays per Bq during the scan).
#[derive(Clone, Copy, Debug)]
pub struct ScanImages<'a> {
    pub counts_per_bq: f64,
    pub background_noise_free: &'a [f64],
    pub background_noisy: &'a [f64],
    pub with_cells_noise_free: &'a [f64],
    pub with_cells_noisy: &'a [f64],
}

fn mean_at(img: &[f64], vox: &[usize]) -> f64 {
    vox.iter().map(|&v| img[v]).sum::<f64>() / vox.len() as f64
}

fn rms_diff(a: &[f64], b: &[f64], vox: &[usize]) -> f64 {
    (vox.iter().map(|&v| (a[v] - b[v]).powi(2)).sum::<f64>() / vox.len() as f64).sqrt()
}

/// Standard deviation of the mean of `noisy` over `vox` (module docs): the rms voxel noise
/// over the square root of the voxel count.
pub fn roi_mean_noise(noisy: &[f64], noise_free: &[f64], vox: &[usize]) -> f64 {
    if vox.is_empty() {
        return 0.0;
    }
    rms_diff(noisy, noise_free, vox) / (vox.len() as f64).sqrt()
}

/// The region's Poisson floor (module docs): mean / sqrt(expected counts of `bq`).
fn poisson_floor(img: &[f64], vox: &[usize], bq: f64, counts_per_bq: f64) -> f64 {
    let counts = bq * counts_per_bq;
    if counts > 0.0 {
        mean_at(img, vox).abs() / counts.sqrt()
    } else {
        0.0
    }
}

/// The detectability of the region whose voxels are `vox`, holding `cells` cells, at the CNR
/// threshold `k`; `region_bq` is the activity in the region at the scan start, background
/// alone and with the cells (Bq). `None` for a region without voxels or without cells.
pub fn region_detect(
    im: &ScanImages,
    vox: &[usize],
    region_bq: [f64; 2],
    cells: f64,
    k: f64,
) -> Option<RegionDetect> {
    if vox.is_empty() || cells.is_nan() || cells <= 0.0 {
        return None;
    }
    let contrast = mean_at(im.with_cells_noise_free, vox) - mean_at(im.background_noise_free, vox);
    let c = im.counts_per_bq;
    let sigma = roi_mean_noise(im.with_cells_noisy, im.with_cells_noise_free, vox).max(
        poisson_floor(im.with_cells_noise_free, vox, region_bq[1], c),
    );
    let sigma_b = roi_mean_noise(im.background_noisy, im.background_noise_free, vox).max(
        poisson_floor(im.background_noise_free, vox, region_bq[0], c),
    );
    let voxel = rms_diff(im.with_cells_noisy, im.with_cells_noise_free, vox);
    let voxel_b = rms_diff(im.background_noisy, im.background_noise_free, vox);
    let cnr = if sigma > 0.0 {
        contrast / sigma
    } else if contrast > 0.0 {
        f64::INFINITY
    } else {
        0.0
    };
    Some(RegionDetect {
        contrast_bq_ml: contrast,
        noise_bq_ml: sigma,
        background_noise_bq_ml: sigma_b,
        voxel_noise_bq_ml: voxel,
        cnr,
        min_detectable_cells: min_detectable(contrast / cells, sigma, sigma_b, cells, k),
        min_detectable_cells_voxel: min_detectable(contrast / cells, voxel, voxel_b, cells, k),
    })
}

/// N_min of the module docs from the contrast per cell `d`, the noise with `cells` cells
/// `sigma` and the background noise `sigma_b`.
pub fn min_detectable(d: f64, sigma: f64, sigma_b: f64, cells: f64, k: f64) -> f64 {
    if d.is_nan() || d <= 0.0 {
        return f64::INFINITY;
    }
    let v = (sigma * sigma - sigma_b * sigma_b).max(0.0) / cells;
    let k2 = k * k;
    (k2 * v + (k2 * k2 * v * v + 4.0 * k2 * d * d * sigma_b * sigma_b).sqrt()) / (2.0 * d * d)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// At N_min the modelled CNR is exactly k, in a mixed background/count noise regime.
    #[test]
    fn min_detectable_meets_the_threshold() {
        let (d, sb, cells, k): (f64, f64, f64, f64) = (2e-4, 3.0, 1e5, 5.0);
        let sigma = (sb * sb + 4.0).sqrt();
        let n = min_detectable(d, sigma, sb, cells, k);
        let v = (sigma * sigma - sb * sb) / cells;
        let cnr = d * n / (sb * sb + v * n).sqrt();
        assert!((cnr / k - 1.0).abs() < 1e-12, "{cnr}");
    }

    /// Background-dominated: N_min = k σ_B / d, so ten times the activity per cell (ten times d)
    /// gives a tenth of the cells.
    #[test]
    fn background_limited_scales_inversely() {
        let n1 = min_detectable(1e-4, 2.0, 2.0, 1e5, 5.0);
        let n10 = min_detectable(1e-3, 2.0, 2.0, 1e5, 5.0);
        assert!((n1 / n10 - 10.0).abs() < 1e-9);
        assert!((n1 - 5.0 * 2.0 / 1e-4).abs() < 1e-6);
    }
}
