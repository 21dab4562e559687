//! pip's configuration file format (Python `configparser`, simplified):
//! `[section]`, `key = value` or `key: value`, indented continuation lines,
//! `#`/`;` comment lines. Keys are lower-cased and `_` becomes `-`, as pip
//! normalises them.

use std::collections::BTreeMap;

/// Section → key → value.
pub(crate) type Ini = BTreeMap<String, BTreeMap<String, String>>;

/// Parses an INI text; lines it cannot read are returned as errors with
/// their 1-based line number.
pub(crate) fn parse(text: &str) -> Result<Ini, (usize, String)> {
    let mut ini = Ini::new();
    let mut section: Option<String> = None;
    let mut last_key: Option<String> = None;
    for (n, raw) in text.lines().enumerate() {
        let line_no = n + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            if trimmed.is_empty() {
                last_key = None;
            }
            continue;
        }
        if raw.starts_with([' ', '\t'])
            && let (Some(s), Some(k)) = (&section, &last_key)
            && let Some(v) = ini.get_mut(s).and_then(|m| m.get_mut(k))
        {
            v.push('\n');
            v.push_str(trimmed);
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[') {
            let name = name
                .strip_suffix(']')
                .ok_or_else(|| (line_no, format!("unterminated section header {trimmed:?}")))?;
            let name = name.trim().to_owned();
            ini.entry(name.clone()).or_default();
            section = Some(name);
            last_key = None;
            continue;
        }
        let sep = trimmed.find(['=', ':']).ok_or_else(|| {
            (
                line_no,
                format!("expected `key = value`, found {trimmed:?}"),
            )
        })?;
        let key = trimmed[..sep].trim().to_ascii_lowercase().replace('_', "-");
        let value = trimmed[sep + 1..].trim().to_owned();
        let s = section
            .clone()
            .ok_or_else(|| (line_no, "a key before any [section]".to_owned()))?;
        ini.entry(s).or_default().insert(key.clone(), value);
        last_key = Some(key);
    }
    Ok(ini)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sections_and_continuations() {
        let ini = parse(
            "# c\n[global]\nindex_url = https://mirror.example/simple\nextra-index-url =\n    http://127.0.0.1:1/a\n    http://127.0.0.1:2/b\n[install]\ntimeout: 5\n",
        )
        .expect("parses");
        assert_eq!(ini["global"]["index-url"], "https://mirror.example/simple");
        assert_eq!(
            ini["global"]["extra-index-url"],
            "\nhttp://127.0.0.1:1/a\nhttp://127.0.0.1:2/b"
        );
        assert_eq!(ini["install"]["timeout"], "5");
        assert!(parse("key = v\n").is_err());
        assert!(parse("[global\n").is_err());
        assert!(parse("[global]\njunk\n").is_err());
    }
}
