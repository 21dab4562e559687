//! Walking pickle opcodes without unpickling.
//!
//! A pickle is a program for a small stack machine; unpickling runs it, and
//! its `REDUCE`, `INST`, `OBJ`, `NEWOBJ` and `BUILD` opcodes call whatever
//! callable `GLOBAL`, `INST` or `STACK_GLOBAL` imported. This module runs
//! that machine symbolically: values are strings, imported globals, tuples
//! of values, or unknown; the memo is kept (`PUT`, `BINPUT`, `MEMOIZE`,
//! `GET`, `BINGET`), so a `STACK_GLOBAL` whose module and name come out of
//! the memo, or out of a string built by an earlier call, is still
//! resolved. Every protocol (0 to 5) is read; pickles that follow one
//! another in a file (torch's legacy format) are each walked. The numpy
//! arrays `joblib.dump` writes inline, after a `NumpyArrayWrapper`'s
//! `BUILD`, are skipped as `joblib.load` reads them (raw bytes), or walked
//! (a nested pickle of Python objects): see [`super::joblib_arrays`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use super::joblib_arrays::{self, Alignment, Dtype, DtypeState, Payload, WrapperState};

/// One callable a pickle imports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickleGlobal {
    /// `os`, `builtins`, `__builtin__`, `torch._utils`.
    pub module: Arc<str>,
    /// `system`, `_rebuild_tensor_v2`.
    pub name: Arc<str>,
    /// Called when the pickle loads (through `REDUCE`, `INST`, `OBJ`,
    /// `NEWOBJ`), or handed as an argument to a call.
    pub called: bool,
    /// The first string argument of the call, when there is one
    /// (`os.system("curl … | sh")`).
    pub argument: Option<String>,
    /// Byte offset of the opcode that imported it.
    pub offset: usize,
}

impl PickleGlobal {
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.module, self.name)
    }
}

/// What walking one pickle stream found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PickleScan {
    /// The highest protocol announced by `PROTO` (0 when none is).
    pub protocol: u8,
    pub globals: Vec<PickleGlobal>,
    /// Pickles found one after another in the stream.
    pub pickles: usize,
    /// Why the walk stopped early, when it did (an unknown opcode, a
    /// truncated argument, a joblib array it cannot measure).
    pub stopped: Option<String>,
}

/// What a pickle does when loaded, written as the Python it amounts to
/// (`import posix` / `posix.system('id')`), for the analysis of pickles
/// that code decodes and loads (`pickle.loads(base64.b64decode(…))`).
pub fn to_python(scan: &PickleScan) -> String {
    let mut out = String::new();
    for global in scan.globals.iter().filter(|g| g.called) {
        let module = match &*global.module {
            "__builtin__" | "__builtins__" => "builtins",
            other => other,
        };
        let identifier = |s: &str| {
            !s.is_empty()
                && s.split('.').all(|p| {
                    p.chars()
                        .next()
                        .is_some_and(|c| c == '_' || c.is_alphabetic())
                        && p.chars().all(|c| c == '_' || c.is_alphanumeric())
                })
        };
        if !identifier(module) || !identifier(&global.name) {
            continue;
        }
        let argument = global
            .argument
            .as_deref()
            .map(super::bytecode::py_str)
            .unwrap_or_default();
        out.push_str(&format!(
            "import {module}\n{module}.{}({argument})\n",
            global.name
        ));
    }
    out
}

/// Most opcodes walked in one stream: a pickle longer than this is walked
/// up to here.
const MAX_OPCODES: usize = 20_000_000;
/// Longest string kept as a value (the rest is cut).
const MAX_STRING: usize = 4096;
/// Most distinct globals kept.
const MAX_GLOBALS: usize = 10_000;
/// Most string keys kept per dict (joblib's array state has six).
const MAX_DICT_ITEMS: usize = 32;

#[derive(Debug, Clone)]
enum Value {
    Text(Arc<str>),
    /// Index into `PickleScan::globals`.
    Global(usize),
    /// The result of calling the global at that index.
    Called(usize),
    Tuple(Arc<[Value]>),
    Int(i64),
    None,
    /// A dict, shared with its memo copies as Python shares the object.
    Dict(Rc<RefCell<Dict>>),
    /// `numpy.dtype(…)`, shared with its memo copies (its `BUILD` state
    /// comes after it is memoised).
    Dtype(Rc<RefCell<Dtype>>),
    /// A joblib `NumpyArrayWrapper` and its attributes.
    ArrayWrapper(Rc<RefCell<Dict>>),
    Mark,
    Other,
}

/// The string keys of a dict and their values.
#[derive(Debug, Default)]
struct Dict {
    items: Vec<(Arc<str>, Value)>,
    /// A key was not a string, or past `MAX_DICT_ITEMS`, and is not kept.
    lossy: bool,
}

impl Dict {
    fn insert(&mut self, key: &Value, value: Value) {
        let Value::Text(key) = key else {
            self.lossy = true;
            return;
        };
        if let Some(slot) = self.items.iter_mut().find(|(k, _)| k == key) {
            slot.1 = value;
        } else if self.items.len() < MAX_DICT_ITEMS {
            self.items.push((key.clone(), value));
        } else {
            self.lossy = true;
        }
    }

