//! Point kernels in a homogeneous sphere and coefficient tables of a medium.

use crate::materials::MaterialDb;
use crate::numerics::Vec3;
use crate::particle::ParticleKind;
use crate::physics::electron::condensed::{CondensedParams, ElectronPhysics};
use crate::physics::photon::PhotonPhysics;
use crate::run::{self, RunSettings};
use crate::source::{Source, Spatial, Spectrum};
use crate::transport::{Geometry, Transport};
use anyhow::{bail, Context, Result};
use serde_json::json;
use std::fmt::Write as _;

/// Options of `theradose kernel`.
#[derive(Clone, Debug)]
pub struct KernelSpec {
    pub particle: String,
    pub energy_mev: f64,
    pub medium: String,
    pub radius_cm: f64,
    pub shells: usize,
    pub histories: u64,
    pub seed: u64,
    pub threads: Option<usize>,
    /// electron and positron cut-off and delta-ray threshold (keV); default E/100 within
    /// [1, 10] keV (the EGSnrc kernels of Mainegra-Hing et al. 2005 used 1 keV below 1 MeV and
    /// 10 keV from 1 MeV)
    pub electron_cutoff_kev: Option<f64>,
    /// photon cut-off and bremsstrahlung threshold (keV); default 1 keV
    pub photon_cutoff_kev: Option<f64>,
}

impl KernelSpec {
    /// The condensed-history parameters of this kernel (electrons and positrons).
    ///
    /// # Errors
    /// Cut-offs that are not finite or below 1 keV.
    pub fn condensed_params(&self) -> Result<CondensedParams> {
        let e_cut = self
            .electron_cutoff_kev
            .map(|k| k * 1e-3)
            .unwrap_or_else(|| (self.energy_mev / 100.0).clamp(1e-3, 1e-2));
        let p_cut = self.photon_cutoff_kev.map(|k| k * 1e-3).unwrap_or(1e-3);
        for (what, v) in [
            ("--electron-cutoff-kev", e_cut),
            ("--photon-cutoff-kev", p_cut),
        ] {
            if !(v.is_finite() && v >= 1e-3) {
                bail!("{what} {}: expected at least 1 keV", v * 1e3);
            }
        }
        Ok(CondensedParams::new(e_cut, p_cut))
    }
}

/// The result of a kernel run: the shells CSV text and the JSON summary.
pub struct KernelResult {
    pub csv: String,
    pub summary: serde_json::Value,
    /// energy fraction per shell
    pub fractions: Vec<f64>,
    pub rel_uncertainty: Vec<f64>,
}

/// Runs an isotropic point source at the centre of a homogeneous sphere.
pub fn run_kernel(spec: &KernelSpec) -> Result<KernelResult> {
    if spec.particle == "neutron" {
        return super::beam_cmd::neutron_kernel(spec);
    }
    run_kernel_with(spec, spec.condensed_params()?, 1.0)
}

/// As [`run_kernel`] with explicit condensed-history parameters and a factor on the geometric
/// electron step limit (the shell width), for step-size studies.
pub fn run_kernel_with(
    spec: &KernelSpec,
    params: CondensedParams,
    max_step_factor: f64,
) -> Result<KernelResult> {
    let kind = super::particle_kind(&spec.particle)?;
    if !(spec.energy_mev.is_finite()
        && spec.energy_mev > 0.0
        && spec.energy_mev <= crate::physics::photon::E_MAX_MEV)
    {
        bail!("--energy {}: expected 0 < E <= 20 MeV", spec.energy_mev);
    }
    let leptons = matches!(kind, ParticleKind::Electron | ParticleKind::Positron);
    let source = Source {
        escape: Vec::new(),
        particle: kind,
        spatial: Spatial::Point(Vec3::default()),
        spectrum: Spectrum::Mono(spec.energy_mev),
    };
    let sphere = SphereRun {
        medium: &spec.medium,
        radius_cm: spec.radius_cm,
        shells: spec.shells,
        histories: spec.histories,
        seed: spec.seed,
        threads: spec.threads,
        photon_cutoff_kev: spec.photon_cutoff_kev,
    };
    let params = leptons.then_some(params);
    let mut r = run_sphere(&sphere, &source, params, max_step_factor, spec.energy_mev)?;
    let mut summary = json!({
        "particle": spec.particle,
        "energy_mev": spec.energy_mev,
    });
    merge_json(&mut summary, std::mem::take(&mut r.summary));
    if kind == ParticleKind::Positron {
        summary["annihilations"] = r.annihilations_per_history.into();
    }
    r.summary = summary;
    Ok(r.into_result())
}

