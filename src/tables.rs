//! Loading physics data tables from `data/` with their provenance.
//!
//! The data folder is `$THERADOSE_DATA` when set, else the `data/` folder of this crate's source
//! tree (fixed at compile time). Nothing here reads `../shared/`.

use anyhow::{bail, Context, Result};
use std::path::PathBuf;

/// The folder holding the data tables.
pub fn data_dir() -> PathBuf {
    if let Ok(d) = std::env::var("THERADOSE_DATA") {
        return PathBuf::from(d);
    }
    PathBuf::from(BUILT_IN_DATA_DIR)
}

/// The data folder the binary was built with (the checkout's `data/`).
pub const BUILT_IN_DATA_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data");

/// Checks that the data folder ([`data_dir`]) exists and is theradose's (it holds
/// `materials.toml`), so that a wrong `THERADOSE_DATA` reads as such, not as an unknown nuclide
/// or material later.
///
/// # Errors
/// A missing folder or one without `materials.toml`, naming where the path came from.
pub fn check_data_dir() -> Result<PathBuf> {
    let d = data_dir();
    let from = match std::env::var_os("THERADOSE_DATA") {
        Some(_) => "THERADOSE_DATA",
        None => "the folder theradose was built from",
    };
    let fix = format!(
        "set THERADOSE_DATA to the data/ folder of a theradose checkout (built with {BUILT_IN_DATA_DIR})"
    );
    if !d.is_dir() {
        anyhow::bail!(
            "data folder {} (from {from}) does not exist: {fix}",
            d.display()
        );
    }
    if !d.join("materials.toml").is_file() {
        anyhow::bail!(
            "data folder {} (from {from}) is not theradose's data folder (no materials.toml): {fix}",
            d.display()
        );
    }
    Ok(d)
}

/// Reads a data file by its path relative to the data folder.
pub fn read_data_file(rel: &str) -> Result<(PathBuf, String)> {
    let p = data_dir().join(rel);
    let text = std::fs::read_to_string(&p).with_context(|| {
        format!(
            "cannot read data table {} (set THERADOSE_DATA to the theradose data/ folder)",
            p.display()
        )
    })?;
    Ok((p, text))
}

/// Chemical symbols by atomic number (index = Z), for Z = 1..=100.
pub const SYMBOLS: [&str; 101] = [
    "", "H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al", "Si", "P", "S",
    "Cl", "Ar", "K", "Ca", "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge",
    "As", "Se", "Br", "Kr", "Rb", "Sr", "Y", "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd",
    "In", "Sn", "Sb", "Te", "I", "Xe", "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd",
    "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W", "Re", "Os", "Ir", "Pt", "Au", "Hg",
    "Tl", "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac", "Th", "Pa", "U", "Np", "Pu", "Am", "Cm",
    "Bk", "Cf", "Es", "Fm",
];

/// Atomic number of a chemical symbol (case-sensitive, e.g. "Ca").
pub fn atomic_number(symbol: &str) -> Option<u8> {
    SYMBOLS
        .iter()
        .position(|s| *s == symbol && !s.is_empty())
        .map(|z| z as u8)
}

/// Photon interaction data of one element, as generated from ENDF/B-VIII.1 (EPDL) by
/// `scripts/gen_photon_tables.py` into `data/photon/Z###_Sym.txt`.
#[derive(Clone, Debug)]
pub struct ElementPhotonData {
    pub z: u8,
    pub symbol: String,
    /// g/mol
    pub atomic_weight: f64,
    /// MeV, increasing; an absorption edge appears as two rows at the same energy
    pub energy_mev: Vec<f64>,
    /// cross sections in barn/atom
    pub coherent_b: Vec<f64>,
    pub incoherent_b: Vec<f64>,
    pub photoelectric_b: Vec<f64>,
    pub pair_nuclear_b: Vec<f64>,
    pub pair_electron_b: Vec<f64>,
    /// energy-transfer cross section (barn/atom) for mu_en, without the radiative (1-g) factor
    pub energy_transfer_b: Vec<f64>,
    /// form factor F(x) with x = sin(theta/2)/lambda in 1/Angstrom
    pub ff_x: Vec<f64>,
    pub ff: Vec<f64>,
    /// incoherent scattering function S(x)
    pub sf_x: Vec<f64>,
    pub sf: Vec<f64>,
    /// the source lines of the file header
    pub provenance: String,
}

