//! Module names of files and of the callees that code names.

pub(super) use crate::python::module_of;
use crate::python::{QualName, Segment};

/// `callee` as code in `module` names it, made absolute: `.core.Checker`
/// in `pkg.api` (a module, whose package is `pkg`) → `pkg.core.Checker`.
/// `is_package` says `module` is an `__init__`, its own package.
pub(super) fn absolute(callee: &QualName, module: &str, is_package: bool) -> QualName {
    if !callee.is_relative() {
        return callee.clone();
    }
    let base: Vec<&str> = module.split('.').filter(|s| !s.is_empty()).collect();
    callee.resolved_in(&base, is_package)
}

/// Finds the function an absolute callee name refers to: each split into
/// a module and a name inside it, longest module first; `Class(...)` is
/// its `__init__`, `Class().method` a bound method. Returns what `find`
/// found with the number of leading parameters the call does not pass.
pub(super) fn resolve<T>(
    callee: &QualName,
    find: impl Fn(&str, &str) -> Option<T>,
) -> Option<(T, usize)> {
    if let Some(found) = resolve_plain(callee, &find) {
        return found;
    }
    // Each name with whether it is called; an unknown receiver, an item or
    // a relative import names no function of a module.
    let mut parts: Vec<(&str, bool)> = Vec::new();
    for segment in callee.segments() {
        match segment {
            Segment::Name(name) => parts.push((name, false)),
            Segment::Called => parts.last_mut()?.1 = true,
            Segment::Item | Segment::Unknown | Segment::Relative(_) => return None,
        }
    }
    for split in (1..parts.len()).rev() {
        let module = join(&parts[..split]);
        let rest = &parts[split..];
        let bound = rest[..rest.len() - 1].iter().any(|(_, called)| *called);
        if rest.last().is_some_and(|(_, called)| *called) {
            continue;
        }
        let mut name = join(rest);
        if let Some(found) = find(&module, &name) {
            return Some((found, usize::from(bound)));
        }
        name.push_str(".__init__");
        if let Some(found) = find(&module, &name) {
            return Some((found, 1));
        }
    }
    None
}

/// [`resolve`] for a dotted name with no call, item or unknown part
/// (`pkg.util.send`, the common case): each split is a pair of slices of
/// its text, and only the `__init__` name is built. `None` when the name
/// is not such a one.
fn resolve_plain<T>(
    callee: &QualName,
    find: &impl Fn(&str, &str) -> Option<T>,
) -> Option<Option<(T, usize)>> {
    let plain = callee
        .segments()
        .iter()
        .all(|s| matches!(s, Segment::Name(n) if !n.contains('.')));
    if !plain {
        return None;
    }
    let text = callee.as_str();
    let mut init = String::new();
    for (dot, _) in text.rmatch_indices('.') {
        let (module, name) = (&text[..dot], &text[dot + 1..]);
        if let Some(found) = find(module, name) {
            return Some(Some((found, 0)));
        }
        init.clear();
        init.push_str(name);
        init.push_str(".__init__");
        if let Some(found) = find(module, &init) {
            return Some(Some((found, 1)));
        }
    }
    Some(None)
}

fn join(parts: &[(&str, bool)]) -> String {
    let names: Vec<&str> = parts.iter().map(|(name, _)| *name).collect();
    names.join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_names() {
        let absolute = |callee: &str, module: &str, is_package: bool| {
            absolute(&QualName::parse(callee), module, is_package).to_string()
        };
        assert_eq!(
            absolute(".core.Checker", "pkg.api", false),
            "pkg.core.Checker"
        );
        assert_eq!(absolute(".core.Checker", "pkg", true), "pkg.core.Checker");
        assert_eq!(
            absolute("..util.send", "pkg.sub.mod", false),
            "pkg.util.send"
        );
        assert_eq!(absolute("os.path.join", "pkg", true), "os.path.join");
    }

    #[test]
    fn callees_resolve_to_functions_methods_and_classes() {
        let defined = [
            "pkg.util:send",
            "pkg.core:Client.__init__",
            "pkg.core:Client.put",
        ];
        let find = |m: &str, n: &str| {
            let key = format!("{m}:{n}");
            defined.iter().find(|d| **d == key)
        };
        let resolve = |callee: &str, find| resolve(&QualName::parse(callee), find);
        assert_eq!(resolve("pkg.util.send", find).map(|r| r.1), Some(0));
        assert_eq!(resolve("pkg.core.Client", find).map(|r| r.1), Some(1));
        assert_eq!(resolve("pkg.core.Client().put", find).map(|r| r.1), Some(1));
        assert!(resolve("pkg.util.other", find).is_none());
        assert!(resolve("pkg.util.send().x", find).is_none());
    }
}
