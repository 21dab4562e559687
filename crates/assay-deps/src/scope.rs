//! Which parts of a project are scanned: the project's dependencies, its
//! extras and its dependency groups, selected as uv selects them (`uv sync
//! --extra … --group … --only-group … --no-default-groups`).
//!
//! By default a project's dependencies and its default groups are in
//! scope (`dev`, or `[tool.uv] default-groups`); extras only when asked
//! for. An extra or group that is not selected is named in a note, so the
//! user knows what was left out and how to add it.

use std::path::Path;

use crate::error::InputError;

/// The user's selection of extras and groups (names as typed).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    /// `--extra NAME`: optional dependencies to include.
    pub extras: Vec<String>,
    /// `--all-extras`: every extra.
    pub all_extras: bool,
    /// `--group NAME`: dependency groups to include besides the defaults.
    pub groups: Vec<String>,
    /// `--only-group NAME`: only these groups, without the project's own
    /// dependencies or the default groups.
    pub only_groups: Vec<String>,
    /// `--all-groups`: every group.
    pub all_groups: bool,
    /// `--no-default-groups`: leave the default groups out.
    pub no_default_groups: bool,
}

/// What a scope selects in one project, by normalised name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Selected {
    /// Whether the project's own dependencies (and the project) are in.
    pub project: bool,
    /// Extras in scope.
    pub extras: Vec<String>,
    /// Groups in scope.
    pub groups: Vec<String>,
    /// What the user should know: extras and groups left out.
    pub left_out: Vec<String>,
}

/// Extra and group names compare as PEP 685 and PEP 735 say: lower case,
/// runs of `-`, `_` and `.` as one `-`.
pub(crate) fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut separator = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            separator = true;
            continue;
        }
        if separator && !out.is_empty() {
            out.push('-');
        }
        separator = false;
        out.push(c.to_ascii_lowercase());
    }
    out
}

impl Scope {
    /// Whether the user chose anything at all (the default scope otherwise).
    pub fn is_default(&self) -> bool {
        *self == Scope::default()
    }

    /// What this scope selects in a project that defines `extras` and
    /// `groups`, whose default groups are `defaults`. A name the project
    /// does not define is an error, as in uv.
    pub(crate) fn select(
        &self,
        file: &Path,
        extras: &[String],
        groups: &[String],
        defaults: &[String],
    ) -> Result<Selected, InputError> {
        let extras: Vec<String> = extras.iter().map(|e| normalize(e)).collect();
        let groups: Vec<String> = groups.iter().map(|g| normalize(g)).collect();
        self.check(file, &extras, &groups)?;
        Ok(self.select_known(&extras, &groups, defaults))
    }

    /// Errors for names the project does not define.
    pub(crate) fn check(
        &self,
        file: &Path,
        extras: &[String],
        groups: &[String],
    ) -> Result<(), InputError> {
        for extra in &self.extras {
            if !extras.contains(&normalize(extra)) {
                return Err(InputError::invalid(
                    file,
                    0,
                    format!(
                        "--extra {extra}: the project defines no such extra ({})",
                        listed(extras)
                    ),
                ));
            }
        }
        for group in self.groups.iter().chain(&self.only_groups) {
            if !groups.contains(&normalize(group)) {
                return Err(InputError::invalid(
                    file,
                    0,
                    format!(
                        "--group {group}: the project defines no such dependency group ({})",
                        listed(groups)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The selection among names known to exist (normalised).
    pub(crate) fn select_known(
        &self,
        extras: &[String],
        groups: &[String],
        defaults: &[String],
    ) -> Selected {
        let wanted_extras: Vec<String> = self.extras.iter().map(|e| normalize(e)).collect();
        let only: Vec<String> = self.only_groups.iter().map(|g| normalize(g)).collect();
        let added: Vec<String> = self.groups.iter().map(|g| normalize(g)).collect();
        let defaults: Vec<String> = defaults.iter().map(|g| normalize(g)).collect();
        let project = only.is_empty();
        let mut out = Selected {
            project,
            ..Selected::default()
        };
        for extra in extras {
            if project && (self.all_extras || wanted_extras.contains(extra)) {
                out.extras.push(extra.clone());
            }
        }
        for group in groups {
            let chosen = if !only.is_empty() {
                only.contains(group) || self.all_groups
            } else {
                self.all_groups
                    || added.contains(group)
                    || (!self.no_default_groups && defaults.contains(group))
            };
            if chosen {
                out.groups.push(group.clone());
            }
        }
        let extras_out: Vec<String> = extras
            .iter()
            .filter(|e| !out.extras.contains(e))
            .cloned()
            .collect();
        let groups_out: Vec<String> = groups
            .iter()
            .filter(|g| !out.groups.contains(g))
            .cloned()
            .collect();
        if !extras_out.is_empty() {
            out.left_out.push(format!(
                "extras not scanned: {} (add --extra NAME or --all-extras)",
                extras_out.join(", ")
            ));
        }
        if !groups_out.is_empty() {
            out.left_out.push(format!(
                "dependency groups not scanned: {} (add --group NAME or --all-groups)",
                groups_out.join(", ")
            ));
        }
        if !project {
            out.left_out
                .push("the project's own dependencies are not scanned (--only-group)".to_owned());
        }
        out
    }
}

fn listed(names: &[String]) -> String {
    if names.is_empty() {
        "it defines none".to_owned()
    } else {
        format!("it defines: {}", names.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn names_normalise_as_pep_685_says() {
        assert_eq!(normalize("Dev_Tools"), "dev-tools");
        assert_eq!(normalize("a--b.c"), "a-b-c");
    }

    #[test]
    fn default_scope_is_dependencies_and_the_dev_group() {
        let s = Scope::default().select_known(
            &names(&["socks"]),
            &names(&["dev", "docs"]),
            &names(&["dev"]),
        );
        assert!(s.project);
        assert!(s.extras.is_empty());
        assert_eq!(s.groups, ["dev"]);
        assert_eq!(s.left_out.len(), 2, "{:?}", s.left_out);
    }

    #[test]
    fn only_group_drops_the_project_and_the_defaults() {
        let scope = Scope {
            only_groups: names(&["docs"]),
            extras: names(&["socks"]),
            ..Scope::default()
        };
        let s = scope.select_known(
            &names(&["socks"]),
            &names(&["dev", "docs"]),
            &names(&["dev"]),
        );
        assert!(!s.project);
        assert!(s.extras.is_empty());
        assert_eq!(s.groups, ["docs"]);
    }

    #[test]
    fn no_default_groups_with_an_added_group() {
        let scope = Scope {
            groups: names(&["Docs"]),
            no_default_groups: true,
            ..Scope::default()
        };
        let s = scope.select_known(&[], &names(&["dev", "docs"]), &names(&["dev"]));
        assert_eq!(s.groups, ["docs"]);
    }

    #[test]
    fn an_unknown_extra_or_group_is_an_error() {
        let scope = Scope {
            extras: names(&["sock"]),
            ..Scope::default()
        };
        let err = scope
            .select(Path::new("pyproject.toml"), &names(&["socks"]), &[], &[])
            .expect_err("unknown extra");
        assert!(err.to_string().contains("it defines: socks"), "{err}");
        let scope = Scope {
            only_groups: names(&["lint"]),
            ..Scope::default()
        };
        assert!(
            scope
                .select(Path::new("uv.lock"), &[], &names(&["dev"]), &[])
                .is_err()
        );
    }
}
