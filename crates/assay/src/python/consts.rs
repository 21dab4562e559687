//! Constant values and the operations the model folds on them: how
//! obfuscated strings are put back together.

use std::sync::Arc;

use ruff_python_ast::Operator;

use super::QualName;
use super::template::{Hole, Part, Template};
use super::walker::Sym;

/// Largest constant the evaluator builds, in bytes or items.
pub(super) const MAX_CONST: usize = 4 * 1024 * 1024;

/// A constant value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Const {
    Str(Arc<str>),
    Bytes(Arc<[u8]>),
    Int(i64),
    /// A list or tuple of constants.
    Seq(Arc<[Const]>),
}

impl Const {
    /// The value as text: strings as they are, bytes when they are UTF-8,
    /// numbers in decimal, flat sequences joined by spaces (so a
    /// command given as a list reads as a command line).
    pub(super) fn as_text(&self) -> Option<Arc<str>> {
        match self {
            Const::Str(s) => Some(s.clone()),
            Const::Bytes(b) => std::str::from_utf8(b).ok().map(Arc::from),
            Const::Int(i) => Some(i.to_string().into()),
            Const::Seq(items) => {
                let parts: Option<Vec<Arc<str>>> = items
                    .iter()
                    .map(|i| match i {
                        Const::Seq(_) => None,
                        _ => i.as_text(),
                    })
                    .collect();
                Some(parts?.join(" ").into())
            }
        }
    }

    fn len(&self) -> usize {
        match self {
            Const::Str(s) => s.len(),
            Const::Bytes(b) => b.len(),
            Const::Int(_) => 1,
            Const::Seq(items) => items.len(),
        }
    }
}

fn bounded(c: Const) -> Option<Const> {
    (c.len() <= MAX_CONST).then_some(c)
}

/// `left OP right` for the operators strings and numbers use.
pub(super) fn binop(left: &Const, op: Operator, right: &Const) -> Option<Const> {
    use Const::{Bytes, Int, Seq, Str};
    let result = match (left, op, right) {
        (Str(a), Operator::Add, Str(b)) => {
            if a.len() + b.len() > MAX_CONST {
                return None;
            }
            Str(format!("{a}{b}").into())
        }
        (Bytes(a), Operator::Add, Bytes(b)) => {
            if a.len() + b.len() > MAX_CONST {
                return None;
            }
            Bytes([&a[..], &b[..]].concat().into())
        }
        (Seq(a), Operator::Add, Seq(b)) => Seq(a.iter().chain(b.iter()).cloned().collect()),
        (Str(s), Operator::Mult, Int(n)) | (Int(n), Operator::Mult, Str(s)) => {
            let n = usize::try_from(*n).unwrap_or(0);
            if s.len().saturating_mul(n) > MAX_CONST {
                return None;
            }
            Str(s.repeat(n).into())
        }
        // Only paths divide strings (`Path.home() / ".aws" / "credentials"`).
        (Str(a), Operator::Div, Str(b)) => Str(format!("{}/{}", a.trim_end_matches('/'), b).into()),
        (Str(fmt), Operator::Mod, args) => Str(percent_format(fmt, args)?.into()),
        (Int(a), Operator::Add, Int(b)) => Int(a.checked_add(*b)?),
        (Int(a), Operator::Sub, Int(b)) => Int(a.checked_sub(*b)?),
        (Int(a), Operator::Mult, Int(b)) => Int(a.checked_mul(*b)?),
        (Int(a), Operator::BitXor, Int(b)) => Int(a ^ b),
        (Int(a), Operator::BitOr, Int(b)) => Int(a | b),
        (Int(a), Operator::BitAnd, Int(b)) => Int(a & b),
        (Int(a), Operator::LShift, Int(b)) if (0..32).contains(b) => {
            Int(a.checked_shl(u32::try_from(*b).ok()?)?)
        }
        (Int(a), Operator::RShift, Int(b)) if (0..64).contains(b) => Int(a >> b),
        (Int(a), Operator::FloorDiv, Int(b)) if *b != 0 => Int(a.div_euclid(*b)),
        (Int(a), Operator::Mod, Int(b)) if *b != 0 => Int(a.rem_euclid(*b)),
        _ => return None,
    };
    bounded(result)
}

