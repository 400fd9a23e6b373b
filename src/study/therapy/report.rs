//! Outputs of a therapy study: `metrics.json`, `regions.csv`, `lesions.csv`, NIfTI volumes,
//! figures and `report.md`.

use super::radiobiology::{Bio, RegionBio, Role};
use super::scan::{Response, Scan};
use super::spec::TherapyStudy;
use crate::io::{self, Grid, Volume};
use crate::plot;
use crate::study::dosimetry_study::DosimetryResult;
use crate::study::output::{coronal_figure, write_atomic};
use anyhow::Result;
use serde_json::{json, Map, Value};
use std::fmt::Write as _;
use std::path::Path;

/// Everything one run of the chain produced.
pub struct RunContext<'a> {
    pub study: &'a TherapyStudy,
    pub dosimetry: &'a DosimetryResult,
    /// factor applied to the dosimetry's per-cycle doses (sweeps over the activity)
    pub dose_scale: f64,
    pub dosimetry_dir: &'a Path,
    pub bio: &'a Bio,
    pub baseline: &'a Scan,
    pub followup: &'a Scan,
    pub response: &'a Response,
}

fn region_json(r: &RegionBio) -> Map<String, Value> {
    let mut m = Map::new();
    for (k, v) in [
        ("mean_dose_gy", r.mean_dose_gy),
        ("bed_gy", r.bed_gy),
        ("eqd2_gy", r.eqd2_gy),
        ("geud_gy", r.geud_gy),
        ("geud_a", r.geud_a),
        ("mean_dose_per_cycle_gy", r.mean_dose_per_cycle_gy),
        ("alpha_dose_gy", r.alpha_dose_gy),
        ("rel_uncertainty", r.rel_uncertainty),
        ("g_factor", r.g_factor),
        ("effective_half_life_h", r.effective_half_life_h),
        ("uptake_half_time_h", r.uptake_half_time_h),
        ("mass_g", r.mass_g),
    ] {
        m.insert(k.into(), json!(v));
    }
    m.insert("tissue".into(), json!(r.tissue));
    m.insert("role".into(), json!(r.role));
    if let Some(t) = r.tcp {
        m.insert("tcp".into(), json!(t));
    }
    if let Some(t) = r.ntcp {
        m.insert("ntcp".into(), json!(t));
    }
    if let Some(v) = r.viable_fraction {
        m.insert("viable_fraction_at_followup".into(), json!(v));
    }
    m
}

/// The metrics of one run (the contract keys per lesion and organ at risk, and more).
pub fn metrics_json(c: &RunContext) -> Value {
    let s = c.study;
    let mut lesions = Map::new();
    let mut oars = Map::new();
    let mut regions = Map::new();
    for r in &c.bio.regions {
        let mut m = region_json(r);
        regions.insert(r.name.clone(), Value::Object(m.clone()));
        match r.role {
            Role::Lesion => {
                if let Some(l) = c.response.lesions.iter().find(|l| l.name == r.name) {
                    let mut put = |k: &str, v: Value| {
                        m.insert(k.into(), v);
                    };
                    put("suv_peak_baseline", json!(l.baseline.suv_peak));
                    put("suv_peak_followup", json!(l.followup.suv_peak));
                    put("percist", json!(l.percist));
                    put("eortc", json!(l.eortc));
                    put("percist_noise_free", json!(l.percist_noise_free));
                    put(
                        "suv_peak_baseline_noise_free",
                        json!(l.baseline_noise_free.suv_peak),
                    );
                    put(
                        "suv_peak_followup_noise_free",
                        json!(l.followup_noise_free.suv_peak),
                    );
                    put("suv_peak_change_pct", json!(l.suv_peak_change_pct));
                    put(
                        "suv_peak_change_pct_noise_free",
                        json!(l.suv_peak_change_pct_noise_free),
                    );
                    put("baseline", json!(l.baseline));
                    put("followup", json!(l.followup));
                    put("baseline_noise_free", json!(l.baseline_noise_free));
                    put("followup_noise_free", json!(l.followup_noise_free));
                }
                lesions.insert(r.name.clone(), Value::Object(m));
            }
            Role::OrganAtRisk => {
                oars.insert(r.name.clone(), Value::Object(m));
            }
            Role::Other => {}
        }
    }
    let scan = |x: &Scan| {
        json!({"nuclide": x.nuclide, "tracer": x.tracer, "injected_mbq": x.injected_mbq,
            "uptake_s": x.uptake_s, "noisy": x.noisy_suv.is_some(),
            "planes": [x.k0, x.k0 + x.phantom.grid.dims[2]],
            "expected_trues": x.expected_trues, "suv_per_bq_ml": x.suv_per_bq_ml})
    };
    let d = &s.dosimetry;
    json!({
        "study": s.name,
        "description": s.description,
        "file": s.file,
        "version": crate::VERSION,
        "seed": {"dose": d.dose.seed, "imaging": d.imaging.seed, "pet": s.baseline_pet.seed},
        "histories": d.dose.histories,
        "therapy": {"nuclide": d.therapy.nuclide, "activity_per_cycle_mbq":
            d.therapy.activity_per_cycle_mbq, "cycles": d.therapy.cycles},
        "dose_scale_from_dosimetry": c.dose_scale,
        "followup_time_h": c.bio.followup_h,
        "followup_time_weeks": c.bio.followup_h / 168.0,
        "cycle_starts_h": c.bio.cycle_starts_h,
        "lesions": lesions,
        "organs_at_risk": oars,
        "regions": regions,
        "patient": {"percist": c.response.patient_percist,
            "cmr_background_suv": c.response.background_suv},
        "pet": {"baseline": scan(c.baseline), "followup": scan(c.followup)},
        "inputs": serde_json::to_value(&s.inputs).unwrap_or(Value::Null),
    })
}

