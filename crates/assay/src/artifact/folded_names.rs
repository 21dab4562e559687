//! Paths that are different strings but one file on some file systems:
//! names that differ only by case (Windows and macOS file systems ignore
//! case) or only by Unicode normalisation (macOS file systems compare names
//! in a normalised form). One of each pair overwrites the other there.

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;

use super::AnomalyKind;

/// The first path seen for each folded form.
#[derive(Debug, Default)]
pub(super) struct FoldedNames {
    first: HashMap<String, String>,
}

impl FoldedNames {
    /// Remembers `path` and, when an earlier different path folds to the
    /// same name, says how they collide.
    pub fn check(&mut self, path: &str) -> Option<(AnomalyKind, String)> {
        let normalised: String = path.nfc().collect();
        let folded = normalised.to_lowercase();
        let Some(earlier) = self.first.get(&folded) else {
            self.first.insert(folded, path.to_owned());
            return None;
        };
        if earlier == path {
            return None;
        }
        let earlier_normalised: String = earlier.nfc().collect();
        Some(if earlier_normalised == normalised {
            (
                AnomalyKind::ReaderDisagreement,
                format!(
                    "`{earlier}` and this name are the same after Unicode normalisation (NFC): \
                 macOS file systems keep one file for both"
                ),
            )
        } else {
            (
                AnomalyKind::CaseCollision,
                format!(
                    "`{earlier}` and this name differ only by case: on Windows and macOS one \
                 overwrites the other"
                ),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{AnomalyKind, FoldedNames};

    #[test]
    fn case_and_normalisation_collisions() {
        let mut names = FoldedNames::default();
        assert_eq!(names.check("p/Setup.py"), None);
        let (kind, detail) = names.check("p/setup.py").unwrap();
        assert_eq!(kind, AnomalyKind::CaseCollision);
        assert!(detail.contains("`p/Setup.py`"), "{detail}");
        assert_eq!(names.check("p/caf\u{e9}.py"), None);
        let (kind, detail) = names.check("p/cafe\u{301}.py").unwrap();
        assert_eq!(kind, AnomalyKind::ReaderDisagreement);
        assert!(detail.contains("Unicode normalisation"), "{detail}");
        assert_eq!(names.check("p/other.py"), None);
    }
}
