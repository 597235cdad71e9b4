//! `planlint check` (lint plans, print the findings, fix what is certain) and
//! `planlint init` (write a starter `planlint.toml`).
//!
//! A run: find the files, find each file's configuration and the rules it
//! gets, then check the files in parallel, in chunks taken in path order, so
//! that output streams in a deterministic order while memory stays flat in the
//! number of files (a plan and its text are dropped as soon as its findings are
//! rendered). One file's failure (unreadable, not a plan, a rule that broke on
//! it) is reported for that file and changes the exit code; the others are
//! checked all the same.

mod baseline;
mod engine;
mod fix;

use self::baseline::{Baseline, Collected, Key};
use super::{EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};
use crate::check::{RuleSet, Settings};
use crate::config::{self, Config, ConfigError};
use crate::emit::{
    self, diff, human::Human, Failure, FailureKind, FileReport, Located, Printer, RunInfo, Site,
    SourceText, Stream, Summary, UNUSED_ALLOW,
};
use crate::finding::Finding;
use crate::load::{self, LoadError, Source};
use crate::model::Period;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Output formats of `planlint check`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// For people: the source line, the characters underlined, the help and the fix.
    Human,
    /// Stable JSON (documented in docs/check.md).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (annotations on the pull request).
    Github,
    /// One line per finding: `path:line:col: severity rule-id message`.
    Compact,
}

/// When to colour the human output.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    /// When stdout is a terminal and `NO_COLOR` is not set.
    Auto,
    Always,
    Never,
}

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Exit status: 0 no error-level findings, 1 error-level findings (or warnings with \
--deny-warnings; with --diff: fixes to apply), 2 usage, I/O or rule failure."
)]
pub struct CheckArgs {
    /// Files and directories to check (directories are walked for .txt, .docx, .html, .htm, .md).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// Rules to run (ids, prefixes such as `deadline`, globs, or ALL), replacing the configuration's choice.
    #[arg(long, value_delimiter = ',', value_name = "RULE,…")]
    pub select: Option<Vec<String>>,
    /// Rules not to run, on top of the configuration's.
    #[arg(long, value_delimiter = ',', value_name = "RULE,…")]
    pub ignore: Vec<String>,
    /// A directory of your own rules (.rhai files); may be repeated.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// The configuration to use, instead of the nearest planlint.toml above each file.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Use no planlint.toml at all.
    #[arg(long)]
    pub no_config: bool,
    /// Apply the certain fixes to the files, in place.
    #[arg(long)]
    pub fix: bool,
    /// Print the certain fixes as a unified diff instead of writing them.
    #[arg(long)]
    pub diff: bool,
    /// Exit with status 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Report only the findings not in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the current findings to this baseline file (and report none of them).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// When to use colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Print nothing on stderr but errors (no summary, no progress).
    #[arg(short, long)]
    pub quiet: bool,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
}

