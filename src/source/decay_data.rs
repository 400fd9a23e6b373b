//! Which decay-data evaluation nuclides are loaded from: ICRP-107 (the default) or ENDF/B-VIII.1.

use anyhow::{bail, Result};

/// Which decay-data evaluation nuclides are loaded from.
///
/// Plumbing (one line per place): the CLI's `--decay-data icrp107|endf` parses with
/// [`std::str::FromStr`] (clap: `value_parser = |s: &str| s.parse::<DecayData>()`), run and
/// study files take `decay_data = "icrp107" | "endf"` through serde (lowercase names,
/// `#[serde(default)]` gives ICRP-107), sources use [`Nuclide::load_from`](super::nuclide::Nuclide::load_from) / `Spectrum::nuclide_from`, and
/// `theradose decay --list` prints [`list`](super::nuclide_names::list). Every output should record the data used: JSON and
/// TOML summaries `"decay_data": "icrp107"` ([`DecayData::name`], the serde form) with
/// `"decay_data_source": "ICRP-107"` ([`DecayData::label`]); CSV and text reports a header line
/// `# decay data: ICRP-107` (the label).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum DecayData {
    /// ICRP Publication 107 (Eckerman & Endo 2008): the data of MIRDcalc, OLINDA/EXM, IDAC-Dose
    /// and GATE; 1,252 nuclides; beta endpoints solved from ICRP's branch means.
    #[default]
    Icrp107,
    /// ENDF/B-VIII.1 decay sublibrary (ENSDF conversions of 2005): 76 nuclides.
    Endf,
}

impl DecayData {
    /// Both evaluations, the default first.
    pub const ALL: [DecayData; 2] = [DecayData::Icrp107, DecayData::Endf];

    /// The name used on the command line and in run/study files: "icrp107" or "endf".
    pub fn name(self) -> &'static str {
        match self {
            DecayData::Icrp107 => "icrp107",
            DecayData::Endf => "endf",
        }
    }

    /// A label for outputs: "ICRP-107" or "ENDF/B-VIII.1".
    pub fn label(self) -> &'static str {
        match self {
            DecayData::Icrp107 => "ICRP-107",
            DecayData::Endf => "ENDF/B-VIII.1",
        }
    }

    /// The data a nuclide name selects: its prefix ("endf:Lu-177" -> ENDF, "icrp107:Tb-161" ->
    /// ICRP-107), or `default` for a name without one ("Lu-177"). What outputs record as the
    /// data used.
    ///
    /// # Errors
    /// An unknown prefix.
    pub fn of_name(name: &str, default: DecayData) -> Result<DecayData> {
        match name.split_once(':') {
            Some((prefix, _)) => prefix.parse(),
            None => Ok(default),
        }
    }

    /// `name` with this data as its prefix ("Lu-177" -> "endf:Lu-177"); a name that names its
    /// data already is returned as it is. Lets code that passes names on (PET, chains) keep
    /// the data chosen for them.
    pub fn qualify(self, name: &str) -> String {
        if name.contains(':') {
            name.to_string()
        } else {
            format!("{}:{name}", self.name())
        }
    }

    /// The folder of the tables, relative to the data folder.
    pub fn dir(self) -> &'static str {
        match self {
            DecayData::Icrp107 => "decay/icrp107",
            DecayData::Endf => "decay",
        }
    }
}

impl std::fmt::Display for DecayData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for DecayData {
    type Err = anyhow::Error;
    /// "icrp107" (also "icrp-107", "icrp") or "endf" (also "endf/b-viii.1"), any case.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "icrp107" | "icrp-107" | "icrp" => Ok(DecayData::Icrp107),
            "endf" | "endf/b-viii.1" | "endfb" => Ok(DecayData::Endf),
            _ => bail!("unknown decay data '{s}': expected icrp107 or endf"),
        }
    }
}
