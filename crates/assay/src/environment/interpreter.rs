//! Asking an interpreter where its packages are: the last resort of
//! [`locate`](super::locate), used only when the folders around the
//! interpreter do not show its site-packages.
//!
//! The interpreter runs with `-I` (isolated: no `PYTHON*` variables, no
//! user site, no script folder on `sys.path`) and `-S` (no `site` at
//! start-up, so no `.pth` file and no `sitecustomize` of the environment
//! runs). The one-liner imports only `sys`, `sysconfig`, `json` and `site`
//! (whose start-up work `-S` switches off) and prints one JSON object.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::locate::prefix_of;
use super::paths::absolute;
use super::{EnvironmentError, LocatedBy, SitePackages};

/// How long the interpreter may take to answer.
const TIMEOUT: Duration = Duration::from_secs(15);

/// Most bytes of its answer read.
const MAX_ANSWER: u64 = 256 * 1024;

const SCRIPT: &str = "import sys, sysconfig, json, site\n\
p = sysconfig.get_paths()\n\
extra = site.getsitepackages() if hasattr(site, 'getsitepackages') else []\n\
print(json.dumps({'prefix': sys.prefix, 'purelib': p.get('purelib'), \
'platlib': p.get('platlib'), 'site': extra}))\n";

#[derive(Debug, Deserialize)]
struct Answer {
    prefix: String,
    purelib: Option<String>,
    platlib: Option<String>,
    #[serde(default)]
    site: Vec<String>,
}

/// Runs `exe -I -S -c …` and turns its answer into site-packages folders:
/// `purelib`, `platlib`, then the other folders `site.getsitepackages()`
/// names (distributions patch in `dist-packages` there), those that exist.
pub(super) fn ask(exe: &Path) -> Result<Vec<SitePackages>, EnvironmentError> {
    let fail = |reason: String| EnvironmentError::Interpreter {
        path: exe.to_owned(),
        reason,
    };
    let text = run(exe).map_err(fail)?;
    let answer: Answer = serde_json::from_str(text.trim())
        .map_err(|e| fail(format!("unexpected answer ({e}): {}", preview(&text))))?;
    let prefix = absolute(Path::new(&answer.prefix));
    let mut seen = std::collections::HashSet::new();
    let found: Vec<SitePackages> = [answer.purelib, answer.platlib]
        .into_iter()
        .flatten()
        .chain(answer.site)
        .map(|p| absolute(Path::new(&p)))
        .filter(|p| p.is_dir())
        .filter(|p| seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())))
        .map(|path| SitePackages {
            prefix: if path.starts_with(&prefix) {
                prefix.clone()
            } else {
                prefix_of(&path).unwrap_or_else(|| path.clone())
            },
            path,
            located_by: LocatedBy::Interpreter,
        })
        .collect();
    if found.is_empty() {
        return Err(fail(
            "none of the site-packages folders it names exists".to_owned(),
        ));
    }
    Ok(found)
}

/// Runs the interpreter and returns what it printed, within [`TIMEOUT`].
fn run(exe: &Path) -> Result<String, String> {
    let mut child = Command::new(exe)
        .args(["-I", "-S", "-c", SCRIPT])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start it: {e}"))?;
    let stdout = child.stdout.take();
    // Read on a thread so that a chatty interpreter cannot block on a full
    // pipe while we wait.
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        if let Some(out) = stdout {
            let _ = out.take(MAX_ANSWER).read_to_end(&mut text);
        }
        text
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() < TIMEOUT => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("no answer within {} s", TIMEOUT.as_secs()));
            }
            Err(e) => return Err(format!("cannot wait for it: {e}")),
        }
    };
    let text = reader.join().unwrap_or_default();
    if !status.success() {
        return Err(format!("it exited with {status}"));
    }
    Ok(String::from_utf8_lossy(&text).into_owned())
}

fn preview(text: &str) -> String {
    let cut: String = text.chars().take(200).collect();
    crate::report::escape_controls(&cut)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::path::PathBuf;

    /// A stand-in interpreter: a shell script that answers only when called
    /// with `-I -S -c <the script>`.
    fn fake_python(dir: &Path, answer: &str) -> PathBuf {
        let path = dir.join("fakepython");
        let body = format!(
            "#!/bin/sh\n[ \"$1\" = -I ] && [ \"$2\" = -S ] && [ \"$3\" = -c ] || exit 3\necho '{answer}'\n"
        );
        std::fs::write(&path, body).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path
    }

    #[test]
    fn reads_the_answer_of_an_isolated_interpreter() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sp = dir.path().join("prefix/lib/python3.99/site-packages");
        std::fs::create_dir_all(&sp).expect("mkdir");
        let answer = format!(
            r#"{{"prefix": "{p}", "purelib": "{sp}", "platlib": "{sp}", "site": ["{p}/nope"]}}"#,
            p = dir.path().join("prefix").display(),
            sp = sp.display()
        );
        let exe = fake_python(dir.path(), &answer);
        let found = ask(&exe).expect("answers");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path, sp);
        assert_eq!(found[0].prefix, dir.path().join("prefix"));
        assert_eq!(found[0].located_by, LocatedBy::Interpreter);
    }

    #[test]
    fn a_bad_answer_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let exe = fake_python(dir.path(), "not json");
        let error = ask(&exe).expect_err("bad answer");
        assert!(error.to_string().contains("unexpected answer"), "{error}");
        let missing = format!(
            r#"{{"prefix": "/", "purelib": "{0}/a", "platlib": "{0}/b"}}"#,
            dir.path().display()
        );
        let exe = fake_python(dir.path(), &missing);
        let error = ask(&exe).expect_err("no folder");
        assert!(error.to_string().contains("none of"), "{error}");
        let error = ask(&dir.path().join("absent")).expect_err("cannot start");
        assert!(error.to_string().contains("cannot start"), "{error}");
    }
}
