//! Which Python versions a wheel can be installed on, from its file name's
//! Python and ABI tags, and whether a project's Python range admits one.

use pep440_rs::{Version, VersionSpecifiers};
use pubgrub::Ranges;

/// Whether the wheel `filename` can be installed on some Python version
/// that one of `alternatives` allows. Files that are not wheels, and tags
/// this does not understand, are kept.
pub(crate) fn admits(filename: &str, alternatives: &[VersionSpecifiers]) -> bool {
    let Some(spans) = python_spans(filename) else {
        return true;
    };
    let allowed = alternatives
        .iter()
        .fold(Ranges::empty(), |all, specifiers| {
            all.union(&Ranges::from(specifiers.clone()))
        });
    spans.iter().any(|(low, high)| {
        !allowed
            .intersection(&Ranges::between(low.clone(), high.clone()))
            .is_empty()
    })
}

/// The Python versions `[low, high)` each Python tag of a wheel stands for:
/// `cp311` (CPython's own ABI) and `pp310` one minor version, `cp38-abi3`
/// and `py38` that version and every later one of the same major, `py3`
/// the major. `None` for a file that is not a wheel or a tag not of this
/// form.
fn python_spans(filename: &str) -> Option<Vec<(Version, Version)>> {
    let stem = filename.strip_suffix(".whl")?;
    let mut parts = stem.rsplitn(4, '-');
    let _platform = parts.next()?;
    let abi = parts.next()?;
    let python = parts.next()?;
    parts.next()?;
    python
        .split('.')
        .map(|tag| {
            let digits = tag.trim_start_matches(|c: char| c.is_ascii_alphabetic());
            let interpreter = &tag[..tag.len() - digits.len()];
            if interpreter.is_empty() || digits.is_empty() {
                return None;
            }
            let major: u64 = digits[..1].parse().ok()?;
            if digits.len() == 1 {
                return Some(span([major], [major + 1]));
            }
            let minor: u64 = digits[1..].parse().ok()?;
            let open_ended = interpreter == "py" || abi == "abi3";
            Some(if open_ended {
                span([major, minor], [major + 1])
            } else {
                span([major, minor], [major, minor + 1])
            })
        })
        .collect()
}

fn span<const L: usize, const H: usize>(low: [u64; L], high: [u64; H]) -> (Version, Version) {
    (Version::new(low), Version::new(high))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(text: &str) -> Vec<VersionSpecifiers> {
        text.split("||")
            .map(|s| s.parse().expect("specifiers"))
            .collect()
    }

    #[test]
    fn cpython_wheels_outside_the_range_are_dropped() {
        let project = range(">=3.11");
        for kept in [
            "numpy-2.3.5-cp311-cp311-manylinux_2_28_x86_64.whl",
            "numpy-2.3.5-cp314-cp314t-win_amd64.whl",
            "cryptography-46.0.3-cp38-abi3-manylinux_2_28_x86_64.whl",
            "six-1.17.0-py2.py3-none-any.whl",
            "rich-14.2.0-py3-none-any.whl",
            "typing_extensions-4.15.0-py38-none-any.whl",
            "pyyaml-6.0.3-pp311-pypy311_pp73-manylinux_2_28_x86_64.whl",
            "pyyaml-6.0.3.tar.gz",
        ] {
            assert!(admits(kept, &project), "{kept}");
        }
        for dropped in [
            "numpy-2.0.2-cp39-cp39-manylinux_2_28_x86_64.whl",
            "numpy-2.0.2-cp310-cp310-win_amd64.whl",
            "pyyaml-6.0.3-pp310-pypy310_pp73-manylinux_2_28_x86_64.whl",
            "futures-3.4.0-py2-none-any.whl",
            "old-1.0-cp27-cp27mu-manylinux1_x86_64.whl",
        ] {
            assert!(!admits(dropped, &project), "{dropped}");
        }
    }

    #[test]
    fn alternatives_and_upper_bounds_count() {
        let project = range(">=2.7,<2.8||>=3.8,<3.10");
        assert!(admits("x-1.0-cp27-cp27m-win32.whl", &project));
        assert!(admits("x-1.0-cp39-cp39-win32.whl", &project));
        assert!(!admits("x-1.0-cp310-cp310-win32.whl", &project));
        assert!(!admits("x-1.0-cp36-cp36m-win32.whl", &project));
        // Open ended from 3.10: nothing this project runs on.
        assert!(!admits("x-1.0-cp310-abi3-win32.whl", &project));
        assert!(admits("x-1.0-cp37-abi3-win32.whl", &project));
        // A patch-level bound inside a minor version still admits it.
        assert!(admits("x-1.0-cp38-cp38-win32.whl", &range(">=3.8.1")));
    }

    #[test]
    fn names_that_are_not_wheels_or_tags_are_kept() {
        let nothing = range("<1");
        for kept in [
            "x-1.0.tar.gz",
            "x-1.0-whatever.whl",
            "x-1.0-cp-none-any.whl",
            "x-1.0-3-none-any.whl",
        ] {
            assert!(admits(kept, &nothing), "{kept}");
        }
        assert!(!admits("x-1.0-py3-none-any.whl", &nothing));
    }
}
