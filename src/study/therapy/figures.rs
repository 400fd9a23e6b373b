//! Figures of a therapy study: dose and BED maps over the anatomy (axial, coronal and sagittal
//! panels through the largest lesion), the baseline and follow-up PET side by side on one SUV
//! scale with the lesion outlines and their SUVpeak, each scan alone, and the waterfall of the
//! predicted SUVpeak changes.

use super::outputs::RunContext;
use super::radiobiology::Role;
use crate::phantom::Phantom;
use crate::plot::{self, Colormap, MapNote, MapPanel, Plane};
use crate::study::maps::{self, MapStyle};
use anyhow::Result;
use std::path::Path;

/// The name of the largest lesion, if any.
fn largest_lesion<'a>(c: &'a RunContext) -> Option<&'a str> {
    c.bio
        .regions
        .iter()
        .filter(|r| r.role == Role::Lesion)
        .max_by_key(|r| r.voxels)
        .map(|r| r.name.as_str())
}

fn finite_max(x: &[f64]) -> f64 {
    x.iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
}

/// Writes the figures: dose and BED maps, the PET comparison and each scan, the waterfall.
///
/// # Errors
/// A bad `[figures]` section, a figure that cannot be written.
pub fn write_figures(out: &Path, c: &RunContext) -> Result<()> {
    let spec = &plot::effective(&c.study.figures);
    let ph = &c.dosimetry.phantom;
    let lesion = largest_lesion(c);
    let at = maps::through_voxel(ph, spec, lesion)?;
    let n = c.study.dosimetry.therapy.cycles;
    for (file, data, what) in [
        ("dose_map.png", &c.bio.total_dose_gy, "absorbed dose"),
        ("bed_map.png", &c.bio.bed_gy, "BED"),
    ] {
        let m = finite_max(data).max(1e-12);
        let style = MapStyle {
            title: &format!("{}: {what}, {n} cycles", c.study.name),
            colorbar_label: &format!("{what}, {n} cycles (Gy)"),
            colormap: Colormap::Magma,
            range: Some((m * 1e-3, m)),
            log_scale: true,
            isolevels: &[],
            iso_unit: "Gy",
            notes: &[],
        };
        maps::anatomy_map(ph, spec, at, data, &out.join(file), &style)?;
    }
    let top = finite_max(&c.baseline.noise_free_suv)
        .max(finite_max(c.baseline.suv()))
        .max(1e-12);
    pet_comparison(out, c, lesion, top)?;
    let scans = [
        Some(("pet_baseline.png", c.baseline, "baseline", top)),
        Some(("pet_followup.png", c.followup, "follow-up", top)),
        c.planning.map(|p| {
            let t = finite_max(&p.noise_free_suv)
                .max(finite_max(p.suv()))
                .max(1e-12);
            ("pet_planning.png", p, "planning", t)
        }),
    ];
    for (file, s, when, top) in scans.into_iter().flatten() {
        let at = maps::through_voxel(&s.phantom, spec, lesion)?;
        let style = MapStyle {
            title: &format!("{} {} PET ({when})", s.nuclide, s.tracer.to_uppercase()),
            colorbar_label: "SUV (body weight)",
            colormap: Colormap::Magma,
            range: Some((0.0, top)),
            log_scale: false,
            isolevels: &[],
            iso_unit: "",
            notes: &[],
        };
        maps::anatomy_map(&s.phantom, spec, at, s.suv(), &out.join(file), &style)?;
    }
    waterfall(out, c)?;
    tornados(out, c)
}

/// A tornado figure of the uncertainty budget per lesion (TCP) and organ at risk (NTCP).
fn tornados(out: &Path, c: &RunContext) -> Result<()> {
    let Some(b) = c.budget else {
        return Ok(());
    };
    let regions: Vec<(String, &str)> = c
        .bio
        .regions
        .iter()
        .filter_map(|r| match r.role {
            Role::Lesion => Some((r.name.clone(), "tcp")),
            Role::OrganAtRisk => Some((r.name.clone(), "ntcp")),
            Role::Other => None,
        })
        .collect();
    super::uncertainty::outputs::write_tornados(out, &c.study.figures, b, &regions)
}

