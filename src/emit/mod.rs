//! Emit stage: the printers of findings, for people and for machines.
//!
//! The check stage hands each file's findings over as a [`FileReport`]: the
//! findings placed in their file (line and character column computed here, once,
//! by [`locate`]), and what could not be checked ([`Failure`]). The printers only
//! read those reports. Each one renders a file on the worker thread that checked
//! it (so rendering runs in parallel and a plan's text can be dropped as soon as
//! its file is done), and the command line writes the rendered pieces to stdout
//! in path order, with the framing a format needs around them.
//!
//! The formats: [`human`] (miette, the only module that touches miette),
//! [`json`], [`sarif`], [`github`] workflow commands and [`compact`] lines.

pub mod compact;
pub mod diff;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use crate::finding::{Finding, Severity};
use crate::load::LineIndex;
use serde::Serialize;
use std::io::{self, Write};
use std::sync::Arc;

/// The id of the pseudo-rule that reports an allow entry of the configuration
/// that silenced nothing.
pub const UNUSED_ALLOW: &str = "unused-allow";

/// A place in a text: 1-based line, 1-based character column (what editors,
/// GitHub and SARIF's `unicodeCodePoints` count) and the byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
    pub offset: usize,
}

/// The line and character column of byte `offset` in `text`: the one place
/// where positions shown to users are computed.
pub fn locate(text: &str, lines: &LineIndex, offset: usize) -> Pos {
    let offset = floor_char_boundary(text, offset);
    let (line, column) = lines.locate(text, offset);
    Pos {
        line,
        column,
        offset,
    }
}

/// `offset` clamped to the text and moved back to a character boundary, so a
/// span computed by a user's rule cannot make us slice inside a character.
pub fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// A document's text together with its line index, shared (never copied) by
/// every diagnostic drawn on it.
#[derive(Debug, Clone)]
pub struct SourceText {
    pub text: Arc<str>,
    pub lines: Arc<LineIndex>,
}

impl SourceText {
    pub fn new(text: Arc<str>) -> SourceText {
        let lines = Arc::new(LineIndex::new(&text));
        SourceText { text, lines }
    }

    /// Start, end and text of a byte range, clamped to character boundaries.
    pub fn place(&self, start: usize, end: usize) -> (Pos, Pos, String) {
        let s = locate(&self.text, &self.lines, start);
        let end = floor_char_boundary(&self.text, end.max(s.offset));
        let text = &self.text[s.offset..end];
        // Most spans end on their first line: the end's column follows from
        // the start's, without counting the line again from its start.
        let e = if memchr::memchr(b'\n', text.as_bytes()).is_none() {
            Pos {
                line: s.line,
                column: s.column + text.chars().count() as u32,
                offset: end,
            }
        } else {
            locate(&self.text, &self.lines, end)
        };
        (s, e, text.to_owned())
    }

    /// The text between two byte offsets, clamped to character boundaries.
    pub fn slice(&self, start: usize, end: usize) -> &str {
        let start = floor_char_boundary(&self.text, start);
        let end = floor_char_boundary(&self.text, end.max(start));
        &self.text[start..end]
    }
}

/// A finding placed in its file.
#[derive(Debug, Clone)]
pub struct Located {
    pub finding: Finding,
    pub start: Pos,
    pub end: Pos,
    /// The characters the finding points at.
    pub text: String,
    /// Where the fix applies and what it replaces, when there is one.
    pub fix: Option<LocatedFix>,
}

/// The place of a finding's fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocatedFix {
    pub start: Pos,
    pub end: Pos,
    /// The text the fix replaces.
    pub original: String,
}

impl Located {
    pub fn new(finding: Finding, source: &SourceText) -> Located {
        let (start, end, text) = source.place(finding.span.start, finding.span.end);
        let fix = finding.fix.as_ref().map(|fix| {
            // A fix usually replaces the very text the finding points at.
            let same = (fix.span.start, fix.span.end) == (finding.span.start, finding.span.end);
            let (start, end, original) = if same {
                (start, end, text.clone())
            } else {
                source.place(fix.span.start, fix.span.end)
            };
            LocatedFix {
                start,
                end,
                original,
            }
        });
        Located {
            finding,
            start,
            end,
            text,
            fix,
        }
    }
}

