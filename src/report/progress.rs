//! The progress file (进展情况): what units report on their tasks, read and
//! checked against the plans before anything is scored.
//!
//! A progress file is a CSV with one row per unit and task:
//! 序号, 单位, 状态 (已完成 / 推进中 / 未启动), 完成日期, 备注, and a 计划 (or 文件)
//! column when several plans are scored at once. Offices fill it in Excel, so
//! it may come in GB18030 as well as UTF-8, with a BOM, with extra columns and
//! with blank rows. Every row that cannot be used gets a [`ProgressIssue`] with
//! its CSV line number and is left out; the good rows are still scored. A row
//! with any problem is left out whole rather than half-used, so that what a
//! sheet counts is always something the unit reported without a doubt.

use super::document::Document;
use super::units::UnitNames;
use crate::model::{Date, DeadlineKind};
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// 状态: what a unit reports about a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// 已完成
    Done,
    /// 推进中
    InProgress,
    /// 未启动
    NotStarted,
}

impl Status {
    /// The word the sheets print.
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Done => "已完成",
            Status::InProgress => "推进中",
            Status::NotStarted => "未启动",
        }
    }

    /// Reads a status cell: the three words of the form, and the synonyms
    /// offices write in their place.
    pub fn parse(cell: &str) -> Option<Status> {
        Some(match cell.trim() {
            "已完成" | "完成" | "已办结" | "办结" | "done" | "completed" => Status::Done,
            "推进中" | "进行中" | "正在推进" | "持续推进" | "在办" | "in progress"
            | "in-progress" | "ongoing" => Status::InProgress,
            "未启动" | "未开始" | "尚未启动" | "not started" | "not-started" => {
                Status::NotStarted
            }
            _ => return None,
        })
    }
}

/// One good row of the progress file.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The CSV line the row starts on.
    pub line: u64,
    /// Index of the plan in the report's documents.
    pub document: usize,
    /// Index into the plan's tasks.
    pub task: usize,
    /// The unit, normalised as the plan's units are.
    pub unit: String,
    pub status: Status,
    /// 完成日期
    pub done: Option<Date>,
    /// 备注
    pub note: String,
}

/// The usable rows of a progress file, looked up by plan, task and unit.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub path: PathBuf,
    pub entries: Vec<Entry>,
    index: HashMap<(usize, usize, String), usize>,
}

impl Progress {
    /// What `unit` reported on task `task` of plan `document`.
    pub fn get(&self, document: usize, task: usize, unit: &str) -> Option<&Entry> {
        self.index
            .get(&(document, task, unit.to_string()))
            .map(|&i| &self.entries[i])
    }
}

/// What is wrong with one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueKind {
    /// A required cell (序号, 单位, 状态) is empty.
    MissingField,
    /// The 计划 cell names no plan of the report, or several plans are scored
    /// and the row does not say which.
    UnknownPlan,
    /// The plan has no task with that 序号.
    UnknownTask,
    /// The task does not name that unit.
    UnitNotOwner,
    UnknownStatus,
    /// 完成日期 does not parse.
    BadDate,
    /// 已完成 on a task with a deadline, without the date it was done.
    DoneWithoutDate,
    /// A 完成日期 on a task that is not done.
    DateWithoutDone,
    /// Done after the date the sheet is made for.
    DoneAfterAsOf,
    /// A second row for the same plan, task and unit.
    Duplicate,
}

impl IssueKind {
    /// A stable code, for people who filter the diagnostics.
    pub fn code(&self) -> &'static str {
        match self {
            IssueKind::MissingField => "progress-missing-field",
            IssueKind::UnknownPlan => "progress-unknown-plan",
            IssueKind::UnknownTask => "progress-unknown-task",
            IssueKind::UnitNotOwner => "progress-unit-not-owner",
            IssueKind::UnknownStatus => "progress-unknown-status",
            IssueKind::BadDate => "progress-bad-date",
            IssueKind::DoneWithoutDate => "progress-done-without-date",
            IssueKind::DateWithoutDone => "progress-date-without-done",
            IssueKind::DoneAfterAsOf => "progress-done-after-as-of",
            IssueKind::Duplicate => "progress-duplicate-row",
        }
    }
}

/// A row of the progress file that was left out, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressIssue {
    pub path: PathBuf,
    /// 1-based line of the CSV where the row starts.
    pub line: u64,
    pub kind: IssueKind,
    pub message: String,
}

impl fmt::Display for ProgressIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: error[{}]: {} (row left out)",
            self.path.display(),
            self.line,
            self.kind.code(),
            self.message
        )
    }
}

