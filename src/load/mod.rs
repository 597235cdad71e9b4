//! Load stage: bytes on disk to the text the grammar reads.
//!
//! [`load`] reads one file and returns a [`Source`]: the decoded text as a
//! person reads it, a normalised copy of it for the grammar, and a line index.
//! [`discover`] turns the paths a user gave into the files to load, and
//! [`write_atomic`] / [`encode_like`] write fixed text back without ever
//! leaving a half-written file.
//!
//! # What is read, and how
//!
//! The format is detected from the content, never from the extension alone:
//!
//! - a zip archive holding `word/document.xml` is a Word document
//!   ([`Format::Docx`]): its body text, one paragraph per line, with Word's
//!   automatic list numbers (`一、`, `（一）`, `1.`) written back in front of
//!   the paragraphs they number, and each table row on one line with its cells
//!   separated by a TAB;
//! - a file named `.html`/`.htm` (or starting with `<!DOCTYPE html` / `<html`) is
//!   a web page ([`Format::Html`]): its visible text, block elements on lines of
//!   their own, table cells separated by a TAB;
//! - `.md` is [`Format::Markdown`], anything else [`Format::Text`]: the text as is
//!   (for Markdown, its markup is blanked in [`Source::normalized`], below).
//!
//! Text is decoded from UTF-8 (with or without a BOM), UTF-16 with a BOM, or
//! GB18030/GBK, which is recognised from the bytes (a file that is not valid
//! UTF-8 and that chardetng, told the text comes from `.cn`, takes for
//! GBK/GB18030, and that decodes as GB18030 without a single error). A web
//! page's `<meta charset>` is honoured when the bytes agree with it.
//!
//! # Normalisation and offsets
//!
//! [`Source::normalized`] is [`Source::text`] with noise blanked out, **byte for
//! byte the same length**, so that a byte offset (and therefore a line and a
//! column) means the same place in both: the grammar reads `normalized`, a
//! diagnostic is drawn on `text`, and no offset map is needed. Three things
//! are blanked, each with as many ASCII spaces as it has bytes:
//!
//! - Word-conversion debris `[bookmark: …]` (`[bookmark: _GoBack]`,
//!   `[bookmark: _Toc42160683]`);
//! - odd spaces: U+00A0, U+2000–U+200B, U+202F, U+205F, U+2060, U+3000, and
//!   U+FEFF inside the text (a leading BOM is already stripped from `text`);
//! - a `\r` before `\n`;
//! - in Markdown, the markup: a heading's `#`s (`## 一、总体要求`), a quote's
//!   `>`, a bullet (`- `, `* `, `+ `), `**`, `__` and backticks.
//!
//! Nothing else changes: no NFKC, no full-width to ASCII folding (both would
//! move offsets); the grammar spells out both widths instead. For `.docx` and
//! `.html` the offsets are offsets into the extracted text, which is what
//! `text` holds.
//!
//! # Limits
//!
//! A file larger than [`MAX_FILE_SIZE`] is refused without being read, and so is
//! a `.docx` whose `word/document.xml` (or numbering or styles part) would
//! inflate past [`MAX_DOCX_PART_SIZE`] (a zip bomb): the declared size is
//! checked first, and the inflated bytes are counted while they stream, in case
//! the declared size lies.

mod decode;
mod docx;
mod html;
mod walk;
mod write;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use walk::discover;
pub use write::{encode_like, write_atomic, write_atomic_with};

/// The largest file [`load`] reads: 64 MiB. Real plans are a few dozen KiB; a
/// larger file is refused with [`LoadError::TooLarge`] before it is read.
pub const MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

/// The most a single part of a `.docx` (`word/document.xml`, `numbering.xml`,
/// `styles.xml`) may inflate to: 64 MiB. Past it the file is refused as a zip
/// bomb with [`LoadError::DocxTooLarge`].
pub const MAX_DOCX_PART_SIZE: u64 = 64 * 1024 * 1024;

/// What kind of document a file holds, detected from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Text,
    Markdown,
    Html,
    Docx,
}

impl Format {
    /// The lowercase name used in messages and JSON (`text`, `docx`, …).
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Docx => "docx",
        }
    }
}

