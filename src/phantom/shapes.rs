//! The analytic shapes of built-in phantom definitions: their TOML form, validation, and the
//! point-in-shape test used by the voxeliser.

use super::Region;
use crate::materials::MaterialDb;
use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};

#[derive(Deserialize, Serialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub(super) struct ShapeDef {
    pub(super) label: String,
    pub(super) material: String,
    pub(super) density: Option<f64>,
    pub(super) kind: String,
    pub(super) center_mm: [f64; 3],
    pub(super) radii_mm: Option<Vec<f64>>,
    pub(super) radius_mm: Option<f64>,
    pub(super) half_size_mm: Option<[f64; 3]>,
    pub(super) half_length_mm: Option<f64>,
    pub(super) axis: Option<String>,
    pub(super) clip_min_mm: Option<[f64; 3]>,
    pub(super) clip_max_mm: Option<[f64; 3]>,
    pub(super) inside: Option<String>,
    pub(super) group: Option<String>,
}

#[derive(Clone, Copy, Debug)]
pub(super) enum Kind {
    Box([f64; 3]),
    Ellipsoid([f64; 3]),
    /// axis, radii of the two other axes (in increasing axis order), half length
    Cylinder(usize, [f64; 2], f64),
}

#[derive(Clone, Debug)]
pub(super) struct Shape {
    pub(super) kind: Kind,
    pub(super) c: [f64; 3],
    pub(super) lo: [f64; 3],
    pub(super) hi: [f64; 3],
    pub(super) label: u16,
    pub(super) material: u8,
    pub(super) density: f32,
    pub(super) inside: Option<u16>,
}

impl ShapeDef {
    /// Scales the shape's linear size by `s` about its centre (radii, half sizes, half length,
    /// and the clip planes' distances from the centre).
    pub(super) fn scale(&mut self, s: f64) {
        let c = self.center_mm;
        self.radii_mm.iter_mut().flatten().for_each(|r| *r *= s);
        self.radius_mm.iter_mut().for_each(|r| *r *= s);
        self.half_size_mm
            .iter_mut()
            .for_each(|h| h.iter_mut().for_each(|x| *x *= s));
        self.half_length_mm.iter_mut().for_each(|h| *h *= s);
        for clip in [&mut self.clip_min_mm, &mut self.clip_max_mm]
            .into_iter()
            .flatten()
        {
            for a in 0..3 {
                if clip[a].abs() < 1e8 {
                    clip[a] = c[a] + (clip[a] - c[a]) * s;
                }
            }
        }
    }
}

impl Shape {
    #[inline]
    pub(super) fn contains(&self, p: [f64; 3]) -> bool {
        if (0..3).any(|a| p[a] < self.lo[a] || p[a] > self.hi[a]) {
            return false;
        }
        let d = [p[0] - self.c[0], p[1] - self.c[1], p[2] - self.c[2]];
        match self.kind {
            Kind::Box(_) => true,
            Kind::Ellipsoid(r) => {
                (d[0] / r[0]).powi(2) + (d[1] / r[1]).powi(2) + (d[2] / r[2]).powi(2) <= 1.0
            }
            Kind::Cylinder(ax, r, _) => {
                let (a, b) = match ax {
                    0 => (1, 2),
                    1 => (0, 2),
                    _ => (0, 1),
                };
                (d[a] / r[0]).powi(2) + (d[b] / r[1]).powi(2) <= 1.0
            }
        }
    }
}

pub(super) fn build_shape(
    phantom: &str,
    s: &ShapeDef,
    db: &MaterialDb,
    mats: &mut Vec<String>,
    regions: &mut Vec<Region>,
) -> Result<Shape> {
    let ctx = || format!("phantom '{}', shape '{}'", phantom, s.label);
    let mat = db.get(&s.material).with_context(ctx)?;
    let density = s.density.unwrap_or(mat.nominal_density);
    if !(density.is_finite() && density >= 0.0) {
        bail!(
            "{}: density {density} g/cm3, expected a finite non-negative value",
            ctx()
        );
    }
    let mid = match mats.iter().position(|m| m == &s.material) {
        Some(i) => i,
        None => {
            mats.push(s.material.clone());
            mats.len() - 1
        }
    };
    if mid > 255 {
        bail!("{}: more than 256 materials", ctx());
    }
    let lid = match regions.iter().position(|r| r.name == s.label) {
        Some(i) => i,
        None => {
            regions.push(Region {
                name: s.label.clone(),
                reference_mass_g: None,
                source: None,
            });
            regions.len() - 1
        }
    };
    let inside =
        match &s.inside {
            Some(n) => Some(regions.iter().position(|r| &r.name == n).ok_or_else(|| {
                anyhow!("{}: inside = '{}' names no earlier shape label", ctx(), n)
            })? as u16),
            None => None,
        };
    let kind = kind_of(s, &ctx())?;
    let ext = extent(kind);
    let c = s.center_mm;
    let cmin = s.clip_min_mm.unwrap_or([f64::NEG_INFINITY; 3]);
    let cmax = s.clip_max_mm.unwrap_or([f64::INFINITY; 3]);
    let lo = [0, 1, 2].map(|a| (c[a] - ext[a]).max(cmin[a]));
    let hi = [0, 1, 2].map(|a| (c[a] + ext[a]).min(cmax[a]));
    Ok(Shape {
        kind,
        c,
        lo,
        hi,
        label: lid as u16,
        material: mid as u8,
        density: density as f32,
        inside,
    })
}

