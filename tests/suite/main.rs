//! The integration test suite: one binary, one module per area.

mod analysis;
mod approach2;
mod approach3;
mod bootstrap;
mod cli;
mod common;
mod conditioning;
mod experiments;
mod fuzz;
mod lbfgsb;
mod models;
mod nnls;
mod precision;
mod robustness;
mod vpnls;
