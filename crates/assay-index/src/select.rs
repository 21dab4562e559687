//! Which files of a release to scan: the host platform, its compatible
//! wheel tags in pip's priority order, and the selection policy.
//!
//! Default selection: every sdist of the version, the best-ranked wheel
//! for this platform (what pip would install), and every pure-Python
//! (`none-any`) wheel. `all_files` takes every file of the version.
//! Files with the same SHA-256 are taken once. Yanked files are skipped
//! unless [`Selection::include_yanked`] is set (an exact pin).

use std::collections::{BTreeSet, HashMap};
use std::process::Command;

use pep440_rs::Version;

use crate::dist::{DistFile, DistKind, Tag};

/// Operating system family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Os {
    /// Linux.
    Linux,
    /// macOS, with its version when known.
    MacOs {
        /// (major, minor), e.g. (14, 2).
        version: Option<(u16, u16)>,
    },
    /// Windows.
    Windows,
    /// Anything else (`std::env::consts::OS`).
    Other(String),
}

/// The C library of a Linux host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Libc {
    /// glibc major.minor.
    Glibc(u16, u16),
    /// musl major.minor.
    Musl(u16, u16),
    /// Not known (not Linux, or detection failed).
    Unknown,
}

/// What wheels can run here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    /// Operating system.
    pub os: Os,
    /// Wheel-style architecture (`x86_64`, `aarch64`, `i686`, `armv7l`, ...).
    pub arch: String,
    /// C library (Linux).
    pub libc: Libc,
}

impl Platform {
    /// The platform this process runs on. The glibc version comes from
    /// `getconf GNU_LIBC_VERSION`, musl from `ldd --version`; macOS's from
    /// `sw_vers -productVersion`.
    pub fn host() -> Platform {
        let arch = match std::env::consts::ARCH {
            "x86" => "i686",
            "arm" => "armv7l",
            "powerpc64" if cfg!(target_endian = "little") => "ppc64le",
            other => other,
        }
        .to_owned();
        let os = match std::env::consts::OS {
            "linux" => Os::Linux,
            "macos" => Os::MacOs {
                version: command_output("sw_vers", &["-productVersion"])
                    .and_then(|s| parse_major_minor(s.trim())),
            },
            "windows" => Os::Windows,
            other => Os::Other(other.to_owned()),
        };
        let libc = if os == Os::Linux {
            detect_libc()
        } else {
            Libc::Unknown
        };
        Platform { os, arch, libc }
    }

    /// Platform tags, most specific first (pip's order).
    pub fn platform_tags(&self) -> Vec<String> {
        let arch = self.arch.as_str();
        match &self.os {
            Os::Linux => {
                let mut out = Vec::new();
                if let Libc::Glibc(2, minor) = self.libc {
                    let floor = if matches!(arch, "x86_64" | "i686") {
                        4
                    } else {
                        16
                    };
                    for m in (floor + 1..=minor).rev() {
                        out.push(format!("manylinux_2_{m}_{arch}"));
                        let legacy = match (m, arch) {
                            (
                                17,
                                "x86_64" | "i686" | "aarch64" | "armv7l" | "ppc64" | "ppc64le"
                                | "s390x",
                            ) => Some("manylinux2014"),
                            (12, "x86_64" | "i686") => Some("manylinux2010"),
                            (5, "x86_64" | "i686") => Some("manylinux1"),
                            _ => None,
                        };
                        if let Some(l) = legacy {
                            out.push(format!("{l}_{arch}"));
                        }
                    }
                }
                if let Libc::Musl(1, minor) = self.libc {
                    for m in (0..=minor).rev() {
                        out.push(format!("musllinux_1_{m}_{arch}"));
                    }
                }
                out.push(format!("linux_{arch}"));
                out
            }
            Os::MacOs { version } => {
                let formats: &[&str] = match arch {
                    "x86_64" => &[
                        "x86_64",
                        "intel",
                        "fat64",
                        "fat32",
                        "universal2",
                        "universal",
                    ],
                    "aarch64" | "arm64" => &["arm64", "universal2"],
                    _ => &["universal"],
                };
                let (major, minor) = version.unwrap_or((10, 16));
                let mut out = Vec::new();
                for maj in (11..=major).rev() {
                    for f in formats {
                        out.push(format!("macosx_{maj}_0_{f}"));
                    }
                }
                let top = if major >= 11 { 16 } else { minor };
                for min in (4..=top).rev() {
                    for f in formats {
                        out.push(format!("macosx_10_{min}_{f}"));
                    }
                }
                out
            }
            Os::Windows => vec![match arch {
                "x86_64" => "win_amd64".to_owned(),
                "aarch64" => "win_arm64".to_owned(),
                _ => "win32".to_owned(),
            }],
            Os::Other(os) => vec![format!("{os}_{arch}")],
        }
    }
}

