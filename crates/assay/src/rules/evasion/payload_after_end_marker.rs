use crate::carriers::path_archives;
use crate::finding::{Finding, Location, Severity};
use crate::python::FileRole;
use crate::rules::{PackageFacts, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// An image, font or other binary with a zip archive, tar archive,
    /// gzip stream or Python source hidden after its end marker.
    ///
    /// ## What it finds
    /// PNG files with bytes after `IEND`, JPEG files after their end of
    /// image, GIF files after their trailer, BMP files past their declared
    /// size and fonts past their last table, when those bytes are an
    /// archive or Python. When the package's Python puts the file on
    /// `sys.path` or hands it to `zipimport`, the finding says where and
    /// when, and the archive's Python modules are analysed in that
    /// context like the package's own.
    ///
    /// ## Why it matters
    /// A polyglot passes for an image to anyone who opens it, while
    /// `zipimport` reads the archive at its end and imports its modules:
    /// code no reviewer and no source scanner sees. Honest images and
    /// fonts end at their end marker. An appended payload is medium; one
    /// the package imports from, high.
    ///
    /// ## Example
    /// ```text
    /// pkg/assets/logo.png   (a PNG with a zip after IEND)
    /// pkg/__init__.py: sys.path.insert(0, os.path.join(HERE, "assets/logo.png")); import stage2
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1027.003 (Steganography), T1027.009 (Embedded
    /// Payloads).
    pub struct PayloadAfterEndMarker {
        id: "AY420",
        slug: "payload-after-end-marker",
        category: DefenseEvasion,
        severity: High,
    }
}

impl Rule for PayloadAfterEndMarker {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        for found in &facts.carriers.appended {
            let mut f = Self::META.finding(
                Location::file(found.path.clone()),
                format!(
                    "{} {} carries a {} of {} bytes after its end (byte {})",
                    found.format, found.path, found.payload, found.len, found.offset
                ),
            );
            f.severity = Severity::Medium;
            if let Some((py, call)) = path_archives::loader_of(facts.python, &found.path) {
                if py.role != Some(FileRole::Script) {
                    f.severity = Severity::High;
                }
                f.message = format!(
                    "{}; {}:{} puts it on the import path with `{}` {}",
                    f.message,
                    py.path,
                    call.line,
                    call.name,
                    call.context.describe()
                );
                f.context = Some(call.context);
            }
            out.push(f);
        }
    }
}
