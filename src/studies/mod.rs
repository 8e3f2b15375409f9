//! Analyses of real data sets: studies of published measurements.

pub mod hitchhiker;
pub mod isoflops;
