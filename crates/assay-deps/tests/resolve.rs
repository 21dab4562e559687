//! Resolution against an in-memory package source.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::Path;

use assay_deps::pep440_rs::Version;
use assay_deps::pep508_rs::{MarkerEnvironment, PackageName};
use assay_deps::{
    Candidate, DistDeps, Origin, PackageSource, Platform, Requirement, Resolution, ResolveError,
    ResolveOptions, Resolved, Source, SourceError, marker_environment, resolve,
};

/// One fake release.
struct Release {
    version: &'static str,
    deps: Option<Vec<&'static str>>,
    yanked: bool,
    requires_python: Option<&'static str>,
}

fn rel(version: &'static str, deps: &[&'static str]) -> Release {
    Release {
        version,
        deps: Some(deps.to_vec()),
        yanked: false,
        requires_python: None,
    }
}

#[derive(Default)]
struct Fake {
    packages: HashMap<String, Vec<Release>>,
    lookups: Cell<usize>,
    /// `name version` of every dependency look-up, in order.
    looked_up: RefCell<Vec<String>>,
}

impl Fake {
    fn with(mut self, name: &str, releases: Vec<Release>) -> Self {
        self.packages.insert(name.to_string(), releases);
        self
    }
}

fn requirement(text: &str, line: usize) -> Requirement {
    Requirement {
        req: text.parse().expect("valid requirement"),
        hashes: Vec::new(),
        origin: Origin::new("requirements.txt", line),
        source: Source::Index,
    }
}

impl PackageSource for Fake {
    fn versions(&self, name: &PackageName) -> Result<Vec<Candidate>, SourceError> {
        let releases = self
            .packages
            .get(name.as_ref())
            .ok_or_else(|| SourceError::NotFound(name.to_string()))?;
        Ok(releases
            .iter()
            .map(|r| Candidate {
                version: r.version.parse().expect("version"),
                yanked: r.yanked,
                requires_python: r.requires_python.map(|s| s.parse().expect("specifiers")),
            })
            .collect())
    }

    fn dependencies(&self, name: &PackageName, version: &Version) -> Result<DistDeps, SourceError> {
        self.lookups.set(self.lookups.get() + 1);
        self.looked_up
            .borrow_mut()
            .push(format!("{name} {version}"));
        let releases = self
            .packages
            .get(name.as_ref())
            .ok_or_else(|| SourceError::NotFound(name.to_string()))?;
        let release = releases
            .iter()
            .find(|r| r.version.parse::<Version>().ok().as_ref() == Some(version))
            .ok_or_else(|| SourceError::Other(format!("no {name} {version}")))?;
        Ok(match &release.deps {
            Some(deps) => DistDeps::known(
                deps.iter()
                    .enumerate()
                    .map(|(i, d)| {
                        // `name @ url` is a direct URL dependency, as the
                        // metadata reader returns it: the URL in `source`.
                        let (spec, source) = match d.split_once(" @ ") {
                            Some((name, url)) => (name, Source::Url(url.to_string())),
                            None => (*d, Source::Index),
                        };
                        Requirement {
                            req: spec.parse().expect("valid dependency"),
                            hashes: Vec::new(),
                            origin: Origin::new(Path::new("METADATA"), i + 1),
                            source,
                        }
                    })
                    .collect(),
            ),
            None => DistDeps::unknown("setup.py: install_requires is computed by a call"),
        })
    }
}

fn env() -> MarkerEnvironment {
    marker_environment(Platform::LinuxX86_64, "3.12.4").expect("environment")
}

fn run(
    fake: &Fake,
    roots: &[&str],
    constraints: &[&str],
    opts: ResolveOptions,
) -> Result<Vec<(String, String)>, ResolveError> {
    let roots: Vec<_> = roots
        .iter()
        .enumerate()
        .map(|(i, r)| requirement(r, i + 1))
        .collect();
    let constraints: Vec<_> = constraints.iter().map(|r| requirement(r, 1)).collect();
    let resolution = resolve(&roots, &constraints, &env(), fake, opts)?;
    Ok(resolution
        .packages
        .iter()
        .map(|p| (p.name.to_string(), p.version.to_string()))
        .collect())
}

