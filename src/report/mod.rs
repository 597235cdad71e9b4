//! Reports: the sheets offices work from, made from plans by report scripts.
//!
//! `planlint report` reads plans (load → parse), normalises the unit names
//! ([`units`]), checks the progress file against the plans ([`progress`]), runs
//! a report script in the rules' sandbox ([`script`]) that fills a [`Sheet`],
//! and renders the sheet as CSV ([`csv_out`]) or XLSX ([`xlsx_out`]), written
//! atomically ([`output`]). The bundled kinds `tasks`, `units` and `score` are
//! scripts in `rules/reports/`, embedded in the binary.
//!
//! One bad plan never stops the others and bad progress rows are left out:
//! [`build`] returns the sheet of what could be used together with the
//! diagnostics of what could not, and the caller decides the exit status.

pub mod csv_out;
pub mod document;
pub mod output;
pub mod progress;
pub mod script;
pub mod sheet;
pub mod units;
pub mod xlsx_out;

pub use document::Document;
pub use progress::{Progress, ProgressIssue};
pub use script::{Kind, ReportError, ReportScript};
pub use sheet::{Cell, Column, ColumnKind, Sheet};
pub use units::UnitNames;

use crate::model::Date;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The file formats a report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Xlsx,
}

/// Everything a report is made from.
#[derive(Debug, Clone)]
pub struct Request {
    /// The script to run (a bundled kind's, or the user's).
    pub script: ReportScript,
    /// The scoring scheme whose functions (`weight`…) the script may call.
    pub scheme: ReportScript,
    /// Plan files, in the order their rows appear.
    pub files: Vec<PathBuf>,
    pub progress: Option<PathBuf>,
    pub as_of: Option<Date>,
    pub units: UnitNames,
}

/// A report made as far as the input allowed.
#[derive(Debug)]
pub struct Built {
    /// The sheet, or why the script produced none.
    pub sheet: Result<Sheet, Failure>,
    /// Plans that could not be read or parsed (each left out of the sheet).
    pub file_errors: Vec<String>,
    /// Progress rows left out of the sheet.
    pub progress_issues: Vec<ProgressIssue>,
}

/// Why no sheet was made.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error(transparent)]
    Script(#[from] ReportError),
    #[error(transparent)]
    Progress(#[from] progress::ProgressError),
    #[error("no plan could be read, so there is nothing to report")]
    NoPlans,
}

/// Reads the plans, checks the progress file and runs the script.
pub fn build(request: &Request) -> Built {
    let loaded: Vec<Result<(Document, Arc<str>), String>> = request
        .files
        .par_iter()
        .map(|path| read_plan(path, &request.units))
        .collect();
    let mut documents = Vec::with_capacity(loaded.len());
    let mut texts = Vec::with_capacity(loaded.len());
    let mut file_errors = Vec::new();
    for result in loaded {
        match result {
            Ok((d, t)) => {
                documents.push(d);
                texts.push(t);
            }
            Err(e) => file_errors.push(e),
        }
    }
    document::label(&mut documents);
    let fail = |failure: Failure, file_errors, progress_issues| Built {
        sheet: Err(failure),
        file_errors,
        progress_issues,
    };
    if documents.is_empty() {
        return fail(Failure::NoPlans, file_errors, Vec::new());
    }
    let (progress, progress_issues) = match &request.progress {
        None => (None, Vec::new()),
        Some(path) => match progress::read(path, &documents, &request.units, request.as_of) {
            Ok((p, issues)) => (Some(p), issues),
            Err(e) => return fail(e.into(), file_errors, Vec::new()),
        },
    };
    let input = script::Input {
        documents: &documents,
        texts: &texts,
        progress: progress.as_ref(),
        as_of: request.as_of,
    };
    let sheet = script::run(&request.script, &request.scheme, &input).map_err(Failure::from);
    Built {
        sheet,
        file_errors,
        progress_issues,
    }
}

/// Loads and parses one plan, with its unit names normalised.
fn read_plan(path: &Path, units: &UnitNames) -> Result<(Document, Arc<str>), String> {
    let source = crate::load::load(path).map_err(|e| e.to_string())?;
    let plan = crate::guard::contain(|| crate::parse::parse(&source))
        .map_err(|bug| {
            format!(
                "{}: planlint failed on this file (a bug: please report it): {bug}",
                path.display()
            )
        })?
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let plan = units.normalise_plan(&plan).unwrap_or(plan);
    Ok((
        Document::new(path.to_owned(), Arc::new(plan)),
        source.text.clone(),
    ))
}

/// A rendered report and what the caller should warn about.
pub struct Rendered {
    pub bytes: Vec<u8>,
    /// Cells cut to Excel's 32,767-character limit (XLSX only).
    pub truncated: usize,
}

/// Renders a sheet in a format.
pub fn render(
    sheet: &Sheet,
    format: Format,
    bom: bool,
) -> Result<Rendered, xlsx_out::XlsxWriteError> {
    Ok(match format {
        Format::Csv => Rendered {
            bytes: csv_out::to_csv(sheet, csv_out::CsvOptions { bom }),
            truncated: 0,
        },
        Format::Xlsx => {
            let file = xlsx_out::to_xlsx(sheet)?;
            Rendered {
                bytes: file.bytes,
                truncated: file.truncated,
            }
        }
    })
}

/// The plan files under the given paths, as `planlint check` finds them
/// ([`crate::load::discover`]: files as given, directories walked for plan
/// formats, sorted by path), and the paths that could not be walked.
pub fn collect_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for found in crate::load::discover(paths) {
        match found {
            Ok(path) => files.push(path),
            Err(e) => errors.push(e.to_string()),
        }
    }
    (files, errors)
}
