//! Turning compiled Python back into Python the analysis can read.
//!
//! The code objects of a `.pyc` (or of a `marshal.loads` constant) are
//! disassembled with the opcode table of their CPython version, and their
//! imports, calls, assignments, functions and classes are written out as
//! plain Python statements: `import os`, `os.system('id')`, `def run():`.
//! Control flow is not rebuilt (branches and loops read as straight-line
//! code), but every call keeps its callee and constant arguments, and
//! functions keep their bodies, so the semantic model resolves names,
//! decodes payloads and assigns contexts exactly as it does for source.
//! Constants no instruction used (and, for versions without a table,
//! every constant) are written as assignments so string checks see them.

use std::fmt::Write as _;
use std::sync::Arc;

use super::marshal::{self, Code, Layout, Obj};
use super::pyc;

/// Python recovered from bytecode.
#[derive(Debug, Clone, PartialEq)]
pub struct Recovered {
    /// `3.11`, or `3.x` when only the layout is known (a bare marshal
    /// stream).
    pub version: String,
    pub source: String,
    /// The code was disassembled with its version's opcode table; `false`
    /// when the version has none and only the constants were written out.
    pub disassembled: bool,
}

/// Longest recovered source kept.
const MAX_SOURCE: usize = 16 * 1024 * 1024;
/// Longest expression kept on the stack (longer ones are cut).
const MAX_EXPR: usize = 64 * 1024;
/// Deepest nesting of functions followed.
const MAX_NESTING: usize = 64;

/// The Python a `.pyc` file holds.
pub fn from_pyc(data: &[u8]) -> Option<Recovered> {
    let header = pyc::version_of(data)?;
    let body = data.get(header.header..)?;
    let Obj::Code(code) = marshal::read(body, header.layout())? else {
        return None;
    };
    let ops = Ops::for_version(header.major, header.minor);
    let mut source = format!(
        "# recovered from CPython {} bytecode (magic {})\n",
        header.version(),
        header.magic
    );
    Renderer::new(ops, header.layout()).module(&code, &mut source);
    Some(Recovered {
        version: header.version(),
        source,
        disassembled: ops.known,
    })
}

/// The Python a bare marshalled code object holds (`marshal.loads(b"…")`),
/// its version guessed from the code-object layout and first opcodes.
pub fn from_marshal(data: &[u8]) -> Option<Recovered> {
    let (layout, code) = marshal::read_code_any(data)?;
    let (major, minor) = guess_version(layout, &code);
    let ops = Ops::for_version(major, minor);
    let mut source = format!("# recovered from marshalled CPython {major}.{minor} code\n");
    Renderer::new(ops, layout).module(&code, &mut source);
    Some(Recovered {
        version: format!("{major}.{minor}"),
        source,
        disassembled: ops.known,
    })
}

fn guess_version(layout: Layout, code: &Code) -> (u8, u8) {
    match layout {
        Layout::Py27 => (2, 7),
        Layout::Py30 => (3, 7),
        Layout::Py38 => (3, 10),
        Layout::Py311 => {
            // RESUME opens every module: 151 in 3.11 and 3.12, 149 in 3.13,
            // 128 in 3.14. 3.12 ends modules with RETURN_CONST (121).
            let first = code.bytecode.first().copied();
            if first == Some(128) {
                (3, 14)
            } else if first == Some(149) {
                (3, 13)
            } else if code.bytecode.chunks(2).any(|w| w[0] == 121) {
                (3, 12)
            } else {
                (3, 11)
            }
        }
    }
}

