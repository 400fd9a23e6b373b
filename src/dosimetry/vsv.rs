//! Voxel S-values (L5, `theradose vsv`): voxel S-values of a radionuclide in a homogeneous medium (issue 4).
//!
//! Activity is uniform in the source voxel (0,0,0), which sits at the centre of a homogeneous
//! cube of the medium at its nominal density. Every radiation of each decay is emitted
//! (`Spectrum::nuclide`, parent only); electrons and positrons are transported by condensed
//! history, photons by Woodcock tracking. The cube's half-width is the largest of (K + 1)
//! voxels, the CSDA range of the most energetic electron emitted plus one voxel, and 3 cm (so
//! that photons scattered back from beyond the scored voxels are kept), capped at 75 voxels:
//! electrons never leave it, and what escapes is the photons (and bremsstrahlung) that cross its
//! faces (`escaped_fraction` in the JSON).
//!
//! The voxels are scored by symmetry class: the label map of the phantom gives each voxel whose
//! offsets (|i|, |j|, |k|) from the source voxel are all below K the class of its sorted offsets
//! (the up to 48 voxels equivalent under reflections and axis permutations), and the transport's
//! per-region totals then hold, history by history, the energy deposited in a whole class. S is
//! that class mean divided by the number of voxels in the class and by the voxel mass, and its
//! uncertainty is exact (history-by-history statistics of the class total).

use crate::context::Context;
use crate::error::SpecField;
use crate::io::Grid;
use crate::materials::MaterialDb;
use crate::numerics::AliasTable;
use crate::phantom::{Phantom, Region};
use crate::physics::electron::condensed::{CondensedParams, ElectronPhysics};
use crate::physics::electron::{ElectronMedium, Lepton, StoppingTable};
use crate::physics::photon::PhotonPhysics;
use crate::run::{self, RunSettings};
use crate::source::emitter::{EmissionSpec, Emitter};
use crate::source::{DecayData, Source, Spatial, Spectrum};
use crate::spec_bail;
use crate::transport::{Geometry, Transport};
use crate::units::{self, ELECTRON_MASS_MEV};
use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// A voxel S-value computation (the TOML section of `theradose vsv`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VsvSpec {
    /// radionuclide, e.g. Lu-177 (parent only, every radiation of each decay); empty with
    /// `emissions`
    #[serde(default)]
    pub nuclide: String,
    /// instead of a nuclide: the emissions of a decay, a tabulated spectrum and lines
    #[serde(default)]
    pub emissions: Option<EmissionSpec>,
    /// voxel size (mm)
    pub voxel_mm: f64,
    /// medium name, at its nominal density
    pub medium: String,
    /// S-values for 0 <= i, j, k < n
    pub n: usize,
    /// decays
    pub histories: u64,
    /// random seed
    #[serde(default = "crate::run::spec::default_seed")]
    pub seed: u64,
    /// worker threads (default: all cores)
    #[serde(default)]
    pub threads: Option<usize>,
    /// decay data: "icrp107" (ICRP-107, the default) or "endf" (ENDF/B-VIII.1); a prefix on
    /// `nuclide` ("endf:Lu-177") overrides it
    #[serde(default)]
    pub decay_data: DecayData,
}

/// Largest K accepted (the scored cube has (2K-1)^3 voxels).
pub const MAX_N: usize = 40;
/// Largest half-width of the medium in voxels (151^3 voxels at most).
const MAX_HALF_WIDTH: usize = 75;
/// Smallest half-width of the medium (cm): photons scattered back from up to 3 cm beyond the
/// source are kept.
const MIN_HALF_WIDTH_CM: f64 = 3.0;
/// Photon transport cut-off (MeV), as in run files.
const PHOTON_CUTOFF_MEV: f64 = 1e-3;

/// mGy per MBq s from Gy per decay: 1e6 decays per MBq s, 1e3 mGy per Gy.
const MGY_PER_MBQ_S_PER_GY_PER_DECAY: f64 = 1e9;

/// Electron and positron cut-off (MeV) of a voxel S-value run: the energy whose CSDA range in
/// the medium is 1/100 of the voxel size, within [10 keV, 1 MeV].
///
/// Below the cut-off an electron deposits its energy where it stops. With a residual range of a
/// hundredth of the voxel, only electrons stopping within that distance of a face can put energy
/// into the wrong voxel, and they carry a small part of their energy across it: the error on the
/// source voxel, which loses energy to its neighbours by a net outward flow, stays well below
/// 1%. The range-rejection cut-off of run files (range = 1/10 voxel) would keep most Lu-177
/// beta particles in their voxel of birth at 4 mm voxels and bias the central voxel upwards.
pub fn electron_cutoff_mev(medium: &ElectronMedium, voxel_cm: f64) -> f64 {
    let table = StoppingTable::new(medium, Lepton::Electron, None);
    table
        .energy_at_range(0.01 * voxel_cm * medium.density)
        .clamp(1e-2, 1.0)
}

