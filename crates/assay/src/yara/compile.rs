//! Reading and compiling the user's rule files: once per run, shared by
//! every thread. Every problem is the user's to fix, and names the file
//! (and for syntax, the line).

use std::path::{Path, PathBuf};

use crate::finding::Severity;

/// The user's rules, compiled. Cheap to share: wrap it in an `Arc`.
pub struct YaraRules {
    pub(super) rules: yara_x::Rules,
    /// The rule files read, in order.
    files: Vec<PathBuf>,
    /// Identifies these rules (see [`YaraRules::digest`]).
    digest: String,
}

impl std::fmt::Debug for YaraRules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("YaraRules")
            .field("files", &self.files)
            .field("rules", &self.len())
            .finish()
    }
}

/// Why the user's rules cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum YaraError {
    #[error("cannot read YARA rules {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no YARA rule files (*.yar, *.yara) in the folder {0}")]
    EmptyFolder(PathBuf),
    /// yara-x's report, which names the file, line and column.
    #[error("invalid YARA rules:\n{0}")]
    Syntax(String),
    #[error(
        "YARA rule `{rule}` in {path}: meta severity {value:?} is not one of info, low, medium, high, critical"
    )]
    Severity {
        rule: String,
        path: String,
        value: String,
    },
}

/// Extensions of rule files taken from a folder.
const RULE_EXTENSIONS: &[&str] = &["yar", "yara"];

impl YaraRules {
    /// Compiles the rule files and folders in `paths` (a folder gives its
    /// `*.yar` and `*.yara` files, recursively, in name order). Each file
    /// is its own namespace, so two files may use the same rule name.
    pub fn compile(paths: &[PathBuf]) -> Result<YaraRules, YaraError> {
        let mut files = Vec::new();
        for path in paths {
            let read = |source| YaraError::Read {
                path: path.clone(),
                source,
            };
            if std::fs::metadata(path).map_err(read)?.is_dir() {
                let before = files.len();
                rule_files_in(path, &mut files)?;
                if files.len() == before {
                    return Err(YaraError::EmptyFolder(path.clone()));
                }
            } else {
                files.push(path.clone());
            }
        }
        let texts = files
            .iter()
            .map(|file| {
                std::fs::read(file)
                    .map(|text| (file.clone(), text))
                    .map_err(|source| YaraError::Read {
                        path: file.clone(),
                        source,
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut compiler = yara_x::Compiler::new();
        compiler.colorize_errors(false);
        for (file, text) in &texts {
            let origin = file.display().to_string();
            compiler.new_namespace(&origin);
            if let Some(folder) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
                compiler.add_include_dir(folder);
            }
            let source = yara_x::SourceCode::from(text.as_slice()).with_origin(origin);
            if let Err(error) = compiler.add_source(source) {
                return Err(YaraError::Syntax(error.to_string()));
            }
        }
        let rules = compiler.build();
        for rule in rules.iter() {
            severity_of(&rule).map_err(|value| YaraError::Severity {
                rule: rule.identifier().to_owned(),
                path: rule.namespace().to_owned(),
                value,
            })?;
        }
        let digest = super::digest::rules_digest(&texts);
        Ok(YaraRules {
            rules,
            files,
            digest,
        })
    }

    /// How many rules were compiled.
    pub fn len(&self) -> usize {
        self.rules.iter().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rule files read, in order.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// A SHA-256 (hex) of the yara-x version and of every rule file's path
    /// and bytes, and of the files they include: results found with these
    /// rules are only valid for rules of the same digest.
    pub fn digest(&self) -> &str {
        &self.digest
    }
}

/// The `*.yar`/`*.yara` files under `folder`, recursively, in name order.
fn rule_files_in(folder: &Path, out: &mut Vec<PathBuf>) -> Result<(), YaraError> {
    let read = |source| YaraError::Read {
        path: folder.to_owned(),
        source,
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(folder)
        .map_err(read)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(read)?;
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            rule_files_in(&entry, out)?;
        } else if entry
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| RULE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        {
            out.push(entry);
        }
    }
    Ok(())
}

/// The severity a rule's `meta: severity = "…"` asks for (medium when it
/// names none), or the value that is not a severity.
pub(super) fn severity_of(rule: &yara_x::Rule<'_, '_>) -> Result<Severity, String> {
    let Some((_, value)) = rule
        .metadata()
        .find(|(key, _)| key.eq_ignore_ascii_case("severity"))
    else {
        return Ok(Severity::Medium);
    };
    let text = match value {
        yara_x::MetaValue::String(s) => s.to_owned(),
        other => format!("{other:?}"),
    };
    match text.trim().to_ascii_lowercase().as_str() {
        "info" => Ok(Severity::Info),
        "low" => Ok(Severity::Low),
        "medium" => Ok(Severity::Medium),
        "high" => Ok(Severity::High),
        "critical" => Ok(Severity::Critical),
        _ => Err(text),
    }
}