/// The opcodes the renderer follows, for one CPython version.
#[derive(Debug, Clone, Copy, Default)]
struct Ops {
    known: bool,
    /// 2.7 has variable-length instructions; 3.6+ two bytes each.
    wordcode: bool,
    have_argument: u8,
    extended_arg: u8,
    /// 3.11+: CACHE entries (opcode 0) follow some instructions.
    caches: bool,
    /// Where LOAD_GLOBAL's low bit puts the NULL: 3.11/3.12 before the
    /// global, 3.13 after it.
    global_null: NullAt,
    /// 3.12+: LOAD_ATTR's low bit marks a method load.
    attr_method_bit: bool,
    /// 3.14: CALL_FUNCTION_EX has no argument and always finds a
    /// keyword-arguments slot (NULL when there are none).
    call_ex_kwargs_slot: bool,
    load_const: Option<u8>,
    load_name: Option<u8>,
    load_global: Option<u8>,
    load_fast: Option<u8>,
    load_fast_check: Option<u8>,
    load_fast_load_fast: Option<u8>,
    /// 3.14: LOAD_FAST and LOAD_FAST_LOAD_FAST without a new reference.
    load_fast_borrow: Option<u8>,
    load_fast_borrow_load_fast_borrow: Option<u8>,
    /// 3.14: an integer from 0 to 255 in the argument, not in `co_consts`.
    load_small_int: Option<u8>,
    /// 3.14: `AssertionError`, `NotImplementedError`, `tuple`, `all`, `any`.
    load_common_constant: Option<u8>,
    load_attr: Option<u8>,
    load_method: Option<u8>,
    import_name: Option<u8>,
    import_from: Option<u8>,
    import_star: Option<u8>,
    store_name: Option<u8>,
    store_global: Option<u8>,
    store_fast: Option<u8>,
    store_attr: Option<u8>,
    call: Option<u8>,
    call_function: Option<u8>,
    call_function_kw: Option<u8>,
    call_function_ex: Option<u8>,
    call_method: Option<u8>,
    call_kw: Option<u8>,
    push_null: Option<u8>,
    kw_names: Option<u8>,
    make_function: Option<u8>,
    make_closure: Option<u8>,
    set_function_attribute: Option<u8>,
    build_list: Option<u8>,
    build_tuple: Option<u8>,
    binary_add: Option<u8>,
    binary_op: Option<u8>,
    binary_subscr: Option<u8>,
    pop_top: Option<u8>,
    return_value: Option<u8>,
    return_const: Option<u8>,
    print_expr: Option<u8>,
    exec_stmt: Option<u8>,
    load_build_class: Option<u8>,
    compare_op: Option<u8>,
    resume: Option<u8>,
    nop: Option<u8>,
    /// 3.14: marks the branch not taken; does nothing.
    not_taken: Option<u8>,
    precall: Option<u8>,
    dup_top: Option<u8>,
    list_extend: Option<u8>,
    build_class: Option<u8>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum NullAt {
    #[default]
    Never,
    Before,
    After,
}

impl Ops {
    fn for_version(major: u8, minor: u8) -> Ops {
        let base = Ops {
            known: true,
            wordcode: true,
            have_argument: 90,
            extended_arg: 144,
            load_const: Some(100),
            load_name: Some(101),
            load_global: Some(116),
            load_fast: Some(124),
            load_attr: Some(106),
            import_name: Some(108),
            import_from: Some(109),
            import_star: Some(84),
            store_name: Some(90),
            store_global: Some(97),
            store_fast: Some(125),
            store_attr: Some(95),
            make_function: Some(132),
            build_list: Some(103),
            build_tuple: Some(102),
            binary_subscr: Some(25),
            pop_top: Some(1),
            return_value: Some(83),
            print_expr: Some(70),
            load_build_class: Some(71),
            compare_op: Some(107),
            call_function_ex: Some(142),
            list_extend: Some(162),
            nop: Some(9),
            ..Ops::default()
        };
        match (major, minor) {
            (2, 7) => Ops {
                wordcode: false,
                extended_arg: 145,
                call_function: Some(131),
                call_function_kw: Some(141),
                binary_add: Some(23),
                exec_stmt: Some(85),
                dup_top: Some(4),
                build_class: Some(89),
                load_build_class: None,
                make_closure: Some(134),
                call_function_ex: None,
                ..base
            },
            (3, 6..=10) => Ops {
                call_function: Some(131),
                call_function_kw: Some(141),
                binary_add: Some(23),
                load_method: (minor >= 7).then_some(160),
                call_method: (minor >= 7).then_some(161),
                dup_top: Some(4),
                ..base
            },
            (3, 11) => Ops {
                caches: true,
                global_null: NullAt::Before,
                load_method: Some(160),
                call: Some(171),
                precall: Some(166),
                push_null: Some(2),
                kw_names: Some(172),
                binary_op: Some(122),
                resume: Some(151),
                ..base
            },
            (3, 12) => Ops {
                caches: true,
                global_null: NullAt::Before,
                attr_method_bit: true,
                load_fast_check: Some(127),
                call: Some(171),
                push_null: Some(2),
                kw_names: Some(172),
                binary_op: Some(122),
                return_const: Some(121),
                import_star: None,
                print_expr: None,
                resume: Some(151),
                ..base
            },
            (3, 13) => Ops {
                known: true,
                wordcode: true,
                have_argument: 44,
                extended_arg: 71,
                caches: true,
                global_null: NullAt::After,
                attr_method_bit: true,
                load_const: Some(83),
                load_name: Some(92),
                load_global: Some(91),
                load_fast: Some(85),
                load_fast_check: Some(87),
                load_fast_load_fast: Some(88),
                load_attr: Some(82),
                import_name: Some(75),
                import_from: Some(74),
                store_name: Some(114),
                store_global: Some(113),
                store_fast: Some(110),
                store_attr: Some(108),
                call: Some(53),
                call_function_ex: Some(54),
                call_kw: Some(57),
                push_null: Some(34),
                make_function: Some(26),
                set_function_attribute: Some(106),
                build_list: Some(47),
                build_tuple: Some(52),
                binary_op: Some(45),
                binary_subscr: Some(5),
                pop_top: Some(32),
                return_value: Some(36),
                return_const: Some(103),
                load_build_class: Some(24),
                compare_op: Some(58),
                list_extend: Some(81),
                resume: Some(149),
                nop: Some(30),
                ..Ops::default()
            },
            // Numbers from CPython 3.14's `opcode.opmap` (`Lib/_opcode_metadata.py`).
            (3, 14) => Ops {
                known: true,
                wordcode: true,
                have_argument: 43,
                extended_arg: 69,
                caches: true,
                global_null: NullAt::After,
                attr_method_bit: true,
                call_ex_kwargs_slot: true,
                load_const: Some(82),
                load_small_int: Some(94),
                load_common_constant: Some(81),
                load_name: Some(93),
                load_global: Some(92),
                load_fast: Some(84),
                load_fast_borrow: Some(86),
                load_fast_check: Some(88),
                load_fast_load_fast: Some(89),
                load_fast_borrow_load_fast_borrow: Some(87),
                load_attr: Some(80),
                import_name: Some(73),
                import_from: Some(72),
                store_name: Some(116),
                store_global: Some(115),
                store_fast: Some(112),
                store_attr: Some(110),
                call: Some(52),
                call_function_ex: Some(4),
                call_kw: Some(55),
                push_null: Some(33),
                make_function: Some(23),
                set_function_attribute: Some(108),
                build_list: Some(46),
                build_tuple: Some(51),
                // Subscripts are BINARY_OP 26 (`NB_SUBSCR`).
                binary_op: Some(44),
                pop_top: Some(31),
                return_value: Some(35),
                load_build_class: Some(21),
                compare_op: Some(56),
                list_extend: Some(79),
                resume: Some(128),
                nop: Some(27),
                not_taken: Some(28),
                ..Ops::default()
            },
            // Later versions: constants and names only.
            _ => Ops::default(),
        }
    }
}

const BINARY_OPS: &[&str] = &[
    "+", "&", "//", "<<", "@", "*", "%", "|", "**", ">>", "-", "/", "^", "+", "&", "//", "<<", "@",
    "*", "%", "|", "**", ">>", "-", "/", "^",
];

/// BINARY_OP's argument for a subscript (`x[k]`, 3.14).
const NB_SUBSCR: u32 = 26;

/// What LOAD_COMMON_CONSTANT's argument names (3.14).
const COMMON_CONSTANTS: &[&str] = &[
    "AssertionError",
    "NotImplementedError",
    "tuple",
    "all",
    "any",
];

/// A value on the simulated stack.
#[derive(Debug, Clone)]
enum Item {
    /// A Python expression; `true` when it is a call (worth keeping as a
    /// statement if nothing uses it).
    Expr(String, bool),
    Null,
    /// A module from IMPORT_NAME.
    Import(String),
    /// `from module import name`.
    From(String, String),
    Function(Arc<Code>),
    Class(Arc<Code>),
    /// 2.7: the namespace a class body returns, before BUILD_CLASS.
    ClassBody(Arc<Code>),
    BuildClass,
    /// A constant tuple of strings (keyword names for CALL_FUNCTION_KW).
    Names(Vec<String>, String),
}

impl Item {
    fn text(&self) -> String {
        match self {
            Item::Expr(e, _) | Item::Names(_, e) => e.clone(),
            Item::Null => "None".to_owned(),
            Item::Import(m) => format!("__import__({})", py_str(m)),
            Item::From(m, n) => format!("__import__({}).{n}", py_str(m)),
            Item::Function(code) | Item::Class(code) | Item::ClassBody(code) => {
                format!("_code_{}", ident(&code.name))
            }
            Item::BuildClass => "__build_class__".to_owned(),
        }
    }
}

struct Renderer {
    ops: Ops,
    layout: Layout,
    /// Code objects used inside expressions (lambdas, comprehensions),
    /// written as functions after the body that made them.
    pending: Vec<Arc<Code>>,
}

impl Renderer {
    fn new(ops: Ops, layout: Layout) -> Self {
        Renderer {
            ops,
            layout,
            pending: Vec::new(),
        }
    }

