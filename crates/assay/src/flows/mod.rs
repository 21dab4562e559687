//! Value flow across functions, classes, modules and packages.
//!
//! The walker gives every parameter of the function it walks a symbolic
//! taint bit ([`crate::python::taint::param`]) and every attribute of
//! `self` a method stores one of its own ([`crate::python::taint::field`]).
//! A sink call whose argument carries such a bit says which parameter or
//! field reaches it. [`PackageFlows::of`] turns those facts into a
//! *summary* per function — which parameter reaches which sink, through
//! which chain of calls — computed bottom-up over the package's call graph
//! (local calls, methods through `self` and instances, classes through
//! `__init__`, package-local imports) until nothing changes (at most
//! [`MAX_ROUNDS`] rounds, [`MAX_FLOWS`] flows per function).
//!
//! Summaries are small and outlive the scan of their package: when several
//! packages are scanned together, [`link`] hands each package's
//! summaries to the packages that call into it, so a credential passed to
//! a dependency's function that sends its arguments out is found in the
//! caller, with the chain through both packages.
//!
//! Before any of that, [`returns::link`] adds to each value that came
//! from a package function of another module what that function returns
//! (the walk of one file sees such a result as unknown).
//!
//! Which hosts count as foreign is [`hosts`]' business; `docs/design.md`
//! describes the model.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::python::{FileAnalysis, QualName, taint};

pub mod hosts;
mod link;
mod modules;
pub mod returns;
pub(crate) mod sinks;
mod staging;
mod summarise;

pub use link::link;
pub use sinks::SinkKind;

/// Rounds of the bottom-up propagation (a chain of calls longer than this
/// is not followed to its end).
pub const MAX_ROUNDS: usize = 12;
/// Flows kept per function (the first found; more say nothing new).
pub const MAX_FLOWS: usize = 8;
/// Calls handing credentials to code outside the package kept per package.
pub const MAX_HANDOFFS: usize = 64;

/// One place in the evidence chain: `path:line` and what happens there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub path: Arc<str>,
    pub line: u32,
    pub what: Arc<str>,
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{} {}", self.path, self.line, self.what)
    }
}

/// A call that sends, runs or executes what it is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sink {
    pub kind: SinkKind,
    /// The call (`requests.post`).
    pub name: QualName,
    /// The host data goes to, when the call names one as a constant.
    pub host: Option<Arc<str>>,
    /// Why the host looks like no one's service (`its address is stored
    /// reversed or encoded`, `a bare IP address`), when it does.
    pub foreign: Option<Arc<str>>,
    /// Inside `try` whose handlers swallow every error.
    pub silenced: bool,
    pub at: Step,
}

impl Sink {
    /// Sends to a host that looks like no one's service, or silently to a
    /// host the package does not otherwise use.
    pub fn is_hostile_send(&self) -> bool {
        self.kind == SinkKind::Send && self.foreign.is_some()
    }
}

/// Parameter `param` of a function reaches `sink` through `chain` (the
/// calls between, outermost first; empty when the function calls the sink
/// itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    pub param: usize,
    pub sink: Arc<Sink>,
    pub chain: Vec<Step>,
}

/// What one function does with its parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// The module (`pkg.core`).
    pub module: Arc<str>,
    /// The function's name in the module (`Client.__init__`).
    pub name: Arc<str>,
    pub params: Vec<Arc<str>>,
    pub path: Arc<str>,
    pub line: u32,
    pub flows: Vec<Flow>,
}

impl Summary {
    /// Flows of parameter `param`.
    pub fn flows_of(&self, param: usize) -> impl Iterator<Item = &Flow> {
        self.flows.iter().filter(move |f| f.param == param)
    }
}

/// A call that hands credentials to a function the package does not
/// define (a dependency's, or one assay cannot see).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handoff {
    /// The callee's absolute qualified name (`timeutil.sync`).
    pub callee: QualName,
    /// Positional index or keyword of each argument that carries a
    /// credential, with what it is (`` `secret_access_key` ``).
    pub args: Vec<(ArgSlot, Arc<str>)>,
    /// The call, in the caller's package.
    pub at: Step,
    pub context: crate::python::ExecContext,
}

