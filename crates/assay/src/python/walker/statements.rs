//! Statements and scopes: bindings, function and class definitions, and
//! the deferred walk of function bodies.

use std::sync::Arc;

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextSize};

use super::super::QualName;
use super::super::consts::Const;
use super::super::names;
use super::super::{ExecContext, FileRole, taint};
use super::calls::{Helper, helper_return, is_specialisable};
use super::contexts::{EVERY_METHOD, MAIN_NODE, is_backend_hook, is_command_class, is_main_guard};
use super::facts::{PendingFunction, PendingLoop};
use super::{Deferred, Frame, MAX_DEPTH, Scope, Sym, Walker};

impl<'a> Walker<'a, '_> {
    pub(super) fn suite(&mut self, body: &'a [Stmt]) {
        for stmt in body {
            self.stmt(stmt);
        }
    }

    pub(super) fn stmt(&mut self, stmt: &'a Stmt) {
        if self.depth >= MAX_DEPTH {
            self.truncated = true;
            return;
        }
        if !self.visit() {
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
                        .push((module.clone(), alias.start(), self.frame.node.clone()));
                    match &alias.asname {
                        Some(asname) => {
                            self.bind(asname.as_str(), Sym::qual(QualName::dotted(&module)));
                        }
                        None => {
                            let top = alias.name.as_str().split('.').next().unwrap_or_default();
                            self.bind(top, Sym::qual(QualName::dotted(top)));
                        }
                    }
                }
            }
            Stmt::ImportFrom(s) => {
                let dots = ".".repeat(s.level as usize);
                let module = format!("{dots}{}", s.module.as_ref().map_or("", |m| m.as_str()));
                self.out.imports.push((
                    Arc::from(module.as_str()),
                    s.start(),
                    self.frame.node.clone(),
                ));
                for alias in &s.names {
                    if alias.name.as_str() == "*" {
                        continue;
                    }
                    let qual = QualName::dotted(&module).attribute(alias.name.as_str());
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
                // One target (nearly always) takes the value itself.
                if let Some((last, rest)) = s.targets.split_last() {
                    for target in rest {
                        self.assign(target, value.clone());
                    }
                    self.assign(last, value);
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
                if self.frame.node.is_none() && self.depth == 1 {
                    self.out.value = Some(value);
                }
            }
            Stmt::Return(s) => {
                if let Some(value) = &s.value {
                    let value = self.expr(value);
                    if let Some(node) = &self.frame.node {
                        *self.out.returns.entry(node.clone()).or_default() |= value.taint;
                    }
                    // The first constant a specialised body returns.
                    if self.frame.specialising
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
                if is_main_guard(&s.test) && self.frame.node.is_none() {
                    let frame = Frame {
                        node: Some(Arc::from(MAIN_NODE)),
                        ..self.frame.clone()
                    };
                    self.within(frame, |walker| walker.suite(&s.body));
                } else {
                    self.expr(&s.test);
                    self.select_credential_paths(&s.test);
                    self.branches(|walker| {
                        walker.suite(&s.body);
                        for clause in &s.elif_else_clauses {
                            if let Some(test) = &clause.test {
                                walker.expr(test);
                            }
                            walker.suite(&clause.body);
                        }
                    });
                    return;
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
                    self.assign(&s.target, Self::loop_item(&iter));
                    self.suite(&s.body);
                }
                self.suite(&s.orelse);
            }
            Stmt::While(s) => {
                // Loops of decoded payloads or of a walk at a call site
                // have no span of their own in the file.
                if self.frame.call_site.is_none() && self.fact() {
                    self.out.loops.push(PendingLoop {
                        node: self.frame.node.clone(),
                        start: s.start(),
                        end: s.end(),
                        callees: super::loops::callees(&s.body),
                    });
                }
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
                let frame = Frame {
                    silenced: self.frame.silenced || silent_handlers(&s.handlers),
                    ..self.frame.clone()
                };
                self.branches(|walker| {
                    walker.within(frame, |walker| walker.suite(&s.body));
                    for handler in &s.handlers {
                        let ast::ExceptHandler::ExceptHandler(h) = handler;
                        if let Some(t) = &h.type_ {
                            walker.expr(t);
                        }
                        walker.suite(&h.body);
                    }
                    walker.suite(&s.orelse);
                });
                self.suite(&s.finalbody);
            }
            Stmt::Match(s) => {
                self.expr(&s.subject);
                self.branches(|walker| {
                    for case in &s.cases {
                        if let Some(guard) = &case.guard {
                            walker.expr(guard);
                        }
                        walker.suite(&case.body);
                    }
                });
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
        let class = self.frame.classes.last().map(|(name, _)| name.clone());
        let name: Arc<str> = match (&class, &self.frame.node) {
            (Some(class), _) => format!("{class}.{}", def.name.as_str()).into(),
            (None, Some(outer)) if &**outer != MAIN_NODE => {
                format!("{outer}.{}", def.name.as_str()).into()
            }
            _ => Arc::from(def.name.as_str()),
        };
        let mut decorators = Vec::new();
        for decorator in &def.decorator_list {
            let d = self.expr(&decorator.expression);
            if d.qual_str() == Some("atexit.register") {
                self.out.edges.push((self.frame.node.clone(), name.clone()));
            }
            decorators.extend(d.qual);
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
        if let Some((_, true)) = self.frame.classes.last() {
            self.out.forced.insert(name.clone(), ExecContext::Install);
        }
        if self.role == FileRole::BuildBackend
            && self.frame.classes.is_empty()
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
        // A nested function starts from a copy of the scope it is defined
        // in. A method does not see its class body's names (Python looks
        // them up in the scope around the class): it starts from that
        // scope. Copies share one budget per source; past it a body starts
        // from the module's names alone.
        let depth = self.scopes.len() - usize::from(class.is_some());
        let defining = depth.checked_sub(1).filter(|&at| at >= 1);
        let enclosing = match defining.map(|at| &self.scopes[at]) {
            Some(scope) if scope.len() <= self.scope_copy_budget => {
                self.scope_copy_budget -= scope.len();
                Some(scope.clone())
            }
            Some(_) => {
                self.scope_copies_exhausted = true;
                None
            }
            None => None,
        };
        self.deferred.push(Deferred {
            name,
            def,
            enclosing,
            class,
            decorators,
        });
    }

    pub(super) fn function_body(&mut self, d: Deferred<'a>) {
        let mut scope = d.enclosing.unwrap_or_default();
        // The enclosing function's parameters are not this one's.
        for sym in scope.values_mut() {
            sym.taint &= !taint::FUNCTION_SYMBOLIC;
        }
        let params = &d.def.parameters;
        let docstring = match d.def.body.first() {
            Some(Stmt::Expr(e)) => e
                .value
                .as_string_literal_expr()
                .map(|s| Arc::from(s.value.to_str())),
            _ => None,
        };
        let route = d.decorators.iter().any(names::is_route_decorator);
        let names_in_order = signature(params);
        self.out.functions.push(PendingFunction {
            name: d.name.clone(),
            class: d.class.clone(),
            params: names_in_order.clone(),
            offset: d.def.start(),
            decorators: d.decorators,
            docstring,
        });
        // A replacement of a library's function is handed what the
        // library's callers pass (`self` aside).
        let intercepted = if self
            .interceptors
            .iter()
            .any(|h| *h == d.name || d.class.as_ref() == Some(h))
        {
            taint::INTERCEPTED
        } else {
            0
        };
        for (i, name) in names_in_order.iter().enumerate() {
            let extra = if i >= usize::from(d.class.is_some()) {
                intercepted
            } else {
                0
            };
            // `*args` and `**kwargs` hold what the caller passed beyond
            // the named parameters.
            if let Some(rest) = name.strip_prefix('*') {
                let rest = rest.trim_start_matches('*');
                if !rest.is_empty() {
                    scope.insert(Arc::from(rest), Sym::tainted(taint::param(i) | extra));
                }
                continue;
            }
            let name = &**name;
            let first = i == usize::from(d.class.is_some());
            let sym = match (&d.class, i) {
                (Some(class), 0) => Sym {
                    instance_of: Some(class.clone()),
                    ..Sym::default()
                },
                // A view's request object: what it holds, the client chose.
                _ if name == "request" && (route || first) => Sym {
                    qual: Some(QualName::dotted(names::HANDLER_REQUEST).attribute("request")),
                    taint: taint::param(i),
                    ..Sym::default()
                },
                // A route's other parameters are parts of the request.
                _ if route => Sym::tainted(taint::INBOUND | taint::param(i)),
                // A wallet's private key or recovery phrase handed in by
                // the caller is a secret wherever it goes next.
                _ if names::is_wallet_secret_name(name) => {
                    Sym::tainted(taint::SECRET | taint::param(i))
                }
                _ => Sym::tainted(taint::param(i)),
            };
            let sym = Sym {
                taint: sym.taint | extra,
                ..sym
            };
            scope.insert(Arc::from(name), sym);
        }
        self.scopes.push(scope);
        let frame = Frame {
            node: Some(d.name),
            classes: Vec::new(),
            ..self.frame.clone()
        };
        self.within(frame, |walker| walker.suite(&d.def.body));
        self.scopes.pop();
    }

    fn class_def(&mut self, class: &'a ast::StmtClassDef) {
        let mut install = false;
        if let Some(arguments) = &class.arguments {
            for base in arguments.args.iter() {
                let base = self.expr(base);
                install |= base.qual_str().is_some_and(is_command_class)
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
        let name: Arc<str> = match self.frame.classes.last() {
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
        self.frame.classes.push((name, install));
        self.suite(&class.body);
        self.frame.classes.pop();
        self.scopes.pop();
    }

    /// `name = lambda …: EXPR`: walked where it stands (as before), and
    /// kept as a helper so calls with constant arguments evaluate through it.
    fn lambda_def(&mut self, name: &str, lambda: &'a ast::ExprLambda) {
        self.expr(&lambda.body);
        let local: Arc<str> = format!("<lambda {name}>").into();
        if self.frame.classes.is_empty() {
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

    pub(super) fn assign(&mut self, target: &'a Expr, value: Sym) {
        match target {
            Expr::Name(name) => self.bind(name.id.as_str(), value),
            Expr::Tuple(t) => self.assign_each(&t.elts, &value),
            Expr::List(l) => self.assign_each(&l.elts, &value),
            Expr::Starred(s) => self.assign(&s.value, Sym::tainted(value.taint)),
            Expr::Attribute(attr) => {
                // `requests.get = wrapper`, `socket.socket = Spy`: the
                // library now runs the package's code for every caller.
                let owner = match &*attr.value {
                    Expr::Name(base) => self.lookup(base.id.as_str()).cloned(),
                    other => Some(self.expr(other)),
                };
                if let Some(owner) = owner.filter(|o| o.local.is_none())
                    && let Some(library) = &owner.qual
                {
                    self.hooked(&value, Some(&library.attribute(attr.attr.as_str())));
                }
                if let Expr::Name(base) = &*attr.value {
                    let key = format!("{}.{}", base.id.as_str(), attr.attr.as_str());
                    let value =
                        self.field_store(base.id.as_str(), attr.attr.as_str(), value, attr.start());
                    self.store(0, &key, value);
                } else {
                    self.expr(&attr.value);
                }
            }
            Expr::Subscript(sub) => {
                // `sys.modules["requests"] = fake`: every later import of
                // that name gets the package's object.
                let container = self.expr(&sub.value);
                if container.qual_str() == Some("sys.modules") {
                    let module = self.expr(&sub.slice);
                    let replaced = module.str().map(QualName::dotted);
                    self.hooked(&value, replaced.as_ref());
                }
                // `data["key"] = secret`: the container now holds it.
                if let Expr::Name(name) = &*sub.value
                    && value.taint != 0
                    && container.taint & value.taint != value.taint
                {
                    let mut holder = container;
                    holder.taint |= value.taint;
                    self.bind(name.id.as_str(), holder);
                }
                self.expr(&sub.slice);
            }
            _ => {}
        }
    }

    /// A local function or class installed in a library's place (a patched
    /// function, a replaced class or module, an import hook) runs whenever
    /// the library is used: it takes the context of the code installing
    /// it, every method included. `replaced` names what it replaces, when
    /// known: a library handed credentials or traffic makes it an
    /// interceptor.
    pub(super) fn hooked(&mut self, value: &Sym, replaced: Option<&QualName>) {
        let Some(local) = value.local.clone().or_else(|| value.instance_of.clone()) else {
            return;
        };
        if replaced.is_some_and(names::is_interceptable) && !self.interceptors.contains(&local) {
            self.interceptors.push(local.clone());
        }
        let node = self.frame.node.clone();
        self.out.edges.push((node.clone(), local.clone()));
        self.out
            .edges
            .push((node, format!("{local}.{EVERY_METHOD}").into()));
    }

    /// `self.NAME = value` in a method: the value's parameters are recorded
    /// as flowing into the field, and what is stored carries the field's
    /// bit instead (another method reading it sees the field, not this
    /// method's parameters).
    fn field_store(&mut self, base: &str, attr: &str, mut value: Sym, at: TextSize) -> Sym {
        if value.taint & taint::FUNCTION_SYMBOLIC == 0 {
            return value;
        }
        let method = self
            .frame
            .node
            .clone()
            .filter(|_| matches!(base, "self" | "cls"));
        let class: Option<Arc<str>> = method
            .as_ref()
            .and_then(|m| m.rsplit_once('.'))
            .map(|(c, _)| Arc::from(c));
        let (Some(method), Some(class)) = (method, class) else {
            value.taint &= !taint::FUNCTION_SYMBOLIC;
            return value;
        };
        let key = (class.clone(), Arc::from(attr));
        let index = match self.out.field_index.get(&key) {
            Some(&index) => index,
            None => {
                let count = self.out.field_counts.entry(class.clone()).or_default();
                let index = *count;
                *count = count.saturating_add(1);
                self.out.field_index.insert(key, index);
                index
            }
        };
        if self.fact() {
            self.out.field_stores.push(super::facts::PendingFieldStore {
                class,
                field: Arc::from(attr),
                index,
                node: method,
                offset: at,
                value: super::values::PendingValue::from(&value),
            });
        }
        value.taint = (value.taint & !taint::FUNCTION_SYMBOLIC) | taint::field(index as usize);
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

    pub(super) fn bind(&mut self, name: &str, sym: Sym) {
        if self.layer > 0 && self.scopes.len() == 1 {
            self.bound.push(Arc::from(name));
        }
        if let Some(innermost) = self.scopes.len().checked_sub(1) {
            self.store(innermost, name, sym);
        }
    }

    /// Binds `name` in scope `index`, noting its taint for the conditional
    /// statements being walked.
    fn store(&mut self, index: usize, name: &str, sym: Sym) {
        if let Some(log) = self.branch_taints.last_mut()
            && sym.taint != 0
        {
            let entry = log.entry((index, Arc::from(name))).or_default();
            entry.0 |= sym.taint;
            entry.1 = sym.clone();
        }
        // A name bound again keeps its key: no new allocation for it.
        let scope = &mut self.scopes[index];
        match scope.get_mut(name) {
            Some(slot) => *slot = sym,
            None => {
                scope.insert(Arc::from(name), sym);
            }
        }
    }

    /// Walks the branches of a conditional statement (`if`/`elif`/`else`,
    /// `try`/`except`/`else`, `match`) one after another, then gives each
    /// name bound in any of them the taint of every branch: only one runs,
    /// and which one is not known, so `key = os.environ.get("K")` in the
    /// `if` is not forgotten because the `else` binds `key = "empty"`.
    /// When the last value lacks some of that taint, the last tainted
    /// value stands for the name: the constant `"empty"` is not what a
    /// send of `key` sends.
    fn branches(&mut self, walk: impl FnOnce(&mut Self)) {
        self.branch_taints.push(Default::default());
        walk(self);
        let log = self.branch_taints.pop().unwrap_or_default();
        for ((index, name), (taint, tainted)) in log {
            if let Some(sym) = self
                .scopes
                .get_mut(index)
                .and_then(|scope| scope.get_mut(&name))
                && sym.taint & taint != taint
            {
                *sym = Sym {
                    taint: sym.taint | taint,
                    ..tainted.clone()
                };
            }
            if let Some(outer) = self.branch_taints.last_mut() {
                let entry = outer.entry((index, name)).or_default();
                entry.0 |= taint;
                entry.1 = tainted;
            }
        }
    }

    pub(super) fn lookup(&self, name: &str) -> Option<&Sym> {
        let innermost = self.scopes.last()?;
        innermost.get(name).or_else(|| self.scopes[0].get(name))
    }
}

/// Handlers that swallow any error: one catches everything (bare
/// `except:`, `Exception`, `BaseException`), and every handler's body is
/// only `pass`, `...`, `continue` or a string.
fn silent_handlers(handlers: &[ast::ExceptHandler]) -> bool {
    // Every error, or every error a network call raises: a send wrapped
    // in `except requests.RequestException` fails as silently as one in
    // `except Exception`.
    let broad = |e: &Expr| {
        let last = match e {
            Expr::Name(n) => n.id.as_str(),
            Expr::Attribute(a) => a.attr.as_str(),
            _ => return false,
        };
        matches!(
            last,
            "Exception" | "BaseException" | "RequestException" | "URLError"
        )
    };
    let catches_all = handlers.iter().any(|handler| {
        let ast::ExceptHandler::ExceptHandler(h) = handler;
        match h.type_.as_deref() {
            None => true,
            Some(Expr::Tuple(t)) => t.elts.iter().any(broad),
            Some(e) => broad(e),
        }
    });
    // A handler that does nothing, or hands back a constant (`return`,
    // `return None`, `return False`): the caller never learns.
    let quiet = |stmt: &Stmt| match stmt {
        Stmt::Pass(_) | Stmt::Continue(_) => true,
        Stmt::Expr(e) => e.value.is_ellipsis_literal_expr() || e.value.is_string_literal_expr(),
        Stmt::Return(r) => r.value.as_deref().is_none_or(|v| {
            v.is_none_literal_expr()
                || v.is_boolean_literal_expr()
                || v.is_number_literal_expr()
                || v.is_string_literal_expr()
        }),
        _ => false,
    };
    catches_all
        && handlers.iter().all(|handler| {
            let ast::ExceptHandler::ExceptHandler(h) = handler;
            h.body.iter().all(quiet)
        })
}

/// A function's parameter names in the order Python binds them: positional
/// ones, `*args` (or the bare `*` before keyword-only ones), keyword-only
/// ones, `**kwargs`, stars kept as in the `def` (see
/// [`crate::python::FunctionInfo::params`]).
fn signature(params: &ast::Parameters) -> Vec<Arc<str>> {
    let named = |p: &ast::ParameterWithDefault| Arc::from(p.parameter.name.as_str());
    let mut names: Vec<Arc<str>> = params
        .posonlyargs
        .iter()
        .chain(&params.args)
        .map(named)
        .collect();
    match &params.vararg {
        Some(p) => names.push(Arc::from(format!("*{}", p.name))),
        // `def f(a, *, b)`: the bare star ends the positional ones.
        None if !params.kwonlyargs.is_empty() => names.push(Arc::from("*")),
        None => {}
    }
    names.extend(params.kwonlyargs.iter().map(named));
    names.extend(
        params
            .kwarg
            .iter()
            .map(|p| Arc::from(format!("**{}", p.name))),
    );
    names
}
