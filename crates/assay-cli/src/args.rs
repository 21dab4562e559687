//! The command line, declared with clap's derive API.

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;

use assay::Limits;
use assay_pipeline::IndexOptions;
pub use assay_pipeline::config::FailOn;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// The exit status table, shown by `--help` (and kept in step with
/// README.md).
macro_rules! exit_status_help {
    () => {
        "Exit status:
  0  no artifact's verdict is at or above --fail-on, and every artifact was read
  1  some artifact's verdict is at or above --fail-on
  2  usage error, output I/O error, or (when nothing met --fail-on) some
     artifact could not be fully scanned: an unscanned artifact is not known
     to be safe"
    };
}

const SCAN_AFTER_HELP: &str = concat!(
    "A verdict's score (CLEAN 12/100) is the weight of the evidence found, 0-100:\n",
    "70 and up is suspicious, 90 and up malicious. --fail-on goes by the verdict.\n\n",
    "SIZE is a number of bytes, or one with a suffix: K, M, G (or KiB, MiB, GiB)\n",
    "for powers of 1024, KB, MB, GB for powers of 1000: 512M, 64MiB, 10KB.\n\n",
    exit_status_help!()
);

/// Static malware scanner for Python packages: reads sdists, wheels and
/// folders without ever running their code.
#[derive(Debug, Parser)]
#[command(name = "assay", version, after_help = exit_status_help!())]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan names on an index (requests), requirements files (-r),
    /// pyproject.toml, lockfiles (uv.lock, poetry.lock, pylock.toml,
    /// Pipfile.lock), package files (.tar.gz, .zip, .whl, .egg), folders and
    /// installed environments (--env).
    #[command(after_help = SCAN_AFTER_HELP)]
    Scan(Box<ScanArgs>),
    /// List every rule: id, slug, category, severity and summary.
    Rules(RulesArgs),
    /// Show a rule's documentation.
    Explain(ExplainArgs),
    /// Manage the download and scan-result cache.
    Cache(CacheArgs),
    /// Serve a package index that scans every file before a client gets it.
    Proxy(Box<crate::proxy::ProxyArgs>),
    /// Run pip, uv, pdm or poetry with every download scanned first
    /// (through a private proxy).
    Install(Box<crate::install::InstallArgs>),
    /// Print a shell completion script (`assay completions bash >
    /// ~/.local/share/bash-completion/completions/assay`).
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct CacheArgs {
    #[command(subcommand)]
    pub action: CacheAction,
    /// The cache folder (default: $XDG_CACHE_HOME/assay or ~/.cache/assay).
    #[arg(long, value_name = "DIR", global = true)]
    pub cache_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::Subcommand)]
pub enum CacheAction {
    /// Delete every cached download, index page and scan result.
    Clean,
    /// Print the cache folder.
    Dir,
}

