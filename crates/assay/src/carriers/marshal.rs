//! Reading CPython's `marshal` format: the constants, names and nested
//! code objects of compiled Python, for CPython 2.7 and 3.x, without a
//! Python. Nothing is evaluated; unknown types stop the read.

use std::sync::Arc;

/// The code-object layout a stream was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// 2.7: no keyword-only count.
    Py27,
    /// 3.0 to 3.7: keyword-only count.
    Py30,
    /// 3.8 to 3.10: positional-only count too.
    Py38,
    /// 3.11 and later: `co_localsplusnames`, `co_qualname`, exception table.
    Py311,
}

/// A marshalled value, as far as the analysis needs it.
#[derive(Debug, Clone, PartialEq)]
pub enum Obj {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Arc<str>),
    Bytes(Arc<[u8]>),
    Tuple(Arc<[Obj]>),
    Code(Arc<Code>),
    /// Ellipsis, complex numbers, big integers, dictionaries, sets.
    Other,
    /// The end marker of a dictionary.
    Null,
}

/// A code object: one module, function, class body or comprehension.
#[derive(Debug, Clone, PartialEq)]
pub struct Code {
    pub name: Arc<str>,
    pub first_line: u32,
    pub argcount: u32,
    pub bytecode: Arc<[u8]>,
    pub consts: Vec<Obj>,
    /// `co_names`: globals, attributes and imported modules.
    pub names: Vec<Arc<str>>,
    /// Local variable names (`co_varnames`, or `co_localsplusnames` from
    /// 3.11, which also holds cell and free variables).
    pub locals: Vec<Arc<str>>,
}

/// Most objects one stream may hold.
const MAX_OBJECTS: usize = 2_000_000;
/// Deepest nesting followed.
const MAX_DEPTH: usize = 200;

/// Reads one marshalled object written with `layout`.
pub fn read(data: &[u8], layout: Layout) -> Option<Obj> {
    let mut reader = Reader {
        data,
        at: 0,
        layout,
        refs: Vec::new(),
        interned: Vec::new(),
        objects: 0,
    };
    reader.object(0)
}

/// Reads a marshalled code object whose Python version is unknown (a
/// `marshal.loads` constant): the most recent layout that reads cleanly.
pub fn read_code_any(data: &[u8]) -> Option<(Layout, Arc<Code>)> {
    [Layout::Py311, Layout::Py38, Layout::Py30, Layout::Py27]
        .into_iter()
        .find_map(|layout| match read(data, layout)? {
            Obj::Code(code) => Some((layout, code)),
            _ => None,
        })
}

