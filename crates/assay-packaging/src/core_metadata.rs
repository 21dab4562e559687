//! Core metadata (`PKG-INFO`, `METADATA`, PEP 658 `.metadata` files): the
//! email-header format of the core metadata specification.
//!
//! The scanner and the resolver both read it here, so a hostile file shows
//! them the same name, version and dependencies. Where Python's email
//! parser (what installers use) and a plain reading differ, the choice is
//! the one that hides nothing; docs/archives.md lists them.

/// One value of a repeatable header, with the 1-based line its header
/// starts on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NumberedValue {
    pub line: usize,
    pub value: String,
}

/// The fields of core metadata that assay uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoreMetadata {
    pub metadata_version: Option<String>,
    pub name: Option<String>,
    pub version: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub author: Option<String>,
    pub author_email: Option<String>,
    pub maintainer: Option<String>,
    pub maintainer_email: Option<String>,
    pub home_page: Option<String>,
    pub download_url: Option<String>,
    /// `Project-URL` entries as (label, url).
    pub project_urls: Vec<(String, String)>,
    pub requires_dist: Vec<NumberedValue>,
    pub requires_python: Option<String>,
    pub provides_extra: Vec<String>,
    /// `Dynamic` fields (metadata 2.2+) as written: fields an sdist's build
    /// may change. See [`CoreMetadata::is_dynamic`].
    pub dynamic: Vec<String>,
    /// `Classifier` entries (trove classifiers).
    pub classifiers: Vec<String>,
    /// Single-valued headers given more than once (lower-case names, once
    /// each): the first value is kept, as Python's email parser returns it.
    pub repeated: Vec<String>,
}

impl CoreMetadata {
    /// Parses core metadata; never fails (unknown or malformed lines are
    /// skipped). Bytes that are not UTF-8 become U+FFFD; a leading BOM is
    /// dropped. The size is the caller's to bound (archive member and
    /// download limits): nothing is cut off here, so no header can hide
    /// past a cut.
    ///
    /// - Lines end at `\r\n`, `\n` or a lone `\r`, as in Python's email
    ///   parser.
    /// - Keys are case-insensitive; a single-valued key given twice keeps
    ///   its first value (as Python's email parser does) and is named in
    ///   [`CoreMetadata::repeated`].
    /// - A line that starts with a space or tab (even one of only
    ///   whitespace) continues the previous header: for `Description`
    ///   the lines are joined with line breaks, and the legacy
    ///   `        |text` form loses its `|`; other values are unfolded with
    ///   a space.
    /// - A line that is neither a header nor a continuation is skipped and
    ///   reading goes on (Python's parser would start the body there; going
    ///   on means a dependency after a junk line is still seen).
    /// - The first empty line ends the headers; the body after it is the
    ///   description when there is no `Description` header, and header-like
    ///   lines in it are never read as headers.
    pub fn parse(bytes: &[u8]) -> CoreMetadata {
        let text = String::from_utf8_lossy(bytes);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let mut meta = CoreMetadata::default();
        let mut current: Option<Header<'_>> = None;
        let mut body = None;

        let mut rest = text;
        let mut line_no = 0;
        while !rest.is_empty() {
            let (line, after) = split_line(rest);
            rest = after;
            line_no += 1;

            if line.is_empty() {
                body = Some(rest);
                break;
            }
            if line.starts_with([' ', '\t']) {
                if let Some(header) = current.as_mut() {
                    header.lines.push(line);
                }
                continue;
            }
            if let Some(header) = current.take() {
                meta.set(header);
            }
            current = line.split_once(':').map(|(key, value)| Header {
                key: key.trim().to_ascii_lowercase(),
                line: line_no,
                lines: vec![value.trim_start()],
            });
        }
        if let Some(header) = current.take() {
            meta.set(header);
        }

        if meta.description.is_none() {
            meta.description = body
                .map(|b| b.trim_end().to_owned())
                .filter(|b| !b.is_empty());
        }
        meta
    }

    /// `Metadata-Version` as `(major, minor)`.
    pub fn version_tuple(&self) -> Option<(u32, u32)> {
        let v = self.metadata_version.as_deref()?.trim();
        let (major, minor) = v.split_once('.').unwrap_or((v, "0"));
        Some((major.parse().ok()?, minor.parse().ok()?))
    }

    /// Whether `field` (e.g. `Requires-Dist`, any case) is listed in
    /// `Dynamic`.
    pub fn is_dynamic(&self, field: &str) -> bool {
        self.dynamic
            .iter()
            .any(|d| d.trim().eq_ignore_ascii_case(field))
    }

