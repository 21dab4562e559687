//! The walker's side of the file's analysis budget
//! ([`crate::python::budget`]): nodes visited, constants built, facts
//! recorded.

use ruff_python_ast::{self as ast, Expr};

use super::super::consts::Const;
use super::{Sym, Walker};

impl Walker<'_, '_> {
    /// Spends one node visit; false once the budget is spent (the node is
    /// then not walked).
    pub(super) fn visit(&self) -> bool {
        self.budget.visit()
    }

    /// Spends one recorded fact; false once the budget is spent.
    pub(super) fn fact(&self) -> bool {
        self.budget.fact()
    }

    /// Whether the constant budget has run out (nothing more is folded).
    pub(super) fn constants_spent(&self) -> bool {
        self.budget.constants_spent()
    }

    /// Spends `bytes` of built constants or kept strings; false (nothing
    /// spent) when they do not fit.
    pub(super) fn afford(&self, bytes: usize) -> bool {
        self.budget.construct(bytes)
    }

    /// Charges `left OP right` before it is folded, so that past the
    /// budget nothing is built: 20,000 names each `a + "1"` of a 4 MiB `a`
    /// would otherwise copy 80 GB even if every result were dropped.
    pub(super) fn afford_fold(&self, left: &Const, op: ast::Operator, right: &Const) -> bool {
        let size = match (left, op, right) {
            (l, ast::Operator::Add | ast::Operator::Mod, r) => cost(l) + cost(r),
            (Const::Int(n), ast::Operator::Mult, k) | (k, ast::Operator::Mult, Const::Int(n)) => {
                cost(k).saturating_mul(usize::try_from(*n).unwrap_or(0))
            }
            (l, _, r) => cost(l) + cost(r),
        };
        self.afford(size)
    }

    /// Charges the constant `expr` evaluated to against the budget, unless
    /// it was not built here (a literal, bounded by the source; a name or
    /// attribute, which shares its value) or was charged as it was built
    /// (operators, f-strings). Past the budget the value is unknown:
    /// thousands of names each holding a 4 MiB string built from a shorter
    /// one cost gigabytes otherwise.
    pub(super) fn charge_built(&self, expr: &Expr, sym: Sym) -> Sym {
        if matches!(
            expr,
            Expr::StringLiteral(_)
                | Expr::BytesLiteral(_)
                | Expr::NumberLiteral(_)
                | Expr::Name(_)
                | Expr::Attribute(_)
                | Expr::BinOp(_)
                | Expr::FString(_)
        ) {
            return sym;
        }
        self.charge(sym)
    }

    /// Charges a value already built.
    fn charge(&self, mut sym: Sym) -> Sym {
        let Some(konst) = &sym.konst else { return sym };
        if !self.budget.construct(cost(konst)) {
            sym.konst = None;
        }
        sym
    }
}

/// `sym` without its constant value, or its receiver's.
pub(super) fn without_constant(sym: &Sym) -> Sym {
    let mut sym = sym.clone();
    sym.konst = None;
    if let Some(receiver) = &mut sym.receiver {
        receiver.konst = None;
    }
    sym
}

/// Bytes a constant holds: its text, or its items and their texts.
fn cost(konst: &Const) -> usize {
    let shallow = |k: &Const| match k {
        Const::Str(s) => s.len(),
        Const::Bytes(b) => b.len(),
        Const::Int(_) | Const::Seq(_) => 0,
    };
    match konst {
        Const::Seq(items) => items
            .iter()
            .map(|k| std::mem::size_of::<Const>() + shallow(k))
            .sum(),
        k => shallow(k),
    }
}