/// The resolved package `name`.
fn package<'a>(resolution: &'a Resolution, name: &str) -> &'a Resolved {
    resolution
        .packages
        .iter()
        .find(|p| p.name.as_ref() == name)
        .unwrap_or_else(|| panic!("{name} is not in the resolution"))
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn transitive_highest_versions_with_chains() {
    let fake = Fake::default()
        .with(
            "app",
            vec![rel("1.0", &["lib>=1"]), rel("2.0", &["lib>=2", "util"])],
        )
        .with(
            "lib",
            vec![
                rel("1.5", &[]),
                rel("2.1", &["util<2"]),
                rel("3.0", &["util>=5"]),
            ],
        )
        .with(
            "util",
            vec![rel("1.0", &[]), rel("1.9", &[]), rel("2.0", &[])],
        );
    let roots = [requirement("app", 3)];
    let resolution =
        resolve(&roots, &[], &env(), &fake, ResolveOptions::default()).expect("resolves");
    let got: Vec<_> = resolution
        .packages
        .iter()
        .map(|p| (p.name.to_string(), p.version.to_string()))
        .collect();
    // lib 3.0 needs util>=5, which does not exist: backtrack to lib 2.1.
    assert_eq!(
        got,
        pairs(&[("app", "2.0"), ("lib", "2.1"), ("util", "1.9")])
    );
    let util = &resolution.packages[2];
    assert_eq!(
        util.via[0],
        vec![
            "requirements.txt:3 app".to_string(),
            "app 2.0 requires util".to_string()
        ]
    );
    assert!(
        util.via
            .iter()
            .any(|chain| chain.len() == 3 && chain[2] == "lib 2.1 requires util<2"),
        "{:?}",
        util.via
    );
}

#[test]
fn extras_pull_only_their_requirements() {
    let fake = Fake::default()
        .with(
            "web",
            vec![rel(
                "1.0",
                &[
                    "core",
                    "socks ; extra == 'proxy'",
                    "never ; extra == 'other'",
                ],
            )],
        )
        .with("core", vec![rel("1.0", &[])])
        .with("socks", vec![rel("0.5", &[])]);
    let got = run(&fake, &["web[proxy]"], &[], ResolveOptions::default()).expect("resolves");
    assert_eq!(
        got,
        pairs(&[("core", "1.0"), ("socks", "0.5"), ("web", "1.0")])
    );
    let got = run(&fake, &["web"], &[], ResolveOptions::default()).expect("resolves");
    assert_eq!(got, pairs(&[("core", "1.0"), ("web", "1.0")]));
}

#[test]
fn markers_use_the_environment() {
    let fake = Fake::default()
        .with(
            "tool",
            vec![rel(
                "1.0",
                &[
                    "pywin32 ; sys_platform == 'win32'",
                    "uvloop ; sys_platform == 'linux'",
                    "tomli ; python_version < '3.11'",
                ],
            )],
        )
        .with("uvloop", vec![rel("0.19", &[])]);
    let got = run(
        &fake,
        &["tool", "pywin32 ; os_name == 'nt'"],
        &[],
        ResolveOptions::default(),
    )
    .expect("resolves");
    assert_eq!(got, pairs(&[("tool", "1.0"), ("uvloop", "0.19")]));
}

#[test]
fn constraints_restrict_but_do_not_add() {
    let fake = Fake::default()
        .with("a", vec![rel("1.0", &["b"])])
        .with("b", vec![rel("1.0", &[]), rel("2.0", &[])])
        .with("c", vec![rel("1.0", &[])]);
    let got = run(&fake, &["a"], &["b<2", "c==1.0"], ResolveOptions::default()).expect("resolves");
    assert_eq!(got, pairs(&[("a", "1.0"), ("b", "1.0")]));
}

