//! `assay install`: runs the user's own installer with its index pointed
//! at a private scanning proxy on a free loopback port, so every file it
//! downloads (sdists included, before any build backend runs) is scanned
//! first.

use std::ffi::OsString;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use assay_gate::{Event, ProxyServer};
use clap::{Args, ValueEnum};
use owo_colors::OwoColorize as _;

use crate::proxy::GateArgs;

/// The installers `assay install` knows how to point at the proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Installer {
    /// `pip install …` (PIP_INDEX_URL).
    Pip,
    /// `uv pip install …` (UV_DEFAULT_INDEX).
    Uv,
    /// `pdm install …` (PDM_PYPI_URL).
    Pdm,
    /// Poetry reads its sources from pyproject.toml only; not supported yet.
    Poetry,
}

/// `assay install`.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// The installer to run. With `-- ARGS`, ARGS follow the installer's
    /// program (`--with uv -- pip install x` runs `uv pip install x`);
    /// without `--with`, `-- COMMAND` runs COMMAND as it is.
    #[arg(long = "with", value_enum, value_name = "INSTALLER")]
    pub installer: Option<Installer>,

    /// A requirements file, passed to the installer. Repeatable.
    #[arg(long = "requirement", short = 'r', value_name = "FILE")]
    pub requirements: Vec<PathBuf>,

    /// Requirements to install (`requests`, `django>=5`).
    #[arg(value_name = "PACKAGE")]
    pub packages: Vec<String>,

    /// After `--`: the installer's arguments, or the whole command.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,

    #[command(flatten)]
    pub gate: GateArgs,
}

impl InstallArgs {
    /// The command line to run.
    fn command_line(&self) -> Result<Vec<OsString>> {
        let installer = self.installer.unwrap_or(Installer::Pip);
        if installer == Installer::Poetry {
            bail!(
                "poetry takes its package sources from pyproject.toml only, so assay cannot point it at the proxy: \
                 run `assay proxy` and add it as the primary source (docs/gate.md)"
            );
        }
        if !self.command.is_empty() {
            if self.installer.is_none() {
                return Ok(self.command.clone());
            }
            let program = match installer {
                Installer::Pip => "pip",
                Installer::Uv => "uv",
                Installer::Pdm | Installer::Poetry => "pdm",
            };
            let mut line = vec![OsString::from(program)];
            line.extend(self.command.iter().cloned());
            return Ok(line);
        }
        if self.packages.is_empty() && self.requirements.is_empty() && installer != Installer::Pdm {
            bail!("nothing to install: name packages, pass -r FILE, or give a command after --");
        }
        let mut line: Vec<OsString> = match installer {
            Installer::Pip => vec!["pip".into(), "install".into()],
            Installer::Uv => vec!["uv".into(), "pip".into(), "install".into()],
            Installer::Pdm | Installer::Poetry => vec!["pdm".into(), "install".into()],
        };
        for r in &self.requirements {
            line.push("-r".into());
            line.push(r.into());
        }
        line.extend(self.packages.iter().map(OsString::from));
        Ok(line)
    }
}

/// Points every supported installer at `index_url`, and keeps their
/// caches and other index settings from bypassing it.
fn point_at_proxy(command: &mut Command, index_url: &str) {
    // pip: environment beats its configuration files; an empty list
    // replaces a configured one.
    command
        .env("PIP_INDEX_URL", index_url)
        .env("PIP_EXTRA_INDEX_URL", "")
        .env("PIP_FIND_LINKS", "")
        .env("PIP_NO_CACHE_DIR", "1");
    // uv: the default index, nothing else; a throwaway cache.
    command
        .env("UV_DEFAULT_INDEX", index_url)
        .env("UV_INDEX_URL", index_url)
        .env_remove("UV_INDEX")
        .env_remove("UV_EXTRA_INDEX_URL")
        .env_remove("UV_FIND_LINKS")
        .env("UV_NO_CACHE", "1");
    // pdm.
    command.env("PDM_PYPI_URL", index_url);
    // Reach the loopback proxy directly even when an HTTP proxy is set.
    let mut no_proxy = std::env::var("NO_PROXY")
        .or_else(|_| std::env::var("no_proxy"))
        .unwrap_or_default();
    if !no_proxy.is_empty() {
        no_proxy.push(',');
    }
    no_proxy.push_str("127.0.0.1,localhost");
    command
        .env("NO_PROXY", &no_proxy)
        .env("no_proxy", &no_proxy);
}

fn log_install_event(event: Event<'_>) {
    match event {
        Event::Served { .. } => {}
        other => crate::proxy::log_event(other),
    }
}

/// `assay install`: the installer's exit code, or 1 when assay blocked a
/// file (the blocked files are listed).
pub fn run(args: &InstallArgs) -> Result<ExitCode> {
    let line = args.command_line()?;
    let gate = Arc::new(args.gate.gate(false, log_install_event)?);
    let server = ProxyServer::start(gate.clone(), "127.0.0.1:0")?;
    let index_url = server.index_url();
    let mut command = Command::new(&line[0]);
    command.args(&line[1..]);
    point_at_proxy(&mut command, &index_url);
    let status = command
        .status()
        .with_context(|| format!("cannot run {}", line[0].to_string_lossy()))?;
    drop(server);
    let blocked = gate.blocked();
    let mut err = anstream::stderr().lock();
    if !blocked.is_empty() {
        let _ = writeln!(
            err,
            "{} assay blocked {} file{}:",
            "error:".red().bold(),
            blocked.len(),
            if blocked.len() == 1 { "" } else { "s" }
        );
        for b in &blocked {
            let _ = writeln!(err, "  {} ({}): {}", b.filename, b.project, b.reason);
        }
        return Ok(ExitCode::from(1));
    }
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1).max(1)),
        // Killed by a signal.
        None => ExitCode::from(1),
    })
}
