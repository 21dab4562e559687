//! Files picked by a credential file name: a condition that tests a name
//! against `.env`, `id_rsa` or `.npmrc` (`if name == ".env"`,
//! `f.endswith((".env", ".npmrc"))`, `[p for p in files if ".env" in p]`)
//! selects secrets, whatever the walk that produced the name. The names
//! it tests carry [`taint::CREDENTIAL_PATH`] inside the condition's body,
//! and a file read through such a path holds secrets (see
//! `Walker::fold_call`).

use ruff_python_ast::{self as ast, CmpOp, Expr};

use super::super::consts::Const;
use super::super::{names, taint};
use super::{Sym, Walker};

impl<'a> Walker<'a, '_> {
    /// Marks the names `test` selects by a credential file name as paths
    /// of credential files. Reads the condition without walking it again
    /// (its facts were recorded when it was walked).
    pub(super) fn select_credential_paths(&mut self, test: &'a Expr) {
        let mut selected = Vec::new();
        self.selected_names(test, &mut selected);
        for name in selected {
            let mut sym = self.lookup(name).cloned().unwrap_or_default();
            if sym.taint & taint::CREDENTIAL_PATH == 0 {
                sym.taint |= taint::CREDENTIAL_PATH;
                self.bind(name, sym);
            }
        }
    }

    fn selected_names(&self, test: &'a Expr, out: &mut Vec<&'a str>) {
        match test {
            Expr::BoolOp(b) => {
                for value in &b.values {
                    self.selected_names(value, out);
                }
            }
            Expr::Compare(c) => {
                let mut left = &*c.left;
                for (op, right) in c.ops.iter().zip(&c.comparators) {
                    match op {
                        // `name == ".env"`, `".env" == name`
                        CmpOp::Eq => {
                            if self.names_credential_file(right) {
                                out.extend(name_of(left));
                            }
                            if self.names_credential_file(left) {
                                out.extend(name_of(right));
                            }
                        }
                        // `".env" in name`, `name in (".env", ".npmrc")`
                        CmpOp::In => {
                            if self.names_credential_file(left) {
                                out.extend(name_of(right));
                            }
                            if self.names_credential_file(right) {
                                out.extend(name_of(left));
                            }
                        }
                        _ => {}
                    }
                    left = right;
                }
            }
            // `name.endswith(".env")`, `fnmatch.fnmatch(name, "*.env")`
            Expr::Call(call) => {
                let [first, rest @ ..] = &*call.arguments.args else {
                    return;
                };
                if let Expr::Attribute(attr) = &*call.func {
                    match attr.attr.as_str() {
                        "startswith" | "endswith" | "__contains__" | "match" | "fullmatch"
                            if self.names_credential_file(first) =>
                        {
                            out.extend(name_of(&attr.value));
                        }
                        "fnmatch" | "fnmatchcase"
                            if rest.first().is_some_and(|p| self.names_credential_file(p)) =>
                        {
                            out.extend(name_of(first));
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    /// The loop variable of `for name in (".ssh", ".aws", "id_rsa")`,
    /// over constant names of which one is a credential location or file:
    /// a path built on it, in a body walked once for every item, is one of
    /// them.
    pub(super) fn loop_item(iter: &Sym) -> Sym {
        let mut item = Sym::tainted(iter.taint);
        if let Some(Const::Seq(items)) = &iter.konst
            && items.iter().any(|i| {
                matches!(i, Const::Str(t) if names::is_credential_file_name(t)
                    || names::credential_location(t).is_some())
            })
        {
            item.taint |= taint::CREDENTIAL_PATH;
        }
        item
    }

    /// `expr` is, or holds, a credential file name: a string, a tuple or
    /// list of them, a name bound to one, `tuple(patterns)`.
    fn names_credential_file(&self, expr: &Expr) -> bool {
        match expr {
            Expr::StringLiteral(s) => names::is_credential_file_name(s.value.to_str()),
            Expr::Tuple(t) => t.elts.iter().any(|e| self.names_credential_file(e)),
            Expr::List(l) => l.elts.iter().any(|e| self.names_credential_file(e)),
            Expr::Set(s) => s.elts.iter().any(|e| self.names_credential_file(e)),
            Expr::Name(n) => self
                .lookup(n.id.as_str())
                .and_then(Sym::konst_ref)
                .is_some_and(holds_credential_file),
            Expr::Call(c) if c.arguments.keywords.is_empty() => match &*c.arguments.args {
                [only] => self.names_credential_file(only),
                _ => false,
            },
            _ => false,
        }
    }
}

fn holds_credential_file(value: &Const) -> bool {
    match value {
        Const::Str(s) => names::is_credential_file_name(s),
        Const::Seq(items) => items.iter().any(holds_credential_file),
        _ => false,
    }
}

fn name_of(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Name(n) => Some(n.id.as_str()),
        // `name.lower()`, `str(path)`: the same name, spelled differently.
        Expr::Call(ast::ExprCall {
            func, arguments, ..
        }) => match (&**func, &*arguments.args) {
            (Expr::Attribute(attr), []) => name_of(&attr.value),
            (Expr::Name(_), [only]) => name_of(only),
            _ => None,
        },
        Expr::Attribute(attr) if attr.attr.as_str() == "name" => name_of(&attr.value),
        _ => None,
    }
}
