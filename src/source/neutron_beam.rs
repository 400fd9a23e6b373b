//! BNCT neutron beams: a spectrum (built-in from `data/neutron/beams.toml`, or a user CSV of
//! energy bins), a disc or rectangular field, a direction, and the aiming of a beam through a
//! point of a phantom (shared by `theradose beam` and the BNCT studies); the field and its
//! placement are [`super::beam`]'s, shared with the photon and charged-particle beams.

use super::beam::{aim_through, BeamGeometry};
pub use super::beam::{axis_direction, builtin_point_to_local, ray_box_entry, unit_vector, Field};
use crate::numerics::Vec3;
use crate::phantom::Phantom;
use crate::rng::HistoryRng;
use crate::tables::read_data_file;
use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::path::Path;

/// One source neutron: kinetic energy (MeV), position (cm, phantom frame), unit direction.
#[derive(Clone, Copy, Debug)]
pub struct SourceNeutron {
    pub energy_mev: f64,
    pub pos: Vec3,
    pub dir: Vec3,
}

/// Shape of the spectrum within one energy group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum GroupShape {
    /// flux per unit energy ~ 1/E (uniform in lethargy)
    #[serde(rename = "1/E")]
    InverseE,
    /// E exp(-E/kT) at 293.6 K (the flux of a thermal Maxwellian), truncated to the group
    #[serde(rename = "maxwellian")]
    Maxwellian,
    /// uniform in energy
    #[serde(rename = "flat")]
    Flat,
}

/// One energy group of a spectrum.
#[derive(Clone, Copy, Debug, Deserialize)]
pub struct Group {
    pub e_lo_mev: f64,
    pub e_hi_mev: f64,
    pub fraction: f64,
    pub shape: GroupShape,
}

/// A neutron spectrum: groups with their probabilities.
#[derive(Clone, Debug, Deserialize)]
pub struct NeutronSpectrum {
    pub description: String,
    pub source: String,
    pub groups: Vec<Group>,
}

/// Dose-weighting factors of the BNCT components (`[weighting]` of beams.toml).
#[derive(Clone, Copy, Debug, Deserialize)]
pub struct Weighting {
    pub cbe_tumour: f64,
    pub cbe_normal: f64,
    pub cbe_skin: f64,
    pub rbe_nitrogen: f64,
    pub rbe_hydrogen: f64,
    pub rbe_gamma: f64,
}

#[derive(Deserialize)]
struct BeamsFile {
    epithermal: NeutronSpectrum,
    thermal: NeutronSpectrum,
    weighting: Weighting,
}

fn beams_file() -> Result<BeamsFile> {
    let (path, text) = read_data_file("neutron/beams.toml")?;
    toml::from_str(&text).with_context(|| format!("{}: invalid beam definitions", path.display()))
}

/// The default weighting factors.
///
/// # Errors
/// A missing or malformed `data/neutron/beams.toml`.
pub fn weighting() -> Result<Weighting> {
    Ok(beams_file()?.weighting)
}

impl NeutronSpectrum {
    /// `epithermal`, `thermal`, or the path of a CSV with header
    /// `energy_lo_mev,energy_hi_mev,fraction` (1/E within each bin; fractions renormalised).
    ///
    /// # Errors
    /// An unknown name, an unreadable or malformed CSV, bins outside 1e-11..20 MeV, no positive
    /// fraction.
    pub fn from_name(name: &str) -> Result<Self> {
        let s = match name {
            "epithermal" => beams_file()?.epithermal,
            "thermal" => beams_file()?.thermal,
            path => Self::from_csv(Path::new(path))?,
        };
        s.validate(name)?;
        Ok(s)
    }

    fn from_csv(path: &Path) -> Result<Self> {
        if path.extension().is_none_or(|e| e != "csv") {
            crate::spec_bail!(
                "spectrum",
                "{}: expected epithermal, thermal or a .csv file",
                path.display()
            );
        }
        let text = std::fs::read_to_string(path).map_err(|e| {
            crate::error::spec_error("spectrum", format!("cannot read {}: {e}", path.display()))
        })?;
        let mut groups = Vec::new();
        for (ln, line) in text.lines().enumerate().skip(1) {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let v: Vec<f64> = line
                .split(',')
                .map(|x| x.trim().parse())
                .collect::<Result<_, _>>()
                .map_err(|_| {
                    anyhow::anyhow!("{}: line {}: cannot parse '{line}'", path.display(), ln + 1)
                })?;
            if v.len() < 3 {
                bail!(
                    "{}: line {}: expected energy_lo_mev,energy_hi_mev,fraction",
                    path.display(),
                    ln + 1
                );
            }
            groups.push(Group {
                e_lo_mev: v[0],
                e_hi_mev: v[1],
                fraction: v[2],
                shape: GroupShape::InverseE,
            });
        }
        Ok(NeutronSpectrum {
            description: format!("user spectrum {}", path.display()),
            source: path.display().to_string(),
            groups,
        })
    }

