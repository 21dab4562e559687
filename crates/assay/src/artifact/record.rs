//! The wheel `RECORD` file (PEP 376 / 427): one CSV line per installed file,
//! `path,algorithm=urlsafe-b64-digest,size`.

use std::collections::{HashMap, HashSet};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::{AnomalyKind, EntryAnomaly, PackageFile};

/// One `RECORD` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordEntry {
    pub path: String,
    /// `sha256=<urlsafe-b64-nopad>` as written, when present.
    pub hash: Option<String>,
    pub size: Option<u64>,
}

/// A parsed `RECORD`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    pub entries: Vec<RecordEntry>,
}

impl Record {
    /// Parses a `RECORD`; never fails. Rows with an empty path are skipped, an
    /// empty hash is `None`, and a size that is not a number is `None`.
    pub fn parse(text: &str) -> Record {
        let entries = parse_csv(text)
            .into_iter()
            .filter_map(|row| {
                let mut fields = row.into_iter();
                let path = fields.next().filter(|p| !p.is_empty())?;
                let hash = fields.next().filter(|h| !h.trim().is_empty());
                let size = fields.next().and_then(|s| s.trim().parse().ok());
                Some(RecordEntry { path, hash, size })
            })
            .collect();
        Record { entries }
    }

    /// The first entry listing `path`.
    pub fn get(&self, path: &str) -> Option<&RecordEntry> {
        self.entries.iter().find(|e| e.path == path)
    }
}

/// The `RECORD`-style hash of `data`: `sha256=` and the urlsafe base64 of the
/// digest without padding.
pub fn record_hash(data: &[u8]) -> String {
    format!("sha256={}", URL_SAFE_NO_PAD.encode(Sha256::digest(data)))
}

/// The `RECORD`-style hash of `data` with the named algorithm (`sha256`,
/// `sha384` or `sha512`); `None` for any other algorithm.
pub fn record_hash_with(algorithm: &str, data: &[u8]) -> Option<String> {
    let digest = match algorithm {
        "sha256" => URL_SAFE_NO_PAD.encode(Sha256::digest(data)),
        "sha384" => URL_SAFE_NO_PAD.encode(Sha384::digest(data)),
        "sha512" => URL_SAFE_NO_PAD.encode(Sha512::digest(data)),
        _ => return None,
    };
    Some(format!("{algorithm}={digest}"))
}

/// Splits CSV text into rows of fields, as Python's `csv` module (default
/// dialect, non-strict) reads them: `"` quotes a field, `""` inside quotes is
/// a quote, quoted fields may hold commas and line breaks, and `\r`, `\n` and
/// `\r\n` end a row. Blank rows are dropped.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        /// At the start of a field.
        Start,
        Unquoted,
        Quoted,
        /// Just after a `"` inside a quoted field.
        QuoteInQuoted,
    }

    let mut rows = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut state = State::Start;

    fn end_row(rows: &mut Vec<Vec<String>>, row: &mut Vec<String>, field: &mut String) {
        row.push(std::mem::take(field));
        let blank = row.len() == 1 && row[0].is_empty();
        let row = std::mem::take(row);
        if !blank {
            rows.push(row);
        }
    }

    for c in text.chars() {
        match (state, c) {
            (State::Quoted, '"') => state = State::QuoteInQuoted,
            (State::Quoted, c) => field.push(c),
            (State::Start, '"') => state = State::Quoted,
            (State::QuoteInQuoted, '"') => {
                field.push('"');
                state = State::Quoted;
            }
            (_, ',') => {
                row.push(std::mem::take(&mut field));
                state = State::Start;
            }
            (_, '\r' | '\n') => {
                // `\r\n` ends the row at `\r`; the `\n` then ends a blank row,
                // which is dropped.
                end_row(&mut rows, &mut row, &mut field);
                state = State::Start;
            }
            (_, c) => {
                field.push(c);
                state = State::Unquoted;
            }
        }
    }
    if state != State::Start || !field.is_empty() || !row.is_empty() {
        end_row(&mut rows, &mut row, &mut field);
    }
    rows
}

/// Checks a wheel's files against its `RECORD` (at `record_path`):
///
/// - every file but the `RECORD` itself and its signatures (`RECORD.jws`,
///   `RECORD.p7s`) must be listed ([`AnomalyKind::NotInRecord`]);
/// - a listed hash (sha256/384/512) and size must match
///   ([`AnomalyKind::RecordMismatch`]);
/// - a listed file must be in the wheel ([`AnomalyKind::MissingFromArchive`]).
///
/// `not_kept` holds the names of entries that were in the archive but are not
/// in `files` (unsafe, links, over a limit): they are neither reported as
/// missing nor as unlisted. When the archive was not read to its end
/// (`complete` is false), missing files are not reported.
pub(super) fn verify_wheel(
    record: &Record,
    record_path: &str,
    files: &[PackageFile],
    not_kept: &HashSet<String>,
    complete: bool,
) -> Vec<EntryAnomaly> {
    let dist_info = record_path.strip_suffix("RECORD").unwrap_or(record_path);
    let exempt = |path: &str| {
        path == record_path
            || path
                .strip_prefix(dist_info)
                .is_some_and(|name| name == "RECORD.jws" || name == "RECORD.p7s")
    };
    let mut listed: HashMap<&str, &RecordEntry> = HashMap::new();
    for entry in &record.entries {
        listed.entry(entry.path.as_str()).or_insert(entry);
    }

    let mut anomalies = Vec::new();
    for file in files {
        if exempt(&file.path) {
            continue;
        }
        match listed.get(file.path.as_str()) {
            None => anomalies.push(EntryAnomaly {
                path: file.path.clone(),
                kind: AnomalyKind::NotInRecord,
                detail: format!("not listed in {record_path}"),
            }),
            Some(entry) => {
                if let Some(detail) = mismatch(entry, &file.data) {
                    anomalies.push(EntryAnomaly {
                        path: file.path.clone(),
                        kind: AnomalyKind::RecordMismatch,
                        detail,
                    });
                }
            }
        }
    }

    if complete {
        let present: HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
        for entry in &record.entries {
            let path = entry.path.as_str();
            if !present.contains(path) && !not_kept.contains(path) && !exempt(path) {
                anomalies.push(EntryAnomaly {
                    path: entry.path.clone(),
                    kind: AnomalyKind::MissingFromArchive,
                    detail: format!("listed in {record_path} but not in the wheel"),
                });
            }
        }
    }
    anomalies
}

