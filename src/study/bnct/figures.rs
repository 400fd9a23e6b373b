//! Figures of a BNCT study: depth-fluence and depth-dose curves along the beam axis, dose maps
//! of every component with labelled isodose lines over the anatomy (axial, coronal and sagittal
//! panels through the tumour), the boron map and the FBPA image, and the weighted-dose DVH in
//! panels (target, organs at risk).

use super::run::{map, BnctResult};
use super::spec::BnctStudy;
use crate::plot::{self, Colormap, Series};
use crate::study::maps;
use anyhow::Result;
use std::path::Path;

/// One plot series per curve, named in order, without error bars.
fn named_series<'a>(curves: &'a [Vec<(f64, f64)>], names: &[&'a str]) -> Vec<Series<'a>> {
    curves
        .iter()
        .zip(names)
        .map(|(p, n)| Series {
            name: n,
            points: p,
            y_err: None,
            y_band: None,
            scatter: false,
        })
        .collect()
}

/// Isodose lines, as fractions of the slice maximum.
pub const ISODOSE: [f64; 4] = [0.2, 0.5, 0.8, 0.95];

/// Depth-fluence (fluence rate, log axis) and depth-dose (over the treatment) figures.
/// `depth` rows per source neutron; `per_s` source neutrons per second; `scale` source neutrons
/// of the treatment.
///
/// # Errors
/// A figure that cannot be written.
pub fn depth_figures(
    out: &Path,
    name: &str,
    depth: &[[f64; 9]],
    per_s: f64,
    scale: f64,
) -> Result<Vec<String>> {
    let col =
        |k: usize, f: f64| -> Vec<(f64, f64)> { depth.iter().map(|r| (r[0], r[k] * f)).collect() };
    let fl = [col(1, per_s), col(2, per_s), col(3, per_s)];
    let names = [
        "thermal (< 0.5 eV)",
        "epithermal (0.5 eV - 10 keV)",
        "fast (> 10 keV)",
    ];
    let series = named_series(&fl, &names);
    plot::line_png(
        &out.join("depth_fluence.png"),
        &format!("{name}: neutron fluence rate on the beam axis"),
        "depth from the body surface (cm)",
        "fluence rate (cm-2 s-1)",
        &series,
        true,
    )?;
    let ds = [
        col(4, scale),
        col(5, scale),
        col(6, scale),
        col(7, scale),
        col(8, scale),
    ];
    let names = [
        "boron D_B (Gy)",
        "nitrogen D_N (Gy)",
        "fast neutron D_H (Gy)",
        "gamma D_gamma (Gy)",
        "weighted D_w (Gy-eq)",
    ];
    let series = named_series(&ds, &names);
    plot::line_png(
        &out.join("depth_dose.png"),
        &format!("{name}: dose on the beam axis over the treatment"),
        "depth from the body surface (cm)",
        "dose (Gy) / weighted dose (Gy-eq)",
        &series,
        false,
    )?;
    Ok(vec!["depth_fluence.png".into(), "depth_dose.png".into()])
}

/// The DVH figure in panels: the target (the tumour region) and the organs at risk, each with
/// its legend beside it; `[figures] regions` picks the curves.
fn dvh_panels(study: &BnctStudy, out: &Path, d: &super::run::Dvh) -> Result<bool> {
    let spec = plot::effective(&study.figures);
    let curves = maps::DvhCurves {
        names: &d.names,
        grid: &d.grid,
        curves: &d.curves,
        y_scale: 1.0,
    };
    plot::with_figures(&spec, || {
        maps::dvh_panels_png(
            &out.join("dvh.png"),
            &format!("{}: weighted-dose volume histograms", study.name),
            &curves,
            (
                "weighted dose D_w (Gy-eq)",
                "fraction of the region's mass receiving at least D_w",
            ),
            Some(study.tumour_region()),
        )
    })
}

/// Draws every figure of a study into `out`: depth curves, the dose components, the thermal
/// fluence, the boron map (and the FBPA PET) as washes over the phantom's density in the planes
/// of `[figures]` through the tumour's centroid (or `[figures] through`), and the DVH in
/// panels. Returns the file names of the PNGs written.
///
/// # Errors
/// A bad `[figures]` section; a figure that cannot be written.
pub fn write_figures(study: &BnctStudy, out: &Path, r: &BnctResult) -> Result<Vec<String>> {
    let spec = &plot::effective(&study.figures);
    spec.check()?;
    let (ph, scale) = (&r.phantom, r.scale);
    let maps = &r.neutrons.maps;
    let mut figs = plot::with_figures(spec, || {
        depth_figures(out, &study.name, &r.neutrons.depth, r.source_per_s, scale)
    })?;
    let at = maps::through_voxel(ph, spec, Some(study.tumour_region()))?;
    let body = |v: usize| ph.label[v] != 0;
    let comps = [
        ("dose_boron", "boron dose D_B", "D_B (Gy)", "Gy"),
        ("dose_nitrogen", "nitrogen dose D_N", "D_N (Gy)", "Gy"),
        ("dose_hydrogen", "fast-neutron dose D_H", "D_H (Gy)", "Gy"),
        ("dose_gamma", "gamma dose D_gamma", "D_gamma (Gy)", "Gy"),
        ("dose_weighted", "weighted dose D_w", "D_w (Gy-eq)", "Gy-eq"),
    ];
    for (name, what, unit, iso_unit) in comps {
        // outside the body no dose is shown; the colour scale and the isodose levels are set by
        // the 99.5th percentile of the body's voxels, not by single noisy voxels
        let m: Vec<f64> = map(maps, name)
            .iter()
            .enumerate()
            .map(|(v, d)| if body(v) { d * scale } else { 0.0 })
            .collect();
        let top = maps::quantile_where(&m, body, 0.995).unwrap_or(0.0);
        let levels: Vec<f64> = ISODOSE.iter().map(|f| round2(f * top)).collect();
        let file = format!("{name}.png");
        let style = maps::MapStyle {
            title: &format!("{}: {what} over the treatment", study.name),
            colorbar_label: unit,
            colormap: Colormap::Magma,
            range: (top > 0.0).then_some((0.0, top)),
            log_scale: false,
            isolevels: if top > 0.0 { &levels } else { &[] },
            iso_unit,
            notes: &[],
        };
        if maps::anatomy_map(ph, spec, at, &m, &out.join(&file), &style)? {
            figs.push(file);
        }
    }
    let th: Vec<f64> = map(maps, "fluence_thermal")
        .iter()
        .map(|x| x * scale)
        .collect();
    let mut others = vec![
        (
            "fluence_thermal.png",
            th,
            "thermal fluence over the treatment",
            "thermal fluence (cm-2)",
            Colormap::Viridis,
        ),
        (
            "boron_ppm.png",
            r.boron.ppm.clone(),
            "10B concentration",
            "10B (ug/g)",
            Colormap::Cividis,
        ),
    ];
    if let Some(pet) = &r.boron.pet_suv {
        others.push((
            "fbpa_pet.png",
            pet.clone(),
            "simulated 18F-FBPA PET",
            "SUV (body weight)",
            Colormap::Magma,
        ));
    }
    for (file, values, what, unit, colormap) in &others {
        let style = maps::MapStyle {
            title: &format!("{}: {what}", study.name),
            colorbar_label: unit,
            colormap: *colormap,
            range: None,
            log_scale: false,
            isolevels: &[],
            iso_unit: "",
            notes: &[],
        };
        if maps::anatomy_map(ph, spec, at, values, &out.join(file), &style)? {
            figs.push(file.to_string());
        }
    }
    if dvh_panels(study, out, &r.dvh)? {
        figs.push("dvh.png".into());
    }
    Ok(figs)
}

/// Two significant digits: isodose levels read as round numbers.
fn round2(x: f64) -> f64 {
    if x <= 0.0 || !x.is_finite() {
        return x;
    }
    let p = 10f64.powf(x.log10().floor() - 1.0);
    (x / p).round() * p
}
