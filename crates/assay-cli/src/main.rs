//! The `assay` binary: all of it is in the library's [`assay_cli::run`].

use std::process::ExitCode;

/// mimalloc: the analysis allocates many small nodes on every thread, where
/// the system allocator spends a quarter of the time (measured with perf).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    assay_cli::run(std::env::args_os())
}
