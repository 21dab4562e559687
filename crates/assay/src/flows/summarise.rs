//! Per-package summaries: which parameter of each function reaches which
//! sink, propagated bottom-up over the package's call graph.

use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::Arc;

use super::hosts::Hosts;
use super::{
    ArgSlot, Flow, Handoff, MAX_FLOWS, MAX_HANDOFFS, MAX_ROUNDS, PackageFlows, Sink, SinkKind,
    Step, Summary, modules, sinks,
};
use crate::artifact::CoreMetadata;
use crate::python::{
    ExecContext, FileAnalysis, FileRole, FunctionInfo, QualName, Value, names, taint,
};

/// A function of the package.
struct Func<'a> {
    file: usize,
    /// Borrowed from the file's module: a package has tens of thousands
    /// of functions, and a reference count each is not free.
    module: &'a Arc<str>,
    info: &'a FunctionInfo,
    /// Bit `i` for parameter `i` named as a credential
    /// ([`names::is_credential_name`]), worked out on the first call that
    /// passes a parameter, and kept.
    credential_params: std::sync::OnceLock<u16>,
}

impl Func<'_> {
    fn credential_params(&self) -> u16 {
        *self
            .credential_params
            .get_or_init(|| credential_params(&self.info.params))
    }
}

/// A call from one package function into another, with which of the
/// caller's parameters and fields each argument carries.
struct Edge {
    caller: usize,
    callee: usize,
    /// Callee parameter, caller parameters, caller fields.
    args: Vec<(usize, u16, u8)>,
    at: Step,
}

/// `self.NAME = value` in a method, from the method's parameters.
struct Store {
    method: usize,
    class: (Arc<str>, Arc<str>),
    index: u8,
    params: u16,
    at: Step,
}

type ClassKey = (Arc<str>, Arc<str>);
/// The sinks each field of a class reaches, with the chain to each.
type FieldSinks = HashMap<(ClassKey, u8), Vec<(Arc<Sink>, Vec<Step>)>>;

pub(super) fn package(python: &[FileAnalysis], metadata: Option<&CoreMetadata>) -> PackageFlows {
    // Each call's sink kind, classified once: every pass below reads it.
    let kinds: Vec<Vec<Option<SinkKind>>> = python
        .par_iter()
        .map(|f| f.calls.iter().map(sinks::kind).collect())
        .collect();
    let hosts = Hosts::of(python, &kinds, metadata);
    // Scripts define nothing other code imports.
    let file_modules: Vec<Option<(Arc<str>, bool)>> = python
        .iter()
        .map(|f| {
            (f.role != Some(FileRole::Script)).then(|| {
                let module: Arc<str> = modules::module_of(&f.path).into();
                (module, f.path.ends_with("__init__.py"))
            })
        })
        .collect();
    let package = Package::new(python, &file_modules, &kinds, &hosts);

    // Direct sinks, edges and stores, gathered file by file in parallel
    // and applied in file order.
    let gathered: Vec<Links> = package
        .files
        .par_iter()
        .map(|&(i, file)| package.links(i, file))
        .collect();
    let mut flows: Vec<Vec<Flow>> = vec![Vec::new(); package.funcs.len()];
    let mut field_sinks: FieldSinks = HashMap::default();
    let mut edges: Vec<Edge> = Vec::new();
    let mut stores: Vec<Store> = Vec::new();
    for links in gathered {
        for (caller, sink, values) in links.direct {
            for (params, fields) in values {
                for p in taint::indexes(u32::from(params)) {
                    push_flow(
                        &mut flows[caller],
                        Flow {
                            param: p,
                            sink: sink.clone(),
                            chain: Vec::new(),
                        },
                    );
                }
                if let Some(class) = &package.funcs[caller].info.class {
                    for k in taint::indexes(u32::from(fields)) {
                        field_sinks
                            .entry((
                                (Arc::clone(package.funcs[caller].module), class.clone()),
                                k as u8,
                            ))
                            .or_default()
                            .push((sink.clone(), Vec::new()));
                    }
                }
            }
        }
        edges.extend(links.edges);
        stores.extend(links.stores);
    }
    propagate(
        &package.funcs,
        &edges,
        &stores,
        &mut flows,
        &mut field_sinks,
    );

    // Credentials reaching a send to a foreign host.
    let found: Vec<Vec<super::Leak>> = package
        .files
        .par_iter()
        .map(|&(i, file)| package.leaks(i, file, &flows))
        .collect();
    let mut leaks: Vec<super::Leak> = found.into_iter().flatten().take(MAX_HANDOFFS).collect();
    let staged: Vec<Vec<super::Leak>> = package
        .files
        .par_iter()
        .map(|&(i, file)| {
            let mut out = Vec::new();
            super::staging::leaks(file, &kinds[i], &hosts, &mut out);
            out
        })
        .collect();
    for file_leaks in staged {
        if leaks.len() < MAX_HANDOFFS {
            leaks.extend(file_leaks);
        }
    }

    // Credentials handed to code outside the package.
    let found: Vec<Vec<Handoff>> = package
        .files
        .par_iter()
        .map(|&(i, file)| package.handoffs(i, file))
        .collect();
    let handoffs: Vec<Handoff> = found.into_iter().flatten().take(MAX_HANDOFFS).collect();

    let mut modules_defined: Vec<Arc<str>> = file_modules
        .iter()
        .flatten()
        .filter_map(|(m, _)| m.split('.').next().filter(|s| !s.is_empty()).map(Arc::from))
        .collect();
    modules_defined.sort();
    modules_defined.dedup();
    PackageFlows {
        summaries: package
            .funcs
            .iter()
            .zip(flows)
            .filter(|(_, flows)| !flows.is_empty())
            .map(|(f, flows)| Summary {
                module: Arc::clone(f.module),
                name: f.info.name.clone(),
                params: f.info.params.clone(),
                path: python[f.file].path.as_str().into(),
                line: f.info.line,
                flows,
            })
            .collect(),
        handoffs,
        leaks,
        modules: modules_defined,
    }
}

