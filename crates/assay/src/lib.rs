//! assay: static analysis of Python packages for malicious behaviour.
//!
//! The data flow is a pipeline of plain data, one module per stage:
//!
//! ```text
//! path ─artifact::open─▶ Package ─python::analyze─▶ FileAnalysis (facts)
//!                                  └─rules::check─▶ Findings ─verdict─▶ Verdict ─report─▶ text/JSON/SARIF
//! ```
//!
//! The artifact reader knows nothing of rules, rules know nothing of archives
//! or output formats, and reports know nothing of Python.

pub mod artifact;
pub mod carriers;
pub mod environment;
pub mod finding;
mod findings_cap;
pub mod flows;
pub mod python;
pub mod report;
pub mod rules;
pub mod scan;
mod schedule;
pub mod verdict;
pub mod via;
pub mod yara;

pub use artifact::{Limits, Package};
pub use finding::{Finding, Location, Severity};
pub use scan::{ArtifactReport, Scanner};
pub use schedule::WORKER_STACK_BYTES;
pub use verdict::{Verdict, VerdictLabel};
