//! One walk over a module's AST: resolves names, folds constants, follows
//! taint, records facts, and builds the local call graph that decides each
//! call's execution context.

mod budget;
mod calls;
mod connections;
mod contexts;
mod copies;
mod expressions;
mod facts;
mod library;
mod loops;
mod payloads;
mod selection;
mod statements;
mod unrolling;
mod values;

use std::rc::Rc;
use std::sync::Arc;

use ruff_python_ast::{self as ast, Stmt};
use ruff_text_size::TextSize;

pub(super) use self::calls::Helpers;
use self::contexts::Node;
pub(super) use self::contexts::context_of;
pub(super) use self::facts::Walk;
use self::facts::{PendingCall, PendingPayload, PendingString};
pub(super) use self::values::{PendingValue, Sym};
use super::budget::Budget;
use super::taint::Taint;
use super::{AnalysisNote, FileRole, QualName};

/// Deepest expression or statement nesting the walker follows; deeper code
/// is left unanalysed and noted.
const MAX_DEPTH: u32 = 800;
/// Longest string kept as a fact, in bytes.
const MAX_STRING_FACT: usize = 64 * 1024;
/// Function bodies walked again for a call with constant arguments, per
/// source ([`Walker::specialise`]).
const MAX_SPECIALISED: u16 = 64;
/// Items all the loops and comprehensions of one source may be unrolled
/// for, together ([`Walker::spend_unrolling`]).
const MAX_UNROLLED: usize = 65_536;
/// Statements a function may have to be walked again per call site.
const MAX_SPECIALISED_STATEMENTS: usize = 60;
/// Names copied, per source, into function bodies from the scope they are
/// defined in (a method copies its class body so far).
const MAX_SCOPE_COPIES: usize = 1 << 20;
/// How many encoding layers deep decoded payloads are analysed.
pub(super) const MAX_LAYERS: u8 = 6;

/// A function body waiting to be walked after its enclosing scope, so that
/// every module-level name is bound when it runs.
struct Deferred<'a> {
    name: Arc<str>,
    def: &'a ast::StmtFunctionDef,
    enclosing: Option<Scope>,
    class: Option<Arc<str>>,
    decorators: Vec<QualName>,
}

pub(super) type Scope = rustc_hash::FxHashMap<Arc<str>, Sym>;

/// What the branches of one conditional statement bound: by (scope, name),
/// the taint of every tainted value and the last such value.
type BranchLog = rustc_hash::FxHashMap<(usize, Arc<str>), (Taint, Sym)>;

/// Decodes and analyses nested payloads for the walker (implemented by the
/// analysis driver so that a payload is analysed like a file).
pub(super) trait PayloadSink {
    /// `globals` are the names bound where the payload runs (`exec` runs
    /// code in its caller's namespace), `helpers` the local functions it
    /// can call through them.
    fn analyse(
        &mut self,
        code: &str,
        layer: u8,
        globals: Scope,
        helpers: &Helpers<'_>,
    ) -> Option<Walk>;
}

/// The walker's mode: where the code being walked sits and how its facts
/// are recorded. Entering a function body, a helper evaluated at a call, a
/// specialised body, a silencing `try` or the `__main__` block swaps in a
/// new frame and restores the old one as a unit ([`Walker::within`]).
#[derive(Clone, Default)]
struct Frame {
    /// The call-graph node the facts belong to.
    node: Node,
    /// Classes being walked (innermost last), with whether each is a
    /// setuptools/distutils command (its methods run at install time).
    classes: Vec<(Arc<str>, bool)>,
    /// Walking the body of a `try` whose handlers swallow every error.
    silenced: bool,
    /// The outermost helper call being evaluated: what the helper's body
    /// does is reported at that line.
    call_site: Option<TextSize>,
    /// How many helper calls are being evaluated inside each other.
    inlining: u8,
    /// A function body is being specialised for one call site (they do
    /// not nest).
    specialising: bool,
}