    /// Stores one header.
    fn set(&mut self, header: Header<'_>) {
        let Header { key, line, lines } = header;
        let value = if key == "description" {
            join_description(&lines)
        } else {
            lines
                .iter()
                .map(|l| l.trim())
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let single = match key.as_str() {
            "metadata-version" => &mut self.metadata_version,
            "name" => &mut self.name,
            "version" => &mut self.version,
            "summary" => &mut self.summary,
            "description" => &mut self.description,
            "author" => &mut self.author,
            "author-email" => &mut self.author_email,
            "maintainer" => &mut self.maintainer,
            "maintainer-email" => &mut self.maintainer_email,
            "home-page" => &mut self.home_page,
            "download-url" => &mut self.download_url,
            "requires-python" => &mut self.requires_python,
            "requires-dist" => return self.requires_dist.push(NumberedValue { line, value }),
            "provides-extra" => return self.provides_extra.push(value),
            "dynamic" => return self.dynamic.push(value),
            "classifier" => return self.classifiers.push(value),
            "project-url" => {
                let (label, url) = value.split_once(',').unwrap_or(("", &value));
                return self
                    .project_urls
                    .push((label.trim().to_owned(), url.trim().to_owned()));
            }
            _ => return,
        };
        if single.is_none() {
            *single = Some(value);
        } else if !self.repeated.contains(&key) {
            self.repeated.push(key);
        }
    }
}

/// A header being read: its lower-case key, the line it starts on, its
/// first line's value and then its raw continuation lines.
struct Header<'a> {
    key: String,
    line: usize,
    lines: Vec<&'a str>,
}

/// The first line of `text` (without its end) and the rest.
fn split_line(text: &str) -> (&str, &str) {
    match text.find(['\r', '\n']) {
        Some(end) => {
            let after = &text[end + 1..];
            let after = match (text.as_bytes()[end], after.strip_prefix('\n')) {
                (b'\r', Some(rest)) => rest,
                _ => after,
            };
            (&text[..end], after)
        }
        None => (text, ""),
    }
}

/// Joins a `Description` header's lines: continuation lines lose the
/// indentation the writer added (up to 8 spaces or one tab) and the legacy
/// `|` marker.
fn join_description(lines: &[&str]) -> String {
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
            let trimmed = line.trim_start();
            let line = match trimmed.strip_prefix('|') {
                Some(after_bar) => after_bar,
                None => strip_indent(line),
            };
            out.push_str(line.trim_end());
        } else {
            out.push_str(line.trim_end());
        }
    }
    out.trim_end().to_owned()
}

