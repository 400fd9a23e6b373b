//! Positron range (L5, `theradose positron-range`): distribution of the distance from positron emission to
//! annihilation for a nuclide in a medium (issue 3).
//!
//! Each history samples one positron from the nuclide's beta+ branches (branch by positron
//! intensity, energy from its Fermi spectrum; the other radiations of the decay are ignored),
//! emits it isotropically from the origin of a homogeneous sphere of the medium at its nominal
//! density, large enough to be infinite (ten CSDA ranges of the highest endpoint), and tracks it
//! with the condensed-history physics down to a 1 keV cut-off. The track ends where the positron
//! annihilates: in flight at the hard event, or at rest where it falls below the cut-off. Its
//! secondaries (delta rays, bremsstrahlung and annihilation photons) are discarded.
//!
//! Statistics of the emission-to-annihilation vector (r its length, x its projection on the
//! x axis):
//! - `mean_3d_mm`: the mean of r; `rms_1d_mm`: sqrt(mean x^2) (the mean of x is zero by symmetry);
//!   both from exact sums;
//! - `p99_3d_mm`: the 99th percentile of r, from a histogram of r with the bins below,
//!   interpolated linearly in the cumulative count within the bin where it crosses 99%;
//! - `fwhm_1d_mm`, `fwtm_1d_mm`: widths of the 1D density of x at 1/2 and 1/10 of its maximum.
//!   The density is histogrammed in [`BINS_PER_SIDE`] bins on each side of 0 out to 1.2 times the
//!   CSDA range of the highest endpoint (a bin is a few micrometres for F-18, ten for Rb-82:
//!   far below the widths), then smoothed by a centred moving average against counting noise:
//!   over the smallest odd number of bins, at least [`SMOOTH_BINS`], whose window at the peak
//!   holds [`PEAK_COUNTS`] counts (2% noise on the maximum; with few histories the window widens
//!   and the cusp at 0 is flattened, so the FWHM is overestimated with few histories and
//!   converges from above: F-18 in water gives 0.10 mm at 2e4 histories, 0.03 mm at 2e5; use
//!   10^6 or more for it). The maximum is that of the smoothed density; from the maximum bin
//!   outwards, on each side, the first bin centre below the level and the one before it are
//!   interpolated linearly to the crossing; the width is the distance between the two crossings.
//!
//! The CSV is the unsmoothed 1D histogram: bin centre (mm) and probability per mm.
//!
//! Determinism: history `i` draws from `HistoryRng::new(seed, i)`; chunks of histories run in
//! parallel, histogram counts are integers and the floating sums are added in chunk order, so
//! the result is the same for any thread count.

use crate::context::Context;
use crate::error::SpecField;
use crate::pet::positron_range_kernel::{history, PositronMedium, PositronSpectrum};
use crate::run::pool::thread_pool;
use crate::source::nuclide::Nuclide;
use crate::spec_bail;
use anyhow::Result;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Instant;

pub use crate::pet::positron_range_kernel::{CUTOFF_MEV, HARD_THRESHOLD_MEV};

/// A positron-range computation (the TOML section of `theradose positron-range`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PositronRangeSpec {
    /// positron emitter, e.g. F-18, Ga-68
    pub nuclide: String,
    /// medium name, at its nominal density
    pub medium: String,
    /// positrons
    pub histories: u64,
    /// random seed
    #[serde(default = "crate::run::spec::default_seed")]
    pub seed: u64,
    /// worker threads (default: all cores)
    #[serde(default)]
    pub threads: Option<usize>,
    /// decay data: "icrp107" (ICRP-107, the default) or "endf" (ENDF/B-VIII.1); a prefix on
    /// `nuclide` ("endf:F-18") overrides it
    #[serde(default)]
    pub decay_data: crate::source::DecayData,
}

/// Histogram bins on each side of 0 (1D) and in r (3D).
pub const BINS_PER_SIDE: usize = 4000;
/// Smallest width of the moving average applied before the FWHM and FWTM search (bins, odd).
pub const SMOOTH_BINS: usize = 5;
/// Counts the moving-average window must hold at the peak (relative noise 1/sqrt of it).
pub const PEAK_COUNTS: u64 = 2500;
/// Histories per chunk (the unit of parallel work).
const CHUNK: u64 = 1024;

/// Counts of one run: integer histograms of x and r, and per-chunk floating sums.
struct Histograms {
    /// 1D: 2 * BINS_PER_SIDE bins over [-limit, limit)
    x: Vec<u64>,
    /// 3D: BINS_PER_SIDE bins over [0, limit)
    r: Vec<u64>,
    /// ends beyond the histogram limit (counted in the edge bins)
    outside: u64,
    escaped: u64,
}

