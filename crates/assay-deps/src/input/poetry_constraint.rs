//! Poetry's version constraints (`^3.8`, `~3.9`, `>=3.8 <3.12 || 3.7.*`)
//! as PEP 440 specifier sets, the way poetry-core reads them.
//!
//! `,` and whitespace join constraints that must all hold; `||` (or `|`)
//! separates alternatives. `^X.Y.Z` allows what does not change the first
//! non-zero part, `~X.Y` what does not change the minor version (`~X` the
//! major), a bare version is that version with any later parts
//! (`3.8` = `==3.8.*`), `*` is anything; PEP 440 operators are kept.

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::MarkerTree;

/// The alternatives `text` allows, each a specifier set that must hold
/// whole; an empty set allows every version. `None` when a part is not a
/// constraint Poetry writes.
pub(crate) fn parse(text: &str) -> Option<Vec<VersionSpecifiers>> {
    text.split('|')
        .map(str::trim)
        .filter(|alternative| !alternative.is_empty())
        .map(alternative)
        .collect::<Option<Vec<_>>>()
        .filter(|alternatives| !alternatives.is_empty())
}

/// A constraint on the Python version, in Poetry's syntax, as a PEP 508
/// marker on `python_full_version` (`^3.8` gives `python_full_version >=
/// '3.8' and python_full_version < '4'`). `None` when it does not parse.
pub(crate) fn python_marker(text: &str) -> Option<MarkerTree> {
    let alternatives = parse(text)?;
    let mut marker = MarkerTree::FALSE;
    for specifiers in alternatives {
        let mut all = MarkerTree::TRUE;
        for specifier in specifiers.iter() {
            // `>=3.8` → `python_full_version >= '3.8'` (`==3.8.*` keeps its star).
            let written = specifier.to_string();
            let split = written.find(|c: char| c.is_ascii_digit())?;
            let (operator, version) = written.split_at(split);
            let term = format!("python_full_version {operator} '{version}'");
            all.and(term.parse().ok()?);
        }
        marker.or(all);
    }
    Some(marker)
}

/// One alternative: constraints joined by `,` or whitespace.
fn alternative(text: &str) -> Option<VersionSpecifiers> {
    let mut parts: Vec<String> = Vec::new();
    // `>= 3.8` (an operator apart from its version) is one constraint.
    let mut pending = String::new();
    for word in text.split([',', ' ', '\t']).filter(|w| !w.is_empty()) {
        pending.push_str(word);
        if word.chars().all(|c| "<>=!~^".contains(c)) {
            continue;
        }
        parts.push(std::mem::take(&mut pending));
    }
    if !pending.is_empty() {
        return None;
    }
    let mut out: Vec<String> = Vec::new();
    for part in parts {
        out.extend(single(&part)?);
    }
    out.join(",").parse().ok()
}

/// One constraint as PEP 440 specifiers (none for `*`).
fn single(part: &str) -> Option<Vec<String>> {
    if matches!(part, "*" | "x" | "X") {
        return Some(Vec::new());
    }
    if let Some(rest) = part.strip_prefix('^') {
        let (version, release) = version_of(rest)?;
        // The first non-zero part (the last given part when all are zero)
        // may not change.
        let kept = release
            .iter()
            .position(|&n| n != 0)
            .unwrap_or(release.len() - 1);
        return Some(vec![
            format!(">={version}"),
            format!("<{}", bump(&release, kept)),
        ]);
    }
    if let Some(rest) = part.strip_prefix('~')
        && !rest.starts_with('=')
    {
        let (version, release) = version_of(rest)?;
        // `~X` keeps the major version, `~X.Y` and longer the minor.
        let kept = if release.len() == 1 { 0 } else { 1 };
        return Some(vec![
            format!(">={version}"),
            format!("<{}", bump(&release, kept)),
        ]);
    }
    if part.starts_with(['<', '>', '=', '!', '~']) {
        let operator_end = part
            .find(|c: char| !"<>=!~".contains(c))
            .unwrap_or(part.len());
        let (operator, version) = part.split_at(operator_end);
        // Poetry writes `=3.8` for `==3.8`.
        let operator = if operator == "=" { "==" } else { operator };
        return Some(vec![format!("{operator}{version}")]);
    }
    // A bare version, `3.8` or `3.8.*`: that version and its later parts.
    let bare = part.trim_end_matches(".*");
    version_of(bare)?;
    Some(vec![format!("=={bare}.*")])
}

