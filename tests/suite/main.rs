//! The integration test suite: one binary, one module per area.

mod allocation_cost;
mod analysis;
mod approach2;
mod approach2_corrected;
mod approach3;
mod bootstrap;
mod cli;
mod common;
mod conditioning;
mod dark_matter;
mod decisions;
mod design;
mod experiment_figures;
mod experiments;
mod fuzz;
mod global_stage;
mod hitchhiker;
mod identifiability;
mod isoflops;
mod lbfgsb;
mod models;
mod nnls;
mod plots;
mod power_law;
mod precision;
mod reference_outputs;
mod report_outputs;
mod robustness;
mod simulation;
#[path = "../support/bin.rs"]
mod support;
mod training_curve;
mod vmath;
mod vpnls;
