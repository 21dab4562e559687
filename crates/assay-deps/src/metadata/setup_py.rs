//! Static evaluation of `setup.py`: the arguments of its `setup(...)` call
//! from literals, module-level constants and files of the sdist. Nothing is
//! ever executed; anything outside the small supported subset is unknown.

use std::collections::{BTreeMap, HashMap};

use ruff_python_ast::{self as ast, BoolOp, CmpOp, Expr, Operator, Stmt, UnaryOp};
use ruff_text_size::Ranged;

/// Largest `setup.py` evaluated.
pub(crate) const MAX_SETUP_PY_BYTES: usize = 512 * 1024;
/// Deepest bracket nesting accepted before parsing.
const MAX_NESTING: usize = 200;
/// Deepest expression evaluated.
const MAX_EVAL_DEPTH: usize = 64;
/// Largest string or list built.
const MAX_VALUE_LEN: usize = 4 * 1024 * 1024;
/// Stack of the evaluation thread: the parser and the drop of the tree recurse.
const STACK_BYTES: usize = 256 * 1024 * 1024;

/// Files of the sdist, relative to its top folder.
pub(crate) type Files<'a> = BTreeMap<String, &'a [u8]>;

/// One argument of `setup()`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Field<T> {
    /// Not passed.
    Absent,
    /// Evaluated.
    Known(T),
    /// Passed, but not evaluable; the reason.
    Unknown(String),
}

/// What the `setup()` call declares.
#[derive(Debug)]
pub(crate) struct SetupArgs {
    pub install_requires: Field<Vec<String>>,
    pub extras_require: Field<Vec<(String, Vec<String>)>>,
    pub python_requires: Field<String>,
}

#[derive(Clone, Debug)]
enum Val {
    Str(String),
    List(Vec<Val>),
    Dict(Vec<(String, Val)>),
    Bool(bool),
    None,
    /// A path relative to the sdist's top folder ("" is the folder itself).
    Path(String),
    /// An open file of the sdist.
    File(String),
    Unknown(String),
}

/// Evaluates `setup.py`. `Err` says why nothing could be read.
pub(crate) fn evaluate(source: &str, files: &Files<'_>) -> Result<SetupArgs, String> {
    if source.len() > MAX_SETUP_PY_BYTES {
        return Err(format!(
            "setup.py is larger than {MAX_SETUP_PY_BYTES} bytes"
        ));
    }
    if nesting(source) > MAX_NESTING {
        return Err(format!("setup.py nests brackets deeper than {MAX_NESTING}"));
    }
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("setup.py".into())
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, || evaluate_here(source, files))
            .map_err(|e| format!("cannot start the evaluation: {e}"))?
            .join()
            .map_err(|_| "setup.py evaluation failed".to_string())?
    })
}

