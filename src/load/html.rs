//! The visible text of a web page, with a small tolerant tokenizer.
//!
//! Government sites publish plans as HTML pages that are rarely valid: tags
//! left open, `<td>` without `<tr>`, attributes without quotes. A browser
//! still shows them, so this reads them the way a browser would, as far as
//! text goes: content of `<script>`, `<style>`, `<noscript>`, `<template>`, the
//! `<head>` and comments is dropped, and so is any element marked `hidden` or
//! `display:none`; white space collapses as in HTML (except inside `<pre>`);
//! block elements (`p`, `div`, `li`, `h1`–`h6`, `tr`, …) start a new line,
//! `<br>` breaks one; the cells of a table row are joined by a TAB, so a task
//! table becomes one tab-separated line per row. Entities are decoded (named
//! ones from a table of those that occur in Chinese pages, and every numeric
//! one); `&nbsp;` becomes U+00A0, which normalisation later blanks.
//!
//! Hand-written on purpose: html5ever would triple the build for what is, for
//! our purpose, a 300-line job.

use encoding_rs::Encoding;

/// The encoding a page names in a `<meta charset=…>` or
/// `<meta http-equiv="Content-Type" content="…; charset=…">` near its start.
pub(crate) fn declared_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    // Browsers look at the first 1024 bytes; Chinese pages often put a long
    // head before the meta, so look further. It is only a hint: the bytes must
    // still decode in it.
    let head = &bytes[..bytes.len().min(16 * 1024)];
    let lower = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = find(&lower[from..], b"<meta") {
        let tag_start = from + at;
        let tag_end = find(&lower[tag_start..], b">").map_or(lower.len(), |e| tag_start + e);
        let tag = &lower[tag_start..tag_end];
        if let Some(c) = find(tag, b"charset") {
            let rest = tag[c + 7..].trim_ascii_start();
            if let Some(rest) = rest.strip_prefix(b"=") {
                let rest = rest.trim_ascii_start();
                let rest = rest
                    .strip_prefix(b"\"")
                    .or_else(|| rest.strip_prefix(b"'"))
                    .unwrap_or(rest);
                let len = rest
                    .iter()
                    .position(|b| {
                        !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.'))
                    })
                    .unwrap_or(rest.len());
                if let Some(encoding) = Encoding::for_label(&rest[..len]) {
                    return Some(encoding);
                }
            }
        }
        from = tag_end;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The visible text of `html`, one block per line.
pub(crate) fn extract(html: &str) -> String {
    let mut doc = Doc::default();
    let mut rest = html;
    // Inside `<head>` (until `</head>`, `<body>` or a tag that belongs in a body).
    let mut in_head = false;
    // An element whose content is not shown: its name and how deep we are in it.
    let mut hidden: Option<(String, usize)> = None;

    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            if !in_head && hidden.is_none() {
                doc.text(rest);
            }
            break;
        };
        if lt > 0 && !in_head && hidden.is_none() {
            doc.text(&rest[..lt]);
        }
        rest = &rest[lt..];
        let Some(tag) = Tag::parse(rest) else {
            // A `<` that starts no tag is text (`a < b`).
            if !in_head && hidden.is_none() {
                doc.text("<");
            }
            rest = &rest[1..];
            continue;
        };
        rest = &rest[tag.len..];
        let name = tag.name.as_str();
        match tag.kind {
            TagKind::Other => {}
            TagKind::Start => {
                if let Some(end) = raw_text_end(name) {
                    // Never shown, and never tokenized: `<script>` may hold `<`.
                    rest = skip_raw_text(rest, end);
                    continue;
                }
                if let Some((hidden_name, depth)) = &mut hidden {
                    if hidden_name == name && !is_void(name) {
                        *depth += 1;
                    }
                    continue;
                }
                if name == "head" {
                    in_head = true;
                    continue;
                }
                if in_head {
                    if matches!(name, "title" | "meta" | "link" | "base") {
                        if name == "title" {
                            rest = skip_raw_text(rest, "</title");
                        }
                        continue;
                    }
                    in_head = false;
                }
                if tag.hidden && !is_void(name) && !tag.self_closing {
                    hidden = Some((name.to_owned(), 1));
                    continue;
                }
                doc.start(&tag);
            }
            TagKind::End => {
                if let Some((hidden_name, depth)) = &mut hidden {
                    if hidden_name == name {
                        *depth -= 1;
                        if *depth == 0 {
                            hidden = None;
                        }
                    }
                    continue;
                }
                if name == "head" {
                    in_head = false;
                    continue;
                }
                if !in_head {
                    doc.end(name);
                }
            }
        }
    }
    doc.finish()
}

