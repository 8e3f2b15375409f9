//! The integration test suite: one binary, one module per area.

mod analysis;
mod approach2;
mod cli;
mod common;
mod experiments;
mod models;
mod nnls;
mod precision;
mod vpnls;
