//! Bytes to text: binary sniffing and encoding detection.
//!
//! The order matters and follows STACK.md: a BOM decides first, then strict
//! UTF-8, then chardetng's guess (told the text comes from `.cn`), and the
//! guess is only accepted when GB18030 decodes the bytes without one error.
//! Guessing never silently replaces bytes: a file that is neither UTF-8 nor
//! GB18030 is an error that says where the first bad byte is.

use std::path::Path;

use encoding_rs::{DecoderResult, Encoding, GB18030, GBK, UTF_16BE, UTF_16LE, UTF_8};

use super::LoadError;

/// The names [`super::Source::encoding`] takes for text files.
pub(crate) const UTF8: &str = "UTF-8";
pub(crate) const UTF8_BOM: &str = "UTF-8 BOM";
pub(crate) const UTF16LE: &str = "UTF-16LE";
pub(crate) const UTF16BE: &str = "UTF-16BE";
pub(crate) const GB18030_NAME: &str = "GB18030";

/// How much of the start of a file the control-character test looks at.
const SNIFF_LEN: usize = 64 * 1024;

/// A local file header: every zip (and so every `.docx`) starts with it.
pub(crate) fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

pub(crate) fn has_utf16_bom(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF])
}

/// Signatures of formats a user may plausibly point planlint at by mistake,
/// with what to tell them.
const MAGIC: &[(&[u8], &str)] = &[
    (
        b"%PDF-",
        "a PDF document; export its text or save it as .docx",
    ),
    (
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
        "a legacy Office file (.doc, .wps or .xls); save it as .docx",
    ),
    (b"{\\rtf", "an RTF document; save it as .docx or .txt"),
    (b"\x89PNG\r\n\x1A\n", "a PNG image"),
    (b"\xFF\xD8\xFF", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\x7FELF", "an executable (ELF)"),
    (b"\x1F\x8B", "a gzip archive"),
    (b"7z\xBC\xAF\x27\x1C", "a 7-Zip archive"),
    (b"Rar!\x1A\x07", "a RAR archive"),
];

/// Why `bytes` are not text, if they are not.
pub(crate) fn sniff_binary(bytes: &[u8]) -> Option<String> {
    if let Some((_, what)) = MAGIC.iter().find(|(magic, _)| bytes.starts_with(magic)) {
        return Some((*what).to_owned());
    }
    if let Some(at) = memchr::memchr(0, bytes) {
        return Some(if looks_like_bomless_utf16(bytes) {
            "NUL bytes: this looks like UTF-16 without a byte-order mark; save it as UTF-8"
                .to_owned()
        } else {
            format!("binary data (a NUL byte at byte offset {at})")
        });
    }
    let head = &bytes[..bytes.len().min(SNIFF_LEN)];
    // Text has line breaks and tabs, and now and then a form feed or an escape;
    // other C0 controls and DEL are rare in it and common in binary data.
    // Counted in byte-wide sums over short chunks, without a branch: that
    // form the compiler turns into vector code (a byte at a time, it was a
    // fifth of loading a plan).
    let controls: usize = head
        .chunks(255)
        .map(|chunk| {
            let n = chunk.iter().fold(0u8, |n, &b| {
                let allowed =
                    (b == b'\t') | (b == b'\n') | (b == b'\r') | (b == 0x0C) | (b == 0x1B);
                n + u8::from(((b < 0x20) & !allowed) | (b == 0x7F))
            });
            usize::from(n)
        })
        .sum();
    if controls * 10 > head.len() {
        return Some(format!(
            "binary data ({controls} control bytes in the first {} bytes)",
            head.len()
        ));
    }
    None
}

/// ASCII-heavy UTF-16 has a NUL in every other byte.
fn looks_like_bomless_utf16(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096) & !1];
    // Too few bytes to tell a pattern from chance.
    if head.len() < 16 {
        return false;
    }
    let pairs = head.len() / 2;
    let even = head.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd = head.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    (odd * 5 > pairs * 2 && even * 20 < pairs) || (even * 5 > pairs * 2 && odd * 20 < pairs)
}

