//! Sweeps: `[sweep]` maps dotted key paths of the study file to lists of values; every
//! combination is applied to the parsed TOML before it is deserialised, so any field can be
//! swept (activity, cycles, α/β overrides, nuclide, phantom, ...).
//!
//! A path segment selects a table key, an array index, or the element of an array of tables
//! whose `region` or `name` equals it (`kinetics.kidneys.uptake_fraction`). A key without a dot
//! names the unique field of that name in the file (`activity_per_cycle_mbq`, `cycles`,
//! `nuclide`); `phantom` means `phantom.builtin`, `lesion_scale` `phantom.lesion_scale`.
//! `variant` selects a named [`super::variant`] (several keys at once: the way to sweep
//! mouse vs adult, whose regions, activities and scanners differ; a bare `phantom` sweep keeps
//! the other phantom's region names and stops at the first one the phantom lacks).
//!
//! A nuclide or lesion-size point runs its own dosimetry (other spectra, other shapes); points
//! that differ in activity or cycles only scale one ([`super::run::Cache`]). `sweep.csv` has a
//! column per swept key and the regions of every point; figures are line plots against the
//! first numeric axis, or bar charts when every axis is categorical.

use super::keys::{get, paths, set};
use super::progress::Steps;
use super::run::{run_one, Cache};
use super::spec::TherapyStudy;
use crate::context::Context;
use crate::study::common::StudyOptions;
use anyhow::{bail, Context as _, Result};
use serde_json::Value;
use std::path::Path;
use toml::Value as T;

/// One swept field and its values.
#[derive(Clone, Debug)]
pub struct Axis {
    /// dotted path in the study file
    pub path: String,
    pub values: Vec<T>,
}

impl Axis {
    /// The last segment of the path.
    pub fn leaf(&self) -> &str {
        self.path.rsplit('.').next().unwrap_or(&self.path)
    }
}

/// One finished sweep point.
pub struct Point {
    /// the value of each axis
    pub values: Vec<T>,
    pub metrics: Value,
}

fn flatten(prefix: &str, v: &T, out: &mut Vec<Axis>, file: &Path) -> Result<()> {
    match v {
        T::Table(t) => {
            for (k, x) in t {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&p, x, out, file)?;
            }
            Ok(())
        }
        T::Array(a) if !a.is_empty() => {
            out.push(Axis {
                path: prefix.to_string(),
                values: a.clone(),
            });
            Ok(())
        }
        _ => bail!(
            "{}: sweep.{prefix}: expected a non-empty list of values",
            file.display()
        ),
    }
}

fn resolve(table: &toml::Table, key: &str, file: &Path) -> Result<String> {
    if key == "phantom" {
        return Ok("phantom.builtin".into());
    }
    if key == VARIANT {
        if !table.contains_key("variants") {
            bail!(
                "{}: sweep.variant: the file has no [variants.<name>] tables",
                file.display()
            );
        }
        return Ok(VARIANT.into());
    }
    if key == "lesion_scale" {
        return Ok("phantom.lesion_scale".into());
    }
    if key.contains('.') || get(table, key).is_some() {
        return Ok(key.to_string());
    }
    let mut all = Vec::new();
    paths("", &T::Table(table.clone()), 3, &mut all);
    let hits: Vec<String> = all
        .into_iter()
        .filter(|p| p.rsplit('.').next() == Some(key) && p != "sweep")
        .collect();
    match hits.as_slice() {
        [one] => Ok(one.clone()),
        [] => bail!("{}: sweep.{key}: no field of that name", file.display()),
        many => bail!(
            "{}: sweep.{key} is ambiguous: give the dotted path, one of {many:?}",
            file.display()
        ),
    }
}

/// Removes `[sweep]` from a study table and resolves its axes.
///
/// # Errors
/// A sweep entry that is not a list, or a key that names no field.
pub fn split_sweep(mut table: toml::Table, file: &Path) -> Result<(toml::Table, Vec<Axis>)> {
    let Some(sw) = table.remove("sweep") else {
        return Ok((table, Vec::new()));
    };
    let mut axes = Vec::new();
    flatten("", &sw, &mut axes, file)?;
    for a in &mut axes {
        a.path = resolve(&table, &a.path, file)?;
    }
    Ok((table, axes))
}

/// A swept value as the folder names and tables show it (strings unquoted).
pub fn show(v: &T) -> String {
    match v {
        T::String(s) => s.clone(),
        x => x.to_string(),
    }
}

