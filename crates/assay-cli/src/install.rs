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
    /// `pdm install`, or `pdm add PACKAGE…` (PDM_PYPI_URL).
    Pdm,
    /// `pipenv install [-r FILE] [PACKAGE…]` (PIPENV_PYPI_MIRROR).
    Pipenv,
    /// `poetry install`, or `poetry add PACKAGE…` (POETRY_PYPI_MIRROR_URL:
    /// needs the poetry-plugin-pypi-mirror plugin; without it poetry
    /// fails rather than bypassing the proxy).
    Poetry,
}

impl Installer {
    /// The program run.
    fn program(self) -> &'static str {
        match self {
            Installer::Pip => "pip",
            Installer::Uv => "uv",
            Installer::Pdm => "pdm",
            Installer::Pipenv => "pipenv",
            Installer::Poetry => "poetry",
        }
    }

    /// Installers that manage a project (its own sources in
    /// `pyproject.toml` or the `Pipfile`, its own download cache): their
    /// requests to any host but the proxy are refused, and they get a
    /// fresh cache folder through this variable.
    fn project_cache_variable(self) -> Option<&'static str> {
        match self {
            Installer::Pip | Installer::Uv => None,
            Installer::Pdm => Some("PDM_CACHE_DIR"),
            Installer::Pipenv => Some("PIPENV_CACHE_DIR"),
            Installer::Poetry => Some("POETRY_CACHE_DIR"),
        }
    }

    /// Why a project installer may never ask the proxy, for the hint.
    fn bypass_hint(self) -> Option<&'static str> {
        match self {
            Installer::Pip | Installer::Uv => None,
            Installer::Pdm => Some(
                "pdm reads `[[tool.pdm.source]]` from pyproject.toml before PDM_PYPI_URL: a source named \"pypi\" replaces the proxy",
            ),
            Installer::Pipenv => Some(
                "pipenv replaces only the default index of the Pipfile's `[[source]]` list by the proxy (PIPENV_PYPI_MIRROR); other sources are used as written",
            ),
            Installer::Poetry => Some(
                "poetry reads its sources from pyproject.toml only. Install the mirror plugin (`poetry self add poetry-plugin-pypi-mirror`) so that assay can point poetry's default source at the proxy",
            ),
        }
    }
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
        if matches!(installer, Installer::Pdm | Installer::Poetry) && !self.requirements.is_empty()
        {
            let program = installer.program();
            bail!(
                "{program} takes no requirements file: name packages (`{program} add`) or give a command after --"
            );
        }
        if !self.command.is_empty() {
            if self.installer.is_none() {
                return Ok(self.command.clone());
            }
            let mut line = vec![OsString::from(installer.program())];
            line.extend(self.command.iter().cloned());
            return Ok(line);
        }
        let installs_the_project = installer.project_cache_variable().is_some();
        if self.packages.is_empty() && self.requirements.is_empty() && !installs_the_project {
            bail!("nothing to install: name packages, pass -r FILE, or give a command after --");
        }
        let mut line: Vec<OsString> = match installer {
            Installer::Pip => vec!["pip".into(), "install".into()],
            Installer::Uv => vec!["uv".into(), "pip".into(), "install".into()],
            Installer::Pdm if self.packages.is_empty() => vec!["pdm".into(), "install".into()],
            Installer::Pdm => vec!["pdm".into(), "add".into()],
            Installer::Pipenv => vec!["pipenv".into(), "install".into()],
            Installer::Poetry if self.packages.is_empty() => {
                vec!["poetry".into(), "install".into()]
            }
            Installer::Poetry => vec!["poetry".into(), "add".into()],
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
    // pdm: the default source (a `[[tool.pdm.source]]` named "pypi"
    // overrides it).
    command.env("PDM_PYPI_URL", index_url);
    // pipenv: replaces the default index among the Pipfile's sources
    // (see `pipenv_reads_only_its_sources`).
    command.env("PIPENV_PYPI_MIRROR", index_url);
    // poetry: its package sources come from pyproject.toml only; the
    // poetry-plugin-pypi-mirror plugin replaces the default source with
    // this URL (a source the project names itself is not replaced: see
    // `trap_other_hosts`).
    command.env("POETRY_PYPI_MIRROR_URL", index_url);
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

/// Sends every request to a host other than the loopback proxy to the
/// proxy itself, as an HTTP proxy, where it is refused: an installer that
/// ignores the index settings (poetry without the mirror plugin, a source
/// in pyproject.toml) fails instead of fetching unscanned files.
fn trap_other_hosts(command: &mut Command, proxy_root: &str) {
    for var in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        command.env(var, proxy_root);
    }
}