/// Options of `theradose kernel --nuclide`: a point source emitting every radiation of each
/// decay of a radionuclide (parent only) at the centre of a homogeneous sphere.
#[derive(Clone, Debug)]
pub struct NuclideKernelSpec {
    pub nuclide: String,
    pub medium: String,
    pub radius_cm: f64,
    pub shells: usize,
    pub histories: u64,
    pub seed: u64,
    pub threads: Option<usize>,
    /// electron and positron cut-off and delta-ray threshold (keV); default: the mean energy
    /// emitted per decay / 100 within [1, 10] keV, the rule of the single-particle kernels
    pub electron_cutoff_kev: Option<f64>,
    /// photon cut-off and bremsstrahlung threshold (keV); default 1 keV
    pub photon_cutoff_kev: Option<f64>,
}

/// Runs a whole-decay point kernel: the energy fraction of each shell is relative to the mean
/// energy emitted per decay (all radiations, annihilation photons included).
///
/// # Errors
/// An unknown nuclide or medium, a radius that is not positive, zero shells, cut-offs below
/// 1 keV.
pub fn run_nuclide_kernel(spec: &NuclideKernelSpec) -> Result<KernelResult> {
    let spectrum = Spectrum::nuclide(&spec.nuclide, false).context("--nuclide")?;
    let mean = spectrum.mean();
    if !(mean.is_finite() && mean > 0.0) {
        bail!("--nuclide {}: emits no energy per decay", spec.nuclide);
    }
    let cut_mev = spec
        .electron_cutoff_kev
        .map(|k| k * 1e-3)
        .unwrap_or_else(|| (mean / 100.0).clamp(1e-3, 1e-2));
    let p_cut = spec.photon_cutoff_kev.map(|k| k * 1e-3).unwrap_or(1e-3);
    for (what, v) in [
        ("--electron-cutoff-kev", cut_mev),
        ("--photon-cutoff-kev", p_cut),
    ] {
        if !(v.is_finite() && v >= 1e-3) {
            bail!("{what} {}: expected at least 1 keV", v * 1e3);
        }
    }
    let source = Source {
        escape: Vec::new(),
        particle: ParticleKind::Electron,
        spatial: Spatial::Point(Vec3::default()),
        spectrum,
    };
    let sphere = SphereRun {
        medium: &spec.medium,
        radius_cm: spec.radius_cm,
        shells: spec.shells,
        histories: spec.histories,
        seed: spec.seed,
        threads: spec.threads,
        photon_cutoff_kev: spec.photon_cutoff_kev,
    };
    let params = CondensedParams::new(cut_mev, p_cut);
    let mut r = run_sphere(&sphere, &source, Some(params), 1.0, mean)?;
    let mut summary = json!({
        "nuclide": spec.nuclide,
        "particle": "decay",
        "energy_mev": mean,
        "mean_energy_per_decay_mev": mean,
    });
    merge_json(&mut summary, std::mem::take(&mut r.summary));
    summary["annihilations"] = r.annihilations_per_history.into();
    r.summary = summary;
    Ok(r.into_result())
}

/// The geometry and run settings shared by the kernels.
struct SphereRun<'a> {
    medium: &'a str,
    radius_cm: f64,
    shells: usize,
    histories: u64,
    seed: u64,
    threads: Option<usize>,
    photon_cutoff_kev: Option<f64>,
}

/// What [`run_sphere`] returns before the caller adds its own keys.
struct SphereOutcome {
    csv: String,
    summary: serde_json::Value,
    fractions: Vec<f64>,
    rel_uncertainty: Vec<f64>,
    annihilations_per_history: f64,
}

impl SphereOutcome {
    fn into_result(self) -> KernelResult {
        KernelResult {
            csv: self.csv,
            summary: self.summary,
            fractions: self.fractions,
            rel_uncertainty: self.rel_uncertainty,
        }
    }
}

