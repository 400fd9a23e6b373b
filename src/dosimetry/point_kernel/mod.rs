//! Point kernels (L5): an isotropic point source (one particle at one energy, every radiation of
//! a nuclide's decay, or neutrons in [`neutron`]) at the centre of a homogeneous sphere; the
//! energy fraction deposited per spherical shell with its uncertainty (`theradose kernel`).

pub mod neutron;
pub mod spec;

pub use spec::{
    EmissionKernelSpec, KernelResult, KernelSpec, KernelSummary, NuclideKernelSpec, PhotonElectrons,
};

use crate::context::Context;
use crate::dosimetry::point_kernel::spec::{check_cutoffs, check_sphere};
use crate::error::SpecField;
use crate::numerics::Vec3;
use crate::particle::ParticleKind;
use crate::physics::electron::condensed::{CondensedParams, ElectronPhysics};
use crate::physics::electron::Lepton;
use crate::physics::photon::PhotonPhysics;
use crate::run::{self, RunSettings};
use crate::source::emitter::Emitter;
use crate::source::{Source, Spatial, Spectrum};
use crate::spec_bail;
use crate::transport::{Geometry, Transport};
use anyhow::Result;
use std::fmt::Write as _;

/// Runs an isotropic point source at the centre of a homogeneous sphere.
///
/// # Errors
/// Spec errors naming the field (energy, radius, shells, cut-offs, particle, medium), or a
/// failed run.
pub fn run_kernel(ctx: &Context, spec: &KernelSpec) -> Result<KernelResult> {
    if spec.particle == "neutron" {
        return neutron::neutron_kernel(ctx, spec);
    }
    run_kernel_with(ctx, spec, spec.condensed_params()?, KernelSteps::default())
}

/// The geometric limits of a kernel's electron steps, for step-size studies
/// ([`run_kernel_with`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KernelSteps {
    /// factor on the geometric limits (the shell width and 0.05 r0)
    pub factor: f64,
    /// steps grow past the shell width with their distance from the source point, to at most
    /// 0.05 r0 (see `MAX_STEP_OF_CSDA_RANGE`); false: every step at most one shell
    pub grow: bool,
}

impl Default for KernelSteps {
    /// The steps of `theradose kernel`: factor 1, growing.
    fn default() -> Self {
        KernelSteps {
            factor: 1.0,
            grow: true,
        }
    }
}

/// As [`run_kernel`] with explicit condensed-history parameters and geometric electron step
/// limits, for step-size studies.
///
/// # Errors
/// As [`run_kernel`].
pub fn run_kernel_with(
    ctx: &Context,
    spec: &KernelSpec,
    params: CondensedParams,
    steps: KernelSteps,
) -> Result<KernelResult> {
    let kind = crate::run::problem::particle_kind(&spec.particle).spec_field("particle")?;
    if !(spec.energy_mev.is_finite()
        && spec.energy_mev > 0.0
        && spec.energy_mev <= crate::physics::photon::E_MAX_MEV)
    {
        spec_bail!(
            "energy_mev",
            "{}: expected 0 < E <= 20 MeV",
            spec.energy_mev
        );
    }
    let leptons = matches!(kind, ParticleKind::Electron | ParticleKind::Positron)
        || (kind == ParticleKind::Photon && spec.photon_electrons == PhotonElectrons::Transport);
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
    let mut r = run_sphere(ctx, &sphere, &source, params, steps, spec.energy_mev)?;
    r.summary.particle = spec.particle.clone();
    r.summary.energy_mev = spec.energy_mev;
    if kind == ParticleKind::Positron {
        r.summary.annihilations = Some(r.annihilations_per_history);
    }
    Ok(r.into_result())
}