/// pipenv takes the index of pip's configuration (PIP_INDEX_URL, pip.conf)
/// as the default source of a Pipfile, writes it into new Pipfiles and
/// records it as the index of each package it adds: it would record the
/// proxy's temporary address. Without pip's configuration its default
/// source is the public index, which PIPENV_PYPI_MIRROR replaces by the
/// proxy at every run without writing it into the Pipfile.
fn pipenv_reads_only_its_sources(command: &mut Command) {
    command
        .env_remove("PIP_INDEX_URL")
        .env_remove("PIP_EXTRA_INDEX_URL")
        .env(
            "PIP_CONFIG_FILE",
            if cfg!(windows) { "nul" } else { "/dev/null" },
        );
}

/// pipenv writes the mirror (the proxy's temporary address) as the source
/// of a Pipfile it creates. When no Pipfile is found here or above (and
/// PIPENV_PIPFILE names none), an empty one is written first, with no
/// `[[source]]`: pipenv's default index, which the mirror replaces.
fn pipfile_for_pipenv() -> Result<Option<PathBuf>> {
    if std::env::var_os("PIPENV_PIPFILE").is_some() {
        return Ok(None);
    }
    let here = std::env::current_dir().context("cannot read the current folder")?;
    if here.ancestors().any(|dir| dir.join("Pipfile").is_file()) {
        return Ok(None);
    }
    let path = here.join("Pipfile");
    std::fs::write(&path, "[packages]\n\n[dev-packages]\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(Some(path))
}

/// Keeps a project installer's download cache, which serves files without
/// asking the index, out of the run: a fresh folder in `variable`, removed
/// afterwards.
fn fresh_cache(command: &mut Command, variable: &str) -> Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new()
        .prefix("assay-installer-cache")
        .tempdir()
        .context("cannot create a cache folder for the installer")?;
    command.env(variable, dir.path());
    Ok(dir)
}

