//! The voxel phantom: grid geometry, material id and mass density per voxel, and a label map of
//! named regions. The phantom knows voxels and material ids, never cross sections.
//!
//! Transport works in the phantom's local frame: cm, origin at the outer corner of voxel
//! (0,0,0), axes along the voxel axes. `Grid` carries the world geometry (origin, spacing,
//! direction) for input and output.

pub mod builtin;
pub mod geometry;
mod shapes;

use crate::io::{self, Grid, Volume};
use crate::materials::{HuCalibration, Material, MaterialDb};
use crate::numerics::Vec3;
use anyhow::{anyhow, bail, Context, Result};
use std::path::Path;

/// A named region of the label map.
#[derive(Clone, Debug, PartialEq)]
pub struct Region {
    pub name: String,
    /// reference mass the phantom definition declares (g)
    pub reference_mass_g: Option<f64>,
    pub source: Option<String>,
}

/// A voxel phantom.
#[derive(Clone, Debug)]
pub struct Phantom {
    pub name: String,
    pub grid: Grid,
    /// material id per voxel (index into `materials`)
    pub material: Vec<u8>,
    /// mass density per voxel (g/cm3)
    pub density: Vec<f32>,
    /// region id per voxel (index into `regions`; 0 = outside/background)
    pub label: Vec<u16>,
    pub materials: Vec<Material>,
    pub regions: Vec<Region>,
    /// voxel size in cm
    pub voxel_cm: [f64; 3],
    inv_voxel_cm: [f64; 3],
    /// phantom extent in cm (local frame)
    pub size_cm: [f64; 3],
}

