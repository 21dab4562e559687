//! Line numbers of the quoted strings and bare keys of a TOML text, found
//! in one pass: looking each requirement up with a search from the top
//! made 100k entries (self-referencing extras, long dependency lists) take
//! time quadratic in the file's size.

use std::collections::HashMap;

pub(crate) struct Locator<'t> {
    /// Offsets of the newlines.
    newlines: Vec<usize>,
    /// Each quoted string's raw content: where it opens, and its quote.
    quoted: HashMap<&'t str, Vec<(usize, u8)>>,
    /// Each bare key at the start of a line (`dev = [`): where it is.
    keys: HashMap<&'t str, Vec<usize>>,
}

impl<'t> Locator<'t> {
    pub(crate) fn new(text: &'t str) -> Self {
        let bytes = text.as_bytes();
        let mut locator = Locator {
            newlines: memchr::memchr_iter(b'\n', bytes).collect(),
            quoted: HashMap::new(),
            keys: HashMap::new(),
        };
        let mut line_start = true;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if line_start && (b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-')) {
                let end = i + bytes[i..]
                    .iter()
                    .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-')))
                    .unwrap_or(bytes.len() - i);
                let after = text[end..].trim_start_matches([' ', '\t']);
                if after.starts_with('=') {
                    locator.keys.entry(&text[i..end]).or_default().push(i);
                }
                line_start = false;
                i = end;
                continue;
            }
            match b {
                b'\n' => {
                    line_start = true;
                    i += 1;
                }
                b' ' | b'\t' | b'\r' => i += 1,
                b'#' => {
                    i = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |n| i + n);
                }
                quote @ (b'"' | b'\'') => {
                    line_start = false;
                    if bytes.get(i..i + 3) == Some(&[quote; 3][..]) {
                        // A multi-line string: skipped whole.
                        let close = text[i + 3..]
                            .find(if quote == b'"' { "\"\"\"" } else { "'''" })
                            .map_or(bytes.len(), |n| i + 3 + n + 3);
                        i = close;
                        continue;
                    }
                    let mut j = i + 1;
                    while j < bytes.len() && bytes[j] != quote && bytes[j] != b'\n' {
                        j += if quote == b'"' && bytes[j] == b'\\' {
                            2
                        } else {
                            1
                        };
                    }
                    if j < bytes.len() && bytes[j] == quote {
                        locator
                            .quoted
                            .entry(&text[i + 1..j])
                            .or_default()
                            .push((i, quote));
                    }
                    i = j + 1;
                }
                _ => {
                    line_start = false;
                    i += 1;
                }
            }
        }
        locator
    }

    /// The 1-based line of a byte offset.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.newlines.partition_point(|&n| n < offset) + 1
    }

    /// The line where `needle` first appears quoted at or after `from`
    /// (in double quotes, else in single quotes); 0 when it does not.
    pub(crate) fn quoted_line(&self, needle: &str, from: usize) -> usize {
        let Some(places) = self.quoted.get(needle) else {
            return 0;
        };
        let after = &places[places.partition_point(|&(at, _)| at < from)..];
        [b'"', b'\'']
            .into_iter()
            .find_map(|quote| after.iter().find(|&&(_, q)| q == quote))
            .map_or(0, |&(at, _)| self.line_of(at))
    }

    /// The line where the bare key `name` first starts a line at or after
    /// `from`; 0 when it does not.
    pub(crate) fn key_line(&self, name: &str, from: usize) -> usize {
        self.keys
            .get(name)
            .and_then(|places| places.get(places.partition_point(|&at| at < from)))
            .map_or(0, |&at| self.line_of(at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_quoted_strings_and_keys_after_an_offset() {
        let text = "[project]\ndependencies = [\"a>=1\", 'b']\n# \"a>=1\" in a comment\n\
                    [x]\ndev = [\"a>=1\"]\ns = \"\"\"\n\"c\"\n\"\"\"\n";
        let locate = Locator::new(text);
        assert_eq!(locate.quoted_line("a>=1", 0), 2);
        assert_eq!(locate.quoted_line("a>=1", text.find("[x]").unwrap()), 5);
        assert_eq!(locate.quoted_line("b", 0), 2);
        assert_eq!(locate.quoted_line("c", 0), 0);
        assert_eq!(locate.key_line("dev", 0), 5);
        assert_eq!(locate.key_line("dependencies", 0), 2);
        assert_eq!(locate.key_line("nope", 0), 0);
        assert_eq!(locate.line_of(0), 1);
    }
}
