use crate::finding::{Finding, Location, Severity};
use crate::rules::{PackageFacts, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// Python sources assay could not fully analyse.
    ///
    /// ## What it finds
    /// Files that do not parse as Python 3 (Python 2 code, truncated or junk
    /// files named `.py`) and code the analysis stopped following: nesting
    /// deeper than the walker goes, payloads nested more layers deep than it
    /// decodes. Facts from the parts that could be read are still used (the
    /// parser recovers from errors, and a text-level pass extracts strings and
    /// URLs), so this is a note on the scan's completeness.
    ///
    /// ## Why it matters
    /// Nothing should escape silently: a reader needs to know which files were
    /// only partly seen. Deliberately pathological code (tens of thousands of
    /// nested brackets) is itself a sign of evasion, hence low rather than
    /// info for analysis limits.
    ///
    /// ## Example
    /// ```python
    /// print "hello"          # Python 2: parsed with recovery, reported as info
    /// x = ((((((((((((((((((((((((((((((((((((…))))))))))))))))))))))))))))))))))))
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1027 (Obfuscated Files or Information).
    pub struct UnanalysableSource {
        id: "AY401",
        slug: "unanalysable-source",
        category: DefenseEvasion,
        severity: Low,
    }
}

impl Rule for UnanalysableSource {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        for file in facts.python {
            if let Some(error) = &file.parse_error {
                let mut f = Self::META.finding(
                    Location::file(file.path.clone()),
                    format!("does not parse as Python 3 ({error})"),
                );
                f.severity = Severity::Info;
                out.push(f);
            }
            for note in file.notes.iter().filter(|n| n.is_unanalysed()) {
                out.push(Self::META.finding(Location::file(file.path.clone()), note.to_string()));
            }
        }
    }
}