fn command_output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push('\n');
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    Some(text)
}

fn parse_major_minor(s: &str) -> Option<(u16, u16)> {
    let mut it = s.split('.');
    let major = it.next()?.trim().parse().ok()?;
    let minor = it
        .next()
        .map(|m| {
            m.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    Some((major, minor))
}

fn detect_libc() -> Libc {
    if let Some(out) = command_output("getconf", &["GNU_LIBC_VERSION"])
        && let Some(v) = out.split_whitespace().skip_while(|w| *w != "glibc").nth(1)
        && let Some((a, b)) = parse_major_minor(v)
    {
        return Libc::Glibc(a, b);
    }
    if let Some(out) = command_output("ldd", &["--version"])
        && let Some(l) = parse_libc_from_ldd(&out)
    {
        return l;
    }
    Libc::Unknown
}

/// Reads `ldd --version` output (glibc or musl).
fn parse_libc_from_ldd(out: &str) -> Option<Libc> {
    let lower = out.to_ascii_lowercase();
    if lower.contains("musl") {
        let v = out
            .lines()
            .find_map(|l| l.trim().strip_prefix("Version "))?;
        let (a, b) = parse_major_minor(v)?;
        return Some(Libc::Musl(a, b));
    }
    let first = out.lines().next()?;
    let v = first.split_whitespace().last()?;
    let (a, b) = parse_major_minor(v)?;
    Some(Libc::Glibc(a, b))
}

/// Compatible wheel tags for CPython `python` (major, minor) on `platform`,
/// in pip's priority order (as `packaging.tags.sys_tags` yields them).
pub fn compatible_tags(python: (u8, u8), platform: &Platform) -> Vec<Tag> {
    let (major, minor) = python;
    let plats = platform.platform_tags();
    let interp = format!("cp{major}{minor}");
    let mut tags = Vec::new();
    for p in &plats {
        tags.push(Tag::new(&interp, &interp, p));
    }
    let abi3 = major == 3 && minor >= 2;
    if abi3 {
        for p in &plats {
            tags.push(Tag::new(&interp, "abi3", p));
        }
    }
    for p in &plats {
        tags.push(Tag::new(&interp, "none", p));
    }
    if abi3 {
        for m in (2..minor).rev() {
            for p in &plats {
                tags.push(Tag::new(&format!("cp{major}{m}"), "abi3", p));
            }
        }
    }
    let mut py_versions = vec![format!("py{major}{minor}"), format!("py{major}")];
    py_versions.extend((0..minor).rev().map(|m| format!("py{major}{m}")));
    for v in &py_versions {
        for p in &plats {
            tags.push(Tag::new(v, "none", p));
        }
    }
    tags.push(Tag::new(&interp, "none", "any"));
    for v in &py_versions {
        tags.push(Tag::new(v, "none", "any"));
    }
    tags
}

/// Options of [`select_files`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Selection {
    /// Every file of the version, not just the default set.
    pub all_files: bool,
    /// Keep yanked files (set when the user pinned this version exactly).
    pub include_yanked: bool,
}

/// Picks the files of `version` to scan (see the module documentation).
pub fn select_files<'a>(
    files: &'a [DistFile],
    version: &Version,
    tags: &[Tag],
    selection: Selection,
) -> Vec<&'a DistFile> {
    let candidates: Vec<&DistFile> = files
        .iter()
        .filter(|f| f.version.as_ref() == Some(version))
        .filter(|f| selection.include_yanked || f.yanked.is_none())
        .collect();
    let chosen: Vec<&DistFile> = if selection.all_files {
        candidates
    } else {
        let rank: HashMap<&Tag, usize> = tags.iter().enumerate().map(|(i, t)| (t, i)).collect();
        let best = candidates
            .iter()
            .filter_map(|f| match &f.kind {
                DistKind::Wheel { tags: wt, .. } => wt
                    .iter()
                    .filter_map(|t| rank.get(t))
                    .min()
                    .map(|r| (*r, *f)),
                _ => None,
            })
            .min_by_key(|(r, _)| *r)
            .map(|(_, f)| f);
        let mut out: Vec<&DistFile> = candidates
            .iter()
            .copied()
            .filter(|f| f.kind == DistKind::Sdist)
            .collect();
        out.extend(best);
        out.extend(
            candidates
                .iter()
                .copied()
                .filter(|f| f.kind.is_pure_wheel()),
        );
        out
    };
    let mut seen = BTreeSet::new();
    chosen
        .into_iter()
        .filter(|f| {
            seen.insert(
                f.sha256()
                    .map_or_else(|| format!("url:{}", f.url), |s| format!("sha256:{s}")),
            )
        })
        .collect()
}

