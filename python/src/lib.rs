//! The Python face of theradose (L7): thin bindings over the typed library, the same functions
//! the command line calls. Arrays cross as numpy arrays indexed `[i, j, k]` like the voxel arrays
//! of the NIfTI files the command line writes (nibabel's order; x fastest in memory, so they
//! are Fortran-ordered). Tables and summaries cross as JSON text that `theradose/__init__.py`
//! turns into dicts, so a dict holds exactly the keys and numbers of the command's JSON.
//!
//! Long computations release the GIL and run on a worker thread while the calling thread
//! watches for Ctrl-C: a `KeyboardInterrupt` stops the run at its next round and is re-raised.
//! A [`theradose::error::SpecError`] becomes `ValueError("field: message")`.

mod calls;
mod common;
mod dose;
mod phantom;

use calls::{_bed, _decay, _run_study, _tia, data_dir};
use dose::{_dose, _dose_methods, PyDoseResult};
use phantom::PyPhantom;
use pyo3::prelude::*;

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
    m.add_function(wrap_pyfunction!(calls::_remove_checkpoints, m)?)?;
    m.add_function(wrap_pyfunction!(calls::_calibrate_response, m)?)?;
    m.add_function(wrap_pyfunction!(data_dir, m)?)?;
    Ok(())
}
