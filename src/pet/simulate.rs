//! The simulated scan: activity -> annihilations -> expected counts -> noise -> OSEM.

use super::blur::{convolve_strided, Blur3, Kernel1d};
use super::geometry::SinoGeom;
use super::noise::poisson_sinogram;
use super::osem::{osem, SystemModel};
use super::positron_range_kernel as prk;
use super::projector::{Projector, Sinogram, PLANE_BLOCK};
use super::scanner::Scanner;
use crate::phantom::Phantom;
use crate::physics::photon::PhotonPhysics;
use crate::source::nuclide::Nuclide;
use anyhow::{bail, Result};

/// Annihilation photon energy (MeV): the electron rest energy.
const E511_MEV: f64 = crate::units::ELECTRON_MASS_MEV;

/// Options of a simulated scan.
#[derive(Clone, Debug)]
pub struct PetOptions {
    /// time from the reference time of the activity map to the scan start (s): the map decays
    /// by exp(-lambda uptake) before the scan (0: the map is the activity at scan start)
    pub uptake_s: f64,
    /// scan duration per bed position (s)
    pub duration_s: f64,
    /// OSEM iterations and subsets (the number of views is rounded up to a multiple of it)
    pub iterations: usize,
    pub subsets: usize,
    /// Poisson noise on the counts (false: the expected counts are reconstructed)
    pub noise: bool,
    /// seed of the noise streams and of the positron-range transport
    pub seed: u64,
    /// resolution modelling (the system blur) in the reconstruction
    pub psf_recon: bool,
    /// positron histories for the range kernel (0: no positron range)
    pub positron_histories: u64,
    /// scatter fraction S / (T + S) of the prompts before randoms, in [0, 1)
    pub scatter_fraction: f64,
    /// randoms fraction R / (T + S + R) of the prompts, in [0, 1)
    pub randoms_fraction: f64,
    /// Gaussian post-filter of the reconstruction (FWHM, mm; 0: none)
    pub post_filter_fwhm_mm: f64,
    /// projection angles (None: pi/2 x the image diagonal in voxels, at most half the
    /// crystals of a ring)
    pub views: Option<usize>,
    /// progress messages on stderr
    pub progress: bool,
}

impl Default for PetOptions {
    fn default() -> Self {
        PetOptions {
            uptake_s: 0.0,
            duration_s: 600.0,
            iterations: 4,
            subsets: 8,
            noise: true,
            seed: 1,
            psf_recon: false,
            positron_histories: 20_000,
            scatter_fraction: 0.0,
            randoms_fraction: 0.0,
            post_filter_fwhm_mm: 0.0,
            views: None,
            progress: false,
        }
    }
}

/// The images and numbers of a simulated scan (images in the phantom's grid order).
#[derive(Clone, Debug)]
pub struct PetImages {
    /// reconstructed activity concentration at scan start (Bq/mL)
    pub recon_bq_ml: Vec<f64>,
    /// the activity the scan saw: concentration at scan start (Bq/mL), the map decayed over
    /// `uptake_s`
    pub truth_bq_ml: Vec<f64>,
    /// expected true coincidences (noise-free)
    pub expected_trues: f64,
    /// prompts of the scan (trues + scatter + randoms, with noise if asked)
    pub prompts: f64,
    pub geometry: SinoGeom,
    /// system blur FWHM (mm): transaxial, axial
    pub system_fwhm_mm: [f64; 2],
    /// rms of the 1D positron range (mm; 0 without)
    pub positron_rms_mm: f64,
    /// decays per Bq at scan start during the scan: (1 - exp(-lambda T)) / lambda (s)
    pub decay_integral_s: f64,
}

