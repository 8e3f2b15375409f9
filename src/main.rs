//! `scaling-laws`: the command-line tool. See `specs/commands.md`.

use std::process::ExitCode;

use clap::Parser;
use scaling_laws::cli::{run, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
