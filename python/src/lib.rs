//! The Python face of theradose (L7): thin bindings over the typed library, the same functions
//! the command line calls. Arrays cross as numpy arrays indexed `[i, j, k]` like the voxel arrays
//! of the NIfTI files the command line writes (nibabel's order; x fastest in memory, so they
//! are Fortran-ordered). Tables and summaries cross as JSON text that `theradose/__init__.py`
//! turns into dicts, so a dict holds exactly the keys and numbers of the command's JSON.
//!
//! Long computations release the GIL and run on a worker thread while the calling thread
//! watches for Ctrl-C: a `KeyboardInterrupt` stops the run at its next round and is re-raised.
//! A [`theradose::error::SpecError`] becomes `ValueError("field: message")`.

use numpy::ndarray::{Array3, ArrayView3, ShapeBuilder};
use numpy::{IntoPyArray, PyArray3, PyReadonlyArray3};
use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Duration;
use theradose::context::Context;
use theradose::error::{spec_error_of, Interrupted};
use theradose::io::Grid;
use theradose::materials::HuCalibration;
use theradose::phantom::{builtin, regions_for_labels, Phantom};
use theradose::study::dose::{self, DoseMethod, DoseSpec};

/// A library error as a Python exception: spec errors as `ValueError`, an interrupted run as
/// `KeyboardInterrupt`, everything else as `RuntimeError` with the whole chain of causes.
fn py_err(e: anyhow::Error) -> PyErr {
    if let Some(s) = spec_error_of(&e) {
        return PyValueError::new_err(s.to_string());
    }
    if e.chain().any(|c| c.downcast_ref::<Interrupted>().is_some()) {
        return PyKeyboardInterrupt::new_err(format!("{e:#}"));
    }
    PyRuntimeError::new_err(format!("{e:#}"))
}

/// Runs `f` on a worker thread with the GIL released; polls for Ctrl-C every 50 ms and, on a
/// `KeyboardInterrupt`, asks the run to stop (it ends at its next round), waits for it and
/// re-raises the interrupt.
fn interruptible<T: Send>(
    py: Python<'_>,
    f: impl FnOnce() -> anyhow::Result<T> + Send,
) -> PyResult<T> {
    std::thread::scope(|s| {
        let handle = s.spawn(f);
        let mut interrupt: Option<PyErr> = None;
        while !handle.is_finished() {
            py.detach(|| std::thread::sleep(Duration::from_millis(50)));
            if interrupt.is_none() {
                if let Err(e) = py.check_signals() {
                    theradose::run::INTERRUPTED.store(true, Ordering::SeqCst);
                    interrupt = Some(e);
                }
            }
        }
        let out = handle.join();
        theradose::run::INTERRUPTED.store(false, Ordering::SeqCst);
        if let Some(e) = interrupt {
            return Err(e);
        }
        match out {
            Ok(r) => r.map_err(py_err),
            Err(_) => Err(PyRuntimeError::new_err(
                "theradose: the computation panicked",
            )),
        }
    })
}

/// The data context of the process (materials, tables), loaded on first use.
fn context() -> PyResult<&'static Context> {
    static CTX: std::sync::OnceLock<Context> = std::sync::OnceLock::new();
    if let Some(c) = CTX.get() {
        return Ok(c);
    }
    let c = Context::load().map_err(py_err)?;
    Ok(CTX.get_or_init(|| c))
}

/// A flat voxel vector (i fastest) as a numpy array indexed `[i, j, k]`.
fn to_numpy<'py, T: numpy::Element>(
    py: Python<'py>,
    dims: [usize; 3],
    data: Vec<T>,
) -> PyResult<Bound<'py, PyArray3<T>>> {
    let a = Array3::from_shape_vec((dims[0], dims[1], dims[2]).f(), data)
        .map_err(|e| PyRuntimeError::new_err(format!("array shape: {e}")))?;
    Ok(a.into_pyarray(py))
}

/// A numpy array indexed `[i, j, k]` as a flat voxel vector (i fastest).
fn from_numpy<T: Copy>(a: ArrayView3<'_, T>) -> Vec<T> {
    a.t().iter().copied().collect()
}

