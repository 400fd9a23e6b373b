//! The typed result of a run file: dose and uncertainty per voxel, the optional annihilation
//! and LET maps, and [`RunSummary`], whose JSON is `summary.json`.

use super::super::common::PhantomInfo;
use crate::phantom::Phantom;
use crate::run::problem::Problem;
use crate::run::spec::RunFile;
use crate::tally::file::TallyHeader;
use crate::tally::let_tally::LetSums;
use crate::tally::Tally;
use crate::transport::Transport;
use crate::units;
use serde::Serialize;

/// Timing of one invocation.
#[derive(Clone, Debug, Serialize)]
pub struct Timing {
    /// wall time of the transport (s)
    pub seconds: f64,
    /// CPU time of the transport (s, every thread)
    pub cpu_seconds: f64,
    /// histories transported by this invocation (a resumed run counts only its own)
    pub new_histories: u64,
    /// worker threads
    pub threads: usize,
}

/// The figure of merit of a run: 1 / (rel^2 T) of one region's mean dose, T the CPU seconds
/// of all its histories at this invocation's rate ([`crate::run::figure_of_merit`]).
pub use crate::run::FigureOfMerit;

impl FigureOfMerit {
    /// The figure of merit of `region` among `rows` (else of the row with the highest mean
    /// dose); None without a timing or an uncertainty.
    fn of(rows: &[RegionRow], region: Option<&str>, tally: &Tally, t: &Timing) -> Option<Self> {
        let dose = |r: &RegionRow| {
            r.mean_dose_gy
                .or(r.mean_dose_gy_per_particle)
                .unwrap_or(0.0)
        };
        let row = match region {
            Some(name) => rows.iter().find(|r| r.name == name)?,
            None => rows
                .iter()
                .filter(|r| r.rel_uncertainty > 0.0)
                .max_by(|a, b| dose(a).total_cmp(&dose(b)))?,
        };
        let fom = crate::run::figure_of_merit(
            row.rel_uncertainty,
            tally.histories,
            t.new_histories,
            t.cpu_seconds,
        )?;
        Some(FigureOfMerit {
            region: row.name.clone(),
            quantity: None,
            rel_uncertainty: row.rel_uncertainty,
            per_cpu_second: fom,
        })
    }
}

/// One row of `regions.csv` and of the summary's `regions`.
#[derive(Clone, Debug, Serialize)]
pub struct RegionRow {
    /// region name of the phantom
    pub name: String,
    /// region mass (g)
    pub mass_g: f64,
    /// mean dose (Gy), with `source.emitted_particles`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_dose_gy: Option<f64>,
    /// mean dose per source particle (Gy), without `source.emitted_particles`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_dose_gy_per_particle: Option<f64>,
    /// relative uncertainty (1 sigma) of the mean dose
    pub rel_uncertainty: f64,
    /// dose-averaged LET of alpha tracks (keV/um), with `[scoring] let = true`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub let_d_kev_um: Option<f64>,
    /// track-averaged LET of alpha tracks (keV/um), with `[scoring] let = true`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub let_t_kev_um: Option<f64>,
}

/// The energy balance of the run (MeV per source particle).
#[derive(Clone, Debug, Serialize)]
pub struct EnergyBalance {
    /// emitted by the source
    pub emitted_mev: f64,
    /// deposited in the phantom (and in the world medium around it, if any)
    pub deposited_mev: f64,
    /// below the transport cut-offs (deposited locally in the dose)
    pub below_cutoff_mev: f64,
    /// left the phantom
    pub escaped_mev: f64,
    /// |emitted - deposited - below_cutoff - escaped| / emitted
    pub relative_discrepancy: f64,
    /// what the numbers mean
    pub note: &'static str,
}

/// The transport settings the run used.
#[derive(Clone, Debug, Serialize)]
pub struct TransportInfo {
    /// photon cut-off (MeV)
    pub photon_cutoff_mev: f64,
    /// Compton scattering with binding (Waller-Hartree incoherent scattering function)
    pub compton_binding: bool,
    /// photon tracking method
    pub tracking: &'static str,
    /// whether electrons were transported (condensed history)
    pub electron_transport: bool,
    /// electron cut-off (MeV), when electrons were transported
    pub electron_cutoff_mev: Option<f64>,
}

/// Whole-phantom LET of alpha tracks.
#[derive(Clone, Debug, Serialize)]
pub struct LetInfo {
    /// dose-averaged LET (keV/um)
    pub dose_averaged_kev_um: f64,
    /// track-averaged LET (keV/um)
    pub track_averaged_kev_um: f64,
    /// what the numbers cover
    pub note: &'static str,
}