pub(super) struct Walker<'a, 'p> {
    role: FileRole,
    layer: u8,
    scopes: Vec<Scope>,
    frame: Frame,
    /// Local classes that are install commands.
    install_classes: Vec<Arc<str>>,
    deferred: Vec<Deferred<'a>>,
    /// Local functions whose body is one `return EXPR`, and lambdas bound
    /// to a name: a call with constant arguments is evaluated through them
    /// (`def b64(s): return b64decode(s).decode()`, `_ = lambda s:
    /// zlib.decompress(b64decode(s))`), so helpers do not hide a payload.
    helpers: Helpers<'a>,
    /// Module-level functions, for walking again at a call with constant
    /// arguments ([`Walker::specialise`]).
    procedures: rustc_hash::FxHashMap<Arc<str>, &'a ast::StmtFunctionDef>,
    /// Function bodies walked again for a call site so far.
    specialised: u16,
    /// What the body being specialised returned, when constant.
    specialised_value: Option<Sym>,
    /// Items loops and comprehensions may still be unrolled for.
    unroll_budget: usize,
    depth: u32,
    truncated: bool,
    /// A value grew past the constant budget and was left unknown.
    oversized: bool,
    /// Names function bodies may still copy from the scope they are
    /// defined in ([`MAX_SCOPE_COPIES`]), and whether one went without.
    scope_copy_budget: usize,
    scope_copies_exhausted: bool,
    /// Top-level names a payload binds (reported back in `Walk::bindings`).
    bound: Vec<Arc<str>>,
    /// One log per conditional statement being walked (innermost last):
    /// for each name bound in one of its branches, by scope, the taint of
    /// every tainted value it was given and the last such value. The
    /// walker runs branches one after another, so without it the last
    /// branch's value would stand for all of them ([`Walker::branches`]).
    branch_taints: Vec<BranchLog>,
    /// The file's analysis budget ([`budget`]).
    budget: Rc<Budget>,
    /// A buffer for the dotted key of each `name.attr` read.
    dotted_key: String,
    /// Local functions and classes installed in place of a library that
    /// is handed credentials or traffic ([`names::is_interceptable`]):
    /// their parameters carry [`taint::INTERCEPTED`]. Known for bodies
    /// walked after the installing statement.
    interceptors: Vec<Arc<str>>,
    /// The top-level package the file belongs to (`pkg` of
    /// `pkg/core.py`): calls of names under it are the package's own.
    package_root: Option<Arc<str>>,
    out: Walk,
    payloads: &'p mut dyn PayloadSink,
}

impl<'a, 'p> Walker<'a, 'p> {
    pub(super) fn new(
        role: FileRole,
        layer: u8,
        globals: Scope,
        helpers: Helpers<'a>,
        budget: Rc<Budget>,
        package_root: Option<Arc<str>>,
        payloads: &'p mut dyn PayloadSink,
    ) -> Self {
        Walker {
            role,
            layer,
            scopes: vec![globals],
            frame: Frame::default(),
            install_classes: Vec::new(),
            deferred: Vec::new(),
            helpers,
            procedures: rustc_hash::FxHashMap::default(),
            specialised: 0,
            specialised_value: None,
            unroll_budget: MAX_UNROLLED,
            depth: 0,
            truncated: false,
            oversized: false,
            scope_copy_budget: MAX_SCOPE_COPIES,
            scope_copies_exhausted: false,
            bound: Vec::new(),
            branch_taints: Vec::new(),
            budget,
            dotted_key: String::new(),
            interceptors: Vec::new(),
            package_root,
            out: Walk::default(),
            payloads,
        }
    }

    /// Walks a module and every function body in it.
    pub(super) fn run(mut self, body: &'a [Stmt]) -> Walk {
        self.suite(body);
        if body.len() != 1 {
            self.out.value = None;
        }
        if let Some(globals) = self.scopes.first() {
            for name in std::mem::take(&mut self.bound) {
                if let Some(sym) = globals.get(&name) {
                    self.out.bindings.insert(name, sym.clone());
                }
            }
        }
        while !self.deferred.is_empty() {
            let batch = std::mem::take(&mut self.deferred);
            for d in batch {
                self.function_body(d);
            }
        }
        if self.scope_copies_exhausted {
            self.out.notes.push(AnalysisNote::ScopeCopyBudget {
                budget: MAX_SCOPE_COPIES,
            });
        }
        if self.oversized {
            self.out.notes.push(AnalysisNote::OversizedConstant {
                max_bytes: super::consts::MAX_CONST,
            });
        }
        if self.truncated {
            self.out.deep = true;
            self.out
                .notes
                .push(AnalysisNote::TooDeep { levels: MAX_DEPTH });
        }
        self.out
    }

    /// Walks with `frame` as the mode, then restores the mode it replaced.
    fn within<R>(&mut self, frame: Frame, walk: impl FnOnce(&mut Self) -> R) -> R {
        let outer = std::mem::replace(&mut self.frame, frame);
        let result = walk(self);
        self.frame = outer;
        result
    }
}
