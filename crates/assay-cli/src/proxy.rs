//! `assay proxy`: a scanning package index in front of the configured one;
//! and the gate options `assay install` shares with it.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use assay_gate::config::{self, Loaded};
use assay_gate::{Event, Gate, Policy, ProxyServer};
use assay_index::{Cache, Client, IndexConfig, IndexOverrides};
use clap::Args;
use owo_colors::OwoColorize as _;

use crate::Status;
use crate::args::{FailOn, LimitArgs};

/// `assay proxy`.
#[derive(Debug, Args)]
pub struct ProxyArgs {
    /// The address to listen on (port 0 picks a free port; the URL is
    /// printed on standard error).
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:3141")]
    pub listen: String,

    /// Leave files already known to be blocked out of project pages, so
    /// resolvers pick another version instead of failing on a 403.
    #[arg(long)]
    pub hide_blocked: bool,

    #[command(flatten)]
    pub gate: GateArgs,
}

/// What the gate fetches from and what it blocks; shared by `proxy` and
/// `install`.
#[derive(Debug, Args)]
pub struct GateArgs {
    /// The upstream index's simple API root (default: the configuration
    /// file's `index-url`, else what pip is configured to use:
    /// PIP_INDEX_URL, UV_DEFAULT_INDEX, pip.conf, ...).
    #[arg(
        long = "index-url",
        short = 'i',
        visible_alias = "upstream",
        value_name = "URL",
        help_heading = "Index"
    )]
    pub index_url: Option<String>,

    /// A further upstream index, merged into project pages as pip merges
    /// them. Repeatable.
    #[arg(long, value_name = "URL", help_heading = "Index")]
    pub extra_index_url: Vec<String>,

    /// Seconds to wait for the upstream before retrying (default 30).
    #[arg(long, value_name = "SECONDS", help_heading = "Index")]
    pub timeout: Option<u64>,

    /// Retries after a failed upstream request (default: pip's setting, 5).
    #[arg(long, value_name = "N", help_heading = "Index")]
    pub retries: Option<u32>,

    /// The cache folder for downloads and scan results (default:
    /// $XDG_CACHE_HOME/assay or ~/.cache/assay).
    #[arg(long, value_name = "DIR", help_heading = "Index")]
    pub cache_dir: Option<PathBuf>,

    /// Keep nothing on disk: every file is fetched and scanned again after
    /// a restart.
    #[arg(long, help_heading = "Index")]
    pub no_cache: bool,

    /// Block files whose verdict is at or above this [default: malicious,
    /// or the configuration file's `fail-on`].
    #[arg(long, value_enum, help_heading = "Policy")]
    pub fail_on: Option<FailOn>,

    /// Block every file of this project. Repeatable; adds to the
    /// configuration file's `deny`.
    #[arg(long, value_name = "NAME", help_heading = "Policy")]
    pub deny: Vec<String>,

    /// Serve files that could not be fully scanned (over a limit,
    /// unreadable) instead of blocking them.
    #[arg(long, help_heading = "Policy")]
    pub allow_unscannable: bool,

    /// The configuration file (default: assay.toml, or pyproject.toml with
    /// a [tool.assay] table, in this folder or the nearest parent).
    #[arg(long, value_name = "FILE", help_heading = "Policy")]
    pub config: Option<PathBuf>,

    #[command(flatten)]
    pub limits: LimitArgs,
}

impl GateArgs {
    /// The configuration file's options, from `--config` or discovery.
    fn load_config(&self) -> Result<Loaded> {
        match &self.config {
            Some(path) => Ok(Loaded {
                options: config::read(path)?,
                path: Some(path.clone()),
            }),
            None => {
                let cwd = std::env::current_dir().context("cannot read the current folder")?;
                Ok(config::discover(&cwd)?)
            }
        }
    }

    /// The gate these options describe, logging into `sink`.
    pub fn gate(
        &self,
        hide_blocked: bool,
        sink: impl Fn(Event<'_>) + Send + Sync + 'static,
    ) -> Result<Gate> {
        let loaded = self.load_config()?;
        let options = &loaded.options;
        let config_path = loaded.path.clone().unwrap_or_default();
        let mut policy: Policy = options.policy(&config_path)?;
        if let Some(fail_on) = self.fail_on {
            policy.fail_on = fail_on.threshold();
        }
        policy
            .deny
            .extend(self.deny.iter().map(|n| assay_index::normalize_name(n)));
        policy.allow_unscannable |= self.allow_unscannable;
        let mut extra = self.extra_index_url.clone();
        if self.index_url.is_none() {
            extra.extend(options.extra_index_url.iter().flatten().cloned());
        }
        let overrides = IndexOverrides {
            index_url: self.index_url.clone().or(options.index_url.clone()),
            extra_index_urls: extra,
            timeout: self.timeout.map(Duration::from_secs),
            retries: self.retries,
            ..IndexOverrides::default()
        };
        let index = match IndexConfig::discover(&overrides) {
            Ok(config) => config,
            Err(assay_index::ConfigError::NoIndex { .. }) => IndexConfig::from_local_pip(&overrides)
                .context("no package index is configured: pass --index-url URL (the simple API root) or set PIP_INDEX_URL")?,
            Err(error) => return Err(error).context("cannot read the index configuration"),
        };
        let cache = match (&self.cache_dir, self.no_cache) {
            (_, true) => None,
            (Some(dir), false) => Some(Cache::open(dir.clone())?),
            (None, false) => Some(Cache::open(Cache::default_dir()?)?),
        };
        // A proxy answers for the upstream now: reuse no project page.
        let cache = cache.map(|c| c.with_page_ttl(Duration::ZERO));
        let client = Client::new(index, cache).context("cannot set up the index client")?;
        Ok(Gate::new(client, self.limits.to_limits(), policy, hide_blocked).on_event(sink))
    }
}

/// One log line per event on standard error.
pub fn log_event(event: Event<'_>) {
    let mut err = anstream::stderr().lock();
    let _ = match event {
        Event::Served {
            filename,
            sha256,
            label,
        } => writeln!(
            err,
            "served  {filename} ({}, sha256 {sha256})",
            label.map_or("unreadable", |l| l.as_str())
        ),
        Event::Blocked(b) => writeln!(
            err,
            "{} {} ({}): {}",
            "BLOCKED".red().bold(),
            b.filename,
            b.project,
            b.reason
        ),
        Event::Failed { what, failure } => writeln!(
            err,
            "{} {what}: HTTP {} {}",
            "failed ".yellow(),
            failure.status,
            failure.message
        ),
    };
}

/// `assay proxy`: serves until killed.
pub fn run(args: &ProxyArgs) -> Result<Status> {
    let gate = Arc::new(args.gate.gate(args.hide_blocked, log_event)?);
    let upstreams = gate.upstreams().join(", ");
    let server = ProxyServer::start(gate, &args.listen)?;
    let _ = writeln!(
        anstream::stderr().lock(),
        "assay proxy: serving {} (upstream: {upstreams})",
        server.index_url()
    );
    server.wait();
    Ok(Status::Success)
}
