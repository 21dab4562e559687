use crate::finding::Finding;
use crate::rules::{PackageFacts, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// Skeleton.
    ///
    /// ## What it finds
    /// ## Why it matters
    /// ## Example
    pub struct DownloadExecute {
        id: "AY105",
        slug: "download-and-execute",
        category: Execution,
        severity: Critical,
    }
}

impl Rule for DownloadExecute {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, _facts: &PackageFacts<'_>, _out: &mut Vec<Finding>) {}
}