/// Elements whose content is never shown, skipped up to their end tag.
fn raw_text_end(name: &str) -> Option<&'static str> {
    match name {
        "script" => Some("</script"),
        "style" => Some("</style"),
        "noscript" => Some("</noscript"),
        "template" => Some("</template"),
        _ => None,
    }
}

/// The rest after the end tag `end` (ASCII lowercase, without `>`), case-insensitively.
fn skip_raw_text<'a>(rest: &'a str, end: &str) -> &'a str {
    let Some(at) = rest
        .as_bytes()
        .windows(end.len())
        .position(|w| w.eq_ignore_ascii_case(end.as_bytes()))
    else {
        return "";
    };
    let after = &rest[at..];
    match after.find('>') {
        Some(gt) => &after[gt + 1..],
        None => "",
    }
}

fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
    )
}

/// Elements that stand on lines of their own.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "body"
            | "caption"
            | "center"
            | "dd"
            | "details"
            | "dialog"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hr"
            | "html"
            | "li"
            | "main"
            | "nav"
            | "ol"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "tbody"
            | "tfoot"
            | "thead"
            | "ul"
    )
}

#[derive(Debug, PartialEq)]
enum TagKind {
    Start,
    End,
    /// Comments, doctypes, processing instructions: nothing to show.
    Other,
}

struct Tag {
    kind: TagKind,
    /// ASCII-lowercased.
    name: String,
    /// Bytes from `<` to after `>`.
    len: usize,
    self_closing: bool,
    /// `hidden` attribute or `display:none` in the style.
    hidden: bool,
    /// `colspan` and `rowspan` of a cell (1 when absent or unreadable).
    colspan: usize,
    rowspan: usize,
}

impl Tag {
    /// The tag at the start of `s` (which starts with `<`), if it is one.
    fn parse(s: &str) -> Option<Tag> {
        let b = s.as_bytes();
        let other = |len| Tag {
            kind: TagKind::Other,
            name: String::new(),
            len,
            self_closing: false,
            hidden: false,
            colspan: 1,
            rowspan: 1,
        };
        if let Some(comment) = s.strip_prefix("<!--") {
            // An unclosed comment hides the rest, as in a browser.
            return Some(other(comment.find("-->").map_or(s.len(), |e| 4 + e + 3)));
        }
        if s.starts_with("<!") || s.starts_with("<?") {
            return Some(other(s.find('>').map_or(s.len(), |e| e + 1)));
        }
        let (kind, name_start) = match b.get(1) {
            Some(b'/') if b.get(2).is_some_and(u8::is_ascii_alphabetic) => (TagKind::End, 2),
            Some(c) if c.is_ascii_alphabetic() => (TagKind::Start, 1),
            _ => return None,
        };
        let name_len = b[name_start..]
            .iter()
            .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'-' | b':' | b'_')))
            .unwrap_or(b.len() - name_start);
        let name = s[name_start..name_start + name_len].to_ascii_lowercase();
        // Find the closing `>`, stepping over quoted attribute values.
        let mut quote: Option<u8> = None;
        let mut end = b.len();
        for (i, &c) in b.iter().enumerate().skip(name_start + name_len) {
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if c == b'"' || c == b'\'' => quote = Some(c),
                None if c == b'>' => {
                    end = i;
                    break;
                }
                None => {}
            }
        }
        // A tag never closed swallows the rest, as in a browser.
        let attrs = &s[name_start + name_len..end];
        let is_cell = kind == TagKind::Start && (name == "td" || name == "th");
        Some(Tag {
            hidden: kind == TagKind::Start && is_hidden(attrs),
            self_closing: attrs.trim_end().ends_with('/'),
            colspan: if is_cell { span(attrs, "colspan") } else { 1 },
            rowspan: if is_cell { span(attrs, "rowspan") } else { 1 },
            kind,
            name,
            len: (end + 1).min(s.len()),
        })
    }
}

