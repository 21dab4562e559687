//! pip requirements and constraints files.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::error::InputError;
use crate::excerpt::{MESSAGE, QUOTED, excerpt};
use crate::input::{ParseOptions, read_text};
use crate::model::{Hash, Note, Origin, Requirement, Source, Unresolved};
use crate::reqline;

/// Deepest chain of `-r`/`-c` includes followed.
const MAX_INCLUDE_DEPTH: usize = 32;
/// Most files read through includes.
const MAX_FILES: usize = 512;
/// Most requirement lines in all files together.
const MAX_LINES: usize = 200_000;

/// Options that take a value and only matter to how pip installs: ignored.
const IGNORED_WITH_VALUE: [&str; 9] = [
    "--no-binary",
    "--only-binary",
    "--trusted-host",
    "--use-feature",
    "--config-settings",
    "--global-option",
    "--install-option",
    "--platform",
    "--progress-bar",
];
/// Flags without a value that are ignored.
const IGNORED_FLAGS: [&str; 4] = [
    "--prefer-binary",
    "--require-hashes",
    "--no-deps",
    "--no-build-isolation",
];

pub(crate) fn parse(path: &Path, options: &ParseOptions) -> Result<Unresolved, InputError> {
    let mut state = State {
        options,
        out: Unresolved::default(),
        stack: Vec::new(),
        seen: HashSet::new(),
        files: 0,
        lines: 0,
    };
    state.file(path, false, None)?;
    Ok(state.out)
}

struct State<'a> {
    options: &'a ParseOptions,
    out: Unresolved,
    /// Files being read (canonical paths), for cycle detection.
    stack: Vec<PathBuf>,
    /// Files already read in a given mode (constraint or not).
    seen: HashSet<(PathBuf, bool)>,
    files: usize,
    lines: usize,
}

/// One logical line: continuation lines joined, comments removed.
struct Logical {
    line: usize,
    text: String,
}

fn logical_lines(text: &str) -> Vec<Logical> {
    let mut out = Vec::new();
    let mut current: Option<Logical> = None;
    for (index, raw) in text.lines().enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let entry = current.get_or_insert_with(|| Logical {
            line: index + 1,
            text: String::new(),
        });
        // A comment ends the logical line even after a backslash, as in pip.
        let stripped = strip_comment(raw);
        if let Some(body) = stripped.strip_suffix('\\') {
            entry.text.push_str(body);
            continue;
        }
        entry.text.push_str(stripped);
        if let Some(done) = current.take() {
            out.push(done);
        }
    }
    if let Some(done) = current.take() {
        out.push(done);
    }
    out
}

/// Removes `#` comments that start a line or follow whitespace (pip's rule,
/// so `#egg=` fragments stay).
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return line[..i].trim_end();
        }
    }
    line
}

