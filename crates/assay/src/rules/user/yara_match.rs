use crate::finding::{Finding, Location};
use crate::rules::{PackageFacts, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// A YARA rule the user gave with `--yara` matched a file of the
    /// package, or a payload assay decoded or recovered from one.
    ///
    /// ## What it finds
    /// Matches of the user's own YARA rules (compiled with yara-x) against
    /// every file of the artifact as read, every payload the analysis
    /// decoded (a rule sees what base64, zlib, hex, ... layers hid), the
    /// Python recovered from bytecode, and the modules of archives found
    /// inside files. The finding names the rule, its rule file, tags and
    /// `meta`, and the first pattern that matched. Its severity is the
    /// rule's `meta: severity` (`info`, `low`, `medium`, `high`,
    /// `critical`), medium when the rule names none; a critical match makes
    /// the package malicious and a high one suspicious, like any finding.
    ///
    /// ## Why it matters
    /// Teams keep YARA rules for the campaigns they track and the secrets
    /// they must not ship; this runs them where assay looks, including
    /// through encoding layers a plain file scan never opens.
    ///
    /// ## Example
    /// ```text
    /// rule Chat_Webhook_Exfiltration : exfiltration {
    ///   meta: severity = "high"
    ///   strings: $hook = /discord(app)?\.com\/api\/webhooks\/[0-9]{15,20}\//
    ///   condition: $hook
    /// }
    /// ```
    ///
    /// ## References
    /// YARA documentation (writing rules); `docs/yara/examples.yar` in this
    /// repository.
    pub struct YaraMatch {
        id: "AY990",
        slug: "yara-match",
        category: UserRule,
        severity: Critical,
    }
}

impl Rule for YaraMatch {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        for found in facts.yara {
            let location = Location {
                path: found.path.clone(),
                line: found.line,
                column: None,
            };
            let tags = if found.tags.is_empty() {
                String::new()
            } else {
                format!(" [{}]", found.tags.join(", "))
            };
            let meta: Vec<String> = found
                .meta
                .iter()
                .filter(|(key, _)| !key.eq_ignore_ascii_case("severity"))
                .map(|(key, value)| format!("{key}={value:?}"))
                .collect();
            let meta = if meta.is_empty() {
                String::new()
            } else {
                format!("; {}", meta.join(", "))
            };
            let within = found
                .within
                .as_deref()
                .map(|w| format!(" in the {w}"))
                .unwrap_or_default();
            let mut f = Self::META.finding(
                location,
                format!(
                    "YARA rule `{}`{tags} from {} matched{within}{meta}",
                    found.rule, found.rules_file
                ),
            );
            f.severity = found.severity;
            f.excerpt = found.matched.clone();
            out.push(f);
        }
    }
}