/// Whether attributes hide the element: `hidden`, or `display:none` in `style`.
fn is_hidden(attrs: &str) -> bool {
    if attrs.is_empty() {
        return false;
    }
    let lower = attrs.to_ascii_lowercase();
    let squeezed: String = lower.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if squeezed.contains("display:none") {
        return true;
    }
    // A bare `hidden` attribute (not `type=hidden`, not `overflow:hidden`).
    lower
        .split(|c: char| c.is_ascii_whitespace() || c == '/')
        .any(|word| word == "hidden" || word.starts_with("hidden="))
}

/// The value of a `colspan`/`rowspan` attribute, clamped to what a real table
/// has (a hostile `rowspan=99999999` must not build a huge grid).
fn span(attrs: &str, name: &str) -> usize {
    let lower = attrs.to_ascii_lowercase();
    let Some(at) = lower.find(name) else {
        return 1;
    };
    let rest = lower[at + name.len()..].trim_start();
    let Some(rest) = rest.strip_prefix('=') else {
        return 1;
    };
    let rest = rest.trim_start().trim_start_matches(['"', '\'']);
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    rest[..digits]
        .parse::<usize>()
        .map_or(1, |n| n.clamp(1, 100))
}

/// A table being read: its rows of finished cells, and the cell being filled.
#[derive(Default)]
struct TableBuf {
    rows: Vec<Vec<Cell>>,
    cell: Option<(Output, usize, usize)>,
    /// Holds another table: a layout table, not a data table.
    has_nested: bool,
}

struct Cell {
    text: String,
    colspan: usize,
    rowspan: usize,
}

impl TableBuf {
    fn close_cell(&mut self) {
        if let Some((out, colspan, rowspan)) = self.cell.take() {
            let text = out.finish();
            if self.rows.is_empty() {
                self.rows.push(Vec::new());
            }
            if let Some(row) = self.rows.last_mut() {
                row.push(Cell {
                    text,
                    colspan,
                    rowspan,
                });
            }
        }
    }

    /// The table as text. A data table (the task table of a plan) gives one
    /// line per row, cells joined by a TAB, a cell spanning rows repeated in
    /// each of them (a merged 牵头单位 cell owns every row it covers). A layout
    /// table (nested tables, one column, or cells holding whole articles, as
    /// old government sites are built) gives its cells' text in order.
    fn render(mut self) -> String {
        self.close_cell();
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let long_cell = self
            .rows
            .iter()
            .flatten()
            .any(|c| c.text.len() > 3000 || c.text.matches('\n').count() > 30);
        if self.has_nested || columns <= 1 || long_cell {
            let cells: Vec<&str> = self
                .rows
                .iter()
                .flatten()
                .map(|c| c.text.as_str())
                .filter(|t| !t.is_empty())
                .collect();
            return cells.join("\n");
        }
        // Cells carried down by `rowspan`: per grid column, text and rows left.
        let mut carried: Vec<Option<(String, usize)>> = Vec::new();
        let mut lines = Vec::new();
        for row in &self.rows {
            let mut line: Vec<String> = Vec::new();
            let mut col = 0;
            for cell in row {
                take_carried(&mut line, &mut col, &mut carried);
                let text = cell.text.replace(['\n', '\t'], " ");
                for i in 0..cell.colspan {
                    let shown = if i == 0 { text.clone() } else { String::new() };
                    if cell.rowspan > 1 {
                        if carried.len() <= col {
                            carried.resize(col + 1, None);
                        }
                        carried[col] = Some((shown.clone(), cell.rowspan - 1));
                    }
                    line.push(shown);
                    col += 1;
                }
            }
            // Cells still carried down past the last cell of this row.
            while col < carried.len() {
                take_carried(&mut line, &mut col, &mut carried);
                if col < carried.len() {
                    line.push(String::new());
                    col += 1;
                }
            }
            while line.last().is_some_and(String::is_empty) {
                line.pop();
            }
            if !line.is_empty() {
                lines.push(line.join("\t"));
            }
        }
        lines.join("\n")
    }
}

/// Pushes the cells that `rowspan` carries down into this row at `col`.
fn take_carried(line: &mut Vec<String>, col: &mut usize, carried: &mut [Option<(String, usize)>]) {
    while let Some(Some((text, left))) = carried.get_mut(*col) {
        line.push(text.clone());
        *left -= 1;
        if *left == 0 {
            carried[*col] = None;
        }
        *col += 1;
    }
}

/// The page being read: the main text, and the tables open in it.
#[derive(Default)]
struct Doc {
    main: Output,
    tables: Vec<TableBuf>,
    pre_depth: usize,
}