/// Simulates a PET scan of `phantom` holding `activity_bq_ml` (grid order, concentration at
/// the reference time `opts.uptake_s` before the scan start) of `nuclide` on `scanner`, and
/// reconstructs it.
///
/// # Errors
/// An activity map of the wrong size or with negative or non-finite values, activity outside
/// the scanner's transaxial field of view, a nuclide without positrons, invalid options.
pub fn simulate(
    phantom: &Phantom,
    activity_bq_ml: &[f64],
    nuclide: &str,
    scanner: &Scanner,
    opts: &PetOptions,
) -> Result<PetImages> {
    let g = &phantom.grid;
    check_inputs(phantom, activity_bq_ml, scanner, opts)?;
    let (nuc, yield_pos) = positron_emitter(nuclide)?;
    let say = |m: &str| {
        if opts.progress {
            eprintln!("pet: {m}");
        }
    };
    let [nx, ny, nz] = g.dims;
    let [dx, dy, _] = g.spacing_mm;
    let geom = sino_geom(g.dims, [dx, dy], scanner, opts);
    let projector = Projector::new(geom.clone());
    say(&format!(
        "{} views x {} bins of {:.2} mm x {} planes ({:.2e} LORs)",
        geom.n_views,
        geom.n_bins,
        geom.bin_mm,
        nz,
        geom.n_lors() as f64
    ));

    let all_views: Vec<usize> = (0..geom.n_views).collect();
    let mut factor = attenuation_integrals(phantom, &projector, &all_views)?;

    // calibration: counts per LOR per (Bq/mL x mm of path), so that one voxel's decays summed
    // over all its LORs give efficiency x positron yield x decays (sum_i P_ij = views dx dy / bin)
    let lambda = nuc.lambda_per_s();
    let decay_integral_s = -(-lambda * opts.duration_s).exp_m1() / lambda;
    let voxel_ml = g.voxel_volume_cm3();
    let kappa = scanner.efficiency * yield_pos * decay_integral_s * voxel_ml * geom.bin_mm
        / (geom.n_views as f64 * dx * dy);
    factor
        .data
        .iter_mut()
        .for_each(|a| *a = kappa * (-*a).exp());

    // the activity at scan start, and the annihilation density: it blurred by positron range
    let at_start = (-lambda * opts.uptake_s).exp();
    let truth: Vec<f64> = activity_bq_ml.iter().map(|a| a * at_start).collect();
    let (annihilation, positron_rms_mm) = annihilation_density(phantom, &nuc, &truth, opts)?;
    let fwhm = [scanner.transaxial_fwhm_mm(), scanner.axial_fwhm_mm()];
    let psf = gaussian_blur(fwhm[0], fwhm[1], g.spacing_mm);

    say("forward projection");
    let truth_model = SystemModel {
        projector: &projector,
        factor: &factor,
        psf: Some(&psf),
    };
    let mut trues = projector.zeros();
    truth_model.forward(&annihilation, &all_views, &mut trues);
    let expected_trues: f64 = trues.data.iter().sum();
    let background = backgrounds(&projector, &trues, scanner, opts);
    let prompts = prompts(&projector, trues, &background, opts);
    let total_prompts: f64 = prompts.data.iter().sum();
    say(&format!(
        "{expected_trues:.3e} expected trues, {total_prompts:.3e} prompts"
    ));

    let model = SystemModel {
        projector: &projector,
        factor: &factor,
        psf: opts.psf_recon.then_some(&psf),
    };
    let mut recon = osem(
        &model,
        &prompts,
        &background,
        opts.iterations,
        opts.subsets,
        |it| say(&format!("OSEM iteration {it}/{}", opts.iterations)),
    );
    if opts.post_filter_fwhm_mm > 0.0 {
        let f = opts.post_filter_fwhm_mm;
        gaussian_blur(f, f, g.spacing_mm).apply(&mut recon, [nx, ny, nz]);
    }
    Ok(PetImages {
        recon_bq_ml: recon,
        truth_bq_ml: truth,
        expected_trues,
        prompts: total_prompts,
        geometry: geom,
        system_fwhm_mm: fwhm,
        positron_rms_mm,
        decay_integral_s,
    })
}

/// The nuclide and its positrons per decay.
///
/// # Errors
/// An unknown nuclide, or one without positron emission.
fn positron_emitter(nuclide: &str) -> Result<(Nuclide, f64)> {
    let nuc = Nuclide::load(nuclide)?;
    let yield_pos = nuc.positron_yield();
    if yield_pos <= 0.0 {
        bail!(
            "nuclide {}: no positron emission, it cannot be imaged by PET",
            nuc.name
        );
    }
    Ok((nuc, yield_pos))
}

