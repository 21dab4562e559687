//! The kinds of API a callee is (network, process, code execution,
//! capture, file copies), worked out once per name from the tables in
//! [`super::names`].

use super::QualName;
use super::names::{Capture, captures, runs_code, runs_process, stages_files, uses_network};

/// The kinds of API a name is, from the tables in [`super::names`]: the questions the
/// walker, the flows and a dozen rules ask of every call. A
/// [`QualName`] works them out once, on the first question, and keeps
/// them; each [`super::Call`] carries its callee's inline, so a rule
/// that filters a file's calls reads them without following the name's
/// pointer (a cache miss per call, which cost more than the tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiClasses(u8);

impl ApiClasses {
    const KNOWN: u8 = 1;
    const NETWORK: u8 = 1 << 1;
    const PROCESS: u8 = 1 << 2;
    const CODE_EXEC: u8 = 1 << 3;
    const COPIES_FILES: u8 = 1 << 6;
    /// Two bits: none, screen, clipboard or keystrokes.
    const CAPTURE_SHIFT: u8 = 4;

    /// Looks `name` up in every table.
    pub(crate) fn of(name: &QualName) -> ApiClasses {
        let text = name.as_str();
        let mut bits = Self::KNOWN;
        if uses_network(text) {
            bits |= Self::NETWORK;
        }
        if runs_process(text) {
            bits |= Self::PROCESS;
        }
        if runs_code(text) {
            bits |= Self::CODE_EXEC;
        }
        if stages_files(name) {
            bits |= Self::COPIES_FILES;
        }
        let capture = match captures(name) {
            None => 0,
            Some(Capture::Screen) => 1,
            Some(Capture::Clipboard) => 2,
            Some(Capture::Keystrokes) => 3,
        };
        ApiClasses(bits | capture << Self::CAPTURE_SHIFT)
    }

    /// Classes kept as [`ApiClasses::bits`]; `None` for `0`, not yet known.
    pub(crate) fn from_bits(bits: u8) -> Option<ApiClasses> {
        (bits & Self::KNOWN != 0).then_some(ApiClasses(bits))
    }

    pub(crate) fn bits(self) -> u8 {
        self.0
    }

    pub fn is_network(self) -> bool {
        self.0 & Self::NETWORK != 0
    }

    pub fn is_process(self) -> bool {
        self.0 & Self::PROCESS != 0
    }

    pub fn is_code_exec(self) -> bool {
        self.0 & Self::CODE_EXEC != 0
    }

    pub fn copies_or_archives_files(self) -> bool {
        self.0 & Self::COPIES_FILES != 0
    }

    pub fn capture(self) -> Option<Capture> {
        match (self.0 >> Self::CAPTURE_SHIFT) & 3 {
            1 => Some(Capture::Screen),
            2 => Some(Capture::Clipboard),
            3 => Some(Capture::Keystrokes),
            _ => None,
        }
    }
}