/// The newest version among `files`: final releases unless
/// `include_prereleases` (or unless there are only pre-releases), ignoring
/// versions whose files are all yanked.
pub fn latest_version(files: &[DistFile], include_prereleases: bool) -> Option<Version> {
    let versions: BTreeSet<&Version> = files
        .iter()
        .filter(|f| f.yanked.is_none())
        .filter_map(|f| f.version.as_ref())
        .collect();
    let pick = |pre: bool| {
        versions
            .iter()
            .rev()
            .find(|v| pre || !(v.any_prerelease()))
            .map(|v| (*v).clone())
    };
    pick(include_prereleases).or_else(|| pick(true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::{MetadataAvailability, parse_filename};
    use std::collections::BTreeMap;
    use std::str::FromStr;

    fn linux(glibc: u16) -> Platform {
        Platform {
            os: Os::Linux,
            arch: "x86_64".into(),
            libc: Libc::Glibc(2, glibc),
        }
    }

    fn file(name: &str, sha: &str) -> DistFile {
        let p = parse_filename(name, "demo");
        DistFile {
            filename: name.into(),
            url: format!("https://mirror.example/f/{name}"),
            hashes: BTreeMap::from([("sha256".to_owned(), sha.to_owned())]),
            requires_python: None,
            yanked: None,
            core_metadata: MetadataAvailability::Unavailable,
            upload_time: None,
            size: None,
            version: p.version,
            kind: p.kind,
        }
    }

    #[test]
    fn tags_follow_pips_order() {
        let tags = compatible_tags((3, 12), &linux(28));
        let pos = |s: &str| {
            tags.iter()
                .position(|t| t.to_string() == s)
                .unwrap_or(usize::MAX)
        };
        assert_eq!(tags[0].to_string(), "cp312-cp312-manylinux_2_28_x86_64");
        assert!(pos("cp312-cp312-manylinux_2_17_x86_64") < pos("cp312-cp312-manylinux2014_x86_64"));
        assert!(pos("cp312-cp312-manylinux2014_x86_64") < pos("cp312-cp312-manylinux_2_16_x86_64"));
        assert!(pos("cp312-cp312-manylinux1_x86_64") < pos("cp312-cp312-linux_x86_64"));
        assert!(pos("cp312-cp312-linux_x86_64") < pos("cp312-abi3-manylinux_2_28_x86_64"));
        assert!(pos("cp312-abi3-linux_x86_64") < pos("cp312-none-manylinux_2_28_x86_64"));
        assert!(pos("cp311-abi3-manylinux_2_17_x86_64") < pos("py312-none-manylinux_2_28_x86_64"));
        assert!(pos("cp312-none-any") < pos("py3-none-any"));
        assert_eq!(
            tags.last().map(ToString::to_string).as_deref(),
            Some("py30-none-any")
        );
        assert_eq!(pos("cp312-cp312-manylinux_2_29_x86_64"), usize::MAX);
        assert_eq!(pos("cp312-cp312-manylinux_2_4_x86_64"), usize::MAX);
        let musl = Platform {
            os: Os::Linux,
            arch: "aarch64".into(),
            libc: Libc::Musl(1, 2),
        };
        assert_eq!(
            musl.platform_tags(),
            vec![
                "musllinux_1_2_aarch64",
                "musllinux_1_1_aarch64",
                "musllinux_1_0_aarch64",
                "linux_aarch64"
            ]
        );
    }

    #[test]
    fn reads_ldd_output() {
        assert_eq!(
            parse_libc_from_ldd("musl libc (x86_64)\nVersion 1.2.4\n"),
            Some(Libc::Musl(1, 2))
        );
        assert_eq!(
            parse_libc_from_ldd("ldd (Debian GLIBC 2.36-9) 2.36\nCopyright"),
            Some(Libc::Glibc(2, 36))
        );
    }

    #[test]
    fn selects_sdist_best_wheel_and_pure_wheels() {
        let files = vec![
            file("demo-1.0.tar.gz", &"a".repeat(64)),
            file(
                "demo-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                &"b".repeat(64),
            ),
            file(
                "demo-1.0-cp312-cp312-manylinux_2_28_x86_64.whl",
                &"c".repeat(64),
            ),
            file("demo-1.0-cp312-cp312-win_amd64.whl", &"d".repeat(64)),
            file("demo-1.0-py3-none-any.whl", &"e".repeat(64)),
            file("demo-1.0.zip", &"a".repeat(64)),
            file("demo-0.9.tar.gz", &"f".repeat(64)),
        ];
        let v = Version::from_str("1.0").expect("version");
        let tags = compatible_tags((3, 12), &linux(31));
        let names =
            |sel: Vec<&DistFile>| sel.iter().map(|f| f.filename.clone()).collect::<Vec<_>>();
        let picked = names(select_files(&files, &v, &tags, Selection::default()));
        // The pure wheel ranks below the native one, so it is in through the pure rule.
        assert_eq!(
            picked,
            vec![
                "demo-1.0.tar.gz",
                "demo-1.0-cp312-cp312-manylinux_2_28_x86_64.whl",
                "demo-1.0-py3-none-any.whl"
            ]
        );
        let all = select_files(
            &files,
            &v,
            &tags,
            Selection {
                all_files: true,
                include_yanked: false,
            },
        );
        assert_eq!(all.len(), 5, "same sha256 once: {:?}", names(all));

        let mut yanked = files.clone();
        for f in &mut yanked {
            f.yanked = Some("bad".into());
        }
        assert!(select_files(&yanked, &v, &tags, Selection::default()).is_empty());
        let pinned = select_files(
            &yanked,
            &v,
            &tags,
            Selection {
                all_files: false,
                include_yanked: true,
            },
        );
        assert_eq!(pinned.len(), 3);
    }

    #[test]
    fn latest_skips_prereleases_and_yanked() {
        let mut files = vec![
            file("demo-1.0.tar.gz", "1"),
            file("demo-2.0b1.tar.gz", "2"),
            file("demo-1.5.tar.gz", "3"),
        ];
        files[2].yanked = Some(String::new());
        assert_eq!(latest_version(&files, false), Version::from_str("1.0").ok());
        assert_eq!(
            latest_version(&files, true),
            Version::from_str("2.0b1").ok()
        );
        assert_eq!(
            latest_version(&files[1..2], false),
            Version::from_str("2.0b1").ok()
        );
    }
}
