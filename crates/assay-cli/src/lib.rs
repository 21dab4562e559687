//! The `assay` command-line tool: argument parsing, output destinations,
//! colour, progress and exit codes. Scanning and every output format live
//! in the `assay` library; this crate is glue.

use std::ffi::OsString;
use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;
use owo_colors::OwoColorize;

mod args;
mod cache;
mod completions;
mod install;
mod output;
mod progress;
mod proxy;
mod python_version;
mod rules;
mod scan;
mod sink;

pub use args::Cli;
use args::Command;

/// How `assay` exits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Nothing at or above `--fail-on`, and every artifact was read.
    Success,
    /// Some artifact's verdict is at or above `--fail-on`.
    Failure,
    /// A usage or output error, or (when nothing met `--fail-on`) an
    /// artifact that could not be fully scanned.
    Error,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        match status {
            Status::Success => ExitCode::SUCCESS,
            Status::Failure => ExitCode::from(1),
            Status::Error => ExitCode::from(2),
        }
    }
}

/// Runs `assay` with a command line (program name first) and returns its
/// exit code. Errors are printed on standard error as `error: …` with
/// their causes.
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            // `--help` and `--version` are "errors" printed on stdout.
            let status = if error.use_stderr() {
                Status::Error
            } else {
                Status::Success
            };
            let _ = error.print();
            return status.into();
        }
    };
    let outcome = match &cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Rules(args) => rules::list(args),
        Command::Explain(args) => rules::explain(args),
        Command::Cache(args) => cache::run(args),
        Command::Proxy(args) => proxy::run(args),
        Command::Completions(args) => completions::run(args),
        Command::Install(args) => match install::run(args) {
            Ok(code) => return code,
            Err(error) => Err(error),
        },
    };
    match outcome {
        Ok(status) => status.into(),
        Err(error) => {
            print_error(&error);
            Status::Error.into()
        }
    }
}

/// Prints an error and its cause chain on standard error.
fn print_error(error: &anyhow::Error) {
    let mut stderr = anstream::stderr().lock();
    let _ = writeln!(stderr, "{} {error}", "error:".red().bold());
    for cause in error.chain().skip(1) {
        let _ = writeln!(stderr, "  caused by: {cause}");
    }
}

/// Treats a closed standard output (`assay … | head`) as success: the
/// reader has all it wanted.
fn ignore_broken_pipe(result: io::Result<()>) -> io::Result<()> {
    match result {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
