//! L5 biology: linear-quadratic model with dose rate (BED, EQD2, G-factor), RBE, gEUD, TCP/NTCP,
//! tumour response over time and the tracer uptake of a follow-up PET.
//!
//! - [`gfactor`]: Lea–Catcheside G of exponential, uptake-exponential, constant and tabulated
//!   dose rates;
//! - [`lq`]: BED, EQD2, mixed alpha/beta doses, cycles, gEUD, surviving-fraction maps;
//! - [`tcp`], [`ntcp`]: Poisson TCP with a population spread of α; LKB NTCP;
//! - [`doserate`], [`response`]: per-voxel viable/damaged cell model and relative tracer uptake;
//! - [`region`]: BED map, TCP and NTCP of a region with its tissue's parameters (the study's
//!   entry points);
//! - [`tissues`]: default parameters with sources, `data/biology/tissues.toml`;
//! - [`calibration`]: the response model fitted to published lesion outcomes, tested on held-out ones.

pub mod bed;
pub mod calibration;
pub mod doserate;
pub mod gfactor;
pub mod lq;
pub mod ntcp;
pub mod region;
pub mod response;
pub mod special;
pub mod tcp;
pub mod tissues;

pub use doserate::DoseRateShape;
pub use gfactor::{g_mono_exponential, g_tabulated, g_uptake_exponential};
pub use lq::{bed_gy, bed_voxels, eqd2_gy, geud_gy};
pub use ntcp::{lkb_ntcp, LkbParams};
pub use region::{bed_map, region_ntcp, region_tcp, summarize, RegionSummary};
pub use response::{relative_uptake_voxels, CellState, ResponseModel, ResponseParams};
pub use tcp::{tcp_population, tcp_voxels};
pub use tissues::TissueDb;