fn shape3(a: &ArrayView3<'_, impl Sized>) -> [usize; 3] {
    let s = a.shape();
    [s[0], s[1], s[2]]
}

/// A voxel phantom: materials, mass density and a label map of named regions on a grid.
#[pyclass(name = "Phantom", module = "theradose", frozen)]
struct PyPhantom {
    inner: Phantom,
}

#[pymethods]
impl PyPhantom {
    /// A built-in phantom (`theradose phantom list`: adult, mouse, water-cube, ...), voxelised
    /// at `voxel_mm` (default: the phantom's own) with optional shape groups (e.g. "lesions").
    #[staticmethod]
    #[pyo3(signature = (name, voxel_mm=None, groups=None))]
    fn builtin(name: &str, voxel_mm: Option<f64>, groups: Option<Vec<String>>) -> PyResult<Self> {
        if let Some(v) = voxel_mm {
            if !(v.is_finite() && v > 0.0) {
                return Err(PyValueError::new_err(format!(
                    "voxel_mm: expected a positive voxel size, got {v}"
                )));
            }
        }
        let ctx = context()?;
        let inner = builtin::build(name, &ctx.materials, voxel_mm, &groups.unwrap_or_default())
            .map_err(|e| PyValueError::new_err(format!("name: {e:#}")))?;
        Ok(PyPhantom { inner })
    }

