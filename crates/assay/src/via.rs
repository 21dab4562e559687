//! How code reached the place a finding reports it: the steps between the
//! constant in the file and the code that runs (`base64 → zlib`, Python
//! handed to `python -c`, a constant string run by `exec`).
//!
//! The chain is data. The walker builds it, rules hand it to the finding
//! unchanged (never into the message), JSON carries it as a list of steps,
//! and the human, SARIF and HTML printers render it with [`Via`]'s
//! `Display`, the one way to print it.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::python::names::Decoder;

/// One step of a chain. New kinds of step may be added (a call into a
/// helper of another package, with its file and line): readers of the JSON
/// skip kinds they do not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Step {
    /// A decoder applied to a constant (`base64.b64decode`, `zlib.decompress`).
    Decoder { decoder: Decoder },
    /// A constant string run by `exec`, `eval` or `compile`.
    ExecString,
    /// Python handed to an interpreter on its command line (`python -c CODE`).
    ProcessCode,
    /// Python written to a file, which runs later.
    WrittenFile,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Decoder { decoder } => f.write_str(decoder.as_str()),
            Step::ExecString => f.write_str("exec of a constant string"),
            Step::ProcessCode => f.write_str("code passed to a process"),
            Step::WrittenFile => f.write_str("code written to a file"),
        }
    }
}

/// A chain of steps, outermost first; never empty (where there is no chain,
/// there is no `Via`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "Vec<Step>")]
pub struct Via(Arc<[Step]>);

impl Serialize for Via {
    /// A list of steps.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl Via {
    /// A chain of one step.
    pub fn of(step: Step) -> Via {
        Via(Arc::from([step]))
    }

    /// This chain followed by `step`.
    pub fn then(&self, step: Step) -> Via {
        Via(self.0.iter().copied().chain([step]).collect())
    }

    /// This chain followed by `inner` (the chain inside the code this one
    /// reached), when there is one.
    pub fn followed_by(&self, inner: Option<&Via>) -> Via {
        match inner {
            Some(inner) => Via(self.0.iter().chain(inner.0.iter()).copied().collect()),
            None => self.clone(),
        }
    }

    /// The steps, outermost first.
    pub fn steps(&self) -> &[Step] {
        &self.0
    }
}

impl TryFrom<Vec<Step>> for Via {
    type Error = &'static str;

    /// A chain read back (from JSON): it must have a step.
    fn try_from(steps: Vec<Step>) -> Result<Via, &'static str> {
        if steps.is_empty() {
            Err("an empty chain")
        } else {
            Ok(Via(steps.into()))
        }
    }
}

impl fmt::Display for Via {
    /// The steps joined by arrows: `base64 → zlib`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" → ")?;
            }
            step.fmt(f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_prints_outermost_first() {
        let via = Via::of(Step::Decoder {
            decoder: Decoder::Base64,
        })
        .then(Step::Decoder {
            decoder: Decoder::Zlib,
        });
        assert_eq!(via.to_string(), "base64 → zlib");
        let inner = Via::of(Step::ProcessCode);
        assert_eq!(
            via.followed_by(Some(&inner)).to_string(),
            "base64 → zlib → code passed to a process"
        );
        assert_eq!(via.followed_by(None), via);
    }

    #[test]
    fn steps_serialise_tagged_by_kind() {
        let via = Via::of(Step::Decoder {
            decoder: Decoder::Decrypt,
        })
        .then(Step::ExecString);
        let json = serde_json::to_string(&via).unwrap();
        assert_eq!(
            json,
            r#"[{"step":"decoder","decoder":"decryption"},{"step":"exec-string"}]"#
        );
        let back: Via = serde_json::from_str(&json).unwrap();
        assert_eq!(back, via);
    }

    #[test]
    fn an_empty_chain_is_refused() {
        assert!(Via::try_from(Vec::new()).is_err());
        assert!(Via::try_from(vec![Step::WrittenFile]).is_ok());
    }
}