/// The shape's kind and sizes from its definition; `ctx` names it in errors.
fn kind_of(s: &ShapeDef, ctx: &str) -> Result<Kind> {
    let pos = |v: f64, what: &str| -> Result<f64> {
        if v.is_finite() && v > 0.0 {
            Ok(v)
        } else {
            Err(anyhow!(
                "{}: {what} = {v}, expected a positive length in mm",
                ctx
            ))
        }
    };
    Ok(match s.kind.as_str() {
        "box" => {
            let h = s
                .half_size_mm
                .ok_or_else(|| anyhow!("{}: box needs half_size_mm", ctx))?;
            Kind::Box([
                pos(h[0], "half_size_mm")?,
                pos(h[1], "half_size_mm")?,
                pos(h[2], "half_size_mm")?,
            ])
        }
        "sphere" => {
            let r = pos(
                s.radius_mm
                    .ok_or_else(|| anyhow!("{}: sphere needs radius_mm", ctx))?,
                "radius_mm",
            )?;
            Kind::Ellipsoid([r; 3])
        }
        "ellipsoid" => {
            let r = s
                .radii_mm
                .as_ref()
                .ok_or_else(|| anyhow!("{}: ellipsoid needs radii_mm", ctx))?;
            if r.len() != 3 {
                bail!("{}: ellipsoid radii_mm needs 3 values", ctx);
            }
            Kind::Ellipsoid([
                pos(r[0], "radii_mm")?,
                pos(r[1], "radii_mm")?,
                pos(r[2], "radii_mm")?,
            ])
        }
        "cylinder" => {
            let ax = match s.axis.as_deref().unwrap_or("z") {
                "x" => 0,
                "y" => 1,
                "z" => 2,
                a => bail!("{}: axis '{a}', expected x, y or z", ctx),
            };
            let r = match (&s.radii_mm, s.radius_mm) {
                (Some(r), _) if r.len() == 2 => [pos(r[0], "radii_mm")?, pos(r[1], "radii_mm")?],
                (None, Some(r)) => [pos(r, "radius_mm")?; 2],
                _ => bail!("{}: cylinder needs radius_mm or radii_mm = [r1, r2]", ctx),
            };
            let h = pos(
                s.half_length_mm
                    .ok_or_else(|| anyhow!("{}: cylinder needs half_length_mm", ctx))?,
                "half_length_mm",
            )?;
            Kind::Cylinder(ax, r, h)
        }
        k => bail!(
            "{}: kind '{k}', expected box, sphere, ellipsoid or cylinder",
            ctx
        ),
    })
}

/// Half extents (mm) of a shape's bounding box along each axis.
fn extent(kind: Kind) -> [f64; 3] {
    match kind {
        Kind::Box(h) => h,
        Kind::Ellipsoid(r) => r,
        Kind::Cylinder(ax, r, h) => {
            let mut e = [0.0; 3];
            let others: Vec<usize> = (0..3).filter(|&a| a != ax).collect();
            e[ax] = h;
            e[others[0]] = r[0];
            e[others[1]] = r[1];
            e
        }
    }
}

/// Sub-point offsets (fractions of a voxel) in (z, (y, x)) order.
pub(super) fn sub_points(sub: usize) -> impl Iterator<Item = (f64, (f64, f64))> {
    let f = move |i: usize| (i as f64 + 0.5) / sub as f64;
    (0..sub)
        .flat_map(move |c| (0..sub).flat_map(move |b| (0..sub).map(move |a| (f(c), (f(b), f(a))))))
}
