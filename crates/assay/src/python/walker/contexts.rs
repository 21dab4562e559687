//! The local call graph and the execution context (install, import,
//! runtime) it gives each function.

use std::sync::Arc;

use ruff_python_ast::{self as ast, Expr};

use super::super::ExecContext;
use super::{Walk, Walker};

/// A function (or pseudo-node) of the local call graph. `None` is the
/// module's top level.
pub(super) type Node = Option<Arc<str>>;

/// The execution context of each function of the call graph, by name.
pub(in crate::python) type Contexts = rustc_hash::FxHashMap<Arc<str>, ExecContext>;

/// The `if __name__ == "__main__":` block.
pub(super) const MAIN_NODE: &str = "<main>";

/// The callee of an edge to every method of a class (`Spy.*`).
pub(super) const EVERY_METHOD: &str = "*";

impl<'a> Walker<'a, '_> {
    /// `setup(cmdclass={"install": Hook})`: the hook's methods run at
    /// install time, whatever it subclasses.
    pub(super) fn force_cmdclass(&mut self, call: &'a ast::ExprCall) {
        let Some(cmdclass) = call
            .arguments
            .keywords
            .iter()
            .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "cmdclass"))
        else {
            return;
        };
        if let Expr::Dict(dict) = &cmdclass.value {
            for item in &dict.items {
                if let Expr::Name(n) = &item.value
                    && let Some(local) = self.lookup(n.id.as_str()).and_then(|s| s.local.clone())
                {
                    self.install_classes.push(local.clone());
                    self.out
                        .forced
                        .insert(format!("{local}.run").into(), ExecContext::Install);
                    self.out.edges.push((
                        Some(format!("{local}.run").into()),
                        format!("{local}.__init__").into(),
                    ));
                }
            }
        }
    }
}

impl Walk {
    /// The context of every function of the call graph: the most exposed
    /// context of any caller, or the context forced on it (install-command
    /// methods, build-backend hooks).
    pub(in crate::python) fn resolve(&self, top: ExecContext, main: ExecContext) -> Contexts {
        let mut contexts = self.forced.clone();
        // `Class.*`: an edge to every method of the class.
        let methods = |class: &str| -> Vec<Arc<str>> {
            self.functions
                .iter()
                .filter(|f| f.class.as_deref() == Some(class))
                .map(|f| f.name.clone())
                .collect()
        };
        let edges: Vec<(Node, Arc<str>)> = self
            .edges
            .iter()
            .flat_map(|(caller, callee)| {
                let every = callee
                    .strip_suffix(EVERY_METHOD)
                    .and_then(|c| c.strip_suffix('.'));
                let targets: Vec<Arc<str>> = match every {
                    Some(class) => methods(class),
                    None => vec![callee.clone()],
                };
                targets.into_iter().map(move |t| (caller.clone(), t))
            })
            .collect();
        loop {
            let mut changed = false;
            for (caller, callee) in &edges {
                let from = context_of(&contexts, caller, top, main);
                // Looked up before inserting: each round visits every
                // edge, and most callees are known after the first.
                match contexts.get_mut(callee) {
                    Some(entry) if from > *entry => {
                        *entry = from;
                        changed = true;
                    }
                    Some(_) => {}
                    None => {
                        // Runtime is the least context: only a caller
                        // more exposed than that changes anything.
                        changed |= from > ExecContext::Runtime;
                        contexts.insert(callee.clone(), from);
                    }
                }
            }
            if !changed {
                return contexts;
            }
        }
    }
}

/// The context of a call-graph node.
pub(in crate::python) fn context_of(
    contexts: &Contexts,
    node: &Node,
    top: ExecContext,
    main: ExecContext,
) -> ExecContext {
    match node {
        None => top,
        Some(n) if &**n == MAIN_NODE => main,
        Some(n) => contexts.get(n).copied().unwrap_or(ExecContext::Runtime),
    }
}

/// `if __name__ == "__main__":` in either order.
pub(super) fn is_main_guard(test: &Expr) -> bool {
    let Expr::Compare(c) = test else { return false };
    let [comparator] = &*c.comparators else {
        return false;
    };
    let is_name = |e: &Expr| matches!(e, Expr::Name(n) if n.id.as_str() == "__name__");
    let is_main = |e: &Expr| matches!(e, Expr::StringLiteral(s) if s.value.to_str() == "__main__");
    (is_name(&c.left) && is_main(comparator)) || (is_main(&c.left) && is_name(comparator))
}

/// setuptools / distutils command classes: their subclasses' methods run
/// while the package is built or installed.
pub(super) fn is_command_class(qual: &str) -> bool {
    qual.starts_with("setuptools.command.")
        || qual.starts_with("distutils.command.")
        || qual.starts_with("wheel.bdist_wheel")
        || matches!(
            qual,
            "setuptools.Command" | "distutils.core.Command" | "distutils.cmd.Command"
        )
}

/// PEP 517 / 660 hook names.
pub(super) fn is_backend_hook(name: &str) -> bool {
    matches!(
        name,
        "build_wheel"
            | "build_sdist"
            | "build_editable"
            | "get_requires_for_build_wheel"
            | "get_requires_for_build_sdist"
            | "get_requires_for_build_editable"
            | "prepare_metadata_for_build_wheel"
            | "prepare_metadata_for_build_editable"
    )
}