/// [`Package::function_of`] for the calls of one file, in order: the calls
/// of a function come one after another and share its name, so the last
/// answer is kept.
#[derive(Default)]
struct Callers<'f> {
    last: Option<(&'f Arc<str>, Option<usize>)>,
}

impl<'f> Callers<'f> {
    fn of(
        &mut self,
        package: &Package<'_>,
        file: usize,
        function: &'f Option<Arc<str>>,
    ) -> Option<usize> {
        let name = function.as_ref()?;
        if let Some((last, found)) = self.last
            && Arc::ptr_eq(last, name)
        {
            return found;
        }
        let found = package.function_of(file, function);
        self.last = Some((name, found));
        found
    }
}

/// A direct sink: the calling function, the sink, and what each data
/// argument carries (parameter bits, field bits).
type DirectSink = (usize, Arc<Sink>, Vec<(u16, u8)>);

/// A class's fields: each name, and whether it holds a credential.
type Fields = [(Arc<str>, bool)];

/// What one file adds to the call graph: its direct sinks, its edges and
/// its stores into `self`.
#[derive(Default)]
struct Links {
    direct: Vec<DirectSink>,
    edges: Vec<Edge>,
    stores: Vec<Store>,
}

/// The package's functions and how the names its code calls resolve to
/// them; read-only, shared by the passes over its files.
struct Package<'a> {
    python: &'a [FileAnalysis],
    /// The files that define functions (not scripts), with their index.
    files: Vec<(usize, &'a FileAnalysis)>,
    /// Each file's module and whether it is an `__init__`.
    modules: &'a [Option<(Arc<str>, bool)>],
    /// Each call's sink kind, by file then call.
    kinds: &'a [Vec<Option<SinkKind>>],
    hosts: &'a Hosts,
    funcs: Vec<Func<'a>>,
    /// Keyed by borrowed names: a look-up allocates nothing.
    index: HashMap<(&'a str, &'a str), usize>,
    /// Definitions by name, for re-exports (`pkg.send` defined in
    /// `pkg.util`).
    by_name: HashMap<&'a str, Vec<usize>>,
    known_modules: HashSet<&'a str>,
}

