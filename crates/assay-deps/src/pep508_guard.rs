//! Inputs on which pep508_rs 0.9.2 panics instead of returning an error,
//! refused or made harmless before the parser sees them. A hostile
//! requirements file, lockfile or metadata file must give an error, not
//! stop the run. Neither step changes what a requirement or marker that
//! parses means.

use std::borrow::Cow;
use std::str::FromStr;

use pep508_rs::MarkerTree;

/// A package or extra name that ends in `.`, `-` or `_` and is followed by
/// more text (`requests1.=>31`, `pkg[sec-]`). Such a name is invalid, but
/// pep508_rs accepts it while reading and then panics (an `expect`)
/// building the name.
pub(crate) fn name_the_parser_panics_on(text: &str) -> Option<&str> {
    let name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    let leading_name = |s: &str| -> usize { s.find(|c| !name_char(c)).unwrap_or(s.len()) };
    let rest = text.trim_start();
    let end = leading_name(rest);
    let mut names = vec![&rest[..end]];
    if let Some(extras) = rest[end..].trim_start().strip_prefix('[') {
        let extras = extras.split(']').next().unwrap_or(extras);
        names.extend(extras.split(',').map(|e| {
            let e = e.trim_start();
            &e[..leading_name(e)]
        }));
    }
    names.into_iter().find(|n| n.ends_with(['.', '-', '_']))
}

/// Stands in for a character that is neither ASCII nor whitespace.
const STAND_IN: char = '\u{7f}';

/// The marker with every character that is neither ASCII nor whitespace
/// replaced by DEL, so that pep508_rs sees one byte per character outside
/// whitespace. Between two expressions it looks for `and` / `or` by
/// slicing the next word at its length in characters, as if it were in
/// bytes, and panics when that ends inside a character
/// (`python_version >= '3' \u{e9}`, `extra == 'a'x@'\u{fffd}\u{fffd}`).
///
/// What parses keeps its meaning: outside quoted strings such a character
/// is invalid, and DEL is too; inside them the values the marker is
/// compared with (platform, Python, extras) are printable ASCII, and DEL,
/// like any such character, sorts after all of it and is never part of
/// it, so `==`, `in` and the orderings give the same answer. Only the
/// requirement as printed shows DEL.
pub(crate) fn ascii_marker(marker: &str) -> Cow<'_, str> {
    if marker.chars().all(|c| c.is_ascii() || c.is_whitespace()) {
        return Cow::Borrowed(marker);
    }
    marker
        .chars()
        .map(|c| {
            if c.is_ascii() || c.is_whitespace() {
                c
            } else {
                STAND_IN
            }
        })
        .collect()
}

/// A requirement with its marker (what follows its first `;`) made
/// [`ascii_marker`].
pub(crate) fn ascii_marker_of_requirement(text: &str) -> Cow<'_, str> {
    match text.split_once(';') {
        Some((head, marker)) => match ascii_marker(marker) {
            Cow::Borrowed(_) => Cow::Borrowed(text),
            Cow::Owned(marker) => Cow::Owned(format!("{head};{marker}")),
        },
        None => Cow::Borrowed(text),
    }
}

/// A marker parsed, or `None` when it is not valid. The parser's error is
/// dropped unprinted: its `Display` can panic too.
pub(crate) fn parse_marker(text: &str) -> Option<MarkerTree> {
    MarkerTree::from_str(&ascii_marker(text)).ok()
}

#[cfg(test)]
mod tests {
    use pep508_rs::MarkerEnvironment;

    use super::*;
    use crate::resolve::{Platform, marker_environment};

    fn linux() -> MarkerEnvironment {
        marker_environment(Platform::LinuxX86_64, "3.12.4").expect("env")
    }

    /// Found by the `setup_py` fuzz target (session 10) in a `setup.cfg`
    /// extra: the word after a marker expression, whose length in
    /// characters ends inside a character, made `MarkerTree::from_str` and
    /// `Requirement::from_str` panic.
    #[test]
    fn pep508_marker_word_ending_inside_a_character_does_not_panic() {
        for marker in [
            "python_version >= '3' \u{e9}",
            "python_version >= '3' a\u{ac71}",
            "(os_name == 'nt') \u{fffd}x",
            "extra == '\u{fffd}\u{fffd}ra == 'x@'\u{fffd}\u{fffd}ra ==",
        ] {
            assert!(parse_marker(marker).is_none(), "{marker}");
        }
    }

    #[test]
    fn markers_with_characters_beyond_ascii_keep_their_meaning() {
        let env = linux();
        for (marker, holds) in [
            ("platform_machine != '\u{e9}t\u{e9}'", true),
            ("platform_machine == 'x86_64\u{e9}'", false),
            ("platform_machine in 'x86_64\u{ac71}'", true),
            ("platform_machine in 'x86\u{ac71}_64'", false),
            ("platform_machine < '\u{e9}'", true),
            ("python_version >= '3'\u{3000}and os_name == 'posix'", true),
        ] {
            let tree = parse_marker(marker).unwrap_or_else(|| panic!("{marker}"));
            assert_eq!(tree.evaluate(&env, &[]), holds, "{marker}");
        }
        assert!(parse_marker("python_version >= '3' or").is_none());
    }

    #[test]
    fn only_the_marker_of_a_requirement_is_changed() {
        assert_eq!(
            ascii_marker_of_requirement("d\u{e9}mo ; os_name == '\u{e9}'"),
            "d\u{e9}mo ; os_name == '\u{7f}'"
        );
        assert!(matches!(
            ascii_marker_of_requirement("six ; os_name == 'nt'"),
            Cow::Borrowed(_)
        ));
    }
}
