//! Parse stage: the text of a plan to its [`Plan`] model.
//!
//! `grammar/plan.pest` is the single source of truth for the notation: it reads
//! each line's marker and the elements in it (brackets, deadlines, targets,
//! document numbers). This module turns those pairs into the model in two
//! passes: first every line becomes a [`Line`] (its kind and its elements, with
//! byte offsets into the whole text); then the lines are assembled into the
//! front matter (title, document number, issue date), the chapter/section tree
//! and the tasks. Nothing here re-reads the notation with hand-written patterns:
//! decisions about structure (which level holds the tasks, where a paragraph
//! belongs) are made from the line kinds the grammar gave.

use crate::load::{LineIndex, Source};
use crate::model::*;
use pest::iterators::Pair;
use pest::Parser as _;
use pest_derive::Parser;
use std::collections::HashMap;
use std::ops::Range;

#[derive(Parser)]
#[grammar = "grammar/plan.pest"]
struct PlanParser;

/// Why a text could not be read as a plan.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ParseError {
    /// The text holds no numbered task.
    #[error("no tasks found: the text holds no numbered task item (一、/（一）/1. with text)")]
    NoTasks,
    /// The grammar failed at a place (it accepts any text, so this is a bug).
    #[error("cannot parse line {}, column {}: {message}", span.line, span.column)]
    Grammar { span: Span, message: String },
}

impl ParseError {
    /// A stable short code for machine output.
    pub fn code(&self) -> &'static str {
        match self {
            ParseError::NoTasks => "parse::no-tasks",
            ParseError::Grammar { .. } => "parse::grammar",
        }
    }
}

/// Reads a loaded document as a plan.
pub fn parse(source: &Source) -> Result<Plan, ParseError> {
    parse_with_index(&source.normalized, &source.text, &source.lines)
}

/// Reads a plan from a string (tests, fuzzing, fixtures).
pub fn parse_str(text: &str) -> Result<Plan, ParseError> {
    let lines = LineIndex::new(text);
    parse_with_index(&crate::load::normalize(text), text, &lines)
}

/// `normalized` is what the grammar reads; `display` has the same byte length
/// and is what raw strings in the model are cut from, so they read as written.
// Out of line: benches/instructions.sh counts parsing by it.
#[inline(never)]
fn parse_with_index(
    normalized: &str,
    display: &str,
    index: &LineIndex,
) -> Result<Plan, ParseError> {
    let display = if display.len() == normalized.len() {
        display
    } else {
        normalized
    };
    // Full-width digits (`２０２４年１２月`, `１．`) are read as the ASCII ones
    // they stand for: the grammar reads a folded copy of the text, and the
    // spans and raw strings of the model are mapped back to the text as
    // written.
    if let Some((folded, folds)) = fold_digits(normalized) {
        let folded_display = match fold_digits(display) {
            Some((d, at)) if at == folds => d,
            _ => folded.clone(),
        };
        let folded_index = LineIndex::new(&folded);
        let w = Written {
            text: display,
            folds,
        };
        let ctx = Ctx {
            cursor: std::cell::Cell::new((0, 1, 1)),
            text: &folded,
            display: &folded_display,
            index: &folded_index,
            written: Some(&w),
        };
        let remap = |s: &mut Span| {
            s.start = w.offset(s.start);
            s.end = w.offset(s.end);
        };
        let mut plan = parse_ctx(&ctx).map_err(|e| match e {
            ParseError::Grammar { mut span, message } => {
                remap(&mut span);
                ParseError::Grammar { span, message }
            }
            other => other,
        })?;
        remap_spans(&mut plan, remap);
        return Ok(plan);
    }
    let ctx = Ctx {
        cursor: std::cell::Cell::new((0, 1, 1)),
        text: normalized,
        display,
        index,
        written: None,
    };
    parse_ctx(&ctx)
}

/// Full-width digits `０`–`９` replaced by ASCII ones, and the byte offsets
/// (in the folded text) of the digits replaced; `None` if there are none.
fn fold_digits(text: &str) -> Option<(String, Vec<usize>)> {
    // `０` is EF BC 90, `９` EF BC 99.
    let bytes = text.as_bytes();
    let first = memchr::memchr_iter(0xEF, bytes).find(|&i| {
        bytes.get(i + 1) == Some(&0xBC)
            && bytes.get(i + 2).is_some_and(|b| (0x90..=0x99).contains(b))
    })?;
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..first]);
    let mut folds = Vec::new();
    for c in text[first..].chars() {
        match c {
            '\u{ff10}'..='\u{ff19}' => {
                folds.push(out.len());
                out.push(char::from(b'0' + (c as u32 - 0xFF10) as u8));
            }
            c => out.push(c),
        }
    }
    Some((out, folds))
}

/// Applies `f` to every span of the plan. (The test
/// `full_width_digits_keep_every_span` checks that none is left out.)
fn remap_spans(plan: &mut Plan, f: impl Fn(&mut Span)) {
    let targets = |ts: &mut Vec<crate::model::Target>| ts.iter_mut().for_each(|t| f(&mut t.span));
    plan.title_span.iter_mut().for_each(&f);
    if let Some(d) = &mut plan.doc_number {
        f(&mut d.span);
    }
    if let Some(d) = &mut plan.issued_mention {
        f(&mut d.span);
    }
    if let Some(p) = &mut plan.period {
        p.span.iter_mut().for_each(&f);
    }
    for c in &mut plan.chapters {
        f(&mut c.span);
        if let Some(g) = &mut c.goal {
            f(&mut g.span);
            targets(&mut g.targets);
        }
        c.sections.iter_mut().for_each(|s| f(&mut s.span));
    }
    for t in &mut plan.tasks {
        f(&mut t.span);
        t.owners.iter_mut().for_each(|o| f(&mut o.span));
        t.deadline.span.iter_mut().for_each(&f);
        targets(&mut t.targets);
        if let Some(b) = &mut t.bracket {
            f(&mut b.span);
        }
    }
    plan.references.iter_mut().for_each(|d| f(&mut d.span));
    plan.dates.iter_mut().for_each(|d| f(&mut d.span));
}

fn parse_ctx(ctx: &Ctx) -> Result<Plan, ParseError> {
    let mut lines = read_lines(ctx)?;
    settle_markers(&mut lines);
    let plan = Assembler::new(ctx, &lines).assemble();
    if plan.tasks.is_empty() {
        return Err(ParseError::NoTasks);
    }
    Ok(plan)
}

/// The text being parsed and the way from byte offsets to spans.
struct Ctx<'a> {
    text: &'a str,
    display: &'a str,
    index: &'a LineIndex,
    /// The last place located: `(byte offset, line, column)`. Spans come in
    /// document order, so counting characters on from the last one keeps a
    /// line with 10,000 units linear instead of recounting from its start.
    cursor: std::cell::Cell<(usize, u32, u32)>,
    /// The text as written, where `text` has its full-width digits folded.
    written: Option<&'a Written<'a>>,
}

/// The elements read at an opening bracket, by the input they were read from
/// (the rest of the line): a plan repeats its responsibility brackets word
/// for word at the end of many tasks (`(市高级人民法院负责;持续推进)`), and
/// reading one costs the grammar some 20,000 instructions. The same input
/// gives the same pairs, so they are read once per plan. Only short inputs
/// (a bracket that ends its line) are kept, and only so many: the pairs hold
/// their token queues, and a line of 10,000 brackets must not keep them all.
type ElementMemo<'a> =
    std::cell::RefCell<std::collections::BTreeMap<&'a str, Option<(Pair<'a, Rule>, usize)>>>;

/// The text as written and where its full-width digits were folded: each
/// took 3 bytes where the folded text has 1 (a character all the same, so
/// lines and columns do not move).
struct Written<'a> {
    text: &'a str,
    folds: Vec<usize>,
}

impl Written<'_> {
    /// The offset in the written text of `offset` in the folded one.
    fn offset(&self, offset: usize) -> usize {
        offset + 2 * self.folds.partition_point(|&f| f < offset)
    }
}

impl Ctx<'_> {
    fn locate(&self, offset: usize) -> (u32, u32) {
        let (last, last_line, last_col) = self.cursor.get();
        let located = match self.display.get(last..offset) {
            Some(between) if !between.contains('\n') => {
                (last_line, last_col + between.chars().count() as u32)
            }
            _ => self.index.locate(self.display, offset),
        };
        self.cursor.set((offset, located.0, located.1));
        located
    }

    /// A span in the text the grammar reads (mapped to the text as written
    /// once the plan is built: see [`remap_spans`]).
    fn span(&self, start: usize, end: usize) -> Span {
        let (line, column) = self.locate(start);
        Span {
            start,
            end,
            line,
            column,
        }
    }

    /// The text of a byte range as written in the source.
    fn raw(&self, start: usize, end: usize) -> String {
        if let Some(w) = self.written {
            return w
                .text
                .get(w.offset(start)..w.offset(end))
                .unwrap_or("")
                .to_string();
        }
        self.plain(start, end)
    }

    /// The text of a byte range with its digits in ASCII: what repairs are
    /// computed on (a repair writes `2020年12月` whatever digits it replaces).
    fn plain(&self, start: usize, end: usize) -> String {
        self.display
            .get(start..end)
            .or_else(|| self.text.get(start..end))
            .unwrap_or("")
            .to_string()
    }
}

// ───────────────────────── Pass 1: lines ─────────────────────────

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineKind {
    Blank,
    /// Starts with a level marker.
    Marked,
    /// A responsibility bracket and nothing else.
    BracketOnly,
    /// `牵头单位：…` and the like, and nothing else.
    Labelled,
    /// Cells separated by tabs.
    TableRow,
    Text,
}

#[derive(Debug, Clone)]
struct Marker {
    level: Level,
    number: Option<u32>,
    /// `2.` before a digit (`2.2022年…`, or the decimal `2.5倍`): a marker
    /// only where the numbering expects it.
    before_digit: bool,
    raw: String,
    start: usize,
    end: usize,
}

/// One line of the document, classified, with its elements.
#[derive(Debug, Clone)]
struct Line {
    start: usize,
    end: usize,
    kind: LineKind,
    marker: Option<Marker>,
    /// Where the text after the marker starts.
    content_start: usize,
    brackets: Vec<BracketRead>,
    doc_numbers: Vec<DocNumber>,
    dated: Vec<DatedRead>,
    year_ranges: Vec<(i32, i32, usize, usize)>,
    goal_years: Vec<(i32, usize, usize)>,
    recurring: Vec<Deadline>,
    /// `自本意见印发之日起30日内`: the count, whether in working days, whether
    /// in months, and the byte range.
    since_issue: Vec<(u32, bool, bool, usize, usize)>,
    targets: Vec<Target>,
    /// Byte ranges of the cells of a table row.
    cells: Vec<(usize, usize)>,
    /// Number of characters, without surrounding spaces.
    chars: usize,
    /// The byte range of the line without its surrounding spaces.
    text: Range<usize>,
}

impl Line {
    fn new(start: usize, end: usize) -> Line {
        Line {
            start,
            end,
            kind: LineKind::Text,
            marker: None,
            content_start: start,
            brackets: Vec::new(),
            doc_numbers: Vec::new(),
            dated: Vec::new(),
            year_ranges: Vec::new(),
            goal_years: Vec::new(),
            recurring: Vec::new(),
            since_issue: Vec::new(),
            targets: Vec::new(),
            cells: Vec::new(),
            chars: 0,
            text: start..start,
        }
    }
}

/// A responsibility bracket as read, before the convention of the document is
/// applied.
#[derive(Debug, Clone)]
struct BracketRead {
    start: usize,
    end: usize,
    owners: Vec<Owner>,
    /// Whether the lead was named explicitly (`牵头`, `牵头单位：`).
    explicit_lead: bool,
    deadline: Option<Deadline>,
    /// A deadline that leaves its year to the plan (`年底前`): resolved when the
    /// bracket is applied, once the plan's year is known.
    yearless: Option<DatedRead>,
    convention: bool,
    open_ended: bool,
}

/// A year-led date expression, as read: which parts were there.
#[derive(Debug, Clone, Default)]
struct DatedRead {
    start: usize,
    end: usize,
    year: i32,
    year_mark: bool,
    month: Option<u32>,
    day: Option<u32>,
    /// `Some(None)`: month and day ran together and cannot be told apart.
    month_day: Option<Option<(u32, u32)>>,
    month_day_raw: Option<(usize, usize)>,
    end_mark: bool,
    before: bool,
    done: bool,
    half: Option<bool>,
    quarter: Option<u32>,
    within: bool,
    /// No year written (`6月底前`, `年底前`, `今年底前`): `year` is the offset
    /// from the plan's year (`明年` is 1) until [`DatedRead::in_year`].
    yearless: bool,
}

impl DatedRead {
    fn damaged(&self) -> bool {
        !self.yearless && (!self.year_mark || self.month_day.is_some())
    }

    /// A year-less expression placed in the plan's year (`base`).
    fn in_year(&self, base: Option<i32>) -> Option<DatedRead> {
        if !self.yearless {
            return Some(self.clone());
        }
        Some(DatedRead {
            year: base?.checked_add(self.year)?,
            year_mark: true,
            yearless: false,
            ..self.clone()
        })
    }

    /// Only a year (`2021年`), nothing finer.
    fn year_only(&self) -> bool {
        self.month.is_none()
            && self.month_day.is_none()
            && !self.end_mark
            && self.half.is_none()
            && self.quarter.is_none()
            && !self.within
    }

    /// A day is named (`2020年9月17日`).
    fn full_date(&self) -> Option<Date> {
        if self.yearless {
            return None;
        }
        match (self.month, self.day, self.month_day) {
            (Some(m), Some(d), _) => Date::new(self.year, m, d),
            (_, _, Some(Some((m, d)))) => Date::new(self.year, m, d),
            _ => None,
        }
    }

    /// Reads like a time limit in running text: `…前`, `…前完成`, `…上半年完成`.
    fn is_text_deadline(&self) -> bool {
        self.before || (self.done && !self.year_only())
    }

    /// The last day the expression allows.
    fn due_date(&self) -> Option<Date> {
        if self.yearless {
            return None;
        }
        if let Some(d) = self.full_date() {
            return Some(d);
        }
        if matches!(self.month_day, Some(None)) {
            return None;
        }
        if let Some(m) = self.month {
            return Date::end_of_month(self.year, m);
        }
        if let Some(first) = self.half {
            return Date::end_of_month(self.year, if first { 6 } else { 12 });
        }
        if let Some(q) = self.quarter {
            return Date::end_of_month(self.year, q * 3);
        }
        Date::end_of_month(self.year, 12)
    }

    /// The certain repair of a damaged expression: the lost 年 (and 月) put back.
    fn fix(&self, raw: &str) -> Option<String> {
        if !self.damaged() {
            return None;
        }
        let year_digits = 4;
        let mut out = String::with_capacity(raw.len() + 6);
        out.push_str(raw.get(..year_digits)?);
        out.push('年');
        let rest_start = if self.year_mark {
            year_digits + '年'.len_utf8()
        } else {
            year_digits
        };
        let rest = raw.get(rest_start..)?;
        match (self.month_day, self.month_day_raw) {
            (Some(Some((m, _))), Some((s, e))) => {
                let run = raw.get(s - self.start..e - self.start)?;
                let split = m.to_string().len().min(run.len());
                // Keep a leading zero as written (`0917` → `09月17`).
                let split = if run.starts_with('0') && m < 10 {
                    2
                } else {
                    split
                };
                out.push_str(&run[..split]);
                out.push('月');
                out.push_str(&run[split..]);
                out.push_str(raw.get(e - self.start..)?);
            }
            (Some(None), _) => return None,
            _ => out.push_str(rest),
        }
        Some(out)
    }
}

fn read_lines(ctx: &Ctx) -> Result<Vec<Line>, ParseError> {
    let text = ctx.text;
    let mut lines = Vec::with_capacity(ctx.index.line_count());
    let brackets = ElementMemo::default();
    let mut pieces = split_lines(text, ctx.index).peekable();
    let mut start = 0;
    while let Some(piece) = pieces.next() {
        let mut end = start + piece.trim_end_matches(['\n', '\r']).len();
        let mut next_start = start + piece.len();
        // A bracket broken over two lines (text wrapped by a conversion:
        // `（市发` + `展改革委、市财政局负责；2024年底前完成）`) is read as one line.
        if let Some(next) = pieces.peek() {
            if leaves_bracket_open(&text[start..end]) && closes_first(next) {
                end = next_start + next.trim_end_matches(['\n', '\r']).len();
                next_start += next.len();
                pieces.next();
            }
        }
        lines.push(read_line(ctx, start, end, &brackets)?);
        start = next_start;
    }
    Ok(lines)
}

/// The lines of `text` with their `\n`, as `split_inclusive('\n')` gives
/// them, cut at the line starts `index` has already found (scanning the text
/// again for its line ends cost some 240 instructions a line).
fn split_lines<'t>(text: &'t str, index: &'t LineIndex) -> impl Iterator<Item = &'t str> + 't {
    (1..=index.line_count() as u32).filter_map(move |line| {
        let start = index.line_start(line)?;
        let end = index.line_start(line + 1).unwrap_or(text.len());
        (start < text.len()).then(|| &text[start..end])
    })
}