impl Phantom {
    /// Assembles and validates a phantom.
    pub fn new(
        name: &str,
        grid: Grid,
        material: Vec<u8>,
        density: Vec<f32>,
        label: Vec<u16>,
        materials: Vec<Material>,
        regions: Vec<Region>,
    ) -> Result<Self> {
        let n = grid.len();
        if n == 0 {
            bail!("phantom '{name}': empty grid {:?}", grid.dims);
        }
        for (what, len) in [
            ("material", material.len()),
            ("density", density.len()),
            ("label", label.len()),
        ] {
            if len != n {
                bail!(
                    "phantom '{name}': {what} map has {len} voxels, expected {n} ({:?})",
                    grid.dims
                );
            }
        }
        if let Some((i, d)) = density
            .iter()
            .enumerate()
            .find(|(_, d)| !(d.is_finite() && **d >= 0.0))
        {
            bail!("phantom '{name}': voxel {i} has density {d} g/cm3, expected a finite non-negative value");
        }
        if let Some(m) = material.iter().find(|&&m| m as usize >= materials.len()) {
            bail!(
                "phantom '{name}': material id {m} but only {} materials",
                materials.len()
            );
        }
        if let Some(l) = label.iter().find(|&&l| l as usize >= regions.len()) {
            bail!(
                "phantom '{name}': label {l} has no region name ({} regions)",
                regions.len()
            );
        }
        let voxel_cm = [
            grid.spacing_mm[0] / 10.0,
            grid.spacing_mm[1] / 10.0,
            grid.spacing_mm[2] / 10.0,
        ];
        if voxel_cm.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
            bail!(
                "phantom '{name}': voxel size {:?} mm, expected positive",
                grid.spacing_mm
            );
        }
        let size_cm = [
            voxel_cm[0] * grid.dims[0] as f64,
            voxel_cm[1] * grid.dims[1] as f64,
            voxel_cm[2] * grid.dims[2] as f64,
        ];
        Ok(Phantom {
            name: name.to_string(),
            inv_voxel_cm: [1.0 / voxel_cm[0], 1.0 / voxel_cm[1], 1.0 / voxel_cm[2]],
            voxel_cm,
            size_cm,
            grid,
            material,
            density,
            label,
            materials,
            regions,
        })
    }

    /// A homogeneous box of one material (label 1 = `region`).
    pub fn homogeneous(
        material: Material,
        density: f64,
        dims: [usize; 3],
        voxel_mm: f64,
        region: &str,
    ) -> Result<Self> {
        let grid = Grid::new(dims, [voxel_mm; 3]);
        let n = grid.len();
        Phantom::new(
            region,
            grid,
            vec![0; n],
            vec![density as f32; n],
            vec![1; n],
            vec![material],
            vec![
                Region {
                    name: "outside".into(),
                    reference_mass_g: None,
                    source: None,
                },
                Region {
                    name: region.into(),
                    reference_mass_g: None,
                    source: None,
                },
            ],
        )
    }

    /// Number of voxels.
    pub fn len(&self) -> usize {
        self.material.len()
    }
    pub fn is_empty(&self) -> bool {
        self.material.is_empty()
    }

    /// Volume of one voxel in cm3.
    pub fn voxel_volume_cm3(&self) -> f64 {
        self.voxel_cm[0] * self.voxel_cm[1] * self.voxel_cm[2]
    }

    /// Mass of voxel `v` in g.
    #[inline]
    pub fn voxel_mass_g(&self, v: usize) -> f64 {
        self.density[v] as f64 * self.voxel_volume_cm3()
    }

    /// Region id by name; the error lists the region names.
    pub fn region_id(&self, name: &str) -> Result<u16> {
        self.regions
            .iter()
            .position(|r| r.name == name)
            .map(|i| i as u16)
            .ok_or_else(|| {
                let names: Vec<&str> = self
                    .regions
                    .iter()
                    .skip(1)
                    .map(|r| r.name.as_str())
                    .collect();
                anyhow!(
                    "phantom '{}' has no region '{}': its regions are {}",
                    self.name,
                    name,
                    names.join(", ")
                )
            })
    }

    /// Voxel indices of a region.
    pub fn region_voxels(&self, id: u16) -> Vec<u32> {
        self.label
            .iter()
            .enumerate()
            .filter(|(_, &l)| l == id)
            .map(|(i, _)| i as u32)
            .collect()
    }

    /// Mass of each region in g (index = region id).
    pub fn region_masses_g(&self) -> Vec<f64> {
        let mut m = vec![0.0; self.regions.len()];
        let vv = self.voxel_volume_cm3();
        for (l, d) in self.label.iter().zip(&self.density) {
            m[*l as usize] += *d as f64 * vv;
        }
        m
    }

    /// Voxel index holding a local position (cm), or None outside the grid.
    #[inline]
    pub fn voxel_at(&self, p: Vec3) -> Option<usize> {
        geometry::voxel_index(p, self.inv_voxel_cm, self.grid.dims)
    }

    /// The voxel data of this phantom arranged for tracking (which voxel, face distances).
    pub fn voxel_lookup(&self) -> geometry::VoxelLookup {
        geometry::VoxelLookup::new(
            self.grid.dims,
            self.voxel_cm,
            &self.material,
            &self.density,
            &self.label,
        )
    }

    /// Local position (cm) of the centre of voxel (i, j, k).
    pub fn voxel_centre(&self, i: usize, j: usize, k: usize) -> Vec3 {
        Vec3::new(
            (i as f64 + 0.5) * self.voxel_cm[0],
            (j as f64 + 0.5) * self.voxel_cm[1],
            (k as f64 + 0.5) * self.voxel_cm[2],
        )
    }

    /// (i, j, k) of a linear voxel index.
    pub fn ijk(&self, v: usize) -> (usize, usize, usize) {
        let d = self.grid.dims;
        (v % d[0], (v / d[0]) % d[1], v / (d[0] * d[1]))
    }

    /// Converts a world position (mm) to the local frame (cm).
    pub fn world_to_local(&self, p_mm: [f64; 3]) -> Vec3 {
        let g = &self.grid;
        let r = [
            p_mm[0] - g.origin_mm[0],
            p_mm[1] - g.origin_mm[1],
            p_mm[2] - g.origin_mm[2],
        ];
        let mut c = [0.0; 3];
        for (a, ca) in c.iter_mut().enumerate() {
            // direction columns are orthonormal: index coordinate = (D^T r) / spacing
            let proj =
                g.direction[0][a] * r[0] + g.direction[1][a] * r[1] + g.direction[2][a] * r[2];
            *ca = (proj / g.spacing_mm[a] + 0.5) * g.spacing_mm[a] / 10.0;
        }
        Vec3::new(c[0], c[1], c[2])
    }

    /// Reads a CT in HU (a DICOM folder or file, NIfTI or MetaImage; of a DICOM folder with
    /// several series, the CT), converting it with a calibration, and optional labels: a label
    /// map on the same grid with region names, or an RTSTRUCT or DICOM SEG placed on the CT (its
    /// ROI or segment names; `names` are then not used). Voxels may be anisotropic.
    ///
    /// # Errors
    /// Files that cannot be read, a DICOM image that is not in HU, a label map on another grid.
    pub fn from_ct(
        ct_path: &Path,
        calibration: &HuCalibration,
        db: &MaterialDb,
        labels: Option<(&Path, &[(u16, String)])>,
    ) -> Result<Self> {
        let ct = read_ct(ct_path)?;
        Phantom::from_ct_volume(ct_path, ct, calibration, db, labels)
    }

    /// [`Phantom::from_ct`] of a CT already in memory (HU), read from `ct_path`.
    ///
    /// # Errors
    /// See [`Phantom::from_ct`].
    pub fn from_ct_volume(
        ct_path: &Path,
        ct: Volume<f64>,
        calibration: &HuCalibration,
        db: &MaterialDb,
        labels: Option<(&Path, &[(u16, String)])>,
    ) -> Result<Self> {
        let (label, regions) = read_labels(&ct.grid, ct_path, labels)?;
        let name = ct_path
            .file_name()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        Phantom::from_hu(&name, ct.grid, &ct.data, calibration, db, label, regions)
            .with_context(|| format!("{}", ct_path.display()))
    }

    /// A phantom from CT numbers in memory (HU, voxel order of `grid`: i fastest), converted
    /// with a calibration, with a label map on the same grid and its regions (region 0 is the
    /// background).
    ///
    /// # Errors
    /// HU that are not finite, a label map of another size, or a label without a region.
    pub fn from_hu(
        name: &str,
        grid: Grid,
        hu: &[f64],
        calibration: &HuCalibration,
        db: &MaterialDb,
        label: Vec<u16>,
        regions: Vec<Region>,
    ) -> Result<Self> {
        if hu.len() != grid.len() {
            bail!(
                "CT has {} voxels, expected {} ({:?})",
                hu.len(),
                grid.len(),
                grid.dims
            );
        }
        let conv = calibration.convert_volume(hu)?;
        if conv.clamped > 0 {
            eprintln!(
                "warning: {name}: {} voxels had HU outside [{}, {}] and were clamped",
                conv.clamped, calibration.hu_min, calibration.hu_max
            );
        }
        let materials = calibration
            .intervals
            .iter()
            .map(|(_, name)| db.get(name).cloned())
            .collect::<Result<Vec<_>>>()?;
        Phantom::new(
            name,
            grid,
            conv.medium,
            conv.density,
            label,
            materials,
            regions,
        )
    }
}

