//! Throughput of the engine against ruff's parser alone, on every `.py`
//! file under a folder (default: this interpreter's standard library), and
//! on the Python files inside every archive under it (read in memory).
//!
//! ```text
//! cargo run --release -p assay --example throughput -- [DIR]
//! ```
//!
//! Files are read into memory first; each stage is then timed over all of
//! them: the parser alone on one core and on all cores, assay's per-file
//! analysis on all cores, and the whole package scan (analysis + rules +
//! verdict) on all cores. `ASSAY_BENCH_RUNS=N` times each stage N times
//! and prints the fastest.
#![allow(
    clippy::print_stdout,
    reason = "a measurement program prints its figures"
)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use assay::artifact::{ArtifactKind, Package, PackageFile};
use assay::python::{self, FileRole};
use rayon::prelude::*;

/// The same allocator as the `assay` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(stdlib);
    let mut files = Vec::new();
    collect(&dir, &mut files);
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let bytes: usize = files.iter().map(|(_, d)| d.len()).sum();
    let mb = bytes as f64 / 1e6;
    println!(
        "corpus: {} ({} files, {mb:.1} MB of Python)",
        dir.display(),
        files.len()
    );
    println!("threads: {}", rayon::current_num_threads());

    let sources: Vec<String> = files
        .iter()
        .map(|(_, d)| String::from_utf8_lossy(d).into_owned())
        .collect();
    // `ASSAY_BENCH_RUNS=N`: each stage timed N times after the warm-up,
    // the fastest printed (the least disturbed by the machine).
    let runs: usize = std::env::var("ASSAY_BENCH_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
        .max(1);
    let time = |label: &str, f: &dyn Fn()| {
        f(); // warm-up
        let mut secs = f64::INFINITY;
        for _ in 0..runs {
            let start = Instant::now();
            f();
            secs = secs.min(start.elapsed().as_secs_f64());
        }
        println!("{label:<34} {secs:>7.2} s {:>8.1} MB/s", mb / secs);
        secs
    };
    let parse = |s: &String| {
        let parsed = ruff_python_parser::parse_module(s);
        std::hint::black_box(parsed.is_ok());
    };
    let one = time("ruff parser alone, 1 core", &|| {
        sources.iter().for_each(parse)
    });
    let all = time("ruff parser alone, all cores", &|| {
        sources.par_iter().for_each(parse)
    });
    time("assay analysis (parse+model), all", &|| {
        files.par_iter().for_each(|(path, data)| {
            std::hint::black_box(python::analyze(path, data, FileRole::Module).calls.len());
        });
    });
    let analyses: Vec<_> = files
        .par_iter()
        .map(|(path, data)| python::analyze(path, data, FileRole::Module))
        .collect();
    // Linking again changes nothing (it adds what the package's functions
    // return), so every timed pass does the same work.
    let linked = std::cell::RefCell::new(analyses);
    time("returns linked across modules", &|| {
        assay::flows::returns::link(&mut linked.borrow_mut());
    });
    let analyses = linked.into_inner();
    time("flows across the package (summaries, links)", &|| {
        std::hint::black_box(
            assay::flows::PackageFlows::of(&analyses, None)
                .summaries
                .len(),
        );
    });
    let flows = assay::flows::PackageFlows::of(&analyses, None);
    let facts = assay::rules::PackageFacts {
        flows: Some(&flows),
        kind: ArtifactKind::Directory,
        file_name: None,
        pure_wheel: false,
        metadata: None,
        anomalies: &[],
        inventory: &[],
        python: &analyses,
        carriers: &Default::default(),
        yara: &[],
    };
    time("rules over the analysed facts, all", &|| {
        std::hint::black_box(assay::rules::check_all(&facts).len());
    });
    // `ASSAY_RULE_TIMES=1`: each rule alone on one core, slowest first.
    if std::env::var_os("ASSAY_RULE_TIMES").is_some() {
        let mut times: Vec<(f64, &str)> = assay::rules::RULES
            .iter()
            .map(|rule| {
                let start = Instant::now();
                let mut out = Vec::new();
                rule.check(&facts, &mut out);
                std::hint::black_box(out.len());
                (start.elapsed().as_secs_f64(), rule.meta().id)
            })
            .collect();
        times.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (secs, id) in times.iter().take(8) {
            println!("  rule {id:<6} {secs:>8.3} s");
        }
    }
    let package = Package::from_files(
        dir.clone(),
        files
            .iter()
            .map(|(path, data)| PackageFile {
                path: path.clone(),
                data: data.clone().into(),
                mode: None,
            })
            .collect(),
    );
    let scanner = assay::Scanner::new();
    let scan = time("assay scan_package (everything), all", &|| {
        std::hint::black_box(scanner.scan_package(&package).findings.len());
    });
    println!(
        "scan (all cores) / parser alone (1 core): {:.2}",
        one / scan
    );
    println!(
        "scan (all cores) / parser alone (all cores): {:.2}",
        all / scan
    );
}

fn stdlib() -> PathBuf {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['stdlib'])",
        ])
        .output()
        .expect("python3 to find the standard library; or pass a folder");
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

fn collect(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            collect(&path, out);
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "py") {
            if let Ok(data) = std::fs::read(&path) {
                out.push((path.display().to_string(), data));
            }
        } else if kind.is_file()
            && let Ok(package) = assay::artifact::open(&path, &assay::Limits::default())
        {
            for file in package.files {
                if assay::rules::FileKind::detect(&file.path, &file.data)
                    == assay::rules::FileKind::Python
                {
                    out.push((
                        format!("{}!{}", path.display(), file.path),
                        file.data.into_vec(),
                    ));
                }
            }
        }
    }
}
