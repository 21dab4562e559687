//! `pyproject.toml`: PEP 621 `[project]` and PEP 735 `[dependency-groups]`.

use std::collections::HashSet;
use std::path::Path;

use pep508_rs::{ExtraName, PackageName};
use toml::{Table, Value};

use crate::error::InputError;
use crate::input::locate::Locator;
use crate::input::parse_toml;
use crate::model::{Note, Origin, Requirement, Unresolved};
use crate::reqline;
use crate::scope::{Scope, normalize};

/// Deepest chain of `include-group`s followed.
const MAX_GROUP_DEPTH: usize = 32;

/// What `[project]` says about dependencies.
#[derive(Default)]
pub(crate) struct ProjectDeps {
    /// Whether there is a `[project]` table at all.
    pub has_project: bool,
    /// `[project] name`, normalised.
    pub name: Option<PackageName>,
    /// `dependencies`, then (when `mark_extras`) every
    /// `optional-dependencies` entry with an `extra == "…"` marker.
    pub requirements: Vec<Requirement>,
    /// Without `mark_extras`: each extra's requirements, by normalised
    /// extra name.
    pub optional: Vec<(String, Requirement)>,
    /// Every extra defined, normalised, in order.
    pub extra_names: Vec<String>,
    /// `requires-python`, as written.
    pub requires_python: Option<String>,
    /// `dependencies` is listed in `dynamic`.
    pub dynamic_dependencies: bool,
    /// `optional-dependencies` is listed in `dynamic`.
    pub dynamic_optional: bool,
}

fn table_offset(text: &str, header: &str) -> usize {
    text.find(header).unwrap_or(0)
}

fn string_list<'a>(
    path: &Path,
    locate: &Locator<'_>,
    value: &'a Value,
    what: &str,
) -> Result<Vec<&'a str>, InputError> {
    let invalid = || {
        InputError::invalid(
            path,
            locate.quoted_line(what, 0),
            format!("`{what}` must be an array of strings"),
        )
    };
    value
        .as_array()
        .ok_or_else(invalid)?
        .iter()
        .map(|v| v.as_str().ok_or_else(invalid))
        .collect()
}

fn requirement(
    path: &Path,
    locate: &Locator<'_>,
    spec: &str,
    from: usize,
) -> Result<Requirement, InputError> {
    let line = locate.quoted_line(spec, from);
    let base = path.parent().unwrap_or(Path::new(""));
    reqline::parse_requirement(spec, Origin::new(path, line), base)
        .map_err(|e| InputError::invalid(path, line, format!("{e}: `{spec}`")))
}

/// Reads `[project]` dependencies.
pub(crate) fn project_deps(
    path: &Path,
    text: &str,
    doc: &Table,
    mark_extras: bool,
) -> Result<ProjectDeps, InputError> {
    let mut out = ProjectDeps::default();
    let Some(project) = doc.get("project") else {
        return Ok(out);
    };
    let project = project
        .as_table()
        .ok_or_else(|| InputError::invalid(path, 0, "`project` must be a table"))?;
    out.has_project = true;
    let locate = &Locator::new(text);
    let from = table_offset(text, "[project]");
    out.name = project
        .get("name")
        .and_then(Value::as_str)
        .and_then(|n| PackageName::new(n.to_string()).ok());
    out.requires_python = project
        .get("requires-python")
        .and_then(Value::as_str)
        .map(str::to_string);
    if let Some(dynamic) = project.get("dynamic") {
        let dynamic = string_list(path, locate, dynamic, "dynamic")?;
        out.dynamic_dependencies = dynamic.contains(&"dependencies");
        out.dynamic_optional = dynamic.contains(&"optional-dependencies");
    }
    if let Some(deps) = project.get("dependencies") {
        for spec in string_list(path, locate, deps, "dependencies")? {
            out.requirements
                .push(requirement(path, locate, spec, from)?);
        }
    }
    if let Some(optional) = project.get("optional-dependencies") {
        let optional = optional.as_table().ok_or_else(|| {
            InputError::invalid(path, 0, "`optional-dependencies` must be a table")
        })?;
        let from = table_offset(text, "optional-dependencies");
        for (extra, specs) in optional {
            let extra_name = ExtraName::new(extra.clone()).map_err(|e| {
                InputError::invalid(
                    path,
                    locate.quoted_line(extra, from),
                    format!("invalid extra `{extra}`: {e}"),
                )
            })?;
            let normalized = normalize(extra);
            out.extra_names.push(normalized.clone());
            for spec in string_list(path, locate, specs, extra)? {
                let mut req = requirement(path, locate, spec, from)?;
                if mark_extras {
                    req.req = req.req.with_extra_marker(&extra_name);
                    out.requirements.push(req);
                } else {
                    out.optional.push((normalized.clone(), req));
                }
            }
        }
    }
    Ok(out)
}

