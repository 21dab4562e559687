//! `assay scan`: scan artifacts in parallel and print one report.

use anyhow::{Context, Result};
use assay::report::human::{HumanOptions, Verbosity};
use assay::report::{self, sarif};
use assay::{ArtifactReport, Scanner};

use crate::Status;
use crate::args::{FailOn, Format, ScanArgs};
use crate::output::Output;
use assay_pipeline::{Outcome, ScanOptions, Target, config};

use crate::progress::Progress;
use crate::sink::Sink;

/// Scans every path, prints the report and returns the exit status earned.
pub fn run(args: &ScanArgs) -> Result<Status> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.map_or(0, |n| n.get()))
        .stack_size(assay::WORKER_STACK_BYTES)
        .build_global()
        .context("cannot start the worker threads")?;
    let loaded = crate::proxy::load_config(args.config.as_deref())?;
    let config_path = loaded.path.clone().unwrap_or_default();
    let policy = loaded.options.policy(&config_path)?;
    let fail_on = args
        .fail_on
        .or(loaded.options.fail_on)
        .unwrap_or(FailOn::Malicious);
    let baseline = args
        .baseline
        .as_deref()
        .map(assay_pipeline::Baseline::read)
        .transpose()?;
    let suppressor = assay_pipeline::Suppressor::new(policy, baseline);
    let mut output = Output::open(args.output.as_deref(), args.color)?;

    let mut scanner = Scanner::new().limits(args.limits.to_limits());
    if !args.yara.is_empty() {
        let rules = assay::yara::YaraRules::compile(&args.yara)?;
        scanner = scanner.yara(std::sync::Arc::new(rules));
    }
    let progress = Progress::stderr(args.quiet);
    // Sort the targets: files and folders, dependency inputs, names.
    let mut paths = Vec::new();
    let mut names = Vec::new();
    let mut inputs: Vec<(std::path::PathBuf, assay_deps::InputKind)> = args
        .requirements
        .iter()
        .map(|r| (r.clone(), assay_deps::InputKind::Requirements))
        .collect();
    let mut misplaced = Vec::new();
    for arg in &args.paths {
        match assay_pipeline::classify(arg) {
            Target::Path(path) => paths.push(path),
            Target::Input(path, kind) => inputs.push((path, kind)),
            Target::Requirement(text) => names.push(text),
            Target::RequirementsWithoutFlag(path) => {
                let message = format!(
                    "this is a requirements file, not a package: scan what it lists with `assay scan -r {}`",
                    path.display()
                );
                misplaced.push(ArtifactReport::unreadable(&path, message));
            }
        }
    }
    let Outcome {
        reports: remote_reports,
        local,
        warnings,
        noted,
    } = if names.is_empty() && inputs.is_empty() {
        Outcome::default()
    } else {
        let options = scan_options(args, &loaded.options)?;
        assay_pipeline::scan(&options, &scanner, &names, &inputs, &progress)?
    };
    // A local project named twice (`-e ./pkg` and `./pkg`, or by two
    // inputs) is one artifact.
    for path in local {
        let same = |p: &std::path::PathBuf| {
            p == &path
                || std::fs::canonicalize(p)
                    .ok()
                    .is_some_and(|c| std::fs::canonicalize(&path).is_ok_and(|d| c == d))
        };
        if !paths.iter().any(same) {
            paths.push(path);
        }
    }
    // One local artifact gets no bar; several, or anything downloaded, do.
    progress.expect(paths.len());
    if !remote_reports.is_empty() || paths.len() + args.envs.len() > 1 {
        progress.show_scanning();
    }

    let color = output.color();
    let mut sink =
        Sink::new(args.format, fail_on.threshold(), output.writer()).suppress_with(suppressor);
    let written = (|| -> std::io::Result<()> {
        for report in remote_reports.into_iter().chain(misplaced) {
            sink.push(report)?;
        }
        scan_paths_in_order(&scanner, &paths, &progress, &mut sink)?;
        for env in &args.envs {
            // An environment's distributions are only known once it is read.
            let counted = |report: &ArtifactReport| {
                progress.expect(1);
                progress.scanned(&report.target);
            };
            match scanner.scan_environment_with(env, counted) {
                Ok(found) => {
                    for report in found {
                        sink.push(report)?;
                    }
                }
                Err(error) => sink.push(ArtifactReport::unreadable(env, error.to_string()))?,
            }
        }
        Ok(())
    })()
    // Packages scanned together see each other's function summaries.
    .and_then(|()| sink.link());
    progress.finish();
    print_warnings(&warnings);
    if matches!(args.format, Format::Sarif | Format::Jsonl) {
        // SARIF and JSON Lines have no place for provenance notes.
        print_warnings(&noted);
    }
    let status = sink.status();
    let written = written
        .and_then(|()| sink.finish_stream(&warnings))
        .and_then(|()| match args.format {
            Format::Human => {
                let verbosity = match (args.quiet, args.verbose) {
                    (true, _) => Verbosity::Quiet,
                    (_, true) => Verbosity::Verbose,
                    _ => Verbosity::Normal,
                };
                let options = HumanOptions { color, verbosity };
                let (reports, out) = sink.kept();
                report::human::write(&mut &mut *out, reports, &options)
            }
            Format::Sarif => {
                let (reports, out) = sink.kept();
                sarif::write_with_policy(&mut &mut *out, reports, &args.sarif_level.policy(fail_on))
            }
            // Written as the reports came.
            Format::Json | Format::Jsonl => Ok(()),
        });
    drop(sink);
    output.finish(written)?;
    Ok(status)
}

