//! BNCT treatment-planning studies (`kind = "bnct"`): the parts of
//! [`crate::study::bnct_study::run_file`].

pub mod boron;
pub mod figures;
pub mod radiobiology;
pub mod report;
pub mod spec;
pub mod transport;
