use crate::finding::{Finding, Location, Severity};
use crate::python::{ExecContext, FileAnalysis};
use crate::rules::helpers::source_text::{self, Literals, Region};
use crate::rules::{PackageFacts, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// Identifiers spelled with look-alike characters: Cyrillic or Greek
    /// letters among Latin ones, or "styled" letters that Python reads as
    /// plain ASCII.
    ///
    /// ## What it finds
    /// Names in code (not in strings or comments) that
    /// - are written with compatibility characters — mathematical letters
    ///   (`𝚎𝚡𝚎𝚌`), full-width forms (`ｅｘｅｃ`), ligatures — which
    ///   Python normalises (NFKC) to an ASCII name, so `𝚎𝚡𝚎𝚌(...)` calls
    ///   `exec` while no search for `exec` finds it; or
    /// - mix Latin letters with Cyrillic, Greek or Armenian letters that
    ///   look the same (`rеquests` with a Cyrillic `е`), which Python
    ///   treats as a different name; or
    /// - are written entirely in such look-alikes and read as a name that
    ///   matters (`ехес`, `оs`).
    ///
    /// ## Why it matters
    /// Both tricks defeat review: the first hides a dangerous call from
    /// every text search and grep-based scanner, the second makes a reader
    /// believe a well-known module or function is used when a different
    /// one — shipped alongside — is. A disguised name that normalises to a
    /// builtin or a module used by malware (`exec`, `eval`, `__import__`,
    /// `os`, `subprocess`, `base64`) is high, other disguised names
    /// medium; a look-alike imported module is high, other look-alike
    /// names medium; in tests, docs and examples low.
    ///
    /// ## Example
    /// ```python
    /// import rеquests            # Cyrillic "е": a module the package ships
    /// 𝚎𝚡𝚎𝚌(𝚋𝚊𝚜𝚎𝟼𝟺.b64decode(blob))  # Python reads exec(base64.b64decode(blob))
    /// ```
    ///
    /// ## References
    /// Unicode Technical Standard #39 (Security Mechanisms: confusables,
    /// mixed-script detection); PEP 3131 (non-ASCII identifiers, NFKC);
    /// MITRE ATT&CK T1036 (Masquerading), T1027 (Obfuscated Files or
    /// Information).
    pub struct ConfusableIdentifier {
        id: "AY406",
        slug: "confusable-identifier",
        category: DefenseEvasion,
        severity: High,
    }
}

/// Most distinct names reported per file.
const MAX_PER_FILE: usize = 5;

impl Rule for ConfusableIdentifier {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        for file in facts.python {
            check_file(file, out);
        }
    }
}

/// How a name deceives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trick {
    /// Compatibility characters Python folds to ASCII.
    Styled,
    /// Latin mixed with look-alikes of another script.
    MixedScript,
    /// Only look-alikes of another script.
    WholeScript,
}

/// A deceptive name: the trick and the ASCII name it looks like (or, for
/// styled names, is).
fn classify(word: &str) -> Option<(Trick, String)> {
    if word.is_ascii() {
        return None;
    }
    let mut skeleton = String::new();
    let (mut styled, mut lookalike, mut mixed_segment) = (false, false, false);
    let (mut segment_ascii, mut segment_lookalike) = (false, false);
    let mut has_ascii_letter = false;
    for c in word.chars() {
        if c == '_' || c.is_ascii_digit() {
            (segment_ascii, segment_lookalike) = (false, false);
            skeleton.push(c);
        } else if c.is_ascii_alphabetic() {
            has_ascii_letter = true;
            segment_ascii = true;
            skeleton.push(c);
        } else if let Some(ascii) = compatibility_ascii(c) {
            styled = true;
            skeleton.push_str(ascii);
        } else if let Some(latin) = lookalike_latin(c) {
            lookalike = true;
            segment_lookalike = true;
            skeleton.push(latin);
        } else {
            // A letter of its own (é, ß, 中): a genuine non-ASCII name.
            return None;
        }
        mixed_segment |= segment_ascii && segment_lookalike;
    }
    if styled && !lookalike {
        Some((Trick::Styled, skeleton))
    } else if lookalike && mixed_segment {
        Some((Trick::MixedScript, skeleton))
    } else if lookalike && !has_ascii_letter && !styled && is_sensitive(&skeleton) {
        Some((Trick::WholeScript, skeleton))
    } else {
        None
    }
}

