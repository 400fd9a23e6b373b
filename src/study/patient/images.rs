//! The scans of a patient study: each emission image in Bq/mL, its time after the
//! administration, and its registration onto the reference (first) CT.
//!
//! Units: a DICOM image in Bq/mL (PET `BQML`, NM `BQML`) is taken as it is; NM in counts is
//! converted with the time point's `calibration_cps_per_mbq` and the acquisition time
//! (RotationInformationSequence, or `acquisition_s`): `C = counts / (t_acq x cps_per_MBq) x 1e6
//! / voxel_mL`, the activity during the acquisition (no decay correction within it). NIfTI and
//! MetaImage images are Bq/mL, or counts when a calibration is given (then `acquisition_s` is
//! needed).
//!
//! Registration: the CT of each later scan is registered rigidly to the first CT (normalised
//! cross-correlation, [`crate::dosimetry::register`]) and the transform carries the emission
//! image onto the reference grid; a scan on the first scan's CT file is taken as registered.
//! The emission concentration is sampled at the reference CT's voxel centres (trilinear): exact
//! when the grids coincide, and within the interpolation error when the emission voxels are
//! larger than the CT's (the usual SPECT/CT and PET/CT case).

use super::spec::{PatientSpec, TimepointSpec};
use crate::dosimetry::register::{apply_rigid, register_rigid, Registration, Rigid};
use crate::error::spec_error;
use crate::io::dicom::time::{iso, parse_iso};
use crate::io::image::{counts_to_bq_ml, read_image, Image};
use crate::io::{Grid, Volume};
use crate::spec_bail;
use anyhow::Result;
use std::path::Path;

/// One scan on the reference grid.
#[derive(Clone, Debug)]
pub struct Scan {
    /// hours after the administration
    pub time_h: f64,
    /// the emission image's acquisition time (ISO 8601), when its header has one
    pub scan_time: Option<String>,
    /// units of the emission file as read (`BQML`, `CNTS`, ...)
    pub units: String,
    /// activity concentration on the reference CT grid (Bq/mL)
    pub bq_ml: Volume<f64>,
    /// the registration of this scan's CT to the reference CT (None for the reference itself
    /// and scans on its CT file)
    pub registration: Option<Registration>,
    /// this scan's CT carried onto the reference grid (HU), when registered
    pub ct_registered: Option<Volume<f64>>,
}

/// An emission image as read, in Bq/mL on its own grid, with its times (s since 1970, the
/// scanner's clock).
struct Emission {
    bq_ml: Volume<f64>,
    units: String,
    scan_time_s: Option<f64>,
    injection_time_s: Option<f64>,
}

/// Reads time point `i`'s emission image in Bq/mL (see the module doc for the units).
fn emission(i: usize, tp: &TimepointSpec) -> Result<Emission> {
    let field = |k: &str| format!("timepoint[{i}].{k}");
    let path = &tp.emission;
    let img: Image = read_image(path, tp.emission_series.as_deref())
        .map_err(|e| spec_error(field("emission"), format!("{e:#}")))?;
    let units = img.info.units.clone();
    let (scan_time_s, injection_time_s) = img
        .dicom
        .as_ref()
        .map_or((None, None), |d| (d.scan_time_s, d.injection_time_s));
    let bq_ml = match (units.as_str(), tp.calibration_cps_per_mbq) {
        ("BQML", _) => img.volume,
        ("unknown", None) => img.volume,
        ("COUNTS" | "CNTS", None) => spec_bail!(
            field("calibration_cps_per_mbq"),
            "{}: the {} image is in counts ({units}); give the camera sensitivity in counts per second per MBq",
            path.display(),
            img.info.modality
        ),
        ("COUNTS" | "CNTS", Some(cal)) => counts_to_bq_ml(path, &img, cal, tp.acquisition_s)
            .map_err(|e| spec_error(field("acquisition_s"), format!("{e:#}")))?,
        ("unknown", Some(cal)) => {
            let Some(t) = tp.acquisition_s.filter(|t| *t > 0.0) else {
                spec_bail!(
                    field("acquisition_s"),
                    "{}: counts in a file without a header: give the acquisition time (s)",
                    path.display()
                );
            };
            let mut v = img.volume;
            let f = 1e6 / (t * cal * v.grid.voxel_volume_cm3());
            v.data.iter_mut().for_each(|x| *x *= f);
            v
        }
        (u, _) => spec_bail!(
            field("emission"),
            "{}: {} image in {u}: expected Bq/mL (BQML) or counts (CNTS)",
            path.display(),
            img.info.modality
        ),
    };
    if let Some((v, x)) = bq_ml
        .data
        .iter()
        .enumerate()
        .find(|(_, x)| !x.is_finite() || **x < 0.0)
    {
        spec_bail!(
            field("emission"),
            "{}: voxel {v} is {x}, expected a finite non-negative activity",
            path.display()
        );
    }
    Ok(Emission {
        bq_ml,
        units,
        scan_time_s,
        injection_time_s,
    })
}

/// The administration time (s since 1970): `injection_time`, else the first emission
/// header's.
fn injection_s(spec: &PatientSpec, em: &[Emission]) -> Result<Option<f64>> {
    if let Some(t) = &spec.injection_time {
        return match parse_iso(t) {
            Some(s) => Ok(Some(s)),
            None => spec_bail!(
                "injection_time",
                "'{t}': expected ISO 8601 local time such as 2026-01-05T10:00:00"
            ),
        };
    }
    Ok(em.iter().find_map(|e| e.injection_time_s))
}