/// `summary.json` of a run: serialised through `serde_json::Value` (sorted keys) it is
/// byte-identical to the file.
#[derive(Clone, Debug, Serialize)]
pub struct RunSummary {
    /// theradose version
    pub version: &'static str,
    /// the run file's name
    pub name: String,
    /// random seed
    pub seed: u64,
    /// histories in the tally
    pub histories: u64,
    /// histories planned for this job
    pub histories_planned: u64,
    /// index of this job's first history
    pub first_history: u64,
    /// "Gy" or "Gy per source particle"
    pub dose_unit: &'static str,
    /// the decay data of a nuclide source: "icrp107" or "endf" (absent for other sources)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decay_data: Option<crate::source::DecayData>,
    /// the run file with the overrides applied
    pub inputs: RunFile,
    /// phantom name, dimensions and voxel size
    pub phantom: PhantomInfo,
    /// energy balance per source particle
    pub energy_balance: EnergyBalance,
    /// per region (without region 0, outside)
    pub regions: Vec<RegionRow>,
    /// whether the run stopped at `run.target_uncertainty`
    pub reached_target_uncertainty: bool,
    /// whether `run.target_uncertainty` was reached on `run.target_region` (null without a
    /// target): false when all histories ran without reaching it
    pub target_uncertainty_reached: Option<bool>,
    /// transport settings
    pub transport: TransportInfo,
    /// alpha LET, with `[scoring] let = true`
    #[serde(rename = "let", skip_serializing_if = "Option::is_none")]
    pub let_info: Option<LetInfo>,
    /// positron annihilations (per source event, or in total with `source.emitted_particles`)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annihilations: Option<f64>,
    /// transport wall time of this invocation (s); absent after a merge
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
    /// worker threads of this invocation; absent after a merge
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threads: Option<usize>,
    /// histories of this invocation per second; absent after a merge
    #[serde(skip_serializing_if = "Option::is_none")]
    pub histories_per_second: Option<f64>,
    /// transport CPU time of this invocation (s, every thread); absent after a merge
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_seconds: Option<f64>,
    /// figure of merit of one region's mean dose; absent after a merge
    #[serde(skip_serializing_if = "Option::is_none")]
    pub figure_of_merit: Option<FigureOfMerit>,
    /// the beam and its depth curve, for a beam source
    #[serde(skip_serializing_if = "Option::is_none")]
    pub beam: Option<super::depth::BeamInfo>,
}

impl RunSummary {
    /// The summary as JSON (the content of `summary.json`).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a run summary serialises")
    }
}

/// Everything a run produced, in memory; [`RunResult::write`] writes the result folder.
#[derive(Clone, Debug)]
pub struct RunResult {
    /// dose per voxel (Gy, or Gy per source particle), x fastest
    pub dose_gy: Vec<f64>,
    /// relative uncertainty (1 sigma) of the dose per voxel
    pub rel_uncertainty: Vec<f64>,
    /// positron annihilations per voxel, when the run scored them
    pub annihilations: Option<Vec<f32>>,
    /// dose-averaged and track-averaged LET maps of alpha tracks (keV/um)
    pub let_maps: Option<(Vec<f32>, Vec<f32>)>,
    /// the central-axis depth curve of a beam source (`depth.csv`)
    pub depth: Option<Vec<super::depth::DepthRow>>,
    /// the summary
    pub summary: RunSummary,
}

/// The region rows (without region 0): mass, mean dose from the region bins after the voxels,
/// and the LET of each region when scored.
impl RegionRow {
    /// The mean dose: Gy, or Gy per source particle (whichever the run scored).
    pub fn dose(&self) -> f64 {
        self.mean_dose_gy
            .or(self.mean_dose_gy_per_particle)
            .unwrap_or(0.0)
    }
}

/// `norm`: the source particles the run represents (`source.emitted_particles`); None: doses
/// per source particle.
fn region_rows(ph: &Phantom, tally: &Tally, norm: Option<f64>, lets: &[LetSums]) -> Vec<RegionRow> {
    let n = ph.len();
    let masses = ph.region_masses_g();
    (1..ph.regions.len())
        .map(|id| {
            let (m, u) = tally.mean_and_rel_uncertainty(n + id);
            let d = if masses[id] > 0.0 {
                units::dose_gy(m * norm.unwrap_or(1.0), masses[id])
            } else {
                0.0
            };
            let lets = lets.get(id);
            RegionRow {
                name: ph.regions[id].name.clone(),
                mass_g: masses[id],
                mean_dose_gy: norm.is_some().then_some(d),
                mean_dose_gy_per_particle: norm.is_none().then_some(d),
                rel_uncertainty: u,
                let_d_kev_um: lets.map(|s| s.dose_averaged_kev_um()),
                let_t_kev_um: lets.map(|s| s.track_averaged_kev_um()),
            }
        })
        .collect()
}

