//! The integration test suite: one binary, one module per area.

mod allocation_cost;
mod analysis;
mod approach2;
mod approach3;
mod bootstrap;
mod cli;
mod common;
mod conditioning;
mod experiments;
mod lbfgsb;
mod models;
mod nnls;
mod plots;
mod precision;
mod vpnls;