#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// What to scan: package files and folders (a folder is one package,
    /// not searched for archives); requirements files, pyproject.toml and
    /// lockfiles (uv.lock, poetry.lock, pylock.toml, Pipfile.lock), by
    /// file name; or requirements on an index (`name`, `name==1.2`,
    /// `name>=1,<2`) for anything that is not an existing path.
    #[arg(required_unless_present_any = ["envs", "requirements"], value_name = "TARGET")]
    pub paths: Vec<PathBuf>,

    /// A requirements file (pip's format), whatever its name. Repeatable.
    #[arg(long = "requirement", short = 'r', value_name = "FILE")]
    pub requirements: Vec<PathBuf>,

    /// A constraints file (pip's format): limits the versions resolution
    /// may choose, adds nothing to the scan. Repeatable.
    #[arg(
        long = "constraint",
        short = 'c',
        value_name = "FILE",
        help_heading = "Index"
    )]
    pub constraints: Vec<PathBuf>,

    #[command(flatten)]
    pub index: IndexArgs,

    /// Scan only the packages named, not their dependencies.
    #[arg(long, help_heading = "Index")]
    pub no_deps: bool,

    /// Scan every file of each release, not only the sdist, the wheel this
    /// platform would install and the pure-Python wheels; and every
    /// package of a lockfile, whatever platform or Python it is for.
    #[arg(long, help_heading = "Index")]
    pub all_files: bool,

    /// Allow pre-releases when resolving.
    #[arg(long, help_heading = "Index")]
    pub pre: bool,

    /// The Python version to resolve for (`3.12` or `3.12.4`; default: the
    /// local python3's, else 3.12).
    #[arg(long, value_name = "X.Y", help_heading = "Index")]
    pub python_version: Option<String>,

    /// The platform to scan for, when not this one: `linux`, `macos`,
    /// `windows`, or a target such as `aarch64-apple-darwin`,
    /// `x86_64-pc-windows-msvc`, `x86_64-manylinux_2_31` (uv's
    /// `--python-platform` names). Chooses the wheels and the lockfile
    /// packages that platform would install.
    #[arg(long, value_name = "PLATFORM", help_heading = "Index")]
    pub platform: Option<String>,

    /// Include an extra (optional dependencies) of a pyproject.toml,
    /// uv.lock or poetry.lock project. Repeatable.
    #[arg(long = "extra", value_name = "NAME", help_heading = "Project scope")]
    pub extras: Vec<String>,

    /// Include every extra.
    #[arg(long, help_heading = "Project scope")]
    pub all_extras: bool,

    /// Include a dependency group besides the default ones (`dev`, or
    /// uv's `default-groups`; every non-optional group for Poetry).
    /// Repeatable.
    #[arg(long = "group", value_name = "NAME", help_heading = "Project scope")]
    pub groups: Vec<String>,

    /// Only this dependency group: not the project's own dependencies,
    /// nor the default groups. Repeatable.
    #[arg(
        long = "only-group",
        value_name = "NAME",
        help_heading = "Project scope"
    )]
    pub only_groups: Vec<String>,

    /// Include every dependency group.
    #[arg(long, help_heading = "Project scope")]
    pub all_groups: bool,

    /// Leave out the default dependency groups.
    #[arg(long, help_heading = "Project scope")]
    pub no_default_groups: bool,

    /// Seconds all requests to the index may take together in this run;
    /// what is not fetched by then is reported as not scanned (default:
    /// no total, each request still ends within 600 seconds).
    #[arg(long, value_name = "SECONDS", help_heading = "Index")]
    pub timeout_total: Option<u64>,

    /// Scan an installed environment: a virtualenv folder, a site-packages
    /// folder, or a Python interpreter (a path or a name on PATH). Every
    /// installed distribution is checked against its RECORD, and files no
    /// distribution owns are reported. Repeatable.
    #[arg(long = "env", value_name = "PATH")]
    pub envs: Vec<PathBuf>,

    /// YARA rules to match as well: a rule file, or a folder of `*.yar`
    /// and `*.yara` files. Repeatable. Rules see every file of each
    /// artifact and every payload assay decodes; a match is a finding
    /// (AY990) with the severity of the rule's `meta: severity`
    /// (info, low, medium, high, critical; default medium).
    #[arg(long = "yara", value_name = "PATH")]
    pub yara: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Exit with status 1 when some artifact's verdict is at or above this
    /// [default: the configuration file's `fail-on`, else malicious].
    #[arg(long, value_parser = fail_on_parser())]
    pub fail_on: Option<FailOn>,

    /// The configuration file whose ignore entries and `fail-on` apply
    /// (default: assay.toml, or pyproject.toml with a [tool.assay] table,
    /// in this folder or the nearest parent).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// A previous JSON report (`--format json`): findings it has are
    /// reported as suppressed (baseline) and do not count in the verdict;
    /// only new ones can fail the scan.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Which findings become SARIF results (each one an alert on a
    /// code-scanning platform).
    #[arg(long, value_enum, default_value_t = SarifLevel::Verdict, value_name = "LEVEL")]
    pub sarif_level: SarifLevel,

    /// When to colour the output. `auto` colours a terminal unless NO_COLOR
    /// is set.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,

    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Artifacts and files analysed in parallel [default: all cores].
    #[arg(long, short, value_name = "N")]
    pub jobs: Option<NonZeroUsize>,

    /// Show clean artifacts in full, with sizes and hashes.
    #[arg(long, short, conflicts_with = "quiet")]
    pub verbose: bool,

    /// Show only artifacts that need attention and no summary (human
    /// format); draw no progress on standard error (any format).
    #[arg(long, short)]
    pub quiet: bool,

    // Last: the heading it sets applies to the options that follow.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Where packages come from and what is kept on disk: the index options
