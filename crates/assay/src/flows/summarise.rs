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
use crate::python::{FileAnalysis, FileRole, FunctionInfo, QualName, Segment, Value, names, taint};

mod leaks;

/// A function of the package.
struct Func<'a> {
    file: usize,
    /// Borrowed from the file's module: a package has tens of thousands
    /// of functions, and a reference count each is not free.
    module: &'a Arc<str>,
    info: &'a FunctionInfo,
    /// The method's class, numbered.
    class: Option<ClassId>,
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
    at: CallSite,
}

/// Where an edge's call is. It is made into a [`Step`] only when a flow
/// crosses the edge: most edges never carry one, and the text is a
/// `format!` each.
struct CallSite {
    path: Arc<str>,
    line: u32,
    callee: Callee,
}

/// The name a call site calls a package function by.
enum Callee {
    /// A resolved name (`util.send`, `.core.Checker`).
    Qualified(QualName),
    /// A function or class of the same file (`helper`, `Class.method`).
    Local(Arc<str>),
}

impl CallSite {
    /// The evidence step: `caller` calls the callee here.
    fn step(&self, caller: &str) -> Step {
        let what = match &self.callee {
            Callee::Qualified(name) => format!("`{caller}` calls `{name}`"),
            Callee::Local(name) => format!("`{caller}` calls `{name}`"),
        };
        Step {
            path: self.path.clone(),
            line: self.line,
            what: what.into(),
        }
    }
}

/// `self.NAME = value` in a method, from the method's parameters.
struct Store {
    method: usize,
    class: ClassId,
    index: u8,
    params: u16,
    at: Step,
}

/// No function: the end of a chain of indexes.
const NONE: u32 = u32::MAX;

