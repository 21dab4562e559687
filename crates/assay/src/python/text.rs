//! The text-level pass for sources that do not parse: quoted strings and
//! URLs found line by line, so a syntax error never hides a payload.

use std::sync::Arc;

use super::{ExecContext, StringFact};

/// Longest line the pass looks at, in bytes (longer lines are cut).
const MAX_LINE: usize = 1024 * 1024;

/// Quoted strings (and bare URLs) on each line, at most `max` of them;
/// `first_line` is the number of `code`'s first line.
pub fn strings(code: &str, first_line: u32, context: ExecContext, max: usize) -> Vec<StringFact> {
    let mut out = Vec::new();
    for (i, line) in code.lines().enumerate() {
        if out.len() >= max {
            break;
        }
        let line = &line[..line.floor_char_boundary(MAX_LINE)];
        let number = u32::try_from(i)
            .unwrap_or(u32::MAX)
            .saturating_add(first_line);
        let mut push = |value: &str, column: usize| {
            if value.len() >= 4 {
                out.push(StringFact::new(
                    Arc::from(value),
                    number,
                    u32::try_from(column + 1).unwrap_or(u32::MAX),
                    context,
                ));
            }
        };
        let mut rest = line;
        let mut offset = 0;
        while let Some(open) = rest.find(['"', '\'']) {
            let quote = rest.as_bytes()[open];
            let body = &rest[open + 1..];
            let Some(close) = body.bytes().position(|b| b == quote) else {
                break;
            };
            push(&body[..close], offset + open + 1);
            let consumed = open + 1 + close + 1;
            rest = &rest[consumed..];
            offset += consumed;
        }
        for scheme in ["http://", "https://"] {
            for (at, _) in line.match_indices(scheme) {
                let end = line[at..]
                    .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ')' | '>'))
                    .map_or(line.len(), |e| at + e);
                push(&line[at..end], at);
            }
        }
    }
    out.truncate(max);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_quoted_strings_and_urls() {
        let facts = strings(
            "print 'hello world'\nurl = http://1.2.3.4/x oops \"abc\"",
            1,
            ExecContext::Import,
            usize::MAX,
        );
        let values: Vec<&str> = facts.iter().map(|f| &*f.value).collect();
        assert_eq!(values, ["hello world", "http://1.2.3.4/x"]);
        assert_eq!(facts[1].line, 2);
    }

    #[test]
    fn stops_at_the_fact_budget_and_numbers_from_the_first_line() {
        let code = "'aaaa'\n".repeat(100);
        let facts = strings(&code, 41, ExecContext::Import, 7);
        assert_eq!(facts.len(), 7);
        assert_eq!(facts[0].line, 41);
    }
}
