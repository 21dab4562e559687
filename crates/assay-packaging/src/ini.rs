//! INI files as Python's `configparser` reads them with its defaults, which
//! is how setuptools reads `setup.cfg` and pip reads its configuration:
//! `[section]`, `key = value` or `key: value`, `#`/`;` full-line comments,
//! continuation lines indented deeper than their key, blank lines kept
//! inside a value, and no inline comments.
//!
//! Never fails: what `configparser` would refuse (a key before any
//! section, a line that is no key, a repeated key or section, which its
//! strict mode rejects) is listed in [`Ini::problems`], and each caller
//! decides whether that is fatal.

use std::collections::BTreeMap;

/// One `key = value` pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IniEntry {
    /// The key as written, lower-cased (configparser's `optionxform`).
    pub key: String,
    /// The value, stripped; continuation lines (blank ones included, but
    /// not trailing ones) joined by `\n`. `key =` followed by indented
    /// lines gives `"\nline1\nline2"`.
    pub value: String,
    /// The 1-based line of the key.
    pub line: usize,
}

/// Something `configparser` would not accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IniProblem {
    /// 1-based line.
    pub line: usize,
    pub reason: String,
}

/// A parsed INI file: sections of entries, in file order.
#[derive(Debug, Clone, Default)]
pub struct Ini {
    sections: BTreeMap<String, Vec<IniEntry>>,
    problems: Vec<IniProblem>,
}

impl Ini {
    /// Reads `text`.
    pub fn parse(text: &str) -> Ini {
        let mut reader = Reader::default();
        for (n, raw) in text.lines().enumerate() {
            reader.line(n + 1, raw);
        }
        reader.finish()
    }

    /// What `configparser` would have refused, in line order.
    pub fn problems(&self) -> &[IniProblem] {
        &self.problems
    }

    /// The entry of `key` in `section`; keys match case-insensitively and
    /// with `-` and `_` alike (pip and setuptools both accept either). A key
    /// given twice gives its last entry.
    pub fn entry(&self, section: &str, key: &str) -> Option<&IniEntry> {
        let key = normal_key(key);
        self.sections
            .get(section)?
            .iter()
            .rev()
            .find(|e| normal_key(&e.key) == key)
    }

    /// The value of `key` in `section`.
    pub fn get(&self, section: &str, key: &str) -> Option<&str> {
        self.entry(section, key).map(|e| e.value.as_str())
    }

    /// The entries of `section` in file order (a repeated key appears each
    /// time).
    pub fn section(&self, section: &str) -> impl Iterator<Item = &IniEntry> {
        self.sections.get(section).into_iter().flatten()
    }

    /// Section names and their entries, sections sorted by name.
    pub fn sections(&self) -> impl Iterator<Item = (&str, &[IniEntry])> {
        self.sections
            .iter()
            .map(|(s, e)| (s.as_str(), e.as_slice()))
    }
}

fn normal_key(key: &str) -> String {
    key.to_ascii_lowercase().replace('_', "-")
}

/// The state of one pass over the lines.
#[derive(Default)]
struct Reader {
    ini: Ini,
    section: Option<String>,
    /// The entry being read and the indentation of its key line.
    current: Option<(IniEntry, usize)>,
    /// Blank lines seen since the last line of `current`: kept only if
    /// another continuation line follows.
    pending_blanks: usize,
}

