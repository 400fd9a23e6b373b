//! Response endpoints of the published studies, expressed through the response model: a lesion
//! responds when the model's state at the follow-up meets the endpoint's threshold, and the
//! smallest α that makes it respond, α*(D), turns a population of α into a response probability.

use crate::biology::doserate::DoseRateShape;
use crate::biology::response::{relative_uptake, CellState, ResponseModel, ResponseParams};
use crate::biology::tissues::Tracer;
use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};

/// RECIST 1.1 progression (Eisenhauer et al. 2009, Eur J Cancer 45:228, section 4.3.1): the sum of
/// diameters grows by at least 20 %; mRECIST (Lencioni & Llovet 2010, Semin Liver Dis 30:52)
/// applies the same thresholds to the viable (arterially enhancing) tumour.
const PROGRESSION_DIAMETER_RATIO: f64 = 1.2;

/// RECIST 1.1 / mRECIST partial response: the sum of diameters falls by at least 30 %.
const RESPONSE_DIAMETER_RATIO: f64 = 0.7;

/// A lesion-level response endpoint (the `endpoint` column of the outcome table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// FDG total lesion glycolysis falls by at least 15 % (Levillain et al. 2018: below 15 % is
    /// a non-metabolic responder); the model's FDG uptake at most 0.85 of baseline
    TlgDecrease15,
    /// FDG total lesion glycolysis falls by at least 50 % (high-metabolic responder)
    TlgDecrease50,
    /// mRECIST disease control (complete or partial response or stable disease): the viable
    /// tumour has not grown by 20 % in diameter, i.e. the model's viable-cell fraction is below
    /// 1.2³ (volume of a sphere, viable tissue proportional to viable cells)
    MrecistDiseaseControl,
    /// mRECIST objective response: viable diameter down by 30 %, viable fraction at most 0.7³
    MrecistResponse,
}

impl Endpoint {
    /// The endpoint of a table name.
    ///
    /// # Errors
    /// An unknown name (the message lists the known ones).
    pub fn parse(name: &str) -> Result<Self> {
        Ok(match name {
            "tlg_decrease_15" => Self::TlgDecrease15,
            "tlg_decrease_50" => Self::TlgDecrease50,
            "mrecist_disease_control" => Self::MrecistDiseaseControl,
            "mrecist_response" => Self::MrecistResponse,
            _ => bail!(
                "unknown endpoint '{name}': expected tlg_decrease_15, tlg_decrease_50, \
                 mrecist_disease_control or mrecist_response"
            ),
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::TlgDecrease15 => "tlg_decrease_15",
            Self::TlgDecrease50 => "tlg_decrease_50",
            Self::MrecistDiseaseControl => "mrecist_disease_control",
            Self::MrecistResponse => "mrecist_response",
        }
    }

    /// Whether a lesion in `state` at the follow-up meets the endpoint (`fdg` for the TLG ones).
    pub fn met(self, state: &CellState, fdg: &Tracer) -> bool {
        match self {
            Self::TlgDecrease15 => relative_uptake(state, fdg) <= 0.85,
            Self::TlgDecrease50 => relative_uptake(state, fdg) <= 0.50,
            Self::MrecistDiseaseControl => state.viable < PROGRESSION_DIAMETER_RATIO.powi(3),
            Self::MrecistResponse => state.viable <= RESPONSE_DIAMETER_RATIO.powi(3),
        }
    }
}

/// α above this (1/Gy) is not searched: such a lesion is taken as never responding.
pub const ALPHA_MAX_PER_GY: f64 = 100.0;

/// The model of one study arm: single administration with a mono-exponential dose rate
/// (effective half-life), evaluated at the follow-up.
#[derive(Clone, Debug)]
pub struct Arm {
    model: ResponseModel,
    endpoint: Endpoint,
    fdg: Tracer,
}

impl Arm {
    /// # Errors
    /// Non-positive half-life, follow-up or response parameters.
    pub fn new(
        params: ResponseParams,
        effective_half_life_h: f64,
        followup_d: f64,
        endpoint: Endpoint,
        fdg: &Tracer,
    ) -> Result<Self> {
        if !(followup_d.is_finite() && followup_d > 0.0) {
            bail!("follow-up {followup_d} d: expected a positive number of days");
        }
        let shape = DoseRateShape::Exponential {
            effective_half_life_h,
        };
        let model = ResponseModel::new(params, &shape, &[0.0], followup_d * 24.0)?;
        Ok(Self {
            model,
            endpoint,
            fdg: fdg.clone(),
        })
    }

    fn met(&mut self, dose_gy: f64, alpha_per_gy: f64) -> bool {
        self.model.set_alpha_per_gy(alpha_per_gy);
        self.endpoint
            .met(&self.model.voxel(dose_gy, 0.0), &self.fdg)
    }

    /// The smallest α (1/Gy) at which a lesion of mean dose `dose_gy` meets the endpoint at the
    /// follow-up (the state is monotone in α), to a relative 1e-9; +∞ when even
    /// [`ALPHA_MAX_PER_GY`] does not, 0 when no kill is needed.
    pub fn alpha_star(&mut self, dose_gy: f64) -> f64 {
        const TINY: f64 = 1e-9;
        if self.met(dose_gy, TINY) {
            return 0.0;
        }
        if !self.met(dose_gy, ALPHA_MAX_PER_GY) {
            return f64::INFINITY;
        }
        // bisection on ln α between a failing and a meeting α
        let (mut lo, mut hi) = (TINY.ln(), ALPHA_MAX_PER_GY.ln());
        while hi - lo > 1e-9 {
            let mid = 0.5 * (lo + hi);
            if self.met(dose_gy, mid.exp()) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi.exp()
    }
}
