//! Which `python3` the user would run, found without running anything:
//! the first on `PATH`, and through a pyenv shim the interpreter the shim
//! would start (`PYENV_VERSION`, the nearest `.python-version`, pyenv's
//! global `version` file). Running the interpreter itself rather than the
//! shim saves the dozen shell processes a shim starts on every call.

use std::path::{Path, PathBuf};

use crate::config::Environment;

/// The `python3` a command run in `env` would start, through a pyenv shim
/// when `PATH` finds one; `None` when `PATH` has no `python3`.
pub fn python3(env: &Environment) -> Option<PathBuf> {
    let python = find_on_path(env, "python3", None)?;
    Some(through_pyenv(env, &python).unwrap_or(python))
}

/// The first executable `name` on `PATH`, after the folder `after` when
/// given.
fn find_on_path(env: &Environment, name: &str, after: Option<&Path>) -> Option<PathBuf> {
    let path = env.vars.get("PATH")?;
    let mut dirs: Vec<PathBuf> = std::env::split_paths(path).collect();
    if let Some(after) = after
        && let Some(at) = dirs.iter().position(|d| d == after)
    {
        dirs.drain(..=at);
    }
    dirs.into_iter()
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// The interpreter a pyenv shim would run: the version named by
/// `PYENV_VERSION`, else the nearest `.python-version`, else pyenv's
/// global `version` file; `system` means the next `python3` on `PATH`.
fn through_pyenv(env: &Environment, python: &Path) -> Option<PathBuf> {
    let shims = python.parent()?;
    let root = shims.parent()?;
    if shims.file_name()? != "shims" || !root.join("versions").is_dir() {
        return None;
    }
    let chosen = env
        .var("PYENV_VERSION")
        .map(str::to_owned)
        .or_else(nearest_version_file)
        .or_else(|| std::fs::read_to_string(root.join("version")).ok())?;
    let name = chosen.split([':', '\n', ' ']).next()?.trim().to_owned();
    if name == "system" || name.is_empty() {
        return find_on_path(env, "python3", Some(shims));
    }
    let candidate = root.join("versions").join(&name).join("bin/python3");
    candidate.is_file().then_some(candidate)
}

/// The content of the nearest `.python-version` from the working folder up.
fn nearest_version_file() -> Option<String> {
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors()
        .find_map(|dir| std::fs::read_to_string(dir.join(".python-version")).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_with(vars: &[(&str, String)]) -> Environment {
        Environment {
            vars: vars
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
            home: None,
            etc: None,
        }
    }

    #[test]
    fn a_pyenv_shim_is_followed_to_the_interpreter_it_would_start() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("pyenv");
        let shims = root.join("shims");
        std::fs::create_dir_all(&shims).unwrap();
        std::fs::write(shims.join("python3"), "#!/bin/sh\n").unwrap();
        let real = root.join("versions/3.12.1/bin");
        std::fs::create_dir_all(&real).unwrap();
        std::fs::write(real.join("python3"), "not a program").unwrap();
        std::fs::write(root.join("version"), "3.11.7\n").unwrap();
        let system = dir.path().join("usr-bin");
        std::fs::create_dir_all(&system).unwrap();
        std::fs::write(system.join("python3"), "not a program").unwrap();
        let path = std::env::join_paths([&shims, &system])
            .unwrap()
            .into_string()
            .unwrap();

        let chosen = env_with(&[("PATH", path.clone()), ("PYENV_VERSION", "3.12.1".into())]);
        assert_eq!(python3(&chosen), Some(real.join("python3")));
        // `system`: the next python3 on PATH, after the shims.
        let system_env = env_with(&[("PATH", path.clone()), ("PYENV_VERSION", "system".into())]);
        assert_eq!(python3(&system_env), Some(system.join("python3")));
        // A version that is not installed: the shim itself (it will say so).
        let missing = env_with(&[("PATH", path), ("PYENV_VERSION", "3.9.0".into())]);
        assert_eq!(python3(&missing), Some(shims.join("python3")));
        // No python3 on PATH at all.
        let empty = env_with(&[("PATH", system.join("nothing").display().to_string())]);
        assert_eq!(python3(&empty), None);
    }
}
