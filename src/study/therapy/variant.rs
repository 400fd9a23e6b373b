//! Named variants of a study: `[variants.<name>]` tables that override several keys at once
//! (e.g. `mouse`: the mouse phantom, tens of MBq, the mouse kinetics and biology region map, the
//! preclinical scanner), chosen by the top-level `variant = "<name>"` or swept with
//! `[sweep] variant = ["adult", "mouse"]`.
//!
//! Merge rule: a variant's tables are merged into the study key by key down to their leaves (a
//! leaf is any value that is not a table: a number, a string, a list; lists such as
//! `[[kinetics]]` are replaced whole). A table the variant must replace whole (a region map whose
//! regions the other phantom lacks, e.g. `biology.regions`) is listed in the variant's
//! `replace = ["biology.regions"]`. A variant without a table (`[variants.adult]` empty) is the
//! study as written. Regions a variant leaves in the study that its phantom lacks are not
//! skipped: they fail with the region's name (`biology.regions.red_marrow: no region ...`).

use super::keys::set;
use anyhow::{bail, Context, Result};
use std::path::Path;
use toml::Value as T;

/// The variant named by `variant` (if any) applied to `table`; `variants` is removed and
/// `variant` kept (as a record of the run). Returns the variant's name.
///
/// # Errors
/// `variant` without a `[variants.<name>]` table, an unknown name (the known ones listed), a
/// malformed `replace` list or a key that cannot be set.
pub fn apply(table: &mut toml::Table, file: &Path) -> Result<Option<String>> {
    let f = file.display();
    let variants = table.remove("variants");
    let name = match table.get("variant") {
        None => return Ok(None),
        Some(T::String(s)) => s.clone(),
        Some(v) => bail!("{f}: variant = {v}: expected a variant name (a string)"),
    };
    let Some(T::Table(variants)) = variants else {
        bail!("{f}: variant = \"{name}\" but the file has no [variants.{name}] table");
    };
    let Some(v) = variants.get(&name) else {
        bail!(
            "{f}: variant = \"{name}\": no [variants.{name}], the variants are {:?}",
            variants.keys().collect::<Vec<_>>()
        );
    };
    let T::Table(v) = v else {
        bail!("{f}: variants.{name}: expected a table");
    };
    let mut v = v.clone();
    let replace: Vec<String> = match v.remove("replace") {
        None => Vec::new(),
        Some(T::Array(a)) => a
            .iter()
            .map(|x| x.as_str().map(str::to_string))
            .collect::<Option<_>>()
            .with_context(|| format!("{f}: variants.{name}.replace: expected key paths"))?,
        Some(_) => bail!("{f}: variants.{name}.replace: expected a list of key paths"),
    };
    let mut leaves = Vec::new();
    flatten("", &T::Table(v), &replace, &mut leaves);
    for r in &replace {
        if !leaves.iter().any(|(p, _)| p == r) {
            bail!("{f}: variants.{name}.replace names '{r}', which the variant does not set");
        }
    }
    for (path, value) in leaves {
        set(table, &path, value).with_context(|| format!("{f}: variants.{name}.{path}"))?;
    }
    Ok(Some(name))
}

/// The leaves of `v` as (dotted path, value); tables named in `replace` are leaves.
fn flatten(prefix: &str, v: &T, replace: &[String], out: &mut Vec<(String, T)>) {
    match v {
        T::Table(t) if prefix.is_empty() || !replace.iter().any(|r| r == prefix) => {
            for (k, x) in t {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&p, x, replace, out);
            }
        }
        _ => out.push((prefix.to_string(), v.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STUDY: &str = r#"
name = "s"
variant = "mouse"
[phantom]
builtin = "adult"
voxel_mm = 4.0
[therapy]
nuclide = "Lu-177"
activity_per_cycle_mbq = 7400.0
[[kinetics]]
region = "kidneys"
uptake_fraction = 0.04
[biology.regions]
kidneys = "kidney"
red_marrow = "red_marrow"
[biology.overrides.tumour]
alpha_per_gy = 0.3
[variants.adult]
[variants.mouse]
replace = ["biology.regions"]
phantom = { builtin = "mouse", voxel_mm = 0.5 }
therapy.activity_per_cycle_mbq = 40.0
kinetics = [{ region = "tumour", uptake_fraction = 0.06 }]
biology.regions = { kidneys = "kidney", tumour = "tumour" }
biology.overrides.tumour.doubling_time_d = 5.0
"#;

    #[test]
    fn variants_merge_leaves_and_replace_listed_tables() {
        let p = Path::new("s.toml");
        let mut t: toml::Table = STUDY.parse().unwrap();
        assert_eq!(apply(&mut t, p).unwrap().as_deref(), Some("mouse"));
        assert!(!t.contains_key("variants"));
        assert_eq!(t["phantom"]["builtin"].as_str(), Some("mouse"));
        assert_eq!(t["phantom"]["voxel_mm"].as_float(), Some(0.5));
        assert_eq!(t["therapy"]["nuclide"].as_str(), Some("Lu-177"));
        assert_eq!(
            t["therapy"]["activity_per_cycle_mbq"].as_float(),
            Some(40.0)
        );
        // a list is replaced whole
        let k = t["kinetics"].as_array().unwrap();
        assert_eq!(k.len(), 1);
        assert_eq!(k[0]["region"].as_str(), Some("tumour"));
        // the replaced region map lost red_marrow; the merged overrides kept alpha
        let r = t["biology"]["regions"].as_table().unwrap();
        assert_eq!(r.keys().collect::<Vec<_>>(), ["kidneys", "tumour"]);
        let o = &t["biology"]["overrides"]["tumour"];
        assert_eq!(o["alpha_per_gy"].as_float(), Some(0.3));
        assert_eq!(o["doubling_time_d"].as_float(), Some(5.0));

        // the empty variant is the study as written
        let mut t: toml::Table = STUDY
            .replace("\"mouse\"\n[phantom]", "\"adult\"\n[phantom]")
            .parse()
            .unwrap();
        let before = {
            let mut b = t.clone();
            b.remove("variants");
            b
        };
        apply(&mut t, p).unwrap();
        assert_eq!(t, before);
    }

    #[test]
    fn unknown_or_missing_variants_are_named() {
        let p = Path::new("s.toml");
        let mut t: toml::Table = STUDY
            .replace("variant = \"mouse\"", "variant = \"rat\"")
            .parse()
            .unwrap();
        let e = apply(&mut t, p).unwrap_err().to_string();
        assert!(
            e.contains("rat") && e.contains("mouse") && e.contains("s.toml"),
            "{e}"
        );
        let mut t: toml::Table = "name = \"s\"\nvariant = \"mouse\"\n".parse().unwrap();
        let e = apply(&mut t, p).unwrap_err().to_string();
        assert!(e.contains("[variants.mouse]"), "{e}");
        let mut t: toml::Table = STUDY
            .replace("\"biology.regions\"]", "\"biology.tissue\"]")
            .parse()
            .unwrap();
        let e = apply(&mut t, p).unwrap_err().to_string();
        assert!(e.contains("biology.tissue"), "{e}");
    }
}
