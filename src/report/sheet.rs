//! The report data model: a sheet is a header of typed columns and rows of cells.
//!
//! Report scripts fill a [`Sheet`]; the CSV and XLSX writers only read it. Cells
//! are typed here, once, so that both writers agree on what is a number, a date
//! or text, and so that a number printed in the CSV is the number stored in the
//! workbook.

use crate::model::Date;

/// A finished report: columns, then rows with exactly one cell per column.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sheet {
    /// The worksheet name in a workbook (`任务分工表`).
    pub title: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

/// One column of a sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub kind: ColumnKind,
    /// A width in characters chosen by the script; computed from the cells when
    /// `None`.
    pub width: Option<f64>,
}

/// How the cells of a column are typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColumnKind {
    /// The value decides: script numbers are numbers, everything else text.
    #[default]
    Auto,
    /// Everything is text, numbers included (序号 like `001` stay as written).
    Text,
    /// Numbers are numbers; a string stays text (a `合计` label in a count column).
    Number,
    /// ISO dates (`2020-08-31`) are dates; anything else stays text.
    Date,
}

impl ColumnKind {
    pub fn parse(s: &str) -> Option<ColumnKind> {
        Some(match s {
            "auto" => ColumnKind::Auto,
            "text" => ColumnKind::Text,
            "number" => ColumnKind::Number,
            "date" => ColumnKind::Date,
            _ => return None,
        })
    }
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// A number, already rounded by [`Cell::number`].
    Number(f64),
    Date(Date),
}

/// Decimal places kept in a number cell: enough for any score, few enough that
/// `0.1 + 0.2` prints as `0.3` in both the CSV and the workbook.
const DECIMALS: i32 = 6;

impl Cell {
    /// A number cell, rounded to [`DECIMALS`] places; NaN and infinities (a
    /// division by zero in a script) become empty cells rather than `NaN` text.
    pub fn number(value: f64) -> Cell {
        if !value.is_finite() {
            return Cell::Empty;
        }
        let scale = 10f64.powi(DECIMALS);
        let rounded = (value * scale).round() / scale;
        // Never write `-0`.
        Cell::Number(if rounded == 0.0 { 0.0 } else { rounded })
    }

    /// The cell as text, the way the CSV writer prints it (before formula
    /// neutralisation).
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Number(n) => format_number(*n),
            Cell::Date(d) => d.to_string(),
        }
    }
}

/// Prints a number without a trailing `.0` and without float noise:
/// `3`, `-0.5`, `1.8`.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        return format!("{}", n as i64);
    }
    let s = format!("{:.*}", DECIMALS as usize, n);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_without_float_noise() {
        assert_eq!(Cell::number(0.1 + 0.2).display(), "0.3");
        assert_eq!(Cell::number(3.0 * 0.6).display(), "1.8");
        assert_eq!(Cell::number(73.0).display(), "73");
        assert_eq!(Cell::number(-0.5).display(), "-0.5");
        assert_eq!(Cell::number(-0.0000001).display(), "0");
        assert_eq!(Cell::number(f64::NAN), Cell::Empty);
    }
}