fn strip_indent(line: &str) -> &str {
    if let Some(rest) = line.strip_prefix('\t') {
        return rest;
    }
    let spaces = line.bytes().take(8).take_while(|&b| b == b' ').count();
    &line[spaces..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requires(meta: &CoreMetadata) -> Vec<&str> {
        meta.requires_dist
            .iter()
            .map(|r| r.value.as_str())
            .collect()
    }

    #[test]
    fn parses_headers_continuations_and_repeats() {
        let text = "Metadata-Version: 2.1\r\n\
                    name: demo\r\n\
                    Version: 1.0\r\n\
                    Summary: A long\r\n  summary\r\n\
                    Requires-Dist: requests>=2\r\n\
                    REQUIRES-DIST: six; extra == \"old\"\r\n\
                    Classifier: Programming Language :: Python\r\n\
                    Project-URL: Source, https://example.invalid/src\r\n\
                    Dynamic: Requires-Dist\r\n\
                    Provides-Extra: old\r\n\
                    not a header line\r\n\
                    Name: second-name-ignored\r\n\
                    \r\n\
                    The body.\r\n";
        let meta = CoreMetadata::parse(text.as_bytes());
        assert_eq!(meta.metadata_version.as_deref(), Some("2.1"));
        assert_eq!(meta.version_tuple(), Some((2, 1)));
        assert_eq!(meta.name.as_deref(), Some("demo"));
        assert_eq!(meta.version.as_deref(), Some("1.0"));
        assert_eq!(meta.summary.as_deref(), Some("A long summary"));
        assert_eq!(requires(&meta), ["requests>=2", "six; extra == \"old\""]);
        assert_eq!(
            meta.requires_dist
                .iter()
                .map(|r| r.line)
                .collect::<Vec<_>>(),
            [6, 7]
        );
        assert_eq!(meta.classifiers, ["Programming Language :: Python"]);
        assert_eq!(
            meta.project_urls,
            [(
                "Source".to_owned(),
                "https://example.invalid/src".to_owned()
            )]
        );
        assert_eq!(meta.dynamic, ["Requires-Dist"]);
        assert!(meta.is_dynamic("requires-dist") && !meta.is_dynamic("version"));
        assert_eq!(meta.provides_extra, ["old"]);
        assert_eq!(meta.repeated, ["name"]);
        assert_eq!(meta.description.as_deref(), Some("The body."));
    }

    #[test]
    fn legacy_description_continuation() {
        let text = "Name: x\n\
                    Description: First line\n        |\n        |    indented\n        plain\n\
                    Author: me\n\
                    \n\
                    body is ignored when Description is given\n";
        let meta = CoreMetadata::parse(text.as_bytes());
        assert_eq!(
            meta.description.as_deref(),
            Some("First line\n\n    indented\nplain")
        );
        assert_eq!(meta.author.as_deref(), Some("me"));
    }

    /// Issue 10 Part 0: hostile inputs, each with what must be read.
    #[test]
    fn hostile_inputs() {
        struct Case {
            what: &'static str,
            input: Vec<u8>,
            name: Option<&'static str>,
            version: Option<&'static str>,
            requires: &'static [&'static str],
        }
        let huge = format!(
            "Name: big\nSummary: {}\nRequires-Dist: after-huge\n",
            "x".repeat(20 << 20)
        );
        let many = (0..10_000)
            .map(|i| format!("Requires-Dist: p{i}\n"))
            .collect::<String>();
        let cases = [
            Case {
                what: "non-UTF-8 bytes",
                input: b"Name: ca\xfffe\nVersion: 1\xc3\nRequires-Dist: a\n".to_vec(),
                name: Some("ca\u{fffd}fe"),
                version: Some("1\u{fffd}"),
                requires: &["a"],
            },
            Case {
                what: "CRLF",
                input: b"Name: n\r\nVersion: 1\r\nRequires-Dist: a\r\n\r\nRequires-Dist: body\r\n"
                    .to_vec(),
                name: Some("n"),
                version: Some("1"),
                requires: &["a"],
            },
            Case {
                what: "lone CR ends a line, as in Python's email parser",
                input: b"Name: n\rRequires-Dist: hidden\rVersion: 1\n".to_vec(),
                name: Some("n"),
                version: Some("1"),
                requires: &["hidden"],
            },
            Case {
                what: "folded continuation lines",
                input:
                    b"Name: n\nRequires-Dist: a\n  >=1 ;\n\tpython_version > '3'\nVersion:\n 2\n"
                        .to_vec(),
                name: Some("n"),
                version: Some("2"),
                requires: &["a >=1 ; python_version > '3'"],
            },
            Case {
                what: "whitespace-only line continues, it does not end the headers",
                input: b"Name: n\n   \nRequires-Dist: a\n".to_vec(),
                name: Some("n"),
                version: None,
                requires: &["a"],
            },
            Case {
                what: "duplicate Name and Version: the first wins",
                input: b"Name: good\nVersion: 1\nName: evil\nVersion: 9\n".to_vec(),
                name: Some("good"),
                version: Some("1"),
                requires: &[],
            },
            Case {
                what: "NUL bytes stay in values",
                input: b"Name: a\0b\nRequires-Dist: c\0\n".to_vec(),
                name: Some("a\0b"),
                version: None,
                requires: &["c\0"],
            },
            Case {
                what: "gigantic header is read to its end, nothing is cut off",
                input: huge.into_bytes(),
                name: Some("big"),
                version: None,
                requires: &["after-huge"],
            },
            Case {
                what: "no blank line before the body: junk lines are skipped",
                input: b"Name: n\nThis is the long description\nRequires-Dist: after-junk\n"
                    .to_vec(),
                name: Some("n"),
                version: None,
                requires: &["after-junk"],
            },
            Case {
                what: "Requires-Dist repeats are all kept, in order",
                input: b"Requires-Dist: a\nRequires-Dist: a\nrequires-dist: b\n".to_vec(),
                name: None,
                version: None,
                requires: &["a", "a", "b"],
            },
            Case {
                what: "header-like lines in the body are not headers",
                input: b"Name: n\n\nRequires-Dist: evil\nName: other\n".to_vec(),
                name: Some("n"),
                version: None,
                requires: &[],
            },
            Case {
                what: "header-like lines in a Description header are its text",
                input: b"Name: n\nDescription: text\n        Requires-Dist: evil\n".to_vec(),
                name: Some("n"),
                version: None,
                requires: &[],
            },
            Case {
                what: "a BOM is dropped",
                input: "\u{feff}Name: bom".as_bytes().to_vec(),
                name: Some("bom"),
                version: None,
                requires: &[],
            },
            Case {
                what: "garbage",
                input: b":\n  leading\n\xff\xfe:\n".to_vec(),
                name: None,
                version: None,
                requires: &[],
            },
        ];
        for case in cases {
            let meta = CoreMetadata::parse(&case.input);
            assert_eq!(meta.name.as_deref(), case.name, "{}", case.what);
            assert_eq!(meta.version.as_deref(), case.version, "{}", case.what);
            assert_eq!(requires(&meta), case.requires, "{}", case.what);
        }
        assert_eq!(
            CoreMetadata::parse(many.as_bytes()).requires_dist.len(),
            10_000
        );
        assert_eq!(
            CoreMetadata::parse(b"Name:").name.as_deref(),
            Some(""),
            "an empty value is a value"
        );
    }
}