/// Whether `line` leaves a bracket open at its end. (By bytes: `（` is
/// EF BC 88, `）` EF BC 89; every line of a plan passes here.)
fn leaves_bracket_open(line: &str) -> bool {
    let bytes = line.as_bytes();
    let mut depth = 0u32;
    for i in memchr::memchr3_iter(b'(', b')', 0xEF, bytes) {
        match (bytes[i], bytes.get(i + 1..i + 3)) {
            (b'(', _) | (0xEF, Some([0xBC, 0x88])) => depth += 1,
            (b')', _) | (0xEF, Some([0xBC, 0x89])) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    depth > 0
}

/// Whether `line` closes a bracket, within its first 200 characters, before
/// it opens one: the rest of a bracket the line before left open. A line
/// that starts with a marker (`1）财政补贴政策；`) starts a point of its own.
fn closes_first(line: &str) -> bool {
    let head = line.trim_start_matches(is_space);
    if head.starts_with(may_start_head) && PlanParser::parse(Rule::marker, head).is_ok() {
        return false;
    }
    for c in line.chars().take(200) {
        match c {
            '（' | '(' => return false,
            '）' | ')' => return true,
            _ => {}
        }
    }
    false
}

/// Decides the item markers written before a digit (`2.2022年实现全覆盖`, but
/// also the decimal `2.5倍以上` at the start of a line): a marker where it
/// carries on the numbering of the items (the next number, or `1.` after a
/// heading), text otherwise. In a plan that has `1.` items, `1）` items are
/// text too: the points of a task (`主要包括：` + `1）…；` + `2）…。`).
fn settle_markers(lines: &mut [Line]) {
    // `1）` items under `1.` items are points of a task's text.
    let paren = |m: &Marker| m.level == Level::Item && m.raw.ends_with(['）', ')']);
    let standard = lines.iter().any(|l| {
        l.marker
            .as_ref()
            .is_some_and(|m| m.level == Level::Item && !paren(m))
    });
    if standard {
        for line in lines.iter_mut() {
            if line.marker.as_ref().is_some_and(paren) {
                line.marker = None;
                line.kind = LineKind::Text;
                line.content_start = line.start;
            }
        }
    }
    let mut last_item: Option<u32> = None;
    let mut heading_since = true;
    for i in 0..lines.len() {
        // The next item marker, to tell `2.5倍…` followed by a real `2.` apart.
        let next_item = || {
            lines[i + 1..]
                .iter()
                .filter_map(|l| l.marker.as_ref())
                .find(|m| m.level == Level::Item)
                .and_then(|m| m.number)
        };
        let Some(m) = &lines[i].marker else {
            continue;
        };
        if m.level != Level::Item {
            heading_since = true;
            continue;
        }
        let expected = match m.number {
            Some(1) => heading_since || last_item.is_none(),
            Some(n) => last_item.is_some_and(|l| l.checked_add(1) == Some(n)),
            None => false,
        };
        if m.before_digit && (!expected || next_item() == m.number) {
            let line = &mut lines[i];
            line.marker = None;
            line.kind = LineKind::Text;
            line.content_start = line.start;
            continue;
        }
        last_item = m.number;
        heading_since = false;
    }
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{3000}' || c == '\u{feff}'
}

fn read_line<'a>(
    ctx: &Ctx<'a>,
    start: usize,
    end: usize,
    brackets: &ElementMemo<'a>,
) -> Result<Line, ParseError> {
    let mut line = Line::new(start, end);
    let src = &ctx.text[start..end];
    let lead = src.len() - src.trim_start_matches(is_space).len();
    let trimmed = src[lead..].trim_end_matches(is_space);
    line.chars = trimmed.chars().count();
    line.text = start + lead..start + lead + trimmed.len();
    if trimmed.is_empty() {
        line.kind = LineKind::Blank;
        return Ok(line);
    }
    let grammar_error = |e: pest::error::Error<Rule>, offset: usize| {
        let at = match e.location {
            pest::error::InputLocation::Pos(p) => p,
            pest::error::InputLocation::Span((p, _)) => p,
        };
        ParseError::Grammar {
            span: ctx.span(start + offset + at, start + offset + at),
            message: e.variant.message().to_string(),
        }
    };
    let tabbed = src.contains('\t');
    let head_rule = if tabbed {
        Rule::tabbed_line_head
    } else {
        Rule::line_head
    };
    let mut head_end = 0;
    if tabbed || trimmed.chars().next().is_some_and(may_start_head) {
        let head = PlanParser::parse(head_rule, src).map_err(|e| grammar_error(e, 0))?;
        head_end = head.clone().next().map_or(0, |p| p.as_span().end());
        for pair in head.flatten() {
            take_pair(ctx, &mut line, pair, start);
        }
    }
    if !matches!(line.kind, LineKind::BracketOnly | LineKind::Labelled) {
        // A marker before a digit may turn out to be a decimal (see
        // `settle_markers`): read the line whole, as if it had none.
        let from = match &line.marker {
            Some(m) if !m.before_digit => head_end,
            _ => 0,
        };
        for (element, offset) in scan_elements(src, from, brackets) {
            take_pair(ctx, &mut line, element, start + offset);
        }
    }
    if line.brackets.is_empty() && line.kind != LineKind::TableRow {
        if let Some(b) = labels_after_sentence(ctx, start, end) {
            line.brackets.push(b);
        }
    }
    if line.brackets.is_empty() {
        if let Some(b) = bare_bracket(ctx, start, end) {
            if ctx.text[start..b.start].trim_matches(is_space).is_empty() {
                line.kind = LineKind::BracketOnly;
            }
            line.brackets.push(b);
        }
    }
    // `flatten` also yields the pairs nested in brackets and labelled lines;
    // those were read with their bracket, so drop the duplicates found inside.
    let inside: Vec<(usize, usize)> = line.brackets.iter().map(|b| (b.start, b.end)).collect();
    let outside = |s: usize| !inside.iter().any(|&(bs, be)| s >= bs && s < be);
    line.dated.retain(|d| outside(d.start));
    line.recurring
        .retain(|d| d.span.is_none_or(|sp| outside(sp.start)));
    line.targets
        .retain(|t| outside(t.span.start) && !is_standard(ctx.text, t));
    if line.kind == LineKind::BracketOnly && line.brackets.is_empty() {
        line.kind = LineKind::Text;
    }
    Ok(line)
}

/// Whether something of `line_head` in plan.pest can start with `c`, the
/// first character of a line after its spaces: a bracket (`bracket_line`),
/// the first character of a label (`labelled_line`: 牵头单位, 责任单位, 完成时限, 办结时限…),
/// a digit or a Chinese numeral (`marker`), or `[` (Word debris). A line
/// of running text starts with none of them, and is not handed to the
/// grammar for nothing; the test `head_precheck_misses_nothing` checks it.
fn may_start_head(c: char) -> bool {
    c.is_ascii_digit()
        || ('\u{2460}'..='\u{2473}').contains(&c)
        || matches!(
            c,
            '（' | '('
                | '['
                | '牵'
                | '主'
                | '责'
                | '负'
                | '实'
                | '承'
                | '配'
                | '协'
                | '参'
                | '完'
                | '时'
                | '办'
                | '一'
                | '二'
                | '三'
                | '四'
                | '五'
                | '六'
                | '七'
                | '八'
                | '九'
                | '十'
                | '〇'
                | '零'
                | '百'
                | '两'
        )
}

/// Whether an element of the grammar (`token` in plan.pest) can start at the
/// beginning of `rest`: a bracket, a digit, or the first two or three
/// characters of a goal year (`到2022年`, `力争到`), a recurring deadline
/// (`每月`), an ordinal (`第5批`), a limit counted from the issue
/// (`自本意见`), or a deadline that leaves the year to the plan (`年底前`,
/// `今年`, `明年`). Targets start with their number here; the comparison
/// words and baselines before it (`不低于上年同期1.1倍`) are taken back by
/// [`scan_elements`]. Calling the grammar only where this holds is what makes
/// the scan fast (each call sets up a parser); the test
/// `scan_finds_what_the_line_rule_finds` checks that it finds exactly what
/// the whole-line rule `line` finds.
pub(crate) fn may_start_element(rest: &str) -> bool {
    let mut chars = rest.chars();
    let Some(c) = chars.next() else {
        return false;
    };
    let next = chars.next();
    let next_is_digit = next.is_some_and(|n| n.is_ascii_digit());
    match c {
        '0'..='9' | '〔' | '［' | '[' | '【' | '﹝' => true,
        // A document number (`（2020）12号`) or a responsibility bracket.
        '（' | '(' => next_is_digit || may_be_bracket(rest),
        '力' => rest.starts_with("力争到"),
        '争' => rest.starts_with("争取到"),
        '到' | '第' => next_is_digit,
        '每' => matches!(next, Some('月' | '季' | '半' | '年' | '周')),
        '自' | '从' => next == Some('本'),
        // `本年`, or `本` + the kind of document (`本意见`, `本方案`…).
        '本' => matches!(
            next,
            Some('年' | '意' | '方' | '计' | '通' | '办' | '要' | '文' | '规' | '决')
        ),
        '今' | '明' | '当' | '次' => next == Some('年'),
        '年' => matches!(next, Some('底' | '末' | '内')),
        _ => false,
    }
}

/// Words of which a responsibility bracket (`resp_bracket` in plan.pest)
/// holds at least one: a firm clause names units by their role (`负责`, `落实`,
/// `牵头`, `配合`…), by a label and a colon (`责任单位：`), by the convention
/// (`列第一位者为牵头单位`), or gives a time limit (a digit, `每`, a `年` of
/// `今年`/`年底`/`年内`/`全年`/`上半年`, `季度`, `持续`, `长期`, `常态化`). The test
/// `bracket_precheck_misses_nothing` checks the list against the grammar.
const BRACKET_WORDS: [&str; 18] = [
    "负责",
    "落实",
    "季度",
    "牵头",
    "配合",
    "参与",
    "协助",
    "协同",
    "协办",
    "：",
    ":",
    "第一位",
    "首位",
    "每",
    "年",
    "持续",
    "长期",
    "常态化",
];

/// Whether `rest`, which starts with an opening bracket, may start a
/// responsibility bracket: it closes on its line (with at most one level of
/// inner brackets, as `bracket_closes` in plan.pest) and holds one of
/// [`BRACKET_WORDS`] or a digit. Most brackets of running text (`（以下简称…）`,
/// `（详见附件）`, a heading's `（一）`) are then never handed to the grammar,
/// which would read them clause by clause before failing.
fn may_be_bracket(rest: &str) -> bool {
    let mut depth = 0u8;
    let mut end = None;
    for (i, c) in rest.char_indices().skip(1) {
        match c {
            '（' | '(' if depth == 0 => depth = 1,
            '（' | '(' => return false,
            '）' | ')' if depth == 1 => depth = 0,
            '）' | ')' => {
                end = Some(i);
                break;
            }
            _ => {}
        }
    }
    let Some(end) = end else {
        return false;
    };
    let inside = &rest[..end];
    inside.bytes().any(|b| b.is_ascii_digit()) || BRACKET_WORDS.iter().any(|w| inside.contains(w))
}

/// Whether a comparison word (`不少于`, `超过`, `达到`…) or a baseline
/// (`上年同期`) can start with `c` (covered by the same test as
/// [`may_start_element`]).
fn may_start_target_lead(c: char) -> bool {
    matches!(
        c,
        '不' | '超'
            | '高'
            | '多'
            | '大'
            | '低'
            | '少'
            | '小'
            | '力'
            | '达'
            | '至'
            | '突'
            | '约'
            | '控'
            | '保'
            | '稳'
            | '压'
            | '缩'
            | '提'
            | '增'
            | '上'
            | '去'
            | '同'
    )
}

/// The most characters a comparison word and a baseline take before a
/// target's number (`不低于` + `上年同期`).
const TARGET_LEAD_CHARS: usize = 8;

/// The elements of `src` from byte `from`, each with the offset of the text
/// it was parsed from (its spans are relative to that offset).
fn scan_elements<'a>(
    src: &'a str,
    from: usize,
    brackets: &ElementMemo<'a>,
) -> Vec<(Pair<'a, Rule>, usize)> {
    let mut out: Vec<(Pair<Rule>, usize)> = Vec::new();
    let mut pos = from;
    let mut floor = from;
    let bytes = src.as_bytes();
    while let Some(&lead) = bytes.get(pos) {
        if may_start_element_bytes(&bytes[pos..]) && may_start_element(&src[pos..]) {
            if let Some((element, len)) = element_at(src, pos, brackets) {
                let mut start = pos;
                let mut found = element;
                if found.as_rule() == Rule::target {
                    // Take back the comparison words before the number: the
                    // earliest start that still reads as the same target.
                    let lead: Vec<usize> = src[floor..pos]
                        .char_indices()
                        .rev()
                        .take(TARGET_LEAD_CHARS)
                        .filter(|&(_, c)| may_start_target_lead(c))
                        .map(|(i, _)| floor + i)
                        .collect();
                    for &q in lead.iter().rev() {
                        if let Some((t, l)) = element_at(src, q, brackets) {
                            if t.as_rule() == Rule::target && q + l == pos + len {
                                start = q;
                                found = t;
                                break;
                            }
                        }
                    }
                }
                out.push((found, start));
                pos += len;
                floor = pos;
                continue;
            }
            if lead.is_ascii_digit() {
                pos = next_in_digit_run(bytes, pos);
                continue;
            }
        }
        pos += utf8_len(lead);
    }
    out
}

/// Where an element may still start in the run of ASCII digits around
/// `bytes[pos]`, once none started at `pos`: the next position of the run
/// where one can, or the run's end. Identifiers and phone numbers
/// (`91120000MB1671009Y`, `022-83221100`) are runs of a dozen digits, tried at
/// every digit before. From the digit rules of plan.pest (`digit_token`), an
/// element starting inside a run of `n` digits left is a year (`19`/`20`,
/// with 4 ≤ n ≤ 8: a year alone, or a year and its month or month and day,
/// `12020年底`, `202012月`), a month (n ≤ 2: `3312月`), or a target, whose
/// outcome depends only on what follows the run as long as its number (at
/// most 12 digits) takes the whole rest: so only the first place within 12
/// digits of the end is new. The test `scan_skips_no_element_in_digit_runs`
/// checks this against the whole-line rule.
fn next_in_digit_run(bytes: &[u8], pos: usize) -> usize {
    let end = pos
        + bytes[pos..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
    (pos + 1..end)
        .find(|&q| {
            let left = end - q;
            left <= 2
                || left == 12
                || ((4..=8).contains(&left) && matches!(&bytes[q..q + 2], b"19" | b"20"))
        })
        .unwrap_or(end)
}

/// The length of the UTF-8 sequence that byte `lead` starts.
fn utf8_len(lead: u8) -> usize {
    match lead {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    }
}

/// The characters [`may_start_element`] looks further at, as the big-endian
/// value of their UTF-8 bytes (all of them take three).
const ELEMENT_FIRST_CHARS: [u32; 18] = {
    let chars = [
        '（', '〔', '［', '【', '﹝', '力', '争', '到', '第', '每', '自', '从', '本', '今', '明',
        '当', '次', '年',
    ];
    let mut keys = [0; 18];
    let mut i = 0;
    while i < chars.len() {
        let mut buf = [0; 4];
        let b = chars[i].encode_utf8(&mut buf).as_bytes();
        keys[i] = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        i += 1;
    }
    keys
};

/// The last UTF-8 bytes of [`ELEMENT_FIRST_CHARS`], as a set of their low six
/// bits: a character whose last byte is not in it is none of them, found with
/// one shift instead of eighteen comparisons.
const ELEMENT_LAST_BYTES: u64 = {
    let mut mask = 0u64;
    let mut i = 0;
    while i < ELEMENT_FIRST_CHARS.len() {
        mask |= 1 << (ELEMENT_FIRST_CHARS[i] & 0x3F);
        i += 1;
    }
    mask
};

/// A cheap first look for [`may_start_element`] at the bytes of `rest`: false
/// where no element can start, without decoding the character. The element
/// scan visits every character of a plan, nearly all of which it skips here.
fn may_start_element_bytes(rest: &[u8]) -> bool {
    match rest {
        [b'0'..=b'9' | b'(' | b'[', ..] => true,
        [a @ 0xE0..=0xEF, b, c, ..] => {
            ELEMENT_LAST_BYTES >> (c & 0x3F) & 1 == 1
                && ELEMENT_FIRST_CHARS
                    .contains(&(u32::from(*a) << 16 | u32::from(*b) << 8 | u32::from(*c)))
        }
        _ => false,
    }
}

/// The element starting at byte `pos` of `src`, and its length.
fn element_at<'a>(
    src: &'a str,
    pos: usize,
    brackets: &ElementMemo<'a>,
) -> Option<(Pair<'a, Rule>, usize)> {
    let rest = &src[pos..];
    let read = || {
        let element = PlanParser::parse(Rule::element, rest).ok()?.next()?;
        let len = element.as_span().end();
        let inner = element.into_inner().next()?;
        Some((inner, len))
    };
    if !rest.starts_with(['（', '(']) || rest.len() > MEMO_INPUT_BYTES {
        return read();
    }
    if let Some(known) = brackets.borrow().get(rest) {
        return known.clone();
    }
    let found = read();
    let mut memo = brackets.borrow_mut();
    if memo.len() < MEMO_ENTRIES {
        memo.insert(rest, found.clone());
    }
    found
}

