//! Turning a file's bytes into source text the parser can read.

/// Decodes Python source bytes, into the shared text the analysis keeps.
/// UTF-8 (with or without BOM) as is; anything
/// else (a PEP 263 `coding:` cookie for latin-1/cp1252, or plain junk) is
/// decoded byte-for-byte as latin-1, which keeps every line where it was.
/// Returns the text and, when it was read as latin-1, the coding the source
/// declares (`Some(None)` for none).
pub fn decode(data: &[u8]) -> (std::sync::Arc<str>, Option<Option<String>>) {
    let data = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    match std::str::from_utf8(data) {
        Ok(text) => (text.into(), None),
        Err(_) => {
            let declared = coding_cookie(data);
            let text: String = data.iter().map(|&b| b as char).collect();
            (text.into(), Some(declared))
        }
    }
}

/// Deepest bracket or unary-operator nesting handed to the parser. ruff's
/// parser recurses once per level, so a 10 MB chain (`x = ------…`, or
/// 100k nested f-strings) grows its stack and time with the depth; the
/// walker follows 800 levels anyway.
pub const MAX_NESTING: usize = 4096;

/// Whether brackets or unary operators outside strings and comments nest
/// deeper than [`MAX_NESTING`] somewhere in `code`: one pass, no parsing.
pub fn too_deep(code: &str) -> bool {
    let bytes = code.as_bytes();
    // Nesting deeper than the limit needs more brackets, or more unary
    // operators, than the limit: counting them clears almost every file
    // without the walk below.
    let (opening, unary) = count_openers(bytes);
    if opening <= MAX_NESTING && unary <= MAX_NESTING {
        return false;
    }
    let (mut depth, mut unary) = (0usize, 0usize);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'(' | b'[' | b'{' => {
                depth += 1;
                unary = 0;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                unary = 0;
            }
            b'-' | b'+' | b'~' => unary += 1,
            b' ' | b'\t' => {}
            b'#' => {
                i = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |n| i + n);
                unary = 0;
                continue;
            }
            quote @ (b'\'' | b'"') => {
                i = string_end(bytes, i, quote);
                unary = 0;
                continue;
            }
            _ => unary = 0,
        }
        if depth > MAX_NESTING || unary > MAX_NESTING {
            return true;
        }
        i += 1;
    }
    false
}

/// Opening brackets and unary-operator signs in `bytes`, wherever they
/// are. Counted by chunks of 255 into byte counters, a loop the compiler
/// turns into vector instructions.
fn count_openers(bytes: &[u8]) -> (usize, usize) {
    let (mut opening, mut unary) = (0usize, 0usize);
    for chunk in bytes.chunks(255) {
        let (mut o, mut u) = (0u8, 0u8);
        for &b in chunk {
            o += u8::from(b == b'(') + u8::from(b == b'[') + u8::from(b == b'{');
            u += u8::from(b == b'-') + u8::from(b == b'+') + u8::from(b == b'~');
        }
        opening += usize::from(o);
        unary += usize::from(u);
    }
    (opening, unary)
}

/// How much of a source fits a token budget, counted without parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenCount {
    /// Tokens in the part that fits (an estimate close to the lexer's:
    /// names, numbers, strings, operators, newlines).
    pub tokens: usize,
    /// Where the source stops fitting: the start of the last top-level
    /// statement that begins within the budget. `None` when it all fits.
    pub cut: Option<usize>,
}

/// Counts `code`'s tokens up to `max_tokens`, in one pass, no parsing.
/// The cut falls where a statement starts at column 0 outside brackets
/// and strings, so the part before it parses on its own.
pub fn count_tokens(code: &str, max_tokens: usize) -> TokenCount {
    let bytes = code.as_bytes();
    let (mut tokens, mut depth, mut last_cut, mut tokens_at_cut) = (0usize, 0usize, 0, 0);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b' ' | b'\t' | b'\r' | b'\x0c' => {
                i += 1;
                continue;
            }
            b'\\' => {
                i += 2;
                continue;
            }
            b'#' => {
                i = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |n| i + n);
                continue;
            }
            b'\n' => {
                i += 1;
                if depth == 0 {
                    tokens += 1;
                    let starts_statement = bytes
                        .get(i)
                        .is_some_and(|c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'#'));
                    if starts_statement && tokens <= max_tokens {
                        (last_cut, tokens_at_cut) = (i, tokens);
                    }
                }
            }
            quote @ (b'\'' | b'"') => {
                i = string_end(bytes, i, quote);
                tokens += 1;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                tokens += 1;
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                tokens += 1;
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                tokens += 1;
                i += 1;
            }
            _ => {
                tokens += 1;
                i += 1;
            }
        }
        if tokens > max_tokens {
            return TokenCount {
                tokens: tokens_at_cut,
                cut: Some(last_cut),
            };
        }
    }
    TokenCount { tokens, cut: None }
}