/// A class of the package, numbered (see [`Package::class_ids`]).
type ClassId = u32;
/// The sinks each field of a class reaches, with the chain to each.
type FieldSinks = HashMap<(ClassId, u8), Vec<(Arc<Sink>, Vec<Step>)>>;

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
    let mut package = Package::new(python, &file_modules, &kinds, &hosts);
    let mut callers: Vec<FileCallers> = python.iter().map(|_| FileCallers::default()).collect();
    let found: Vec<(usize, FileCallers)> = package
        .files
        .par_iter()
        .map(|&(i, _)| (i, FileCallers::of(&package, i)))
        .collect();
    for (i, file_callers) in found {
        callers[i] = file_callers;
    }
    package.callers = callers;

    // Direct sinks, edges and stores, gathered file by file in parallel
    // and applied in file order.
    let gathered: Vec<Links> = package
        .files
        .par_iter()
        .map(|&(i, file)| package.links(i, file))
        .collect();
    let mut flows: Vec<Vec<Flow>> = vec![Vec::new(); package.funcs.len()];
    let mut field_sinks: FieldSinks = HashMap::default();
    let mut edges: Vec<Edge> = Vec::with_capacity(gathered.iter().map(|l| l.edges.len()).sum());
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
                if let Some(class) = package.funcs[caller].class {
                    for k in taint::indexes(u32::from(fields)) {
                        field_sinks
                            .entry((class, k as u8))
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
        // The walker follows a copy's path to its upload too; the staged
        // leak names what was copied, and replaces it.
        if file_leaks.is_empty() {
            continue;
        }
        leaks.retain(|l| {
            !file_leaks
                .iter()
                .any(|s| s.sink.at.path == l.sink.at.path && s.sink.at.line == l.sink.at.line)
        });
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

/// The package function each call of one file is made in (`None` at
/// module level), worked out once for every pass. The calls of a
/// function come one after another and share its name, so a run of them
/// is looked up once.
#[derive(Default)]
struct FileCallers {
    calls: Vec<Option<u32>>,
    local_calls: Vec<Option<u32>>,
}

impl FileCallers {
    fn of(package: &Package<'_>, file: usize) -> FileCallers {
        let analysis = &package.python[file];
        let each = |functions: &mut dyn Iterator<Item = &Option<Arc<str>>>| {
            let mut last: Option<(&Arc<str>, Option<u32>)> = None;
            functions
                .map(|function| {
                    let name = function.as_ref()?;
                    if let Some((previous, found)) = last
                        && Arc::ptr_eq(previous, name)
                    {
                        return found;
                    }
                    let found = package
                        .function_of(file, function)
                        .and_then(|f| u32::try_from(f).ok());
                    last = Some((name, found));
                    found
                })
                .collect()
        };
        FileCallers {
            calls: each(&mut analysis.calls.iter().map(|c| &c.function)),
            local_calls: each(&mut analysis.local_calls.iter().map(|c| &c.function)),
        }
    }
}

/// A direct sink: the calling function, the sink, and what each data
/// argument carries (parameter bits, field bits).
type DirectSink = (usize, Arc<Sink>, Vec<(u16, u8)>);

/// A field of a class: its name, and whether it holds a credential.
type Field = (Arc<str>, bool);

/// A class's fields, in the order of their bits.
type Fields = [Field];

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
    /// `pkg.util`): the last function of each name, and for each function
    /// the one of the same name before it (a chain, without a list per
    /// name: the standard library has 60,000 functions).
    by_name: HashMap<&'a str, u32>,
    same_name_before: Vec<u32>,
    known_modules: HashSet<&'a str>,
    /// The first segment of each module (`pkg` of `pkg.core`): a name
    /// under no other can name a package function.
    top_modules: HashSet<&'a str>,
    /// The fields of each class that stores any, by file and class name,
    /// worked out on first use and shared by every pass and method.
    class_fields: HashMap<(usize, &'a str), std::sync::OnceLock<Vec<Field>>>,
    /// Each class that defines methods, by module and name: a number, so
    /// that the fixed point keys its fields without hashing names.
    class_ids: HashMap<(&'a str, &'a str), ClassId>,
    /// Each file's [`FileCallers`], by file index (empty for scripts).
    callers: Vec<FileCallers>,
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
        let mut class_ids: HashMap<(&str, &str), ClassId> = HashMap::default();
        for &(i, f) in &files {
            let Some((module, _)) = &modules[i] else {
                continue;
            };
            for info in &f.functions {
                index.entry((&**module, &*info.name)).or_insert(funcs.len());
                let class = info.class.as_deref().map(|class| {
                    let next = ClassId::try_from(class_ids.len()).unwrap_or(ClassId::MAX);
                    *class_ids.entry((&**module, class)).or_insert(next)
                });
                funcs.push(Func {
                    file: i,
                    module,
                    info,
                    class,
                    credential_params: std::sync::OnceLock::new(),
                });
            }
        }
        let mut by_name: HashMap<&str, u32> =
            HashMap::with_capacity_and_hasher(funcs.len(), Default::default());
        let mut same_name_before = vec![NONE; funcs.len()];
        for (i, f) in funcs.iter().enumerate() {
            let i = u32::try_from(i).unwrap_or(NONE);
            if let Some(before) = by_name.insert(&f.info.name, i) {
                same_name_before[i as usize] = before;
            }
        }
        let known_modules: HashSet<&str> = modules.iter().flatten().map(|(m, _)| &**m).collect();
        let top_modules = known_modules
            .iter()
            .map(|m| m.split('.').next().unwrap_or(m))
            .collect();
        let class_fields = files
            .iter()
            .flat_map(|&(i, f)| {
                f.fields
                    .iter()
                    .map(move |s| ((i, &*s.class), Default::default()))
            })
            .collect();
        Package {
            python,
            files,
            modules,
            kinds,
            hosts,
            funcs,
            index,
            by_name,
            same_name_before,
            known_modules,
            top_modules,
            class_fields,
            class_ids,
            callers: Vec::new(),
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
            let mut found = self.same_name(name).filter(|&i| {
                self.funcs[i]
                    .module
                    .strip_prefix(module)
                    .is_some_and(|r| r.starts_with('.'))
            });
            let first = found.next()?;
            found.next().is_none().then_some(first)
        })
    }

    /// Every function named `name`, in any module.
    fn same_name(&self, name: &str) -> impl Iterator<Item = usize> {
        let last = self.by_name.get(name).copied().unwrap_or(NONE);
        std::iter::successors((last != NONE).then_some(last), |&i| {
            let before = self.same_name_before[i as usize];
            (before != NONE).then_some(before)
        })
        .map(|i| i as usize)
    }

    /// The package function `name` is, in `file`'s module.
    fn function_of(&self, file: usize, name: &Option<Arc<str>>) -> Option<usize> {
        let name = name.as_ref()?;
        self.index.get(&(&**self.module(file).0, &**name)).copied()
    }

    /// A package function a call names, with the parameters it skips.
    fn resolve_call(&self, file: usize, name: &QualName) -> Option<(usize, usize)> {
        // Most calls name a library (`os.path.join`): rejected before any
        // name is built.
        if let Some(Segment::Name(first)) = name.segments().first()
            && !self.top_modules.contains(&**first)
        {
            return None;
        }
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
    fn fields_of(&self, f: usize) -> &Fields {
        let func = &self.funcs[f];
        let Some(cell) = func
            .info
            .class
            .as_deref()
            .and_then(|class| self.class_fields.get(&(func.file, class)))
        else {
            return &[];
        };
        cell.get_or_init(|| {
            class_fields(
                func.info.class.as_deref(),
                &self.python[func.file].fields,
                |method| {
                    self.index
                        .get(&(&**func.module, method))
                        .map(|&m| &*self.funcs[m].info.params)
                },
            )
        })
    }

    /// The credentials among `args` and `keywords` of a call made by
    /// `caller`; the class fields are built (once per class) only when an
    /// argument carries a field.
    fn credentials(
        &self,
        caller: Option<usize>,
        args: &[Value],
        keywords: &[(Arc<str>, Value)],
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
                let fields: &Fields = if carries_field {
                    self.fields_of(c)
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
                             callee: Callee,
                             args: &[Value],
                             keywords: &[(Arc<str>, Value)]| {
            let mapped = edge_args(target, &self.funcs, args, keywords);
            if !mapped.is_empty() {
                links.edges.push(Edge {
                    caller,
                    callee: target.0,
                    args: mapped,
                    at: CallSite {
                        path: path.clone(),
                        line,
                        callee,
                    },
                });
            }
        };
        let symbolic = |v: &Value| v.params != 0 || v.fields != 0;
        // Each callee name resolved once per file.
        let mut resolved: HashMap<&QualName, Option<(usize, usize)>> = HashMap::default();
        let callers = &self.callers[i];
        for ((call, kind), caller) in file.calls.iter().zip(&self.kinds[i]).zip(&callers.calls) {
            // Cheapest test first: most calls pass no parameter or field.
            if !call.all_args().any(symbolic) {
                continue;
            }
            let Some(caller) = caller.map(|c| c as usize) else {
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
                    Callee::Qualified(call.name.clone()),
                    &call.args,
                    &call.keywords,
                );
            }
        }
        for (call, caller) in file.local_calls.iter().zip(&callers.local_calls) {
            let carries = call
                .args
                .iter()
                .chain(call.keywords.iter().map(|(_, v)| v))
                .any(symbolic);
            if !carries {
                continue;
            }
            let Some(caller) = caller.map(|c| c as usize) else {
                continue;
            };
            let Some(target) = self.resolve_local(i, &call.callee, call.bound) else {
                continue;
            };
            call_edge(
                caller,
                target,
                call.line,
                Callee::Local(call.callee.clone()),
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
            // A class with no method reaches no sink through its fields.
            let Some(&class) = self.class_ids.get(&(&**self.module(i).0, &*store.class)) else {
                continue;
            };
            links.stores.push(Store {
                method,
                class,
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
                    let class = funcs[e.caller].class.filter(|_| fields != 0);
                    // Most edges bring nothing new after the first round:
                    // no chain is built for them.
                    let caller = &flows[e.caller];
                    let new_param =
                        taint::indexes(u32::from(params)).any(|p| lacks(caller, p, &flow.sink));
                    let new_field = class.is_some_and(|class| {
                        taint::indexes(u32::from(fields)).any(|k| {
                            field_sinks
                                .get(&(class, k as u8))
                                .is_none_or(|sinks| lacks_sink(sinks, &flow.sink))
                        })
                    });
                    if !new_param && !new_field {
                        continue;
                    }
                    let sink = flow.sink.clone();
                    let mut chain = vec![e.at.step(&funcs[e.caller].info.name)];
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
                            let sinks = field_sinks.entry((class, k as u8)).or_default();
                            if lacks_sink(sinks, &sink) {
                                sinks.push((sink.clone(), chain.clone()));
                                changed = true;
                            }
                        }
                    }
                }
            }
        }
        for s in stores {
            let Some(sinks) = field_sinks.get(&(s.class, s.index)) else {
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

/// A field's sinks would take `sink`: it is not among them, and there is
/// room.
fn lacks_sink(sinks: &[(Arc<Sink>, Vec<Step>)], sink: &Arc<Sink>) -> bool {
    sinks.len() < MAX_FLOWS && !sinks.iter().any(|(s, _)| s == sink)
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
        (SinkKind::Send, Some(_), Some(host)) if sinks::dns_query(call).is_some() => {
            (!hosts.is_own(host)).then_some(super::hosts::NAME_SERVER)
        }
        (SinkKind::Send, Some(url), Some(host)) => hosts
            .foreign(url, host, &file.source, call.silenced)
            .or_else(|| {
                super::hosts::author_account(host, file.strings.iter().map(|s| &*s.value))
                    .then_some(super::hosts::AUTHOR_ACCOUNT)
            }),
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
        if let Some(j) = param_index(&slot, skip, params) {
            mapped.push((j, v.params, v.fields));
        }
    }
    mapped
}

/// The callee parameter an argument slot binds, `skip` leading ones
/// (`self`) aside: a named one, else `*args` or `**kwargs` when the
/// function has them (`params` is in the order of
/// [`crate::python::FunctionInfo::params`]).
pub(super) fn param_index(slot: &ArgSlot, skip: usize, params: &[Arc<str>]) -> Option<usize> {
    // `*args` or `**kwargs`; not the bare `*` of `def f(a, *, b)`.
    let collects = |stars: &str| {
        params.iter().position(|p| {
            p.strip_prefix(stars)
                .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('*'))
        })
    };
    match slot {
        ArgSlot::Position(i) => {
            let positional = params.iter().take_while(|p| !p.starts_with('*')).count();
            let j = i + skip;
            if j < positional {
                Some(j)
            } else {
                collects("*")
            }
        }
        ArgSlot::Keyword(k) => params
            .iter()
            .position(|p| p == k)
            .or_else(|| collects("**")),
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

fn class_fields<'p>(
    class: Option<&str>,
    stores: &[crate::python::FieldStore],
    params_of: impl Fn(&str) -> Option<&'p [Arc<str>]>,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn params(names: &[&str]) -> Vec<Arc<str>> {
        names.iter().map(|n| Arc::from(*n)).collect()
    }

    #[test]
    fn arguments_bind_named_parameters_then_the_star_ones() {
        let f = params(&["self", "a", "*rest", "flag", "**extra"]);
        let at = |slot: ArgSlot| param_index(&slot, 1, &f);
        assert_eq!(at(ArgSlot::Position(0)), Some(1));
        assert_eq!(at(ArgSlot::Position(1)), Some(2));
        assert_eq!(at(ArgSlot::Position(5)), Some(2));
        assert_eq!(at(ArgSlot::Keyword("flag".into())), Some(3));
        assert_eq!(at(ArgSlot::Keyword("other".into())), Some(4));
        // `def g(a, *, b)`: the bare star collects nothing.
        let g = params(&["a", "*", "b"]);
        assert_eq!(param_index(&ArgSlot::Position(1), 0, &g), None);
        assert_eq!(param_index(&ArgSlot::Keyword("c".into()), 0, &g), None);
        assert_eq!(param_index(&ArgSlot::Keyword("b".into()), 0, &g), Some(2));
    }
}