/// Baseline and follow-up PET side by side (`pet_comparison.png`) in one plane (coronal unless
/// `[figures] slices` leaves it out) through the largest lesion, on one SUV scale (0 to the
/// baseline's maximum), with the lesions outlined and their SUVpeak written beside them.
fn pet_comparison(out: &Path, c: &RunContext, lesion: Option<&str>, top: f64) -> Result<bool> {
    let spec = &plot::effective(&c.study.figures);
    let (b, f) = (c.baseline, c.followup);
    if !b.phantom.grid.same_geometry(&f.phantom.grid, 1e-6) {
        eprintln!("pet_comparison.png not written: the scans have different grids");
        return Ok(false);
    }
    let ph: &Phantom = &b.phantom;
    let at = maps::through_voxel(ph, spec, lesion)?;
    let plane = if spec.shows_plane("coronal") {
        Plane::Coronal
    } else {
        maps::planes(spec)
            .first()
            .copied()
            .unwrap_or(Plane::Coronal)
    };
    let lesions: Vec<(u16, String, String)> = c
        .response
        .lesions
        .iter()
        .filter_map(|l| {
            let id = ph.region_id(&l.name).ok()?;
            let base = format!("SUVpeak {:.1}", l.baseline.suv_peak);
            let fol = format!(
                "SUVpeak {:.1} ({:+.0}%)",
                l.followup.suv_peak, l.suv_peak_change_pct
            );
            Some((id, base, fol))
        })
        .collect();
    let outline: Vec<u16> = lesions.iter().map(|l| l.0).collect();
    let notes: Vec<MapNote> = lesions
        .iter()
        .flat_map(|(id, b, f)| {
            [(0, b), (1, f)].map(|(panel, text)| MapNote {
                region: *id,
                text,
                panel: Some(panel),
            })
        })
        .collect();
    let density: Vec<f64> = ph.density.iter().map(|&d| f64::from(d)).collect();
    let title = format!(
        "{}: {} {} PET before and {:.0} weeks after therapy",
        c.study.name,
        b.nuclide,
        b.tracer.to_uppercase(),
        c.bio.followup_h / 168.0
    );
    let panels = [
        MapPanel {
            values: b.suv(),
            plane,
            label: "baseline",
        },
        MapPanel {
            values: f.suv(),
            plane,
            label: "follow-up",
        },
    ];
    let fig = plot::MapFigure {
        title: &title,
        grid: &ph.grid,
        panels: &panels,
        through: at,
        colorbar_label: "SUV (body weight)",
        colormap: Colormap::Magma,
        range: Some((0.0, top)),
        log_scale: false,
        anatomy: Some(&density),
        anatomy_window: maps::DENSITY_WINDOW,
        labels: Some(&ph.label),
        outline: &outline,
        isolevels: &[],
        iso_unit: "",
        notes: &notes,
    };
    plot::with_figures(spec, || {
        plot::written(plot::map_png(&out.join("pet_comparison.png"), &fig))
    })
}

/// Waterfall of the predicted SUVpeak change per lesion (bars, sorted from the largest rise to
/// the largest fall, labelled with the lesion and its PERCIST category), with the PERCIST -30%
/// line and, with the uncertainty budget, each lesion's 95% interval (asymmetric error bars).
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
    let intervals: Option<Vec<[f64; 2]>> = c.budget.map(|b| {
        ls.iter()
            .map(|l| {
                super::uncertainty::outputs::region(Some(b), &l.name)
                    .and_then(|r| {
                        r.quantities
                            .iter()
                            .find(|q| q.quantity == "suv_peak_change_pct")
                    })
                    .map_or([f64::NAN; 2], |q| [q.low, q.high])
            })
            .collect()
    });
    let y_label = match intervals {
        Some(_) => "SUVpeak change (%; bars: 95% interval)",
        None => "SUVpeak change, follow-up vs baseline (%)",
    };
    let fig = plot::BarFigure {
        title: &format!(
            "{}: predicted SUVpeak change at {:.0} weeks",
            c.study.name,
            c.bio.followup_h / 168.0
        ),
        x_label: "lesion (PERCIST category), sorted by change",
        y_label,
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
    let path = out.join("waterfall.png");
    plot::with_figures(&c.study.figures, || {
        plot::written(plot::interval_bar_png(&path, &fig, &[intervals.as_deref()])).map(|_| ())
    })
}
