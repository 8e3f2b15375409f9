//! The integration test suite: one binary, one module per area.

mod analysis;
mod common;
mod precision;
