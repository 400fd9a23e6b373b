//! The sampled budget ([`propagate`]): every sample draws all inputs from its own random stream
//! (derived from the budget's seed and the sample index, so the result is bit-identical for any
//! thread count), evaluates every region ([`super::model::evaluate`]), and each quantity gets
//! its median and 95% interval; a one-at-a-time tornado (each input at its 2.5th and 97.5th
//! percentile, the others nominal) names the dominant input.

use super::model::{evaluate, Factors, Kinetics, RegionCase, Values};
use super::spec::{Input, Inputs, N_INPUTS};
use crate::rng::HistoryRng;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// Mixed into the seed so that the budget's streams differ from the dose histories' of the
/// same seed.
const SALT: u64 = 0x5EED_0B0D_6E7A_0019;

/// The standard-normal quantile of 97.5% (two-sided 95% interval).
pub const Z95: f64 = 1.959_963_984_540_054;

/// Largest number of fit parameters (tri-exponential).
pub const MAX_FIT_PARAMS: usize = 6;

/// What the budget propagates.
#[derive(Clone, Debug)]
pub struct Problem {
    pub regions: Vec<RegionCase>,
    pub inputs: Inputs,
    pub samples: usize,
    pub seed: u64,
}

/// The tornado bar of one input: the quantity with the input at its 2.5th and 97.5th
/// percentile, the others nominal.
#[derive(Clone, Debug, Serialize)]
pub struct TornadoBar {
    pub input: Input,
    pub low: f64,
    pub high: f64,
}

/// The budget of one quantity of one region.
#[derive(Clone, Debug, Serialize)]
pub struct QuantityBudget {
    /// the metrics.json key (`mean_dose_gy`, `tcp`, ...)
    pub quantity: String,
    /// the chain's value with every input nominal (dose bins)
    pub nominal: f64,
    pub median: f64,
    /// 2.5th and 97.5th percentiles
    pub low: f64,
    pub high: f64,
    /// the input with the widest tornado bar (None: no input moves it)
    pub dominant: Option<Input>,
    /// the tornado, widest first (in `tornado.csv` and the figures, not in `metrics.json`)
    #[serde(skip_serializing)]
    pub tornado: Vec<TornadoBar>,
}

/// The budget of one region.
#[derive(Clone, Debug, Serialize)]
pub struct RegionBudget {
    pub name: String,
    pub quantities: Vec<QuantityBudget>,
    /// a lesion's PERCIST category probabilities over the samples (CMR, PMR, SMD, PMD)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percist_probability: Option<BTreeMap<String, f64>>,
}

/// The fraction of the samples in each PERCIST category: a sample's follow-up SUVpeak is the
/// reported one times its mean relative uptake over the nominal one (None without a
/// [`super::model::PercistCase`] or a finite nominal uptake).
fn percist_probability(
    c: &RegionCase,
    nominal: &Values,
    samples: impl Iterator<Item = Values>,
) -> Option<BTreeMap<String, f64>> {
    use crate::pet::criteria::{percist, Category};
    let pc = c.response.as_ref()?.percist?;
    if !(nominal.uptake.is_finite() && nominal.uptake > 0.0) {
        return None;
    }
    let mut counts: BTreeMap<String, f64> =
        [Category::Cmr, Category::Pmr, Category::Smd, Category::Pmd]
            .iter()
            .map(|k| (k.to_string(), 0.0))
            .collect();
    let mut n = 0.0;
    for v in samples {
        let fu = pc.followup_suv_peak * v.uptake / nominal.uptake;
        if let Ok(k) = percist(pc.baseline_suv_peak, fu, pc.background_suv) {
            *counts.entry(k.to_string()).or_default() += 1.0;
            n += 1.0;
        }
    }
    if n == 0.0 {
        return None;
    }
    counts.values_mut().for_each(|x| *x /= n);
    Some(counts)
}

/// The tissues of the regions, sorted and unique (one radiobiology draw per tissue).
fn tissue_names(p: &Problem) -> Vec<String> {
    let mut t: Vec<String> = p
        .regions
        .iter()
        .filter_map(|r| r.tissue.as_ref().map(|(n, _)| n.clone()))
        .collect();
    t.sort();
    t.dedup();
    t
}

/// The factor of input `i` at standard-normal `z`: the distribution's, except for the fit and
/// the Monte Carlo, whose z is scaled (1 + scale z for the Monte Carlo).
fn factor(inputs: &Inputs, i: Input, z: f64) -> f64 {
    let d = &inputs[i.index()];
    match i {
        Input::MonteCarlo => 1.0 + d.scale() * z,
        _ => d.factor(z),
    }
}

