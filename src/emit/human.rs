//! The printer for people: miette's graphical reports. This is the only module
//! that uses miette.
//!
//! Two things miette does not do for us, done here:
//! - the location in the header (`╭─[seeds/000.txt:63:66]`) counts characters,
//!   not bytes: the excerpt we hand to miette reports the line and character
//!   column we computed, whatever span miette asks about;
//! - plan paragraphs are often one line of several hundred characters, twice as
//!   many columns: a line wider than the terminal is cut to a window around the
//!   finding, marked `...` at the cut ends, so the underline stays under the
//!   characters instead of being wrapped away from them.
//!
//! The excerpt reads the shared `Arc<str>` of the document: nothing is copied
//! per diagnostic but the window of a cut line.

use super::{describe_fix, FileReport, Located, Pos, Printer, Rendered, Site, SourceText};
use crate::finding::Severity;
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, SourceCode,
    SourceSpan, SpanContents,
};
use std::fmt;
use std::ops::Range;
use std::sync::Arc;
use unicode_width::UnicodeWidthChar;

/// What the ellipsis at a cut end of a line is; ASCII, so that its width is
/// the same in every terminal (`…` is ambiguous-width).
const CUT: &str = "...";
/// How wide a tab is drawn (miette's default).
const TAB_WIDTH: usize = 4;
/// The widest indent miette puts before a message or help line (`  help: `).
const HELP_INDENT: usize = 8;

/// The miette printer.
pub struct Human {
    /// miette's handler, with its line wrapping off: the message and the help
    /// come wrapped already ([`wrap`]), because miette's wrapping (textwrap's
    /// line breaking) cost more than drawing the rest of the report.
    handler: GraphicalReportHandler,
    /// Columns the message and help may take: the width less miette's margin
    /// and the widest indent (`  help: `).
    text_width: usize,
    /// Display columns a source line may take before it is cut.
    budget: usize,
}

impl Human {
    /// A printer drawing at `width` columns, in colour or not.
    pub fn new(color: bool, width: usize) -> Human {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_width(width)
            .with_context_lines(0)
            .with_links(false)
            .with_urls(false)
            .with_wrap_lines(false);
        // Gutter: line number (up to 5 digits), ` │ `, and a little air.
        let budget = width.saturating_sub(10).max(40);
        Human {
            handler,
            text_width: width.saturating_sub(2 + HELP_INDENT),
            budget,
        }
    }

    /// Draws one report at the end of `out`. `scratch` is miette's canvas,
    /// kept from one report to the next: grown afresh for each, it was
    /// reallocated a dozen times per report.
    fn draw(&self, diagnostic: &dyn Diagnostic, scratch: &mut String, out: &mut Vec<u8>) {
        scratch.clear();
        // Rendering into a String cannot fail but through a bug of our
        // SourceCode; fall back to the plain message rather than lose it.
        if self.handler.render_report(scratch, diagnostic).is_err() {
            scratch.clear();
            scratch.push_str(&format!("{diagnostic}\n"));
        }
        out.extend_from_slice(scratch.as_bytes());
        out.push(b'\n');
    }