/// Why a progress file could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ProgressError {
    #[error("{path}: cannot read the progress file: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: the progress file is neither UTF-8 nor GB18030 text")]
    Encoding { path: PathBuf },
    #[error("{path}:{line}: not a CSV row: {message}")]
    Csv {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("{path}:1: the header has no {column} column (the header needs 序号, 单位 and 状态; found: {found})")]
    MissingColumn {
        path: PathBuf,
        column: &'static str,
        found: String,
    },
    #[error(
        "{path}: the progress file is empty (it needs a header row: 序号,单位,状态,完成日期,备注)"
    )]
    Empty { path: PathBuf },
}

/// Reads and checks a progress file against the documents of a report.
pub fn read(
    path: &Path,
    documents: &[Document],
    units: &UnitNames,
    as_of: Option<Date>,
) -> Result<(Progress, Vec<ProgressIssue>), ProgressError> {
    let bytes = std::fs::read(path).map_err(|source| ProgressError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse(path, &bytes, documents, units, as_of)
}

/// [`read`] on bytes already in memory (tests; `-` as the progress path).
pub fn parse(
    path: &Path,
    bytes: &[u8],
    documents: &[Document],
    units: &UnitNames,
    as_of: Option<Date>,
) -> Result<(Progress, Vec<ProgressIssue>), ProgressError> {
    let text = decode(bytes).ok_or_else(|| ProgressError::Encoding {
        path: path.to_owned(),
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let mut lines = LineCounter::new(&text);
    let csv_error = |e: csv::Error| ProgressError::Csv {
        path: path.to_owned(),
        line: e
            .position()
            .map_or(0, |p| LineCounter::new(&text).line_at(p.byte())),
        message: e.to_string(),
    };
    let header = loop {
        match records.next() {
            None => {
                return Err(ProgressError::Empty {
                    path: path.to_owned(),
                })
            }
            Some(r) => {
                let r = r.map_err(csv_error)?;
                if r.iter().any(|c| !c.is_empty()) {
                    break r;
                }
            }
        }
    };
    let columns = Columns::find(&header).map_err(|column| ProgressError::MissingColumn {
        path: path.to_owned(),
        column,
        found: header
            .iter()
            .filter(|c| !c.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
    })?;

    let mut checker = Checker {
        path,
        documents,
        units,
        as_of,
        progress: Progress {
            path: path.to_owned(),
            ..Progress::default()
        },
        issues: Vec::new(),
        plan_column: columns.plan.is_some(),
    };
    for record in records {
        let record = record.map_err(csv_error)?;
        if record.iter().all(|c| c.is_empty()) {
            continue;
        }
        let line = record.position().map_or(0, |p| lines.line_at(p.byte()));
        let cell = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("");
        let row = Row {
            line,
            plan: cell(columns.plan),
            key: cell(Some(columns.key)),
            unit: cell(Some(columns.unit)),
            status: cell(Some(columns.status)),
            done: cell(columns.done),
            note: cell(columns.note),
        };
        checker.check(row);
    }
    Ok((checker.progress, checker.issues))
}

/// Line numbers of CSV records. The csv crate's own `Position::line` is one
/// short for every record after a CRLF (what Excel writes), so lines are
/// counted here from the record's byte offset, which points at the end of the
/// previous record's terminator.
struct LineCounter<'t> {
    text: &'t [u8],
    byte: usize,
    line: u64,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t str) -> LineCounter<'t> {
        LineCounter {
            text: text.as_bytes(),
            byte: 0,
            line: 1,
        }
    }

    /// The 1-based line of the record starting at `byte`; offsets must come in
    /// increasing order (they do: records are read in order).
    fn line_at(&mut self, byte: u64) -> u64 {
        let mut start = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        while matches!(self.text.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start < self.byte {
            *self = LineCounter::new_bytes(self.text);
        }
        self.line += self.text[self.byte..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        self.byte = start;
        self.line
    }

    fn new_bytes(text: &'t [u8]) -> LineCounter<'t> {
        LineCounter {
            text,
            byte: 0,
            line: 1,
        }
    }
}

/// BOM, then UTF-8, then GB18030 (what Excel saves a CSV as on a Chinese
/// Windows).
fn decode(bytes: &[u8]) -> Option<String> {
    let bytes = bytes.strip_prefix(super::csv_out::BOM).unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Some(s.to_string());
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    (!had_errors).then(|| text.into_owned())
}

/// Where each known column stands in the header.
struct Columns {
    plan: Option<usize>,
    key: usize,
    unit: usize,
    status: usize,
    done: Option<usize>,
    note: Option<usize>,
}

impl Columns {
    fn find(header: &csv::StringRecord) -> Result<Columns, &'static str> {
        let find = |names: &[&str]| {
            header.iter().position(|h| {
                let h = h.trim_start_matches('\u{feff}').trim();
                names.iter().any(|n| h.eq_ignore_ascii_case(n))
            })
        };
        Ok(Columns {
            plan: find(&["计划", "文件", "计划名称", "文件名", "plan", "file"]),
            key: find(&["序号", "任务序号", "任务编号", "编号", "task"]).ok_or("序号")?,
            unit: find(&["单位", "责任单位", "单位名称", "报送单位", "unit"]).ok_or("单位")?,
            status: find(&["状态", "完成状态", "进展状态", "完成情况", "status"]).ok_or("状态")?,
            done: find(&["完成日期", "完成时间", "实际完成日期", "done"]),
            note: find(&["备注", "说明", "note"]),
        })
    }
}

struct Row<'a> {
    line: u64,
    plan: &'a str,
    key: &'a str,
    unit: &'a str,
    status: &'a str,
    done: &'a str,
    note: &'a str,
}

struct Checker<'a> {
    path: &'a Path,
    documents: &'a [Document],
    units: &'a UnitNames,
    as_of: Option<Date>,
    progress: Progress,
    issues: Vec<ProgressIssue>,
    plan_column: bool,
}

impl Checker<'_> {
    fn issue(&mut self, line: u64, kind: IssueKind, message: String) {
        self.issues.push(ProgressIssue {
            path: self.path.to_owned(),
            line,
            kind,
            message,
        });
    }

    fn check(&mut self, row: Row<'_>) {
        let line = row.line;
        let missing: Vec<&str> = [("序号", row.key), ("单位", row.unit), ("状态", row.status)]
            .into_iter()
            .filter(|(_, v)| v.is_empty())
            .map(|(n, _)| n)
            .collect();
        if !missing.is_empty() {
            return self.issue(
                line,
                IssueKind::MissingField,
                format!("the row has no {}", missing.join(", ")),
            );
        }
        let Some(document) = self.document(&row) else {
            return;
        };
        let doc = &self.documents[document];
        let Some(task_index) = doc.task_by_key(row.key) else {
            let range = match (doc.keys.first(), doc.keys.last()) {
                (Some(a), Some(b)) => format!("its tasks are {a}–{b}"),
                _ => "it has no tasks".to_string(),
            };
            return self.issue(
                line,
                IssueKind::UnknownTask,
                format!("{} has no task {} ({range})", doc.name, row.key),
            );
        };
        let task = &doc.plan.tasks[task_index];
        let unit = self.units.canonical(row.unit).into_owned();
        if !task.owners.iter().any(|o| o.unit == unit) {
            let named: Vec<&str> = task.owners.iter().map(|o| o.unit.as_str()).collect();
            let message = if named.is_empty() {
                format!(
                    "task {} of {} names no unit, so {unit} cannot report on it",
                    row.key, doc.name
                )
            } else {
                let hint = closest(&unit, &named)
                    .map(|s| format!("; did you mean {s}?"))
                    .unwrap_or_default();
                format!(
                    "task {} of {} does not name {unit} (it names {}){hint}",
                    row.key,
                    doc.name,
                    named.join("、")
                )
            };
            return self.issue(line, IssueKind::UnitNotOwner, message);
        }
        let Some(status) = Status::parse(row.status) else {
            let hint = closest(row.status, &["已完成", "推进中", "未启动"])
                .map(|s| format!("; did you mean {s}?"))
                .unwrap_or_default();
            return self.issue(
                line,
                IssueKind::UnknownStatus,
                format!(
                    "unknown 状态 {:?}: write 已完成, 推进中 or 未启动{hint}",
                    row.status
                ),
            );
        };
        let done = if row.done.is_empty() {
            None
        } else {
            match parse_date(row.done) {
                Some(d) => Some(d),
                None => {
                    return self.issue(
                        line,
                        IssueKind::BadDate,
                        format!(
                            "完成日期 {:?} is not a date (write 2020-12-31 or 2020年12月31日)",
                            row.done
                        ),
                    )
                }
            }
        };
        match (status, done) {
            (Status::Done, None) if task.deadline.kind == DeadlineKind::Dated => {
                let due = task
                    .deadline
                    .date
                    .map(|d| format!(" (due {d})"))
                    .unwrap_or_default();
                return self.issue(
                    line,
                    IssueKind::DoneWithoutDate,
                    format!("task {} is 已完成 but has no 完成日期, so whether it was on time{due} is unknown", row.key),
                );
            }
            (Status::InProgress | Status::NotStarted, Some(d)) => {
                return self.issue(
                    line,
                    IssueKind::DateWithoutDone,
                    format!("完成日期 {d} given but 状态 is {}: only a task 已完成 has a completion date", status.as_str()),
                );
            }
            (_, Some(d)) if self.as_of.is_some_and(|as_of| d > as_of) => {
                let as_of = self.as_of.map(|a| a.to_string()).unwrap_or_default();
                return self.issue(
                    line,
                    IssueKind::DoneAfterAsOf,
                    format!("完成日期 {d} is after the date of the sheet (--as-of {as_of})"),
                );
            }
            _ => {}
        }
        let key = (document, task_index, unit.clone());
        if let Some(&first) = self.progress.index.get(&key) {
            let first = self.progress.entries[first].line;
            return self.issue(
                line,
                IssueKind::Duplicate,
                format!(
                    "{unit} already reported on task {} of {} at line {first}",
                    row.key, doc.name
                ),
            );
        }
        self.progress.index.insert(key, self.progress.entries.len());
        self.progress.entries.push(Entry {
            line,
            document,
            task: task_index,
            unit,
            status,
            done,
            note: row.note.to_string(),
        });
    }

    /// The plan a row is about.
    fn document(&mut self, row: &Row<'_>) -> Option<usize> {
        let line = row.line;
        if !row.plan.is_empty() {
            let found: Vec<usize> = (0..self.documents.len())
                .filter(|&i| self.documents[i].is_named(row.plan))
                .collect();
            return match found[..] {
                [one] => Some(one),
                [] => {
                    let names: Vec<&str> = self
                        .documents
                        .iter()
                        .map(|d| d.name.as_str())
                        .take(5)
                        .collect();
                    let more = if self.documents.len() > 5 { "…" } else { "" };
                    self.issue(
                        line,
                        IssueKind::UnknownPlan,
                        format!(
                            "计划 {:?} is none of the plans of this report ({}{more})",
                            row.plan,
                            names.join(", ")
                        ),
                    );
                    None
                }
                _ => {
                    self.issue(
                        line,
                        IssueKind::UnknownPlan,
                        format!(
                            "计划 {:?} names several plans of this report; give the file name",
                            row.plan
                        ),
                    );
                    None
                }
            };
        }
        if self.documents.len() == 1 {
            return Some(0);
        }
        let why = if self.plan_column {
            "its 计划 cell is empty"
        } else {
            "the file has no 计划 column"
        };
        self.issue(
            line,
            IssueKind::UnknownPlan,
            format!(
                "{} plans are in this report and {why}: say which plan the row is about",
                self.documents.len()
            ),
        );
        None
    }
}

