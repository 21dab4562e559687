//! Fixture packages built in memory from small text specs, so that no
//! malicious fixture ever exists on disk as an installable package.
//!
//! A spec is a header (`key: value` lines) and sections:
//!
//! ```text
//! kind: sdist            # sdist (tar.gz), sdist-zip, wheel, platform-wheel
//! name: pkg              # distribution name (default `pkg`)
//! version: 1.0           # version in the file name and default metadata (default 1.0)
//! expect: critical       # (rule fixtures) weakest severity that must fire
//! yara: docs/yara/examples.yar  # also match these YARA rules (path from the workspace root)
//! ### setup.py           # a file, path relative to the package root
//! ...content...
//! ### data [symlink -> /]          # special entries (tar only)
//! ### ../../x [raw]                # a name written exactly as given
//! ### tool.bin [elf]               # a minimal ELF executable
//! ### big.dat [zeros 20971520]     # that many zero bytes
//! ### pkg/mod.py [unrecorded]      # (wheels) left out of RECORD
//! ### pkg/mod.py [tampered]        # (wheels) RECORD has another hash
//! ### pkg/m.pkl [hex]              # bytes written as hex (spaces, newlines and `#` comments ignored)
//! ### pkg/m.pt [hex, zip archive/data.pkl]  # those bytes as the one member of a zip
//! ### pkg/logo.png [after-png]     # a minimal PNG image, then the content
//! ```
//!
//! A `PKG-INFO` section (sdists) or `NAME-VERSION.dist-info/METADATA`
//! section (wheels) replaces the default metadata.
#![allow(dead_code, reason = "each test binary uses part of the support code")]

use std::io::Write;

use assay::artifact::{self, Limits};
use assay::scan::{ArtifactReport, Scanner};
use base64::Engine as _;
use sha2::Digest as _;

pub struct Entry {
    pub path: String,
    pub data: Vec<u8>,
    pub flags: Vec<String>,
}

pub struct Spec {
    pub header: Vec<(String, String)>,
    pub entries: Vec<Entry>,
}

