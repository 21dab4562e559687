use crate::artifact::AnomalyKind;
use crate::finding::{Finding, Severity};
use crate::rules::{PackageFacts, Rule, RuleMeta, anomalies_of, anomaly_finding, declare_rule};

declare_rule! {
    /// Archive entries that would land outside the extraction folder, or that
    /// are links or devices.
    ///
    /// ## What it finds
    /// Entries with absolute names (`/etc/cron.d/x`, `C:\…`), names that
    /// climb out with `..`, symbolic and hard links, device and FIFO entries,
    /// and names that appear twice. assay never follows or extracts them; it
    /// reports them. It also reports every entry that installers and archive
    /// readers would see differently (docs/archives.md): a zip name with a
    /// NUL byte (pip cuts it there, so `setup.py\0.txt` is installed as
    /// `setup.py`), a zip entry only in a local header, a local name that
    /// differs from the central one, an end record whose count is wrong, and
    /// names that collide once case or Unicode normalisation is ignored.
    /// When scanning what an index serves, it also reports a wheel whose
    /// `METADATA` differs in name, version, `Requires-Python` or
    /// `Requires-Dist` from the core metadata file the index serves beside
    /// it (PEP 658): resolvers read that file, installers follow the wheel.
    ///
    /// ## Why it matters
    /// Tools that unpack archives naively write such entries wherever they
    /// point — overwriting shell start-up files or planting cron jobs — and
    /// a duplicated name lets two tools see two different files. Build tools
    /// never produce them. A link that stays inside the archive is low; one
    /// that points out of it, a traversal, an absolute name or a device is
    /// high.
    ///
    /// ## Example
    /// ```text
    /// pkg-1.0/PKG-INFO
    /// pkg-1.0/../../../../home/user/.bashrc
    /// pkg-1.0/data -> /
    /// ```
    ///
    /// ## References
    /// CWE-22 (Path Traversal), CWE-59 (Link Following); the tar "slip" class
    /// of bugs (CVE-2007-4559 in Python's `tarfile`).
    pub struct UnsafeEntry {
        id: "AY501",
        slug: "unsafe-archive-entry",
        category: Packaging,
        severity: High,
    }
}

impl Rule for UnsafeEntry {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        use AnomalyKind::*;
        let kinds = [
            AbsolutePath,
            PathTraversal,
            Symlink,
            HardLink,
            SpecialFile,
            DuplicateEntry,
            ReaderDisagreement,
            CaseCollision,
        ];
        for a in anomalies_of(facts, &kinds) {
            let (what, severity) = match a.kind {
                AbsolutePath => ("entry with an absolute path", Severity::High),
                PathTraversal => (
                    "entry that climbs out of the archive with `..`",
                    Severity::High,
                ),
                Symlink | HardLink if escapes(&a.path, &a.detail, a.kind == HardLink) => {
                    ("link pointing outside the archive", Severity::High)
                }
                Symlink => ("symbolic link", Severity::Low),
                HardLink => ("hard link", Severity::Low),
                SpecialFile => ("device or special file", Severity::High),
                ReaderDisagreement => (
                    "entry that pip and other archive readers see differently",
                    Severity::High,
                ),
                CaseCollision => (
                    "entry names that collide on case-insensitive file systems",
                    Severity::Low,
                ),
                _ => ("entry name that appears twice", Severity::Medium),
            };
            out.push(anomaly_finding(&Self::META, a, what, severity));
        }
    }
}

/// A link target that is absolute, or climbs out of the archive once
/// resolved (a symlink relative to its own folder, a hard link relative to
/// the archive root).
fn escapes(link: &str, target: &str, hard: bool) -> bool {
    let target = target.trim_start_matches("-> ").trim();
    if target.starts_with(['/', '\\']) || target.get(1..3) == Some(":\\") {
        return true;
    }
    let mut depth: Vec<&str> = if hard {
        Vec::new()
    } else {
        let mut parts: Vec<&str> = link
            .split('/')
            .filter(|p| !p.is_empty() && *p != ".")
            .collect();
        parts.pop();
        parts
    };
    for part in target.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                if depth.pop().is_none() {
                    return true;
                }
            }
            name => depth.push(name),
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::escapes;

    #[test]
    fn links_resolve_against_their_folder() {
        assert!(!escapes("pkg-1.0/docs/readme", "../README.rst", false));
        assert!(escapes("pkg-1.0/data", "../../etc", false));
        assert!(escapes("pkg-1.0/data", "/", false));
        assert!(!escapes("pkg-1.0/b", "pkg-1.0/a", true));
        assert!(escapes("pkg-1.0/b", "../x", true));
    }
}
