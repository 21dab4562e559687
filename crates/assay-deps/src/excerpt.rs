//! Short, safe quotes of input text for messages and reports. An input file
//! can hold anything (an untrusted requirements file can include
//! `/proc/self/environ`): a message quotes at most a few dozen characters
//! of a line, with control characters (NUL, escapes) replaced.

/// Characters of an input line quoted in a message.
pub(crate) const QUOTED: usize = 60;

/// Characters of a parser's message kept (it may quote the input itself).
pub(crate) const MESSAGE: usize = 160;

/// At most `max` characters of `text`, control characters shown as `?`,
/// and how long the whole was when it was cut.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let mut out: String = text
        .chars()
        .take(max)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if text.chars().nth(max).is_some() {
        out.push_str(&format!("… ({} bytes in all)", text.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn long_lines_and_control_characters_are_not_quoted_whole() {
        assert_eq!(excerpt("requests>=2", 60), "requests>=2");
        assert_eq!(excerpt("a\0b\x1b[2J", 60), "a?b?[2J");
        let secret = format!("PATH=/bin\0TOKEN={}", "s".repeat(500));
        let shown = excerpt(&secret, 20);
        assert_eq!(shown, "PATH=/bin?TOKEN=ssss… (516 bytes in all)");
    }
}
