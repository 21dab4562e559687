//! Criterion benches of the engine on fixture-sized packages.
//!
//! `cargo bench -p assay --bench engine`. Inputs are built in memory: the
//! rule fixtures (small malicious and clean packages) and a slice of the
//! interpreter's standard library read as one package, so that the figures
//! compare assay's analysis with ruff's parser alone on the same bytes.

use std::path::PathBuf;

use assay::artifact::{Package, PackageFile};
use assay::python::{self, FileRole};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// The same allocator as the `assay` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// About this many bytes of standard-library source are benched.
const SAMPLE_BYTES: usize = 4 * 1024 * 1024;

fn stdlib_sample() -> Vec<(String, Vec<u8>)> {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['stdlib'])",
        ])
        .output();
    let Ok(out) = out else { return Vec::new() };
    let root = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let mut names: Vec<PathBuf> = std::fs::read_dir(&root)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "py"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut total = 0;
    names
        .into_iter()
        .map_while(|p| {
            let data = std::fs::read(&p).ok()?;
            total += data.len();
            (total <= SAMPLE_BYTES).then(|| (p.display().to_string(), data))
        })
        .collect()
}

fn package(files: &[(String, Vec<u8>)]) -> Package {
    let files = files
        .iter()
        .map(|(p, d)| PackageFile {
            path: p.clone(),
            data: d.clone().into(),
            mode: None,
        })
        .collect();
    Package::from_files(PathBuf::from("bench"), files)
}

fn engine(c: &mut Criterion) {
    let files = stdlib_sample();
    if files.is_empty() {
        return;
    }
    let bytes: u64 = files.iter().map(|(_, d)| d.len() as u64).sum();
    let sources: Vec<String> = files
        .iter()
        .map(|(_, d)| String::from_utf8_lossy(d).into_owned())
        .collect();
    let mut group = c.benchmark_group("stdlib-sample");
    group.throughput(Throughput::Bytes(bytes));
    group.sample_size(10);
    group.bench_function("ruff-parse-only-1-core", |b| {
        b.iter(|| {
            for s in &sources {
                std::hint::black_box(ruff_python_parser::parse_module(s).is_ok());
            }
        });
    });
    group.bench_function("analyze-1-core", |b| {
        b.iter(|| {
            for (p, d) in &files {
                std::hint::black_box(python::analyze(p, d, FileRole::Module).calls.len());
            }
        });
    });
    let pkg = package(&files);
    let scanner = assay::Scanner::new();
    group.bench_function("scan-package-all-cores", |b| {
        b.iter(|| std::hint::black_box(scanner.scan_package(&pkg).findings.len()));
    });
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
