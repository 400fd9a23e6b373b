//! A sweep split over processes (a Slurm array, issue 20): `theradose study FILE
//! --sweep-point I` runs point `I` alone into `OUT/sweep/<label>/` (its `metrics.json` and
//! tables, as the single-process sweep writes them); `--collect` then runs the nominal study and
//! gathers the points' `metrics.json` into `OUT/sweep.csv` and `OUT/metrics.json`.
//!
//! Points are numbered as [`super::sweep::combinations`] orders them (the first axis varies
//! slowest). A point run alone computes its own dosimetry: where the single process scales one
//! cached dosimetry by the activity, the split one simulates each activity, so the numbers agree
//! to floating-point rounding, not bit for bit (run-file splits, `run --jobs`, are bit-identical).

use super::run::{run_one, Cache};
use super::spec::TherapyStudy;
use super::sweep::{self, combinations, point_label, point_table, Point};
use super::{check, progress::Steps};
use crate::context::Context;
use crate::study::common::{read_table, thread_pool, StudyOptions};
use anyhow::{bail, Context as _, Result};
use std::path::{Path, PathBuf};

/// The number of sweep points of a study file (0 without `[sweep]`).
///
/// # Errors
/// An unreadable study file or an invalid `[sweep]`.
pub fn sweep_points(path: &Path) -> Result<usize> {
    let (_, axes) = sweep::split_sweep(read_table(path)?, path)?;
    Ok(if axes.is_empty() {
        0
    } else {
        combinations(&axes).len()
    })
}

/// Runs sweep point `index` of a study file into `out/sweep/<label>/` (default `out`:
/// `results/<name>`). Returns the point's folder.
///
/// # Errors
/// A study without a sweep, an index beyond its points (a [`crate::error::SpecError`] of
/// `sweep_point`), invalid points, a failing run.
pub fn run_sweep_point(
    ctx: &Context,
    path: &Path,
    out: Option<&Path>,
    opts: &StudyOptions,
    index: usize,
) -> Result<PathBuf> {
    let table = read_table(path)?;
    let (table, axes) = sweep::split_sweep(table, path)?;
    let combos = combinations(&axes);
    if axes.is_empty() || index >= combos.len() {
        crate::spec_bail!(
            "sweep_point",
            "{index}: {} has {} sweep points (0 to {})",
            path.display(),
            combos.len() * usize::from(!axes.is_empty()),
            (combos.len() * usize::from(!axes.is_empty())).saturating_sub(1)
        );
    }
    let nominal = TherapyStudy::from_table(point_table(&table, path, &[], &[])?, path, None)?;
    check::check_study(&nominal)?;
    let values = &combos[index];
    let l = point_label(&axes, values);
    let t = point_table(&table, path, &axes, values).with_context(|| format!("sweep point {l}"))?;
    let study = TherapyStudy::from_table(t, path, opts.histories)
        .with_context(|| format!("sweep point {l}"))?;
    check::check_study(&study).with_context(|| format!("sweep point {l}"))?;
    let out = crate::study::common::out_dir(out, &nominal.name);
    let dir = out.join("sweep").join(&l);
    let pool = thread_pool(opts.threads)?;
    let steps = Steps::new(1, "sweep point");
    steps.start(0, &l);
    let r = pool.install(|| {
        run_one(
            ctx,
            &study,
            &dir,
            &mut Cache::default(),
            opts,
            false,
            &steps,
        )
    });
    steps.finish();
    r.with_context(|| format!("sweep point {l}"))?;
    Ok(dir)
}

/// The finished points of a split sweep, read from `out/sweep/<label>/metrics.json`.
///
/// # Errors
/// A point not run yet (named with its index), an unreadable metrics file.
pub fn collect_points(path: &Path, axes: &[sweep::Axis], out: &Path) -> Result<Vec<Point>> {
    let mut points = Vec::new();
    for (i, values) in combinations(axes).into_iter().enumerate() {
        let l = point_label(axes, &values);
        let m = out.join("sweep").join(&l).join("metrics.json");
        let Ok(text) = std::fs::read_to_string(&m) else {
            bail!(
                "{}: sweep point {i} ({l}) has not run: run `theradose study {} --sweep-point {i}` first",
                m.display(),
                path.display()
            );
        };
        let metrics = serde_json::from_str(&text)
            .with_context(|| format!("{}: invalid JSON", m.display()))?;
        points.push(Point { values, metrics });
    }
    Ok(points)
}
