//! The body text of a Word document (`.docx`), as the reader of the page sees it.
//!
//! A `.docx` is a zip of XML parts; the text is in `word/document.xml`, read
//! here with quick-xml as a stream of events, never as a tree. What comes out:
//!
//! - one line per paragraph (`w:p`), in document order; `w:t` text, `w:tab` a
//!   TAB, `w:br`/`w:cr` a line break;
//! - tracked changes as accepted: `w:ins` kept, `w:del` and `w:moveFrom`
//!   dropped; field codes (`w:instrText`), hidden runs (`w:vanish`) and the
//!   fallback copy of drawings (`mc:Fallback`) dropped;
//! - one line per table row, its cells joined by a TAB (the paragraphs of a
//!   cell joined by a space, so a 任务分工表 row stays one line); a cell merged
//!   down over several rows (`w:vMerge`) repeats its text in each of them,
//!   and a cell spanning columns (`w:gridSpan`) is followed by empty cells, so
//!   that the columns stay aligned;
//! - Word's automatic list numbers put back in front of the paragraph: the
//!   `一、`, `（一）`, `1.` a reader sees are not in the text but computed from
//!   `word/numbering.xml` (see [`Numbering`]).
//!
//! Element names are matched with their usual `w:` prefix, which Word, WPS
//! and LibreOffice all write. Every part is inflated under
//! [`MAX_DOCX_PART_SIZE`]: the declared size is checked before inflating, and
//! the bytes are counted while they stream in case the declaration lies.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::{BufReader, Cursor, Read};
use std::path::Path;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use zip::result::ZipError;
use zip::ZipArchive;

use super::{LoadError, MAX_DOCX_PART_SIZE};

const DOCUMENT: &str = "word/document.xml";
const NUMBERING: &str = "word/numbering.xml";
const STYLES: &str = "word/styles.xml";

type Archive<'b> = ZipArchive<Cursor<&'b [u8]>>;

/// Extracts the text of the document body, one line per paragraph or table row.
pub(crate) fn extract(path: &Path, bytes: &[u8]) -> Result<String, LoadError> {
    let mut archive = match ZipArchive::new(Cursor::new(bytes)) {
        Ok(archive) => archive,
        Err(e) if looks_like_ooxml(path, bytes) => {
            return Err(corrupt(
                path,
                format!("the zip archive cannot be read ({e})"),
            ));
        }
        Err(e) => {
            return Err(LoadError::Binary {
                path: path.to_owned(),
                what: format!("a zip archive that cannot be read ({e})"),
            })
        }
    };
    if archive.index_for_name(DOCUMENT).is_none() {
        return Err(LoadError::Binary {
            path: path.to_owned(),
            what: describe_zip(&archive),
        });
    }
    let styles = match read_part(path, &mut archive, STYLES)? {
        Some(xml) => Styles::parse(&xml).map_err(|e| corrupt(path, format!("{STYLES}: {e}")))?,
        None => Styles::default(),
    };
    let numbering = match read_part(path, &mut archive, NUMBERING)? {
        Some(xml) => {
            Numbering::parse(&xml).map_err(|e| corrupt(path, format!("{NUMBERING}: {e}")))?
        }
        None => Numbering::default(),
    };

    let file = archive
        .by_name(DOCUMENT)
        .map_err(|e| corrupt(path, format!("{DOCUMENT}: {e}")))?;
    if file.size() > MAX_DOCX_PART_SIZE {
        return Err(too_large(path, DOCUMENT));
    }
    let mut reader = Reader::from_reader(BufReader::new(Capped {
        inner: file,
        left: MAX_DOCX_PART_SIZE,
        exceeded: false,
    }));
    let mut walker = Walker::new(&numbering, &styles);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) => break,
            Ok(event) => walker.event(event),
            Err(e) => {
                if reader.get_ref().get_ref().exceeded {
                    return Err(too_large(path, DOCUMENT));
                }
                let detail = match e {
                    // The zip layer failed (bad CRC, cut-off data, sizes that lie).
                    quick_xml::Error::Io(io) => format!("{DOCUMENT} cannot be inflated: {io}"),
                    e => format!(
                        "{DOCUMENT}: malformed XML near byte {}: {e}",
                        reader.error_position()
                    ),
                };
                return Err(corrupt(path, detail));
            }
        }
        buf.clear();
    }
    if !walker.stack.is_empty() {
        return Err(corrupt(
            path,
            format!("{DOCUMENT} stops in the middle of the document"),
        ));
    }
    Ok(walker.out)
}

fn corrupt(path: &Path, detail: String) -> LoadError {
    LoadError::CorruptDocx {
        path: path.to_owned(),
        detail,
    }
}

fn too_large(path: &Path, part: &'static str) -> LoadError {
    LoadError::DocxTooLarge {
        path: path.to_owned(),
        part,
        limit: MAX_DOCX_PART_SIZE,
    }
}