/// A version and its release parts (`3.8.1` → `[3, 8, 1]`).
fn version_of(text: &str) -> Option<(Version, Vec<u64>)> {
    let version: Version = text.parse().ok()?;
    let release = version.release().to_vec();
    (!release.is_empty()).then_some((version, release))
}

/// The release with part `index` increased and nothing after it
/// (`[3, 8, 1]`, 0 → `4`; 1 → `3.9`).
fn bump(release: &[u64], index: usize) -> String {
    let mut parts: Vec<String> = release[..index].iter().map(u64::to_string).collect();
    parts.push((release[index] + 1).to_string());
    parts.join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(constraint: &str) -> Vec<String> {
        parse(constraint)
            .unwrap_or_else(|| panic!("{constraint} does not parse"))
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn caret_and_tilde_follow_poetry() {
        assert_eq!(text("^3.8"), [">=3.8, <4"]);
        assert_eq!(text("^3.8.1"), [">=3.8.1, <4"]);
        assert_eq!(text("^0.2.3"), [">=0.2.3, <0.3"]);
        assert_eq!(text("^0.0.3"), [">=0.0.3, <0.0.4"]);
        assert_eq!(text("^0"), [">=0, <1"]);
        assert_eq!(text("~3.9"), [">=3.9, <3.10"]);
        assert_eq!(text("~3.9.2"), [">=3.9.2, <3.10"]);
        assert_eq!(text("~3"), [">=3, <4"]);
        assert_eq!(text("~=3.9"), ["~=3.9"]);
    }

    #[test]
    fn operators_separators_and_alternatives() {
        assert_eq!(text(">=3.8,<3.12"), [">=3.8, <3.12"]);
        assert_eq!(text(">=3.8 <3.12"), [">=3.8, <3.12"]);
        assert_eq!(text(">= 3.8, < 3.12"), [">=3.8, <3.12"]);
        assert_eq!(text("=3.8"), ["==3.8"]);
        assert_eq!(text("3.8"), ["==3.8.*"]);
        assert_eq!(text("3.8.*"), ["==3.8.*"]);
        assert_eq!(text(">=2.7,<2.8 || >=3.6"), [">=2.7, <2.8", ">=3.6"]);
        assert_eq!(text("~2.7 | ^3.6"), [">=2.7, <2.8", ">=3.6, <4"]);
        assert_eq!(text("*"), [""]);
    }

    #[test]
    fn what_poetry_does_not_write_is_refused() {
        for bad in ["", "||", "^", "~", "banana", ">=", "^x.y", ">=3.8 <"] {
            assert!(parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn python_markers_hold_inside_the_range_only() {
        use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder};
        let env = |version: &str| -> MarkerEnvironment {
            MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
                implementation_name: "cpython",
                implementation_version: version,
                os_name: "posix",
                platform_machine: "x86_64",
                platform_python_implementation: "CPython",
                platform_release: "",
                platform_system: "Linux",
                platform_version: "",
                python_full_version: version,
                python_version: &version[..version.rfind('.').unwrap_or(version.len())],
                sys_platform: "linux",
            })
            .expect("environment")
        };
        let marker = python_marker("~2.7 || >=3.8.1,<3.11").expect("marker");
        for yes in ["2.7.18", "3.8.1", "3.10.4"] {
            assert!(marker.evaluate(&env(yes), &[]), "{yes}");
        }
        for no in ["3.7.9", "3.8.0", "3.11.0", "3.12.1"] {
            assert!(!marker.evaluate(&env(no), &[]), "{no}");
        }
        assert!(python_marker("banana").is_none());
    }
}