/// The annihilation density of the activity `truth` (Bq/mL): it blurred by the positron range in
/// each medium when `opts.positron_histories` > 0, with the rms range (mm; else 0).
fn annihilation_density(
    phantom: &Phantom,
    nuc: &Nuclide,
    truth: &[f64],
    opts: &PetOptions,
) -> Result<(Vec<f64>, f64)> {
    let mut annihilation = truth.to_vec();
    let mut positron_rms_mm = 0.0;
    if opts.positron_histories > 0 {
        if opts.progress {
            eprintln!("pet: positron range from transport, per medium");
        }
        positron_rms_mm = prk::blur_by_medium(
            phantom,
            nuc,
            &mut annihilation,
            opts.positron_histories,
            opts.seed,
        )?;
    }
    Ok((annihilation, positron_rms_mm))
}

/// The prompts: trues plus background, Poisson-sampled when `opts.noise`.
fn prompts(
    projector: &Projector,
    trues: Sinogram,
    background: &Sinogram,
    opts: &PetOptions,
) -> Sinogram {
    let mut prompts = trues;
    for (p, b) in prompts.data.iter_mut().zip(&background.data) {
        *p += b;
    }
    if opts.noise {
        prompts = poisson_sinogram(projector, &prompts, opts.seed);
    }
    prompts
}

/// The line integrals of the linear attenuation coefficient at 511 keV (mm-1 times mm) of
/// every LOR of `views`.
fn attenuation_integrals(
    phantom: &Phantom,
    projector: &Projector,
    views: &[usize],
) -> Result<Sinogram> {
    let photon = PhotonPhysics::new(&phantom.materials)?;
    let mu_rho: Vec<f64> = (0..phantom.materials.len())
        .map(|m| photon.coefficients(m, E511_MEV).total())
        .collect();
    let mu_per_mm: Vec<f64> = phantom
        .material
        .iter()
        .zip(&phantom.density)
        .map(|(&m, &d)| mu_rho[m as usize] * d as f64 / 10.0)
        .collect();
    let mut integrals = projector.zeros();
    projector.forward(&mu_per_mm, views, &mut integrals);
    Ok(integrals)
}

/// A separable Gaussian blur of FWHM `fwhm_xy_mm` across and `fwhm_z_mm` along the axis, on
/// voxels of `spacing_mm`.
fn gaussian_blur(fwhm_xy_mm: f64, fwhm_z_mm: f64, spacing_mm: [f64; 3]) -> Blur3 {
    let [dx, dy, dz] = spacing_mm;
    Blur3 {
        k: [
            Kernel1d::gaussian(fwhm_xy_mm, dx),
            Kernel1d::gaussian(fwhm_xy_mm, dy),
            Kernel1d::gaussian(fwhm_z_mm, dz),
        ],
    }
}

/// The sinogram sampling of an image: bins of half the smaller in-plane voxel covering the
/// image diagonal; views as `PetOptions::views` says, rounded up to a multiple of the subsets.
pub fn sino_geom(
    dims: [usize; 3],
    voxel_mm: [f64; 2],
    scanner: &Scanner,
    opts: &PetOptions,
) -> SinoGeom {
    let v = voxel_mm[0].min(voxel_mm[1]);
    let diag = (dims[0] as f64 * voxel_mm[0]).hypot(dims[1] as f64 * voxel_mm[1]);
    let bin_mm = 0.5 * v;
    let n_bins = (diag / bin_mm).ceil() as usize + 1;
    let s = opts.subsets.max(1);
    let wanted = opts.views.unwrap_or_else(|| {
        ((std::f64::consts::FRAC_PI_2 * diag / v).ceil() as usize)
            .min(scanner.crystals_per_ring / 2)
    });
    let n_views = wanted.max(s).div_ceil(s) * s;
    SinoGeom {
        nx: dims[0],
        ny: dims[1],
        nz: dims[2],
        dx_mm: voxel_mm[0],
        dy_mm: voxel_mm[1],
        n_views,
        n_bins,
        bin_mm,
    }
}