/// The shape of `fmt % args` when the arguments are not known: each
/// conversion becomes a hole filled with `hole`.
pub(super) fn percent_template(fmt: &str, hole: Hole) -> Template {
    let mut parts = Vec::new();
    let mut out = String::with_capacity(fmt.len());
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        if chars.peek() == Some(&'(') {
            for c in chars.by_ref() {
                if c == ')' {
                    break;
                }
            }
        }
        while chars
            .peek()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | ' ' | '#' | '.'))
        {
            chars.next();
        }
        chars.next();
        parts.push(Part::Literal(std::mem::take(&mut out).into()));
        parts.push(Part::Hole(hole));
    }
    parts.push(Part::Literal(out.into()));
    Template::new(parts)
}

/// The shape of `fmt.format(...)` when the arguments are not known: each
/// replacement field becomes a hole filled with `hole`.
pub(super) fn brace_template(fmt: &str, hole: Hole) -> Template {
    let mut parts = Vec::new();
    let mut out = String::with_capacity(fmt.len());
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '{' => {
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                }
                parts.push(Part::Literal(std::mem::take(&mut out).into()));
                parts.push(Part::Hole(hole));
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            c => out.push(c),
        }
    }
    parts.push(Part::Literal(out.into()));
    Template::new(parts)
}

/// Python's `fmt % args` for `%s`, `%r`, `%d`, `%i`, `%x`, `%c` and `%%`.
fn percent_format(fmt: &str, args: &Const) -> Option<String> {
    let args: Vec<&Const> = match args {
        Const::Seq(items) => items.iter().collect(),
        single => vec![single],
    };
    let mut args = args.into_iter();
    let mut out = String::with_capacity(fmt.len());
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        // Skip flags, width and precision.
        let mut conv = chars.next()?;
        while conv.is_ascii_digit() || matches!(conv, '-' | '+' | ' ' | '#' | '.') {
            conv = chars.next()?;
        }
        match conv {
            '%' => out.push('%'),
            's' | 'r' | 'd' | 'i' => out.push_str(&args.next()?.as_text()?),
            'x' => match args.next()? {
                Const::Int(i) => out.push_str(&format!("{i:x}")),
                _ => return None,
            },
            'c' => match args.next()? {
                Const::Int(i) => out.push(char::from_u32(u32::try_from(*i).ok()?)?),
                Const::Str(s) => out.push_str(s),
                _ => return None,
            },
            _ => return None,
        }
    }
    Some(out)
}

/// Python slice semantics on strings, bytes and sequences.
pub(super) fn slice(
    value: &Const,
    lower: Option<i64>,
    upper: Option<i64>,
    step: Option<i64>,
) -> Option<Const> {
    Some(match value {
        Const::Str(s) => {
            let chars: Vec<char> = s.chars().collect();
            Const::Str(
                slice_items(&chars, lower, upper, step)?
                    .into_iter()
                    .collect::<String>()
                    .into(),
            )
        }
        Const::Bytes(b) => Const::Bytes(slice_items(b, lower, upper, step)?.into()),
        Const::Seq(items) => Const::Seq(slice_items(items, lower, upper, step)?.into()),
        Const::Int(_) => return None,
    })
}

fn slice_items<T: Clone>(
    items: &[T],
    lower: Option<i64>,
    upper: Option<i64>,
    step: Option<i64>,
) -> Option<Vec<T>> {
    let len = i64::try_from(items.len()).ok()?;
    let step = step.unwrap_or(1);
    if step == 0 {
        return None;
    }
    let clamp = |i: i64, lo: i64, hi: i64| if i < 0 { (i + len).max(lo) } else { i.min(hi) };
    let mut out = Vec::new();
    if step > 0 {
        let start = lower.map_or(0, |l| clamp(l, 0, len));
        let stop = upper.map_or(len, |u| clamp(u, 0, len));
        let mut i = start;
        while i < stop {
            out.push(items[i as usize].clone());
            i += step;
        }
    } else {
        let start = lower.map_or(len - 1, |l| clamp(l, -1, len - 1));
        let stop = upper.map_or(-1, |u| clamp(u, -1, len - 1));
        let mut i = start;
        while i > stop {
            out.push(items[i as usize].clone());
            i += step;
        }
    }
    Some(out)
}

