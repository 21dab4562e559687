use std::collections::HashSet;
use std::ops::Range;

use crate::finding::{Finding, Location, Severity};
use crate::python::FileAnalysis;
use crate::rules::helpers::source_text::{self, Literals, Region};
use crate::rules::{PackageFacts, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// Unicode bidirectional control characters that make code display
    /// differently from how Python reads it ("Trojan Source").
    ///
    /// ## What it finds
    /// The embedding, override and isolate controls U+202A–U+202E and
    /// U+2066–U+2069 in Python source. Where they are decides the grade:
    /// an override or isolate left open inside a string literal that code
    /// uses (`if level != "user<U+202E> <U+2066># admin only<U+2069> <U+2066>":`) reorders the rest
    /// of the line on screen, the "stretched string" of Trojan Source; the
    /// same in a comment, or in a string that stands alone as a docstring,
    /// can only reorder text; controls that are opened and closed inside
    /// one string are how right-to-left text is written; and controls
    /// outside any literal make the file invalid Python.
    ///
    /// ## Why it matters
    /// Reviewers read code as their editor shows it. A control character
    /// that flips the rest of a line lets the displayed logic differ from
    /// the executed logic, which no test of the visible code reveals. An
    /// unterminated control in a string that code uses is high; in a
    /// comment or docstring low (security tools document the attack with
    /// examples); balanced ones in string data low; outside literals
    /// medium. In tests, docs and examples, which run only when someone
    /// runs them, every finding is low.
    ///
    /// ## Example
    /// ```python
    /// access_level = "user"
    /// if access_level != "none\u202e\u2066":  # Check if admin \u2069\u2066
    ///     grant_admin()
    /// ```
    ///
    /// ## References
    /// Boucher and Anderson, "Trojan Source: Invisible Vulnerabilities"
    /// (CVE-2021-42574); MITRE ATT&CK T1036 (Masquerading).
    pub struct BidiControl {
        id: "AY405",
        slug: "bidi-control-character",
        category: DefenseEvasion,
        severity: High,
    }
}

impl Rule for BidiControl {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        out.extend(facts.python.iter().filter_map(check_file));
    }
}

/// Where a control sits and what it does there, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Placement {
    /// Opened and closed inside one string: right-to-left text.
    BalancedData,
    /// Left open in a comment or a string that is a statement of its own.
    OpenInText,
    /// Outside any literal (Python rejects the file).
    Code,
    /// Left open in a string literal that code uses.
    OpenInOperand,
}

impl Placement {
    fn grade(self) -> (Severity, &'static str) {
        match self {
            Placement::BalancedData => (Severity::Low, "balanced inside string data"),
            Placement::OpenInText => (
                Severity::Low,
                "left open in a comment or docstring, reordering how the text displays",
            ),
            Placement::Code => (
                Severity::Medium,
                "outside any string or comment, where Python does not accept it",
            ),
            Placement::OpenInOperand => (
                Severity::High,
                "left open in a string the code uses, so the rest of the line displays reordered",
            ),
        }
    }
}

