//! Version ranges built from many specifiers in near-linear time.
//!
//! Intersecting ranges one after another costs the size of the result
//! each time: 100k `!=` holes on one name (`foo!=1.0.0`, `foo!=1.0.1`, …)
//! cost 100k × 100k segment steps. Intersecting them pairwise, as a
//! balanced tree, costs n log n.

use pep440_rs::{Version, VersionSpecifiers};
use pubgrub::Ranges;

pub(crate) type Range = Ranges<Version>;

/// The intersection of every range (the full range when there are none).
pub(crate) fn intersect_all(mut ranges: Vec<Range>) -> Range {
    while ranges.len() > 1 {
        let mut next = Vec::with_capacity(ranges.len().div_ceil(2));
        let mut items = ranges.into_iter();
        while let Some(first) = items.next() {
            next.push(match items.next() {
                Some(second) => first.intersection(&second),
                None => first,
            });
        }
        ranges = next;
    }
    ranges.pop().unwrap_or_else(Range::full)
}

/// The range `specifiers` allow (`>=1,!=1.5,<2`).
pub(crate) fn range_of(specifiers: &VersionSpecifiers) -> Range {
    intersect_all(specifiers.iter().map(|s| Range::from(s.clone())).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_intersection_equals_sequential() {
        let specifiers: VersionSpecifiers = ">=1.0,!=1.2,!=1.4.*,<3,!=2.0.1".parse().unwrap();
        let sequential = Range::from(specifiers.clone());
        assert_eq!(range_of(&specifiers), sequential);
        for v in ["1.0", "1.3", "2.5"] {
            assert!(range_of(&specifiers).contains(&v.parse().unwrap()), "{v}");
        }
        for v in ["0.9", "1.2", "1.4.2", "2.0.1", "3.0"] {
            assert!(!range_of(&specifiers).contains(&v.parse().unwrap()), "{v}");
        }
        assert_eq!(intersect_all(Vec::new()), Range::full());
    }
}