impl<'a> Package<'a> {
    fn new(
        python: &'a [FileAnalysis],
        modules: &'a [Option<(Arc<str>, bool)>],
        kinds: &'a [Vec<Option<SinkKind>>],
        hosts: &'a Hosts,
    ) -> Self {
        let files: Vec<(usize, &FileAnalysis)> = python
            .iter()
            .enumerate()
            .filter(|(_, f)| f.role != Some(FileRole::Script))
            .collect();
        // Sized once: the standard library has some 60,000 functions.
        let total = files.iter().map(|(_, f)| f.functions.len()).sum();
        let mut funcs: Vec<Func<'a>> = Vec::with_capacity(total);
        let mut index: HashMap<(&str, &str), usize> =
            HashMap::with_capacity_and_hasher(total, Default::default());
        for &(i, f) in &files {
            let Some((module, _)) = &modules[i] else {
                continue;
            };
            for info in &f.functions {
                index.entry((&**module, &*info.name)).or_insert(funcs.len());
                funcs.push(Func {
                    file: i,
                    module,
                    info,
                    credential_params: std::sync::OnceLock::new(),
                });
            }
        }
        let mut by_name: HashMap<&str, Vec<usize>> =
            HashMap::with_capacity_and_hasher(funcs.len(), Default::default());
        for (i, f) in funcs.iter().enumerate() {
            by_name.entry(&f.info.name).or_default().push(i);
        }
        let known_modules: HashSet<&str> = modules.iter().flatten().map(|(m, _)| &**m).collect();
        Package {
            python,
            files,
            modules,
            kinds,
            hosts,
            funcs,
            index,
            by_name,
            known_modules,
        }
    }

    /// The module of a (non-script) file, and whether it is a package.
    fn module(&self, file: usize) -> (&'a Arc<str>, bool) {
        let (module, is_package) = self.modules[file]
            .as_ref()
            .expect("a file that defines functions has a module");
        (module, *is_package)
    }

    /// The function `name` in `module`, or the one definition of `name`
    /// under it (re-exported).
    fn lookup(&self, module: &str, name: &str) -> Option<usize> {
        if !self.known_modules.contains(module) {
            return None;
        }
        self.index.get(&(module, name)).copied().or_else(|| {
            let mut found = self.by_name.get(name)?.iter().copied().filter(|&i| {
                self.funcs[i]
                    .module
                    .strip_prefix(module)
                    .is_some_and(|r| r.starts_with('.'))
            });
            let first = found.next()?;
            found.next().is_none().then_some(first)
        })
    }

    /// The package function `name` is, in `file`'s module.
    fn function_of(&self, file: usize, name: &Option<Arc<str>>) -> Option<usize> {
        let name = name.as_ref()?;
        self.index.get(&(&**self.module(file).0, &**name)).copied()
    }

    /// A package function a call names, with the parameters it skips.
    fn resolve_call(&self, file: usize, name: &QualName) -> Option<(usize, usize)> {
        let (module, is_package) = self.module(file);
        let absolute = modules::absolute(name, module, is_package);
        modules::resolve(&absolute, |m, n| self.lookup(m, n))
    }

    /// A call of a local name (`helper`, `Class`, `Class.method`), with
    /// the parameters it skips.
    fn resolve_local(&self, file: usize, callee: &str, bound: bool) -> Option<(usize, usize)> {
        let module = self.module(file).0;
        match self.lookup(module, callee) {
            Some(c) => Some((c, usize::from(bound && self.funcs[c].info.class.is_some()))),
            None => self
                .lookup(module, &format!("{callee}.__init__"))
                .map(|c| (c, 1)),
        }
    }

    /// The fields of a function's class, each with whether it holds a
    /// credential (named as one, or stored from a parameter named as one).
    fn fields_of(&self, f: usize) -> Vec<(Arc<str>, bool)> {
        let func = &self.funcs[f];
        class_fields(
            func.info.class.as_deref(),
            &self.python[func.file].fields,
            |method| {
                self.index
                    .get(&(&*func.module, method))
                    .map(|&m| self.funcs[m].info.params.clone())
            },
        )
    }