/// The factors of every region for sample `k`. Every sample draws the same number of normals
/// in the same order (globals, then per tissue, then per region) whatever is fixed, so fixing
/// one input leaves the draws of the others unchanged.
fn draw(p: &Problem, tissues: &[String], k: u64) -> Vec<Factors> {
    let mut rng = HistoryRng::new(p.seed ^ SALT, k);
    let mut global = [1.0; N_INPUTS];
    for i in [Input::Calibration, Input::Decay] {
        global[i.index()] = factor(&p.inputs, i, rng.standard_normal());
    }
    let per_tissue: Vec<[f64; N_INPUTS]> = tissues
        .iter()
        .map(|_| {
            let mut f = [1.0; N_INPUTS];
            for i in Input::ALL.into_iter().filter(|i| drawn_first(*i)) {
                f[i.index()] = factor(&p.inputs, i, rng.standard_normal());
            }
            f
        })
        .collect();
    let fit_scale = p.inputs[Input::Fit.index()].scale();
    let mut regions: Vec<Factors> = p
        .regions
        .iter()
        .map(|r| {
            let mut f = global;
            if let Some((name, _)) = &r.tissue {
                let t = tissues.iter().position(|x| x == name).unwrap_or(0);
                for i in Input::ALL.into_iter().filter(|i| drawn_first(*i)) {
                    f[i.index()] = per_tissue[t][i.index()];
                }
            }
            for i in [Input::Recovery, Input::Volume, Input::MonteCarlo] {
                f[i.index()] = factor(&p.inputs, i, rng.standard_normal());
            }
            let fit_z = (0..MAX_FIT_PARAMS)
                .map(|_| fit_scale * rng.standard_normal())
                .collect();
            Factors { f, fit_z }
        })
        .collect();
    // per-tissue inputs added later draw after all the others
    let late: Vec<[f64; LATE.len()]> = tissues
        .iter()
        .map(|_| LATE.map(|i| factor(&p.inputs, i, rng.standard_normal())))
        .collect();
    for (r, f) in p.regions.iter().zip(regions.iter_mut()) {
        if let Some((name, _)) = &r.tissue {
            let t = tissues.iter().position(|x| x == name).unwrap_or(0);
            for (k, i) in LATE.iter().enumerate() {
                f.f[i.index()] = late[t][k];
            }
        }
    }
    regions
}

/// Per-tissue inputs added after the budget's first version: drawn at the end of each sample's
/// stream, so that adding one left the draws of the others unchanged.
const LATE: [Input; 1] = [Input::SigmaAlpha];

/// Whether a per-tissue input is drawn with the first per-tissue block.
fn drawn_first(i: Input) -> bool {
    i.per_tissue() && !LATE.contains(&i)
}

/// The value of `quantity` from an evaluation (`nominal` the nominal evaluation, for the SUV
/// change; `change` the chain's nominal SUV change, %).
fn value(v: &Values, nominal: &Values, cycles: f64, q: &Quantity) -> f64 {
    match q {
        Quantity::Dose => v.mean_dose_gy,
        Quantity::DosePerCycle => v.mean_dose_gy / cycles,
        Quantity::Bed => v.bed_gy,
        Quantity::Eqd2 => v.eqd2_gy,
        Quantity::Geud => v.geud_gy,
        Quantity::Tcp => v.tcp,
        Quantity::Ntcp => v.ntcp,
        Quantity::Viable => v.viable_fraction,
        // follow-up SUVpeak proportional to the lesion's mean relative uptake (the imaging
        // chain is linear in the activity); the baseline scan is the same in every sample
        Quantity::SuvChange(_, c) => ((1.0 + c / 100.0) * v.uptake / nominal.uptake - 1.0) * 100.0,
    }
}

/// The reported quantities.
#[derive(Clone, Debug)]
pub enum Quantity {
    Dose,
    DosePerCycle,
    Bed,
    Eqd2,
    Geud,
    Tcp,
    Ntcp,
    Viable,
    /// a lesion's SUVpeak change: its metrics key and the chain's nominal value (%)
    SuvChange(String, f64),
}

impl Quantity {
    /// The metrics.json key.
    pub fn key(&self) -> &str {
        match self {
            Quantity::Dose => "mean_dose_gy",
            Quantity::DosePerCycle => "mean_dose_per_cycle_gy",
            Quantity::Bed => "bed_gy",
            Quantity::Eqd2 => "eqd2_gy",
            Quantity::Geud => "geud_gy",
            Quantity::Tcp => "tcp",
            Quantity::Ntcp => "ntcp",
            Quantity::Viable => "viable_fraction_at_followup",
            Quantity::SuvChange(k, _) => k,
        }
    }
}

/// The `p`-quantile of sorted finite values (linear interpolation between order statistics).
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let x = p * (sorted.len() - 1) as f64;
    let (i, f) = (x.floor() as usize, x - x.floor());
    let j = (i + 1).min(sorted.len() - 1);
    sorted[i] + f * (sorted[j] - sorted[i])
}

