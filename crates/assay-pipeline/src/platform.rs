//! The platform, Python and project scope a scan is for: the marker
//! environment and wheel tags of the target platform (`--platform`, else
//! this host) and Python version, and how dependency inputs are read for
//! them (extras, groups, lockfile markers).

use assay_deps::ParseOptions;
use assay_deps::pep508_rs::MarkerEnvironment;
use assay_index::{Os, Platform, Tag};

use crate::error::SetupError;
use crate::options::ScanOptions;

/// What the scanned files and lockfile packages are chosen for.
pub struct ScanTarget {
    /// Marker environment of the target Python on the target platform.
    pub env: MarkerEnvironment,
    /// Wheel tags the target accepts, best first.
    pub tags: Vec<Tag>,
}

/// The target of `options`: its platform (default: this host) and Python.
pub fn scan_target(options: &ScanOptions) -> Result<ScanTarget, SetupError> {
    let platform = options.platform.clone().unwrap_or_else(Platform::host);
    let python = &options.python_version;
    let env = assay_deps::marker_environment(marker_platform(&platform), python)
        .map_err(SetupError::Python)?;
    let tags = assay_index::compatible_tags(major_minor(python), &platform);
    Ok(ScanTarget { env, tags })
}

/// How dependency inputs are read for this scan: the scope, and the
/// target's markers unless every file is asked for (`all_files`).
pub fn parse_options(options: &ScanOptions, target: &ScanTarget) -> ParseOptions {
    ParseOptions {
        scope: options.scope.clone(),
        environment: (!options.all_files).then(|| target.env.clone()),
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
fn major_minor(version: &str) -> (u8, u8) {
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
        assert_eq!(major_minor("3.11.7"), (3, 11));
        assert_eq!(major_minor("3.13"), (3, 13));
    }
}