    fn module(&mut self, code: &Arc<Code>, out: &mut String) {
        self.body(code, 0, out);
    }

    /// Writes one code object's statements at `indent`.
    fn body(&mut self, code: &Arc<Code>, indent: usize, out: &mut String) {
        if indent > MAX_NESTING || out.len() > MAX_SOURCE {
            return;
        }
        let start = out.len();
        let mut used = vec![false; code.consts.len()];
        if self.ops.known {
            self.disassemble(code, indent, out, &mut used);
        }
        let pad = "    ".repeat(indent);
        for (i, c) in code.consts.iter().enumerate() {
            match c {
                Obj::Str(_) | Obj::Bytes(_) if !used[i] => {
                    let _ = writeln!(out, "{pad}_ = {}", self.constant(c));
                }
                // Code no instruction reached: still analysed, as a function.
                Obj::Code(inner) if !used[i] => self.pending.push(inner.clone()),
                _ => {}
            }
        }
        for inner in std::mem::take(&mut self.pending) {
            let _ = writeln!(out, "{pad}def _code_{}():", ident(&inner.name));
            self.body(&inner, indent + 1, out);
        }
        if out.len() == start && indent > 0 {
            let _ = writeln!(out, "{pad}pass");
        }
    }

    /// A constant as a Python literal.
    fn constant(&self, obj: &Obj) -> String {
        match obj {
            Obj::None | Obj::Null => "None".to_owned(),
            Obj::Bool(true) => "True".to_owned(),
            Obj::Bool(false) => "False".to_owned(),
            Obj::Int(i) => i.to_string(),
            Obj::Float(f) if f.is_finite() => format!("{f:?}"),
            Obj::Str(s) => py_str(s),
            // Python 2's `str` is bytes in marshal: text to its reader.
            Obj::Bytes(b) if self.layout == Layout::Py27 => py_str(&String::from_utf8_lossy(b)),
            Obj::Bytes(b) => py_bytes(b),
            Obj::Tuple(items) => {
                let parts: Vec<String> = items.iter().map(|i| self.constant(i)).collect();
                if parts.len() == 1 {
                    format!("({},)", parts[0])
                } else {
                    format!("({})", parts.join(", "))
                }
            }
            Obj::Code(code) => format!("_code_{}", ident(&code.name)),
            _ => "None".to_owned(),
        }
    }

