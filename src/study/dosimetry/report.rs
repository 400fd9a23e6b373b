//! `report.md` of a dosimetry study: what was simulated, the dose per region by every method,
//! and, for regions given as labelled cells, the organ dose beside the dose to the cells' nuclei
//! ([`super::cells::report_section`]).

use super::cells::report_section;
use super::regions::ORGAN_S;
use super::run::DosimetryResult;
use super::spec::DosimetrySpec;
use std::fmt::Write as _;

/// The report's text.
pub fn report(spec: &DosimetrySpec, r: &DosimetryResult) -> String {
    let t = &spec.therapy;
    let mut s = String::from("# Dosimetry study\n\n");
    let _ =
        writeln!(
        s,
        "{} ({}), {} MBq per cycle, {} cycle(s), in the `{}` phantom at {} mm; serial images at \
         {:?} h (FWHM {} mm, noise {}), TIA model `{}`; dose by {}{}. theradose {}.\n",
        t.nuclide,
        if t.chain { "with its chain" } else { "no chain" },
        t.activity_per_cycle_mbq,
        t.cycles,
        spec.phantom.builtin,
        spec.phantom.voxel_mm,
        spec.imaging.times_h,
        spec.imaging.fwhm_mm,
        spec.imaging.noise_rel,
        spec.dose.tia_model,
        spec.dose.methods.join(", "),
        if spec.dose.methods.iter().any(|m| m == "mc") {
            format!(
                " ({:.3e} Monte Carlo decays, seed {})",
                spec.dose.histories as f64, spec.dose.seed
            )
        } else {
            String::new()
        },
        crate::VERSION
    );
    let mut methods: Vec<&str> = spec.dose.methods.iter().map(String::as_str).collect();
    if r.svalues.is_some() {
        methods.push(ORGAN_S);
    }
    s.push_str("## Mean absorbed dose per cycle\n\n| region | mass (g) | TIA fitted (MBq h) | TIA model (MBq h) |");
    for m in &methods {
        let _ = write!(s, " {m} (Gy) |");
    }
    s.push_str(" rel. uncertainty | all cycles (Gy) |\n|");
    for _ in 0..methods.len() + 6 {
        s.push_str(" --- |");
    }
    s.push('\n');
    for g in &r.regions {
        let _ = write!(
            s,
            "| {} | {:.1} | {:.4e} | {:.4e} |",
            g.name, g.mass_g, g.tia_mbq_h, g.tia_true_mbq_h
        );
        for m in &methods {
            let _ = write!(
                s,
                " {:.4e} |",
                g.mean_gy.get(*m).copied().unwrap_or(f64::NAN)
            );
        }
        let _ = writeln!(s, " {:.2e} | {:.4e} |", g.rel_uncertainty, g.mean_gy_total);
    }
    s.push('\n');
    s.push_str(&report_section(&r.labelled_cells));
    s.push_str(
        "Files: `doses.csv` (per region), `comparison.csv` and `comparison.json` (methods against \
         the first), `labelled_cells.csv` (with labelled cells), `svalues.csv`, `summary.json`, \
         `tia.nii.gz`, `dose_<method>/`, `images/`, `tac/`.\n",
    );
    s
}
