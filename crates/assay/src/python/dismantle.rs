//! Dropping very deep ASTs without recursion.
//!
//! A tree nested tens of thousands of levels deep (hostile input: `-(-(-…`,
//! `a.a.a.…`, `[[[[…]]]]`) would overflow the stack in the compiler's
//! recursive drop glue. This takes the tree apart with an explicit stack, so
//! every node is dropped when it no longer has deep children.

use ruff_python_ast::{Expr, Stmt};

pub(super) fn dismantle(body: impl IntoIterator<Item = Stmt>) {
    let mut stmts: Vec<Stmt> = body.into_iter().collect();
    let mut exprs: Vec<Expr> = Vec::new();
    loop {
        if let Some(stmt) = stmts.pop() {
            take_stmt(stmt, &mut stmts, &mut exprs);
        } else if let Some(expr) = exprs.pop() {
            take_expr(expr, &mut exprs);
        } else {
            break;
        }
    }
}

fn take_stmt(stmt: Stmt, stmts: &mut Vec<Stmt>, exprs: &mut Vec<Expr>) {
    match stmt {
        Stmt::Expr(s) => exprs.push(*s.value),
        Stmt::Assign(s) => {
            exprs.push(*s.value);
            exprs.extend(s.targets);
        }
        Stmt::AugAssign(s) => exprs.extend([*s.target, *s.value]),
        Stmt::AnnAssign(s) => exprs.extend(s.value.map(|v| *v)),
        Stmt::Return(s) => exprs.extend(s.value.map(|v| *v)),
        Stmt::If(s) => {
            exprs.push(*s.test);
            stmts.extend(s.body);
            for clause in s.elif_else_clauses {
                exprs.extend(clause.test);
                stmts.extend(clause.body);
            }
        }
        Stmt::For(s) => {
            exprs.extend([*s.target, *s.iter]);
            stmts.extend(s.body);
            stmts.extend(s.orelse);
        }
        Stmt::While(s) => {
            exprs.push(*s.test);
            stmts.extend(s.body);
            stmts.extend(s.orelse);
        }
        Stmt::With(s) => stmts.extend(s.body),
        Stmt::Try(s) => {
            stmts.extend(s.body);
            stmts.extend(s.orelse);
            stmts.extend(s.finalbody);
        }
        Stmt::FunctionDef(s) => stmts.extend(s.body),
        Stmt::ClassDef(s) => stmts.extend(s.body),
        _ => {}
    }
}

fn take_expr(expr: Expr, exprs: &mut Vec<Expr>) {
    match expr {
        Expr::BoolOp(e) => exprs.extend(e.values),
        Expr::Named(e) => exprs.extend([*e.target, *e.value]),
        Expr::BinOp(e) => exprs.extend([*e.left, *e.right]),
        Expr::UnaryOp(e) => exprs.push(*e.operand),
        Expr::Lambda(e) => exprs.push(*e.body),
        Expr::If(e) => exprs.extend([*e.test, *e.body, *e.orelse]),
        Expr::Dict(e) => {
            for item in e.items {
                exprs.extend(item.key);
                exprs.push(item.value);
            }
        }
        Expr::Set(e) => exprs.extend(e.elts),
        Expr::List(e) => exprs.extend(e.elts),
        Expr::Tuple(e) => exprs.extend(e.elts),
        Expr::Await(e) => exprs.push(*e.value),
        Expr::Yield(e) => exprs.extend(e.value.map(|v| *v)),
        Expr::YieldFrom(e) => exprs.push(*e.value),
        Expr::Compare(e) => {
            exprs.push(*e.left);
            exprs.extend(e.comparators.into_vec());
        }
        Expr::Call(e) => {
            exprs.push(*e.func);
            exprs.extend(e.arguments.args.into_vec());
            exprs.extend(e.arguments.keywords.into_iter().map(|k| k.value));
        }
        Expr::Attribute(e) => exprs.push(*e.value),
        Expr::Subscript(e) => exprs.extend([*e.value, *e.slice]),
        Expr::Starred(e) => exprs.push(*e.value),
        Expr::Slice(e) => {
            exprs.extend([e.lower, e.upper, e.step].into_iter().flatten().map(|b| *b))
        }
        _ => {}
    }
}
