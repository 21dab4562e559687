//! `assay completions SHELL`: a completion script generated from the
//! command-line definition, so it cannot drift from the flags.

use std::io::Write as _;

use anyhow::Result;
use clap::CommandFactory as _;

use crate::Status;
use crate::args::{Cli, ColorWhen, CompletionsArgs};
use crate::output::Output;

/// Writes the script on standard output.
pub fn run(args: &CompletionsArgs) -> Result<Status> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "assay", &mut script);
    let mut output = Output::open(None, ColorWhen::Never)?;
    let written = output.writer().write_all(&script);
    output.finish(written)?;
    Ok(Status::Success)
}