    fn get(&self, key: &str) -> Option<&Value> {
        self.items.iter().find(|(k, _)| &**k == key).map(|(_, v)| v)
    }

    /// What `joblib.load` reads of a wrapper with these attributes.
    fn wrapper_state(&self) -> Result<WrapperState, &'static str> {
        if self.lossy {
            return Err("joblib array wrapper state not understood");
        }
        let shape = match self.get("shape") {
            Some(Value::Tuple(dims)) => dims
                .iter()
                .map(|d| match d {
                    Value::Int(n) => Some(*n),
                    _ => None,
                })
                .collect(),
            _ => None,
        };
        let dtype = match self.get("dtype") {
            Some(Value::Dtype(dtype)) => Some(dtype.borrow().clone()),
            _ => None,
        };
        let alignment = match self.get("numpy_array_alignment_bytes") {
            None | Some(Value::None) => Alignment::Unset,
            Some(Value::Int(_)) => Alignment::Set,
            Some(_) => Alignment::NotUnderstood,
        };
        Ok(WrapperState {
            shape,
            dtype,
            alignment,
        })
    }
}

/// Does `data` start like a pickle: a `PROTO` opcode with a known protocol,
/// or (for protocols 0 and 1, which have no header) an opening opcode
/// followed by a `STOP` at the very end.
pub fn looks_like_pickle(data: &[u8]) -> bool {
    match data {
        [0x80, proto, ..] => (2..=5).contains(proto),
        [first, ..] => {
            b"(}]cl)KJNSVXU".contains(first) && data.trim_ascii_end().last() == Some(&b'.')
        }
        [] => false,
    }
}

/// Walks every pickle in `data`, one after another.
pub fn walk(data: &[u8]) -> PickleScan {
    let mut scan = PickleScan::default();
    let mut at = 0;
    let mut budget = MAX_OPCODES;
    while at < data.len() && scan.stopped.is_none() {
        match Machine::new(&mut scan, data).run(at, &mut budget) {
            Some(end) if end > at => {
                scan.pickles += 1;
                at = end;
                // Another pickle only when the next bytes look like one.
                if !data.get(at..).is_some_and(looks_like_pickle) {
                    break;
                }
            }
            _ => break,
        }
    }
    scan
}

struct Machine<'s, 'd> {
    scan: &'s mut PickleScan,
    data: &'d [u8],
    stack: Vec<Value>,
    memo: HashMap<u64, Value>,
    /// Global index by (module, name), so one name is listed once.
    seen: HashMap<(Arc<str>, Arc<str>), usize>,
    /// Reads joblib's inline arrays after a wrapper's `BUILD`, as
    /// `joblib.load` does (not in the nested pickle of an object array,
    /// which plain `pickle.load` reads).
    joblib: bool,
}

impl<'s, 'd> Machine<'s, 'd> {
    fn new(scan: &'s mut PickleScan, data: &'d [u8]) -> Self {
        let seen = scan
            .globals
            .iter()
            .enumerate()
            .map(|(i, g)| ((g.module.clone(), g.name.clone()), i))
            .collect();
        Machine {
            scan,
            data,
            stack: Vec::new(),
            memo: HashMap::new(),
            seen,
            joblib: true,
        }
    }

    /// Runs one pickle from `start`; returns the offset after its `STOP`,
    /// or `None` when it stopped early (recorded in `stopped`).
    fn run(&mut self, start: usize, budget: &mut usize) -> Option<usize> {
        let mut at = start;
        loop {
            if *budget == 0 {
                self.stop(at, "too many opcodes");
                return None;
            }
            *budget -= 1;
            let Some(&op) = self.data.get(at) else {
                self.stop(at, "truncated: no STOP");
                return None;
            };
            let offset = at;
            at += 1;
            match self.step(op, offset, &mut at, budget) {
                Ok(true) => return Some(at),
                Ok(false) => {}
                Err(why) => {
                    self.stop(offset, why);
                    return None;
                }
            }
        }
    }

    /// Records why the walk stopped; the first reason (a nested pickle's)
    /// is kept.
    fn stop(&mut self, offset: usize, why: &str) {
        if self.scan.stopped.is_none() {
            self.scan.stopped = Some(format!("{why} at byte {offset}"));
        }
    }

    fn take(&self, at: &mut usize, n: usize) -> Result<&'d [u8], &'static str> {
        let end = at.checked_add(n).ok_or("length overflow")?;
        let bytes = self.data.get(*at..end).ok_or("truncated argument")?;
        *at = end;
        Ok(bytes)
    }

