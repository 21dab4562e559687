//! Expressions: names, attributes, constants folded through operators,
//! f-strings, subscripts and sequences.

use std::sync::{Arc, LazyLock};

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use super::super::QualName;
use super::super::consts::{self, Const};
use super::super::template::{Hole, Part, Template};
use super::super::{names, taint};
use super::{MAX_DEPTH, MAX_STRING_FACT, Sym, Walker};

impl<'a> Walker<'a, '_> {
    pub(super) fn expr(&mut self, expr: &'a Expr) -> Sym {
        if self.depth >= MAX_DEPTH {
            self.truncated = true;
            return Sym::default();
        }
        if !self.visit() {
            return Sym::default();
        }
        self.depth += 1;
        let sym = stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.expr_inner(expr));
        self.depth -= 1;
        self.charge_built(expr, sym)
    }

    fn expr_inner(&mut self, expr: &'a Expr) -> Sym {
        match expr {
            Expr::StringLiteral(s) => {
                let value: Arc<str> = Arc::from(s.value.to_str());
                if self.frame.inlining == 0 {
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
                if let Some(text) = sym.text().filter(|_| self.frame.inlining == 0) {
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
                    // `name.attr` assigned at module level is kept under
                    // its dotted key; spelled into a reused buffer, as
                    // every attribute read asks.
                    let key = &mut self.dotted_key;
                    key.clear();
                    key.push_str(base.id.as_str());
                    key.push('.');
                    key.push_str(attr.attr.as_str());
                    if let Some(sym) = self.scopes[0].get(self.dotted_key.as_str()) {
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
            if sym.qual_str() == Some("os.environ") {
                sym.taint |= taint::ENV | taint::ENV_ALL;
            }
            return sym;
        }
        match id {
            "__builtins__" | "builtins" => Sym::qual(QualName::dotted("builtins")),
            _ => names::builtin(id)
                .cloned()
                .map(Sym::qual)
                .unwrap_or_default(),
        }
    }

    pub(super) fn attribute(&mut self, base: Sym, attr: &str) -> Sym {
        if let Some(class) = base.instance_of.as_ref().or(base.local.as_ref()) {
            return Sym {
                local: Some(format!("{class}.{attr}").into()),
                taint: base.taint,
                ..Sym::default()
            };
        }
        // Methods of constants are typed by the value (`"".join`,
        // `bytes.fromhex(..).decode`), builtin types by their plain name.
        // The type names, made once: `"".join` is read everywhere.
        static STR: LazyLock<QualName> = LazyLock::new(|| QualName::dotted("str"));
        static BYTES: LazyLock<QualName> = LazyLock::new(|| QualName::dotted("bytes"));
        static BYTEARRAY: LazyLock<QualName> = LazyLock::new(|| QualName::dotted("bytearray"));
        let qual = match (&base.konst, base.qual_str()) {
            (Some(Const::Str(_)), _) | (_, Some("builtins.str")) => STR.attribute(attr),
            (Some(Const::Bytes(_)), _) | (_, Some("builtins.bytes")) => BYTES.attribute(attr),
            (_, Some("builtins.bytearray")) => BYTEARRAY.attribute(attr),
            (_, Some("builtins.__dict__")) => QualName::builtin(attr),
            _ => match &base.qual {
                Some(q) => q.attribute(attr),
                None => QualName::unknown_attribute(attr),
            },
        };
        let taint = base.taint
            | if qual.as_str() == "os.environ" {
                taint::ENV | taint::ENV_ALL
            } else if names::is_inbound_request(&qual) {
                taint::INBOUND
            } else if names::is_sdk_token(&qual) {
                taint::TOOL_TOKEN
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

    pub(super) fn sequence(&mut self, elts: &'a [Expr]) -> Sym {
        let syms: Vec<Sym> = elts.iter().map(|e| self.expr(e)).collect();
        sequence_of(syms)
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
                self.select_credential_paths(cond);
            }
        }
        for part in parts.into_iter().flatten() {
            taint |= self.expr(part).taint;
        }
        Sym::tainted(taint)
    }

    fn fstring(&mut self, f: &'a ast::ExprFString) -> Sym {
        let mut text = String::new();
        let mut all_const = true;
        let mut taint = 0;
        // Where each unknown hole starts in `text`, and what fills it.
        let mut holes: Vec<(usize, Hole)> = Vec::new();
        let mut hole = |text: &mut String, taint: taint::Taint| {
            holes.push((text.len(), Hole { taint }));
            text.push_str("{}");
        };
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
                                    // `s = f'{s}{s}'` repeated doubles the
                                    // text each time: past the constant
                                    // budget the hole stays unknown.
                                    Some(t) if text.len() + t.len() > consts::MAX_CONST => {
                                        self.oversized = true;
                                        all_const = false;
                                        hole(&mut text, value.taint);
                                    }
                                    Some(_) if i.format_spec.is_some() => {
                                        all_const = false;
                                        hole(&mut text, value.taint);
                                    }
                                    Some(t) if self.afford(t.len()) => text.push_str(&t),
                                    _ => {
                                        all_const = false;
                                        hole(&mut text, value.taint);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let template = (!all_const).then(|| {
            let mut parts = Vec::with_capacity(2 * holes.len() + 1);
            let mut from = 0;
            for (at, hole) in &holes {
                parts.push(Part::Literal(text[from..*at].into()));
                parts.push(Part::Hole(*hole));
                from = at + "{}".len();
            }
            parts.push(Part::Literal(text[from..].into()));
            Template::new(parts)
        });
        let text: Arc<str> = text.into();
        self.record_string(&text, f.start());
        if template.as_ref().is_some_and(Template::labels_a_credential) {
            taint |= taint::LABELLED_SECRET;
        }
        Sym {
            template,
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
        // `'a' + 'b' + 'c' + …` grows one buffer: each step costs (and is
        // charged) only the bytes it adds, not a copy of all before it.
        let mut buffer: Option<String> = None;
        for b in spine.iter().rev() {
            let right = self.expr(&b.right);
            if b.op == ast::Operator::Add
                && let Some(Const::Str(r)) = &right.konst
                && (buffer.is_some() || acc.str().is_some())
            {
                // The first step copies the left side: that is charged too.
                let (len, copied) = match &buffer {
                    Some(buf) => (buf.len(), 0),
                    None => {
                        let left = acc.str().map_or(0, str::len);
                        (left, left)
                    }
                };
                let fits = len + r.len() <= consts::MAX_CONST && self.afford(copied + r.len());
                if fits {
                    buffer
                        .get_or_insert_with(|| acc.str().unwrap_or_default().to_owned())
                        .push_str(r);
                } else {
                    // Too large: unknown from here on, as a fold past the
                    // limit is.
                    buffer = None;
                    acc.konst = None;
                    acc.template = None;
                }
                acc.taint |= right.taint;
                acc.chain = acc.chain.or(right.chain);
                continue;
            }
            if let Some(text) = buffer.take() {
                acc = concatenated(text, acc);
            }
            acc = self.binop(acc, b.op, right);
        }
        if let Some(text) = buffer.take() {
            acc = concatenated(text, acc);
        }
        if let Some(text) = acc.text() {
            self.record_string(&text, expr.start());
        }
        acc
    }

    pub(super) fn binop(&mut self, left: Sym, op: ast::Operator, right: Sym) -> Sym {
        let mut taint = left.taint | right.taint;
        // Charged before it is built: past the budget nothing is copied.
        let konst = match (&left.konst, &right.konst) {
            (Some(l), Some(r)) if self.afford_fold(l, op, r) => consts::binop(l, op, r),
            _ => None,
        };
        let template = match konst {
            Some(_) => None,
            None => string_template(&left, op, &right),
        };
        if template.as_ref().is_some_and(Template::labels_a_credential) {
            taint |= taint::LABELLED_SECRET;
        }
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
                (Some(_), ..) if self.constants_spent() => None,
                (Some(k), l, u, s) => consts::slice(k, l.flatten(), u.flatten(), s.flatten()),
                _ => None,
            };
            return Sym {
                konst,
                taint: base.taint,
                chain: base.chain,
                returned_by: base.returned_by,
                ..Sym::default()
            };
        }
        let index = self.expr(&sub.slice);
        if let (Some(q), Some(key)) = (&base.qual, index.str()) {
            // `globals()`, `locals()`, `vars()`: the module's names.
            let namespace = q.result_of().is_some_and(|called| {
                matches!(
                    called.as_str(),
                    "builtins.globals" | "builtins.locals" | "builtins.vars"
                )
            });
            match q.as_str() {
                "os.environ" => {
                    let named_secret = if names::is_credential_variable(key) {
                        taint::ENV_SECRET
                    } else {
                        0
                    };
                    return Sym {
                        qual: Some(q.item()),
                        taint: taint::ENV | named_secret,
                        ..Sym::default()
                    };
                }
                name if namespace || matches!(name, "builtins" | "builtins.__dict__") => {
                    return match self.lookup(key) {
                        Some(sym) => sym.clone(),
                        None if key == "__builtins__" => Sym::qual(QualName::dotted("builtins")),
                        None => Sym::qual(QualName::builtin(key)),
                    };
                }
                "sys.modules" => return Sym::qual(QualName::dotted(key)),
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
            returned_by: base.returned_by,
            ..Sym::default()
        }
    }
}

/// The value of a string concatenation built in `text`, with what `acc`
/// carried.
fn concatenated(text: String, acc: Sym) -> Sym {
    Sym {
        konst: Some(Const::Str(text.into())),
        taint: acc.taint,
        chain: acc.chain,
        ..Sym::default()
    }
}

/// The shape of a string built from known and unknown parts (`"curl " +
/// url + " | sh"`, `"echo %s | base64 -d" % data`): a template with a hole
/// for each unknown part, as f-strings make.
fn string_template(left: &Sym, op: ast::Operator, right: &Sym) -> Option<Template> {
    fn part(sym: &Sym) -> Option<Template> {
        match &sym.konst {
            Some(Const::Str(s)) => Some(Template::new([Part::Literal(s.clone())])),
            Some(_) => None,
            None => sym.template.clone(),
        }
    }
    let unknown = |sym: &Sym| Template::new([Part::Hole(Hole { taint: sym.taint })]);
    let slash = || Template::new([Part::Literal(Arc::from("/"))]);
    let template = match op {
        ast::Operator::Add => match (part(left), part(right)) {
            // Measured before it is built: a 4 MiB part is not copied.
            (Some(l), Some(r)) if l.len() + r.len() > MAX_STRING_FACT => return None,
            (Some(l), Some(r)) => l.followed_by(&r),
            (Some(l), None) if right.konst.is_none() => l.followed_by(&unknown(right)),
            (None, Some(r)) if left.konst.is_none() => unknown(left).followed_by(&r),
            _ => return None,
        },
        // `base / browser / "User Data"`: a path with unknown parts.
        ast::Operator::Div => match (part(left), part(right)) {
            (Some(l), Some(r)) if l.len() + r.len() + 1 > MAX_STRING_FACT => return None,
            (Some(l), Some(r)) => l.followed_by(&slash()).followed_by(&r),
            (Some(l), None) if right.konst.is_none() => {
                l.followed_by(&slash()).followed_by(&unknown(right))
            }
            (None, Some(r)) if left.konst.is_none() => {
                unknown(left).followed_by(&slash()).followed_by(&r)
            }
            _ => return None,
        },
        ast::Operator::Mod => match &left.konst {
            Some(Const::Str(fmt)) if fmt.len() > MAX_STRING_FACT => return None,
            Some(Const::Str(fmt)) => consts::percent_template(fmt, Hole { taint: right.taint }),
            _ => return None,
        },
        _ => return None,
    };
    (template.len() <= MAX_STRING_FACT).then_some(template)
}

/// A list or tuple of these items: constant when every item is, else its
/// taint and the command-line shape of its items.
pub(super) fn sequence_of(syms: Vec<Sym>) -> Sym {
    let count = syms.len();
    let mut taint = 0;
    let mut items = Vec::with_capacity(count);
    // The command-line shape of a list with unknown items
    // (`[sys.executable, "-m", "pip", "install", name]`), one template
    // per item.
    let mut shape: Vec<Template> = Vec::new();
    let mut all_const = true;
    for sym in syms {
        taint |= sym.taint;
        if shape.len() < 64 {
            shape.push(match (&sym.konst, &sym.template) {
                (Some(Const::Str(s)), _) => Template::new([Part::Literal(s.clone())]),
                (Some(k @ Const::Int(_)), _) => {
                    Template::new([Part::Literal(k.as_text().unwrap_or_default())])
                }
                (None, Some(t)) => t.clone(),
                _ => Template::new([Part::Hole(Hole { taint: sym.taint })]),
            });
        }
        match sym.konst {
            Some(k) if all_const => items.push(k),
            _ => all_const = false,
        }
    }
    // An item that prints as a bare hole says nothing of the shape.
    let known = shape.iter().filter(|t| t.printed() != "{}").count();
    Sym {
        konst: all_const.then(|| Const::Seq(items.into())),
        template: (!all_const && known >= 2 && shape.len() == count).then(|| {
            let space = || Part::Literal(Arc::from(" "));
            let mut parts = Vec::new();
            for (i, item) in shape.iter().enumerate() {
                if i > 0 {
                    parts.push(space());
                }
                parts.extend(item.parts().iter().cloned());
            }
            Template::new(parts)
        }),
        taint,
        ..Sym::default()
    }
}
