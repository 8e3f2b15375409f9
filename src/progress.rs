//! Progress of long computations, reported upward through a trait.
//!
//! The library never touches the terminal: an experiment, a study or a
//! command that runs many fits takes a `&dyn Progress` and says when a
//! stage starts (with its count of units: fits, cells, replicates), when
//! units finish (from any worker thread) and when the stage ends. The
//! command line decides what to show (a bar on a terminal, one line per
//! finished stage when piped). Reporting only counts: no result depends on
//! it, nor on the order in which threads report.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

/// A receiver of progress reports. Every method has an empty default, so a
/// receiver implements only what it shows; the methods may be called from
/// several threads at once.
pub trait Progress: Sync {
    /// A stage named `stage` starts with `total` units of work.
    fn start(&self, _stage: &str, _total: u64) {}
    /// One more unit of the current stage is done.
    fn tick(&self) {}
    /// The stage named `stage` is done.
    fn finish(&self, _stage: &str) {}
}

/// Reports nothing: for callers that do not show progress.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {}

/// Counts what it is told (for tests): stages started and finished, units
/// ticked, and the stage names with their announced totals in order.
#[derive(Debug, Default)]
pub struct Tally {
    started: AtomicUsize,
    finished: AtomicUsize,
    ticks: AtomicU64,
    stages: Mutex<Vec<(String, u64)>>,
}

impl Tally {
    /// Stages started.
    pub fn started(&self) -> usize {
        self.started.load(Ordering::SeqCst)
    }
    /// Stages finished.
    pub fn finished(&self) -> usize {
        self.finished.load(Ordering::SeqCst)
    }
    /// Units ticked, over all stages.
    pub fn ticks(&self) -> u64 {
        self.ticks.load(Ordering::SeqCst)
    }
    /// `(stage, total)` in the order the stages started.
    pub fn stages(&self) -> Vec<(String, u64)> {
        self.stages.lock().map(|s| s.clone()).unwrap_or_default()
    }
    /// The sum of the announced totals.
    pub fn announced(&self) -> u64 {
        self.stages().iter().map(|s| s.1).sum()
    }
}

impl Progress for Tally {
    fn start(&self, stage: &str, total: u64) {
        self.started.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut s) = self.stages.lock() {
            s.push((stage.to_string(), total));
        }
    }
    fn tick(&self) {
        self.ticks.fetch_add(1, Ordering::SeqCst);
    }
    fn finish(&self, _stage: &str) {
        self.finished.fetch_add(1, Ordering::SeqCst);
    }
}

/// Ticks its receiver once when dropped: one unit done however the work
/// ended (a result or an early error return).
pub struct Tick<'a>(pub &'a dyn Progress);

impl Drop for Tick<'_> {
    fn drop(&mut self) {
        self.0.tick();
    }
}

impl std::fmt::Debug for Tick<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tick")
    }
}
