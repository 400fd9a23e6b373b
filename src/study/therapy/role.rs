//! What a region is for a therapy study: a lesion (TCP), an organ at risk (NTCP) or other,
//! decided by which parameters its tissue has.

use crate::biology::tissues::Tissue;
use serde::Serialize;

/// What a region is for the study.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// a tumour (tissue with α and a clonogen density): TCP
    Lesion,
    /// an organ at risk (tissue with LKB parameters): NTCP
    OrganAtRisk,
    /// reported without TCP or NTCP
    Other,
}

impl Role {
    /// The role as written in tables: lesion, organ_at_risk, other.
    pub fn code(self) -> &'static str {
        match self {
            Role::Lesion => "lesion",
            Role::OrganAtRisk => "organ_at_risk",
            Role::Other => "other",
        }
    }
}

/// The role of a region of tissue `t`.
pub fn role(t: &Tissue) -> Role {
    if t.alpha_per_gy.is_some() && t.clonogen_density_per_cm3.is_some() {
        Role::Lesion
    } else if t.lkb.is_some() {
        Role::OrganAtRisk
    } else {
        Role::Other
    }
}
