use std::collections::BTreeSet;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use crate::finding::{Finding, Severity};
use crate::python::{Call, QualName, names};
use crate::rules::collection::{Root, is_walk, runs_by_itself, same_function, walk_root, when};
use crate::rules::impact::is_delete;
use crate::rules::{PackageFacts, Rule, RuleMeta, code_finding, declare_rule, string_finding};

declare_rule! {
    /// Encrypting files found by walking folders and deleting or renaming
    /// the originals, and ransom notes.
    ///
    /// ## What it finds
    /// A function that encrypts (`Fernet.encrypt`, PyCryptodome ciphers'
    /// `encrypt`/`encrypt_and_digest`, `cryptography`'s `encryptor`,
    /// `pyAesCrypt.encryptFile`, `pyaes`, `nacl`) and also deletes files
    /// (`os.remove`, `Path.unlink`) or renames them to a new extension
    /// (`os.rename(path, path + ".locked")`), in a file that walks folders
    /// (`os.walk`, `glob`, `Path.rglob`); and ransom notes: texts that say
    /// files were encrypted and ask for payment (bitcoin, Monero, a
    /// wallet, a ransom) or a key to decrypt them.
    ///
    /// ## Why it matters
    /// Ransomware walks the disk, writes an encrypted copy of every file,
    /// destroys the original and leaves a note. File-encryption tools do
    /// the first three steps on folders their user names, so the shape
    /// alone is medium at runtime; it is high when the walk starts at the
    /// home folder or a drive or the file holds a ransom note, and critical
    /// when it runs on import, at install or at interpreter start. A ransom
    /// note is high next to encryption (critical when it runs by itself),
    /// low without it.
    ///
    /// ## Example
    /// ```python
    /// import os
    /// from cryptography.fernet import Fernet
    /// key = Fernet(Fernet.generate_key())
    /// for root, _, files in os.walk(os.path.expanduser("~")):
    ///     for name in files:
    ///         path = os.path.join(root, name)
    ///         with open(path, "rb") as f:
    ///             data = key.encrypt(f.read())
    ///         with open(path + ".locked", "wb") as f:
    ///             f.write(data)
    ///         os.remove(path)
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1486 (Data Encrypted for Impact), T1485 (Data
    /// Destruction), T1491 (Defacement).
    pub struct Ransomware {
        id: "AY802",
        slug: "ransomware",
        category: Impact,
        severity: Critical,
    }
}

impl Rule for Ransomware {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        for file in facts.python {
            // A cipher passed around as a parameter (`def lock(path, f):
            // f.encrypt(...)`) has no known type; in a file that imports a
            // crypto library its `encrypt` is that library's.
            let crypto = file.imports.iter().any(|i| is_crypto_library(&i.module));
            let encrypts: Vec<&Call> = file
                .calls
                .iter()
                .filter(|c| {
                    is_encrypt(&c.name)
                        || (crypto
                            && c.name.has_unknown_receiver()
                            && matches!(c.name.last_name(), Some("encrypt" | "encrypt_and_digest")))
                })
                .collect();
            let note = file
                .strings
                .iter()
                .find(|s| is_ransom_note(&s.value))
                .map(|s| (s, s.value.clone()));
            if let Some((s, _)) = &note {
                let mut f = string_finding(
                    &Self::META,
                    file,
                    s,
                    format!(
                        "ransom note {}{}",
                        when(file, s.context),
                        if encrypts.is_empty() {
                            ""
                        } else {
                            ", in a file that encrypts data"
                        }
                    ),
                );
                f.severity = match (encrypts.is_empty(), runs_by_itself(file, s.context)) {
                    (true, _) => Severity::Low,
                    (false, false) => Severity::High,
                    (false, true) => Severity::Critical,
                };
                f.decoded = Some(crate::rules::preview(&s.value));
                out.push(f);
            }
            if encrypts.is_empty() {
                continue;
            }
            let walks: Vec<(&Call, Option<Root>)> = file
                .calls
                .iter()
                .filter(|c| is_walk(&c.name))
                .map(|c| (c, walk_root(file, c)))
                .collect();
            if walks.is_empty() {
                continue;
            }
            let sweep = walks
                .iter()
                .find_map(|(_, r)| r.filter(|r| matches!(r, Root::Home | Root::Drive)));
            let mut seen = BTreeSet::new();
            for call in encrypts {
                let Some(destroy) = same_function(file, call).find(|c| destroys(c)) else {
                    continue;
                };
                if !seen.insert((call.function.as_deref(), call.context)) {
                    continue;
                }
                let mut message = format!(
                    "`{}` encrypts data {} in a function that also {} files (`{}`), in a file that walks {}",
                    call.name,
                    when(file, call.context),
                    if is_delete(&destroy.name) {
                        "deletes"
                    } else {
                        "renames"
                    },
                    destroy.name,
                    sweep.map_or("folders", Root::describe),
                );
                if note.is_some() {
                    message.push_str(" and holds a ransom note");
                }
                let mut f = code_finding(&Self::META, file, call, message);
                let strong = sweep.is_some() || note.is_some();
                f.severity = match (runs_by_itself(file, call.context), strong) {
                    (true, true) => Severity::Critical,
                    (true, false) | (false, true) => Severity::High,
                    (false, false) => Severity::Medium,
                };
                out.push(f);
            }
        }
    }
}