fn check_file(file: &FileAnalysis, out: &mut Vec<Finding>) {
    let source = &*file.source;
    if source.is_ascii() {
        return;
    }
    let mut seen = std::collections::HashSet::new();
    let mut candidates: Vec<(usize, &str, Trick, String)> = Vec::new();
    for (offset, word) in words(source) {
        if seen.insert(word)
            && let Some((trick, skeleton)) = classify(word)
        {
            candidates.push((offset, word, trick, skeleton));
        }
    }
    if candidates.is_empty() {
        return;
    }
    let literals = Literals::scan(source);
    let mut reported = 0;
    for (offset, word, trick, skeleton) in candidates {
        if literals.region(offset) != Region::Code || reported >= MAX_PER_FILE {
            continue;
        }
        reported += 1;
        let (line, column) = source_text::position(source, offset);
        let imported = file.imports.iter().filter(|i| i.line == line).find(|i| {
            i.module
                .split('.')
                .any(|part| part == word || part == skeleton)
        });
        let (severity, what) = match trick {
            Trick::Styled if is_sensitive(&skeleton) => (
                Severity::High,
                format!(
                    "`{word}` is written with look-alike characters that Python reads as `{skeleton}`"
                ),
            ),
            Trick::Styled => (
                Severity::Medium,
                format!(
                    "`{word}` is written with look-alike characters that Python reads as `{skeleton}`"
                ),
            ),
            Trick::MixedScript | Trick::WholeScript if imported.is_some() => (
                Severity::High,
                format!(
                    "imports `{word}`, a look-alike of `{skeleton}` spelled with Cyrillic, Greek or Armenian letters"
                ),
            ),
            Trick::MixedScript | Trick::WholeScript => (
                Severity::Medium,
                format!(
                    "`{word}` looks like `{skeleton}` but is spelled with Cyrillic, Greek or Armenian letters"
                ),
            ),
        };
        let context = imported.map(|i| i.context).or_else(|| {
            file.calls
                .iter()
                .filter(|c| c.line == line)
                .map(|c| c.context)
                .max()
        });
        let mut f = ConfusableIdentifier::META.finding(
            Location::at(file.path.clone(), line, column),
            format!("{what} ({})", code_points(word)),
        );
        f.severity = crate::verdict::cap_for_role(file.role, severity);
        f.context = Some(context.unwrap_or_else(|| {
            file.role
                .map_or(ExecContext::Import, |r| r.top_level_context())
        }));
        f.excerpt = file.excerpt(line);
        out.push(f);
    }
}

/// Maximal runs of identifier characters that contain a non-ASCII one,
/// with their byte offsets. Only the neighbourhood of non-ASCII bytes is
/// looked at, so ASCII text costs one fast scan.
fn words(source: &str) -> Vec<(usize, &str)> {
    let bytes = source.as_bytes();
    let ident = |c: char| c == '_' || c.is_alphanumeric();
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(found) = bytes[at..].iter().position(|b| !b.is_ascii()) {
        let hit = at + found;
        // Back to the start of the word (the hit is a char boundary: ASCII
        // bytes never continue a multi-byte character).
        let start = source[..hit]
            .char_indices()
            .rev()
            .take_while(|(_, c)| ident(*c))
            .last()
            .map_or(hit, |(i, _)| i);
        let end = source[hit..]
            .char_indices()
            .find(|(_, c)| !ident(*c))
            .map_or(source.len(), |(i, _)| hit + i);
        if end > start {
            out.push((start, &source[start..end]));
        }
        // Past the word, or past the non-identifier character.
        at = if end > hit {
            end
        } else {
            hit + source[hit..].chars().next().map_or(1, char::len_utf8)
        };
    }
    out
}

