use std::collections::BTreeSet;

use crate::finding::{Finding, Severity};
use crate::python::{Call, FileAnalysis, QualName, names, taint};
use crate::rules::collection::{
    HOME_VARIABLES, Root, classify_root, commands, is_recursive, is_walk, runs_by_itself,
    same_function, walk_root, when,
};
use crate::rules::impact::is_delete;
use crate::rules::{PackageFacts, Rule, RuleMeta, code_finding, declare_rule, shell_text};

declare_rule! {
    /// Deletion of the user's home folder, a drive or a system folder, by
    /// call or by shell command, and commands that wipe disks or backups.
    ///
    /// ## What it finds
    /// - `shutil.rmtree`, `os.remove`/`unlink`/`rmdir`, `Path.unlink` and
    ///   `send2trash` of `~`, `Path.home()`, `%USERPROFILE%`, a standard
    ///   home folder (Desktop, Documents, …), `/`, a drive root (`C:\`,
    ///   `{letter}:\`) or a system folder (`/etc`, `/usr`, `C:\Windows`);
    /// - shell commands doing the same: `rm -rf` of such a path (or with
    ///   `--no-preserve-root`), `del /s` and `rd /s` of a drive or the
    ///   profile, `Remove-Item -Recurse` of one, `format C:`, `mkfs` or
    ///   `dd of=` on a disk device, and deletion of shadow copies and
    ///   backup catalogs (`vssadmin delete shadows`, `wmic shadowcopy
    ///   delete`, `wbadmin delete catalog`, `bcdedit … recoveryenabled no`);
    /// - a walk or listing of the home folder or a drive with deletes in
    ///   the same function.
    ///
    /// ## Why it matters
    /// Wipers and sabotage payloads ("protestware") destroy the user's
    /// files or the system outright; ransomware deletes shadow copies so
    /// that nothing can be restored. Builds, tests and uninstallers delete
    /// their own folders (`build/`, temporary folders, `~/.cache/app`),
    /// which are never matched. A delete of a home, drive or system folder
    /// is critical on import, at install or at interpreter start, and high
    /// at runtime. A recursive walk of the home folder or a drive that
    /// deletes what it finds is critical when it runs by itself (a
    /// one-level listing high) and medium at runtime (a cleanup tool may
    /// filter what it deletes).
    ///
    /// ## Example
    /// ```python
    /// import os, shutil
    /// shutil.rmtree(os.path.expanduser("~"), ignore_errors=True)
    /// os.system("rm -rf --no-preserve-root /")
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1485 (Data Destruction), T1490 (Inhibit System
    /// Recovery), T1561 (Disk Wipe).
    pub struct DestructiveDelete {
        id: "AY801",
        slug: "destructive-delete",
        category: Impact,
        severity: Critical,
    }
}

impl Rule for DestructiveDelete {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        for file in facts.python {
            let mut seen = BTreeSet::new();
            for call in &file.calls {
                let name = &call.name;
                let (what, how) = if is_delete(name) {
                    if let Some(root) = deleted_root(file, call) {
                        (format!("deletes {}", root.describe()), How::Direct)
                    } else if let Some((root, recursive)) = swept_root(file, call) {
                        let how = if recursive { How::Walk } else { How::Listing };
                        (
                            format!("deletes files it lists under {}", root.describe()),
                            how,
                        )
                    } else {
                        continue;
                    }
                } else if names::is_process(name) {
                    match shell_text(call).as_deref().and_then(destructive_command) {
                        Some(what) => (what.to_owned(), How::Direct),
                        None => continue,
                    }
                } else {
                    continue;
                };
                if !seen.insert((call.function.as_deref(), call.context, what.clone())) {
                    continue;
                }
                let mut f = code_finding(
                    &Self::META,
                    file,
                    call,
                    format!("`{name}` {what} {}", when(file, call.context)),
                );
                f.severity = match (runs_by_itself(file, call.context), how) {
                    (true, How::Direct | How::Walk) => Severity::Critical,
                    (true, How::Listing) | (false, How::Direct) => Severity::High,
                    (false, How::Walk | How::Listing) => Severity::Medium,
                };
                if how == How::Direct {
                    f.decoded = shell_text(call).filter(|_| names::is_process(name));
                }
                out.push(f);
            }
        }
    }
}

/// The home, drive or system folder a delete call removes.
fn deleted_root(file: &FileAnalysis, call: &Call) -> Option<Root> {
    let arg = call.args.first().or_else(|| call.keyword("path"))?;
    if let Some(root) = arg.printed().and_then(classify_root) {
        return Some(root);
    }
    // `shutil.rmtree(os.getenv("USERPROFILE"))`: the variable is read in the
    // same function.
    let from_env = arg.has(taint::ENV)
        && arg.printed().is_none()
        && arg
            .origin
            .as_ref()
            .and_then(QualName::result_of)
            .is_some_and(|called| matches!(called.as_str(), "os.getenv" | "os.environ.get"));
    let home_var = same_function(file, call)
        .filter(|c| names::is_env_read(&c.name))
        .flat_map(Call::arg_texts)
        .any(|t| HOME_VARIABLES.iter().any(|v| t.eq_ignore_ascii_case(v)));
    (from_env && home_var).then_some(Root::Home)
}