/// A zip that does not open is a damaged `.docx` if it is named so or if its
/// first entry is one Word writes first; otherwise just a damaged zip.
fn looks_like_ooxml(path: &Path, bytes: &[u8]) -> bool {
    if super::has_extension(path, &["docx", "docm", "dotx"]) {
        return true;
    }
    // Local file header: the name length is at 26, the name at 30.
    let Some(&[lo, hi]) = bytes.get(26..28) else {
        return false;
    };
    let len = u16::from_le_bytes([lo, hi]) as usize;
    let name = bytes.get(30..30 + len).unwrap_or(&[]);
    name.starts_with(b"[Content_Types].xml")
        || name.starts_with(b"word/")
        || name.starts_with(b"_rels/")
        || name.starts_with(b"docProps/")
}

/// What a zip without a Word body is, to tell the user what to do with it.
fn describe_zip(archive: &Archive<'_>) -> String {
    let has = |name: &str| archive.index_for_name(name).is_some();
    if has("xl/workbook.xml") {
        "an Excel workbook (.xlsx), not a Word document".to_owned()
    } else if has("ppt/presentation.xml") {
        "a PowerPoint presentation (.pptx), not a Word document".to_owned()
    } else if has("OFD.xml") {
        "an OFD document; export it as .docx or as text".to_owned()
    } else if has("mimetype") && has("content.xml") {
        "an OpenDocument file; save it as .docx".to_owned()
    } else {
        "a zip archive without word/document.xml (not a .docx)".to_owned()
    }
}

/// Reads a whole (small) part, if the archive has it, under the size cap.
fn read_part(
    path: &Path,
    archive: &mut Archive<'_>,
    name: &'static str,
) -> Result<Option<String>, LoadError> {
    let file = match archive.by_name(name) {
        Ok(file) => file,
        Err(ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(corrupt(path, format!("{name}: {e}"))),
    };
    if file.size() > MAX_DOCX_PART_SIZE {
        return Err(too_large(path, name));
    }
    let mut bytes = Vec::with_capacity(file.size() as usize);
    file.take(MAX_DOCX_PART_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| corrupt(path, format!("{name}: {e}")))?;
    if bytes.len() as u64 > MAX_DOCX_PART_SIZE {
        return Err(too_large(path, name));
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|e| corrupt(path, format!("{name} is not UTF-8 ({e})")))
}

/// A reader that fails once more than `left` bytes have come through: the
/// guard against a zip entry that inflates past its declared size.
struct Capped<R> {
    inner: R,
    left: u64,
    exceeded: bool,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // One more byte tells "exactly at the limit" from "past it".
            let mut probe = [0u8; 1];
            if self.inner.read(&mut probe)? == 0 {
                return Ok(0);
            }
            self.exceeded = true;
            return Err(std::io::Error::other("part inflates past the size limit"));
        }
        let max = buf.len().min(self.left.min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..max])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// The value of attribute `name`, entities resolved.
fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    let a = e.try_get_attribute(name).ok()??;
    Some(
        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_or_else(|_| a.value.clone().into_owned(), Cow::into_owned),
    )
}

fn attr_num(e: &BytesStart<'_>, name: &str) -> Option<i64> {
    attr(e, name)?.trim().parse().ok()
}

/// `w:val` of an on/off property: present means on, unless it says off.
fn is_on(e: &BytesStart<'_>) -> bool {
    !matches!(attr(e, "w:val").as_deref(), Some("0" | "false" | "off"))
}

/// The elements of `document.xml` the walker acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum El {
    P,
    R,
    T,
    Tab,
    Br,
    NoBreakHyphen,
    Sym,
    PPr,
    RPr,
    PStyle,
    NumPr,
    Ilvl,
    NumId,
    Vanish,
    Tbl,
    Tr,
    TrPr,
    GridBefore,
    Tc,
    TcPr,
    GridSpan,
    VMerge,
    /// Content that is not shown: everything inside it is ignored.
    Hidden,
    Other,
}

fn classify(name: &str) -> El {
    match name {
        "w:p" => El::P,
        "w:r" => El::R,
        "w:t" => El::T,
        "w:tab" | "w:ptab" => El::Tab,
        "w:br" | "w:cr" => El::Br,
        "w:noBreakHyphen" => El::NoBreakHyphen,
        "w:sym" => El::Sym,
        "w:pPr" => El::PPr,
        "w:rPr" => El::RPr,
        "w:pStyle" => El::PStyle,
        "w:numPr" => El::NumPr,
        "w:ilvl" => El::Ilvl,
        "w:numId" => El::NumId,
        "w:vanish" => El::Vanish,
        "w:tbl" => El::Tbl,
        "w:tr" => El::Tr,
        "w:trPr" => El::TrPr,
        "w:gridBefore" => El::GridBefore,
        "w:tc" => El::Tc,
        "w:tcPr" => El::TcPr,
        "w:gridSpan" => El::GridSpan,
        "w:vMerge" => El::VMerge,
        // Deleted or moved-away text, field codes, the former properties of
        // tracked formatting changes, and the fallback copy of a drawing
        // (its text is already in the `mc:Choice` copy).
        "w:del" | "w:moveFrom" | "w:delText" | "w:instrText" | "w:delInstrText" | "w:pPrChange"
        | "w:rPrChange" | "w:tblPrChange" | "w:trPrChange" | "w:tcPrChange" | "w:sectPrChange"
        | "w:numberingChange" | "mc:Fallback" => El::Hidden,
        _ => El::Other,
    }
}

