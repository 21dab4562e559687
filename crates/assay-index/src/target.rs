//! A target platform named by the user (`--platform`), in the names uv's
//! `--python-platform` takes: `linux`, `macos`, `windows`, Rust-style
//! triples (`aarch64-apple-darwin`, `x86_64-pc-windows-msvc`,
//! `x86_64-unknown-linux-musl`) and `ARCH-manylinux_2_NN`.
//!
//! Like uv, a Linux target without a glibc version is `manylinux_2_28`
//! and a macOS target is macOS 13.0, the oldest one still supported.

use crate::select::{Libc, Os, Platform};

/// glibc of a Linux target that names none (uv's default).
const DEFAULT_GLIBC: (u16, u16) = (2, 28);
/// musl of a `-musl` target.
const DEFAULT_MUSL: (u16, u16) = (1, 2);
/// macOS version of a macOS target.
const DEFAULT_MACOS: (u16, u16) = (13, 0);

/// The names `--platform` accepts, for help and errors.
pub const TARGET_NAMES: &str = "linux, macos, windows, x86_64-unknown-linux-gnu, aarch64-unknown-linux-gnu, x86_64-unknown-linux-musl, aarch64-unknown-linux-musl, x86_64-apple-darwin, aarch64-apple-darwin, x86_64-pc-windows-msvc, aarch64-pc-windows-msvc, i686-pc-windows-msvc, ARCH-manylinux_2_NN";

impl Platform {
    /// The platform a target name means, or an error listing the names
    /// that are understood.
    pub fn from_target(name: &str) -> Result<Platform, String> {
        let lower = name.trim().to_ascii_lowercase();
        let linux = |arch: &str, libc: Libc| Platform {
            os: Os::Linux,
            arch: arch.to_owned(),
            libc,
        };
        let macos = |arch: &str| Platform {
            os: Os::MacOs {
                version: Some(DEFAULT_MACOS),
            },
            arch: arch.to_owned(),
            libc: Libc::Unknown,
        };
        let windows = |arch: &str| Platform {
            os: Os::Windows,
            arch: arch.to_owned(),
            libc: Libc::Unknown,
        };
        let glibc = Libc::Glibc(DEFAULT_GLIBC.0, DEFAULT_GLIBC.1);
        let musl = Libc::Musl(DEFAULT_MUSL.0, DEFAULT_MUSL.1);
        let platform = match lower.as_str() {
            "linux" | "x86_64-unknown-linux-gnu" => linux("x86_64", glibc),
            "aarch64-unknown-linux-gnu" => linux("aarch64", glibc),
            "x86_64-unknown-linux-musl" => linux("x86_64", musl),
            "aarch64-unknown-linux-musl" => linux("aarch64", musl),
            "macos" | "aarch64-apple-darwin" => macos("arm64"),
            "x86_64-apple-darwin" => macos("x86_64"),
            "windows" | "x86_64-pc-windows-msvc" => windows("x86_64"),
            "aarch64-pc-windows-msvc" => windows("aarch64"),
            "i686-pc-windows-msvc" => windows("i686"),
            other => {
                return manylinux(other).ok_or_else(|| {
                    format!("unknown platform `{name}`: use one of {TARGET_NAMES}")
                });
            }
        };
        Ok(platform)
    }
}

/// `x86_64-manylinux_2_31`, `aarch64-manylinux2014`.
fn manylinux(name: &str) -> Option<Platform> {
    let (arch, policy) = name.split_once('-')?;
    if !matches!(
        arch,
        "x86_64" | "aarch64" | "i686" | "ppc64le" | "s390x" | "armv7l"
    ) {
        return None;
    }
    let minor = match policy {
        "manylinux2014" => 17,
        "manylinux2010" => 12,
        "manylinux1" => 5,
        _ => policy.strip_prefix("manylinux_2_")?.parse().ok()?,
    };
    Some(Platform {
        os: Os::Linux,
        arch: arch.to_owned(),
        libc: Libc::Glibc(2, minor),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_uv_defaults() {
        let linux = Platform::from_target("linux").expect("linux");
        assert_eq!(linux.libc, Libc::Glibc(2, 28));
        assert!(
            linux
                .platform_tags()
                .contains(&"manylinux_2_17_x86_64".to_owned())
        );
        assert!(
            !linux
                .platform_tags()
                .contains(&"manylinux_2_31_x86_64".to_owned())
        );
        let mac = Platform::from_target("macos").expect("macos");
        assert!(
            mac.platform_tags()
                .contains(&"macosx_11_0_arm64".to_owned())
        );
        assert!(
            !mac.platform_tags()
                .contains(&"macosx_14_0_arm64".to_owned())
        );
        let windows = Platform::from_target("Windows").expect("windows");
        assert_eq!(windows.platform_tags(), ["win_amd64"]);
    }

    #[test]
    fn triples_and_manylinux_policies() {
        let musl = Platform::from_target("aarch64-unknown-linux-musl").expect("musl");
        assert!(
            musl.platform_tags()
                .contains(&"musllinux_1_2_aarch64".to_owned())
        );
        let old = Platform::from_target("x86_64-manylinux2014").expect("2014");
        assert_eq!(old.libc, Libc::Glibc(2, 17));
        let new = Platform::from_target("aarch64-manylinux_2_34").expect("2_34");
        assert_eq!(new.libc, Libc::Glibc(2, 34));
        let err = Platform::from_target("amiga").expect_err("unknown");
        assert!(err.contains("x86_64-pc-windows-msvc"), "{err}");
        assert!(Platform::from_target("sparc-manylinux_2_28").is_err());
    }
}