    /// The credentials among `args` and `keywords` of a call made by
    /// `caller`; the class fields are built (once per function, in
    /// `fields`) only when an argument carries a field.
    fn credentials(
        &self,
        caller: Option<usize>,
        args: &[Value],
        keywords: &[(Arc<str>, Value)],
        fields: &mut HashMap<usize, Vec<(Arc<str>, bool)>>,
    ) -> Vec<(ArgSlot, Arc<str>)> {
        let no_fields: &Fields = &[];
        // Most calls pass no credential: tell them apart on the bits alone
        // before anything is looked up or built.
        let mask = caller.map_or(0, |c| self.funcs[c].credential_params());
        let may_carry = |v: &Value| {
            v.params & mask != 0
                || (caller.is_some() && v.fields != 0)
                || v.has(super::CREDENTIAL_TAINT)
        };
        if !args
            .iter()
            .chain(keywords.iter().map(|(_, v)| v))
            .any(may_carry)
        {
            return Vec::new();
        }
        let (params, fields): (&[Arc<str>], &Fields) = match caller {
            Some(c) => {
                let carries_field = args
                    .iter()
                    .chain(keywords.iter().map(|(_, v)| v))
                    .any(|v| v.fields != 0);
                let fields: &[(Arc<str>, bool)] = if carries_field {
                    fields.entry(c).or_insert_with(|| self.fields_of(c))
                } else {
                    no_fields
                };
                (&self.funcs[c].info.params, fields)
            }
            None => (&[], no_fields),
        };
        slots(args, keywords)
            .filter_map(|(slot, v)| Some((slot, super::credential_of(v, params, fields)?)))
            .collect()
    }

    /// File `i`'s direct sinks, call-graph edges and stores into `self`.
    /// Only what can carry a parameter or field is kept: an edge whose
    /// arguments carry none, or a store of no parameter, propagates
    /// nothing.
    fn links(&self, i: usize, file: &FileAnalysis) -> Links {
        let mut links = Links::default();
        let path: Arc<str> = file.path.as_str().into();
        let step = |line: u32, what: String| Step {
            path: path.clone(),
            line,
            what: what.into(),
        };
        // The call-graph edge of a call from `caller` to a package function.
        let mut call_edge = |caller: usize,
                             target: (usize, usize),
                             line: u32,
                             named: &dyn std::fmt::Display,
                             args: &[Value],
                             keywords: &[(Arc<str>, Value)]| {
            let mapped = edge_args(target, &self.funcs, args, keywords);
            if !mapped.is_empty() {
                links.edges.push(Edge {
                    caller,
                    callee: target.0,
                    args: mapped,
                    at: step(
                        line,
                        format!("`{}` calls `{named}`", self.funcs[caller].info.name),
                    ),
                });
            }
        };
        let symbolic = |v: &Value| v.params != 0 || v.fields != 0;
        // Each callee name resolved once per file.
        let mut resolved: HashMap<&QualName, Option<(usize, usize)>> = HashMap::default();
        let mut callers = Callers::default();
        for (call, kind) in file.calls.iter().zip(&self.kinds[i]) {
            // Cheapest test first: most calls pass no parameter or field.
            if !call.all_args().any(symbolic) {
                continue;
            }
            let Some(caller) = callers.of(self, i, &call.function) else {
                continue;
            };
            if let Some(kind) = *kind {
                let data = sinks::data_args(call, kind);
                if !data.iter().any(|(_, v)| symbolic(v)) {
                    continue;
                }
                let sink = Arc::new(sink_of(
                    call,
                    kind,
                    file,
                    self.hosts,
                    step(call.line, format!("`{}`", call.name)),
                ));
                let values = data.iter().map(|(_, v)| (v.params, v.fields)).collect();
                links.direct.push((caller, sink, values));
                continue;
            }
            let target = *resolved
                .entry(&call.name)
                .or_insert_with(|| self.resolve_call(i, &call.name));
            if let Some(target) = target {
                call_edge(
                    caller,
                    target,
                    call.line,
                    &call.name,
                    &call.args,
                    &call.keywords,
                );
            }
        }
        let mut callers = Callers::default();
        for call in &file.local_calls {
            let carries = call
                .args
                .iter()
                .chain(call.keywords.iter().map(|(_, v)| v))
                .any(symbolic);
            if !carries {
                continue;
            }
            let Some(caller) = callers.of(self, i, &call.function) else {
                continue;
            };
            let Some(target) = self.resolve_local(i, &call.callee, call.bound) else {
                continue;
            };
            call_edge(
                caller,
                target,
                call.line,
                &call.callee,
                &call.args,
                &call.keywords,
            );
        }
        for store in &file.fields {
            if store.value.params == 0 {
                continue;
            }
            let Some(method) = self.function_of(i, &Some(store.function.clone())) else {
                continue;
            };
            links.stores.push(Store {
                method,
                class: (self.module(i).0.clone(), store.class.clone()),
                index: store.index,
                params: store.value.params,
                at: step(
                    store.line,
                    format!("`{}` keeps it in `self.{}`", store.function, store.field),
                ),
            });
        }
        links
    }

