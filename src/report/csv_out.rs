//! The CSV writer: a [`Sheet`] as a file that Excel opens with its Chinese intact
//! and that cannot run a formula.
//!
//! Excel reads a CSV without a byte-order mark in the machine's ANSI code page
//! (GBK on a Chinese Windows), which garbles UTF-8, so the BOM is written unless
//! the caller asks otherwise. Quoting is RFC 4180 (the `csv` crate quotes a
//! field only when it must). Cells are neutralised against formula injection as
//! OWASP recommends; see [`neutralise`] for the exact rule.

use super::sheet::{Cell, Sheet};

/// The UTF-8 byte-order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How to write a CSV.
#[derive(Debug, Clone, Copy)]
pub struct CsvOptions {
    /// Start with a UTF-8 BOM (on by default: Excel needs it).
    pub bom: bool,
}

impl Default for CsvOptions {
    fn default() -> CsvOptions {
        CsvOptions { bom: true }
    }
}

/// Renders a sheet as CSV bytes: header row, then one record per row, lines
/// ended with CRLF as RFC 4180 says.
pub fn to_csv(sheet: &Sheet, options: CsvOptions) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 * (sheet.rows.len() + 1));
    if options.bom {
        out.extend_from_slice(BOM);
    }
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .flexible(true)
        .from_writer(&mut out);
    // Writing into a Vec cannot fail; the errors the csv crate can return here
    // are I/O errors of the underlying writer.
    let header: Vec<String> = sheet.columns.iter().map(|c| neutralise(&c.name)).collect();
    let _ = writer.write_record(&header);
    let mut record: Vec<String> = Vec::with_capacity(sheet.columns.len());
    for row in &sheet.rows {
        record.clear();
        record.extend(row.iter().map(|cell| match cell {
            Cell::Text(s) => neutralise(s),
            other => other.display(),
        }));
        let _ = writer.write_record(&record);
    }
    let _ = writer.flush();
    drop(writer);
    out
}

/// Defuses a text cell that a spreadsheet would read as a formula.
///
/// A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return (OWASP's
/// list), or with the full-width `＝ ＋ － ＠` (which CJK input methods produce and
/// some spreadsheets convert), gets a leading `'`, which Excel and LibreOffice
/// hide and which stops evaluation. The one exception is a cell that is nothing
/// but a decimal number (`-3`, `+1.5`): no spreadsheet reads a bare number as a
/// formula, and prefixing it would turn a legitimate negative figure into text.
/// Number cells (scores) never reach this function: they are printed as numbers.
pub fn neutralise(text: &str) -> String {
    let Some(first) = text.chars().next() else {
        return String::new();
    };
    let dangerous = matches!(
        first,
        '=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠'
    );
    if dangerous && !is_plain_number(text) {
        let mut s = String::with_capacity(text.len() + 1);
        s.push('\'');
        s.push_str(text);
        s
    } else {
        text.to_string()
    }
}

/// `[+-]digits[.digits]`, nothing else.
fn is_plain_number(text: &str) -> bool {
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (int, frac) = body.split_once('.').unwrap_or((body, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sheet::{Column, ColumnKind};

    #[test]
    fn formulas_are_neutralised_numbers_are_not() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+1+2"), "'+1+2");
        assert_eq!(neutralise("-1+2"), "'-1+2");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("\rx"), "'\rx");
        assert_eq!(neutralise("＝1"), "'＝1");
        assert_eq!(neutralise("-3"), "-3");
        assert_eq!(neutralise("-0.5"), "-0.5");
        assert_eq!(neutralise("+7"), "+7");
        assert_eq!(neutralise("-"), "'-");
        assert_eq!(neutralise("-.5"), "'-.5");
        assert_eq!(neutralise("市知识产权局"), "市知识产权局");
        assert_eq!(neutralise(""), "");
    }

    #[test]
    fn csv_has_bom_crlf_and_rfc4180_quoting() {
        let sheet = Sheet {
            title: "t".into(),
            columns: vec![
                Column {
                    name: "任务".into(),
                    kind: ColumnKind::Auto,
                    width: None,
                },
                Column {
                    name: "得分".into(),
                    kind: ColumnKind::Auto,
                    width: None,
                },
            ],
            rows: vec![vec![
                Cell::Text("含\"引号\",逗号\n换行".into()),
                Cell::number(-1.5),
            ]],
        };
        let bytes = to_csv(&sheet, CsvOptions::default());
        assert!(bytes.starts_with(BOM));
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        assert_eq!(text, "任务,得分\r\n\"含\"\"引号\"\",逗号\n换行\",-1.5\r\n");
        let plain = to_csv(&sheet, CsvOptions { bom: false });
        assert!(plain.starts_with("任务".as_bytes()));
    }
}