fn nesting(source: &str) -> usize {
    let mut depth = 0usize;
    let mut max = 0;
    for b in source.bytes() {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn evaluate_here(source: &str, files: &Files<'_>) -> Result<SetupArgs, String> {
    let parsed = ruff_python_parser::parse_module(source).map_err(|e| {
        let line = line_at(source, e.location.start().to_usize());
        format!("setup.py does not parse (line {line}): {}", e.error)
    })?;
    let module = parsed.into_syntax();
    let mut eval = Eval {
        source,
        files,
        env: HashMap::new(),
        depth: 0,
    };
    eval.block(&module.body, false)
        .ok_or_else(|| "setup.py has no setup(...) call that could be found statically".to_string())
}

fn line_at(source: &str, offset: usize) -> usize {
    source.as_bytes()[..offset.min(source.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

struct Eval<'a> {
    source: &'a str,
    files: &'a Files<'a>,
    env: HashMap<String, Val>,
    depth: usize,
}

fn dotted(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Name(n) => Some(n.id.to_string()),
        Expr::Attribute(a) => Some(format!("{}.{}", dotted(&a.value)?, a.attr.id)),
        _ => None,
    }
}

fn is_setup_call(call: &ast::ExprCall) -> bool {
    match dotted(&call.func).as_deref() {
        Some("setup") => true,
        Some(name) => {
            name.ends_with(".setup")
                && (name.starts_with("setuptools") || name.starts_with("distutils"))
        }
        None => false,
    }
}

/// Normalises `a/./b/../c`; `None` when it leaves the sdist.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

fn join(a: &str, b: &str) -> String {
    if b.starts_with('/') {
        // An absolute path is outside the sdist.
        return format!("/{b}");
    }
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}/{b}")
    }
}

fn dirname(p: &str) -> String {
    p.rsplit_once('/')
        .map_or(String::new(), |(d, _)| d.to_string())
}

fn truthy(v: &Val) -> Result<bool, String> {
    Ok(match v {
        Val::Str(s) => !s.is_empty(),
        Val::List(l) => !l.is_empty(),
        Val::Dict(d) => !d.is_empty(),
        Val::Bool(b) => *b,
        Val::None => false,
        Val::Path(_) | Val::File(_) => true,
        Val::Unknown(r) => return Err(r.clone()),
    })
}

impl Eval<'_> {
    fn line(&self, node: &impl Ranged) -> usize {
        line_at(self.source, node.start().to_usize())
    }

    fn unknown(&self, node: &impl Ranged, what: impl std::fmt::Display) -> Val {
        Val::Unknown(format!("{what} (setup.py line {})", self.line(node)))
    }

    /// Walks statements; returns the `setup()` arguments when the call is found.
    fn block(&mut self, body: &[Stmt], conditional: bool) -> Option<SetupArgs> {
        for stmt in body {
            if let Some(found) = self.stmt(stmt, conditional) {
                return Some(found);
            }
        }
        None
    }

    fn bind(&mut self, name: &str, value: Val, conditional: bool, node: &impl Ranged) {
        let value = if conditional {
            self.unknown(node, format!("`{name}` is assigned conditionally"))
        } else {
            value
        };
        self.env.insert(name.to_string(), value);
    }

    fn unbind_targets(&mut self, target: &Expr, why: &str) {
        match target {
            Expr::Name(n) => {
                let v = self.unknown(target, format!("`{}` {why}", n.id));
                self.env.insert(n.id.to_string(), v);
            }
            Expr::Tuple(t) => t.elts.iter().for_each(|e| self.unbind_targets(e, why)),
            Expr::List(l) => l.elts.iter().for_each(|e| self.unbind_targets(e, why)),
            _ => {}
        }
    }

    fn stmt(&mut self, stmt: &Stmt, conditional: bool) -> Option<SetupArgs> {
        match stmt {
            Stmt::Assign(a) => {
                if let Some(found) = self.find_setup_in_expr(&a.value) {
                    return Some(found);
                }
                let value = self.expr(&a.value);
                for target in &a.targets {
                    match target {
                        Expr::Name(n) => self.bind(&n.id, value.clone(), conditional, stmt),
                        other => self.unbind_targets(other, "is assigned by unpacking"),
                    }
                }
            }
            Stmt::AnnAssign(a) => {
                if let (Expr::Name(n), Some(value)) = (&*a.target, &a.value) {
                    let value = self.expr(value);
                    self.bind(&n.id, value, conditional, stmt);
                }
            }
            Stmt::AugAssign(a) => {
                if let Expr::Name(n) = &*a.target {
                    let value = if a.op == Operator::Add {
                        let current = self.lookup(&n.id, stmt);
                        let add = self.expr(&a.value);
                        add_values(current, add, || {
                            self.unknown(stmt, "`+=` of values of different kinds")
                        })
                    } else {
                        self.unknown(
                            stmt,
                            format!("`{}` is updated with an operator other than +=", n.id),
                        )
                    };
                    self.bind(&n.id, value, conditional, stmt);
                }
            }
            Stmt::Expr(e) => {
                if let Some(found) = self.find_setup_in_expr(&e.value) {
                    return Some(found);
                }
                if let Expr::Call(call) = &*e.value {
                    self.mutating_call(call, conditional);
                }
            }
            Stmt::With(w) => {
                for item in &w.items {
                    if let Some(target) = &item.optional_vars {
                        let value = self.expr(&item.context_expr);
                        match &**target {
                            Expr::Name(n) => self.bind(&n.id, value, conditional, stmt),
                            other => self.unbind_targets(other, "is bound by `with … as`"),
                        }
                    }
                }
                return self.block(&w.body, conditional);
            }
            Stmt::If(i) => {
                let main = dotted_compare_main(&i.test);
                if let Some(found) = self.block(&i.body, conditional || !main) {
                    return Some(found);
                }
                for clause in &i.elif_else_clauses {
                    if let Some(found) = self.block(&clause.body, true) {
                        return Some(found);
                    }
                }
            }
            Stmt::Try(t) => {
                if let Some(found) = self.block(&t.body, conditional) {
                    return Some(found);
                }
                for handler in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = handler;
                    if let Some(found) = self.block(&h.body, true) {
                        return Some(found);
                    }
                }
                if let Some(found) = self.block(&t.orelse, true) {
                    return Some(found);
                }
                return self.block(&t.finalbody, conditional);
            }
            Stmt::For(f) => {
                self.unbind_targets(&f.target, "is a loop variable");
                if let Some(found) = self.block(&f.body, true) {
                    return Some(found);
                }
                return self.block(&f.orelse, true);
            }
            Stmt::While(w) => {
                if let Some(found) = self.block(&w.body, true) {
                    return Some(found);
                }
            }
            Stmt::FunctionDef(f) => {
                // A `setup()` inside a function (`def main(): setup(...)`)
                // is read with the function's own assignments.
                let saved = self.env.clone();
                let found = self.block(&f.body, conditional);
                self.env = saved;
                let v = self.unknown(stmt, format!("`{}` is a function", f.name.id));
                self.env.insert(f.name.id.to_string(), v);
                return found;
            }
            Stmt::ImportFrom(i) => {
                let module = i
                    .module
                    .as_ref()
                    .map_or_else(String::new, |m| m.id.to_string());
                for alias in &i.names {
                    let bound = alias.asname.as_ref().unwrap_or(&alias.name);
                    let v =
                        self.unknown(stmt, format!("`{}` is imported from `{module}`", bound.id));
                    self.env.insert(bound.id.to_string(), v);
                }
            }
            Stmt::Import(i) => {
                for alias in &i.names {
                    if let Some(asname) = &alias.asname {
                        let v = self.unknown(
                            stmt,
                            format!("`{}` is the module `{}`", asname.id, alias.name.id),
                        );
                        self.env.insert(asname.id.to_string(), v);
                    }
                }
            }
            _ => {}
        }
        None
    }

    /// `x.append(v)` / `x.extend(v)` on a known list.
    fn mutating_call(&mut self, call: &ast::ExprCall, conditional: bool) {
        let Expr::Attribute(attr) = &*call.func else {
            return;
        };
        let Expr::Name(target) = &*attr.value else {
            return;
        };
        let method = attr.attr.id.as_str();
        if !matches!(
            method,
            "append" | "extend" | "insert" | "remove" | "pop" | "clear" | "update"
        ) {
            return;
        }
        let current = self.lookup(&target.id, call);
        let args: Vec<Val> = call.arguments.args.iter().map(|a| self.expr(a)).collect();
        let new = match (current, method, args.as_slice()) {
            (Val::List(mut list), "append", [v]) => {
                list.push(v.clone());
                Val::List(list)
            }
            (Val::List(list), "extend", [v]) => add_values(Val::List(list), v.clone(), || {
                self.unknown(call, "`extend` with a value that is not a list")
            }),
            (Val::Unknown(r), _, _) => Val::Unknown(r),
            _ => self.unknown(
                call,
                format!("`{}.{method}(…)` is not evaluated", target.id),
            ),
        };
        self.bind(&target.id, new, conditional, call);
    }

    fn find_setup_in_expr(&mut self, expr: &Expr) -> Option<SetupArgs> {
        let Expr::Call(call) = expr else {
            return None;
        };
        if is_setup_call(call) {
            return Some(self.setup_args(call));
        }
        None
    }

    fn setup_args(&mut self, call: &ast::ExprCall) -> SetupArgs {
        let mut kwargs: Vec<(String, Val)> = Vec::new();
        let mut hidden: Option<String> = None;
        for keyword in call.arguments.keywords.iter() {
            match &keyword.arg {
                Some(name) => kwargs.push((name.id.to_string(), self.expr(&keyword.value))),
                None => match self.expr(&keyword.value) {
                    Val::Dict(items) => kwargs.extend(items),
                    Val::Unknown(r) => {
                        hidden = Some(format!(
                            "setup() receives **kwargs that cannot be evaluated: {r}"
                        ))
                    }
                    _ => {
                        hidden = Some(self.line_reason(
                            keyword,
                            "setup() receives ** of something that is not a dict",
                        ))
                    }
                },
            }
        }
        let get = |name: &str| {
            kwargs
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let field = |name: &str| match get(name) {
            Some(v) => Some(v),
            None => hidden.clone().map(Val::Unknown),
        };
        SetupArgs {
            install_requires: match field("install_requires") {
                None => Field::Absent,
                Some(v) => match string_list(v) {
                    Ok(list) => Field::Known(list),
                    Err(r) => Field::Unknown(format!("install_requires: {r}")),
                },
            },
            extras_require: match field("extras_require") {
                None => Field::Absent,
                Some(Val::Dict(items)) => {
                    let mut out = Vec::new();
                    let mut bad = None;
                    for (extra, v) in items {
                        match string_list(v) {
                            Ok(list) => out.push((extra, list)),
                            Err(r) => bad = Some(format!("extras_require[{extra:?}]: {r}")),
                        }
                    }
                    match bad {
                        Some(r) => Field::Unknown(r),
                        None => Field::Known(out),
                    }
                }
                Some(Val::Unknown(r)) => Field::Unknown(format!("extras_require: {r}")),
                Some(_) => Field::Unknown("extras_require is not a dict".into()),
            },
            python_requires: match field("python_requires") {
                None => Field::Absent,
                Some(Val::Str(s)) => Field::Known(s),
                Some(Val::Unknown(r)) => Field::Unknown(format!("python_requires: {r}")),
                Some(_) => Field::Unknown("python_requires is not a string".into()),
            },
        }
    }

    fn line_reason(&self, node: &impl Ranged, what: &str) -> String {
        format!("{what} (setup.py line {})", self.line(node))
    }

    fn lookup(&self, name: &str, node: &impl Ranged) -> Val {
        match self.env.get(name) {
            Some(v) => v.clone(),
            None => self.unknown(node, format!("`{name}` is not a module-level constant")),
        }
    }

    fn expr(&mut self, expr: &Expr) -> Val {
        if self.depth >= MAX_EVAL_DEPTH {
            return self.unknown(expr, "expression nested too deeply");
        }
        self.depth += 1;
        let v = self.expr_inner(expr);
        self.depth -= 1;
        match v {
            Val::Str(s) if s.len() > MAX_VALUE_LEN => self.unknown(expr, "value too large"),
            Val::List(l) if l.len() > MAX_VALUE_LEN / 16 => self.unknown(expr, "value too large"),
            v => v,
        }
    }

    fn exprs(&mut self, elts: &[Expr]) -> Val {
        let mut out = Vec::with_capacity(elts.len());
        for e in elts {
            match self.expr(e) {
                Val::Unknown(r) => return Val::Unknown(r),
                v => out.push(v),
            }
        }
        Val::List(out)
    }

    fn expr_inner(&mut self, expr: &Expr) -> Val {
        match expr {
            Expr::StringLiteral(s) => Val::Str(s.value.to_str().to_string()),
            Expr::BooleanLiteral(b) => Val::Bool(b.value),
            Expr::NoneLiteral(_) => Val::None,
            Expr::List(l) => self.exprs(&l.elts),
            Expr::Tuple(t) => self.exprs(&t.elts),
            Expr::Dict(d) => {
                let mut out = Vec::new();
                for item in &d.items {
                    let value = self.expr(&item.value);
                    match (&item.key, value) {
                        (_, Val::Unknown(r)) => return Val::Unknown(r),
                        (Some(key), value) => match self.expr(key) {
                            Val::Str(k) => out.push((k, value)),
                            Val::Unknown(r) => return Val::Unknown(r),
                            _ => return self.unknown(key, "a dict key that is not a string"),
                        },
                        (None, Val::Dict(items)) => out.extend(items),
                        (None, _) => {
                            return self
                                .unknown(&item.value, "`**` of something that is not a dict");
                        }
                    }
                }
                Val::Dict(out)
            }
            Expr::Name(n) => match n.id.as_str() {
                "__file__" => Val::Path("setup.py".into()),
                name => self.lookup(name, expr),
            },
            Expr::BinOp(b) => {
                let left = self.expr(&b.left);
                let right = self.expr(&b.right);
                match (b.op, left, right) {
                    (_, Val::Unknown(r), _) | (_, _, Val::Unknown(r)) => Val::Unknown(r),
                    (Operator::Add, l, r) => add_values(l, r, || {
                        self.unknown(expr, "`+` of values of different kinds")
                    }),
                    (Operator::Div, Val::Path(p), Val::Str(s)) => Val::Path(join(&p, &s)),
                    _ => self.unknown(expr, "an operator other than `+`"),
                }
            }
            Expr::Call(call) => self.call(call),
            Expr::Attribute(a) => match (a.attr.id.as_str(), self.expr(&a.value)) {
                (_, Val::Unknown(r)) => Val::Unknown(r),
                ("parent", Val::Path(p)) => Val::Path(dirname(&p)),
                (attr, _) => self.unknown(expr, format!("attribute `.{attr}`")),
            },
            Expr::ListComp(c) => self.comprehension(&c.elt, &c.generators, expr),
            Expr::Generator(c) => self.comprehension(&c.elt, &c.generators, expr),
            Expr::UnaryOp(u) if u.op == UnaryOp::Not => match truthy(&self.expr(&u.operand)) {
                Ok(b) => Val::Bool(!b),
                Err(r) => Val::Unknown(r),
            },
            Expr::BoolOp(b) => {
                let mut last = Val::None;
                for value in &b.values {
                    last = self.expr(value);
                    match truthy(&last) {
                        Err(r) => return Val::Unknown(r),
                        Ok(t) if (b.op == BoolOp::And) != t => return last,
                        Ok(_) => {}
                    }
                }
                last
            }
            Expr::Compare(c) if c.ops.len() == 1 => {
                let left = self.expr(&c.left);
                let right = self.expr(&c.comparators[0]);
                match (c.ops[0], left, right) {
                    (_, Val::Unknown(r), _) | (_, _, Val::Unknown(r)) => Val::Unknown(r),
                    (CmpOp::Eq, Val::Str(a), Val::Str(b)) => Val::Bool(a == b),
                    (CmpOp::NotEq, Val::Str(a), Val::Str(b)) => Val::Bool(a != b),
                    _ => self.unknown(expr, "a comparison"),
                }
            }
            Expr::FString(_) => self.unknown(expr, "an f-string"),
            _ => self.unknown(expr, "an expression that is not evaluated statically"),
        }
    }

    fn comprehension(&mut self, elt: &Expr, generators: &[ast::Comprehension], expr: &Expr) -> Val {
        let [generator] = generators else {
            return self.unknown(expr, "a comprehension with several `for`s");
        };
        let Expr::Name(var) = &generator.target else {
            return self.unknown(expr, "a comprehension that unpacks");
        };
        let items = match self.expr(&generator.iter) {
            Val::List(items) => items,
            Val::File(path) => match self.read(&path, expr) {
                Val::Str(text) => lines_keepends(&text),
                other => return other,
            },
            Val::Unknown(r) => return Val::Unknown(r),
            _ => {
                return self.unknown(
                    &generator.iter,
                    "iteration over something that is not a list",
                );
            }
        };
        let saved = self.env.get(var.id.as_str()).cloned();
        let mut out = Vec::new();
        let mut result = None;
        'items: for item in items {
            self.env.insert(var.id.to_string(), item);
            for cond in &generator.ifs {
                match truthy(&self.expr(cond)) {
                    Ok(true) => {}
                    Ok(false) => continue 'items,
                    Err(r) => {
                        result = Some(Val::Unknown(r));
                        break 'items;
                    }
                }
            }
            match self.expr(elt) {
                Val::Unknown(r) => {
                    result = Some(Val::Unknown(r));
                    break;
                }
                v => out.push(v),
            }
        }
        match saved {
            Some(v) => self.env.insert(var.id.to_string(), v),
            None => self.env.remove(var.id.as_str()),
        };
        result.unwrap_or(Val::List(out))
    }

    fn read(&self, path: &str, node: &impl Ranged) -> Val {
        let Some(key) = normalize(path).filter(|_| !path.starts_with('/')) else {
            return self.unknown(node, format!("a read of `{path}`, outside the sdist"));
        };
        match self.files.get(&key) {
            Some(bytes) if bytes.len() <= MAX_VALUE_LEN => {
                Val::Str(String::from_utf8_lossy(bytes).into_owned())
            }
            Some(_) => self.unknown(node, format!("`{key}` is too large")),
            None => self.unknown(
                node,
                format!("a read of `{key}`, which is not in the sdist"),
            ),
        }
    }

    fn call(&mut self, call: &ast::ExprCall) -> Val {
        let node = call;
        let args: Vec<&Expr> = call.arguments.args.iter().collect();
        let name = dotted(&call.func);
        // Functions by name.
        if let Some(name) = name.as_deref() {
            match name {
                "open" | "io.open" | "codecs.open" => {
                    return match args.first().map(|a| self.expr(a)) {
                        Some(Val::Str(p) | Val::Path(p)) => Val::File(p),
                        Some(Val::Unknown(r)) => Val::Unknown(r),
                        _ => self.unknown(node, "open() of a path that is not evaluated"),
                    };
                }
                "os.path.join" | "path.join" | "join" => {
                    let mut out = String::new();
                    for a in &args {
                        match self.expr(a) {
                            Val::Str(s) | Val::Path(s) => out = join(&out, &s),
                            Val::Unknown(r) => return Val::Unknown(r),
                            _ => {
                                return self.unknown(
                                    node,
                                    "os.path.join() of something that is not a path",
                                );
                            }
                        }
                    }
                    return Val::Path(out);
                }
                "os.path.dirname" | "path.dirname" | "dirname" => {
                    return match args.first().map(|a| self.expr(a)) {
                        Some(Val::Path(p) | Val::Str(p)) => Val::Path(dirname(&p)),
                        Some(Val::Unknown(r)) => Val::Unknown(r),
                        _ => self.unknown(node, "dirname() of something that is not a path"),
                    };
                }
                "os.path.abspath" | "os.path.realpath" | "os.path.normpath" | "path.abspath"
                | "path.realpath" | "abspath" | "realpath" | "Path" | "pathlib.Path" | "str"
                | "list" | "tuple" | "sorted" => {
                    return match args.first().map(|a| self.expr(a)) {
                        Some(Val::Str(p)) if name.contains("ath") => Val::Path(p),
                        Some(Val::File(p)) if matches!(name, "list" | "tuple" | "sorted") => {
                            match self.read(&p, node) {
                                Val::Str(text) => Val::List(lines_keepends(&text)),
                                other => other,
                            }
                        }
                        Some(Val::List(mut l)) if name == "sorted" => {
                            l.sort_by_key(|v| match v {
                                Val::Str(s) => s.clone(),
                                _ => String::new(),
                            });
                            Val::List(l)
                        }
                        Some(v @ (Val::Path(_) | Val::Str(_) | Val::List(_) | Val::Unknown(_))) => {
                            v
                        }
                        _ => self.unknown(node, format!("`{name}(…)`")),
                    };
                }
                _ => {}
            }
        }
        // Methods of evaluated values.
        let Expr::Attribute(attr) = &*call.func else {
            return self.unknown(
                node,
                format!("a call of `{}`", name.unwrap_or_else(|| "…".into())),
            );
        };
        let method = attr.attr.id.as_str();
        let receiver = self.expr(&attr.value);
        let mut arg_vals = Vec::new();
        for a in &args {
            match self.expr(a) {
                Val::Unknown(r) => return Val::Unknown(r),
                v => arg_vals.push(v),
            }
        }
        let str_arg = |i: usize| match arg_vals.get(i) {
            Some(Val::Str(s)) => Some(s.clone()),
            _ => None,
        };
        match (receiver, method) {
            (Val::Unknown(r), _) => Val::Unknown(r),
            (Val::File(p), "read") | (Val::Path(p), "read_text") => self.read(&p, node),
            (Val::File(p), "readlines") => match self.read(&p, node) {
                Val::Str(text) => Val::List(lines_keepends(&text)),
                other => other,
            },
            (Val::Path(p), "open") => Val::File(p),
            (Val::Path(p), "absolute" | "resolve") => Val::Path(p),
            (Val::Str(s), "splitlines") => {
                Val::List(s.lines().map(|l| Val::Str(l.to_string())).collect())
            }
            (Val::Str(s), "split") => Val::List(match str_arg(0) {
                Some(sep) if !sep.is_empty() => s
                    .split(sep.as_str())
                    .map(|p| Val::Str(p.to_string()))
                    .collect(),
                _ => s
                    .split_whitespace()
                    .map(|p| Val::Str(p.to_string()))
                    .collect(),
            }),
            (Val::Str(s), "strip" | "lstrip" | "rstrip") => {
                let chars: Vec<char> = str_arg(0).map_or_else(
                    || vec![' ', '\t', '\n', '\r', '\x0b', '\x0c'],
                    |c| c.chars().collect(),
                );
                Val::Str(match method {
                    "strip" => s.trim_matches(chars.as_slice()).to_string(),
                    "lstrip" => s.trim_start_matches(chars.as_slice()).to_string(),
                    _ => s.trim_end_matches(chars.as_slice()).to_string(),
                })
            }
            (Val::Str(s), "lower") => Val::Str(s.to_lowercase()),
            (Val::Str(s), "startswith") => match str_arg(0) {
                Some(p) => Val::Bool(s.starts_with(p.as_str())),
                None => self.unknown(node, "startswith() of a non-string"),
            },
            (Val::Str(s), "endswith") => match str_arg(0) {
                Some(p) => Val::Bool(s.ends_with(p.as_str())),
                None => self.unknown(node, "endswith() of a non-string"),
            },
            (Val::Str(s), "replace") => match (str_arg(0), str_arg(1)) {
                (Some(a), Some(b)) if !a.is_empty() => Val::Str(s.replace(a.as_str(), &b)),
                _ => self.unknown(node, "replace() with arguments that are not strings"),
            },
            (Val::Str(s), "join") => match arg_vals.first() {
                Some(Val::List(items)) => {
                    let mut parts = Vec::new();
                    for i in items {
                        match i {
                            Val::Str(p) => parts.push(p.clone()),
                            _ => return self.unknown(node, "join() of non-strings"),
                        }
                    }
                    Val::Str(parts.join(&s))
                }
                _ => self.unknown(node, "join() of something that is not a list"),
            },
            (Val::List(l), "copy") => Val::List(l),
            (_, m) => self.unknown(node, format!("a call of the method `.{m}()`")),
        }
    }
}