/// `scan`, `proxy` and `install` share.
#[derive(Debug, Clone, Args)]
pub struct IndexArgs {
    /// Base URL of the package index's simple API; for `proxy` and
    /// `install`, the upstream (alias `--upstream`). Default: the
    /// configuration file's `index-url` (proxy, install), else what pip is
    /// configured to use: PIP_INDEX_URL, UV_DEFAULT_INDEX, pip.conf, ...
    #[arg(
        long = "index-url",
        short = 'i',
        alias = "upstream",
        value_name = "URL",
        help_heading = "Index"
    )]
    pub index_url: Option<String>,

    /// A further index to look names up on (the proxy merges its project
    /// pages as pip does). Repeatable. A name found on more than one index
    /// is reported as a dependency-confusion risk.
    #[arg(long, value_name = "URL", help_heading = "Index")]
    pub extra_index_url: Vec<String>,

    /// Seconds to wait for the index before retrying (default 30).
    #[arg(long, value_name = "SECONDS", help_heading = "Index")]
    pub timeout: Option<u64>,

    /// The cache folder for downloads and scan results (default:
    /// $XDG_CACHE_HOME/assay or ~/.cache/assay).
    #[arg(long, value_name = "DIR", help_heading = "Index")]
    pub cache_dir: Option<PathBuf>,

    /// Use no cache: download everything and scan it again, writing
    /// nothing to disk (within one scan, a file fetched while resolving is
    /// kept in memory, so each is fetched once).
    #[arg(long, help_heading = "Index")]
    pub no_cache: bool,
}

impl IndexArgs {
    /// The pipeline's index options these flags give.
    pub fn to_options(&self) -> IndexOptions {
        IndexOptions {
            index_url: self.index_url.clone(),
            extra_index_urls: self.extra_index_url.clone(),
            timeout: self.timeout.map(Duration::from_secs),
            cache_dir: self.cache_dir.clone(),
            no_cache: self.no_cache,
            ..IndexOptions::default()
        }
    }
}

/// Limits on what one artifact may make assay read. Sizes take a plain
/// number of bytes or a suffix: K/M/G (or KiB/MiB/GiB) for powers of 1024,
/// KB/MB/GB for powers of 1000.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Limits (per artifact)")]
pub struct LimitArgs {
    /// Most uncompressed bytes read from one artifact [default: 512MiB].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_total_bytes: Option<u64>,

    /// Largest single file read; larger ones are skipped and reported
    /// [default: 64MiB].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_file_bytes: Option<u64>,

    /// Most entries read from one archive [default: 100000].
    #[arg(long, value_name = "N")]
    pub max_entries: Option<usize>,

    /// Largest ratio of uncompressed to compressed size [default: 200].
    #[arg(long, value_name = "N")]
    pub max_ratio: Option<u64>,

    /// Most tokens parsed per Python file [default: 4000000].
    #[arg(long, value_name = "N")]
    pub max_parse_tokens: Option<usize>,

    /// Most syntax nodes walked in one Python file [default: 10000000].
    #[arg(long, value_name = "N")]
    pub max_walk_nodes: Option<usize>,

    /// Most bytes of constants built while analysing one Python file
    /// [default: 128MiB].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_constant_bytes: Option<u64>,

    /// Most findings of one rule listed per artifact; the rest are counted
    /// [default: 100].
    #[arg(long, value_name = "N")]
    pub max_findings_per_rule: Option<usize>,

    /// Most facts (calls, strings, ...) per Python file [default: 200000].
    #[arg(long, value_name = "N")]
    pub max_facts: Option<usize>,
}

impl LimitArgs {
    /// The library's limits with the flags given applied.
    pub fn to_limits(&self) -> Limits {
        let defaults = Limits::default();
        let mut analysis = defaults.analysis;
        if let Some(tokens) = self.max_parse_tokens {
            analysis.max_parse_tokens = tokens;
        }
        if let Some(nodes) = self.max_walk_nodes {
            analysis.max_walk_nodes = nodes;
        }
        if let Some(bytes) = self.max_constant_bytes {
            analysis.max_constant_bytes = usize::try_from(bytes).unwrap_or(usize::MAX);
        }
        if let Some(facts) = self.max_facts {
            analysis.max_facts = facts;
        }
        Limits {
            analysis,
            max_findings_per_rule: self
                .max_findings_per_rule
                .unwrap_or(defaults.max_findings_per_rule),
            max_total_bytes: self.max_total_bytes.unwrap_or(defaults.max_total_bytes),
            max_file_bytes: self.max_file_bytes.unwrap_or(defaults.max_file_bytes),
            max_entries: self.max_entries.unwrap_or(defaults.max_entries),
            max_ratio: self.max_ratio.unwrap_or(defaults.max_ratio),
            ..defaults
        }
    }
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule id (`AY101`) or slug (`install-time-execution`).
    #[arg(value_name = "RULE")]
    pub rule: String,
}

