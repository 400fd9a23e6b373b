//! The chain of a cell-tracking study in memory: cells per region over time -> activity per
//! region -> a simulated PET of every scan (the project's PET model: positron range, system
//! blur, attenuation, Poisson noise, OSEM) -> contrast-to-noise and the minimum detectable cells
//! per region ([`crate::pet::detect`]) -> the nucleus dose of the labelled cells
//! ([`super::model`]); the time at which a reporter's signal overtakes a direct label's, from
//! the images and in closed form.
//!
//! Activity maps at a scan start (Bq/mL): the cells' activity of region r, f_r(t) times the
//! population's cell-bound activity, spread uniformly over r's voxels (a diffuse engraftment);
//! the cells of no listed region spread over the rest of the body by mass. Background (the scan
//! without the cells): a direct label's effluxed activity in `released_to` (else over the body
//! by mass); a reporter tracer's free fraction, `background_pct_id_per_g` of the injected
//! activity per gram of every body voxel.

use super::model::{cell_dose, CellDose, Kinetics, Masses, Point};
use super::spec::{CellTrackingStudy, LabelKind};
use crate::context::Context;
use crate::dosimetry::cell::label::overtake_time_h;
use crate::pet::detect::{region_detect, ScanImages};
use crate::pet::{simulate, PetOptions, Scanner};
use crate::phantom::Phantom;
use crate::run::problem::build_phantom;
use crate::run::spec::PhantomSpec;
use crate::source::nuclide::Nuclide;
use crate::study::common::crop_z;
use anyhow::{Context as _, Result};
use serde::Serialize;

/// One region at one scan.
#[derive(Clone, Debug, Serialize)]
pub struct RegionRow {
    pub time_h: f64,
    pub region: String,
    pub cells: f64,
    pub activity_bq: f64,
    pub contrast_bq_ml: f64,
    pub noise_bq_ml: f64,
    pub cnr: f64,
    pub detectable: bool,
    pub min_detectable_cells: f64,
    /// the same for a single-voxel observer ([`crate::pet::detect::RegionDetect`])
    pub min_detectable_cells_voxel: f64,
}

/// The results of one point.
#[derive(Clone, Debug)]
pub struct PointResult {
    pub point: Point,
    pub rows: Vec<RegionRow>,
    pub dose: CellDose,
    /// the noisy reconstruction of every scan (Bq/mL, scan grid)
    pub images: Vec<Vec<f64>>,
    /// whether this point is the strategy's own activity (not a sweep value)
    pub nominal: bool,
}

/// The time a reporter's signal overtakes a direct label's in one region.
#[derive(Clone, Debug, Serialize)]
pub struct Overtake {
    pub direct: String,
    pub reporter: String,
    pub region: String,
    /// from the reconstructed contrasts, log-linear between the bracketing scans (None: no
    /// crossing between the first and the last scan)
    pub from_images_h: Option<f64>,
    /// closed form of the same kinetics
    pub closed_form_h: Option<f64>,
}

/// A cell-tracking study's results.
#[derive(Clone, Debug)]
pub struct CellTrackingResult {
    /// the phantom cut to the scanned planes
    pub phantom: Phantom,
    pub points: Vec<PointResult>,
    pub overtakes: Vec<Overtake>,
    pub scanner: String,
}

/// The scan geometry shared by every point: the cropped phantom and its region voxels.
struct Setup {
    ph: Phantom,
    scanner: Scanner,
    region_vox: Vec<Vec<usize>>,
    rest_vox: Vec<usize>,
    released_vox: Vec<Option<Vec<usize>>>,
    masses: Vec<Masses>,
}