/// Scatter (trues blurred along the bins by a Gaussian of a quarter of the transaxial FOV,
/// scaled to the scatter fraction) plus randoms (uniform over the LORs, scaled to the randoms
/// fraction): smooth additive backgrounds, known exactly to the reconstruction.
fn backgrounds(p: &Projector, trues: &Sinogram, sc: &Scanner, opts: &PetOptions) -> Sinogram {
    let g = &p.geom;
    let mut bg = p.zeros();
    let t_total: f64 = trues.data.iter().sum();
    let sf = opts.scatter_fraction;
    let mut s_total = 0.0;
    if sf > 0.0 && t_total > 0.0 {
        let k = Kernel1d::gaussian(0.25 * sc.transaxial_fov_mm, g.bin_mm);
        bg.data.copy_from_slice(&trues.data);
        let (mut line, mut out) = (Vec::new(), Vec::new());
        let n_lor = g.lors_per_plane();
        for blk in bg.data.chunks_mut(PLANE_BLOCK * n_lor) {
            let len = blk.len() / n_lor;
            for v in 0..g.n_views {
                for kk in 0..len {
                    let start = v * g.n_bins * len + kk;
                    convolve_strided(blk, start, len, g.n_bins, &k, &mut line, &mut out);
                }
            }
        }
        let smooth: f64 = bg.data.iter().sum();
        s_total = t_total * sf / (1.0 - sf);
        let scale = if smooth > 0.0 { s_total / smooth } else { 0.0 };
        bg.data.iter_mut().for_each(|x| *x *= scale);
    }
    let rf = opts.randoms_fraction;
    if rf > 0.0 {
        let r_each = (t_total + s_total) * rf / (1.0 - rf) / g.n_lors() as f64;
        bg.data.iter_mut().for_each(|x| *x += r_each);
    }
    bg
}

fn check_inputs(ph: &Phantom, act: &[f64], sc: &Scanner, o: &PetOptions) -> Result<()> {
    let g = &ph.grid;
    if act.len() != ph.len() {
        bail!(
            "activity map has {} voxels, expected {} ({}) like phantom '{}'",
            act.len(),
            ph.len(),
            g.dims_string(),
            ph.name
        );
    }
    if let Some((i, a)) = act
        .iter()
        .enumerate()
        .find(|(_, a)| !(a.is_finite() && **a >= 0.0))
    {
        bail!("activity map: voxel {i} holds {a} Bq/mL, expected a finite non-negative value");
    }
    if !(o.duration_s.is_finite() && o.duration_s > 0.0) {
        bail!(
            "scan duration {} s, expected a positive number",
            o.duration_s
        );
    }
    if o.iterations == 0 || o.subsets == 0 {
        bail!("OSEM needs at least one iteration and one subset");
    }
    for (what, f) in [
        ("scatter fraction", o.scatter_fraction),
        ("randoms fraction", o.randoms_fraction),
    ] {
        if !(0.0..1.0).contains(&f) {
            bail!("{what} {f}, expected a fraction in [0, 1)");
        }
    }
    // every voxel holding activity must lie in the transaxial field of view
    let [nx, ny, _] = g.dims;
    let r_max = 0.5 * sc.transaxial_fov_mm;
    for (v, &a) in act.iter().enumerate() {
        if a > 0.0 {
            let (i, j) = (v % nx, (v / nx) % ny);
            let x = (i as f64 + 0.5 - 0.5 * nx as f64) * g.spacing_mm[0];
            let y = (j as f64 + 0.5 - 0.5 * ny as f64) * g.spacing_mm[1];
            if x.hypot(y) > r_max {
                bail!(
                    "activity at {x:.0}, {y:.0} mm from the axis lies outside the {:.0} mm \
                     transaxial field of view of scanner '{}'",
                    sc.transaxial_fov_mm,
                    sc.name
                );
            }
        }
    }
    Ok(())
}