#[test]
fn yanked_only_when_pinned() {
    let mut yanked = rel("2.0", &[]);
    yanked.yanked = true;
    let fake = Fake::default().with("p", vec![rel("1.0", &[]), yanked]);
    assert_eq!(
        run(&fake, &["p"], &[], ResolveOptions::default()).expect("resolves"),
        pairs(&[("p", "1.0")])
    );
    assert_eq!(
        run(&fake, &["p==2.0"], &[], ResolveOptions::default()).expect("resolves"),
        pairs(&[("p", "2.0")])
    );
}

#[test]
fn requires_python_excludes_releases() {
    let mut new = rel("2.0", &[]);
    new.requires_python = Some(">=3.13");
    let fake = Fake::default().with("p", vec![rel("1.0", &[]), new]);
    assert_eq!(
        run(&fake, &["p"], &[], ResolveOptions::default()).expect("resolves"),
        pairs(&[("p", "1.0")])
    );
}

#[test]
fn prereleases_only_when_asked_or_only_choice() {
    let fake = Fake::default()
        .with("p", vec![rel("1.0", &[]), rel("2.0b1", &[])])
        .with("q", vec![rel("0.1a1", &[]), rel("0.1a2", &[])]);
    assert_eq!(
        run(&fake, &["p"], &[], ResolveOptions::default()).expect("resolves"),
        pairs(&[("p", "1.0")])
    );
    assert_eq!(
        run(&fake, &["p>=2.0b1"], &[], ResolveOptions::default()).expect("resolves"),
        pairs(&[("p", "2.0b1")])
    );
    let pre = ResolveOptions {
        prereleases: true,
        ..ResolveOptions::default()
    };
    assert_eq!(
        run(&fake, &["p"], &[], pre).expect("resolves"),
        pairs(&[("p", "2.0b1")])
    );
    assert_eq!(
        run(&fake, &["q"], &[], ResolveOptions::default()).expect("resolves"),
        pairs(&[("q", "0.1a2")])
    );
}

#[test]
fn a_missing_version_is_explained_in_words() {
    let fake = Fake::default().with("requests", vec![rel("2.0", &[])]);
    let text = run(&fake, &["requests==99.0"], &[], ResolveOptions::default())
        .expect_err("no such version")
        .to_string();
    assert!(
        text.contains("there is no version of requests==99.0")
            && text.contains("you require requests==99.0")
            && text.contains("your requirements cannot be satisfied"),
        "{text}"
    );
    // An empty range is said in words, not as a set symbol.
    let text = run(&fake, &["requests>=2,<1"], &[], ResolveOptions::default())
        .expect_err("empty range")
        .to_string();
    assert!(!text.contains('∅') && !text.contains('\n'), "{text}");
    assert!(text.contains("requests"), "{text}");
}

#[test]
fn conflicts_are_explained() {
    let fake = Fake::default()
        .with("a", vec![rel("1.0", &["shared<2"])])
        .with("b", vec![rel("1.0", &["shared>=2"])])
        .with("shared", vec![rel("1.0", &[]), rel("2.0", &[])]);
    let err = run(&fake, &["a", "b"], &[], ResolveOptions::default()).expect_err("conflict");
    let text = err.to_string();
    assert!(matches!(err, ResolveError::Conflict(_)));
    assert!(text.contains("cannot be satisfied"), "{text}");
    assert!(
        text.contains("a==1.0 depends on shared<2") && !text.contains("requirements 0"),
        "{text}"
    );
    assert!(!text.contains('\n') && !text.contains('∅'), "{text}");
    assert!(
        text.contains("shared") && text.contains('a') && text.contains('b'),
        "{text}"
    );
}