impl Doc {
    /// Where text goes now: the open cell, or the main text.
    fn sink(&mut self) -> &mut Output {
        match self.tables.last_mut() {
            Some(TableBuf {
                cell: Some((out, _, _)),
                ..
            }) => out,
            _ => &mut self.main,
        }
    }

    fn text(&mut self, raw: &str) {
        let decoded = decode_entities(raw);
        if let Some(table) = self.tables.last_mut() {
            if table.cell.is_none() {
                // Text between cells: white space is layout; anything else is
                // shown by browsers, so keep it as a cell of its own.
                if decoded.trim_ascii().is_empty() {
                    return;
                }
                table.cell = Some((Output::default(), 1, 1));
            }
        }
        let pre = self.pre_depth > 0;
        self.sink().text(&decoded, pre);
    }

    fn start(&mut self, tag: &Tag) {
        match tag.name.as_str() {
            "br" => self.sink().newline(),
            "table" => {
                if let Some(t) = self.tables.last_mut() {
                    t.has_nested = true;
                }
                self.sink().block();
                self.tables.push(TableBuf::default());
            }
            "tr" => match self.tables.last_mut() {
                Some(t) => {
                    t.close_cell();
                    t.rows.push(Vec::new());
                }
                None => self.main.block(),
            },
            "td" | "th" => {
                if self.tables.is_empty() {
                    // A stray cell outside any table: still a cell of some row.
                    self.main.block();
                    self.tables.push(TableBuf::default());
                }
                if let Some(t) = self.tables.last_mut() {
                    t.close_cell();
                    if t.rows.is_empty() {
                        t.rows.push(Vec::new());
                    }
                    t.cell = Some((Output::default(), tag.colspan, tag.rowspan));
                }
            }
            name => {
                if name == "pre" {
                    self.pre_depth += 1;
                }
                if is_block(name) {
                    self.sink().block();
                }
            }
        }
    }

    fn end(&mut self, name: &str) {
        match name {
            "table" => self.close_table(),
            "tr" | "td" | "th" => {
                if let Some(t) = self.tables.last_mut() {
                    t.close_cell();
                }
            }
            _ => {
                if name == "pre" {
                    self.pre_depth = self.pre_depth.saturating_sub(1);
                }
                if is_block(name) {
                    self.sink().block();
                }
            }
        }
    }

    fn close_table(&mut self) {
        if let Some(table) = self.tables.pop() {
            let text = table.render();
            self.sink().lines(&text);
        }
    }

    fn finish(mut self) -> String {
        while !self.tables.is_empty() {
            self.close_table();
        }
        let mut text = self.main.finish();
        text.push('\n');
        text
    }
}

/// Text being built with HTML's white-space rules.
#[derive(Default)]
struct Output {
    out: String,
    /// A block boundary was passed: the next text starts a new line.
    pending_break: bool,
    /// White space was passed: the next text is preceded by one space.
    pending_space: bool,
}

impl Output {
    fn block(&mut self) {
        self.pending_break = true;
    }

    fn newline(&mut self) {
        self.trim_trailing_spaces();
        self.out.push('\n');
        self.pending_break = false;
        self.pending_space = false;
    }

    fn trim_trailing_spaces(&mut self) {
        let kept = self.out.trim_end_matches(' ').len();
        self.out.truncate(kept);
    }

    /// Text already laid out in lines (a rendered table), as a block.
    fn lines(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        self.pending_break = true;
        self.pending_space = false;
        self.flush_pending();
        self.out.push_str(text);
        self.pending_break = true;
    }

    /// Text between tags, entities decoded.
    fn text(&mut self, text: &str, pre: bool) {
        for c in text.chars() {
            if pre {
                match c {
                    '\n' => self.newline(),
                    '\r' => {}
                    _ => {
                        self.flush_pending();
                        self.out.push(c);
                    }
                }
                continue;
            }
            if matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0C') {
                self.pending_space = true;
                continue;
            }
            self.flush_pending();
            self.out.push(c);
        }
    }

    fn flush_pending(&mut self) {
        if self.pending_break {
            if !self.out.is_empty() && !self.out.ends_with('\n') {
                self.newline();
            }
            self.pending_break = false;
            self.pending_space = false;
        }
        if self.pending_space {
            if !self.out.is_empty() && !self.out.ends_with('\n') {
                self.out.push(' ');
            }
            self.pending_space = false;
        }
    }

    /// The text, without white space at its ends.
    fn finish(self) -> String {
        let trimmed = self.out.trim_matches(|c| c == ' ' || c == '\n');
        trimmed.to_owned()
    }
}

