//! Boron in a BNCT phantom: per-voxel 10B maps (from a map or an 18F-BPA PET), materials
//! copied per region so that each carries its own 10B (the one place that clones a material
//! with added boron), and the CBE factor of each region.

use crate::dosimetry::bnct::spec::BeamSpec;
use crate::phantom::Phantom;
use crate::source::neutron_beam::Weighting;
use crate::spec_bail;
use anyhow::{bail, Context as _, Result};
use std::collections::BTreeMap;

/// Gives voxels copies of their materials: each voxel `v` with `key(v) = Some(k)` gets the copy
/// made for (its material, k), named `name(material name, k)`, made at the first such voxel
/// (in voxel order) and appended to the materials; voxels with `None` keep their material.
/// With `keep_originals` false the new list holds only the copies (every voxel must then have
/// a key). Returns the phantom and, per material of its list, the key of the copy (`None` for
/// a kept original).
///
/// # Errors
/// More than 255 materials, or a voxel without a key when the originals are not kept.
pub fn split_materials<K: Ord + Copy>(
    ph: &Phantom,
    keep_originals: bool,
    key: impl Fn(usize) -> Option<K>,
    name: impl Fn(&str, K) -> String,
) -> Result<(Phantom, Vec<Option<K>>)> {
    let mut out = ph.clone();
    let mut keys: Vec<Option<K>> = Vec::new();
    if keep_originals {
        keys = vec![None; ph.materials.len()];
    } else {
        out.materials.clear();
    }
    let mut ids: BTreeMap<(u8, K), u8> = BTreeMap::new();
    for v in 0..ph.len() {
        let Some(k) = key(v) else {
            if !keep_originals {
                bail!("phantom '{}': voxel {v} has no material key", ph.name);
            }
            continue;
        };
        let m = ph.material[v];
        let id = match ids.get(&(m, k)) {
            Some(&id) => id,
            None => {
                if out.materials.len() >= 255 {
                    bail!("phantom '{}': more than 255 materials", ph.name);
                }
                let mut mat = ph.materials[m as usize].clone();
                mat.name = name(&mat.name, k);
                out.materials.push(mat);
                keys.push(Some(k));
                let id = (out.materials.len() - 1) as u8;
                ids.insert((m, k), id);
                id
            }
        };
        out.material[v] = id;
    }
    Ok((out, keys))
}

/// The tumour voxels' own copies of their materials (named `<material>+tumour-boron`), with
/// the 10B of each material: `boron_ppm` for the phantom's materials, `tumour_ppm` for the
/// copies.
///
/// # Errors
/// More than 255 materials.
pub fn tumour_boron_materials(
    ph: &Phantom,
    is_tumour: &[bool],
    boron_ppm: f64,
    tumour_ppm: f64,
) -> Result<(Phantom, Vec<f64>)> {
    let (out, keys) = split_materials(
        ph,
        true,
        |v| is_tumour[ph.label[v] as usize].then_some(()),
        |m, ()| format!("{m}+tumour-boron"),
    )?;
    let ppm = keys
        .iter()
        .map(|k| if k.is_some() { tumour_ppm } else { boron_ppm })
        .collect();
    Ok((out, ppm))
}

/// The per-voxel 10B concentration (ug/g) from `boron_map` or `fbpa_pet`, checked against the
/// phantom grid; None when neither is given.
pub fn boron_map(a: &BeamSpec, ph: &Phantom) -> Result<Option<Vec<f64>>> {
    let (path, scale) = match (&a.boron_map, &a.fbpa_pet) {
        (Some(_), Some(_)) => spec_bail!("fbpa_pet", "give boron_map or fbpa_pet, not both"),
        (Some(p), None) => (p, 1.0),
        (None, Some(p)) => {
            let r = a.fbpa_reference_suv;
            if !(r.is_finite() && r > 0.0) {
                spec_bail!("fbpa_reference_suv", "{r}: expected a positive SUV");
            }
            (p, a.boron_ppm / r)
        }
        (None, None) => return Ok(None),
    };
    let vol = crate::io::read_volume(path)
        .with_context(|| format!("cannot read the boron map {}", path.display()))?;
    if vol.grid.dims != ph.grid.dims {
        bail!(
            "{}: dimensions {}, expected {} like the phantom",
            path.display(),
            vol.grid.dims_string(),
            ph.grid.dims_string()
        );
    }
    if let Some(v) = vol.data.iter().position(|x| !(x.is_finite() && *x >= 0.0)) {
        bail!(
            "{}: voxel {v} holds {}, expected a finite value >= 0",
            path.display(),
            vol.data[v]
        );
    }
    Ok(Some(vol.data.iter().map(|x| x * scale).collect()))
}

/// CBE per region label: tumour regions `cbe_tumour`, regions named "skin" `cbe_skin`, others
/// `cbe_normal`.
pub fn cbe_by_name(ph: &Phantom, w: &Weighting, is_tumour: &[bool]) -> Vec<f64> {
    ph.regions
        .iter()
        .zip(is_tumour)
        .map(|(r, &t)| {
            if t {
                w.cbe_tumour
            } else if r.name.to_lowercase().contains("skin") {
                w.cbe_skin
            } else {
                w.cbe_normal
            }
        })
        .collect()
}