/// Where the string literal opening at `start` ends (exclusive); a
/// single-quoted one also ends at the end of its line.
pub(crate) fn string_end(bytes: &[u8], start: usize, quote: u8) -> usize {
    let triple = bytes.get(start..start + 3) == Some(&[quote; 3][..]);
    let mut j = start + if triple { 3 } else { 1 };
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            b if b == quote && !triple => return j + 1,
            b if b == quote && bytes.get(j..j + 3) == Some(&[quote; 3][..]) => return j + 3,
            b'\n' if !triple => return j,
            _ => j += 1,
        }
    }
    bytes.len()
}

/// The PEP 263 encoding declared in the first two lines, if any.
fn coding_cookie(data: &[u8]) -> Option<String> {
    data.split(|&b| b == b'\n').take(2).find_map(|line| {
        let line = String::from_utf8_lossy(line);
        let comment = &line[line.find('#')?..];
        let at = comment.find("coding")? + "coding".len();
        let rest = comment[at..].strip_prefix([':', '='])?.trim_start();
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        (!name.is_empty()).then_some(name)
    })
}

/// The executable part of a `.pth` file: `site` executes every line that
/// starts with `import` followed by a space or tab; every other line is a
/// path. Other lines become blank so line numbers stay true.
pub fn pth_code(text: &str) -> Option<String> {
    let mut any = false;
    let code: Vec<&str> = text
        .lines()
        .map(|line| {
            if line.starts_with("import ") || line.starts_with("import\t") {
                any = true;
                line
            } else {
                ""
            }
        })
        .collect();
    any.then(|| code.join("\n"))
}

/// Rewrites the Python 2 statements that most often stop a parse
/// (`print x`, `exec code`, `except E, e:`) into Python 3 forms, line for
/// line, so the rest of an old file can still be modelled. Returns `None`
/// when nothing changed.
pub fn python2_fixups(text: &str) -> Option<String> {
    let mut changed = false;
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            let indent_len = line.len() - line.trim_start().len();
            let (indent, body) = line.split_at(indent_len);
            let fixed = if let Some(rest) = statement_arg(body, "print") {
                Some(format!("{indent}print({rest})"))
            } else if let Some(rest) = statement_arg(body, "exec") {
                let code = rest.split(" in ").next().unwrap_or(rest);
                Some(format!("{indent}exec({code})"))
            } else if body.starts_with("except ")
                && body.trim_end().ends_with(':')
                && body.contains(',')
                && !body.contains('(')
            {
                Some(format!("{indent}{}", body.replacen(',', " as", 1)))
            } else {
                None
            };
            match fixed {
                Some(f) => {
                    changed = true;
                    f
                }
                None => line.to_owned(),
            }
        })
        .collect();
    changed.then(|| lines.join("\n"))
}

/// `keyword rest` as a Python 2 statement (not `keyword(`, not `keyword =`).
fn statement_arg<'a>(body: &'a str, keyword: &str) -> Option<&'a str> {
    let rest = body.strip_prefix(keyword)?;
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let rest = rest.trim();
    let starts_expression = rest
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || matches!(c, '"' | '\'' | '_' | '%'));
    (starts_expression && !rest.starts_with('=') && !rest.starts_with("in "))
        .then_some(rest.trim_end_matches(';'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_source_keeps_lines() {
        let (text, note) = decode(b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\n");
        assert_eq!(text.lines().nth(1), Some("name = 'été'"));
        assert_eq!(note, Some(Some("latin-1".to_owned())));
        let (text, note) = decode("x = 'é'".as_bytes());
        assert_eq!(&*text, "x = 'é'");
        assert!(note.is_none());
    }

    #[test]
    fn nesting_is_measured_not_counted() {
        // Many brackets and signs, none nested deep: the count alone
        // does not refuse them.
        let flat = format!("{}\n{}", "f(x)\n".repeat(5_000), "y = -1\n".repeat(5_000));
        assert!(!too_deep(&flat));
        let deep = format!(
            "x = {}1{}",
            "(".repeat(MAX_NESTING + 1),
            ")".repeat(MAX_NESTING + 1)
        );
        assert!(too_deep(&deep));
        let signs = format!("x = {}1", "-".repeat(MAX_NESTING + 1));
        assert!(too_deep(&signs));
        // In a string, or just below the limit, it is not nesting.
        assert!(!too_deep(&format!("s = '{}'", "(".repeat(MAX_NESTING + 1))));
        assert!(!too_deep(&format!("x = {}1", "-".repeat(MAX_NESTING))));
    }

    #[test]
    fn pth_keeps_only_import_lines() {
        let code = pth_code("/some/path\nimport os; os.system('id')\n# comment\n").unwrap();
        assert_eq!(code, "\nimport os; os.system('id')\n");
        assert!(pth_code("/only/paths\n../more\n").is_none());
    }

    #[test]
    fn python2_statements() {
        let fixed = python2_fixups(
            "print 'hi'\nexec code in ns\ntry:\n  pass\nexcept Exception, e:\n  pass",
        )
        .unwrap();
        assert_eq!(
            fixed,
            "print('hi')\nexec(code)\ntry:\n  pass\nexcept Exception as e:\n  pass"
        );
        assert!(python2_fixups("print('already 3')\nexec(x)").is_none());
    }
}
