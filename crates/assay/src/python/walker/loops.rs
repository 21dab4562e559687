//! What a `while` loop's body calls, by the name each call spells: enough
//! for a rule to tell a loop that only sends from one that waits, reads or
//! hands work to other code.

use std::sync::Arc;

use ruff_python_ast::visitor::{Visitor, walk_expr, walk_stmt};
use ruff_python_ast::{Expr, Stmt};

/// Deeper than this, a body is not looked into (its loop is then taken to
/// call something unknown).
const MAX_DEPTH: u32 = 64;

/// The last name of every callee in `body` (`sendto` for `sock.sendto(…)`,
/// `time` for `time.time()`, `?` for a callee that is neither a name nor an
/// attribute), sorted and without repeats; `None` when the body is nested
/// too deep to look through.
pub(super) fn callees(body: &[Stmt]) -> Option<Vec<Arc<str>>> {
    let mut visitor = Callees::default();
    for stmt in body {
        visitor.visit_stmt(stmt);
    }
    if visitor.too_deep {
        return None;
    }
    visitor.names.sort_unstable();
    visitor.names.dedup();
    Some(visitor.names)
}

#[derive(Default)]
struct Callees {
    names: Vec<Arc<str>>,
    depth: u32,
    too_deep: bool,
}

impl<'a> Visitor<'a> for Callees {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if self.enter() {
            walk_stmt(self, stmt);
        }
        self.depth -= 1;
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if !self.enter() {
            self.depth -= 1;
            return;
        }
        if let Expr::Call(call) = expr {
            let name = match &*call.func {
                Expr::Name(n) => n.id.as_str(),
                Expr::Attribute(a) => a.attr.as_str(),
                _ => "?",
            };
            if self.names.last().is_none_or(|last| &**last != name) {
                self.names.push(Arc::from(name));
            }
        }
        walk_expr(self, expr);
        self.depth -= 1;
    }
}

impl Callees {
    /// Goes one level down; false (and marked) past [`MAX_DEPTH`].
    fn enter(&mut self) -> bool {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.too_deep = true;
        }
        !self.too_deep
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(source: &str) -> Option<Vec<Arc<str>>> {
        let parsed = ruff_python_parser::parse_module(source).expect("parses");
        match &parsed.syntax().body[0] {
            Stmt::While(w) => callees(&w.body),
            _ => panic!("not a while loop"),
        }
    }

    #[test]
    fn callee_names_of_a_loop_body() {
        let names =
            of("while t() < s:\n    sock.sendto(random._urandom(9), (ip, p))\n    print(n)\n")
                .expect("shallow");
        let names: Vec<&str> = names.iter().map(|n| &**n).collect();
        assert_eq!(names, ["_urandom", "print", "sendto"]);
        let names = of("while True:\n    f()()\n");
        assert_eq!(names.unwrap().len(), 2);
    }

    #[test]
    fn a_body_nested_past_the_limit_is_not_looked_through() {
        let deep = format!(
            "while True:\n    x = {}1{}\n",
            "(".repeat(70),
            ")".repeat(70)
        );
        // Parentheses alone nest no expression: a chain of calls does.
        assert!(of(&deep).is_some());
        let calls = format!(
            "while True:\n    x = {}1{}\n",
            "f(".repeat(70),
            ")".repeat(70)
        );
        assert!(of(&calls).is_none());
    }
}
