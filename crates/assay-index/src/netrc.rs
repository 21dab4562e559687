//! `.netrc` files: `machine HOST login USER password PW`, `default`,
//! `account` and `macdef` (skipped).

/// One entry of a netrc file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// `None` for the `default` entry.
    pub machine: Option<String>,
    pub login: String,
    pub password: String,
}

/// Parses netrc text; unknown tokens are skipped.
pub(crate) fn parse(text: &str) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut current: Option<Entry> = None;
    let mut lines = text.lines();
    let mut tokens: Vec<String> = Vec::new();
    // Tokenise line by line so `macdef` bodies (up to a blank line) can be skipped.
    while let Some(line) = lines.next() {
        let words = line.split_whitespace();
        for w in words {
            if w.starts_with('#') {
                break;
            }
            if w == "macdef" {
                for l in lines.by_ref() {
                    if l.trim().is_empty() {
                        break;
                    }
                }
                break;
            }
            tokens.push(w.to_owned());
        }
    }
    let mut it = tokens.into_iter();
    while let Some(tok) = it.next() {
        match tok.as_str() {
            "machine" | "default" => {
                if let Some(e) = current.take() {
                    entries.push(e);
                }
                let machine = if tok == "machine" {
                    it.next().map(|m| m.to_ascii_lowercase())
                } else {
                    None
                };
                current = Some(Entry {
                    machine,
                    login: String::new(),
                    password: String::new(),
                });
            }
            "login" | "password" | "account" => {
                let value = it.next().unwrap_or_default();
                if let Some(e) = current.as_mut() {
                    match tok.as_str() {
                        "login" => e.login = value,
                        "password" => e.password = value,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(e) = current {
        entries.push(e);
    }
    entries
}

/// The entry for `host`, else the `default` entry.
pub(crate) fn lookup<'a>(entries: &'a [Entry], host: &str) -> Option<&'a Entry> {
    let host = host.to_ascii_lowercase();
    entries
        .iter()
        .find(|e| e.machine.as_deref() == Some(host.as_str()))
        .or_else(|| entries.iter().find(|e| e.machine.is_none()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_machines_and_default() {
        let entries = parse(
            "machine Mirror.Example login alice password s3cret\nmacdef init\ncd x\n\n# comment\ndefault login anon password guest\n",
        );
        assert_eq!(entries.len(), 2);
        let e = lookup(&entries, "mirror.example").expect("entry");
        assert_eq!((e.login.as_str(), e.password.as_str()), ("alice", "s3cret"));
        let d = lookup(&entries, "other.example").expect("default");
        assert_eq!(d.login, "anon");
        assert!(lookup(&parse("machine a login b"), "z").is_none());
    }
}
