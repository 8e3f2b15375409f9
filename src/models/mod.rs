//! Loss surfaces `L(N, D) = E + A/N^α + B/D^β` and their compute-optimal
//! allocation under `C = 6ND`.

mod surface;

pub use surface::{LossSurface, ModelError, Preset};