/// Decodes `&name;`, `&#123;` and `&#x7B;`; anything else stays as it is.
pub(crate) fn decode_entities(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('&') {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        match entity(rest) {
            Some((text, len)) => {
                out.push_str(&text);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// The entity at the start of `s` (which starts with `&`): its text and length.
fn entity(s: &str) -> Option<(String, usize)> {
    let b = s.as_bytes();
    if b.get(1) == Some(&b'#') {
        let (digits_start, radix) = match b.get(2) {
            Some(b'x' | b'X') => (3, 16),
            _ => (2, 10),
        };
        let len = b[digits_start..]
            .iter()
            .take(8)
            .take_while(|c| c.is_ascii_hexdigit() && (radix == 16 || c.is_ascii_digit()))
            .count();
        if len == 0 {
            return None;
        }
        let value = u32::from_str_radix(&s[digits_start..digits_start + len], radix).ok()?;
        // As browsers do: NUL, surrogates and out-of-range become U+FFFD.
        let c = match value {
            0 => '\u{FFFD}',
            _ => char::from_u32(value).unwrap_or('\u{FFFD}'),
        };
        let mut end = digits_start + len;
        if b.get(end) == Some(&b';') {
            end += 1;
        }
        return Some((c.to_string(), end));
    }
    let len = b[1..]
        .iter()
        .take(32)
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    let name = &s[1..1 + len];
    let text = named_entity(name)?;
    if b.get(1 + len) == Some(&b';') {
        Some((text.to_owned(), len + 2))
    } else if matches!(name, "nbsp" | "amp" | "lt" | "gt" | "quot" | "copy" | "reg") {
        // The legacy entities browsers accept without `;`.
        Some((text.to_owned(), len + 1))
    } else {
        None
    }
}

/// Named entities that occur in Chinese government pages (and the XML five).
fn named_entity(name: &str) -> Option<&'static str> {
    Some(match name {
        "nbsp" => "\u{A0}",
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        "ensp" => "\u{2002}",
        "emsp" => "\u{2003}",
        "thinsp" => "\u{2009}",
        "zwnj" => "\u{200C}",
        "zwj" => "\u{200D}",
        "lrm" => "\u{200E}",
        "rlm" => "\u{200F}",
        "shy" => "\u{AD}",
        "ldquo" => "\u{201C}",
        "rdquo" => "\u{201D}",
        "lsquo" => "\u{2018}",
        "rsquo" => "\u{2019}",
        "sbquo" => "\u{201A}",
        "bdquo" => "\u{201E}",
        "laquo" => "\u{AB}",
        "raquo" => "\u{BB}",
        "lsaquo" => "\u{2039}",
        "rsaquo" => "\u{203A}",
        "middot" => "\u{B7}",
        "bull" => "\u{2022}",
        "hellip" => "\u{2026}",
        "mdash" => "\u{2014}",
        "ndash" => "\u{2013}",
        "minus" => "\u{2212}",
        "times" => "\u{D7}",
        "divide" => "\u{F7}",
        "plusmn" => "\u{B1}",
        "deg" => "\u{B0}",
        "permil" => "\u{2030}",
        "prime" => "\u{2032}",
        "Prime" => "\u{2033}",
        "copy" => "\u{A9}",
        "reg" => "\u{AE}",
        "trade" => "\u{2122}",
        "yen" => "\u{A5}",
        "cent" => "\u{A2}",
        "pound" => "\u{A3}",
        "euro" => "\u{20AC}",
        "sect" => "\u{A7}",
        "para" => "\u{B6}",
        "le" => "\u{2264}",
        "ge" => "\u{2265}",
        "ne" => "\u{2260}",
        "larr" => "\u{2190}",
        "rarr" => "\u{2192}",
        "uarr" => "\u{2191}",
        "darr" => "\u{2193}",
        "sup1" => "\u{B9}",
        "sup2" => "\u{B2}",
        "sup3" => "\u{B3}",
        "frac12" => "\u{BD}",
        "frac14" => "\u{BC}",
        "frac34" => "\u{BE}",
        "iexcl" => "\u{A1}",
        "iquest" => "\u{BF}",
        _ => return None,
    })
}
