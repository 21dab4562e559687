//! Calls: edges to local functions, evaluation through one-expression
//! helpers, and specialisation of small functions per call site.

use std::sync::Arc;

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextSize};

use super::super::{QualName, names, taint};
use super::budget::without_constant;
use super::{
    Frame, MAX_SPECIALISED, MAX_SPECIALISED_STATEMENTS, PendingCall, Scope, Sym, Walker,
    facts::PendingLocalCall, values::PendingValue,
};

impl<'a> Walker<'a, '_> {
    pub(super) fn call(&mut self, call: &'a ast::ExprCall) -> Sym {
        let callee = self.expr(&call.func);
        let itemise = callee.qual.as_ref().is_some_and(packs_arguments);
        let mut packed = Packed::default();
        let args: Vec<Sym> = call
            .arguments
            .args
            .iter()
            .map(|a| self.argument(a, itemise, &mut packed.args))
            .collect();
        let keywords: Vec<(Arc<str>, Sym)> = call
            .arguments
            .keywords
            .iter()
            .map(|k| {
                let name: Arc<str> = k
                    .arg
                    .as_ref()
                    .map_or(Arc::from("**"), |a| Arc::from(a.as_str()));
                (name, self.argument(&k.value, itemise, &mut packed.keywords))
            })
            .collect();

        // Local functions and classes: edges of the call graph. A local
        // function passed as an argument (a callback, a thread target) is
        // taken as called, except by what a call returned
        // (`app.command("gate")(run)`, `retry(3)(fetch)`): that is a
        // decorator applied by hand, which registers or wraps the function
        // as `@app.command("gate")` would, and calls nothing.
        let decorates = matches!(&*call.func, Expr::Call(_));
        let passed = args
            .iter()
            .chain(keywords.iter().map(|(_, v)| v))
            .filter(|_| !decorates);
        for sym in std::iter::once(&callee).chain(passed) {
            if let Some(local) = &sym.local {
                self.out
                    .edges
                    .push((self.frame.node.clone(), local.clone()));
                self.out
                    .edges
                    .push((self.frame.node.clone(), format!("{local}.__init__").into()));
            }
        }
        if let Some(local) = &callee.local {
            if self.fact() && self.records_local_calls() {
                let bound =
                    callee.instance_of.is_some() || matches!(&*call.func, Expr::Attribute(_));
                self.local_call(
                    local,
                    bound,
                    call.start(),
                    args.iter().map(PendingValue::from).collect(),
                    keywords
                        .iter()
                        .map(|(k, v)| (k.clone(), PendingValue::from(v)))
                        .collect(),
                );
            }
            let mut taint = args.iter().fold(0, |t, a| t | a.taint);
            // What the function returns, when its body was walked already
            // (the rest is added to reported values by
            // `PendingValue::resolved`): a path it picked is read as what
            // it is.
            if let Some(returned) = self.out.returns.get(local) {
                taint |= returned & !taint::FUNCTION_SYMBOLIC;
            }
            if taint & (taint::SECRET | taint::IMPORTED) != 0
                && names::local_derives_from_secret(local)
            {
                taint &= !(taint::SECRET | taint::IMPORTED);
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

        let Some(mut name) = callee.qual.clone() else {
            return Sym::tainted(args.iter().fold(callee.taint, |t, a| t | a.taint));
        };
        // `requests.Session.request(requests.Session(), "POST", url)`: a
        // method called through its class with an instance first is that
        // instance's method (`requests.Session().request("POST", url)`).
        let mut args = args;
        if let Some(instance) = args.first().and_then(|a| a.qual.as_ref())
            && called_through_class(&name, instance)
            && let Some(method) = name.last_name()
        {
            name = instance.attribute(method);
            args.remove(0);
            if !packed.args.is_empty() {
                packed.args.remove(0);
            }
        }
        if name.as_str().starts_with("setuptools.setup")
            || name.as_str().starts_with("distutils.core.setup")
        {
            self.force_cmdclass(call);
        }
        // Import hooks and tracers run for every import or line; a library
        // attribute set to the package's code runs for every caller.
        match name.as_str() {
            "sys.meta_path.insert"
            | "sys.meta_path.append"
            | "sys.path_hooks.insert"
            | "sys.path_hooks.append"
            | "sys.settrace"
            | "sys.setprofile"
            | "threading.settrace" => {
                for arg in &args {
                    self.hooked(arg, None);
                }
            }
            "builtins.setattr"
                if args
                    .first()
                    .is_some_and(|o| o.local.is_none() && o.qual.is_some()) =>
            {
                if let Some(value) = args.get(2) {
                    let replaced = match (args[0].qual.as_ref(), args[1].str()) {
                        (Some(owner), Some(attr)) => Some(owner.attribute(attr)),
                        _ => None,
                    };
                    self.hooked(value, replaced.as_ref());
                }
            }
            _ => {}
        }
        let at = self.frame.call_site.unwrap_or(call.start());
        if names::is_process(&name) && args.first().is_some_and(|a| a.konst.is_none()) {
            self.python_c_item(call, at);
        }
        // `found.append(item)`, `data.update(more)`: the container now
        // holds what it was given.
        if let Expr::Attribute(attr) = &*call.func
            && matches!(
                attr.attr.as_str(),
                "append"
                    | "extend"
                    | "insert"
                    | "update"
                    | "add"
                    | "setdefault"
                    | "appendleft"
                    // An email message given its body or attachments.
                    | "set_content"
                    | "set_payload"
                    | "attach"
                    | "add_attachment"
            )
            && let Expr::Name(container) = &*attr.value
        {
            let given = args
                .iter()
                .chain(keywords.iter().map(|(_, v)| v))
                .fold(0, |t, a| t | a.taint);
            if given != 0
                && let Some(mut sym) = self.lookup(container.id.as_str()).cloned()
                && sym.taint & given != given
            {
                sym.taint |= given;
                self.bind(container.id.as_str(), sym);
            }
        }
        // `config.read(path)` of a credential file fills `config` with the
        // credentials: what is read from it later carries them.
        if is_config_reader(&name)
            && args
                .iter()
                .filter_map(Sym::text)
                .any(|p| names::credential_target(&p).is_some())
            && let Expr::Attribute(attr) = &*call.func
            && let Expr::Name(parser) = &*attr.value
            && let Some(mut sym) = self.lookup(parser.id.as_str()).cloned()
        {
            sym.taint |= taint::SECRET;
            self.bind(parser.id.as_str(), sym);
        }
        // Folding copies its inputs: once the constant budget is spent,
        // calls are not folded at all (20,000 decodes of one 4 MiB string
        // would still cost their time).
        let mut result = if self.constants_spent() {
            let unfolded: Vec<Sym> = args.iter().map(without_constant).collect();
            let keywords: Vec<(Arc<str>, Sym)> = keywords
                .iter()
                .map(|(k, v)| (k.clone(), without_constant(v)))
                .collect();
            self.fold_call(&name, &without_constant(&callee), &unfolded, &keywords, at)
        } else {
            self.fold_call(&name, &callee, &args, &keywords, at)
        };
        result.taint |= self.imported_result(&name);
        self.copied_credentials(&name, call, &args, &keywords, &mut result);
        self.connection(&name, call, &args, &keywords, &mut result);
        if names::is_process(&name)
            && let Some(command) = args.first_mut()
            && super::copies::uploads_credential_file(command)
        {
            command.taint |= taint::SECRET;
        }
        if self.fact() {
            // `Thread(target=os.system, args=(cmd,))`,
            // `pool.submit(subprocess.run, cmd)`: the library function is
            // called, with those arguments, where the work is started.
            // A package function started so is called with them too:
            // `Thread(target=self._send, args=(key,))` hands `key` to
            // `_send` as a call would.
            if let Some((target, given)) = started_elsewhere(&name, &args, &keywords, &packed) {
                // Constants handed on are walked with, as for a direct
                // call (`Thread(target=connect, args=("203.0.113.9",
                // 4444))`).
                if let Some(local) = &target.local
                    && given.iter().any(|a| a.konst.is_some())
                {
                    self.specialise(local, &given, &[]);
                }
                let given = given.into_iter().map(PendingValue::from).collect();
                if let Some(local) = &target.local {
                    if self.records_local_calls() {
                        self.local_call(local, local.contains('.'), at, given, Vec::new());
                    }
                } else if let Some(qual) = target.qual.clone().filter(|q| {
                    names::is_process(q) || names::is_code_exec(q) || names::is_network(q)
                }) {
                    self.out.calls.push(PendingCall {
                        name: qual,
                        offset: at,
                        node: self.frame.node.clone(),
                        fixed: None,
                        args: given,
                        keywords: Vec::new(),
                        via: None,
                        silenced: self.frame.silenced,
                        destination: None,
                    });
                }
            }
            self.out.calls.push(PendingCall {
                name: name.clone(),
                offset: at,
                node: self.frame.node.clone(),
                fixed: None,
                args: args.into_iter().map(PendingValue::from).collect(),
                keywords: keywords
                    .into_iter()
                    .map(|(k, v)| (k, PendingValue::from(v)))
                    .collect(),
                via: None,
                silenced: self.frame.silenced,
                destination: callee.receiver.as_ref().and_then(|r| r.connected.clone()),
            });
        }
        result
    }

    /// Whether calls of package functions are recorded for the flow
    /// summaries: not in a body walked for one call site or a helper
    /// evaluated at one (their calls are the function's own).
    fn records_local_calls(&self) -> bool {
        self.frame.inlining == 0 && !self.frame.specialising
    }

    /// Records a call of the package function `local`.
    fn local_call(
        &mut self,
        local: &Arc<str>,
        bound: bool,
        offset: TextSize,
        args: Vec<PendingValue>,
        keywords: Vec<(Arc<str>, PendingValue)>,
    ) {
        self.out.local_calls.push(PendingLocalCall {
            callee: local.clone(),
            node: self.frame.node.clone(),
            offset,
            bound,
            args,
            keywords,
            silenced: self.frame.silenced,
        });
    }

    /// One argument's value. With `itemise`, `items` gets an entry per
    /// argument: the items of a tuple or list written out, else `None`.
    fn argument(
        &mut self,
        expr: &'a Expr,
        itemise: bool,
        items: &mut Vec<Option<Vec<Sym>>>,
    ) -> Sym {
        let elts = match expr {
            Expr::Tuple(t) if itemise => &t.elts,
            Expr::List(l) if itemise => &l.elts,
            _ => {
                if itemise {
                    items.push(None);
                }
                return self.expr(expr);
            }
        };
        let syms: Vec<Sym> = elts.iter().map(|e| self.expr(e)).collect();
        items.push(Some(syms.clone()));
        super::expressions::sequence_of(syms)
    }

    /// The bit that stands for what calling `name` returns, when `name` is
    /// a function of this package that another module defines (a relative
    /// import, or a name under the file's own top-level package). Each
    /// such callee gets the next free bit; past [`taint::MAX_IMPORTED`]
    /// none.
    fn imported_result(&mut self, name: &QualName) -> taint::Taint {
        let in_package = name.is_relative()
            || (name.segments().len() > 1
                && self
                    .package_root
                    .as_deref()
                    .is_some_and(|root| name.root() == Some(root)));
        if !in_package {
            return 0;
        }
        let imported = &mut self.out.imported;
        let index = match imported.iter().position(|n| n == name) {
            Some(index) => index,
            None if imported.len() < taint::MAX_IMPORTED => {
                imported.push(name.clone());
                imported.len() - 1
            }
            None => return 0,
        };
        taint::imported(index)
    }

    /// Evaluates a call of a one-expression local function when an argument
    /// is constant, or when it takes no arguments at all (a getter that
    /// decodes a module constant): the parameters are bound to the
    /// arguments and the returned expression is evaluated at the call, so
    /// decoding done by a helper is decoded here. Nested at most three
    /// helpers deep.
    fn inline_helper(
        &mut self,
        local: &Arc<str>,
        args: &[Sym],
        keywords: &[(Arc<str>, Sym)],
        at: TextSize,
    ) -> Option<Sym> {
        const MAX_INLINE: u8 = 3;
        let mut given = args.iter().chain(keywords.iter().map(|(_, v)| v));
        let no_arguments = args.is_empty() && keywords.is_empty();
        if self.frame.inlining >= MAX_INLINE || !(no_arguments || given.any(|a| a.konst.is_some()))
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
        // The helper sees its own parameters over the module's names (a
        // lookup reads the innermost scope, then the module's).
        let mut scope = Scope::default();
        bind_parameters(&mut scope, params, args, keywords);
        self.scopes.push(scope);
        let frame = Frame {
            inlining: self.frame.inlining + 1,
            call_site: self.frame.call_site.or(Some(at)),
            ..self.frame.clone()
        };
        let result = self.within(frame, |walker| {
            for stmt in assigns {
                if let Stmt::Assign(a) = stmt
                    && let Expr::Name(target) = &a.targets[0]
                {
                    let v = walker.expr(&a.value);
                    walker.bind(target.id.as_str(), v);
                }
            }
            walker.expr(value)
        });
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
        if self.frame.specialising
            || self.frame.inlining > 0
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
            sym.taint &= !taint::FUNCTION_SYMBOLIC;
        }
        self.scopes.push(scope);
        let frame = Frame {
            node: Some(local.clone()),
            silenced: false,
            specialising: true,
            ..self.frame.clone()
        };
        self.within(frame, |walker| walker.suite(&def.body));
        self.scopes.pop();
        self.specialised_value.take()
    }
}

