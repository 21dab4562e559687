//! Across packages: each scanned package's summaries, visible to the
//! packages scanned with it that call into it.

use std::sync::Arc;

use super::{Leak, summarise};
use crate::scan::ArtifactReport;
use crate::verdict;

/// Adds to each report the credentials it hands to another scanned
/// package's function that sends them to a foreign host (AY304, with the
/// chain through both packages), and judges the reports it changed again.
/// Reports without summaries (unreadable, or read from an old cache) are
/// left as they are.
pub fn link(reports: &mut [ArtifactReport]) {
    let mut found: Vec<(usize, Leak)> = Vec::new();
    for (i, report) in reports.iter().enumerate() {
        let Some(flows) = &report.flows else { continue };
        for handoff in &flows.handoffs {
            let top = handoff.callee.top_module().unwrap_or("");
            for (j, other) in reports.iter().enumerate() {
                let Some(theirs) = other.flows.as_ref().filter(|_| j != i) else {
                    continue;
                };
                if !theirs.modules.iter().any(|m| &**m == top) {
                    continue;
                }
                let Some((summary, skip)) = theirs.resolve(&handoff.callee) else {
                    continue;
                };
                let package: Arc<str> = other
                    .name
                    .clone()
                    .unwrap_or_else(|| other.target.display().to_string())
                    .into();
                for (slot, credential) in &handoff.args {
                    let Some(param) = summarise::param_index(slot, skip, &summary.params) else {
                        continue;
                    };
                    let Some(flow) = summary.flows_of(param).find(|f| f.sink.is_hostile_send())
                    else {
                        continue;
                    };
                    let mut chain = vec![handoff.at.clone()];
                    chain.push(super::Step {
                        path: summary.path.clone(),
                        line: summary.line,
                        what: format!("`{}` of `{package}` receives it", summary.name).into(),
                    });
                    chain.extend(flow.chain.iter().cloned());
                    found.push((
                        i,
                        Leak {
                            credential: credential.clone(),
                            sink: flow.sink.clone(),
                            chain,
                            context: handoff.context,
                            across: Some(package.clone()),
                        },
                    ));
                    break;
                }
            }
        }
    }
    let mut changed: Vec<usize> = Vec::new();
    for (i, leak) in found {
        let finding = crate::rules::exfiltration::credential_flow::leak_finding(&leak, &[]);
        let report = &mut reports[i];
        if !report.findings.contains(&finding) {
            report.findings.push(finding);
            changed.push(i);
        }
    }
    changed.dedup();
    for i in changed {
        let report = &mut reports[i];
        report.findings.sort_by(|a, b| {
            (&a.location.path, a.location.line, a.rule).cmp(&(
                &b.location.path,
                b.location.line,
                b.rule,
            ))
        });
        report.verdict = Some(verdict::judge(&report.findings));
    }
}
