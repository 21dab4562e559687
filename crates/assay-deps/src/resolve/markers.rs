//! Marker environments for the hosts assay runs on.

use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder};

use crate::resolve::ResolveError;

/// An operating system and machine to evaluate markers for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    /// Linux on x86-64.
    LinuxX86_64,
    /// Linux on 64-bit ARM.
    LinuxAarch64,
    /// macOS on Intel.
    MacosX86_64,
    /// macOS on Apple silicon.
    MacosArm64,
    /// Windows on x86-64.
    WindowsAmd64,
    /// Windows on 64-bit ARM.
    WindowsArm64,
}

impl Platform {
    /// The platform this program runs on (Linux x86-64 when unknown).
    pub fn host() -> Platform {
        let arm = std::env::consts::ARCH == "aarch64";
        match (std::env::consts::OS, arm) {
            ("macos", true) => Self::MacosArm64,
            ("macos", false) => Self::MacosX86_64,
            ("windows", true) => Self::WindowsArm64,
            ("windows", false) => Self::WindowsAmd64,
            (_, true) => Self::LinuxAarch64,
            (_, false) => Self::LinuxX86_64,
        }
    }

    /// `(os_name, sys_platform, platform_system, platform_machine)`.
    fn markers(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Self::LinuxX86_64 => ("posix", "linux", "Linux", "x86_64"),
            Self::LinuxAarch64 => ("posix", "linux", "Linux", "aarch64"),
            Self::MacosX86_64 => ("posix", "darwin", "Darwin", "x86_64"),
            Self::MacosArm64 => ("posix", "darwin", "Darwin", "arm64"),
            Self::WindowsAmd64 => ("nt", "win32", "Windows", "AMD64"),
            Self::WindowsArm64 => ("nt", "win32", "Windows", "ARM64"),
        }
    }
}

/// The marker environment of CPython `python_full_version` (e.g. `3.12.4`)
/// on this host. `platform_release` and `platform_version` are empty.
pub fn host_marker_environment(
    python_full_version: &str,
) -> Result<MarkerEnvironment, ResolveError> {
    marker_environment(Platform::host(), python_full_version)
}

/// The marker environment of CPython `python_full_version` on `platform`.
pub fn marker_environment(
    platform: Platform,
    python_full_version: &str,
) -> Result<MarkerEnvironment, ResolveError> {
    let full = python_full_version.trim();
    let invalid = || ResolveError::InvalidPython(full.to_string());
    let version: pep440_rs::Version = full.parse().map_err(|_| invalid())?;
    let release = version.release();
    if release.len() < 2 || version.epoch() != 0 {
        return Err(invalid());
    }
    let python_version = format!("{}.{}", release[0], release[1]);
    let (os_name, sys_platform, platform_system, platform_machine) = platform.markers();
    MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: full,
        os_name,
        platform_machine,
        platform_python_implementation: "CPython",
        platform_release: "",
        platform_system,
        platform_version: "",
        python_full_version: full,
        python_version: &python_version,
        sys_platform,
    })
    .map_err(|_| invalid())
}
