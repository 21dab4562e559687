//! One walk over a module's AST: resolves names, folds constants, follows
//! taint, records facts, and builds the local call graph that decides each
//! call's execution context.

use std::collections::HashMap;
use std::sync::Arc;

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextSize};

use super::consts::{self, Const};
use super::names::{self, Decoder};
use super::taint::{self, Taint};
use super::{ExecContext, FileRole, Import, Payload, decode};

/// Deepest expression or statement nesting the walker follows; deeper code
/// is left unanalysed and noted.
const MAX_DEPTH: u32 = 800;
/// Most calls or strings recorded for one file.
const MAX_FACTS: usize = 200_000;
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
/// How many encoding layers deep decoded payloads are analysed.
pub(super) const MAX_LAYERS: u8 = 6;

/// A function (or pseudo-node) of the local call graph. `None` is the
/// module's top level.
type Node = Option<Arc<str>>;

/// The `if __name__ == "__main__":` block.
const MAIN_NODE: &str = "<main>";

/// What an expression evaluates to, as far as the walker can tell.
#[derive(Debug, Clone, Default)]
pub(super) struct Sym {
    /// Qualified name of a module, attribute path or call result (`os.path`,
    /// `socket.socket()`).
    qual: Option<Arc<str>>,
    konst: Option<Const>,
    taint: Taint,
    /// A function or class defined in this file (`Class.method`).
    local: Option<Arc<str>>,
    /// An instance of a class defined in this file.
    instance_of: Option<Arc<str>>,
    /// The object a method was looked up on (`"-".join` → `"-"`).
    receiver: Option<Box<Sym>>,
    /// Encoding layers that produced `konst`, outermost first.
    chain: Option<Arc<str>>,
    /// The text of an f-string whose holes are not constant, with `{}` for
    /// each hole: enough to see a command line's shape.
    template: Option<Arc<str>>,
    /// The result of calling a local function (for return-taint summaries).
    returned_by: Option<Arc<str>>,
    /// `konst` is Python source that was already analysed as a payload.
    analysed: bool,
}

impl Sym {
    fn qual(name: impl Into<Arc<str>>) -> Sym {
        Sym {
            qual: Some(name.into()),
            ..Sym::default()
        }
    }

    fn constant(konst: Const) -> Sym {
        Sym {
            konst: Some(konst),
            ..Sym::default()
        }
    }

    fn tainted(taint: Taint) -> Sym {
        Sym {
            taint,
            ..Sym::default()
        }
    }

    fn text(&self) -> Option<Arc<str>> {
        self.konst.as_ref().and_then(Const::as_text)
    }

    fn str(&self) -> Option<&str> {
        match &self.konst {
            Some(Const::Str(s)) => Some(s),
            _ => None,
        }
    }

    pub(super) fn konst_ref(&self) -> Option<&Const> {
        self.konst.as_ref()
    }

    fn int(&self) -> Option<i64> {
        match &self.konst {
            Some(Const::Int(i)) => Some(*i),
            _ => None,
        }
    }
}

/// A call recorded during the walk, its context still to be resolved.
pub(super) struct PendingCall {
    pub name: Arc<str>,
    pub offset: TextSize,
    pub node: Node,
    /// Set for facts whose context is known regardless of the call graph
    /// (the runtime parts of a decoded payload).
    pub fixed: Option<ExecContext>,
    pub args: Vec<Sym>,
    pub keywords: Vec<(Arc<str>, Sym)>,
    pub via: Option<Arc<str>>,
    /// Inside a `try` whose handlers only `pass` (see [`silent_handlers`]).
    pub silenced: bool,
}

/// A function defined: name, class, parameter names, where.
pub(super) type PendingFunction = (Arc<str>, Option<Arc<str>>, Vec<Arc<str>>, TextSize);

/// A call of a local function, for flow summaries.
pub(super) struct PendingLocalCall {
    pub callee: Arc<str>,
    pub node: Node,
    pub offset: TextSize,
    pub bound: bool,
    pub args: Vec<Sym>,
    pub keywords: Vec<(Arc<str>, Sym)>,
    pub silenced: bool,
}

/// A store into an attribute of `self`, for flow summaries.
pub(super) struct PendingFieldStore {
    pub class: Arc<str>,
    pub field: Arc<str>,
    pub index: u8,
    pub node: Arc<str>,
    pub offset: TextSize,
    pub value: Sym,
}

/// A constant string recorded during the walk.
pub(super) struct PendingString {
    pub value: Arc<str>,
    pub offset: TextSize,
    pub node: Node,
    pub fixed: Option<ExecContext>,
    pub via: Option<Arc<str>>,
}

/// A payload: where it was decoded, and what its own analysis found.
pub(super) struct PendingPayload {
    pub offset: TextSize,
    pub node: Node,
    pub chain: Arc<str>,
    pub text: String,
    pub is_python: bool,
}

/// Everything one walk produces, before contexts are resolved.
#[derive(Default)]
pub(super) struct Walk {
    pub calls: Vec<PendingCall>,
    pub strings: Vec<PendingString>,
    pub imports: Vec<(Arc<str>, TextSize, Node)>,
    pub payloads: Vec<PendingPayload>,
    pub notes: Vec<String>,
    pub edges: Vec<(Node, Arc<str>)>,
    pub forced: HashMap<Arc<str>, ExecContext>,
    pub returns: HashMap<Arc<str>, Taint>,
    /// Functions defined: name, class, parameter names, where.
    pub functions: Vec<PendingFunction>,
    /// Calls of local functions and classes (see [`super::LocalCall`]).
    pub local_calls: Vec<PendingLocalCall>,
    /// `self.NAME = value` stores of symbolic values.
    pub field_stores: Vec<PendingFieldStore>,
    /// The field bit of each `(class, attribute)`, in order of first store.
    pub field_index: rustc_hash::FxHashMap<(Arc<str>, Arc<str>), u8>,
    /// The tree is deeper than the walker followed: drop it iteratively.
    pub deep: bool,
    /// When the source is one expression (what `eval` runs), its value:
    /// `eval("exec")` is `exec` itself.
    pub value: Option<Sym>,
    /// For a payload (layer > 0): the names its top level bound, which the
    /// code that `exec`s it sees afterwards.
    pub bindings: Scope,
}

/// A function body waiting to be walked after its enclosing scope, so that
/// every module-level name is bound when it runs.
struct Deferred<'a> {
    name: Arc<str>,
    def: &'a ast::StmtFunctionDef,
    enclosing: Option<Scope>,
    class: Option<Arc<str>>,
}

pub(super) type Scope = rustc_hash::FxHashMap<Arc<str>, Sym>;

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

pub(super) struct Walker<'a, 'p> {
    role: FileRole,
    layer: u8,
    scopes: Vec<Scope>,
    node: Node,
    /// Classes being walked (innermost last), with whether each is a
    /// setuptools/distutils command (its methods run at install time).
    classes: Vec<(Arc<str>, bool)>,
    /// Local classes that are install commands.
    install_classes: Vec<Arc<str>>,
    deferred: Vec<Deferred<'a>>,
    /// Local functions whose body is one `return EXPR`, and lambdas bound
    /// to a name: a call with constant arguments is evaluated through them
    /// (`def b64(s): return b64decode(s).decode()`, `_ = lambda s:
    /// zlib.decompress(b64decode(s))`), so helpers do not hide a payload.
    helpers: Helpers<'a>,
    /// How many helper calls are being evaluated inside each other.
    inlining: u8,
    /// Module-level functions, for walking again at a call with constant
    /// arguments ([`Walker::specialise`]).
    procedures: rustc_hash::FxHashMap<Arc<str>, &'a ast::StmtFunctionDef>,
    /// Function bodies walked again for a call site so far, and whether
    /// one is being walked now (they do not nest).
    specialised: u16,
    specialising: bool,
    /// What the body being specialised returned, when constant.
    specialised_value: Option<Sym>,
    /// Items loops and comprehensions may still be unrolled for.
    unroll_budget: usize,
    /// The outermost helper call being evaluated: what the helper's body
    /// does is reported at that line.
    call_site: Option<TextSize>,
    depth: u32,
    truncated: bool,
    /// Top-level names a payload binds (reported back in `Walk::bindings`).
    bound: Vec<Arc<str>>,
    /// Walking the body of a `try` whose handlers swallow every error.
    silenced: bool,
    out: Walk,
    payloads: &'p mut dyn PayloadSink,
}

impl<'a, 'p> Walker<'a, 'p> {
    pub(super) fn new(
        role: FileRole,
        layer: u8,
        globals: Scope,
        helpers: Helpers<'a>,
        payloads: &'p mut dyn PayloadSink,
    ) -> Self {
        Walker {
            role,
            layer,
            scopes: vec![globals],
            node: None,
            classes: Vec::new(),
            install_classes: Vec::new(),
            deferred: Vec::new(),
            helpers,
            inlining: 0,
            procedures: rustc_hash::FxHashMap::default(),
            specialised: 0,
            specialising: false,
            specialised_value: None,
            unroll_budget: MAX_UNROLLED,
            call_site: None,
            depth: 0,
            truncated: false,
            bound: Vec::new(),
            silenced: false,
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
        if self.truncated {
            self.out.deep = true;
            self.out.notes.push(format!(
                "code nested deeper than {MAX_DEPTH} levels was not analysed"
            ));
        }
        self.out
    }

    // ----- statements -------------------------------------------------

    fn suite(&mut self, body: &'a [Stmt]) {
        for stmt in body {
            self.stmt(stmt);
        }
    }

    fn stmt(&mut self, stmt: &'a Stmt) {
        if self.depth >= MAX_DEPTH {
            self.truncated = true;
            return;
        }
        self.depth += 1;
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.stmt_inner(stmt));
        self.depth -= 1;
    }

