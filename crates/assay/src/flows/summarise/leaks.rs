//! What the summaries find in each file: credentials that reach a send
//! to a foreign host (leaks), and credentials handed to code outside the
//! package (hand-offs).

use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

use super::{Package, is_library, param_index, sink_of};
use crate::flows::{ArgSlot, Flow, Handoff, Leak, MAX_HANDOFFS, SinkKind, Step, modules, sinks};
use crate::python::{ExecContext, FileAnalysis, QualName, taint};

impl Package<'_> {
    /// File `i`'s calls that hand a credential to a send to a foreign
    /// host, directly or through package functions (at most
    /// [`MAX_HANDOFFS`]).
    pub(super) fn leaks(&self, i: usize, file: &FileAnalysis, flows: &[Vec<Flow>]) -> Vec<Leak> {
        let mut leaks = Vec::new();
        let path: Arc<str> = file.path.as_str().into();
        // The most exposed context of any call in each function, built
        // when first needed.
        let mut contexts: Option<HashMap<&Option<Arc<str>>, ExecContext>> = None;
        let callers = &self.callers[i];
        let sites = file
            .calls
            .iter()
            .zip(&callers.calls)
            .map(|(c, caller)| {
                let name = Some(&c.name);
                (
                    &c.function,
                    *caller,
                    c.name.as_str(),
                    name,
                    c.line,
                    &c.args,
                    &c.keywords,
                )
            })
            .chain(
                file.local_calls
                    .iter()
                    .zip(&callers.local_calls)
                    .map(|(c, caller)| {
                        (
                            &c.function,
                            *caller,
                            &*c.callee,
                            None,
                            c.line,
                            &c.args,
                            &c.keywords,
                        )
                    }),
            );
        for (function, caller, name, qual, line, args, keywords) in sites {
            let local = qual.is_none();
            if leaks.len() >= MAX_HANDOFFS {
                break;
            }
            let carries = args.iter().chain(keywords.iter().map(|(_, v)| v)).any(|v| {
                v.params != 0
                    || v.fields != 0
                    || v.has(
                        taint::SECRET
                            | taint::PROMPTED
                            | taint::USER_FILES
                            | taint::CARRIED_SECRET
                            | taint::INTERCEPTED,
                    )
            });
            if !carries {
                continue;
            }
            let caller = caller.map(|c| c as usize);
            let credentials = self.credentials(caller, args, keywords);
            if credentials.is_empty() {
                continue;
            }
            let contexts = contexts.get_or_insert_with(|| {
                let mut contexts: HashMap<&Option<Arc<str>>, ExecContext> = HashMap::default();
                for c in &file.calls {
                    let entry = contexts.entry(&c.function).or_insert(c.context);
                    *entry = (*entry).max(c.context);
                }
                contexts
            });
            let context = contexts
                .get(function)
                .copied()
                .unwrap_or(ExecContext::Runtime);
            let at = Step {
                path: path.clone(),
                line,
                what: format!(
                    "`{}` calls `{name}`",
                    function.as_deref().unwrap_or("<module>")
                )
                .into(),
            };
            if !local
                && let Some(at_call) = file
                    .calls
                    .iter()
                    .position(|c| c.line == line && Some(&c.name) == qual)
                && let Some(kind @ SinkKind::Send) = self.kinds[i][at_call]
            {
                let call = &file.calls[at_call];
                let sink = sink_of(call, kind, file, self.hosts, at.clone());
                if sink.is_hostile_send() {
                    let data: Vec<ArgSlot> = sinks::data_args(call, kind)
                        .into_iter()
                        .map(|(s, _)| s)
                        .collect();
                    if let Some((_, credential)) =
                        credentials.iter().find(|(s, _)| data.contains(s))
                    {
                        leaks.push(Leak {
                            credential: credential.clone(),
                            sink: Arc::new(sink),
                            chain: Vec::new(),
                            context,
                            across: None,
                        });
                    }
                }
                continue;
            }
            let resolved = if local {
                let module = self.module(i).0;
                match (
                    self.lookup(module, name),
                    self.lookup(module, &format!("{name}.__init__")),
                ) {
                    (Some(c), _) => Some((
                        c,
                        usize::from(self.funcs[c].info.class.is_some() && name.contains('.')),
                    )),
                    (None, Some(c)) => Some((c, 1)),
                    _ => None,
                }
            } else {
                qual.and_then(|qual| self.resolve_call(i, qual))
            };
            let Some((callee, skip)) = resolved else {
                continue;
            };
            for (slot, credential) in &credentials {
                let Some(j) = param_index(slot, skip, &self.funcs[callee].info.params) else {
                    continue;
                };
                if let Some(flow) = flows[callee]
                    .iter()
                    .find(|f| f.param == j && f.sink.is_hostile_send())
                {
                    let mut chain = vec![at.clone()];
                    chain.extend(flow.chain.iter().cloned());
                    leaks.push(Leak {
                        credential: credential.clone(),
                        sink: flow.sink.clone(),
                        chain,
                        context,
                        across: None,
                    });
                    break;
                }
            }
        }
        leaks
    }

    /// `callee` is inside a module of this package, though no function
    /// of it: a class with no `__init__` of its own (a dataclass, a
    /// pydantic model), or a name the module imports. The package's own
    /// code, not a third party's.
    fn defines_module_of(&self, callee: &QualName) -> bool {
        let text = callee.as_str();
        text.rmatch_indices('.')
            .any(|(dot, _)| self.known_modules.contains(&text[..dot]))
    }

    /// File `i`'s calls that hand credentials to a function the package
    /// does not define (at most [`MAX_HANDOFFS`]).
    pub(super) fn handoffs(&self, i: usize, file: &FileAnalysis) -> Vec<Handoff> {
        let mut handoffs = Vec::new();
        let callers = &self.callers[i].calls;
        for ((call, kind), caller) in file.calls.iter().zip(&self.kinds[i]).zip(callers) {
            if handoffs.len() >= MAX_HANDOFFS
                || !call.all_args().any(|v| {
                    v.params != 0
                        || v.fields != 0
                        || v.has(taint::SECRET | taint::PROMPTED | taint::USER_FILES)
                })
                || kind.is_some()
            {
                continue;
            }
            let Some(caller) = caller.map(|c| c as usize) else {
                continue;
            };
            // The rare part first: an argument that is a credential.
            let args = self.credentials(Some(caller), &call.args, &call.keywords);
            if args.is_empty() {
                continue;
            }
            let (module, is_package) = self.module(i);
            let callee = modules::absolute(&call.name, module, is_package);
            if callee.has_unknown_receiver()
                || callee.is_in("builtins")
                || is_library(&callee)
                || modules::resolve(&callee, |m, n| self.lookup(m, n)).is_some()
                || self.defines_module_of(&callee)
            {
                continue;
            }
            handoffs.push(Handoff {
                callee,
                args,
                at: Step {
                    path: file.path.as_str().into(),
                    line: call.line,
                    what: format!("`{}` calls `{}`", self.funcs[caller].info.name, call.name)
                        .into(),
                },
                context: call.context,
            });
        }
        handoffs
    }
}