    /// A phantom from a CT in HU (array `[i, j, k]`), converted with the Schneider calibration
    /// of `data/hu_schneider.toml`. `spacing_mm`, `origin_mm` (centre of voxel (0, 0, 0), world
    /// RAS+ mm) and `direction` (3x3, column c = world direction of axis c; default identity)
    /// give the geometry as NIfTI does. `labels` (integer array of the same shape, 0 =
    /// background) and `label_names` ({id: name}) name regions; without labels every voxel is
    /// the region "body".
    #[staticmethod]
    #[pyo3(signature = (hu, spacing_mm, origin_mm=(0.0, 0.0, 0.0), direction=None, labels=None, label_names=None, name="ct"))]
    #[allow(clippy::too_many_arguments)] // the Python signature of the contract
    fn from_ct(
        hu: PyReadonlyArray3<'_, f64>,
        spacing_mm: (f64, f64, f64),
        origin_mm: (f64, f64, f64),
        direction: Option<[[f64; 3]; 3]>,
        labels: Option<PyReadonlyArray3<'_, u16>>,
        label_names: Option<std::collections::BTreeMap<u16, String>>,
        name: &str,
    ) -> PyResult<Self> {
        let hu = hu.as_array();
        let dims = shape3(&hu);
        let spacing = [spacing_mm.0, spacing_mm.1, spacing_mm.2];
        if spacing.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
            return Err(PyValueError::new_err(format!(
                "spacing_mm: expected three positive voxel sizes, got {spacing:?}"
            )));
        }
        let direction = direction.unwrap_or(theradose::io::IDENTITY_DIRECTION);
        check_direction(&direction)?;
        let grid = Grid {
            dims,
            spacing_mm: spacing,
            origin_mm: [origin_mm.0, origin_mm.1, origin_mm.2],
            direction,
        };
        let values = from_numpy(hu);
        if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            let (a, b, c) = (
                i % dims[0],
                (i / dims[0]) % dims[1],
                i / (dims[0] * dims[1]),
            );
            return Err(PyValueError::new_err(format!(
                "hu: voxel [{a}, {b}, {c}] is {v}, expected a finite CT number"
            )));
        }
        let names: Vec<(u16, String)> = label_names.unwrap_or_default().into_iter().collect();
        let (label, regions) = match labels {
            Some(l) => {
                let l = l.as_array();
                if shape3(&l) != dims {
                    return Err(PyValueError::new_err(format!(
                        "labels: shape {:?}, expected {dims:?} like hu",
                        shape3(&l)
                    )));
                }
                let label = from_numpy(l);
                let regions = regions_for_labels(&label, &names);
                (label, regions)
            }
            None => theradose::phantom::body_only(values.len()),
        };
        let ctx = context()?;
        let cal = HuCalibration::default_schneider().map_err(py_err)?;
        let inner = Phantom::from_hu(name, grid, &values, &cal, &ctx.materials, label, regions)
            .map_err(|e| PyValueError::new_err(format!("hu: {e:#}")))?;
        Ok(PyPhantom { inner })
    }

    /// The phantom's name.
    #[getter]
    fn name(&self) -> String {
        self.inner.name.clone()
    }

    /// Voxels along each axis, (nx, ny, nz).
    #[getter]
    fn shape(&self) -> (usize, usize, usize) {
        let d = self.inner.grid.dims;
        (d[0], d[1], d[2])
    }

    /// Voxel size along each axis (mm).
    #[getter]
    fn spacing_mm(&self) -> (f64, f64, f64) {
        let s = self.inner.grid.spacing_mm;
        (s[0], s[1], s[2])
    }

    /// World position (mm, RAS+) of the centre of voxel (0, 0, 0).
    #[getter]
    fn origin_mm(&self) -> (f64, f64, f64) {
        let o = self.inner.grid.origin_mm;
        (o[0], o[1], o[2])
    }

    /// Direction cosines, 3x3 nested tuple: column c is the world (RAS+) direction of axis c.
    #[getter]
    #[allow(clippy::type_complexity)] // a 3x3 nested tuple, as the contract names it
    fn direction(&self) -> ((f64, f64, f64), (f64, f64, f64), (f64, f64, f64)) {
        let [a, b, c] = self.inner.grid.direction.map(|r| (r[0], r[1], r[2]));
        (a, b, c)
    }

    /// Region id per voxel (uint16 array `[i, j, k]`; 0 = background).
    #[getter]
    fn labels<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray3<u16>>> {
        to_numpy(py, self.inner.grid.dims, self.inner.label.clone())
    }

    /// Mass density per voxel (g/cm3, float32 array `[i, j, k]`).
    #[getter]
    fn density_g_cm3<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray3<f32>>> {
        to_numpy(py, self.inner.grid.dims, self.inner.density.clone())
    }

    /// Region names by id (index 0 is the background, "outside").
    #[getter]
    fn region_names(&self) -> Vec<String> {
        self.inner.regions.iter().map(|r| r.name.clone()).collect()
    }

    /// Mass of each region (g), by name (the background left out).
    fn region_masses_g(&self) -> Vec<(String, f64)> {
        let m = self.inner.region_masses_g();
        self.inner
            .regions
            .iter()
            .zip(m)
            .skip(1)
            .map(|(r, m)| (r.name.clone(), m))
            .collect()
    }

    /// Boolean array `[i, j, k]`, true in the voxels of the named region.
    fn region_mask<'py>(
        &self,
        py: Python<'py>,
        name: &str,
    ) -> PyResult<Bound<'py, PyArray3<bool>>> {
        let id = self
            .inner
            .region_id(name)
            .map_err(|e| PyValueError::new_err(format!("name: {e:#}")))?;
        let mask = self.inner.label.iter().map(|&l| l == id).collect();
        to_numpy(py, self.inner.grid.dims, mask)
    }

    fn __repr__(&self) -> String {
        let d = self.inner.grid.dims;
        let s = self.inner.grid.spacing_mm;
        format!(
            "Phantom('{}', shape=({}, {}, {}), spacing_mm=({}, {}, {}), regions={})",
            self.inner.name,
            d[0],
            d[1],
            d[2],
            s[0],
            s[1],
            s[2],
            self.inner.regions.len() - 1
        )
    }
}

/// Checks that a direction matrix has orthonormal columns.
fn check_direction(d: &[[f64; 3]; 3]) -> PyResult<()> {
    for a in 0..3 {
        for b in 0..3 {
            let dot: f64 = (0..3).map(|r| d[r][a] * d[r][b]).sum();
            let want = if a == b { 1.0 } else { 0.0 };
            if !(dot - want).abs().le(&1e-4) {
                return Err(PyValueError::new_err(format!(
                    "direction: columns must be orthonormal unit vectors, got {d:?}"
                )));
            }
        }
    }
    Ok(())
}

/// A dose map with its statistics (from `theradose.dose`).
#[pyclass(name = "DoseResult", module = "theradose", frozen)]
struct PyDoseResult {
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

