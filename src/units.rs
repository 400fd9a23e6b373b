//! Units and physical constants. Internal units: MeV, cm, g/cm3, s, Bq, Gy.
//!
//! Constants are CODATA 2018 (exact SI definitions where marked).

/// Electron rest energy m_e c^2 in MeV (CODATA 2018).
pub const ELECTRON_MASS_MEV: f64 = 0.510_998_950_00;
/// Avogadro constant in 1/mol (exact, SI 2019).
pub const AVOGADRO: f64 = 6.022_140_76e23;
/// Classical electron radius in cm (CODATA 2018).
pub const CLASSICAL_ELECTRON_RADIUS_CM: f64 = 2.817_940_326_2e-13;
/// One MeV in joules (exact, SI 2019).
pub const MEV_TO_J: f64 = 1.602_176_634e-13;
/// h c in keV * Angstrom (CODATA 2018): photon wavelength lambda = HC_KEV_ANGSTROM / E_keV.
pub const HC_KEV_ANGSTROM: f64 = 12.398_419_843;
/// One barn in cm2.
pub const BARN_CM2: f64 = 1e-24;

/// Absorbed dose in Gy from an energy in MeV deposited in a mass in g.
#[inline]
pub fn dose_gy(energy_mev: f64, mass_g: f64) -> f64 {
    energy_mev * MEV_TO_J / (mass_g * 1e-3)
}

/// Mass in g of a volume in cm3 at a density in g/cm3.
#[inline]
pub fn mass_g(volume_cm3: f64, density_g_cm3: f64) -> f64 {
    volume_cm3 * density_g_cm3
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn one_mev_in_one_gram_is_1_6e_10_gy() {
        assert!((dose_gy(1.0, 1.0) - 1.602176634e-10).abs() < 1e-22);
    }
}
