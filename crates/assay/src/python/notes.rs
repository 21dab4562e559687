//! What the analysis of a file gave up on, or how it read the file: typed
//! notes, rendered in words only when printed (AY401 reports the ones that
//! left code unanalysed).

use std::fmt;

/// One note on a file's analysis.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AnalysisNote {
    /// Source past the token budget was not parsed (its strings were read
    /// as text): from `from_line` on, or a decoded payload.
    TokenBudget {
        budget: usize,
        from_line: Option<u32>,
    },
    /// Code past the budget of syntax nodes walked.
    NodeBudget { budget: usize },
    /// Values built past the budget of constant bytes.
    ConstantBudget { budget_bytes: usize },
    /// Facts past the budget per file.
    FactBudget { budget: usize },
    /// Names of enclosing scopes past the budget of copies.
    ScopeCopyBudget { budget: usize },
    /// A constant longer than the largest one folded.
    OversizedConstant { max_bytes: usize },
    /// Code nested deeper than the walker follows.
    TooDeep { levels: u32 },
    /// Code nested too deep to parse at all.
    TooDeepToParse { levels: usize },
    /// A payload nested more layers deep than are decoded.
    PayloadTooDeep { layers: u8 },
    /// The source was not UTF-8 and was read as latin-1, with the coding
    /// it declares, if any.
    ReadAsLatin1 { declared: Option<String> },
    /// The Python was recovered from bytecode of this CPython version.
    RecoveredFromBytecode { version: Option<String> },
    /// A data file analysed as Python because the package reads and
    /// executes it.
    ExecutedDataFile,
    /// The analysis panicked; the scan went on without this file's facts.
    AnalysisFailed { path: String, cause: String },
}

impl AnalysisNote {
    /// Part of the file was left unanalysed (what AY401 reports).
    pub fn is_unanalysed(&self) -> bool {
        !matches!(
            self,
            AnalysisNote::ReadAsLatin1 { .. }
                | AnalysisNote::RecoveredFromBytecode { .. }
                | AnalysisNote::ExecutedDataFile
                | AnalysisNote::AnalysisFailed { .. }
        )
    }
}

/// `128 MiB`, or `1000 bytes` when not a whole number of MiB.
fn bytes(n: usize) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else {
        format!("{n} bytes")
    }
}

impl fmt::Display for AnalysisNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnalysisNote::TokenBudget { budget, from_line } => {
                let from = match from_line {
                    Some(line) => format!("code from line {line} on"),
                    None => "decoded payload code".to_owned(),
                };
                write!(
                    f,
                    "partly analysed: {from} past the budget of {budget} tokens was not analysed \
                     (not parsed; its strings were read as text)"
                )
            }
            AnalysisNote::NodeBudget { budget } => write!(
                f,
                "partly analysed: code past the budget of {budget} syntax nodes walked was not analysed"
            ),
            AnalysisNote::ConstantBudget { budget_bytes } => write!(
                f,
                "partly analysed: values built past the budget of {} of constants were not analysed",
                bytes(*budget_bytes)
            ),
            AnalysisNote::FactBudget { budget } => write!(
                f,
                "partly analysed: facts past the budget of {budget} per file were not analysed"
            ),
            AnalysisNote::ScopeCopyBudget { budget } => write!(
                f,
                "names of enclosing scopes past {budget} copies were not analysed"
            ),
            AnalysisNote::OversizedConstant { max_bytes } => write!(
                f,
                "a constant longer than {} MiB was not analysed",
                max_bytes >> 20
            ),
            AnalysisNote::TooDeep { levels } => {
                write!(
                    f,
                    "code nested deeper than {levels} levels was not analysed"
                )
            }
            AnalysisNote::TooDeepToParse { levels } => write!(
                f,
                "code nested deeper than {levels} levels was not analysed (it was not parsed)"
            ),
            AnalysisNote::PayloadTooDeep { layers } => write!(
                f,
                "payload nested more than {layers} layers deep was not analysed"
            ),
            AnalysisNote::ReadAsLatin1 { declared } => match declared {
                Some(coding) => write!(f, "source declares coding {coding}; decoded as latin-1"),
                None => f.write_str("source is not UTF-8; decoded as latin-1"),
            },
            AnalysisNote::RecoveredFromBytecode { version } => write!(
                f,
                "analysed the Python recovered from CPython {} bytecode",
                version.as_deref().unwrap_or("?")
            ),
            AnalysisNote::ExecutedDataFile => {
                f.write_str("analysed as Python: the package reads this file and executes it")
            }
            AnalysisNote::AnalysisFailed { path, cause } => {
                write!(f, "analysis failed for {path}: {cause}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_notes_say_what_was_not_analysed() {
        let tokens = AnalysisNote::TokenBudget {
            budget: 4_000_000,
            from_line: Some(12),
        };
        assert_eq!(
            tokens.to_string(),
            "partly analysed: code from line 12 on past the budget of 4000000 tokens was not \
             analysed (not parsed; its strings were read as text)"
        );
        let constants = AnalysisNote::ConstantBudget {
            budget_bytes: 128 << 20,
        };
        assert!(
            constants
                .to_string()
                .contains("budget of 128 MiB of constants")
        );
        let small = AnalysisNote::ConstantBudget { budget_bytes: 500 };
        assert!(
            small
                .to_string()
                .contains("budget of 500 bytes of constants")
        );
        assert!(tokens.is_unanalysed() && constants.is_unanalysed());
    }

    #[test]
    fn reading_notes_are_not_gaps() {
        let latin1 = AnalysisNote::ReadAsLatin1 { declared: None };
        assert_eq!(
            latin1.to_string(),
            "source is not UTF-8; decoded as latin-1"
        );
        assert!(!latin1.is_unanalysed());
        let recovered = AnalysisNote::RecoveredFromBytecode {
            version: Some("3.11".into()),
        };
        assert!(!recovered.is_unanalysed());
    }
}
