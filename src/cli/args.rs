//! Value parsers shared by the commands' arguments (a leaf module: the argument structs of
//! every command use it, it uses none of them).

/// A count flag (`--histories 1e5`): a whole number, also in exponent notation.
pub fn count(text: &str) -> Result<u64, String> {
    theradose::units::parse_count(text)
}
