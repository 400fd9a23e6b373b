//! L5 biology: linear-quadratic model with dose rate (BED, EQD2, G-factor), RBE, gEUD, TCP/NTCP,
//! tumour response over time and the tracer uptake of a follow-up PET.
//!
//! - [`gfactor`]: Lea–Catcheside G of exponential, uptake-exponential, constant and tabulated
//!   dose rates;
//! - [`lq`]: BED, EQD2, mixed alpha/beta doses, cycles, gEUD, surviving-fraction maps;
//! - [`tcp`], [`ntcp`]: Poisson TCP with a population spread of α; LKB NTCP;
//! - [`doserate`], [`response`]: per-voxel viable/damaged cell model and relative tracer uptake;
//! - [`tissues`]: default parameters with sources, `data/biology/tissues.toml`.

pub mod doserate;
pub mod gfactor;
pub mod lq;
pub mod ntcp;
pub mod response;
pub mod special;
pub mod tcp;
pub mod tissues;

pub use doserate::DoseRateShape;
pub use gfactor::{g_mono_exponential, g_tabulated, g_uptake_exponential};
pub use lq::{bed_gy, bed_voxels, eqd2_gy, geud_gy};
pub use ntcp::{lkb_ntcp, LkbParams};
pub use response::{relative_uptake_voxels, CellState, ResponseModel, ResponseParams};
pub use tcp::{tcp_population, tcp_voxels};
pub use tissues::TissueDb;
