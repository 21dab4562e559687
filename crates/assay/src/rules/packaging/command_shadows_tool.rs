use crate::carriers::run_points::RunPoint;
use crate::finding::{Finding, Location, Severity};
use crate::rules::{PackageFacts, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// A command the package installs (`console_scripts`, `gui_scripts`)
    /// whose name is that of a well-known tool: it takes over `pip`,
    /// `python`, `git`, `sudo`, `ssh`, … on the user's `PATH`.
    ///
    /// ## What it finds
    /// Commands declared in a wheel's `entry_points.txt`, `setup.cfg`'s
    /// `[options.entry_points]`, `pyproject.toml`'s `[project.scripts]`,
    /// `[project.gui-scripts]` or `[tool.poetry.scripts]`, or the literal
    /// `name = module:function` strings of `setup.py`, named like a
    /// system tool (`git`, `curl`, `ls`, `sudo`, `ssh`, `docker`,
    /// `python`, …) or like the command of another well-known Python
    /// project (`pip`, `pytest`, `aws`, …) that the package is not. In an
    /// installed environment (`--env`), also a command that another
    /// installed distribution installs too.
    ///
    /// ## Why it matters
    /// The scripts folder of a virtual environment or of `pip install
    /// --user` comes early on `PATH`: a package that installs its own
    /// `pip` or `sudo` runs instead of the real one each time the user
    /// types it, sees the arguments (passwords, tokens, index URLs) and
    /// can forward them. A system tool's name is high; another Python
    /// project's command is medium. Two distributions of one environment
    /// that install the same command write the same script, and the one
    /// installed last replaced the other's: the one not named like the
    /// command is medium (both are low when neither is).
    ///
    /// ## Example
    /// ```text
    /// [console_scripts]
    /// pip = helper.cli:main
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1574.007 (Hijack Execution Flow: Path Interception by
    /// PATH Environment Variable), T1036.005 (Masquerading: Match Legitimate
    /// Name or Location).
    pub struct CommandShadowsTool {
        id: "AY520",
        slug: "command-shadows-tool",
        category: Packaging,
        severity: High,
    }
}

/// System commands no Python package has reason to install.
const SYSTEM_TOOLS: &[&str] = &[
    "python",
    "python2",
    "python3",
    "git",
    "curl",
    "wget",
    "ls",
    "cat",
    "cp",
    "mv",
    "rm",
    "sudo",
    "su",
    "ssh",
    "scp",
    "sftp",
    "ssh-keygen",
    "ssh-add",
    "docker",
    "kubectl",
    "bash",
    "sh",
    "zsh",
    "fish",
    "env",
    "npm",
    "npx",
    "node",
    "gcc",
    "cc",
    "make",
    "ps",
    "top",
    "grep",
    "find",
    "tar",
    "unzip",
    "chmod",
    "chown",
    "apt",
    "apt-get",
    "yum",
    "dnf",
    "brew",
    "systemctl",
    "openssl",
    "gpg",
    "passwd",
    "crontab",
    "id",
    "whoami",
    "ping",
    "nc",
    "netstat",
    "ifconfig",
    "ip",
    "powershell",
    "cmd",
    "explorer",
];

/// Commands of well-known Python projects, with the projects that own
/// them (normalised names).
const PYTHON_TOOLS: &[(&str, &[&str])] = &[
    ("pip", &["pip"]),
    ("pip3", &["pip"]),
    ("pipx", &["pipx"]),
    ("uv", &["uv"]),
    ("twine", &["twine"]),
    ("virtualenv", &["virtualenv"]),
    ("pytest", &["pytest"]),
    ("py.test", &["pytest"]),
    ("tox", &["tox"]),
    ("poetry", &["poetry"]),
    ("conda", &["conda"]),
    ("aws", &["awscli"]),
    ("az", &["azure-cli", "azure-cli-core"]),
    ("gcloud", &["google-cloud-sdk"]),
    ("jupyter", &["jupyter-core"]),
    ("ipython", &["ipython"]),
    ("black", &["black"]),
    ("ruff", &["ruff"]),
    ("mypy", &["mypy"]),
    ("flake8", &["flake8"]),
    ("pre-commit", &["pre-commit"]),
    ("huggingface-cli", &["huggingface-hub"]),
];

impl Rule for CommandShadowsTool {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        let own = facts
            .metadata
            .and_then(|m| m.name.as_deref())
            .map(normalise)
            .unwrap_or_default();
        for point in &facts.carriers.run_points {
            let command = command_key(&point.command);
            let command = command.as_str();
            let severity = if SYSTEM_TOOLS.contains(&command) {
                Severity::High
            } else if let Some((_, owners)) = PYTHON_TOOLS.iter().find(|(c, _)| *c == command) {
                if owners.contains(&own.as_str()) || own == command {
                    continue;
                }
                Severity::Medium
            } else {
                continue;
            };
            let mut f = Self::META.finding(
                Location::file(point.declared_in.clone()),
                format!(
                    "{} command `{}` ({}) takes the name of the `{command}` tool",
                    point.group,
                    point.command,
                    target(point)
                ),
            );
            f.severity = severity;
            out.push(f);
        }
    }
}

/// The finding on `point`, a command that the installed distributions
/// `others` install too; `taken` when one of them is named like the
/// command (this distribution took it over), else both share it.
pub fn installed_by_another(point: &RunPoint, others: &[String], taken: bool) -> Finding {
    let whose = if taken {
        "takes over the command of"
    } else {
        "shares its name with a command of"
    };
    let mut f = CommandShadowsTool::META.finding(
        Location::file(point.declared_in.clone()),
        format!(
            "{} command `{}` ({}) {whose} {}: the one installed last replaced the other's",
            point.group,
            point.command,
            target(point),
            others
                .iter()
                .map(|o| format!("`{o}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    f.severity = if taken {
        Severity::Medium
    } else {
        Severity::Low
    };
    f
}

/// `pkg.cli:main`.
fn target(point: &RunPoint) -> String {
    match &point.function {
        Some(f) => format!("{}:{f}", point.module),
        None => point.module.clone(),
    }
}

/// A command as the shell finds it: `Pip.exe` and `pip` are one command.
pub fn command_key(command: &str) -> String {
    let lower = command.to_ascii_lowercase();
    lower.strip_suffix(".exe").unwrap_or(&lower).to_owned()
}

/// A project name as it is compared (`Foo_Bar.x` is `foo-bar-x`).
pub fn normalise(name: &str) -> String {
    name.to_ascii_lowercase().replace(['_', '.'], "-")
}
