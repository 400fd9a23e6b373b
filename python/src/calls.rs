//! The calls that return the JSON of a command as a dict: decay, tia, bed and run_study.

use crate::common::{context, interruptible, py_err};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use std::path::PathBuf;
use theradose::error::spec_error_of;

/// A spec from the JSON text the Python layer builds from keyword arguments: unknown keys and
/// wrong types raise `ValueError` naming the key.
pub(crate) fn spec_from_json<T: serde::de::DeserializeOwned>(text: &str) -> PyResult<T> {
    serde_json::from_str(text).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// A result as JSON text.
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> PyResult<String> {
    serde_json::to_string(v).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// Decay data of a nuclide as the JSON text of `theradose decay`; `decay_data` "icrp107"
/// (the default) or "endf".
#[pyfunction]
#[pyo3(signature = (nuclide, chain, decay_data="icrp107"))]
pub(crate) fn _decay(nuclide: &str, chain: bool, decay_data: &str) -> PyResult<String> {
    let data: theradose::source::DecayData = decay_data
        .parse()
        .map_err(|e| PyValueError::new_err(format!("decay_data: {e:#}")))?;
    let d = theradose::source::decay_info::decay_from(nuclide, chain, data).map_err(|e| {
        match spec_error_of(&e) {
            Some(_) => py_err(e),
            None => PyValueError::new_err(format!("nuclide: {e:#}")),
        }
    })?;
    to_json(&d)
}

/// Time-integrated activity of a time-activity curve: `spec_json` holds the keys of
/// `TiaSpec`; returns the JSON text of `theradose tia`.
#[pyfunction]
pub(crate) fn _tia(spec_json: &str) -> PyResult<String> {
    let spec: theradose::dosimetry::tia::TiaSpec = spec_from_json(spec_json)?;
    to_json(&theradose::dosimetry::tia::tia(&spec).map_err(py_err)?)
}

/// Biologically effective dose: `spec_json` holds the keys of `BedSpec`; returns the JSON text
/// of `theradose bed`.
#[pyfunction]
pub(crate) fn _bed(spec_json: &str) -> PyResult<String> {
    let spec: theradose::biology::bed::BedSpec = spec_from_json(spec_json)?;
    to_json(&theradose::biology::bed::bed(&spec).map_err(py_err)?)
}

/// Calibration of the response model against lesion outcomes: `spec_json` holds the keys of
/// `CalibrationSpec`; with `out`, also writes its files there. Returns the JSON text of
/// `calibration.json`.
#[pyfunction]
#[pyo3(signature = (spec_json, out=None))]
pub(crate) fn _calibrate_response(spec_json: &str, out: Option<PathBuf>) -> PyResult<String> {
    let spec: theradose::biology::calibration::CalibrationSpec = spec_from_json(spec_json)?;
    let res = theradose::biology::calibration::calibrate(&spec).map_err(py_err)?;
    if let Some(dir) = out {
        theradose::study::calibration::write(&res, &dir).map_err(py_err)?;
    }
    to_json(&res)
}

/// Runs a study file; returns the JSON text of its metrics (`metrics.json`, or the summary of
/// a study kind without one), the output folder and the study's kind (`"cell_tracking"`, ...,
/// as `summary.json` spells it). `figures_json`: `[figures]` keys (a JSON object) put over the
/// study file's own section.
#[pyfunction]
#[pyo3(signature = (path, out=None, histories=None, threads=None, figures_json=None))]
pub(crate) fn _run_study(
    py: Python<'_>,
    path: PathBuf,
    out: Option<PathBuf>,
    histories: Option<u64>,
    threads: Option<usize>,
    figures_json: Option<String>,
) -> PyResult<(String, String, String)> {
    let opts = theradose::study::StudyOptions { histories, threads };
    let ctx = context()?;
    let keys: serde_json::Map<String, serde_json::Value> = match &figures_json {
        Some(text) => serde_json::from_str(text).map_err(|e| {
            pyo3::exceptions::PyValueError::new_err(format!("figures: expected a dict: {e}"))
        })?,
        None => serde_json::Map::new(),
    };
    let r = interruptible(py, || {
        theradose::plot::with_figures_override(&keys, || {
            theradose::study::run_study(ctx, &path, out.as_deref(), &opts)
        })
        .and_then(|r| r)
    })?;
    let kind = serde_json::to_value(r.kind)
        .ok()
        .and_then(|k| k.as_str().map(String::from))
        .unwrap_or_default();
    Ok((to_json(&r.metrics)?, r.out_dir.display().to_string(), kind))
}

/// Removes the Monte Carlo checkpoints in a study's output folder (`theradose study --force`);
/// returns the files removed.
#[pyfunction]
#[pyo3(signature = (path, out=None))]
pub(crate) fn _remove_checkpoints(path: PathBuf, out: Option<PathBuf>) -> PyResult<Vec<String>> {
    let removed = theradose::study::remove_checkpoints(&path, out.as_deref()).map_err(py_err)?;
    Ok(removed.iter().map(|p| p.display().to_string()).collect())
}

/// The data folder the library reads (`THERADOSE_DATA`, else the repository's `data/`).
#[pyfunction]
pub(crate) fn data_dir() -> String {
    theradose::tables::data_dir().display().to_string()
}