/// Binds a function's parameters to the arguments of one call (keywords by
/// name, then positions); parameters given nothing are unknown.
pub(super) fn bind_parameters(
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
pub(super) fn is_specialisable(body: &[Stmt]) -> bool {
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
pub(in crate::python) type Helpers<'a> = rustc_hash::FxHashMap<Arc<str>, Helper<'a>>;

/// A local function a call can be evaluated through ([`Walker::inline_helper`]).
#[derive(Clone, Copy)]
pub(in crate::python) enum Helper<'a> {
    Def(&'a ast::StmtFunctionDef),
    Lambda(&'a ast::ExprLambda),
}

/// A function whose body is straight-line: assignments to plain names
/// (at most eight), then `return EXPR` (after an optional docstring).
/// Returns the assignments and the returned expression.
pub(super) fn helper_return(def: &ast::StmtFunctionDef) -> Option<(&[Stmt], &Expr)> {
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

/// Whether `name` is a method named through its class (`a.B.m`) and
/// `first` an instance of that class (`a.B()`).
fn called_through_class(name: &QualName, first: &QualName) -> bool {
    let (name, first) = (name.segments(), first.segments());
    name.len() >= 3
        && name.len() == first.len()
        && first.last() == Some(&super::super::Segment::Called)
        && name[..name.len() - 1] == first[..first.len() - 1]
}

/// Methods that load a configuration file into the parser they are
/// called on (`configparser.ConfigParser().read(path)`).
fn is_config_reader(name: &QualName) -> bool {
    name.as_str().starts_with("configparser.")
        && name
            .method_of_result()
            .is_some_and(|(_, method)| matches!(method, "read" | "read_file"))
}

/// A library function a call starts on another thread, process or
/// executor, with the arguments it is given: `threading.Thread(target=F,
/// args=(…))`, `multiprocessing.Process(target=F, …)`, `threading.Timer(t,
/// F, args)`, `executor.submit(F, *args)`, `loop.run_in_executor(None, F,
/// *args)`, `asyncio.to_thread(F, *args)`, `_thread.start_new_thread(F,
/// args)`: the function started, and what it is given.
fn started_elsewhere<'s>(
    name: &QualName,
    args: &'s [Sym],
    keywords: &'s [(Arc<str>, Sym)],
    packed: &Packed,
) -> Option<(&'s Sym, Vec<Sym>)> {
    let keyword = |k: &str| keywords.iter().position(|(n, _)| &**n == k);
    // A tuple of arguments, item by item when it was written out or is
    // constant.
    let spread = |given: Option<(&Sym, Option<&Vec<Sym>>)>| -> Vec<Sym> {
        match given {
            Some((_, Some(items))) => items.clone(),
            Some((
                Sym {
                    konst: Some(super::super::consts::Const::Seq(items)),
                    ..
                },
                None,
            )) => items.iter().cloned().map(Sym::constant).collect(),
            Some((other, None)) => vec![other.clone()],
            None => Vec::new(),
        }
    };
    let arg = |i: usize| Some((args.get(i)?, packed.args.get(i).and_then(Option::as_ref)));
    let timer = name.as_str() == "threading.Timer";
    let (target, given) = match name.as_str() {
        "threading.Thread" | "multiprocessing.Process" | "threading.Timer" => {
            let target = keyword("target")
                .or_else(|| keyword("function"))
                .map(|k| &keywords[k].1)
                .or_else(|| timer.then(|| args.get(1)).flatten())?;
            let given = match keyword("args") {
                Some(k) => Some((
                    &keywords[k].1,
                    packed.keywords.get(k).and_then(Option::as_ref),
                )),
                None if timer => arg(2),
                None => None,
            };
            (target, spread(given))
        }
        "_thread.start_new_thread" | "thread.start_new_thread" => (args.first()?, spread(arg(1))),
        "asyncio.to_thread" => (args.first()?, args[1..].to_vec()),
        _ => match name.last_name() {
            Some("submit") if name.segments().len() > 1 => (args.first()?, args[1..].to_vec()),
            Some("run_in_executor") => (args.get(1)?, args.get(2..).unwrap_or_default().to_vec()),
            Some("apply_async") => (args.first()?, spread(arg(1))),
            _ => return None,
        },
    };
    Some((target, given))
}

/// Whether a call to `name` may start work elsewhere with a tuple of
/// arguments (see [`started_elsewhere`]), so that a tuple written out in
/// it is kept item by item.
fn packs_arguments(name: &QualName) -> bool {
    matches!(
        name.last_name(),
        Some("Thread" | "Process" | "Timer" | "start_new_thread" | "apply_async")
    )
}

/// The items of each tuple or list written out among a call's arguments
/// and keywords (`args=(key, host)`), for a call that may hand them on.
#[derive(Default)]
struct Packed {
    args: Vec<Option<Vec<Sym>>>,
    keywords: Vec<Option<Vec<Sym>>>,
}
