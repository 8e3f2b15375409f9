//! Loss surfaces `L(N, D) = E + A/N^α + B/D^β` and their compute-optimal
//! allocation under `C = 6ND`; the same law in the training-curve
//! parametrisation `e^E + e^A·N^α + e^B·D^β`.

pub mod power_law;
mod surface;
mod training_curve;

pub use surface::{LossSurface, ModelError, Preset};
pub use training_curve::{LawTerms, TrainingCurveLaw};