/// The result of a tally: doses from the sums (times `source.emitted_particles` when given),
/// region rows, LET and the summary.
pub fn run_result(
    problem: &Problem,
    transport: &Transport,
    tally: &Tally,
    header: &TallyHeader,
    timing: Option<&Timing>,
    reached_target: bool,
) -> RunResult {
    let ph = &problem.phantom;
    let n = ph.len();
    let norm = problem.file.source.emitted_particles.unwrap_or(1.0);
    let dose_unit = if problem.file.source.emitted_particles.is_some() {
        "Gy"
    } else {
        "Gy per source particle"
    };
    let (dose, unc) = crate::run::problem::voxel_doses(ph, tally, norm);
    // annihilation sites per voxel: bins after the voxels and the regions
    let annihilations = transport.annihilation_tally.then(|| {
        let off = n + ph.regions.len();
        (0..n)
            .map(|v| (tally.mean_and_rel_uncertainty(off + v).0 * norm) as f32)
            .collect::<Vec<f32>>()
    });
    let let_layout = transport.let_layout();
    let let_maps = let_layout.as_ref().map(|lay| lay.maps(tally));
    let let_by_region = match &let_layout {
        Some(lay) => lay.sums_by_label(tally, &ph.label, ph.regions.len()),
        None => Vec::new(),
    };
    let regions = region_rows(
        ph,
        tally,
        problem.file.source.emitted_particles,
        &let_by_region,
    );
    let let_info = let_layout.is_some().then(|| {
        let mut s = LetSums::default();
        let_by_region.iter().for_each(|r| s.add(r));
        LetInfo {
            dose_averaged_kev_um: s.dose_averaged_kev_um(),
            track_averaged_kev_um: s.track_averaged_kev_um(),
            note: "alpha tracks only (electronic stopping, unrestricted); whole phantom",
        }
    });
    let depth = super::depth::beam_depth_curve(&problem.source.spatial, ph, &dose, &unc);
    let beam = super::depth::beam_info(&problem.source.spatial, ph, depth.as_deref());
    let b = &tally.balance;
    let target_region = problem.file.run.target_region.as_deref();
    let figure_of_merit = timing.and_then(|t| FigureOfMerit::of(&regions, target_region, tally, t));
    let summary = RunSummary {
        version: crate::VERSION,
        name: problem.file.name.clone(),
        seed: problem.file.run.seed,
        histories: tally.histories,
        histories_planned: header.planned,
        first_history: header.first_history,
        dose_unit,
        decay_data: problem.source.spectrum.decay_data(),
        inputs: problem.file.clone(),
        phantom: PhantomInfo::of(ph),
        energy_balance: EnergyBalance {
            emitted_mev: b.emitted.mev(),
            deposited_mev: b.deposited.mev(),
            below_cutoff_mev: b.below_cutoff.mev(),
            escaped_mev: b.escaped.mev(),
            relative_discrepancy: b.relative_discrepancy(),
            note: "deposited + below_cutoff + escaped = emitted; below-cut-off energy is deposited locally in the dose; deposited includes the world medium around the grid, if any",
        },
        regions,
        reached_target_uncertainty: reached_target,
        target_uncertainty_reached: problem
            .file
            .run
            .target_uncertainty
            .map(|_| reached_target),
        transport: TransportInfo {
            photon_cutoff_mev: transport.photon_cutoff_mev,
            compton_binding: problem.photon.compton_binding,
            tracking: "woodcock",
            electron_transport: problem.electron.is_some(),
            electron_cutoff_mev: problem.electron.as_ref().map(|e| e.params.cutoff_mev),
        },
        let_info,
        // per source event, or in total when the run represents `emitted_particles` events
        annihilations: annihilations
            .as_ref()
            .map(|a| a.iter().map(|&x| x as f64).sum()),
        seconds: timing.map(|t| t.seconds),
        threads: timing.map(|t| t.threads),
        histories_per_second: timing.map(|t| t.new_histories as f64 / t.seconds.max(1e-9)),
        cpu_seconds: timing.map(|t| t.cpu_seconds),
        figure_of_merit,
        beam,
    };
    RunResult {
        depth,
        dose_gy: dose,
        rel_uncertainty: unc,
        annihilations,
        let_maps,
        summary,
    }
}
