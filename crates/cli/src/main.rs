//! The `flowlake` binary: parse arguments, run one command, map the outcome to an exit code.
//!
//! Exit codes (for batch schedulers):
//! - 0: everything done;
//! - 2: done, but some input was rejected or unreadable (the rest was written and committed);
//! - 1: fatal error, usage errors included (nothing new was published).

mod args;
mod commands;
mod engine;
mod output;
mod repl;
mod results;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

/// What a command reports back to `main`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// Finished, but some input was rejected or could not be read.
    Partial,
    /// Finished, but some detection could not look (skipped, inconclusive): not an
    /// all-clear.
    Incomplete,
    /// Finished, and traffic broke the segmentation policy (accepted crossings).
    Violations,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Command::Convert(args) => commands::convert::run(args),
        Command::Compact(args) => commands::compact::run(&args),
        Command::Sql(args) => commands::sql::run(&args),
        Command::Hunt(cmd) => commands::hunt::run(cmd),
        Command::Ddl(cmd) => commands::ddl::run(cmd),
        Command::Export(cmd) => commands::export::run(&cmd),
        Command::Report(args) => commands::report::run(&args),
        Command::Investigate(args) => commands::investigate::run(&args),
        Command::Segmentation(cmd) => commands::segmentation::run(&cmd),
        Command::Gen(args) => commands::generate::run(&args),
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Partial) => ExitCode::from(2),
        Ok(Outcome::Incomplete) => ExitCode::from(3),
        Ok(Outcome::Violations) => ExitCode::from(4),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// `flowlake ... | head` closing the pipe early is not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
