//! The rule framework: one rule per file, grouped by family.
//!
//! A rule reads [`PackageFacts`] (the semantic model of every Python file plus
//! the package's metadata, file inventory and entry anomalies) and pushes
//! [`Finding`]s. Rules never see archive bytes or output formats.
//!
//! Each rule is declared with [`declare_rule!`], whose doc comment has three
//! sections (`## What it finds`, `## Why it matters`, `## Example`) and is the
//! single source for `assay rules`, `assay explain` and SARIF rule help.

use serde::Serialize;

use crate::artifact::{AnomalyKind, ArtifactKind, CoreMetadata, EntryAnomaly};
use crate::finding::{Finding, Location, Severity};
use crate::python::{Call, ExecContext, FileAnalysis, StringFact};
use crate::via::Via;

mod collection;
mod credentials;
mod evasion;
mod execution;
pub(crate) mod exfiltration;
pub(crate) mod helpers;
mod impact;
mod metadata;
pub(crate) mod packaging;
mod persistence;
mod user;

/// The families rules belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    CredentialAccess,
    Collection,
    Exfiltration,
    Execution,
    Persistence,
    DefenseEvasion,
    Impact,
    Packaging,
    Metadata,
    /// The user's own rules (`--yara`).
    UserRule,
}

impl Category {
    pub const fn as_str(self) -> &'static str {
        match self {
            Category::CredentialAccess => "credential-access",
            Category::Collection => "collection",
            Category::Exfiltration => "exfiltration",
            Category::Execution => "execution",
            Category::Persistence => "persistence",
            Category::DefenseEvasion => "defense-evasion",
            Category::Impact => "impact",
            Category::Packaging => "packaging",
            Category::Metadata => "metadata",
            Category::UserRule => "user-rule",
        }
    }
}

/// A rule's identity and documentation.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable id, never reused (`AY101`).
    pub id: &'static str,
    /// Stable kebab-case name (`install-time-execution`).
    pub slug: &'static str,
    pub category: Category,
    /// The severity of its strongest finding; a rule may report weaker ones
    /// (for example the same behaviour outside install time).
    pub severity: Severity,
    /// The doc comment, Markdown, with the three required sections.
    pub doc: &'static str,
}

impl RuleMeta {
    /// The documentation as Markdown: the doc comment without the space
    /// that follows each `///`.
    pub fn markdown(&self) -> String {
        let lines: Vec<&str> = self
            .doc
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect();
        lines.join("\n").trim().to_owned()
    }

    /// One sentence saying what the rule finds: the doc's first paragraph,
    /// joined into one line.
    pub fn summary(&self) -> String {
        self.doc
            .lines()
            .map(str::trim)
            .skip_while(|l| l.is_empty())
            .take_while(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// One section of the doc (`"What it finds"`), without its heading.
    pub fn section(&self, heading: &str) -> Option<String> {
        let markdown = self.markdown();
        let marker = format!("## {heading}\n");
        let start = markdown.find(&marker)? + marker.len();
        let rest = &markdown[start..];
        let end = if rest.starts_with("## ") {
            0
        } else {
            rest.find("\n## ").map_or(rest.len(), |e| e + 1)
        };
        Some(rest[..end].trim().to_owned())
    }

    /// Builds a finding of this rule with its default severity.
    pub fn finding(&'static self, location: Location, message: impl Into<String>) -> Finding {
        Finding {
            rule: self.id,
            slug: self.slug,
            severity: self.severity,
            message: message.into(),
            location,
            context: None,
            excerpt: None,
            decoded: None,
            value_kind: crate::finding::ValueKind::Value,
            via: None,
        }
    }
}

/// Everything a rule may look at for one package.
#[derive(Debug)]
pub struct PackageFacts<'a> {
    pub kind: ArtifactKind,
    /// The artifact's file name as given (`pkg-1.0.tar.gz`), which for
    /// sdists and wheels states a name and version of its own.
    pub file_name: Option<&'a str>,
    /// A wheel with no compiled code by its own account (`Root-Is-Purelib`,
    /// `-any` platform tags).
    pub pure_wheel: bool,
    pub metadata: Option<&'a CoreMetadata>,
    pub anomalies: &'a [EntryAnomaly],
    /// Every file with its detected kind (rules never see bytes).
    pub inventory: &'a [FileInfo],
    /// The semantic model of every Python source in the package.
    pub python: &'a [FileAnalysis],
    /// Code carried outside Python source: pickles, bytecode.
    pub carriers: &'a crate::carriers::Carriers,
    /// What each function does with its parameters, and the credentials
    /// that reach foreign hosts ([`crate::flows`]); `None` when not
    /// computed.
    pub flows: Option<&'a crate::flows::PackageFlows>,
    /// Matches of the user's YARA rules (`--yara`), if any were given.
    pub yara: &'a [crate::yara::YaraMatch],
}

/// A file's identity and what its bytes say it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInfo {
    pub path: String,
    pub size: u64,
    pub kind: FileKind,
}