#[derive(clap::Args, Debug)]
pub struct InitArgs {
    /// The folder to write planlint.toml in.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

/// `planlint init`: writes a commented starter configuration, never over an
/// existing one.
pub fn run_init(args: InitArgs) -> ExitCode {
    let path = args.dir.join(config::FILE_NAME);
    let result = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .and_then(|mut f| {
            f.write_all(config::STARTER.as_bytes())?;
            f.sync_all()
        });
    match result {
        Ok(()) => {
            let _ = writeln!(
                io::stderr(),
                "wrote {}: uncomment the settings you need",
                path.display()
            );
            ExitCode::from(EXIT_OK)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let _ = writeln!(
                io::stderr(),
                "planlint: {} already exists; not overwriting it",
                path.display()
            );
            ExitCode::from(EXIT_FAILURE)
        }
        Err(e) => {
            let _ = writeln!(
                io::stderr(),
                "planlint: cannot write {}: {e}",
                path.display()
            );
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// A file to check, or why a path given could not be walked.
type Entry = Result<PathBuf, Box<Failure>>;

/// What `--fix`/`--diff` asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FixMode {
    Report,
    Fix,
    Diff,
}

/// One configuration with its rules: the files under it share this.
struct Group {
    config: Arc<Config>,
    /// How the configuration is named in output.
    shown: String,
    rules: RuleSet,
    settings: Settings,
    selected: BTreeSet<String>,
}

/// What every worker shares.
struct Shared<'a> {
    printer: &'a dyn Printer,
    mode: FixMode,
    baseline: Option<&'a Baseline>,
    /// Where `--write-baseline` goes (absolute), to key its files.
    write_baseline: Option<PathBuf>,
}

/// What checking one file gave.
#[derive(Default)]
struct Outcome {
    report: FileReport,
    rendered: emit::Rendered,
    /// Allow entries of the file's configuration that apply to it, and those
    /// of them that silenced something.
    allow_applicable: Vec<usize>,
    allow_used: Vec<usize>,
    allowed: usize,
    baselined: usize,
    keys: Vec<(String, Key)>,
    fixed: usize,
    /// For stderr: what `--fix` changed, fixes skipped, files refused.
    notes: Vec<String>,
    diff: String,
}

pub fn run(args: CheckArgs) -> ExitCode {
    let code = match &args.threads {
        Some(n) => match rayon::ThreadPoolBuilder::new()
            .num_threads((*n).max(1))
            .build()
        {
            Ok(pool) => pool.install(|| check(&args)),
            Err(e) => fail(&format!("cannot start {n} threads: {e}")),
        },
        None => check(&args),
    };
    ExitCode::from(code)
}

fn fail(message: &str) -> u8 {
    let _ = writeln!(io::stderr().lock(), "planlint: {message}");
    EXIT_FAILURE
}

/// Whether to colour a stream: `--color`, else when it is a terminal and
/// `NO_COLOR` is unset (or empty, as no-color.org says).
fn use_color(choice: ColorChoice, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// The width to draw at: the terminal's, `COLUMNS`, or 100.
fn width() -> usize {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
    {
        return n.clamp(40, 400);
    }
    if io::stdout().is_terminal() {
        if let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size() {
            return (w as usize).clamp(40, 400);
        }
    }
    100
}

/// Prints a failure that stops the run before any file is checked.
fn fatal(failure: &Failure, color: bool) -> u8 {
    let text = emit::human::render_failure(failure, color, width());
    let _ = io::stderr().lock().write_all(text.as_bytes());
    EXIT_FAILURE
}

fn config_error(e: &ConfigError, color: bool) -> u8 {
    fatal(&e.to_failure(), color)
}

/// What a run needs, made ready before the first file is checked.
struct Prepared {
    /// Files (and paths that could not be walked), in path order.
    entries: Vec<Entry>,
    /// Each file's configuration (its path; `None` for the defaults).
    file_config: HashMap<PathBuf, Option<PathBuf>>,
    groups: BTreeMap<Option<PathBuf>, Arc<Group>>,
    /// Rule files that did not load.
    rule_failures: Vec<Failure>,
    run_info: RunInfo,
    baseline: Option<Baseline>,
}

/// What the run has counted and gathered so far.
#[derive(Default)]
struct Tally {
    summary: Summary,
    /// For `--write-baseline`.
    collected: Collected,
    /// By (configuration, allow entry): whether it applied to a checked file,
    /// and whether it silenced something.
    allow_seen: HashMap<(Option<PathBuf>, usize), (bool, bool)>,
    /// Files `--diff` printed a diff for.
    diffs: usize,
}

fn check(args: &CheckArgs) -> u8 {
    let started = Instant::now();
    let color = use_color(args.color, io::stdout().is_terminal());
    // Failures that stop the run, or that --diff prints apart, go to stderr.
    let err_color = use_color(args.color, io::stderr().is_terminal());
    let mode = if args.diff {
        FixMode::Diff
    } else if args.fix {
        FixMode::Fix
    } else {
        FixMode::Report
    };
    let prepared = match prepare(args, err_color) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let printer: Box<dyn Printer> = match args.format {
        OutputFormat::Human => Box::new(Human::new(color, width())),
        OutputFormat::Json => Box::new(emit::json::Json),
        OutputFormat::Sarif => Box::new(emit::sarif::Sarif::new(&prepared.run_info)),
        OutputFormat::Github => Box::new(emit::github::Github),
        OutputFormat::Compact => Box::new(emit::compact::Compact),
    };
    let shared = Shared {
        printer: printer.as_ref(),
        mode,
        baseline: prepared.baseline.as_ref(),
        write_baseline: args.write_baseline.as_deref().map(config::absolute),
    };
    let mut tally = Tally::default();
    tally.summary.files = prepared.entries.iter().filter(|e| e.is_ok()).count();

    match stream(args, &prepared, &shared, err_color, &mut tally) {
        Ok(()) => {}
        // The reader went away (`planlint check … | head`): a normal end.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return exit_code(&tally, args, mode),
        Err(e) => return fail(&format!("cannot write the output: {e}")),
    }

    if let Some(path) = &args.write_baseline {
        let n = tally.collected.len();
        if let Err(e) = load::write_atomic(path, tally.collected.to_json().as_bytes()) {
            return fail(&format!("cannot write the baseline: {e}"));
        }
        if !args.quiet {
            let _ = writeln!(
                io::stderr().lock(),
                "wrote {n} finding{} to the baseline {}",
                plural(n),
                path.display()
            );
        }
        // Every finding is in the baseline now.
        let s = &mut tally.summary;
        s.baselined += n;
        (s.errors, s.warnings, s.infos) = (0, 0, 0);
    }

    if !args.quiet {
        let line = summary_line(&tally.summary, mode, tally.diffs, started.elapsed());
        let _ = writeln!(io::stderr().lock(), "{line}");
    }
    exit_code(&tally, args, mode)
}

/// Finds the files, their configurations and rules, and the baseline; a
/// usage error (a broken configuration, an unknown rule) ends the run here,
/// before any output, with its exit status.
fn prepare(args: &CheckArgs, err_color: bool) -> Result<Prepared, u8> {
    let entries: Vec<Entry> = load::discover(&args.paths)
        .into_iter()
        .map(|e| e.map_err(|e| Box::new(load_failure(&e))))
        .collect();

    // Configurations: one for all (`--config`), none, or the nearest one above
    // each file, read once per folder.
    let cwd = config::absolute(Path::new("."));
    let fixed = match &args.config {
        Some(path) => match Config::load(&config::absolute(path)) {
            Ok(c) => Some(Arc::new(Config {
                path: Some(path.clone()),
                ..c
            })),
            Err(e) => {
                return Err(config_error(
                    &ConfigError {
                        path: path.clone(),
                        ..e
                    },
                    err_color,
                ))
            }
        },
        None => None,
    };
    let mut configs: BTreeMap<Option<PathBuf>, Arc<Config>> = BTreeMap::new();
    let mut by_dir: HashMap<PathBuf, Option<PathBuf>> = HashMap::new();
    let mut file_config = HashMap::with_capacity(entries.len());
    for file in entries.iter().filter_map(|e| e.as_ref().ok()) {
        let key = match (&fixed, args.no_config) {
            (Some(c), _) => c.path.clone(),
            (None, true) => None,
            (None, false) => {
                let dir = config::absolute(file.parent().unwrap_or(Path::new(".")));
                by_dir
                    .entry(dir.clone())
                    .or_insert_with(|| config::find(&dir))
                    .clone()
            }
        };
        if !configs.contains_key(&key) {
            let config = match (&key, &fixed) {
                (_, Some(c)) => c.clone(),
                (Some(path), None) => match Config::load(path) {
                    Ok(c) => Arc::new(c),
                    Err(e) => {
                        let e = ConfigError {
                            path: PathBuf::from(engine::shown(path)),
                            ..e
                        };
                        return Err(config_error(&e, err_color));
                    }
                },
                (None, None) => Arc::new(Config::defaults(cwd.clone())),
            };
            configs.insert(key.clone(), config);
        }
        file_config.insert(file.clone(), key);
    }
    if configs.is_empty() {
        // No file to check: still load the rules, so that a broken rule or a
        // misspelt --select is reported.
        configs.insert(
            None,
            fixed.unwrap_or_else(|| Arc::new(Config::defaults(cwd))),
        );
    }

    // Rules per configuration, and which of them run.
    let cli = engine::Cli {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
    };
    let mut loader = engine::Loader::default();
    let mut groups = BTreeMap::new();
    let mut infos: BTreeMap<String, emit::RuleInfo> = BTreeMap::new();
    let mut all_known = BTreeSet::new();
    for (key, config) in &configs {
        let mut dirs: Vec<PathBuf> = config
            .rule_dirs
            .iter()
            .map(|d| PathBuf::from(engine::shown(d)))
            .collect();
        dirs.extend(args.rules.iter().cloned());
        let rules = loader.rules(&dirs);
        let known_ids = engine::known_ids(&rules);
        let known: Vec<&str> = known_ids.iter().map(String::as_str).collect();
        all_known.extend(known_ids.iter().cloned());
        let shown = config
            .path
            .as_deref()
            .map(engine::shown)
            .unwrap_or_default();
        if let Err(e) = config.check_rule_ids(&known) {
            return Err(config_error(
                &ConfigError {
                    path: PathBuf::from(&shown),
                    ..e
                },
                err_color,
            ));
        }
        let selected = engine::selection(config, &cli, &known);
        let settings = engine::settings(config, &selected, &known);
        // The rules that run, for the formats that describe them (SARIF).
        for info in engine::rule_info(&rules)
            .into_iter()
            .filter(|i| selected.contains(&i.id))
        {
            infos.entry(info.id.clone()).or_insert(info);
        }
        let group = Group {
            config: config.clone(),
            shown,
            rules,
            settings,
            selected,
        };
        groups.insert(key.clone(), Arc::new(group));
    }

    // A selector on the command line must name a rule somewhere (configurations
    // may add rules of their own).
    let all_known: Vec<&str> = all_known.iter().map(String::as_str).collect();
    if let Err(message) = engine::check_cli_selectors(&cli, &all_known) {
        // The rule named may be one whose file did not load: say why first,
        // or "no rule" reads as if the file were not found at all.
        let mut err = io::stderr().lock();
        for failure in &loader.failures {
            let text = emit::human::render_failure(failure, err_color, width());
            let _ = err.write_all(text.as_bytes());
        }
        drop(err);
        return Err(fail(&message));
    }

    let baseline = match &args.baseline {
        Some(path) => match Baseline::read(&config::absolute(path), &path.display().to_string()) {
            Ok(b) => Some(b),
            Err(e) => return Err(fail(&e.to_string())),
        },
        None => None,
    };
    Ok(Prepared {
        entries,
        file_config,
        groups,
        rule_failures: loader.failures,
        run_info: RunInfo {
            rules: infos.into_values().collect(),
        },
        baseline,
    })
}

/// Checks the files in chunks, in parallel within a chunk, and writes each
/// file's output in path order as soon as its chunk is done.
fn stream(
    args: &CheckArgs,
    prepared: &Prepared,
    shared: &Shared<'_>,
    err_color: bool,
    tally: &mut Tally,
) -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let prints_findings = shared.mode != FixMode::Diff && args.write_baseline.is_none();
    let mut stream = if prints_findings {
        Some(Stream::begin(shared.printer, &mut out, &prepared.run_info)?)
    } else {
        None
    };
    let emit = |stream: &mut Option<Stream<'_, &mut io::StdoutLock<'_>>>,
                rendered: emit::Rendered,
                report: &FileReport,
                summary: &mut Summary|
     -> io::Result<()> {
        summary.add(report);
        match stream {
            Some(stream) => stream.write(rendered),
            // --diff and --write-baseline print no findings, but what could
            // not be checked must still be said.
            None if !report.failures.is_empty() => {
                let text = Human::new(err_color, width()).render(report);
                io::stderr().lock().write_all(&text.body)
            }
            None => Ok(()),
        }
    };

    // Rule files that did not load, by file.
    let mut early: BTreeMap<String, Vec<Failure>> = BTreeMap::new();
    for f in &prepared.rule_failures {
        let key = f
            .site
            .as_ref()
            .map(|s| s.path.clone())
            .or_else(|| f.path.clone())
            .unwrap_or_default();
        early.entry(key).or_default().push(f.clone());
    }
    for (path, failures) in early {
        let report = FileReport {
            path,
            failures,
            ..FileReport::default()
        };
        emit(
            &mut stream,
            shared.printer.render(&report),
            &report,
            &mut tally.summary,
        )?;
    }

    let progress = Progress::new(prepared.entries.len(), args.quiet);
    let mut handle = |key: Option<PathBuf>, outcome: Outcome| -> io::Result<()> {
        for &i in &outcome.allow_applicable {
            tally.allow_seen.entry((key.clone(), i)).or_default().0 = true;
        }
        for &i in &outcome.allow_used {
            tally.allow_seen.entry((key.clone(), i)).or_default().1 = true;
        }
        let s = &mut tally.summary;
        s.tasks += outcome.report.tasks;
        s.allowed += outcome.allowed;
        s.baselined += outcome.baselined;
        s.fixed += outcome.fixed;
        for (file, k) in outcome.keys {
            tally.collected.add(file, k);
        }
        if !outcome.diff.is_empty() {
            tally.diffs += 1;
            progress.clear();
            // The diff is the output of --diff; the stream is off then.
            io::stdout().lock().write_all(outcome.diff.as_bytes())?;
        }
        if !args.quiet && !outcome.notes.is_empty() {
            progress.clear();
            let mut err = io::stderr().lock();
            for note in &outcome.notes {
                let _ = writeln!(err, "{note}");
            }
        }
        emit(
            &mut stream,
            outcome.rendered,
            &outcome.report,
            &mut tally.summary,
        )?;
        Ok(())
    };
    in_order(
        &prepared.entries,
        |entry| check_entry(entry, prepared, shared),
        |i, (key, outcome)| {
            handle(key, outcome)?;
            if (i + 1) % 16 == 0 || i + 1 == prepared.entries.len() {
                progress.update(i + 1);
            }
            Ok(())
        },
    )?;
    progress.clear();

    // Allow entries that silenced nothing, reported in their configuration.
    for (key, group) in &prepared.groups {
        if !group.selected.contains(UNUSED_ALLOW) {
            continue;
        }
        let report = unused_allows(key, group, &tally.allow_seen);
        if !report.findings.is_empty() {
            let rendered = shared.printer.render(&report);
            emit(&mut stream, rendered, &report, &mut tally.summary)?;
        }
    }

    if let Some(stream) = stream {
        stream.end(&tally.summary)?;
    }
    Ok(())
}

/// Checks one entry of the run: a file, or one that could not be listed.
fn check_entry(
    entry: &Result<PathBuf, Box<Failure>>,
    prepared: &Prepared,
    shared: &Shared<'_>,
) -> (Option<PathBuf>, Outcome) {
    match entry {
        Ok(file) => {
            let key = prepared.file_config.get(file).cloned().flatten();
            let outcome = check_file(file, &prepared.groups[&key], shared);
            (key, outcome)
        }
        Err(failure) => {
            let report = FileReport {
                path: failure.path.clone().unwrap_or_default(),
                failures: vec![(**failure).clone()],
                ..FileReport::default()
            };
            let rendered = shared.printer.render(&report);
            (
                None,
                Outcome {
                    report,
                    rendered,
                    ..Outcome::default()
                },
            )
        }
    }
}

/// Runs `work` on every item on the worker threads (`-j`; this thread is one
/// of them) and hands the results to `done`, on this thread, in the order of
/// the items: output is deterministic, and it is written while the others go
/// on. At most a few results per worker are in flight or waiting for an
/// earlier one, so memory stays flat however many files a run has, and a
/// slow file holds the others back by no more than that. An error from
/// `done` stops the run.
///
/// This thread works too, and a thread sleeps only when the window is full or
/// the items have run out: a channel that woke the printer for every file
/// cost a futex call and a context switch each (some 5% of a check's time).
fn in_order<T: Sync, R: Send>(
    items: &[T],
    work: impl Fn(&T) -> R + Sync,
    mut done: impl FnMut(usize, R) -> io::Result<()>,
) -> io::Result<()> {
    use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
    let workers = rayon::current_num_threads().clamp(1, items.len().max(1));
    let window = workers * 4;
    let board = Mutex::new(Board {
        next: 0,
        emitted: 0,
        ready: BTreeMap::new(),
        over: false,
        sleepers: 0,
        waiting: false,
    });
    // `room`: the window has room again; `arrived`: the result this thread
    // waits for is in.
    let (room, arrived) = (Condvar::new(), Condvar::new());
    let lock = || board.lock().unwrap_or_else(PoisonError::into_inner);

    /// Ends the run when it goes out of scope: on this thread always, on a
    /// worker only if its `work` panicked (the panic then surfaces when the
    /// scope joins it, instead of this thread waiting for its result).
    struct Ender<'a, R> {
        board: &'a Mutex<Board<R>>,
        wake: &'a Condvar,
        always: bool,
    }
    impl<R> Drop for Ender<'_, R> {
        fn drop(&mut self) {
            if self.always || std::thread::panicking() {
                let mut b = self.board.lock().unwrap_or_else(PoisonError::into_inner);
                b.over = true;
                drop(b);
                self.wake.notify_all();
            }
        }
    }