/// Builds the phantom and cuts it to the planes of the migration regions (plus the margin).
fn setup(ctx: &Context, study: &CellTrackingStudy) -> Result<Setup> {
    let file = study.file.display().to_string();
    let full = build_phantom(
        &PhantomSpec {
            builtin: Some(study.phantom.builtin.clone()),
            ct: None,
            ct_series: None,
            labels: None,
            label_names: Default::default(),
            hu_calibration: None,
            voxel_mm: study.phantom.voxel_mm.map(Into::into),
            groups: vec![],
            world: None,
        },
        &ctx.materials,
    )
    .with_context(|| format!("{file}: phantom"))?;
    let mut ids = Vec::new();
    for r in &study.migration.regions {
        ids.push(
            full.region_id(r)
                .with_context(|| format!("{file}: migration.regions: '{r}'"))?,
        );
    }
    let plane = full.grid.dims[0] * full.grid.dims[1];
    let ks: Vec<usize> = (0..full.len())
        .filter(|&v| ids.contains(&full.label[v]))
        .map(|v| v / plane)
        .collect();
    let margin = (study.scans.margin_mm / full.grid.spacing_mm[2]).ceil() as usize;
    let k0 = ks.iter().min().copied().unwrap_or(0).saturating_sub(margin);
    let k1 = (ks.iter().max().copied().unwrap_or(0) + margin + 1).min(full.grid.dims[2]);
    let ph = crop_z(&full, k0, k1)?;
    let scanner = Scanner::load(&study.scans.scanner)?;
    let region_vox: Vec<Vec<usize>> = ids
        .iter()
        .map(|&id| (0..ph.len()).filter(|&v| ph.label[v] == id).collect())
        .collect();
    let rest_vox: Vec<usize> = (0..ph.len())
        .filter(|&v| ph.label[v] != 0 && !ids.contains(&ph.label[v]))
        .collect();
    let masses_full = full.region_masses_g();
    let body_g: f64 = masses_full.iter().skip(1).sum();
    let mut released_vox = Vec::new();
    let mut masses = Vec::new();
    for l in &study.label {
        let rel = match &l.released_to {
            Some(r) => {
                let id = ph
                    .region_id(r)
                    .with_context(|| format!("{file}: label '{}'.released_to: '{r}'", l.name))?;
                Some(
                    (0..ph.len())
                        .filter(|&v| ph.label[v] == id)
                        .collect::<Vec<_>>(),
                )
            }
            None => None,
        };
        let regions_g: Vec<f64> = ids.iter().map(|&id| masses_full[id as usize]).collect();
        masses.push(Masses {
            rest_g: body_g - regions_g.iter().sum::<f64>(),
            released_to_g: l
                .released_to
                .as_ref()
                .and_then(|r| full.region_id(r).ok())
                .map(|id| masses_full[id as usize]),
            regions_g,
            body_g,
        });
        released_vox.push(rel);
    }
    Ok(Setup {
        ph,
        scanner,
        region_vox,
        rest_vox,
        released_vox,
        masses,
    })
}

/// Adds `bq` spread uniformly by mass over `vox` to `map` (Bq/mL).
fn spread(ph: &Phantom, map: &mut [f64], vox: &[usize], bq: f64) {
    let mass: f64 = vox.iter().map(|&v| ph.voxel_mass_g(v)).sum();
    if mass <= 0.0 || bq <= 0.0 {
        return;
    }
    let ml = ph.voxel_volume_cm3();
    for &v in vox {
        map[v] += bq * ph.voxel_mass_g(v) / mass / ml;
    }
}

/// The background and the with-cells maps of point `p` (label index `li`) at `t_h`, and the
/// cells and activity per region.
fn maps(
    study: &CellTrackingStudy,
    s: &Setup,
    li: usize,
    p: &Point,
    t_h: f64,
) -> (Vec<f64>, Vec<f64>, Vec<(f64, f64)>) {
    let ph = &s.ph;
    let mut bkg = vec![0.0; ph.len()];
    let all_body: Vec<usize> = (0..ph.len()).filter(|&v| ph.label[v] != 0).collect();
    match &p.kinetics {
        Kinetics::Direct(d) => {
            // the released label in the scanned planes: its share of the body by mass
            let rel = d.released_bq(&p.cells, t_h);
            match &s.released_vox[li] {
                Some(vox) => spread(ph, &mut bkg, vox, rel),
                None => {
                    let frac = s.masses[li].body_g.recip()
                        * all_body.iter().map(|&v| ph.voxel_mass_g(v)).sum::<f64>();
                    spread(ph, &mut bkg, &all_body, rel * frac);
                }
            }
        }
        Kinetics::Reporter(r) => {
            let lbl = &study.label[li];
            let per_g = lbl.background_pct_id_per_g / 100.0
                * r.injected_mbq
                * 1e6
                * (-r.decay_per_h * r.uptake_h).exp();
            let mass: f64 = all_body.iter().map(|&v| ph.voxel_mass_g(v)).sum();
            spread(ph, &mut bkg, &all_body, per_g * mass);
        }
    }
    let mut with = bkg.clone();
    let bound = p.cell_bound_bq(t_h);
    let cells_t = p.cells.cells(t_h);
    let mut per_region = Vec::new();
    let mut sum_f = 0.0;
    for (r, vox) in s.region_vox.iter().enumerate() {
        let f = study.fraction(r, t_h);
        sum_f += f;
        spread(ph, &mut with, vox, f * bound);
        per_region.push((f * cells_t, f * bound));
    }
    // the rest of the cells: over the rest of the body, its scanned share by mass
    let rest = (1.0 - sum_f).max(0.0);
    let scanned: f64 = s.rest_vox.iter().map(|&v| ph.voxel_mass_g(v)).sum();
    let share = (scanned / s.masses[li].rest_g).min(1.0);
    spread(ph, &mut with, &s.rest_vox, rest * bound * share);
    (bkg, with, per_region)
}