    /// Renders one finding (public for the underline tests).
    pub fn finding(&self, path: &str, source: &SourceText, located: &Located) -> String {
        let mut out = Vec::new();
        let report = FindingReport::new(path, source, located, self);
        self.draw(&report, &mut String::new(), &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }
}

/// About what one drawn report takes, to size the buffers once.
const REPORT_BYTES: usize = 1024;

impl Printer for Human {
    // Out of line, once per plan: benches/instructions.sh counts drawing by it.
    #[inline(never)]
    fn render(&self, report: &FileReport) -> Rendered {
        let reports = report.failures.len() + report.findings.len();
        let mut out = Vec::with_capacity(reports * REPORT_BYTES);
        let mut scratch = String::with_capacity(REPORT_BYTES);
        for f in &report.failures {
            self.draw(&FailureReport::new(f, self), &mut scratch, &mut out);
        }
        if let Some(source) = &report.source {
            for located in &report.findings {
                self.draw(
                    &FindingReport::new(&report.path, source, located, self),
                    &mut scratch,
                    &mut out,
                );
            }
        }
        Rendered {
            body: out,
            failures: Vec::new(),
        }
    }
}

/// The lines of a text miette is shown: the line of the finding, whole or cut
/// to a window, reporting our own line and character column.
#[derive(Debug)]
struct Excerpt {
    body: Body,
    /// 0-based line and character column of the finding's start.
    line: usize,
    column: usize,
}

#[derive(Debug)]
enum Body {
    /// A whole line of the shared text; spans are offsets in the text.
    Whole { text: Arc<str>, range: Range<usize> },
    /// A cut line with its `...` marks; spans are offsets in `shown`.
    Cut { shown: String },
}

impl Excerpt {
    fn data(&self) -> (&str, usize) {
        match &self.body {
            Body::Whole { text, range } => (&text[range.clone()], range.start),
            Body::Cut { shown } => (shown, 0),
        }
    }
}

/// An excerpt with the name of its file, as miette reads it. (miette's own
/// `NamedSource` copies the name, and wraps what it read, at every read:
/// three reads per finding drawn.)
#[derive(Debug)]
struct Named<'n> {
    name: &'n str,
    excerpt: Excerpt,
}

/// What miette reads of a [`Named`] excerpt.
struct Contents<'a> {
    data: &'a [u8],
    span: SourceSpan,
    line: usize,
    column: usize,
    name: &'a str,
}

impl<'a> SpanContents<'a> for Contents<'a> {
    fn data(&self) -> &'a [u8] {
        self.data
    }
    fn span(&self) -> &SourceSpan {
        &self.span
    }
    fn name(&self) -> Option<&str> {
        Some(self.name)
    }
    fn line(&self) -> usize {
        self.line
    }
    fn column(&self) -> usize {
        self.column
    }
    fn line_count(&self) -> usize {
        0
    }
}

impl SourceCode for Named<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        _before: usize,
        _after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let (data, base) = self.excerpt.data();
        if span.offset() < base || span.offset() + span.len() > base + data.len() {
            return Err(MietteError::OutOfBounds);
        }
        Ok(Box::new(Contents {
            data: data.as_bytes(),
            span: (base, data.len()).into(),
            line: self.excerpt.line,
            column: self.excerpt.column,
            name: self.name,
        }))
    }
}

/// The excerpt of `source` for the span from `start` (placed by
/// [`super::locate`], which gave its line and column already) to the byte
/// offset `end`, and the span of the underline in the excerpt's coordinates.
fn excerpt(source: &SourceText, start: &Pos, end: usize, budget: usize) -> (Excerpt, SourceSpan) {
    let text = &source.text;
    let (line, col) = (start.line, start.column);
    let start = start.offset;
    let end = super::floor_char_boundary(text, end.max(start));
    let line_start = source.lines.line_start(line).unwrap_or(0);
    let mut line_end = source
        .lines
        .line_start(line + 1)
        .map_or(text.len(), |s| s - 1);
    if text[..line_end].ends_with('\r') {
        line_end -= 1;
    }
    let line_end = line_end.max(start);
    // A span running over several lines is underlined on its first line only:
    // the header gives where it starts, and plan paragraphs are long enough.
    let end = end.min(line_end);
    let (line0, column0) = (line as usize - 1, col as usize - 1);

    let whole = &text[line_start..line_end];
    if fits(whole, budget) {
        let excerpt = Excerpt {
            body: Body::Whole {
                text: text.clone(),
                range: line_start..line_end,
            },
            line: line0,
            column: column0,
        };
        return (excerpt, underline(start, end));
    }

    // Cut: up to a third of the budget before the finding, the rest after it,
    // and what the end of the line leaves unused before it again.
    let room = budget - 2 * CUT.len();
    let back = |from: usize, used: &mut usize, limit: usize| -> usize {
        let mut from = from;
        for (i, c) in text[line_start..from].char_indices().rev() {
            let w = char_width(c);
            if *used + w > limit {
                break;
            }
            *used += w;
            from = line_start + i;
        }
        from
    };
    let mut used = 0;
    let from = back(start, &mut used, room / 3);
    let mut to = start;
    for (i, c) in text[start..line_end].char_indices() {
        let w = char_width(c);
        if used + w > room {
            break;
        }
        used += w;
        to = start + i + c.len_utf8();
    }
    let from = back(from, &mut used, room);
    let mut shown = String::with_capacity(to - from + 2 * CUT.len());
    let prefix = if from > line_start { CUT } else { "" };
    shown.push_str(prefix);
    shown.push_str(&text[from..to]);
    if to < line_end {
        shown.push_str(CUT);
    }
    let at = prefix.len() + (start - from);
    let len = end.min(to).saturating_sub(start);
    let excerpt = Excerpt {
        body: Body::Cut { shown },
        line: line0,
        column: column0,
    };
    (excerpt, underline(at, at + len))
}