fn code_points(word: &str) -> String {
    word.chars()
        .filter(|c| !c.is_ascii())
        .take(6)
        .map(|c| format!("U+{:04X}", c as u32))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Names whose disguise is the point: builtins that run or load code and
/// modules malware reaches for.
fn is_sensitive(name: &str) -> bool {
    const NAMES: &[&str] = &[
        "exec",
        "eval",
        "compile",
        "__import__",
        "getattr",
        "setattr",
        "globals",
        "locals",
        "vars",
        "open",
        "input",
        "__builtins__",
        "builtins",
        "os",
        "sys",
        "system",
        "popen",
        "subprocess",
        "Popen",
        "run",
        "call",
        "check_output",
        "socket",
        "connect",
        "base64",
        "b64decode",
        "b64encode",
        "zlib",
        "decompress",
        "marshal",
        "loads",
        "pickle",
        "codecs",
        "decode",
        "requests",
        "urllib",
        "urlopen",
        "http",
        "get",
        "post",
        "ctypes",
        "shutil",
        "importlib",
        "import_module",
        "platform",
        "getpass",
        "environ",
        "print",
        "chr",
        "ord",
        "bytes",
        "str",
        "join",
        "write",
        "read",
    ];
    NAMES.contains(&name)
}

/// The ASCII text a compatibility character normalises to (NFKC), for the
/// characters that are letters or digits in identifiers.
fn compatibility_ascii(c: char) -> Option<&'static str> {
    const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
    const DIGITS: &str = "0123456789";
    let letter = |i: u32| -> &'static str {
        let i = i as usize;
        if i < 26 {
            &UPPER[i..=i]
        } else {
            &LOWER[i - 26..=i - 26]
        }
    };
    let cp = c as u32;
    Some(match cp {
        // Mathematical alphanumeric symbols: 13 styles of A–Z a–z, then
        // digits in 5 styles.
        0x1d400..=0x1d6a3 => letter((cp - 0x1d400) % 52),
        0x1d7ce..=0x1d7ff => {
            let i = ((cp - 0x1d7ce) % 10) as usize;
            &DIGITS[i..=i]
        }
        // Full-width forms.
        0xff21..=0xff3a => letter(cp - 0xff21),
        0xff41..=0xff5a => letter(cp - 0xff41 + 26),
        0xff10..=0xff19 => {
            let i = (cp - 0xff10) as usize;
            &DIGITS[i..=i]
        }
        0xff3f => "_",
        _ => match c {
            'ℎ' => "h",
            'ℊ' => "g",
            'ℯ' | 'ⅇ' => "e",
            'ℴ' => "o",
            'ℓ' => "l",
            'ℹ' | 'ⅈ' | 'ⁱ' | 'ᵢ' => "i",
            'ⅉ' | 'ⱼ' | 'ʲ' => "j",
            'ⅆ' => "d",
            'ℬ' => "B",
            'ℂ' | 'ℭ' | 'Ⅽ' => "C",
            'ⅅ' | 'Ⅾ' => "D",
            'ℰ' => "E",
            'ℱ' => "F",
            'ℋ' | 'ℌ' | 'ℍ' => "H",
            'ℐ' | 'ℑ' | 'Ⅰ' => "I",
            '\u{212a}' => "K",
            'ℒ' | 'Ⅼ' => "L",
            'ℳ' | 'Ⅿ' => "M",
            'ℕ' => "N",
            'ℙ' => "P",
            'ℚ' => "Q",
            'ℛ' | 'ℜ' | 'ℝ' => "R",
            'ℤ' | 'ℨ' => "Z",
            'Ⅴ' => "V",
            'Ⅹ' => "X",
            'ⅰ' => "i",
            'ⅴ' => "v",
            'ⅹ' => "x",
            'ⅼ' => "l",
            'ⅽ' => "c",
            'ⅾ' => "d",
            'ⅿ' => "m",
            'ﬀ' => "ff",
            'ﬁ' => "fi",
            'ﬂ' => "fl",
            'ﬃ' => "ffi",
            'ﬄ' => "ffl",
            'ﬅ' | 'ﬆ' => "st",
            'ſ' => "s",
            'ª' | 'ₐ' => "a",
            'º' | 'ₒ' => "o",
            'ⁿ' => "n",
            'ₑ' => "e",
            'ₓ' | 'ˣ' => "x",
            'ʰ' | 'ₕ' => "h",
            'ₖ' => "k",
            'ₗ' | 'ˡ' => "l",
            'ₘ' => "m",
            'ₙ' => "n",
            'ₚ' => "p",
            'ₛ' | 'ˢ' => "s",
            'ₜ' => "t",
            'ᵣ' | 'ʳ' => "r",
            'ᵤ' => "u",
            'ᵥ' => "v",
            'ʷ' => "w",
            'ʸ' => "y",
            _ => return None,
        },
    })
}

