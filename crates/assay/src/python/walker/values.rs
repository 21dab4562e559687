//! What an expression evaluates to: the walker's values.

use std::sync::Arc;

use super::super::QualName;
use super::super::consts::Const;
use super::super::taint::{self, Taint};
use crate::python::Template;
use crate::via::Via;

/// What an expression evaluates to, as far as the walker can tell.
#[derive(Debug, Clone, Default)]
pub(in crate::python) struct Sym {
    /// Qualified name of a module, attribute path or call result (`os.path`,
    /// `socket.socket()`).
    pub(super) qual: Option<QualName>,
    pub(super) konst: Option<Const>,
    pub(super) taint: Taint,
    /// A function or class defined in this file (`Class.method`).
    pub(super) local: Option<Arc<str>>,
    /// An instance of a class defined in this file.
    pub(super) instance_of: Option<Arc<str>>,
    /// The object a method was looked up on (`"-".join` → `"-"`).
    pub(super) receiver: Option<Box<Sym>>,
    /// Encoding layers that produced `konst`, outermost first.
    pub(super) chain: Option<Via>,
    /// Text with parts that are not constant (an f-string, a
    /// concatenation, a command list): enough to see a command line's shape.
    pub(super) template: Option<Template>,
    /// The result of calling a local function (for return-taint summaries).
    pub(super) returned_by: Option<Arc<str>>,
    /// `konst` is Python source that was already analysed as a payload.
    pub(super) analysed: bool,
    /// The address a connection object was opened to, as a URL
    /// (`HTTPSConnection("h")` → `https://h`, `s.connect(("h", 80))` →
    /// `tcp://h:80`): what its methods send goes there
    /// ([`super::connections`]).
    pub(super) connected: Option<Arc<str>>,
}

impl Sym {
    pub(super) fn qual(name: QualName) -> Sym {
        Sym {
            qual: Some(name),
            ..Sym::default()
        }
    }

    pub(super) fn constant(konst: Const) -> Sym {
        Sym {
            konst: Some(konst),
            ..Sym::default()
        }
    }

    pub(super) fn tainted(taint: Taint) -> Sym {
        Sym {
            taint,
            ..Sym::default()
        }
    }

    /// The qualified name as code spells it, for looking up known APIs.
    pub(super) fn qual_str(&self) -> Option<&str> {
        self.qual.as_ref().map(QualName::as_str)
    }

    pub(super) fn text(&self) -> Option<Arc<str>> {
        self.konst.as_ref().and_then(Const::as_text)
    }

    /// The value as text: a constant, or a template with `{}` for each
    /// unknown part.
    pub(super) fn printed(&self) -> Option<Arc<str>> {
        self.text()
            .or_else(|| self.template.as_ref().map(|t| Arc::from(t.printed())))
    }

    pub(super) fn str(&self) -> Option<&str> {
        match &self.konst {
            Some(Const::Str(s)) => Some(s),
            _ => None,
        }
    }

    pub(in crate::python) fn konst_ref(&self) -> Option<&Const> {
        self.konst.as_ref()
    }

    pub(super) fn int(&self) -> Option<i64> {
        match &self.konst {
            Some(Const::Int(i)) => Some(*i),
            _ => None,
        }
    }
}

/// What a recorded fact keeps of a value: the parts a reported
/// [`crate::python::Value`] is made of, taken when the fact is recorded,
/// so that a walk does not hold whole values (receivers, constants,
/// decoding chains) until its file is done. What a local function
/// returns is added at the end ([`PendingValue::resolved`]), once every
/// function's returns are known.
pub(in crate::python) struct PendingValue {
    text: Option<Arc<str>>,
    /// Only kept for a value that is not constant text.
    template: Option<Template>,
    taint: Taint,
    /// The local function whose result this is, if any.
    returned_by: Option<Arc<str>>,
    origin: Option<QualName>,
}

impl From<Sym> for PendingValue {
    fn from(sym: Sym) -> PendingValue {
        let text = sym.text();
        PendingValue {
            // A template only stands in for text that is not constant.
            template: sym.template.filter(|_| text.is_none()),
            text,
            taint: sym.taint,
            returned_by: sym.returned_by,
            origin: sym.qual,
        }
    }
}

impl From<&Sym> for PendingValue {
    fn from(sym: &Sym) -> PendingValue {
        let text = sym.text();
        PendingValue {
            template: sym.template.clone().filter(|_| text.is_none()),
            text,
            taint: sym.taint,
            returned_by: sym.returned_by.clone(),
            origin: sym.qual.clone(),
        }
    }
}

impl PendingValue {
    /// The public [`crate::python::Value`], with what the local function
    /// it came from returns.
    pub(in crate::python) fn resolved(self, returns: &Returns) -> crate::python::Value {
        // What a local function returns, or what a value derived from it
        // carries: `get(url).decode()` is recorded as returned by
        // `get.decode`, which has no summary of its own, so the name is
        // cut back to the function that does (`get`).
        let summary = self
            .returned_by
            .as_deref()
            .and_then(|name| {
                let mut name = name;
                loop {
                    if let Some(&taint) = returns.get(name) {
                        return Some(taint);
                    }
                    name = name.rsplit_once('.')?.0;
                }
            })
            .unwrap_or(0);
        crate::python::Value {
            template: self.template,
            text: self.text,
            taint: (self.taint | summary) & taint::SOURCES,
            params: taint::params_of(self.taint),
            fields: taint::fields_of(self.taint),
            imports: taint::imported_of(self.taint | summary),
            origin: self.origin,
        }
    }
}

/// What each local function returns, by name.
pub(in crate::python) type Returns = rustc_hash::FxHashMap<Arc<str>, Taint>;