/// What a file's bytes say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    Python,
    /// A `.pth` path configuration file.
    Pth,
    /// Compiled Python bytecode (`.pyc`).
    Bytecode,
    Elf,
    Pe,
    MachO,
    Text,
    Binary,
}

impl FileKind {
    pub const fn is_native(self) -> bool {
        matches!(self, FileKind::Elf | FileKind::Pe | FileKind::MachO)
    }

    /// Classifies a file by its name and first bytes.
    pub fn detect(path: &str, data: &[u8]) -> FileKind {
        let lower = path.to_ascii_lowercase();
        if data.starts_with(b"\x7fELF") {
            return FileKind::Elf;
        }
        if data.starts_with(b"MZ") && is_pe(data) {
            return FileKind::Pe;
        }
        if data.len() >= 4 {
            let magic = u32::from_be_bytes([data[0], data[1], data[2], data[3]]);
            // Mach-O 32/64 both byte orders, and fat binaries (0xcafebabe is
            // shared with Java class files, told apart by the arch count).
            const MACHO: [u32; 4] = [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe];
            if MACHO.contains(&magic) {
                return FileKind::MachO;
            }
            if magic == 0xcafebabe && data.len() >= 8 {
                let arches = u32::from_be_bytes([data[4], data[5], data[6], data[7]]);
                if (1..=20).contains(&arches) {
                    return FileKind::MachO;
                }
            }
        }
        if lower.ends_with(".py") || lower.ends_with(".pyw") {
            return FileKind::Python;
        }
        if lower.ends_with(".pth") {
            return FileKind::Pth;
        }
        if lower.ends_with(".pyc") || lower.ends_with(".pyo") {
            return FileKind::Bytecode;
        }
        let head = &data[..data.len().min(8192)];
        if head.contains(&0) {
            FileKind::Binary
        } else {
            FileKind::Text
        }
    }
}

/// A PE file starts with `MZ` and points at a `PE\0\0` header.
fn is_pe(data: &[u8]) -> bool {
    let Some(offset) = data.get(0x3c..0x40) else {
        return false;
    };
    let offset = u32::from_le_bytes([offset[0], offset[1], offset[2], offset[3]]) as usize;
    data.get(offset..offset.saturating_add(4)) == Some(b"PE\0\0")
}

/// A detection rule.
pub trait Rule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>);

    /// Whether the rule reads [`PackageFacts::flows`]. The others run
    /// while a scan builds the flows ([`check_selected`]); a rule that
    /// reads them without saying so would find none there.
    fn reads_flows(&self) -> bool {
        false
    }
}

/// Declares a rule's unit struct and its [`RuleMeta`], taking the doc
/// comment as the rule's documentation.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])+
        pub struct $name:ident {
            id: $id:literal,
            slug: $slug:literal,
            category: $category:ident,
            severity: $severity:ident $(,)?
        }
    ) => {
        $(#[doc = $doc])+
        pub struct $name;

        impl $name {
            pub const META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
                id: $id,
                slug: $slug,
                category: $crate::rules::Category::$category,
                severity: $crate::finding::Severity::$severity,
                doc: concat!($($doc, "\n"),+),
            };
        }
    };
}
pub(crate) use declare_rule;

