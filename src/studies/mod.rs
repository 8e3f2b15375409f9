//! Analyses of real data sets.

pub mod hitchhiker;
