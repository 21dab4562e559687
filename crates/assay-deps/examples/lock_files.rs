//! How many files `assay scan --all-files LOCK` plans: the files the lock
//! lists for the packages its default scope installs on any platform
//! (every marker holds), after the lock's own narrowing (for poetry.lock,
//! its `[metadata] python-versions`). Used by scripts/bench-lockfiles.sh
//! to count without downloading gigabytes of wheels.
//!
//!     cargo run -p assay-deps --example lock_files -- path/to/poetry.lock

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line development aid"
)]

use std::path::PathBuf;
use std::process::ExitCode;

use assay_deps::{InputKind, ParseOptions, Parsed};

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: lock_files LOCKFILE");
        return ExitCode::from(2);
    };
    let Some(kind) = InputKind::detect(&path) else {
        eprintln!("{}: not a lockfile name assay knows", path.display());
        return ExitCode::from(2);
    };
    let parsed = match assay_deps::parse_input_with(&path, kind, &ParseOptions::default()) {
        Ok(parsed) => parsed,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    let Parsed::Locked(lock) = parsed else {
        eprintln!("{}: not a lockfile", path.display());
        return ExitCode::from(2);
    };
    let files: usize = lock.packages.iter().map(|p| p.files.len()).sum();
    println!("{} packages, {files} files", lock.packages.len());
    for note in &lock.notes {
        println!("note: {}", note.message);
    }
    ExitCode::SUCCESS
}
