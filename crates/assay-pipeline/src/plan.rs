//! The files a scan reads, and why each is read.

use assay_index::DistFile;

/// One file to download and scan, and why.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The file as the index (or the lockfile) lists it.
    pub file: DistFile,
    /// The index it was found on.
    pub index: Option<String>,
    /// The requirement chains that lead to it (`app → requests`).
    pub required_by: Vec<String>,
    /// What the user should know about it (yanked, on several indexes).
    pub notes: Vec<String>,
    /// Digests the user's input pins the file to (`--hash`, lockfiles):
    /// the download must match one of them.
    pub pinned: Vec<assay_deps::Hash>,
    /// The input that pins it (`requirements.txt:3`).
    pub pinned_by: Option<String>,
}

/// The plan with identical files once: the same URL, or the same
/// published digest. The chains and pins of the duplicates are merged.
pub fn merge_identical(plan: Vec<Planned>) -> Vec<Planned> {
    let mut merged: Vec<Planned> = Vec::new();
    for item in plan {
        let same = merged.iter_mut().find(|m| {
            m.file.url == item.file.url
                || (m.file.sha256().is_some() && m.file.sha256() == item.file.sha256())
        });
        match same {
            Some(m) => {
                for chain in item.required_by {
                    if !m.required_by.contains(&chain) {
                        m.required_by.push(chain);
                    }
                }
                m.pinned.extend(item.pinned);
            }
            None => merged.push(item),
        }
    }
    merged
}