#[derive(Default)]
struct Para {
    text: String,
    style: Option<String>,
    num_id: Option<String>,
    ilvl: Option<u8>,
}

#[derive(Default)]
struct TableState {
    row: Option<Vec<String>>,
    cell: Option<CellState>,
    /// Text of the cell that starts a vertical merge, per grid column.
    merged: Vec<Option<String>>,
}

#[derive(Default)]
struct CellState {
    text: String,
    span: usize,
    vmerge: Option<bool>,
}

/// Turns the events of `document.xml` into lines.
struct Walker<'a> {
    numbering: &'a Numbering,
    styles: &'a Styles,
    counters: Counters,
    /// The open elements.
    stack: Vec<El>,
    /// Inside hidden content since the stack had this length.
    hidden_from: Option<usize>,
    paras: Vec<Para>,
    tables: Vec<TableState>,
    run_hidden: bool,
    out: String,
}

impl<'a> Walker<'a> {
    fn new(numbering: &'a Numbering, styles: &'a Styles) -> Walker<'a> {
        Walker {
            numbering,
            styles,
            counters: Counters::default(),
            stack: Vec::new(),
            hidden_from: None,
            paras: Vec::new(),
            tables: Vec::new(),
            run_hidden: false,
            out: String::new(),
        }
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(e) => {
                let el = classify(e.name().0);
                self.stack.push(el);
                if self.hidden_from.is_some() {
                    return;
                }
                if el == El::Hidden {
                    self.hidden_from = Some(self.stack.len());
                    return;
                }
                self.open(el, &e);
            }
            Event::Empty(e) => {
                let el = classify(e.name().0);
                if self.hidden_from.is_some() || el == El::Hidden {
                    return;
                }
                self.stack.push(el);
                self.open(el, &e);
                self.stack.pop();
                self.close(el);
            }
            Event::End(_) => {
                let el = self.stack.pop().unwrap_or(El::Other);
                if let Some(from) = self.hidden_from {
                    if self.stack.len() < from {
                        self.hidden_from = None;
                    }
                    return;
                }
                self.close(el);
            }
            Event::Text(t) if self.in_text() => self.push_str(&t.xml10_content()),
            Event::CData(t) if self.in_text() => self.push_str(&t.xml10_content()),
            // quick-xml ≥ 0.38 hands entities over as events of their own.
            Event::GeneralRef(r) if self.in_text() => match r.resolve_char_ref() {
                Ok(Some(c)) => self.push_char(c),
                _ => match quick_xml::escape::resolve_xml_entity(&r) {
                    Some(s) => self.push_str(s),
                    None => {
                        let raw = format!("&{};", &*r);
                        self.push_str(&raw);
                    }
                },
            },
            _ => {}
        }
    }

    fn in_text(&self) -> bool {
        self.hidden_from.is_none() && !self.run_hidden && self.stack.last() == Some(&El::T)
    }

    /// The element `n` levels above the current one (1 = the parent).
    fn up(&self, n: usize) -> Option<El> {
        self.stack.len().checked_sub(n + 1).map(|i| self.stack[i])
    }

    fn push_str(&mut self, s: &str) {
        if let Some(p) = self.paras.last_mut() {
            p.text.push_str(s);
        }
    }

    fn push_char(&mut self, c: char) {
        if let Some(p) = self.paras.last_mut() {
            p.text.push(c);
        }
    }

    fn open(&mut self, el: El, e: &BytesStart<'_>) {
        let parent = self.up(1);
        let in_ppr = parent == Some(El::PPr) && self.up(2) == Some(El::P);
        let in_numpr =
            parent == Some(El::NumPr) && self.up(2) == Some(El::PPr) && self.up(3) == Some(El::P);
        match el {
            El::P => self.paras.push(Para::default()),
            El::R => self.run_hidden = false,
            El::Tab if parent == Some(El::R) => self.push_char('\t'),
            El::Br if parent == Some(El::R) => self.push_char('\n'),
            El::NoBreakHyphen if parent == Some(El::R) => self.push_char('-'),
            El::Sym if parent == Some(El::R) => {
                // Symbol-font glyphs live in the private use area: no text there.
                let c = attr(e, "w:char")
                    .and_then(|h| u32::from_str_radix(h.trim(), 16).ok())
                    .and_then(char::from_u32);
                if let Some(c) = c.filter(|c| !('\u{E000}'..='\u{F8FF}').contains(c)) {
                    self.push_char(c);
                }
            }
            El::PStyle if in_ppr => {
                if let Some(p) = self.paras.last_mut() {
                    p.style = attr(e, "w:val");
                }
            }
            El::Ilvl if in_numpr => {
                let level = attr_num(e, "w:val").map(|l| l.clamp(0, 8) as u8);
                if let Some(p) = self.paras.last_mut() {
                    p.ilvl = level;
                }
            }
            El::NumId if in_numpr => {
                if let Some(p) = self.paras.last_mut() {
                    p.num_id = attr(e, "w:val");
                }
            }
            El::Vanish if parent == Some(El::RPr) && self.up(2) == Some(El::R) => {
                self.run_hidden = is_on(e)
            }
            El::Tbl => self.tables.push(TableState::default()),
            El::Tr => {
                if let Some(t) = self.tables.last_mut() {
                    t.row = Some(Vec::new());
                }
            }
            El::GridBefore if parent == Some(El::TrPr) => {
                let n = attr_num(e, "w:val").unwrap_or(0).clamp(0, 64) as usize;
                if let Some(row) = self.tables.last_mut().and_then(|t| t.row.as_mut()) {
                    row.extend(std::iter::repeat_n(String::new(), n));
                }
            }
            El::Tc => {
                if let Some(t) = self.tables.last_mut() {
                    t.cell = Some(CellState {
                        span: 1,
                        ..CellState::default()
                    });
                }
            }
            El::GridSpan if parent == Some(El::TcPr) => {
                let n = attr_num(e, "w:val").unwrap_or(1).clamp(1, 64) as usize;
                if let Some(cell) = self.tables.last_mut().and_then(|t| t.cell.as_mut()) {
                    cell.span = n;
                }
            }
            El::VMerge if parent == Some(El::TcPr) => {
                let restart = attr(e, "w:val").as_deref() == Some("restart");
                if let Some(cell) = self.tables.last_mut().and_then(|t| t.cell.as_mut()) {
                    cell.vmerge = Some(restart);
                }
            }
            _ => {}
        }
    }

    fn close(&mut self, el: El) {
        match el {
            El::P => {
                let Some(para) = self.paras.pop() else { return };
                let label = self.label(&para);
                let line = match label {
                    Some(label) => label + para.text.as_str(),
                    None => para.text,
                };
                match self.tables.last_mut().and_then(|t| t.cell.as_mut()) {
                    Some(cell) => {
                        if !cell.text.is_empty() {
                            cell.text.push(' ');
                        }
                        cell.text.push_str(&line);
                    }
                    None => self.line(&line),
                }
            }
            El::Tc => {
                let Some(t) = self.tables.last_mut() else {
                    return;
                };
                let Some(cell) = t.cell.take() else { return };
                let row = t.row.get_or_insert_with(Vec::new);
                let col = row.len();
                let mut text = one_line(&cell.text);
                if t.merged.len() < col + cell.span {
                    t.merged.resize(col + cell.span, None);
                }
                match cell.vmerge {
                    Some(true) => t.merged[col] = Some(text.clone()),
                    Some(false) => {
                        if text.is_empty() {
                            text = t.merged[col].clone().unwrap_or_default();
                        }
                    }
                    None => t.merged[col..col + cell.span].fill(None),
                }
                row.push(text);
                row.extend(std::iter::repeat_n(String::new(), cell.span - 1));
            }
            El::Tr => {
                let Some(mut row) = self.tables.last_mut().and_then(|t| t.row.take()) else {
                    return;
                };
                while row.last().is_some_and(String::is_empty) {
                    row.pop();
                }
                if row.is_empty() {
                    return;
                }
                let line = row.join("\t");
                let depth = self.tables.len();
                let outer_cell = depth
                    .checked_sub(2)
                    .and_then(|i| self.tables.get_mut(i))
                    .and_then(|t| t.cell.as_mut());
                match outer_cell {
                    // A table inside a cell: its rows are part of that cell's text.
                    Some(cell) => {
                        if !cell.text.is_empty() {
                            cell.text.push(' ');
                        }
                        cell.text.push_str(&line);
                    }
                    None => self.line(&line),
                }
            }
            El::Tbl => {
                self.tables.pop();
            }
            El::R => self.run_hidden = false,
            _ => {}
        }
    }

    fn line(&mut self, line: &str) {
        self.out.push_str(line);
        self.out.push('\n');
    }

    /// The visible list number of a paragraph, from its own numbering or its style's.
    fn label(&mut self, para: &Para) -> Option<String> {
        let style = para.style.as_deref().or(self.styles.default.as_deref());
        let (style_num, style_ilvl) = style.map_or((None, None), |s| self.styles.numbering_of(s));
        let num_id = para.num_id.as_deref().or(style_num.as_deref())?;
        if num_id == "0" {
            return None;
        }
        let ilvl = para
            .ilvl
            .or(style_ilvl)
            .or_else(|| style.and_then(|s| self.numbering.level_of_style(num_id, s)))
            .unwrap_or(0);
        self.counters.next(self.numbering, num_id, ilvl)
    }
}