/// One loaded document.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path as the user gave it (or as the walk found it).
    pub path: PathBuf,
    pub format: Format,
    /// The encoding the bytes were in: `UTF-8`, `UTF-8 BOM`, `UTF-16LE`,
    /// `UTF-16BE` (both only ever with a BOM), `GB18030` (also for GBK and
    /// GB2312, which it contains). A web page may also report the encoding its
    /// `<meta charset>` named (`Big5`, `windows-1252`, …). A `.docx` reports
    /// `UTF-8`, the encoding of its XML.
    pub encoding: &'static str,
    /// The decoded text, as a person reads it: diagnostics are drawn on it and
    /// lines and columns count in it. For `.docx` and `.html`, the extracted text.
    /// A leading BOM is not part of it.
    pub text: Arc<str>,
    /// `text` with Word debris and odd spaces blanked out, byte for byte the same
    /// length, so that a byte offset means the same place in both (see the
    /// module documentation for what is blanked).
    pub normalized: String,
    pub lines: LineIndex,
}

impl Source {
    /// A source over text that is already decoded (tests, fuzzing, text from
    /// another tool): computes [`Source::normalized`] and the line index.
    pub fn from_text(
        path: impl Into<PathBuf>,
        format: Format,
        encoding: &'static str,
        text: impl Into<Arc<str>>,
    ) -> Source {
        let text: Arc<str> = text.into();
        let mut normalized = normalize(&text);
        if format == Format::Markdown {
            normalized = blank_markdown(normalized);
        }
        Source {
            path: path.into(),
            format,
            encoding,
            normalized,
            lines: LineIndex::new(&text),
            text,
        }
    }

    /// 1-based line and character column of byte `offset` in [`Source::text`].
    pub fn locate(&self, offset: usize) -> (u32, u32) {
        self.lines.locate(&self.text, offset)
    }
}

/// Line starts of a text, to turn byte offsets into 1-based line and
/// character column in O(log n).
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        // memchr's iterator: `match_indices` paid some 240 instructions a line.
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex { starts }
    }

    /// 1-based line and 1-based character column of byte `offset` in `text`.
    ///
    /// An offset inside a multi-byte character counts as that character; an
    /// offset past the end is clamped to the end.
    pub fn locate(&self, text: &str, offset: usize) -> (u32, u32) {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let col = text.get(start..offset).map_or(0, |s| s.chars().count());
        (line as u32 + 1, col as u32 + 1)
    }

    /// Byte offset where 1-based `line` starts.
    pub fn line_start(&self, line: u32) -> Option<usize> {
        self.starts.get((line as usize).checked_sub(1)?).copied()
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

/// Why a file could not be read as a plan (or written back).
///
/// Every message starts with the file's path; [`LoadError::code`] gives a
/// stable short code for machine-readable output.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    #[error("{path}: no such file or directory")]
    NotFound { path: PathBuf },
    #[error("{path}: is a directory (give a file, or pass the directory to `check` to walk it)")]
    IsDirectory { path: PathBuf },
    #[error("{path}: permission denied")]
    PermissionDenied { path: PathBuf },
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file holds no bytes, or only white space (for `.docx`/`.html`: no
    /// visible text).
    #[error("{path}: empty: {what}")]
    Empty { path: PathBuf, what: &'static str },
    /// The file is not text: NUL bytes, control characters, or the signature of
    /// a known binary format.
    #[error("{path}: not a text document: {what}")]
    Binary { path: PathBuf, what: String },
    /// Text in an encoding that is neither UTF-8 nor GB18030.
    #[error("{path}: cannot decode: {detail}")]
    Undecodable { path: PathBuf, detail: String },
    /// A `.docx` whose zip or XML is damaged or cut short.
    #[error("{path}: corrupt or truncated .docx: {detail}")]
    CorruptDocx { path: PathBuf, detail: String },
    /// A `.docx` part that inflates past [`MAX_DOCX_PART_SIZE`] (a zip bomb).
    #[error("{path}: refused: {part} inflates past {limit} bytes (the limit for one part of a .docx; is it a zip bomb?)")]
    DocxTooLarge {
        path: PathBuf,
        part: &'static str,
        limit: u64,
    },
    /// A file larger than [`MAX_FILE_SIZE`].
    #[error("{path}: refused: the file is larger than {limit} bytes (size {size})")]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    /// A symbolic link that leads back to one of its own ancestors.
    #[error("{path}: symbolic link loop (it leads back to {ancestor})")]
    SymlinkLoop { path: PathBuf, ancestor: PathBuf },
    /// `encode_like` on a document that cannot be written back as text.
    #[error("{path}: cannot write fixes back into a {} document; fix the source document by hand", format.name())]
    CannotWriteBack { path: PathBuf, format: Format },
    /// A character the file's encoding cannot represent.
    #[error("{path}: cannot write in {encoding}: {detail}")]
    Unencodable {
        path: PathBuf,
        encoding: &'static str,
        detail: String,
    },
    #[error("{path}: cannot write: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl LoadError {
    /// A stable short code for JSON and SARIF output (`load::binary`, …).
    pub fn code(&self) -> &'static str {
        match self {
            LoadError::NotFound { .. } => "load::not-found",
            LoadError::IsDirectory { .. } => "load::is-directory",
            LoadError::PermissionDenied { .. } => "load::permission-denied",
            LoadError::Io { .. } => "load::io",
            LoadError::Empty { .. } => "load::empty",
            LoadError::Binary { .. } => "load::binary",
            LoadError::Undecodable { .. } => "load::undecodable",
            LoadError::CorruptDocx { .. } => "load::corrupt-docx",
            LoadError::DocxTooLarge { .. } => "load::docx-too-large",
            LoadError::TooLarge { .. } => "load::too-large",
            LoadError::SymlinkLoop { .. } => "load::symlink-loop",
            LoadError::CannotWriteBack { .. } => "load::cannot-write-back",
            LoadError::Unencodable { .. } => "load::unencodable",
            LoadError::Write { .. } => "load::write",
        }
    }

    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            LoadError::NotFound { path }
            | LoadError::IsDirectory { path }
            | LoadError::PermissionDenied { path }
            | LoadError::Io { path, .. }
            | LoadError::Empty { path, .. }
            | LoadError::Binary { path, .. }
            | LoadError::Undecodable { path, .. }
            | LoadError::CorruptDocx { path, .. }
            | LoadError::DocxTooLarge { path, .. }
            | LoadError::TooLarge { path, .. }
            | LoadError::SymlinkLoop { path, .. }
            | LoadError::CannotWriteBack { path, .. }
            | LoadError::Unencodable { path, .. }
            | LoadError::Write { path, .. } => path,
        }
    }

    /// Maps an I/O error met while reading `path` to the variant that says it best.
    pub(crate) fn from_io(path: &Path, source: std::io::Error) -> LoadError {
        let path = path.to_owned();
        match source.kind() {
            std::io::ErrorKind::NotFound => LoadError::NotFound { path },
            std::io::ErrorKind::PermissionDenied => LoadError::PermissionDenied { path },
            _ => LoadError::Io { path, source },
        }
    }
}