/// Where an argument sits in a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArgSlot {
    Position(usize),
    Keyword(Arc<str>),
}

/// A credential that reaches a send to a foreign host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leak {
    /// What is sent, in words (`` `secret_access_key` ``).
    pub credential: Arc<str>,
    pub sink: Arc<Sink>,
    /// From the call that hands the credential over to the call before
    /// the sink, outermost first.
    pub chain: Vec<Step>,
    pub context: crate::python::ExecContext,
    /// The package whose function sends it, when it is another package
    /// scanned with this one.
    pub across: Option<Arc<str>>,
}

/// A package's summaries, and the calls through which it hands
/// credentials to code outside it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageFlows {
    /// Functions whose parameters reach a sink, by module then name.
    pub summaries: Vec<Summary>,
    pub handoffs: Vec<Handoff>,
    /// Credentials that reach a send to a foreign host inside the package.
    pub leaks: Vec<Leak>,
    /// Top-level modules the package defines (`timeutil`), which other
    /// packages' calls resolve against.
    pub modules: Vec<Arc<str>>,
}

impl PackageFlows {
    /// Summarises a package's Python files.
    pub fn of(
        python: &[FileAnalysis],
        metadata: Option<&crate::artifact::CoreMetadata>,
    ) -> PackageFlows {
        summarise::package(python, metadata)
    }

    /// The summary of `name` in `module`, with how many leading
    /// parameters the call does not pass (the instance of a method or a
    /// class's `__init__`), resolving re-exports (`pkg.send` defined in
    /// `pkg.util`).
    pub fn resolve(&self, callee: &QualName) -> Option<(&Summary, usize)> {
        let index: HashMap<(&str, &str), &Summary> = self
            .summaries
            .iter()
            .map(|s| ((&*s.module, &*s.name), s))
            .collect();
        modules::resolve(callee, |module, name| {
            index.get(&(module, name)).copied().or_else(|| {
                // Re-exported from a submodule: one definition of that name
                // under the module.
                let mut found = self.summaries.iter().filter(|s| {
                    &*s.name == name
                        && s.module
                            .strip_prefix(module)
                            .is_some_and(|r| r.starts_with('.'))
                });
                let first = found.next()?;
                found.next().is_none().then_some(first)
            })
        })
    }
}

/// The taint labels [`credential_of`] names a credential by.
pub(crate) const CREDENTIAL_TAINT: taint::Taint = taint::SECRET
    | taint::INTERCEPTED
    | taint::ENV_SECRET
    | taint::LABELLED_SECRET
    | taint::TOOL_TOKEN
    | taint::PROMPTED
    | taint::USER_FILES;

/// What a value handed to a call carries that is a credential, in words.
pub(crate) fn credential_of(
    value: &crate::python::Value,
    params: &[Arc<str>],
    fields: &[(Arc<str>, bool)],
) -> Option<Arc<str>> {
    for i in taint::indexes(u32::from(value.params)) {
        if let Some(name) = params
            .get(i)
            .filter(|n| crate::python::names::is_credential_name(n))
        {
            return Some(format!("`{name}`").into());
        }
    }
    for k in taint::indexes(u32::from(value.fields)) {
        if let Some((name, true)) = fields.get(k) {
            return Some(format!("`self.{name}`").into());
        }
    }
    if value.has(taint::SECRET) {
        return Some("credentials read from the machine".into());
    }
    if value.has(taint::ENV_SECRET) {
        return Some("credentials held in environment variables".into());
    }
    if value.has(taint::LABELLED_SECRET) {
        return Some("text that labels what it holds as a credential".into());
    }
    if value.has(taint::TOOL_TOKEN) {
        return Some("a token a tool or SDK holds for the user".into());
    }
    if value.has(taint::PROMPTED) {
        return Some("a credential the user typed at a prompt".into());
    }
    if value.has(taint::INTERCEPTED) {
        return Some(
            "what callers hand to a library function the package replaced (requests, keys, passwords)"
                .into(),
        );
    }
    value
        .has(taint::USER_FILES)
        .then(|| "files listed from the user's own folders".into())
}