/// The span of the underline; an empty span is drawn under one point.
fn underline(start: usize, end: usize) -> SourceSpan {
    (start, end - start).into()
}

/// `text` with each line broken to at most `width` columns, for miette to
/// draw as it is (its own wrapping is off). Chinese text breaks between any
/// two characters, but never before closing punctuation (`，` `。` `）`…) or
/// after opening punctuation (`（` `“`…); other text breaks at spaces, and a
/// word wider than the line is cut. Trailing spaces are dropped.
fn wrap(text: &str, width: usize) -> String {
    let width = width.max(1);
    let mut out = String::with_capacity(text.len() + 16);
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        wrap_line(line.trim_end(), width, &mut out);
    }
    out
}

fn wrap_line(line: &str, width: usize, out: &mut String) {
    // Only the checks of `fits` that need no walk over the characters: the
    // walk below measures a longer line as it goes, and ends with the whole
    // line on one if it fits after all (a fix line of two hundred characters
    // was measured twice).
    if fits_by_length(line, width) {
        out.push_str(line);
        return;
    }
    // Start of the line being filled and its columns so far. The characters
    // are only measured on the way; where the line may break is looked for
    // when one runs over, back from there (asked at every character, it was
    // most of the cost of wrapping a fix line).
    let (mut start, mut cols) = (0, 0);
    let mut i = 0;
    while i < line.len() {
        let (len, w) = measure_at(line, i);
        if cols + w > width && i > start {
            let at = last_break(line, start, i).unwrap_or(i);
            out.push_str(line[start..at].trim_end());
            out.push('\n');
            start = at + (line[at..].len() - line[at..].trim_start_matches(' ').len());
            if i < start {
                // The spaces the new line starts with are dropped.
                cols = 0;
                i = start;
                continue;
            }
            cols = self::width(&line[start..i]);
        }
        cols += w;
        i += len;
    }
    out.push_str(&line[start.min(line.len())..]);
}

/// The length in bytes and the width in columns of the character at byte
/// `i` of `line`: ASCII and the unified ideographs, most of a message, read
/// from their first byte.
fn measure_at(line: &str, i: usize) -> (usize, usize) {
    let bytes = line.as_bytes();
    match bytes[i] {
        b @ 0..=0x7F => (1, char_width(char::from(b))),
        // U+5000 to U+9FFF, and U+4E00 to U+4FFF.
        0xE5..=0xE9 => (3, 2),
        0xE4 if bytes.get(i + 1).is_some_and(|&b| b >= 0xB8) => (3, 2),
        _ => {
            let c = line[i..].chars().next().unwrap_or(' ');
            (c.len_utf8(), char_width(c))
        }
    }
}

/// The last place after `start` and at most `at` where a line may end: before
/// a space, between two Han characters, or where [`may_break`] allows.
fn last_break(line: &str, start: usize, at: usize) -> Option<usize> {
    let mut chars = line[start..at + line[at..].chars().next().map_or(0, char::len_utf8)]
        .char_indices()
        .rev()
        .map(|(j, c)| (start + j, c));
    let (mut j, mut c) = chars.next()?;
    for (k, p) in chars {
        if c == ' ' || (is_unified_ideograph(p) && is_unified_ideograph(c)) || may_break(p, c) {
            return Some(j);
        }
        (j, c) = (k, p);
    }
    None
}

