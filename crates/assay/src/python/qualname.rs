//! Qualified names: what the model resolves a callee or a value to.
//!
//! A name is a list of [`Segment`]s: module and attribute names, with
//! explicit markers for the result of a call (`socket.socket().connect`),
//! an item (`os.environ[]`), an object the model cannot name (`?.encrypt`)
//! and a relative import (`.core.Checker`). Structural questions (is the
//! receiver unknown, which attribute comes last, what was called) are
//! answered from the segments. [`QualName::as_str`] is the name as code
//! spells it, rendered once, for looking up known APIs in tables.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use compact_str::CompactString;
use smallvec::SmallVec;

use super::ApiClasses;

/// One step of a qualified name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// A module, attribute or function name.
    Name(Arc<str>),
    /// The result of calling what the segments before name (`()`).
    Called,
    /// An item of what the segments before name (`[]`).
    Item,
    /// An object the model cannot name: the receiver of `?.encrypt`.
    Unknown,
    /// A relative import, this many packages up (the dots of `..core`).
    Relative(u32),
}

/// A qualified name (`os.system`, `socket.socket().connect`, `?.encrypt`).
/// One shared allocation: the walker clones names with every value it
/// copies, so a clone is one reference count and a value one pointer.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct QualName(Arc<Parts>);

/// The segments of a name, inline up to four (`socket.socket().connect`).
type Segments = SmallVec<[Segment; 4]>;

/// What a [`QualName`] shares between its clones: one allocation, which
/// holds the segments and (up to 24 bytes) the text inline. The walker
/// makes a name for every attribute it reads, and the rules read the
/// names of every call: each pointer less to follow is a cache miss less.
struct Parts {
    segments: Segments,
    /// The rendering of `segments`, kept for table lookups and printing.
    text: CompactString,
    /// The kinds of API the name is ([`ApiClasses`]), worked out on the
    /// first question and kept: the walker, the flows and a dozen rules
    /// ask them of every call. `0` until then.
    classes: AtomicU8,
}

impl PartialEq for Parts {
    fn eq(&self, other: &Parts) -> bool {
        self.text == other.text && self.segments == other.segments
    }
}

impl Eq for Parts {}

/// The text alone: equal segments render equal text.
impl Hash for Parts {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.text.as_str().hash(state);
    }
}

impl QualName {
    fn from_segments(segments: Segments) -> QualName {
        let text = render(&segments);
        QualName::from_parts(segments, text)
    }

    fn from_parts(segments: Segments, text: CompactString) -> QualName {
        QualName(Arc::new(Parts {
            segments,
            text,
            classes: AtomicU8::new(0),
        }))
    }

    /// The kinds of API this name is (network, process, code execution,
    /// capture), from [`ApiClasses::of`] on the first question.
    pub fn api_classes(&self) -> ApiClasses {
        let known = self.0.classes.load(Ordering::Relaxed);
        if let Some(classes) = ApiClasses::from_bits(known) {
            return classes;
        }
        let classes = ApiClasses::of(self);
        // Every thread computes the same answer: a race stores it twice.
        self.0.classes.store(classes.bits(), Ordering::Relaxed);
        classes
    }

    /// A dotted module or attribute path (`os.path`); leading dots make it
    /// relative (`.core.Checker`).
    pub fn dotted(path: &str) -> QualName {
        let names = path.trim_start_matches('.');
        let level = path.len() - names.len();
        let mut segments = Segments::new();
        if level > 0 {
            segments.push(Segment::Relative(u32::try_from(level).unwrap_or(u32::MAX)));
        }
        // `from . import x` names no module after its dots; an empty
        // absolute path is one empty name, as code can spell it
        // (`sys.modules[""]`).
        if level == 0 || !names.is_empty() {
            segments.extend(names.split('.').map(|n| Segment::Name(n.into())));
        }
        QualName::from_segments(segments)
    }

    /// A builtin (`builtins.exec`).
    pub fn builtin(name: &str) -> QualName {
        QualName::from_segments(smallvec::smallvec![
            Segment::Name("builtins".into()),
            Segment::Name(name.into()),
        ])
    }