/// Hours after the administration of each scan: `time_h`, else the acquisition time minus the
/// administration; increasing.
fn times_h(spec: &PatientSpec, em: &[Emission], inj: Option<f64>) -> Result<Vec<f64>> {
    let mut t = Vec::new();
    for (i, (tp, e)) in spec.timepoint.iter().zip(em).enumerate() {
        let h = match (tp.time_h, e.scan_time_s, inj) {
            (Some(h), _, _) => h,
            (None, Some(s), Some(a)) => (s - a) / 3600.0,
            (None, None, _) => spec_bail!(
                format!("timepoint[{i}].time_h"),
                "{}: no acquisition date and time in the image: give time_h (h after the administration)",
                tp.emission.display()
            ),
            (None, Some(_), None) => spec_bail!(
                "injection_time",
                "no administration time in the study file or the emission headers (RadiopharmaceuticalStartDateTime): give injection_time, or time_h per time point"
            ),
        };
        if !(h.is_finite() && h > 0.0) {
            spec_bail!(
                format!("timepoint[{i}].time_h"),
                "{}: {h:.3} h after the administration: expected a scan after it",
                tp.emission.display()
            );
        }
        if let Some(&prev) = t.last() {
            if h <= prev {
                spec_bail!(
                    format!("timepoint[{i}].time_h"),
                    "{h:.3} h is not after the previous scan ({prev:.3} h): list the time points in order"
                );
            }
        }
        t.push(h);
    }
    Ok(t)
}

/// Registers time point `i`'s CT to the reference CT (HU), unless it is the same file.
fn register(
    i: usize,
    tp: &TimepointSpec,
    spec: &PatientSpec,
    reference_hu: &Volume<f64>,
) -> Result<Option<(Registration, Volume<f64>)>> {
    let first = &spec.timepoint[0];
    if i == 0 || !spec.register || (tp.ct == first.ct && tp.ct_series == first.ct_series) {
        return Ok(None);
    }
    let sel = tp.ct_series.as_deref().or(Some("CT"));
    let ct = read_image(&tp.ct, sel)
        .map_err(|e| spec_error(format!("timepoint[{i}].ct"), format!("{e:#}")))?;
    eprintln!(
        "patient: registering {} to the reference CT",
        tp.ct.display()
    );
    let r = register_rigid(reference_hu, &ct.volume)?;
    let moved = apply_rigid(&ct.volume, &reference_hu.grid, &r.transform)?;
    Ok(Some((r, moved)))
}

/// Reads, times and registers every scan onto the reference CT grid. `reference_hu` is the
/// first time point's CT in HU.
///
/// # Errors
/// Unreadable images, units that cannot be converted, missing times (each a
/// [`crate::error::SpecError`] naming the time point's field).
pub fn scans(spec: &PatientSpec, reference_hu: &Volume<f64>) -> Result<(Vec<Scan>, Option<f64>)> {
    let em = spec
        .timepoint
        .iter()
        .enumerate()
        .map(|(i, tp)| emission(i, tp))
        .collect::<Result<Vec<_>>>()?;
    let inj = injection_s(spec, &em)?;
    let times = times_h(spec, &em, inj)?;
    let grid: &Grid = &reference_hu.grid;
    let mut out = Vec::new();
    for (i, (tp, e)) in spec.timepoint.iter().zip(em).enumerate() {
        let reg = register(i, tp, spec, reference_hu)?;
        let t = reg.as_ref().map(|r| r.0.transform).unwrap_or_default();
        let bq_ml = on_grid(&e.bq_ml, grid, &t)?;
        check_overlap(i, &tp.emission, &e.bq_ml, &bq_ml)?;
        let (registration, ct_registered) = reg.map_or((None, None), |(r, v)| (Some(r), Some(v)));
        out.push(Scan {
            time_h: times[i],
            scan_time: e.scan_time_s.map(iso),
            units: e.units,
            bq_ml,
            registration,
            ct_registered,
        });
    }
    Ok((out, inj))
}

/// The concentration sampled at the grid's voxel centres through `t` (a copy when the grids
/// coincide and `t` is the identity).
fn on_grid(v: &Volume<f64>, grid: &Grid, t: &Rigid) -> Result<Volume<f64>> {
    if *t == Rigid::default() && v.grid.same_geometry(grid, 1e-3) {
        return Ok(v.clone());
    }
    apply_rigid(v, grid, t)
}

/// Refuses an emission image that mostly misses the CT (wrong frame of reference, LPS/RAS).
fn check_overlap(i: usize, path: &Path, src: &Volume<f64>, on: &Volume<f64>) -> Result<()> {
    let total: f64 = src.data.iter().sum::<f64>() * src.grid.voxel_volume_cm3();
    let kept: f64 = on.data.iter().sum::<f64>() * on.grid.voxel_volume_cm3();
    if total > 0.0 && kept < 0.5 * total {
        spec_bail!(
            format!("timepoint[{i}].emission"),
            "{}: only {:.1}% of the activity lies inside the reference CT: image {} of {:?} mm at origin {:?} mm (RAS+), CT {} of {:?} mm at {:?} mm (RAS+); is it on the CT's frame of reference?",
            path.display(),
            100.0 * kept / total,
            src.grid.dims_string(),
            src.grid.spacing_mm,
            src.grid.origin_mm,
            on.grid.dims_string(),
            on.grid.spacing_mm,
            on.grid.origin_mm
        );
    }
    Ok(())
}
