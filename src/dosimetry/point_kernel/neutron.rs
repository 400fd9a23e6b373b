//! Neutron point kernel: neutrons from the centre of a homogeneous sphere, capture gammas
//! transported.

use crate::context::Context;
use crate::dosimetry::point_kernel::spec::{check_sphere, KernelResult, KernelSpec, KernelSummary};
use crate::error::SpecField;
use crate::numerics::Vec3;
use crate::particle::isotropic_rng;
use crate::physics::neutron::{NeutronPhysics, E_MAX_MEV, E_MIN_MEV};
use crate::physics::photon::PhotonPhysics;
use crate::spec_bail;
use crate::tally::Tally;
use crate::transport::neutron::{
    Component, NeutronGeometry, NeutronTransport, SourceNeutron, N_COMPONENTS,
};
use crate::transport::{Geometry, Transport};
use anyhow::Result;
use std::fmt::Write as _;

/// A neutron point kernel (`theradose kernel --particle neutron`): an isotropic point source of neutrons of
/// `spec.energy_mev` at the centre of a homogeneous sphere; capture gammas are transported
/// (electrons deposited locally). `energy_fraction` is the energy deposited in a shell (charged
/// products, recoils and photons) per unit source energy (reaction Q values make the sum exceed
/// 1 at low energies); `capture_fraction` the neutrons absorbed in the shell per source neutron.
///
/// # Errors
/// An energy outside 1e-5 eV to 20 MeV, an unknown medium, a radius that is not positive, zero
/// shells or histories.
pub fn neutron_kernel(ctx: &Context, spec: &KernelSpec) -> Result<KernelResult> {
    let e0 = spec.energy_mev;
    check_energy(e0)?;
    check_sphere(spec.radius_cm, spec.shells)?;
    let mat = ctx
        .materials
        .medium(&spec.medium)
        .spec_field("medium")?
        .clone();
    let density = mat.nominal_density;
    let physics = NeutronPhysics::new(std::slice::from_ref(&mat), &[])?;
    let photon = PhotonPhysics::new(std::slice::from_ref(&mat))?;
    let sphere = |shells| Geometry::Sphere {
        radius_cm: spec.radius_cm,
        material: 0,
        density,
        shells,
    };
    let photon_cut = spec.photon_cutoff_kev.map(|k| k * 1e-3).unwrap_or(1e-3);
    let gamma = Transport::new(sphere(spec.shells), &photon, photon_cut);
    let mut tr = NeutronTransport::new(
        NeutronGeometry::Sphere {
            radius_cm: spec.radius_cm,
            material: 0,
            density,
            shells: spec.shells,
        },
        &physics,
    );
    tr.photon = Some(&gamma);
    let out = crate::run::neutron::run_histories(
        &tr,
        |rng| SourceNeutron {
            energy_mev: e0,
            pos: Vec3::default(),
            dir: isotropic_rng(rng),
        },
        spec.seed,
        spec.histories,
        spec.threads,
    )?;
    let t = &out.tally;
    let pt = out.photon_tally.as_ref().expect("photon tally");
    let cells = out.cells;
    let mut csv =
        String::from("r_inner_cm,r_outer_cm,energy_fraction,rel_uncertainty,capture_fraction\n");
    let dr = spec.radius_cm / spec.shells as f64;
    let (mut fractions, mut rels) = (Vec::new(), Vec::new());
    let (mut absorbed_e, mut captures) = (0.0, 0.0);
    for s in 0..spec.shells {
        let (e, rel) = shell_energy(t, pt, cells, s);
        let (cap, _) = t.mean_and_rel_uncertainty(Component::Absorbed as usize * cells + s);
        let f = e / e0;
        absorbed_e += f;
        captures += cap;
        fractions.push(f);
        rels.push(rel);
        let _ = writeln!(
            csv,
            "{:.6},{:.6},{:.8e},{:.4e},{:.8e}",
            s as f64 * dr,
            (s + 1) as f64 * dr,
            f,
            rel,
            cap
        );
    }
    debug_assert_eq!(t.n_bins(), N_COMPONENTS * cells);
    let summary = KernelSummary {
        decay_data: None,
        absorbed_fraction: absorbed_e,
        annihilations: None,
        captures_per_source: Some(captures),
        density_g_cm3: density,
        electron_cutoff_kev: None,
        energy_balance_relative_discrepancy: out.balance.relative_discrepancy(),
        energy_mev: e0,
        histories: t.histories,
        histories_per_second: t.histories as f64 / out.seconds.max(1e-9),
        mean_energy_per_decay_mev: None,
        medium: spec.medium.clone(),
        nuclide: None,
        source: None,
        particle: "neutron".into(),
        photon_cutoff_kev: Some(photon_cut * 1e3),
        radius_cm: spec.radius_cm,
        seconds: out.seconds,
        seed: spec.seed,
        shells: spec.shells,
        threads: out.threads,
        version: crate::VERSION.into(),
    };
    Ok(KernelResult {
        csv,
        summary,
        fractions,
        rel_uncertainty: rels,
    })
}

/// Checks a neutron source energy against the range of the neutron data.
fn check_energy(e0: f64) -> Result<()> {
    if !(e0.is_finite() && (E_MIN_MEV..=E_MAX_MEV).contains(&e0)) {
        spec_bail!(
            "energy_mev",
            "{e0}: expected 1e-11 <= E <= 20 MeV for neutrons"
        );
    }
    Ok(())
}

/// Mean energy (MeV per source neutron) deposited in shell `s`, charged components and photon
/// deposits, with its relative uncertainty (the parts' uncertainties combined in quadrature).
fn shell_energy(t: &Tally, pt: &Tally, cells: usize, s: usize) -> (f64, f64) {
    let mut e = 0.0;
    let mut var = 0.0;
    for c in [
        Component::Boron,
        Component::Nitrogen,
        Component::Hydrogen,
        Component::GammaLocal,
    ] {
        let (m, r) = t.mean_and_rel_uncertainty(c as usize * cells + s);
        e += m;
        var += (m * r).powi(2);
    }
    let (m, r) = pt.mean_and_rel_uncertainty(s);
    e += m;
    var += (m * r).powi(2);
    (e, if e > 0.0 { var.sqrt() / e } else { 0.0 })
}