/// Writes `metrics.json`.
pub fn write_metrics(out: &Path, m: &Value) -> Result<()> {
    write_atomic(
        &out.join("metrics.json"),
        serde_json::to_string_pretty(m)?.as_bytes(),
    )
}

fn opt(v: Option<f64>) -> String {
    v.map_or(String::new(), |x| format!("{x:.6}"))
}

/// Writes `regions.csv` and `lesions.csv`.
pub fn write_tables(out: &Path, c: &RunContext) -> Result<()> {
    let mut t = String::from(
        "region,tissue,role,mass_g,mean_dose_per_cycle_gy,mean_dose_gy,alpha_dose_gy,\
         rel_uncertainty,effective_half_life_h,uptake_half_time_h,g_factor,bed_gy,eqd2_gy,\
         geud_gy,tcp,ntcp\n",
    );
    for r in &c.bio.regions {
        let _ = writeln!(
            t,
            "{},{},{},{:.3},{:.6},{:.6},{:.6},{:.5},{:.3},{:.3},{:.6},{:.6},{:.6},{:.6},{},{}",
            r.name,
            r.tissue.as_deref().unwrap_or(""),
            r.role.code(),
            r.mass_g,
            r.mean_dose_per_cycle_gy,
            r.mean_dose_gy,
            r.alpha_dose_gy,
            r.rel_uncertainty,
            r.effective_half_life_h,
            r.uptake_half_time_h,
            r.g_factor,
            r.bed_gy,
            r.eqd2_gy,
            r.geud_gy,
            opt(r.tcp),
            opt(r.ntcp)
        );
    }
    write_atomic(&out.join("regions.csv"), t.as_bytes())?;
    let mut l = String::from(
        "lesion,suv_max_baseline,suv_peak_baseline,suv_mean_baseline,mtv41_ml_baseline,\
         tlg41_baseline,suv_max_followup,suv_peak_followup,suv_mean_followup,mtv41_ml_followup,\
         tlg41_followup,suv_peak_baseline_noise_free,suv_peak_followup_noise_free,\
         suv_peak_change_pct,percist,eortc\n",
    );
    for r in &c.response.lesions {
        let (b, f) = (&r.baseline, &r.followup);
        let _ = writeln!(
            l,
            "{},{:.4},{:.4},{:.4},{:.3},{:.3},{:.4},{:.4},{:.4},{:.3},{:.3},{:.4},{:.4},{:.2},{},{}",
            r.name,
            b.suv_max,
            b.suv_peak,
            b.suv_mean,
            b.mtv41_ml,
            b.tlg41,
            f.suv_max,
            f.suv_peak,
            f.suv_mean,
            f.mtv41_ml,
            f.tlg41,
            r.baseline_noise_free.suv_peak,
            r.followup_noise_free.suv_peak,
            r.suv_peak_change_pct,
            r.percist,
            r.eortc
        );
    }
    write_atomic(&out.join("lesions.csv"), l.as_bytes())
}