/// Whether a line may break between `p` and `c`.
fn may_break(p: char, c: char) -> bool {
    let closing = matches!(
        c,
        '，' | '。'
            | '、'
            | '；'
            | '：'
            | '！'
            | '？'
            | '）'
            | '》'
            | '」'
            | '』'
            | '】'
            | '〕'
            | '〉'
            | '”'
            | '’'
            | '…'
            | ','
            | '.'
            | ';'
            | ':'
            | '!'
            | '?'
            | ')'
            | ']'
            | '}'
            | '%'
    );
    let opening = matches!(
        p,
        '（' | '《' | '「' | '『' | '【' | '〔' | '〈' | '“' | '‘' | '(' | '[' | '{'
    );
    if c == ' ' || closing || opening {
        return false;
    }
    p == ' ' || char_width(p) == 2 || char_width(c) == 2
}

/// A character of the CJK Unified Ideographs block, most of any plan: two
/// columns wide, and neither opening nor closing punctuation (narrower than
/// `script::text::is_han`, which the drawing has no need of).
fn is_unified_ideograph(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

fn char_width(c: char) -> usize {
    match c {
        '\t' => TAB_WIDTH,
        ' '..='~' => 1,
        // The CJK Unified Ideographs block, most of any plan.
        '\u{4E00}'..='\u{9FFF}' => 2,
        _ => c.width().unwrap_or(0),
    }
}

fn width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// Whether `s` is known to take at most `budget` columns from its length in
/// bytes or in characters alone (see [`fits`]); false says nothing.
fn fits_by_length(s: &str, budget: usize) -> bool {
    let tabs = memchr::memchr_iter(b'\t', s.as_bytes()).count();
    s.len() + tabs * (TAB_WIDTH - 1) <= budget
        || 2 * s.chars().count() + tabs * (TAB_WIDTH - 2) <= budget
}

/// Whether `s` takes at most `budget` columns, without measuring all of a long
/// line: no character is wider than its UTF-8 bytes, nor than two columns,
/// but a tab, so a text whose bytes or twice whose characters (tabs counted
/// whole) fit, fits (a Chinese message of 30 characters, 90 bytes, is known
/// to fit 70 columns from its length); else the count stops past the budget.
fn fits(s: &str, budget: usize) -> bool {
    if fits_by_length(s, budget) {
        return true;
    }
    let mut used = 0;
    for c in s.chars() {
        used += char_width(c);
        if used > budget {
            return false;
        }
    }
    true
}

fn severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

/// A finding as a miette diagnostic.
#[derive(Debug)]
struct FindingReport<'a> {
    located: &'a Located,
    /// The message, wrapped.
    message: String,
    source: Named<'a>,
    label: SourceSpan,
    help: Option<String>,
}

impl<'a> FindingReport<'a> {
    fn new(
        path: &'a str,
        text: &SourceText,
        located: &'a Located,
        human: &Human,
    ) -> FindingReport<'a> {
        let f = &located.finding;
        let (excerpt, label) = excerpt(text, &located.start, located.end.offset, human.budget);
        let mut help = f.help.clone().filter(|h| !h.trim().is_empty());
        if let (Some(fix), Some(place)) = (&f.fix, &located.fix) {
            let old = place.original.as_str();
            let line = describe_fix(old, &fix.replacement);
            let label = if fix.certain {
                "fix: "
            } else {
                "suggested fix (not applied by --fix): "
            };
            let mut all = help.unwrap_or_default();
            all.reserve(1 + label.len() + line.len());
            if !all.is_empty() {
                all.push('\n');
            }
            all.push_str(label);
            all.push_str(&line);
            help = Some(all);
        }
        FindingReport {
            located,
            message: wrap(&f.message, human.text_width),
            source: Named {
                name: path,
                excerpt,
            },
            label,
            help: help.map(|h| wrap(&h, human.text_width)),
        }
    }
}

