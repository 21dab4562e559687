//! Lexical path arithmetic: what a listed path means before the file system
//! is asked anything, so that a path outside the environment is refused
//! without ever being touched.

use std::path::{Component, Path, PathBuf};

/// Removes `.` and resolves `..` against the components before it, without
/// looking at the disk. `..` at the root stays at the root.
pub(super) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Prefix(_) | Component::RootDir | Component::Normal(_) => {
                out.push(component.as_os_str());
            }
            Component::CurDir => {}
            Component::ParentDir => {
                let at_root = matches!(
                    out.components().next_back(),
                    None | Some(Component::RootDir | Component::Prefix(_))
                );
                if at_root {
                    if out.as_os_str().is_empty() {
                        out.push("..");
                    }
                } else if out.ends_with("..") {
                    out.push("..");
                } else {
                    out.pop();
                }
            }
        }
    }
    out
}

/// Makes a path absolute against the current folder (no symbolic link is
/// resolved) and normalises it.
pub(super) fn absolute(path: &Path) -> PathBuf {
    let joined = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    normalize(&joined)
}

/// Resolves a path a distribution lists (`pkg/a.py`, `../../../bin/tool`,
/// `/abs/path`; `/`- or `\`-separated) against `base`, lexically.
pub(super) fn resolve(base: &Path, listed: &str) -> PathBuf {
    let listed = if cfg!(windows) {
        listed.to_owned()
    } else {
        listed.replace('\\', "/")
    };
    normalize(&base.join(listed))
}

/// `path` relative to `base`, `/`-separated, climbing with `..` where
/// needed (`../../../bin/tool`). Both must be absolute and normalised.
pub(super) fn relative(base: &Path, path: &Path) -> String {
    let base: Vec<_> = base.components().collect();
    let target: Vec<_> = path.components().collect();
    let common = base.iter().zip(&target).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_owned(); base.len() - common];
    parts.extend(
        target[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_lexically() {
        assert_eq!(normalize(Path::new("/a/b/../c/./d")), Path::new("/a/c/d"));
        assert_eq!(normalize(Path::new("/a/../../etc")), Path::new("/etc"));
        assert_eq!(normalize(Path::new("a/../../b")), Path::new("../b"));
        assert_eq!(
            resolve(Path::new("/v/lib/py/sp"), "../../../bin/x"),
            Path::new("/v/bin/x")
        );
        assert_eq!(
            resolve(Path::new("/v/lib/py/sp"), "../../../../../../etc/passwd"),
            Path::new("/etc/passwd")
        );
        assert_eq!(
            resolve(Path::new("/v/sp"), "/abs/file"),
            Path::new("/abs/file")
        );
    }

    #[test]
    fn relative_paths_climb() {
        let sp = Path::new("/v/lib/py/sp");
        assert_eq!(relative(sp, Path::new("/v/lib/py/sp/pkg/a.py")), "pkg/a.py");
        assert_eq!(relative(sp, Path::new("/v/bin/x")), "../../../bin/x");
        assert_eq!(relative(sp, Path::new("/v/lib/py/s.py")), "../s.py");
    }
}