/// `value[i]` for a constant index.
pub(super) fn index(value: &Const, i: i64) -> Option<Const> {
    let pick = |len: usize| -> Option<usize> {
        let len = i64::try_from(len).ok()?;
        let i = if i < 0 { i + len } else { i };
        (0..len).contains(&i).then_some(i as usize)
    };
    Some(match value {
        Const::Str(s) => Const::Str(s.chars().nth(pick(s.chars().count())?)?.to_string().into()),
        Const::Bytes(b) => Const::Int(i64::from(b[pick(b.len())?])),
        Const::Seq(items) => items[pick(items.len())?].clone(),
        Const::Int(_) => return None,
    })
}

/// Folds calls of builtins and `str`/`bytes` methods on constants.
pub(super) fn fold_call(
    qual: &QualName,
    receiver: Option<&Const>,
    args: &[Sym],
    keywords: &[(Arc<str>, Sym)],
) -> Option<Const> {
    let consts: Vec<Option<&Const>> = args.iter().map(Sym::konst_ref).collect();
    let arg = |i: usize| consts.get(i).copied().flatten();
    let name = qual.as_str();
    // `os.path.expanduser()` called again.
    if qual
        .result_of()
        .is_some_and(|called| called.as_str() == "os.path.expanduser")
    {
        return bounded(Const::Str("~".into()));
    }
    let result = match name {
        "builtins.chr" => match arg(0)? {
            Const::Int(i) => {
                Const::Str(char::from_u32(u32::try_from(*i).ok()?)?.to_string().into())
            }
            _ => return None,
        },
        "builtins.ord" => match arg(0)? {
            Const::Str(s) if s.chars().count() == 1 => {
                Const::Int(i64::from(u32::from(s.chars().next()?)))
            }
            _ => return None,
        },
        "builtins.str" if args.is_empty() => Const::Str("".into()),
        "builtins.str" => Const::Str(arg(0)?.as_text()?),
        "builtins.len" => Const::Int(
            i64::try_from(match arg(0)? {
                Const::Str(s) => s.chars().count(),
                Const::Bytes(b) => b.len(),
                Const::Seq(items) => items.len(),
                Const::Int(_) => return None,
            })
            .ok()?,
        ),
        // `range(…)` of at most 4096 numbers, for loops to unroll.
        "builtins.range" => {
            let int = |i: usize| match arg(i)? {
                Const::Int(n) => Some(*n),
                _ => None,
            };
            let (start, stop, step) = match args.len() {
                1 => (0, int(0)?, 1),
                2 => (int(0)?, int(1)?, 1),
                3 => (int(0)?, int(1)?, int(2)?),
                _ => return None,
            };
            if step == 0 {
                return None;
            }
            let count = if step > 0 {
                (stop - start).max(0).div_euclid(step)
                    + i64::from((stop - start).rem_euclid(step) != 0 && stop > start)
            } else {
                (start - stop).max(0).div_euclid(-step)
                    + i64::from((start - stop).rem_euclid(-step) != 0 && start > stop)
            };
            if !(0..=4096).contains(&count) {
                return None;
            }
            Const::Seq((0..count).map(|k| Const::Int(start + k * step)).collect())
        }
        // `enumerate(s)`: (index, item) pairs, as comprehensions unroll them.
        "builtins.enumerate" if args.len() == 1 => {
            let items: Vec<Const> = match arg(0)? {
                Const::Str(s) => s
                    .chars()
                    .map(|c| Const::Str(c.to_string().into()))
                    .collect(),
                Const::Bytes(b) => b.iter().map(|&x| Const::Int(i64::from(x))).collect(),
                Const::Seq(items) => items.to_vec(),
                Const::Int(_) => return None,
            };
            Const::Seq(
                items
                    .into_iter()
                    .zip(0i64..)
                    .map(|(item, i)| Const::Seq([Const::Int(i), item].into()))
                    .collect(),
            )
        }
        // `zip(b"\xc0…", b"\xb2…")`: item tuples, as obfuscators pair a
        // cipher text with its key (`chr(a ^ b) for a, b in zip(…)`).
        "builtins.zip" if (2..=4).contains(&args.len()) => {
            let columns: Vec<Vec<Const>> = (0..args.len())
                .map(|i| items_of(arg(i)?))
                .collect::<Option<_>>()?;
            let rows = columns.iter().map(Vec::len).min().unwrap_or(0);
            if rows > 4096 {
                return None;
            }
            Const::Seq(
                (0..rows)
                    .map(|r| Const::Seq(columns.iter().map(|c| c[r].clone()).collect()))
                    .collect(),
            )
        }
        "builtins.bytes" | "builtins.bytearray" => match arg(0)? {
            Const::Seq(items) => Const::Bytes(
                items
                    .iter()
                    .map(|i| match i {
                        Const::Int(b) => u8::try_from(*b).ok(),
                        _ => None,
                    })
                    .collect::<Option<Vec<u8>>>()?
                    .into(),
            ),
            Const::Str(s) => Const::Bytes(s.as_bytes().into()),
            Const::Bytes(b) => Const::Bytes(b.clone()),
            Const::Int(_) => return None,
        },
        "builtins.reversed" | "builtins.list" | "builtins.tuple" => {
            let items: Vec<Const> = match arg(0)? {
                Const::Str(s) => s
                    .chars()
                    .map(|c| Const::Str(c.to_string().into()))
                    .collect(),
                Const::Seq(items) => items.to_vec(),
                _ => return None,
            };
            if name == "builtins.reversed" {
                Const::Seq(items.into_iter().rev().collect())
            } else {
                Const::Seq(items.into())
            }
        }
        "str.join" | "bytes.join" => {
            let Const::Seq(items) = arg(0)? else {
                if let (Const::Str(sep), Const::Str(s)) = (receiver?, arg(0)?) {
                    let chars: Vec<String> = s.chars().map(String::from).collect();
                    return bounded(Const::Str(chars.join(sep).into()));
                }
                return None;
            };
            match receiver? {
                Const::Str(sep) => {
                    let parts: Option<Vec<Arc<str>>> = items
                        .iter()
                        .map(|i| match i {
                            Const::Str(s) => Some(s.clone()),
                            _ => None,
                        })
                        .collect();
                    Const::Str(parts?.join(&**sep).into())
                }
                Const::Bytes(sep) => {
                    let parts: Option<Vec<&[u8]>> = items
                        .iter()
                        .map(|i| match i {
                            Const::Bytes(b) => Some(&b[..]),
                            _ => None,
                        })
                        .collect();
                    Const::Bytes(parts?.join(&sep[..]).into())
                }
                _ => return None,
            }
        }
        // Path helpers keep the path readable for the rules: `~` stays `~`.
        "os.path.expanduser"
        | "os.path.expandvars"
        | "os.path.abspath"
        | "os.path.normpath"
        | "pathlib.Path"
        | "pathlib.PurePath"
        | "pathlib.PosixPath"
        | "pathlib.WindowsPath" => Const::Str(arg(0)?.as_text()?),
        // The path of the program named (`shutil.which("ffmpeg")`), kept
        // as its name: a command that starts it starts that program.
        "shutil.which" => Const::Str(arg(0)?.as_text()?),
        "pathlib.Path.home" => Const::Str("~".into()),
        "os.path.join" | "posixpath.join" | "ntpath.join" | "str.joinpath" => {
            let mut parts: Vec<Arc<str>> = Vec::new();
            if let Some(base) = receiver.filter(|_| name.ends_with("joinpath")) {
                parts.push(base.as_text()?);
            }
            for c in &consts {
                parts.push(c.as_ref()?.as_text()?);
            }
            Const::Str(parts.join("/").into())
        }
        "str.replace" => {
            let (Const::Str(s), Const::Str(from), Const::Str(to)) = (receiver?, arg(0)?, arg(1)?)
            else {
                return None;
            };
            if from.is_empty() {
                return None;
            }
            Const::Str(s.replace(&**from, to).into())
        }
        "str.format" => {
            let Const::Str(fmt) = receiver? else {
                return None;
            };
            Const::Str(brace_format(fmt, &consts, keywords)?.into())
        }
        // Encoding a constant: `echo %s | base64 -d | sh` % b64encode(cmd)
        // then reads as the command it runs.
        "base64.b64encode" | "base64.encodebytes" | "base64.standard_b64encode" => {
            use base64::Engine as _;
            let data: &[u8] = match arg(0)? {
                Const::Str(s) => s.as_bytes(),
                Const::Bytes(b) => b,
                _ => return None,
            };
            if data.len() > MAX_CONST / 2 {
                return None;
            }
            Const::Bytes(
                base64::engine::general_purpose::STANDARD
                    .encode(data)
                    .into_bytes()
                    .into(),
            )
        }
        "str.upper" | "str.lower" | "str.strip" | "str.lstrip" | "str.rstrip" | "str.title"
        | "str.swapcase" => {
            let Const::Str(s) = receiver? else {
                return None;
            };
            let s: &str = s;
            Const::Str(
                match name {
                    "str.upper" => s.to_uppercase(),
                    "str.lower" => s.to_lowercase(),
                    "str.strip" => s.trim().to_owned(),
                    "str.lstrip" => s.trim_start().to_owned(),
                    "str.rstrip" => s.trim_end().to_owned(),
                    "str.swapcase" => s
                        .chars()
                        .map(|c| {
                            if c.is_uppercase() {
                                c.to_lowercase().next().unwrap_or(c)
                            } else {
                                c.to_uppercase().next().unwrap_or(c)
                            }
                        })
                        .collect(),
                    _ => s.to_owned(),
                }
                .into(),
            )
        }
        "str.split" => {
            let Const::Str(s) = receiver? else {
                return None;
            };
            let parts: Vec<Const> = match arg(0) {
                Some(Const::Str(sep)) if !sep.is_empty() => {
                    s.split(&**sep).map(|p| Const::Str(p.into())).collect()
                }
                None => s.split_whitespace().map(|p| Const::Str(p.into())).collect(),
                _ => return None,
            };
            Const::Seq(parts.into())
        }
        _ => return None,
    };
    bounded(result)
}