/// Runs a whole-decay point kernel: the energy fraction of each shell is relative to the mean
/// energy emitted per decay (all radiations, annihilation photons included).
///
/// # Errors
/// An unknown nuclide or medium, a radius that is not positive, zero shells, cut-offs below
/// 1 keV.
pub fn run_nuclide_kernel(ctx: &Context, spec: &NuclideKernelSpec) -> Result<KernelResult> {
    let spectrum =
        Spectrum::nuclide_from(&spec.nuclide, false, spec.decay_data).spec_field("nuclide")?;
    let decay_data = spectrum.decay_data();
    let mean = spectrum.mean();
    if !(mean.is_finite() && mean > 0.0) {
        spec_bail!("nuclide", "{}: emits no energy per decay", spec.nuclide);
    }
    let cut_mev = spec
        .electron_cutoff_kev
        .map(|k| k * 1e-3)
        .unwrap_or_else(|| (mean / 100.0).clamp(1e-3, 1e-2));
    let p_cut = spec.photon_cutoff_kev.map(|k| k * 1e-3).unwrap_or(1e-3);
    check_cutoffs(cut_mev, p_cut)?;
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
    let mut r = run_sphere(
        ctx,
        &sphere,
        &source,
        Some(params),
        KernelSteps::default(),
        mean,
    )?;
    r.summary.nuclide = Some(spec.nuclide.clone());
    r.summary.decay_data = decay_data;
    r.summary.particle = "decay".into();
    r.summary.energy_mev = mean;
    r.summary.mean_energy_per_decay_mev = Some(mean);
    r.summary.annihilations = Some(r.annihilations_per_history);
    Ok(r.into_result())
}

