//! Prints the semantic model assay builds of one Python file: every call
//! with its context and evaluated arguments, constant strings and decoded
//! payloads. A development aid for rule work:
//!
//! ```sh
//! cargo run --release -p assay --example facts -- path/to/file.py [module|setup|pth]
//! ```
//!
//! The file is read and parsed, never run.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line development aid"
)]

use assay::python::{FileRole, QualName, analyze};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: facts FILE.py [module|setup|pth|script]");
        std::process::exit(2);
    };
    let role = match args.next().as_deref() {
        Some("setup") => FileRole::SetupScript,
        Some("pth") => FileRole::Pth,
        Some("script") => FileRole::Script,
        _ => FileRole::Module,
    };
    let data = std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(2);
    });
    let facts = analyze(&path, &data, role);
    if let Some(error) = &facts.parse_error {
        println!("parse error: {error}");
    }
    for note in &facts.notes {
        println!("note: {note}");
    }
    for import in &facts.imports {
        println!(
            "import {} line {} {}",
            import.module,
            import.line,
            import.context.as_str()
        );
    }
    for call in &facts.calls {
        let args: Vec<String> = call
            .all_args()
            .map(|v| {
                let text = v.text.as_deref().map_or("?".to_owned(), |t| {
                    let t: String = t.chars().take(80).collect();
                    format!("{t:?}")
                });
                match (v.taint, v.origin.as_ref().map(QualName::as_str)) {
                    (0, None) => text,
                    (taint, origin) => format!("{text}[t={taint:#x} o={}]", origin.unwrap_or("")),
                }
            })
            .collect();
        println!(
            "call {} line {} {} fn={} via={} ({})",
            call.name,
            call.line,
            call.context.as_str(),
            call.function.as_deref().unwrap_or("-"),
            call.via
                .as_ref()
                .map_or_else(|| "-".to_owned(), ToString::to_string),
            args.join(", ")
        );
    }
    for s in &facts.strings {
        let value: String = s.value.chars().take(100).collect();
        println!("string line {} {} {value:?}", s.line, s.context.as_str());
    }
    for p in &facts.payloads {
        println!(
            "payload line {} {} chain={} python={} len={}",
            p.line,
            p.context.as_str(),
            p.chain,
            p.is_python,
            p.len
        );
    }
}