fn is_bidi(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The controls are the UTF-8 sequences E2 80 AA–AE and E2 81 A6–A9.
fn has_bidi(bytes: &[u8]) -> bool {
    memchr::memchr_iter(0xe2, bytes).any(|i| {
        matches!(
            bytes.get(i + 1..i + 3),
            Some([0x80, 0xaa..=0xae] | [0x81, 0xa6..=0xa9])
        )
    })
}

fn check_file(file: &FileAnalysis) -> Option<Finding> {
    let source = &*file.source;
    if !has_bidi(source.as_bytes()) {
        return None;
    }
    let controls: Vec<(usize, char)> = source.char_indices().filter(|(_, c)| is_bidi(*c)).collect();
    let first = controls.first()?.0;
    let literals = Literals::scan(source);
    let mut worst: Option<(Placement, usize)> = None;
    // Each literal is graded once, however many controls it holds (a set:
    // a list searched per control is quadratic in hostile files).
    let mut seen_spans: HashSet<Range<usize>> = HashSet::new();
    for &(offset, _) in &controls {
        let placement = match literals.span(offset) {
            None => Placement::Code,
            Some((region, span)) => {
                if !seen_spans.insert(span.clone()) {
                    continue;
                }
                let balanced = is_balanced(&source[span.clone()]);
                match (region, balanced) {
                    (_, true) => Placement::BalancedData,
                    (Region::String, false) if !stands_alone(source, &span) => {
                        Placement::OpenInOperand
                    }
                    _ => Placement::OpenInText,
                }
            }
        };
        if worst.is_none_or(|(w, _)| placement > w) {
            worst = Some((placement, offset));
        }
    }
    let (placement, at) = worst.unwrap_or((Placement::Code, first));
    let (severity, why) = placement.grade();
    let (line, column) = source_text::position(source, at);
    let mut f = BidiControl::META.finding(
        Location::at(file.path.clone(), line, column),
        format!(
            "{} bidirectional control character{} ({})",
            controls.len(),
            if controls.len() == 1 { "" } else { "s" },
            why
        ),
    );
    f.severity = crate::verdict::cap_for_role(file.role, severity);
    f.context = Some(file.role.map_or(crate::python::ExecContext::Import, |r| {
        r.top_level_context()
    }));
    f.excerpt = Some(escape(source[source_text::line_around(source, at)].trim()));
    Some(f)
}

/// Every embedding or override is closed by a PDF and every isolate by a
/// PDI, in order, within `text`.
fn is_balanced(text: &str) -> bool {
    let mut open: Vec<char> = Vec::new();
    for c in text.chars() {
        match c {
            '\u{202a}'..='\u{202e}' if c != '\u{202c}' => open.push('\u{202c}'),
            '\u{2066}'..='\u{2068}' => open.push('\u{2069}'),
            '\u{202c}' | '\u{2069}' if open.pop() != Some(c) => return false,
            _ => {}
        }
    }
    open.is_empty()
}

/// A string literal that is a statement of its own (a docstring): only
/// blanks before it on its first line and after it on its last.
fn stands_alone(source: &str, span: &Range<usize>) -> bool {
    let line = source_text::line_around(source, span.start);
    let before = source[line.start..span.start].trim_start();
    // A string prefix (`r`, `rb`, `f`) belongs to the literal.
    let prefix = before
        .bytes()
        .rev()
        .take_while(|b| b"rRbBuUfFtT".contains(b))
        .count();
    let before = if prefix <= 2 {
        &before[..before.len() - prefix]
    } else {
        before
    };
    let end_line = source_text::line_around(source, span.end.saturating_sub(1));
    let after = &source[span.end.min(end_line.end)..end_line.end];
    let after = after.trim();
    before.is_empty() && (after.is_empty() || after.starts_with('#'))
}

/// Shows control characters as `\u{…}` so the excerpt itself is safe.
fn escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().take(160) {
        if is_bidi(c) {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analysis(src: &str) -> FileAnalysis {
        FileAnalysis {
            path: "m.py".into(),
            source: src.into(),
            ..FileAnalysis::default()
        }
    }

    fn grade(src: &str) -> Option<Severity> {
        check_file(&analysis(src)).map(|f| f.severity)
    }

    /// Issue 12: a million comments each holding a control took minutes,
    /// because each literal was looked up in a list of those seen. Every
    /// control is still counted, and each comment graded once.
    #[test]
    fn bidi_in_a_hundred_thousand_comments() {
        let src = "x = 1  # \u{202e}abc\n".repeat(100_000);
        let f = check_file(&analysis(&src)).expect("controls are reported");
        assert!(
            f.message
                .starts_with("100000 bidirectional control characters")
        );
        assert_eq!(f.severity, Severity::Low);
    }

    #[test]
    fn stretched_string_is_high() {
        let src = "if access_level != 'none\u{202e}\u{2066}': # Check if admin \u{2069}\u{2066}' and x:\n    pass\n";
        assert_eq!(grade(src), Some(Severity::High));
    }

    #[test]
    fn documentation_and_data_are_low() {
        let doc = "def f():\n    \"\"\"Example:\n    if a != 'none\u{202e}\u{2066}': # admin\n    \"\"\"\n";
        assert_eq!(grade(doc), Some(Severity::Low));
        let data = "LABEL = \"\u{2067}שלום\u{2069} world\"\n";
        assert_eq!(grade(data), Some(Severity::Low));
        let comment = "x = 1  # \u{202e}reversed\n";
        assert_eq!(grade(comment), Some(Severity::Low));
        assert_eq!(grade("x = 'plain'\n"), None);
    }

    #[test]
    fn balance_is_checked_in_order() {
        assert!(is_balanced("a\u{202b}b\u{202c}c\u{2067}d\u{2069}"));
        assert!(!is_balanced("\u{202e}x"));
        assert!(!is_balanced("\u{2066}x\u{202c}"));
        assert!(!is_balanced("\u{2069}"));
    }
}
