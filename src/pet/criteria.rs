//! Metabolic response categories between a baseline and a follow-up PET.
//!
//! - PERCIST 1.0 (Wahl, Jacene, Kasamon & Lodge 2009, J Nucl Med 50 Suppl 1:122S, Table 3), on
//!   the SULpeak of the hottest lesion: PMR for a decrease of at least 30% and at least 0.8 SUL
//!   units; PMD for an increase of more than 30% and more than 0.8 SUL units; CMR when the
//!   follow-up uptake has resolved to the background (liver / blood-pool) level; else SMD.
//!   New lesions and the TLG rule (+75%) are outside this function.
//! - EORTC (Young et al. 1999, Eur J Cancer 35:1773), on the SUV: PMR for a decrease of at
//!   least 15% after one cycle (the lower end of the 15-25% the recommendation quotes) or more
//!   than 25% after more than one cycle; PMD for an increase of more than 25%; CMR when the
//!   uptake is indistinguishable from the surrounding tissue (at or below the background level);
//!   else SMD.
//!
//! Changes within [`TIE`] (relative) of a threshold count as on it, so decimal inputs classify
//! as written (5.2 / 4.0 - 1 is 0.30000000000000004 in binary).

use anyhow::{bail, Result};
use std::fmt;

/// Relative tolerance of the threshold comparisons (rounding of decimal inputs).
pub const TIE: f64 = 1e-9;
/// PERCIST 1.0 relative change threshold (Wahl 2009 Table 3): 30%.
pub const PERCIST_RELATIVE: f64 = 0.30;
/// PERCIST 1.0 absolute SUL change threshold (Wahl 2009 Table 3): 0.8 SUL units.
pub const PERCIST_ABSOLUTE_SUL: f64 = 0.8;
/// EORTC decrease for PMR after one cycle (Young 1999): 15%.
pub const EORTC_PMR_ONE_CYCLE: f64 = 0.15;
/// EORTC decrease for PMR after more than one cycle, and increase for PMD (Young 1999): 25%.
pub const EORTC_CHANGE: f64 = 0.25;

/// A metabolic response category.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// complete metabolic response
    Cmr,
    /// partial metabolic response
    Pmr,
    /// stable metabolic disease
    Smd,
    /// progressive metabolic disease
    Pmd,
}

impl Category {
    /// The abbreviation: CMR, PMR, SMD or PMD.
    pub fn code(self) -> &'static str {
        match self {
            Category::Cmr => "CMR",
            Category::Pmr => "PMR",
            Category::Smd => "SMD",
            Category::Pmd => "PMD",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

fn check(what: &str, v: f64) -> Result<()> {
    if !(v.is_finite() && v >= 0.0) {
        bail!("{what} = {v}, expected a finite non-negative uptake value");
    }
    Ok(())
}

/// PERCIST 1.0 category from the baseline and follow-up SULpeak; `background` is the follow-up
/// background level (e.g. mean liver SUL) for the CMR test, None to skip it.
///
/// # Errors
/// A non-finite or negative value, or a zero baseline.
pub fn percist(baseline: f64, followup: f64, background: Option<f64>) -> Result<Category> {
    check("PERCIST baseline SULpeak", baseline)?;
    check("PERCIST follow-up SULpeak", followup)?;
    if baseline == 0.0 {
        bail!("PERCIST baseline SULpeak is 0: the change is undefined");
    }
    if let Some(b) = background {
        check("PERCIST background SUL", b)?;
        if followup <= b {
            return Ok(Category::Cmr);
        }
    }
    let diff = followup - baseline;
    let rel = diff / baseline;
    let ge = |x: f64, t: f64| x >= t * (1.0 - TIE);
    let gt = |x: f64, t: f64| x > t * (1.0 + TIE);
    Ok(
        if ge(-rel, PERCIST_RELATIVE) && ge(-diff, PERCIST_ABSOLUTE_SUL) {
            Category::Pmr
        } else if gt(rel, PERCIST_RELATIVE) && gt(diff, PERCIST_ABSOLUTE_SUL) {
            Category::Pmd
        } else {
            Category::Smd
        },
    )
}

/// EORTC category from the baseline and follow-up SUV after `cycles` treatment cycles;
/// `background` as for [`percist`].
///
/// # Errors
/// A non-finite or negative value, a zero baseline, or zero cycles.
pub fn eortc(
    baseline: f64,
    followup: f64,
    cycles: u32,
    background: Option<f64>,
) -> Result<Category> {
    check("EORTC baseline SUV", baseline)?;
    check("EORTC follow-up SUV", followup)?;
    if baseline == 0.0 {
        bail!("EORTC baseline SUV is 0: the change is undefined");
    }
    if cycles == 0 {
        bail!("EORTC: the follow-up scan comes after at least one cycle (got 0)");
    }
    if let Some(b) = background {
        check("EORTC background SUV", b)?;
        if followup <= b {
            return Ok(Category::Cmr);
        }
    }
    let rel = followup / baseline - 1.0;
    let pmr = if cycles == 1 {
        -rel >= EORTC_PMR_ONE_CYCLE * (1.0 - TIE)
    } else {
        -rel > EORTC_CHANGE * (1.0 + TIE)
    };
    Ok(if pmr {
        Category::Pmr
    } else if rel > EORTC_CHANGE * (1.0 + TIE) {
        Category::Pmd
    } else {
        Category::Smd
    })
}