/// A cell's text on one line: its breaks and tabs become spaces.
fn one_line(text: &str) -> String {
    text.trim().replace(['\n', '\t'], " ")
}

/// A paragraph style: what it inherits, and the numbering it carries.
#[derive(Default, Clone)]
struct StyleDef {
    based_on: Option<String>,
    num_id: Option<String>,
    ilvl: Option<u8>,
}

/// The paragraph styles of `word/styles.xml` that matter for numbering:
/// headings are often numbered through their style, not the paragraph.
#[derive(Default)]
struct Styles {
    by_id: HashMap<String, StyleDef>,
    default: Option<String>,
}

impl Styles {
    fn parse(xml: &str) -> Result<Styles, quick_xml::Error> {
        let mut styles = Styles::default();
        let mut reader = Reader::from_str(xml);
        let mut current: Option<(String, StyleDef)> = None;
        let mut in_ppr = false;
        let mut in_numpr = false;
        loop {
            let event = reader.read_event()?;
            match &event {
                Event::Start(e) | Event::Empty(e) => {
                    let empty = matches!(event, Event::Empty(_));
                    match e.name().0 {
                        "w:style" => {
                            let is_paragraph = attr(e, "w:type").as_deref() == Some("paragraph");
                            if let (true, Some(id)) = (is_paragraph, attr(e, "w:styleId")) {
                                if attr(e, "w:default").is_some_and(|d| d == "1" || d == "true") {
                                    styles.default = Some(id.clone());
                                }
                                if !empty {
                                    current = Some((id, StyleDef::default()));
                                }
                            }
                        }
                        "w:basedOn" => {
                            if let Some((_, def)) = current.as_mut() {
                                def.based_on = attr(e, "w:val");
                            }
                        }
                        "w:pPr" if !empty => in_ppr = true,
                        "w:numPr" if in_ppr && !empty => in_numpr = true,
                        "w:numId" if in_numpr => {
                            if let Some((_, def)) = current.as_mut() {
                                def.num_id = attr(e, "w:val");
                            }
                        }
                        "w:ilvl" if in_numpr => {
                            if let Some((_, def)) = current.as_mut() {
                                def.ilvl = attr_num(e, "w:val").map(|l| l.clamp(0, 8) as u8);
                            }
                        }
                        _ => {}
                    }
                }
                Event::End(e) => match e.name().0 {
                    "w:style" => {
                        if let Some((id, def)) = current.take() {
                            styles.by_id.insert(id, def);
                        }
                        in_ppr = false;
                        in_numpr = false;
                    }
                    "w:pPr" => in_ppr = false,
                    "w:numPr" => in_numpr = false,
                    _ => {}
                },
                Event::Eof => break,
                _ => {}
            }
        }
        Ok(styles)
    }

