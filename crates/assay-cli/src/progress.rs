//! Progress on standard error while a scan runs: a spinner while
//! requirements are resolved, a bar while files are downloaded, a bar while
//! artifacts are scanned. Drawn only when standard error is a terminal and
//! `--quiet` is not given; never written to the report, whatever its format.

use std::io::IsTerminal as _;
use std::path::Path;
use std::sync::Mutex;

use assay::report;
use assay_pipeline::{Observer, Stage};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The bars of one scan, stacked on standard error.
pub struct Progress {
    /// `None` when nothing is drawn.
    multi: Option<MultiProgress>,
    /// Artifacts scanned: counts from the start, drawn from
    /// [`Progress::show_scanning`] on.
    scanning: ProgressBar,
    /// When the run started: every bar's clock counts from here, so the
    /// time shown does not restart between phases.
    start: std::time::Instant,
    /// The resolution spinner, while resolving.
    spinner: Mutex<Option<ProgressBar>>,
    /// The download bar, while downloading.
    downloads: Mutex<Option<ProgressBar>>,
}

impl Progress {
    /// Progress on standard error when it is a terminal and `quiet` is off.
    pub fn stderr(quiet: bool) -> Progress {
        let target = (!quiet && std::io::stderr().is_terminal()).then(ProgressDrawTarget::stderr);
        Progress::to(target)
    }

    /// Progress drawn on `target`, or nowhere.
    pub fn to(target: Option<ProgressDrawTarget>) -> Progress {
        let progress = Progress {
            multi: target.map(MultiProgress::with_draw_target),
            scanning: ProgressBar::hidden(),
            start: std::time::Instant::now(),
            spinner: Mutex::default(),
            downloads: Mutex::default(),
        };
        let scanning = progress.bar("scanning", 0);
        Progress {
            scanning,
            ..progress
        }
    }

    /// Whether anything is drawn.
    pub fn is_drawn(&self) -> bool {
        self.multi.is_some()
    }

    /// Draws `bar` from now on (once; a bar already drawn stays as it is).
    pub fn show(&self, bar: &ProgressBar) {
        if let Some(multi) = &self.multi
            && bar.is_hidden()
        {
            multi.add(bar.clone());
        }
    }

    /// Draws the scanning bar from now on.
    pub fn show_scanning(&self) {
        self.show(&self.scanning);
    }

    /// `more` artifacts are going to be scanned.
    pub fn expect(&self, more: usize) {
        self.scanning.inc_length(more as u64);
    }

    /// One artifact was scanned.
    pub fn scanned(&self, target: &std::path::Path) {
        self.scanning.inc(1);
        self.scanning
            .set_message(report::printable(&target.to_string_lossy(), 60));
    }

    /// Removes every bar.
    pub fn finish(&self) {
        self.scanning.finish_and_clear();
        if let Some(multi) = &self.multi {
            let _ = multi.clear();
        }
    }

    /// A spinner, drawn at once, for a stage of unknown length; its message
    /// says what is going on (`resolving`, then `looking up name`).
    /// `finish_and_clear` it when the stage ends.
    pub fn spinner(&self, message: &'static str) -> ProgressBar {
        let style = ProgressStyle::with_template("{elapsed:>4} {spinner} {wide_msg}")
            .expect("the template is valid");
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden())
            .with_style(style)
            .with_message(message)
            .with_elapsed(self.start.elapsed());
        self.show(&bar);
        if self.is_drawn() {
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
        }
        bar
    }

    /// A bar of `len` steps labelled `label` (`downloading`), not drawn
    /// until [`Progress::show`]; it counts either way.
    pub fn bar(&self, label: &str, len: u64) -> ProgressBar {
        let template =
            format!("{{elapsed:>4}} {label:<11} [{{bar:25}}] {{pos}}/{{len}} {{wide_msg}}");
        let style = ProgressStyle::with_template(&template)
            .expect("the template is valid")
            .progress_chars("=> ");
        ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::hidden())
            .with_style(style)
            .with_elapsed(self.start.elapsed())
    }
}

