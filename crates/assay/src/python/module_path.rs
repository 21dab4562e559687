//! The importable module a file of a package is.

/// The importable module a file is (`pkg-1.0/src/pkg/core.py` →
/// `pkg.core`, `pkg/__init__.py` → `pkg`): the path's trailing run of
/// identifier segments, without a `src`/`lib` layout folder.
pub fn module_of(path: &str) -> String {
    let path = path.strip_suffix(".py").unwrap_or(path);
    let mut segments: Vec<&str> = path.split('/').collect();
    if segments.last() == Some(&"__init__") {
        segments.pop();
    }
    let start = segments
        .iter()
        .rposition(|s| !is_identifier(s))
        .map_or(0, |i| i + 1);
    let mut segments = &segments[start..];
    while let [first, rest @ ..] = segments
        && matches!(*first, "src" | "lib")
        && !rest.is_empty()
    {
        segments = rest;
    }
    segments.join(".")
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_of_paths() {
        assert_eq!(module_of("pkg-1.0/src/pkg/core.py"), "pkg.core");
        assert_eq!(module_of("pkg/__init__.py"), "pkg");
        assert_eq!(module_of("pkg-1.0/pkg/__init__.py"), "pkg");
        assert_eq!(module_of("lib/tool.py"), "tool");
        assert_eq!(module_of("setup.py"), "setup");
        assert_eq!(module_of("pkg-1.0/setup.py"), "setup");
    }
}