/// The closest of `choices` to `s`, if it is close enough to be a likely typo.
fn closest<'c>(s: &str, choices: &[&'c str]) -> Option<&'c str> {
    choices
        .iter()
        .map(|c| (strsim::normalized_levenshtein(s, c), *c))
        .filter(|(score, _)| *score >= 0.5)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// A date as offices write it: `2020-12-31`, `2020/12/31`, `2020.12.31`,
/// `2020年12月31日`, with Excel's ` 0:00` time left behind.
pub fn parse_date(cell: &str) -> Option<Date> {
    let cell = cell.trim();
    let cell = cell.split_once(' ').map_or(
        cell,
        |(date, time)| if time.contains(':') { date } else { cell },
    );
    if let Some(d) = Date::parse_iso(cell) {
        return Some(d);
    }
    let (y, rest) = cell.split_once('年')?;
    let (m, rest) = rest.split_once('月')?;
    let d = rest
        .strip_suffix('日')
        .or_else(|| rest.strip_suffix('号'))?;
    Date::new(
        y.trim().parse().ok()?,
        m.trim().parse().ok()?,
        d.trim().parse().ok()?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_the_forms_offices_write() {
        let d = Date::new(2020, 12, 31);
        assert_eq!(parse_date("2020-12-31"), d);
        assert_eq!(parse_date("2020/12/31"), d);
        assert_eq!(parse_date("2020/12/31 0:00"), d);
        assert_eq!(parse_date("2020年12月31日"), d);
        assert_eq!(parse_date("2020-02-30"), None);
        assert_eq!(parse_date("下月底"), None);
    }

    #[test]
    fn statuses_and_their_synonyms() {
        assert_eq!(Status::parse(" 已完成 "), Some(Status::Done));
        assert_eq!(Status::parse("进行中"), Some(Status::InProgress));
        assert_eq!(Status::parse("未开始"), Some(Status::NotStarted));
        assert_eq!(Status::parse("差不多"), None);
        assert_eq!(
            closest("已完", &["已完成", "推进中", "未启动"]),
            Some("已完成")
        );
    }

    #[test]
    fn line_numbers_survive_crlf_and_quoted_newlines() {
        let text = "a,b\r\n1,2\r\n\"x\ny\",2\r\n\r\n3,4\r\n";
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut lines = LineCounter::new(text);
        let found: Vec<u64> = reader
            .records()
            .map(|r| lines.line_at(r.unwrap().position().unwrap().byte()))
            .collect();
        assert_eq!(found, [1, 2, 3, 6]);
    }

    #[test]
    fn gb18030_files_are_read() {
        let (bytes, _, _) = encoding_rs::GB18030.encode("序号,单位,状态\n");
        assert_eq!(decode(&bytes).as_deref(), Some("序号,单位,状态\n"));
    }
}