/// Regions for a label map: `outside` for 0, the given names by id, `region_<id>` for ids
/// without a name, up to the largest id of the map or of the names.
pub fn regions_for_labels(label: &[u16], names: &[(u16, String)]) -> Vec<Region> {
    let max_id = label.iter().copied().max().unwrap_or(0);
    let max_named = names.iter().map(|n| n.0).max().unwrap_or(0);
    let mut regions: Vec<Region> = (0..=max_id.max(max_named))
        .map(|i| Region {
            name: if i == 0 {
                "outside".into()
            } else {
                format!("region_{i}")
            },
            reference_mass_g: None,
            source: None,
        })
        .collect();
    for (id, name) in names {
        if let Some(r) = regions.get_mut(*id as usize) {
            r.name = name.clone();
        }
    }
    regions
}

/// The label map of a phantom without one: every voxel in region 1, `body`.
pub fn body_only(n: usize) -> (Vec<u16>, Vec<Region>) {
    (vec![1; n], regions_for_labels(&[1], &[(1, "body".into())]))
}

/// A CT volume in HU: NIfTI or MetaImage as stored, DICOM checked to be in HU.
fn read_ct(path: &Path) -> Result<Volume<f64>> {
    if io::image::is_volume_file(path) {
        return Ok(io::read_volume(path)?);
    }
    let img = io::image::read_image(path, Some("CT"))?;
    Ok(io::image::in_units(path, &img, io::image::ImageUnits::Hu)?)
}

