//! Where the core metadata an index serves beside a wheel (PEP 658) and
//! the wheel's own `METADATA` disagree.
//!
//! The resolver reads the served file first (it saves downloading the
//! wheel); the installer installs the wheel and follows the `METADATA`
//! inside it. A served file that differs lets a hostile index or mirror
//! show the resolver one set of dependencies while the installer pulls in
//! another, so every difference in what decides an install is reported:
//! name, version, `Requires-Python` and `Requires-Dist`.

use std::collections::BTreeMap;

use assay_packaging::{CoreMetadata, NumberedValue};
use pep440_rs::{Version, VersionSpecifiers};

use crate::excerpt::{QUOTED, excerpt};

/// Most differing requirements named in one message.
const MAX_NAMED: usize = 5;

/// The differences between `served` (the PEP 658 file) and `inside` (the
/// wheel's `METADATA`), one sentence each; empty when they agree.
pub fn metadata_disagreement(served: &[u8], inside: &[u8]) -> Vec<String> {
    let served = CoreMetadata::parse(served);
    let inside = CoreMetadata::parse(inside);
    let mut out = Vec::new();
    let name = |n: &Option<String>| n.as_deref().map(normalise_name);
    if name(&served.name) != name(&inside.name) {
        out.push(format!(
            "the index's metadata names {} but the wheel's METADATA names {}",
            shown(served.name.as_deref()),
            shown(inside.name.as_deref())
        ));
    }
    // PEP 440 equality: `1.0` is `1.0.0`.
    let version = |v: &Option<String>| {
        v.as_deref()
            .map(|v| v.parse::<Version>().map_err(|_| v.trim().to_owned()))
    };
    if version(&served.version) != version(&inside.version) {
        out.push(format!(
            "the index's metadata gives version {} but the wheel's METADATA gives {}",
            shown(served.version.as_deref()),
            shown(inside.version.as_deref())
        ));
    }
    let python = |p: &Option<String>| {
        p.as_deref().map(|p| {
            p.parse::<VersionSpecifiers>()
                .map_or_else(|_| p.trim().to_owned(), |s| s.to_string())
        })
    };
    if python(&served.requires_python) != python(&inside.requires_python) {
        out.push(format!(
            "the index's metadata requires Python {} but the wheel's METADATA requires {}",
            shown(served.requires_python.as_deref()),
            shown(inside.requires_python.as_deref())
        ));
    }
    let served_deps = requirement_counts(&served.requires_dist);
    let inside_deps = requirement_counts(&inside.requires_dist);
    let only_inside = difference(&inside_deps, &served_deps);
    let only_served = difference(&served_deps, &inside_deps);
    if !only_inside.is_empty() {
        out.push(format!(
            "the wheel's METADATA requires {} that the index's metadata (what the resolver saw) does not",
            named(&only_inside)
        ));
    }
    if !only_served.is_empty() {
        out.push(format!(
            "the index's metadata requires {} that the wheel's METADATA (what the installer follows) does not",
            named(&only_served)
        ));
    }
    out
}

/// Each requirement in a normal form (parsed and printed again, so
/// spacing and quoting do not count), with how often it appears.
fn requirement_counts(requires: &[NumberedValue]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for NumberedValue { value, .. } in requires {
        let normal = crate::reqline::parse_pep508(value)
            .map_or_else(|_| value.trim().to_owned(), |r| r.to_string());
        *counts.entry(normal).or_insert(0) += 1;
    }
    counts
}

/// The requirements `a` has more often than `b`.
fn difference(a: &BTreeMap<String, usize>, b: &BTreeMap<String, usize>) -> Vec<String> {
    a.iter()
        .filter(|(req, count)| b.get(*req).copied().unwrap_or(0) < **count)
        .map(|(req, _)| req.clone())
        .collect()
}

fn named(requirements: &[String]) -> String {
    let mut list: Vec<String> = requirements
        .iter()
        .take(MAX_NAMED)
        .map(|r| format!("`{}`", excerpt(r, QUOTED)))
        .collect();
    if requirements.len() > MAX_NAMED {
        list.push(format!("{} more", requirements.len() - MAX_NAMED));
    }
    list.join(", ")
}

fn shown(value: Option<&str>) -> String {
    value.map_or_else(
        || "nothing".to_owned(),
        |v| format!("`{}`", excerpt(v, QUOTED)),
    )
}

/// PEP 503: lower case, runs of `-`, `_`, `.` as one `-`.
fn normalise_name(name: &str) -> String {
    let mut out = String::new();
    for part in name.trim().split(['-', '_', '.']).filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&part.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const WHEEL: &str = "Metadata-Version: 2.1\nName: Demo_Pkg\nVersion: 1.0\n\
                         Requires-Python: >=3.8\nRequires-Dist: requests>=2\n\
                         Requires-Dist: evil-helper ; python_version >= '3'\n";

    /// Issue 12: a PEP 658 file that leaves out a dependency the wheel
    /// declares (the resolver never sees it; the installer installs it)
    /// is a disagreement.
    #[test]
    fn served_metadata_missing_a_dependency() {
        let served = "Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\n\
                      Requires-Python: >=3.8\nRequires-Dist: requests >= 2\n";
        let found = metadata_disagreement(served.as_bytes(), WHEEL.as_bytes());
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("evil-helper"), "{}", found[0]);
        assert!(found[0].contains("what the resolver saw"));
    }

    #[test]
    fn name_version_and_python_differences() {
        let served = "Metadata-Version: 2.1\nName: other\nVersion: 2.0\n\
                      Requires-Python: >=3.6\nRequires-Dist: requests>=2\n\
                      Requires-Dist: evil-helper; python_version>='3'\nRequires-Dist: extra-dep\n";
        let found = metadata_disagreement(served.as_bytes(), WHEEL.as_bytes());
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(found[0].contains("`other`") && found[0].contains("`Demo_Pkg`"));
        assert!(found[1].contains("`2.0`"));
        assert!(found[2].contains(">=3.6"));
        assert!(found[3].contains("extra-dep") && found[3].contains("installer"));
    }

    /// Spelling differences (name normalisation, spacing, quoting, order)
    /// are not disagreements.
    #[test]
    fn equivalent_metadata_agrees() {
        let served = "Metadata-Version: 2.3\nName: demo.pkg\nVersion: 1.0.0\n\
                      Requires-Python: >= 3.8\n\
                      Requires-Dist: evil-helper; python_version >= \"3\"\n\
                      Requires-Dist: requests >=2\n";
        assert_eq!(
            metadata_disagreement(served.as_bytes(), WHEEL.as_bytes()),
            Vec::<String>::new()
        );
    }
}
