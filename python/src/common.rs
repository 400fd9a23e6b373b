//! What the bindings share: errors as Python exceptions, interruptible computations without the
//! GIL, the process's data context, and voxel arrays to and from numpy.

use numpy::ndarray::{Array3, ArrayView3, ShapeBuilder};
use numpy::{IntoPyArray, PyArray3};
use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use std::sync::atomic::Ordering;
use std::time::Duration;
use theradose::context::Context;
use theradose::error::{spec_error_of, Interrupted};

/// A library error as a Python exception: spec errors as `ValueError`, an interrupted run as
/// `KeyboardInterrupt`, everything else as `RuntimeError` with the whole chain of causes.
pub(crate) fn py_err(e: anyhow::Error) -> PyErr {
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
pub(crate) fn interruptible<T: Send>(
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
pub(crate) fn context() -> PyResult<&'static Context> {
    static CTX: std::sync::OnceLock<Context> = std::sync::OnceLock::new();
    if let Some(c) = CTX.get() {
        return Ok(c);
    }
    let c = Context::load().map_err(py_err)?;
    Ok(CTX.get_or_init(|| c))
}

/// A flat voxel vector (i fastest) as a numpy array indexed `[i, j, k]`.
pub(crate) fn to_numpy<'py, T: numpy::Element>(
    py: Python<'py>,
    dims: [usize; 3],
    data: Vec<T>,
) -> PyResult<Bound<'py, PyArray3<T>>> {
    let a = Array3::from_shape_vec((dims[0], dims[1], dims[2]).f(), data)
        .map_err(|e| PyRuntimeError::new_err(format!("array shape: {e}")))?;
    Ok(a.into_pyarray(py))
}

/// A numpy array indexed `[i, j, k]` as a flat voxel vector (i fastest).
pub(crate) fn from_numpy<T: Copy>(a: ArrayView3<'_, T>) -> Vec<T> {
    a.t().iter().copied().collect()
}

pub(crate) fn shape3(a: &ArrayView3<'_, impl Sized>) -> [usize; 3] {
    let s = a.shape();
    [s[0], s[1], s[2]]
}