/// What stopped part of a run: a file that could not be loaded or parsed, a
/// rule that failed on a plan, a configuration that could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureKind {
    Load,
    Parse,
    Rule,
    Config,
    Write,
    /// A bug in planlint (a panic), contained to the file it happened on.
    Internal,
}

impl FailureKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            FailureKind::Load => "load",
            FailureKind::Parse => "parse",
            FailureKind::Rule => "rule",
            FailureKind::Config => "config",
            FailureKind::Write => "write",
            FailureKind::Internal => "internal",
        }
    }

    /// The id printed where a rule id would stand (`compact`, `github`).
    pub fn code(&self) -> &'static str {
        match self {
            FailureKind::Load => "load-error",
            FailureKind::Parse => "parse-error",
            FailureKind::Rule => "rule-failure",
            FailureKind::Config => "config-error",
            FailureKind::Write => "write-error",
            FailureKind::Internal => "internal-error",
        }
    }
}

/// A place in some file other than the plan, or in the plan when no finding
/// could be made there: a rule's `.rhai` source, a `planlint.toml`.
#[derive(Debug, Clone)]
pub struct Site {
    pub path: String,
    pub start: Pos,
    pub end: Pos,
    /// The file's text, to draw the place, when it is at hand.
    pub source: Option<SourceText>,
}

impl Site {
    /// A site from a byte range in a text.
    pub fn in_text(path: impl Into<String>, source: SourceText, start: usize, end: usize) -> Site {
        let s = locate(&source.text, &source.lines, start);
        let e = locate(&source.text, &source.lines, end.max(s.offset));
        Site {
            path: path.into(),
            start: s,
            end: e,
            source: Some(source),
        }
    }
}

/// A failure, with the plan it happened on (if any) and where it happened.
#[derive(Debug, Clone)]
pub struct Failure {
    pub kind: FailureKind,
    /// The plan being checked.
    pub path: Option<String>,
    /// The rule that failed.
    pub rule: Option<String>,
    pub message: String,
    /// What to do about it, when there is something to say.
    pub help: Option<String>,
    pub site: Option<Site>,
}

/// Everything one checked file produced, ready for the printers.
#[derive(Debug, Clone, Default)]
pub struct FileReport {
    /// The path as the user gave it (or as the walk found it).
    pub path: String,
    pub tasks: usize,
    /// Sorted by span start, then rule id (see [`sort_findings`]).
    pub findings: Vec<Located>,
    pub failures: Vec<Failure>,
    /// The text the findings point into; only the human printer needs it.
    pub source: Option<SourceText>,
}

/// The deterministic order of a file's findings: where they start, then the
/// rule, then where they end and what they say.
pub fn sort_findings(findings: &mut [Located]) {
    findings.sort_by(|a, b| {
        let (fa, fb) = (&a.finding, &b.finding);
        (fa.span.start, &fa.rule, fa.span.end, &fa.message, fa.task).cmp(&(
            fb.span.start,
            &fb.rule,
            fb.span.end,
            &fb.message,
            fb.task,
        ))
    });
}

/// Counts over a whole run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files: usize,
    pub tasks: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Findings mended by `--fix` (or that `--diff` would mend).
    pub fixed: usize,
    /// Findings silenced by the baseline.
    pub baselined: usize,
    /// Findings silenced by allow entries of the configuration.
    pub allowed: usize,
    pub failures: usize,
}

impl Summary {
    pub fn count(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
        }
    }

    pub fn add(&mut self, report: &FileReport) {
        for f in &report.findings {
            self.count(f.finding.severity);
        }
        self.failures += report.failures.len();
    }
}

/// Rule metadata the machine formats describe rules with (SARIF's
/// `tool.driver.rules`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    pub id: String,
    pub severity: Severity,
    pub summary: String,
    /// Its documentation: headings (`Why`, `Example`, `Fix`…) and their text.
    pub sections: Vec<(String, String)>,
}

