use crate::finding::Finding;
use crate::rules::{PackageFacts, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// Skeleton.
    ///
    /// ## What it finds
    /// ## Why it matters
    /// ## Example
    pub struct CloudCredentials {
        id: "AY201",
        slug: "cloud-credential-access",
        category: CredentialAccess,
        severity: Critical,
    }
}

impl Rule for CloudCredentials {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, _facts: &PackageFacts<'_>, _out: &mut Vec<Finding>) {}
}
