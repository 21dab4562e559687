//! Words for taint labels in messages.

use crate::python::taint;

/// Words for what tainted data holds.
pub(crate) fn describe_taint(labels: taint::Taint) -> String {
    let labels = if labels & taint::ENV_ALL != 0 {
        labels & !taint::ENV
    } else {
        labels
    };
    let mut parts = Vec::new();
    for (label, words) in [
        (taint::SECRET, "credentials"),
        (taint::PROMPTED, "a credential the user typed"),
        (taint::METADATA, "cloud metadata"),
        (taint::ENV_ALL, "the whole environment"),
        (taint::ENV, "environment variables"),
        (taint::HOST_INFO, "host details"),
    ] {
        if labels & label != 0 {
            parts.push(words);
        }
    }
    parts.join(" and ")
}