/// Kinetic energy (MeV) of the most energetic electron or positron a spectrum emits.
fn max_lepton_energy_mev(spectrum: &Spectrum) -> f64 {
    let members = match spectrum {
        Spectrum::Nuclides(members) => members,
        Spectrum::Emitted(em) => return em.max_lepton_mev(),
        _ => return 0.0,
    };
    let mut e_max: f64 = 0.0;
    for m in members {
        let n = &m.nuclide;
        for b in &n.beta_minus {
            e_max = e_max.max(b.energy_mev);
        }
        for b in n.ec_beta_plus.iter().filter(|b| b.positron_intensity > 0.0) {
            e_max = e_max.max(b.energy_mev - 2.0 * ELECTRON_MASS_MEV);
        }
        for l in &n.electrons {
            e_max = e_max.max(l.energy_mev);
        }
    }
    e_max
}

/// The symmetry classes of the offsets (a, b, c), 0 <= a <= b <= c < n, in a fixed order.
fn classes(n: usize) -> Vec<[usize; 3]> {
    let mut v = Vec::new();
    for c in 0..n {
        for b in 0..=c {
            for a in 0..=b {
                v.push([a, b, c]);
            }
        }
    }
    v
}

/// Index into [`classes`] of the offsets (i, j, k), in any order.
fn class_index(mut o: [usize; 3]) -> usize {
    o.sort_unstable();
    let [a, b, c] = o;
    // classes with a larger c come later: sum_{c' < c} (c'+1)(c'+2)/2 = c(c+1)(c+2)/6
    c * (c + 1) * (c + 2) / 6 + b * (b + 1) / 2 + a
}

/// The homogeneous cube with the source voxel at its centre and labels = 1 + symmetry class
/// (0 beyond the scored offsets). Returns the phantom, the centre index and the class sizes.
fn build_phantom(
    spec: &VsvSpec,
    db: &MaterialDb,
    half_width: usize,
) -> Result<(Phantom, usize, Vec<usize>)> {
    let mat = db.medium(&spec.medium)?.clone();
    let density = mat.nominal_density;
    let d = 2 * half_width + 1;
    let n_classes = classes(spec.n).len();
    let mut label = vec![0u16; d * d * d];
    let mut sizes = vec![0usize; n_classes];
    for k in 0..d {
        for j in 0..d {
            for i in 0..d {
                let o = [i, j, k].map(|x| x.abs_diff(half_width));
                if o.iter().all(|&x| x < spec.n) {
                    let c = class_index(o);
                    sizes[c] += 1;
                    label[i + d * (j + d * k)] = (c + 1) as u16;
                }
            }
        }
    }
    let mut regions = vec![Region {
        name: "outside".into(),
        reference_mass_g: None,
        source: None,
    }];
    for [a, b, c] in classes(spec.n) {
        regions.push(Region {
            name: format!("voxels_{a}_{b}_{c}"),
            reference_mass_g: None,
            source: None,
        });
    }
    let ph = Phantom::new(
        &format!("vsv-{}", spec.medium),
        Grid::new([d; 3], [spec.voxel_mm; 3]),
        vec![0; d * d * d],
        vec![density as f32; d * d * d],
        label,
        vec![mat],
        regions,
    )?;
    let centre = half_width + d * (half_width + d * half_width);
    Ok((ph, centre, sizes))
}

/// Checks the values of a spec that need no data: voxel size, n, histories.
fn check(spec: &VsvSpec) -> Result<()> {
    if !(spec.voxel_mm.is_finite() && spec.voxel_mm > 0.0) {
        spec_bail!(
            "voxel_mm",
            "{}: expected a positive size in mm",
            spec.voxel_mm
        );
    }
    if spec.n == 0 || spec.n > MAX_N {
        spec_bail!("n", "{}: expected 1 <= n <= {MAX_N}", spec.n);
    }
    if spec.histories == 0 {
        spec_bail!("histories", "must be at least 1, got 0");
    }
    Ok(())
}