impl ElementPhotonData {
    /// Loads `data/photon/Z###_Sym.txt` for atomic number `z`.
    pub fn load(z: u8) -> Result<Self> {
        let sym = SYMBOLS.get(z as usize).copied().unwrap_or("");
        let rel = format!("photon/Z{:03}_{}.txt", z, sym);
        let (path, text) = read_data_file(&rel)?;
        Self::parse(&text).with_context(|| format!("{}: malformed photon table", path.display()))
    }

    fn parse(text: &str) -> Result<Self> {
        let t = SectionedText::parse(text);
        let mut d = ElementPhotonData {
            z: t.value("Z")?,
            symbol: t.header("symbol").unwrap_or_default().to_string(),
            atomic_weight: t.value("atomic_weight")?,
            energy_mev: vec![],
            coherent_b: vec![],
            incoherent_b: vec![],
            photoelectric_b: vec![],
            pair_nuclear_b: vec![],
            pair_electron_b: vec![],
            energy_transfer_b: vec![],
            ff_x: vec![],
            ff: vec![],
            sf_x: vec![],
            sf: vec![],
            provenance: t.provenance.clone(),
        };
        for (ln, line) in t.rows("cross_sections") {
            let v = numbers(ln, line, 7)?;
            d.energy_mev.push(v[0]);
            d.coherent_b.push(v[1]);
            d.incoherent_b.push(v[2]);
            d.photoelectric_b.push(v[3]);
            d.pair_nuclear_b.push(v[4]);
            d.pair_electron_b.push(v[5]);
            d.energy_transfer_b.push(v[6]);
        }
        for (ln, line) in t.rows("form_factor") {
            let v = numbers(ln, line, 2)?;
            d.ff_x.push(v[0]);
            d.ff.push(v[1]);
        }
        for (ln, line) in t.rows("incoherent_function") {
            let v = numbers(ln, line, 2)?;
            d.sf_x.push(v[0]);
            d.sf.push(v[1]);
        }
        if d.z == 0 || d.atomic_weight <= 0.0 || d.energy_mev.len() < 2 || d.ff_x.is_empty() {
            bail!("missing Z, atomic_weight, cross sections or form factors");
        }
        Ok(d)
    }
}

/// A data file of `key value` header lines, `[section]` headers and rows of numbers; `#` lines
/// before the first section are the file's provenance, later ones are comments.
pub struct SectionedText<'a> {
    pub provenance: String,
    header: Vec<(&'a str, &'a str)>,
    /// (section name, rows as (1-based line number, text))
    sections: Vec<(&'a str, Vec<(usize, &'a str)>)>,
}

impl<'a> SectionedText<'a> {
    pub fn parse(text: &'a str) -> Self {
        let mut t = SectionedText {
            provenance: String::new(),
            header: vec![],
            sections: vec![],
        };
        for (ln, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            if let Some(c) = line.strip_prefix('#') {
                if t.sections.is_empty() {
                    t.provenance.push_str(c.trim());
                    t.provenance.push('\n');
                }
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                t.sections.push((name, vec![]));
                continue;
            }
            match t.sections.last_mut() {
                Some((_, rows)) => rows.push((ln + 1, line)),
                None => {
                    let mut it = line.splitn(2, char::is_whitespace);
                    t.header
                        .push((it.next().unwrap_or(""), it.next().unwrap_or("").trim()));
                }
            }
        }
        t
    }

    /// A header value as text.
    pub fn header(&self, key: &str) -> Option<&'a str> {
        self.header.iter().find(|h| h.0 == key).map(|h| h.1)
    }

    /// A header value parsed as a number.
    pub fn value<T: std::str::FromStr>(&self, key: &str) -> Result<T> {
        let v = self
            .header(key)
            .ok_or_else(|| anyhow::anyhow!("missing header line '{key}'"))?;
        v.parse()
            .map_err(|_| anyhow::anyhow!("header '{key}': cannot parse '{v}'"))
    }

    /// The rows of a section (empty when the section is absent).
    pub fn rows(&self, name: &str) -> Vec<(usize, &'a str)> {
        self.sections
            .iter()
            .filter(|s| s.0 == name)
            .flat_map(|s| s.1.iter().copied())
            .collect()
    }
}

/// The data lines of a text table: (1-based line number, trimmed line), blank lines and `#`
/// comment lines left out.
pub fn data_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

/// The numbers of one row, which must have at least `min_columns`.
pub fn numbers(line_no: usize, line: &str, min_columns: usize) -> Result<Vec<f64>> {
    let v: Vec<f64> = line
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .map_err(|_| anyhow::anyhow!("line {line_no}: cannot parse '{line}'"))?;
    if v.len() < min_columns {
        bail!(
            "line {line_no}: expected {min_columns} columns, found {}",
            v.len()
        );
    }
    Ok(v)
}