    /// The attribute `attr` of an object the model cannot name (`?.attr`).
    pub fn unknown_attribute(attr: &str) -> QualName {
        QualName::from_segments(smallvec::smallvec![
            Segment::Unknown,
            Segment::Name(attr.into())
        ])
    }

    /// This name with one more segment; its text is the parent's with
    /// the segment's spelling appended.
    fn extended(&self, segment: Segment) -> QualName {
        let mut segments = Segments::with_capacity(self.0.segments.len() + 1);
        segments.extend(self.0.segments.iter().cloned());
        let mut text = self.0.text.clone();
        spell(&mut text, self.0.segments.last(), &segment);
        segments.push(segment);
        QualName::from_parts(segments, text)
    }

    /// The attribute `attr` of this object (`os` → `os.path`).
    pub fn attribute(&self, attr: &str) -> QualName {
        self.extended(Segment::Name(attr.into()))
    }

    /// What calling this returns (`socket.socket` → `socket.socket()`).
    pub fn called(&self) -> QualName {
        self.extended(Segment::Called)
    }

    /// An item of this object (`os.environ` → `os.environ[]`).
    pub fn item(&self) -> QualName {
        self.extended(Segment::Item)
    }

    pub fn segments(&self) -> &[Segment] {
        &self.0.segments
    }

    /// The name as code spells it (`socket.socket().connect`), for looking
    /// up known APIs.
    pub fn as_str(&self) -> &str {
        &self.0.text
    }

    /// The first segment is an object the model cannot name (`?.encrypt`).
    pub fn has_unknown_receiver(&self) -> bool {
        matches!(self.0.segments.first(), Some(Segment::Unknown))
    }

    /// The name starts with a relative import.
    pub fn is_relative(&self) -> bool {
        matches!(self.0.segments.first(), Some(Segment::Relative(_)))
    }

    /// The first segment, when it is a name (`builtins` of `builtins.exec`).
    pub fn root(&self) -> Option<&str> {
        match self.0.segments.first() {
            Some(Segment::Name(n)) => Some(n),
            _ => None,
        }
    }

    /// The top-level module a name starts with: its first name, unless
    /// that is called or indexed (`os` of `os.path.join`).
    pub fn top_module(&self) -> Option<&str> {
        match &*self.0.segments {
            [Segment::Name(n)] | [Segment::Name(n), Segment::Name(_), ..] => Some(n),
            _ => None,
        }
    }

    /// Something inside the dotted module `module` (`os.path.join` is in
    /// `os` and `os.path`, `os` is in neither).
    pub fn is_in(&self, module: &str) -> bool {
        let mut segments = self.0.segments.iter();
        starts_with_path(&mut segments, module) && matches!(segments.next(), Some(Segment::Name(_)))
    }

    /// The last segment, when it is a name (`encrypt` of `?.encrypt`;
    /// `None` for `socket.socket()`).
    pub fn last_name(&self) -> Option<&str> {
        match self.0.segments.last() {
            Some(Segment::Name(n)) => Some(n),
            _ => None,
        }
    }

    /// A method or attribute `attr` of something (`f.write` for `write`).
    pub fn is_attribute(&self, attr: &str) -> bool {
        self.0.segments.len() > 1 && self.last_name() == Some(attr)
    }

    /// Something reached from the result of calling the dotted `path`
    /// (`zipimport.zipimporter().load_module` from `zipimport.zipimporter`).
    pub fn is_from_call_of(&self, path: &str) -> bool {
        let mut segments = self.0.segments.iter();
        starts_with_path(&mut segments, path) && segments.next() == Some(&Segment::Called)
    }

    /// The last segment is a name ending with `suffix` (`SetValueEx` of
    /// `winreg.SetValueEx`, `RegSetValueEx`).
    pub fn last_name_ends_with(&self, suffix: &str) -> bool {
        self.last_name().is_some_and(|n| n.ends_with(suffix))
    }

    /// Some name segment contains `needle` (which holds no dot).
    pub fn any_name_contains(&self, needle: &str) -> bool {
        self.names().any(|n| n.contains(needle))
    }