/// Report formats of `assay scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: verdicts, evidence and code excerpts.
    Human,
    /// One JSON document (docs/json-schema.md), written as artifacts are
    /// scanned.
    Json,
    /// JSON Lines: one artifact per line, as each is scanned (the objects
    /// of the JSON document's `artifacts`), for pipelines.
    Jsonl,
    /// SARIF 2.1.0, for code-scanning platforms.
    Sarif,
}

/// Which findings `--format sarif` reports as results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SarifLevel {
    /// Findings of medium severity and above, in artifacts whose verdict
    /// is at or above --fail-on (in every artifact with --fail-on never).
    Verdict,
    /// Every finding of every artifact, low and info included.
    All,
}

impl SarifLevel {
    /// The library's policy for this level under `fail_on`.
    pub fn policy(self, fail_on: FailOn) -> assay::report::sarif::SarifPolicy {
        use assay::report::sarif::SarifPolicy;
        match self {
            SarifLevel::All => SarifPolicy::ALL,
            SarifLevel::Verdict => SarifPolicy {
                min_verdict: fail_on.threshold(),
                min_severity: assay::Severity::Medium,
            },
        }
    }
}

/// Formats of `assay rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

/// Parses `--fail-on` into the configuration file's threshold type.
pub fn fail_on_parser() -> impl clap::builder::TypedValueParser<Value = FailOn> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser as _};
    PossibleValuesParser::new([
        PossibleValue::new(FailOn::NAMES[0]),
        PossibleValue::new(FailOn::NAMES[1]),
        PossibleValue::new(FailOn::NAMES[2]).help("Never exit with status 1 (errors still give 2)"),
    ])
    .map(|name| name.parse::<FailOn>().expect("a possible value"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

/// Parses a size: `1048576`, `512M`, `64MiB`, `10KB`, `1g`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, suffix) = text.split_at(split);
    if digits.is_empty() {
        return Err(format!(
            "`{text}` is not a size: expected a number of bytes, like 512M"
        ));
    }
    let multiplier: u64 = match suffix.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        _ => {
            return Err(format!(
                "unknown size suffix `{}`: use K, M, G (powers of 1024) or KB, MB, GB",
                suffix.trim()
            ));
        }
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(multiplier))
        .ok_or_else(|| format!("`{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("64mib"), Ok(64 << 20));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert_eq!(parse_size("10KB"), Ok(10_000));
        assert_eq!(parse_size("7B"), Ok(7));
        assert!(parse_size("").is_err());
        assert!(parse_size("M").is_err());
        assert!(parse_size("-1").is_err());
        assert!(parse_size("1.5M").is_err());
        assert!(parse_size("12X").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }

    #[test]
    fn documented_defaults_match_the_library() {
        use clap::CommandFactory;
        let help = Cli::command()
            .find_subcommand_mut("scan")
            .unwrap()
            .render_long_help()
            .to_string();
        let defaults = Limits::default();
        for (flag, value) in [
            ("512MiB", defaults.max_total_bytes),
            ("64MiB", defaults.max_file_bytes),
            ("100000", defaults.max_entries as u64),
            ("200", defaults.max_ratio),
            ("4000000", defaults.analysis.max_parse_tokens as u64),
            ("10000000", defaults.analysis.max_walk_nodes as u64),
            ("128MiB", defaults.analysis.max_constant_bytes as u64),
            ("200000", defaults.analysis.max_facts as u64),
            ("100", defaults.max_findings_per_rule as u64),
        ] {
            assert!(help.contains(&format!("[default: {flag}]")), "{flag}");
            assert_eq!(parse_size(flag), Ok(value));
        }
    }

    #[test]
    fn env_alone_is_enough() {
        let cli = Cli::try_parse_from(["assay", "scan", "--env", "a", "--env", "b"]).unwrap();
        let Command::Scan(args) = cli.command else {
            panic!("not a scan");
        };
        assert!(args.paths.is_empty());
        assert_eq!(args.envs, [PathBuf::from("a"), PathBuf::from("b")]);
        assert!(Cli::try_parse_from(["assay", "scan"]).is_err());
    }

    #[test]
    fn limits_default_to_the_library_defaults() {
        let cli = Cli::try_parse_from(["assay", "scan", "x", "--max-file-bytes", "1M"]).unwrap();
        let Command::Scan(args) = cli.command else {
            panic!("not a scan");
        };
        assert_eq!(
            args.limits.to_limits(),
            Limits {
                max_file_bytes: 1 << 20,
                ..Limits::default()
            }
        );
    }
}
