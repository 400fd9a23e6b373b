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
//! that differ in activity or cycles only scale one ([`super::Cache`]). `sweep.csv` has a
//! column per swept key and the regions of every point; figures are line plots against the
//! first numeric axis, or bar charts when every axis is categorical.

use super::progress::Steps;
use super::{run_one, Cache, StudyOptions, TherapyStudy};
use crate::plot;
use crate::study::output::write_atomic;
use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Map, Value};
use std::fmt::Write as _;
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
    fn leaf(&self) -> &str {
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

fn step<'a>(v: &'a T, seg: &str) -> Option<&'a T> {
    match v {
        T::Table(t) => t.get(seg),
        T::Array(a) => match seg.parse::<usize>() {
            Ok(i) => a.get(i),
            Err(_) => a.iter().find(|e| named(e, seg)),
        },
        _ => None,
    }
}

fn named(e: &T, seg: &str) -> bool {
    ["region", "name"]
        .iter()
        .any(|k| e.get(k).and_then(T::as_str) == Some(seg))
}

fn get<'a>(t: &'a toml::Table, path: &str) -> Option<&'a T> {
    let mut segs = path.split('.');
    let mut v = t.get(segs.next()?)?;
    for s in segs {
        v = step(v, s)?;
    }
    Some(v)
}