impl Spec {
    pub fn parse(text: &str) -> Spec {
        let mut header = Vec::new();
        let mut entries: Vec<Entry> = Vec::new();
        for line in text.split_inclusive('\n') {
            if let Some(rest) = line.strip_prefix("### ") {
                let rest = rest.trim_end();
                let (path, flags) = match rest.split_once(" [") {
                    Some((p, f)) => (
                        p,
                        f.trim_end_matches(']')
                            .split(", ")
                            .map(str::to_owned)
                            .collect(),
                    ),
                    None => (rest, Vec::new()),
                };
                entries.push(Entry {
                    path: path.to_owned(),
                    data: Vec::new(),
                    flags,
                });
            } else if let Some(entry) = entries.last_mut() {
                entry.data.extend_from_slice(line.as_bytes());
            } else if let Some((k, v)) = line.split_once(':') {
                header.push((k.trim().to_owned(), v.trim().to_owned()));
            }
        }
        for entry in &mut entries {
            if let Some(size) = entry.flag_value("zeros") {
                entry.data = vec![0; size.parse().expect("zeros size")];
            }
            if entry.has_flag("elf") {
                entry.data = minimal_elf();
            }
            if entry.has_flag("hex") {
                entry.data = from_hex(&entry.data);
            }
            if let Some(member) = entry.flag_value("zip ") {
                entry.data = zip_of(member, &entry.data);
            }
            if entry.has_flag("after-png") {
                entry.data = [minimal_png(), std::mem::take(&mut entry.data)].concat();
            }
        }
        Spec { header, entries }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.header
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn name(&self) -> &str {
        self.get("name").unwrap_or("pkg")
    }

    fn version(&self) -> &str {
        self.get("version").unwrap_or("1.0")
    }

    /// The artifact's file name and bytes.
    pub fn build(&self) -> (String, Vec<u8>) {
        let name = self.name();
        let version = self.version();
        match self.get("kind").unwrap_or("sdist") {
            "sdist" => (format!("{name}-{version}.tar.gz"), self.sdist_tar()),
            "sdist-zip" => (
                format!("{name}-{version}.zip"),
                self.zip(&format!("{name}-{version}/"), false),
            ),
            "wheel" => (
                format!("{name}-{version}-py3-none-any.whl"),
                self.zip("", true),
            ),
            "platform-wheel" => (
                format!("{name}-{version}-cp311-cp311-manylinux_2_17_x86_64.whl"),
                self.zip("", true),
            ),
            other => panic!("unknown kind {other}"),
        }
    }

    /// Builds, opens and scans the fixture.
    pub fn scan(&self) -> ArtifactReport {
        let (file_name, bytes) = self.build();
        let package =
            artifact::open_bytes(&file_name, bytes, &Limits::default()).expect("fixture opens");
        let mut scanner = Scanner::new();
        if let Some(rules) = self.get("yara") {
            // Relative to the crate folder the test runs in, so that the
            // rule file named in findings is the same on every machine.
            let root = std::path::Path::new("../..");
            let rules =
                assay::yara::YaraRules::compile(&[root.join(rules)]).expect("rules compile");
            scanner = scanner.yara(std::sync::Arc::new(rules));
        }
        let report = scanner.scan_package(&package);
        // A scan that owns its package shares each source with its
        // analysis; the report must be the same.
        let owned = scanner.scan_owned_package(package);
        assert_eq!(
            serde_json::to_string(&owned).unwrap(),
            serde_json::to_string(&report).unwrap(),
            "the owned scan's report differs"
        );
        report
    }

    fn sdist_tar(&self) -> Vec<u8> {
        let prefix = format!("{}-{}/", self.name(), self.version());
        let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut tar = tar::Builder::new(gz);
        let has_pkg_info = self.entries.iter().any(|e| e.path == "PKG-INFO");
        let pkg_info = format!(
            "Metadata-Version: 2.1\nName: {}\nVersion: {}\n",
            self.name(),
            self.version()
        );
        let default_meta = Entry {
            path: "PKG-INFO".into(),
            data: pkg_info.into_bytes(),
            flags: Vec::new(),
        };
        for entry in self
            .entries
            .iter()
            .chain((!has_pkg_info).then_some(&default_meta))
        {
            let mut header = tar::Header::new_gnu();
            let path = if entry.has_flag("raw") {
                entry.path.clone()
            } else {
                format!("{prefix}{}", entry.path)
            };
            let name = path.as_bytes();
            header.as_old_mut().name[..name.len()].copy_from_slice(name);
            header.set_mode(0o644);
            header.set_mtime(0);
            if let Some(target) = entry
                .flag_value("symlink -> ")
                .or(entry.flag_value("hardlink -> "))
            {
                header.set_entry_type(if entry.has_flag_prefix("symlink") {
                    tar::EntryType::Symlink
                } else {
                    tar::EntryType::Link
                });
                header.as_old_mut().linkname[..target.len()].copy_from_slice(target.as_bytes());
                header.set_size(0);
                header.set_cksum();
                tar.append(&header, std::io::empty()).unwrap();
            } else {
                header.set_size(entry.data.len() as u64);
                header.set_cksum();
                tar.append(&header, entry.data.as_slice()).unwrap();
            }
        }
        tar.into_inner().unwrap().finish().unwrap()
    }

    fn zip(&self, prefix: &str, wheel: bool) -> Vec<u8> {
        let name = self.name();
        let version = self.version();
        let dist_info = format!("{name}-{version}.dist-info");
        let mut files: Vec<(String, Vec<u8>, &Entry)> = self
            .entries
            .iter()
            .map(|e| (format!("{prefix}{}", e.path), e.data.clone(), e))
            .collect();
        let extra = Entry {
            path: String::new(),
            data: Vec::new(),
            flags: Vec::new(),
        };
        if wheel {
            let platform = self.get("kind") == Some("platform-wheel");
            let wheel_file = format!(
                "Wheel-Version: 1.0\nGenerator: fixture\nRoot-Is-Purelib: {}\nTag: {}\n",
                !platform,
                if platform {
                    "cp311-cp311-manylinux_2_17_x86_64"
                } else {
                    "py3-none-any"
                }
            );
            files.push((
                format!("{dist_info}/WHEEL"),
                wheel_file.into_bytes(),
                &extra,
            ));
            let metadata = format!("{dist_info}/METADATA");
            if !files.iter().any(|(path, _, _)| *path == metadata) {
                files.push((
                    metadata,
                    format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
                        .into_bytes(),
                    &extra,
                ));
            }
            let mut record = String::new();
            for (path, data, entry) in &files {
                if entry.has_flag("unrecorded") {
                    continue;
                }
                let digest = if entry.has_flag("tampered") {
                    sha2::Sha256::digest(b"original")
                } else {
                    sha2::Sha256::digest(data)
                };
                let hash = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
                record.push_str(&format!("{path},sha256={hash},{}\n", data.len()));
            }
            record.push_str(&format!("{dist_info}/RECORD,,\n"));
            files.push((format!("{dist_info}/RECORD"), record.into_bytes(), &extra));
        } else if !self.entries.iter().any(|e| e.path == "PKG-INFO") {
            files.push((
                format!("{prefix}PKG-INFO"),
                format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n").into_bytes(),
                &extra,
            ));
        }
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (path, data, _) in files {
            zip.start_file(path, options).unwrap();
            zip.write_all(&data).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }
}

impl Entry {
    fn has_flag(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }

    fn has_flag_prefix(&self, prefix: &str) -> bool {
        self.flags.iter().any(|f| f.starts_with(prefix))
    }

    fn flag_value(&self, prefix: &str) -> Option<&str> {
        self.flags
            .iter()
            .find_map(|f| f.strip_prefix(prefix))
            .map(str::trim)
    }
}

/// Bytes written as hex digits; whitespace and `#` comments to the end of
/// a line are ignored.
pub fn from_hex(text: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(text);
    let digits: Vec<u8> = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(|l| l.bytes().filter(u8::is_ascii_hexdigit))
        .collect();
    assert!(digits.len().is_multiple_of(2), "odd number of hex digits");
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect()
}

/// A zip archive holding `data` as its one member `name`.
pub fn zip_of(name: &str, data: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file(name, zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(data).unwrap();
    zip.finish().unwrap().into_inner()
}

/// A 1x1 PNG image, ending with its `IEND` chunk.
pub fn minimal_png() -> Vec<u8> {
    from_hex(
        b"89504e470d0a1a0a 0000000d49484452 00000001000000010806000000 1f15c489
          0000000a49444154 789c636000000002 000148afa471 0000000049454e44ae426082",
    )
}

/// The smallest file that is an ELF executable by its header.
fn minimal_elf() -> Vec<u8> {
    let mut elf = b"\x7fELF\x02\x01\x01\x00".to_vec();
    elf.resize(64, 0);
    elf[16] = 2; // ET_EXEC
    elf
}

/// A readable, stable rendering of a report for snapshots.
pub fn render(report: &ArtifactReport) -> String {
    let mut out = String::new();
    match &report.verdict {
        Some(v) => out.push_str(&format!("verdict: {} ({})\n", v.label, v.score)),
        None => out.push_str("verdict: none\n"),
    }
    for e in &report.errors {
        out.push_str(&format!("error: {e}\n"));
    }
    for f in &report.findings {
        let context = f
            .context
            .map(|c| format!(" [{}]", c.as_str()))
            .unwrap_or_default();
        out.push_str(&format!(
            "{} {} {}{} {}\n",
            f.severity,
            f.rule,
            f.location,
            context,
            assay::report::message_with_via(f)
        ));
        if let Some(decoded) = &f.decoded {
            let line: String = decoded.chars().take(100).collect();
            out.push_str(&format!("    decoded: {}\n", line.replace('\n', "\\n")));
        }
    }
    out
}
