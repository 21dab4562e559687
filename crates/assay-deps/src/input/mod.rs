//! Parsing dependency inputs into [`Parsed`].

mod locate;
mod lock_graph;
mod pipfile_lock;
mod poetry_constraint;
mod poetry_lock;
mod pylock;
pub(crate) mod pyproject;
mod requirements;
mod uv_lock;
mod wheel_python;

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use crate::error::InputError;
use crate::model::{Hash, InputKind, Locked, Parsed};
use crate::scope::Scope;
use pep508_rs::MarkerEnvironment;

/// Largest input file read.
pub(crate) const MAX_INPUT_BYTES: u64 = 32 * 1024 * 1024;

/// Options of [`parse_input_with`].
#[derive(Clone, Debug, Default)]
pub struct ParseOptions {
    /// Variables for `${VAR}` expansion in requirements files; `None` reads
    /// the process environment.
    pub env: Option<HashMap<String, String>>,
    /// The extras and dependency groups of a project or lock to scan.
    pub scope: Scope,
    /// The environment lockfile markers are evaluated in: packages a lock
    /// installs only elsewhere (another platform or Python) are left out.
    /// `None` keeps every package (`--all-files`).
    pub environment: Option<MarkerEnvironment>,
}

impl ParseOptions {
    pub(crate) fn var(&self, name: &str) -> Option<String> {
        match &self.env {
            Some(map) => map.get(name).cloned(),
            None => std::env::var(name).ok(),
        }
    }
}

/// Parses `path` as `kind`, expanding `${VAR}` from the process environment.
pub fn parse_input(path: &Path, kind: InputKind) -> Result<Parsed, InputError> {
    parse_input_with(path, kind, &ParseOptions::default())
}

/// Parses `path` as `kind` with explicit options.
pub fn parse_input_with(
    path: &Path,
    kind: InputKind,
    options: &ParseOptions,
) -> Result<Parsed, InputError> {
    match kind {
        InputKind::Requirements => requirements::parse(path, options).map(Parsed::Unresolved),
        InputKind::Pyproject => {
            let text = read_text(path)?;
            pyproject::parse(path, &text, &options.scope).map(Parsed::Unresolved)
        }
        InputKind::UvLock => {
            let env = options.environment.as_ref();
            uv_lock::parse(path, &read_text(path)?, &options.scope, env).map(Parsed::Locked)
        }
        InputKind::PoetryLock => {
            let env = options.environment.as_ref();
            poetry_lock::parse(path, &read_text(path)?, &options.scope, env).map(Parsed::Locked)
        }
        InputKind::PyLock => {
            let env = options.environment.as_ref();
            pylock::parse(path, &read_text(path)?, &options.scope, env).map(Parsed::Locked)
        }
        InputKind::PipfileLock => pipfile_lock::parse(path, &read_text(path)?, &options.scope)
            .map(|l| Parsed::Locked(by_marker(path, l, options))),
    }
}

/// Leaves out the packages whose own marker does not hold in the target
/// environment (Pipfile.lock).
fn by_marker(path: &Path, mut locked: Locked, options: &ParseOptions) -> Locked {
    let env = options.environment.as_ref();
    let total = locked.packages.len();
    locked
        .packages
        .retain(|p| lock_graph::marker_holds(p.marker.as_deref(), env));
    let left = total - locked.packages.len();
    if left > 0 {
        locked.notes.push(crate::model::Note {
            origin: crate::model::Origin::new(path, 0),
            message: format!(
                "{left} of {total} locked packages are for other platforms or Python versions: not scanned; --all-files scans them"
            ),
        });
    }
    locked
}

/// Reads a whole input file as UTF-8, within [`MAX_INPUT_BYTES`].
pub(crate) fn read_text(path: &Path) -> Result<String, InputError> {
    let io = |source| InputError::Io {
        file: path.to_path_buf(),
        source,
    };
    let bytes = read_regular(path, MAX_INPUT_BYTES + 1).map_err(io)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(InputError::Limit {
            file: path.to_path_buf(),
            message: format!("larger than {MAX_INPUT_BYTES} bytes"),
        });
    }
    let bytes = bytes
        .strip_prefix(b"\xef\xbb\xbf")
        .unwrap_or(&bytes)
        .to_vec();
    String::from_utf8(bytes).map_err(|e| {
        let line = line_of_offset_bytes(e.as_bytes(), e.utf8_error().valid_up_to());
        InputError::invalid(path, line, "not valid UTF-8")
    })
}