/// Every dotted path of the file down to three levels.
fn paths(prefix: &str, v: &T, depth: usize, out: &mut Vec<String>) {
    if depth == 0 {
        return;
    }
    let mut go = |k: String, x: &T| {
        let p = if prefix.is_empty() {
            k
        } else {
            format!("{prefix}.{k}")
        };
        out.push(p.clone());
        paths(&p, x, depth - 1, out);
    };
    match v {
        T::Table(t) => t.iter().for_each(|(k, x)| go(k.clone(), x)),
        T::Array(a) => a.iter().enumerate().for_each(|(i, x)| go(i.to_string(), x)),
        _ => {}
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

/// Sets the field at `path` (intermediate tables are created).
///
/// # Errors
/// A path through a value that is neither a table nor an array, or an array element not found.
pub fn set(table: &mut toml::Table, path: &str, value: T) -> Result<()> {
    let segs: Vec<&str> = path.split('.').collect();
    let (last, init) = segs
        .split_last()
        .ok_or_else(|| anyhow!("empty sweep key"))?;
    let mut cur: &mut T = table
        .entry(init.first().copied().unwrap_or(last).to_string())
        .or_insert_with(|| T::Table(toml::Table::new()));
    if init.is_empty() {
        *cur = value;
        return Ok(());
    }
    for s in &init[1..] {
        cur = match cur {
            T::Table(t) => t
                .entry(s.to_string())
                .or_insert_with(|| T::Table(toml::Table::new())),
            T::Array(a) => {
                let i = match s.parse::<usize>() {
                    Ok(i) => i,
                    Err(_) => a
                        .iter()
                        .position(|e| named(e, s))
                        .ok_or_else(|| anyhow!("sweep key {path}: no element '{s}'"))?,
                };
                a.get_mut(i)
                    .ok_or_else(|| anyhow!("sweep key {path}: index {i} out of range"))?
            }
            _ => bail!("sweep key {path}: '{s}' is not a table or list"),
        };
    }
    match cur {
        T::Table(t) => {
            t.insert(last.to_string(), value);
            Ok(())
        }
        _ => bail!("sweep key {path}: its parent is not a table"),
    }
}

fn show(v: &T) -> String {
    match v {
        T::String(s) => s.clone(),
        x => x.to_string(),
    }
}

/// Folder name of a sweep point.
fn label(axes: &[Axis], values: &[T]) -> String {
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
pub fn run_sweep(
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
        let l = label(axes, &values);
        steps.start(i as u64, &l);
        let t =
            point_table(table, file, axes, &values).with_context(|| format!("sweep point {l}"))?;
        let study = TherapyStudy::from_table(t, file, opts.histories)
            .with_context(|| format!("sweep point {l}"))?;
        let dir = out.join("sweep").join(&l);
        let metrics = pool
            .install(|| run_one(&study, &dir, cache, opts, false, &steps))
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

const LESION_KEYS: [&str; 4] = ["mean_dose_gy", "bed_gy", "tcp", "suv_peak_change_pct"];
const OAR_KEYS: [&str; 3] = ["mean_dose_gy", "bed_gy", "ntcp"];

fn rows(m: &Value, sec: &str) -> Vec<(String, Value)> {
    m[sec]
        .as_object()
        .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// Writes `sweep.csv` and the figures against the first numeric axis; returns the summary
/// JSON for `metrics.json`.
///
/// # Errors
/// I/O or figure errors.
pub fn write_summary(out: &Path, axes: &[Axis], points: &[Point]) -> Result<Value> {
    if points.is_empty() {
        return Ok(Value::Null);
    }
    // regions of every point (a variant sweep may change the phantom and its lesions)
    let union = |sec: &str| {
        let mut names: Vec<String> = Vec::new();
        for p in points {
            for (n, _) in rows(&p.metrics, sec) {
                if !names.contains(&n) {
                    names.push(n);
                }
            }
        }
        names
    };
    let lesions = union("lesions");
    let oars = union("organs_at_risk");
    let mut csv: Vec<String> = axes.iter().map(|a| a.path.clone()).collect();
    for l in &lesions {
        csv.extend(LESION_KEYS.iter().map(|k| format!("{l}_{k}")));
        csv.push(format!("{l}_percist"));
    }
    for o in &oars {
        csv.extend(OAR_KEYS.iter().map(|k| format!("{o}_{k}")));
    }
    let mut text = csv.join(",") + "\n";
    let mut json_points = Vec::new();
    for p in points {
        let mut cells: Vec<String> = p.values.iter().map(show).collect();
        let mut jl = Map::new();
        let mut jo = Map::new();
        for l in &lesions {
            let v = &p.metrics["lesions"][l];
            cells.extend(LESION_KEYS.iter().map(|k| fmt(&v[*k])));
            cells.push(v["percist"].as_str().unwrap_or("").to_string());
            jl.insert(
                l.clone(),
                pick(v, &[&LESION_KEYS[..], &["percist"]].concat()),
            );
        }
        for o in &oars {
            let v = &p.metrics["organs_at_risk"][o];
            cells.extend(OAR_KEYS.iter().map(|k| fmt(&v[*k])));
            jo.insert(o.clone(), pick(v, &OAR_KEYS));
        }
        let _ = writeln!(text, "{}", cells.join(","));
        let values: Map<String, Value> = axes
            .iter()
            .zip(&p.values)
            .map(|(a, v)| {
                (
                    a.path.clone(),
                    serde_json::to_value(v).unwrap_or(Value::Null),
                )
            })
            .collect();
        json_points.push(json!({"values": values, "lesions": jl, "organs_at_risk": jo}));
    }
    write_atomic(&out.join("sweep.csv"), text.as_bytes())?;
    figures(out, axes, points, &lesions, &oars)?;
    Ok(
        json!({"axes": axes.iter().map(|a| a.path.clone()).collect::<Vec<_>>(),
        "points": json_points}),
    )
}

fn fmt(v: &Value) -> String {
    v.as_f64().map_or(String::new(), |x| format!("{x:.6}"))
}

fn pick(v: &Value, keys: &[&str]) -> Value {
    Value::Object(
        keys.iter()
            .map(|k| (k.to_string(), v[*k].clone()))
            .collect(),
    )
}

/// TCP / NTCP and SUVpeak change against the first numeric axis, one series per region and
/// per combination of the other axes; a sweep of categorical axes only (nuclide, variant) gets
/// bar charts instead ([`bar_figures`]).
fn figures(
    out: &Path,
    axes: &[Axis],
    points: &[Point],
    lesions: &[String],
    oars: &[String],
) -> Result<()> {
    let Some(ax) = axes.iter().position(|a| {
        a.values
            .iter()
            .all(|v| v.as_float().or(v.as_integer().map(|i| i as f64)).is_some())
    }) else {
        return bar_figures(out, axes, points, lesions, oars);
    };
    let xval = |p: &Point| {
        p.values[ax]
            .as_float()
            .or(p.values[ax].as_integer().map(|i| i as f64))
            .unwrap_or(f64::NAN)
    };
    let group = |p: &Point| {
        let others: Vec<String> = axes
            .iter()
            .zip(&p.values)
            .enumerate()
            .filter(|(i, _)| *i != ax)
            .map(|(_, (a, v))| format!("{}={}", a.leaf(), show(v)))
            .collect();
        others.join(", ")
    };
    let mut groups: Vec<String> = points.iter().map(group).collect();
    groups.dedup();
    groups.sort();
    groups.dedup();
    let leaf = axes[ax].leaf();
    let make = |file: String, title: &str, y: &str, specs: Vec<MetricSpec>| {
        let mut names = Vec::new();
        let mut pts: Vec<Vec<(f64, f64)>> = Vec::new();
        for g in &groups {
            for (region, sec, key) in &specs {
                let mut s: Vec<(f64, f64)> = points
                    .iter()
                    .filter(|p| group(p) == *g)
                    .map(|p| {
                        let v = p.metrics[*sec][region][*key].as_f64().unwrap_or(f64::NAN);
                        (xval(p), v)
                    })
                    .collect();
                s.sort_by(|a, b| a.0.total_cmp(&b.0));
                let suffix = if g.is_empty() {
                    String::new()
                } else {
                    format!(" [{g}]")
                };
                names.push(format!("{key} {region}{suffix}"));
                pts.push(s);
            }
        }
        let series: Vec<plot::Series> = names
            .iter()
            .zip(&pts)
            .map(|(n, p)| plot::Series {
                name: n,
                points: p,
                y_err: None,
            })
            .collect();
        plot::line_png(&out.join(file), title, leaf, y, &series, false)
    };
    let (prob, suv) = figure_metrics(lesions, oars);
    make(
        format!("tcp_ntcp_vs_{leaf}.png"),
        &format!("TCP and NTCP against {leaf}"),
        "probability",
        prob,
    )?;
    make(
        format!("suv_change_vs_{leaf}.png"),
        &format!("predicted SUVpeak change against {leaf}"),
        "SUVpeak change (%)",
        suv,
    )
}

/// One figure metric: (region, metrics.json section, key).
type MetricSpec = (String, &'static str, &'static str);

/// The metrics of the sweep figures: TCP of the lesions with NTCP of the organs at risk, and
/// the lesions' predicted SUVpeak change.
fn figure_metrics(lesions: &[String], oars: &[String]) -> (Vec<MetricSpec>, Vec<MetricSpec>) {
    let prob = lesions
        .iter()
        .map(|l| (l.clone(), "lesions", "tcp"))
        .chain(oars.iter().map(|o| (o.clone(), "organs_at_risk", "ntcp")))
        .collect();
    let suv = lesions
        .iter()
        .map(|l| (l.clone(), "lesions", "suv_peak_change_pct"))
        .collect();
    (prob, suv)
}

/// Bar charts of a categorical sweep: the regions on x, in each one bar per sweep point (legend:
/// the point's values; no bar where the point lacks the region), TCP and NTCP in one figure, the
/// predicted SUVpeak change in another.
fn bar_figures(
    out: &Path,
    axes: &[Axis],
    points: &[Point],
    lesions: &[String],
    oars: &[String],
) -> Result<()> {
    let leaf = axes.iter().map(|a| a.leaf()).collect::<Vec<_>>().join("_");
    let names: Vec<String> = points
        .iter()
        .map(|p| {
            axes.iter()
                .zip(&p.values)
                .map(|(a, v)| format!("{}={}", a.leaf(), show(v)))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect();
    let make = |file: String, title: &str, y: &str, specs: Vec<MetricSpec>| {
        let regions: Vec<String> = specs.iter().map(|(r, _, _)| r.clone()).collect();
        let values: Vec<Vec<f64>> = points
            .iter()
            .map(|p| {
                let v = |(r, sec, key): &MetricSpec| p.metrics[*sec][r][*key].as_f64();
                specs.iter().map(|s| v(s).unwrap_or(f64::NAN)).collect()
            })
            .collect();
        let groups: Vec<plot::BarGroup> = names
            .iter()
            .zip(&values)
            .map(|(name, values)| plot::BarGroup { name, values })
            .collect();
        let fig = plot::BarFigure {
            title,
            x_label: "region",
            y_label: y,
            categories: &regions,
            groups: &groups,
            ref_lines: &[],
        };
        plot::bar_png(&out.join(file), &fig)
    };
    let (prob, suv) = figure_metrics(lesions, oars);
    make(
        format!("tcp_ntcp_by_{leaf}.png"),
        &format!("TCP (lesions) and NTCP (organs at risk) by {leaf}"),
        "probability",
        prob,
    )?;
    make(
        format!("suv_change_by_{leaf}.png"),
        &format!("predicted SUVpeak change by {leaf}"),
        "SUVpeak change (%)",
        suv,
    )
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
        let l = label(&axes, &c[0]);
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