    /// The last name, whatever calls or items follow it (`GetDC` of
    /// `user32.GetDC()`).
    pub fn final_name(&self) -> Option<&str> {
        let named = self
            .0
            .segments
            .iter()
            .rev()
            .find(|s| !matches!(s, Segment::Called | Segment::Item))?;
        match named {
            Segment::Name(n) => Some(n),
            _ => None,
        }
    }

    /// How code spells a name made of these segments.
    pub fn spelling(segments: &[Segment]) -> String {
        render(segments).into()
    }

    /// Every name segment, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.segments.iter().filter_map(|s| match s {
            Segment::Name(n) => Some(&**n),
            _ => None,
        })
    }

    /// A method of what a call returned: the name called, and the method
    /// (`socket.socket().connect` → (`socket.socket`, `connect`)).
    pub fn method_of_result(&self) -> Option<(QualName, &str)> {
        match &*self.0.segments {
            [called @ .., Segment::Called, Segment::Name(method)] if !called.is_empty() => Some((
                QualName::from_segments(called.iter().cloned().collect()),
                method,
            )),
            _ => None,
        }
    }

    /// The name a call result was produced by (`os.getenv` of
    /// `os.getenv()`), when this is a call result.
    pub fn result_of(&self) -> Option<QualName> {
        match &*self.0.segments {
            [called @ .., Segment::Called] if !called.is_empty() => {
                Some(QualName::from_segments(called.iter().cloned().collect()))
            }
            _ => None,
        }
    }

    /// A function named by module path (`pkg.cli`, `main` of
    /// `pkg.cli.main`): the last segment is a name, and nothing in the name
    /// is called or unknown.
    pub fn module_and_function(&self) -> Option<(String, &str)> {
        let [prefix @ .., Segment::Name(function)] = &*self.0.segments else {
            return None;
        };
        if prefix.is_empty()
            || prefix
                .iter()
                .any(|s| matches!(s, Segment::Called | Segment::Unknown))
        {
            return None;
        }
        let module = match prefix {
            // `from .. import main`: the dots left before the name.
            [Segment::Relative(level)] => ".".repeat(usize::try_from(*level).unwrap_or(1) - 1),
            _ => render(prefix).into(),
        };
        Some((module, function))
    }

    /// What this names without its last segment (`os.path` of
    /// `os.path.join`).
    pub fn parent(&self) -> Option<QualName> {
        match &*self.0.segments {
            [] | [_] => None,
            [parent @ .., _] => Some(QualName::from_segments(parent.iter().cloned().collect())),
        }
    }

    /// The name as code in `module` means it, made absolute: `.core.Checker`
    /// in `pkg.api` (a module, whose package is `pkg`) → `pkg.core.Checker`.
    /// `is_package` says `module` is an `__init__`, its own package.
    pub fn resolved_in(&self, module: &[&str], is_package: bool) -> QualName {
        let Some(&Segment::Relative(level)) = self.0.segments.first() else {
            return self.clone();
        };
        let level = usize::try_from(level).unwrap_or(usize::MAX);
        let up = if is_package { level - 1 } else { level };
        let base = &module[..module.len().saturating_sub(up)];
        let mut segments: Segments = base.iter().map(|n| Segment::Name((*n).into())).collect();
        segments.extend(self.0.segments[1..].iter().cloned());
        QualName::from_segments(segments)
    }
}

/// Takes from `segments` one name per part of the dotted `path`, while
/// they are equal (`os.path` against `os`, `path`, …). Byte by byte rather
/// than `split('.')`: a hot path (rules ask it of every call), and most
/// names differ in their first letters.
fn starts_with_path(segments: &mut std::slice::Iter<'_, Segment>, path: &str) -> bool {
    let mut rest = path.as_bytes();
    loop {
        let end = rest.iter().position(|&b| b == b'.');
        let part = &rest[..end.unwrap_or(rest.len())];
        if !matches!(segments.next(), Some(Segment::Name(n)) if n.as_bytes() == part) {
            return false;
        }
        match end {
            Some(dot) => rest = &rest[dot + 1..],
            None => return true,
        }
    }
}