/// Advances the download bar after a file and names it, after `cached:`
/// or `failed:` when it came from the cache or could not be fetched (first,
/// so a narrow terminal cuts the name rather than the status). A file this
/// run downloaded `earlier` (while resolving) and reads back from the cache
/// is not called cached.
pub fn show_download(bar: &ProgressBar, done: &assay_index::Progress<'_>, earlier: bool) {
    bar.inc(1);
    let name = report::printable(&done.file.filename, 60);
    let cached = done.from_cache && !earlier;
    bar.set_message(match (done.ok, cached) {
        (false, _) => format!("failed: {name}"),
        (true, true) => format!("cached: {name}"),
        (true, false) => name,
    });
}

/// `12 projects looked up`, for the spinner.
fn looked_up(count: usize) -> String {
    format!(
        "{count} project{} looked up",
        if count == 1 { "" } else { "s" }
    )
}

/// The pipeline's events drawn: the spinner while resolving, the download
/// bar, the scanning bar.
impl Observer for Progress {
    fn stage(&self, stage: Stage) {
        let message = match stage {
            Stage::Resolving => "resolving",
            Stage::LookingUpLocked => "looking up locked packages",
        };
        *lock(&self.spinner) = Some(self.spinner(message));
    }

    fn looking_up(&self, count: usize, project: &str) {
        if let Some(spinner) = &*lock(&self.spinner) {
            spinner.set_message(format!(
                "resolving: {} · looking up {}",
                looked_up(count),
                report::printable(project, 60)
            ));
        }
    }

    fn reading(&self, count: usize, filename: &str) {
        if let Some(spinner) = &*lock(&self.spinner) {
            spinner.set_message(format!(
                "resolving: {} · reading the dependencies in {}",
                looked_up(count),
                report::printable(filename, 60)
            ));
        }
    }

    fn resolved(&self) {
        if let Some(spinner) = lock(&self.spinner).take() {
            spinner.finish_and_clear();
        }
    }

    fn downloading(&self, files: usize) {
        let bar = self.bar("downloading", files as u64);
        if files > 0 {
            self.show(&bar);
        }
        *lock(&self.downloads) = Some(bar);
    }

    fn downloaded(&self, done: &assay_index::Progress<'_>, earlier: bool) {
        if let Some(bar) = &*lock(&self.downloads) {
            show_download(bar, done, earlier);
        }
    }

    fn downloads_done(&self) {
        if let Some(bar) = lock(&self.downloads).take() {
            bar.finish_and_clear();
        }
    }

    fn expect(&self, more: usize) {
        Progress::expect(self, more);
    }

    fn scanning(&self) {
        self.show_scanning();
    }

    fn scanned(&self, target: &Path) {
        Progress::scanned(self, target);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use assay_index::{DistFile, DistKind, MetadataAvailability};
    use indicatif::TermLike;

    use super::*;

    /// A terminal that records what is written to it.
    #[derive(Debug, Clone, Default)]
    struct Recorder(Arc<Mutex<String>>);

    impl Recorder {
        fn text(&self) -> String {
            self.0.lock().unwrap().clone()
        }
    }

    impl TermLike for Recorder {
        fn width(&self) -> u16 {
            120
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            let mut text = self.0.lock().unwrap();
            text.push_str(s);
            text.push('\n');
            Ok(())
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            self.0.lock().unwrap().push_str(s);
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn file(name: &str) -> DistFile {
        DistFile {
            filename: name.to_owned(),
            url: format!("http://127.0.0.1:1/packages/{name}"),
            hashes: Default::default(),
            requires_python: None,
            yanked: None,
            core_metadata: MetadataAvailability::default(),
            upload_time: None,
            size: None,
            version: None,
            kind: DistKind::Sdist,
        }
    }

    fn event(
        file: &DistFile,
        done: usize,
        ok: bool,
        from_cache: bool,
    ) -> assay_index::Progress<'_> {
        assay_index::Progress {
            file,
            done,
            total: 3,
            ok,
            from_cache,
        }
    }

    #[test]
    fn downloads_are_counted_and_named_on_the_terminal() {
        let term = Recorder::default();
        let progress = Progress::to(Some(ProgressDrawTarget::term_like(Box::new(term.clone()))));
        assert!(progress.is_drawn());
        let bar = progress.bar("downloading", 3);
        progress.show(&bar);
        let earlier = |url: &str| url.contains("/d-");
        let callback = |done: assay_index::Progress<'_>| {
            show_download(&bar, &done, earlier(&done.file.url));
        };
        let (a, b, c) = (
            file("a-1.0.tar.gz"),
            file("b-1.0.tar.gz"),
            file("c-1.0.tar.gz"),
        );
        callback(event(&a, 1, true, false));
        callback(event(&b, 2, true, true));
        callback(event(&c, 3, false, false));
        assert_eq!(bar.position(), 3);
        assert_eq!(bar.message(), "failed: c-1.0.tar.gz");
        bar.finish();
        let drawn = term.text();
        assert!(drawn.contains("downloading"), "{drawn:?}");
        assert!(drawn.contains("3/3"), "{drawn:?}");
        assert!(drawn.contains("failed: c-1.0.tar.gz"), "{drawn:?}");
    }

    #[test]
    fn files_handed_over_in_memory_are_not_shown_as_cached_on_a_new_cache() {
        let progress = Progress::to(None);
        let bar = progress.bar("downloading", 2);
        let earlier = |url: &str| url.ends_with("/d-1.0.tar.gz");
        let callback = |done: assay_index::Progress<'_>| {
            show_download(&bar, &done, earlier(&done.file.url));
        };
        // Downloaded while resolving, read back from the cache it was
        // written to: a download of this run.
        callback(event(&file("d-1.0.tar.gz"), 1, true, true));
        assert_eq!(bar.message(), "d-1.0.tar.gz");
        // In the cache from an earlier run: cached.
        callback(event(&file("e-1.0.tar.gz"), 2, true, true));
        assert_eq!(bar.message(), "cached: e-1.0.tar.gz");
    }