    fn uint(&self, at: &mut usize, n: usize) -> Result<u64, &'static str> {
        let bytes = self.take(at, n)?;
        let mut v = 0u64;
        for (i, b) in bytes.iter().enumerate() {
            v |= u64::from(*b) << (8 * i);
        }
        Ok(v)
    }

    fn line(&self, at: &mut usize) -> Result<&'d [u8], &'static str> {
        let rest = self.data.get(*at..).ok_or("truncated argument")?;
        let end = memchr::memchr(b'\n', rest).ok_or("unterminated line")?;
        *at += end + 1;
        Ok(rest[..end].strip_suffix(b"\r").unwrap_or(&rest[..end]))
    }

    fn sized(&self, at: &mut usize, width: usize) -> Result<&'d [u8], &'static str> {
        let len = self.uint(at, width)?;
        let len = usize::try_from(len).map_err(|_| "length overflow")?;
        self.take(at, len)
    }

    fn pop(&mut self) -> Value {
        self.stack.pop().unwrap_or(Value::Other)
    }

    /// Pops down to the topmost mark; returns what was above it.
    fn pop_mark(&mut self) -> Vec<Value> {
        match self.stack.iter().rposition(|v| matches!(v, Value::Mark)) {
            Some(mark) => {
                let items = self.stack.split_off(mark + 1);
                self.stack.pop();
                items
            }
            None => std::mem::take(&mut self.stack),
        }
    }

    fn import(&mut self, module: &str, name: &str, offset: usize) -> Value {
        let key: (Arc<str>, Arc<str>) = (module.trim().into(), name.trim().into());
        if let Some(&i) = self.seen.get(&key) {
            return Value::Global(i);
        }
        if self.scan.globals.len() >= MAX_GLOBALS {
            return Value::Other;
        }
        let i = self.scan.globals.len();
        self.scan.globals.push(PickleGlobal {
            module: key.0.clone(),
            name: key.1.clone(),
            called: false,
            argument: None,
            offset,
        });
        self.seen.insert(key, i);
        Value::Global(i)
    }

    /// Calling `callable` with `args`: marks the global called, records
    /// the first string argument, and marks globals passed as arguments
    /// (`getattr(os, "system")`'s `os` is used as much as called).
    fn call(&mut self, callable: Value, args: &[Value]) -> Value {
        for arg in args {
            self.mark_used(arg, 0);
        }
        let made = self.construct(&callable, args);
        let result = match callable {
            Value::Global(i) => {
                let global = &mut self.scan.globals[i];
                global.called = true;
                if global.argument.is_none() {
                    global.argument = args.iter().find_map(|a| match a {
                        Value::Text(t) => Some(t.to_string()),
                        _ => None,
                    });
                }
                Value::Called(i)
            }
            // Calling what a call returned (`getattr(builtins, "eval")(...)`)
            // calls through the first call.
            Value::Called(i) => {
                self.scan.globals[i].called = true;
                Value::Called(i)
            }
            _ => Value::Other,
        };
        made.unwrap_or(result)
    }

    /// The objects the walk follows that a call makes: `numpy.dtype(…)`,
    /// and a joblib array wrapper (`NEWOBJ` of its class, or protocol 0
    /// and 1's `copyreg._reconstructor(cls, object, None)`).
    fn construct(&self, callable: &Value, args: &[Value]) -> Option<Value> {
        let global = |value: &Value| match value {
            Value::Global(i) => Some(&self.scan.globals[*i]),
            _ => None,
        };
        let callee = global(callable)?;
        let is_wrapper = |value: &Value| {
            global(value).is_some_and(|g| joblib_arrays::is_array_wrapper(&g.module, &g.name))
        };
        if joblib_arrays::is_numpy_dtype(&callee.module, &callee.name) {
            let Some(Value::Text(descriptor)) = args.first() else {
                return None;
            };
            return Some(Value::Dtype(Rc::new(RefCell::new(Dtype {
                descriptor: descriptor.to_string(),
                state: None,
            }))));
        }
        let reconstructor = matches!(&*callee.module, "copyreg" | "copy_reg")
            && matches!(
                &*callee.name,
                "_reconstructor" | "__newobj__" | "__newobj_ex__"
            );
        if is_wrapper(callable) || (reconstructor && args.first().is_some_and(is_wrapper)) {
            return Some(Value::ArrayWrapper(Rc::default()));
        }
        None
    }

    /// `BUILD` on a dtype records its state; on a joblib array wrapper it
    /// reads the array that follows, as `joblib.load` does.
    fn build(
        &mut self,
        state: Value,
        at: &mut usize,
        budget: &mut usize,
    ) -> Result<(), &'static str> {
        match self.stack.last().cloned() {
            Some(Value::Dtype(dtype)) => {
                let none = |v: Option<&Value>| matches!(v, Some(Value::None));
                dtype.borrow_mut().state = Some(match &state {
                    Value::Tuple(items) if items.len() >= 6 => DtypeState {
                        fields: !(none(items.get(2)) && none(items.get(3)) && none(items.get(4))),
                        elsize: match items.get(5) {
                            Some(Value::Int(n)) => Some(*n),
                            _ => None,
                        },
                    },
                    _ => DtypeState {
                        fields: true,
                        elsize: None,
                    },
                });
            }
            Some(Value::ArrayWrapper(attributes)) if self.joblib => {
                let Value::Dict(state) = &state else {
                    return Err("joblib array wrapper state not understood");
                };
                let state = state.borrow();
                let mut attributes = attributes.borrow_mut();
                attributes.lossy |= state.lossy;
                for (key, value) in &state.items {
                    attributes.insert(&Value::Text(key.clone()), value.clone());
                }
                let payload = joblib_arrays::payload(&attributes.wrapper_state()?)?;
                drop(attributes);
                // joblib.load replaces the wrapper by the array.
                self.stack.pop();
                self.stack.push(Value::Other);
                self.skip_array(payload, at, budget)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Goes past a joblib array's bytes, or walks its nested pickle.
    fn skip_array(
        &mut self,
        payload: Payload,
        at: &mut usize,
        budget: &mut usize,
    ) -> Result<(), &'static str> {
        const PAST_END: &str = "joblib array data runs past the end";
        match payload {
            Payload::Raw { aligned, len } => {
                if aligned {
                    let padding = self.uint(at, 1).map_err(|_| PAST_END)?;
                    self.take(at, padding as usize).map_err(|_| PAST_END)?;
                }
                self.take(at, len).map_err(|_| PAST_END)?;
            }
            Payload::Objects => {
                let known = self.scan.globals.len();
                let mut nested = Machine::new(&mut *self.scan, self.data);
                nested.joblib = false;
                let end = nested.run(*at, budget);
                for (i, g) in self.scan.globals.iter().enumerate().skip(known) {
                    self.seen.insert((g.module.clone(), g.name.clone()), i);
                }
                *at = end.ok_or("joblib object array pickle not readable")?;
            }
        }
        Ok(())
    }

    fn mark_used(&mut self, value: &Value, depth: u8) {
        match value {
            Value::Global(i) | Value::Called(i) => self.scan.globals[*i].called = true,
            Value::Tuple(items) if depth < 8 => {
                for item in items.iter() {
                    self.mark_used(item, depth + 1);
                }
            }
            _ => {}
        }
    }

    fn text(&self, bytes: &[u8]) -> Value {
        let cut = &bytes[..bytes.len().min(MAX_STRING)];
        Value::Text(String::from_utf8_lossy(cut).into())
    }

    fn as_text(value: &Value) -> Option<Arc<str>> {
        match value {
            Value::Text(t) => Some(t.clone()),
            _ => None,
        }
    }

    fn memo_put(&mut self, key: u64) {
        let top = self.stack.last().cloned().unwrap_or(Value::Other);
        self.memo.insert(key, top);
    }

    fn memo_get(&mut self, key: u64) {
        let value = self.memo.get(&key).cloned().unwrap_or(Value::Other);
        self.stack.push(value);
    }

    /// `SETITEM`/`SETITEMS` (`items` alternate keys and values) on the
    /// dict at the top of the stack.
    fn set_items_on_top(&mut self, items: Vec<Value>) {
        match self.stack.last().cloned() {
            Some(Value::Dict(dict)) => self.set_items(&mut dict.borrow_mut(), items),
            _ => self.set_items(&mut Dict::default(), items),
        }
    }

    fn set_items(&mut self, dict: &mut Dict, items: Vec<Value>) {
        for item in &items {
            self.mark_used(item, 0);
        }
        let mut items = items.into_iter();
        while let (Some(key), Some(value)) = (items.next(), items.next()) {
            dict.insert(&key, value);
        }
    }

    /// Runs one opcode; `Ok(true)` at `STOP`.
    fn step(
        &mut self,
        op: u8,
        offset: usize,
        at: &mut usize,
        budget: &mut usize,
    ) -> Result<bool, &'static str> {
        match op {
            b'.' => return Ok(true),
            b'(' => self.stack.push(Value::Mark),
            b'0' => {
                self.pop();
            }
            b'1' => {
                self.pop_mark();
            }
            b'2' => {
                let top = self.stack.last().cloned().unwrap_or(Value::Other);
                self.stack.push(top);
            }
            // Numbers, None, booleans.
            b'F' => {
                self.line(at)?;
                self.stack.push(Value::Other);
            }
            b'I' | b'L' => {
                let line = self.line(at)?;
                let digits = line.strip_suffix(b"L").unwrap_or(line);
                let value = std::str::from_utf8(digits)
                    .ok()
                    .and_then(|d| d.parse().ok())
                    .map_or(Value::Other, Value::Int);
                self.stack.push(value);
            }
            b'J' => {
                let n = self.uint(at, 4)? as u32 as i32;
                self.stack.push(Value::Int(n.into()));
            }
            b'K' | b'M' => {
                let n = self.uint(at, if op == b'K' { 1 } else { 2 })?;
                self.stack.push(Value::Int(n as i64));
            }
            b'G' => self.push_skip(at, 8)?,
            b'N' => self.stack.push(Value::None),
            0x88 | 0x89 => self.stack.push(Value::Other),
            0x8a | 0x8b => {
                let bytes = self.sized(at, if op == 0x8a { 1 } else { 4 })?;
                self.stack.push(little_endian_long(bytes));
            }
            // Persistent ids (torch's storages): an id, not a call.
            b'P' => {
                self.line(at)?;
                self.stack.push(Value::Other);
            }
            b'Q' => {
                let id = self.pop();
                self.mark_used(&id, 0);
                self.stack.push(Value::Other);
            }
            // Strings and bytes.
            b'S' => {
                let line = self.line(at)?;
                let unquoted = line
                    .strip_prefix(b"'")
                    .and_then(|l| l.strip_suffix(b"'"))
                    .or_else(|| line.strip_prefix(b"\"").and_then(|l| l.strip_suffix(b"\"")))
                    .unwrap_or(line);
                let value = self.text(&unescape(unquoted));
                self.stack.push(value);
            }
            b'V' => {
                let line = self.line(at)?;
                let value = self.text(&unescape(line));
                self.stack.push(value);
            }
            b'T' | b'X' | b'B' => {
                let bytes = self.sized(at, 4)?;
                let value = self.text(bytes);
                self.stack.push(value);
            }
            b'U' | b'C' | 0x8c => {
                let bytes = self.sized(at, 1)?;
                let value = self.text(bytes);
                self.stack.push(value);
            }
            0x8d | 0x8e | 0x96 => {
                let bytes = self.sized(at, 8)?;
                let value = self.text(bytes);
                self.stack.push(value);
            }
            0x97 | 0x98 => {
                if op == 0x97 {
                    self.stack.push(Value::Other);
                }
            }
            // Containers.
            b')' => self.stack.push(Value::Tuple(Arc::from(Vec::new()))),
            b'}' => self.stack.push(Value::Dict(Rc::default())),
            b']' | 0x8f => self.stack.push(Value::Other),
            b't' => {
                let items = self.pop_mark();
                self.stack.push(Value::Tuple(items.into()));
            }
            0x85..=0x87 => {
                let n = usize::from(op - 0x84);
                let split = self.stack.len().saturating_sub(n);
                let items = self.stack.split_off(split);
                self.stack.push(Value::Tuple(items.into()));
            }
            b'l' | 0x91 => {
                let items = self.pop_mark();
                for item in &items {
                    self.mark_used(item, 0);
                }
                self.stack.push(Value::Other);
            }
            b'd' => {
                let items = self.pop_mark();
                let mut dict = Dict::default();
                self.set_items(&mut dict, items);
                self.stack.push(Value::Dict(Rc::new(RefCell::new(dict))));
            }
            b'a' => {
                let item = self.pop();
                self.mark_used(&item, 0);
            }
            b's' => {
                let value = self.pop();
                let key = self.pop();
                self.set_items_on_top(vec![key, value]);
            }
            b'u' => {
                let items = self.pop_mark();
                self.set_items_on_top(items);
            }
            b'e' | 0x90 => {
                for item in self.pop_mark() {
                    self.mark_used(&item, 0);
                }
            }
            // Imports.
            b'c' => {
                let module = String::from_utf8_lossy(self.line(at)?).into_owned();
                let name = String::from_utf8_lossy(self.line(at)?).into_owned();
                let global = self.import(&module, &name, offset);
                self.stack.push(global);
            }
            0x93 => {
                let name = self.pop();
                let module = self.pop();
                let value = match (Self::as_text(&module), Self::as_text(&name)) {
                    (Some(m), Some(n)) => self.import(&m, &n, offset),
                    // A name computed at load time: an import nobody can
                    // name, which honest pickles never need.
                    _ => self.import("?", "?", offset),
                };
                self.stack.push(value);
            }
            0x82 => self.push_skip(at, 1)?,
            0x83 => self.push_skip(at, 2)?,
            0x84 => self.push_skip(at, 4)?,
            // Calls.
            b'R' => {
                let args = self.pop();
                let callable = self.pop();
                let args = tuple_items(args);
                let result = self.call(callable, &args);
                self.stack.push(result);
            }
            b'i' => {
                let module = String::from_utf8_lossy(self.line(at)?).into_owned();
                let name = String::from_utf8_lossy(self.line(at)?).into_owned();
                let args = self.pop_mark();
                let class = self.import(&module, &name, offset);
                let result = self.call(class, &args);
                self.stack.push(result);
            }
            b'o' => {
                let mut items = self.pop_mark();
                let class = if items.is_empty() {
                    Value::Other
                } else {
                    items.remove(0)
                };
                let result = self.call(class, &items);
                self.stack.push(result);
            }
            0x81 => {
                let args = self.pop();
                let class = self.pop();
                let result = self.call(class, &tuple_items(args));
                self.stack.push(result);
            }
            0x92 => {
                let kwargs = self.pop();
                let args = self.pop();
                let class = self.pop();
                self.mark_used(&kwargs, 0);
                let result = self.call(class, &tuple_items(args));
                self.stack.push(result);
            }
            // BUILD calls `__setstate__` or updates `__dict__`: the state
            // is used, the object stays.
            b'b' => {
                let state = self.pop();
                self.mark_used(&state, 0);
                self.build(state, at, budget)?;
            }
            // Memo.
            b'p' => {
                let key = parse_decimal(self.line(at)?);
                self.memo_put(key);
            }
            b'q' => {
                let key = self.uint(at, 1)?;
                self.memo_put(key);
            }
            b'r' => {
                let key = self.uint(at, 4)?;
                self.memo_put(key);
            }
            0x94 => {
                let key = self.memo.len() as u64;
                self.memo_put(key);
            }
            b'g' => {
                let key = parse_decimal(self.line(at)?);
                self.memo_get(key);
            }
            b'h' => {
                let key = self.uint(at, 1)?;
                self.memo_get(key);
            }
            b'j' => {
                let key = self.uint(at, 4)?;
                self.memo_get(key);
            }
            // Framing and protocol.
            0x80 => {
                let protocol = self.uint(at, 1)? as u8;
                self.scan.protocol = self.scan.protocol.max(protocol);
            }
            0x95 => {
                self.take(at, 8)?;
            }
            _ => return Err("unknown opcode"),
        }
        Ok(false)
    }

    fn push_skip(&mut self, at: &mut usize, n: usize) -> Result<(), &'static str> {
        self.take(at, n)?;
        self.stack.push(Value::Other);
        Ok(())
    }
}