/// Modules of the libraries that encrypt files.
const CRYPTO_LIBRARIES: &[&str] = &[
    "Crypto",
    "Cryptodome",
    "cryptography",
    "pyaes",
    "nacl",
    "fernet",
    "pyAesCrypt",
];

fn is_crypto_library(module: &str) -> bool {
    let root = module.split('.').next().unwrap_or(module);
    CRYPTO_LIBRARIES.contains(&root)
}

/// Calls that encrypt data with a symmetric cipher.
fn is_encrypt(name: &QualName) -> bool {
    let library = name.segments().len() > 1
        && name
            .top_module()
            .is_some_and(|top| CRYPTO_LIBRARIES.contains(&top));
    names::is_method_of_a(name, "Fernet", "encrypt")
        || matches!(
            name.as_str(),
            "pyAesCrypt.encryptFile" | "pyAesCrypt.encryptStream"
        )
        || (library
            && matches!(
                name.last_name(),
                Some("encrypt" | "encrypt_and_digest" | "encryptor")
            ))
}

/// Calls that delete the originals, or rename them to a new extension
/// (`os.rename(path, path + ".locked")`); the atomic-write idiom
/// (`os.replace(path + ".tmp", path)`) renames into the original and is
/// not one of them.
fn destroys(call: &Call) -> bool {
    let name = &call.name;
    if is_delete(name) {
        return true;
    }
    if !matches!(name.as_str(), "os.rename" | "os.replace" | "shutil.move") {
        return false;
    }
    let text = |i: usize| call.args.get(i).and_then(|a| a.printed());
    text(0).is_none()
        && text(1).is_some_and(|t| {
            t.strip_prefix("{}")
                .is_some_and(|ext| ext.starts_with('.') && !ext.contains(['/', '\\']))
        })
}

/// A text that tells the victim their files were encrypted and how to pay
/// or get them back.
fn is_ransom_note(text: &str) -> bool {
    static ENCRYPTED: LazyLock<AhoCorasick> = LazyLock::new(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build([
                "files have been encrypted",
                "files are encrypted",
                "files were encrypted",
                "files has been encrypted",
                "been encrypted by",
                "files are locked",
                "files have been locked",
            ])
            .expect("patterns compile")
    });
    if text.len() > 8192 || text.len() < 24 || !ENCRYPTED.is_match(text) {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    // …and asks to be paid.
    [
        "bitcoin",
        " btc",
        "monero",
        " xmr",
        "ransom",
        "payment",
        "pay ",
        "wallet address",
        "tor browser",
        ".onion",
    ]
    .iter()
    .any(|p| lower.contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ransom_notes() {
        assert!(is_ransom_note(
            "YOUR FILES HAVE BEEN ENCRYPTED! Send 0.05 BTC to the address below."
        ));
        assert!(is_ransom_note(
            "All your files are encrypted. To decrypt them, pay 300$ in bitcoin."
        ));
        assert!(!is_ransom_note(
            "Your files are encrypted with the vault key; run `decrypt` to read them."
        ));
        assert!(!is_ransom_note(
            "The files are encrypted at rest with AES-256."
        ));
        assert!(!is_ransom_note("Encrypt files with a password"));
    }

    #[test]
    fn encryption_calls() {
        let is_encrypt_text = |name: &str| is_encrypt(&QualName::parse(name));
        assert!(is_encrypt_text("cryptography.fernet.Fernet().encrypt"));
        assert!(is_encrypt_text(
            "Crypto.Cipher.AES.new().encrypt_and_digest"
        ));
        assert!(is_encrypt_text("pyAesCrypt.encryptFile"));
        assert!(!is_encrypt_text("cryptography.fernet.Fernet().decrypt"));
        assert!(!is_encrypt_text("hashlib.sha256"));
    }
}
