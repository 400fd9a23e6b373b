//! `report.md` of a therapy study (from its metrics and the figures on disk) and the summary
//! printed at the end of a run.

use super::spec::TherapyStudy;
use crate::study::common::write_atomic;
use anyhow::Result;
use serde_json::{Map, Value};
use std::fmt::Write as _;
use std::path::Path;
fn num(v: &Value, k: &str) -> String {
    match v.get(k).and_then(Value::as_f64) {
        Some(x) if x.abs() >= 100.0 => format!("{x:.1}"),
        Some(x) => format!("{x:.3}"),
        None => v.get(k).and_then(Value::as_str).unwrap_or("").to_string(),
    }
}

fn table(md: &mut String, title: &str, rows: Option<&Map<String, Value>>, keys: &[&str]) {
    let Some(rows) = rows else { return };
    let _ = writeln!(md, "\n### {title}\n\n| region | {} |", keys.join(" | "));
    let _ = writeln!(md, "|---|{}", "---|".repeat(keys.len()));
    for (name, v) in rows {
        let cells: Vec<String> = keys.iter().map(|k| num(v, k)).collect();
        let _ = writeln!(md, "| {name} | {} |", cells.join(" | "));
    }
}

/// The sweep points: swept values, TCP per lesion, NTCP per organ at risk.
fn sweep_table(md: &mut String, sw: &Value) {
    let axes: Vec<&str> = sw["axes"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(points) = sw["points"].as_array().filter(|p| !p.is_empty()) else {
        return;
    };
    let names = |sec: &str| -> Vec<String> {
        points[0][sec]
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    let (les, oar) = (names("lesions"), names("organs_at_risk"));
    let mut head: Vec<String> = axes.iter().map(|a| format!("`{a}`")).collect();
    head.extend(les.iter().map(|l| format!("TCP {l}")));
    head.extend(oar.iter().map(|o| format!("NTCP {o}")));
    let _ = writeln!(
        md,
        "\n### Sweep (`sweep.csv`, `sweep/`)\n\n| {} |\n|{}",
        head.join(" | "),
        "---|".repeat(head.len())
    );
    for p in points {
        let mut cells: Vec<String> = axes.iter().map(|a| p["values"][*a].to_string()).collect();
        cells.extend(les.iter().map(|l| num(&p["lesions"][l], "tcp")));
        cells.extend(oar.iter().map(|o| num(&p["organs_at_risk"][o], "ntcp")));
        let _ = writeln!(md, "| {} |", cells.join(" | "));
    }
}

/// PNG files of a folder, sorted.
fn pngs(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| n.ends_with(".png"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The assumptions section of `report.md`.
const ASSUMPTIONS: &str =
    "## Assumptions\n\n- Dose-rate shape per voxel: the fitted uptake half-time and effective \
         half-life of its region (physical decay elsewhere); cycles far apart, BEDs add.\n\
         - Alpha dose RBE-weighted without repair; BED = dose where no tissue is assigned.\n\
         - Baseline PET: the diagnostic tracer follows the therapeutic kinetics (theranostic \
         pair); follow-up map = baseline map x relative uptake of the response model. With a \
         follow-up tracer other than the baseline's (FDG after PSMA), the baseline of the \
         comparison is a pre-therapy scan of the follow-up tracer (FDG: physiological SUV per \
         region, `data/pet/tracers/fdg_suv.toml`, lesions SUV 6 unless \
         `followup.baseline_suv` says otherwise); the planning scan is `pet_planning.png`.\n\
         - Lesion size: `phantom.lesion_scale` scales the lesion shapes; their uptake fractions \
         scale with the volume (constant concentration) unless `lesion_uptake = \"fraction\"`.\n\
         - PERCIST on body-weight SUVpeak (not SUL); response parameters from \
         `data/biology/tissues.toml` (assumptions marked there).";

/// The title, the therapy, the variant and the lesion scaling.
fn header(md: &mut String, study: &TherapyStudy, m: &Value) {
    let t = &study.dosimetry.therapy;
    let _ = writeln!(md, "# {}\n\n{}\n", study.name, study.description);
    let _ =
        writeln!(
        md,
        "{} cycles of {:.0} MBq {} (`{}`), follow-up {} scan {:.1} weeks after the first cycle. \
         theradose {}, dose seed {}, {} decays, decay data {}.\n",
        t.cycles,
        t.activity_per_cycle_mbq,
        t.nuclide,
        study.file,
        study.followup.tracer.as_deref().unwrap_or(&study.baseline_pet.tracer),
        num(m, "followup_time_weeks").parse::<f64>().unwrap_or(0.0),
        crate::VERSION,
        study.dosimetry.dose.seed,
        study.dosimetry.dose.histories,
        t.decay_data_used().unwrap_or(t.decay_data).label()
    );
    if let Some(v) = &study.variant {
        let _ = writeln!(
            md,
            "Variant: **{v}** (`[variants.{v}]` of the study file).\n"
        );
    }
    if study.lesions.scale != 1.0 {
        let _ = writeln!(
            md,
            "Lesion shapes scaled by {} in size (uptake at {}).\n",
            study.lesions.scale,
            if study.lesions.constant_concentration {
                "constant concentration"
            } else {
                "constant fraction"
            }
        );
    }
}

/// Writes `report.md` from the metrics and the figures in `out` (and `out/dosimetry`).
pub fn write_report(out: &Path, study: &TherapyStudy, m: &Value) -> Result<()> {
    let mut md = String::new();
    header(&mut md, study, m);
    let _ = writeln!(
        md,
        "Patient-level PERCIST (hottest lesion): **{}**.",
        m["patient"]["percist"].as_str().unwrap_or("n/a")
    );
    table(
        &mut md,
        "Lesions",
        m["lesions"].as_object(),
        &[
            "mean_dose_gy",
            "bed_gy",
            "eqd2_gy",
            "geud_gy",
            "tcp",
            "suv_peak_baseline",
            "suv_peak_followup",
            "suv_peak_change_pct",
            "percist",
            "eortc",
        ],
    );
    table(
        &mut md,
        "Organs at risk",
        m["organs_at_risk"].as_object(),
        &["mean_dose_gy", "bed_gy", "eqd2_gy", "geud_gy", "ntcp"],
    );
    table(
        &mut md,
        "All regions",
        m["regions"].as_object(),
        &[
            "mass_g",
            "mean_dose_per_cycle_gy",
            "mean_dose_gy",
            "effective_half_life_h",
            "g_factor",
            "bed_gy",
        ],
    );
    if let Some(sw) = m.get("sweep").filter(|s| !s.is_null()) {
        sweep_table(&mut md, sw);
    }
    let _ = writeln!(
        md,
        "\nTables: `regions.csv`, `lesions.csv`; volumes: `dose.nii.gz`, `bed.nii.gz`, \
         `surviving_fraction.nii.gz`, `relative_uptake.nii.gz`, `pet_*_suv*.nii.gz`; all numbers: \
         `metrics.json`.\n\n## Figures\n"
    );
    for f in pngs(out) {
        let _ = writeln!(md, "![{f}]({f})\n");
    }
    for f in pngs(&out.join("dosimetry")) {
        let _ = writeln!(md, "![{f}](dosimetry/{f})\n");
    }
    md.push_str(&super::uncertainty::outputs::report_section(m));
    md.push_str(ASSUMPTIONS);
    md.push('\n');
    write_atomic(&out.join("report.md"), md.as_bytes())
}

/// The key numbers of a run as the lines the command line prints (one per lesion and organ at
/// risk, under `study NAME:`).
pub fn summary_text(m: &Value) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "study {}:", m["study"].as_str().unwrap_or(""));
    for (sec, keys) in [
        (
            "lesions",
            &[
                "mean_dose_gy",
                "bed_gy",
                "tcp",
                "suv_peak_baseline",
                "suv_peak_followup",
                "percist",
            ][..],
        ),
        ("organs_at_risk", &["mean_dose_gy", "bed_gy", "ntcp"][..]),
    ] {
        if let Some(rows) = m[sec].as_object() {
            for (name, v) in rows {
                let cells: Vec<String> =
                    keys.iter().map(|k| format!("{k} {}", num(v, k))).collect();
                let _ = writeln!(s, "  {name}: {}", cells.join(", "));
            }
        }
    }
    s
}
