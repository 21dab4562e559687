//! The facts a walk records (calls, strings, imports, payloads), before
//! their contexts are resolved, and how they are recorded.

use std::sync::Arc;

use ruff_text_size::TextSize;

use super::contexts::{Contexts, Node};
use super::values::{PendingValue, Returns};
use super::{MAX_STRING_FACT, Scope, Sym, Walker};
use crate::python::{ExecContext, Import, Payload, QualName};
use crate::via::Via;

/// A call recorded during the walk, its context still to be resolved.
pub(in crate::python) struct PendingCall {
    pub name: QualName,
    pub offset: TextSize,
    pub node: Node,
    /// Set for facts whose context is known regardless of the call graph
    /// (the runtime parts of a decoded payload).
    pub fixed: Option<ExecContext>,
    pub args: Vec<PendingValue>,
    pub keywords: Vec<(Arc<str>, PendingValue)>,
    pub via: Option<Via>,
    /// Inside a `try` whose handlers only `pass` (see [`super::statements::silent_handlers`]).
    pub silenced: bool,
    /// Where the object the method is called on is connected to.
    pub destination: Option<Arc<str>>,
}

/// A function defined.
pub(in crate::python) struct PendingFunction {
    pub name: Arc<str>,
    pub class: Option<Arc<str>>,
    /// Parameter names in order.
    pub params: Vec<Arc<str>>,
    pub offset: TextSize,
    /// What each decorator names, outermost first (`atexit.register`,
    /// `mcp.server.fastmcp.FastMCP().tool()`), where it is known.
    pub decorators: Vec<QualName>,
    /// The docstring: its first statement, when that is a string.
    pub docstring: Option<Arc<str>>,
}

/// A call of a local function, for flow summaries.
pub(in crate::python) struct PendingLocalCall {
    pub callee: Arc<str>,
    pub node: Node,
    pub offset: TextSize,
    pub bound: bool,
    pub args: Vec<PendingValue>,
    pub keywords: Vec<(Arc<str>, PendingValue)>,
    pub silenced: bool,
}

/// A `while` loop: the function it is in, its span, and what its body
/// calls (see [`super::loops::callees`]).
pub(in crate::python) struct PendingLoop {
    pub node: Node,
    pub start: TextSize,
    pub end: TextSize,
    pub callees: Option<Vec<crate::python::LoopCallee>>,
}

/// A store into an attribute of `self`, for flow summaries.
pub(in crate::python) struct PendingFieldStore {
    pub class: Arc<str>,
    pub field: Arc<str>,
    pub index: u8,
    pub node: Arc<str>,
    pub offset: TextSize,
    pub value: PendingValue,
}

/// A constant string recorded during the walk.
pub(in crate::python) struct PendingString {
    pub value: Arc<str>,
    pub offset: TextSize,
    pub node: Node,
    pub fixed: Option<ExecContext>,
    pub via: Option<Via>,
}

/// A payload: where it was decoded, and what its own analysis found.
pub(in crate::python) struct PendingPayload {
    pub offset: TextSize,
    pub node: Node,
    pub chain: Via,
    pub bytes: Arc<[u8]>,
    pub is_python: bool,
}

/// Everything one walk produces, before contexts are resolved.
#[derive(Default)]
pub(in crate::python) struct Walk {
    pub calls: Vec<PendingCall>,
    pub strings: Vec<PendingString>,
    pub imports: Vec<(Arc<str>, TextSize, Node)>,
    pub payloads: Vec<PendingPayload>,
    pub notes: Vec<crate::python::AnalysisNote>,
    pub edges: Vec<(Node, Arc<str>)>,
    pub forced: Contexts,
    pub returns: Returns,
    /// Package functions of other modules whose results carry a bit, in
    /// bit order ([`crate::python::taint::imported`]).
    pub imported: Vec<crate::python::QualName>,
    /// Functions defined: name, class, parameter names, where.
    pub functions: Vec<PendingFunction>,
    /// Calls of local functions and classes (see [`crate::python::LocalCall`]).
    pub local_calls: Vec<PendingLocalCall>,
    /// `self.NAME = value` stores of symbolic values.
    pub field_stores: Vec<PendingFieldStore>,
    /// `while` loops of the file's own text.
    pub loops: Vec<PendingLoop>,
    /// The field bit of each `(class, attribute)`, in order of first store.
    pub field_index: rustc_hash::FxHashMap<(Arc<str>, Arc<str>), u8>,
    /// Fields given a bit so far, per class.
    pub field_counts: rustc_hash::FxHashMap<Arc<str>, u8>,
    /// The tree is deeper than the walker followed: drop it iteratively.
    pub deep: bool,
    /// When the source is one expression (what `eval` runs), its value:
    /// `eval("exec")` is `exec` itself.
    pub value: Option<Sym>,
    /// For a payload (layer > 0): the names its top level bound, which the
    /// code that `exec`s it sees afterwards.
    pub bindings: Scope,
}

impl<'a> Walker<'a, '_> {
    pub(super) fn record_string(&mut self, value: &Arc<str>, at: TextSize) {
        if value.len() < 4 || !self.fact() {
            return;
        }
        let at = self.frame.call_site.unwrap_or(at);
        let value = if value.len() > MAX_STRING_FACT {
            Arc::from(&value[..value.floor_char_boundary(MAX_STRING_FACT)])
        } else {
            value.clone()
        };
        // Kept facts hold their text: 20,000 of 64 KiB are 1.3 GB.
        if !self.afford(value.len()) {
            return;
        }
        self.push_string(PendingString {
            value,
            offset: at,
            node: self.frame.node.clone(),
            fixed: None,
            via: None,
        });
    }

    /// Adds a string whose fact was already counted (by the walk of the
    /// payload it comes from).
    pub(super) fn push_string(&mut self, s: PendingString) {
        self.out.strings.push(s);
    }
}

// Imports are resolved against the module's bindings at their position, so
// `Import` facts only need the module name.
impl Import {
    pub(in crate::python) fn new(module: Arc<str>, line: u32, context: ExecContext) -> Self {
        Import {
            module,
            line,
            context,
        }
    }
}

impl Payload {
    pub(in crate::python) fn new(
        line: u32,
        column: u32,
        chain: Via,
        bytes: &Arc<[u8]>,
        is_python: bool,
    ) -> Self {
        const PREVIEW: usize = 240;
        // A character takes at most 4 bytes: this prefix holds the preview.
        let head = &bytes[..bytes.len().min(PREVIEW * 4)];
        let preview: String = String::from_utf8_lossy(head)
            .chars()
            .take(PREVIEW)
            .collect();
        Payload {
            line,
            column,
            chain,
            preview,
            len: bytes.len(),
            is_python,
            context: ExecContext::Runtime,
            decoded: bytes.clone(),
        }
    }
}