/// Reads and decodes one file.
///
/// A directory, a missing path, an unreadable file, a file past
/// [`MAX_FILE_SIZE`], and any content [`load_bytes`] refuses are errors naming
/// the file; nothing here panics on input.
pub fn load(path: &Path) -> Result<Source, LoadError> {
    let meta = std::fs::metadata(path).map_err(|e| LoadError::from_io(path, e))?;
    if meta.is_dir() {
        return Err(LoadError::IsDirectory {
            path: path.to_owned(),
        });
    }
    if meta.len() > MAX_FILE_SIZE {
        return Err(LoadError::TooLarge {
            path: path.to_owned(),
            size: meta.len(),
            limit: MAX_FILE_SIZE,
        });
    }
    let file = open_for_reading(path, &meta).map_err(|e| LoadError::from_io(path, e))?;
    // The size from the metadata is only a hint: a device or a pipe reports 0,
    // and a file may grow while it is read. Reading one byte past the limit
    // tells a file that is too large from one that is exactly at it.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_FILE_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| LoadError::from_io(path, e))?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(LoadError::TooLarge {
            path: path.to_owned(),
            size: bytes.len() as u64,
            limit: MAX_FILE_SIZE,
        });
    }
    load_bytes(path, &bytes)
}

/// Opens a file to read it whole. A named pipe (FIFO) with nothing writing to
/// it would block `open` for ever, as it blocks `cat`: it is opened without
/// waiting and then read as usual, so with no writer it reads as empty (an
/// error naming it), while a pipe that has one (`planlint check <(…)`) reads
/// what is written.
#[cfg(unix)]
fn open_for_reading(path: &Path, meta: &std::fs::Metadata) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    use std::os::unix::io::AsRawFd;
    if !meta.file_type().is_fifo() {
        return std::fs::File::open(path);
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let fd = file.as_raw_fd();
    // SAFETY: `fd` is the open descriptor `file` owns for the whole call;
    // F_GETFL/F_SETFL only read and set its status flags.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(file)
}