/// True for `__name__ == "__main__"`.
fn dotted_compare_main(test: &Expr) -> bool {
    let Expr::Compare(c) = test else {
        return false;
    };
    let is_name = |e: &Expr| matches!(e, Expr::Name(n) if n.id.as_str() == "__name__");
    let is_main = |e: &Expr| matches!(e, Expr::StringLiteral(s) if s.value.to_str() == "__main__");
    c.ops.len() == 1
        && c.ops[0] == CmpOp::Eq
        && ((is_name(&c.left) && is_main(&c.comparators[0]))
            || (is_main(&c.left) && is_name(&c.comparators[0])))
}

fn lines_keepends(text: &str) -> Vec<Val> {
    text.split_inclusive('\n')
        .map(|l| Val::Str(l.to_string()))
        .collect()
}

fn add_values(left: Val, right: Val, mismatch: impl FnOnce() -> Val) -> Val {
    match (left, right) {
        (Val::Unknown(r), _) | (_, Val::Unknown(r)) => Val::Unknown(r),
        (Val::Str(a), Val::Str(b)) => Val::Str(a + &b),
        (Val::List(mut a), Val::List(b)) => {
            a.extend(b);
            Val::List(a)
        }
        _ => mismatch(),
    }
}

/// A list of strings, or a single string of lines (setuptools accepts both).
fn string_list(value: Val) -> Result<Vec<String>, String> {
    match value {
        Val::Str(s) => Ok(s.lines().map(str::to_string).collect()),
        Val::List(items) => items
            .into_iter()
            .map(|i| match i {
                Val::Str(s) => Ok(s),
                Val::Unknown(r) => Err(r),
                _ => Err("an entry is not a string".to_string()),
            })
            .collect(),
        Val::Unknown(r) => Err(r),
        _ => Err("not a list of strings".to_string()),
    }
}