/// Appends the keys of `b` to the object `a`.
fn merge_json(a: &mut serde_json::Value, b: serde_json::Value) {
    if let (Some(a), serde_json::Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
}

/// Transports `source` from the centre of a homogeneous sphere; shell energies are divided by
/// `norm_mev` (the energy emitted per source event). `params`: condensed-history electron
/// transport (None: electrons deposited locally).
fn run_sphere(
    spec: &SphereRun,
    source: &Source,
    params: Option<CondensedParams>,
    max_step_factor: f64,
    norm_mev: f64,
) -> Result<SphereOutcome> {
    if !(spec.radius_cm.is_finite() && spec.radius_cm > 0.0) {
        bail!(
            "--radius {}: expected a positive radius in cm",
            spec.radius_cm
        );
    }
    if spec.shells == 0 {
        bail!("--shells must be at least 1");
    }
    let db = MaterialDb::load()?;
    let mat = db.get(spec.medium)?.clone();
    let density = mat.nominal_density;
    let photon = PhotonPhysics::new(std::slice::from_ref(&mat))?;
    let geometry = Geometry::Sphere {
        radius_cm: spec.radius_cm,
        material: 0,
        density,
        shells: spec.shells,
    };
    let electron = match params {
        Some(p) => Some(ElectronPhysics::new(std::slice::from_ref(&mat), p)?),
        None => None,
    };
    let photon_cut = spec.photon_cutoff_kev.map(|k| k * 1e-3).unwrap_or(1e-3);
    let mut transport = Transport::new(geometry, &photon, photon_cut);
    if let Some(e) = &electron {
        transport = transport.with_electrons(e);
        transport.lepton_max_step_cm *= max_step_factor;
    }
    let mut settings = RunSettings::new(spec.seed, spec.histories);
    settings.threads = spec.threads;
    let out = run::execute(&transport, source, &settings)?;
    let t = &out.tally;
    let mut csv = String::from("r_inner_cm,r_outer_cm,energy_fraction,rel_uncertainty\n");
    let dr = spec.radius_cm / spec.shells as f64;
    let mut fractions = Vec::new();
    let mut rel = Vec::new();
    let mut absorbed = 0.0;
    for s in 0..spec.shells {
        let (m, r) = t.mean_and_rel_uncertainty(s);
        let f = m / norm_mev;
        absorbed += f;
        fractions.push(f);
        rel.push(r);
        let _ = writeln!(
            csv,
            "{:.6},{:.6},{:.8e},{:.4e}",
            s as f64 * dr,
            (s + 1) as f64 * dr,
            f,
            r
        );
    }
    let mut summary = json!({
        "medium": spec.medium,
        "density_g_cm3": density,
        "radius_cm": spec.radius_cm,
        "shells": spec.shells,
        "histories": t.histories,
        "seed": spec.seed,
        "absorbed_fraction": absorbed,
        "seconds": out.seconds,
        "histories_per_second": out.new_histories as f64 / out.seconds.max(1e-9),
        "threads": out.threads,
        "energy_balance_relative_discrepancy": t.balance.relative_discrepancy(),
        "version": crate::VERSION,
    });
    if let Some(e) = &electron {
        summary["electron_cutoff_kev"] = json!(e.params.cutoff_mev * 1e3);
        summary["photon_cutoff_kev"] = json!(photon_cut * 1e3);
    }
    let ann = transport
        .annihilation_bin()
        .map_or(0.0, |(a, _)| t.mean_and_rel_uncertainty(a).0);
    Ok(SphereOutcome {
        csv,
        summary,
        fractions,
        rel_uncertainty: rel,
        annihilations_per_history: ann,
    })
}

/// `theradose table --particle photon`: CSV of mu/rho and mu_en/rho (cm2/g) of a medium.
pub fn photon_table(medium: &str, energies_mev: &[f64]) -> Result<String> {
    let db = MaterialDb::load()?;
    let mat = db.get(medium)?.clone();
    let ph = PhotonPhysics::new(std::slice::from_ref(&mat))?;
    let mut s = String::from("energy_mev,mu_rho_cm2_g,mu_en_rho_cm2_g\n");
    for &e in energies_mev {
        if !(e.is_finite()
            && (crate::physics::photon::E_MIN_MEV..=crate::physics::photon::E_MAX_MEV).contains(&e))
        {
            bail!("energy {e} MeV outside the photon tables (0.001 to 20 MeV)");
        }
        let c = ph.coefficients(0, e);
        let _ = writeln!(s, "{},{:.6e},{:.6e}", e, c.total(), c.energy_transfer);
    }
    Ok(s)
}

/// `theradose table`: coefficients of a medium for a particle, as CSV.
pub fn table(particle: &str, medium: &str, energies_mev: &[f64]) -> Result<String> {
    if energies_mev.is_empty() {
        bail!("--energies: give at least one energy in MeV, e.g. --energies 0.01,0.1,1");
    }
    match particle {
        "photon" | "gamma" => photon_table(medium, energies_mev),
        "electron" | "positron" => {
            crate::physics::electron::table_csv(particle, medium, energies_mev)
        }
        "alpha" | "proton" => crate::physics::ion::table_csv(particle, medium, energies_mev),
        "neutron" => crate::physics::neutron::table_csv(medium, 0.0, energies_mev),
        p => bail!("--particle {p}: expected photon, electron, positron, alpha, proton or neutron"),
    }
}

/// `theradose table --boron-ppm C`: as [`table`] with C ug/g of 10B added (neutrons only).
pub fn table_boron(
    particle: &str,
    medium: &str,
    energies_mev: &[f64],
    boron_ppm: f64,
) -> Result<String> {
    if particle != "neutron" {
        bail!("--boron-ppm applies to --particle neutron only");
    }
    if energies_mev.is_empty() {
        bail!("--energies: give at least one energy in MeV, e.g. --energies 2.53e-8,1e-6");
    }
    crate::physics::neutron::table_csv(medium, boron_ppm, energies_mev)
}
