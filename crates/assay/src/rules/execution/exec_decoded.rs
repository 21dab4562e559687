use crate::finding::Finding;
use crate::rules::{PackageFacts, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// Skeleton.
    ///
    /// ## What it finds
    /// ## Why it matters
    /// ## Example
    pub struct ExecDecoded {
        id: "AY104",
        slug: "exec-decoded-payload",
        category: Execution,
        severity: Critical,
    }
}

impl Rule for ExecDecoded {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, _facts: &PackageFacts<'_>, _out: &mut Vec<Finding>) {}
}
