//! `assay scan`: scan artifacts in parallel and print one report.

use anyhow::{Context, Result};
use assay::report::human::{HumanOptions, Verbosity};
use assay::report::{self, json, sarif};
use assay::{ArtifactReport, Scanner, VerdictLabel};

use crate::Status;
use crate::args::{Format, ScanArgs};
use crate::output::Output;
use crate::progress::Progress;
use crate::remote::{self, Target};

/// Stack size of each worker thread: the analysis recurses on deeply
/// nested Python.
const WORKER_STACK_BYTES: usize = 64 << 20;

/// Scans every path, prints the report and returns the exit status earned.
pub fn run(args: &ScanArgs) -> Result<Status> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.map_or(0, |n| n.get()))
        .stack_size(WORKER_STACK_BYTES)
        .build_global()
        .context("cannot start the worker threads")?;
    let mut output = Output::open(args.output.as_deref(), args.color)?;

    let scanner = Scanner::new().limits(args.limits.to_limits());
    let progress = Progress::stderr(args.quiet);
    let on_done = |report: &ArtifactReport| progress.scanned(&report.target);
    // Sort the targets: files and folders, dependency inputs, names.
    let mut paths = Vec::new();
    let mut names = Vec::new();
    let mut inputs: Vec<(std::path::PathBuf, assay_deps::InputKind)> = args
        .requirements
        .iter()
        .map(|r| (r.clone(), assay_deps::InputKind::Requirements))
        .collect();
    for arg in &args.paths {
        match remote::classify(arg) {
            Target::Path(path) => paths.push(path),
            Target::Input(path, kind) => inputs.push((path, kind)),
            Target::Requirement(text) => names.push(text),
        }
    }
    let remote::Outcome {
        mut reports,
        local,
        warnings,
        noted,
    } = if names.is_empty() && inputs.is_empty() {
        remote::Outcome::default()
    } else {
        remote::scan(args, &scanner, &names, &inputs, &progress)?
    };
    paths.extend(local);
    // One local artifact gets no bar; several, or anything downloaded, do.
    progress.expect(paths.len());
    if !reports.is_empty() || paths.len() + args.envs.len() > 1 {
        progress.show_scanning();
    }
    reports.extend(scanner.scan_paths(&paths, on_done));
    for env in &args.envs {
        // An environment's distributions are only known once it is read.
        let counted = |report: &ArtifactReport| {
            progress.expect(1);
            on_done(report);
        };
        match scanner.scan_environment_with(env, counted) {
            Ok(found) => reports.extend(found),
            Err(error) => reports.push(ArtifactReport::unreadable(env, error.to_string())),
        }
    }
    progress.finish();
    // Packages scanned together see each other's function summaries.
    assay::flows::link(&mut reports);
    print_warnings(&warnings);
    if args.format == Format::Sarif {
        // SARIF has no place for provenance notes.
        print_warnings(&noted);
    }

    let status = status(&reports, args.fail_on.threshold());
    let color = output.color();
    let out = output.writer();
    let written = match args.format {
        Format::Human => {
            let verbosity = match (args.quiet, args.verbose) {
                (true, _) => Verbosity::Quiet,
                (_, true) => Verbosity::Verbose,
                _ => Verbosity::Normal,
            };
            let options = HumanOptions { color, verbosity };
            report::human::write(out, &reports, &options)
        }
        Format::Json => json::write_with_warnings(out, &reports, &warnings),
        Format::Sarif => sarif::write(out, &reports),
    };
    output.finish(written)?;
    Ok(status)
}

/// The exit status a scan earns: 1 when some verdict reaches `threshold`,
/// otherwise 2 when some artifact was not fully scanned, otherwise 0.
fn status(reports: &[ArtifactReport], threshold: Option<VerdictLabel>) -> Status {
    let failed = threshold.is_some_and(|threshold| {
        reports
            .iter()
            .filter_map(|r| r.verdict.as_ref())
            .any(|v| v.label >= threshold)
    });
    if failed {
        Status::Failure
    } else if reports.iter().any(|r| !r.errors.is_empty()) {
        Status::Error
    } else {
        Status::Success
    }
}

/// Prints what the user should know about the scan on standard error,
/// after the progress bars are gone: one `warning:` line each, with control
/// characters escaped (the text can come from a package's metadata).
fn print_warnings(warnings: &[String]) {
    use std::io::Write as _;

    use owo_colors::OwoColorize as _;

    let mut stderr = anstream::stderr().lock();
    for warning in warnings {
        let _ = writeln!(
            stderr,
            "{} {}",
            "warning:".yellow().bold(),
            report::escape_controls(warning)
        );
    }
}

#[cfg(test)]
mod tests {

    use assay::Verdict;

    use super::*;

    fn report(label: Option<VerdictLabel>, error: bool) -> ArtifactReport {
        let mut report = ArtifactReport::unreadable(std::path::Path::new("x"), "bad".into());
        report.verdict = label.map(|label| Verdict {
            label,
            score: 0,
            evidence: Vec::new(),
        });
        if !error {
            report.errors.clear();
        }
        report
    }

    #[test]
    fn exit_status() {
        use VerdictLabel::*;
        let clean = || report(Some(Clean), false);
        let suspicious = || report(Some(Suspicious), false);
        let unread = || report(None, true);

        assert_eq!(status(&[], Some(Malicious)), Status::Success);
        assert_eq!(status(&[clean()], Some(Malicious)), Status::Success);
        assert_eq!(
            status(&[clean(), suspicious()], Some(Malicious)),
            Status::Success
        );
        assert_eq!(
            status(&[clean(), suspicious()], Some(Suspicious)),
            Status::Failure
        );
        assert_eq!(status(&[suspicious()], None), Status::Success);

        // An artifact not fully scanned is not known to be safe...
        assert_eq!(status(&[clean(), unread()], Some(Malicious)), Status::Error);
        assert_eq!(status(&[unread()], None), Status::Error);
        // ...but a verdict that meets --fail-on says more.
        let malicious_with_errors = report(Some(Malicious), true);
        assert_eq!(
            status(&[unread(), malicious_with_errors], Some(Malicious)),
            Status::Failure
        );
    }
}