/// Blocked files and upstream failures as `assay proxy` logs them; of the
/// files served, only those an ignore entry let through (the installer
/// reports the rest).
fn log_install_event(event: Event<'_>) {
    match event {
        Event::Served {
            project,
            filename,
            suppressed,
            ..
        } => {
            if suppressed > 0 {
                let _ = writeln!(
                    anstream::stderr().lock(),
                    "{} {filename} ({project}): {}",
                    "allowed".yellow().bold(),
                    crate::proxy::suppressed_findings(suppressed)
                );
            }
        }
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
    if args.installer == Some(Installer::Pipenv) {
        pipenv_reads_only_its_sources(&mut command);
        if let Some(created) = pipfile_for_pipenv()? {
            let _ = writeln!(
                anstream::stderr().lock(),
                "{} created {} with no [[source]]: pipenv's default index, which assay replaces by its proxy",
                "note:".cyan().bold(),
                created.display()
            );
        }
    }
    let project_installer = args
        .installer
        .filter(|i| i.project_cache_variable().is_some());
    let _cache = match project_installer.and_then(Installer::project_cache_variable) {
        Some(variable) => {
            trap_other_hosts(&mut command, &format!("http://{}", server.addr()));
            Some(fresh_cache(&mut command, variable)?)
        }
        None => None,
    };
    let status = command
        .status()
        .with_context(|| format!("cannot run {}", line[0].to_string_lossy()))?;
    drop(server);
    let blocked = gate.blocked();
    let mut err = anstream::stderr().lock();
    let asked = gate.stats();
    if let Some(installer) = project_installer
        && let Some(why) = installer.bypass_hint()
        && !status.success()
        && asked.page_requests == 0
        && asked.file_requests == 0
    {
        let _ = writeln!(
            err,
            "{} {} never asked the proxy for a package: {why}; requests to any other host were refused",
            "hint:".cyan().bold(),
            installer.program(),
        );
    }
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

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::point_at_proxy;
    use crate::args::{Cli, Command};

    /// The installer command `assay ARGS` would run, or its error.
    fn line(args: &[&str]) -> Result<Vec<String>, String> {
        let cli = Cli::try_parse_from(["assay"].iter().chain(args)).expect("parses");
        let Command::Install(install) = cli.command else {
            panic!("an install command");
        };
        install
            .command_line()
            .map(|line| {
                line.iter()
                    .map(|a| a.to_string_lossy().into_owned())
                    .collect()
            })
            .map_err(|e| e.to_string())
    }

    #[test]
    fn pdm_installs_the_project_or_adds_packages() {
        assert_eq!(
            line(&["install", "--with", "pdm"]),
            Ok(vec!["pdm".into(), "install".into()])
        );
        assert_eq!(
            line(&["install", "--with", "pdm", "requests"]),
            Ok(vec!["pdm".into(), "add".into(), "requests".into()])
        );
        let error = line(&["install", "--with", "pdm", "-r", "requirements.txt"]).unwrap_err();
        assert!(error.contains("pdm takes no requirements file"), "{error}");
    }

    #[test]
    fn pipenv_installs_requirements_files_and_packages() {
        assert_eq!(
            line(&["install", "--with", "pipenv"]),
            Ok(vec!["pipenv".into(), "install".into()])
        );
        assert_eq!(
            line(&["install", "--with", "pipenv", "-r", "req.txt", "front"]),
            Ok(vec![
                "pipenv".into(),
                "install".into(),
                "-r".into(),
                "req.txt".into(),
                "front".into()
            ])
        );
        assert_eq!(
            line(&["install", "--with", "pipenv", "--", "sync", "--dev"]),
            Ok(vec!["pipenv".into(), "sync".into(), "--dev".into()])
        );
    }

    #[test]
    fn every_installer_is_pointed_at_the_proxy_with_its_cache_off() {
        let url = "http://127.0.0.1:1/simple/";
        let mut command = std::process::Command::new("true");
        point_at_proxy(&mut command, url);
        let env: std::collections::HashMap<String, Option<String>> = command
            .get_envs()
            .map(|(k, v)| {
                (
                    k.to_string_lossy().into_owned(),
                    v.map(|v| v.to_string_lossy().into_owned()),
                )
            })
            .collect();
        let set = |var: &str| env.get(var).cloned().flatten();
        for var in [
            "PIP_INDEX_URL",
            "UV_DEFAULT_INDEX",
            "UV_INDEX_URL",
            "PDM_PYPI_URL",
            "PIPENV_PYPI_MIRROR",
            "POETRY_PYPI_MIRROR_URL",
        ] {
            assert_eq!(set(var).as_deref(), Some(url), "{var}");
        }
        // Caches off, other indexes and link folders emptied or removed.
        assert_eq!(set("PIP_NO_CACHE_DIR").as_deref(), Some("1"));
        assert_eq!(set("UV_NO_CACHE").as_deref(), Some("1"));
        assert_eq!(set("PIP_EXTRA_INDEX_URL").as_deref(), Some(""));
        assert_eq!(set("PIP_FIND_LINKS").as_deref(), Some(""));
        for var in ["UV_INDEX", "UV_EXTRA_INDEX_URL", "UV_FIND_LINKS"] {
            assert_eq!(env.get(var), Some(&None), "{var} is removed");
        }
        assert!(set("NO_PROXY").is_some_and(|v| v.contains("127.0.0.1")));
    }

    #[test]
    fn pip_needs_something_to_install() {
        let error = line(&["install"]).unwrap_err();
        assert!(error.contains("nothing to install"), "{error}");
    }
}
