//! What the command line shows of a long computation's progress, on
//! standard error (standard output keeps only the answer).
//!
//! The library reports through [`Progress`]; this receiver shows, on a
//! terminal, one line per open stage (a spinner with the elapsed time for a
//! stage without a count, a bar with `done/total` for one with a count),
//! redrawn several times a second from the start; and when standard error is
//! not a terminal, one line per finished stage, so that a log shows where
//! the time went. Every long command (`experiment`, `dark-matter`,
//! `isoflops`, `hitchhiker --all`) opens one stage per unit it runs and
//! passes the receiver down; a new command does the same.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::progress::Progress;

/// One open stage.
struct Stage {
    name: String,
    total: u64,
    done: u64,
    since: Instant,
    bar: Option<ProgressBar>,
}

/// Shows progress on standard error: bars on a terminal, lines otherwise.
pub(crate) struct Reporter {
    bars: Option<MultiProgress>,
    stages: Mutex<Vec<Stage>>,
}

impl Reporter {
    /// A receiver for this process's standard error.
    pub(crate) fn stderr() -> Self {
        Self {
            bars: std::io::stderr().is_terminal().then(MultiProgress::new),
            stages: Mutex::new(Vec::new()),
        }
    }

    fn bar(&self, depth: usize, name: &str, total: u64) -> Option<ProgressBar> {
        let multi = self.bars.as_ref()?;
        let indent = "  ".repeat(depth);
        let (bar, template) = if total == 0 {
            (
                ProgressBar::new_spinner(),
                format!("{indent}{{spinner}} {{prefix}} {{elapsed}}"),
            )
        } else {
            (
                ProgressBar::new(total),
                format!(
                    "{indent}{{prefix}} [{{bar:30}}] {{pos}}/{{len}} {{elapsed}} (eta {{eta}})"
                ),
            )
        };
        if let Ok(style) = ProgressStyle::with_template(&template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(name.to_string());
        let bar = multi.add(bar);
        bar.enable_steady_tick(Duration::from_millis(200));
        Some(bar)
    }
}

impl Progress for Reporter {
    fn start(&self, stage: &str, total: u64) {
        let Ok(mut stages) = self.stages.lock() else {
            return;
        };
        let bar = self.bar(stages.len(), stage, total);
        stages.push(Stage {
            name: stage.to_string(),
            total,
            done: 0,
            since: Instant::now(),
            bar,
        });
    }

    fn tick(&self) {
        let Ok(mut stages) = self.stages.lock() else {
            return;
        };
        if let Some(s) = stages.last_mut() {
            s.done += 1;
            if let Some(b) = &s.bar {
                b.inc(1);
            }
        }
    }

    fn finish(&self, _stage: &str) {
        let Ok(mut stages) = self.stages.lock() else {
            return;
        };
        let Some(s) = stages.pop() else {
            return;
        };
        if let Some(b) = &s.bar {
            b.finish_and_clear();
            if let Some(m) = &self.bars {
                m.remove(b);
            }
            return;
        }
        let path: Vec<&str> = stages
            .iter()
            .map(|o| o.name.as_str())
            .chain([s.name.as_str()])
            .collect();
        let count = if s.total == 0 {
            String::new()
        } else {
            format!(" {}/{}", s.done, s.total)
        };
        // A log line; a closed standard error loses it, nothing else.
        let _ = writeln!(
            std::io::stderr(),
            "{}:{count} done in {:.2} s",
            path.join(": "),
            s.since.elapsed().as_secs_f64()
        );
    }
}
