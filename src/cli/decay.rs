//! The `--decay-data icrp107|endf` flag shared by every command that names a nuclide.

use theradose::source::DecayData;

/// Parses `--decay-data`: "icrp107" (ICRP Publication 107, the default) or "endf"
/// (ENDF/B-VIII.1). The error names both choices; clap adds the flag.
pub fn parse(s: &str) -> Result<DecayData, String> {
    s.parse::<DecayData>().map_err(|e| e.to_string())
}

/// The help line of `--decay-data`.
pub const HELP: &str = "decay data: icrp107 (ICRP Publication 107, the default; MIRDcalc, OLINDA/EXM, IDAC-Dose) or endf (ENDF/B-VIII.1); an \"endf:\" or \"icrp107:\" prefix on the nuclide overrides it";