impl Reader {
    fn line(&mut self, line_no: usize, raw: &str) {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            self.pending_blanks += 1;
            return;
        }
        if trimmed.starts_with(['#', ';']) {
            return;
        }
        let indent = raw.len() - raw.trim_start().len();
        if let Some((entry, key_indent)) = self.current.as_mut()
            && indent > *key_indent
        {
            for _ in 0..self.pending_blanks {
                entry.value.push('\n');
            }
            entry.value.push('\n');
            entry.value.push_str(trimmed);
            self.pending_blanks = 0;
            return;
        }
        self.flush();
        if let Some(after) = trimmed.strip_prefix('[')
            && let Some(end) = after.rfind(']')
            && end > 0
        {
            self.open_section(line_no, &after[..end]);
            return;
        }
        let Some(sep) = trimmed.find(['=', ':']).filter(|&sep| sep > 0) else {
            let reason = if trimmed.starts_with('[') {
                format!("unterminated section header {trimmed:?}")
            } else {
                format!("expected `key = value`, found {trimmed:?}")
            };
            return self.problem(line_no, reason);
        };
        if self.section.is_none() {
            return self.problem(line_no, "a key before any [section]".to_owned());
        }
        let key = trimmed[..sep].trim().to_ascii_lowercase();
        let section = self.section.as_deref().unwrap_or_default();
        if self
            .ini
            .section(section)
            .any(|e| normal_key(&e.key) == normal_key(&key))
        {
            self.problem(line_no, format!("key `{key}` given again in [{section}]"));
        }
        let entry = IniEntry {
            key,
            value: trimmed[sep + 1..].trim().to_owned(),
            line: line_no,
        };
        self.current = Some((entry, indent));
    }

    fn open_section(&mut self, line_no: usize, name: &str) {
        if self.ini.sections.contains_key(name) {
            self.problem(line_no, format!("section [{name}] given again"));
        }
        self.ini.sections.entry(name.to_owned()).or_default();
        self.section = Some(name.to_owned());
    }

    fn problem(&mut self, line: usize, reason: String) {
        self.ini.problems.push(IniProblem { line, reason });
    }

    fn flush(&mut self) {
        self.pending_blanks = 0;
        if let (Some((entry, _)), Some(section)) = (self.current.take(), &self.section) {
            self.ini
                .sections
                .entry(section.clone())
                .or_default()
                .push(entry);
        }
    }

    fn finish(mut self) -> Ini {
        self.flush();
        self.ini
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sections_and_continuations() {
        let ini = Ini::parse(
            "# c\n[global]\nindex_url = https://mirror.example/simple\nextra-index-url =\n    http://127.0.0.1:1/a\n    http://127.0.0.1:2/b\n[install]\ntimeout: 5\n",
        );
        assert_eq!(ini.problems(), []);
        assert_eq!(
            ini.get("global", "index-url"),
            Some("https://mirror.example/simple")
        );
        assert_eq!(
            ini.get("global", "extra_index_url"),
            Some("\nhttp://127.0.0.1:1/a\nhttp://127.0.0.1:2/b")
        );
        assert_eq!(ini.get("install", "TIMEOUT"), Some("5"));
        assert_eq!(ini.entry("install", "timeout").map(|e| e.line), Some(8));
    }

    /// configparser keeps blank and skips comment lines inside a value,
    /// drops trailing blank lines, and ends a value at a line indented no
    /// deeper than its key.
    #[test]
    fn blank_lines_comments_and_indentation() {
        let ini = Ini::parse(
            "[options]\ninstall_requires =\n    a\n\n    # note\n    b\n\n\nnext = 1\n  [not] = a section\n[x]\n  k = v\n    more\n  other = 2\n",
        );
        assert_eq!(ini.get("options", "install_requires"), Some("\na\n\nb"));
        assert_eq!(ini.get("options", "next"), Some("1\n[not] = a section"));
        assert_eq!(ini.get("x", "k"), Some("v\nmore"));
        assert_eq!(ini.get("x", "other"), Some("2"));
        assert_eq!(ini.problems(), []);
    }

    #[test]
    fn no_inline_comments_and_first_separator() {
        let ini = Ini::parse("[s]\nurl = http://h:1/a # not a comment\nk: v = w\n");
        assert_eq!(ini.get("s", "url"), Some("http://h:1/a # not a comment"));
        assert_eq!(ini.get("s", "k"), Some("v = w"));
    }

    #[test]
    fn what_configparser_refuses_is_a_problem() {
        let lines = |text: &str| {
            Ini::parse(text)
                .problems()
                .iter()
                .map(|p| p.line)
                .collect::<Vec<_>>()
        };
        assert_eq!(lines("key = v\n"), [1]);
        assert_eq!(lines("[global\n"), [1]);
        assert_eq!(lines("[global]\njunk\n"), [2]);
        assert_eq!(lines("[s]\n= v\n"), [2]);
        assert_eq!(lines("[s]\na = 1\nA = 2\n"), [3]);
        assert_eq!(lines("[s]\na-b = 1\na_b = 2\n"), [3]);
        assert_eq!(lines("[s]\n[t]\n[s]\n"), [3]);
        // The last of a repeated key is the value (configparser's
        // non-strict reading).
        assert_eq!(Ini::parse("[s]\na = 1\na = 2\n").get("s", "a"), Some("2"));
    }
}
