//! Analyses of real data sets (published measurements, training runs and
//! logs): each returns typed results and figure data; the command line
//! writes them.

pub mod dark_matter;
pub mod hitchhiker;
pub mod isoflops;