    /// File `i`'s calls that hand a credential to a send to a foreign
    /// host, directly or through package functions (at most
    /// [`MAX_HANDOFFS`]).
    fn leaks(&self, i: usize, file: &FileAnalysis, flows: &[Vec<Flow>]) -> Vec<super::Leak> {
        let mut leaks = Vec::new();
        let path: Arc<str> = file.path.as_str().into();
        // The most exposed context of any call in each function, built
        // when first needed.
        let mut contexts: Option<HashMap<&Option<Arc<str>>, ExecContext>> = None;
        let mut fields = HashMap::default();
        let sites = file
            .calls
            .iter()
            .map(|c| {
                let name = Some(&c.name);
                (
                    &c.function,
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
                    .map(|c| (&c.function, &*c.callee, None, c.line, &c.args, &c.keywords)),
            );
        let mut callers = Callers::default();
        for (function, name, qual, line, args, keywords) in sites {
            let local = qual.is_none();
            if leaks.len() >= MAX_HANDOFFS {
                break;
            }
            let carries = args.iter().chain(keywords.iter().map(|(_, v)| v)).any(|v| {
                v.params != 0
                    || v.fields != 0
                    || v.has(
                        taint::SECRET | taint::PROMPTED | taint::USER_FILES | taint::CARRIED_SECRET,
                    )
            });
            if !carries {
                continue;
            }
            let caller = callers.of(self, i, function);
            let credentials = self.credentials(caller, args, keywords, &mut fields);
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
                        leaks.push(super::Leak {
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
                    leaks.push(super::Leak {
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

    /// File `i`'s calls that hand credentials to a function the package
    /// does not define (at most [`MAX_HANDOFFS`]).
    fn handoffs(&self, i: usize, file: &FileAnalysis) -> Vec<Handoff> {
        let mut handoffs = Vec::new();
        let mut fields = HashMap::default();
        let mut callers = Callers::default();
        for (call, kind) in file.calls.iter().zip(&self.kinds[i]) {
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
            let Some(caller) = callers.of(self, i, &call.function) else {
                continue;
            };
            // The rare part first: an argument that is a credential.
            let args = self.credentials(Some(caller), &call.args, &call.keywords, &mut fields);
            if args.is_empty() {
                continue;
            }
            let (module, is_package) = self.module(i);
            let callee = modules::absolute(&call.name, module, is_package);
            if callee.has_unknown_receiver()
                || callee.is_in("builtins")
                || is_library(&callee)
                || modules::resolve(&callee, |m, n| self.lookup(m, n)).is_some()
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

/// Bottom-up to a fixed point: each function's flows through the
/// functions it calls and the fields its class stores.
fn propagate(
    funcs: &[Func<'_>],
    edges: &[Edge],
    stores: &[Store],
    flows: &mut [Vec<Flow>],
    field_sinks: &mut FieldSinks,
) {
    for _ in 0..MAX_ROUNDS {
        let mut changed = false;
        for e in edges {
            // The callee's flows as the edge is reached: what it gains from
            // this very edge (a recursive call) waits for the next round.
            let known = flows[e.callee].len();
            for &(j, params, fields) in &e.args {
                for index in 0..known {
                    let flow = &flows[e.callee][index];
                    if flow.param != j {
                        continue;
                    }
                    let class = funcs[e.caller].info.class.as_ref().filter(|_| fields != 0);
                    // Most edges bring nothing new after the first round:
                    // no chain is built for them.
                    let caller = &flows[e.caller];
                    let new_param =
                        taint::indexes(u32::from(params)).any(|p| lacks(caller, p, &flow.sink));
                    if !new_param && class.is_none() {
                        continue;
                    }
                    let sink = flow.sink.clone();
                    let mut chain = vec![e.at.clone()];
                    chain.extend(flow.chain.iter().cloned());
                    for p in taint::indexes(u32::from(params)) {
                        changed |= push_flow(
                            &mut flows[e.caller],
                            Flow {
                                param: p,
                                sink: sink.clone(),
                                chain: chain.clone(),
                            },
                        );
                    }
                    if let Some(class) = class {
                        for k in taint::indexes(u32::from(fields)) {
                            let sinks = field_sinks
                                .entry((
                                    (Arc::clone(funcs[e.caller].module), class.clone()),
                                    k as u8,
                                ))
                                .or_default();
                            if sinks.len() < MAX_FLOWS && !sinks.iter().any(|(s, _)| *s == sink) {
                                sinks.push((sink.clone(), chain.clone()));
                                changed = true;
                            }
                        }
                    }
                }
            }
        }
        for s in stores {
            let Some(sinks) = field_sinks.get(&(s.class.clone(), s.index)) else {
                continue;
            };
            for (sink, chain) in sinks {
                if !taint::indexes(u32::from(s.params)).any(|p| lacks(&flows[s.method], p, sink)) {
                    continue;
                }
                let mut full = vec![s.at.clone()];
                full.extend(chain.iter().cloned());
                for p in taint::indexes(u32::from(s.params)) {
                    changed |= push_flow(
                        &mut flows[s.method],
                        Flow {
                            param: p,
                            sink: sink.clone(),
                            chain: full.clone(),
                        },
                    );
                }
            }
        }
        if !changed {
            break;
        }
    }
}

/// [`push_flow`] would add a flow from parameter `param` to `sink`.
fn lacks(flows: &[Flow], param: usize, sink: &Arc<Sink>) -> bool {
    flows.len() < MAX_FLOWS && !flows.iter().any(|f| f.param == param && f.sink == *sink)
}

fn sink_of(
    call: &crate::python::Call,
    kind: SinkKind,
    file: &FileAnalysis,
    hosts: &Hosts,
    at: Step,
) -> Sink {
    let url = sinks::destination(call);
    let host = url.and_then(sinks::host_of);
    let foreign = match (kind, url, host) {
        (SinkKind::Send, Some(url), Some(host)) => {
            hosts.foreign(url, host, &file.source, call.silenced)
        }
        _ => None,
    };
    Sink {
        kind,
        name: call.name.clone(),
        host: host.map(Arc::from),
        foreign: foreign.map(Arc::from),
        silenced: call.silenced,
        at,
    }
}

/// Adds a flow unless the function has it (same parameter and sink) or
/// has [`MAX_FLOWS`] already; says whether it was added.
fn push_flow(flows: &mut Vec<Flow>, flow: Flow) -> bool {
    if flows.len() >= MAX_FLOWS
        || flows
            .iter()
            .any(|f| f.param == flow.param && f.sink == flow.sink)
    {
        return false;
    }
    flows.push(flow);
    true
}

/// The callee parameter each argument carrying a parameter or field of
/// the caller binds, with what it carries.
fn edge_args(
    (callee, skip): (usize, usize),
    funcs: &[Func<'_>],
    args: &[Value],
    keywords: &[(Arc<str>, Value)],
) -> Vec<(usize, u16, u8)> {
    let params = &funcs[callee].info.params;
    let mut mapped = Vec::new();
    for (slot, v) in slots(args, keywords) {
        if v.params == 0 && v.fields == 0 {
            continue;
        }
        let j = match slot {
            ArgSlot::Position(i) => i + skip,
            ArgSlot::Keyword(k) => match params.iter().position(|p| *p == k) {
                Some(j) => j,
                None => continue,
            },
        };
        mapped.push((j, v.params, v.fields));
    }
    mapped
}

/// The callee parameter an argument slot binds.
pub(super) fn param_index(slot: &ArgSlot, skip: usize, params: &[Arc<str>]) -> Option<usize> {
    match slot {
        ArgSlot::Position(i) => Some(i + skip),
        ArgSlot::Keyword(k) => params.iter().position(|p| p == k),
    }
}

/// Bit `i` for each of the first 16 parameters named as a credential.
fn credential_params(params: &[Arc<str>]) -> u16 {
    params
        .iter()
        .take(16)
        .enumerate()
        .filter(|(_, p)| names::is_credential_name(p))
        .fold(0, |mask, (i, _)| mask | 1 << i)
}

pub(super) fn slots<'v>(
    args: &'v [Value],
    keywords: &'v [(Arc<str>, Value)],
) -> impl Iterator<Item = (ArgSlot, &'v Value)> {
    args.iter()
        .enumerate()
        .map(|(i, v)| (ArgSlot::Position(i), v))
        .chain(
            keywords
                .iter()
                .map(|(k, v)| (ArgSlot::Keyword(k.clone()), v)),
        )
}

pub(super) fn class_fields(
    class: Option<&str>,
    stores: &[crate::python::FieldStore],
    params_of: impl Fn(&Arc<str>) -> Option<Vec<Arc<str>>>,
) -> Vec<(Arc<str>, bool)> {
    let Some(class) = class else {
        return Vec::new();
    };
    let mut fields: Vec<(Arc<str>, bool)> = Vec::new();
    for s in stores.iter().filter(|s| &*s.class == class) {
        let i = s.index as usize;
        if fields.len() <= i {
            fields.resize(i + 1, (Arc::from(""), false));
        }
        let from_param = params_of(&s.function).is_some_and(|params| {
            taint::indexes(u32::from(s.value.params))
                .any(|p| params.get(p).is_some_and(|n| names::is_credential_name(n)))
        });
        let credential = fields[i].1
            || names::is_credential_name(&s.field)
            || from_param
            || s.value
                .has(taint::SECRET | taint::PROMPTED | taint::USER_FILES);
        fields[i] = (s.field.clone(), credential);
    }
    fields
}

/// Libraries a credential is handed to in the ordinary course: the
/// standard library's HTTP, hashing and encoding, and well-known clients.
fn is_library(callee: &QualName) -> bool {
    const LIBRARIES: &[&str] = &[
        "os",
        "sys",
        "json",
        "base64",
        "hashlib",
        "hmac",
        "binascii",
        "urllib",
        "http",
        "logging",
        "requests",
        "httpx",
        "aiohttp",
        "urllib3",
        "boto3",
        "botocore",
        "jwt",
        "cryptography",
        "typing",
        "dataclasses",
        "collections",
        "functools",
        "re",
        "time",
        "datetime",
        "warnings",
        "pydantic",
        "str",
        "bytes",
        "dict",
        "list",
        "getpass",
        "keyring",
        "configparser",
        "pathlib",
        "shutil",
        "io",
        "socket",
        "ssl",
        "threading",
        "asyncio",
        "tempfile",
        "zipfile",
        "tarfile",
        "csv",
        "pickle",
        "copy",
        "itertools",
        "math",
        "random",
        "string",
        "struct",
        "uuid",
        "platform",
        "textwrap",
        "contextlib",
        "abc",
        "enum",
        "inspect",
        "traceback",
        "types",
        "weakref",
        "queue",
        "signal",
        "email",
        "smtplib",
        "ftplib",
        "secrets",
        "codecs",
        "bytearray",
        "builtins",
        "subprocess",
        "yaml",
        "toml",
        "tomllib",
        "click",
        "typer",
        "argparse",
        "google",
        "azure",
        "oauthlib",
        "requests_oauthlib",
        "authlib",
        "paramiko",
        "sqlalchemy",
        "psycopg2",
        "pymysql",
        "redis",
        "pymongo",
        "nacl",
        "Crypto",
        "web3",
        "eth_account",
        "openai",
        "anthropic",
        "stripe",
        "github",
        "gitlab",
        "slack_sdk",
    ];
    callee
        .top_module()
        .is_some_and(|top| LIBRARIES.contains(&top))
}