/// `"{} {0} {name}".format(...)` without format specs.
fn brace_format(
    fmt: &str,
    args: &[Option<&Const>],
    keywords: &[(Arc<str>, Sym)],
) -> Option<String> {
    let mut out = String::with_capacity(fmt.len());
    let mut auto = 0;
    let mut rest = fmt;
    while let Some(open) = rest.find(['{', '}']) {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push(tail.as_bytes()[0] as char);
            rest = &tail[2..];
            continue;
        }
        if tail.starts_with('}') {
            return None;
        }
        let close = tail.find('}')?;
        let field = &tail[1..close];
        let field = field.split([':', '!']).next().unwrap_or("");
        let value = if field.is_empty() {
            auto += 1;
            args.get(auto - 1).copied().flatten()?
        } else if let Ok(i) = field.parse::<usize>() {
            args.get(i).copied().flatten()?
        } else {
            keywords
                .iter()
                .find(|(k, _)| &**k == field)?
                .1
                .konst_ref()?
        };
        out.push_str(&value.as_text()?);
        rest = &tail[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// The items iterating a constant yields: characters of a string, byte
/// values of bytes, the items of a sequence.
pub(super) fn items_of(value: &Const) -> Option<Vec<Const>> {
    match value {
        Const::Str(s) => Some(
            s.chars()
                .map(|c| Const::Str(c.to_string().into()))
                .collect(),
        ),
        Const::Bytes(b) => Some(b.iter().map(|&x| Const::Int(i64::from(x))).collect()),
        Const::Seq(items) => Some(items.to_vec()),
        Const::Int(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Const {
        Const::Str(text.into())
    }

    #[test]
    fn slicing_follows_python() {
        assert_eq!(slice(&s("abcdef"), None, None, Some(-1)), Some(s("fedcba")));
        assert_eq!(
            slice(&s("abcdef"), Some(1), Some(-1), None),
            Some(s("bcde"))
        );
        assert_eq!(slice(&s("abcdef"), None, None, Some(2)), Some(s("ace")));
        assert_eq!(slice(&s("abcdef"), Some(-2), None, None), Some(s("ef")));
        assert_eq!(slice(&s("abc"), None, None, Some(0)), None);
        assert_eq!(index(&s("abc"), -1), Some(s("c")));
        assert_eq!(index(&s("abc"), 5), None);
    }

    #[test]
    fn formatting() {
        assert_eq!(
            binop(
                &s("http://%s:%d/x"),
                Operator::Mod,
                &Const::Seq(vec![s("1.2.3.4"), Const::Int(80)].into())
            ),
            Some(s("http://1.2.3.4:80/x"))
        );
        assert_eq!(
            brace_format("{}-{0}-{{x}}", &[Some(&s("a"))], &[]),
            Some("a-a-{x}".into())
        );
        assert_eq!(binop(&s("ab"), Operator::Mult, &Const::Int(1 << 40)), None);
    }
}