fn render(segments: &[Segment]) -> CompactString {
    let mut text = CompactString::default();
    let mut previous = None;
    for segment in segments {
        spell(&mut text, previous, segment);
        previous = Some(segment);
    }
    text
}

/// Appends how code spells `segment` after `previous` (`None` first).
fn spell(text: &mut CompactString, previous: Option<&Segment>, segment: &Segment) {
    match segment {
        Segment::Name(n) => {
            if previous.is_some_and(|p| !matches!(p, Segment::Relative(_))) {
                text.push('.');
            }
            text.push_str(n);
        }
        Segment::Called => text.push_str("()"),
        Segment::Item => text.push_str("[]"),
        Segment::Unknown => {
            if previous.is_some() {
                text.push('.');
            }
            text.push('?');
        }
        Segment::Relative(level) => {
            for _ in 0..*level {
                text.push('.');
            }
        }
    }
}

/// Compares with a name as code spells it (`name == "os.system"`).
impl PartialEq<str> for QualName {
    fn eq(&self, other: &str) -> bool {
        *self.0.text == *other
    }
}

impl PartialEq<&str> for QualName {
    fn eq(&self, other: &&str) -> bool {
        *self.0.text == **other
    }
}

impl fmt::Display for QualName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.text)
    }
}

impl fmt::Debug for QualName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0.text)
    }
}

impl serde::Serialize for QualName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0.text)
    }
}

impl<'de> serde::Deserialize<'de> for QualName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(QualName::parse(&text))
    }
}

impl QualName {
    /// Reads back a rendering ([`fmt::Display`]): the inverse of printing.
    pub fn parse(text: &str) -> QualName {
        let names = text.trim_start_matches('.');
        let level = text.len() - names.len();
        let mut segments = Segments::new();
        if level > 0 {
            segments.push(Segment::Relative(u32::try_from(level).unwrap_or(u32::MAX)));
        }
        if !names.is_empty() {
            for part in names.split('.') {
                let mut name = part;
                let mut markers = Vec::new();
                loop {
                    if let Some(rest) = name.strip_suffix("()") {
                        markers.push(Segment::Called);
                        name = rest;
                    } else if let Some(rest) = name.strip_suffix("[]") {
                        markers.push(Segment::Item);
                        name = rest;
                    } else {
                        break;
                    }
                }
                segments.push(if name == "?" {
                    Segment::Unknown
                } else {
                    Segment::Name(name.into())
                });
                segments.extend(markers.into_iter().rev());
            }
        }
        QualName::from_segments(segments)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_markers() {
        let name = QualName::dotted("socket.socket")
            .called()
            .attribute("connect");
        assert_eq!(name.to_string(), "socket.socket().connect");
        assert_eq!(
            QualName::unknown_attribute("encrypt").to_string(),
            "?.encrypt"
        );
        assert_eq!(
            QualName::dotted("os.environ").item().to_string(),
            "os.environ[]"
        );
        assert_eq!(QualName::dotted("..core.x").to_string(), "..core.x");
        assert_eq!(QualName::dotted(".").attribute("x").to_string(), ".x");
    }

    #[test]
    fn parse_inverts_display() {
        for text in [
            "os.system",
            "socket.socket().connect",
            "?.encrypt",
            "os.environ[]",
            ".core.Checker",
            "a.b()().c",
        ] {
            let name = QualName::parse(text);
            assert_eq!(name.to_string(), text);
            assert_eq!(QualName::parse(&name.to_string()), name);
        }
    }

    #[test]
    fn structural_questions() {
        let name = QualName::parse("cryptography.fernet.Fernet().encrypt");
        let (called, method) = name.method_of_result().unwrap();
        assert_eq!((called.last_name(), method), (Some("Fernet"), "encrypt"));
        assert!(QualName::unknown_attribute("x").has_unknown_receiver());
        assert!(!name.has_unknown_receiver());
        assert_eq!(
            QualName::parse("user32.GetDC()").final_name(),
            Some("GetDC")
        );
        assert_eq!(QualName::parse("user32.GetDC()").last_name(), None);
        assert_eq!(
            QualName::parse("..util.send")
                .resolved_in(&["pkg", "sub"], true)
                .to_string(),
            "pkg.util.send"
        );
    }
}