/// Reads a label map that must match `grid`, with names per id; without one, every voxel is
/// region 1 "body".
fn read_labels(
    grid: &Grid,
    ref_path: &Path,
    labels: Option<(&Path, &[(u16, String)])>,
) -> Result<(Vec<u16>, Vec<Region>)> {
    let Some((path, names)) = labels else {
        return Ok(body_only(grid.len()));
    };
    if !io::image::is_volume_file(path) {
        let map = io::dicom::structure_labels(path, grid)?;
        let regions = regions_for_labels(&map.labels.data, &map.names);
        return Ok((map.labels.data, regions));
    }
    let vol: Volume<f64> = io::read_volume(path)?;
    if !vol.grid.same_geometry(grid, 1e-3) {
        bail!(
            "{}: label map grid {}, expected {} like {}",
            path.display(),
            vol.grid.describe(),
            grid.describe(),
            ref_path.display()
        );
    }
    let mut label = Vec::with_capacity(vol.data.len());
    for (i, &v) in vol.data.iter().enumerate() {
        if !(v.is_finite() && v >= 0.0 && v <= u16::MAX as f64 && v.fract() == 0.0) {
            bail!(
                "{}: voxel {i} has label {v}, expected a non-negative integer",
                path.display()
            );
        }
        label.push(v as u16);
    }
    let regions = regions_for_labels(&label, names);
    Ok((label, regions))
}

/// Writes a phantom: density (g/cm3, f32) to `path` (.nii.gz/.nii/.mhd), the label map to
/// `<stem>_labels.<ext>`, material ids to `<stem>_materials.<ext>`, and region and material
/// names to `<stem>.json`.
pub fn export(ph: &Phantom, path: &Path) -> Result<()> {
    let name = path
        .file_name()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let (stem, ext) = match name.find('.') {
        Some(i) => (name[..i].to_string(), name[i..].to_string()),
        None => bail!(
            "{}: give a file name ending in .nii.gz, .nii or .mhd",
            path.display()
        ),
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    if !dir.as_os_str().is_empty() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let g = ph.grid.clone();
    io::write_volume(
        path,
        &Volume {
            grid: g.clone(),
            data: ph.density.clone(),
        },
        &format!("theradose phantom {} density g/cm3", ph.name),
    )?;
    io::write_volume(
        &dir.join(format!("{stem}_labels{ext}")),
        &Volume {
            grid: g.clone(),
            data: ph.label.clone(),
        },
        &format!("theradose phantom {} labels", ph.name),
    )?;
    io::write_volume(
        &dir.join(format!("{stem}_materials{ext}")),
        &Volume {
            grid: g,
            data: ph.material.clone(),
        },
        &format!("theradose phantom {} material ids", ph.name),
    )?;
    let meta = serde_json::json!({
        "phantom": ph.name,
        "version": crate::VERSION,
        "regions": ph.regions.iter().enumerate().map(|(i, r)| serde_json::json!({"id": i, "name": r.name, "reference_mass_g": r.reference_mass_g})).collect::<Vec<_>>(),
        "materials": ph.materials.iter().enumerate().map(|(i, m)| serde_json::json!({"id": i, "name": m.name})).collect::<Vec<_>>(),
    });
    std::fs::write(
        dir.join(format!("{stem}.json")),
        serde_json::to_string_pretty(&meta)?,
    )?;
    Ok(())
}