/// Folder name of a sweep point.
pub fn point_label(axes: &[Axis], values: &[T]) -> String {
    axes.iter()
        .zip(values)
        .map(|(a, v)| format!("{}={}", a.leaf(), show(v)))
        .collect::<Vec<_>>()
        .join("_")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "=.-_".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The axis that selects a [`super::variant`].
const VARIANT: &str = "variant";

/// The study table of one sweep point: the variant axis (if swept) is set and the variant
/// applied first, then the other axes, so a swept value wins over the variant's.
///
/// # Errors
/// An unknown variant, a key that cannot be set.
pub fn point_table(
    base: &toml::Table,
    file: &Path,
    axes: &[Axis],
    values: &[T],
) -> Result<toml::Table> {
    let mut t = base.clone();
    for (a, v) in axes.iter().zip(values).filter(|(a, _)| a.path == VARIANT) {
        set(&mut t, &a.path, v.clone())?;
    }
    super::variant::apply(&mut t, file)?;
    for (a, v) in axes.iter().zip(values).filter(|(a, _)| a.path != VARIANT) {
        set(&mut t, &a.path, v.clone()).with_context(|| format!("{}", file.display()))?;
    }
    Ok(t)
}

/// Every combination of the axes' values (the first axis varies slowest).
pub fn combinations(axes: &[Axis]) -> Vec<Vec<T>> {
    let mut out = vec![Vec::new()];
    for a in axes {
        out = out
            .into_iter()
            .flat_map(|c| {
                a.values.iter().map(move |v| {
                    let mut c = c.clone();
                    c.push(v.clone());
                    c
                })
            })
            .collect();
    }
    out
}

/// Runs every sweep point into `out/sweep/<label>` (tables and metrics, noise-free follow-up).
///
/// # Errors
/// An invalid point (named by its label) or a failing run.
#[allow(clippy::too_many_arguments)] // the sweep, its folder and the run's shared state
pub fn run_sweep(
    ctx: &Context,
    table: &toml::Table,
    file: &Path,
    axes: &[Axis],
    out: &Path,
    cache: &mut Cache,
    opts: &StudyOptions,
    pool: &rayon::ThreadPool,
) -> Result<Vec<Point>> {
    let combos = combinations(axes);
    let mut points = Vec::new();
    let steps = Steps::new(combos.len() as u64, "sweep points");
    for (i, values) in combos.into_iter().enumerate() {
        let l = point_label(axes, &values);
        steps.start(i as u64, &l);
        let t =
            point_table(table, file, axes, &values).with_context(|| format!("sweep point {l}"))?;
        let study = TherapyStudy::from_table(t, file, opts.histories)
            .with_context(|| format!("sweep point {l}"))?;
        let dir = out.join("sweep").join(&l);
        let metrics = pool
            .install(|| run_one(ctx, &study, &dir, cache, opts, false, &steps))
            .map(|m| m.to_json())
            .with_context(|| format!("sweep point {l}"));
        if metrics.is_err() {
            steps.finish();
        }
        points.push(Point {
            values,
            metrics: metrics?,
        });
    }
    steps.finish();
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STUDY: &str = r#"
name = "s"
[therapy]
nuclide = "Lu-177"
activity_per_cycle_mbq = 7400.0
cycles = 4
[[kinetics]]
region = "kidneys"
uptake_fraction = 0.04
[[kinetics]]
region = "lesion_1"
uptake_fraction = 0.006
[biology.overrides.tumour]
alpha_per_gy = 0.3
[sweep]
activity_per_cycle_mbq = [3700.0, 7400.0]
therapy.cycles = [2, 4, 6]
"kinetics.lesion_1.uptake_fraction" = [0.003]
phantom = ["adult", "mouse"]
"#;

    #[test]
    fn axes_resolve_and_apply() {
        let t: toml::Table = STUDY.parse().unwrap();
        let (mut t, axes) = split_sweep(t, Path::new("s.toml")).unwrap();
        assert!(!t.contains_key("sweep"));
        let paths: Vec<&str> = axes.iter().map(|a| a.path.as_str()).collect();
        assert!(paths.contains(&"therapy.activity_per_cycle_mbq"));
        assert!(paths.contains(&"therapy.cycles"));
        assert!(paths.contains(&"kinetics.lesion_1.uptake_fraction"));
        assert!(paths.contains(&"phantom.builtin"));
        // 2 x 3 x 1 x 2 points, first axis slowest
        let c = combinations(&axes);
        assert_eq!(c.len(), 12);
        set(&mut t, "kinetics.lesion_1.uptake_fraction", T::Float(0.003)).unwrap();
        assert_eq!(
            get(&t, "kinetics.1.uptake_fraction").and_then(T::as_float),
            Some(0.003)
        );
        set(
            &mut t,
            "biology.overrides.tumour.alpha_beta_gy",
            T::Float(5.0),
        )
        .unwrap();
        assert_eq!(
            get(&t, "biology.overrides.tumour.alpha_per_gy").and_then(T::as_float),
            Some(0.3)
        );
        assert!(set(&mut t, "kinetics.spleen.uptake_fraction", T::Float(0.1)).is_err());
        let l = point_label(&axes, &c[0]);
        assert!(!l.contains('/') && !l.contains(' '), "{l}");
    }

    #[test]
    fn unknown_or_ambiguous_keys_are_refused() {
        let mut t: toml::Table = STUDY.parse().unwrap();
        t.insert("sweep".into(), toml::toml! { no_such = [1, 2] }.into());
        let e = split_sweep(t.clone(), Path::new("s.toml")).unwrap_err();
        assert!(e.to_string().contains("sweep.no_such"), "{e}");
        // uptake_fraction exists in two kinetics entries
        t.insert(
            "sweep".into(),
            toml::toml! { uptake_fraction = [0.1] }.into(),
        );
        let e = split_sweep(t.clone(), Path::new("s.toml")).unwrap_err();
        assert!(e.to_string().contains("ambiguous"), "{e}");
        t.insert("sweep".into(), toml::toml! { cycles = 3 }.into());
        assert!(split_sweep(t, Path::new("s.toml")).is_err());
    }
}
