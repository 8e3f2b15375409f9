//! `scaling-laws`: the command-line tool. See `specs/commands.md`.
//!
//! Exit status: 0 success; 2 bad input (arguments, data, or data no method
//! can fit; clap's own usage errors also exit 2); 1 when the answer could
//! not be written (standard output closed or full; a reader that stops
//! reading, `| head`, gets no message). Nothing panics.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use scaling_laws::cli::{run, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(text) => {
            if stdout_was_closed() {
                let _ = writeln!(
                    std::io::stderr(),
                    "error: standard output is closed: the result was not printed (files under --out, if any, are written)"
                );
                return ExitCode::from(1);
            }
            // `println!` panics when stdout is closed (`| true`) or full
            // (`> /dev/full`): write and flush by hand and report failure.
            let mut out = std::io::stdout().lock();
            match writeln!(out, "{text}").and_then(|()| out.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                // The reader stopped reading (`| head`): the answer was not
                // all delivered (status 1), but the reader chose that, so no
                // message, as a command killed by SIGPIPE prints none.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::from(1),
                Err(e) => {
                    let _ = writeln!(
                        std::io::stderr(),
                        "error: the result could not be written to standard output: {e}"
                    );
                    ExitCode::from(1)
                }
            }
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Whether the process started with standard output closed (`>&-`). The
/// Rust runtime then opens `/dev/null` read-write on descriptor 1, so that
/// writes succeed unseen; a shell's `> /dev/null` opens it write-only. Read
/// from Linux's `/proc` (elsewhere: never reported).
fn stdout_was_closed() -> bool {
    let Ok(target) = std::fs::read_link("/proc/self/fd/1") else {
        return false;
    };
    if target != std::path::Path::new("/dev/null") {
        return false;
    }
    let Ok(info) = std::fs::read_to_string("/proc/self/fdinfo/1") else {
        return false;
    };
    // `flags:` is octal; the access mode is its low two bits (2: O_RDWR).
    info.lines()
        .find_map(|l| l.strip_prefix("flags:"))
        .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
        .is_some_and(|flags| flags & 3 == 2)
}
