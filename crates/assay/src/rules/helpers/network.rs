//! Network calls: which ones only configure a client.

use crate::python::QualName;

/// `httpx.Client(proxy=...)`, `requests.Session()`: configuring a client
/// sends nothing; the data shows up again at the call that does.
pub(crate) fn is_constructor(name: &QualName) -> bool {
    name.final_name()
        .is_some_and(|last| last.starts_with(|c: char| c.is_ascii_uppercase()))
}
