use crate::finding::Finding;
use crate::rules::{PackageFacts, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// Skeleton.
    ///
    /// ## What it finds
    /// ## Why it matters
    /// ## Example
    pub struct NativeBinary {
        id: "AY502",
        slug: "bundled-native-executable",
        category: Packaging,
        severity: High,
    }
}

impl Rule for NativeBinary {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, _facts: &PackageFacts<'_>, _out: &mut Vec<Finding>) {}
}
