//! A seeded generator of hostile inputs: malformed archives and
//! pathological Python sources, each under 1 MB, thrown at the scanner.
//! Every one must give a report (a verdict) or a per-artifact error, never
//! a panic. The seed is fixed, so a failure names a case that reproduces.

mod support;

use assay::scan::{ArtifactReport, Scanner};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Pieces of Python, valid and not, that parsers and folders trip on.
const PIECES: &[&str] = &[
    "x = ",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "'abc'",
    "\"s\"",
    "f'{",
    "}'",
    "-",
    "~",
    "not ",
    "lambda: ",
    "exec(",
    "eval(",
    "import os\n",
    "os.system(",
    "base64.b64decode(",
    "\n",
    "    ",
    ":",
    ",",
    "+",
    "*",
    "%",
    "1",
    "0x41",
    "\\",
    "# c\n",
    "\u{202e}",
    "class C:\n",
    "def f(",
    "):\n",
    "return ",
    "for i in ",
    "if ",
    "else",
    "try:\n",
    "except:\n",
    "yield ",
    "await ",
    "@",
    "**",
    "'''",
    "\"\"\"",
    "\0",
    "\r",
    "é",
    "s = s + s\n",
    "chr(",
    "''.join(",
    "print ",
    "exec ",
    "zlib.decompress(",
    "__import__('os')",
    "getattr(",
    "globals()[",
];

/// A random source of `PIECES`.
fn soup(rng: &mut Rng) -> String {
    let n = 1 + rng.below(3000);
    (0..n).map(|_| *rng.pick(PIECES)).collect()
}

/// The shapes of issue 12, scaled to stay small and quick.
fn shape(rng: &mut Rng) -> String {
    let n = 1 + rng.below(5000);
    match rng.below(10) {
        0 => "s = 'ab'\n".to_owned() + &"s = f'{s}{s}'\n".repeat(n.min(80)),
        1 => {
            let mut code = format!("a = 'x' * {}\n", 1 + rng.below(4 << 20));
            for i in 0..n.min(300) {
                code.push_str(&format!("b{i} = a + '{i}'\n"));
            }
            code
        }
        2 => {
            let methods: String = (0..n)
                .map(|i| format!("    def m{i}(self):\n        return {i}\n"))
                .collect();
            format!("class C:\n    x = 1\n{methods}")
        }
        3 => format!("x = {}1\n", "-".repeat(n * 20)),
        4 => format!("x = {}1{}\n", "f'{".repeat(n), "}'".repeat(n)),
        5 => "x=1\n".repeat(n * 40),
        6 => "# \u{202e}\n".repeat(n * 10),
        7 => format!("x = {}1{}\n", "(".repeat(n), ")".repeat(n)),
        8 => {
            let items = vec!["1"; n.min(16_000)].join(",");
            format!("s = 'y' * 100000\nfor i in [{items}]:\n    s = s + 'z'\nexec(s)\n")
        }
        _ => format!(
            "exec({}'x'{})\n",
            "base64.b64decode(".repeat(n.min(50)),
            ")".repeat(n.min(50))
        ),
    }
}

/// A package spec of a random kind holding `code` as its `setup.py` and a
/// module.
fn package(rng: &mut Rng, code: &str) -> (String, Vec<u8>) {
    let kind = *rng.pick(&["sdist", "sdist-zip", "wheel"]);
    // A line starting `###` would open a new section of the spec.
    let code = code.replace("\n#", "\n #");
    let spec = format!("kind: {kind}\n### setup.py\n{code}\n### pkg/__init__.py\n{code}\n");
    support::Spec::parse(&spec).build()
}

/// Truncates, flips, inserts or duplicates bytes of an archive.
fn mutate(rng: &mut Rng, mut bytes: Vec<u8>) -> Vec<u8> {
    for _ in 0..1 + rng.below(4) {
        if bytes.is_empty() {
            break;
        }
        let at = rng.below(bytes.len());
        match rng.below(4) {
            0 => bytes.truncate(at),
            1 => bytes[at] ^= 1 << rng.below(8),
            2 => {
                let junk: Vec<u8> = (0..rng.below(64)).map(|_| rng.next() as u8).collect();
                bytes.splice(at..at, junk);
            }
            _ => {
                let end = (at + rng.below(512)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
        }
    }
    bytes
}

fn check(case: usize, what: &str, report: &ArtifactReport) {
    assert!(
        !report.errors.iter().any(|e| e.contains("panic")),
        "case {case} ({what}) panicked: {:?}",
        report.errors
    );
    assert!(
        report.verdict.is_some() || !report.errors.is_empty(),
        "case {case} ({what}) gave neither a verdict nor an error"
    );
}

#[test]
fn seeded_hostile_inputs_give_reports_or_errors() {
    let mut rng = Rng(0x5eed_0000_0012);
    let dir = tempfile::tempdir().unwrap();
    let scanner = Scanner::new();
    for case in 0..120 {
        let (code, what) = match rng.below(3) {
            0 => (soup(&mut rng), "token soup"),
            1 => (shape(&mut rng), "issue 12 shape"),
            _ => (
                format!("{}\n{}", shape(&mut rng), soup(&mut rng)),
                "shape and soup",
            ),
        };
        let (name, bytes) = package(&mut rng, &code);
        let (bytes, what) = if rng.below(2) == 0 {
            (
                mutate(&mut rng, bytes),
                format!("mutated archive of {what}"),
            )
        } else {
            (bytes, what.to_owned())
        };
        assert!(
            bytes.len() < 1 << 20,
            "case {case} is {} bytes",
            bytes.len()
        );
        let path = dir.path().join(format!("{case}-{name}"));
        std::fs::write(&path, &bytes).unwrap();
        check(case, &what, &scanner.scan_path(&path));
    }
}
