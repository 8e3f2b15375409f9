//! Loss surfaces `L(N, D) = E + A/N^α + B/D^β` and their compute-optimal
//! allocation under `C = 6ND`.

pub mod power_law;
mod surface;

pub use surface::{LossSurface, ModelError, Preset};
