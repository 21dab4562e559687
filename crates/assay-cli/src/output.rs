//! Where reports go: standard output or `--output FILE`, with colour
//! decided once, up front.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anstream::stream::{AsLockedWrite, RawStream};
use anstream::{AutoStream, ColorChoice};
use anyhow::{Context, Result};

use crate::args::ColorWhen;

/// An open destination for a report.
pub struct Output {
    writer: Box<dyn Write>,
    /// `None` for standard output.
    path: Option<PathBuf>,
    color: bool,
}

impl Output {
    /// Opens standard output, or creates `path` (before any scanning, so a
    /// bad path fails fast).
    pub fn open(path: Option<&Path>, when: ColorWhen) -> Result<Output> {
        match path {
            None => Ok(Output::new(io::stdout().lock(), None, when)),
            Some(path) => {
                let file = File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                Ok(Output::new(file, Some(path.to_owned()), when))
            }
        }
    }

    fn new<S: RawStream + AsLockedWrite + 'static>(
        raw: S,
        path: Option<PathBuf>,
        when: ColorWhen,
    ) -> Output {
        let color = match when {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            // Terminals only, unless NO_COLOR (or CLICOLOR=0) says otherwise.
            ColorWhen::Auto => AutoStream::choice(&raw) != ColorChoice::Never,
        };
        let choice = if color {
            ColorChoice::Always
        } else {
            ColorChoice::Never
        };
        Output {
            writer: Box::new(BufWriter::new(AutoStream::new(raw, choice))),
            path,
            color,
        }
    }

    /// Whether the report should be coloured.
    pub fn color(&self) -> bool {
        self.color
    }

    /// The writer to print the report into.
    pub fn writer(&mut self) -> &mut Box<dyn Write> {
        &mut self.writer
    }

    /// Flushes the report, naming the destination in the error.
    pub fn finish(mut self, written: io::Result<()>) -> Result<()> {
        let result = crate::ignore_broken_pipe(written.and_then(|()| self.writer.flush()));
        result.with_context(|| match &self.path {
            Some(path) => format!("cannot write the report to {}", path.display()),
            None => "cannot write the report to standard output".to_owned(),
        })
    }
}