#[cfg(not(unix))]
fn open_for_reading(path: &Path, _meta: &std::fs::Metadata) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// Decodes the bytes of a file that has already been read (`path` names it in
/// errors, and its extension says whether text is HTML or Markdown).
///
/// This is [`load`] without the file system: the entry point for fuzzing and
/// for text that comes from a pipe.
// Out of line: benches/instructions.sh counts loading by it.
#[inline(never)]
pub fn load_bytes(path: &Path, bytes: &[u8]) -> Result<Source, LoadError> {
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(LoadError::TooLarge {
            path: path.to_owned(),
            size: bytes.len() as u64,
            limit: MAX_FILE_SIZE,
        });
    }
    if bytes.is_empty() {
        return Err(LoadError::Empty {
            path: path.to_owned(),
            what: "the file holds no bytes",
        });
    }
    let (format, encoding, text) = if decode::is_zip(bytes) {
        (Format::Docx, "UTF-8", docx::extract(path, bytes)?)
    } else {
        if !decode::has_utf16_bom(bytes) {
            if let Some(what) = decode::sniff_binary(bytes) {
                return Err(LoadError::Binary {
                    path: path.to_owned(),
                    what,
                });
            }
        }
        if is_html(path, bytes) {
            let declared = html::declared_charset(bytes);
            let (text, encoding) = decode::decode(path, bytes, declared)?;
            (Format::Html, encoding, html::extract(&text))
        } else {
            let (text, encoding) = decode::decode(path, bytes, None)?;
            let format = if has_extension(path, &["md", "markdown"]) {
                Format::Markdown
            } else {
                Format::Text
            };
            (format, encoding, text)
        }
    };
    if text.trim().is_empty() {
        return Err(LoadError::Empty {
            path: path.to_owned(),
            what: match format {
                Format::Docx => "the document body holds no text",
                Format::Html => "the page holds no visible text",
                Format::Text | Format::Markdown => "the file holds only white space",
            },
        });
    }
    Ok(Source::from_text(path, format, encoding, text))
}

fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// HTML by name, or by a doctype/`<html>` at the start whatever the name.
fn is_html(path: &Path, bytes: &[u8]) -> bool {
    if has_extension(path, &["html", "htm", "xhtml", "shtml"]) {
        return true;
    }
    let start = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = start.trim_ascii_start();
    let head = &start[..start.len().min(16)];
    let lower = head.to_ascii_lowercase();
    lower.starts_with(b"<!doctype html") || lower.starts_with(b"<html")
}

