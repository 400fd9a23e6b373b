//! Nuclide names: canonical spelling, the nuclides of each decay-data evaluation, data
//! prefixes ("endf:Lu-177") and suggestions of close names.

use super::decay_data::DecayData;
use crate::tables::{data_dir, SYMBOLS};
use anyhow::Result;

/// Canonical spelling of a nuclide name: "lu177", "177Lu", "LU-177" -> "Lu-177"; "tc99m",
/// "99mTc" -> "Tc-99m"; "bi212n" -> "Bi-212n" (ICRP-107's second isomers end in "n").
pub fn canonical_name(name: &str) -> String {
    let s: String = name
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_ascii_lowercase();
    let is_symbol = |x: &str| SYMBOLS.iter().skip(1).any(|e| e.eq_ignore_ascii_case(x));
    let cap = |x: &str| {
        let mut c = x.chars();
        match c.next() {
            Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
            None => String::new(),
        }
    };
    let (sym, digits, meta) = if s.starts_with(|c: char| c.is_ascii_digit()) {
        // mass first: "177lu", "99mtc" (an isomer letter before a symbol: "99mtc" -> m + Tc,
        // but "54mn" is Mn-54)
        let d: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
        let rest = &s[d.len()..];
        match rest.chars().next() {
            Some(c @ ('m' | 'n')) if !is_symbol(rest) && is_symbol(&rest[1..]) => {
                (rest[1..].to_string(), d, c.to_string())
            }
            _ => (rest.to_string(), d, String::new()),
        }
    } else {
        let sym: String = s.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
        let d: String = s[sym.len()..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        let meta = s[sym.len() + d.len()..].to_string();
        (sym, d, meta)
    };
    format!("{}-{digits}{meta}", cap(&sym))
}

/// Names of all nuclides with a data file in `data` (sorted).
pub fn list(data: DecayData) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(data_dir().join(data.dir()))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
                .filter_map(|e| {
                    e.file_name()
                        .to_str()?
                        .strip_suffix(".txt")
                        .map(String::from)
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Splits an optional decay-data prefix off a nuclide name: "endf:Lu-177" -> ("Lu-177", Endf),
/// "icrp107:Tb-161" -> ("Tb-161", Icrp107), "Lu-177" -> ("Lu-177", `default`). Lets any place
/// that takes a nuclide name (run files, `Spectrum::nuclide`) select the evaluation.
///
/// # Errors
/// An unknown prefix.
pub fn split_data_prefix(name: &str, default: DecayData) -> Result<(&str, DecayData)> {
    let data = DecayData::of_name(name, default)?;
    Ok((
        name.split_once(':').map_or(name, |(_, rest)| rest.trim()),
        data,
    ))
}

/// Names of all nuclides of the default data ([`DecayData::Icrp107`]).
pub fn available() -> Vec<String> {
    list(DecayData::default())
}

/// Whether `data` has a table for `name` (any spelling `canonical_name` accepts, with an optional
/// data prefix as in [`split_data_prefix`]).
pub fn exists(name: &str, data: DecayData) -> bool {
    let Ok((name, data)) = split_data_prefix(name, data) else {
        return false;
    };
    let canon = canonical_name(name);
    canon.len() >= 3
        && data_dir()
            .join(data.dir())
            .join(format!("{canon}.txt"))
            .is_file()
}

/// Levenshtein distance, case-insensitive.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Up to six names of the default data closest to `name` (same element or mass number first).
pub fn close_names(name: &str) -> Vec<String> {
    close_names_in(name, DecayData::default())
}

/// Up to six names of `data` closest to `name` (same element or mass number first).
pub fn close_names_in(name: &str, data: DecayData) -> Vec<String> {
    let c = canonical_name(name);
    let (sym, mass) = c.split_once('-').unwrap_or((&c, ""));
    let mass = mass.trim_end_matches('m');
    let mut v: Vec<(usize, String)> = list(data)
        .into_iter()
        .map(|n| {
            let (s, m) = n.split_once('-').unwrap_or((&n, ""));
            let bonus = usize::from(s == sym) + usize::from(m.trim_end_matches('m') == mass);
            (distance(&c, &n) * 2 + 4 - 2 * bonus, n)
        })
        .collect();
    v.sort();
    v.into_iter().take(6).map(|x| x.1).collect()
}