fn write_f32(path: &Path, grid: &Grid, data: &[f64], what: &str) -> Result<()> {
    let vol = Volume {
        grid: grid.clone(),
        data: data.iter().map(|&x| x as f32).collect::<Vec<f32>>(),
    };
    io::write_volume(path, &vol, what)?;
    Ok(())
}

/// Writes the NIfTI volumes (dose, BED, surviving fraction, relative uptake on the phantom
/// grid; the PET SUV images on the scanned planes).
pub fn write_volumes(out: &Path, c: &RunContext) -> Result<()> {
    let g = &c.dosimetry.phantom.grid;
    let b = &c.bio;
    write_f32(&out.join("dose.nii.gz"), g, &b.total_dose_gy, "dose Gy")?;
    write_f32(&out.join("bed.nii.gz"), g, &b.bed_gy, "BED Gy")?;
    write_f32(
        &out.join("surviving_fraction.nii.gz"),
        g,
        &b.surviving_fraction,
        "surviving fraction",
    )?;
    write_f32(
        &out.join("relative_uptake.nii.gz"),
        g,
        &b.relative_uptake,
        "follow-up/baseline",
    )?;
    for (name, s) in [("baseline", c.baseline), ("followup", c.followup)] {
        let pg = &s.phantom.grid;
        write_f32(
            &out.join(format!("pet_{name}_suv_noise_free.nii.gz")),
            pg,
            &s.noise_free_suv,
            "SUV bw",
        )?;
        if let Some(n) = &s.noisy_suv {
            write_f32(&out.join(format!("pet_{name}_suv.nii.gz")), pg, n, "SUV bw")?;
        }
    }
    Ok(())
}

/// The coronal plane through the largest lesion's centroid (else the middle).
fn lesion_plane(c: &RunContext) -> usize {
    let ph = &c.dosimetry.phantom;
    let [nx, ny, _] = ph.grid.dims;
    let big = c
        .bio
        .regions
        .iter()
        .filter(|r| r.role == Role::Lesion)
        .max_by_key(|r| r.voxels);
    match big {
        Some(r) => {
            let js: Vec<usize> = (0..ph.len())
                .filter(|&v| ph.label[v] == r.label)
                .map(|v| (v / nx) % ny)
                .collect();
            js.iter().sum::<usize>() / js.len().max(1)
        }
        None => ny / 2,
    }
}

/// Writes the figures: dose and BED maps, baseline and follow-up PET, waterfall.
pub fn write_figures(out: &Path, c: &RunContext) -> Result<()> {
    let ph = &c.dosimetry.phantom;
    let j = lesion_plane(c);
    let n = c.study.dosimetry.therapy.cycles;
    let max = |x: &[f64]| {
        x.iter()
            .cloned()
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max)
    };
    let y_mm = ph.grid.world_mm([0.0, j as f64, 0.0])[1];
    for (file, data, what, label) in [
        (
            "dose_map.png",
            &c.bio.total_dose_gy,
            "absorbed dose",
            format!("absorbed dose, {n} cycles (Gy)"),
        ),
        (
            "bed_map.png",
            &c.bio.bed_gy,
            "BED",
            format!("BED, {n} cycles (Gy)"),
        ),
    ] {
        let m = max(data).max(1e-12);
        coronal_figure(
            ph,
            j,
            |v| data[v],
            &out.join(file),
            &format!("{}: {what}, coronal y = {y_mm:.0} mm", c.study.name),
            &label,
            plot::Colormap::Inferno,
            true,
            Some((m * 1e-3, m)),
        )?;
    }
    let top = max(&c.baseline.noise_free_suv)
        .max(max(c.baseline.suv()))
        .max(1e-12);
    for (file, s, when) in [
        ("pet_baseline.png", c.baseline, "baseline"),
        ("pet_followup.png", c.followup, "follow-up"),
    ] {
        let img = s.suv();
        let pg = &s.phantom.grid;
        let z = |k: usize| pg.world_mm([0.0, 0.0, k as f64])[2];
        coronal_figure(
            &s.phantom,
            j,
            |v| img[v],
            &out.join(file),
            &format!(
                "{} {} PET ({when}), y = {y_mm:.0} mm, z {:.0} to {:.0} mm",
                s.nuclide,
                s.tracer.to_uppercase(),
                z(0),
                z(pg.dims[2] - 1)
            ),
            "SUV (body weight)",
            plot::Colormap::Inferno,
            false,
            Some((0.0, top)),
        )?;
    }
    waterfall(out, c)
}

