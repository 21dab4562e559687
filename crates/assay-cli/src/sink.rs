//! Where finished reports go. JSON and JSON Lines are written as each
//! report arrives, and the report is dropped at once: memory does not grow
//! with the number of artifacts. The human report and SARIF need every
//! report before they print (the human one prints after the progress bars
//! are gone; SARIF is one document with its rules first), so they keep
//! them. Whatever the format, the sink keeps the exit status up to date.
//!
//! Packages scanned together see each other's function summaries
//! ([`assay::flows::link`]): a package that hands a credential to another
//! package's function that sends it out is exfiltration in the caller. So
//! a streamed report that hands values to code outside its package waits
//! until every report is in (and is written last); the others are written
//! at once and only their summaries stay behind.

use std::io::{self, Write};

use assay::report::json;
use assay::{ArtifactReport, VerdictLabel};
use assay_pipeline::Suppressor;

use crate::Status;
use crate::args::Format;

/// Counts what decides the exit status.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    /// Some verdict is at or above `--fail-on`.
    failed: bool,
    /// Some artifact was not fully scanned.
    errored: bool,
}

impl Tally {
    /// Counts one report.
    pub fn add(&mut self, report: &ArtifactReport, threshold: Option<VerdictLabel>) {
        self.failed |= threshold.is_some_and(|threshold| {
            report
                .verdict
                .as_ref()
                .is_some_and(|verdict| verdict.label >= threshold)
        });
        self.errored |= !report.errors.is_empty();
    }

    /// 1 when some verdict reaches the threshold, otherwise 2 when some
    /// artifact was not fully scanned, otherwise 0.
    pub fn status(self) -> Status {
        if self.failed {
            Status::Failure
        } else if self.errored {
            Status::Error
        } else {
            Status::Success
        }
    }
}

/// The reports of one scan, on their way to the output.
pub struct Sink<'w> {
    format: Format,
    threshold: Option<VerdictLabel>,
    tally: Tally,
    /// The writer, until a JSON stream takes it.
    out: Option<&'w mut dyn Write>,
    /// The JSON document, once its header is written (on the first report,
    /// so that a run that fails before any report writes nothing).
    stream: Option<json::Stream<&'w mut dyn Write>>,
    /// Reports kept for the human and SARIF printers.
    kept: Vec<ArtifactReport>,
    /// Streamed reports that wait for the others' summaries.
    held: Vec<ArtifactReport>,
    /// What stays of the reports already streamed: name, target and
    /// function summaries, without findings.
    peers: Vec<ArtifactReport>,
    /// Marks accepted findings, once a report's findings are final.
    suppressor: Suppressor,
}

impl<'w> Sink<'w> {
    pub fn new(
        format: Format,
        threshold: Option<VerdictLabel>,
        out: &'w mut dyn Write,
    ) -> Sink<'w> {
        Sink {
            format,
            threshold,
            tally: Tally::default(),
            out: Some(out),
            stream: None,
            kept: Vec::new(),
            held: Vec::new(),
            peers: Vec::new(),
            suppressor: Suppressor::default(),
        }
    }

    /// Marks the findings `suppressor` accepts in every report, after
    /// linking and before the report is counted or written.
    pub fn suppress_with(mut self, suppressor: Suppressor) -> Sink<'w> {
        self.suppressor = suppressor;
        self
    }

    /// Takes one finished report.
    pub fn push(&mut self, report: ArtifactReport) -> io::Result<()> {
        match self.format {
            Format::Human | Format::Sarif => {
                self.kept.push(report);
                Ok(())
            }
            Format::Json | Format::Jsonl if hands_off(&report) => {
                self.held.push(report);
                Ok(())
            }
            Format::Json | Format::Jsonl => {
                if report.flows.is_some() {
                    self.peers.push(summary_only(&report));
                }
                self.write(report)
            }
        }
    }

    /// Links the packages' summaries across the reports, writes the reports
    /// that waited for that, and counts the kept ones. Call once, after the
    /// last report.
    pub fn link(&mut self) -> io::Result<()> {
        match self.format {
            Format::Human | Format::Sarif => {
                assay::flows::link(&mut self.kept);
                for report in &mut self.kept {
                    self.suppressor.apply(report);
                    self.tally.add(report, self.threshold);
                }
                Ok(())
            }
            Format::Json | Format::Jsonl => {
                let waiting = self.held.len();
                let mut all = std::mem::take(&mut self.held);
                all.append(&mut self.peers);
                assay::flows::link(&mut all);
                all.truncate(waiting);
                for report in all {
                    self.write(report)?;
                }
                Ok(())
            }
        }
    }

    /// Counts one streamed report and writes it.
    fn write(&mut self, mut report: ArtifactReport) -> io::Result<()> {
        self.suppressor.apply(&mut report);
        self.tally.add(&report, self.threshold);
        match self.format {
            Format::Jsonl => json::write_line(&mut self.writer(), &report),
            _ => self.json()?.artifact(&report),
        }
    }

    /// The JSON stream, begun on first use.
    fn json(&mut self) -> io::Result<&mut json::Stream<&'w mut dyn Write>> {
        if self.stream.is_none() {
            let out = self
                .out
                .take()
                .expect("only the JSON stream takes the writer");
            self.stream = Some(json::Stream::begin(out)?);
        }
        Ok(self.stream.as_mut().expect("begun above"))
    }

    /// The writer, for formats that do not stream a document.
    fn writer(&mut self) -> &mut dyn Write {
        self.out
            .as_deref_mut()
            .expect("only the JSON stream takes the writer")
    }

    /// The reports kept for a printer that needs them all, and the writer.
    pub fn kept(&mut self) -> (&[ArtifactReport], &mut dyn Write) {
        let out = self
            .out
            .as_deref_mut()
            .expect("only the JSON stream takes the writer");
        (&self.kept, out)
    }

    /// Closes a streamed document (JSON: the summary and `warnings`).
    pub fn finish_stream(&mut self, warnings: &[String]) -> io::Result<()> {
        if self.format != Format::Json {
            return Ok(());
        }
        self.json()?;
        match self.stream.take() {
            Some(stream) => stream.finish(warnings),
            None => Ok(()),
        }
    }

    /// The exit status the reports so far earn.
    pub fn status(&self) -> Status {
        self.tally.status()
    }
}

/// Whether a report hands values to functions of other packages, which a
/// package scanned alongside may define.
fn hands_off(report: &ArtifactReport) -> bool {
    report
        .flows
        .as_ref()
        .is_some_and(|flows| !flows.handoffs.is_empty())
}

/// A report reduced to what linking reads: its identity and summaries.
fn summary_only(report: &ArtifactReport) -> ArtifactReport {
    let mut peer = report.clone();
    peer.findings = Vec::new();
    peer.errors = Vec::new();
    peer
}
