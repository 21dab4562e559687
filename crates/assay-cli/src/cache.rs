//! `assay cache dir` and `assay cache clean`.

use std::io::Write as _;

use anyhow::Result;
use assay_index::Cache;

use crate::Status;
use crate::args::{CacheAction, CacheArgs};
use crate::output::Output;

/// `assay cache clean` and `assay cache dir`.
pub fn run(args: &CacheArgs) -> Result<Status> {
    let dir = match &args.cache_dir {
        Some(dir) => dir.clone(),
        None => Cache::default_dir()?,
    };
    let mut output = Output::open(None, crate::args::ColorWhen::Never)?;
    let line = match args.action {
        CacheAction::Dir => dir.display().to_string(),
        CacheAction::Clean => {
            if !dir.exists() {
                format!("{}: nothing to clean", dir.display())
            } else {
                let stats = Cache::open(dir.clone())?.clean()?;
                format!("{}: removed {stats:?}", dir.display())
            }
        }
    };
    let written = writeln!(output.writer(), "{line}");
    output.finish(written)?;
    Ok(Status::Success)
}
