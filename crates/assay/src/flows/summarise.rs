//! Per-package summaries: which parameter of each function reaches which
//! sink, propagated bottom-up over the package's call graph.

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
    module: Arc<str>,
    info: &'a FunctionInfo,
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
    let files: Vec<(usize, &FileAnalysis)> = python
        .iter()
        .enumerate()
        .filter(|(_, f)| f.role != Some(FileRole::Script))
        .collect();
    let hosts = Hosts::of(python, metadata);
    let file_modules: HashMap<usize, (Arc<str>, bool)> = files
        .iter()
        .map(|&(i, f)| {
            let module: Arc<str> = modules::module_of(&f.path).into();
            (i, (module, f.path.ends_with("__init__.py")))
        })
        .collect();
    let mut funcs: Vec<Func<'_>> = Vec::new();
    // Keyed by borrowed names: a look-up allocates nothing.
    let mut index: HashMap<(&str, &str), usize> = HashMap::default();
    for &(i, f) in &files {
        let module = &file_modules[&i].0;
        for info in &f.functions {
            index.entry((&**module, &*info.name)).or_insert(funcs.len());
            funcs.push(Func {
                file: i,
                module: module.clone(),
                info,
            });
        }
    }
    // Definitions by name, and the modules the package defines, for
    // re-exports (`pkg.send` defined in `pkg.util`).
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::default();
    for (i, f) in funcs.iter().enumerate() {
        by_name.entry(&f.info.name).or_default().push(i);
    }
    let known_modules: HashSet<&str> = file_modules.values().map(|(m, _)| &**m).collect();
    let lookup = |module: &str, name: &str| -> Option<usize> {
        if !known_modules.contains(module) {
            return None;
        }
        index.get(&(module, name)).copied().or_else(|| {
            let mut found = by_name.get(name)?.iter().copied().filter(|&i| {
                funcs[i]
                    .module
                    .strip_prefix(module)
                    .is_some_and(|r| r.starts_with('.'))
            });
            let first = found.next()?;
            found.next().is_none().then_some(first)
        })
    };
    let function_of = |file: usize, name: &Option<Arc<str>>| -> Option<usize> {
        let name = name.as_ref()?;
        index.get(&(&*file_modules[&file].0, &**name)).copied()
    };
    let ids: Vec<usize> = (0..funcs.len()).collect();
    // A package function a call names, with the parameters it skips.
    let resolve_call = |file: usize, name: &QualName| -> Option<(usize, usize)> {
        let (module, is_package) = &file_modules[&file];
        let absolute = modules::absolute(name, module, *is_package);
        modules::resolve(&absolute, |m, n| lookup(m, n).map(|i| &ids[i]))
            .map(|(i, skip)| (*i, skip))
    };

    let mut flows: Vec<Vec<Flow>> = vec![Vec::new(); funcs.len()];

    // Direct sinks, edges and stores.
    let mut field_sinks: FieldSinks = HashMap::default();
    let mut edges: Vec<Edge> = Vec::new();
    let mut stores: Vec<Store> = Vec::new();
    for &(i, file) in &files {
        let path: Arc<str> = file.path.as_str().into();
        let step = |line: u32, what: String| Step {
            path: path.clone(),
            line,
            what: what.into(),
        };
        // The call-graph edge of a call from `caller` to a package function.
        let call_edge = |caller: usize,
                         (callee, skip): (usize, usize),
                         line: u32,
                         named: &dyn std::fmt::Display,
                         args: &[Value],
                         keywords: &[(Arc<str>, Value)]| {
            let at = step(
                line,
                format!("`{}` calls `{named}`", funcs[caller].info.name),
            );
            edge(caller, callee, skip, &funcs, args, keywords, at)
        };
        for call in &file.calls {
            let caller = function_of(i, &call.function);
            if let Some(kind) = sinks::kind(call) {
                let symbolic = sinks::data_args(call, kind)
                    .iter()
                    .any(|(_, v)| v.params != 0 || v.fields != 0);
                if !symbolic || caller.is_none() {
                    continue;
                }
                let sink = Arc::new(sink_of(
                    call,
                    kind,
                    file,
                    &hosts,
                    step(call.line, format!("`{}`", call.name)),
                ));
                for (_, value) in sinks::data_args(call, kind) {
                    if let Some(caller) = caller {
                        for p in taint::indexes(u32::from(value.params)) {
                            push_flow(
                                &mut flows[caller],
                                Flow {
                                    param: p,
                                    sink: sink.clone(),
                                    chain: Vec::new(),
                                },
                            );
                        }
                        if let Some(class) = &funcs[caller].info.class {
                            for k in taint::indexes(u32::from(value.fields)) {
                                field_sinks
                                    .entry(((funcs[caller].module.clone(), class.clone()), k as u8))
                                    .or_default()
                                    .push((sink.clone(), Vec::new()));
                            }
                        }
                    }
                }
                continue;
            }
            if let (Some(caller), Some(target)) = (caller, resolve_call(i, &call.name)) {
                edges.push(call_edge(
                    caller,
                    target,
                    call.line,
                    &call.name,
                    &call.args,
                    &call.keywords,
                ));
            }
        }
        for call in &file.local_calls {
            let Some(caller) = function_of(i, &call.function) else {
                continue;
            };
            let module = &file_modules[&i].0;
            let target = match (
                lookup(module, &call.callee),
                lookup(module, &format!("{}.__init__", call.callee)),
            ) {
                (Some(c), _) => (c, usize::from(call.bound && funcs[c].info.class.is_some())),
                (None, Some(c)) => (c, 1),
                _ => continue,
            };
            edges.push(call_edge(
                caller,
                target,
                call.line,
                &call.callee,
                &call.args,
                &call.keywords,
            ));
        }
        for store in &file.fields {
            let Some(method) = function_of(i, &Some(store.function.clone())) else {
                continue;
            };
            stores.push(Store {
                method,
                class: (file_modules[&i].0.clone(), store.class.clone()),
                index: store.index,
                params: store.value.params,
                at: step(
                    store.line,
                    format!("`{}` keeps it in `self.{}`", store.function, store.field),
                ),
            });
        }
    }

    // Bottom-up to a fixed point.
    for _ in 0..MAX_ROUNDS {
        let mut changed = false;
        for e in &edges {
            let callee_flows = flows[e.callee].clone();
            for &(j, params, fields) in &e.args {
                for flow in callee_flows.iter().filter(|f| f.param == j) {
                    let mut chain = vec![e.at.clone()];
                    chain.extend(flow.chain.iter().cloned());
                    for p in taint::indexes(u32::from(params)) {
                        changed |= push_flow(
                            &mut flows[e.caller],
                            Flow {
                                param: p,
                                sink: flow.sink.clone(),
                                chain: chain.clone(),
                            },
                        );
                    }
                    if let Some(class) = funcs[e.caller].info.class.clone() {
                        for k in taint::indexes(u32::from(fields)) {
                            let sinks = field_sinks
                                .entry(((funcs[e.caller].module.clone(), class.clone()), k as u8))
                                .or_default();
                            if sinks.len() < MAX_FLOWS
                                && !sinks.iter().any(|(s, _)| *s == flow.sink)
                            {
                                sinks.push((flow.sink.clone(), chain.clone()));
                                changed = true;
                            }
                        }
                    }
                }
            }
        }
        for s in &stores {
            let Some(sinks) = field_sinks.get(&(s.class.clone(), s.index)) else {
                continue;
            };
            for (sink, chain) in sinks.clone() {
                let mut full = vec![s.at.clone()];
                full.extend(chain);
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

    // The fields of a function's class, each with whether it holds a
    // credential (named as one, or stored from a parameter named as one).
    let fields_of = |f: usize| -> Vec<(Arc<str>, bool)> {
        let func = &funcs[f];
        class_fields(
            func.info.class.as_deref(),
            &python[func.file].fields,
            |method| {
                index
                    .get(&(&*func.module, method))
                    .map(|&m| funcs[m].info.params.clone())
            },
        )
    };

    // Credentials reaching a send to a foreign host.
    let mut leaks: Vec<super::Leak> = Vec::new();
    for &(i, file) in &files {
        let path: Arc<str> = file.path.as_str().into();
        // The most exposed context of any call in each function.
        let mut contexts: HashMap<&Option<Arc<str>>, ExecContext> = HashMap::default();
        for c in &file.calls {
            let entry = contexts.entry(&c.function).or_insert(c.context);
            *entry = (*entry).max(c.context);
        }
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
        for (function, name, qual, line, args, keywords) in sites {
            let local = qual.is_none();
            if leaks.len() >= MAX_HANDOFFS {
                break;
            }
            let carries = slots(args, keywords).any(|(_, v)| {
                v.params != 0
                    || v.fields != 0
                    || v.has(taint::SECRET | taint::PROMPTED | taint::USER_FILES)
            });
            if !carries {
                continue;
            }
            let caller = function_of(i, function);
            let (params, fields) = match caller {
                Some(c) => (funcs[c].info.params.clone(), fields_of(c)),
                None => (Vec::new(), Vec::new()),
            };
            let credentials: Vec<(ArgSlot, Arc<str>)> = slots(args, keywords)
                .filter_map(|(slot, v)| Some((slot, super::credential_of(v, &params, &fields)?)))
                .collect();
            if credentials.is_empty() {
                continue;
            }
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
                && let Some(call) = file
                    .calls
                    .iter()
                    .find(|c| c.line == line && Some(&c.name) == qual)
                && let Some(kind @ SinkKind::Send) = sinks::kind(call)
            {
                let sink = sink_of(call, kind, file, &hosts, at.clone());
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
                let module = &file_modules[&i].0;
                match (
                    lookup(module, name),
                    lookup(module, &format!("{name}.__init__")),
                ) {
                    (Some(c), _) => Some((
                        c,
                        usize::from(funcs[c].info.class.is_some() && name.contains('.')),
                    )),
                    (None, Some(c)) => Some((c, 1)),
                    _ => None,
                }
            } else {
                qual.and_then(|qual| resolve_call(i, qual))
            };
            let Some((callee, skip)) = resolved else {
                continue;
            };
            for (slot, credential) in &credentials {
                let Some(j) = param_index(slot, skip, &funcs[callee].info.params) else {
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
    }

    for &(_, file) in &files {
        if leaks.len() < MAX_HANDOFFS {
            super::staging::leaks(file, &hosts, &mut leaks);
        }
    }

    // Credentials handed to code outside the package.
    let mut handoffs = Vec::new();
    for &(i, file) in &files {
        for call in &file.calls {
            if handoffs.len() >= MAX_HANDOFFS
                || !call.all_args().any(|v| {
                    v.params != 0
                        || v.fields != 0
                        || v.has(taint::SECRET | taint::PROMPTED | taint::USER_FILES)
                })
                || sinks::kind(call).is_some()
                || resolve_call(i, &call.name).is_some()
            {
                continue;
            }
            let Some(caller) = function_of(i, &call.function) else {
                continue;
            };
            let (module, is_package) = &file_modules[&i];
            let callee = modules::absolute(&call.name, module, *is_package);
            if callee.has_unknown_receiver() || callee.is_in("builtins") || is_library(&callee) {
                continue;
            }
            let fields = fields_of(caller);
            let args: Vec<(ArgSlot, Arc<str>)> = slots(&call.args, &call.keywords)
                .filter_map(|(slot, v)| {
                    Some((
                        slot,
                        super::credential_of(v, &funcs[caller].info.params, &fields)?,
                    ))
                })
                .collect();
            if !args.is_empty() {
                handoffs.push(Handoff {
                    callee,
                    args,
                    at: Step {
                        path: file.path.as_str().into(),
                        line: call.line,
                        what: format!("`{}` calls `{}`", funcs[caller].info.name, call.name).into(),
                    },
                    context: call.context,
                });
            }
        }
    }

    let mut modules_defined: Vec<Arc<str>> = file_modules
        .values()
        .filter_map(|(m, _)| m.split('.').next().filter(|s| !s.is_empty()).map(Arc::from))
        .collect();
    modules_defined.sort();
    modules_defined.dedup();
    PackageFlows {
        summaries: funcs
            .iter()
            .zip(flows)
            .filter(|(_, flows)| !flows.is_empty())
            .map(|(f, flows)| Summary {
                module: f.module.clone(),
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

fn edge(
    caller: usize,
    callee: usize,
    skip: usize,
    funcs: &[Func<'_>],
    args: &[Value],
    keywords: &[(Arc<str>, Value)],
    at: Step,
) -> Edge {
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
    Edge {
        caller,
        callee,
        args: mapped,
        at,
    }
}

/// The callee parameter an argument slot binds.
pub(super) fn param_index(slot: &ArgSlot, skip: usize, params: &[Arc<str>]) -> Option<usize> {
    match slot {
        ArgSlot::Position(i) => Some(i + skip),
        ArgSlot::Keyword(k) => params.iter().position(|p| p == k),
    }
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
