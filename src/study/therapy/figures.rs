//! Figures of a therapy study: dose and BED maps over the anatomy, baseline and follow-up PET
//! slices, the waterfall of predicted SUVpeak changes.

use super::outputs::RunContext;
use super::radiobiology::Role;
use crate::plot;
use crate::study::common::coronal_figure;
use anyhow::Result;
use std::path::Path;
/// The coronal plane through the largest lesion's centroid (else the middle).
fn lesion_plane(c: &RunContext) -> usize {
    let ph = &c.dosimetry.phantom;
    let [nx, ny, _] = ph.grid.dims;
    let big = c
        .bio
        .regions
        .iter()
        .filter(|r| r.role == Role::Lesion)
        .max_by_key(|r| r.voxels);
    match big {
        Some(r) => {
            let js: Vec<usize> = (0..ph.len())
                .filter(|&v| ph.label[v] == r.label)
                .map(|v| (v / nx) % ny)
                .collect();
            js.iter().sum::<usize>() / js.len().max(1)
        }
        None => ny / 2,
    }
}

/// Writes the figures: dose and BED maps, baseline and follow-up PET, waterfall.
pub fn write_figures(out: &Path, c: &RunContext) -> Result<()> {
    let ph = &c.dosimetry.phantom;
    let j = lesion_plane(c);
    let n = c.study.dosimetry.therapy.cycles;
    let max = |x: &[f64]| {
        x.iter()
            .cloned()
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max)
    };
    let y_mm = ph.grid.world_mm([0.0, j as f64, 0.0])[1];
    for (file, data, what, label) in [
        (
            "dose_map.png",
            &c.bio.total_dose_gy,
            "absorbed dose",
            format!("absorbed dose, {n} cycles (Gy)"),
        ),
        (
            "bed_map.png",
            &c.bio.bed_gy,
            "BED",
            format!("BED, {n} cycles (Gy)"),
        ),
    ] {
        let m = max(data).max(1e-12);
        coronal_figure(
            ph,
            j,
            |v| data[v],
            &out.join(file),
            &format!("{}: {what}, coronal y = {y_mm:.0} mm", c.study.name),
            &label,
            plot::Colormap::Inferno,
            true,
            Some((m * 1e-3, m)),
        )?;
    }
    let top = max(&c.baseline.noise_free_suv)
        .max(max(c.baseline.suv()))
        .max(1e-12);
    let scans = [
        Some(("pet_baseline.png", c.baseline, "baseline", top)),
        Some(("pet_followup.png", c.followup, "follow-up", top)),
        c.planning.map(|p| {
            let t = max(&p.noise_free_suv).max(max(p.suv())).max(1e-12);
            ("pet_planning.png", p, "planning", t)
        }),
    ];
    for (file, s, when, top) in scans.into_iter().flatten() {
        let img = s.suv();
        let pg = &s.phantom.grid;
        let z = |k: usize| pg.world_mm([0.0, 0.0, k as f64])[2];
        coronal_figure(
            &s.phantom,
            j,
            |v| img[v],
            &out.join(file),
            &format!(
                "{} {} PET ({when}), y = {y_mm:.0} mm, z {:.0} to {:.0} mm",
                s.nuclide,
                s.tracer.to_uppercase(),
                z(0),
                z(pg.dims[2] - 1)
            ),
            "SUV (body weight)",
            plot::Colormap::Inferno,
            false,
            Some((0.0, top)),
        )?;
    }
    waterfall(out, c)
}

/// Waterfall of the predicted SUVpeak change per lesion (bars, sorted from the largest rise to
/// the largest fall, labelled with the lesion and its PERCIST category), with the PERCIST -30%
/// line.
fn waterfall(out: &Path, c: &RunContext) -> Result<()> {
    let mut ls: Vec<_> = c.response.lesions.iter().collect();
    ls.sort_by(|a, b| b.suv_peak_change_pct.total_cmp(&a.suv_peak_change_pct));
    if ls.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = ls
        .iter()
        .map(|l| format!("{} ({})", l.name, l.percist))
        .collect();
    let change: Vec<f64> = ls.iter().map(|l| l.suv_peak_change_pct).collect();
    let fig = plot::BarFigure {
        title: &format!(
            "{}: predicted SUVpeak change at {:.0} weeks",
            c.study.name,
            c.bio.followup_h / 168.0
        ),
        x_label: "lesion (PERCIST category), sorted by change",
        y_label: "SUVpeak change, follow-up vs baseline (%)",
        categories: &names,
        groups: &[plot::BarGroup {
            name: "",
            values: &change,
        }],
        ref_lines: &[plot::RefLine {
            name: "PERCIST PMR threshold (-30%)",
            y: -30.0,
        }],
    };
    plot::bar_png(&out.join("waterfall.png"), &fig)
}