struct Reader<'a> {
    data: &'a [u8],
    at: usize,
    layout: Layout,
    refs: Vec<Obj>,
    /// Python 2's interned strings, referred back to by `R`.
    interned: Vec<Arc<str>>,
    objects: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.data.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let out = self.data.get(self.at..end)?;
        self.at = end;
        Some(out)
    }

    fn u32(&mut self) -> Option<u32> {
        let b = self.bytes(4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn len(&mut self) -> Option<usize> {
        let n = self.u32()? as usize;
        // A length past the end of the data is a wrong guess of layout or
        // a corrupt stream, not something to allocate for.
        (n <= self.data.len()).then_some(n)
    }

    fn object(&mut self, depth: usize) -> Option<Obj> {
        if depth > MAX_DEPTH || self.objects > MAX_OBJECTS {
            return None;
        }
        self.objects += 1;
        let code = self.byte()?;
        let flag = code & 0x80 != 0;
        let kind = code & 0x7f;
        // Containers and code take their reference slot before their
        // contents are read.
        let slot = flag.then(|| {
            self.refs.push(Obj::Other);
            self.refs.len() - 1
        });
        let obj = match kind {
            b'0' => Obj::Null,
            b'N' => Obj::None,
            b'F' => Obj::Bool(false),
            b'T' => Obj::Bool(true),
            b'S' | b'.' => Obj::Other,
            b'i' => Obj::Int(i64::from(self.u32()? as i32)),
            b'I' => {
                let b = self.bytes(8)?;
                Obj::Int(i64::from_le_bytes(b.try_into().ok()?))
            }
            b'l' => {
                let n = self.u32()? as i32;
                let digits = n.unsigned_abs() as usize;
                self.bytes(digits.checked_mul(2)?)?;
                Obj::Other
            }
            b'f' => {
                let n = usize::from(self.byte()?);
                let text = self.bytes(n)?;
                Obj::Float(std::str::from_utf8(text).ok()?.parse().ok()?)
            }
            b'g' => Obj::Float(f64::from_le_bytes(self.bytes(8)?.try_into().ok()?)),
            b'x' => {
                for _ in 0..2 {
                    let n = usize::from(self.byte()?);
                    self.bytes(n)?;
                }
                Obj::Other
            }
            b'y' => {
                self.bytes(16)?;
                Obj::Other
            }
            b's' => {
                let n = self.len()?;
                // Python 2's `str` is bytes too: the renderer reads it as text.
                Obj::Bytes(self.bytes(n)?.into())
            }
            b't' => {
                let n = self.len()?;
                let text: Arc<str> = String::from_utf8_lossy(self.bytes(n)?).into();
                if self.layout == Layout::Py27 {
                    self.interned.push(text.clone());
                }
                Obj::Str(text)
            }
            b'R' if self.layout == Layout::Py27 => {
                let i = self.u32()? as usize;
                Obj::Str(self.interned.get(i)?.clone())
            }
            b'u' | b'a' | b'A' => {
                let n = self.len()?;
                Obj::Str(String::from_utf8_lossy(self.bytes(n)?).into())
            }
            b'z' | b'Z' => {
                let n = usize::from(self.byte()?);
                Obj::Str(String::from_utf8_lossy(self.bytes(n)?).into())
            }
            b'(' | b'[' | b'<' | b'>' => {
                let n = self.len()?;
                let items = self.items(n, depth)?;
                if kind == b'(' {
                    Obj::Tuple(items.into())
                } else {
                    Obj::Other
                }
            }
            b')' => {
                let n = usize::from(self.byte()?);
                Obj::Tuple(self.items(n, depth)?.into())
            }
            b'{' => {
                loop {
                    let key = self.object(depth + 1)?;
                    if key == Obj::Null {
                        break;
                    }
                    self.object(depth + 1)?;
                }
                Obj::Other
            }
            b'r' => {
                let i = self.u32()? as usize;
                self.refs.get(i)?.clone()
            }
            b':' => {
                // A slice (3.14): start, stop, step.
                for _ in 0..3 {
                    self.object(depth + 1)?;
                }
                Obj::Other
            }
            b'c' => Obj::Code(Arc::new(self.code(depth)?)),
            _ => return None,
        };
        if let Some(slot) = slot {
            self.refs[slot] = obj.clone();
        }
        Some(obj)
    }

    fn items(&mut self, n: usize, depth: usize) -> Option<Vec<Obj>> {
        let mut items = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            items.push(self.object(depth + 1)?);
        }
        Some(items)
    }

    fn code(&mut self, depth: usize) -> Option<Code> {
        let counts = match self.layout {
            Layout::Py27 => 4,  // argcount, nlocals, stacksize, flags
            Layout::Py30 => 5,  // + kwonlyargcount
            Layout::Py38 => 6,  // + posonlyargcount
            Layout::Py311 => 5, // argcount, posonly, kwonly, stacksize, flags
        };
        let argcount = self.u32()?;
        for _ in 1..counts {
            self.u32()?;
        }
        let Obj::Bytes(bytecode) = self.object(depth + 1)? else {
            return None;
        };
        let Obj::Tuple(consts) = self.object(depth + 1)? else {
            return None;
        };
        let names = self.names(depth)?;
        let locals = self.names(depth)?;
        if self.layout == Layout::Py311 {
            // co_localspluskinds
            self.object(depth + 1)?;
        } else {
            // co_freevars, co_cellvars
            self.names(depth)?;
            self.names(depth)?;
        }
        let _filename = self.object(depth + 1)?;
        let name: Arc<str> = match self.object(depth + 1)? {
            Obj::Str(name) => name,
            Obj::Bytes(name) => String::from_utf8_lossy(&name).into(),
            _ => return None,
        };
        if self.layout == Layout::Py311 {
            // co_qualname
            self.object(depth + 1)?;
        }
        let first_line = self.u32()?;
        // co_lnotab / co_linetable, then (3.11) co_exceptiontable.
        self.object(depth + 1)?;
        if self.layout == Layout::Py311 {
            self.object(depth + 1)?;
        }
        Some(Code {
            name,
            first_line,
            argcount,
            bytecode,
            consts: consts.to_vec(),
            names,
            locals,
        })
    }

    fn names(&mut self, depth: usize) -> Option<Vec<Arc<str>>> {
        match self.object(depth + 1)? {
            Obj::Tuple(items) => items
                .iter()
                .map(|o| match o {
                    Obj::Str(s) => Some(s.clone()),
                    Obj::Bytes(b) => Some(String::from_utf8_lossy(b).into()),
                    _ => None,
                })
                .collect(),
            _ => None,
        }
    }
}