/// `text` with its Markdown markup blanked, byte for byte the same length: the
/// `#`s of a heading and a quote's `>` at the start of a line, a bullet
/// (`- `, `* `, `+ `), and `**`, `__` and backticks anywhere. All are ASCII, so
/// the text stays valid UTF-8.
fn blank_markdown(text: String) -> String {
    let mut bytes = text.into_bytes();
    let mut start = 0;
    while start < bytes.len() {
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
        let line = &mut bytes[start..end];
        let mut i = line.iter().take_while(|b| **b == b' ').count();
        while line.get(i) == Some(&b'>') {
            line[i] = b' ';
            i += 1;
            i += line[i..].iter().take_while(|b| **b == b' ').count();
        }
        let hashes = line[i..].iter().take_while(|b| **b == b'#').count();
        if (1..=6).contains(&hashes) && matches!(line.get(i + hashes), None | Some(b' ')) {
            line[i..i + hashes].fill(b' ');
        } else if matches!(line.get(i), Some(b'-' | b'*' | b'+')) && line.get(i + 1) == Some(&b' ')
        {
            line[i] = b' ';
        }
        let mut k = 0;
        while k < line.len() {
            match line[k] {
                b'`' => line[k] = b' ',
                b'*' | b'_' if line.get(k + 1) == Some(&line[k]) => {
                    line[k] = b' ';
                    line[k + 1] = b' ';
                    k += 1;
                }
                _ => {}
            }
            k += 1;
        }
        start = end + 1;
    }
    // Only ASCII bytes were replaced, by ASCII spaces: still UTF-8.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// `text` with Word debris and odd spaces blanked, byte for byte the same
/// length (see the module documentation for the list).
pub fn normalize(text: &str) -> String {
    // A bookmark name is short (`_Toc42160683`); a longer span is not debris.
    const MAX_DEBRIS_LEN: usize = 256;
    let mut out = String::with_capacity(text.len());
    // Bytes of `text` before `done` are in `out`.
    let mut done = 0;
    for i in blank_candidates(text) {
        if i < done {
            // Inside debris already blanked.
            continue;
        }
        let rest = &text[i..];
        let Some(c) = rest.chars().next() else {
            break;
        };
        let blank = if is_odd_space(c) || (c == '\r' && rest[1..].starts_with('\n')) {
            c.len_utf8()
        } else if rest.starts_with(DEBRIS) {
            let close = rest
                .char_indices()
                .take_while(|&(j, _)| j < MAX_DEBRIS_LEN)
                .find(|&(_, ch)| ch == ']' || ch == '\n');
            match close {
                Some((end, ']')) => end + 1,
                // Not closed on its line: text that merely starts like debris.
                _ => continue,
            }
        } else {
            continue;
        };
        out.push_str(&text[done..i]);
        out.extend(std::iter::repeat_n(' ', blank));
        done = i + blank;
    }
    out.push_str(&text[done..]);
    debug_assert_eq!(out.len(), text.len());
    out
}

/// Word's bookmark debris, `[bookmark: _GoBack]`.
const DEBRIS: &str = "[bookmark: ";

/// Where in `text` a character that [`normalize`] may blank can start, in
/// order: each `\r` and `[`, and the first bytes of the odd spaces (U+00A0,
/// U+2000–U+206F, U+3000, U+FEFF). Each kind is found by a SIMD search of
/// its own: scanning a byte at a time for their lead bytes stopped at every
/// mark of Chinese punctuation (`，` and `。` share them).
fn blank_candidates(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut at: Vec<usize> = memchr::memchr3_iter(b'\r', b'[', 0xC2, bytes)
        .chain(memchr::memchr_iter(0xE2, bytes))
        .chain(memchr::memmem::find_iter(bytes, "\u{3000}".as_bytes()))
        .chain(memchr::memmem::find_iter(bytes, "\u{FEFF}".as_bytes()))
        .collect();
    at.sort_unstable();
    at
}

/// Spaces that look like a space (or like nothing) but are not ASCII.
fn is_odd_space(c: char) -> bool {
    matches!(
        c,
        '\u{00A0}' | '\u{2000}'
            ..='\u{200B}' | '\u{202F}' | '\u{205F}' | '\u{2060}' | '\u{3000}' | '\u{FEFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SIMD searches blank what a scan of every character blanks.
    #[test]
    fn normalize_blanks_what_a_character_scan_blanks() {
        let by_chars = |text: &str| {
            let mut out = String::new();
            let mut i = 0;
            while let Some(c) = text[i..].chars().next() {
                let rest = &text[i..];
                let debris = rest
                    .starts_with(DEBRIS)
                    .then(|| {
                        rest.char_indices()
                            .take_while(|&(j, _)| j < 256)
                            .find(|&(_, ch)| ch == ']' || ch == '\n')
                    })
                    .flatten()
                    .filter(|&(_, ch)| ch == ']')
                    .map(|(end, _)| end + 1);
                let blank = if is_odd_space(c) || (c == '\r' && rest[1..].starts_with('\n')) {
                    Some(c.len_utf8())
                } else {
                    debris
                };
                match blank {
                    Some(n) => {
                        out.extend(std::iter::repeat_n(' ', n));
                        i += n;
                    }
                    None => {
                        out.push(c);
                        i += c.len_utf8();
                    }
                }
            }
            out
        };
        let pieces = [
            "任务",
            "、",
            "。",
            "\u{3000}",
            "\u{00A0}",
            "\u{00A9}",
            "\u{2003}",
            "\u{2060}",
            "\u{2070}",
            "\u{200B}",
            "\u{202F}",
            "“",
            "\u{FEFF}",
            "\u{FF08}",
            "\r",
            "\r\n",
            "\n",
            "[",
            "[bookmark: _GoBack]",
            "[bookmark",
            "a",
            "é",
            "€",
            "𠀀",
        ];
        // Every string of up to three pieces, and each suffix of it.
        let mut checked = 0;
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let s = format!("{a}{b}{c}");
                    for (i, _) in s.char_indices() {
                        let rest = &s[i..];
                        assert_eq!(normalize(rest), by_chars(rest), "in {rest:?}");
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 10_000);
    }
}