fn tuple_items(value: Value) -> Vec<Value> {
    match value {
        Value::Tuple(items) => items.to_vec(),
        other => vec![other],
    }
}

/// A `LONG1`/`LONG4` integer (two's complement, little-endian), when it
/// fits in 64 bits.
fn little_endian_long(bytes: &[u8]) -> Value {
    if bytes.is_empty() || bytes.len() > 8 {
        return if bytes.is_empty() {
            Value::Int(0)
        } else {
            Value::Other
        };
    }
    let fill = if bytes[bytes.len() - 1] & 0x80 != 0 {
        0xff
    } else {
        0
    };
    let mut word = [fill; 8];
    word[..bytes.len()].copy_from_slice(bytes);
    Value::Int(i64::from_le_bytes(word))
}

fn parse_decimal(line: &[u8]) -> u64 {
    std::str::from_utf8(line)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(u64::MAX)
}

/// Undoes the backslash escapes of protocol 0 strings (`\n`, `\x41`,
/// `\u0041`, `\\`), enough to read a command line.
fn unescape(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if text[i] != b'\\' || i + 1 >= text.len() {
            out.push(text[i]);
            i += 1;
            continue;
        }
        let next = text[i + 1];
        let hex = |from: usize, n: usize| {
            text.get(from..from + n)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u32::from_str_radix(h, 16).ok())
        };
        let (decoded, used) = match next {
            b'n' => (Some('\n' as u32), 2),
            b't' => (Some('\t' as u32), 2),
            b'r' => (Some('\r' as u32), 2),
            b'\\' => (Some('\\' as u32), 2),
            b'\'' => (Some('\'' as u32), 2),
            b'"' => (Some('"' as u32), 2),
            b'x' => (hex(i + 2, 2), 4),
            b'u' => (hex(i + 2, 4), 6),
            b'U' => (hex(i + 2, 8), 10),
            _ => (None, 1),
        };
        match decoded.and_then(char::from_u32) {
            Some(c) => {
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                i += used;
            }
            None => {
                out.push(b'\\');
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn called(scan: &PickleScan) -> Vec<String> {
        scan.globals
            .iter()
            .filter(|g| g.called)
            .map(|g| format!("{} {:?}", g.qualified(), g.argument))
            .collect()
    }

    #[test]
    fn protocol_0_global_reduce() {
        // cos\nsystem\n(S'id'\ntR.
        let scan = walk(b"cos\nsystem\n(S'id'\ntR.");
        assert_eq!(called(&scan), ["os.system Some(\"id\")"]);
        assert_eq!(scan.stopped, None);
    }

    #[test]
    fn stack_global_with_memoised_names() {
        // Protocol 4: the module and name are memoised, then fetched back
        // with BINGET before STACK_GLOBAL.
        let mut p = vec![0x80, 4, 0x95];
        p.extend_from_slice(&[0; 8]);
        p.extend_from_slice(b"\x8c\x08builtins\x94\x8c\x04exec\x94");
        p.extend_from_slice(b"0\x30"); // POP, POP: names only in the memo
        p.extend_from_slice(b"h\x00h\x01\x93\x94");
        p.extend_from_slice(b"\x8c\x0dprint('hi!!')\x85R.");
        let scan = walk(&p);
        assert_eq!(called(&scan), ["builtins.exec Some(\"print('hi!!')\")"]);
    }

    #[test]
    fn inst_and_getattr_through_a_call() {
        // Protocol 0 INST, then getattr(os, "system")("id").
        let scan = walk(b"(S'x'\nisubprocess\ncheck_output\n.");
        assert_eq!(called(&scan), ["subprocess.check_output Some(\"x\")"]);
        let scan = walk(
            b"\x80\x02cbuiltins\ngetattr\ncbuiltins\n__import__\nU\x02os\x85RU\x06system\x86RU\x02id\x85R.",
        );
        let names = called(&scan);
        assert!(names.contains(&"builtins.getattr Some(\"system\")".to_owned()));
        assert!(names.contains(&"builtins.__import__ Some(\"os\")".to_owned()));
    }

    #[test]
    fn benign_reconstruction_is_listed_as_called_but_safe_names() {
        let scan = walk(b"\x80\x02ccollections\nOrderedDict\n)R.");
        assert_eq!(called(&scan), ["collections.OrderedDict None"]);
    }

    #[test]
    fn truncated_and_unknown_opcodes_stop_without_panic() {
        assert!(walk(b"\x80\x04\x8c\xff").stopped.is_some());
        assert!(walk(b"\x80\x02\xff").stopped.is_some());
        assert!(walk(b"").globals.is_empty());
    }

    #[test]
    fn pickles_that_follow_one_another_are_each_walked() {
        let scan = walk(b"\x80\x02K\x01.\x80\x02cposix\nsystem\nU\x02id\x85R.");
        assert_eq!(scan.pickles, 2);
        assert_eq!(called(&scan), ["posix.system Some(\"id\")"]);
    }

    /// `numpy.dtype(descriptor, False, True)` memoised at `memo`, then its
    /// `BUILD` state (version 3, little-endian, no fields, `elsize`).
    fn dtype(descriptor: &str, elsize: i32, memo: u8) -> Vec<u8> {
        let mut p = b"\x8c\x05numpy\x8c\x05dtype\x93".to_vec();
        p.push(0x8c);
        p.push(descriptor.len() as u8);
        p.extend_from_slice(descriptor.as_bytes());
        p.extend_from_slice(b"\x89\x88\x87R");
        p.extend_from_slice(&[b'q', memo]);
        p.extend_from_slice(b"(K\x03\x8c\x01<NNNJ");
        p.extend_from_slice(&elsize.to_le_bytes());
        p.extend_from_slice(b"J\xff\xff\xff\xffK\x00tb");
        p
    }

    /// A joblib `NumpyArrayWrapper` (protocol 4, as `joblib.dump` writes
    /// it) whose state is `shape` and `dtype` (pickle bytes), with the
    /// alignment of joblib 1.2 and later when `aligned`; the array bytes
    /// come next.
    fn wrapper(shape: &[u8], dtype: &[u8], aligned: bool) -> Vec<u8> {
        let mut p = b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00".to_vec();
        p.extend_from_slice(b"\x8c\x13joblib.numpy_pickle\x8c\x11NumpyArrayWrapper\x93)\x81");
        p.extend_from_slice(b"}(\x8c\x08subclass\x8c\x05numpy\x8c\x07ndarray\x93");
        p.extend_from_slice(b"\x8c\x05shape");
        p.extend_from_slice(shape);
        p.extend_from_slice(b"\x8c\x05order\x8c\x01C\x8c\x05dtype");
        p.extend_from_slice(dtype);
        p.extend_from_slice(b"\x8c\x0aallow_mmap\x88");
        if aligned {
            p.extend_from_slice(b"\x8c\x1bnumpy_array_alignment_bytes\x4b\x10");
        }
        p.extend_from_slice(b"ub");
        p
    }

    /// An `os.system` pickle, which joblib.load reads as the bytes of
    /// a float array.
    const SYSTEM_AS_DATA: &[u8; 24] = b"cos\nsystem\n(S'id'\ntR.\0\0\0";

    #[test]
    fn joblib_float_array_bytes_are_skipped_not_walked() {
        // float64, shape (3,): padding length 3, padding, 24 bytes.
        let mut p = wrapper(b"K\x03\x85", &dtype("f8", -1, 50), true);
        p.extend_from_slice(b"\x03\xff\xff\xff");
        p.extend_from_slice(SYSTEM_AS_DATA);
        p.extend_from_slice(b"\x95\x00\x00\x00\x00\x00\x00\x00\x00\x8c\x02ok\x86.");
        let scan = walk(&p);
        assert_eq!(scan.stopped, None);
        assert_eq!(
            called(&scan),
            [
                "joblib.numpy_pickle.NumpyArrayWrapper None",
                "numpy.ndarray None",
                "numpy.dtype Some(\"f8\")",
            ]
        );
        // Unaligned (joblib before 1.2): the data follows the BUILD.
        let mut p = wrapper(b"K\x03\x85", &dtype("f8", -1, 50), false);
        p.extend_from_slice(SYSTEM_AS_DATA);
        p.push(b'.');
        let scan = walk(&p);
        assert_eq!(scan.stopped, None);
        assert!(!called(&scan).iter().any(|c| c.starts_with("os.")));
    }

    #[test]
    fn a_global_after_a_joblib_array_is_still_found() {
        // Data that is no opcode at all no longer stops the walk before
        // the os.system call that follows.
        let mut p = wrapper(b"K\x02K\x02\x86", &dtype("f4", -1, 50), true);
        p.extend_from_slice(b"\x01\xff");
        p.extend_from_slice(&[0xff; 16]);
        p.extend_from_slice(b"cos\nsystem\n\x8c\x02id\x85R\x86.");
        let scan = walk(&p);
        assert_eq!(scan.stopped, None);
        assert!(called(&scan).contains(&"os.system Some(\"id\")".to_owned()));
    }

    #[test]
    fn a_memoised_flexible_dtype_keeps_its_state() {
        // Two U2 arrays (8 bytes each), the second with the dtype fetched
        // back from the memo, whose BUILD came after it was memoised.
        let mut p = wrapper(b"K\x01\x85", &dtype("U2", 8, 50), false);
        p.extend_from_slice(&[0xff; 8]);
        p.extend_from_slice(&wrapper(b"K\x01\x85", b"h\x32", false)[11..]);
        p.extend_from_slice(&[0xff; 8]);
        p.extend_from_slice(b"cposix\nsystem\n\x8c\x02id\x85R.");
        let scan = walk(&p);
        assert_eq!(scan.stopped, None);
        assert!(called(&scan).contains(&"posix.system Some(\"id\")".to_owned()));
    }

    #[test]
    fn joblib_arrays_not_understood_stop_the_walk() {
        // A shape that runs past the end of the file.
        let mut p = wrapper(b"J\x00\x00\x00\x10\x85", &dtype("f8", -1, 50), true);
        p.extend_from_slice(b"\x01\xff");
        p.extend_from_slice(&[0; 64]);
        let stopped = walk(&p).stopped.unwrap();
        assert!(stopped.contains("runs past the end"), "{stopped}");
        // A shape whose size overflows.
        let huge =
            b"\x8a\x08\xff\xff\xff\xff\xff\xff\xff\x7f\x8a\x08\xff\xff\xff\xff\xff\xff\xff\x7f\x86";
        let stopped = walk(&wrapper(huge, &dtype("f8", -1, 50), true))
            .stopped
            .unwrap();
        assert!(stopped.contains("overflows"), "{stopped}");
        // A dtype, a shape or a state it cannot read.
        let stopped = walk(&wrapper(b"K\x01\x85", &dtype("x9", -1, 50), true)).stopped;
        assert!(stopped.unwrap().contains("dtype not understood"));
        let stopped = walk(&wrapper(b"N", &dtype("f8", -1, 50), true)).stopped;
        assert!(stopped.unwrap().contains("shape"));
        let stopped = walk(&wrapper(b"K\x01\x85", &dtype("S4", 4000, 50), true)).stopped;
        assert!(stopped.unwrap().contains("size not understood"));
        let odd_state = b"\x80\x02cjoblib.numpy_pickle\nNumpyArrayWrapper\n)\x81N\x85b.";
        let stopped = walk(odd_state).stopped.unwrap();
        assert!(stopped.contains("state not understood"), "{stopped}");
    }

    #[test]
    fn joblib_object_array_pickle_is_walked() {
        // An object array is a complete pickle of its own, then the outer
        // pickle goes on.
        let mut p = wrapper(b"K\x01\x85", &dtype("O8", -1, 50), true);
        p.extend_from_slice(b"\x80\x02cposix\nsystem\nU\x02id\x85R.");
        p.extend_from_slice(b"cbuiltins\nexec\n\x8c\x01x\x85R\x86.");
        let scan = walk(&p);
        assert_eq!(scan.stopped, None);
        let names = called(&scan);
        assert!(names.contains(&"posix.system Some(\"id\")".to_owned()));
        assert!(names.contains(&"builtins.exec Some(\"x\")".to_owned()));
        // A nested pickle cut short stops the walk.
        let mut p = wrapper(b"K\x01\x85", &dtype("O8", -1, 50), true);
        p.extend_from_slice(b"\x80\x02\x8c\x05");
        assert!(walk(&p).stopped.unwrap().contains("truncated"));
    }

    #[test]
    fn joblib_wrapper_through_copyreg_reconstructor() {
        // Protocols 0 and 1 build the wrapper with copy_reg._reconstructor.
        let mut p =
            b"ccopy_reg\n_reconstructor\ncjoblib.numpy_pickle\nNumpyArrayWrapper\n".to_vec();
        p.extend_from_slice(b"c__builtin__\nobject\nN\x87R(S'shape'\nI2\n\x85S'dtype'\n");
        p.extend_from_slice(&dtype("i2", -1, 50));
        p.extend_from_slice(b"db");
        p.extend_from_slice(&[0xff; 4]);
        p.extend_from_slice(b"cos\nsystem\n(S'id'\ntR.");
        let scan = walk(&p);
        assert_eq!(scan.stopped, None);
        assert!(called(&scan).contains(&"os.system Some(\"id\")".to_owned()));
    }

    #[test]
    fn detection() {
        assert!(looks_like_pickle(b"\x80\x04\x95"));
        assert!(looks_like_pickle(b"cos\nsystem\n(S'id'\ntR."));
        assert!(!looks_like_pickle(b"\x80\x09"));
        assert!(!looks_like_pickle(b"hello"));
    }
}
