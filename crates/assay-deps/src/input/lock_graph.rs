//! Which packages of a lockfile would be installed: a walk of the lock's
//! dependency edges from its roots, following only the edges whose marker
//! holds in the target environment and the extras and groups in scope.

use std::collections::{HashSet, VecDeque};

use pep508_rs::{ExtraName, MarkerEnvironment};

/// One dependency edge of a lock.
#[derive(Clone, Debug)]
pub(crate) struct Edge {
    /// Index of the package it points to.
    pub target: usize,
    /// Environment marker, as written.
    pub marker: Option<String>,
    /// Extras of the target it asks for.
    pub extras: Vec<String>,
}

/// Whether a marker holds in `env`; every marker holds without an
/// environment (`--all-files`), and so does one that cannot be parsed
/// (better one package too many than one missed).
pub(crate) fn marker_holds(marker: Option<&str>, env: Option<&MarkerEnvironment>) -> bool {
    marker_holds_with(marker, env, &[])
}

/// [`marker_holds`], with `extras` active (uv writes the extras and
/// groups of conflicting selections into markers as `extra ==
/// 'extra-7-project-cu118'` / `'group-7-project-dev'`).
pub(crate) fn marker_holds_with(
    marker: Option<&str>,
    env: Option<&MarkerEnvironment>,
    extras: &[ExtraName],
) -> bool {
    let (Some(marker), Some(env)) = (marker, env) else {
        return true;
    };
    crate::pep508_guard::parse_marker(marker).is_none_or(|tree| tree.evaluate(env, extras))
}

/// The packages reached from `starts` (package, extra or `None` for its
/// own dependencies), where `edges(package, extra)` lists the edges of a
/// package's dependencies (`None`) or of one of its extras.
pub(crate) fn reach(
    count: usize,
    starts: impl IntoIterator<Item = (usize, Option<String>)>,
    env: Option<&MarkerEnvironment>,
    active: &[ExtraName],
    edges: impl Fn(usize, Option<&str>) -> Vec<Edge>,
) -> Vec<bool> {
    let mut reached = vec![false; count];
    let mut seen: HashSet<(usize, Option<String>)> = HashSet::new();
    let mut queue: VecDeque<(usize, Option<String>)> = starts.into_iter().collect();
    while let Some(item) = queue.pop_front() {
        if item.0 >= count || !seen.insert(item.clone()) {
            continue;
        }
        let (package, extra) = item;
        reached[package] = true;
        for edge in edges(package, extra.as_deref()) {
            if !marker_holds_with(edge.marker.as_deref(), env, active) {
                continue;
            }
            queue.push_back((edge.target, None));
            for extra in edge.extras {
                queue.push_back((edge.target, Some(extra)));
            }
        }
    }
    reached
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(platform: crate::Platform) -> MarkerEnvironment {
        crate::marker_environment(platform, "3.12.4").expect("env")
    }

    #[test]
    fn markers_hold_or_not_by_platform() {
        let windows = env(crate::Platform::WindowsAmd64);
        let linux = env(crate::Platform::LinuxX86_64);
        let marker = Some("sys_platform == 'win32'");
        assert!(marker_holds(marker, Some(&windows)));
        assert!(!marker_holds(marker, Some(&linux)));
        assert!(marker_holds(marker, None));
        assert!(marker_holds(Some("not a marker ((("), Some(&linux)));
    }

    #[test]
    fn the_walk_follows_extras_and_skips_false_markers() {
        // 0 → 1 (win32 only), 0 → 2[x], 2[x] → 3, 4 unreachable.
        let linux = env(crate::Platform::LinuxX86_64);
        let edges = |package: usize, extra: Option<&str>| match (package, extra) {
            (0, None) => vec![
                Edge {
                    target: 1,
                    marker: Some("sys_platform == 'win32'".into()),
                    extras: vec![],
                },
                Edge {
                    target: 2,
                    marker: None,
                    extras: vec!["x".into()],
                },
            ],
            (2, Some("x")) => vec![Edge {
                target: 3,
                marker: None,
                extras: vec![],
            }],
            _ => vec![],
        };
        let reached = reach(5, [(0, None)], Some(&linux), &[], edges);
        assert_eq!(reached, [true, false, true, true, false]);
        let everywhere = reach(5, [(0, None)], None, &[], edges);
        assert_eq!(everywhere, [true, true, true, true, false]);
    }
}