/// Every rule, in id order. Ids and slugs are stable: never renumber.
pub static RULES: &[&dyn Rule] = &[
    &execution::install_time_execution::InstallTimeExecution,
    &execution::pth_execution::PthExecution,
    &execution::reverse_shell::ReverseShell,
    &execution::exec_decoded::ExecDecoded,
    &execution::download_execute::DownloadExecute,
    &execution::hidden_command::HiddenCommand,
    &execution::agent_tool_poisoning::AgentToolPoisoning,
    &execution::pickle_code_execution::PickleCodeExecution,
    &execution::bundled_native_loaded::BundledNativeLoaded,
    &credentials::cloud_credentials::CloudCredentials,
    &credentials::app_secrets::AppSecrets,
    &exfiltration::host_data::HostData,
    &exfiltration::endpoints::Endpoints,
    &exfiltration::import_network::ImportNetwork,
    &exfiltration::credential_flow::CredentialFlow,
    &exfiltration::hidden_relay::HiddenRelay,
    &evasion::unanalysable_source::UnanalysableSource,
    &evasion::packed_code::PackedCode,
    &evasion::bytecode_without_source::BytecodeWithoutSource,
    &evasion::whitespace_hidden_code::WhitespaceHiddenCode,
    &evasion::bidi_control::BidiControl,
    &evasion::confusable_identifier::ConfusableIdentifier,
    &evasion::silenced_errors::SilencedErrors,
    &evasion::anti_analysis::AntiAnalysis,
    &evasion::payload_after_end_marker::PayloadAfterEndMarker,
    &packaging::unsafe_entry::UnsafeEntry,
    &packaging::native_binary::NativeBinary,
    &packaging::record_mismatch::RecordMismatch,
    &packaging::archive_bomb::ArchiveBomb,
    &packaging::command_shadows_tool::CommandShadowsTool,
    &persistence::autostart::Autostart,
    &collection::screen_capture::ScreenCapture,
    &collection::clipboard_capture::ClipboardCapture,
    &collection::keylogging::Keylogging,
    &collection::document_sweep::DocumentSweep,
    &impact::destructive_delete::DestructiveDelete,
    &impact::ransomware::Ransomware,
    &impact::crypto_miner::CryptoMiner,
    &impact::clipboard_wallet_swap::ClipboardWalletSwap,
    &impact::network_flood::NetworkFlood,
    &metadata::filename_mismatch::FilenameMismatch,
    &metadata::confusion_marker::ConfusionMarker,
    &user::yara_match::YaraMatch,
];

/// Looks a rule up by id (case-insensitive) or slug.
pub fn find(id_or_slug: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| {
        let m = r.meta();
        m.id.eq_ignore_ascii_case(id_or_slug) || m.slug == id_or_slug
    })
}

/// Runs every rule over one package's facts; findings come back in rule
/// id order. Rules run in parallel: each reads the shared facts only.
pub fn check_all(facts: &PackageFacts<'_>) -> Vec<Finding> {
    use rayon::prelude::*;
    RULES
        .par_iter()
        .flat_map_iter(|rule| {
            let mut out = Vec::new();
            rule.check(facts, &mut out);
            out
        })
        .collect()
}

/// The findings of the rules `select` picks, each at its rule's place in
/// [`RULES`] (`None` for the rules left out), so that two selections
/// merge into the order [`check_all`] gives.
pub fn check_selected(
    facts: &PackageFacts<'_>,
    select: impl Fn(&dyn Rule) -> bool + Sync,
) -> Vec<Option<Vec<Finding>>> {
    use rayon::prelude::*;
    RULES
        .par_iter()
        .map(|rule| {
            select(*rule).then(|| {
                let mut out = Vec::new();
                rule.check(facts, &mut out);
                out
            })
        })
        .collect()
}

