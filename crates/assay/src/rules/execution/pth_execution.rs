use crate::finding::Finding;
use crate::rules::{PackageFacts, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// Skeleton.
    ///
    /// ## What it finds
    /// ## Why it matters
    /// ## Example
    pub struct PthExecution {
        id: "AY102",
        slug: "pth-execution",
        category: Execution,
        severity: High,
    }
}

impl Rule for PthExecution {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, _facts: &PackageFacts<'_>, _out: &mut Vec<Finding>) {}
}