    fn stmt_inner(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Import(s) => {
                for alias in &s.names {
                    let module: Arc<str> = Arc::from(alias.name.as_str());
                    self.out
                        .imports
                        .push((module.clone(), alias.start(), self.node.clone()));
                    match &alias.asname {
                        Some(asname) => self.bind(asname.as_str(), Sym::qual(module)),
                        None => {
                            let top = alias.name.as_str().split('.').next().unwrap_or_default();
                            self.bind(top, Sym::qual(top));
                        }
                    }
                }
            }
            Stmt::ImportFrom(s) => {
                let dots = ".".repeat(s.level as usize);
                let module = format!("{dots}{}", s.module.as_ref().map_or("", |m| m.as_str()));
                self.out
                    .imports
                    .push((Arc::from(module.as_str()), s.start(), self.node.clone()));
                for alias in &s.names {
                    if alias.name.as_str() == "*" {
                        continue;
                    }
                    let qual = if module.ends_with('.') || module.is_empty() {
                        format!("{module}{}", alias.name.as_str())
                    } else {
                        format!("{module}.{}", alias.name.as_str())
                    };
                    let bound = alias.asname.as_ref().unwrap_or(&alias.name);
                    self.bind(bound.as_str(), Sym::qual(qual));
                }
            }
            Stmt::Assign(s) => {
                // `a, b = X, Y` binds each name to its own value, whole
                // (a module, a function), not just to a constant item.
                if let [Expr::Tuple(targets)] = s.targets.as_slice()
                    && let Expr::Tuple(values) = &*s.value
                    && targets.elts.len() == values.elts.len()
                    && !values.elts.iter().any(Expr::is_starred_expr)
                {
                    let values: Vec<Sym> = values.elts.iter().map(|v| self.expr(v)).collect();
                    for (target, value) in targets.elts.iter().zip(values) {
                        self.assign(target, value);
                    }
                    return;
                }
                if let ([Expr::Name(target)], Expr::Lambda(lambda)) =
                    (s.targets.as_slice(), &*s.value)
                {
                    self.lambda_def(target.id.as_str(), lambda);
                    return;
                }
                let value = self.expr(&s.value);
                for target in &s.targets {
                    self.assign(target, value.clone());
                }
            }
            Stmt::AnnAssign(s) => {
                if let Some(value) = &s.value {
                    let value = self.expr(value);
                    self.assign(&s.target, value);
                }
            }
            Stmt::AugAssign(s) => {
                let right = self.expr(&s.value);
                let left = self.expr(&s.target);
                let combined = self.binop(left, s.op, right);
                self.assign(&s.target, combined);
            }
            Stmt::Expr(s) => {
                let value = self.expr(&s.value);
                if self.node.is_none() && self.depth == 1 {
                    self.out.value = Some(value);
                }
            }
            Stmt::Return(s) => {
                if let Some(value) = &s.value {
                    let value = self.expr(value);
                    if let Some(node) = &self.node {
                        *self.out.returns.entry(node.clone()).or_default() |= value.taint;
                    }
                    // The first constant a specialised body returns.
                    if self.specialising
                        && value.konst.is_some()
                        && self.specialised_value.is_none()
                    {
                        self.specialised_value = Some(value);
                    }
                }
            }
            Stmt::FunctionDef(def) => self.function_def(def),
            Stmt::ClassDef(class) => self.class_def(class),
            Stmt::If(s) => {
                if is_main_guard(&s.test) && self.node.is_none() {
                    self.node = Some(Arc::from(MAIN_NODE));
                    self.suite(&s.body);
                    self.node = None;
                } else {
                    self.expr(&s.test);
                    self.suite(&s.body);
                }
                for clause in &s.elif_else_clauses {
                    if let Some(test) = &clause.test {
                        self.expr(test);
                    }
                    self.suite(&clause.body);
                }
            }
            Stmt::For(s) => {
                let iter = self.expr(&s.iter);
                if !self.unroll_for(s, &iter) {
                    self.assign(&s.target, Sym::tainted(iter.taint));
                    self.suite(&s.body);
                }
                self.suite(&s.orelse);
            }
            Stmt::While(s) => {
                self.expr(&s.test);
                self.suite(&s.body);
                self.suite(&s.orelse);
            }
            Stmt::With(s) => {
                for item in &s.items {
                    let value = self.expr(&item.context_expr);
                    if let Some(target) = &item.optional_vars {
                        self.assign(target, value);
                    }
                }
                self.suite(&s.body);
            }
            Stmt::Try(s) => {
                let outer = self.silenced;
                self.silenced |= silent_handlers(&s.handlers);
                self.suite(&s.body);
                self.silenced = outer;
                for handler in &s.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = handler;
                    if let Some(t) = &h.type_ {
                        self.expr(t);
                    }
                    self.suite(&h.body);
                }
                self.suite(&s.orelse);
                self.suite(&s.finalbody);
            }
            Stmt::Match(s) => {
                self.expr(&s.subject);
                for case in &s.cases {
                    if let Some(guard) = &case.guard {
                        self.expr(guard);
                    }
                    self.suite(&case.body);
                }
            }
            Stmt::Raise(s) => {
                for e in [&s.exc, &s.cause].into_iter().flatten() {
                    self.expr(e);
                }
            }
            Stmt::Assert(s) => {
                self.expr(&s.test);
                if let Some(msg) = &s.msg {
                    self.expr(msg);
                }
            }
            Stmt::Delete(s) => {
                for t in &s.targets {
                    self.expr(t);
                }
            }
            Stmt::TypeAlias(_)
            | Stmt::Global(_)
            | Stmt::Nonlocal(_)
            | Stmt::Pass(_)
            | Stmt::Break(_)
            | Stmt::Continue(_)
            | Stmt::IpyEscapeCommand(_) => {}
        }
    }

    fn function_def(&mut self, def: &'a ast::StmtFunctionDef) {
        let class = self.classes.last().map(|(name, _)| name.clone());
        let name: Arc<str> = match (&class, &self.node) {
            (Some(class), _) => format!("{class}.{}", def.name.as_str()).into(),
            (None, Some(outer)) if &**outer != MAIN_NODE => {
                format!("{outer}.{}", def.name.as_str()).into()
            }
            _ => Arc::from(def.name.as_str()),
        };
        for decorator in &def.decorator_list {
            let d = self.expr(&decorator.expression);
            if d.qual.as_deref() == Some("atexit.register") {
                self.out.edges.push((self.node.clone(), name.clone()));
            }
        }
        let params = &def.parameters;
        for p in params
            .posonlyargs
            .iter()
            .chain(&params.args)
            .chain(&params.kwonlyargs)
        {
            if let Some(default) = &p.default {
                self.expr(default);
            }
        }
        if let Some((_, true)) = self.classes.last() {
            self.out.forced.insert(name.clone(), ExecContext::Install);
        }
        if self.role == FileRole::BuildBackend
            && self.classes.is_empty()
            && is_backend_hook(def.name.as_str())
        {
            self.out.forced.insert(name.clone(), ExecContext::Install);
        }
        self.bind(
            def.name.as_str(),
            Sym {
                local: Some(name.clone()),
                ..Sym::default()
            },
        );
        if class.is_none() && helper_return(def).is_some() {
            self.helpers.insert(name.clone(), Helper::Def(def));
        }
        if class.is_none() && self.scopes.len() == 1 && is_specialisable(&def.body) {
            self.procedures.insert(name.clone(), def);
        }
        let enclosing =
            (self.scopes.len() > 1).then(|| self.scopes.last().cloned().unwrap_or_default());
        self.deferred.push(Deferred {
            name,
            def,
            enclosing,
            class,
        });
    }

    fn function_body(&mut self, d: Deferred<'a>) {
        let mut scope = d.enclosing.unwrap_or_default();
        // The enclosing function's parameters are not this one's.
        for sym in scope.values_mut() {
            sym.taint &= !taint::SYMBOLIC;
        }
        let params = &d.def.parameters;
        self.out.functions.push((
            d.name.clone(),
            d.class.clone(),
            params
                .posonlyargs
                .iter()
                .chain(&params.args)
                .chain(&params.kwonlyargs)
                .map(|p| Arc::from(p.parameter.name.as_str()))
                .collect(),
            d.def.start(),
        ));
        let all = params
            .posonlyargs
            .iter()
            .chain(&params.args)
            .chain(&params.kwonlyargs);
        for (i, p) in all.enumerate() {
            let sym = match (&d.class, i) {
                (Some(class), 0) => Sym {
                    instance_of: Some(class.clone()),
                    ..Sym::default()
                },
                // A wallet's private key or recovery phrase handed in by
                // the caller is a secret wherever it goes next.
                _ if names::is_wallet_secret_name(p.parameter.name.as_str()) => {
                    Sym::tainted(taint::SECRET | taint::param(i))
                }
                _ => Sym::tainted(taint::param(i)),
            };
            scope.insert(Arc::from(p.parameter.name.as_str()), sym);
        }
        for p in [&params.vararg, &params.kwarg].into_iter().flatten() {
            scope.insert(Arc::from(p.name.as_str()), Sym::default());
        }
        self.scopes.push(scope);
        let saved_node = self.node.replace(d.name);
        let saved_classes = std::mem::take(&mut self.classes);
        self.suite(&d.def.body);
        self.classes = saved_classes;
        self.node = saved_node;
        self.scopes.pop();
    }

    fn class_def(&mut self, class: &'a ast::StmtClassDef) {
        let mut install = false;
        if let Some(arguments) = &class.arguments {
            for base in arguments.args.iter() {
                let base = self.expr(base);
                install |= base.qual.as_deref().is_some_and(is_command_class)
                    || base
                        .local
                        .as_ref()
                        .is_some_and(|l| self.install_classes.contains(l));
            }
            for kw in &arguments.keywords {
                self.expr(&kw.value);
            }
        }
        for decorator in &class.decorator_list {
            self.expr(&decorator.expression);
        }
        let name: Arc<str> = match self.classes.last() {
            Some((outer, _)) => format!("{outer}.{}", class.name.as_str()).into(),
            None => Arc::from(class.name.as_str()),
        };
        if install {
            self.install_classes.push(name.clone());
        }
        self.bind(
            class.name.as_str(),
            Sym {
                local: Some(name.clone()),
                ..Sym::default()
            },
        );
        self.scopes.push(Scope::default());
        self.classes.push((name, install));
        self.suite(&class.body);
        self.classes.pop();
        self.scopes.pop();
    }

    /// `name = lambda …: EXPR`: walked where it stands (as before), and
    /// kept as a helper so calls with constant arguments evaluate through it.
    fn lambda_def(&mut self, name: &str, lambda: &'a ast::ExprLambda) {
        self.expr(&lambda.body);
        let local: Arc<str> = format!("<lambda {name}>").into();
        if self.classes.is_empty() {
            self.helpers.insert(local.clone(), Helper::Lambda(lambda));
        }
        self.bind(
            name,
            Sym {
                local: Some(local),
                ..Sym::default()
            },
        );
    }

    fn assign(&mut self, target: &'a Expr, value: Sym) {
        match target {
            Expr::Name(name) => self.bind(name.id.as_str(), value),
            Expr::Tuple(t) => self.assign_each(&t.elts, &value),
            Expr::List(l) => self.assign_each(&l.elts, &value),
            Expr::Starred(s) => self.assign(&s.value, Sym::tainted(value.taint)),
            Expr::Attribute(attr) => {
                if let Expr::Name(base) = &*attr.value {
                    let key = format!("{}.{}", base.id.as_str(), attr.attr.as_str());
                    let value =
                        self.field_store(base.id.as_str(), attr.attr.as_str(), value, attr.start());
                    self.scopes[0].insert(Arc::from(key.as_str()), value);
                } else {
                    self.expr(&attr.value);
                }
            }
            Expr::Subscript(sub) => {
                self.expr(&sub.value);
                self.expr(&sub.slice);
            }
            _ => {}
        }
    }

    /// `self.NAME = value` in a method: the value's parameters are recorded
    /// as flowing into the field, and what is stored carries the field's
    /// bit instead (another method reading it sees the field, not this
    /// method's parameters).
    fn field_store(&mut self, base: &str, attr: &str, mut value: Sym, at: TextSize) -> Sym {
        if value.taint & taint::SYMBOLIC == 0 {
            return value;
        }
        let method = self.node.clone().filter(|_| matches!(base, "self" | "cls"));
        let class: Option<Arc<str>> = method
            .as_ref()
            .and_then(|m| m.rsplit_once('.'))
            .map(|(c, _)| Arc::from(c));
        let (Some(method), Some(class)) = (method, class) else {
            value.taint &= !taint::SYMBOLIC;
            return value;
        };
        let key = (class.clone(), Arc::from(attr));
        let next = self
            .out
            .field_index
            .keys()
            .filter(|(c, _)| *c == class)
            .count();
        let index = *self.out.field_index.entry(key).or_insert(next as u8);
        if self.out.field_stores.len() < MAX_FACTS {
            self.out.field_stores.push(PendingFieldStore {
                class,
                field: Arc::from(attr),
                index,
                node: method,
                offset: at,
                value: value.clone(),
            });
        }
        value.taint = (value.taint & !taint::SYMBOLIC) | taint::field(index as usize);
        value
    }

    fn assign_each(&mut self, targets: &'a [Expr], value: &Sym) {
        let items = match &value.konst {
            Some(Const::Seq(items)) if items.len() == targets.len() => Some(items.clone()),
            _ => None,
        };
        for (i, target) in targets.iter().enumerate() {
            let sym = match &items {
                Some(items) => Sym::constant(items[i].clone()),
                None => Sym::tainted(value.taint),
            };
            self.assign(target, sym);
        }
    }

    fn bind(&mut self, name: &str, sym: Sym) {
        if self.layer > 0 && self.scopes.len() == 1 {
            self.bound.push(Arc::from(name));
        }
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(Arc::from(name), sym);
        }
    }

    fn lookup(&self, name: &str) -> Option<&Sym> {
        let innermost = self.scopes.last()?;
        innermost.get(name).or_else(|| self.scopes[0].get(name))
    }

    // ----- expressions ------------------------------------------------

    pub(super) fn expr(&mut self, expr: &'a Expr) -> Sym {
        if self.depth >= MAX_DEPTH {
            self.truncated = true;
            return Sym::default();
        }
        self.depth += 1;
        let sym = stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.expr_inner(expr));
        self.depth -= 1;
        sym
    }

    fn expr_inner(&mut self, expr: &'a Expr) -> Sym {
        match expr {
            Expr::StringLiteral(s) => {
                let value: Arc<str> = Arc::from(s.value.to_str());
                if self.inlining == 0 {
                    self.record_string(&value, s.start());
                }
                Sym::constant(Const::Str(value))
            }
            Expr::BytesLiteral(b) => {
                let bytes: Vec<u8> = b
                    .value
                    .iter()
                    .flat_map(|part| part.value.iter().copied())
                    .collect();
                let sym = Sym::constant(Const::Bytes(bytes.into()));
                if let Some(text) = sym.text().filter(|_| self.inlining == 0) {
                    self.record_string(&text, b.start());
                }
                sym
            }
            Expr::NumberLiteral(n) => match &n.value {
                ast::Number::Int(i) => i
                    .as_i64()
                    .map(|i| Sym::constant(Const::Int(i)))
                    .unwrap_or_default(),
                _ => Sym::default(),
            },
            Expr::BooleanLiteral(b) => Sym::constant(Const::Int(i64::from(b.value))),
            Expr::FString(f) => self.fstring(f),
            Expr::Name(name) => self.name(name.id.as_str()),
            Expr::Attribute(attr) => {
                if let Expr::Name(base) = &*attr.value {
                    let key = format!("{}.{}", base.id.as_str(), attr.attr.as_str());
                    if let Some(sym) = self.scopes[0].get(key.as_str()) {
                        return sym.clone();
                    }
                }
                let base = self.expr(&attr.value);
                self.attribute(base, attr.attr.as_str())
            }
            Expr::Call(call) => self.call(call),
            Expr::BinOp(_) => self.binop_chain(expr),
            Expr::Subscript(sub) => self.subscript(sub),
            Expr::List(l) => self.sequence(&l.elts),
            Expr::Tuple(t) => self.sequence(&t.elts),
            Expr::Set(s) => self.sequence(&s.elts),
            Expr::Dict(d) => {
                let mut taint = 0;
                for item in &d.items {
                    if let Some(key) = &item.key {
                        taint |= self.expr(key).taint;
                    }
                    taint |= self.expr(&item.value).taint;
                }
                Sym::tainted(taint)
            }
            Expr::BoolOp(b) => {
                let mut result = Sym::default();
                for value in &b.values {
                    let v = self.expr(value);
                    result.taint |= v.taint;
                    if result.konst.is_none() && result.qual.is_none() {
                        result.konst = v.konst;
                        result.qual = v.qual;
                    }
                }
                result
            }
            Expr::If(e) => {
                self.expr(&e.test);
                let body = self.expr(&e.body);
                let orelse = self.expr(&e.orelse);
                Sym::tainted(body.taint | orelse.taint)
            }
            Expr::UnaryOp(u) => {
                let operand = self.expr(&u.operand);
                match (u.op, operand.int()) {
                    (ast::UnaryOp::USub, Some(i)) => Sym::constant(Const::Int(i.wrapping_neg())),
                    (ast::UnaryOp::Invert, Some(i)) => Sym::constant(Const::Int(!i)),
                    _ => Sym::tainted(operand.taint),
                }
            }
            Expr::Named(n) => {
                let value = self.expr(&n.value);
                self.assign(&n.target, value.clone());
                value
            }
            Expr::Lambda(l) => {
                self.expr(&l.body);
                Sym::default()
            }
            Expr::Compare(c) => {
                self.expr(&c.left);
                for comparator in c.comparators.iter() {
                    self.expr(comparator);
                }
                Sym::default()
            }
            Expr::ListComp(c) => self.comprehension(&c.generators, [Some(&*c.elt), None]),
            Expr::SetComp(c) => self.comprehension(&c.generators, [Some(&*c.elt), None]),
            Expr::Generator(c) => self.comprehension(&c.generators, [Some(&*c.elt), None]),
            Expr::DictComp(c) => {
                self.comprehension(&c.generators, [c.key.as_deref(), Some(&*c.value)])
            }
            Expr::Await(a) => self.expr(&a.value),
            Expr::Yield(y) => y.value.as_ref().map(|v| self.expr(v)).unwrap_or_default(),
            Expr::YieldFrom(y) => self.expr(&y.value),
            Expr::Starred(s) => self.expr(&s.value),
            Expr::Slice(s) => {
                for part in [&s.lower, &s.upper, &s.step].into_iter().flatten() {
                    self.expr(part);
                }
                Sym::default()
            }
            Expr::TString(_)
            | Expr::NoneLiteral(_)
            | Expr::EllipsisLiteral(_)
            | Expr::IpyEscapeCommand(_) => Sym::default(),
        }
    }

    fn name(&self, id: &str) -> Sym {
        if let Some(sym) = self.lookup(id) {
            let mut sym = sym.clone();
            // `from os import environ`: the name is the whole environment,
            // as `os.environ` is.
            if sym.qual.as_deref() == Some("os.environ") {
                sym.taint |= taint::ENV | taint::ENV_ALL;
            }
            return sym;
        }
        match id {
            "__builtins__" | "builtins" => Sym::qual("builtins"),
            _ if names::BUILTINS.contains(&id) => Sym::qual(format!("builtins.{id}")),
            _ => Sym::default(),
        }
    }

    fn attribute(&mut self, base: Sym, attr: &str) -> Sym {
        if let Some(class) = base.instance_of.as_ref().or(base.local.as_ref()) {
            return Sym {
                local: Some(format!("{class}.{attr}").into()),
                taint: base.taint,
                ..Sym::default()
            };
        }
        // Methods of constants are typed by the value (`"".join`,
        // `bytes.fromhex(..).decode`), builtin types by their plain name.
        let qual: Arc<str> = match (&base.konst, base.qual.as_deref()) {
            (Some(Const::Str(_)), _) | (_, Some("builtins.str")) => format!("str.{attr}").into(),
            (Some(Const::Bytes(_)), _) | (_, Some("builtins.bytes")) => {
                format!("bytes.{attr}").into()
            }
            (_, Some("builtins.bytearray")) => format!("bytearray.{attr}").into(),
            (_, Some("builtins.__dict__")) => format!("builtins.{attr}").into(),
            (_, Some(q)) => format!("{q}.{attr}").into(),
            _ => format!("?.{attr}").into(),
        };
        let taint = base.taint
            | if &*qual == "os.environ" {
                taint::ENV | taint::ENV_ALL
            } else {
                0
            };
        Sym {
            qual: Some(qual),
            taint,
            receiver: Some(Box::new(base)),
            ..Sym::default()
        }
    }

    fn sequence(&mut self, elts: &'a [Expr]) -> Sym {
        let mut taint = 0;
        let mut items = Vec::with_capacity(elts.len());
        // The command-line shape of a list with unknown items
        // (`[sys.executable, "-m", "pip", "install", name]`).
        let mut shape: Vec<Arc<str>> = Vec::new();
        let mut all_const = true;
        for e in elts {
            let sym = self.expr(e);
            taint |= sym.taint;
            if shape.len() < 64 {
                shape.push(match (&sym.konst, &sym.template) {
                    (Some(Const::Str(s)), _) => s.clone(),
                    (Some(k @ Const::Int(_)), _) => k.as_text().unwrap_or_default(),
                    (None, Some(t)) => t.clone(),
                    _ => Arc::from("{}"),
                });
            }
            match sym.konst {
                Some(k) if all_const => items.push(k),
                _ => all_const = false,
            }
        }
        let known = shape.iter().filter(|s| &***s != "{}").count();
        Sym {
            konst: all_const.then(|| Const::Seq(items.into())),
            template: (!all_const && known >= 2 && shape.len() == elts.len())
                .then(|| shape.join(" ").into()),
            taint,
            ..Sym::default()
        }
    }

    fn comprehension(
        &mut self,
        generators: &'a [ast::Comprehension],
        parts: [Option<&'a Expr>; 2],
    ) -> Sym {
        let mut taint = 0;
        for (i, generator) in generators.iter().enumerate() {
            let iter = self.expr(&generator.iter);
            if i == 0
                && let ([generator], [Some(elt), None]) = (generators, parts)
                && let Some(folded) = self.unroll(generator, &iter, elt)
            {
                return folded;
            }
            taint |= iter.taint;
            self.assign(&generator.target, Sym::tainted(iter.taint));
            for cond in &generator.ifs {
                self.expr(cond);
            }
        }
        for part in parts.into_iter().flatten() {
            taint |= self.expr(part).taint;
        }
        Sym::tainted(taint)
    }

    /// `[chr(i) for i in [101, 120, 101, 99]]`, `(c for c in "abc")`: a
    /// comprehension over a constant sequence, evaluated item by item when
    /// every item folds to a constant (how obfuscators spell names). The
    /// facts of the first item are kept, not those of every repetition.
    fn unroll(
        &mut self,
        generator: &'a ast::Comprehension,
        iter: &Sym,
        elt: &'a Expr,
    ) -> Option<Sym> {
        const MAX_ITEMS: usize = 4096;
        if !generator.ifs.is_empty() || generator.is_async {
            return None;
        }
        // `for c in …` or `for i, c in enumerate(…)`: names only.
        let targets: Vec<&'a str> = match &generator.target {
            Expr::Name(n) => vec![n.id.as_str()],
            Expr::Tuple(t) => t
                .elts
                .iter()
                .map(|e| e.as_name_expr().map(|n| n.id.as_str()))
                .collect::<Option<_>>()?,
            _ => return None,
        };
        let items: Vec<Const> = match iter.konst.as_ref()? {
            Const::Seq(items) if items.len() <= MAX_ITEMS => items.to_vec(),
            Const::Str(text) if text.chars().count() <= MAX_ITEMS => text
                .chars()
                .map(|c| Const::Str(c.to_string().into()))
                .collect(),
            _ => return None,
        };
        if !self.spend_unrolling(items.len()) {
            return None;
        }
        let saved: Vec<Option<Sym>> = targets.iter().map(|t| self.lookup(t).cloned()).collect();
        let mut out = Vec::with_capacity(items.len());
        let mut marks = None;
        for item in items {
            self.assign(&generator.target, Sym::constant(item));
            let value = self.expr(elt);
            self.keep_first_pass(&mut marks);
            match value.konst {
                Some(k) => out.push(k),
                None => {
                    out.clear();
                    break;
                }
            }
        }
        for (target, saved) in targets.iter().zip(saved) {
            self.bind(target, saved.unwrap_or_else(|| Sym::tainted(iter.taint)));
        }
        (!out.is_empty()).then(|| Sym {
            konst: Some(Const::Seq(out.into())),
            taint: iter.taint,
            ..Sym::default()
        })
    }

    /// Called after each pass of an unrolled loop or comprehension: the
    /// facts of the first pass are kept, those of later passes dropped.
    fn keep_first_pass(&mut self, marks: &mut Option<(usize, usize)>) {
        let (calls, strings) = *marks.get_or_insert((self.out.calls.len(), self.out.strings.len()));
        self.out.calls.truncate(calls);
        self.out.strings.truncate(strings);
    }

    /// Takes `items` from the source's unrolling budget: loops and
    /// comprehensions unrolled inside each other multiply, so all of them
    /// together evaluate at most [`MAX_UNROLLED`] items; past that, code is
    /// walked once like any other.
    fn spend_unrolling(&mut self, items: usize) -> bool {
        match self.unroll_budget.checked_sub(items) {
            Some(left) => {
                self.unroll_budget = left;
                true
            }
            None => false,
        }
    }

    /// `for i in range(len(s)): out += chr(ord(s[i]) ^ k)`: a loop over a
    /// constant sequence whose body only assigns, walked once per item so
    /// the accumulated value folds (how hand-written ciphers decode). The
    /// facts of the first pass are kept, not those of every repetition.
    /// Returns false, having walked nothing, when the loop does not qualify.
    fn unroll_for(&mut self, s: &'a ast::StmtFor, iter: &Sym) -> bool {
        const MAX_STEPS: usize = 16_384;
        let simple = s.body.iter().all(|stmt| {
            matches!(
                stmt,
                Stmt::Assign(_) | Stmt::AugAssign(_) | Stmt::AnnAssign(_) | Stmt::Pass(_)
            )
        });
        if !simple || s.is_async {
            return false;
        }
        let items: Vec<Const> = match iter.konst.as_ref() {
            Some(Const::Seq(items)) => items.to_vec(),
            Some(Const::Str(text)) => text
                .chars()
                .map(|c| Const::Str(c.to_string().into()))
                .collect(),
            _ => return false,
        };
        if items.is_empty()
            || items.len().saturating_mul(s.body.len()) > MAX_STEPS
            || !self.spend_unrolling(items.len())
        {
            return false;
        }
        let mut marks = None;
        for item in items {
            self.assign(&s.target, Sym::constant(item));
            self.suite(&s.body);
            self.keep_first_pass(&mut marks);
        }
        true
    }

    fn fstring(&mut self, f: &'a ast::ExprFString) -> Sym {
        let mut text = String::new();
        let mut all_const = true;
        let mut taint = 0;
        for part in f.value.iter() {
            match part {
                ast::FStringPart::Literal(lit) => text.push_str(&lit.value),
                ast::FStringPart::FString(fs) => {
                    for element in fs.elements.iter() {
                        match element {
                            ast::InterpolatedStringElement::Literal(lit) => {
                                text.push_str(&lit.value)
                            }
                            ast::InterpolatedStringElement::Interpolation(i) => {
                                let value = self.expr(&i.expression);
                                taint |= value.taint;
                                match value.text() {
                                    Some(t) if i.format_spec.is_none() => text.push_str(&t),
                                    _ => {
                                        all_const = false;
                                        text.push_str("{}");
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let text: Arc<str> = text.into();
        self.record_string(&text, f.start());
        Sym {
            template: (!all_const).then(|| text.clone()),
            konst: all_const.then_some(Const::Str(text)),
            taint,
            ..Sym::default()
        }
    }

    /// Folds a chain of binary operators iteratively (long `a + b + c + ...`
    /// chains are how obfuscators build payloads, and can be thousands deep).
    fn binop_chain(&mut self, expr: &'a Expr) -> Sym {
        let mut spine = Vec::new();
        let mut leftmost = expr;
        while let Expr::BinOp(b) = leftmost {
            spine.push(b);
            leftmost = &b.left;
        }
        if spine.len() > MAX_DEPTH as usize {
            self.out.deep = true;
        }
        let mut acc = self.expr(leftmost);
        for b in spine.iter().rev() {
            let right = self.expr(&b.right);
            acc = self.binop(acc, b.op, right);
        }
        if let Some(text) = acc.text() {
            self.record_string(&text, expr.start());
        }
        acc
    }

    fn binop(&mut self, left: Sym, op: ast::Operator, right: Sym) -> Sym {
        let taint = left.taint | right.taint;
        let konst = match (&left.konst, &right.konst) {
            (Some(l), Some(r)) => consts::binop(l, op, r),
            _ => None,
        };
        let template = match konst {
            Some(_) => None,
            None => string_template(&left, op, &right),
        };
        Sym {
            konst,
            taint,
            template,
            chain: left.chain.or(right.chain),
            ..Sym::default()
        }
    }

    fn subscript(&mut self, sub: &'a ast::ExprSubscript) -> Sym {
        let base = self.expr(&sub.value);
        if let Expr::Slice(slice) = &*sub.slice {
            let mut bound = |e: &'a Option<Box<Expr>>| e.as_ref().map(|e| self.expr(e).int());
            let (lower, upper, step) =
                (bound(&slice.lower), bound(&slice.upper), bound(&slice.step));
            let konst = match (&base.konst, lower, upper, step) {
                (Some(k), Some(None), _, _)
                | (Some(k), _, Some(None), _)
                | (Some(k), _, _, Some(None)) => {
                    let _ = k;
                    None
                }
                (Some(k), l, u, s) => consts::slice(k, l.flatten(), u.flatten(), s.flatten()),
                _ => None,
            };
            return Sym {
                konst,
                taint: base.taint,
                chain: base.chain,
                ..Sym::default()
            };
        }
        let index = self.expr(&sub.slice);
        if let (Some(q), Some(key)) = (&base.qual, index.str()) {
            match &**q {
                "os.environ" => {
                    return Sym {
                        qual: Some("os.environ[]".into()),
                        taint: taint::ENV,
                        ..Sym::default()
                    };
                }
                "builtins.globals()" | "builtins.locals()" | "builtins.vars()" | "builtins"
                | "builtins.__dict__" => {
                    return match self.lookup(key) {
                        Some(sym) => sym.clone(),
                        None if key == "__builtins__" => Sym::qual("builtins"),
                        None => Sym::qual(format!("builtins.{key}")),
                    };
                }
                "sys.modules" => return Sym::qual(key),
                _ => {}
            }
        }
        let konst = match (&base.konst, index.int()) {
            (Some(k), Some(i)) => consts::index(k, i),
            _ => None,
        };
        Sym {
            konst,
            taint: base.taint | index.taint,
            chain: base.chain,
            ..Sym::default()
        }
    }

    // ----- calls ------------------------------------------------------

    fn call(&mut self, call: &'a ast::ExprCall) -> Sym {
        let callee = self.expr(&call.func);
        let args: Vec<Sym> = call.arguments.args.iter().map(|a| self.expr(a)).collect();
        let keywords: Vec<(Arc<str>, Sym)> = call
            .arguments
            .keywords
            .iter()
            .map(|k| {
                let name: Arc<str> = k
                    .arg
                    .as_ref()
                    .map_or(Arc::from("**"), |a| Arc::from(a.as_str()));
                (name, self.expr(&k.value))
            })
            .collect();

        // Local functions and classes: edges of the call graph. A local
        // function passed as an argument (a callback, a thread target) is
        // taken as called.
        for sym in std::iter::once(&callee)
            .chain(&args)
            .chain(keywords.iter().map(|(_, v)| v))
        {
            if let Some(local) = &sym.local {
                self.out.edges.push((self.node.clone(), local.clone()));
                self.out
                    .edges
                    .push((self.node.clone(), format!("{local}.__init__").into()));
            }
        }
        if let Some(local) = &callee.local {
            if self.inlining == 0 && !self.specialising && self.out.local_calls.len() < MAX_FACTS {
                self.out.local_calls.push(PendingLocalCall {
                    callee: local.clone(),
                    node: self.node.clone(),
                    offset: call.start(),
                    bound: callee.instance_of.is_some()
                        || matches!(&*call.func, Expr::Attribute(_)),
                    args: args.clone(),
                    keywords: keywords.clone(),
                    silenced: self.silenced,
                });
            }
            let mut taint = args.iter().fold(0, |t, a| t | a.taint);
            if names::derives_from_secret(local) {
                taint &= !taint::SECRET;
            }
            let mut instance = Sym {
                instance_of: Some(local.clone()),
                returned_by: Some(local.clone()),
                taint,
                ..Sym::default()
            };
            if let Some(value) = self.inline_helper(local, &args, &keywords, call.start()) {
                instance.taint |= value.taint;
                instance.konst = value.konst;
                instance.chain = value.chain;
                instance.analysed = value.analysed;
            } else if let Some(value) = self.specialise(local, &args, &keywords) {
                instance.taint |= value.taint;
                instance.konst = value.konst;
                instance.chain = value.chain;
                instance.analysed = value.analysed;
            }
            return instance;
        }

        let Some(name) = callee.qual.clone() else {
            return Sym::tainted(args.iter().fold(callee.taint, |t, a| t | a.taint));
        };
        if name.starts_with("setuptools.setup") || name.starts_with("distutils.core.setup") {
            self.force_cmdclass(call);
        }
        let at = self.call_site.unwrap_or(call.start());
        if names::is_process(&name) && args.first().is_some_and(|a| a.konst.is_none()) {
            self.python_c_item(call, at);
        }
        let result = self.fold_call(&name, &callee, &args, &keywords, at);
        if self.out.calls.len() < MAX_FACTS {
            self.out.calls.push(PendingCall {
                name: name.clone(),
                offset: at,
                node: self.node.clone(),
                fixed: None,
                args,
                keywords,
                via: None,
                silenced: self.silenced,
            });
        }
        result
    }

    /// Evaluates a call of a one-expression local function when an argument
    /// is constant: the parameters are bound to the arguments and the
    /// returned expression is evaluated at the call, so decoding done by a
    /// helper is decoded here. Nested at most three helpers deep.
    fn inline_helper(
        &mut self,
        local: &Arc<str>,
        args: &[Sym],
        keywords: &[(Arc<str>, Sym)],
        at: TextSize,
    ) -> Option<Sym> {
        const MAX_INLINE: u8 = 3;
        if self.inlining >= MAX_INLINE
            || !args
                .iter()
                .chain(keywords.iter().map(|(_, v)| v))
                .any(|a| a.konst.is_some())
        {
            return None;
        }
        let no_params = ast::Parameters::default();
        let (params, assigns, value) = match *self.helpers.get(local)? {
            Helper::Def(def) => {
                let (assigns, value) = helper_return(def)?;
                (&*def.parameters, assigns, value)
            }
            Helper::Lambda(lambda) => (
                lambda.parameters.as_deref().unwrap_or(&no_params),
                &[][..],
                &*lambda.body,
            ),
        };
        let mut scope = self.scopes[0].clone();
        bind_parameters(&mut scope, params, args, keywords);
        self.scopes.push(scope);
        self.inlining += 1;
        let outer_site = self.call_site;
        self.call_site = outer_site.or(Some(at));
        for stmt in assigns {
            if let Stmt::Assign(a) = stmt
                && let Expr::Name(target) = &a.targets[0]
            {
                let v = self.expr(&a.value);
                self.bind(target.id.as_str(), v);
            }
        }
        let result = self.expr(value);
        self.call_site = outer_site;
        self.inlining -= 1;
        self.scopes.pop();
        Some(result)
    }

    /// Walks a module-level function's body again for one call whose
    /// arguments include a constant or tainted data, with its parameters
    /// bound to them: `def run(cmd): Popen(cmd, shell=True)` then
    /// `run("powershell …")` shows the command at the `Popen`, and
    /// `run(requests.get(url).text)` a command read from the network. The facts belong to the function
    /// (its context is the function's); its generic walk still happens.
    /// Returns the first constant the body returns (decoders written as
    /// several statements). Bounded: small bodies without nested
    /// definitions, not nested, at most [`MAX_SPECIALISED`] per source.
    fn specialise(
        &mut self,
        local: &Arc<str>,
        args: &[Sym],
        keywords: &[(Arc<str>, Sym)],
    ) -> Option<Sym> {
        // A constant to evaluate with, or data whose origin matters (read
        // from the network, a secret, decoded): one environment variable
        // alone is configuration.
        let telling = |a: &Sym| a.konst.is_some() || a.taint & taint::SOURCES & !taint::ENV != 0;
        if self.specialising
            || self.inlining > 0
            || self.specialised >= MAX_SPECIALISED
            || !args
                .iter()
                .chain(keywords.iter().map(|(_, v)| v))
                .any(telling)
        {
            return None;
        }
        let &def = self.procedures.get(local)?;
        self.specialised += 1;
        let mut scope = Scope::default();
        bind_parameters(&mut scope, &def.parameters, args, keywords);
        // The caller's parameters are not the callee's.
        for sym in scope.values_mut() {
            sym.taint &= !taint::SYMBOLIC;
        }
        self.scopes.push(scope);
        self.specialising = true;
        let saved_node = self.node.replace(local.clone());
        let saved_silenced = std::mem::take(&mut self.silenced);
        self.suite(&def.body);
        self.silenced = saved_silenced;
        self.node = saved_node;
        self.specialising = false;
        self.scopes.pop();
        self.specialised_value.take()
    }

    /// `setup(cmdclass={"install": Hook})`: the hook's methods run at
    /// install time, whatever it subclasses.
    fn force_cmdclass(&mut self, call: &'a ast::ExprCall) {
        let Some(cmdclass) = call
            .arguments
            .keywords
            .iter()
            .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "cmdclass"))
        else {
            return;
        };
        if let Expr::Dict(dict) = &cmdclass.value {
            for item in &dict.items {
                if let Expr::Name(n) = &item.value
                    && let Some(local) = self.lookup(n.id.as_str()).and_then(|s| s.local.clone())
                {
                    self.install_classes.push(local.clone());
                    self.out
                        .forced
                        .insert(format!("{local}.run").into(), ExecContext::Install);
                    self.out.edges.push((
                        Some(format!("{local}.run").into()),
                        format!("{local}.__init__").into(),
                    ));
                }
            }
        }
    }

    /// Evaluates what a call returns when the analysis can tell: constant
    /// folding, decoding, module lookups and taint sources.
    fn fold_call(
        &mut self,
        name: &str,
        callee: &Sym,
        args: &[Sym],
        keywords: &[(Arc<str>, Sym)],
        at: TextSize,
    ) -> Sym {
        let arg = |i: usize| args.get(i);
        let mut result = Sym {
            qual: Some(format!("{name}()").into()),
            taint: args
                .iter()
                .chain(keywords.iter().map(|(_, v)| v))
                .fold(callee.taint, |t, a| t | a.taint),
            ..Sym::default()
        };
        let receiver = callee.receiver.as_deref();

        if let Some(decoder) = names::decoder(name) {
            return self.decode_call(decoder, arg(0), result, at);
        }
        match name {
            "codecs.decode" | "codecs.encode" => {
                let codec = arg(1).or_else(|| {
                    keywords
                        .iter()
                        .find(|(k, _)| &**k == "encoding")
                        .map(|(_, v)| v)
                });
                if let Some(decoder) = codec.and_then(|c| c.str()).and_then(Decoder::from_codec) {
                    return self.decode_call(decoder, arg(0), result, at);
                }
            }
            "str.decode" | "bytes.decode" | "str.encode" | "bytes.encode" => {
                let codec = arg(0).and_then(Sym::str);
                if let Some(decoder) = codec.and_then(Decoder::from_codec) {
                    return self.decode_call(decoder, receiver, result, at);
                }
                if let Some(r) = receiver {
                    result.taint |= r.taint;
                    result.chain = r.chain.clone();
                    result.analysed = r.analysed;
                    result.konst = r.konst.as_ref().and_then(|k| {
                        if name.ends_with("decode") {
                            k.as_text().map(Const::Str)
                        } else {
                            k.as_text().map(|t| Const::Bytes(t.as_bytes().into()))
                        }
                    });
                }
                return result;
            }
            "builtins.__import__" | "importlib.import_module" | "importlib.__import__" => {
                if let Some(module) = arg(0).and_then(Sym::str) {
                    self.out
                        .imports
                        .push((Arc::from(module), at, self.node.clone()));
                    return Sym::qual(module);
                }
            }
            // `setattr(__builtins__, "_x", exec)`: a new global name.
            "builtins.setattr" if arg(0).and_then(|a| a.qual.as_deref()) == Some("builtins") => {
                if let (Some(name), Some(value)) = (arg(1).and_then(Sym::str), arg(2)) {
                    let (name, value): (Arc<str>, Sym) = (Arc::from(name), value.clone());
                    if self.layer > 0 {
                        self.bound.push(name.clone());
                    }
                    self.scopes[0].insert(name, value);
                }
            }
            "builtins.getattr" => {
                if let (Some(base), Some(attr)) = (arg(0), arg(1).and_then(Sym::str)) {
                    return self.attribute(base.clone(), attr);
                }
            }
            // `map(chr, [105, 100])`, as obfuscators spell `"id"`.
            "builtins.map" => {
                let function = arg(0).and_then(|f| f.qual.as_deref());
                if let (Some(f @ ("builtins.chr" | "builtins.str")), Some(Const::Seq(items))) =
                    (function, arg(1).and_then(Sym::konst_ref))
                {
                    let mapped: Option<Vec<Const>> = items
                        .iter()
                        .map(|item| {
                            let item = Sym::constant(item.clone());
                            consts::fold_call(f, None, std::slice::from_ref(&item), &[])
                        })
                        .collect();
                    if let Some(mapped) = mapped {
                        result.konst = Some(Const::Seq(mapped.into()));
                        return result;
                    }
                }
            }
            // `oct.__str__()` is `"<built-in function oct>"`: obfuscators
            // index into such texts to spell names.
            _ if name.starts_with("builtins.")
                && (name.ends_with(".__str__") || name.ends_with(".__repr__")) =>
            {
                let builtin = name
                    .trim_start_matches("builtins.")
                    .split('.')
                    .next()
                    .unwrap_or("");
                if let Some(text) = builtin_text(builtin) {
                    result.konst = Some(Const::Str(text.into()));
                    return result;
                }
            }
            "builtins.globals" | "builtins.locals" | "builtins.vars" if args.is_empty() => {
                return Sym::qual(format!("{name}()"));
            }
            "builtins.open" | "io.open" | "codecs.open" | "str.open" | "str.read_text"
            | "str.read_bytes" => {
                let path = if name.starts_with("str.") {
                    receiver.and_then(Sym::text)
                } else {
                    arg(0).and_then(Sym::text)
                };
                if path.is_some_and(|p| names::credential_target(&p).is_some()) {
                    result.taint |= taint::SECRET;
                }
            }
            _ => {}
        }
        if names::is_env_read(name) {
            result.taint |= taint::ENV;
        }
        if let Some(r) = receiver {
            result.taint |= r.taint;
        }
        // One variable read from the environment is not all of it.
        if matches!(
            name,
            "os.environ.get"
                | "os.environ.pop"
                | "os.environ.setdefault"
                | "os.environ.__getitem__"
        ) {
            result.taint &= !taint::ENV_ALL;
        }
        // `urlretrieve` returns the local path it wrote, not what it read.
        if names::is_network_read(name) && !names::is_download_to_file(name) {
            result.taint |= taint::NETWORK;
            let texts = args
                .iter()
                .chain(keywords.iter().map(|(_, v)| v))
                .filter_map(Sym::text);
            for text in texts {
                if names::is_metadata_endpoint(&text) {
                    result.taint |= taint::METADATA;
                } else if names::credential_target(&text).is_some() {
                    result.taint |= taint::SECRET;
                }
            }
        }
        if names::is_secret_read(name) {
            result.taint |= taint::SECRET;
        }
        if names::derives_from_secret(name) {
            result.taint &= !taint::SECRET;
        }
        if matches!(
            name,
            "socket.gethostname"
                | "getpass.getuser"
                | "os.getlogin"
                | "platform.node"
                | "platform.uname"
                | "os.getcwd"
                | "os.uname"
        ) {
            result.taint |= taint::HOST_INFO;
        }
        if names::capture(name).is_some() {
            result.taint |= taint::COLLECTED;
        }
        if let Some(folded) = consts::fold_call(
            name,
            receiver.and_then(|r| r.konst.as_ref()),
            args,
            keywords,
        ) {
            if let Some(text) = folded.as_text() {
                self.record_string(&text, at);
            }
            result.konst = Some(folded);
            result.chain = receiver
                .and_then(|r| r.chain.clone())
                .or_else(|| args.iter().find_map(|a| a.chain.clone()));
        }
        if result.konst.is_none()
            && name == "str.format"
            && let Some(Const::Str(fmt)) = receiver.and_then(|r| r.konst.as_ref())
        {
            result.template = Some(consts::brace_template(fmt).into());
        }
        if name == "builtins.compile" {
            // `compile(S, ...)` is S until something runs it: `eval` and
            // `exec` analyse it there (and `eval` yields its value).
            if let Some(code) = arg(0) {
                result.konst = code.konst.clone();
                result.chain = code.chain.clone();
                result.analysed = code.analysed;
            }
        } else if names::is_code_exec(name)
            && let Some(code) = arg(0).filter(|a| !a.analysed).and_then(Sym::text)
        {
            let chain = arg(0).and_then(|a| a.chain.clone());
            let value = self.nested(
                &code,
                chain.as_deref().unwrap_or("exec of a constant string"),
                at,
            );
            // `eval("exec")`, `eval("__import__('base64')")`: obfuscators
            // look names up through `eval` of constant text.
            if name == "builtins.eval"
                && let Some(mut value) = value
            {
                value.taint |= result.taint;
                return value;
            }
        } else if names::is_process(name) || name.ends_with(".write") {
            // Python source written to a file or handed to `python -c` runs
            // later: analyse it here, where it is planted.
            for code in args.iter().filter(|a| !a.analysed).filter_map(Sym::text) {
                let code = match code.find("-c ") {
                    Some(at) if names::is_process(name) => {
                        code[at + 3..].trim_matches(['"', '\'', ' ']).to_owned()
                    }
                    _ => code.to_string(),
                };
                let chain = if names::is_process(name) {
                    "code passed to a process"
                } else {
                    "code written to a file"
                };
                self.planted(&code, chain, at);
            }
        }
        result
    }

    /// `[sys.executable, "-c", CODE]`: the list is not constant as a whole
    /// (the interpreter's path is not known), but the code after `-c` is.
    fn python_c_item(&mut self, call: &'a ast::ExprCall, at: TextSize) {
        let items = match call.arguments.args.first() {
            Some(Expr::List(l)) => &l.elts,
            Some(Expr::Tuple(t)) => &t.elts,
            _ => return,
        };
        let Some(flag) = items.iter().position(|e| {
            e.as_string_literal_expr()
                .is_some_and(|s| s.value.to_str() == "-c")
        }) else {
            return;
        };
        let Some(code) = items
            .get(flag + 1)
            .map(|e| self.expr(e))
            .and_then(|v| v.text())
        else {
            return;
        };
        self.planted(&code, "code passed to a process", at);
    }

    /// Analyses text handed to an interpreter or written to a file when it
    /// reads as Python: it runs later, and is reported where it is planted.
    fn planted(&mut self, code: &str, chain: &str, at: TextSize) {
        if code.len() >= 24 && decode::looks_like_python(code) {
            self.nested(code, chain, at);
        }
    }

    fn decode_call(
        &mut self,
        decoder: Decoder,
        input: Option<&Sym>,
        mut result: Sym,
        at: TextSize,
    ) -> Sym {
        result.taint |= taint::DECODED;
        let Some(input) = input else { return result };
        result.taint |= input.taint;
        let bytes = match &input.konst {
            Some(Const::Str(s)) => s.as_bytes().to_vec(),
            Some(Const::Bytes(b)) => b.to_vec(),
            _ => return result,
        };
        let Some(decoded) = decode::decode(decoder, &bytes) else {
            return result;
        };
        let chain: Arc<str> = match &input.chain {
            Some(outer) => format!("{outer} → {}", decoder.as_str()).into(),
            None => decoder.as_str().into(),
        };
        let text = String::from_utf8_lossy(&decoded).into_owned();
        result.chain = Some(chain.clone());
        if decoded.len() >= 16 {
            let is_python = decode::looks_like_python(&text);
            if self.layer < MAX_LAYERS {
                self.out.payloads.push(PendingPayload {
                    offset: at,
                    node: self.node.clone(),
                    chain: chain.clone(),
                    text: text.clone(),
                    is_python,
                });
            }
            if is_python {
                self.nested(&text, &chain, at);
                result.analysed = true;
            } else {
                self.record_string(&Arc::from(text.as_str()), at);
            }
        }
        result.konst = Some(Const::Bytes(decoded.into()));
        result
    }

    /// Analyses Python source found in a payload and merges its facts,
    /// attributed to the line that decodes or executes it.
    /// Returns the payload's value when it is one expression.
    fn nested(&mut self, code: &str, chain: &str, at: TextSize) -> Option<Sym> {
        let at = self.call_site.unwrap_or(at);
        if self.layer >= MAX_LAYERS {
            self.out.notes.push(format!(
                "payload nested more than {MAX_LAYERS} layers deep was not analysed"
            ));
            return None;
        }
        let mut globals = self.scopes[0].clone();
        if let Some(locals) = self.scopes.last().filter(|_| self.scopes.len() > 1) {
            globals.extend(locals.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        let walk = self
            .payloads
            .analyse(code, self.layer + 1, globals, &self.helpers)?;
        let contexts = walk.resolve(ExecContext::Import, ExecContext::Runtime);
        let chain: Arc<str> = Arc::from(chain);
        let node = self.node.clone();
        let placement = |inner_node: &Node, fixed: Option<ExecContext>| -> Option<ExecContext> {
            match fixed.unwrap_or_else(|| {
                context_of(
                    &contexts,
                    inner_node,
                    ExecContext::Import,
                    ExecContext::Runtime,
                )
            }) {
                ExecContext::Runtime => Some(ExecContext::Runtime),
                _ => None,
            }
        };
        for c in walk.calls {
            if self.out.calls.len() >= MAX_FACTS {
                break;
            }
            let fixed = placement(&c.node, c.fixed);
            self.out.calls.push(PendingCall {
                offset: at,
                node: node.clone(),
                fixed,
                via: Some(join_chain(&chain, c.via.as_deref())),
                silenced: c.silenced || self.silenced,
                ..c
            });
        }
        for s in walk.strings {
            let fixed = placement(&s.node, s.fixed);
            self.push_string(PendingString {
                offset: at,
                node: node.clone(),
                fixed,
                via: Some(join_chain(&chain, s.via.as_deref())),
                value: s.value,
            });
        }
        for (module, _, _) in walk.imports {
            self.out.imports.push((module, at, node.clone()));
        }
        for p in walk.payloads {
            self.out.payloads.push(PendingPayload {
                offset: at,
                node: node.clone(),
                chain: join_chain(&chain, Some(&p.chain)),
                ..p
            });
        }
        self.out.notes.extend(walk.notes);
        // What the payload bound (`exec("import os as o")`,
        // `exec("setattr(__builtins__, 'x', exec)")`) is visible after it.
        if let Some(scope) = self.scopes.last_mut() {
            for (name, sym) in walk.bindings {
                if sym.qual.is_some() || sym.local.is_some() || sym.konst.is_some() {
                    scope.insert(name, sym);
                }
            }
        }
        walk.value
    }

    fn record_string(&mut self, value: &Arc<str>, at: TextSize) {
        if value.len() < 4 {
            return;
        }
        let at = self.call_site.unwrap_or(at);
        let value = if value.len() > MAX_STRING_FACT {
            Arc::from(&value[..value.floor_char_boundary(MAX_STRING_FACT)])
        } else {
            value.clone()
        };
        self.push_string(PendingString {
            value,
            offset: at,
            node: self.node.clone(),
            fixed: None,
            via: None,
        });
    }

    fn push_string(&mut self, s: PendingString) {
        if self.out.strings.len() < MAX_FACTS {
            self.out.strings.push(s);
        }
    }
}

impl Walk {
    /// The context of every function of the call graph: the most exposed
    /// context of any caller, or the context forced on it (install-command
    /// methods, build-backend hooks).
    pub(super) fn resolve(
        &self,
        top: ExecContext,
        main: ExecContext,
    ) -> HashMap<Arc<str>, ExecContext> {
        let mut contexts: HashMap<Arc<str>, ExecContext> = self.forced.clone();
        loop {
            let mut changed = false;
            for (caller, callee) in &self.edges {
                let from = context_of(&contexts, caller, top, main);
                let entry = contexts
                    .entry(callee.clone())
                    .or_insert(ExecContext::Runtime);
                if from > *entry {
                    *entry = from;
                    changed = true;
                }
            }
            if !changed {
                return contexts;
            }
        }
    }
}

/// The context of a call-graph node.
pub(super) fn context_of(
    contexts: &HashMap<Arc<str>, ExecContext>,
    node: &Node,
    top: ExecContext,
    main: ExecContext,
) -> ExecContext {
    match node {
        None => top,
        Some(n) if &**n == MAIN_NODE => main,
        Some(n) => contexts.get(n).copied().unwrap_or(ExecContext::Runtime),
    }
}

/// Converts a walker value into the public [`super::Value`].
pub(super) fn value_of(sym: &Sym, returns: &HashMap<Arc<str>, Taint>) -> super::Value {
    let summary = sym
        .returned_by
        .as_ref()
        .and_then(|f| returns.get(f))
        .copied()
        .unwrap_or(0);
    super::Value {
        text: sym.text().or_else(|| sym.template.clone()),
        taint: (sym.taint | summary) & taint::SOURCES,
        params: taint::params_of(sym.taint),
        fields: taint::fields_of(sym.taint),
        origin: sym.qual.clone(),
    }
}

fn join_chain(outer: &str, inner: Option<&str>) -> Arc<str> {
    match inner {
        Some(inner) => format!("{outer} → {inner}").into(),
        None => outer.into(),
    }
}

/// Handlers that swallow any error: one catches everything (bare
/// `except:`, `Exception`, `BaseException`), and every handler's body is
/// only `pass`, `...`, `continue` or a string.
fn silent_handlers(handlers: &[ast::ExceptHandler]) -> bool {
    let broad = |e: &Expr| matches!(e, Expr::Name(n) if matches!(n.id.as_str(), "Exception" | "BaseException"));
    let catches_all = handlers.iter().any(|handler| {
        let ast::ExceptHandler::ExceptHandler(h) = handler;
        match h.type_.as_deref() {
            None => true,
            Some(Expr::Tuple(t)) => t.elts.iter().any(broad),
            Some(e) => broad(e),
        }
    });
    catches_all
        && handlers.iter().all(|handler| {
            let ast::ExceptHandler::ExceptHandler(h) = handler;
            h.body.iter().all(|stmt| match stmt {
                Stmt::Pass(_) | Stmt::Continue(_) => true,
                Stmt::Expr(e) => {
                    e.value.is_ellipsis_literal_expr() || e.value.is_string_literal_expr()
                }
                _ => false,
            })
        })
}

/// `if __name__ == "__main__":` in either order.
/// A function whose body is straight-line: assignments to plain names
/// (at most eight), then `return EXPR` (after an optional docstring).
/// Returns the assignments and the returned expression.
/// Binds a function's parameters to the arguments of one call (keywords by
/// name, then positions); parameters given nothing are unknown.
fn bind_parameters(
    scope: &mut Scope,
    params: &ast::Parameters,
    args: &[Sym],
    keywords: &[(Arc<str>, Sym)],
) {
    let positional = params.posonlyargs.len() + params.args.len();
    let all = params
        .posonlyargs
        .iter()
        .chain(&params.args)
        .chain(&params.kwonlyargs);
    for (i, p) in all.enumerate() {
        let name = p.parameter.name.as_str();
        let bound = keywords
            .iter()
            .find(|(k, _)| &**k == name)
            .map(|(_, v)| v)
            .or_else(|| (i < positional).then(|| args.get(i)).flatten());
        scope.insert(Arc::from(name), bound.cloned().unwrap_or_default());
    }
    for p in [&params.vararg, &params.kwarg].into_iter().flatten() {
        scope.insert(Arc::from(p.name.as_str()), Sym::default());
    }
}

/// A function body small enough to walk again per call site, with no
/// definitions inside (walking those twice would defer them twice).
fn is_specialisable(body: &[Stmt]) -> bool {
    fn plain(stmts: &[Stmt], budget: &mut usize) -> bool {
        stmts.iter().all(|stmt| {
            if *budget == 0 {
                return false;
            }
            *budget -= 1;
            match stmt {
                Stmt::FunctionDef(_) | Stmt::ClassDef(_) => false,
                Stmt::If(s) => {
                    plain(&s.body, budget)
                        && s.elif_else_clauses.iter().all(|c| plain(&c.body, budget))
                }
                Stmt::Try(s) => {
                    plain(&s.body, budget)
                        && plain(&s.orelse, budget)
                        && plain(&s.finalbody, budget)
                        && s.handlers.iter().all(|h| match h {
                            ast::ExceptHandler::ExceptHandler(h) => plain(&h.body, budget),
                        })
                }
                Stmt::With(s) => plain(&s.body, budget),
                Stmt::For(s) => plain(&s.body, budget) && plain(&s.orelse, budget),
                Stmt::While(s) => plain(&s.body, budget) && plain(&s.orelse, budget),
                _ => true,
            }
        })
    }
    let mut budget = MAX_SPECIALISED_STATEMENTS;
    plain(body, &mut budget)
}

/// Helpers by local name.
pub(super) type Helpers<'a> = rustc_hash::FxHashMap<Arc<str>, Helper<'a>>;

/// A local function a call can be evaluated through ([`Walker::inline_helper`]).
#[derive(Clone, Copy)]
pub(super) enum Helper<'a> {
    Def(&'a ast::StmtFunctionDef),
    Lambda(&'a ast::ExprLambda),
}

fn helper_return(def: &ast::StmtFunctionDef) -> Option<(&[Stmt], &Expr)> {
    let body = match def.body.as_slice() {
        [Stmt::Expr(doc), rest @ ..] if doc.value.is_string_literal_expr() => rest,
        body => body,
    };
    let (Stmt::Return(ret), assigns) = body.split_last()? else {
        return None;
    };
    let simple = assigns.len() <= 8
        && assigns.iter().all(
            |s| matches!(s, Stmt::Assign(a) if a.targets.len() == 1 && a.targets[0].is_name_expr()),
        );
    (simple && def.parameters.vararg.is_none()).then_some((assigns, ret.value.as_deref()?))
}

/// The shape of a string built from known and unknown parts (`"curl " +
/// url + " | sh"`, `"echo %s | base64 -d" % data`), with `{}` for each
/// unknown part, as f-string templates keep it.
fn string_template(left: &Sym, op: ast::Operator, right: &Sym) -> Option<Arc<str>> {
    fn part(sym: &Sym) -> Option<Arc<str>> {
        match &sym.konst {
            Some(Const::Str(s)) => Some(s.clone()),
            Some(_) => None,
            None => sym.template.clone(),
        }
    }
    let text = match op {
        ast::Operator::Add => match (part(left), part(right)) {
            (Some(l), Some(r)) => format!("{l}{r}"),
            (Some(l), None) if right.konst.is_none() => format!("{l}{{}}"),
            (None, Some(r)) if left.konst.is_none() => format!("{{}}{r}"),
            _ => return None,
        },
        ast::Operator::Mod => match &left.konst {
            Some(Const::Str(fmt)) => consts::percent_template(fmt),
            _ => return None,
        },
        _ => return None,
    };
    (text.len() <= MAX_STRING_FACT).then(|| text.into())
}

fn is_main_guard(test: &Expr) -> bool {
    let Expr::Compare(c) = test else { return false };
    let [comparator] = &*c.comparators else {
        return false;
    };
    let is_name = |e: &Expr| matches!(e, Expr::Name(n) if n.id.as_str() == "__name__");
    let is_main = |e: &Expr| matches!(e, Expr::StringLiteral(s) if s.value.to_str() == "__main__");
    (is_name(&c.left) && is_main(comparator)) || (is_main(&c.left) && is_name(comparator))
}

/// setuptools / distutils command classes: their subclasses' methods run
/// while the package is built or installed.
fn is_command_class(qual: &str) -> bool {
    qual.starts_with("setuptools.command.")
        || qual.starts_with("distutils.command.")
        || qual.starts_with("wheel.bdist_wheel")
        || matches!(
            qual,
            "setuptools.Command" | "distutils.core.Command" | "distutils.cmd.Command"
        )
}

/// PEP 517 / 660 hook names.
fn is_backend_hook(name: &str) -> bool {
    matches!(
        name,
        "build_wheel"
            | "build_sdist"
            | "build_editable"
            | "get_requires_for_build_wheel"
            | "get_requires_for_build_sdist"
            | "get_requires_for_build_editable"
            | "prepare_metadata_for_build_wheel"
            | "prepare_metadata_for_build_editable"
    )
}

// Imports are resolved against the module's bindings at their position, so
// `Import` facts only need the module name.
impl Import {
    pub(super) fn new(module: Arc<str>, line: u32, context: ExecContext) -> Self {
        Import {
            module,
            line,
            context,
        }
    }
}

impl Payload {
    pub(super) fn new(
        line: u32,
        column: u32,
        chain: Arc<str>,
        text: &str,
        is_python: bool,
    ) -> Self {
        const PREVIEW: usize = 240;
        let preview: String = text.chars().take(PREVIEW).collect();
        Payload {
            line,
            column,
            chain,
            preview,
            len: text.len(),
            is_python,
            context: ExecContext::Runtime,
        }
    }
}

/// What `str()` of a builtin gives, where it is stable across versions.
fn builtin_text(name: &str) -> Option<String> {
    match name {
        "copyright" => Some("Copyright (c) 2001 Python Software Foundation.".to_owned()),
        "credits" => Some(
            "    Thanks to CWI, CNRI, BeOpen, Zope Corporation, the Python Software Foundation,"
                .to_owned(),
        ),
        "int" | "str" | "bytes" | "float" | "list" | "tuple" | "dict" | "set" | "object"
        | "bool" | "type" | "bytearray" | "frozenset" | "range" | "map" | "filter" | "zip"
        | "enumerate" | "reversed" | "memoryview" => Some(format!("<class '{name}'>")),
        _ if names::BUILTINS.contains(&name) => Some(format!("<built-in function {name}>")),
        _ => None,
    }
}