    /// The numbering a style carries, itself or through the styles it is based on.
    fn numbering_of(&self, style: &str) -> (Option<String>, Option<u8>) {
        let (mut num_id, mut ilvl) = (None, None);
        let mut id = Some(style);
        // `basedOn` chains are short; the bound stops a cycle in a hostile file.
        for _ in 0..32 {
            let Some(def) = id.and_then(|i| self.by_id.get(i)) else {
                break;
            };
            num_id = num_id.or_else(|| def.num_id.clone());
            ilvl = ilvl.or(def.ilvl);
            if num_id.is_some() && ilvl.is_some() {
                break;
            }
            id = def.based_on.as_deref();
        }
        (num_id, ilvl)
    }
}

/// How a list number is separated from the text (`w:suff`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Suffix {
    #[default]
    Tab,
    Space,
    Nothing,
}

/// One level of a list definition (`w:lvl`).
#[derive(Debug, Clone, Default)]
struct Level {
    /// `w:start`; the standard says 0 when absent.
    start: i64,
    /// `w:numFmt`: `decimal`, `chineseCounting`, `bullet`, …
    format: String,
    /// `w:lvlText`: `%1、`, `（%1）`, `%1.%2` …
    text: Option<String>,
    /// `w:lvlRestart`: restart after a use of a level up to this one (1-based); 0 never.
    restart: Option<i64>,
    /// `w:isLgl`: show every level's number in decimal.
    legal: bool,
    suffix: Suffix,
    /// `w:pStyle`: the paragraph style bound to this level.
    style: Option<String>,
}

#[derive(Debug, Clone, Default)]
struct Override {
    start: Option<i64>,
    level: Option<Level>,
}

/// A list instance (`w:num`): the abstract list it uses, with its overrides.
#[derive(Debug, Clone, Default)]
struct Num {
    abstract_id: String,
    overrides: HashMap<u8, Override>,
}

