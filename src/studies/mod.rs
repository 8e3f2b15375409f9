//! Analyses of real data sets: each returns typed results and figure data;
//! the command line writes them.

pub mod dark_matter;
pub mod hitchhiker;