/// The longest input and the most inputs [`ElementMemo`] keeps.
const MEMO_INPUT_BYTES: usize = 1024;
const MEMO_ENTRIES: usize = 512;

/// Reads one pair of a line into `line`; `base` is the byte offset of the text
/// the pair was parsed from.
fn take_pair(ctx: &Ctx, line: &mut Line, pair: Pair<Rule>, base: usize) {
    let (s, e) = (base + pair.as_span().start(), base + pair.as_span().end());
    match pair.as_rule() {
        Rule::bracket_line => line.kind = LineKind::BracketOnly,
        Rule::labelled_line => {
            line.kind = LineKind::Labelled;
            line.brackets.push(read_labelled_line(ctx, pair, base));
        }
        Rule::table_row => line.kind = LineKind::TableRow,
        Rule::cell if line.kind == LineKind::TableRow => line.cells.push((s, e)),
        Rule::marker => {
            line.kind = LineKind::Marked;
            line.marker = Some(read_marker(ctx, pair, base));
            line.content_start = e;
        }
        Rule::resp_bracket => {
            if let Some(b) = read_bracket(ctx, pair, base) {
                line.brackets.push(b);
            }
        }
        Rule::doc_number => {
            if let Some(d) = read_doc_number(ctx, pair, base) {
                line.doc_numbers.push(d);
            }
        }
        Rule::dated | Rule::yearless => line.dated.push(read_dated(ctx, pair, base)),
        Rule::year_range => {
            let years: Vec<i32> = pair
                .into_inner()
                .filter(|p| p.as_rule() == Rule::year)
                .filter_map(|p| p.as_str().parse().ok())
                .collect();
            if let [a, b] = years[..] {
                line.year_ranges.push((a, b, s, e));
            }
        }
        Rule::goal_year => {
            if let Some(y) = pair.into_inner().find(|p| p.as_rule() == Rule::year) {
                if let Ok(y) = y.as_str().parse() {
                    line.goal_years.push((y, s, e));
                }
            }
        }
        Rule::recurring => line.recurring.push(read_recurring(ctx, pair, base)),
        Rule::since_issue => {
            let mut count = None;
            let (mut working, mut months) = (false, false);
            for p in pair.into_inner() {
                match p.as_rule() {
                    Rule::since_count => count = p.as_str().parse().ok(),
                    Rule::since_unit => {
                        working = p.as_str().contains("工作日");
                        months = p.as_str() == "个月";
                    }
                    _ => {}
                }
            }
            if let Some(n) = count {
                line.since_issue.push((n, working, months, s, e));
            }
        }
        Rule::target => line.targets.push(read_target(ctx, pair, base)),
        _ => {}
    }
}

fn read_marker(ctx: &Ctx, pair: Pair<Rule>, base: usize) -> Marker {
    let s = base + pair.as_span().start();
    let e = base + pair.as_span().end();
    let inner = pair.into_inner().next();
    let mut before_digit = false;
    let (level, number) = match inner.as_ref().map(|p| p.as_rule()) {
        Some(Rule::chapter_marker) => (Level::Chapter, inner.as_ref().and_then(numeral_in)),
        Some(Rule::section_marker) => (Level::Section, inner.as_ref().and_then(numeral_in)),
        Some(Rule::subitem_marker) => (Level::Subitem, inner.as_ref().and_then(numeral_in)),
        Some(Rule::item_marker) => {
            before_digit = inner.as_ref().is_some_and(|p| {
                p.clone()
                    .into_inner()
                    .any(|q| q.as_rule() == Rule::item_digit)
            });
            let digits: String = inner
                .as_ref()
                .map(|p| p.as_str())
                .unwrap_or("")
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            (Level::Item, digits.parse().ok())
        }
        other => unreachable!("marker holds one of the four level markers, not {other:?}"),
    };
    Marker {
        level,
        number,
        before_digit,
        raw: ctx.raw(s, e).trim().to_string(),
        start: s,
        end: e,
    }
}

fn numeral_in(pair: &Pair<Rule>) -> Option<u32> {
    pair.clone().into_inner().find_map(|p| match p.as_rule() {
        Rule::cn_number => cn_numeral(p.as_str()),
        Rule::arabic => p.as_str().parse().ok(),
        Rule::circled => p.as_str().chars().next().map(|c| c as u32 - 0x245F),
        _ => None,
    })
}

/// The value of a Chinese numeral as used in heading markers (一 … 九十九).
fn cn_numeral(s: &str) -> Option<u32> {
    fn digit(c: char) -> Option<u32> {
        Some(match c {
            '〇' | '零' => 0,
            '一' => 1,
            '二' | '两' => 2,
            '三' => 3,
            '四' => 4,
            '五' => 5,
            '六' => 6,
            '七' => 7,
            '八' => 8,
            '九' => 9,
            _ => return None,
        })
    }
    let mut total: u32 = 0;
    let mut current: u32 = 0;
    let mut seen = false;
    // Checked arithmetic: a run of numerals (`九九九九九九九九九九`) is not a
    // heading number and must not overflow.
    for c in s.chars() {
        match c {
            '百' => {
                total = total.checked_add(current.max(1).checked_mul(100)?)?;
                current = 0;
            }
            '十' => {
                total = total.checked_add(current.max(1).checked_mul(10)?)?;
                current = 0;
            }
            _ => current = current.checked_mul(10)?.checked_add(digit(c)?)?,
        }
        seen = true;
    }
    seen.then_some(total.checked_add(current)?)
}

fn read_bracket(ctx: &Ctx, pair: Pair<Rule>, base: usize) -> Option<BracketRead> {
    let s = base + pair.as_span().start();
    let e = base + pair.as_span().end();
    let body = pair.into_inner().find(|p| p.as_rule() == Rule::resp_body)?;
    let mut b = BracketRead::new(s, e);
    let mut meaningful = false;
    let mut bare = Vec::new();
    for clause in body.into_inner() {
        if clause.as_rule() == Rule::bare_units {
            bare.push(clause);
        } else {
            meaningful |= read_clause(ctx, clause, base, &mut b);
        }
    }
    // Units without a role are the responsible ones only where no unit has a
    // role: beside `X牵头` they might as well be cooperating.
    if meaningful && b.owners.is_empty() {
        for group in bare.into_iter().flat_map(|c| c.into_inner()) {
            if all_bodies(&group) {
                read_unit_group(ctx, group, base, Role::Responsible, "", &mut b);
            }
        }
    }
    meaningful.then_some(b)
}

/// Labelled owners and time limit that end a task's line after its sentence
/// (`…强校工程。责任单位：市教育局（牵头）、市财政局。完成时限：2024年11月中旬前。`),
/// read as a labelled line is (`labelled_line` in plan.pest).
fn labels_after_sentence(ctx: &Ctx, start: usize, end: usize) -> Option<BracketRead> {
    let line = &ctx.text[start..end];
    // Most lines have no colon: find out with a byte search, not by decoding.
    let bytes = line.as_bytes();
    if memchr::memchr(b':', bytes).is_none()
        && memchr::memmem::find(bytes, "：".as_bytes()).is_none()
    {
        return None;
    }
    for (i, _) in line.match_indices(['。', '；', ';']) {
        let from = i + line[i..].chars().next()?.len_utf8();
        let rest = &line[from..];
        let head = rest.trim_start_matches(is_space);
        if !head.starts_with([
            '牵', '主', '责', '负', '实', '承', '配', '协', '参', '完', '时', '办',
        ]) {
            continue;
        }
        let at = from + (rest.len() - head.len());
        if let Ok(mut pairs) = PlanParser::parse(Rule::labelled_line, head) {
            let pair = pairs.next()?;
            let b = read_labelled_line(ctx, pair, start + at);
            if !b.owners.is_empty() || b.deadline.is_some() {
                return Some(b);
            }
        }
    }
    None
}

/// The bracket that ends the line `start..end` naming units with no role
/// (`bare_bracket` in plan.pest), if it stands after a full stop or alone on
/// its line, and every name reads as a body's ([`reads_as_body`]): the form of
/// plans whose brackets give only the units (`…专业教学标准。（教育部、工业和信息化部）`).
/// A bracket inside a sentence (`市场监管部门（市市场监管局）`) explains a name.
fn bare_bracket(ctx: &Ctx, start: usize, end: usize) -> Option<BracketRead> {
    let line = ctx.text[start..end].trim_end_matches(is_space);
    if !line.ends_with(['）', ')']) {
        return None;
    }
    let mut depth = 0;
    let mut open = None;
    for (i, c) in line.char_indices().rev() {
        match c {
            '）' | ')' => depth += 1,
            '（' | '(' => {
                depth -= 1;
                if depth == 0 {
                    open = Some(i);
                    break;
                }
            }
            _ => {}
        }
    }
    let open = open?;
    let before = line[..open].trim_end_matches(is_space);
    if !(before.is_empty() || before.ends_with(['。', '；', ';', '.'])) {
        return None;
    }
    let pair = PlanParser::parse(Rule::bare_bracket, &line[open..])
        .ok()?
        .next()?;
    let base = start + open;
    let mut b = BracketRead::new(base, start + line.len());
    for clause in pair.into_inner() {
        if clause.as_rule() != Rule::bare_units {
            read_clause(ctx, clause, base, &mut b);
            continue;
        }
        for group in clause.into_inner() {
            if !all_bodies(&group) {
                return None;
            }
            read_unit_group(ctx, group, base, Role::Responsible, "", &mut b);
        }
    }
    (!b.owners.is_empty()).then_some(b)
}

/// Words of manner that may stand between a unit and a bare `落实`.
const MANNER_WORDS: [&str; 10] = [
    "具体", "认真", "抓好", "督促", "组织", "积极", "切实", "全面", "推动", "协调",
];

/// A name as one line: the line break of a bracket wrapped over two lines
/// (`市发` + `展改革委`) is no part of it.
fn unwrapped(name: &str) -> String {
    if name.contains('\n') {
        name.lines().map(|l| l.trim_matches(is_space)).collect()
    } else {
        name.to_string()
    }
}