impl RuleInfo {
    /// The documentation as plain text.
    pub fn text(&self) -> String {
        if self.sections.is_empty() {
            return self.summary.clone();
        }
        self.sections
            .iter()
            .map(|(h, body)| format!("{h}: {}", body.trim()))
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    /// The documentation as Markdown, the summary first.
    pub fn markdown(&self) -> String {
        let mut out = self.summary.clone();
        for (h, body) in &self.sections {
            out.push_str(&format!("\n\n## {h}\n\n{}", body.trim()));
        }
        out
    }
}

/// What a printer knows before the first file.
#[derive(Debug, Clone, Default)]
pub struct RunInfo {
    /// Every rule that may report, sorted by id.
    pub rules: Vec<RuleInfo>,
}

/// One file rendered by a printer, on a worker thread.
#[derive(Debug, Default)]
pub struct Rendered {
    /// The findings (and, for the line formats, the failures) in output order.
    pub body: Vec<u8>,
    /// Failures the format lists apart from the findings (JSON, SARIF), as
    /// items to join with [`Printer::separator`].
    pub failures: Vec<Vec<u8>>,
}

/// A printer of findings in one format.
pub trait Printer: Sync {
    /// Written once, before the first file.
    fn begin(&self, out: &mut dyn Write, run: &RunInfo) -> io::Result<()> {
        let _ = (out, run);
        Ok(())
    }

    /// Renders one file; runs on worker threads. Items inside `body` are
    /// already joined by [`Printer::separator`].
    fn render(&self, report: &FileReport) -> Rendered;

    /// What joins two items of a list (`,\n` in the JSON formats).
    fn separator(&self) -> &'static [u8] {
        b""
    }

    /// Written once, after the last file, with the failures gathered apart;
    /// `items` says whether any finding was written.
    fn end(
        &self,
        out: &mut dyn Write,
        summary: &Summary,
        failures: &[Vec<u8>],
        items: bool,
    ) -> io::Result<()> {
        let _ = (out, summary, failures, items);
        Ok(())
    }
}

/// Writes rendered files to stdout in order, joining the items of list formats.
pub struct Stream<'p, W: Write> {
    printer: &'p dyn Printer,
    out: W,
    wrote_item: bool,
    failures: Vec<Vec<u8>>,
}

impl<'p, W: Write> Stream<'p, W> {
    pub fn begin(printer: &'p dyn Printer, mut out: W, run: &RunInfo) -> io::Result<Stream<'p, W>> {
        printer.begin(&mut out, run)?;
        Ok(Stream {
            printer,
            out,
            wrote_item: false,
            failures: Vec::new(),
        })
    }

    pub fn write(&mut self, rendered: Rendered) -> io::Result<()> {
        if !rendered.body.is_empty() {
            if self.wrote_item {
                self.out.write_all(self.printer.separator())?;
            }
            self.out.write_all(&rendered.body)?;
            self.wrote_item = true;
        }
        self.failures.extend(rendered.failures);
        Ok(())
    }

    pub fn end(mut self, summary: &Summary) -> io::Result<W> {
        self.printer
            .end(&mut self.out, summary, &self.failures, self.wrote_item)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Appends `items` to `out`, joined by `sep`.
pub(crate) fn join_into(out: &mut Vec<u8>, items: impl IntoIterator<Item = Vec<u8>>, sep: &[u8]) {
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(sep);
        }
        out.extend_from_slice(&item);
    }
}

/// The rule id, severity and message a line format prints for a failure.
pub(crate) fn failure_line(f: &Failure) -> String {
    match &f.rule {
        Some(rule) => format!("rule `{rule}` failed: {}", f.message),
        None => f.message.clone(),
    }
}

/// How a fix reads in prose: `replace "…" with "…"`.
pub fn describe_fix(old: &str, new: &str) -> String {
    // Pushed piece by piece: `format!` cost more than the strings, once per
    // finding with a fix.
    let mut out = String::with_capacity(old.len() + new.len() + 20);
    match (old.is_empty(), new.is_empty()) {
        (true, _) => out.extend(["insert \"", new, "\""]),
        (false, true) => out.extend(["delete \"", old, "\""]),
        (false, false) => out.extend(["replace \"", old, "\" with \"", new, "\""]),
    }
    out
}