/// Waterfall of the predicted SUVpeak change per lesion (bars), with the PERCIST -30% line.
fn waterfall(out: &Path, c: &RunContext) -> Result<()> {
    let mut ls: Vec<_> = c.response.lesions.iter().collect();
    ls.sort_by(|a, b| b.suv_peak_change_pct.total_cmp(&a.suv_peak_change_pct));
    let bars: Vec<Vec<(f64, f64)>> = ls
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let (x0, x1, y) = (i as f64 + 0.65, i as f64 + 1.35, l.suv_peak_change_pct);
            vec![(x0, 0.0), (x0, y), (x1, y), (x1, 0.0), (x0, 0.0)]
        })
        .collect();
    let names: Vec<String> = ls
        .iter()
        .map(|l| format!("{} ({})", l.name, l.percist))
        .collect();
    let line = [(0.5, -30.0), (ls.len() as f64 + 0.5, -30.0)];
    let mut series: Vec<plot::Series> = bars
        .iter()
        .zip(&names)
        .map(|(p, n)| plot::Series {
            name: n,
            points: p,
            y_err: None,
        })
        .collect();
    series.push(plot::Series {
        name: "PERCIST PMR threshold (-30%)",
        points: &line,
        y_err: None,
    });
    plot::line_png(
        &out.join("waterfall.png"),
        &format!(
            "{}: predicted SUVpeak change at {:.0} weeks",
            c.study.name,
            c.bio.followup_h / 168.0
        ),
        "lesion (sorted by change)",
        "SUVpeak change, follow-up vs baseline (%)",
        &series,
        false,
    )
}

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

/// Writes `report.md` from the metrics and the figures in `out` (and `out/dosimetry`).
pub fn write_report(out: &Path, study: &TherapyStudy, m: &Value) -> Result<()> {
    let mut md = String::new();
    let t = &study.dosimetry.therapy;
    let _ = writeln!(md, "# {}\n\n{}\n", study.name, study.description);
    let _ =
        writeln!(
        md,
        "{} cycles of {:.0} MBq {} (`{}`), follow-up {} scan {:.1} weeks after the first cycle. \
         theradose {}, dose seed {}, {} decays.\n",
        t.cycles,
        t.activity_per_cycle_mbq,
        t.nuclide,
        study.file,
        study.followup.tracer.as_deref().unwrap_or(&study.baseline_pet.tracer),
        num(m, "followup_time_weeks").parse::<f64>().unwrap_or(0.0),
        crate::VERSION,
        study.dosimetry.dose.seed,
        study.dosimetry.dose.histories
    );
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
    let _ = writeln!(
        md,
        "## Assumptions\n\n- Dose-rate shape per voxel: the fitted uptake half-time and effective \
         half-life of its region (physical decay elsewhere); cycles far apart, BEDs add.\n\
         - Alpha dose RBE-weighted without repair; BED = dose where no tissue is assigned.\n\
         - Baseline PET: the diagnostic tracer follows the therapeutic kinetics (theranostic \
         pair); follow-up map = baseline map x relative uptake of the response model.\n\
         - PERCIST on body-weight SUVpeak (not SUL); response parameters from \
         `data/biology/tissues.toml` (assumptions marked there)."
    );
    write_atomic(&out.join("report.md"), md.as_bytes())
}

/// Prints the key numbers of a run.
pub fn print_summary(m: &Value) {
    println!("study {}:", m["study"].as_str().unwrap_or(""));
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
                println!("  {name}: {}", cells.join(", "));
            }
        }
    }
}