/// Parses a user's `pyproject.toml` into roots: the dependencies, extras
/// and dependency groups `scope` selects (uv's defaults: dependencies and
/// the default groups).
pub(crate) fn parse(path: &Path, text: &str, scope: &Scope) -> Result<Unresolved, InputError> {
    let doc: Table = parse_toml(path, text)?;
    let project = project_deps(path, text, &doc, false)?;
    let group_names: Vec<String> = doc
        .get("dependency-groups")
        .and_then(Value::as_table)
        .map(|t| t.keys().cloned().collect())
        .unwrap_or_default();
    let selected = scope.select(
        path,
        &project.extra_names,
        &group_names,
        &default_groups(&doc, &group_names),
    )?;
    let mut out = Unresolved::default();
    let whole = Origin::new(path, 0);
    let note = |out: &mut Unresolved, message: &str| {
        out.notes.push(Note {
            origin: whole.clone(),
            message: message.to_string(),
        })
    };
    if project.dynamic_dependencies {
        note(
            &mut out,
            "`dependencies` is dynamic (computed by the build backend): unknown, not resolved",
        );
    }
    if project.dynamic_optional {
        note(
            &mut out,
            "`optional-dependencies` is dynamic (computed by the build backend): unknown, not resolved",
        );
    }
    for message in &selected.left_out {
        note(&mut out, message);
    }
    let chosen_extras = project
        .optional
        .into_iter()
        .filter(|(extra, _)| selected.extras.contains(extra))
        .map(|(_, req)| req);
    let own = if selected.project {
        project.requirements
    } else {
        Vec::new()
    };
    for req in own.into_iter().chain(chosen_extras) {
        if project.name.as_ref() == Some(req.name()) {
            // `proj[extra]` inside proj's own extras: every extra is included anyway.
            out.notes.push(Note {
                origin: req.origin.clone(),
                message: format!(
                    "self-reference `{}`: its extras are selected with --extra",
                    req.req
                ),
            });
            continue;
        }
        out.requirements.push(req);
    }
    if let Some(groups) = doc.get("dependency-groups") {
        let groups = groups
            .as_table()
            .ok_or_else(|| InputError::invalid(path, 0, "`dependency-groups` must be a table"))?;
        let from = table_offset(text, "[dependency-groups]");
        let locate = &Locator::new(text);
        // Every group is checked (a cycle is an error wherever it is);
        // only the selected ones are scanned.
        let mut done = HashSet::new();
        let mut checked = Unresolved::default();
        for name in groups.keys() {
            let mut stack = Vec::new();
            group(
                path,
                locate,
                groups,
                name,
                from,
                &mut stack,
                &mut done,
                &mut checked,
            )?;
        }
        let mut done = HashSet::new();
        for name in groups.keys() {
            if selected.groups.contains(&normalize(name)) {
                let mut stack = Vec::new();
                group(
                    path, locate, groups, name, from, &mut stack, &mut done, &mut out,
                )?;
            }
        }
    }
    if !project.has_project && doc.get("dependency-groups").is_none() {
        note(
            &mut out,
            "no [project] table and no [dependency-groups]: nothing to resolve",
        );
    }
    Ok(out)
}

/// `[tool.uv] default-groups` (a list, or `"all"`), else `dev`.
pub(crate) fn default_groups(doc: &Table, groups: &[String]) -> Vec<String> {
    let setting = doc
        .get("tool")
        .and_then(|t| t.get("uv"))
        .and_then(|t| t.get("default-groups"));
    match setting {
        Some(Value::String(all)) if all == "all" => groups.to_vec(),
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => vec!["dev".to_owned()],
    }
}

#[allow(clippy::too_many_arguments)]
fn group(
    path: &Path,
    locate: &Locator<'_>,
    groups: &Table,
    name: &str,
    from: usize,
    stack: &mut Vec<String>,
    done: &mut HashSet<String>,
    out: &mut Unresolved,
) -> Result<(), InputError> {
    let line = locate
        .quoted_line(name, from)
        .max(locate.key_line(name, from));
    if stack.iter().any(|s| s == name) {
        return Err(InputError::invalid(
            path,
            line,
            format!("dependency group `{name}` includes itself"),
        ));
    }
    if stack.len() >= MAX_GROUP_DEPTH {
        return Err(InputError::invalid(
            path,
            line,
            "dependency groups nested too deeply",
        ));
    }
    if done.contains(name) {
        return Ok(());
    }
    let Some(items) = groups.get(name) else {
        return Err(InputError::invalid(
            path,
            0,
            format!("unknown dependency group `{name}` in include-group"),
        ));
    };
    let items = items.as_array().ok_or_else(|| {
        InputError::invalid(
            path,
            line,
            format!("dependency group `{name}` must be an array"),
        )
    })?;
    stack.push(name.to_string());
    for item in items {
        match item {
            Value::String(spec) => out
                .requirements
                .push(requirement(path, locate, spec, from)?),
            Value::Table(t) => {
                let include = t
                    .get("include-group")
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        InputError::invalid(
                            path,
                            line,
                            format!("group `{name}`: a table must be {{include-group = \"…\"}}"),
                        )
                    })?;
                group(path, locate, groups, include, from, stack, done, out)?;
            }
            _ => {
                return Err(InputError::invalid(
                    path,
                    line,
                    format!("group `{name}`: entries must be strings or include-group tables"),
                ));
            }
        }
    }
    stack.pop();
    done.insert(name.to_string());
    Ok(())
}