/// The source spectrum of a spec: its nuclide (label None), or its emissions (label Some).
fn vsv_spectrum(spec: &VsvSpec) -> Result<(Spectrum, Option<String>)> {
    match (&spec.emissions, spec.nuclide.is_empty()) {
        (Some(e), true) => {
            let em = Emitter::from_spec(e).spec_field("emissions")?;
            let label = em.label.clone();
            Ok((Spectrum::Emitted(std::sync::Arc::new(em)), Some(label)))
        }
        (None, false) => Ok((
            Spectrum::nuclide_from(&spec.nuclide, false, spec.decay_data).spec_field("nuclide")?,
            None,
        )),
        (Some(_), false) => spec_bail!("emissions", "give a nuclide or emissions, not both"),
        (None, true) => spec_bail!("nuclide", "expected a nuclide (e.g. Lu-177) or emissions"),
    }
}

/// How the centre-voxel S-values are averaged (the `symmetry` of a [`VsvSummary`]).
const SYMMETRY: &str =
    "S averaged over the voxels equivalent under reflections and axis permutations (up to 48)";

/// The summary of a voxel S-value run (`theradose vsv` prints it as JSON; fields in the order
/// of its keys).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VsvSummary {
    /// the decay data used: "icrp107" or "endf" (absent for a source given by its emissions)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decay_data: Option<DecayData>,
    /// nominal density of the medium
    pub density_g_cm3: f64,
    /// electron transport cutoff
    pub electron_cutoff_kev: f64,
    /// |emitted - deposited - escaped| / emitted
    pub energy_balance_relative_discrepancy: f64,
    /// fraction of the emitted energy that left the medium
    pub escaped_fraction: f64,
    /// decays simulated
    pub histories: u64,
    /// decays per wall-clock second
    pub histories_per_second: f64,
    /// the S-value of the centre voxel if every decay deposited its mean energy there
    pub local_deposition_bound_mgy_per_mbq_s: f64,
    /// CSDA range of the most energetic electron or positron
    pub max_electron_csda_range_cm: f64,
    /// the highest electron or positron energy of the spectrum
    pub max_electron_energy_mev: f64,
    /// mean energy emitted per decay
    pub mean_energy_per_decay_mev: f64,
    /// the medium's name
    pub medium: String,
    /// half width of the simulated medium cube
    pub medium_half_width_cm: f64,
    /// voxels of the simulated medium along each axis
    pub medium_voxels: [usize; 3],
    /// the table holds voxels (i, j, k) with 0 <= i, j, k < n
    pub n: usize,
    /// the nuclide's name (a source given by its emissions: what `source` says)
    pub nuclide: String,
    /// photon transport cutoff
    pub photon_cutoff_kev: f64,
    /// S-value of the source voxel (mGy per MBq s)
    pub s_000_mgy_per_mbq_s: f64,
    /// its relative uncertainty (1 sigma)
    pub s_000_rel_uncertainty: f64,
    /// wall-clock seconds of the transport
    pub seconds: f64,
    /// the run seed
    pub seed: u64,
    /// a source given by its emissions: its spectrum file and lines ("spectrum F (electron) +
    /// 42 lines")
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// how the S-values are averaged over equivalent voxels
    pub symmetry: String,
    /// worker threads used
    pub threads: usize,
    /// theradose version
    pub version: String,
    /// mass of the source voxel
    pub voxel_mass_g: f64,
    /// voxel size
    pub voxel_mm: f64,
}