/// How `data` differs from a `RECORD` line, if it does.
fn mismatch(entry: &RecordEntry, data: &[u8]) -> Option<String> {
    let mut problems = Vec::new();
    if let Some(expected) = &entry.hash {
        let algorithm = expected.split_once('=').map_or("", |(a, _)| a);
        if let Some(found) = record_hash_with(algorithm, data) {
            // Some tools pad the base64; the digest is the same.
            if expected.trim().trim_end_matches('=') != found {
                problems.push(format!("expected {}, found {found}", expected.trim()));
            }
        }
    }
    if let Some(expected) = entry.size {
        let found = data.len() as u64;
        if expected != found {
            problems.push(format!("expected size {expected}, found size {found}"));
        }
    }
    (!problems.is_empty()).then(|| problems.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, data: &[u8]) -> PackageFile {
        PackageFile {
            path: path.to_owned(),
            data: data.to_vec().into(),
            mode: None,
        }
    }

    #[test]
    fn parses_plain_lines() {
        let record =
            Record::parse("pkg/__init__.py,sha256=abc,12\npkg-1.0.dist-info/RECORD,,\r\n\n");
        assert_eq!(
            record.entries,
            vec![
                RecordEntry {
                    path: "pkg/__init__.py".into(),
                    hash: Some("sha256=abc".into()),
                    size: Some(12),
                },
                RecordEntry {
                    path: "pkg-1.0.dist-info/RECORD".into(),
                    hash: None,
                    size: None,
                },
            ]
        );
    }

    #[test]
    fn parses_quoted_path_with_comma_and_quote() {
        let record = Record::parse("\"pkg/a,b \"\"c\"\".py\",sha256=xyz,3\nlast,,x\n");
        assert_eq!(record.entries.len(), 2);
        assert_eq!(record.entries[0].path, "pkg/a,b \"c\".py");
        assert_eq!(record.entries[0].hash.as_deref(), Some("sha256=xyz"));
        assert_eq!(record.entries[0].size, Some(3));
        // A size that is not a number is dropped, not an error.
        assert_eq!(record.entries[1].path, "last");
        assert_eq!(record.entries[1].size, None);
    }

    #[test]
    fn quoted_field_may_span_lines_and_last_line_needs_no_newline() {
        let record = Record::parse("\"a\nb\",,1\nc,,2");
        let paths: Vec<_> = record.entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["a\nb", "c"]);
        assert_eq!(record.entries[1].size, Some(2));
    }

    #[test]
    fn hash_matches_known_digest() {
        // sha256("") in urlsafe base64 without padding.
        assert_eq!(
            record_hash(b""),
            "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
        );
        assert_eq!(record_hash_with("md5", b""), None);
        assert!(record_hash_with("sha512", b"x").is_some_and(|h| h.starts_with("sha512=")));
    }

    #[test]
    fn verify_reports_each_kind_once() {
        let files = vec![
            file("pkg/ok.py", b"ok"),
            file("pkg/bad.py", b"evil"),
            file("pkg/extra.py", b"x"),
            file("pkg-1.0.dist-info/RECORD", b""),
            file("pkg-1.0.dist-info/RECORD.jws", b""),
        ];
        let text = format!(
            "pkg/ok.py,{},2\npkg/bad.py,{},4\npkg/gone.py,sha256=x,1\npkg/big.bin,sha256=x,9\npkg-1.0.dist-info/RECORD,,\n",
            record_hash(b"ok"),
            record_hash(b"good"),
        );
        let record = Record::parse(&text);
        let not_kept = HashSet::from(["pkg/big.bin".to_owned()]);
        let anomalies = verify_wheel(&record, "pkg-1.0.dist-info/RECORD", &files, &not_kept, true);
        let kinds: Vec<_> = anomalies
            .iter()
            .map(|a| (a.path.as_str(), a.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                ("pkg/bad.py", AnomalyKind::RecordMismatch),
                ("pkg/extra.py", AnomalyKind::NotInRecord),
                ("pkg/gone.py", AnomalyKind::MissingFromArchive),
            ]
        );
        assert_eq!(
            anomalies[0].detail,
            format!(
                "expected {}, found {}",
                record_hash(b"good"),
                record_hash(b"evil")
            )
        );

        let incomplete = verify_wheel(
            &record,
            "pkg-1.0.dist-info/RECORD",
            &files,
            &not_kept,
            false,
        );
        assert!(
            incomplete
                .iter()
                .all(|a| a.kind != AnomalyKind::MissingFromArchive)
        );
    }

    #[test]
    fn verify_reports_size_mismatch() {
        let files = vec![file("a.py", b"abc")];
        let record = Record::parse("a.py,,4\n");
        let anomalies = verify_wheel(&record, "x.dist-info/RECORD", &files, &HashSet::new(), true);
        assert_eq!(anomalies.len(), 1);
        assert_eq!(anomalies[0].detail, "expected size 4, found size 3");
    }
}
