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
//! another in a file (torch's legacy format) are each walked.

use std::collections::HashMap;
use std::sync::Arc;

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
    /// truncated argument).
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

#[derive(Debug, Clone)]
enum Value {
    Text(Arc<str>),
    /// Index into `PickleScan::globals`.
    Global(usize),
    /// The result of calling the global at that index.
    Called(usize),
    Tuple(Arc<[Value]>),
    Mark,
    Other,
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
            match self.step(op, offset, &mut at) {
                Ok(true) => return Some(at),
                Ok(false) => {}
                Err(why) => {
                    self.stop(offset, why);
                    return None;
                }
            }
        }
    }

    fn stop(&mut self, offset: usize, why: &str) {
        self.scan.stopped = Some(format!("{why} at byte {offset}"));
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
        match callable {
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
        }
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

    /// Runs one opcode; `Ok(true)` at `STOP`.
    fn step(&mut self, op: u8, offset: usize, at: &mut usize) -> Result<bool, &'static str> {
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
            b'F' | b'I' | b'L' => {
                self.line(at)?;
                self.stack.push(Value::Other);
            }
            b'J' => self.push_skip(at, 4)?,
            b'K' => self.push_skip(at, 1)?,
            b'M' => self.push_skip(at, 2)?,
            b'G' => self.push_skip(at, 8)?,
            b'N' | 0x88 | 0x89 => self.stack.push(Value::Other),
            0x8a => {
                self.sized(at, 1)?;
                self.stack.push(Value::Other);
            }
            0x8b => {
                self.sized(at, 4)?;
                self.stack.push(Value::Other);
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
            b')' | b']' | b'}' | 0x8f => self.stack.push(if op == b')' {
                Value::Tuple(Arc::from(Vec::new()))
            } else {
                Value::Other
            }),
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
            b'l' | b'd' | 0x91 => {
                let items = self.pop_mark();
                for item in &items {
                    self.mark_used(item, 0);
                }
                self.stack.push(Value::Other);
            }
            b'a' => {
                let item = self.pop();
                self.mark_used(&item, 0);
            }
            b's' => {
                let value = self.pop();
                let key = self.pop();
                self.mark_used(&value, 0);
                self.mark_used(&key, 0);
            }
            b'e' | b'u' | 0x90 => {
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

    #[test]
    fn detection() {
        assert!(looks_like_pickle(b"\x80\x04\x95"));
        assert!(looks_like_pickle(b"cos\nsystem\n(S'id'\ntR."));
        assert!(!looks_like_pickle(b"\x80\x09"));
        assert!(!looks_like_pickle(b"hello"));
    }
}
