//! Loops and comprehensions over constant sequences, walked once per item
//! within a budget, so values built item by item fold.

use ruff_python_ast::{self as ast, Expr, Stmt};

use super::super::consts::Const;
use super::{Sym, Walker};

impl<'a> Walker<'a, '_> {
    /// `[chr(i) for i in [101, 120, 101, 99]]`, `(c for c in "abc")`: a
    /// comprehension over a constant sequence, evaluated item by item when
    /// every item folds to a constant (how obfuscators spell names). The
    /// facts of the first item are kept, not those of every repetition.
    pub(super) fn unroll(
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
            Const::Bytes(bytes) if bytes.len() <= MAX_ITEMS => {
                bytes.iter().map(|&b| Const::Int(i64::from(b))).collect()
            }
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
    /// together evaluate at most [`super::MAX_UNROLLED`] items; past that, code is
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
    pub(super) fn unroll_for(&mut self, s: &'a ast::StmtFor, iter: &Sym) -> bool {
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
        // Checked before the items are copied: a 4 MiB string is 4M items.
        let items: Vec<Const> = match iter.konst.as_ref() {
            Some(Const::Seq(items)) if items.len() <= MAX_STEPS => items.to_vec(),
            Some(Const::Str(text)) if text.len() <= 4 * MAX_STEPS => text
                .chars()
                .map(|c| Const::Str(c.to_string().into()))
                .collect(),
            Some(Const::Bytes(bytes)) if bytes.len() <= MAX_STEPS => {
                bytes.iter().map(|&b| Const::Int(i64::from(b))).collect()
            }
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
}