/// The relative change of the region's TIA per unit standard-normal draw of the fit, Lᵀg/TIA
/// (g the TIA's gradient by central differences, L the Cholesky factor of the covariance);
/// for a fixed shape `[tia_rel, 0, ...]`. Its norm is the delta-method relative standard
/// uncertainty of the TIA; its direction the draw that moves the TIA most.
pub fn fit_sensitivity(c: &RegionCase) -> Vec<f64> {
    let mut u = vec![0.0; MAX_FIT_PARAMS];
    let (model, params, chol) = match &c.kinetics {
        Kinetics::Fit {
            model,
            params,
            chol,
        } => (model, params, chol),
        Kinetics::Shape { tia_rel, .. } => {
            u[0] = *tia_rel;
            return u;
        }
    };
    let tia = |p: &[f64]| -> f64 {
        model
            .exponential_terms(p)
            .map_or(f64::NAN, |t| t.iter().map(|(a, l)| a / l).sum())
    };
    let t0 = tia(params);
    let n = params.len();
    let g: Vec<f64> = (0..n)
        .map(|i| {
            let h = 1e-6 * params[i].abs().max(1e-12);
            let (mut a, mut b) = (params.clone(), params.clone());
            a[i] += h;
            b[i] -= h;
            (tia(&a) - tia(&b)) / (2.0 * h)
        })
        .collect();
    for (j, uj) in u.iter_mut().enumerate() {
        let s: f64 = (0..n)
            .map(|i| chol[i].get(j).copied().unwrap_or(0.0) * g[i])
            .sum();
        *uj = s / t0;
    }
    if u.iter().any(|x| !x.is_finite()) {
        u.fill(0.0);
    }
    u
}

/// The factors with input `i` at standard-normal `z` and every other input nominal.
fn one_at_a_time(p: &Problem, c: &RegionCase, i: Input, z: f64) -> Factors {
    let mut f = Factors::nominal();
    if i == Input::Fit {
        let s = p.inputs[i.index()].scale();
        let v = fit_sensitivity(c);
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        let norm = if norm > 0.0 { norm } else { 1.0 };
        f.fit_z = v.iter().map(|u| s * z * u / norm).collect();
    } else {
        f.f[i.index()] = factor(&p.inputs, i, z);
    }
    f
}

/// The quantities a region reports (those its nominal evaluation has).
fn quantities(c: &RegionCase, nominal: &Values) -> Vec<Quantity> {
    let mut q = vec![
        Quantity::Dose,
        Quantity::DosePerCycle,
        Quantity::Bed,
        Quantity::Eqd2,
        Quantity::Geud,
        Quantity::Tcp,
        Quantity::Ntcp,
        Quantity::Viable,
    ];
    if let Some(r) = &c.response {
        q.extend(
            r.suv_change_pct
                .iter()
                .map(|(k, v)| Quantity::SuvChange(k.clone(), *v)),
        );
    }
    if c.dose_only {
        q.retain(|q| matches!(q, Quantity::Dose));
    }
    let cycles = c.cycles as f64;
    q.retain(|q| value(nominal, nominal, cycles, q).is_finite());
    q
}

/// Runs the sampled budget.
pub fn propagate(p: &Problem) -> Vec<RegionBudget> {
    let tissues = tissue_names(p);
    let runs: Vec<Vec<Values>> = (0..p.samples as u64)
        .into_par_iter()
        .map(|k| {
            let f = draw(p, &tissues, k);
            p.regions
                .iter()
                .zip(&f)
                .map(|(c, f)| evaluate(c, f))
                .collect()
        })
        .collect();
    let varying: Vec<Input> = Input::ALL
        .into_iter()
        .filter(|i| p.inputs[i.index()].varies())
        .collect();
    p.regions
        .par_iter()
        .enumerate()
        .map(|(r, c)| {
            let nominal = evaluate(c, &Factors::nominal());
            let cycles = c.cycles as f64;
            let oat: Vec<(Input, Values, Values)> = varying
                .iter()
                .map(|&i| {
                    let lo = evaluate(c, &one_at_a_time(p, c, i, -Z95));
                    let hi = evaluate(c, &one_at_a_time(p, c, i, Z95));
                    (i, lo, hi)
                })
                .collect();
            let quantities = quantities(c, &nominal)
                .iter()
                .map(|q| {
                    let mut xs: Vec<f64> = runs
                        .iter()
                        .map(|s| value(&s[r], &nominal, cycles, q))
                        .filter(|x| x.is_finite())
                        .collect();
                    xs.sort_by(f64::total_cmp);
                    let mut tornado: Vec<TornadoBar> = oat
                        .iter()
                        .map(|(i, lo, hi)| TornadoBar {
                            input: *i,
                            low: value(lo, &nominal, cycles, q),
                            high: value(hi, &nominal, cycles, q),
                        })
                        .collect();
                    let width = |b: &TornadoBar| (b.high - b.low).abs();
                    tornado.sort_by(|a, b| width(b).total_cmp(&width(a)));
                    let dominant = tornado.first().filter(|b| width(b) > 0.0).map(|b| b.input);
                    QuantityBudget {
                        quantity: q.key().to_string(),
                        nominal: value(&nominal, &nominal, cycles, q),
                        median: quantile(&xs, 0.5),
                        low: quantile(&xs, 0.025),
                        high: quantile(&xs, 0.975),
                        dominant,
                        tornado,
                    }
                })
                .collect();
            RegionBudget {
                name: c.name.clone(),
                quantities,
                percist_probability: percist_probability(c, &nominal, runs.iter().map(|s| s[r])),
            }
        })
        .collect()
}
