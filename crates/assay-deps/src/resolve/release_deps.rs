//! A release's requirements, read once per resolution and indexed by the
//! extra that turns them on.
//!
//! Each `name[extra]` virtual package asks which requirements its extra
//! adds. Evaluating every requirement's marker for every extra costs
//! requirements × extras: 100k extras that require each other cost 10^10
//! marker evaluations. A requirement only an extra turns on names that
//! extra in its marker, so requirements are indexed by the extras their
//! markers name, and each extra evaluates only the ones that name it.

use std::collections::{HashMap, HashSet};

use pep508_rs::{ExtraName, MarkerEnvironment, MarkerTree, MarkerTreeKind, MarkerValueExtra};

use crate::model::Requirement;

pub(crate) struct ReleaseDeps {
    requires: Vec<Requirement>,
    /// Requirements that apply without any extra.
    base: Vec<usize>,
    /// Requirements that apply only with some extra, by each extra their
    /// marker names.
    by_extra: HashMap<ExtraName, Vec<usize>>,
}

impl ReleaseDeps {
    pub(crate) fn new(requires: Vec<Requirement>, env: &MarkerEnvironment) -> Self {
        let mut base = Vec::new();
        let mut by_extra: HashMap<ExtraName, Vec<usize>> = HashMap::new();
        for (i, req) in requires.iter().enumerate() {
            if req.req.evaluate_markers(env, &[]) {
                base.push(i);
                continue;
            }
            for extra in extras_named(&req.req.marker) {
                by_extra.entry(extra).or_default().push(i);
            }
        }
        ReleaseDeps {
            requires,
            base,
            by_extra,
        }
    }

    /// The requirements that apply without extras.
    pub(crate) fn base(&self) -> impl Iterator<Item = &Requirement> {
        self.base.iter().map(|&i| &self.requires[i])
    }

    /// The requirements `extra` adds to the base ones.
    pub(crate) fn added_by<'s>(
        &'s self,
        extra: &ExtraName,
        env: &'s MarkerEnvironment,
    ) -> impl Iterator<Item = &'s Requirement> {
        let extras = [extra.clone()];
        self.by_extra
            .get(extra)
            .into_iter()
            .flatten()
            .map(|&i| &self.requires[i])
            .filter(move |req| req.req.evaluate_markers(env, &extras))
    }
}

/// Every extra a marker compares with: a walk over its decision diagram,
/// each node once (a diagram shares nodes; walking it as a tree could take
/// exponential time).
fn extras_named(marker: &MarkerTree) -> Vec<ExtraName> {
    let mut seen: HashSet<MarkerTree> = HashSet::new();
    let mut stack = vec![marker.clone()];
    let mut out = Vec::new();
    while let Some(node) = stack.pop() {
        if !seen.insert(node.clone()) {
            continue;
        }
        match node.kind() {
            MarkerTreeKind::True | MarkerTreeKind::False => {}
            MarkerTreeKind::Version(v) => stack.extend(v.edges().map(|(_, child)| child)),
            MarkerTreeKind::String(s) => stack.extend(s.children().map(|(_, child)| child)),
            MarkerTreeKind::In(m) => stack.extend(m.children().map(|(_, child)| child)),
            MarkerTreeKind::Contains(m) => stack.extend(m.children().map(|(_, child)| child)),
            MarkerTreeKind::Extra(e) => {
                if let MarkerValueExtra::Extra(name) = e.name() {
                    out.push(name.clone());
                }
                stack.extend(e.children().map(|(_, child)| child));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}
