//! The `assay` binary: all of it is in the library's [`assay_cli::run`].

use std::process::ExitCode;

fn main() -> ExitCode {
    assay_cli::run(std::env::args_os())
}