    /// Writes the files of `theradose dose` into the folder `out`.
    #[pyo3(signature = (out, v_gy=vec![2.0, 5.0, 10.0, 20.0], dicom=false))]
    fn write(&self, out: PathBuf, v_gy: Vec<f64>, dicom: bool) -> PyResult<()> {
        std::fs::create_dir_all(&out)
            .map_err(|e| PyRuntimeError::new_err(format!("{}: {e}", out.display())))?;
        let dcm = dicom.then(|| out.join("dose.dcm"));
        self.inner
            .write(&self.phantom, &out, &v_gy, dcm.as_deref(), None)
            .map_err(py_err)
    }
}

/// Absorbed dose of a TIA map (Bq s per voxel) on a phantom: `spec_json` holds the keys of
/// [`DoseSpec`] (method, nuclide, histories, seed, threads, chain, ...).
#[pyfunction]
fn _dose(
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
fn _dose_methods() -> Vec<&'static str> {
    [DoseMethod::Mc, DoseMethod::Vsv, DoseMethod::Ldm]
        .iter()
        .map(|m| m.name())
        .collect()
}

/// A spec from the JSON text the Python layer builds from keyword arguments: unknown keys and
/// wrong types raise `ValueError` naming the key.
fn spec_from_json<T: serde::de::DeserializeOwned>(text: &str) -> PyResult<T> {
    serde_json::from_str(text).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// A result as JSON text.
fn to_json<T: serde::Serialize>(v: &T) -> PyResult<String> {
    serde_json::to_string(v).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// Decay data of a nuclide as the JSON text of `theradose decay`.
#[pyfunction]
fn _decay(nuclide: &str, chain: bool) -> PyResult<String> {
    let d =
        theradose::source::decay_info::decay(nuclide, chain).map_err(|e| {
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
fn _tia(spec_json: &str) -> PyResult<String> {
    let spec: theradose::dosimetry::tia::TiaSpec = spec_from_json(spec_json)?;
    to_json(&theradose::dosimetry::tia::tia(&spec).map_err(py_err)?)
}

/// Biologically effective dose: `spec_json` holds the keys of `BedSpec`; returns the JSON text
/// of `theradose bed`.
#[pyfunction]
fn _bed(spec_json: &str) -> PyResult<String> {
    let spec: theradose::biology::bed::BedSpec = spec_from_json(spec_json)?;
    to_json(&theradose::biology::bed::bed(&spec).map_err(py_err)?)
}

/// Runs a study file; returns the JSON text of its metrics (`metrics.json`, or the summary of
/// a study kind without one) and the output folder.
#[pyfunction]
#[pyo3(signature = (path, out=None, histories=None, threads=None))]
fn _run_study(
    py: Python<'_>,
    path: PathBuf,
    out: Option<PathBuf>,
    histories: Option<u64>,
    threads: Option<usize>,
) -> PyResult<(String, String)> {
    let opts = theradose::study::StudyOptions { histories, threads };
    let ctx = context()?;
    let r = interruptible(py, || {
        theradose::study::run_study(ctx, &path, out.as_deref(), &opts)
    })?;
    Ok((to_json(&r.metrics)?, r.out_dir.display().to_string()))
}

/// The data folder the library reads (`THERADOSE_DATA`, else the repository's `data/`).
#[pyfunction]
fn data_dir() -> String {
    theradose::tables::data_dir().display().to_string()
}

/// The compiled part of the `theradose` package.
#[pymodule]
fn _theradose(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", theradose::VERSION)?;
    m.add_class::<PyPhantom>()?;
    m.add_class::<PyDoseResult>()?;
    m.add_function(wrap_pyfunction!(_dose, m)?)?;
    m.add_function(wrap_pyfunction!(_dose_methods, m)?)?;
    m.add_function(wrap_pyfunction!(_decay, m)?)?;
    m.add_function(wrap_pyfunction!(_tia, m)?)?;
    m.add_function(wrap_pyfunction!(_bed, m)?)?;
    m.add_function(wrap_pyfunction!(_run_study, m)?)?;
    m.add_function(wrap_pyfunction!(data_dir, m)?)?;
    Ok(())
}
