//! What a `while` loop's body calls, by the name each call spells, and
//! whether it keeps the result: enough for a rule to tell a loop that only
//! sends from one that waits, reads, hands work to other code, or sends
//! until a buffer is drained.

use std::sync::Arc;

use ruff_python_ast::visitor::{Visitor, walk_expr, walk_stmt};
use ruff_python_ast::{Expr, Stmt};

use super::super::LoopCallee;

/// Deeper than this, a body is not looked into (its loop is then taken to
/// call something unknown).
const MAX_DEPTH: u32 = 64;

/// The last name of every callee in `body` (`sendto` for `sock.sendto(…)`,
/// `time` for `time.time()`, `?` for a callee that is neither a name nor an
/// attribute), with whether a statement of its own discards its result;
/// sorted and without repeats. `None` when the body is nested too deep to
/// look through.
pub(super) fn callees(body: &[Stmt]) -> Option<Vec<LoopCallee>> {
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
struct Callees<'a> {
    names: Vec<LoopCallee>,
    /// The call that is the whole of the statement being visited.
    discarded: Option<&'a Expr>,
    depth: u32,
    too_deep: bool,
}

impl<'a> Visitor<'a> for Callees<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if self.enter() {
            self.discarded = match stmt {
                Stmt::Expr(e) => Some(&*e.value),
                _ => None,
            };
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
            let discarded = self.discarded.is_some_and(|d| std::ptr::eq(d, expr));
            self.names.push(LoopCallee {
                name: Arc::from(name),
                discarded,
            });
        }
        walk_expr(self, expr);
        self.depth -= 1;
    }
}

impl Callees<'_> {
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

    fn of(source: &str) -> Option<Vec<LoopCallee>> {
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
        let names: Vec<(&str, bool)> = names.iter().map(|c| (&*c.name, c.discarded)).collect();
        assert_eq!(
            names,
            [("_urandom", false), ("print", true), ("sendto", true)]
        );
        let names = of("while buf:\n    n = sock.send(buf)\n    buf = buf[n:]\n").expect("shallow");
        assert_eq!(names.len(), 1);
        assert!(!names[0].discarded);
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