impl fmt::Display for FindingReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FindingReport<'_> {}

impl Diagnostic for FindingReport<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.located.finding.rule))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(severity(self.located.finding.severity))
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            None, self.label,
        ))))
    }
}

/// A failure as a miette diagnostic: the plan it happened on, and the place
/// in the rule or configuration file when there is one.
#[derive(Debug)]
struct FailureReport<'f> {
    code: &'static str,
    message: String,
    source: Option<(Named<'f>, SourceSpan)>,
    help: Option<String>,
}

impl<'f> FailureReport<'f> {
    fn new(f: &'f super::Failure, human: &Human) -> FailureReport<'f> {
        let budget = human.budget;
        let mut message = super::failure_line(f);
        let mut help = f.help.clone();
        let source = match &f.site {
            Some(Site {
                path,
                start,
                end,
                source: Some(text),
            }) => {
                let (excerpt, label) = excerpt(text, start, end.offset, budget);
                Some((
                    Named {
                        name: path,
                        excerpt,
                    },
                    label,
                ))
            }
            Some(Site { path, start, .. }) => {
                message = format!("{}:{}:{}: {message}", path, start.line, start.column);
                None
            }
            None => None,
        };
        if let Some(plan) = &f.path {
            let on = format!("while checking {plan}");
            if source.is_none() && f.site.is_none() && !message.contains(plan.as_str()) {
                message = format!("{plan}: {message}");
            } else if f.rule.is_some() {
                help = Some(match help {
                    Some(h) => format!("{h}\n{on}"),
                    None => on,
                });
            }
        }
        FailureReport {
            code: f.kind.code(),
            message: wrap(&message, human.text_width),
            source,
            help: help.map(|h| wrap(&h, human.text_width)),
        }
    }
}

impl fmt::Display for FailureReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FailureReport<'_> {}

impl Diagnostic for FailureReport<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Error)
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|(s, _)| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let (_, span) = self.source.as_ref()?;
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            None, *span,
        ))))
    }
}

/// The help a diagnostic of another stage carries (a rule failure's advice),
/// as text for a [`super::Failure`].
pub fn help_of(d: &dyn Diagnostic) -> Option<String> {
    d.help().map(|h| h.to_string())
}