/// Runs the voxel S-value calculation; returns the CSV text
/// (`i,j,k,s_mgy_per_mbq_s,rel_uncertainty`) and the summary.
///
/// # Errors
/// An unknown nuclide or medium, a voxel size that is not positive, K outside [1, 40], zero
/// histories.
pub fn run_vsv(ctx: &Context, spec: &VsvSpec) -> Result<(String, VsvSummary)> {
    check(spec)?;
    let (spectrum, label) = vsv_spectrum(spec)?;
    let decay_data = spectrum.decay_data();
    let db = &ctx.materials;
    let mat = db.medium(&spec.medium).spec_field("medium")?.clone();
    let density = mat.nominal_density;
    let voxel_cm = spec.voxel_mm / 10.0;
    let e_medium = ElectronMedium::new(&mat, density)?;
    let e_max = max_lepton_energy_mev(&spectrum);
    let range_cm = if e_max > 0.0 {
        StoppingTable::new(&e_medium, Lepton::Electron, None).csda_range(e_max) / density
    } else {
        0.0
    };
    let half_width = (spec.n + 1)
        .max((range_cm / voxel_cm).ceil() as usize + 1)
        .max((MIN_HALF_WIDTH_CM / voxel_cm).ceil() as usize)
        .min(MAX_HALF_WIDTH)
        .max(spec.n);
    let (ph, centre, sizes) = build_phantom(spec, db, half_width)?;
    let e_cut = electron_cutoff_mev(&e_medium, voxel_cm);
    let photon = PhotonPhysics::new(&ph.materials)?;
    let electron = ElectronPhysics::new(
        &ph.materials,
        CondensedParams::new(e_cut, PHOTON_CUTOFF_MEV),
    )?;
    // only the symmetry classes' totals are read: the voxels' own bins are not scored
    let transport = Transport::new(Geometry::Voxels(&ph), &photon, PHOTON_CUTOFF_MEV)
        .with_electrons(&electron)
        .with_region_totals_only();
    let mean_energy = spectrum.mean();
    let source = Source {
        escape: Vec::new(),
        particle: crate::particle::ParticleKind::Electron,
        spatial: Spatial::Voxels {
            voxels: vec![centre as u32],
            alias: AliasTable::new(&[1.0]).expect("one positive weight"),
            voxel_cm: ph.voxel_cm,
            dims: ph.grid.dims,
        },
        spectrum,
    };
    let mut settings = RunSettings::new(spec.seed, spec.histories);
    settings.threads = spec.threads;
    settings.label = "decays".into();
    let out = run::execute(&transport, &source, &settings)?;
    let t = &out.tally;
    let voxel_mass = ph.voxel_mass_g(centre);
    let s_of = |class: usize| -> (f64, f64) {
        let (m, r) = t.mean_and_rel_uncertainty(ph.len() + class + 1);
        let s =
            units::dose_gy(m / sizes[class] as f64, voxel_mass) * MGY_PER_MBQ_S_PER_GY_PER_DECAY;
        (s, r)
    };
    let mut csv = String::from("i,j,k,s_mgy_per_mbq_s,rel_uncertainty\n");
    for i in 0..spec.n {
        for j in 0..spec.n {
            for k in 0..spec.n {
                let (s, r) = s_of(class_index([i, j, k]));
                let _ = writeln!(csv, "{i},{j},{k},{s:.6e},{r:.4e}");
            }
        }
    }
    let (s000, r000) = s_of(0);
    let b = &t.balance;
    let emitted = b.emitted.mev().max(1e-300);
    let summary = VsvSummary {
        decay_data,
        density_g_cm3: density,
        electron_cutoff_kev: e_cut * 1e3,
        energy_balance_relative_discrepancy: b.relative_discrepancy(),
        escaped_fraction: b.escaped.mev() / emitted,
        histories: t.histories,
        histories_per_second: out.new_histories as f64 / out.seconds.max(1e-9),
        local_deposition_bound_mgy_per_mbq_s: units::dose_gy(mean_energy, voxel_mass)
            * MGY_PER_MBQ_S_PER_GY_PER_DECAY,
        max_electron_csda_range_cm: range_cm,
        max_electron_energy_mev: e_max,
        mean_energy_per_decay_mev: mean_energy,
        medium: spec.medium.clone(),
        medium_half_width_cm: (half_width as f64 + 0.5) * voxel_cm,
        medium_voxels: ph.grid.dims,
        n: spec.n,
        nuclide: label.clone().unwrap_or_else(|| spec.nuclide.clone()),
        source: label,
        photon_cutoff_kev: PHOTON_CUTOFF_MEV * 1e3,
        s_000_mgy_per_mbq_s: s000,
        s_000_rel_uncertainty: r000,
        seconds: out.seconds,
        seed: spec.seed,
        symmetry: SYMMETRY.into(),
        threads: out.threads,
        version: crate::VERSION.into(),
        voxel_mass_g: voxel_mass,
        voxel_mm: spec.voxel_mm,
    };
    Ok((csv, summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A spec from TOML takes the defaults and refuses unknown keys; zero histories is a spec
    /// error naming the field and the value.
    #[test]
    fn spec_from_toml_and_its_errors() {
        let text = "nuclide = \"Lu-177\"\nvoxel_mm = 4.0\nmedium = \"water\"\nn = 2\nhistories = 0";
        let spec: VsvSpec = toml::from_str(text).unwrap();
        assert_eq!((spec.seed, spec.threads), (1, None));
        let e = toml::from_str::<VsvSpec>(&format!("{text}\nout = \"x.csv\"")).unwrap_err();
        assert!(e.to_string().contains("out"), "{e}");
        let ctx = Context::load().unwrap();
        let e = run_vsv(&ctx, &spec).unwrap_err();
        let s = crate::error::spec_error_of(&e).expect("a spec error");
        assert_eq!(s.to_string(), "histories: must be at least 1, got 0");
    }
    #[test]
    fn class_index_follows_class_order() {
        for (c, o) in classes(7).into_iter().enumerate() {
            assert_eq!(class_index(o), c);
            assert_eq!(class_index([o[2], o[0], o[1]]), c);
        }
    }
}
