//! What identifies a set of compiled user rules, so that results found
//! with them are cached under it: the yara-x version, and each rule file's
//! name and bytes together with every file it includes (resolved the way
//! yara-x resolves them), in order. Edit a rule, or a file it includes,
//! and the digest changes; compile the same files again and it does not.

use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

/// Included files followed below one rule file (yara-x refuses circular
/// includes; this only bounds the walk).
const MAX_INCLUDE_DEPTH: usize = 32;

/// The SHA-256, in hex, of the yara-x version and of the rule `files`
/// (path and bytes, in the order compiled), each followed by what it
/// includes.
pub(super) fn rules_digest(files: &[(PathBuf, Vec<u8>)]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"yara-x ");
    hasher.update(yara_x::VERSION.as_bytes());
    hasher.update([0]);
    // The compiler searches the folders of the files added so far.
    let mut include_dirs: Vec<PathBuf> = Vec::new();
    for (path, text) in files {
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            include_dirs.push(folder.to_owned());
        }
        let origin = path.display().to_string();
        hash_part(&mut hasher, b"file", origin.as_bytes(), text);
        hash_includes(&mut hasher, text, None, &include_dirs, 0);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Hashes each file `text` includes, then what that file includes. An
/// include that cannot be read is hashed by its name alone: the compiler
/// refused it already, so this is never reached for rules in use.
fn hash_includes(
    hasher: &mut Sha256,
    text: &[u8],
    including: Option<&Path>,
    include_dirs: &[PathBuf],
    depth: usize,
) {
    if depth >= MAX_INCLUDE_DEPTH {
        return;
    }
    let ast = yara_x_parser::ast::AST::from(text);
    for item in &ast.items {
        let yara_x_parser::ast::Item::Include(include) = item else {
            continue;
        };
        let name = include.file_name;
        match resolve(name, including, include_dirs) {
            Some((path, bytes)) => {
                hash_part(hasher, b"include", name.as_bytes(), &bytes);
                hash_includes(hasher, &bytes, Some(&path), include_dirs, depth + 1);
            }
            None => hash_part(hasher, b"missing include", name.as_bytes(), b""),
        }
    }
}

/// The file an `include "name"` reads, as yara-x looks for it: beside the
/// included file that says it, else in the include folders in order (the
/// current folder when there are none).
fn resolve(
    name: &str,
    including: Option<&Path>,
    include_dirs: &[PathBuf],
) -> Option<(PathBuf, Vec<u8>)> {
    let current = [PathBuf::new()];
    let dirs = if include_dirs.is_empty() {
        &current[..]
    } else {
        include_dirs
    };
    including
        .and_then(Path::parent)
        .into_iter()
        .chain(dirs.iter().map(PathBuf::as_path))
        .map(|dir| dir.join(name))
        .find_map(|path| std::fs::read(&path).ok().map(|bytes| (path, bytes)))
}

/// One length-prefixed part, so that no two different inputs hash alike.
fn hash_part(hasher: &mut Sha256, kind: &[u8], name: &[u8], bytes: &[u8]) {
    for field in [kind, name, bytes] {
        hasher.update((field.len() as u64).to_le_bytes());
        hasher.update(field);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest_of(files: &[&Path]) -> String {
        let texts: Vec<(PathBuf, Vec<u8>)> = files
            .iter()
            .map(|p| (p.to_path_buf(), std::fs::read(p).unwrap()))
            .collect();
        rules_digest(&texts)
    }

    #[test]
    fn the_digest_follows_the_rules_and_what_they_include() {
        let dir = tempfile::tempdir().unwrap();
        let main = dir.path().join("main.yar");
        let shared = dir.path().join("sub/shared.yar");
        let nested = dir.path().join("sub/nested.yar");
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(
            &main,
            "include \"sub/shared.yar\"\nrule a { condition: true }\n",
        )
        .unwrap();
        // Nested includes are found beside the file that says them.
        std::fs::write(&shared, "include \"nested.yar\"\n").unwrap();
        std::fs::write(&nested, "rule b { condition: true }\n").unwrap();
        let first = digest_of(&[&main]);
        assert_eq!(first.len(), 64);
        assert_eq!(
            first,
            digest_of(&[&main]),
            "the same files, the same digest"
        );

        std::fs::write(&nested, "rule b { condition: false }\n").unwrap();
        let nested_edited = digest_of(&[&main]);
        assert_ne!(first, nested_edited, "an edited nested include");

        std::fs::write(
            &main,
            "include \"sub/shared.yar\"\nrule a { condition: false }\n",
        )
        .unwrap();
        let main_edited = digest_of(&[&main]);
        assert_ne!(nested_edited, main_edited, "an edited rule file");

        // The same bytes under another name are other rules: the file
        // name is the namespace findings report.
        let renamed = dir.path().join("renamed.yar");
        std::fs::copy(&main, &renamed).unwrap();
        assert_ne!(main_edited, digest_of(&[&renamed]));
        // Order counts, as it does for the compiler.
        assert_ne!(digest_of(&[&main, &renamed]), digest_of(&[&renamed, &main]));
    }
}