    std::thread::scope(|scope| {
        for _ in 1..workers {
            let (lock, room, arrived, work) = (&lock, &room, &arrived, &work);
            let board = &board;
            scope.spawn(move || {
                let _ender = Ender {
                    board,
                    wake: arrived,
                    always: false,
                };
                loop {
                    let mut b: MutexGuard<Board<R>> = lock();
                    let i = loop {
                        if b.over || b.next >= items.len() {
                            return;
                        }
                        if b.next < b.emitted + window {
                            break b.next;
                        }
                        b.sleepers += 1;
                        b = room.wait(b).unwrap_or_else(PoisonError::into_inner);
                        b.sleepers -= 1;
                    };
                    b.next += 1;
                    drop(b);
                    let r = work(&items[i]);
                    let mut b = lock();
                    b.ready.insert(i, r);
                    if b.waiting && i == b.emitted {
                        arrived.notify_one();
                    }
                }
            });
        }
        let _ender = Ender {
            board: &board,
            wake: &room,
            always: true,
        };
        let mut b = lock();
        loop {
            let at = b.emitted;
            if let Some(r) = b.ready.remove(&at) {
                drop(b);
                let handed = done(at, r);
                b = lock();
                // Counted only now, so that no more than `window` items are
                // taken and not yet handed over.
                b.emitted += 1;
                if b.sleepers > 0 {
                    room.notify_all();
                }
                if let Err(e) = handed {
                    drop(b);
                    return Err(e);
                }
                continue;
            }
            if b.over || at == items.len() {
                drop(b);
                return Ok(());
            }
            if b.next < items.len() && b.next < at + window {
                let i = b.next;
                b.next += 1;
                drop(b);
                let r = work(&items[i]);
                b = lock();
                b.ready.insert(i, r);
                continue;
            }
            b.waiting = true;
            b = arrived.wait(b).unwrap_or_else(PoisonError::into_inner);
            b.waiting = false;
        }
    })
}

