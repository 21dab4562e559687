//! Files a package puts on `sys.path` or hands to `zipimport`: whatever
//! their name (`logo.png`, `data.bin`), Python imports the modules of the
//! zip archive inside them. Their Python members are read in memory and
//! analysed in the context of the code that put them there.

use std::io::Read;

use crate::artifact::Package;
use crate::python::{Call, ExecContext, FileAnalysis, FileRole, QualName};

/// Most members and bytes read from one archive.
const MAX_MEMBERS: usize = 2_000;
const MAX_MEMBER_BYTES: u64 = 8 * 1024 * 1024;

/// Calls that make a file importable.
pub fn is_path_loader(name: &QualName) -> bool {
    matches!(
        name.as_str(),
        "sys.path.insert"
            | "sys.path.append"
            | "sys.path.extend"
            | "site.addsitedir"
            | "zipimport.zipimporter"
            | "pkgutil.zipimporter"
    ) || name.is_from_call_of("zipimport.zipimporter")
}

/// The strongest call of the package's Python that puts `path` on the
/// import path.
pub fn loader_of<'a>(
    python: &'a [FileAnalysis],
    path: &str,
) -> Option<(&'a FileAnalysis, &'a Call)> {
    let base = path.rsplit('/').next().unwrap_or(path);
    let mut best: Option<(&FileAnalysis, &Call)> = None;
    for py in python {
        for call in py.calls.iter().filter(|c| is_path_loader(&c.name)) {
            if super::names_file(py, call, base)
                && best.is_none_or(|(_, b)| call.context > b.context)
            {
                best = Some((py, call));
            }
        }
    }
    best
}

/// One Python member of an archive a package imports from.
pub struct Member {
    /// `pkg/logo.png!evil/__init__.py`.
    pub path: String,
    pub data: Vec<u8>,
    pub role: FileRole,
}

/// The Python members of every non-Python file the package puts on the
/// import path.
pub fn imported_members(package: &Package, python: &[FileAnalysis]) -> Vec<Member> {
    let mut out = Vec::new();
    for file in &package.files {
        let lower = file.path.to_ascii_lowercase();
        if lower.ends_with(".py") || lower.ends_with(".pth") || lower.ends_with(".pyc") {
            continue;
        }
        let Some(start) = memchr::memmem::find(&file.data, b"PK\x03\x04") else {
            continue;
        };
        let Some((_, call)) = loader_of(python, &file.path) else {
            continue;
        };
        let role = match call.context {
            ExecContext::Install => FileRole::InstallHelper,
            ExecContext::Startup => FileRole::SiteCustomize,
            ExecContext::Import => FileRole::Module,
            ExecContext::Runtime => FileRole::Script,
        };
        // A zip after other bytes (an image) is read from its first header.
        let data = &file.data[start..];
        let Ok(mut archive) = zip::ZipArchive::new(std::io::Cursor::new(data)) else {
            continue;
        };
        for i in 0..archive.len().min(MAX_MEMBERS) {
            let Ok(member) = archive.by_index(i) else {
                continue;
            };
            let name = member.name().to_owned();
            if !name.ends_with(".py") || member.size() > MAX_MEMBER_BYTES {
                continue;
            }
            let mut bytes = Vec::new();
            if member
                .take(MAX_MEMBER_BYTES)
                .read_to_end(&mut bytes)
                .is_ok()
            {
                out.push(Member {
                    path: format!("{}!{name}", file.path),
                    data: bytes,
                    role,
                });
            }
        }
    }
    out
}