/// Helpers shared by rules over anomalies.
pub(crate) fn anomalies_of<'a>(
    facts: &'a PackageFacts<'_>,
    kinds: &'a [AnomalyKind],
) -> impl Iterator<Item = &'a EntryAnomaly> {
    facts
        .anomalies
        .iter()
        .filter(move |a| kinds.contains(&a.kind))
}

/// A finding about an archive entry: `what` and the entry's name, with the
/// anomaly's detail (link target, hashes, limit) as the decoded value.
pub(crate) fn anomaly_finding(
    meta: &'static RuleMeta,
    anomaly: &EntryAnomaly,
    what: &str,
    severity: Severity,
) -> Finding {
    let mut f = meta.finding(
        Location::file(anomaly.path.clone()),
        format!("{what}: {}", anomaly.path),
    );
    f.severity = severity;
    let kind = if anomaly.kind == AnomalyKind::RecordMismatch {
        crate::finding::ValueKind::Hashes
    } else {
        crate::finding::ValueKind::Detail
    };
    f.set_value(
        kind,
        (!anomaly.detail.is_empty()).then(|| anomaly.detail.clone()),
    );
    f
}

/// A finding at a call, with its context, excerpt and decoding chain.
pub(crate) fn code_finding(
    meta: &'static RuleMeta,
    file: &FileAnalysis,
    call: &Call,
    message: impl Into<String>,
) -> Finding {
    located(
        meta,
        file,
        call.line,
        call.column,
        call.context,
        call.via.as_ref(),
        message.into(),
    )
}

/// A finding at a constant string.
pub(crate) fn string_finding(
    meta: &'static RuleMeta,
    file: &FileAnalysis,
    s: &StringFact,
    message: impl Into<String>,
) -> Finding {
    located(
        meta,
        file,
        s.line,
        s.column,
        s.context,
        s.via.as_ref(),
        message.into(),
    )
}

fn located(
    meta: &'static RuleMeta,
    file: &FileAnalysis,
    line: u32,
    column: u32,
    context: ExecContext,
    via: Option<&Via>,
    message: String,
) -> Finding {
    let mut f = meta.finding(Location::at(file.path.clone(), line, column), message);
    f.context = Some(context);
    f.via = via.cloned();
    f.excerpt = file.excerpt(line);
    f
}

/// The taint of what a call sends: every argument, except for a download
/// to a file (`urlretrieve(url, path)`), whose path names where the
/// download goes on this machine and is not sent anywhere.
pub(crate) fn sent_taint(call: &Call) -> crate::python::taint::Taint {
    if crate::python::names::is_download_to_file(&call.name) {
        return call
            .args
            .first()
            .or_else(|| call.keyword("url"))
            .map_or(0, |v| v.taint);
    }
    call.all_args().fold(0, |t, a| t | a.taint)
}

/// The command line a process call runs, when it is known.
pub(crate) fn shell_text(call: &Call) -> Option<String> {
    call.args
        .first()
        .or_else(|| call.keyword("args"))
        .and_then(|v| v.printed())
        .map(str::to_owned)
}

/// The program a command word names: quotes, folders and a `.exe` suffix
/// dropped (`"C:\\Tools\\curl.exe"` → `curl`).
pub(crate) fn program_name(word: &str) -> &str {
    let word = word.trim_matches(['"', '\'']);
    let base = word.rsplit(['/', '\\']).next().unwrap_or(word);
    base.strip_suffix(".exe").unwrap_or(base)
}

/// The start of a decoded value, for reports.
pub(crate) fn preview(text: &str) -> String {
    cut_to(text, 400)
}

/// `text` cut to `width` characters, with `…` when something was cut.
pub(crate) fn cut_to(text: &str, width: usize) -> String {
    if text.chars().count() > width {
        let cut: String = text.chars().take(width).collect();
        format!("{cut}…")
    } else {
        text.to_owned()
    }
}