/// Reads at most `max` bytes of `path`, which must be a regular file:
/// a FIFO, a terminal, a device (`-r /proc/self/fd/1` when stdout is a
/// pipe) would block or never end, and the files of `/proc`, `/sys` and
/// `/dev` (`/proc/self/environ`, `/proc/kmsg`) hold the user's secrets or
/// block. No more than the size the file system reports is read, so a file
/// that claims 0 bytes is read as empty.
pub(crate) fn read_regular(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind};
    let refuse = |what: &str| Error::new(ErrorKind::InvalidInput, what.to_owned());
    let real = std::fs::canonicalize(path)?;
    // Checked on the name as given too: `/proc/self/fd/1` resolves to
    // whatever standard output is.
    if ["/proc", "/sys", "/dev"]
        .iter()
        .any(|p| real.starts_with(p) || path.starts_with(p))
    {
        return Err(refuse(
            "a file of /proc, /sys or /dev is never read as input",
        ));
    }
    // Checked before opening: opening a FIFO blocks until a writer comes.
    if !std::fs::metadata(&real)?.is_file() {
        return Err(refuse(
            "not a regular file (a FIFO, terminal or device is never read as input)",
        ));
    }
    let file = std::fs::File::open(&real)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(refuse("not a regular file"));
    }
    let mut bytes = Vec::new();
    file.take(meta.len().min(max)).read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn line_of_offset_bytes(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// 1-based line of a byte offset in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    line_of_offset_bytes(text.as_bytes(), offset)
}

/// A TOML document, or an error with the line of the problem.
pub(crate) fn parse_toml<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
) -> Result<T, InputError> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(0, |s| line_of(text, s.start));
        InputError::invalid(path, line, e.message().trim().to_string())
    })
}

/// Parses `algo:hex` hashes from a lockfile, failing with the file and line.
pub(crate) fn lock_hash(path: &Path, line: usize, text: &str) -> Result<Hash, InputError> {
    Hash::parse(text)
        .ok_or_else(|| InputError::invalid(path, line, format!("malformed hash `{text}`")))
}

/// The last path segment of a URL, without query or fragment.
pub(crate) fn url_filename(url: &str) -> Option<String> {
    let path = url.split(['#', '?']).next()?;
    let name = path.rsplit('/').next()?;
    (!name.is_empty()).then(|| name.to_string())
}

/// A normalised package name from a lockfile, or an error at its line.
pub(crate) fn lock_name(
    path: &Path,
    line: usize,
    name: &str,
) -> Result<pep508_rs::PackageName, InputError> {
    pep508_rs::PackageName::new(name.to_string())
        .map_err(|e| InputError::invalid(path, line, format!("invalid package name `{name}`: {e}")))
}

/// A version from a lockfile, or an error at its line.
pub(crate) fn lock_version(
    path: &Path,
    line: usize,
    version: &str,
) -> Result<pep440_rs::Version, InputError> {
    version
        .parse()
        .map_err(|e| InputError::invalid(path, line, format!("invalid version `{version}`: {e}")))
}

/// One `[[package]]` table of a TOML lockfile, with its name, version and
/// the line its name is on.
pub(crate) struct LockEntry<'a> {
    pub(crate) table: &'a toml::Table,
    pub(crate) name: pep508_rs::PackageName,
    pub(crate) version: Option<pep440_rs::Version>,
    pub(crate) line: usize,
}

/// The files of a `sdist = {…}` / `wheels = [{…}, …]` entry (uv.lock and
/// pylock.toml share the layout), each read with `file`.
pub(crate) fn sdist_and_wheels(
    path: &Path,
    line: usize,
    table: &toml::Table,
    file: impl Fn(&Path, usize, &toml::Value) -> Result<crate::model::LockedFile, InputError>,
) -> Result<Vec<crate::model::LockedFile>, InputError> {
    let mut files = Vec::new();
    if let Some(sdist) = table.get("sdist") {
        files.push(file(path, line, sdist)?);
    }
    if let Some(wheels) = table.get("wheels") {
        let wheels = wheels
            .as_array()
            .ok_or_else(|| InputError::invalid(path, line, "`wheels` must be an array"))?;
        for wheel in wheels {
            files.push(file(path, line, wheel)?);
        }
    }
    Ok(files)
}

/// Every entry of the array of package tables under `key` (`package` in
/// uv.lock and poetry.lock, `packages` in pylock.toml): each must be a
/// table with a valid name, and a valid version when it has one.
pub(crate) fn lock_entries<'a>(
    path: &Path,
    doc: &'a toml::Table,
    key: &str,
    cursor: &mut uv_lock::LineCursor<'_>,
) -> Result<Vec<LockEntry<'a>>, InputError> {
    let packages = match doc.get(key) {
        None => return Ok(Vec::new()),
        Some(toml::Value::Array(a)) => a,
        Some(_) => {
            return Err(InputError::invalid(
                path,
                0,
                format!("`{key}` must be an array of tables"),
            ));
        }
    };
    let section = format!("[[{key}]]");
    packages
        .iter()
        .map(|package| {
            let table = package.as_table().ok_or_else(|| {
                InputError::invalid(path, 0, format!("`{key}` entries must be tables"))
            })?;
            let name = table
                .get("name")
                .and_then(toml::Value::as_str)
                .ok_or_else(|| InputError::invalid(path, 0, "a package has no name"))?;
            cursor.section(&section);
            let line = cursor.next("name", name);
            let version = table
                .get("version")
                .and_then(toml::Value::as_str)
                .map(|v| lock_version(path, line, v))
                .transpose()?;
            Ok(LockEntry {
                table,
                name: lock_name(path, line, name)?,
                version,
                line,
            })
        })
        .collect()
}