    #[test]
    fn resolution_shows_how_many_projects_were_looked_up_and_the_current_name() {
        let progress = Progress::to(None);
        progress.stage(Stage::Resolving);
        let spinner = lock(&progress.spinner).clone().expect("a spinner");
        assert_eq!(spinner.message(), "resolving");
        progress.looking_up(1, "requests");
        assert_eq!(
            spinner.message(),
            "resolving: 1 project looked up · looking up requests"
        );
        progress.reading(120, "urllib3-2.0-py3-none-any.whl");
        assert_eq!(
            spinner.message(),
            "resolving: 120 projects looked up · reading the dependencies in urllib3-2.0-py3-none-any.whl"
        );
        progress.resolved();
        assert!(lock(&progress.spinner).is_none());
    }

    #[test]
    fn nothing_is_drawn_without_a_terminal() {
        let progress = Progress::to(None);
        assert!(!progress.is_drawn());
        let bar = progress.bar("downloading", 2);
        progress.show(&bar);
        assert!(bar.is_hidden());
        let a = file("a-1.0.tar.gz");
        show_download(&bar, &event(&a, 1, true, false), false);
        // Still counted, so the same code serves both cases.
        assert_eq!(bar.position(), 1);
        assert!(progress.spinner("resolving").is_hidden());
        // --quiet draws nothing even on a terminal.
        assert!(!Progress::stderr(true).is_drawn());
    }

    #[test]
    fn file_names_cannot_drive_the_terminal() {
        let term = Recorder::default();
        let progress = Progress::to(Some(ProgressDrawTarget::term_like(Box::new(term.clone()))));
        let bar = progress.bar("downloading", 1);
        progress.show(&bar);
        let evil = file("x-1.0.tar.gz\u{1b}]0;owned\u{7}");
        show_download(&bar, &event(&evil, 1, true, false), false);
        bar.finish();
        let drawn = term.text();
        assert!(drawn.contains("x-1.0.tar.gz"), "{drawn:?}");
        assert!(!drawn.contains('\u{1b}'), "{drawn:?}");
    }

    #[test]
    fn the_scanning_bar_counts_from_the_start_and_is_drawn_when_shown() {
        let term = Recorder::default();
        let progress = Progress::to(Some(ProgressDrawTarget::term_like(Box::new(term.clone()))));
        progress.expect(2);
        progress.scanned(std::path::Path::new("a-1.0.tar.gz"));
        assert_eq!(term.text(), "", "not drawn before it is shown");
        progress.show_scanning();
        progress.scanned(std::path::Path::new("b-1.0.tar.gz"));
        progress.scanning.finish();
        let drawn = term.text();
        assert!(drawn.contains("scanning"), "{drawn:?}");
        assert!(drawn.contains("2/2"), "{drawn:?}");
        assert!(drawn.contains("b-1.0.tar.gz"), "{drawn:?}");
    }
}