    fn disassemble(
        &mut self,
        code: &Arc<Code>,
        indent: usize,
        out: &mut String,
        used: &mut [bool],
    ) {
        let ops = self.ops;
        let mut pad = "    ".repeat(indent);
        let mut stack: Vec<Item> = Vec::new();
        let mut kw_names: Vec<String> = Vec::new();
        let mut ext: u32 = 0;
        let mut main_block = false;
        let bytes = &code.bytecode;
        let mut at = 0;
        let name = |i: u32| -> String {
            code.names
                .get(i as usize)
                .map_or_else(|| "_".to_owned(), |n| n.to_string())
        };
        let local = |i: u32| -> String {
            code.locals
                .get(i as usize)
                .map_or_else(|| "_".to_owned(), |n| n.to_string())
        };
        let is = |op: u8, want: Option<u8>| want == Some(op);
        while at < bytes.len() {
            if out.len() > MAX_SOURCE {
                return;
            }
            let op = bytes[at];
            let arg = if ops.wordcode {
                let a = u32::from(*bytes.get(at + 1).unwrap_or(&0)) | (ext << 8);
                at += 2;
                a
            } else if op >= ops.have_argument {
                let lo = u32::from(*bytes.get(at + 1).unwrap_or(&0));
                let hi = u32::from(*bytes.get(at + 2).unwrap_or(&0));
                at += 3;
                lo | (hi << 8) | (ext << 16)
            } else {
                at += 1;
                0
            };
            ext = 0;
            if op == ops.extended_arg {
                ext = arg;
                continue;
            }
            if ops.caches && op == 0 {
                continue;
            }
            let pop =
                |stack: &mut Vec<Item>| stack.pop().unwrap_or(Item::Expr("_".to_owned(), false));
            let popn = |stack: &mut Vec<Item>, n: usize| -> Vec<Item> {
                let split = stack.len().saturating_sub(n);
                let mut items = stack.split_off(split);
                while items.len() < n {
                    items.insert(0, Item::Expr("_".to_owned(), false));
                }
                items
            };
            if is(op, ops.load_const) || is(op, ops.return_const) {
                let value = match code.consts.get(arg as usize) {
                    Some(c) => {
                        used[arg as usize] = true;
                        match c {
                            Obj::Code(inner) => Item::Function(inner.clone()),
                            Obj::Tuple(items) if items.iter().all(|i| matches!(i, Obj::Str(_))) => {
                                let names = items
                                    .iter()
                                    .filter_map(|i| match i {
                                        Obj::Str(s) => Some(s.to_string()),
                                        _ => None,
                                    })
                                    .collect();
                                Item::Names(names, self.constant(c))
                            }
                            other => Item::Expr(self.constant(other), false),
                        }
                    }
                    None => Item::Expr("None".to_owned(), false),
                };
                if is(op, ops.return_const) {
                    self.flush(&mut stack, &pad, out);
                } else {
                    if let Item::Expr(text, _) = &value
                        && text == "'__main__'"
                        && indent == 0
                        && stack.last().is_some_and(|t| t.text() == "__name__")
                    {
                        main_block = true;
                    }
                    stack.push(value);
                }
            } else if is(op, ops.load_name) || is(op, ops.load_global) {
                let (index, null) = if is(op, ops.load_global) && ops.global_null != NullAt::Never {
                    (arg >> 1, arg & 1 == 1)
                } else {
                    (arg, false)
                };
                if null && ops.global_null == NullAt::Before {
                    stack.push(Item::Null);
                }
                stack.push(Item::Expr(name(index), false));
                if null && ops.global_null == NullAt::After {
                    stack.push(Item::Null);
                }
            } else if is(op, ops.load_small_int) {
                stack.push(Item::Expr(arg.to_string(), false));
            } else if is(op, ops.load_common_constant) {
                let constant = COMMON_CONSTANTS.get(arg as usize).copied().unwrap_or("_");
                stack.push(Item::Expr(constant.to_owned(), false));
            } else if is(op, ops.load_fast)
                || is(op, ops.load_fast_check)
                || is(op, ops.load_fast_borrow)
            {
                stack.push(Item::Expr(local(arg), false));
            } else if is(op, ops.load_fast_load_fast)
                || is(op, ops.load_fast_borrow_load_fast_borrow)
            {
                stack.push(Item::Expr(local(arg >> 4), false));
                stack.push(Item::Expr(local(arg & 15), false));
            } else if is(op, ops.load_attr) || is(op, ops.load_method) {
                let (index, method) = if is(op, ops.load_attr) && ops.attr_method_bit {
                    (arg >> 1, arg & 1 == 1)
                } else {
                    (arg, is(op, ops.load_method))
                };
                let owner = pop(&mut stack);
                let expr = Item::Expr(cut(format!("{}.{}", owner.text(), name(index))), false);
                stack.push(expr);
                if method {
                    stack.push(Item::Null);
                }
            } else if is(op, ops.import_name) {
                let _fromlist = pop(&mut stack);
                let _level = pop(&mut stack);
                stack.push(Item::Import(name(arg)));
            } else if is(op, ops.import_from) {
                let module = match stack.last() {
                    Some(Item::Import(m)) => m.clone(),
                    Some(other) => other.text(),
                    None => "_".to_owned(),
                };
                stack.push(Item::From(module, name(arg)));
            } else if is(op, ops.import_star) {
                if let Item::Import(module) = pop(&mut stack) {
                    let _ = writeln!(out, "{pad}from {module} import *");
                }
            } else if is(op, ops.store_name) || is(op, ops.store_global) || is(op, ops.store_fast) {
                let target = if is(op, ops.store_fast) {
                    local(arg)
                } else {
                    name(arg)
                };
                let value = pop(&mut stack);
                self.store(&target, value, indent, &pad, out);
            } else if is(op, ops.store_attr) {
                let owner = pop(&mut stack);
                let value = pop(&mut stack);
                let _ = writeln!(
                    out,
                    "{pad}{}.{} = {}",
                    owner.text(),
                    name(arg),
                    value.text()
                );
            } else if is(op, ops.push_null) {
                stack.push(Item::Null);
            } else if is(op, ops.kw_names) {
                kw_names = match code.consts.get(arg as usize) {
                    Some(Obj::Tuple(items)) => items
                        .iter()
                        .filter_map(|i| match i {
                            Obj::Str(s) => Some(s.to_string()),
                            _ => None,
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                if let Some(flag) = used.get_mut(arg as usize) {
                    *flag = true;
                }
            } else if is(op, ops.call) || is(op, ops.call_kw) || is(op, ops.call_method) {
                if is(op, ops.call_kw) {
                    kw_names = match pop(&mut stack) {
                        Item::Names(names, _) => names,
                        _ => Vec::new(),
                    };
                }
                let args = popn(&mut stack, arg as usize);
                let a = pop(&mut stack);
                let b = pop(&mut stack);
                // [callable, NULL], [NULL, callable] or [method, self].
                let callee = match (&a, &b) {
                    (Item::Null, _) => b,
                    (_, Item::Null) => a,
                    _ => {
                        stack.push(b);
                        a
                    }
                };
                let names = std::mem::take(&mut kw_names);
                stack.push(self.call(callee, args, &names));
            } else if is(op, ops.call_function) || is(op, ops.call_function_kw) {
                let (positional, names) = if is(op, ops.call_function_kw) {
                    let names = match pop(&mut stack) {
                        Item::Names(names, _) => names,
                        _ => Vec::new(),
                    };
                    (arg as usize, names)
                } else if !ops.wordcode {
                    // 2.7: low byte positional, high byte keyword pairs.
                    let pairs = ((arg >> 8) & 0xff) as usize;
                    let mut names = Vec::new();
                    let kw = popn(&mut stack, pairs * 2);
                    let mut values = Vec::new();
                    for pair in kw.chunks(2) {
                        names.push(pair[0].text().trim_matches('\'').to_owned());
                        values.push(pair[1].clone());
                    }
                    let mut args = popn(&mut stack, (arg & 0xff) as usize);
                    args.extend(values);
                    let callee = pop(&mut stack);
                    stack.push(self.call(callee, args, &names));
                    continue;
                } else {
                    (arg as usize, Vec::new())
                };
                let args = popn(&mut stack, positional);
                let callee = pop(&mut stack);
                stack.push(self.call(callee, args, &names));
            } else if is(op, ops.call_function_ex) {
                let kwargs = if ops.call_ex_kwargs_slot {
                    Some(pop(&mut stack)).filter(|k| !matches!(k, Item::Null))
                } else {
                    (arg & 1 == 1).then(|| pop(&mut stack))
                };
                let args = pop(&mut stack);
                let mut callee = pop(&mut stack);
                if matches!(callee, Item::Null) {
                    callee = pop(&mut stack);
                } else if matches!(stack.last(), Some(Item::Null)) {
                    stack.pop();
                }
                let mut text = format!("{}(*{}", callee.text(), args.text());
                if let Some(kwargs) = kwargs {
                    let _ = write!(text, ", **{}", kwargs.text());
                }
                text.push(')');
                stack.push(Item::Expr(cut(text), true));
            } else if is(op, ops.make_function) || is(op, ops.make_closure) {
                // 3.6 to 3.10 push the qualified name above the code.
                let qualname_on_stack = ops.wordcode && ops.call.is_none();
                if qualname_on_stack {
                    pop(&mut stack);
                }
                let function = pop(&mut stack);
                if ops.wordcode {
                    for flag in [0x08, 0x04, 0x02, 0x01] {
                        if arg & flag != 0 && ops.set_function_attribute.is_none() {
                            pop(&mut stack);
                        }
                    }
                } else {
                    popn(&mut stack, (arg & 0xff) as usize);
                    if is(op, ops.make_closure) {
                        pop(&mut stack);
                    }
                }
                stack.push(function);
            } else if is(op, ops.set_function_attribute) {
                let function = pop(&mut stack);
                pop(&mut stack);
                stack.push(function);
            } else if is(op, ops.build_list) || is(op, ops.build_tuple) {
                let items: Vec<String> = popn(&mut stack, arg as usize)
                    .iter()
                    .map(Item::text)
                    .collect();
                let text = if is(op, ops.build_list) {
                    format!("[{}]", items.join(", "))
                } else if items.len() == 1 {
                    format!("({},)", items[0])
                } else {
                    format!("({})", items.join(", "))
                };
                stack.push(Item::Expr(cut(text), false));
            } else if is(op, ops.binary_subscr) || (is(op, ops.binary_op) && arg == NB_SUBSCR) {
                let key = pop(&mut stack);
                let owner = pop(&mut stack);
                stack.push(Item::Expr(
                    cut(format!("{}[{}]", owner.text(), key.text())),
                    false,
                ));
            } else if is(op, ops.binary_add) || is(op, ops.binary_op) {
                let right = pop(&mut stack);
                let left = pop(&mut stack);
                let symbol = if is(op, ops.binary_add) {
                    "+"
                } else {
                    BINARY_OPS.get(arg as usize).copied().unwrap_or("+")
                };
                let text = format!("({} {symbol} {})", left.text(), right.text());
                let call =
                    matches!(left, Item::Expr(_, true)) || matches!(right, Item::Expr(_, true));
                stack.push(Item::Expr(cut(text), call));
            } else if is(op, ops.pop_top) || is(op, ops.print_expr) {
                match pop(&mut stack) {
                    Item::Expr(text, true) => {
                        let _ = writeln!(out, "{pad}{text}");
                    }
                    // `from m import a, b` leaves the module for a POP_TOP.
                    Item::Import(..) | Item::Expr(..) | Item::Null | Item::Names(..) => {}
                    other => {
                        let _ = writeln!(out, "{pad}{}", other.text());
                    }
                }
            } else if is(op, ops.exec_stmt) {
                let items = popn(&mut stack, 3);
                let _ = writeln!(out, "{pad}exec({})", items[0].text());
            } else if is(op, ops.return_value) {
                if let Item::Expr(text, true) = pop(&mut stack) {
                    let _ = writeln!(out, "{pad}{text}");
                }
                self.flush(&mut stack, &pad, out);
            } else if is(op, ops.load_build_class) {
                stack.push(Item::BuildClass);
            } else if is(op, ops.compare_op) {
                let right = pop(&mut stack);
                let left = pop(&mut stack);
                if main_block && right.text() == "'__main__'" && left.text() == "__name__" {
                    let _ = writeln!(out, "{pad}if __name__ == '__main__':");
                    pad.push_str("    ");
                    stack.clear();
                    continue;
                }
                main_block = false;
                let call =
                    matches!(left, Item::Expr(_, true)) || matches!(right, Item::Expr(_, true));
                stack.push(Item::Expr(
                    cut(format!("({} == {})", left.text(), right.text())),
                    call,
                ));
            } else if is(op, ops.list_extend) {
                // `[a, *b]` and constant lists: BUILD_LIST then LIST_EXTEND.
                let items = pop(&mut stack).text();
                let list = pop(&mut stack).text();
                let inner = |t: &str| {
                    let t = t.trim();
                    let t = t
                        .strip_prefix(['(', '['])
                        .and_then(|t| t.strip_suffix([')', ']']))
                        .map_or_else(|| format!("*{t}"), str::to_owned);
                    t.trim().trim_end_matches(',').to_owned()
                };
                let parts: Vec<String> = [inner(&list), inner(&items)]
                    .into_iter()
                    .filter(|p| !p.is_empty())
                    .collect();
                stack.push(Item::Expr(cut(format!("[{}]", parts.join(", "))), false));
            } else if is(op, ops.dup_top) {
                let top = stack.last().cloned().unwrap_or(Item::Null);
                stack.push(top);
            } else if is(op, ops.build_class) {
                let body = pop(&mut stack);
                let _bases = pop(&mut stack);
                let _name = pop(&mut stack);
                match body {
                    Item::ClassBody(code) => stack.push(Item::Class(code)),
                    other => stack.push(other),
                }
            } else if is(op, ops.resume)
                || is(op, ops.nop)
                || is(op, ops.not_taken)
                || is(op, ops.precall)
            {
            } else {
                // An opcode the renderer does not follow: keep the calls
                // waiting on the stack as statements, then start afresh.
                self.flush(&mut stack, &pad, out);
            }
        }
        self.flush(&mut stack, &pad, out);
        if out.ends_with(":\n") {
            let _ = writeln!(out, "{pad}pass");
        }
    }

    /// Writes every call still on the stack as a statement and empties it.
    fn flush(&self, stack: &mut Vec<Item>, pad: &str, out: &mut String) {
        for item in stack.drain(..) {
            if let Item::Expr(text, true) = item {
                let _ = writeln!(out, "{pad}{text}");
            }
        }
    }

    fn call(&mut self, callee: Item, args: Vec<Item>, keywords: &[String]) -> Item {
        if matches!(callee, Item::BuildClass)
            && let Some(Item::Function(code)) = args.first()
        {
            return Item::Class(code.clone());
        }
        let split = args.len().saturating_sub(keywords.len());
        let mut parts: Vec<String> = Vec::with_capacity(args.len());
        for (i, arg) in args.iter().enumerate() {
            if let Item::Function(code) = arg {
                self.pending.push(code.clone());
            }
            if i >= split {
                parts.push(format!("{}={}", ident(&keywords[i - split]), arg.text()));
            } else {
                parts.push(arg.text());
            }
        }
        if let Item::Function(code) = &callee {
            // 2.7 runs a class body by calling it, then BUILD_CLASS.
            if self.ops.build_class.is_some() && args.is_empty() {
                return Item::ClassBody(code.clone());
            }
            self.pending.push(code.clone());
        }
        Item::Expr(
            cut(format!("{}({})", callee.text(), parts.join(", "))),
            true,
        )
    }

    fn store(&mut self, target: &str, value: Item, indent: usize, pad: &str, out: &mut String) {
        let target = ident(target);
        match value {
            Item::Import(module) => {
                let top = module.split('.').next().unwrap_or(&module);
                if top == target {
                    let _ = writeln!(out, "{pad}import {module}");
                } else {
                    let _ = writeln!(out, "{pad}import {module} as {target}");
                }
            }
            Item::From(module, name) => {
                let _ = writeln!(out, "{pad}from {module} import {name} as {target}");
            }
            Item::Function(code) => {
                let params: Vec<String> = code
                    .locals
                    .iter()
                    .take(code.argcount as usize)
                    .map(|p| ident(p))
                    .collect();
                let _ = writeln!(out, "{pad}def {target}({}):", params.join(", "));
                let saved = std::mem::take(&mut self.pending);
                self.body(&code, indent + 1, out);
                self.pending = saved;
            }
            Item::Class(code) => {
                let _ = writeln!(out, "{pad}class {target}:");
                let saved = std::mem::take(&mut self.pending);
                self.body(&code, indent + 1, out);
                self.pending = saved;
            }
            other => {
                let _ = writeln!(out, "{pad}{target} = {}", other.text());
            }
        }
    }
}

fn cut(mut text: String) -> String {
    if text.len() > MAX_EXPR {
        let mut end = MAX_EXPR;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str("...");
    }
    text
}

/// A name made safe to write as a Python identifier.
fn ident(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c == '_' || c.is_alphanumeric() {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// A Python string literal for `text`.
pub fn py_str(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A Python bytes literal.
fn py_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 3);
    out.push_str("b'");
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\'' => out.push_str("\\'"),
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{Layout, Ops, Renderer};
    use crate::carriers::marshal::{Code, Obj};

    /// Writes one 3.14 module made of `ops` (opcode, argument, cache
    /// entries after it) back as Python.
    fn render_314(ops: &[(u8, u8, usize)], names: &[&str], consts: Vec<Obj>) -> String {
        let mut bytecode = vec![128, 0];
        for &(op, arg, caches) in ops {
            bytecode.extend([op, arg]);
            bytecode.extend(std::iter::repeat_n(0, caches * 2));
        }
        let code = Arc::new(Code {
            name: "<module>".into(),
            first_line: 1,
            argcount: 0,
            bytecode: bytecode.into(),
            consts,
            names: names.iter().map(|&n| n.into()).collect(),
            locals: Vec::new(),
        });
        let mut out = String::new();
        Renderer::new(Ops::for_version(3, 14), Layout::Py311).module(&code, &mut out);
        out
    }

    const LOAD_NAME: u8 = 93;
    const LOAD_ATTR: u8 = 80;
    const LOAD_SMALL_INT: u8 = 94;
    const PUSH_NULL: u8 = 33;
    const BINARY_OP: u8 = 44;
    const CALL: u8 = 52;
    const CALL_FUNCTION_EX: u8 = 4;
    const POP_TOP: u8 = 31;

    #[test]
    fn python_3_14_subscript_is_binary_op_26() {
        // exec(data[0])
        let source = render_314(
            &[
                (LOAD_NAME, 0, 0),
                (PUSH_NULL, 0, 0),
                (LOAD_NAME, 1, 0),
                (LOAD_SMALL_INT, 0, 0),
                (BINARY_OP, 26, 5),
                (CALL, 1, 3),
                (POP_TOP, 0, 0),
            ],
            &["exec", "data"],
            Vec::new(),
        );
        assert!(source.contains("exec(data[0])"), "{source}");
    }

    #[test]
    fn python_3_14_call_function_ex_takes_a_null_keyword_slot() {
        // subprocess.call(*args)
        let source = render_314(
            &[
                (LOAD_NAME, 0, 0),
                (LOAD_ATTR, 1 << 1, 9),
                (PUSH_NULL, 0, 0),
                (LOAD_NAME, 2, 0),
                (PUSH_NULL, 0, 0),
                (CALL_FUNCTION_EX, 0, 0),
                (POP_TOP, 0, 0),
            ],
            &["subprocess", "call", "args"],
            Vec::new(),
        );
        assert!(source.contains("subprocess.call(*args)\n"), "{source}");
        // With keywords: subprocess.call(*args, **kw)
        let source = render_314(
            &[
                (LOAD_NAME, 0, 0),
                (LOAD_ATTR, 1 << 1, 9),
                (PUSH_NULL, 0, 0),
                (LOAD_NAME, 2, 0),
                (LOAD_NAME, 3, 0),
                (CALL_FUNCTION_EX, 0, 0),
                (POP_TOP, 0, 0),
            ],
            &["subprocess", "call", "args", "kw"],
            Vec::new(),
        );
        assert!(source.contains("subprocess.call(*args, **kw)"), "{source}");
    }
}
