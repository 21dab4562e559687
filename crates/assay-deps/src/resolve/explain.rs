//! Resolution failures in words, the way uv says them: "Because you
//! require requests==99.0 and there is no version of requests==99.0, your
//! requirements cannot be satisfied." One line, no set-theory symbols.

use pep440_rs::Version;
use pubgrub::{Derived, External, Map, Ranges, ReportFormatter, Term};

use super::provider::Pkg;

type Range = Ranges<Version>;

/// The formatter handed to pubgrub's reporter.
pub(crate) struct Explain;

/// `requests`, `requests==2.0`, `requests>=2, <3`, or words for a range no
/// version can satisfy.
fn spec(package: &Pkg, range: &Range) -> String {
    if *range == Range::full() {
        return package.to_string();
    }
    if *range == Range::empty() {
        return format!("{package} with a version range that no version satisfies");
    }
    if let Some(version) = range.as_singleton() {
        return format!("{package}=={version}");
    }
    format!("{package}{range}")
}

impl ReportFormatter<Pkg, Range, String> for Explain {
    type Output = String;

    fn format_external(&self, external: &External<Pkg, Range, String>) -> String {
        match external {
            External::NotRoot(package, version) => {
                format!("we are solving the dependencies of {package} {version}")
            }
            External::NoVersions(package, range) => {
                if *range == Range::full() {
                    format!("there is no version of {package}")
                } else {
                    format!("there is no version of {}", spec(package, range))
                }
            }
            External::Custom(package, range, why) => {
                format!(
                    "the dependencies of {} are unavailable ({why})",
                    spec(package, range)
                )
            }
            External::FromDependencyOf(Pkg::Root, _, dependency, range) => {
                format!("you require {}", spec(dependency, range))
            }
            External::FromDependencyOf(package, range, dependency, dependency_range) => {
                format!(
                    "{} depends on {}",
                    spec(package, range),
                    spec(dependency, dependency_range)
                )
            }
        }
    }

    fn format_terms(&self, terms: &Map<Pkg, Term<Range>>) -> String {
        let terms: Vec<_> = terms.iter().collect();
        match terms.as_slice() {
            [] => "version solving failed".to_owned(),
            [(Pkg::Root, _)] => "your requirements cannot be satisfied".to_owned(),
            [(package, Term::Positive(range))] => {
                format!("{} cannot be used", spec(package, range))
            }
            [(package, Term::Negative(range))] => {
                format!("{} is required", spec(package, range))
            }
            [(p1, Term::Positive(r1)), (p2, Term::Negative(r2))]
            | [(p2, Term::Negative(r2)), (p1, Term::Positive(r1))] => self.format_external(
                &External::FromDependencyOf((*p1).clone(), r1.clone(), (*p2).clone(), r2.clone()),
            ),
            slice => {
                let parts: Vec<String> = slice
                    .iter()
                    .map(|(package, term)| match term {
                        Term::Positive(range) => spec(package, range),
                        Term::Negative(range) => {
                            format!("{} excluded", spec(package, range))
                        }
                    })
                    .collect();
                format!("{} cannot be used together", parts.join(", "))
            }
        }
    }

    fn explain_both_external(
        &self,
        external1: &External<Pkg, Range, String>,
        external2: &External<Pkg, Range, String>,
        current_terms: &Map<Pkg, Term<Range>>,
    ) -> String {
        format!(
            "Because {} and {}, {}.",
            self.format_external(external1),
            self.format_external(external2),
            self.format_terms(current_terms)
        )
    }

    fn explain_both_ref(
        &self,
        ref_id1: usize,
        derived1: &Derived<Pkg, Range, String>,
        ref_id2: usize,
        derived2: &Derived<Pkg, Range, String>,
        current_terms: &Map<Pkg, Term<Range>>,
    ) -> String {
        format!(
            "Because {} ({ref_id1}) and {} ({ref_id2}), {}.",
            self.format_terms(&derived1.terms),
            self.format_terms(&derived2.terms),
            self.format_terms(current_terms)
        )
    }

    fn explain_ref_and_external(
        &self,
        ref_id: usize,
        derived: &Derived<Pkg, Range, String>,
        external: &External<Pkg, Range, String>,
        current_terms: &Map<Pkg, Term<Range>>,
    ) -> String {
        format!(
            "Because {} ({ref_id}) and {}, {}.",
            self.format_terms(&derived.terms),
            self.format_external(external),
            self.format_terms(current_terms)
        )
    }

    fn and_explain_external(
        &self,
        external: &External<Pkg, Range, String>,
        current_terms: &Map<Pkg, Term<Range>>,
    ) -> String {
        format!(
            "And because {}, {}.",
            self.format_external(external),
            self.format_terms(current_terms)
        )
    }

    fn and_explain_ref(
        &self,
        ref_id: usize,
        derived: &Derived<Pkg, Range, String>,
        current_terms: &Map<Pkg, Term<Range>>,
    ) -> String {
        format!(
            "And because {} ({ref_id}), {}.",
            self.format_terms(&derived.terms),
            self.format_terms(current_terms)
        )
    }

    fn and_explain_prior_and_external(
        &self,
        prior_external: &External<Pkg, Range, String>,
        external: &External<Pkg, Range, String>,
        current_terms: &Map<Pkg, Term<Range>>,
    ) -> String {
        format!(
            "And because {} and {}, {}.",
            self.format_external(prior_external),
            self.format_external(external),
            self.format_terms(current_terms)
        )
    }
}
