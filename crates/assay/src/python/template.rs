//! Text built from known and unknown parts: an f-string with holes that are
//! not constant, `"curl " + url + " | sh"`, `"%s/.ssh" % home`,
//! `"{}:\\".format(drive)`, a command list with unknown items.
//!
//! A template is a value of its own, beside constant text: literal parts
//! and holes, with what is known of each hole (its taint). Checks ask it
//! questions ([`Template::literal_prefix`], [`Template::starts_with_hole`],
//! [`Template::has_holes`]); where a check reads text, it reads
//! [`Template::printed`], the one printing, with `{}` for each hole.

use std::sync::Arc;

use serde::Serialize;

use super::taint::Taint;

/// One part of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Text known before the code runs.
    Literal(Arc<str>),
    /// A part only known when the code runs.
    Hole(Hole),
}

/// What is known of a hole.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hole {
    /// The taint of the value that fills it (a secret, the user's name,
    /// data read from the network), as far as the walker can tell.
    pub taint: Taint,
}

/// Literal parts and holes, adjacent literals merged. One shared
/// allocation: the walker clones templates with every value it copies.
#[derive(Clone, PartialEq, Eq)]
pub struct Template(Arc<Parts>);

/// What a [`Template`] shares between its clones.
#[derive(PartialEq, Eq)]
struct Parts {
    parts: Box<[Part]>,
    /// The printed form, made once: templates are read as text often.
    printed: Box<str>,
}

impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Template")
            .field("parts", &self.0.parts)
            .field("printed", &self.0.printed)
            .finish()
    }
}

/// How a hole prints.
const HOLE: &str = "{}";

impl Template {
    /// A template of these parts (adjacent literals are merged, empty
    /// ones dropped).
    pub fn new(parts: impl IntoIterator<Item = Part>) -> Template {
        let mut merged: Vec<Part> = Vec::new();
        for part in parts {
            match (merged.last_mut(), part) {
                (_, Part::Literal(text)) if text.is_empty() => {}
                (Some(Part::Literal(last)), Part::Literal(text)) => {
                    *last = format!("{last}{text}").into();
                }
                (_, part) => merged.push(part),
            }
        }
        let mut printed = String::new();
        for part in &merged {
            match part {
                Part::Literal(text) => printed.push_str(text),
                Part::Hole(_) => printed.push_str(HOLE),
            }
        }
        Template(Arc::new(Parts {
            parts: merged.into_boxed_slice(),
            printed: printed.into_boxed_str(),
        }))
    }

    /// The parts, in order.
    /// A hole right after a label that names a credential (`"Token: {}"`,
    /// `"pass={}"`, `"Seed phrase: {}"`): the text says what fills it.
    pub fn labels_a_credential(&self) -> bool {
        self.parts().windows(2).any(|pair| match pair {
            [Part::Literal(label), Part::Hole(_)] => is_credential_label(&label[..]),
            _ => false,
        })
    }

    pub fn parts(&self) -> &[Part] {
        &self.0.parts
    }

    /// The template as text, `{}` for each hole (`curl {} | sh`): for
    /// checks that read text, and for reports.
    pub fn printed(&self) -> &str {
        &self.0.printed
    }

    /// Whether some part is unknown.
    pub fn has_holes(&self) -> bool {
        self.holes().next().is_some()
    }

    /// The holes, in order.
    pub fn holes(&self) -> impl Iterator<Item = &Hole> {
        self.0.parts.iter().filter_map(|p| match p {
            Part::Hole(hole) => Some(hole),
            Part::Literal(_) => None,
        })
    }

    /// The text before the first hole (all of it when there is none).
    pub fn literal_prefix(&self) -> &str {
        match self.0.parts.first() {
            Some(Part::Literal(text)) => text,
            _ => "",
        }
    }

    /// Whether the template starts with a hole (`f"{home}/.ssh"`).
    pub fn starts_with_hole(&self) -> bool {
        matches!(self.0.parts.first(), Some(Part::Hole(_)))
    }

    /// The printed text after a leading hole (`/.ssh` of `f"{home}/.ssh"`).
    pub fn after_leading_hole(&self) -> Option<&str> {
        self.starts_with_hole()
            .then(|| &self.0.printed[HOLE.len()..])
    }

    /// This template followed by `other`.
    pub fn followed_by(&self, other: &Template) -> Template {
        Template::new(self.0.parts.iter().chain(other.0.parts.iter()).cloned())
    }

    /// The printed length, for budgets.
    pub fn len(&self) -> usize {
        self.0.printed.len()
    }

    /// Whether it prints as nothing.
    pub fn is_empty(&self) -> bool {
        self.0.printed.is_empty()
    }
}

impl Serialize for Template {
    /// Its printed form.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0.printed)
    }
}

/// Text that ends with a label naming a credential and a `:` or `=`
/// (`"User: x\nToken: "`, `"&password="`, `"Seed phrase : "`).
fn is_credential_label(text: &str) -> bool {
    const LABELS: &[&str] = &[
        "token",
        "pass",
        "password",
        "passwd",
        "pwd",
        "secret",
        "api key",
        "apikey",
        "api_key",
        "cookie",
        "cookies",
        "seed",
        "seed phrase",
        "mnemonic",
        "private key",
        "private_key",
        "privkey",
    ];
    let Some(rest) = text.trim_end().strip_suffix([':', '=']) else {
        return false;
    };
    let rest = rest.trim_end().to_ascii_lowercase();
    LABELS.iter().any(|label| {
        rest.strip_suffix(label).is_some_and(|before| {
            before
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_ascii_alphanumeric())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(text: &str) -> Part {
        Part::Literal(text.into())
    }

    fn hole() -> Part {
        Part::Hole(Hole::default())
    }

    #[test]
    fn literals_merge_and_holes_print_as_braces() {
        let t = Template::new([lit("curl "), lit(""), hole(), lit(" | "), lit("sh")]);
        assert_eq!(t.parts().len(), 3);
        assert_eq!(t.printed(), "curl {} | sh");
        assert_eq!(t.literal_prefix(), "curl ");
        assert!(t.has_holes());
        assert!(!t.starts_with_hole());
        assert_eq!(t.after_leading_hole(), None);
    }

    #[test]
    fn a_leading_hole_is_seen() {
        let t = Template::new([hole(), lit("/.ssh/id_rsa")]);
        assert!(t.starts_with_hole());
        assert_eq!(t.literal_prefix(), "");
        assert_eq!(t.after_leading_hole(), Some("/.ssh/id_rsa"));
    }

    #[test]
    fn templates_join() {
        let a = Template::new([lit("echo "), hole()]);
        let b = Template::new([lit(" | base64 -d")]);
        assert_eq!(a.followed_by(&b).printed(), "echo {} | base64 -d");
        assert_eq!(a.followed_by(&b).parts().len(), 3);
    }
}
