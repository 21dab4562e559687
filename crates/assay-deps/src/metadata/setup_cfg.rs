//! A minimal INI reader for `setup.cfg` (as setuptools' configparser reads it).

use std::collections::BTreeMap;

/// Sections of key/value pairs; keys are lower-cased, values keep their
/// continuation lines joined by `\n`.
#[derive(Debug, Default)]
pub(crate) struct Ini {
    sections: BTreeMap<String, Vec<(String, String, usize)>>,
}

impl Ini {
    pub(crate) fn parse(text: &str) -> Ini {
        let mut ini = Ini::default();
        let mut section = String::new();
        let mut current: Option<(String, String, usize)> = None;
        let flush =
            |ini: &mut Ini, section: &str, current: &mut Option<(String, String, usize)>| {
                if let Some(entry) = current.take() {
                    ini.sections
                        .entry(section.to_string())
                        .or_default()
                        .push(entry);
                }
            };
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim_end();
            let trimmed = line.trim_start();
            if trimmed.starts_with('#') || trimmed.starts_with(';') {
                continue;
            }
            if line.starts_with([' ', '\t']) && !trimmed.is_empty() {
                if let Some((_, value, _)) = current.as_mut() {
                    value.push('\n');
                    value.push_str(strip_inline_comment(trimmed));
                }
                continue;
            }
            if trimmed.is_empty() {
                continue;
            }
            flush(&mut ini, &section, &mut current);
            if let Some(name) = trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
                section = name.trim().to_string();
                continue;
            }
            let split = trimmed.find(['=', ':']);
            if let Some(i) = split {
                let key = trimmed[..i].trim().to_ascii_lowercase().replace('-', "_");
                let value = strip_inline_comment(trimmed[i + 1..].trim()).to_string();
                current = Some((key, value, index + 1));
            }
        }
        flush(&mut ini, &section, &mut current);
        ini
    }

    /// A value, or `None`.
    pub(crate) fn get(&self, section: &str, key: &str) -> Option<&str> {
        self.entry(section, key).map(|(v, _)| v)
    }

    /// A value with its 1-based line.
    pub(crate) fn entry(&self, section: &str, key: &str) -> Option<(&str, usize)> {
        self.sections
            .get(section)?
            .iter()
            .rev()
            .find(|(k, _, _)| k == key)
            .map(|(_, v, l)| (v.as_str(), *l))
    }

    /// All pairs of a section.
    pub(crate) fn section(&self, section: &str) -> impl Iterator<Item = (&str, &str, usize)> {
        self.sections
            .get(section)
            .into_iter()
            .flatten()
            .map(|(k, v, l)| (k.as_str(), v.as_str(), *l))
    }
}

/// configparser with `inline_comment_prefixes` unset keeps `#`, but
/// setuptools' requirement parsing drops ` #` comments: do the same.
fn strip_inline_comment(value: &str) -> &str {
    match value.find(" #") {
        Some(i) => value[..i].trim_end(),
        None => value,
    }
}