/// The pipeline's options for an index-backed scan: the command line's,
/// over the configuration file's index settings (as `proxy` and
/// `install` read them).
fn scan_options(args: &ScanArgs, config: &config::Options) -> anyhow::Result<ScanOptions> {
    let mut index = args.index.to_options().or_config(config);
    index.timeout_total = args.timeout_total.map(std::time::Duration::from_secs);
    let platform = args
        .platform
        .as_deref()
        .map(assay_index::Platform::from_target)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--platform: {e}"))?;
    Ok(ScanOptions {
        index,
        constraints: args.constraints.clone(),
        python_version: crate::python_version::python_version(args.python_version.as_deref()),
        no_deps: args.no_deps,
        all_files: args.all_files,
        pre: args.pre,
        jobs: args.jobs,
        limits: args.limits.to_limits(),
        platform,
        scope: assay_deps::Scope {
            extras: args.extras.clone(),
            all_extras: args.all_extras,
            groups: args.groups.clone(),
            only_groups: args.only_groups.clone(),
            all_groups: args.all_groups,
            no_default_groups: args.no_default_groups,
        },
    })
}

/// Scans local files and folders in parallel and hands each report to the
/// sink in the order the paths were given, as soon as every earlier one is
/// done: only reports finished ahead of their turn wait in memory.
fn scan_paths_in_order(
    scanner: &Scanner,
    paths: &[std::path::PathBuf],
    progress: &Progress,
    sink: &mut Sink<'_>,
) -> std::io::Result<()> {
    let (sender, receiver) = std::sync::mpsc::channel::<(usize, ArtifactReport)>();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            scanner.scan_paths_into(paths, |index, report| {
                progress.scanned(&report.target);
                // The receiver only goes away on a write error: the
                // remaining reports have nowhere to go.
                let _ = sender.send((index, report));
            });
        });
        let mut waiting = std::collections::BTreeMap::new();
        let mut next = 0;
        let mut result = Ok(());
        for (index, report) in receiver {
            waiting.insert(index, report);
            while let Some(report) = waiting.remove(&next) {
                next += 1;
                if result.is_ok() {
                    result = sink.push(report);
                }
            }
        }
        result
    })
}

/// The exit status a scan earns: 1 when some verdict reaches `threshold`,
/// otherwise 2 when some artifact was not fully scanned, otherwise 0.
#[cfg(test)]
fn status(reports: &[ArtifactReport], threshold: Option<assay::VerdictLabel>) -> Status {
    let mut tally = crate::sink::Tally::default();
    for report in reports {
        tally.add(report, threshold);
    }
    tally.status()
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

    use assay::{Verdict, VerdictLabel};

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
