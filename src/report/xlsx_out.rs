//! The XLSX writer: a [`Sheet`] as a real workbook, the file an office opens.
//!
//! The header row is bold, frozen and filterable; numbers are stored as numbers
//! and dates as dates (formatted `yyyy-mm-dd`), so a column sums and sorts in
//! Excel without a "number stored as text" warning. Text cells are written as
//! strings, which a spreadsheet never evaluates, so no formula neutralisation is
//! needed here. Output is byte-identical from run to run: the creation date in
//! the document properties is fixed (rust_xlsxwriter would stamp the current
//! time) and the zip entries carry a fixed timestamp.

use super::sheet::{Cell, ColumnKind, Sheet};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};
use unicode_width::UnicodeWidthStr;

/// Excel's limit on the characters (UTF-16 units) of one cell.
const MAX_CELL: usize = 32_767;
/// Widest column, in characters, before the text is left to overflow.
const MAX_WIDTH: f64 = 60.0;
const MIN_WIDTH: f64 = 6.0;

/// Why a workbook could not be produced.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the workbook: {0}")]
pub struct XlsxWriteError(#[from] XlsxError);

/// A workbook in memory, and how many cells had to be shortened to fit Excel's
/// 32,767-character limit (the caller warns about them).
pub struct XlsxFile {
    pub bytes: Vec<u8>,
    pub truncated: usize,
}

/// Renders a sheet as an `.xlsx` workbook with one worksheet.
pub fn to_xlsx(sheet: &Sheet) -> Result<XlsxFile, XlsxWriteError> {
    let mut workbook = Workbook::new();
    // A fixed date: the creation time is the only thing that would make two runs
    // over the same input differ.
    let created = ExcelDateTime::from_ymd(2000, 1, 1)?;
    let properties = DocProperties::new()
        .set_title(&sheet.title)
        .set_author("planlint")
        .set_creation_datetime(&created);
    workbook.set_properties(&properties);

    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let mut truncated = 0;

    let worksheet = workbook.add_worksheet();
    worksheet.set_name(sheet_name(&sheet.title))?;
    for (c, column) in sheet.columns.iter().enumerate() {
        let c = c as u16;
        worksheet.write_string_with_format(0, c, &column.name, &bold)?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Empty => {}
                Cell::Text(s) => {
                    let (s, cut) = fit(s);
                    truncated += usize::from(cut);
                    worksheet.write_string(r, c, s.as_ref())?;
                }
                Cell::Number(n) => {
                    worksheet.write_number(r, c, *n)?;
                }
                Cell::Date(d) => {
                    let value = ExcelDateTime::from_ymd(d.year as u16, d.month, d.day)?;
                    worksheet.write_datetime_with_format(r, c, &value, &date)?;
                }
            }
        }
    }
    for (c, column) in sheet.columns.iter().enumerate() {
        let width = column.width.unwrap_or_else(|| auto_width(sheet, c));
        worksheet.set_column_width(c as u16, width)?;
    }
    if !sheet.columns.is_empty() {
        worksheet.set_freeze_panes(1, 0)?;
        let last_row = sheet.rows.len() as u32;
        worksheet.autofilter(0, 0, last_row, sheet.columns.len() as u16 - 1)?;
    }
    let bytes = workbook.save_to_buffer()?;
    Ok(XlsxFile { bytes, truncated })
}

/// The display width of the widest cell of a column: CJK characters count
/// double, as they do on screen. Dates are 10 wide whatever their column kind.
fn auto_width(sheet: &Sheet, column: usize) -> f64 {
    let header = sheet.columns[column].name.width() as f64 * 1.1;
    let kind = sheet.columns[column].kind;
    let widest = sheet
        .rows
        .iter()
        .filter_map(|row| row.get(column))
        .map(|cell| match cell {
            Cell::Date(_) => 10.0,
            Cell::Text(s) if kind != ColumnKind::Date => {
                s.lines().map(|l| l.width()).max().unwrap_or(0) as f64
            }
            other => other.display().width() as f64,
        })
        .fold(header, f64::max);
    (widest + 2.0).clamp(MIN_WIDTH, MAX_WIDTH)
}

/// A worksheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(title: &str) -> String {
    let name: String = title
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(31)
        .collect();
    let name = name.trim_matches('\'').to_string();
    if name.is_empty() {
        "Sheet1".to_string()
    } else {
        name
    }
}

/// A text cell cut to Excel's limit, with `…` to show that it was cut.
fn fit(s: &str) -> (std::borrow::Cow<'_, str>, bool) {
    if s.len() <= MAX_CELL || s.encode_utf16().count() <= MAX_CELL {
        return (s.into(), false);
    }
    let mut units = 0;
    let mut end = 0;
    for (i, ch) in s.char_indices() {
        units += ch.len_utf16();
        if units > MAX_CELL - 1 {
            break;
        }
        end = i + ch.len_utf8();
    }
    (format!("{}…", &s[..end]).into(), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_cells_are_cut_to_the_excel_limit() {
        let long = "知".repeat(40_000);
        let (cut, was_cut) = fit(&long);
        assert!(was_cut);
        assert_eq!(cut.encode_utf16().count(), MAX_CELL);
        assert!(!fit("短").1);
    }

    #[test]
    fn sheet_names_are_made_valid() {
        assert_eq!(sheet_name("a/b:c"), "a_b_c");
        assert_eq!(sheet_name(""), "Sheet1");
        assert_eq!(sheet_name(&"长".repeat(40)).chars().count(), 31);
    }
}
