//! Payload decoding: decoders applied to constants, and decoded or planted
//! Python analysed as nested sources whose facts merge into this walk.

use std::sync::Arc;

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::TextSize;

use super::super::consts::Const;
use super::super::names::Decoder;
use super::super::{ExecContext, decode, taint};
use super::contexts::{Node, context_of};
use super::{MAX_LAYERS, PendingCall, PendingPayload, PendingString, Sym, Walker};
use crate::via::{Step, Via};

impl<'a> Walker<'a, '_> {
    /// `[sys.executable, "-c", CODE]`: the list is not constant as a whole
    /// (the interpreter's path is not known), but the code after `-c` is.
    pub(super) fn python_c_item(&mut self, call: &'a ast::ExprCall, at: TextSize) {
        let items = match call.arguments.args.first() {
            Some(Expr::List(l)) => &l.elts,
            Some(Expr::Tuple(t)) => &t.elts,
            _ => return,
        };
        let Some(flag) = items.iter().position(|e| {
            e.as_string_literal_expr()
                .is_some_and(|s| s.value.to_str() == "-c")
        }) else {
            return;
        };
        let Some(code) = items
            .get(flag + 1)
            .map(|e| self.expr(e))
            .and_then(|v| v.text())
        else {
            return;
        };
        self.planted(&code, Step::ProcessCode, at);
    }

    /// Analyses text handed to an interpreter or written to a file when it
    /// reads as Python: it runs later, and is reported where it is planted.
    pub(super) fn planted(&mut self, code: &str, step: Step, at: TextSize) {
        if code.len() >= 24 && decode::looks_like_python(code) {
            self.nested(code, &Via::of(step), at);
        }
    }

    pub(super) fn decode_call(
        &mut self,
        decoder: Decoder,
        input: Option<&Sym>,
        mut result: Sym,
        at: TextSize,
    ) -> Sym {
        result.taint |= taint::DECODED;
        let Some(input) = input else { return result };
        result.taint |= input.taint;
        let bytes = match &input.konst {
            Some(Const::Str(s)) => s.as_bytes().to_vec(),
            Some(Const::Bytes(b)) => b.to_vec(),
            _ => return result,
        };
        let Some(decoded) = decode::decode(decoder, &bytes) else {
            return result;
        };
        let step = Step::Decoder { decoder };
        let chain = match &input.chain {
            Some(outer) => outer.then(step),
            None => Via::of(step),
        };
        let text = String::from_utf8_lossy(&decoded).into_owned();
        let decoded: Arc<[u8]> = decoded.into();
        result.chain = Some(chain.clone());
        if decoded.len() >= 16 {
            let is_python = decode::looks_like_python(&text);
            if self.layer < MAX_LAYERS && self.fact() {
                self.out.payloads.push(PendingPayload {
                    offset: at,
                    node: self.frame.node.clone(),
                    chain: chain.clone(),
                    bytes: decoded.clone(),
                    is_python,
                });
            }
            if is_python {
                self.nested(&text, &chain, at);
                result.analysed = true;
            } else {
                self.record_string(&Arc::from(text.as_str()), at);
            }
        }
        result.konst = Some(Const::Bytes(decoded));
        result
    }

    /// Analyses Python source found in a payload and merges its facts,
    /// attributed to the line that decodes or executes it.
    /// Returns the payload's value when it is one expression.
    pub(super) fn nested(&mut self, code: &str, chain: &Via, at: TextSize) -> Option<Sym> {
        let at = self.frame.call_site.unwrap_or(at);
        if self.layer >= MAX_LAYERS {
            self.out
                .notes
                .push(crate::python::AnalysisNote::PayloadTooDeep { layers: MAX_LAYERS });
            return None;
        }
        let mut globals = self.scopes[0].clone();
        if let Some(locals) = self.scopes.last().filter(|_| self.scopes.len() > 1) {
            globals.extend(locals.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        let walk = self
            .payloads
            .analyse(code, self.layer + 1, globals, &self.helpers)?;
        let contexts = walk.resolve(ExecContext::Import, ExecContext::Runtime);
        let node = self.frame.node.clone();
        let placement = |inner_node: &Node, fixed: Option<ExecContext>| -> Option<ExecContext> {
            match fixed.unwrap_or_else(|| {
                context_of(
                    &contexts,
                    inner_node,
                    ExecContext::Import,
                    ExecContext::Runtime,
                )
            }) {
                ExecContext::Runtime => Some(ExecContext::Runtime),
                _ => None,
            }
        };
        // The payload's walk counted its facts against the file's budget.
        for c in walk.calls {
            let fixed = placement(&c.node, c.fixed);
            self.out.calls.push(PendingCall {
                offset: at,
                node: node.clone(),
                fixed,
                via: Some(chain.followed_by(c.via.as_ref())),
                silenced: c.silenced || self.frame.silenced,
                ..c
            });
        }
        for s in walk.strings {
            let fixed = placement(&s.node, s.fixed);
            self.push_string(PendingString {
                offset: at,
                node: node.clone(),
                fixed,
                via: Some(chain.followed_by(s.via.as_ref())),
                value: s.value,
            });
        }
        for (module, _, _) in walk.imports {
            self.out.imports.push((module, at, node.clone()));
        }
        for p in walk.payloads {
            self.out.payloads.push(PendingPayload {
                offset: at,
                node: node.clone(),
                chain: chain.followed_by(Some(&p.chain)),
                ..p
            });
        }
        self.out.notes.extend(walk.notes);
        // What the payload bound (`exec("import os as o")`,
        // `exec("setattr(__builtins__, 'x', exec)")`) is visible after it.
        if let Some(scope) = self.scopes.last_mut() {
            for (name, sym) in walk.bindings {
                if sym.qual.is_some() || sym.local.is_some() || sym.konst.is_some() {
                    scope.insert(name, sym);
                }
            }
        }
        walk.value
    }
}