/// The names of a unit set apart by spaces instead of `、`
/// (`责任单位：省农业农村厅　省大数据局`), with their byte offsets in `name`,
/// when there are several and each reads as a body's name; `None` otherwise
/// (`市 发改委` is one name with a stray space).
fn space_separated_bodies(name: &str) -> Option<Vec<(usize, &str)>> {
    // A line break (a wrapped bracket) may fall inside a name: `市政府` +
    // `办公室` is one.
    if !name.contains(is_space) || name.contains('\n') {
        return None;
    }
    let mut pieces = Vec::new();
    let mut start = None;
    for (i, c) in name
        .char_indices()
        .chain(std::iter::once((name.len(), ' ')))
    {
        match (is_space(c), start) {
            (true, Some(st)) => {
                pieces.push((st, &name[st..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    (pieces.len() > 1 && pieces.iter().all(|(_, p)| reads_as_body(p))).then_some(pieces)
}

/// Whether every unit of a `unit_group` reads as a body's name.
fn all_bodies(group: &Pair<Rule>) -> bool {
    group
        .clone()
        .into_inner()
        .filter(|p| p.as_rule() == Rule::unit)
        .all(|u| reads_as_body(u.as_str().trim_matches(is_space)))
}

/// Whether a unit named without a role reads as a body's name: Han characters
/// (brackets inside allowed, `省司法厅（省法制办）`), ending as a body's name does
/// (`…厅`, `…人民政府`), or a collective `各有关部门`, `有关单位`.
fn reads_as_body(name: &str) -> bool {
    let mut outer = String::with_capacity(name.len());
    let mut depth = 0;
    for c in name.chars() {
        match c {
            '（' | '(' => depth += 1,
            '）' | ')' => depth -= 1,
            _ if depth == 0 => outer.push(c),
            _ => {}
        }
    }
    is_body_name(&outer)
        || is_collective_name(&outer)
            && outer.chars().all(is_han)
            && ["部门", "单位"].iter().any(|e| outer.ends_with(e))
}

fn read_labelled_line(ctx: &Ctx, pair: Pair<Rule>, base: usize) -> BracketRead {
    let s = base + pair.as_span().start();
    let e = base + pair.as_span().end();
    let mut b = BracketRead::new(s, e);
    for clause in pair.into_inner() {
        read_clause(ctx, clause, base, &mut b);
    }
    b
}

/// Reads one clause of a bracket into `b`; says whether it made the bracket a
/// responsibility bracket (a bare year in brackets, `（2021年）`, does not).
fn read_clause(ctx: &Ctx, clause: Pair<Rule>, base: usize, b: &mut BracketRead) -> bool {
    match clause.as_rule() {
        Rule::convention => {
            b.convention = true;
            true
        }
        Rule::labelled_owners => {
            let mut inner = clause.into_inner();
            let label = inner.next().expect("labelled_owners starts with its label");
            let kind = label.clone().into_inner().next().map(|p| p.as_rule());
            let role = match kind {
                Some(Rule::lead_label) => Role::Lead,
                Some(Rule::coop_label) => Role::Cooperate,
                _ => Role::Responsible,
            };
            b.explicit_lead |= role == Role::Lead;
            let wording = label.as_str().to_string();
            for group in inner {
                read_unit_group(ctx, group, base, role, &wording, b);
            }
            true
        }
        Rule::labelled_deadline => {
            if let Some(dc) = clause
                .into_inner()
                .find(|p| matches!(p.as_rule(), Rule::deadline_clause | Rule::span_clause))
            {
                if let Some(read) = read_deadline_clause(ctx, dc, base, true) {
                    b.take_deadline(read);
                }
            }
            true
        }
        Rule::deadline_clause | Rule::span_clause => {
            match read_deadline_clause(ctx, clause, base, false) {
                Some(read) => {
                    let meaningful = read.meaningful;
                    b.take_deadline(read);
                    meaningful
                }
                None => false,
            }
        }
        // Words the grammar does not know (`视情况推进`): the rest of the
        // bracket still counts.
        Rule::other_clause => false,
        Rule::owner_clause => {
            let pairs: Vec<Pair<Rule>> = clause.into_inner().collect();
            let role_pair = pairs
                .iter()
                .find(|p| p.as_rule() == Rule::role)
                .expect("owner_clause ends with a role");
            let (role, wording) = match role_pair.clone().into_inner().next().map(|p| p.as_rule()) {
                Some(Rule::role_lead) => (Role::Lead, role_pair.as_str()),
                Some(Rule::role_coop) => (Role::Cooperate, role_pair.as_str()),
                Some(Rule::role_joint) | Some(Rule::role_resp) => {
                    (Role::Responsible, role_pair.as_str())
                }
                other => {
                    unreachable!("role is lead, joint, cooperate or responsible, not {other:?}")
                }
            };
            b.explicit_lead |= role == Role::Lead;
            let wording = wording.to_string();
            for group in pairs
                .into_iter()
                .filter(|p| p.as_rule() == Rule::unit_group)
            {
                read_unit_group(ctx, group, base, role, &wording, b);
            }
            true
        }
        _ => false,
    }
}

fn read_unit_group(
    ctx: &Ctx,
    group: Pair<Rule>,
    base: usize,
    role: Role,
    wording: &str,
    b: &mut BracketRead,
) {
    for p in group.into_inner() {
        match p.as_rule() {
            Rule::unit => {
                // Offsets are the grammar's (digits folded); the name is cut
                // from the text as written.
                let (s, e) = (base + p.as_span().start(), base + p.as_span().end());
                let plain = ctx.plain(s, e);
                let lead_trim = plain.len() - plain.trim_start_matches(is_space).len();
                let name = plain.trim_matches(is_space);
                if name.is_empty() {
                    continue;
                }
                // A role in brackets after the name (`市教育局（牵头）`) is the
                // unit's own, over the label's.
                let (name, role, wording) = match own_role(name) {
                    Some((bare, own, words)) => (bare, own, words),
                    None => (name, role, wording),
                };
                // A bare `落实` may follow words of manner (`各区政府具体落实`),
                // or no unit at all (`抓好落实`).
                let name = if wording == "落实" {
                    let mut bare = name;
                    while let Some(rest) = MANNER_WORDS.iter().find_map(|w| bare.strip_suffix(w)) {
                        bare = rest;
                    }
                    if bare.is_empty() {
                        continue;
                    }
                    bare
                } else {
                    name
                };
                b.explicit_lead |= role == Role::Lead;
                let at = s + lead_trim;
                for (offset, piece) in
                    space_separated_bodies(name).unwrap_or_else(|| vec![(0, name)])
                {
                    let (ps, pe) = (at + offset, at + offset + piece.len());
                    b.owners.push(Owner {
                        unit: unwrapped(&ctx.raw(ps, pe)),
                        role,
                        wording: wording.to_string(),
                        span: ctx.span(ps, pe),
                    });
                }
            }
            Rule::etc => b.open_ended = true,
            _ => {}
        }
    }
}

/// The name and role of a unit written with its role in brackets after it
/// (`市教育局（牵头）`, `市财政局(配合)`), with the words that gave the role.
fn own_role(name: &str) -> Option<(&str, Role, &str)> {
    let inner = name.strip_suffix(['）', ')'])?;
    let open = inner.rfind(['（', '('])?;
    let words = &inner[open..][inner[open..].chars().next()?.len_utf8()..];
    let role = match words {
        "牵头" | "牵头单位" | "牵头部门" => Role::Lead,
        "负责" | "责任单位" => Role::Responsible,
        "配合" | "配合单位" | "参与" => Role::Cooperate,
        _ => return None,
    };
    let bare = inner[..open].trim_end_matches(is_space);
    (!bare.is_empty()).then_some((bare, role, words))
}

/// A deadline clause of a bracket, as read.
struct DeadlineRead {
    deadline: Deadline,
    /// Left to the plan's year (`年底前`).
    yearless: Option<DatedRead>,
    /// Whether it makes the parenthesis a responsibility bracket on its own: a
    /// period (`（2021—2022年）`) or a goal year (`（到2022年）`) does not.
    meaningful: bool,
}

impl BracketRead {
    /// A bracket over `start..end` that names nothing yet.
    fn new(start: usize, end: usize) -> BracketRead {
        BracketRead {
            start,
            end,
            owners: Vec::new(),
            explicit_lead: false,
            deadline: None,
            yearless: None,
            convention: false,
            open_ended: false,
        }
    }

    fn take_deadline(&mut self, read: DeadlineRead) {
        self.deadline = Some(read.deadline);
        self.yearless = read.yearless;
    }
}

fn read_deadline_clause(
    ctx: &Ctx,
    clause: Pair<Rule>,
    base: usize,
    labelled: bool,
) -> Option<DeadlineRead> {
    let inner = clause.into_inner().next()?;
    let (s, e) = (base + inner.as_span().start(), base + inner.as_span().end());
    let plain = |deadline: Deadline| DeadlineRead {
        deadline,
        yearless: None,
        meaningful: true,
    };
    let year_end = |year: i32, meaningful: bool| DeadlineRead {
        deadline: Deadline {
            kind: DeadlineKind::Dated,
            date: Date::end_of_month(year, 12),
            raw: Some(ctx.raw(s, e)),
            span: Some(ctx.span(s, e)),
            ..Deadline::default()
        },
        yearless: None,
        meaningful,
    };
    let years = |pair: Pair<Rule>| -> Vec<i32> {
        pair.into_inner()
            .flatten()
            .filter(|p| p.as_rule() == Rule::year)
            .filter_map(|p| p.as_str().parse().ok())
            .collect()
    };
    match inner.as_rule() {
        Rule::ongoing => Some(plain(Deadline {
            kind: DeadlineKind::Ongoing,
            raw: Some(ctx.raw(s, e)),
            span: Some(ctx.span(s, e)),
            ..Deadline::default()
        })),
        Rule::recurring | Rule::frequency => Some(plain(read_recurring(ctx, inner, base))),
        Rule::dated => {
            let d = read_dated(ctx, inner, base);
            // In a bracket a time limit needs more than a bare year (`2025年前`
            // is one: by the end of 2025); after a `完成时限：` label the year
            // alone is the limit.
            if d.year_only() && !d.done && !d.before && !labelled {
                return None;
            }
            Some(plain(dated_deadline(ctx, &d)))
        }
        Rule::yearless | Rule::season => {
            let d = read_dated(ctx, inner, base);
            Some(DeadlineRead {
                deadline: dated_deadline(ctx, &d),
                yearless: Some(d),
                meaningful: true,
            })
        }
        // `2021—2022年`: due by the end of the last year.
        Rule::year_range => {
            let last = years(inner).into_iter().max()?;
            Some(year_end(last, labelled))
        }
        Rule::goal_year => {
            let year = years(inner).into_iter().next()?;
            Some(year_end(year, labelled))
        }
        other => unreachable!(
            "deadline_clause holds ongoing, recurring, dated, yearless, a year range or a goal year, not {other:?}"
        ),
    }
}

fn dated_deadline(ctx: &Ctx, d: &DatedRead) -> Deadline {
    let raw = ctx.raw(d.start, d.end);
    let fix = d.fix(&ctx.plain(d.start, d.end));
    Deadline {
        kind: DeadlineKind::Dated,
        date: d.due_date(),
        damaged: d.damaged(),
        fix,
        raw: Some(raw),
        recurrence: None,
        span: Some(ctx.span(d.start, d.end)),
    }
}

fn read_dated(ctx: &Ctx, pair: Pair<Rule>, base: usize) -> DatedRead {
    let mut d = DatedRead {
        start: base + pair.as_span().start(),
        end: base + pair.as_span().end(),
        yearless: matches!(pair.as_rule(), Rule::yearless | Rule::season),
        ..DatedRead::default()
    };
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::year => d.year = p.as_str().parse().unwrap_or(0),
            Rule::rel_year => d.year = i32::from(matches!(p.as_str(), "明年" | "次年")),
            Rule::year_mark => d.year_mark = true,
            Rule::month => d.month = p.as_str().parse().ok(),
            Rule::month_mark => {}
            Rule::day => d.day = p.as_str().parse().ok(),
            Rule::month_day => {
                d.month_day = Some(split_month_day(p.as_str()));
                d.month_day_raw = Some((base + p.as_span().start(), base + p.as_span().end()));
            }
            Rule::end_mark => d.end_mark = true,
            // 下旬 ends with the month; 上旬 and 中旬 on the 10th and the 20th.
            Rule::xun => match p.as_str() {
                "下旬" | "中下旬" => d.end_mark = true,
                "中旬" | "上中旬" => d.day = Some(20),
                _ => d.day = Some(10),
            },
            Rule::before => d.before = true,
            Rule::done => d.done = true,
            Rule::half => d.half = Some(p.as_str() == "上半年"),
            Rule::quarter => {
                d.quarter = p
                    .as_str()
                    .chars()
                    .find_map(|c| cn_numeral(&c.to_string()).filter(|n| (1..=4).contains(n)))
            }
            Rule::within => d.within = true,
            _ => {}
        }
    }
    let _ = ctx;
    d
}

/// The date of a `cn_date_line` (`二〇二四年三月十五日` → 2024-03-15).
fn cn_date(mut pairs: pest::iterators::Pairs<Rule>) -> Option<Date> {
    let (mut year, mut month, mut day) = (None, None, None);
    for p in pairs.next()?.into_inner() {
        match p.as_rule() {
            Rule::cn_year => {
                let mut y = 0i32;
                // Digit by digit (`二〇二四`), where `cn_numeral` reads `二十`.
                for c in p.as_str().chars() {
                    let d = match c {
                        '○' | 'Ｏ' | 'O' => 0,
                        c => cn_numeral(c.encode_utf8(&mut [0; 4]))?,
                    };
                    y = y * 10 + i32::try_from(d).ok()?;
                }
                year = Some(y);
            }
            Rule::cn_month => month = cn_numeral(p.as_str()),
            Rule::cn_day => day = cn_numeral(p.as_str()),
            _ => {}
        }
    }
    Date::new(year?, month?, day?)
}

/// Splits digits where 月 was lost (`917` → 9月17日) when only one split makes
/// a real date; `None` when two readings are possible (`111`).
fn split_month_day(digits: &str) -> Option<(u32, u32)> {
    let mut found = None;
    for i in 1..digits.len() {
        let (m, d) = digits.split_at(i);
        let (Ok(mv), Ok(dv)) = (m.parse::<u32>(), d.parse::<u32>()) else {
            continue;
        };
        if d.len() > 2 || m.len() > 2 || (d.starts_with('0') && d.len() == 1) {
            continue;
        }
        if Date::new(2000, mv, dv).is_some() {
            if found.is_some() {
                return None;
            }
            found = Some((mv, dv));
        }
    }
    found
}

/// A deadline that comes back (`每月5日前`, `每年3月底前`), or how often alone
/// (`每季度` in a bracket: a `frequency`).
fn read_recurring(ctx: &Ctx, pair: Pair<Rule>, base: usize) -> Deadline {
    let (s, e) = (base + pair.as_span().start(), base + pair.as_span().end());
    let every = pair
        .into_inner()
        .find(|p| p.as_rule() == Rule::every)
        .map(|p| p.as_str().to_string());
    let recurrence = match every.as_deref() {
        Some("每月") => "monthly",
        Some("每季度") => "quarterly",
        Some("每半年") => "half-yearly",
        Some("每周") => "weekly",
        _ => "yearly",
    };
    Deadline {
        kind: DeadlineKind::Recurring,
        date: None,
        raw: Some(ctx.raw(s, e)),
        damaged: false,
        fix: None,
        recurrence: Some(recurrence.to_string()),
        span: Some(ctx.span(s, e)),
    }
}

fn read_target(ctx: &Ctx, pair: Pair<Rule>, base: usize) -> Target {
    let (s, e) = (base + pair.as_span().start(), base + pair.as_span().end());
    let mut value = 0.0;
    let mut value_max = None;
    let mut unit = String::new();
    let mut prefix = None;
    let mut suffix = None;
    let mut baseline = None;
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::number => value = p.as_str().parse().unwrap_or(0.0),
            Rule::number_max => value_max = p.as_str().parse().ok(),
            Rule::measure => unit = p.as_str().to_string(),
            Rule::cmp_prefix => prefix = Some(p.as_str().to_string()),
            Rule::cmp_suffix => suffix = Some(p.as_str().to_string()),
            Rule::baseline => baseline = Some(p.as_str().to_string()),
            _ => {}
        }
    }
    let comparator = if value_max.is_some() {
        Comparator::Range
    } else {
        match (prefix.as_deref(), suffix.as_deref()) {
            (_, Some("以上") | Some("及以上")) => Comparator::Ge,
            (_, Some("以内") | Some("以下") | Some("之内")) => Comparator::Le,
            (_, Some("左右")) => Comparator::Approx,
            (Some("不少于" | "不低于" | "至少" | "不小于"), _) => Comparator::Ge,
            (Some("不超过" | "不高于" | "不多于" | "不大于" | "控制在"), _) => {
                Comparator::Le
            }
            (Some("超过" | "高于" | "多于" | "大于" | "突破"), _) => Comparator::Gt,
            (Some("低于" | "少于" | "小于" | "不足"), _) => Comparator::Lt,
            (Some("约"), _) => Comparator::Approx,
            _ => Comparator::Eq,
        }
    };
    Target {
        raw: ctx.raw(s, e),
        value,
        value_max,
        unit,
        comparator,
        baseline,
        span: ctx.span(s, e),
    }
}

/// Whether the line `t` ends with `word`, spaces after it aside (the
/// grammar's `sp` is a subset of [`is_space`]).
fn ends_with_word(t: &str, word: &str) -> bool {
    t.trim_end_matches(is_space).ends_with(word)
}

/// Whether `t` is the footer that closes a document (`imprint_line` in
/// plan.pest: `…办公室  2020年9月17日印发`). The grammar is asked only when the
/// line ends with 印发: a notice's `关于印发《…》的通知` would otherwise be read by
/// trying a date at each of its characters.
fn is_imprint(t: &str) -> bool {
    ends_with_word(t, "印发") && PlanParser::parse(Rule::imprint_line, t).is_ok()
}

/// Whether `t` is a document's header `X文件` (`header_line` in plan.pest),
/// asked of the grammar only when the line ends with 文件.
fn is_header(t: &str) -> bool {
    ends_with_word(t, "文件") && PlanParser::parse(Rule::header_line, t).is_ok()
}

/// The words of which every `plan_kind` of plan.pest holds one (`推进计划` holds
/// `计划`, `任务分工方案` holds `方案`…). The test
/// `front_matter_prechecks_miss_nothing` checks the list against the grammar.
const PLAN_KIND_WORDS: [&str; 10] = [
    "计划", "方案", "要点", "意见", "规划", "纲要", "办法", "措施", "细则", "安排",
];

/// Whether `t` is a plan's title (`title_line` in plan.pest), asked of the
/// grammar only when the line names a kind of plan: the rule tries the kind
/// at each character of the line.
fn is_title(t: &str) -> bool {
    PLAN_KIND_WORDS.iter().any(|w| t.contains(w)) && PlanParser::parse(Rule::title_line, t).is_ok()
}

/// Words of a web page's furniture, never of a plan's title: a short line
/// holding one is not the first half of a title broken over two lines
/// (`扫一扫在手机打开当前页` above `某市…工作要点`).
const PAGE_CHROME: [&str; 12] = [
    "扫一扫",
    "手机",
    "打印",
    "分享",
    "字体",
    "字号",
    "当前位置",
    "首页",
    "关闭",
    "收藏",
    "浏览",
    "无障碍",
];

/// The last words of the name of a body (`…办公厅`, `…人民政府`, `…市场监督管理局`,
/// `中共…市委`, `…执法支队`, `天津海关`, `…市场监管所`).
const BODY_ENDINGS: [&str; 27] = [
    "厅", "室", "政府", "委", "会", "局", "部", "署", "院", "办", "中心", "组", "中央", "所", "科",
    "队", "站", "处", "馆", "社", "团", "联", "协", "关", "行", "公司", "大学",
];

/// Whether `word` reads as the name of a body: Han characters only, 3 to 30 of
/// them, ending as a body's name does ([`BODY_ENDINGS`]).
fn is_body_name(word: &str) -> bool {
    let n = word.chars().count();
    (3..=30).contains(&n)
        && word.chars().all(is_han)
        && BODY_ENDINGS.iter().any(|e| word.ends_with(e))
}

/// `text` as the names of one or more bodies, set apart by spaces or `、`
/// (`中共浙江省委办公厅 浙江省人民政府办公厅`), joined by `、`; `None` if any part is
/// not a body's name (a page's `首页 > 政务公开 > 政策文件` is not an issuer).
fn body_names(text: &str) -> Option<String> {
    let names: Vec<&str> = text
        .split(|c: char| is_space(c) || c == '、')
        .filter(|w| !w.is_empty())
        .collect();
    (!names.is_empty() && names.len() <= 6 && names.iter().all(|w| is_body_name(w)))
        .then(|| names.join("、"))
}

/// Words before a quantity that make it a standard of the policy rather than
/// a target of the task: a basis of calculation (`按6个月的…`) or a cap on a
/// benefit (`最高不超过15万元`).
const STANDARD_LEADS: [&str; 6] = ["按照", "按", "最高", "最低", "最多", "最长"];

/// Measures of time: a duration followed by `的` describes a thing (`3—12个月的
/// 就业见习`, `为期6个月的专项行动`), it does not set a time limit.
const DURATIONS: [&str; 7] = ["个工作日", "工作日", "个月", "小时", "分钟", "天", "周"];

/// Whether a quantity the grammar reads as a target is a standard the policy
/// sets or a condition it names, not something the task commits to (目标):
/// - after a basis or a cap ([`STANDARD_LEADS`]): `按6个月的当地月人均失业保险金`,
///   `可申请最高不超过15万元的创业担保贷款`;
/// - a strict comparison followed by `的`, a condition on who or what
///   (`超过100人的企业`, `营业收入超过10亿元的企业5家`, where the target is `5家`);
/// - a duration followed by `的` ([`DURATIONS`]).
///
/// A quantity followed by `的` is otherwise still a target (`建成5个以上的示范区`).
fn is_standard(text: &str, target: &Target) -> bool {
    let before = &text[..target.span.start];
    if STANDARD_LEADS.iter().any(|w| before.ends_with(w)) {
        return true;
    }
    if !text[target.span.end..].starts_with('的') {
        return false;
    }
    let strict = matches!(target.comparator, Comparator::Gt | Comparator::Lt)
        && !target.raw.starts_with("突破");
    strict || DURATIONS.contains(&target.unit.as_str())
}

fn read_doc_number(ctx: &Ctx, pair: Pair<Rule>, base: usize) -> Option<DocNumber> {
    let (s, e) = (base + pair.as_span().start(), base + pair.as_span().end());
    // The issuer code is the run of Han characters just before the bracket.
    let before = &ctx.text[..s];
    let mut code_start = s;
    for (i, c) in before.char_indices().rev().take(12) {
        if is_han(c) {
            code_start = i;
        } else {
            break;
        }
    }
    if code_start == s {
        return None;
    }
    let issuer_code = ctx.raw(code_start, s);
    let mut open = "";
    let mut close = None;
    let mut year = None;
    let mut short_year = false;
    let mut serial_raw = "";
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::doc_open => open = p.as_str(),
            Rule::doc_close => close = Some(p.as_str()),
            Rule::doc_year => {
                let y = p.as_str();
                short_year = y.len() == 2;
                year = if short_year { None } else { y.parse().ok() };
            }
            Rule::doc_serial => serial_raw = p.as_str(),
            _ => {}
        }
    }
    let serial: Option<u32> = serial_raw.parse().ok();
    let mut problems = Vec::new();
    if open != "〔" || close.is_some_and(|c| c != "〕") {
        problems.push("年份应使用六角括号〔〕".to_string());
    }
    if close.is_none() {
        problems.push("缺少右括号〕".to_string());
    }
    if short_year {
        problems.push("年份应写全四位".to_string());
    }
    if serial_raw.starts_with('0') {
        problems.push("序号不应有前导零".to_string());
    }
    let damaged = !problems.is_empty();
    let fix = match (damaged, year, serial) {
        (true, Some(y), Some(n)) if n > 0 => Some(format!("{issuer_code}〔{y}〕{n}号")),
        _ => None,
    };
    Some(DocNumber {
        raw: ctx.raw(code_start, e),
        issuer_code,
        year,
        serial,
        damaged,
        problem: (!problems.is_empty()).then(|| problems.join("；")),
        fix,
        span: ctx.span(code_start, e),
    })
}

fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F | 0x3007)
}

// ───────────────────────── Pass 2: the plan ─────────────────────────

/// What a line is in the plan's structure, once the task level is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role2 {
    Chapter,
    Section,
    Task,
    /// A deeper numbered point inside a task.
    SubPoint,
}

/// A task-level line that is a heading instead (see
/// [`Assembler::headings_of_tasks`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Heading {
    No,
    /// Of the items under it, which are the tasks.
    OfTasks,
    /// No task: an entry of a chapter of safeguards, or a point of the body
    /// where a task table assigns the tasks.
    NotATask,
}

struct Assembler<'a> {
    ctx: &'a Ctx<'a>,
    lines: &'a [Line],
    plan: Plan,
}

impl<'a> Assembler<'a> {
    fn new(ctx: &'a Ctx<'a>, lines: &'a [Line]) -> Self {
        Assembler {
            ctx,
            lines,
            plan: Plan::default(),
        }
    }

    fn text(&self, i: usize) -> &'a str {
        &self.ctx.text[self.lines[i].text.clone()]
    }

    /// A line that closes a sentence or stands for one.
    fn ends_sentence(&self, i: usize) -> bool {
        let t = self.text(i);
        t.ends_with(['。', '；', ';', '！', '？', '）', ')', '”', '」'])
    }

    /// A task-level item that is a part of the plan's framework (`指导思想`,
    /// `发展目标`), not a task.
    fn is_framework(&self, i: usize, m: &Marker) -> bool {
        let l = &self.lines[i];
        let title = &self.ctx.text[m.end.min(l.end)..l.end];
        // The first characters of the words of `framework_title`: most
        // titles start with none, and skip the grammar.
        let first = title.trim_start_matches(is_space).chars().next();
        if !matches!(
            first,
            Some('指' | '基' | '工' | '主' | '发' | '总' | '目' | '适' | '实' | '编')
        ) {
            return false;
        }
        PlanParser::parse(Rule::framework_probe, title).is_ok_and(|mut pairs| {
            pairs
                .next()
                .is_some_and(|p| p.into_inner().next().is_some())
        })
    }

    /// A marked line that is only a short title closed by a full stop
    /// (`（二）发展目标。`): its body follows on the next lines.
    fn is_title_sentence(&self, i: usize, m: &Marker) -> bool {
        let l = &self.lines[i];
        let title = self.ctx.text[m.end.min(l.end)..l.end].trim_matches(is_space);
        let Some(head) = title.strip_suffix('。') else {
            return false;
        };
        !head.is_empty()
            && head.chars().count() <= 15
            && !head.contains(['。', '；', ';', '，', ',', '：', ':', '！', '？', '（', '('])
    }

    fn has_sentence_punct(&self, i: usize) -> bool {
        self.text(i)
            .contains(['。', '；', ';', '！', '？', '：', ':'])
    }

    /// The year a deadline without one (`年底前`, `6月底前`) falls in: the
    /// plan's own year when it covers one, else the year it was issued in,
    /// else the first year of its period.
    fn base_year(&self) -> Option<i32> {
        let period = self.plan.period.as_ref();
        period
            .filter(|p| p.start == p.end)
            .map(|p| p.start)
            .or_else(|| self.plan.issued.map(|d| d.year))
            .or_else(|| period.map(|p| p.start))
    }

    /// A deadline read from text, placed in the plan's year if it has none.
    fn deadline_of(&self, d: &DatedRead) -> Deadline {
        match d.in_year(self.base_year()) {
            Some(placed) => dated_deadline(self.ctx, &placed),
            None => dated_deadline(self.ctx, d),
        }
    }

    fn assemble(mut self) -> Plan {
        let n = self.lines.len();
        let first_marked = (0..n).find(|&i| {
            let l = &self.lines[i];
            l.kind == LineKind::Marked && l.marker.as_ref().is_some_and(|m| m.end < l.end)
        });
        let title = self.find_title(first_marked.unwrap_or(n));
        let body_start = title.as_ref().map_or(0, |t| t.2 + 1);
        if let Some((text, start_line, end_line)) = &title {
            let (s, e) = (self.lines[*start_line].start, self.lines[*end_line].end);
            let lead =
                self.ctx.text[s..e].len() - self.ctx.text[s..e].trim_start_matches(is_space).len();
            self.plan.title = Some(unwrapped(text));
            self.plan.title_span = Some(self.ctx.span(s + lead, e));
            self.plan.period = self.period_from_title(*start_line, *end_line);
        }
        self.front_matter(body_start);
        self.structure(body_start);
        self.index_units();
        self.plan
    }

    /// The plan's title: the last line before the first heading that ends with
    /// the kind of plan (`…推进计划`, `…实施方案(2020—2021年)`), joined with the
    /// short lines it was broken from.
    fn find_title(&self, before: usize) -> Option<(String, usize, usize)> {
        let mut i = before;
        while i > 0 {
            i -= 1;
            let l = &self.lines[i];
            if l.kind != LineKind::Text || l.chars > 60 || self.has_sentence_punct(i) {
                continue;
            }
            let t = self.text(i);
            if t.starts_with(['《', '“']) || !is_title(t) {
                continue;
            }
            let mut first = i;
            let mut j = i;
            for _ in 0..2 {
                let Some(p) = (0..j)
                    .rev()
                    .find(|&k| self.lines[k].kind != LineKind::Blank)
                else {
                    break;
                };
                if self.is_title_fragment(p) {
                    first = p;
                    j = p;
                } else {
                    break;
                }
            }
            let joined: String = (first..=i)
                .filter(|&k| self.lines[k].kind != LineKind::Blank)
                .map(|k| self.text(k))
                .collect();
            return Some((joined, first, i));
        }
        None
    }

    /// A short line that can be the first half of a title set on two lines.
    fn is_title_fragment(&self, i: usize) -> bool {
        let l = &self.lines[i];
        let t = self.text(i);
        l.kind == LineKind::Text
            && l.chars <= 30
            && l.brackets.is_empty()
            && l.doc_numbers.is_empty()
            && !l.dated.iter().any(|d| d.full_date().is_some())
            && !t.contains(['。', '，', ',', '：', ':', '；', '《', '》', '(', '（'])
            && !PAGE_CHROME.iter().any(|w| t.contains(w))
            && !is_header(t)
            && !is_title(t)
    }

    fn period_from_title(&self, first: usize, last: usize) -> Option<Period> {
        for i in first..=last {
            let l = &self.lines[i];
            if let Some(&(a, b, s, e)) = l.year_ranges.first() {
                return Some(Period {
                    start: a.min(b),
                    end: a.max(b),
                    raw: self.ctx.raw(s, e),
                    span: Some(self.ctx.span(s, e)),
                });
            }
        }
        for i in first..=last {
            if let Some(d) = self.lines[i]
                .dated
                .iter()
                .find(|d| d.year_mark && !d.yearless)
            {
                return Some(Period {
                    start: d.year,
                    end: d.year,
                    raw: self.ctx.raw(d.start, d.end),
                    span: Some(self.ctx.span(d.start, d.end)),
                });
            }
        }
        None
    }

    /// Document number, issue date, issuer; every document number and date.
    fn front_matter(&mut self, body_start: usize) {
        let n = self.lines.len();
        for i in 0..n {
            let l = &self.lines[i];
            self.plan.references.extend(l.doc_numbers.iter().cloned());
            for d in l.dated.iter().filter(|d| !d.yearless) {
                if d.month.is_some() && d.day.is_some() || d.month_day.is_some() {
                    let raw = self.ctx.raw(d.start, d.end);
                    let date_end = if d.before || d.done {
                        None
                    } else {
                        Some(d.end)
                    };
                    if let Some(end) = date_end {
                        let _ = end;
                        self.plan.dates.push(DateMention {
                            fix: d.fix(&self.ctx.plain(d.start, d.end)),
                            raw,
                            date: d.full_date(),
                            damaged: d.damaged(),
                            span: self.ctx.span(d.start, d.end),
                        });
                    }
                }
            }
        }
        // Own document number: one standing alone on its line, before the body
        // ends (cited numbers stand inside sentences).
        // A page's metadata block gives it after its label (`发文字号：…`).
        let standalone = |l: &Line| -> Option<DocNumber> {
            let d = l.doc_numbers.first()?;
            let t = &self.ctx.text[l.text.clone()];
            let t = ["发文字号", "文号"]
                .iter()
                .find_map(|w| t.strip_prefix(w))
                .and_then(|r| r.trim_start_matches(is_space).strip_prefix(['：', ':']))
                .map_or(t, |r| r.trim_start_matches(is_space));
            (l.doc_numbers.len() == 1 && t.len() == d.span.len()).then(|| d.clone())
        };
        self.plan.doc_number = self.lines.iter().find_map(standalone);
        // Issue date: a date standing alone on its line (the dated signature),
        // else the imprint `…2020年9月17日印发`.
        let alone = (0..n).find_map(|i| {
            let l = &self.lines[i];
            let d = l.dated.first()?;
            let t = self.text(i);
            (l.dated.len() == 1
                && t.len() == d.end - d.start
                && (d.full_date().is_some() || d.month_day.is_some()))
            .then_some((i, d))
        });
        // The signature in Chinese numerals (`二〇二四年三月十五日`), where no
        // date in digits stands alone.
        let in_numerals = || {
            (0..n).find_map(|i| {
                let t = self.text(i);
                let first = t.chars().next()?;
                if !matches!(first, '〇' | '○' | '零' | '一' | '二') || !t.ends_with(['日', '号'])
                {
                    return None;
                }
                let date = cn_date(PlanParser::parse(Rule::cn_date_line, t).ok()?)?;
                let l = &self.lines[i];
                let start = l.start + self.leading_space(i);
                Some((i, date, start, start + t.len()))
            })
        };
        let numerals = if alone.is_none() { in_numerals() } else { None };
        let signed_by = alone
            .map(|(i, _)| i)
            .or(numerals.map(|(i, ..)| i))
            .and_then(|i| self.signature_issuer(i));
        let alone = alone.map(|(_, d)| d);
        if let Some((_, date, start, end)) = numerals {
            self.plan.issued = Some(date);
            self.plan.issued_mention = Some(DateMention {
                raw: self.ctx.raw(start, end),
                date: Some(date),
                damaged: false,
                fix: None,
                span: self.ctx.span(start, end),
            });
        }
        let imprint = || {
            (0..n).rev().find_map(|i| {
                let t = self.text(i);
                if is_imprint(t) {
                    self.lines[i].dated.last()
                } else {
                    None
                }
            })
        };
        if let Some(d) = alone.or_else(|| numerals.is_none().then(imprint).flatten()) {
            let raw = self.ctx.raw(d.start, d.end);
            self.plan.issued = d.full_date();
            self.plan.issued_mention = Some(DateMention {
                fix: d.fix(&self.ctx.plain(d.start, d.end)),
                raw,
                date: d.full_date(),
                damaged: d.damaged(),
                span: self.ctx.span(d.start, d.end),
            });
        }
        // Issuer: the body named before 关于 in the notice, else the header `X文件`.
        for i in 0..body_start.min(n) {
            let t = self.text(i);
            let rule = if t.contains("关于") {
                Rule::notice_line
            } else if ends_with_word(t, "文件") {
                Rule::header_line
            } else {
                continue;
            };
            if let Ok(mut pairs) = PlanParser::parse(rule, t) {
                let issuer = pairs
                    .next()
                    .and_then(|p| p.into_inner().find(|p| p.as_rule() == Rule::issuer))
                    .map(|p| {
                        p.as_str()
                            .trim_matches(is_space)
                            .trim_start_matches(['【', '['])
                            .to_string()
                    });
                // A sentence that cites a notice (`为贯彻落实…印发的《关于…》`) names
                // no issuer of this plan.
                if let Some(issuer) = issuer.filter(|s| {
                    !s.is_empty()
                        && s.chars().count() <= 40
                        && !s.contains(['。', '，', ',', '《', '》'])
                }) {
                    // Drop a leading tag like `【地方】(2020)`.
                    let issuer = issuer
                        .rsplit([')', '）', '】'])
                        .next()
                        .unwrap_or(&issuer)
                        .to_string();
                    if let Some(issuer) = body_names(&issuer) {
                        self.plan.issuer = Some(issuer);
                        break;
                    }
                }
            }
        }
        if self.plan.issuer.is_none() {
            // The page's metadata block (`发布机构：…`).
            self.plan.issuer = (0..body_start.min(n)).find_map(|i| {
                let t = self.text(i);
                let rest = ["发布机构", "发文机关", "发文单位"]
                    .iter()
                    .find_map(|w| t.strip_prefix(w))?;
                body_names(
                    rest.trim_start_matches(is_space)
                        .strip_prefix(['：', ':'])?,
                )
            });
        }
        if self.plan.issuer.is_none() {
            self.plan.issuer = (0..body_start.min(n)).find_map(|i| self.news_issuer(i));
        }
        if self.plan.issuer.is_none() {
            self.plan.issuer = signed_by;
        }
    }

    /// The issuer that signs above the dated signature on line `date`: the
    /// lines just before it that are each the name of a body, or two names
    /// set apart by spaces (`中共浙江省委办公厅` / `浙江省人民政府办公厅`, read as
    /// `中共浙江省委办公厅、浙江省人民政府办公厅`, as a notice names them).
    fn signature_issuer(&self, date: usize) -> Option<String> {
        let mut names: Vec<&str> = Vec::new();
        let mut i = date;
        while i > 0 && names.len() < 4 {
            i -= 1;
            let t = self.text(i);
            if t.is_empty() {
                if names.is_empty() {
                    continue;
                }
                break;
            }
            let line: Vec<&str> = t.split(is_space).filter(|w| !w.is_empty()).collect();
            if !line.iter().all(|w| is_body_name(w)) {
                break;
            }
            names.splice(0..0, line);
        }
        (!names.is_empty() && names.len() <= 4).then(|| names.join("、"))
    }

    /// The issuer a news page names before the plan's title:
    /// `近日，成都市委办公厅、市政府办公厅印发了《成都市加强…实施方案》` gives
    /// `成都市委办公厅、市政府办公厅`. Only where the title in 《》 is the plan's
    /// own: `…国务院办公厅印发的《关于强化知识产权保护的意见》` names another
    /// document's issuer.
    fn news_issuer(&self, i: usize) -> Option<String> {
        let title = self.plan.title.as_deref()?;
        let t = self.text(i);
        let (before, after) = ["印发了《", "印发《"]
            .iter()
            .find_map(|w| t.split_once(w))?;
        // The page may cite the title without its period, or with it.
        let cited = after.split_once('》')?.0.trim_matches(is_space);
        let (short, long) = if cited.len() <= title.len() {
            (cited, title)
        } else {
            (title, cited)
        };
        if !long.starts_with(short) || short.chars().count() < 8 {
            return None;
        }
        // The clause before 印发, less a lead-in such as `近日`.
        let clause = before
            .rsplit(['，', ',', '。', '：', ':', '；', ';'])
            .next()?
            .trim_matches(is_space);
        let issuer = ["近日", "日前", "近期", "最近"]
            .iter()
            .find_map(|w| clause.strip_prefix(w))
            .unwrap_or(clause)
            .trim_matches(is_space);
        // `关于印发《…》的通知` without its issuer names none.
        if issuer.ends_with("关于") {
            return None;
        }
        (!issuer.is_empty() && issuer.chars().count() <= 40 && !issuer.contains(['《', '“']))
            .then(|| issuer.to_string())
    }

    /// Which numbered level holds the tasks: the one whose items carry the most
    /// brackets that name owners, else the most brackets (a step's
    /// `（2024年3月底前）` names none), else the one with the most items (ties
    /// go to the deeper level).
    fn task_level(&self, body_start: usize) -> Option<Level> {
        let mut count: HashMap<Level, (usize, usize, usize)> = HashMap::new();
        let owners = |l: &Line| usize::from(l.brackets.iter().any(|b| !b.owners.is_empty()));
        let mut last_marked: Option<Level> = None;
        for l in &self.lines[body_start..] {
            if let Some(m) = &l.marker {
                if m.level != Level::Chapter && l.end > m.end {
                    let c = count.entry(m.level).or_default();
                    c.2 += 1;
                    c.1 += usize::from(!l.brackets.is_empty());
                    c.0 += owners(l);
                    last_marked = Some(m.level);
                    continue;
                }
                last_marked = None;
            } else if matches!(l.kind, LineKind::BracketOnly | LineKind::Labelled) {
                if let Some(level) = last_marked {
                    let c = count.entry(level).or_default();
                    c.1 += 1;
                    c.0 += owners(l);
                }
            }
        }
        count
            .into_iter()
            .max_by_key(|&(level, (owned, brackets, items))| (owned, brackets, items, level))
            .map(|(l, _)| l)
    }

    /// The task-level lines that head tasks of their own: where the tasks are
    /// `（一）` sections, a `（三）推进智慧医疗建设。` that carries no bracket while
    /// most of the items under it (`1.`, `2.`, at least two) carry one each is
    /// a section, and those items are the tasks. (One bracket after the last
    /// item is the section's own: its items are the steps of one task.)
    fn headings_of_tasks(
        &self,
        body_start: usize,
        task_level: Option<Level>,
        table: Option<usize>,
    ) -> Vec<Heading> {
        let n = self.lines.len();
        let mut out = vec![Heading::No; n];
        // Whether the marked line at `i` names owners: in a bracket on its
        // line, or on a bracket or labelled line before the next marked line
        // (a bracket of a time limit alone, `（2024年3月底前）`, assigns nothing).
        let owners = |l: &Line| l.brackets.iter().any(|b| !b.owners.is_empty());
        let carries = |i: usize| {
            owners(&self.lines[i])
                || self.lines[i + 1..]
                    .iter()
                    .take_while(|l| l.marker.is_none())
                    .any(|l| {
                        matches!(l.kind, LineKind::BracketOnly | LineKind::Labelled) && owners(l)
                    })
        };
        // A task table (任务分工表, often the annex) that assigns owners: its rows
        // are the tasks, and the points of the body before it that carry no
        // bracket are their headings, not tasks without owners.
        if let (Some(h), Some(level)) = (table, task_level) {
            if self.table_columns(h).is_some_and(|c| !c.owners.is_empty()) {
                for (i, heading) in out.iter_mut().enumerate().take(h).skip(body_start) {
                    let l = &self.lines[i];
                    if l.marker.as_ref().is_some_and(|m| m.level == level) && !carries(i) {
                        *heading = Heading::NotATask;
                    }
                }
            }
        }
        if task_level != Some(Level::Section) {
            return out;
        }
        for (i, heading) in out.iter_mut().enumerate().skip(body_start) {
            let level = |l: &Line| l.marker.as_ref().map(|m| m.level);
            if level(&self.lines[i]) != Some(Level::Section) || carries(i) {
                continue;
            }
            let (mut items, mut with_bracket) = (0, 0);
            for j in i + 1..n {
                let l = &self.lines[j];
                match &l.marker {
                    Some(m) if m.level <= Level::Section => break,
                    Some(m) if m.level == Level::Item => {
                        items += 1;
                        with_bracket += usize::from(carries(j));
                    }
                    _ => {}
                }
            }
            if with_bracket >= 2 && with_bracket * 2 > items {
                *heading = Heading::OfTasks;
            }
        }
        self.safeguard_sections(body_start, &mut out);
        out
    }

    /// Marks the `（一）` entries of a closing chapter of safeguards
    /// (`三、保障措施`: `（一）加强组织领导`) as sections, where the plan's tasks
    /// carry brackets elsewhere and none of that chapter's lines does: they
    /// say how the plan is to be carried out, and are no tasks to assign.
    fn safeguard_sections(&self, body_start: usize, out: &mut [Heading]) {
        const SAFEGUARDS: [&str; 10] = [
            "保障措施",
            "保障机制",
            "组织保障",
            "工作保障",
            "实施保障",
            "支撑保障",
            "工作要求",
            "组织实施",
            "实施要求",
            "有关要求",
        ];
        let level = |l: &Line| l.marker.as_ref().map(|m| m.level);
        let carries = |l: &Line| {
            !l.brackets.is_empty() || matches!(l.kind, LineKind::BracketOnly | LineKind::Labelled)
        };
        let lines = &self.lines[body_start..];
        let chapters: Vec<usize> = (0..lines.len())
            .filter(|&i| level(&lines[i]) == Some(Level::Chapter))
            .collect();
        let mut safeguards = Vec::new();
        let mut elsewhere = 0;
        for (k, &c) in chapters.iter().enumerate() {
            let end = chapters.get(k + 1).copied().unwrap_or(lines.len());
            let l = &lines[c];
            let title = &self.ctx.text[l.marker.as_ref().map_or(l.start, |m| m.end)..l.end];
            let with_brackets = lines[c..end].iter().filter(|l| carries(l)).count();
            // The title is the word, or the word after a verb (`强化组织保障`):
            // `健全要素保障机制` is a chapter of tasks.
            let title = title.trim_matches(|c: char| is_space(c) || "。．.，,：:".contains(c));
            let n = title.chars().count();
            if with_brackets == 0
                && SAFEGUARDS
                    .iter()
                    .any(|w| title.ends_with(w) && n <= w.chars().count() + 2)
            {
                safeguards.push(c..end);
            } else {
                elsewhere += with_brackets;
            }
        }
        if elsewhere < 2 {
            return;
        }
        for range in safeguards {
            for i in range {
                if level(&lines[i]) == Some(Level::Section) {
                    out[body_start + i] = Heading::NotATask;
                }
            }
        }
    }

    fn structure(&mut self, body_start: usize) {
        let n = self.lines.len();
        let task_level = self.task_level(body_start);
        let table_header = self.find_table(body_start);
        let headings = self.headings_of_tasks(body_start, task_level, table_header);
        // A task is a line with a marker or a table row: room for all of them
        // at once (a task is large, and growing the list moved every task).
        let room = self.lines[body_start.min(n)..]
            .iter()
            .filter(|l| matches!(l.kind, LineKind::Marked | LineKind::TableRow))
            .count();
        self.plan.tasks.reserve(room);
        // Under a section of `headings`: its items are tasks.
        let mut items_are_tasks = false;
        let mut first_leads = false;
        let mut current_task: Option<usize> = None;
        // Whether the current task still takes following paragraphs as its body.
        let mut absorbing = false;
        let mut i = body_start;
        let mut table_columns: Option<TableColumns> = None;
        let mut bracket_style = 0usize;
        // Under a framework part (`（二）发展目标`): its text is the chapter's goal.
        let mut framework = false;
        while i < n {
            let l = &self.lines[i];
            if let Some(h) = table_header.filter(|&h| h == i) {
                table_columns = self.table_columns(h);
                i += 1;
                continue;
            }
            match l.kind {
                LineKind::Blank => {}
                LineKind::TableRow if table_columns.is_some() => {
                    if let Some(cols) = &table_columns {
                        if let Some(t) = self.table_task(i, cols, &mut first_leads) {
                            self.push_task(t);
                            current_task = None;
                        }
                    }
                }
                LineKind::Marked => {
                    let m = l.marker.clone().expect("a marked line has its marker");
                    if m.level <= Level::Section {
                        items_are_tasks = headings[i] == Heading::OfTasks;
                    }
                    let role = match (m.level, task_level) {
                        _ if headings[i] != Heading::No => Role2::Section,
                        (Level::Item, _) if items_are_tasks => Role2::Task,
                        (Level::Chapter, _) => Role2::Chapter,
                        (lv, Some(tl)) if lv == tl => Role2::Task,
                        (lv, Some(tl)) if lv < tl => Role2::Section,
                        (_, Some(_)) => Role2::SubPoint,
                        (_, None) => Role2::Section,
                    };
                    match role {
                        Role2::Chapter => {
                            self.open_chapter(Some(&m), i, i);
                            current_task = None;
                            framework = false;
                        }
                        Role2::Section => {
                            self.open_section(&m, i);
                            current_task = None;
                            framework = self.is_framework(i, &m);
                        }
                        Role2::Task if self.is_framework(i, &m) => {
                            self.open_section(&m, i);
                            current_task = None;
                            framework = true;
                        }
                        Role2::Task => {
                            framework = false;
                            let t = self.start_task(&m, i, &mut first_leads);
                            bracket_style += usize::from(t.bracket.is_some());
                            absorbing = !self.ends_sentence(i)
                                || self.lines[i].chars - m.raw.chars().count() <= 40
                                    && !self.has_sentence_punct(i)
                                || self.is_title_sentence(i, &m);
                            current_task = Some(self.push_task(t));
                        }
                        Role2::SubPoint => {
                            if let Some(t) = current_task {
                                self.extend_task(t, i, &mut first_leads);
                            }
                        }
                    }
                }
                LineKind::BracketOnly | LineKind::Labelled => {
                    if let Some(t) = current_task {
                        // Also after the brackets of its steps' time limits
                        // (`1.开展摸底调查（2024年3月底前）。` …): a task without
                        // owners takes the bracket that names them.
                        let task = &self.plan.tasks[t];
                        if task.bracket.is_none()
                            || task.owners.is_empty()
                            || l.kind == LineKind::Labelled
                        {
                            self.attach_bracket(t, i, &mut first_leads);
                            bracket_style += 1;
                        }
                    }
                }
                LineKind::Text | LineKind::TableRow => {
                    if let Some(k) = self.unnumbered_heading(i) {
                        self.open_chapter(None, i, k);
                        current_task = None;
                        items_are_tasks = false;
                        i = k + 1;
                        continue;
                    }
                    if self.is_closing_line(i) {
                        current_task = None;
                        absorbing = false;
                    } else if let Some(t) = current_task {
                        let takes_bracket = self.plan.tasks[t].bracket.is_none()
                            && bracket_style > 0
                            && l.brackets.last().is_some_and(|b| b.end + 3 >= l.end);
                        if absorbing || takes_bracket {
                            self.extend_task(t, i, &mut first_leads);
                            absorbing = !self.ends_sentence(i) || absorbing;
                        } else {
                            current_task = None;
                        }
                    } else {
                        self.chapter_text(i, framework);
                    }
                }
            }
            i += 1;
        }
        // Close the text of every task: the owners found in brackets and
        // labelled lines were gathered as the lines came.
        for t in 0..self.plan.tasks.len() {
            self.finish_task(t);
        }
    }

    /// A signature, date or imprint line: the plan's text has ended.
    fn is_closing_line(&self, i: usize) -> bool {
        let l = &self.lines[i];
        let t = self.text(i);
        (l.dated
            .iter()
            .any(|d| d.full_date().is_some() || d.month_day.is_some())
            && l.chars <= 40)
            || is_imprint(t)
            || (t.starts_with(['（', '(']) && t.ends_with(['）', ')']) && l.chars <= 20)
    }

    /// A heading without a number (`总体要求`, `重点任务`, `强化保护措施,` +
    /// `严格落实知识产权严保护政策`): a short line with no sentence punctuation,
    /// followed by a heading, an item or a paragraph. Returns its last line.
    fn unnumbered_heading(&self, i: usize) -> Option<usize> {
        let fits = |k: usize| -> bool {
            let l = &self.lines[k];
            let t = self.text(k);
            l.kind == LineKind::Text
                && l.chars <= 30
                && l.brackets.is_empty()
                && l.doc_numbers.is_empty()
                && l.dated
                    .iter()
                    .all(|d| d.full_date().is_none() && d.month_day.is_none())
                && !t.contains(['。', '；', ';', '：', ':', '！', '？', '《', '（', '('])
                && !self.is_closing_line(k)
        };
        if !fits(i) {
            return None;
        }
        // A heading broken over two lines: the first part ends with a comma, or
        // the second part directly follows and itself heads something.
        let mut last = i;
        if i + 1 < self.lines.len()
            && fits(i + 1)
            && (self.text(i).ends_with(['，', ',']) || self.text(i).chars().count() <= 15)
        {
            last = i + 1;
        }
        let next = (last + 1..self.lines.len()).find(|&k| self.lines[k].kind != LineKind::Blank)?;
        if is_part_heading(self.text(i)) {
            // `第一部分　总体要求` heads a part of the plan, whatever follows it.
            return Some(last);
        }
        let nl = &self.lines[next];
        let heads_something = match nl.kind {
            LineKind::Marked => true,
            LineKind::Text => nl.chars > 30 && !self.is_closing_line(next),
            LineKind::TableRow => true,
            _ => false,
        };
        heads_something.then_some(last)
    }

    fn open_chapter(&mut self, m: Option<&Marker>, first: usize, last: usize) {
        let (start, title) = match m {
            Some(m) => (
                m.start,
                self.ctx
                    .raw(m.end, self.lines[first].end)
                    .trim_matches(is_space)
                    .to_string(),
            ),
            None => {
                let s = self.lines[first].start + self.leading_space(first);
                let title: String = (first..=last).map(|k| self.text(k)).collect();
                (s, title)
            }
        };
        let end = self.lines[last].end;
        let index = self.plan.chapters.len();
        self.plan.chapters.push(Chapter {
            index,
            number: m.and_then(|m| m.number),
            marker: m.map(|m| m.raw.clone()),
            title,
            span: self.ctx.span(start, end),
            goal: None,
            sections: Vec::new(),
            tasks: Vec::new(),
        });
    }

    fn leading_space(&self, i: usize) -> usize {
        let l = &self.lines[i];
        let s = &self.ctx.text[l.start..l.end];
        s.len() - s.trim_start_matches(is_space).len()
    }

    fn ensure_chapter(&mut self) -> usize {
        if self.plan.chapters.is_empty() {
            self.plan.chapters.push(Chapter {
                index: 0,
                number: None,
                marker: None,
                title: String::new(),
                span: self.ctx.span(0, 0),
                goal: None,
                sections: Vec::new(),
                tasks: Vec::new(),
            });
        }
        self.plan.chapters.len() - 1
    }

    fn open_section(&mut self, m: &Marker, i: usize) {
        let c = self.ensure_chapter();
        let l = &self.lines[i];
        let line_text = self.ctx.raw(m.end, l.end);
        let title = line_text
            .split_once('。')
            .map_or(line_text.as_str(), |(head, _)| head)
            .trim_matches(is_space)
            .to_string();
        let chapter = &mut self.plan.chapters[c];
        let index = chapter.sections.len();
        chapter.sections.push(Section {
            index,
            number: m.number,
            marker: Some(m.raw.clone()),
            title,
            span: self.ctx.span(m.start, l.end),
            tasks: Vec::new(),
        });
    }

    /// A paragraph of a chapter outside its tasks: part of the chapter's goal
    /// when it sets a target year or quantities before the first task. A goal
    /// may take several paragraphs (`到2020年，…` then `到2025年，…`): each
    /// such paragraph is added to it.
    /// `framework`: the paragraph stands under a framework part (`发展目标`),
    /// which is a section of the chapter but does not end its preamble.
    fn chapter_text(&mut self, i: usize, framework: bool) {
        let Some(c) = self.plan.chapters.len().checked_sub(1) else {
            return;
        };
        let chapter = &self.plan.chapters[c];
        if !chapter.tasks.is_empty() || (!chapter.sections.is_empty() && !framework) {
            return;
        }
        let l = &self.lines[i];
        if l.goal_years.is_empty() && l.targets.is_empty() {
            return;
        }
        let s = l.start + self.leading_space(i);
        if let Some(goal) = &mut self.plan.chapters[c].goal {
            goal.text.push('\n');
            goal.text
                .push_str(self.ctx.raw(s, l.end).trim_end_matches(is_space));
            goal.targets.extend(l.targets.iter().cloned());
            goal.year = goal.year.or(l.goal_years.first().map(|g| g.0));
            goal.span.end = l.end;
            return;
        }
        let goal = Goal {
            year: l.goal_years.first().map(|g| g.0),
            text: self
                .ctx
                .raw(s, l.end)
                .trim_end_matches(is_space)
                .to_string(),
            targets: l.targets.clone(),
            span: self.ctx.span(s, l.end),
        };
        self.plan.chapters[c].goal = Some(goal);
    }

    fn start_task(&mut self, m: &Marker, i: usize, first_leads: &mut bool) -> Task {
        let chapter = self.plan.chapters.len().checked_sub(1);
        // A task of the section level belongs to no section (one before it in
        // its chapter heads other tasks).
        let section = chapter
            .filter(|_| m.level > Level::Section)
            .and_then(|c| self.plan.chapters[c].sections.len().checked_sub(1));
        let mut path = Vec::new();
        if let Some(c) = chapter {
            let ch = &self.plan.chapters[c];
            path.push(ch.marker.clone().unwrap_or_else(|| ch.title.clone()));
            if let Some(s) = section {
                path.push(ch.sections[s].marker.clone().unwrap_or_default());
            }
        }
        path.push(m.raw.clone());
        let l = &self.lines[i];
        let mut task = Task {
            index: 0,
            number: m.number.unwrap_or(0),
            marker: m.raw.clone(),
            level: m.level,
            path,
            chapter,
            section,
            title: None,
            text: String::new(),
            owners: Vec::new(),
            deadline: Deadline::default(),
            targets: Vec::new(),
            bracket: None,
            span: self.ctx.span(m.start, l.end),
        };
        self.take_line(&mut task, i, l.content_start, first_leads);
        task
    }

    fn push_task(&mut self, mut t: Task) -> usize {
        let index = self.plan.tasks.len();
        t.index = index;
        if let Some(c) = t.chapter {
            self.plan.chapters[c].tasks.push(index);
            if let Some(s) = t.section {
                self.plan.chapters[c].sections[s].tasks.push(index);
            }
        }
        self.plan.tasks.push(t);
        index
    }

    fn extend_task(&mut self, t: usize, i: usize, first_leads: &mut bool) {
        let mut task = std::mem::replace(&mut self.plan.tasks[t], placeholder_task());
        let l = &self.lines[i];
        let start = l.start + self.leading_space(i);
        task.text.push('\n');
        self.take_line(&mut task, i, start, first_leads);
        task.span.end = l.end;
        self.plan.tasks[t] = task;
    }

    fn attach_bracket(&mut self, t: usize, i: usize, first_leads: &mut bool) {
        let l = &self.lines[i];
        let mut task = std::mem::replace(&mut self.plan.tasks[t], placeholder_task());
        for b in &l.brackets {
            self.apply_bracket(&mut task, b, first_leads);
        }
        task.span.end = l.end;
        self.plan.tasks[t] = task;
    }

    /// Adds the text, brackets, deadlines and targets of line `i` (from byte
    /// `from`) to `task`.
    fn take_line(&self, task: &mut Task, i: usize, from: usize, first_leads: &mut bool) {
        let l = &self.lines[i];
        // The task's text leaves out its responsibility brackets.
        let mut pos = from;
        let mut text = String::new();
        for b in &l.brackets {
            if b.start >= pos {
                text.push_str(&self.ctx.raw(pos, b.start));
                pos = b.end;
            }
        }
        text.push_str(&self.ctx.raw(pos, l.end));
        task.text.push_str(text.trim_matches(is_space));
        for b in &l.brackets {
            self.apply_bracket(task, b, first_leads);
        }
        task.targets
            .extend(l.targets.iter().filter(|t| t.span.start >= from).cloned());
        if task.deadline.kind == DeadlineKind::None {
            if let Some(d) = l
                .dated
                .iter()
                .find(|d| d.start >= from && d.is_text_deadline())
            {
                task.deadline = self.deadline_of(d);
            } else if let Some(r) = l
                .recurring
                .iter()
                .find(|r| r.span.is_some_and(|s| s.start >= from))
            {
                task.deadline = r.clone();
            }
        }
        if task.deadline.kind == DeadlineKind::None {
            if let Some(&(n, working, months, s, e)) = l.since_issue.iter().find(|d| d.3 >= from) {
                let issued = self.plan.issued;
                task.deadline = Deadline {
                    kind: DeadlineKind::Dated,
                    date: issued.and_then(|d| {
                        if months {
                            d.plus_months(n)
                        } else {
                            d.plus_days(n, working)
                        }
                    }),
                    raw: Some(self.ctx.raw(s, e)),
                    span: Some(self.ctx.span(s, e)),
                    ..Deadline::default()
                };
            }
        }
        if task.deadline.kind == DeadlineKind::None {
            if let Some(&(y, s, e)) = l.goal_years.iter().find(|g| g.1 >= from) {
                task.deadline = Deadline {
                    kind: DeadlineKind::Dated,
                    date: Date::end_of_month(y, 12),
                    raw: Some(self.ctx.raw(s, e)),
                    span: Some(self.ctx.span(s, e)),
                    ..Deadline::default()
                };
            }
        }
    }

    fn apply_bracket(&self, task: &mut Task, b: &BracketRead, first_leads: &mut bool) {
        *first_leads |= b.convention;
        let mut owners = b.owners.clone();
        // The convention names a lead only where the first is one unit: in
        // `（各有关部门和单位，各省级人民政府按职责分工负责）` each answers for its
        // own part.
        if *first_leads && !b.explicit_lead {
            if let Some(first) = owners.first_mut().filter(|o| !o.is_collective()) {
                first.role = Role::Lead;
                first.wording = "列第一位者为牵头单位".to_string();
            }
        }
        task.owners.extend(owners);
        // A bracket's time limit overrides one read from running text; of a
        // task's brackets, the latest date holds (steps `1.…（2024年3月底前）`
        // `2.…（2024年12月底前）`: the task is done with its last step).
        if let Some(d) = &b.deadline {
            let deadline = match &b.yearless {
                Some(y) => self.deadline_of(y),
                None => d.clone(),
            };
            let later = task.deadline.kind == DeadlineKind::Dated
                && deadline.kind == DeadlineKind::Dated
                && deadline.date > task.deadline.date;
            if task.bracket.is_none() || task.deadline.kind == DeadlineKind::None || later {
                task.deadline = deadline;
            }
        }
        let raw = self.ctx.raw(b.start, b.end);
        match &mut task.bracket {
            Some(existing) => {
                existing.raw.push('\n');
                existing.raw.push_str(&raw);
                existing.span.end = b.end;
                existing.open_ended |= b.open_ended;
            }
            None => {
                task.bracket = Some(Bracket {
                    raw,
                    span: self.ctx.span(b.start, b.end),
                    first_leads: *first_leads,
                    open_ended: b.open_ended,
                })
            }
        }
    }

    fn finish_task(&mut self, t: usize) {
        let task = &mut self.plan.tasks[t];
        // A heading of its own (`（三）完善侵权赔偿制度` + paragraph), or a short
        // first sentence that names the task (`深化…执法协调机制。充分…`).
        let first_line = task.text.lines().next().unwrap_or("");
        if task.text.contains('\n')
            && !first_line.ends_with(['。', '；', ';'])
            && first_line.chars().count() <= 40
        {
            task.title = Some(first_line.trim_end_matches(['，', ',']).to_string());
        } else if let Some((head, rest)) = first_line.split_once('。') {
            let short = head.chars().count() <= 20
                || (head.chars().count() <= 40 && !head.contains(['，', ',', '；', ';']));
            if !rest.trim().is_empty() && short {
                task.title = Some(head.to_string());
            }
        }
    }

    fn index_units(&mut self) {
        let mut by_name: HashMap<String, usize> = HashMap::new();
        let mut units: Vec<Unit> = Vec::new();
        for task in &self.plan.tasks {
            for o in &task.owners {
                let u = *by_name.entry(o.unit.clone()).or_insert_with(|| {
                    units.push(Unit {
                        name: o.unit.clone(),
                        tasks: Vec::new(),
                        lead: 0,
                        responsible: 0,
                        cooperate: 0,
                    });
                    units.len() - 1
                });
                let unit = &mut units[u];
                if unit.tasks.last() != Some(&task.index) {
                    unit.tasks.push(task.index);
                    match o.role {
                        Role::Lead => unit.lead += 1,
                        Role::Responsible => unit.responsible += 1,
                        Role::Cooperate => unit.cooperate += 1,
                    }
                }
            }
        }
        self.plan.units = units;
    }

    // ── Task tables (任务分工表): tab-separated rows, as .docx tables load ──

    fn find_table(&self, body_start: usize) -> Option<usize> {
        (body_start..self.lines.len())
            .find(|&i| self.lines[i].kind == LineKind::TableRow && self.table_columns(i).is_some())
    }

    /// Reads a header row: which column holds the number, the task, the owners
    /// of each role and the time limit.
    fn table_columns(&self, i: usize) -> Option<TableColumns> {
        let l = &self.lines[i];
        let mut cols = TableColumns::default();
        for (k, &(s, e)) in l.cells.iter().enumerate() {
            let cell = self.ctx.text[s..e].trim_matches(is_space);
            if cell.is_empty() {
                continue;
            }
            if PlanParser::parse(Rule::owner_label, cell)
                .is_ok_and(|p| p.as_str() == cell || cell.len() <= 12)
            {
                if let Ok(mut p) = PlanParser::parse(Rule::owner_label, cell) {
                    let role = match p
                        .next()
                        .and_then(|p| p.into_inner().next())
                        .map(|p| p.as_rule())
                    {
                        Some(Rule::lead_label) => Role::Lead,
                        Some(Rule::coop_label) => Role::Cooperate,
                        _ => Role::Responsible,
                    };
                    cols.owners.push((k, role, cell.to_string()));
                    continue;
                }
            }
            if PlanParser::parse(Rule::deadline_label, cell).is_ok() {
                cols.deadline = Some(k);
            } else if cell.contains("序号") || cell == "编号" {
                cols.number = Some(k);
            } else if cell.contains("任务")
                || cell.contains("内容")
                || cell.contains("措施")
                || cell.contains("事项")
            {
                cols.task.get_or_insert(k);
            }
        }
        // A task heading merged over several columns (`colspan`) leaves empty
        // header cells after it: the task is read from all of them.
        if let Some(t) = cols.task {
            cols.task_width = 1 + l.cells[t + 1..]
                .iter()
                .take_while(|&&(s, e)| self.ctx.text[s..e].trim_matches(is_space).is_empty())
                .count();
        }
        (cols.task.is_some() && (!cols.owners.is_empty() || cols.deadline.is_some()))
            .then_some(cols)
    }

    fn table_task(&self, i: usize, cols: &TableColumns, first_leads: &mut bool) -> Option<Task> {
        let l = &self.lines[i];
        let cell = |k: usize| l.cells.get(k).map(|&(s, e)| (s, e));
        let first = cols.task?;
        let (ts, _) = cell(first)?;
        let te = (first..first + cols.task_width).rev().find_map(cell)?.1;
        let text = (first..first + cols.task_width)
            .filter_map(cell)
            .map(|(s, e)| self.ctx.raw(s, e).trim_matches(is_space).to_string())
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join("：");
        if text.is_empty() {
            return None;
        }
        let number = match cols.number.and_then(cell) {
            Some((s, e)) => self.ctx.text[s..e]
                .trim_matches(is_space)
                .trim_end_matches(['.', '．', '、'])
                .parse()
                .ok()?,
            None => self.plan.tasks.len() as u32 + 1,
        };
        let chapter = self.plan.chapters.len().checked_sub(1);
        let mut task = Task {
            index: 0,
            number,
            marker: number.to_string(),
            level: Level::Row,
            path: chapter
                .map(|c| self.plan.chapters[c].marker.clone().unwrap_or_default())
                .into_iter()
                .chain([number.to_string()])
                .collect(),
            chapter,
            section: None,
            title: None,
            text,
            owners: Vec::new(),
            deadline: Deadline::default(),
            targets: l
                .targets
                .iter()
                .filter(|t| t.span.start >= ts && t.span.end <= te)
                .cloned()
                .collect(),
            bracket: None,
            span: self.ctx.span(l.start + self.leading_space(i), l.end),
        };
        let mut b = BracketRead::new(l.start, l.end);
        for (k, role, label) in &cols.owners {
            let Some((s, e)) = cell(*k) else { continue };
            let src = &self.ctx.text[s..e];
            if let Ok(pairs) = PlanParser::parse(Rule::cell_units, src) {
                for p in pairs.flatten().filter(|p| p.as_rule() == Rule::unit_group) {
                    read_unit_group(self.ctx, p, s, *role, label, &mut b);
                }
            } else if let Ok(mut pairs) = PlanParser::parse(Rule::cell_clauses, src) {
                // Each unit has the role its clause gives, not the column's.
                for clause in pairs.next().into_iter().flat_map(|p| p.into_inner()) {
                    read_clause(self.ctx, clause, s, &mut b);
                }
            }
            b.explicit_lead |= *role == Role::Lead;
        }
        if let Some((s, e)) = cols.deadline.and_then(cell) {
            let src = &self.ctx.text[s..e];
            if let Ok(mut pairs) = PlanParser::parse(Rule::cell_deadline, src) {
                if let Some(dc) = pairs.next().and_then(|p| {
                    p.into_inner()
                        .find(|p| matches!(p.as_rule(), Rule::deadline_clause | Rule::span_clause))
                }) {
                    if let Some(read) = read_deadline_clause(self.ctx, dc, s, true) {
                        b.take_deadline(read);
                    }
                }
            }
        }
        if !b.owners.is_empty() || b.deadline.is_some() {
            self.apply_bracket(&mut task, &b, first_leads);
        }
        Some(task)
    }
}