/// `word/numbering.xml`: the list definitions Word numbers paragraphs with.
///
/// Word keeps one set of counters per abstract list (`w:abstractNum`), shared
/// by the list instances (`w:num`) that use it; an instance with a
/// `w:startOverride` restarts the level the first time it is used. A level
/// restarts when a shallower level advances (or as `w:lvlRestart` says).
#[derive(Debug, Default)]
struct Numbering {
    abstracts: HashMap<String, [Option<Level>; 9]>,
    /// `w:numStyleLink`: an abstract list that takes its levels from the one
    /// holding `w:styleLink` of the same name.
    style_link_uses: HashMap<String, String>,
    style_link_defs: HashMap<String, String>,
    nums: HashMap<String, Num>,
}

impl Numbering {
    fn parse(xml: &str) -> Result<Numbering, quick_xml::Error> {
        let mut numbering = Numbering::default();
        let mut reader = Reader::from_str(xml);
        let mut abstract_id: Option<String> = None;
        let mut levels: [Option<Level>; 9] = Default::default();
        let mut num: Option<(String, Num)> = None;
        let mut override_level: Option<u8> = None;
        let mut level: Option<(u8, Level)> = None;
        loop {
            let event = reader.read_event()?;
            match &event {
                Event::Start(e) | Event::Empty(e) => {
                    let empty = matches!(event, Event::Empty(_));
                    match e.name().0 {
                        "w:abstractNum" if !empty => {
                            abstract_id = attr(e, "w:abstractNumId");
                            levels = Default::default();
                        }
                        "w:num" if !empty => {
                            num = attr(e, "w:numId").map(|id| (id, Num::default()));
                        }
                        "w:abstractNumId" => {
                            if let (Some((_, n)), Some(v)) = (num.as_mut(), attr(e, "w:val")) {
                                n.abstract_id = v;
                            }
                        }
                        "w:lvlOverride" if !empty => {
                            override_level = attr_num(e, "w:ilvl").map(|l| l.clamp(0, 8) as u8);
                        }
                        "w:startOverride" => {
                            if let (Some((_, n)), Some(l)) = (num.as_mut(), override_level) {
                                n.overrides.entry(l).or_default().start = attr_num(e, "w:val");
                            }
                        }
                        "w:lvl" if !empty => {
                            let ilvl = attr_num(e, "w:ilvl").map_or(0, |l| l.clamp(0, 8) as u8);
                            level = Some((ilvl, Level::default()));
                        }
                        "w:numStyleLink" => {
                            if let (Some(id), Some(v)) = (&abstract_id, attr(e, "w:val")) {
                                numbering.style_link_uses.insert(id.clone(), v);
                            }
                        }
                        "w:styleLink" => {
                            if let (Some(id), Some(v)) = (&abstract_id, attr(e, "w:val")) {
                                numbering.style_link_defs.insert(v, id.clone());
                            }
                        }
                        name => {
                            if let Some((_, l)) = level.as_mut() {
                                match name {
                                    "w:start" => l.start = attr_num(e, "w:val").unwrap_or(0),
                                    // Inside `mc:AlternateContent` the fallback comes
                                    // last and wins: `decimal` for a `custom` format.
                                    "w:numFmt" => l.format = attr(e, "w:val").unwrap_or_default(),
                                    "w:lvlText" => l.text = attr(e, "w:val"),
                                    "w:lvlRestart" => l.restart = attr_num(e, "w:val"),
                                    "w:isLgl" => l.legal = is_on(e),
                                    "w:pStyle" => l.style = attr(e, "w:val"),
                                    "w:suff" => {
                                        l.suffix = match attr(e, "w:val").as_deref() {
                                            Some("space") => Suffix::Space,
                                            Some("nothing") => Suffix::Nothing,
                                            _ => Suffix::Tab,
                                        }
                                    }
                                    _ => {}
                                }
                            }
                        }
                    }
                }
                Event::End(e) => match e.name().0 {
                    "w:lvl" => {
                        if let Some((ilvl, l)) = level.take() {
                            match (num.as_mut(), override_level) {
                                (Some((_, n)), Some(o)) => {
                                    n.overrides.entry(o).or_default().level = Some(l)
                                }
                                _ => levels[ilvl as usize] = Some(l),
                            }
                        }
                    }
                    "w:lvlOverride" => override_level = None,
                    "w:abstractNum" => {
                        if let Some(id) = abstract_id.take() {
                            numbering.abstracts.insert(id, std::mem::take(&mut levels));
                        }
                    }
                    "w:num" => {
                        if let Some((id, n)) = num.take() {
                            numbering.nums.insert(id, n);
                        }
                    }
                    _ => {}
                },
                Event::Eof => break,
                _ => {}
            }
        }
        Ok(numbering)
    }

