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

/// Counts (histories, decays) as a user writes them: `100000`, `1e5`, `2.5e6`, `1_000_000`.
/// Only integral values from 0 to 2^53 are counts (beyond it f64 skips integers).
///
/// # Errors
/// A text that is no number, or a fractional, negative or too large value, with what was
/// expected.
pub fn parse_count(text: &str) -> Result<u64, String> {
    let t = text.trim().replace('_', "");
    if let Ok(n) = t.parse::<u64>() {
        return Ok(n);
    }
    match t.parse::<f64>() {
        Ok(x) => count_of_f64(x),
        Err(_) => Err(format!(
            "'{text}' is not a count: expected a whole number such as 100000 or 1e5"
        )),
    }
}

/// A count from a floating-point value (`histories = 2e6` in TOML).
///
/// # Errors
/// A fractional, negative, non-finite or too large value.
pub fn count_of_f64(x: f64) -> Result<u64, String> {
    const MAX: f64 = 9_007_199_254_740_992.0; // 2^53
    if !x.is_finite() || !(0.0..=MAX).contains(&x) || x.fract() != 0.0 {
        return Err(format!(
            "{x} is not a count: expected a whole number from 0 to 2^53, such as 100000 or 1e5"
        ));
    }
    Ok(x as u64)
}

/// Serde: a count written as an integer or as an integral float (`histories = 2e6`).
///
/// # Errors
/// A fractional, negative or non-numeric value.
pub fn deserialize_count<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Count {
        Int(u64),
        Float(f64),
        Text(String),
    }
    let r = match <Count as serde::Deserialize>::deserialize(d)? {
        Count::Int(n) => Ok(n),
        Count::Float(x) => count_of_f64(x),
        Count::Text(s) => parse_count(&s),
    };
    r.map_err(serde::de::Error::custom)
}

/// Serde: an optional count ([`deserialize_count`]).
///
/// # Errors
/// As [`deserialize_count`].
pub fn deserialize_opt_count<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<u64>, D::Error> {
    #[derive(serde::Deserialize)]
    struct Wrap(#[serde(deserialize_with = "deserialize_count")] u64);
    let v: Option<Wrap> = serde::Deserialize::deserialize(d)?;
    Ok(v.map(|w| w.0))
}

#[cfg(test)]
mod count_tests {
    use super::*;

    #[test]
    fn counts_as_users_write_them() {
        assert_eq!(parse_count("100000"), Ok(100_000));
        assert_eq!(parse_count("1e5"), Ok(100_000));
        assert_eq!(parse_count("2.5e6"), Ok(2_500_000));
        assert_eq!(parse_count("1_000_000"), Ok(1_000_000));
        assert!(parse_count("1.5").unwrap_err().contains("not a count"));
        assert!(parse_count("-3").is_err());
        assert!(parse_count("1e300").is_err());
        assert!(parse_count("abc").is_err());
        #[derive(serde::Deserialize)]
        struct S {
            #[serde(deserialize_with = "deserialize_count")]
            h: u64,
        }
        let s: S = toml::from_str("h = 2e6").unwrap();
        assert_eq!(s.h, 2_000_000);
        let s: S = toml::from_str("h = 7").unwrap();
        assert_eq!(s.h, 7);
        assert!(toml::from_str::<S>("h = 1.5").is_err());
    }
}