/// Expected counts per Bq at the scan start: efficiency x positron yield x decays per Bq
/// during the scan (attenuation not counted).
fn counts_per_bq(study: &CellTrackingStudy, s: &Setup, nuclide: &str) -> Result<f64> {
    let n = Nuclide::load(nuclide)?;
    let l = n.lambda_per_s();
    let decays = -(-l * study.scans.duration_s).exp_m1() / l;
    Ok(s.scanner.efficiency * n.positron_yield() * decays)
}

/// The activity (Bq) of `map` (Bq/mL) in `vox`.
fn bq_in(ph: &Phantom, map: &[f64], vox: &[usize]) -> f64 {
    vox.iter().map(|&v| map[v]).sum::<f64>() * ph.voxel_volume_cm3()
}

/// Reconstructs `map` of `nuclide` (noise-free and noisy).
fn recon(
    study: &CellTrackingStudy,
    s: &Setup,
    map: &[f64],
    nuclide: &str,
) -> Result<[Vec<f64>; 2]> {
    if map.iter().all(|&a| a == 0.0) {
        return Ok([vec![0.0; map.len()], vec![0.0; map.len()]]);
    }
    let sc = &study.scans;
    let mut opts = PetOptions {
        uptake_s: 0.0,
        duration_s: sc.duration_s,
        iterations: sc.iterations,
        subsets: sc.subsets,
        noise: false,
        seed: sc.seed,
        positron_histories: sc.positron_histories,
        post_filter_fwhm_mm: sc.post_filter_mm,
        views: sc.views,
        ..Default::default()
    };
    let nf = simulate(&s.ph, map, nuclide, &s.scanner, &opts)?.recon_bq_ml;
    opts.noise = true;
    let noisy = simulate(&s.ph, map, nuclide, &s.scanner, &opts)?.recon_bq_ml;
    Ok([nf, noisy])
}

/// Scans and doses of one point.
fn run_point(
    ctx: &Context,
    study: &CellTrackingStudy,
    s: &Setup,
    li: usize,
    p: Point,
    nominal: bool,
) -> Result<PointResult> {
    let k = study.detection.cnr_threshold;
    let mut rows = Vec::new();
    let mut images = Vec::new();
    for &t in &study.scans.times_h {
        eprintln!(
            "cell tracking: {} at {:.3e} Bq per cell, scan at {t} h",
            p.strategy, p.activity_per_cell_bq
        );
        let (bkg, with, per_region) = maps(study, s, li, &p, t);
        let [b_nf, b_noisy] = recon(study, s, &bkg, &p.nuclide)?;
        let [w_nf, w_noisy] = recon(study, s, &with, &p.nuclide)?;
        let im = ScanImages {
            counts_per_bq: counts_per_bq(study, s, &p.nuclide)?,
            background_noise_free: &b_nf,
            background_noisy: &b_noisy,
            with_cells_noise_free: &w_nf,
            with_cells_noisy: &w_noisy,
        };
        for (r, vox) in s.region_vox.iter().enumerate() {
            let (cells, activity) = per_region[r];
            let region_bq = [bq_in(&s.ph, &bkg, vox), bq_in(&s.ph, &with, vox)];
            let d = region_detect(&im, vox, region_bq, cells, k);
            rows.push(RegionRow {
                time_h: t,
                region: study.migration.regions[r].clone(),
                cells,
                activity_bq: activity,
                contrast_bq_ml: d.map_or(0.0, |d| d.contrast_bq_ml),
                noise_bq_ml: d.map_or(0.0, |d| d.noise_bq_ml),
                cnr: d.map_or(0.0, |d| d.cnr),
                detectable: d.is_some_and(|d| d.cnr >= k),
                min_detectable_cells: d.map_or(f64::INFINITY, |d| d.min_detectable_cells),
                min_detectable_cells_voxel: d
                    .map_or(f64::INFINITY, |d| d.min_detectable_cells_voxel),
            });
        }
        images.push(w_noisy);
    }
    let dose = cell_dose(ctx, study, &study.label[li], &p, &s.masses[li])?;
    Ok(PointResult {
        point: p,
        rows,
        dose,
        images,
        nominal,
    })
}