/// The summary of a positron-range run (`theradose positron-range` prints it as JSON; fields in
/// the order of its keys).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PositronRangeSummary {
    /// width of a histogram bin
    pub bin_mm: f64,
    /// energy below which a positron stops and annihilates
    pub cutoff_kev: f64,
    /// the decay data used: "icrp107" or "endf"
    pub decay_data: crate::source::DecayData,
    /// density of the medium
    pub density_g_cm3: f64,
    /// positrons that left the medium
    pub escaped: u64,
    /// full width at half maximum of the 1D offset distribution
    pub fwhm_1d_mm: f64,
    /// full width at tenth maximum of the 1D offset distribution
    pub fwtm_1d_mm: f64,
    /// positrons simulated
    pub histories: u64,
    /// positrons per wall-clock second
    pub histories_per_second: f64,
    /// mean 3D emission-to-annihilation distance
    pub mean_3d_mm: f64,
    /// the medium's name
    pub medium: String,
    /// the nuclide's name
    pub nuclide: String,
    /// annihilations beyond the histogram limit (counted in the edge bins)
    pub outside_histogram: u64,
    /// 99th percentile of the 3D distance
    pub p99_3d_mm: f64,
    /// rms of the 1D offset
    pub rms_1d_mm: f64,
    /// wall-clock seconds
    pub seconds: f64,
    /// the run seed
    pub seed: u64,
    /// worker threads used
    pub threads: usize,
    /// theradose version
    pub version: String,
}

/// Runs it; returns the summary and the 1D histogram CSV (`x_mm,probability_per_mm`).
///
/// # Errors
/// An unknown nuclide or medium, a nuclide without positrons, zero histories.
pub fn run_positron_range(
    ctx: &Context,
    spec: &PositronRangeSpec,
) -> Result<(PositronRangeSummary, String)> {
    if spec.histories == 0 {
        spec_bail!("histories", "must be at least 1, got 0");
    }
    let nuclide = Nuclide::load_from(&spec.nuclide, spec.decay_data).spec_field("nuclide")?;
    let spectrum = PositronSpectrum::new(&nuclide).spec_field("nuclide")?;
    let mat = ctx
        .materials
        .get(&spec.medium)
        .spec_field("medium")?
        .clone();
    let medium = PositronMedium::new(&mat, spectrum.max_endpoint_mev)?;
    let density = medium.density;
    let limit_cm = 1.2 * medium.csda_max_cm;
    let bin_cm = limit_cm / BINS_PER_SIDE as f64;
    let transport = medium.transport();

    let pool = thread_pool(spec.threads)?;
    let threads = pool.current_num_threads();
    let start = Instant::now();
    let hist = Mutex::new(Histograms {
        x: vec![0; 2 * BINS_PER_SIDE],
        r: vec![0; BINS_PER_SIDE],
        outside: 0,
        escaped: 0,
    });
    let n_chunks = spec.histories.div_ceil(CHUNK);
    let sums: Vec<[f64; 2]> = pool.install(|| {
        (0..n_chunks)
            .into_par_iter()
            .map_init(
                || (Vec::with_capacity(64), transport.new_score(), Vec::new()),
                |(stack, score, ends), c| {
                    let a = c * CHUNK;
                    let b = (a + CHUNK).min(spec.histories);
                    ends.clear();
                    for i in a..b {
                        ends.push(history(&transport, &spectrum, spec.seed, i, stack, score));
                    }
                    let mut s = [0.0f64; 2];
                    let mut h = hist.lock().expect("histogram lock");
                    for end in ends.iter() {
                        let Some(v) = end else {
                            h.escaped += 1;
                            continue;
                        };
                        let r = v.norm();
                        s[0] += r;
                        s[1] += v.x * v.x;
                        let bx = ((v.x + limit_cm) / bin_cm).floor();
                        let br = (r / bin_cm).floor();
                        if bx < 0.0
                            || bx >= (2 * BINS_PER_SIDE) as f64
                            || br >= BINS_PER_SIDE as f64
                        {
                            h.outside += 1;
                        }
                        h.x[(bx.max(0.0) as usize).min(2 * BINS_PER_SIDE - 1)] += 1;
                        h.r[(br as usize).min(BINS_PER_SIDE - 1)] += 1;
                    }
                    s
                },
            )
            .collect()
    });
    let seconds = start.elapsed().as_secs_f64();
    let h = hist.into_inner().expect("histogram lock");
    let (sum_r, sum_x2) = sums
        .iter()
        .fold((0.0, 0.0), |(a, b), s| (a + s[0], b + s[1]));
    let n = (spec.histories - h.escaped).max(1) as f64;
    let mm = 10.0;
    let (csv, [fwhm, fwtm, p99]) = widths(&h, n, limit_cm, bin_cm);
    let summary = PositronRangeSummary {
        bin_mm: bin_cm * mm,
        cutoff_kev: CUTOFF_MEV * 1e3,
        decay_data: nuclide.data,
        density_g_cm3: density,
        escaped: h.escaped,
        fwhm_1d_mm: fwhm,
        fwtm_1d_mm: fwtm,
        histories: spec.histories,
        histories_per_second: spec.histories as f64 / seconds.max(1e-9),
        mean_3d_mm: sum_r / n * mm,
        medium: spec.medium.clone(),
        nuclide: nuclide.name.clone(),
        outside_histogram: h.outside,
        p99_3d_mm: p99,
        rms_1d_mm: (sum_x2 / n).sqrt() * mm,
        seconds,
        seed: spec.seed,
        threads,
        version: crate::VERSION.into(),
    };
    Ok((summary, csv))
}

