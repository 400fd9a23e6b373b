//! The closed set of time-activity models the fits and the CLI know, with their names and
//! parameter layouts.

/// A time-activity model; the closed set the fits and the CLI know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Model {
    /// `A_1 e^(-lambda_1 t)`: one compartment clearing at one rate.
    Mono,
    /// Sum of two exponentials (fast and slow washout; both amplitudes positive).
    Bi,
    /// Sum of three exponentials (all amplitudes positive).
    Tri,
    /// `A (e^(-lambda_w t) - e^(-lambda_u t))`, `lambda_w < lambda_u`: uptake then washout,
    /// zero at injection.
    UptakeWashout,
    /// Trapezoid over the points plus a physical-decay tail after the last point (model-free;
    /// see [`super::simple::trapezoid_tail`]).
    Trapezoid,
    /// Single time point, effective half-life taken equal to the measurement time
    /// ([`super::simple::hanscheid`]).
    Hanscheid,
    /// Single time point with a given population effective half-life ([`super::simple::madsen`]).
    Madsen,
}

impl Model {
    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Model::Mono => "mono",
            Model::Bi => "bi",
            Model::Tri => "tri",
            Model::UptakeWashout => "uptake",
            Model::Trapezoid => "trapezoid",
            Model::Hanscheid => "hanscheid",
            Model::Madsen => "madsen",
        }
    }

    /// Parses a name of [`Model::name`] (also "uptake-washout").
    pub fn from_name(s: &str) -> Option<Model> {
        let all = [
            Model::Mono,
            Model::Bi,
            Model::Tri,
            Model::UptakeWashout,
            Model::Trapezoid,
            Model::Hanscheid,
            Model::Madsen,
        ];
        let s = s.trim().to_ascii_lowercase();
        if s == "uptake-washout" {
            return Some(Model::UptakeWashout);
        }
        all.into_iter().find(|m| m.name() == s)
    }

    /// The curve of a fitted exponential model with parameters `p` (the [`Self::param_names`]
    /// layout) as signed exponential terms `(a_k, lambda_k per h)`, `sum a_k e^(-lambda_k t)`
    /// (uptake-washout gives `[(A, lambda_w), (-A, lambda_u)]`); `None` for the model-free and
    /// single-point methods or a wrong parameter count. The uncertainty budget evaluates it at
    /// parameters drawn from the fit's covariance.
    pub fn exponential_terms(self, p: &[f64]) -> Option<Vec<(f64, f64)>> {
        if self.n_params() == 0 || p.len() != self.n_params() {
            return None;
        }
        Some(match self {
            Model::UptakeWashout => vec![(p[0], p[1]), (-p[0], p[2])],
            _ => p.chunks(2).map(|c| (c[0], c[1])).collect(),
        })
    }

    /// Number of fitted parameters (0 for the model-free and single-point methods).
    pub fn n_params(self) -> usize {
        match self {
            Model::Mono => 2,
            Model::Bi => 4,
            Model::Tri => 6,
            Model::UptakeWashout => 3,
            _ => 0,
        }
    }

    /// Names of the parameters in [`super::TacFit::params`] order (amplitudes in the value unit,
    /// rates in 1/h).
    pub fn param_names(self) -> &'static [&'static str] {
        match self {
            Model::Mono => &["a1", "lambda1_per_h"],
            Model::Bi => &["a1", "lambda1_per_h", "a2", "lambda2_per_h"],
            Model::Tri => &[
                "a1",
                "lambda1_per_h",
                "a2",
                "lambda2_per_h",
                "a3",
                "lambda3_per_h",
            ],
            Model::UptakeWashout => &["a", "lambda_washout_per_h", "lambda_uptake_per_h"],
            Model::Hanscheid | Model::Madsen => &["value_at_t", "lambda_eff_per_h"],
            Model::Trapezoid => &[],
        }
    }
}