/// The Latin letter a Cyrillic, Greek or Armenian letter is mistaken for
/// (the prototypes of Unicode's confusables list that are one letter).
fn lookalike_latin(c: char) -> Option<char> {
    Some(match c {
        // Cyrillic: а А В е Е К М Н о О р Р с С Т у Ү х Х ѕ Ѕ і І Ӏ ј Ј һ ӏ ԁ ԛ Ԛ ԝ Ԝ
        '\u{430}' => 'a',
        '\u{410}' => 'A',
        '\u{412}' => 'B',
        '\u{435}' => 'e',
        '\u{415}' => 'E',
        '\u{41a}' => 'K',
        '\u{41c}' => 'M',
        '\u{41d}' => 'H',
        '\u{43e}' => 'o',
        '\u{41e}' => 'O',
        '\u{440}' => 'p',
        '\u{420}' => 'P',
        '\u{441}' => 'c',
        '\u{421}' => 'C',
        '\u{422}' => 'T',
        '\u{443}' => 'y',
        '\u{4ae}' => 'Y',
        '\u{445}' => 'x',
        '\u{425}' => 'X',
        '\u{455}' => 's',
        '\u{405}' => 'S',
        '\u{456}' => 'i',
        '\u{406}' | '\u{4c0}' => 'I',
        '\u{458}' => 'j',
        '\u{408}' => 'J',
        '\u{4bb}' => 'h',
        '\u{4cf}' => 'l',
        '\u{501}' => 'd',
        '\u{51b}' => 'q',
        '\u{51a}' => 'Q',
        '\u{51d}' => 'w',
        '\u{51c}' => 'W',
        // Greek: ο ρ ι ν υ Α Β Ε Ζ Η Ι Κ Μ Ν Ο Ρ Τ Υ Χ
        '\u{3bf}' => 'o',
        '\u{3c1}' => 'p',
        '\u{3b9}' => 'i',
        '\u{3bd}' => 'v',
        '\u{3c5}' => 'u',
        '\u{391}' => 'A',
        '\u{392}' => 'B',
        '\u{395}' => 'E',
        '\u{396}' => 'Z',
        '\u{397}' => 'H',
        '\u{399}' => 'I',
        '\u{39a}' => 'K',
        '\u{39c}' => 'M',
        '\u{39d}' => 'N',
        '\u{39f}' => 'O',
        '\u{3a1}' => 'P',
        '\u{3a4}' => 'T',
        '\u{3a5}' => 'Y',
        '\u{3a7}' => 'X',
        // Armenian: օ ս ց հ ո զ
        '\u{585}' => 'o',
        '\u{57d}' => 'u',
        '\u{581}' => 'g',
        '\u{570}' => 'h',
        '\u{578}' => 'n',
        '\u{566}' => 'q',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads_as(word: &str) -> Option<(Trick, &'static str)> {
        classify(word).map(|(trick, skeleton)| (trick, &*skeleton.leak()))
    }

    #[test]
    fn styled_names_read_as_ascii() {
        assert_eq!(reads_as("𝚎𝚡𝚎𝚌"), Some((Trick::Styled, "exec")));
        assert_eq!(reads_as("ｅｖａｌ"), Some((Trick::Styled, "eval")));
        assert_eq!(reads_as("__𝗂𝗆𝗉𝗈𝗋𝗍__"), Some((Trick::Styled, "__import__")));
        assert_eq!(reads_as("ﬁle"), Some((Trick::Styled, "file")));
    }

    #[test]
    fn mixed_scripts_in_one_segment() {
        // Cyrillic е (U+0435) inside a Latin word.
        assert_eq!(
            reads_as("r\u{435}quests"),
            Some((Trick::MixedScript, "requests"))
        );
        // Whole Cyrillic spelling of a sensitive name.
        assert_eq!(
            reads_as("\u{435}\u{445}\u{435}\u{441}"),
            Some((Trick::WholeScript, "exec"))
        );
    }

    #[test]
    fn words_around_non_ascii_text() {
        let src = "x = café + 1  # naïve\nr\u{435}quests.get()\n数据 = 'ü'\n";
        let found: Vec<&str> = words(src).into_iter().map(|(_, w)| w).collect();
        assert_eq!(found, ["café", "naïve", "r\u{435}quests", "数据", "ü"]);
    }

    #[test]
    fn genuine_non_latin_names_are_not_confusable() {
        // Greek letters as their own segment of a scientific name.
        assert_eq!(classify("sigma_ρ"), None);
        assert_eq!(classify("ρ0"), None);
        assert_eq!(classify("θ_max"), None);
        // Russian, accented Latin, CJK.
        assert_eq!(classify("счётчик"), None);
        assert_eq!(classify("café"), None);
        assert_eq!(classify("数据"), None);
        // All look-alikes but not a name that matters.
        assert_eq!(classify("\u{440}\u{43e}\u{441}"), None);
        assert_eq!(classify("plain"), None);
    }
}