    fn validate(&self, name: &str) -> Result<()> {
        let mut total = 0.0;
        for g in &self.groups {
            if !(g.e_lo_mev >= 1e-11 && g.e_hi_mev > g.e_lo_mev && g.e_hi_mev <= 20.0) {
                crate::spec_bail!(
                    "spectrum",
                    "{name}: bin {}-{} MeV, expected 1e-11 <= lo < hi <= 20 MeV",
                    g.e_lo_mev,
                    g.e_hi_mev
                );
            }
            if !(g.fraction.is_finite() && g.fraction >= 0.0) {
                crate::spec_bail!("spectrum", "{name}: fraction {} must be >= 0", g.fraction);
            }
            total += g.fraction;
        }
        if total <= 0.0 {
            crate::spec_bail!("spectrum", "{name}: no bin with a positive fraction");
        }
        Ok(())
    }

    /// Fraction of the source neutrons in the groups that lie within [lo, hi] (MeV).
    pub fn fraction_between(&self, lo: f64, hi: f64) -> f64 {
        let total: f64 = self.groups.iter().map(|g| g.fraction).sum();
        self.groups
            .iter()
            .filter(|g| g.e_lo_mev >= lo * (1.0 - 1e-9) && g.e_hi_mev <= hi * (1.0 + 1e-9))
            .map(|g| g.fraction)
            .sum::<f64>()
            / total
    }

    /// Samples an energy (MeV).
    pub fn sample(&self, rng: &mut HistoryRng) -> f64 {
        let total: f64 = self.groups.iter().map(|g| g.fraction).sum();
        let mut u = rng.uniform() * total;
        let mut g = self.groups[self.groups.len() - 1];
        for x in &self.groups {
            if u < x.fraction {
                g = *x;
                break;
            }
            u -= x.fraction;
        }
        match g.shape {
            GroupShape::InverseE => g.e_lo_mev * (g.e_hi_mev / g.e_lo_mev).powf(rng.uniform()),
            GroupShape::Flat => g.e_lo_mev + rng.uniform() * (g.e_hi_mev - g.e_lo_mev),
            GroupShape::Maxwellian => {
                let kt = crate::physics::neutron::kt_mev();
                loop {
                    // E exp(-E/kT): a gamma(2) variate
                    let e = -kt * (rng.uniform_open() * rng.uniform_open()).ln();
                    if e >= g.e_lo_mev && e < g.e_hi_mev {
                        return e;
                    }
                }
            }
        }
    }
}

/// A parallel neutron beam: source-plane centre, unit direction, field, spectrum.
#[derive(Clone, Debug)]
pub struct NeutronBeam {
    pub centre: Vec3,
    pub dir: Vec3,
    pub field: Field,
    pub spectrum: NeutronSpectrum,
}

impl NeutronBeam {
    /// A beam of this spectrum with the given geometry.
    pub fn new(g: BeamGeometry, spectrum: NeutronSpectrum) -> Self {
        NeutronBeam {
            centre: g.centre,
            dir: g.dir,
            field: g.field,
            spectrum,
        }
    }

    /// The beam's geometry (field, direction, source plane).
    pub fn geometry(&self) -> BeamGeometry {
        BeamGeometry {
            centre: self.centre,
            dir: self.dir,
            field: self.field,
        }
    }

    /// Area of the field (cm2).
    pub fn area_cm2(&self) -> f64 {
        self.field.area_cm2()
    }

    /// Samples a source neutron: uniform over the field, along the beam direction.
    pub fn sample(&self, rng: &mut HistoryRng) -> SourceNeutron {
        let pos = self.geometry().sample_position(rng);
        SourceNeutron {
            energy_mev: self.spectrum.sample(rng),
            pos,
            dir: self.dir,
        }
    }

    /// The two unit vectors across the beam ([`BeamGeometry::field_axes`]).
    pub fn field_axes(&self) -> (Vec3, Vec3) {
        self.geometry().field_axes()
    }

    /// Samples a source neutron as [`Self::sample`] does, then moves it along its direction to
    /// where it enters the box `[0, size_cm]` (a phantom's local frame), so that a source plane
    /// outside the phantom works with transport that starts inside it. A neutron whose ray
    /// misses the box stays outside: it leaves at once and still counts as a source neutron.
    pub fn sample_into_box(&self, rng: &mut HistoryRng, size_cm: [f64; 3]) -> SourceNeutron {
        let pos = self.geometry().sample_position_into_box(rng, size_cm);
        SourceNeutron {
            energy_mev: self.spectrum.sample(rng),
            pos,
            dir: self.dir,
        }
    }
}

/// A beam aimed through a point of a phantom, with the point where its central axis enters the
/// body.
pub struct AimedBeam {
    pub beam: NeutronBeam,
    /// where the central axis first meets a labelled voxel (the skin; local frame, cm)
    pub body_entry: Vec3,
}

impl AimedBeam {
    /// A beam along the unit vector `dir` whose central axis passes through `aim` (the
    /// phantom's local frame, cm), its source plane outside the phantom box (sample it with
    /// [`NeutronBeam::sample_into_box`]); see [`aim_through`].
    ///
    /// # Errors
    /// An axis that misses the phantom box, or crosses it through background voxels only
    /// (the message says which; callers name the inputs).
    pub fn new(
        ph: &Phantom,
        dir: Vec3,
        aim: Vec3,
        field: Field,
        spectrum: NeutronSpectrum,
    ) -> Result<Self> {
        let (g, body_entry) = aim_through(ph, dir, aim, field)?;
        Ok(AimedBeam {
            beam: NeutronBeam::new(g, spectrum),
            body_entry,
        })
    }
}
