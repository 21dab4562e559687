//! File-mediated flows: credential files copied or archived, then the copy
//! or the archive uploaded.

use std::sync::Arc;

use super::hosts::Hosts;
use super::{Leak, Sink, SinkKind, Step, sinks};
use crate::python::names::credential_location;
use crate::python::{Call, FileAnalysis};

/// Calls that copy or archive files.
fn stages(call: &Call) -> bool {
    call.classes.copies_or_archives_files()
        || (call.is_process()
            && call
                .args
                .first()
                .and_then(|v| v.printed())
                .is_some_and(|t| {
                    let program = t.split_whitespace().next().unwrap_or("");
                    matches!(
                        crate::rules::program_name(program),
                        "zip" | "tar" | "cp" | "7z"
                    )
                }))
}

/// Sends that upload a file: `files=` of an HTTP client, `curl -F
/// name=@path` / `-T`, FTP `storbinary`, an SMTP message.
fn uploads_file(call: &Call, kind: SinkKind) -> bool {
    if kind != SinkKind::Send {
        return false;
    }
    let last = call.name.last_name().unwrap_or_default();
    call.keyword("files").is_some()
        || last.ends_with("storbinary")
        || last.ends_with("send_message")
        || last.ends_with("sendmail")
        || call
            .args
            .first()
            .and_then(|v| v.printed())
            .is_some_and(|t| {
                t.contains("=@")
                    || t.split_whitespace()
                        .any(|w| w == "-T" || w == "--upload-file")
            })
}

/// In each function of `file`: credential files copied or archived and an
/// upload of a file to a host that is not the user's choice nor the
/// package's own. `kinds` holds each call's sink kind.
pub(super) fn leaks(
    file: &FileAnalysis,
    kinds: &[Option<SinkKind>],
    hosts: &Hosts,
    out: &mut Vec<Leak>,
) {
    // The stage first: few files copy or archive files, and the others'
    // calls need not be grouped.
    if !file.calls.iter().any(stages) {
        return;
    }
    let path: Arc<str> = file.path.as_str().into();
    // The calls of each function, with their sink kinds.
    type CallsOf<'c> = Vec<(&'c Call, Option<SinkKind>)>;
    let mut functions: std::collections::BTreeMap<&Option<Arc<str>>, CallsOf<'_>> =
        std::collections::BTreeMap::new();
    for (call, kind) in file.calls.iter().zip(kinds) {
        functions
            .entry(&call.function)
            .or_default()
            .push((call, *kind));
    }
    for calls in functions.values() {
        // The stage first: few functions copy or archive files, and
        // every text of the others need not be searched.
        let Some((stage, _)) = calls.iter().find(|(c, _)| stages(c)) else {
            continue;
        };
        let named = calls
            .iter()
            .flat_map(|(c, _)| c.all_args())
            .find_map(|v| v.printed().and_then(credential_location));
        let Some(what) = named else { continue };
        for &(call, kind) in calls.iter() {
            let Some(kind) = kind else {
                continue;
            };
            if !uploads_file(call, kind) {
                continue;
            }
            let Some(url) = sinks::destination(call) else {
                continue;
            };
            let Some(host) = sinks::host_of(url) else {
                continue;
            };
            if hosts.is_own(host) {
                continue;
            }
            let foreign = hosts
                .foreign(url, host, &file.source, true)
                .unwrap_or(super::hosts::UNUSED_HOST);
            let step = |c: &Call, what: String| Step {
                path: path.clone(),
                line: c.line,
                what: what.into(),
            };
            out.push(Leak {
                credential: format!("a copy of the {what}").into(),
                sink: Arc::new(Sink {
                    kind,
                    name: call.name.clone(),
                    host: Some(host.into()),
                    foreign: Some(foreign.into()),
                    silenced: call.silenced,
                    at: step(call, format!("`{}` uploads it", call.name)),
                }),
                chain: vec![step(
                    stage,
                    format!("`{}` copies or archives the {what}", stage.name),
                )],
                context: call.context,
                across: None,
            });
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_locations_as_segments() {
        assert_eq!(credential_location("~/.ssh"), Some("SSH keys"));
        assert_eq!(
            credential_location("{}/.aws/credentials"),
            Some("AWS credentials")
        );
        assert_eq!(
            credential_location("/home/{}/.bash_history"),
            Some("shell history")
        );
        assert_eq!(credential_location("docs/.sshrc-example.md"), None);
        assert_eq!(credential_location("my.awsome"), None);
    }
}