/// Decodes text bytes, returning the text (without BOM) and the name of the
/// encoding. `declared` is an encoding the document itself names (an HTML
/// `<meta charset>`); it is used when the bytes decode in it without error.
pub(crate) fn decode(
    path: &Path,
    bytes: &[u8],
    declared: Option<&'static Encoding>,
) -> Result<(String, &'static str), LoadError> {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let body = &bytes[bom_len..];
        let name = if encoding == UTF_8 {
            UTF8_BOM
        } else if encoding == UTF_16LE {
            UTF16LE
        } else {
            UTF16BE
        };
        return strict(encoding, body)
            .map(|text| (text, name))
            .map_err(|bad| LoadError::Undecodable {
                path: path.to_owned(),
                detail: format!(
                    "the file starts with a {name} byte-order mark, but {}",
                    bad.describe(bom_len)
                ),
            });
    }
    if let Some(encoding) = declared.filter(|&e| e != UTF_8 && e != UTF_16LE && e != UTF_16BE) {
        let encoding = if encoding == GBK { GB18030 } else { encoding };
        if let Ok(text) = strict(encoding, bytes) {
            return Ok((text, name_of(encoding)));
        }
        // A page that lies about its charset is common; fall back to detection.
    }
    // simdutf8 validates a plan in a tenth of the time std's check takes on
    // Chinese text; std's error, which says where and why, only on failure.
    if let Ok(text) = simdutf8::basic::from_utf8(bytes) {
        return Ok((text.to_owned(), UTF8));
    }
    let utf8_error = match std::str::from_utf8(bytes) {
        Ok(text) => return Ok((text.to_owned(), UTF8)),
        Err(e) => e,
    };
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let guess = detector.guess(Some(b"cn"), chardetng::Utf8Detection::Deny);
    let utf8_bad = BadBytes {
        offset: utf8_error.valid_up_to(),
        len: utf8_error
            .error_len()
            .unwrap_or(bytes.len() - utf8_error.valid_up_to()),
        line: 1 + bytes[..utf8_error.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count(),
        bytes: bytes[utf8_error.valid_up_to()..]
            .iter()
            .take(4)
            .copied()
            .collect(),
    };
    if guess == GBK || guess == GB18030 {
        return match strict(GB18030, bytes) {
            Ok(text) => Ok((text, GB18030_NAME)),
            Err(bad) => Err(LoadError::Undecodable {
                path: path.to_owned(),
                detail: format!(
                    "not UTF-8 ({}), and not GB18030/GBK either ({}); save the file as UTF-8",
                    utf8_bad.describe(0),
                    bad.describe(0)
                ),
            }),
        };
    }
    Err(LoadError::Undecodable {
        path: path.to_owned(),
        detail: format!(
            "not UTF-8 ({}), and not GB18030/GBK either (the bytes look more like {}); save the file as UTF-8",
            utf8_bad.describe(0),
            guess.name()
        ),
    })
}

/// The name [`super::Source::encoding`] reports for an encoding.
fn name_of(encoding: &'static Encoding) -> &'static str {
    if encoding == GBK || encoding == GB18030 {
        GB18030_NAME
    } else if encoding == UTF_8 {
        UTF8
    } else {
        encoding.name()
    }
}

/// The first malformed sequence met by a decoder.
struct BadBytes {
    /// Byte offset in the decoded bytes.
    offset: usize,
    len: usize,
    /// 1-based line.
    line: usize,
    bytes: Vec<u8>,
}

impl BadBytes {
    /// `skipped` bytes (a BOM) came before the decoded bytes in the file.
    fn describe(&self, skipped: usize) -> String {
        let hex: Vec<String> = self
            .bytes
            .iter()
            .take(self.len.clamp(1, 4))
            .map(|b| format!("{b:02X}"))
            .collect();
        format!(
            "invalid byte sequence {} at line {}, byte offset {}",
            hex.join(" "),
            self.line,
            self.offset + skipped
        )
    }
}

/// Decodes `bytes` (no BOM handling) and refuses any malformed sequence,
/// saying where the first one is.
fn strict(encoding: &'static Encoding, bytes: &[u8]) -> Result<String, BadBytes> {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3));
    let mut out = String::with_capacity(capacity);
    let mut read_total = 0;
    loop {
        let (result, read) =
            decoder.decode_to_string_without_replacement(&bytes[read_total..], &mut out, true);
        read_total += read;
        match result {
            DecoderResult::InputEmpty => return Ok(out),
            DecoderResult::OutputFull => out.reserve(bytes.len() - read_total + 16),
            DecoderResult::Malformed(bad, extra) => {
                let end = read_total - extra as usize;
                let start = end.saturating_sub(bad as usize);
                return Err(BadBytes {
                    offset: start,
                    len: bad as usize,
                    line: 1 + out.matches('\n').count(),
                    bytes: bytes[start..].iter().take(bad as usize).copied().collect(),
                });
            }
        }
    }
}