/// What the threads of [`in_order`] share.
struct Board<R> {
    /// The first item not yet taken.
    next: usize,
    /// How many results have been handed over (all those before it).
    emitted: usize,
    /// Results waiting for an earlier one.
    ready: BTreeMap<usize, R>,
    /// The run has ended: by an error from `done`, or a worker's panic.
    over: bool,
    /// Workers waiting for room in the window.
    sleepers: usize,
    /// The handing thread waits for the result of item `emitted`.
    waiting: bool,
}

fn exit_code(tally: &Tally, args: &CheckArgs, mode: FixMode) -> u8 {
    let s = &tally.summary;
    if s.failures > 0 {
        EXIT_FAILURE
    } else if mode == FixMode::Diff {
        if tally.diffs > 0 {
            EXIT_FINDINGS
        } else {
            EXIT_OK
        }
    } else if s.errors > 0 || (args.deny_warnings && s.warnings > 0) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `Checked 5 files (238 tasks) in 0.08s: 2 errors, 638 warnings, 201 info.`
fn summary_line(s: &Summary, mode: FixMode, diffs: usize, took: Duration) -> String {
    let mut line = format!(
        "Checked {} file{} ({} task{}) in {:.2}s: ",
        s.files,
        plural(s.files),
        s.tasks,
        plural(s.tasks),
        took.as_secs_f64()
    );
    let mut parts = Vec::new();
    if mode == FixMode::Diff {
        parts.push(format!(
            "{} fix{} to apply in {diffs} file{}",
            s.fixed,
            if s.fixed == 1 { "" } else { "es" },
            plural(diffs)
        ));
    } else {
        for (n, what) in [
            (s.errors, "error"),
            (s.warnings, "warning"),
            (s.infos, "info"),
        ] {
            if n > 0 {
                // "info" is a mass noun: 3 info, as 3 errors.
                parts.push(format!(
                    "{n} {what}{}",
                    if what == "info" { "" } else { plural(n) }
                ));
            }
        }
        if parts.is_empty() {
            parts.push("no findings".to_owned());
        }
        if s.fixed > 0 {
            parts.push(format!("{} fixed", s.fixed));
        }
    }
    if s.allowed > 0 {
        parts.push(format!("{} allowed by the configuration", s.allowed));
    }
    if s.baselined > 0 {
        parts.push(format!("{} in the baseline", s.baselined));
    }
    if s.failures > 0 {
        parts.push(format!("{} failure{}", s.failures, plural(s.failures)));
    }
    line.push_str(&parts.join(", "));
    line.push('.');
    line
}

/// A path as output shows it: as found, without a leading `./`.
fn display(path: &Path) -> String {
    path.strip_prefix(".").unwrap_or(path).display().to_string()
}

/// A file that could not be found or loaded.
fn load_failure(e: &LoadError) -> Failure {
    let message = e.to_string();
    let prefix = format!("{}: ", e.path().display());
    let message = message.strip_prefix(&prefix).unwrap_or(&message).to_owned();
    Failure {
        kind: FailureKind::Load,
        path: Some(display(e.path())),
        rule: None,
        message,
        help: None,
        site: None,
    }
}

/// Checks one file: load, parse, rules, allow entries, baseline, fixes.
fn check_file(path: &Path, group: &Group, shared: &Shared<'_>) -> Outcome {
    let shown = display(path);
    let absolute = config::absolute(path);
    let mut outcome = Outcome::default();

    let analysed = crate::guard::contain(|| analyse(path, &shown, &absolute, group, shared))
        .unwrap_or_else(|bug| {
            Err(Box::new(Failure {
                kind: FailureKind::Internal,
                path: Some(shown.clone()),
                rule: None,
                message: format!("planlint failed on this file: {bug}"),
                help: Some(
                    "this is a bug in planlint: please report it with the file; the other files were checked"
                        .to_owned(),
                ),
                site: None,
            }))
        });
    let mut analysis = match analysed {
        Ok(a) => a,
        Err(failure) => {
            outcome.report = FileReport {
                path: shown,
                failures: vec![*failure],
                ..FileReport::default()
            };
            outcome.rendered = shared.printer.render(&outcome.report);
            return outcome;
        }
    };

    // A document that cannot be written back (.docx, .html) keeps its
    // findings; say why nothing was fixed.
    let writable = match shared.mode {
        FixMode::Report => false,
        _ => match load::encode_like(&analysis.source, &analysis.text.text) {
            Ok(_) => true,
            Err(e) => {
                if analysis
                    .findings
                    .iter()
                    .any(|l| l.finding.fix.as_ref().is_some_and(|f| f.certain))
                {
                    outcome.notes.push(format!("planlint: not fixing {e}"));
                }
                false
            }
        },
    };
    if writable {
        let original = analysis.text.text.clone();
        let mut fixed_any = false;
        // Fixes that overlap wait for the next pass over the fixed text (a
        // punctuation fix across a bracket and a damaged date inside it), as
        // Ruff does; each pass re-reads the text, so every fix is checked
        // against what the previous ones produced.
        for pass in 1..=MAX_FIX_PASSES {
            let applied = fix::apply(&analysis.text.text, &analysis.findings);
            if applied.fixed.is_empty() {
                break;
            }
            fixed_any = true;
            outcome.fixed += applied.fixed.len();
            if shared.mode == FixMode::Fix {
                for &i in &applied.fixed {
                    let l = &analysis.findings[i];
                    if let (Some(fix), Some(place)) = (&l.finding.fix, &l.fix) {
                        outcome.notes.push(format!(
                            "{shown}:{}:{}: fixed {}: {}",
                            place.start.line,
                            place.start.column,
                            l.finding.rule,
                            emit::describe_fix(&place.original, &fix.replacement)
                        ));
                    }
                }
            }
            let again = load::Source::from_text(
                path,
                analysis.source.format,
                analysis.source.encoding,
                applied.text,
            );
            match analyse_source(again, &shown, &absolute, group, shared) {
                Ok(a) => analysis = a,
                Err(failure) => {
                    outcome.report = FileReport {
                        path: shown,
                        failures: vec![*failure],
                        ..FileReport::default()
                    };
                    outcome.rendered = shared.printer.render(&outcome.report);
                    return outcome;
                }
            }
            if applied.skipped.is_empty() {
                break;
            }
            if pass == MAX_FIX_PASSES {
                outcome.notes.push(format!(
                    "{shown}: fixes still overlap after {MAX_FIX_PASSES} passes (run --fix again)"
                ));
            }
        }
        if fixed_any {
            let result = &analysis.text.text;
            match (shared.mode, load::encode_like(&analysis.source, result)) {
                (_, Err(e)) => {
                    outcome.fixed = 0;
                    outcome.notes.push(format!("planlint: not fixing {e}"));
                }
                (FixMode::Diff, Ok(_)) => {
                    outcome.diff = diff::unified(&shown, &original, result);
                }
                (_, Ok(bytes)) => {
                    if let Err(e) = load::write_atomic(path, &bytes) {
                        outcome.fixed = 0;
                        analysis.failures.push(Failure {
                            kind: FailureKind::Write,
                            path: Some(shown.clone()),
                            rule: None,
                            message: e.to_string(),
                            help: None,
                            site: None,
                        });
                    }
                }
            }
        }
    }

    outcome.allow_applicable = analysis.allow_applicable;
    outcome.allow_used = analysis.allow_used;
    outcome.allowed = analysis.allowed;
    outcome.baselined = analysis.baselined;
    if let Some(target) = &shared.write_baseline {
        let dir = target.parent().map(Path::to_path_buf).unwrap_or_default();
        let file = baseline::file_key(&dir, &absolute);
        outcome.keys = analysis
            .findings
            .iter()
            .map(|l| (file.clone(), key(&l.finding)))
            .collect();
    }
    outcome.report = FileReport {
        path: shown,
        tasks: analysis.tasks,
        findings: analysis.findings,
        failures: analysis.failures,
        source: Some(analysis.text),
    };
    if shared.mode != FixMode::Diff && shared.write_baseline.is_none() {
        outcome.rendered = shared.printer.render(&outcome.report);
    }
    // The text is not needed past rendering: drop it now, not at the end of
    // the run.
    outcome.report.source = None;
    outcome
}

fn key(f: &Finding) -> Key {
    Key {
        rule: f.rule.clone(),
        task: f.task,
        message: f.message.clone(),
    }
}

/// A file read and checked, its findings filtered.
struct Analysis {
    /// What was read (its line index moved to `text`).
    source: Source,
    text: SourceText,
    tasks: usize,
    findings: Vec<Located>,
    failures: Vec<Failure>,
    allow_applicable: Vec<usize>,
    allow_used: Vec<usize>,
    allowed: usize,
    baselined: usize,
}

fn analyse(
    path: &Path,
    shown: &str,
    absolute: &Path,
    group: &Group,
    shared: &Shared<'_>,
) -> Result<Analysis, Box<Failure>> {
    let source = load::load(path).map_err(|e| Failure {
        path: Some(shown.to_owned()),
        ..load_failure(&e)
    });
    analyse_source(source.map_err(Box::new)?, shown, absolute, group, shared)
}

/// How many times `--fix` re-reads a file to apply fixes that overlapped.
const MAX_FIX_PASSES: usize = 10;

/// Parses and checks a loaded (or fixed) text.
fn analyse_source(
    mut source: Source,
    shown: &str,
    absolute: &Path,
    group: &Group,
    shared: &Shared<'_>,
) -> Result<Analysis, Box<Failure>> {
    let mut plan = crate::parse::parse(&source).map_err(|e| {
        let site = match &e {
            crate::parse::ParseError::Grammar { span, .. } => Some(Site::in_text(
                shown.to_owned(),
                SourceText {
                    text: source.text.clone(),
                    lines: Arc::new(source.lines.clone()),
                },
                span.start,
                span.end,
            )),
            _ => None,
        };
        Box::new(Failure {
            kind: FailureKind::Parse,
            path: Some(shown.to_owned()),
            rule: None,
            message: e.to_string(),
            help: None,
            site,
        })
    })?;
    if plan.period.is_none() {
        if let Some(p) = group.config.period {
            plan.period = Some(Period {
                start: p.start,
                end: p.end,
                raw: "configuration".to_owned(),
                span: None,
            });
        }
    }
    let tasks = plan.tasks.len();
    let out = group
        .rules
        .run(Arc::new(plan), source.text.clone(), &group.settings);
    let failures: Vec<Failure> = out
        .failures
        .iter()
        .map(|f| engine::run_failure(shown, f))
        .collect();

    // Allow entries of the configuration that name this file.
    let config = &group.config;
    let relative = config.relative(absolute);
    let applicable: Vec<usize> = config
        .allow
        .iter()
        .enumerate()
        .filter(|(_, a)| group.selected.contains(&a.rule.value))
        .filter(|(_, a)| match &relative {
            Some(rel) => a.matches_file(rel),
            None => {
                Path::new(&a.file.value).is_absolute()
                    && a.matches_file(&absolute.display().to_string())
            }
        })
        .map(|(i, _)| i)
        .collect();
    // A rule that failed on the file gave no findings: its entries are not
    // known to be unused.
    let failed: BTreeSet<&str> = out.failures.iter().map(|f| f.rule.as_str()).collect();
    let applicable: Vec<usize> = applicable
        .into_iter()
        .filter(|&i| !failed.contains(config.allow[i].rule.value.as_str()))
        .collect();

    let mut used = BTreeSet::new();
    let mut allowed = 0;
    let mut baselined = 0;
    // A baseline being written takes every finding, the old baseline's too.
    let mut bucket = match shared.write_baseline {
        Some(_) => None,
        None => shared.baseline.map(|b| b.bucket(absolute)),
    };
    let text = SourceText {
        text: source.text.clone(),
        lines: Arc::new(std::mem::take(&mut source.lines)),
    };
    let mut findings = Vec::with_capacity(out.findings.len());
    for f in out.findings {
        if let Some(&i) = applicable
            .iter()
            .find(|&&i| config.allow[i].matches(&f.rule, f.task))
        {
            used.insert(i);
            allowed += 1;
            continue;
        }
        if let Some(bucket) = &mut bucket {
            if bucket.take(&key(&f)) {
                baselined += 1;
                continue;
            }
        }
        findings.push(Located::new(f, &text));
    }
    emit::sort_findings(&mut findings);
    Ok(Analysis {
        source,
        text,
        tasks,
        findings,
        failures,
        allow_applicable: applicable,
        allow_used: used.into_iter().collect(),
        allowed,
        baselined,
    })
}

/// The `unused-allow` findings of one configuration.
fn unused_allows(
    key: &Option<PathBuf>,
    group: &Group,
    seen: &HashMap<(Option<PathBuf>, usize), (bool, bool)>,
) -> FileReport {
    let config = &group.config;
    let Some(text) = &config.text else {
        return FileReport::default();
    };
    let severity = engine::unused_allow_severity(config);
    let mut findings = Vec::new();
    for (i, entry) in config.allow.iter().enumerate() {
        if !group.selected.contains(&entry.rule.value) {
            continue;
        }
        let (applicable, used) = seen.get(&(key.clone(), i)).copied().unwrap_or_default();
        let message = if entry.is_literal() && !config.dir.join(&entry.file.value).exists() {
            format!(
                "allow entry for `{}` names `{}`, which does not exist",
                entry.rule.value, entry.file.value
            )
        } else if applicable && !used {
            let task = entry.task.map(|t| format!(" task {t}")).unwrap_or_default();
            format!(
                "allow entry silences nothing: no `{}` finding in `{}`{task}",
                entry.rule.value, entry.file.value
            )
        } else {
            continue;
        };
        let span = crate::model::Span {
            start: entry.span.start,
            end: entry.span.end,
            line: 0,
            column: 0,
        };
        let finding = Finding {
            rule: UNUSED_ALLOW.to_owned(),
            severity,
            message,
            span,
            help: Some("remove the entry, or correct its rule, file or task".to_owned()),
            fix: None,
            task: None,
        };
        findings.push(Located::new(finding, text));
    }
    emit::sort_findings(&mut findings);
    FileReport {
        path: group.shown.clone(),
        tasks: 0,
        findings,
        failures: Vec::new(),
        source: Some(text.clone()),
    }
}

/// A progress line on stderr, for long runs on a terminal only.
struct Progress {
    total: usize,
    on: bool,
    started: Instant,
    shown: std::cell::Cell<bool>,
}

/// Below this many files a run is too short to need a progress line.
const PROGRESS_MIN_FILES: usize = 200;

impl Progress {
    fn new(total: usize, quiet: bool) -> Progress {
        let on = !quiet && total >= PROGRESS_MIN_FILES && io::stderr().is_terminal();
        Progress {
            total,
            on,
            started: Instant::now(),
            shown: std::cell::Cell::new(false),
        }
    }

    fn update(&self, done: usize) {
        if self.on && self.started.elapsed() > Duration::from_millis(300) {
            let _ = write!(
                io::stderr().lock(),
                "\r\x1b[2Kchecking: {done}/{} files",
                self.total
            );
            self.shown.set(true);
        }
    }

    fn clear(&self) {
        if self.shown.replace(false) {
            let _ = write!(io::stderr().lock(), "\r\x1b[2K");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::in_order;
    use std::io;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    /// Early items finish last (they sleep longest), yet the results come in
    /// the order of the items, and no more are taken than the window allows.
    #[test]
    fn in_order_hands_results_over_in_item_order_with_a_bounded_window() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let items: Vec<usize> = (0..40).collect();
        let taken = AtomicUsize::new(0);
        let mut seen = Vec::new();
        let mut most_ahead = 0;
        pool.install(|| {
            in_order(
                &items,
                |&i| {
                    taken.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(if i % 8 == 0 { 20 } else { 1 }));
                    i * 10
                },
                |at, r| {
                    most_ahead = most_ahead.max(taken.load(Ordering::SeqCst) - at);
                    seen.push((at, r));
                    Ok(())
                },
            )
        })
        .unwrap();
        let expected: Vec<(usize, usize)> = items.iter().map(|&i| (i, i * 10)).collect();
        assert_eq!(seen, expected);
        // Two workers, four items each: at most 8 taken and not yet handed over.
        assert!(most_ahead <= 8, "{most_ahead} items taken ahead");
    }

    /// A panic in `work`, on whichever thread takes the item, reaches the
    /// caller instead of leaving the others waiting for its result.
    #[test]
    fn in_order_passes_a_panic_on_instead_of_hanging() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let items: Vec<usize> = (0..200).collect();
        for bad in [0, 1, 57] {
            let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                pool.install(|| {
                    in_order(
                        &items,
                        |&i| {
                            assert!(i != bad, "item {i}");
                            i
                        },
                        |_, _| Ok(()),
                    )
                })
            }));
            assert!(caught.is_err(), "the panic on item {bad} was lost");
        }
    }

    #[test]
    fn in_order_stops_at_the_first_error() {
        let items: Vec<usize> = (0..1000).collect();
        let done = AtomicUsize::new(0);
        let mut handed = 0;
        let result = in_order(
            &items,
            |&i| {
                done.fetch_add(1, Ordering::SeqCst);
                i
            },
            |at, _| {
                handed += 1;
                if at == 3 {
                    return Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"));
                }
                Ok(())
            },
        );
        assert_eq!(result.unwrap_err().kind(), io::ErrorKind::BrokenPipe);
        assert_eq!(handed, 4);
        assert!(done.load(Ordering::SeqCst) < 100, "the workers went on");
    }
}
