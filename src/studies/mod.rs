//! Real-data analyses: studies of published measurements.

pub mod isoflops;