    /// The abstract list that holds the levels of instance `num_id`.
    fn abstract_of(&self, num_id: &str) -> Option<(&str, &Num)> {
        let num = self.nums.get(num_id)?;
        let mut id = num.abstract_id.as_str();
        if let Some(target) = self
            .style_link_uses
            .get(id)
            .and_then(|link| self.style_link_defs.get(link))
        {
            id = target;
        }
        Some((id, num))
    }

    fn level(&self, num_id: &str, ilvl: u8) -> Option<&Level> {
        let (abstract_id, num) = self.abstract_of(num_id)?;
        num.overrides
            .get(&ilvl)
            .and_then(|o| o.level.as_ref())
            .or_else(|| self.abstracts.get(abstract_id)?[ilvl as usize].as_ref())
    }

    /// The level of list `num_id` bound to paragraph style `style`.
    fn level_of_style(&self, num_id: &str, style: &str) -> Option<u8> {
        (0..9u8).find(|&l| self.level(num_id, l).and_then(|d| d.style.as_deref()) == Some(style))
    }
}

/// The running numbers of every list, per abstract list and level.
#[derive(Default)]
struct Counters {
    values: HashMap<String, [Option<i64>; 9]>,
    /// List instances already used (their start overrides have been applied).
    used: HashSet<String>,
}

impl Counters {
    /// Advances level `ilvl` of list `num_id` and returns the number as shown.
    fn next(&mut self, numbering: &Numbering, num_id: &str, ilvl: u8) -> Option<String> {
        let (abstract_id, num) = numbering.abstract_of(num_id)?;
        let def = numbering.level(num_id, ilvl)?;
        let start_of = |l: u8| {
            num.overrides
                .get(&l)
                .and_then(|o| o.start)
                .or_else(|| numbering.level(num_id, l).map(|d| d.start))
                .unwrap_or(1)
        };
        let values = self.values.entry(abstract_id.to_owned()).or_default();
        if self.used.insert(num_id.to_owned()) {
            for (&l, o) in &num.overrides {
                if o.start.is_some() {
                    values[l as usize] = None;
                }
            }
        }
        let i = ilvl as usize;
        values[i] = Some(values[i].map_or(start_of(ilvl), |v| v.saturating_add(1)));
        for (deeper, value) in values.iter_mut().enumerate().skip(i + 1) {
            let restart_after = numbering
                .level(num_id, deeper as u8)
                .and_then(|d| d.restart)
                .unwrap_or(deeper as i64);
            if (i as i64) < restart_after {
                *value = None;
            }
        }
        if def.format == "bullet" {
            return None;
        }
        let template = def.text.as_deref()?;
        let mut label = String::new();
        let mut chars = template.chars().peekable();
        while let Some(c) = chars.next() {
            let level = match (c, chars.peek()) {
                ('%', Some(d @ '1'..='9')) => *d as u8 - b'1',
                _ => {
                    label.push(c);
                    continue;
                }
            };
            chars.next();
            let value = values[level as usize].unwrap_or_else(|| start_of(level));
            let format = if def.legal {
                "decimal"
            } else {
                numbering
                    .level(num_id, level)
                    .map_or("decimal", |d| d.format.as_str())
            };
            label.push_str(&format_number(value, format));
        }
        if label.trim().is_empty() {
            return None;
        }
        match def.suffix {
            Suffix::Nothing => {}
            Suffix::Space => label.push(' '),
            // Word shows a tab stop; in text the notation writes `一、总体要求`
            // and `1.加强…` with no gap, and a TAB would split table cells. A
            // label that ends in a letter (`第一章`) still needs a space.
            Suffix::Tab => {
                if label.chars().last().is_some_and(char::is_alphanumeric) {
                    label.push(' ');
                }
            }
        }
        Some(label)
    }
}

