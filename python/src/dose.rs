//! `theradose.dose` and its `DoseResult`.

use crate::calls::spec_from_json;
use crate::common::{context, from_numpy, interruptible, py_err, shape3, to_numpy};
use crate::phantom::PyPhantom;
use numpy::{PyArray3, PyReadonlyArray3};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use std::path::PathBuf;
use theradose::phantom::Phantom;
use theradose::study::dose::{self, DoseMethod, DoseSpec};

/// A dose map with its statistics (from `theradose.dose`).
#[pyclass(name = "DoseResult", module = "theradose", frozen)]
pub(crate) struct PyDoseResult {
    inner: dose::DoseResult,
    phantom: Phantom,
}

#[pymethods]
impl PyDoseResult {
    /// Absorbed dose per voxel (Gy, float64 array `[i, j, k]`).
    #[getter]
    fn dose_gy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray3<f64>>> {
        to_numpy(py, self.phantom.grid.dims, self.inner.dose_gy.clone())
    }

    /// Relative uncertainty (1 sigma) per voxel (float64 array), or None (vsv, ldm).
    #[getter]
    fn rel_uncertainty<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyArray3<f64>>>> {
        self.inner
            .rel_uncertainty
            .clone()
            .map(|u| to_numpy(py, self.phantom.grid.dims, u))
            .transpose()
    }

    /// The method (mc, vsv or ldm).
    #[getter]
    fn method(&self) -> &'static str {
        self.inner.spec.method.name()
    }

    /// Decays in the TIA map.
    #[getter]
    fn decays(&self) -> f64 {
        self.inner.decays
    }

    /// The region rows as CSV text with the columns of `regions.csv`.
    fn _regions_csv(&self, v_gy: Vec<f64>) -> String {
        self.inner.regions_csv(&self.phantom, &v_gy)
    }

    /// The region rows as JSON text: per region a list of [key, value] pairs in the column
    /// order of `regions.csv` (the Python layer makes ordered dicts of them).
    fn _regions_json(&self, v_gy: Vec<f64>) -> PyResult<String> {
        use serde_json::json;
        let mass: Vec<f64> = (0..self.phantom.len())
            .map(|v| self.phantom.voxel_mass_g(v))
            .collect();
        let rows: Vec<Vec<(String, serde_json::Value)>> = self
            .inner
            .regions
            .iter()
            .zip(&self.inner.region_sets)
            .map(|(r, set)| {
                let mut o: Vec<(String, serde_json::Value)> = [
                    ("region", json!(r.name)),
                    ("mass_g", json!(r.mass_g)),
                    ("mean_gy", json!(r.mean_gy)),
                    ("rel_uncertainty", json!(r.rel_uncertainty)),
                    ("d90_gy", json!(r.d90_gy)),
                    ("d50_gy", json!(r.d50_gy)),
                    ("d2_gy", json!(r.d2_gy)),
                    ("max_gy", json!(r.max_gy)),
                    ("min_gy", json!(r.min_gy)),
                    ("d98_gy", json!(r.d98_gy)),
                    ("d70_gy", json!(r.d70_gy)),
                    ("voxels", json!(r.voxels)),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
                for &v in &v_gy {
                    let f = theradose::dosimetry::regions::v_at(
                        &self.inner.dose_gy,
                        &mass,
                        &set.voxels,
                        v,
                    );
                    o.push((format!("v{v}gy_fraction"), json!(f)));
                }
                o
            })
            .collect();
        serde_json::to_string(&rows).map_err(|e| PyRuntimeError::new_err(e.to_string()))
    }

    /// The JSON text of `summary.json`.
    fn _summary_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner.summary(&self.phantom, None))
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))
    }

    /// Writes the files of `theradose dose` into the folder `out`; a folder that already holds
    /// results (summary.json) or a checkpoint is refused unless `force` (as the command line).
    #[pyo3(signature = (out, v_gy=vec![2.0, 5.0, 10.0, 20.0], dicom=false, force=false))]
    fn write(&self, out: PathBuf, v_gy: Vec<f64>, dicom: bool, force: bool) -> PyResult<()> {
        use theradose::run::guard::{check_existing, check_writable_dir, Existing};
        check_existing(&out, Existing::of_flags(false, force)).map_err(py_err)?;
        check_writable_dir(&out).map_err(py_err)?;
        let dcm = dicom.then(|| out.join("dose.dcm"));
        self.inner
            .write(&self.phantom, &out, &v_gy, dcm.as_deref(), None)
            .map_err(py_err)
    }
}

/// Absorbed dose of a TIA map (Bq s per voxel) on a phantom: `spec_json` holds the keys of
/// [`DoseSpec`] (method, nuclide, histories, seed, threads, chain, ...).
#[pyfunction]
pub(crate) fn _dose(
    py: Python<'_>,
    phantom: &PyPhantom,
    tia: PyReadonlyArray3<'_, f64>,
    spec_json: &str,
) -> PyResult<PyDoseResult> {
    let spec: DoseSpec = spec_from_json(spec_json)?;
    let tia = tia.as_array();
    let dims = shape3(&tia);
    let ph = &phantom.inner;
    if dims != ph.grid.dims {
        return Err(PyValueError::new_err(format!(
            "tia: shape {dims:?}, expected {:?} like the phantom",
            ph.grid.dims
        )));
    }
    let values = from_numpy(tia);
    let ctx = context()?;
    let inner = interruptible(py, || {
        let regions = dose::phantom_regions(ph);
        dose::compute(ctx, ph, &values, regions, &spec, None)
    })?;
    Ok(PyDoseResult {
        inner,
        phantom: ph.clone(),
    })
}

/// The dose methods' names.
#[pyfunction]
pub(crate) fn _dose_methods() -> Vec<&'static str> {
    [DoseMethod::Mc, DoseMethod::Vsv, DoseMethod::Ldm]
        .iter()
        .map(|m| m.name())
        .collect()
}
