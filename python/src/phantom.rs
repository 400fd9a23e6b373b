//! `theradose.Phantom`: built-in phantoms and phantoms from CT arrays.

use crate::common::{context, from_numpy, py_err, shape3, to_numpy};
use numpy::{PyArray3, PyReadonlyArray3};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use theradose::io::Grid;
use theradose::materials::HuCalibration;
use theradose::phantom::{builtin, regions_for_labels, Phantom};

/// `voxel_mm` of `Phantom.builtin`: one size (cubes) or three (x, y, z).
#[derive(FromPyObject)]
enum VoxelArg {
    Cube(f64),
    Axes([f64; 3]),
}

/// A voxel phantom: materials, mass density and a label map of named regions on a grid.
#[pyclass(name = "Phantom", module = "theradose", frozen)]
pub(crate) struct PyPhantom {
    pub(crate) inner: Phantom,
}

#[pymethods]
impl PyPhantom {
    /// A built-in phantom (`theradose phantom list`: adult, mouse, water-cube, ...), voxelised
    /// at `voxel_mm` (default: the phantom's own; a number for cubes or (x, y, z) for
    /// anisotropic voxels) with optional shape groups (e.g. "lesions").
    #[staticmethod]
    #[pyo3(signature = (name, voxel_mm=None, groups=None))]
    fn builtin(
        name: &str,
        voxel_mm: Option<VoxelArg>,
        groups: Option<Vec<String>>,
    ) -> PyResult<Self> {
        let voxel_mm = voxel_mm.map(|v| match v {
            VoxelArg::Cube(x) => [x; 3],
            VoxelArg::Axes(xyz) => xyz,
        });
        if let Some(v) = voxel_mm {
            if !v.iter().all(|x| x.is_finite() && *x > 0.0) {
                return Err(PyValueError::new_err(format!(
                    "voxel_mm: expected a positive voxel size or three, got {v:?}"
                )));
            }
        }
        let ctx = context()?;
        let inner =
            builtin::build_sized(name, &ctx.materials, voxel_mm, &groups.unwrap_or_default())
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
