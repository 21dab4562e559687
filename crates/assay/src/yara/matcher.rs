//! Matching the user's rules against one artifact: every file as read
//! (within the artifact's limits), every payload the analysis decoded
//! (a rule sees what base64/zlib layers hid), and the Python recovered
//! from bytecode or from archives inside files. The rules are shared; each
//! worker thread gets its own yara-x scanner.

use std::time::Duration;

use rayon::prelude::*;

use super::compile::severity_of;
use super::{YaraMatch, YaraRules};
use crate::artifact::Package;
use crate::python::FileAnalysis;

/// Longest one piece may keep the rules busy before its scan is stopped
/// (a pathological regular expression in a user rule).
const SCAN_TIMEOUT: Duration = Duration::from_secs(30);
/// Matches kept per pattern and piece: enough to report, bounded memory.
const MAX_MATCHES_PER_PATTERN: usize = 64;
/// Bytes of a match shown in the finding.
const MATCHED_SHOWN: usize = 64;

/// One piece of an artifact the rules read.
struct Piece<'a> {
    path: &'a str,
    data: &'a [u8],
    /// The line the piece stands for, when it is not the file itself.
    line: Option<u32>,
    within: Option<String>,
}

impl YaraRules {
    /// Every match of the rules in `package` and in what the analysis of
    /// it recovered, in file order; and the pieces whose scan failed (a
    /// timeout), as error messages.
    pub fn scan_package(
        &self,
        package: &Package,
        analyses: &[FileAnalysis],
    ) -> (Vec<YaraMatch>, Vec<String>) {
        let pieces = pieces_of(package, analyses);
        let results: Vec<Result<Vec<YaraMatch>, String>> = pieces
            .par_iter()
            .map_init(
                || {
                    let mut scanner = yara_x::Scanner::new(&self.rules);
                    scanner
                        .set_timeout(SCAN_TIMEOUT)
                        .max_matches_per_pattern(MAX_MATCHES_PER_PATTERN);
                    scanner
                },
                |scanner, piece| self.scan_piece(scanner, piece),
            )
            .collect();
        let mut matches = Vec::new();
        let mut errors = Vec::new();
        for result in results {
            match result {
                Ok(found) => matches.extend(found),
                Err(error) => errors.push(error),
            }
        }
        (matches, errors)
    }

    fn scan_piece(
        &self,
        scanner: &mut yara_x::Scanner<'_>,
        piece: &Piece<'_>,
    ) -> Result<Vec<YaraMatch>, String> {
        let results = scanner.scan(piece.data).map_err(|error| {
            let what = piece.within.as_deref().unwrap_or("the file");
            format!("YARA rules stopped on {} ({what}): {error}", piece.path)
        })?;
        let found = results
            .matching_rules()
            .map(|rule| {
                let first = rule
                    .patterns()
                    .flat_map(|p| p.matches().map(move |m| (p.identifier(), m)))
                    .min_by_key(|(_, m)| m.range().start);
                let line = piece.line.or_else(|| {
                    let (_, m) = first.as_ref()?;
                    line_of(piece.data, m.range().start)
                });
                YaraMatch {
                    rule: rule.identifier().to_owned(),
                    rules_file: rule.namespace().to_owned(),
                    tags: rule.tags().map(|t| t.identifier().to_owned()).collect(),
                    meta: rule
                        .metadata()
                        .map(|(key, value)| (key.to_owned(), meta_text(&value)))
                        .collect(),
                    // Checked when the rules were compiled.
                    severity: severity_of(&rule).unwrap_or(crate::Severity::Medium),
                    path: piece.path.to_owned(),
                    line,
                    within: piece.within.clone(),
                    matched: first.map(|(id, m)| {
                        format!(
                            "{id} at offset {}: {}",
                            m.range().start,
                            printable(m.data())
                        )
                    }),
                }
            })
            .collect();
        Ok(found)
    }
}

/// The files of `package`, the payloads decoded in them, and Python that
/// is not a file's own bytes (recovered from bytecode, or a module of an
/// archive inside a file).
fn pieces_of<'a>(package: &'a Package, analyses: &'a [FileAnalysis]) -> Vec<Piece<'a>> {
    let mut pieces: Vec<Piece<'a>> = package
        .files
        .iter()
        .map(|f| Piece {
            path: &f.path,
            data: &f.data,
            line: None,
            within: None,
        })
        .collect();
    for analysis in analyses {
        let own_file = package.files.iter().find(|f| f.path == analysis.path);
        let recovered = match own_file {
            None => Some("a module of an archive inside this file"),
            Some(file) if is_bytecode(&file.path) => Some("Python recovered from bytecode"),
            Some(_) => None,
        };
        if let Some(within) = recovered {
            pieces.push(Piece {
                path: &analysis.path,
                data: analysis.source.as_bytes(),
                line: None,
                within: Some(within.to_owned()),
            });
        }
        pieces.extend(analysis.payloads.iter().map(|p| Piece {
            path: &analysis.path,
            data: &p.decoded,
            line: Some(p.line),
            within: Some(format!("payload decoded by {}", p.chain)),
        }));
    }
    pieces
}

fn is_bytecode(path: &str) -> bool {
    path.ends_with(".pyc") || path.ends_with(".pyo")
}

/// The 1-based line of `offset` when `data` reads as text (no NUL byte
/// before it).
fn line_of(data: &[u8], offset: usize) -> Option<u32> {
    let before = data.get(..offset)?;
    if memchr::memchr(0, before).is_some() {
        return None;
    }
    let newlines = memchr::memchr_iter(b'\n', before).count();
    u32::try_from(newlines + 1).ok()
}

fn meta_text(value: &yara_x::MetaValue<'_>) -> String {
    match value {
        yara_x::MetaValue::Integer(n) => n.to_string(),
        yara_x::MetaValue::Float(x) => x.to_string(),
        yara_x::MetaValue::Bool(b) => b.to_string(),
        yara_x::MetaValue::String(s) => (*s).to_owned(),
        yara_x::MetaValue::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
    }
}

/// The start of matched bytes, quoted, with anything unprintable escaped.
fn printable(data: &[u8]) -> String {
    let mut out = String::from("\"");
    for &b in data.iter().take(MATCHED_SHOWN) {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
    if data.len() > MATCHED_SHOWN {
        out.push('…');
    }
    out
}
