//! How code is written, for the rules that look at the text rather than at
//! what it does: where string literals and comments are, and positions as
//! the semantic model counts them.
//!
//! The scanner is deliberately small and never fails: it finds `#` comments
//! and string literals (any prefix, single or triple quotes, backslash
//! escapes) in one pass over the bytes, with no recursion, so hostile or
//! broken files cost linear time. An f-string counts as one string, holes
//! included.

use std::ops::Range;

/// What a span of source text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Region {
    /// Everything that is not a literal or a comment.
    Code,
    String,
    Comment,
}

/// The string literals and comments of a Python source, in order.
#[derive(Debug, Default)]
pub(crate) struct Literals {
    spans: Vec<(Region, Range<usize>)>,
}

impl Literals {
    pub(crate) fn scan(source: &str) -> Literals {
        let bytes = source.as_bytes();
        let mut spans = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'#' => {
                    let end = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |e| i + e);
                    spans.push((Region::Comment, i..end));
                    i = end;
                }
                quote @ (b'"' | b'\'') => {
                    let end = crate::python::string_end(bytes, i, quote);
                    spans.push((Region::String, i..end));
                    i = end;
                }
                _ => i += 1,
            }
        }
        Literals { spans }
    }

    /// The region byte `offset` lies in.
    pub(crate) fn region(&self, offset: usize) -> Region {
        self.span(offset).map_or(Region::Code, |(r, _)| r)
    }

    /// The string or comment span holding byte `offset`, if any.
    pub(crate) fn span(&self, offset: usize) -> Option<(Region, Range<usize>)> {
        let after = self.spans.partition_point(|(_, r)| r.start <= offset);
        let (region, range) = self.spans.get(after.checked_sub(1)?)?;
        range.contains(&offset).then(|| (*region, range.clone()))
    }
}

/// The 1-based line and byte column of `offset`, as the semantic model
/// numbers calls (lines split at `\n` only).
pub(crate) fn position(source: &str, offset: usize) -> (u32, u32) {
    let before = &source.as_bytes()[..offset.min(source.len())];
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    (line as u32, (offset - start + 1) as u32)
}

/// The line of `source` holding byte `offset`, as a byte range without its
/// line break.
pub(crate) fn line_around(source: &str, offset: usize) -> Range<usize> {
    let bytes = source.as_bytes();
    let start = memchr::memrchr(b'\n', &bytes[..offset.min(bytes.len())]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &bytes[offset.min(bytes.len())..])
        .map_or(bytes.len(), |e| offset + e);
    let end = if end > start && bytes[end - 1] == b'\r' {
        end - 1
    } else {
        end
    };
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_strings_and_comments() {
        let src = "x = 'a#b'  # note \"q\"\ny = \"\"\"multi\nline ' \"\"\" + r'\\'' + f\"{z}\"\n";
        let lit = Literals::scan(src);
        assert_eq!(lit.region(src.find("a#b").unwrap()), Region::String);
        assert_eq!(lit.region(src.find("note").unwrap()), Region::Comment);
        assert_eq!(lit.region(src.find("line").unwrap()), Region::String);
        assert_eq!(lit.region(src.find("+ r").unwrap()), Region::Code);
        assert_eq!(lit.region(src.find("{z}").unwrap()), Region::String);
        assert_eq!(lit.region(src.find("y =").unwrap()), Region::Code);
    }

    #[test]
    fn unterminated_strings_end_at_the_line() {
        let src = "s = 'open\nexec(x)\n";
        let lit = Literals::scan(src);
        assert_eq!(lit.region(src.find("exec").unwrap()), Region::Code);
    }

    #[test]
    fn positions_count_bytes_from_one() {
        let src = "ab\ncé d\n";
        assert_eq!(position(src, 0), (1, 1));
        assert_eq!(position(src, 3), (2, 1));
        assert_eq!(position(src, src.find('d').unwrap()), (2, 5));
        assert_eq!(&src[line_around(src, 4)], "cé d");
    }
}