/// Renders a failure on its own (errors of the command line itself, such as a
/// broken `planlint.toml`), for stderr.
pub fn render_failure(f: &super::Failure, color: bool, width: usize) -> String {
    let human = Human::new(color, width);
    let mut out = Vec::new();
    human.draw(&FailureReport::new(f, &human), &mut String::new(), &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Finding, Fix};
    use crate::model::Span;

    #[test]
    fn wrap_breaks_chinese_between_characters_and_other_text_at_spaces() {
        let help = "在任务末尾的括号中写明责任单位，如“(市司法局负责;持续推进)”，并核对 planlint.toml 中的 registry 配置";
        for width in [10, 17, 24, 40, 200] {
            let wrapped = wrap(help, width);
            assert_eq!(wrapped.replace(['\n', ' '], ""), help.replace(' ', ""));
            for line in wrapped.lines() {
                assert!(width_of(line) <= width, "{line:?} wider than {width}");
                assert!(
                    !line.starts_with(['，', '。', '”', ')']),
                    "{line:?} starts with a closing mark"
                );
                assert!(
                    !line.ends_with(['“', '(']),
                    "{line:?} ends with an opening mark"
                );
                assert_eq!(line.trim_end(), line);
            }
        }
        assert_eq!(wrap(help, 200), help);
        assert_eq!(
            wrap("an ASCII sentence of words", 12),
            "an ASCII\nsentence of\nwords"
        );
        assert_eq!(wrap("abcdefghijklmnop", 5), "abcde\nfghij\nklmno\np");
        assert_eq!(wrap("第一行\n第二行  ", 4), "第一\n行\n第二\n行");
        // Fits only when measured (13 bytes, 7 characters, 10 columns).
        assert_eq!(wrap("年年年abcd", 10), "年年年abcd");
        assert_eq!(wrap("年年年abcd", 9), "年年年\nabcd");
    }

    fn width_of(s: &str) -> usize {
        width(s)
    }

    /// `wrap_line` as it was before it looked for breaks only on running
    /// over: a break looked for at every character. The oracle the faster
    /// one must agree with.
    fn wrap_line_at_every_character(line: &str, width: usize, out: &mut String) {
        if fits(line, width) {
            out.push_str(line);
            return;
        }
        let (mut start, mut cols, mut brk) = (0, 0, None);
        let mut prev: Option<char> = None;
        for (i, c) in line.char_indices() {
            if i < start {
                continue;
            }
            if let Some(p) = prev.filter(|_| i > start) {
                if c == ' '
                    || (is_unified_ideograph(p) && is_unified_ideograph(c))
                    || may_break(p, c)
                {
                    brk = Some(i);
                }
            }
            let w = char_width(c);
            if cols + w > width && i > start {
                let at = brk.unwrap_or(i);
                out.push_str(line[start..at].trim_end());
                out.push('\n');
                start = at + (line[at..].len() - line[at..].trim_start_matches(' ').len());
                brk = None;
                cols = if start <= i {
                    super::width(&line[start..i])
                } else {
                    0
                };
                if i < start {
                    prev = Some(c);
                    continue;
                }
            }
            cols += w;
            prev = Some(c);
        }
        out.push_str(&line[start.min(line.len())..]);
    }

    #[test]
    fn wrap_breaks_where_a_break_looked_for_at_every_character_does() {
        // Han (one byte range of the fast measure and the other), closing and
        // opening punctuation, spaces, a tab, ASCII words, a wide emoji, a
        // zero-width mark and an ideograph outside the block: every string of
        // up to four pieces, at every width from 1 to 24.
        let pieces = [
            "市司法局",
            "，",
            "（",
            "）",
            " ",
            "  ",
            "\t",
            "plan",
            "；",
            "年",
            "一",
            "😀",
            "\u{301}",
            "\u{3400}",
            "“",
            "”",
            "10%",
        ];
        let mut texts = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = texts
                .iter()
                .filter(|s| s.chars().count() < 12)
                .flat_map(|s| pieces.iter().map(move |p| format!("{s}{p}")))
                .collect();
            texts.extend(longer);
        }
        texts.sort();
        texts.dedup();
        assert!(texts.len() > 10_000, "{}", texts.len());
        for text in &texts {
            for width in 1..24 {
                let (mut now, mut before) = (String::new(), String::new());
                wrap_line(text, width, &mut now);
                wrap_line_at_every_character(text, width, &mut before);
                assert_eq!(now, before, "{text:?} at {width}");
            }
        }
    }

    #[test]
    fn fits_agrees_with_width() {
        let pieces = [
            "a", "年", "\t", "，", "é", "😀", " ", "（", "\u{200b}", "Ｆ",
        ];
        // Every string of up to four pieces, against every budget around its width.
        let mut strings = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = strings
                .iter()
                .flat_map(|s| pieces.iter().map(move |p| format!("{s}{p}")))
                .collect();
            strings.extend(longer);
        }
        for s in &strings {
            let w = width(s);
            for budget in w.saturating_sub(2)..w + 3 {
                assert_eq!(fits(s, budget), w <= budget, "{s:?} in {budget}");
            }
        }
    }

    fn report(text: &str, needle: &str, width: usize) -> String {
        let source = SourceText::new(Arc::from(text));
        let start = text.find(needle).expect("needle in text");
        let finding = Finding {
            rule: "deadline-damaged".into(),
            severity: Severity::Warning,
            message: "完成时限缺字".into(),
            span: Span {
                start,
                end: start + needle.len(),
                line: 0,
                column: 0,
            },
            help: Some("写作 2020年12月底前完成".into()),
            fix: Some(Fix {
                span: Span {
                    start,
                    end: start + needle.len(),
                    line: 0,
                    column: 0,
                },
                replacement: "2020年12月底前完成".into(),
                certain: true,
            }),
            task: Some(2),
        };
        let located = Located::new(finding, &source);
        Human::new(false, width).finding("plan.txt", &source, &located)
    }

    /// The column where the underline starts and its width, and the column
    /// where the needle starts on its source line, both in display columns.
    fn columns(out: &str, needle: &str) -> ((usize, usize), usize) {
        let lines: Vec<&str> = out.lines().collect();
        let i = lines
            .iter()
            .position(|l| l.contains(needle))
            .expect("source line drawn");
        let src = lines[i];
        let at = width(&src[..src.find(needle).unwrap_or(0)]);
        let mark = lines[i + 1];
        let mut col = 0;
        let mut first = None;
        let mut n = 0;
        for c in mark.chars() {
            if matches!(c, '─' | '┬' | '▲' | '^') {
                first.get_or_insert(col);
                n += 1;
            }
            col += char_width(c);
        }
        ((first.unwrap_or(0), n), at)
    }

    #[test]
    fn underline_sits_under_chinese_characters() {
        let text = "一、完善法规\n2.出台有关文件。(市高级人民法院负责;202012月底前完成)\n";
        let out = report(text, "202012月底前完成", 100);
        let ((at, n), expect) = columns(&out, "202012月底前完成");
        assert_eq!(at, expect, "{out}");
        assert_eq!(n, width("202012月底前完成"), "{out}");
        // Header: line 2, character column 21 (the byte column would be 50).
        assert!(out.contains("[plan.txt:2:21]"), "{out}");
        assert!(
            out.contains("fix: replace \"202012月底前完成\" with \"2020年12月底前完成\""),
            "{out}"
        );
    }

    #[test]
    fn long_lines_are_cut_around_the_finding() {
        let filler = "加大执法保护力度，维护知识产权保护法治环境".repeat(10);
        let text = format!("{filler}(市高级人民法院负责;202012月底前完成){filler}\n");
        let out = report(&text, "202012月底前完成", 80);
        let ((at, n), expect) = columns(&out, "202012月底前完成");
        assert_eq!(at, expect, "{out}");
        assert_eq!(n, width("202012月底前完成"), "{out}");
        for line in out.lines() {
            assert!(width(line) <= 80, "line wider than 80 columns: {line}");
        }
        assert!(out.contains("..."), "{out}");
        let col = filler.chars().count() + "(市高级人民法院负责;".chars().count() + 1;
        assert!(out.contains(&format!("[plan.txt:1:{col}]")), "{out}");
    }

    fn at(text: &str, start: usize, end: usize) -> String {
        let source = SourceText::new(Arc::from(text));
        let finding = Finding {
            rule: "r".into(),
            severity: Severity::Info,
            message: "m".into(),
            span: Span {
                start,
                end,
                line: 0,
                column: 0,
            },
            help: None,
            fix: None,
            task: None,
        };
        let located = Located::new(finding, &source);
        Human::new(false, 80).finding("p.txt", &source, &located)
    }

    #[test]
    fn odd_spans_still_draw() {
        // Empty span, span on an empty line, CRLF line ends, a span past the
        // end and one inside a character: each draws its line, never panics.
        let text = "第一行\r\n\r\n第三行\r\n";
        assert!(at(text, 3, 3).contains("[p.txt:1:2]"), "{}", at(text, 3, 3));
        assert!(
            at(text, 11, 11).contains("[p.txt:2:1]"),
            "{}",
            at(text, 11, 11)
        );
        let crlf = at(text, 13, 19);
        assert!(crlf.contains("3 │ 第三行\n"), "no stray CR: {crlf:?}");
        assert!(at(text, 100, 200).contains("[p.txt:4:1]"));
        assert!(at(text, 1, 4).contains("[p.txt:1:1]"), "{}", at(text, 1, 4));
        let multi = at(text, 0, 18);
        assert!(
            multi.contains("1 │ 第一行") && !multi.contains("第三行"),
            "first line only: {multi}"
        );
    }
}
