//! Printers: each output format consumes [`ArtifactReport`]s and writes to
//! any `io::Write`. The library never prints on its own.
//!
//! [`ArtifactReport`]: crate::scan::ArtifactReport
