//! Merging the job parts of a split run (`tally.bin` + `run.json` folders) into one result.

use super::outputs::write_all;
use super::result::{run_result, RunResult};
use crate::context::Context;
use crate::run::problem::{make_transport, Problem};
use crate::run::spec::RunFile;
use crate::study::common::write_atomic;
use crate::tally::file::{self as tfile, TallyHeader};
use crate::tally::Tally;
use anyhow::{bail, Context as _, Result};
use serde_json::json;
use std::path::{Path, PathBuf};

/// A part folder: its run file, the number of jobs of the run, the tally and the header.
fn read_part(p: &Path) -> Result<(RunFile, u64, Tally, TallyHeader)> {
    let rj: serde_json::Value =
        serde_json::from_slice(&std::fs::read(p.join("run.json")).with_context(|| {
            format!("{}: not a theradose run folder (no run.json)", p.display())
        })?)
        .with_context(|| format!("{}/run.json: invalid JSON", p.display()))?;
    let file: RunFile = serde_json::from_value(rj["run_file"].clone())
        .with_context(|| format!("{}/run.json: no run_file", p.display()))?;
    let jobs = rj["jobs"].as_u64().unwrap_or(1);
    let (h, t) = tfile::read(&p.join("tally.bin"))?;
    if t.histories != h.planned {
        bail!(
            "{}: incomplete part ({} of {} histories); finish it by resuming its run first",
            p.display(),
            t.histories,
            h.planned
        );
    }
    Ok((file, jobs, t, h))
}

/// Merges job parts into `out` (`tally.bin`, `run.json` naming the parts, and the result folder
/// of a run). Returns the result (its summary has no timing).
///
/// # Errors
/// No parts, a folder that is not a complete part of the same run, a part given twice, I/O.
pub fn merge(ctx: &Context, parts: &[PathBuf], out: &Path) -> Result<RunResult> {
    if parts.is_empty() {
        bail!("merge: give at least one part folder");
    }
    let mut total: Option<(RunFile, u64, Tally, Vec<u64>)> = None;
    for p in parts {
        let (file, jobs, t, h) = read_part(p)?;
        match &mut total {
            None => total = Some((file, jobs, t, vec![h.first_history])),
            Some((f0, j0, acc, firsts)) => {
                if f0.fingerprint() != file.fingerprint()
                    || f0.run.histories != file.run.histories
                    || *j0 != jobs
                {
                    bail!(
                        "{}: belongs to a different run than {}",
                        p.display(),
                        parts[0].display()
                    );
                }
                if firsts.contains(&h.first_history) {
                    bail!("{}: the same job part was given twice", p.display());
                }
                if acc.n_bins() != t.n_bins() {
                    bail!("{}: tally size differs", p.display());
                }
                acc.merge(&t);
                firsts.push(h.first_history);
            }
        }
    }
    let (file, jobs, tally, firsts) = total.expect("at least one part");
    if (firsts.len() as u64) != jobs {
        eprintln!(
            "warning: merged {} of {} job parts; the result covers {} histories",
            firsts.len(),
            jobs,
            tally.histories
        );
    }
    let fp = file.fingerprint();
    let problem = Problem::build(ctx, file)?;
    let transport = make_transport(&problem);
    std::fs::create_dir_all(out)?;
    let header = TallyHeader {
        fingerprint: fp,
        first_history: 0,
        planned: tally.histories,
    };
    tfile::write(&out.join("tally.bin"), &header, &tally)?;
    let run_json = json!({"version": crate::VERSION, "run_file": problem.file, "jobs": 1, "job_index": 0, "merged_from": parts});
    write_atomic(
        &out.join("run.json"),
        serde_json::to_string_pretty(&run_json)?.as_bytes(),
    )?;
    let result = run_result(&problem, &transport, &tally, &header, None, false);
    write_all(&problem, &result, out)?;
    Ok(result)
}