#[test]
fn unknown_names_are_named() {
    let fake = Fake::default().with("a", vec![rel("1.0", &["ghost>=1"])]);
    let err = run(&fake, &["a"], &[], ResolveOptions::default()).expect_err("unknown");
    match err {
        ResolveError::UnknownPackage { name, required_by } => {
            assert_eq!(name, "ghost");
            assert_eq!(required_by, "a 1.0 requires ghost>=1");
        }
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn unknown_dependencies_are_kept_and_noted() {
    let fake = Fake::default()
        .with("a", vec![rel("1.0", &["sdistonly"])])
        .with(
            "sdistonly",
            vec![Release {
                version: "0.3",
                deps: None,
                yanked: false,
                requires_python: None,
            }],
        );
    let roots = [requirement("a", 1)];
    let resolution =
        resolve(&roots, &[], &env(), &fake, ResolveOptions::default()).expect("resolves");
    let sdist = package(&resolution, "sdistonly");
    assert_eq!(sdist.version.to_string(), "0.3");
    assert!(
        sdist
            .deps_note
            .as_deref()
            .is_some_and(|n| n.contains("could not be determined statically"))
    );
}

#[test]
fn cycles_resolve() {
    let fake = Fake::default()
        .with("x", vec![rel("1.0", &["y"])])
        .with("y", vec![rel("1.0", &["x", "y[extra]"])]);
    let got = run(&fake, &["x"], &[], ResolveOptions::default()).expect("resolves");
    assert_eq!(got, pairs(&[("x", "1.0"), ("y", "1.0")]));
}

#[test]
fn no_deps_resolves_only_roots() {
    let fake = Fake::default()
        .with("a", vec![rel("1.0", &["b"]), rel("1.1", &["b"])])
        .with("b", vec![rel("1.0", &[])]);
    let opts = ResolveOptions {
        no_deps: true,
        ..ResolveOptions::default()
    };
    assert_eq!(
        run(&fake, &["a"], &[], opts).expect("resolves"),
        pairs(&[("a", "1.1")])
    );
    assert_eq!(fake.lookups.get(), 0);
}

#[test]
fn direct_roots_are_not_resolved() {
    let fake = Fake::default().with("a", vec![rel("1.0", &["local"])]);
    let mut local = requirement("local", 2);
    local.source = Source::LocalPath("./local".into());
    let roots = [requirement("a", 1), local];
    let resolution =
        resolve(&roots, &[], &env(), &fake, ResolveOptions::default()).expect("resolves");
    assert_eq!(resolution.packages.len(), 1);
    assert_eq!(resolution.direct.len(), 1);
}

#[test]
fn marker_environments() {
    let win = marker_environment(Platform::WindowsAmd64, "3.11.9").expect("env");
    let req: assay_deps::pep508_rs::Requirement =
        "x ; sys_platform == 'win32' and python_version == '3.11' and platform_machine == 'AMD64'"
            .parse()
            .expect("requirement");
    assert!(req.evaluate_markers(&win, &[]));
    assert!(!req.evaluate_markers(&env(), &[]));
    assert!(marker_environment(Platform::LinuxX86_64, "three").is_err());
    assert!(assay_deps::host_marker_environment("3.12.0").is_ok());
}

#[test]
fn url_dependencies_of_chosen_releases_are_warned_about() {
    // app 2.0 is tried first (highest) and abandoned (lib<2 is required):
    // its URL dependency must not be reported, app 1.0's must.
    let fake = Fake::default()
        .with(
            "app",
            vec![
                rel(
                    "1.0",
                    &["lib", "side @ https://files.example/side-1.0.tar.gz"],
                ),
                rel(
                    "2.0",
                    &["lib>=2", "other @ https://files.example/other-2.0.tar.gz"],
                ),
            ],
        )
        .with("lib", vec![rel("1.0", &[]), rel("2.0", &[])]);
    let roots = [requirement("app", 1), requirement("lib<2", 2)];
    let resolution =
        resolve(&roots, &[], &env(), &fake, ResolveOptions::default()).expect("resolves");
    assert!(
        fake.looked_up.borrow().contains(&"app 2.0".to_string()),
        "app 2.0 must have been tried for this test to mean anything: {:?}",
        fake.looked_up.borrow()
    );
    assert_eq!(
        resolution.warnings,
        [
            "app 1.0 requires side @ https://files.example/side-1.0.tar.gz: a direct URL or path dependency, not resolved from the index"
        ]
    );
    let app = package(&resolution, "app");
    assert_eq!(app.version.to_string(), "1.0");
    assert_eq!(app.warnings, resolution.warnings);
    let lib = package(&resolution, "lib");
    assert!(lib.warnings.is_empty());
    // The URL dependency is not resolved: no package `side`.
    assert!(
        resolution
            .packages
            .iter()
            .all(|p| p.name.as_ref() != "side")
    );
}

/// A generated string that lives as long as the test (the fake source
/// holds `&'static str` dependencies).
fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// Issue 12: 100k constraints on one name took close to a minute: each
/// `!=` was intersected into a range that grew by one hole each time.
/// Ranges are now intersected as a balanced tree. The answer must skip
/// every excluded version.
#[test]
fn hundred_thousand_constraints_on_one_name() {
    let fake = Fake::default().with(
        "foo",
        vec![rel("3.0", &[]), rel("2.0", &[]), rel("1.0", &[])],
    );
    let mut constraints: Vec<String> = (0..100_000).map(|i| format!("foo!=0.{i}")).collect();
    constraints.push("foo!=3.0".to_string());
    let constraints: Vec<&str> = constraints.iter().map(String::as_str).collect();
    let got = run(&fake, &["foo"], &constraints, ResolveOptions::default()).expect("resolves");
    assert_eq!(got, pairs(&[("foo", "2.0")]));

    // The same as 100k requirements of the user's, one of them `!=2.0`.
    let mut roots: Vec<String> = (0..100_000).map(|i| format!("foo!=0.{i}")).collect();
    roots.insert(50_000, "foo!=2.0".to_string());
    let roots: Vec<&str> = roots.iter().map(String::as_str).collect();
    let got = run(&fake, &roots, &constraints, ResolveOptions::default()).expect("resolves");
    assert_eq!(got, pairs(&[("foo", "1.0")]));
}

/// Issue 12: 100k extras that require each other took close to a minute:
/// every extra evaluated the markers of every requirement of the release.
/// Requirements are now indexed by the extras their markers name. A chain
/// of 40,000 extras (below the look-up limit) ends in a dependency that
/// must be resolved.
#[test]
fn hundred_thousand_self_referencing_extras() {
    const CHAIN: usize = 40_000;
    let mut deps: Vec<&'static str> = (0..CHAIN)
        .map(|i| leak(format!("foo[e{}] ; extra == 'e{i}'", i + 1)))
        .collect();
    deps.push(leak(format!("bar>=2 ; extra == 'e{CHAIN}'")));
    deps.push("base-dep");
    let fake = Fake::default()
        .with("foo", vec![rel("1.0", &deps)])
        .with("bar", vec![rel("1.0", &[]), rel("2.5", &[])])
        .with("base-dep", vec![rel("0.1", &[])]);
    let roots = [requirement("foo[e0]", 1)];
    let resolution =
        resolve(&roots, &[], &env(), &fake, ResolveOptions::default()).expect("resolves");
    assert_eq!(package(&resolution, "bar").version.to_string(), "2.5");
    package(&resolution, "base-dep");
    let foo = package(&resolution, "foo");
    assert_eq!(foo.extras.len(), CHAIN + 1);
    // Each release's requirements are read once, not once per extra.
    assert_eq!(
        fake.looked_up
            .borrow()
            .iter()
            .filter(|l| *l == "foo 1.0")
            .count(),
        1
    );
}

/// An extra's requirement with a compound marker is still found through
/// the extra it names, and only when the rest of the marker holds.
#[test]
fn extras_with_compound_markers() {
    let fake = Fake::default()
        .with(
            "foo",
            vec![rel(
                "1.0",
                &[
                    "yes ; extra == 'x' and python_version >= '3'",
                    "no ; extra == 'x' and python_version < '3'",
                    "either ; extra == 'y' or extra == 'X'",
                    "other ; extra == 'z'",
                ],
            )],
        )
        .with("yes", vec![rel("1.0", &[])])
        .with("no", vec![rel("1.0", &[])])
        .with("either", vec![rel("1.0", &[])])
        .with("other", vec![rel("1.0", &[])]);
    let got = run(&fake, &["foo[x]"], &[], ResolveOptions::default()).expect("resolves");
    assert_eq!(
        got,
        pairs(&[("either", "1.0"), ("foo", "1.0"), ("yes", "1.0")])
    );
}