impl State<'_> {
    fn file(
        &mut self,
        path: &Path,
        constraint: bool,
        from: Option<&Origin>,
    ) -> Result<(), InputError> {
        let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if self.stack.contains(&canonical) {
            self.note(
                from,
                format!(
                    "{} includes itself (through -r/-c); the cycle is not followed",
                    path.display()
                ),
            );
            return Ok(());
        }
        if !self.seen.insert((canonical.clone(), constraint)) {
            return Ok(());
        }
        if self.stack.len() >= MAX_INCLUDE_DEPTH {
            return Err(InputError::Limit {
                file: path.to_path_buf(),
                message: format!("included more than {MAX_INCLUDE_DEPTH} levels deep"),
            });
        }
        self.files += 1;
        if self.files > MAX_FILES {
            return Err(InputError::Limit {
                file: path.to_path_buf(),
                message: format!("more than {MAX_FILES} requirements files included"),
            });
        }
        let text = read_text(path).map_err(|e| match (e, from) {
            (InputError::Io { source, .. }, Some(origin)) => InputError::invalid(
                &origin.file,
                origin.line,
                format!(
                    "cannot read included file {}: {source}",
                    excerpt(&path.display().to_string(), QUOTED)
                ),
            ),
            (e, _) => e,
        })?;
        self.stack.push(canonical);
        let result = self.lines_of(path, &text, constraint);
        self.stack.pop();
        result
    }

    fn note(&mut self, origin: Option<&Origin>, message: String) {
        let origin = origin.cloned().unwrap_or_else(|| Origin::new("", 0));
        self.out.notes.push(Note { origin, message });
    }

    fn lines_of(&mut self, path: &Path, text: &str, constraint: bool) -> Result<(), InputError> {
        let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        for logical in logical_lines(text) {
            self.lines += 1;
            if self.lines > MAX_LINES {
                return Err(InputError::Limit {
                    file: path.to_path_buf(),
                    message: format!("more than {MAX_LINES} requirement lines"),
                });
            }
            let expanded = self.expand_vars(&logical.text);
            let line = expanded.trim();
            if line.is_empty() {
                continue;
            }
            let origin = Origin::new(path, logical.line);
            if line.starts_with('-') {
                self.option(line, &origin, &base_dir, constraint)?;
            } else {
                let req = requirement_line(line, &origin, &base_dir, false)?;
                self.push(req, constraint);
            }
        }
        Ok(())
    }

    fn push(&mut self, req: Requirement, constraint: bool) {
        if constraint {
            self.out.constraints.push(req);
        } else {
            self.out.requirements.push(req);
        }
    }

    /// `${VAR}` with upper-case letters, digits and `_`, as pip; unset
    /// variables are left as written.
    fn expand_vars(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            match after.find('}') {
                Some(end)
                    if end > 0
                        && after[..end]
                            .bytes()
                            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_') =>
                {
                    let name = &after[..end];
                    match self.options.var(name) {
                        Some(value) => out.push_str(&value),
                        None => out.push_str(&rest[start..start + 3 + end]),
                    }
                    rest = &after[end + 1..];
                }
                _ => {
                    out.push_str("${");
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    fn option(
        &mut self,
        line: &str,
        origin: &Origin,
        base_dir: &Path,
        constraint: bool,
    ) -> Result<(), InputError> {
        let (name, value) = split_option(line);
        let need = |value: Option<String>| {
            value.filter(|v| !v.is_empty()).ok_or_else(|| {
                InputError::invalid(
                    &origin.file,
                    origin.line,
                    format!("option {name} needs a value"),
                )
            })
        };
        match name.as_str() {
            "-r" | "--requirement" | "-c" | "--constraint" => {
                let target = need(value)?;
                let nested_constraint = constraint || name == "-c" || name == "--constraint";
                if reqline::is_url(&target) && !target.to_ascii_lowercase().starts_with("file:") {
                    self.note(
                        Some(origin),
                        format!(
                            "remote requirements file {} is not fetched",
                            excerpt(&target, QUOTED)
                        ),
                    );
                    return Ok(());
                }
                let target_path = match reqline::url_source(&target, base_dir) {
                    Source::LocalPath(p) => p,
                    _ => base_dir.join(&target),
                };
                self.file(&target_path, nested_constraint, Some(origin))
            }
            "-e" | "--editable" => {
                let target = need(value)?;
                let req = requirement_line(&target, origin, base_dir, true)?;
                self.push(req, constraint);
                Ok(())
            }
            "-i" | "--index-url" => {
                self.out.index.index_url = Some(need(value)?);
                Ok(())
            }
            "--extra-index-url" => {
                let url = need(value)?;
                self.out.index.extra_index_urls.push(url);
                Ok(())
            }
            "-f" | "--find-links" => {
                let url = need(value)?;
                self.out.index.find_links.push(url);
                Ok(())
            }
            "--no-index" => {
                self.out.index.no_index = true;
                Ok(())
            }
            "--pre" => {
                self.out.index.pre = true;
                Ok(())
            }
            other if IGNORED_WITH_VALUE.contains(&other) || IGNORED_FLAGS.contains(&other) => {
                self.note(
                    Some(origin),
                    format!("option {} is ignored by assay", excerpt(other, QUOTED)),
                );
                Ok(())
            }
            other => Err(InputError::invalid(
                &origin.file,
                origin.line,
                format!("unknown option {}", excerpt(other, QUOTED)),
            )),
        }
    }
}

/// Splits `--opt=value`, `--opt value`, `-rfile` and `-r file`.
fn split_option(line: &str) -> (String, Option<String>) {
    if let Some(long) = line.strip_prefix("--") {
        let end = long
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(long.len());
        let name = format!("--{}", &long[..end]);
        let rest = long[end..].trim_start_matches('=').trim();
        return (name, (!rest.is_empty()).then(|| unquote(rest)));
    }
    let mut chars = line.chars();
    chars.next();
    let flag = chars
        .next()
        .map(|c| format!("-{c}"))
        .unwrap_or_else(|| "-".into());
    let rest = chars.as_str().trim_start_matches('=').trim();
    (flag, (!rest.is_empty()).then(|| unquote(rest)))
}

fn unquote(text: &str) -> String {
    let t = text.trim();
    for q in ['"', '\''] {
        if t.len() >= 2 && t.starts_with(q) && t.ends_with(q) {
            return t[1..t.len() - 1].to_string();
        }
    }
    t.to_string()
}

/// Per-requirement options pip accepts after a requirement.
const PER_REQUIREMENT: [&str; 4] = [
    "--hash",
    "--global-option",
    "--config-settings",
    "--install-option",
];

/// Splits trailing per-requirement options off and collects `--hash`es.
fn split_hashes(line: &str, origin: &Origin) -> Result<(String, Vec<Hash>), InputError> {
    let mut cut = line.len();
    for opt in PER_REQUIREMENT {
        let mut from = 0;
        while let Some(i) = line[from..].find(opt) {
            let at = from + i;
            if at > 0 && line.as_bytes()[at - 1].is_ascii_whitespace() {
                cut = cut.min(at);
                break;
            }
            from = at + opt.len();
        }
    }
    let spec = line[..cut].trim().to_string();
    let mut hashes = Vec::new();
    let mut tokens = line[cut..].split_whitespace().peekable();
    while let Some(token) = tokens.next() {
        let (name, value) = match token.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (token, None),
        };
        let value = match value {
            Some(v) => Some(v),
            None if PER_REQUIREMENT.contains(&name) => tokens.next().map(str::to_string),
            None => None,
        };
        if name == "--hash" {
            let value = value.unwrap_or_default();
            let hash = Hash::parse(&unquote(&value)).ok_or_else(|| {
                InputError::invalid(
                    &origin.file,
                    origin.line,
                    format!("malformed --hash `{}`", excerpt(&value, QUOTED)),
                )
            })?;
            hashes.push(hash);
        }
    }
    Ok((spec, hashes))
}

/// True when `spec` is a local path rather than a PEP 508 name.
fn looks_like_path(spec: &str) -> bool {
    let first = spec.split([' ', ';', '[']).next().unwrap_or(spec);
    first.starts_with('.')
        || first.starts_with('/')
        || first.starts_with('~')
        || first.contains('/')
        || first.contains('\\')
        || [".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz"]
            .iter()
            .any(|ext| first.to_ascii_lowercase().ends_with(ext))
}

/// Parses one requirement line of a requirements file.
fn requirement_line(
    line: &str,
    origin: &Origin,
    base_dir: &Path,
    editable: bool,
) -> Result<Requirement, InputError> {
    let invalid = |message: String| InputError::invalid(&origin.file, origin.line, message);
    let (spec, hashes) = split_hashes(line, origin)?;
    if spec.is_empty() {
        return Err(invalid(
            "a requirement is missing before its options".into(),
        ));
    }
    // `name @ url` (PEP 508 direct reference).
    if !reqline::is_url(&spec)
        && let Some((head, url)) = reqline::split_direct_reference(&spec)
    {
        let req = reqline::parse_pep508(&head).map_err(|e| {
            invalid(format!(
                "{}: `{}`",
                excerpt(&e, MESSAGE),
                excerpt(&spec, QUOTED)
            ))
        })?;
        let source = match reqline::url_source(&url, base_dir) {
            Source::LocalPath(p) if editable => Source::Editable(p),
            other => other,
        };
        return Ok(Requirement {
            req,
            hashes,
            origin: origin.clone(),
            source,
        });
    }
    // A bare URL or path, optionally with `[extras]` and `; marker`.
    if reqline::is_url(&spec) || looks_like_path(&spec) || editable {
        let (location, marker) = match spec.find(" ;").or_else(|| spec.find("; ")) {
            Some(i) => (
                spec[..i].trim(),
                Some(spec[i + 1..].trim_start_matches(';').trim()),
            ),
            None => (spec.as_str(), None),
        };
        let (location, extras) = split_extras(location);
        let source = if reqline::is_url(location) {
            reqline::url_source(location, base_dir)
        } else {
            let expanded = expand_home(location);
            Source::LocalPath(base_dir.join(expanded))
        };
        let source = match source {
            Source::LocalPath(p) if editable => Source::Editable(p),
            other => other,
        };
        let local = match &source {
            Source::LocalPath(p) | Source::Editable(p) => Some(p.as_path()),
            _ => None,
        };
        let name = reqline::infer_name(location, local).ok_or_else(|| {
            invalid(format!(
                "cannot tell the package name of `{}`: add `#egg=name` or use `name @ url`",
                excerpt(location, QUOTED)
            ))
        })?;
        let mut text = name;
        if let Some(extras) = extras {
            text.push_str(extras);
        }
        if let Some(marker) = marker.filter(|m| !m.is_empty()) {
            text.push_str(" ; ");
            text.push_str(marker);
        }
        let req = reqline::parse_pep508(&text).map_err(|e| {
            invalid(format!(
                "{}: `{}`",
                excerpt(&e, MESSAGE),
                excerpt(&spec, QUOTED)
            ))
        })?;
        return Ok(Requirement {
            req,
            hashes,
            origin: origin.clone(),
            source,
        });
    }
    let req = reqline::parse_pep508(&spec).map_err(|e| {
        invalid(format!(
            "{}: `{}`",
            excerpt(&e, MESSAGE),
            excerpt(&spec, QUOTED)
        ))
    })?;
    Ok(Requirement {
        req,
        hashes,
        origin: origin.clone(),
        source: Source::Index,
    })
}

/// Splits a trailing `[extras]` off a path or URL.
fn split_extras(location: &str) -> (&str, Option<&str>) {
    if location.ends_with(']')
        && let Some(open) = location.rfind('[')
    {
        return (&location[..open], Some(&location[open..]));
    }
    (location, None)
}

fn expand_home(path: &str) -> PathBuf {
    if let Some(rest) = path.strip_prefix("~/")
        && let Some(home) = std::env::var_os("HOME")
    {
        return PathBuf::from(home).join(rest);
    }
    PathBuf::from(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_continuations() {
        let lines = logical_lines("a \\\n  >=1 # c\n# full\nb#egg\n");
        let texts: Vec<_> = lines
            .iter()
            .map(|l| (l.line, l.text.trim().to_string()))
            .collect();
        assert_eq!(
            texts,
            vec![
                (1, "a   >=1".to_string()),
                (3, String::new()),
                (4, "b#egg".to_string())
            ]
        );
    }

    #[test]
    fn option_forms() {
        assert_eq!(
            split_option("-rbase.txt"),
            ("-r".into(), Some("base.txt".into()))
        );
        assert_eq!(
            split_option("--requirement=base.txt"),
            ("--requirement".into(), Some("base.txt".into()))
        );
        assert_eq!(
            split_option("--index-url  https://mirror.example/simple"),
            (
                "--index-url".into(),
                Some("https://mirror.example/simple".into())
            )
        );
        assert_eq!(split_option("--no-index"), ("--no-index".into(), None));
    }
}