#[derive(Debug, Default, Clone)]
struct TableColumns {
    number: Option<usize>,
    task: Option<usize>,
    /// How many columns the task heading spans.
    task_width: usize,
    owners: Vec<(usize, Role, String)>,
    deadline: Option<usize>,
}

fn placeholder_task() -> Task {
    Task {
        index: 0,
        number: 0,
        marker: String::new(),
        level: Level::Item,
        path: Vec::new(),
        chapter: None,
        section: None,
        title: None,
        text: String::new(),
        owners: Vec::new(),
        deadline: Deadline::default(),
        targets: Vec::new(),
        bracket: None,
        span: Span::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A period or a year alone in brackets is no responsibility bracket
    /// (`period_only` says so before the clauses are tried): the scan goes on
    /// inside it and finds the period; a time limit in brackets still is one.
    /// The bounded runs of the grammar, written nested for speed, keep their
    /// bounds: a quantity has 1 to 12 digits and 1 to 6 decimals, an item
    /// marker 1 to 6 digits, a heading number 1 to 6 numerals.
    #[test]
    fn bounded_runs_keep_their_bounds() {
        let whole = |rule: Rule, text: &str| {
            PlanParser::parse(rule, text)
                .ok()
                .and_then(|mut p| p.next())
                .is_some_and(|p| p.as_str() == text)
        };
        for n in 1..=14 {
            let digits = "7".repeat(n);
            assert_eq!(whole(Rule::target, &format!("{digits}个")), n <= 12, "{n}");
            assert_eq!(whole(Rule::target, &format!("3.{digits}倍")), n <= 6, "{n}");
            assert_eq!(
                whole(Rule::item_marker, &format!("{digits}.")),
                n <= 6,
                "{n}"
            );
            assert_eq!(whole(Rule::cn_number, &"七".repeat(n)), n <= 6, "{n}");
        }
    }

    #[test]
    fn a_period_alone_in_brackets_is_no_bracket() {
        let rules = |line: &str| -> Vec<Rule> {
            scan_elements(line, 0, &Default::default())
                .iter()
                .map(|(p, _)| p.as_rule())
                .collect()
        };
        for line in [
            "推进（2021—2025年）。",
            "推进(2020-2021年度)和(2020)。",
            "推进（ 2020 ）。",
            "推进（2020年—2021年）。",
            "推进（2020 - 2022）。",
        ] {
            let found = rules(line);
            assert!(!found.contains(&Rule::resp_bracket), "{line}: {found:?}");
            assert!(PlanParser::parse(
                Rule::resp_bracket,
                &line[line.find(['（', '(']).unwrap()..]
            )
            .is_err());
        }
        assert_eq!(rules("推进（2021—2025年）。"), [Rule::year_range]);
        assert_eq!(rules("推进(2021年底前完成)。"), [Rule::resp_bracket]);
        assert_eq!(rules("推进（2020年）。"), [Rule::resp_bracket]);
        assert_eq!(rules("推进(市司法局负责;2021年)。"), [Rule::resp_bracket]);
    }

    /// A bracket repeated word for word is read once per plan (the memo of
    /// `element_at`): each task still gets its own owners and deadline, placed
    /// in its own line, and a bracket followed by other text is read afresh.
    #[test]
    fn repeated_brackets_read_alike_in_their_own_lines() {
        let text = "一、任务\n1.甲。(市司法局负责;持续推进)\n2.乙。(市司法局负责;持续推进)\n3.丙(市司法局负责;持续推进)和丁。\n";
        let plan = parse_str(text).unwrap();
        assert_eq!(plan.tasks.len(), 3);
        for task in &plan.tasks {
            assert_eq!(task.owners.len(), 1, "{task:?}");
            let owner = &task.owners[0];
            assert_eq!(&text[owner.span.start..owner.span.end], "市司法局");
            assert_eq!(owner.span.line, task.span.line);
            assert_eq!(task.deadline.raw.as_deref(), Some("持续推进"));
            let at = task.deadline.span.unwrap();
            assert_eq!(&text[at.start..at.end], "持续推进");
            assert_eq!(at.line, task.span.line);
        }
        let lines: Vec<u32> = plan.tasks.iter().map(|t| t.owners[0].span.line).collect();
        assert_eq!(lines, [2, 3, 4]);
    }

    /// The elements of a line as the whole-line rule finds them.
    fn reference_elements(text: &str) -> Vec<(Rule, usize, usize)> {
        let mut out = Vec::new();
        let line = PlanParser::parse(Rule::line, text).unwrap().next().unwrap();
        for p in line.into_inner() {
            if p.as_rule() == Rule::content {
                for e in p.into_inner() {
                    out.push((e.as_rule(), e.as_span().start(), e.as_span().end()));
                }
            }
        }
        out
    }

    /// The elements the prefiltered scan finds.
    fn scanned_elements(text: &str) -> Vec<(Rule, usize, usize)> {
        let head_rule = if text.contains('\t') {
            Rule::tabbed_line_head
        } else {
            Rule::line_head
        };
        let head = PlanParser::parse(head_rule, text).unwrap();
        let head_pair = head.clone().next().unwrap();
        let marked = head_pair
            .clone()
            .into_inner()
            .any(|p| p.as_rule() == Rule::marker);
        let shaped = head_pair.into_inner().any(|p| {
            matches!(
                p.as_rule(),
                Rule::bracket_line | Rule::labelled_line | Rule::table_row
            )
        });
        let mut out = Vec::new();
        if shaped {
            return out;
        }
        let from = if marked {
            head.clone().next().unwrap().as_span().end()
        } else {
            0
        };
        for (e, offset) in scan_elements(text, from, &Default::default()) {
            out.push((
                e.as_rule(),
                offset + e.as_span().start(),
                offset + e.as_span().end(),
            ));
        }
        out
    }

    /// Every line of the seeds and fixtures, and lines made to start with
    /// each literal of the rules a line head can start with.
    fn test_lines() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut lines: Vec<String> = Vec::new();
        let mut dirs = vec![root.join("seeds"), root.join("tests/fixtures/plans")];
        for entry in std::fs::read_dir(root.join("rules/fixtures")).unwrap() {
            dirs.push(entry.unwrap().path());
        }
        for dir in dirs {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "txt") {
                    let text = std::fs::read_to_string(path).unwrap();
                    lines.extend(text.lines().map(str::to_string));
                }
            }
        }
        lines
    }

    /// pest runs without its native stack probe (Cargo.toml): that is safe
    /// only while no rule can reach itself, so that the parser's depth is
    /// bounded by the grammar, whatever the input.
    #[test]
    fn grammar_has_no_recursion() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let grammar = std::fs::read_to_string(root.join("grammar/plan.pest")).unwrap();
        // Rule bodies with comments and quoted literals taken out.
        let mut bodies: HashMap<String, String> = HashMap::new();
        let mut current: Option<String> = None;
        for line in grammar.lines() {
            let line = line.split("//").next().unwrap_or("");
            let mut clean = String::new();
            let mut quoted: Option<char> = None;
            for c in line.chars() {
                match quoted {
                    Some(q) if c == q => quoted = None,
                    Some(_) => {}
                    None if c == '"' || c == '\'' => quoted = Some(c),
                    None => clean.push(c),
                }
            }
            if let Some((name, rest)) = clean.split_once('=') {
                let name = name.trim();
                if !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                    current = Some(name.to_string());
                    bodies.insert(name.to_string(), rest.to_string());
                    continue;
                }
            }
            if let Some(name) = &current {
                bodies.get_mut(name).unwrap().push_str(&clean);
            }
        }
        let refs = |body: &str| -> Vec<String> {
            body.split(|c: char| !(c.is_ascii_lowercase() || c == '_'))
                .filter(|w| bodies.contains_key(*w))
                .map(str::to_string)
                .collect()
        };
        assert!(bodies.len() > 100, "the grammar was read: {}", bodies.len());
        for start in bodies.keys() {
            // Every rule reachable from `start`; `start` must not be one.
            let mut seen = std::collections::HashSet::new();
            let mut todo = refs(&bodies[start]);
            while let Some(r) = todo.pop() {
                assert_ne!(&r, start, "rule `{start}` can reach itself");
                if seen.insert(r.clone()) {
                    todo.extend(refs(&bodies[&r]));
                }
            }
        }
    }

    #[test]
    fn head_precheck_misses_nothing() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let grammar = std::fs::read_to_string(root.join("grammar/plan.pest")).unwrap();
        let mut lines = test_lines();
        // Every label of `owner_label` and `deadline_label` (the rules are
        // factored, so the words are listed here: keep them in step).
        let labels = [
            "牵头单位",
            "牵头部门",
            "牵头领导",
            "牵头",
            "主办单位",
            "主责单位",
            "责任单位",
            "责任部门",
            "责任主体",
            "责任处室",
            "负责单位",
            "负责部门",
            "实施单位",
            "承办单位",
            "配合单位",
            "配合部门",
            "配合",
            "协办单位",
            "协同单位",
            "参与单位",
            "完成时限",
            "完成时间",
            "完成期限",
            "时间节点",
            "时间安排",
            "时限要求",
            "时限",
            "完成节点",
            "办结时限",
            "时间要求",
            "时间",
        ];
        for label in labels {
            let pair = [format!("{label}：市司法局"), format!("{label}：2021年底前")];
            let read = pair.iter().any(|line| {
                let head = PlanParser::parse(Rule::line_head, line)
                    .unwrap()
                    .next()
                    .unwrap();
                head.into_inner().next().is_some()
            });
            assert!(read, "`{label}` is a label of the grammar");
            lines.extend(pair);
        }
        // Every Chinese numeral of a chapter marker.
        let numerals = grammar
            .lines()
            .find(|l| l.starts_with("cn_digit "))
            .unwrap()
            .to_string();
        for numeral in numerals.split('"').skip(1).step_by(2) {
            lines.push(format!("{numeral}、工作内容"));
        }
        let mut skipped = 0;
        for line in &lines {
            let trimmed = line.trim_matches(is_space);
            if line.contains('\t') || trimmed.chars().next().is_none_or(may_start_head) {
                continue;
            }
            skipped += 1;
            let head = PlanParser::parse(Rule::line_head, line)
                .unwrap()
                .next()
                .unwrap();
            assert!(
                head.into_inner().next().is_none(),
                "the precheck skips a line the grammar reads: {line}"
            );
        }
        assert!(skipped > 100, "the test must cover skipped lines");
    }

    /// The front matter asks the grammar about a line only when a cheap look
    /// says it may be a title, a header or an imprint: no line the grammar
    /// reads as one is ever skipped.
    #[test]
    fn front_matter_prechecks_miss_nothing() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let grammar = std::fs::read_to_string(root.join("grammar/plan.pest")).unwrap();
        let kinds = grammar
            .lines()
            .skip_while(|l| !l.starts_with("plan_kind "))
            .take_while(|l| !l.starts_with('}'))
            .flat_map(|l| l.split('"').skip(1).step_by(2))
            .collect::<Vec<_>>();
        assert!(kinds.len() > 10, "the kinds are read from plan_kind");
        let mut lines = test_lines();
        for kind in &kinds {
            assert!(
                PLAN_KIND_WORDS.iter().any(|w| kind.contains(w)),
                "`{kind}` holds none of PLAN_KIND_WORDS"
            );
            lines.push(format!("某市推进工作{kind}"));
            lines.push(format!("某市推进工作{kind}（2024—2026年）\u{3000}"));
        }
        lines.push("某市人民政府办公室文件 ".into());
        lines.push("某市人民政府办公室　　2024年3月1日印发\u{a0}".into());
        let mut read = [0; 3];
        for line in &lines {
            let checks = [
                (Rule::title_line, is_title(line)),
                (Rule::header_line, is_header(line)),
                (Rule::imprint_line, is_imprint(line)),
            ];
            for (k, (rule, found)) in checks.into_iter().enumerate() {
                let grammar_reads = PlanParser::parse(rule, line).is_ok();
                assert_eq!(found, grammar_reads, "{rule:?} on {line}");
                read[k] += usize::from(found);
            }
        }
        assert!(read.iter().all(|&n| n > 0), "each rule is met: {read:?}");
    }

    #[test]
    fn byte_precheck_misses_nothing() {
        // What may follow the first character in the forms `may_start_element`
        // tells apart by their second and third characters.
        let follows = [
            "",
            "1",
            "年",
            "本",
            "月",
            "季",
            "半",
            "周",
            "底",
            "末",
            "内",
            "意",
            "方",
            "计",
            "通",
            "办",
            "要",
            "文",
            "规",
            "决",
            "争到",
            "取到",
            "市政府负责）",
        ];
        let mut kept = 0;
        // Every element starts with a character of the BMP.
        for c in (0..0x1_0000).filter_map(char::from_u32) {
            for f in follows {
                let rest = format!("{c}{f}");
                if may_start_element(&rest) {
                    assert!(may_start_element_bytes(rest.as_bytes()), "{rest}");
                    kept += 1;
                }
            }
        }
        assert!(kept > 30, "{kept}");
    }

    #[test]
    fn bracket_precheck_misses_nothing() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let grammar = std::fs::read_to_string(root.join("grammar/plan.pest")).unwrap();
        let literals = |rule: &str| -> Vec<String> {
            let def = grammar
                .lines()
                .skip_while(|l| !l.starts_with(&format!("{rule} ")))
                .take_while(|l| !l.trim().is_empty())
                .collect::<String>();
            def.split('"')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect()
        };
        let mut lines = test_lines();
        // A bracket of each role word, each kind of time limit, the
        // convention and a labelled form, each alone in its bracket.
        let mut brackets: Vec<String> = Vec::new();
        for word in literals("role_joint") {
            brackets.push(format!("（市发展改革委{word}负责）"));
        }
        for word in literals("role_coop") {
            brackets.push(format!("（市发展改革委、市财政局{word}）"));
        }
        brackets.extend(
            [
                "（市商务局牵头）",
                "（市商务局负责）",
                "（各乡镇落实）",
                "（每季度）",
                "（第四季度）",
                "（上半年完成）",
                "（全年推进）",
                "（2024年起持续推进）",
                "（持续推进）",
                "（长期坚持）",
                "（常态化推进）",
                "（2021年底前完成）",
                "（6月底前）",
                "（年底前完成）",
                "（今年内完成）",
                "（每季度末）",
                "（列第一位者为牵头单位）",
                "（首位为牵头单位）",
                "（责任单位：市商务局）",
                "(牵头单位:市商务局)",
                "（完成时限：2021年6月）",
                "（市委宣传部（市版权局）负责）",
            ]
            .map(str::to_string),
        );
        for b in &brackets {
            assert!(
                PlanParser::parse(Rule::resp_bracket, b).is_ok(),
                "the grammar reads {b}"
            );
            lines.push(format!("1.工作内容。{b}"));
        }
        let (mut kept, mut skipped) = (0, 0);
        for line in &lines {
            for (i, c) in line.char_indices() {
                if !matches!(c, '（' | '(') {
                    continue;
                }
                let rest = &line[i..];
                if may_be_bracket(rest) {
                    kept += 1;
                    continue;
                }
                skipped += 1;
                assert!(
                    PlanParser::parse(Rule::resp_bracket, rest).is_err(),
                    "the precheck skips a bracket the grammar reads: {rest}"
                );
            }
        }
        assert!(
            kept > 100 && skipped > 100,
            "kept {kept}, skipped {skipped}"
        );
    }

    #[test]
    fn scan_finds_what_the_line_rule_finds() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut lines = test_lines();
        // Every comparison word and baseline of the grammar, in running text.
        let grammar = std::fs::read_to_string(root.join("grammar/plan.pest")).unwrap();
        for rule in ["cmp_prefix", "baseline", "goal_year", "every"] {
            let def = grammar
                .lines()
                .skip_while(|l| !l.starts_with(&format!("{rule} ")))
                .take_while(|l| !l.trim().is_empty())
                .collect::<String>();
            for literal in def.split('"').skip(1).step_by(2) {
                lines.push(format!(
                    "1.工作内容，{literal}2021年5家以上，{literal}3个月以内。"
                ));
            }
        }
        // Every form that starts with a word, not a digit: each kind of
        // document a limit counts from, each relative year, each ordinal and
        // goal year, where the scan's look at the next characters decides.
        for kind in [
            "意见", "方案", "计划", "通知", "办法", "要点", "文件", "规划", "决定",
        ] {
            for from in ["自", "从", ""] {
                lines.push(format!(
                    "3.{from}本{kind}印发之日起30日内完成，本{kind}发布后3个月内报送。"
                ));
            }
        }
        for rel in ["今年", "本年", "当年", "明年", "次年"] {
            lines.push(format!(
                "4.{rel}6月底前完成，{rel}底前，{rel}上半年，{rel}内完成。"
            ));
        }
        lines.push(
            "5.第5批名单年底前公布，年内完成，到2022年，每季度末报送，第一季度。".to_string(),
        );
        assert!(lines.len() > 500);
        for line in &lines {
            let reference: Vec<_> = reference_elements(line)
                .into_iter()
                .filter(|e| e.0 != Rule::EOI)
                .collect();
            let scanned = scanned_elements(line);
            let head_rule = if line.contains('\t') {
                Rule::tabbed_line_head
            } else {
                Rule::line_head
            };
            if PlanParser::parse(head_rule, line)
                .unwrap()
                .next()
                .unwrap()
                .into_inner()
                .any(|p| {
                    matches!(
                        p.as_rule(),
                        Rule::bracket_line | Rule::labelled_line | Rule::table_row
                    )
                })
            {
                continue;
            }
            assert_eq!(scanned, reference, "line: {line}");
        }
    }

    /// The scan skips the places of a digit run where no element can start
    /// (`next_in_digit_run`): on runs of every length from 1 to 16, made of
    /// years, months and days glued together (`12020年底`, `202012月`,
    /// `20201231日`) and followed by every kind of digit element's next
    /// character, it finds what the whole-line rule finds.
    #[test]
    fn scan_skips_no_element_in_digit_runs() {
        let pieces = [
            "1", "2", "0", "9", "19", "20", "12", "31", "2020", "2021", "6",
        ];
        let tails = [
            "年",
            "年底前完成",
            "年12月底前",
            "月",
            "月底前完成",
            "月上旬",
            "日",
            "号",
            "个",
            "件以上",
            "%",
            "万元",
            "倍",
            "-2025年",
            "—2022年",
            ".5倍",
            "-06-30",
            "/",
            "年内",
            "年上半年",
            "、",
            "，",
            "",
            "Y/2020-0027",
            "）",
            "家次",
        ];
        // A deterministic walk over run shapes (xorshift), so that a failure
        // names a line that can be read again.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for _ in 0..6000 {
            let mut run = String::new();
            let want = 1 + next(16);
            while run.len() < want {
                run.push_str(pieces[next(pieces.len())]);
            }
            let line = format!(
                "文字{run}{}，到{}{}。",
                tails[next(tails.len())],
                pieces[next(pieces.len())],
                tails[next(tails.len())]
            );
            assert_eq!(
                scanned_elements(&line),
                reference_elements(&line),
                "line: {line}"
            );
        }
    }

    #[test]
    fn lines_split_as_split_inclusive_does() {
        for text in [
            "",
            "\n",
            "a",
            "a\n",
            "a\nb",
            "一\r\n二\n\n三",
            "\n\n（市发\n",
        ] {
            let index = LineIndex::new(text);
            let ours: Vec<&str> = split_lines(text, &index).collect();
            let std: Vec<&str> = text.split_inclusive('\n').collect();
            assert_eq!(ours, std, "{text:?}");
        }
    }

    #[test]
    fn chinese_numerals() {
        assert_eq!(cn_numeral("一"), Some(1));
        assert_eq!(cn_numeral("十"), Some(10));
        assert_eq!(cn_numeral("十二"), Some(12));
        assert_eq!(cn_numeral("二十"), Some(20));
        assert_eq!(cn_numeral("三十四"), Some(34));
        assert_eq!(cn_numeral("一百二十"), Some(120));
        assert_eq!(
            cn_numeral("九九九九九九九九九九"),
            None,
            "overflow is no number"
        );
    }

    #[test]
    fn month_day_split_is_certain_or_refused() {
        assert_eq!(split_month_day("917"), Some((9, 17)));
        assert_eq!(split_month_day("1231"), Some((12, 31)));
        assert_eq!(split_month_day("111"), None);
    }
}

#[cfg(test)]
mod microbench {
    use super::*;

    /// Instructions of element parses: `valgrind --tool=callgrind` on
    /// `cargo test --release --lib microbench -- --ignored`, PLANLINT_MB=N.
    #[test]
    #[ignore]
    fn element_parses() {
        let n: usize = std::env::var("PLANLINT_MB")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let which = std::env::var("PLANLINT_MB_WHICH").unwrap_or_default();
        let samples = [
            ("short", "(市高级人民法院负责;202012月底前完成)"),
            ("long", "(市委宣传部、市司法局、市市场监管委、市知识产权局、市公安局、市农业农村委、市文化和旅游局、天津海关按职责分工负责;持续推进)"),
            ("lead", "(市高级人民法院、市人民检察院、市公安局、市知识产权局、市司法局牵头,市委宣传部、市农业农村委、市文化和旅游局、天津海关、市市场监管委按职责分工负责;持续推进)"),
            ("date", "2021年底前完成"),
        ];
        for _ in 0..n {
            for (name, s) in samples {
                if which.is_empty() || which == name {
                    std::hint::black_box(
                        PlanParser::parse(Rule::element, std::hint::black_box(s))
                            .unwrap()
                            .count(),
                    );
                }
            }
        }
    }
}
