//! Which Python version to resolve for when `--python-version` is not
//! given: the local `python3`'s, read from disk without running anything
//! (a virtualenv's `pyvenv.cfg`, pyenv's version files, the name the
//! interpreter's link points to). Only when none of those answers is the
//! interpreter asked, in isolated mode.

use std::path::Path;

/// Used when no `python3` is found.
const FALLBACK: &str = "3.12.0";

/// The Python version to resolve for: the flag, else the local python3's,
/// else [`FALLBACK`].
pub fn python_version(flag: Option<&str>) -> String {
    if let Some(version) = flag {
        return version.to_owned();
    }
    let env = assay_index::Environment::from_process();
    let Some(python) = assay_index::local_python::python3(&env) else {
        return FALLBACK.to_owned();
    };
    version_from_disk(&python)
        .or_else(|| ask(&python))
        .unwrap_or_else(|| FALLBACK.to_owned())
}

/// The version as the files around the interpreter say: a virtualenv's
/// `pyvenv.cfg`, a pyenv version folder's name (`versions/3.11.7/`), or
/// the `python3.X` file name a link resolves to.
fn version_from_disk(python: &Path) -> Option<String> {
    if let Some(prefix) = python.parent().and_then(Path::parent)
        && let Ok(cfg) = std::fs::read_to_string(prefix.join("pyvenv.cfg"))
    {
        let version = cfg.lines().find_map(|line| {
            let (key, value) = line.split_once('=')?;
            matches!(key.trim(), "version" | "version_info").then(|| value.trim().to_owned())
        });
        if let Some(version) = version.filter(|v| is_version(v)) {
            return Some(version);
        }
    }
    let real = std::fs::canonicalize(python).ok()?;
    let in_versions = real
        .ancestors()
        .zip(real.ancestors().skip(1))
        .find(|(_, parent)| parent.file_name().is_some_and(|n| n == "versions"))
        .and_then(|(dir, _)| dir.file_name()?.to_str().map(str::to_owned))
        .filter(|name| is_version(name));
    if in_versions.is_some() {
        return in_versions;
    }
    let name = real.file_name()?.to_str()?;
    name.strip_prefix("python")
        .filter(|v| is_version(v) && v.contains('.'))
        .map(str::to_owned)
}

/// `3.11`, `3.11.7`: digits and dots, starting with 3.
fn is_version(text: &str) -> bool {
    text.starts_with("3.")
        && text.split('.').count() <= 3
        && text
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
}

/// Asks the interpreter (`-I -S`: nothing of its environment runs).
fn ask(python: &Path) -> Option<String> {
    let output = std::process::Command::new(python)
        .args([
            "-I",
            "-S",
            "-c",
            "import sys; print('%d.%d.%d' % sys.version_info[:3])",
        ])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let text = String::from_utf8(output.stdout).ok()?;
    Some(text.trim().to_owned()).filter(|v| is_version(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_wins() {
        assert_eq!(python_version(Some("3.10")), "3.10");
    }

    #[test]
    fn scan_r_reads_the_python_version_without_running_an_interpreter() {
        let dir = tempfile::tempdir().unwrap();
        // A virtualenv: pyvenv.cfg says it. The "interpreter" is a file
        // that cannot run.
        let venv = dir.path().join("venv");
        std::fs::create_dir_all(venv.join("bin")).unwrap();
        std::fs::write(venv.join("bin/python3"), "not a program").unwrap();
        std::fs::write(
            venv.join("pyvenv.cfg"),
            "home = /usr/bin\nversion_info = 3.9.18\n",
        )
        .unwrap();
        assert_eq!(
            version_from_disk(&venv.join("bin/python3")).as_deref(),
            Some("3.9.18")
        );
        // A pyenv version folder.
        let pyenv = dir.path().join("pyenv/versions/3.13.0/bin");
        std::fs::create_dir_all(&pyenv).unwrap();
        std::fs::write(pyenv.join("python3.13"), "not a program").unwrap();
        assert_eq!(
            version_from_disk(&pyenv.join("python3.13")).as_deref(),
            Some("3.13.0")
        );
        // A link to python3.X.
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("python3.11"), "not a program").unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(bin.join("python3.11"), bin.join("python3")).unwrap();
            assert_eq!(
                version_from_disk(&bin.join("python3")).as_deref(),
                Some("3.11")
            );
        }
        // Nothing says: no answer from disk (the interpreter is asked).
        std::fs::write(bin.join("python"), "not a program").unwrap();
        assert_eq!(version_from_disk(&bin.join("python")), None);
    }

    #[test]
    fn versions() {
        assert!(is_version("3.11") && is_version("3.11.7"));
        assert!(!is_version("3") && !is_version("3.x") && !is_version("2.7"));
    }
}