/// A number in one of Word's list formats (`w:numFmt`).
fn format_number(n: i64, format: &str) -> String {
    const CIRCLED: char = '\u{2460}';
    const PARENTHESIZED: char = '\u{2474}';
    const FULL_STOP: char = '\u{2488}';
    let enclosed = |first: char| {
        (1..=20)
            .contains(&n)
            .then(|| char::from_u32(first as u32 + n as u32 - 1))
            .flatten()
            .map_or_else(|| n.to_string(), String::from)
    };
    match format {
        "none" => String::new(),
        "decimalZero" if (0..10).contains(&n) => format!("0{n}"),
        "decimalFullWidth" | "decimalFullWidth2" => n
            .to_string()
            .chars()
            .map(|c| {
                c.to_digit(10)
                    .and_then(|d| char::from_u32(0xFF10 + d))
                    .unwrap_or(c)
            })
            .collect(),
        "upperLetter" | "lowerLetter" if n >= 1 => {
            let base = if format == "upperLetter" { b'A' } else { b'a' };
            let letter = (base + ((n - 1) % 26) as u8) as char;
            std::iter::repeat_n(letter, ((n - 1) / 26 + 1).min(50) as usize).collect()
        }
        "upperRoman" | "lowerRoman" if (1..4000).contains(&n) => {
            let roman = roman(n);
            if format == "lowerRoman" {
                roman.to_ascii_lowercase()
            } else {
                roman
            }
        }
        "chineseCounting"
        | "chineseCountingThousand"
        | "japaneseCounting"
        | "taiwaneseCounting"
        | "taiwaneseCountingThousand" => {
            chinese(n, "零一二三四五六七八九", ["", "十", "百", "千"], true)
        }
        "chineseLegalSimplified" => {
            chinese(n, "零壹贰叁肆伍陆柒捌玖", ["", "拾", "佰", "仟"], false)
        }
        "ideographLegalTraditional" => {
            chinese(n, "零壹貳參肆伍陸柒捌玖", ["", "拾", "佰", "仟"], false)
        }
        "ideographDigital" | "taiwaneseDigital" | "japaneseDigitalTenThousand" if n >= 0 => n
            .to_string()
            .chars()
            .map(|c| {
                c.to_digit(10)
                    .and_then(|d| "〇一二三四五六七八九".chars().nth(d as usize))
                    .unwrap_or(c)
            })
            .collect(),
        "ideographTraditional" if (1..=10).contains(&n) => "甲乙丙丁戊己庚辛壬癸"
            .chars()
            .nth(n as usize - 1)
            .map(String::from)
            .unwrap_or_default(),
        "ideographZodiac" if (1..=12).contains(&n) => "子丑寅卯辰巳午未申酉戌亥"
            .chars()
            .nth(n as usize - 1)
            .map(String::from)
            .unwrap_or_default(),
        "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" | "ideographEnclosedCircle" => {
            enclosed(CIRCLED)
        }
        "decimalEnclosedParen" => enclosed(PARENTHESIZED),
        "decimalEnclosedFullstop" => enclosed(FULL_STOP),
        _ => n.to_string(),
    }
}

fn roman(mut n: i64) -> String {
    const TABLE: [(i64, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (value, letters) in TABLE {
        while n >= value {
            out.push_str(letters);
            n -= value;
        }
    }
    out
}

/// A Chinese numeral below 10,000: `十一`, `二十`, `一百零五`. `short_ten` drops
/// the 一 of 一十 (一十一 is written 十一 in counting, 壹拾壹 in legal form).
fn chinese(n: i64, digits: &str, units: [&str; 4], short_ten: bool) -> String {
    if !(0..10_000).contains(&n) {
        return n.to_string();
    }
    let digits: Vec<char> = digits.chars().collect();
    if n == 0 {
        // Zero alone is 〇 in counting; 零 only fills a gap (一百零五).
        return if short_ten {
            "〇".to_owned()
        } else {
            digits[0].to_string()
        };
    }
    let mut out = String::new();
    let mut zero_pending = false;
    for position in (0..4).rev() {
        let d = (n / 10_i64.pow(position)) % 10;
        if d == 0 {
            zero_pending = !out.is_empty();
            continue;
        }
        if zero_pending {
            out.push(digits[0]);
            zero_pending = false;
        }
        if !(short_ten && d == 1 && position == 1 && out.is_empty()) {
            out.push(digits[d as usize]);
        }
        out.push_str(units[position as usize]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_reader_stops_past_the_limit_and_not_at_it() {
        let mut at_limit = Capped {
            inner: &b"12345"[..],
            left: 5,
            exceeded: false,
        };
        let mut out = Vec::new();
        assert!(at_limit.read_to_end(&mut out).is_ok());
        assert_eq!(out, b"12345");
        assert!(!at_limit.exceeded);

        let mut past = Capped {
            inner: &b"123456"[..],
            left: 5,
            exceeded: false,
        };
        assert!(past.read_to_end(&mut Vec::new()).is_err());
        assert!(past.exceeded);
    }

    #[test]
    fn chinese_numerals_read_as_written() {
        let counting = |n| format_number(n, "chineseCounting");
        assert_eq!(counting(1), "一");
        assert_eq!(counting(10), "十");
        assert_eq!(counting(11), "十一");
        assert_eq!(counting(20), "二十");
        assert_eq!(counting(21), "二十一");
        assert_eq!(counting(100), "一百");
        assert_eq!(counting(105), "一百零五");
        assert_eq!(counting(110), "一百一十");
        assert_eq!(counting(1001), "一千零一");
        assert_eq!(counting(0), "〇");
        assert_eq!(format_number(11, "chineseLegalSimplified"), "壹拾壹");
        assert_eq!(format_number(3, "decimalEnclosedCircle"), "③");
        assert_eq!(format_number(21, "decimalEnclosedCircle"), "21");
        assert_eq!(format_number(28, "upperLetter"), "BB");
        assert_eq!(format_number(14, "lowerRoman"), "xiv");
        assert_eq!(format_number(3, "ideographTraditional"), "丙");
        assert_eq!(format_number(12, "decimalFullWidth"), "１２");
    }
}