/// How a delete reaches a home, drive or system folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum How {
    /// The folder itself, or a shell command that wipes it.
    Direct,
    /// Every file a recursive walk of it yields.
    Walk,
    /// Entries of a one-level listing (a cleanup may filter them).
    Listing,
}

/// The home or drive a delete call's function walks, when the delete's
/// target is not a constant (each entry the walk yields), and whether the
/// walk is recursive.
fn swept_root(file: &FileAnalysis, call: &Call) -> Option<(Root, bool)> {
    // A constant target is not an entry of a walk (a template is: its
    // holes are the entries, `~/{}`).
    if call.args.first().is_some_and(|a| a.text.is_some()) {
        return None;
    }
    same_function(file, call)
        .filter(|c| is_walk(&c.name))
        .filter_map(|c| walk_root(file, c).map(|r| (r, is_recursive(c))))
        .filter(|(r, _)| matches!(r, Root::Home | Root::Drive))
        .max_by_key(|(_, recursive)| *recursive)
}

/// What a destructive shell command does, if it is one.
pub(crate) fn destructive_command(cmd: &str) -> Option<&'static str> {
    let lower = cmd.to_ascii_lowercase();
    if lower.contains("vssadmin") && lower.contains("delete") && lower.contains("shadows")
        || lower.contains("shadowcopy delete")
        || lower.contains("wbadmin delete catalog")
        || lower.contains("recoveryenabled no")
    {
        return Some("deletes shadow copies or backups");
    }
    commands(cmd).iter().find_map(|(program, args)| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        destructive_program(program, &args)
    })
}

/// What `program args…` destroys, if anything.
fn destructive_program(program: &str, args: &[&str]) -> Option<&'static str> {
    let operands = || args.iter().filter(|a| !a.starts_with('-'));
    let targets_root = || operands().any(|a| classify_root(a).is_some());
    match program {
        "rm" => {
            let recursive = args.iter().any(|a| {
                *a == "--recursive"
                    || (a.starts_with('-') && !a.starts_with("--") && a.contains(['r', 'R']))
            });
            (args.contains(&"--no-preserve-root") || (recursive && targets_root()))
                .then_some("runs `rm -r` on a home, drive or system folder")
        }
        "del" | "erase" | "rd" | "rmdir" => (args.contains(&"/s") && targets_root())
            .then_some("runs `del /s` or `rd /s` on a drive, the profile or a system folder"),
        "remove-item" | "ri" => (args.iter().any(|a| a.starts_with("-r")) && targets_root())
            .then_some("runs `Remove-Item -Recurse` on a drive, the profile or a system folder"),
        "format" | "format.com" => args
            .first()
            .is_some_and(|a| a.len() == 2 && a.ends_with(':'))
            .then_some("formats a drive"),
        "dd" => args
            .iter()
            .any(|a| a.strip_prefix("of=").is_some_and(is_disk_device))
            .then_some("overwrites a disk device with `dd`"),
        _ if program.starts_with("mkfs") => args
            .iter()
            .any(|a| is_disk_device(a))
            .then_some("formats a disk device"),
        _ => None,
    }
}

/// A whole disk or partition (`/dev/sda`, `/dev/nvme0n1`), not `/dev/null`.
fn is_disk_device(path: &str) -> bool {
    ["sd", "hd", "vd", "xvd", "nvme", "mmcblk", "disk"]
        .iter()
        .any(|d| {
            path.strip_prefix("/dev/")
                .is_some_and(|rest| rest.starts_with(d))
        })
        || path.starts_with("\\\\.\\physicaldrive")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destructive_commands() {
        for cmd in [
            "rm -rf /",
            "rm -rf ~",
            "rm -rf ~/*",
            "sudo rm -fr /* ",
            "rm --recursive --force $HOME",
            "rm -rf --no-preserve-root /",
            "del /f /s /q C:\\*.*",
            "rd /s /q %USERPROFILE%",
            "cmd /c rd /s /q C:\\Windows",
            "powershell Remove-Item -Recurse -Force C:\\",
            "format C: /q /y",
            "dd if=/dev/zero of=/dev/sda bs=1M",
            "mkfs.ext4 /dev/sda1",
            "vssadmin.exe Delete Shadows /All /Quiet",
            "wmic shadowcopy delete",
        ] {
            assert!(destructive_command(cmd).is_some(), "{cmd}");
        }
        for cmd in [
            "rm -rf build",
            "rm -rf ./dist/",
            "rm -rf /tmp/pkg-build",
            "rm -rf ~/.cache/pkg",
            "rm ~/.config/pkg/lock",
            "rm -rf {}",
            "del /q build\\*.obj",
            "rd /s /q build",
            "dd if=/dev/urandom of=key.bin count=1",
            "dd if=/dev/zero of=/dev/null bs=1M count=100",
            "format --check src/",
            "git rm -r --cached .",
        ] {
            assert_eq!(destructive_command(cmd), None, "{cmd}");
        }
    }
}
