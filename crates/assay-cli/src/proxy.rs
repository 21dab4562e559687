//! `assay proxy`: a scanning package index in front of the configured one;
//! and the gate options `assay install` shares with it.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use assay_gate::{Event, Gate, ProxyServer};
use assay_pipeline::config::{self, Loaded};
use assay_pipeline::{Policy, ResultCache, VerdictStore};
use clap::Args;
use owo_colors::OwoColorize as _;

use crate::Status;
use crate::args::{FailOn, IndexArgs, LimitArgs, fail_on_parser};

/// Most scan reports the proxy keeps in memory (the least recently used
/// are dropped; the disk store keeps them all).
const VERDICTS_IN_MEMORY: usize = 4096;

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
    #[command(flatten)]
    pub index: IndexArgs,

    /// Retries after a failed upstream request (default: pip's setting, 5).
    #[arg(long, value_name = "N", help_heading = "Index")]
    pub retries: Option<u32>,

    /// Block files whose verdict is at or above this [default: malicious,
    /// or the configuration file's `fail-on`].
    #[arg(long, value_parser = fail_on_parser(), help_heading = "Policy")]
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
    /// The gate these options describe, logging into `sink`.
    pub fn gate(
        &self,
        hide_blocked: bool,
        sink: impl Fn(Event<'_>) + Send + Sync + 'static,
    ) -> Result<Gate> {
        let loaded = load_config(self.config.as_deref())?;
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
        let mut index = self.index.to_options().or_config(options);
        index.retries = self.retries;
        let config = index.index_config(None, Vec::new())?;
        let limits = self.limits.to_limits();
        // A proxy answers for the upstream now: reuse no project page.
        let cache = index.cache()?.map(|c| c.with_page_ttl(Duration::ZERO));
        // Scan results go to the same authenticated store `assay scan`
        // uses; without it (no configuration folder for the key), they are
        // kept in memory only.
        let disk = match cache.as_ref().map(|c| ResultCache::open(c, &limits, None)) {
            Some(Ok(results)) => Some(results),
            Some(Err(error)) => {
                let _ = writeln!(
                    anstream::stderr().lock(),
                    "{} scan results are not cached on disk: {error}",
                    "warning:".yellow().bold()
                );
                None
            }
            None => None,
        };
        let verdicts = VerdictStore::new(disk, VERDICTS_IN_MEMORY);
        let client = assay_pipeline::options::client(config, cache)?;
        Ok(Gate::new(client, limits, policy, hide_blocked, verdicts).on_event(sink))
    }
}
/// The configuration file's options, from `--config FILE` or found from
/// the current folder.
pub fn load_config(given: Option<&std::path::Path>) -> Result<Loaded> {
    let cwd = std::env::current_dir().context("cannot read the current folder")?;
    Ok(config::load(given, &cwd)?)
}

/// One log line per event on standard error.
pub fn log_event(event: Event<'_>) {
    let mut err = anstream::stderr().lock();
    let _ = match event {
        Event::Served {
            filename,
            sha256,
            label,
            suppressed,
            ..
        } => writeln!(
            err,
            "served  {filename} ({}, sha256 {sha256}{})",
            label.map_or("unreadable", |l| l.as_str()),
            if suppressed == 0 {
                String::new()
            } else {
                format!("; {}", suppressed_findings(suppressed))
            }
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

/// "1 finding suppressed by the policy", for the log.
pub fn suppressed_findings(count: usize) -> String {
    let noun = if count == 1 { "finding" } else { "findings" };
    format!("{count} {noun} suppressed by the policy")
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
