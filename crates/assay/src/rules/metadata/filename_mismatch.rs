use crate::finding::{Finding, Location, Severity};
use crate::rules::metadata::{metadata_path, normalize_name, same_version, stated_by_file_name};
use crate::rules::{PackageFacts, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// An sdist or wheel whose file name states another name or version
    /// than its own metadata (`PKG-INFO`, `METADATA`).
    ///
    /// ## What it finds
    /// The name and version in the artifact's file name (`pkg-1.0.tar.gz`,
    /// `pkg-1.0-py3-none-any.whl`) compared with the `Name` and `Version`
    /// of its core metadata, names normalised as PEP 503 says (case, `-`,
    /// `_` and `.`) and versions compared as PEP 440 releases (`1.0` is
    /// `1.0.0`, `1.0-1` is `1.0.post1`). File names that state no version
    /// (a download saved as `package.tar.gz`) and folders are not judged.
    ///
    /// ## Why it matters
    /// Build tools write the file name from the metadata, and package
    /// indexes check that uploads agree with it, so a disagreement means
    /// the archive was renamed or its contents swapped: a trojanised copy
    /// of another project repackaged under a name people trust, or a
    /// version that resolvers pick for a release number the contents do
    /// not have. Medium: worth a look, not a threat alone.
    ///
    /// ## Example
    /// ```text
    /// requests-2.32.3.tar.gz   →  requests-2.32.3/PKG-INFO: Name: reqeusts, Version: 0.0.1
    /// ```
    ///
    /// ## References
    /// PEP 625 (sdist file names), PEP 427 (wheel file names), PEP 503
    /// (name normalisation), PEP 440 (versions); MITRE ATT&CK T1036
    /// (Masquerading).
    pub struct FilenameMismatch {
        id: "AY901",
        slug: "metadata-filename-mismatch",
        category: Metadata,
        severity: Medium,
    }
}

impl Rule for FilenameMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        let (Some(file_name), Some(meta)) = (facts.file_name, facts.metadata) else {
            return;
        };
        let (Some(name), Some(version)) = (meta.name.as_deref(), meta.version.as_deref()) else {
            return;
        };
        let Some((stated_name, stated_version)) = stated_by_file_name(facts.kind, file_name, name)
        else {
            return;
        };
        let mut differences = Vec::new();
        if normalize_name(stated_name) != normalize_name(name) {
            differences.push(format!("the name `{stated_name}` (metadata: `{name}`)"));
        }
        if !same_version(stated_version, version) {
            differences.push(format!(
                "version `{stated_version}` (metadata: `{version}`)"
            ));
        }
        if differences.is_empty() {
            return;
        }
        let location = metadata_path(facts).unwrap_or(file_name);
        let mut f = Self::META.finding(
            Location::file(location.to_owned()),
            format!(
                "the file name `{file_name}` states {}",
                differences.join(" and ")
            ),
        );
        f.severity = Severity::Medium;
        out.push(f);
    }
}