/// The 1D histogram CSV (`x_mm,probability_per_mm`, unsmoothed) of `n` counted histories and
/// the FWHM, FWTM (1D, smoothed) and 99th percentile (3D), mm.
fn widths(h: &Histograms, n: f64, limit_cm: f64, bin_cm: f64) -> (String, [f64; 3]) {
    let mm = 10.0;
    let density_x: Vec<f64> = h.x.iter().map(|&c| c as f64 / (n * bin_cm * mm)).collect();
    let centre_mm = |i: usize| (-limit_cm + (i as f64 + 0.5) * bin_cm) * mm;
    let smooth = moving_average(&density_x, smoothing_window(&h.x));
    let fwhm = width_at(&smooth, 0.5) * bin_cm * mm;
    let fwtm = width_at(&smooth, 0.1) * bin_cm * mm;
    let p99 = quantile(&h.r, 0.99) * bin_cm * mm;
    let mut csv = String::from("x_mm,probability_per_mm\n");
    for (i, d) in density_x.iter().enumerate() {
        let _ = writeln!(csv, "{:.6},{:.6e}", centre_mm(i), d);
    }
    (csv, [fwhm, fwtm, p99])
}

/// The smallest odd window, at least [`SMOOTH_BINS`], whose largest windowed count reaches
/// [`PEAK_COUNTS`] (at most a tenth of the histogram).
fn smoothing_window(counts: &[u64]) -> usize {
    let mut prefix = vec![0u64; counts.len() + 1];
    for (i, &c) in counts.iter().enumerate() {
        prefix[i + 1] = prefix[i] + c;
    }
    let mut w = SMOOTH_BINS;
    while w < counts.len() / 10 {
        let best = (0..=counts.len() - w)
            .map(|i| prefix[i + w] - prefix[i])
            .max()
            .unwrap_or(0);
        if best >= PEAK_COUNTS {
            break;
        }
        w += 2;
    }
    w
}

/// Centred moving average over `w` bins (odd), shorter at the ends.
fn moving_average(v: &[f64], w: usize) -> Vec<f64> {
    let half = w / 2;
    (0..v.len())
        .map(|i| {
            let lo = i.saturating_sub(half);
            let hi = (i + half + 1).min(v.len());
            v[lo..hi].iter().sum::<f64>() / (hi - lo) as f64
        })
        .collect()
}

/// Width (in bins) of a single-peaked histogram at `level` times its maximum: the distance
/// between the outermost-from-the-peak crossings found by walking out from the maximum, each
/// interpolated linearly between bin centres.
fn width_at(v: &[f64], level: f64) -> f64 {
    let (peak, &max) = v
        .iter()
        .enumerate()
        .fold((0, &f64::MIN), |a, b| if b.1 > a.1 { b } else { a });
    let y = level * max;
    // crossing between bin centres i (above) and j (below), as a fractional bin index
    let cross = |i: usize, j: usize| {
        let f = (v[i] - y) / (v[i] - v[j]);
        i as f64 + f * (j as f64 - i as f64)
    };
    let right = (peak + 1..v.len())
        .find(|&j| v[j] < y)
        .map_or(v.len() as f64 - 0.5, |j| cross(j - 1, j));
    let left = (0..peak)
        .rev()
        .find(|&j| v[j] < y)
        .map_or(-0.5, |j| cross(j + 1, j));
    right - left
}

/// The `q` quantile of a histogram (in bins from its lower edge), linear within the bin.
fn quantile(counts: &[u64], q: f64) -> f64 {
    let total: u64 = counts.iter().sum();
    let target = q * total as f64;
    let mut acc = 0.0;
    for (i, &c) in counts.iter().enumerate() {
        let next = acc + c as f64;
        if next >= target && c > 0 {
            return i as f64 + (target - acc) / c as f64;
        }
        acc = next;
    }
    counts.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_of_a_triangle() {
        // triangle peaked at bin 10, zero at bins 0 and 20: FWHM 10 bins, FWTM 18 bins
        let v: Vec<f64> = (0..21).map(|i| 10.0 - (i as f64 - 10.0).abs()).collect();
        assert!((width_at(&v, 0.5) - 10.0).abs() < 1e-12);
        assert!((width_at(&v, 0.1) - 18.0).abs() < 1e-12);
    }

    #[test]
    fn quantile_of_uniform_counts() {
        let c = vec![10u64; 100];
        assert!((quantile(&c, 0.99) - 99.0).abs() < 1e-12);
        assert!((quantile(&c, 0.5) - 50.0).abs() < 1e-12);
    }
}
