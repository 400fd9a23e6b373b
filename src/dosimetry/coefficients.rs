//! Interaction coefficients of a medium as CSV tables (L5, `theradose table`): photon
//! mu/rho and mu_en/rho, electron and positron stopping powers and CSDA ranges, alpha and
//! proton stopping, neutron macroscopic cross sections and kerma.

use crate::context::Context;
use crate::error::SpecField;
use crate::physics::photon::PhotonPhysics;
use crate::spec_bail;
use anyhow::Result;
use std::fmt::Write as _;

/// Photon coefficients (`theradose table --particle photon`): CSV of mu/rho and mu_en/rho (cm2/g) of a medium.
pub fn photon_table(ctx: &Context, medium: &str, energies_mev: &[f64]) -> Result<String> {
    let mat = ctx.materials.get(medium).spec_field("medium")?.clone();
    let ph = PhotonPhysics::new(std::slice::from_ref(&mat))?;
    let mut s = String::from("energy_mev,mu_rho_cm2_g,mu_en_rho_cm2_g\n");
    for &e in energies_mev {
        if !(e.is_finite()
            && (crate::physics::photon::E_MIN_MEV..=crate::physics::photon::E_MAX_MEV).contains(&e))
        {
            spec_bail!(
                "energies",
                "{e} MeV outside the photon tables (0.001 to 20 MeV)"
            );
        }
        let c = ph.coefficients(0, e);
        let _ = writeln!(s, "{},{:.6e},{:.6e}", e, c.total(), c.energy_transfer);
    }
    Ok(s)
}

/// Coefficients (`theradose table`) of a medium for a particle, as CSV.
///
/// # Errors
/// Spec errors naming the field: no energies, an energy outside the tables, an unknown
/// particle or medium.
pub fn table(ctx: &Context, particle: &str, medium: &str, energies_mev: &[f64]) -> Result<String> {
    if energies_mev.is_empty() {
        spec_bail!(
            "energies",
            "give at least one energy in MeV, e.g. 0.01,0.1,1"
        );
    }
    match particle {
        "photon" | "gamma" => photon_table(ctx, medium, energies_mev),
        "electron" | "positron" => {
            crate::physics::electron::table_csv(&ctx.materials, particle, medium, energies_mev)
        }
        "alpha" | "proton" => crate::physics::ion::table_csv(
            &ctx.materials,
            ctx.ion_data()?,
            particle,
            medium,
            energies_mev,
        ),
        "neutron" => crate::physics::neutron::table_csv(&ctx.materials, medium, 0.0, energies_mev),
        p => spec_bail!(
            "particle",
            "{p}: expected photon, electron, positron, alpha, proton or neutron"
        ),
    }
}

/// Neutron coefficients with boron (`theradose table --boron-ppm C`): as [`table`] with C ug/g of 10B added (neutrons only).
pub fn table_boron(
    ctx: &Context,
    particle: &str,
    medium: &str,
    energies_mev: &[f64],
    boron_ppm: f64,
) -> Result<String> {
    if particle != "neutron" {
        spec_bail!(
            "boron_ppm",
            "applies to particle neutron only, not {particle}"
        );
    }
    if energies_mev.is_empty() {
        spec_bail!(
            "energies",
            "give at least one energy in MeV, e.g. 2.53e-8,1e-6"
        );
    }
    crate::physics::neutron::table_csv(&ctx.materials, medium, boron_ppm, energies_mev)
}