/// The points of a study: every swept strategy (default: every label) at every swept activity
/// per cell (direct labels; default: each label's own), reporters at their own uptake.
pub fn points(study: &CellTrackingStudy) -> Vec<(usize, Point, bool)> {
    let names: Vec<String> = if study.sweep.strategy.is_empty() {
        study.label.iter().map(|l| l.name.clone()).collect()
    } else {
        study.sweep.strategy.clone()
    };
    let mut out = Vec::new();
    for n in names {
        let Some(li) = study.label.iter().position(|l| l.name == n) else {
            continue;
        };
        let l = &study.label[li];
        out.push((li, Point::new(study, l, None), true));
        if l.kind == LabelKind::Direct {
            for &a in &study.sweep.activity_per_cell_bq {
                if Some(a) != l.activity_per_cell_bq {
                    out.push((li, Point::new(study, l, Some(a)), false));
                }
            }
        }
    }
    out
}

/// The reporter-overtakes-direct times of every (nominal direct, nominal reporter) pair and
/// region: from the reconstructed contrasts, the first scan interval where the ratio
/// reporter/direct crosses 1, interpolated log-linearly (exact for the exponential ratio of
/// [`crate::dosimetry::cell::label`]); and in closed form.
pub fn overtakes(study: &CellTrackingStudy, pts: &[PointResult]) -> Vec<Overtake> {
    let mut out = Vec::new();
    let nominal = |k: LabelKind| {
        pts.iter().filter(move |p| {
            p.nominal && study.label_named(&p.point.strategy).map(|l| l.kind) == Some(k)
        })
    };
    for d in nominal(LabelKind::Direct) {
        for r in nominal(LabelKind::Reporter) {
            let (Kinetics::Direct(dk), Kinetics::Reporter(rk)) =
                (&d.point.kinetics, &r.point.kinetics)
            else {
                continue;
            };
            let closed = overtake_time_h(dk, rk, &d.point.cells);
            for region in &study.migration.regions {
                let series = |p: &PointResult| -> Vec<(f64, f64)> {
                    p.rows
                        .iter()
                        .filter(|x| &x.region == region)
                        .map(|x| (x.time_h, x.contrast_bq_ml))
                        .collect()
                };
                let (sd, sr) = (series(d), series(r));
                out.push(Overtake {
                    direct: d.point.strategy.clone(),
                    reporter: r.point.strategy.clone(),
                    region: region.clone(),
                    from_images_h: crossing(&sd, &sr),
                    closed_form_h: closed,
                });
            }
        }
    }
    out
}

/// The first time the ratio b/a of two positive series crosses 1 upwards (log-linear).
pub fn crossing(a: &[(f64, f64)], b: &[(f64, f64)]) -> Option<f64> {
    let lr: Vec<(f64, f64)> = a
        .iter()
        .zip(b)
        .filter(|((_, x), (_, y))| *x > 0.0 && *y > 0.0)
        .map(|((t, x), (_, y))| (*t, (y / x).ln()))
        .collect();
    lr.windows(2).find_map(|w| {
        let ((t0, l0), (t1, l1)) = (w[0], w[1]);
        (l0 < 0.0 && l1 >= 0.0).then(|| t0 + (t1 - t0) * (-l0) / (l1 - l0))
    })
}

/// Runs a loaded study.
///
/// # Errors
/// Unknown regions or nuclides, a failing PET simulation or S-value computation.
pub fn run(ctx: &Context, study: &CellTrackingStudy) -> Result<CellTrackingResult> {
    let s = setup(ctx, study)?;
    let mut pts = Vec::new();
    for (li, p, nominal) in points(study) {
        pts.push(run_point(ctx, study, &s, li, p, nominal)?);
    }
    let overtakes = overtakes(study, &pts);
    Ok(CellTrackingResult {
        phantom: s.ph,
        points: pts,
        overtakes,
        scanner: s.scanner.name,
    })
}
