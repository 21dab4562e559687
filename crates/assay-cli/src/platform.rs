//! The platform, Python and project scope a scan is for: the marker
//! environment and wheel tags of `--platform` and `--python-version`, and
//! the extras and groups of `--extra`/`--group`.

use anyhow::{Result, anyhow};
use assay_deps::pep508_rs::MarkerEnvironment;
use assay_deps::{ParseOptions, Scope};
use assay_index::{Os, Platform, Tag};

use crate::args::ScanArgs;

/// What the scanned files and lockfile packages are chosen for.
pub struct ScanTarget {
    /// Marker environment of the target Python on the target platform.
    pub env: MarkerEnvironment,
    /// Wheel tags the target accepts, best first.
    pub tags: Vec<Tag>,
}

/// The target of `args`: `--platform` (default: this host) and
/// `--python-version` (default: the local python3's).
pub fn scan_target(args: &ScanArgs) -> Result<ScanTarget> {
    let platform = match &args.platform {
        Some(name) => Platform::from_target(name).map_err(|e| anyhow!("--platform: {e}"))?,
        None => Platform::host(),
    };
    let python = crate::python_version::python_version(args.python_version.as_deref());
    let env = assay_deps::marker_environment(marker_platform(&platform), &python)?;
    let (major, minor) = major_minor(&python);
    let tags = assay_index::compatible_tags((major, minor), &platform);
    Ok(ScanTarget { env, tags })
}

/// How dependency inputs are read for this scan: the scope flags, and the
/// target's markers unless `--all-files` asks for every platform.
pub fn parse_options(args: &ScanArgs, target: &ScanTarget) -> ParseOptions {
    ParseOptions {
        scope: Scope {
            extras: args.extras.clone(),
            all_extras: args.all_extras,
            groups: args.groups.clone(),
            only_groups: args.only_groups.clone(),
            all_groups: args.all_groups,
            no_default_groups: args.no_default_groups,
        },
        environment: (!args.all_files).then(|| target.env.clone()),
        ..ParseOptions::default()
    }
}

/// The marker platform closest to a wheel platform.
fn marker_platform(platform: &Platform) -> assay_deps::Platform {
    let arm = matches!(platform.arch.as_str(), "aarch64" | "arm64");
    match (&platform.os, arm) {
        (Os::MacOs { .. }, true) => assay_deps::Platform::MacosArm64,
        (Os::MacOs { .. }, false) => assay_deps::Platform::MacosX86_64,
        (Os::Windows, true) => assay_deps::Platform::WindowsArm64,
        (Os::Windows, false) => assay_deps::Platform::WindowsAmd64,
        (_, true) => assay_deps::Platform::LinuxAarch64,
        (_, false) => assay_deps::Platform::LinuxX86_64,
    }
}

/// `(3, 12)` of `3.12.4`.
pub fn major_minor(version: &str) -> (u8, u8) {
    let mut parts = version.split('.').map(|p| p.parse::<u8>().unwrap_or(0));
    (parts.next().unwrap_or(3), parts.next().unwrap_or(12))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_platforms_follow_the_wheel_platform() {
        let windows = Platform::from_target("windows").expect("windows");
        assert_eq!(
            marker_platform(&windows),
            assay_deps::Platform::WindowsAmd64
        );
        let mac = Platform::from_target("aarch64-apple-darwin").expect("mac");
        assert_eq!(marker_platform(&mac), assay_deps::Platform::MacosArm64);
        let arm = Platform::from_target("aarch64-manylinux_2_28").expect("arm");
        assert_eq!(marker_platform(&arm), assay_deps::Platform::LinuxAarch64);
    }

    #[test]
    fn python_versions() {
        assert_eq!(major_minor("3.11.4"), (3, 11));
        assert_eq!(major_minor("3.9"), (3, 9));
    }
}