/// Runs a point kernel of a source given by its emissions (a tabulated spectrum and lines): the
/// energy fraction of each shell is relative to the mean energy emitted per event. Electrons
/// are transported when the source emits electrons or positrons, or when photon electrons are
/// asked to be.
///
/// # Errors
/// Spec errors naming the field (emissions, medium, radius, shells, cut-offs), or a failed run.
pub fn run_emission_kernel(ctx: &Context, spec: &EmissionKernelSpec) -> Result<KernelResult> {
    let em = Emitter::from_spec(&spec.emissions).spec_field("emissions")?;
    let mean = em.mean_mev();
    if !(mean.is_finite() && mean > 0.0) {
        spec_bail!("emissions", "{}: emits no energy per event", em.label);
    }
    let leptons = em.max_lepton_mev() > 0.0 || spec.photon_electrons == PhotonElectrons::Transport;
    let cut_mev = spec
        .electron_cutoff_kev
        .map(|k| k * 1e-3)
        .unwrap_or_else(|| (mean / 100.0).clamp(1e-3, 1e-2));
    let p_cut = spec.photon_cutoff_kev.map(|k| k * 1e-3).unwrap_or(1e-3);
    check_cutoffs(cut_mev, p_cut)?;
    let label = em.label.clone();
    let source = Source {
        escape: Vec::new(),
        particle: ParticleKind::from_name(&spec.emissions.particle)
            .spec_field("emissions.particle")?,
        spatial: Spatial::Point(Vec3::default()),
        spectrum: Spectrum::Emitted(std::sync::Arc::new(em)),
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
    let params = leptons.then(|| CondensedParams::new(cut_mev, p_cut));
    let positrons = source.emits_positrons();
    let mut r = run_sphere(ctx, &sphere, &source, params, KernelSteps::default(), mean)?;
    r.summary.particle = spec.emissions.particle.clone();
    r.summary.energy_mev = mean;
    r.summary.source = Some(label);
    if positrons {
        r.summary.annihilations = Some(r.annihilations_per_history);
    }
    Ok(r.into_result())
}

/// The geometric limit of a kernel's electron steps is the shell width, but where the shells
/// are narrower than r0, the CSDA range of the most energetic electron or positron the source
/// emits, at most this fraction of r0. Wider shells do not resolve the tracks, and the steps
/// are then held by their energy loss; so are the electrons that photons set in motion, whose
/// kernels are binned on the photons' scale. The random-hinge path is accurate for steps of
/// 0.05 r0 (water kernels of 24 shells to 1.2 r0 against steps ended at every collision with
/// C1 = C2 = loss fraction = 0.05: chi2 15-40 over 21-22 shells at 15 keV-1 MeV, 3e5
/// histories), but not for steps of a coarse shell: with 6 shells to 1.2 r0 (0.2 r0 wide) the
/// shells moved by up to 0.74 % of the peak (chi2 39-163 over 6 shells at 1e6 histories,
/// 15 keV-1 MeV); capped at 0.05 r0 they agree (chi2 3.3-9.4 over 6; session 17).
///
/// Where the shells are narrower than this cap, the steps grow past the shell width with their
/// distance from the source point (`Transport::lepton_far_step_cm`): the single deposit of a
/// step, at a point uniform along its path, gives each shell its expected share at any shell
/// width, and the path is that of the validated 0.05 r0 step. Only near the source point, where
/// every track starts outward, is the step seen: 48-shell water kernels (0.025 r0 shells) with
/// steps of 0.05 r0 from the start moved the first two shells at 0.1 MeV by +-0.27 % of the
/// peak (chi2 111 over 43 shells, 1e6 histories each, against one-shell steps); steps at most
/// as long as the distance from the source point moved shells 2-3 instead (chi2 76/43, 2e6
/// histories each); at most half that distance, no shift remains (chi2 45.5/43 at 0.1 MeV,
/// 41.8/41 at 1 MeV, 47.9/41 at 15 keV, 31.8/42 at 0.3 MeV; session 21), and the 1 MeV
/// 48-shell kernel takes 1.26x less CPU time on one core (1.35x on two).
const MAX_STEP_OF_CSDA_RANGE: f64 = 0.05;

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

/// What [`run_sphere`] returns before the caller fills in its source (`particle`, `energy_mev`
/// and the keys of its kind).
struct SphereOutcome {
    csv: String,
    summary: KernelSummary,
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

/// Transports `source` from the centre of a homogeneous sphere; shell energies are divided by
/// `norm_mev` (the energy emitted per source event). `params`: condensed-history electron
/// transport (None: electrons deposited locally).
fn run_sphere(
    ctx: &Context,
    spec: &SphereRun,
    source: &Source,
    params: Option<CondensedParams>,
    steps: KernelSteps,
    norm_mev: f64,
) -> Result<SphereOutcome> {
    check_sphere(spec.radius_cm, spec.shells)?;
    let mat = ctx
        .materials
        .medium(spec.medium)
        .spec_field("medium")?
        .clone();
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
        let scale_mev = source
            .max_lepton_mev()
            .min(crate::physics::electron::E_MAX_MEV);
        if scale_mev > e.params.cutoff_mev {
            let r0_cm = e.tables(0, Lepton::Electron).stopping.csda_range(scale_mev) / density;
            // shells wider than the range do not resolve the electron tracks
            if transport.lepton_max_step_cm < r0_cm {
                let cap = MAX_STEP_OF_CSDA_RANGE * r0_cm;
                // shells narrower than the cap (by more than rounding): steps grow past them
                if steps.grow && cap > transport.lepton_max_step_cm * (1.0 + 1e-9) {
                    transport.lepton_far_step_cm = cap * steps.factor;
                }
                transport.lepton_max_step_cm = transport.lepton_max_step_cm.min(cap);
            }
        }
        transport.lepton_max_step_cm *= steps.factor;
        // the kernel is scored by shell only: range rejection of electrons there is exact but
        // for the bremsstrahlung of the rejected tails (about 2x fewer steps for the 1 MeV
        // kernel)
        transport.shell_range_rejection = true;
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
    let summary = KernelSummary {
        decay_data: None,
        absorbed_fraction: absorbed,
        annihilations: None,
        captures_per_source: None,
        density_g_cm3: density,
        electron_cutoff_kev: electron.as_ref().map(|e| e.params.cutoff_mev * 1e3),
        energy_balance_relative_discrepancy: t.balance.relative_discrepancy(),
        energy_mev: 0.0,
        histories: t.histories,
        histories_per_second: out.new_histories as f64 / out.seconds.max(1e-9),
        mean_energy_per_decay_mev: None,
        medium: spec.medium.to_string(),
        nuclide: None,
        source: None,
        particle: String::new(),
        photon_cutoff_kev: electron.as_ref().map(|_| photon_cut * 1e3),
        radius_cm: spec.radius_cm,
        seconds: out.seconds,
        seed: spec.seed,
        shells: spec.shells,
        threads: out.threads,
        version: crate::VERSION.into(),
    };
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
