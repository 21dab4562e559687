//! Commands that two installed distributions of one environment both
//! install (issue 13). Each writes the same script into the scripts
//! folder, and the one installed last replaced the other's: a package that
//! takes over another installed package's command runs whenever the user
//! types it. Rule AY520 reports it on the distribution not named like the
//! command, or on each of them when none is.

use std::collections::BTreeMap;

use crate::artifact::Package;
use crate::carriers::run_points::{self, RunPoint};
use crate::rules::packaging::command_shadows_tool::{command_key, installed_by_another, normalise};
use crate::scan::ArtifactReport;

/// The commands an installed distribution declares (its `entry_points.txt`).
pub fn declared(package: &Package) -> Vec<RunPoint> {
    package
        .files
        .iter()
        .flat_map(|f| run_points::declared_in(&f.path, &f.data, ""))
        .collect()
}

/// Adds to `reports[i]` (one per distribution, `commands[i]` its commands)
/// a finding for each command another distribution installs too, and
/// judges the reports it changed again.
pub fn shared(reports: &mut [ArtifactReport], commands: &[Vec<RunPoint>]) {
    let mut by_command: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, points) in commands.iter().enumerate() {
        for point in points {
            let installers = by_command.entry(command_key(&point.command)).or_default();
            if installers.last() != Some(&i) {
                installers.push(i);
            }
        }
    }
    let names: Vec<String> = reports
        .iter()
        .map(|r| {
            r.name
                .clone()
                .unwrap_or_else(|| r.target.display().to_string())
        })
        .collect();
    let mut added = vec![Vec::new(); reports.len()];
    for (command, installers) in by_command.iter().filter(|(_, i)| i.len() > 1) {
        let owner = installers
            .iter()
            .find(|&&i| normalise(&names[i]) == normalise(command));
        for &i in installers.iter().filter(|&i| Some(i) != owner) {
            let Some(point) = commands[i]
                .iter()
                .find(|p| command_key(&p.command) == *command)
            else {
                continue;
            };
            let others: Vec<String> = installers
                .iter()
                .filter(|&&j| j != i)
                .map(|&j| names[j].clone())
                .collect();
            added[i].push(installed_by_another(point, &others, owner.is_some()));
        }
    }
    for (report, findings) in reports.iter_mut().zip(added) {
        if !findings.is_empty() {
            report.add_findings(findings);
        }
    }
}
