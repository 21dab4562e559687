//! Errors of input parsing.

use std::path::PathBuf;

/// An input file could not be read or understood.
///
/// `line` is 1-based; 0 means the error concerns the whole file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// The file could not be read.
    #[error("{}: cannot read: {source}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file's content is malformed.
    #[error("{}:{line}: {message}", file.display())]
    Invalid {
        /// The file.
        file: PathBuf,
        /// 1-based line, 0 for the whole file.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A limit was exceeded (file size, nesting of `-r` includes, entries).
    #[error("{}: {message}", file.display())]
    Limit {
        /// The file.
        file: PathBuf,
        /// Which limit.
        message: String,
    },
}

impl InputError {
    pub(crate) fn invalid(
        file: impl Into<PathBuf>,
        line: usize,
        message: impl Into<String>,
    ) -> Self {
        Self::Invalid {
            file: file.into(),
            line,
            message: message.into(),
        }
    }
}
