//! The `nftrace` command line: parses the arguments, runs the chosen command and turns every
//! error into one line on stderr with a non-zero exit code.

mod args;
mod events;
mod info;
mod report;
mod summary;
mod trace;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};
use events::run_events;
use info::{run_hooks, run_ruleset};
use report::{one_line, UsageError};
use trace::run_trace;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // First of all: every socket, file and process after this belongs to that namespace.
    if let Some(spec) = &cli.netns {
        if let Err(err) = nftrace::netns::enter(spec) {
            // The message names the namespace, the file and what to do.
            eprintln!("nftrace: {err}");
            return ExitCode::FAILURE;
        }
    }
    let result = match cli.command {
        None => run_trace(&cli.trace),
        Some(Command::Events(args)) => run_events(args),
        Some(Command::Hooks(args)) => run_hooks(&args),
        Some(Command::Ruleset(args)) => run_ruleset(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => match err.downcast_ref::<UsageError>() {
            Some(usage) => {
                eprintln!("nftrace: {usage}");
                ExitCode::from(2)
            }
            None => {
                eprintln!("nftrace: {}", one_line(err.chain()));
                ExitCode::FAILURE
            }
        },
    }
}
