//! The typed model of a plan (计划): what the grammar reads a document to mean.
//!
//! Every element that stands somewhere in the source carries a [`Span`]: its byte
//! range in the decoded text and the line and character column where it starts,
//! so that a diagnostic can point at the very characters. The model is plain data:
//! it is built once by [`crate::parse`], read by the rules and the reports, and
//! serialised as the public JSON of `planlint parse --format json`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where an element stands in the source text.
///
/// `start`/`end` are byte offsets into the decoded text; `line` and `column` are
/// 1-based and count characters, as editors, GitHub and SARIF do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub line: u32,
    pub column: u32,
}

impl Span {
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// A calendar date, serialised as ISO 8601 (`2020-09-17`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// A date, if the day exists in that month.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month as u8) as u32 {
            return None;
        }
        Some(Date {
            year,
            month: month as u8,
            day: day as u8,
        })
    }

    /// The last day of a month: what `2020年12月底前` means.
    pub fn end_of_month(year: i32, month: u32) -> Option<Date> {
        if !(1..=12).contains(&month) {
            return None;
        }
        Date::new(year, month, days_in_month(year, month as u8) as u32)
    }

    /// Days since 1970-01-01 (negative before it), for counting between dates.
    pub fn days_since_epoch(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    fn next_day(self) -> Option<Date> {
        let (y, m, d) = (self.year, u32::from(self.month), u32::from(self.day));
        Date::new(y, m, d + 1)
            .or_else(|| Date::new(y, m + 1, 1))
            .or_else(|| Date::new(y.checked_add(1)?, 1, 1))
    }

    /// The day `n` days later; with `working`, Saturdays and Sundays are not
    /// counted (public holidays are not known here).
    pub fn plus_days(self, n: u32, working: bool) -> Option<Date> {
        let mut date = self;
        let mut left = n;
        while left > 0 {
            date = date.next_day()?;
            // 1970-01-01 was a Thursday: 2 and 3 past it are Saturday and Sunday.
            let weekend = matches!(date.days_since_epoch().rem_euclid(7), 2 | 3);
            if !(working && weekend) {
                left -= 1;
            }
        }
        Some(date)
    }

    /// The same day `n` months later, or the last day of that month.
    pub fn plus_months(self, n: u32) -> Option<Date> {
        let total = u32::from(self.month) - 1 + n;
        let year = self.year.checked_add(i32::try_from(total / 12).ok()?)?;
        let month = total % 12 + 1;
        Date::new(year, month, u32::from(self.day)).or_else(|| Date::end_of_month(year, month))
    }

    /// Parses `YYYY-MM-DD` (also accepts `/` and `.` as separators).
    pub fn parse_iso(s: &str) -> Option<Date> {
        let s = s.trim();
        let mut parts = s.split(['-', '/', '.']);
        let y = parts.next()?.parse().ok()?;
        let m = parts.next()?.parse().ok()?;
        let d = parts.next()?.parse().ok()?;
        if parts.next().is_some() {
            return None;
        }
        Date::new(y, m, d)
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse_iso(&s).ok_or_else(|| serde::de::Error::custom(format!("not an ISO date: {s}")))
    }
}

/// A government work plan (推进计划, 实施方案, 行动计划, 工作要点…).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Plan {
    /// 标题: the plan's own title, joined when it is set over several lines.
    pub title: Option<String>,
    pub title_span: Option<Span>,
    /// 发文机关: the issuing body, as the notice or the document header names it.
    pub issuer: Option<String>,
    /// 发文字号: the plan's own document number.
    pub doc_number: Option<DocNumber>,
    /// 成文日期: the issue date (the dated signature), as an ISO date.
    pub issued: Option<Date>,
    /// Where the issue date stands, as written (it may be damaged).
    pub issued_mention: Option<DateMention>,
    /// 实施期限: the years the plan covers, from its title.
    pub period: Option<Period>,
    /// 章: the level-1 parts of the plan, numbered (`一、`) or not.
    pub chapters: Vec<Chapter>,
    /// 任务: every task in document order.
    pub tasks: Vec<Task>,
    /// 单位: every distinct unit named by an owner, in order of first appearance.
    pub units: Vec<Unit>,
    /// 文号: every document number written anywhere, the plan's own included.
    pub references: Vec<DocNumber>,
    /// Every full calendar date written anywhere (signatures, footers, text).
    pub dates: Vec<DateMention>,
}

/// The years a plan covers (`2020-2021年` → 2020..=2021).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub start: i32,
    pub end: i32,
    /// The text it was read from, or `configuration`.
    pub raw: String,
    pub span: Option<Span>,
}

/// A level-1 part of the plan (`一、完善知识产权保护法规政策`), or an unnumbered
/// heading standing at that level (`总体要求`, `重点任务`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Chapter {
    pub index: usize,
    /// The number its marker stands for (`三、` → 3); `None` when unnumbered.
    pub number: Option<u32>,
    /// The marker as written (`三、`), if any.
    pub marker: Option<String>,
    pub title: String,
    pub span: Span,
    /// 目标: the chapter's goal paragraph (`到2021年，…30家以上…`), if it has one.
    pub goal: Option<Goal>,
    /// 节: level-2 headings that group tasks (`（一）` above `1.` items).
    pub sections: Vec<Section>,
    /// Indices into [`Plan::tasks`] of every task in the chapter.
    pub tasks: Vec<usize>,
}

/// A level-2 heading (`（一）…`) that groups tasks, or that stands in a chapter
/// whose tasks sit at another level (003's `三、工作要求` holds `（一）` sections).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Section {
    pub index: usize,
    pub number: Option<u32>,
    pub marker: Option<String>,
    pub title: String,
    pub span: Span,
    pub tasks: Vec<usize>,
}

/// The goal a chapter sets before its tasks (`到2021年，…`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Goal {
    /// The target year (`到2021年` → 2021).
    pub year: Option<i32>,
    pub text: String,
    pub targets: Vec<Target>,
    pub span: Span,
}

/// The numbering level of a heading or task, after GB/T 9704-2012 7.3.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// `一、`
    Chapter,
    /// `（一）`
    Section,
    /// `1.` `1．` `1、`
    Item,
    /// `（1）`
    Subitem,
    /// A row of a task table (任务分工表).
    Row,
}

impl Level {
    pub fn as_str(&self) -> &'static str {
        match self {
            Level::Chapter => "chapter",
            Level::Section => "section",
            Level::Item => "item",
            Level::Subitem => "subitem",
            Level::Row => "row",
        }
    }
}

/// 任务: a numbered leaf of the plan's structure, with who does it and by when.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Task {
    /// Position in document order, from 0.
    pub index: usize,
    /// The number as printed (`12.` → 12, `（三）` → 3).
    pub number: u32,
    /// The marker as written (`12.`, `（三）`).
    pub marker: String,
    pub level: Level,
    /// Markers from the chapter down to the task: `["一、", "（一）", "1."]`.
    pub path: Vec<String>,
    /// Index into [`Plan::chapters`].
    pub chapter: Option<usize>,
    /// Index into the chapter's [`Chapter::sections`].
    pub section: Option<usize>,
    /// The heading of the task when it has one (`（三）完善侵权赔偿制度`).
    pub title: Option<String>,
    /// The task's text, without its marker and its responsibility bracket.
    pub text: String,
    /// 责任单位: who does it, in the order written.
    pub owners: Vec<Owner>,
    /// 完成时限: by when.
    pub deadline: Deadline,
    /// 量化指标: the quantities it commits to.
    pub targets: Vec<Target>,
    /// The responsibility bracket (or labelled lines) the owners were read from.
    pub bracket: Option<Bracket>,
    pub span: Span,
}

/// The responsibility bracket of a task (`(市司法局负责;持续推进)`), or the
/// labelled lines that stand in for it (`牵头单位：…`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Bracket {
    pub raw: String,
    pub span: Span,
    /// `列第一位者为牵头单位，下同` was declared here or in an earlier bracket, so
    /// the first unit named leads.
    pub first_leads: bool,
    /// The bracket names its units open-endedly (`…等有关部门和单位负责`).
    pub open_ended: bool,
}

/// The role a unit plays in a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// 牵头: leads the task.
    Lead,
    /// 负责 / 按职责分工负责 / 责任单位: responsible (alone, or each within its remit).
    Responsible,
    /// 配合 / 参与: cooperates.
    Cooperate,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Lead => "lead",
            Role::Responsible => "responsible",
            Role::Cooperate => "cooperate",
        }
    }
}

/// A unit named as an owner of a task, with its role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    pub unit: String,
    pub role: Role,
    /// The words that gave the role, as written: `牵头`, `负责`,
    /// `按职责分工负责`, `配合`, `责任部门`, `列第一位者为牵头单位`…
    pub wording: String,
    pub span: Span,
}

impl Task {
    /// The units that answer for the task first (牵头): those that lead it, or,
    /// when none leads, its one responsible unit (`X负责`). Several units
    /// responsible jointly (`X、Y按职责分工负责`) and no lead: none.
    pub fn leads(&self) -> Vec<&str> {
        let leads: Vec<&str> = self
            .owners
            .iter()
            .filter(|o| o.role == Role::Lead)
            .map(|o| o.unit.as_str())
            .collect();
        if !leads.is_empty() {
            return leads;
        }
        let mut responsible = self.owners.iter().filter(|o| o.role == Role::Responsible);
        match (responsible.next(), responsible.next()) {
            (Some(only), None) => vec![only.unit.as_str()],
            _ => Vec::new(),
        }
    }
}

impl Owner {
    /// Whether the owner is a collective (`各有关部门和单位`, `各区人民政府`,
    /// `有关部门`, `其他相关单位`) rather than one unit: each member answers
    /// for its own part, so none of them is a lead.
    pub fn is_collective(&self) -> bool {
        is_collective_name(&self.unit)
    }
}

/// Whether a heading opens a part of a plan written in parts (`第一部分　总体要求`,
/// `第二部分 重点任务`): the chapters `一、` `二、` of each part number afresh.
pub fn is_part_heading(text: &str) -> bool {
    let Some(rest) = text.trim_start().strip_prefix('第') else {
        return false;
    };
    let after = rest.trim_start_matches(|c: char| "一二三四五六七八九十".contains(c));
    after.len() < rest.len() && after.starts_with("部分")
}

/// Whether a unit name names a collective (集合性称谓): `各…`, `有关…`,
/// `相关…`, `其他…`.
pub fn is_collective_name(name: &str) -> bool {
    ["各", "有关", "相关", "其他", "其它"]
        .iter()
        .any(|p| name.starts_with(p))
}

/// What kind of time limit a task has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DeadlineKind {
    /// By a date (`2020年12月底前完成`).
    Dated,
    /// 持续推进 / 长期坚持: no end date.
    Ongoing,
    /// 每月5日前: repeats.
    Recurring,
    /// None given.
    #[default]
    None,
}

impl DeadlineKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            DeadlineKind::Dated => "dated",
            DeadlineKind::Ongoing => "ongoing",
            DeadlineKind::Recurring => "recurring",
            DeadlineKind::None => "none",
        }
    }
}

/// 完成时限: when a task is due.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Deadline {
    pub kind: DeadlineKind,
    /// The last day it may be done, for a dated deadline.
    pub date: Option<Date>,
    /// The text as written.
    pub raw: Option<String>,
    /// Characters were lost in the source (`202012月底前完成`).
    pub damaged: bool,
    /// The certain repair of `raw`, when it is damaged (`2020年12月底前完成`).
    pub fix: Option<String>,
    /// For a recurring deadline: `monthly`, `quarterly`, `yearly`, `weekly`.
    pub recurrence: Option<String>,
    pub span: Option<Span>,
}

/// How a target compares its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Comparator {
    /// 不少于, 不低于, 以上, 至少: ≥
    Ge,
    /// 超过, 高于: >
    Gt,
    /// 以内, 不超过, 以下: ≤
    Le,
    /// 低于, 少于: <
    Lt,
    /// 达到, or a bare quantity: =
    Eq,
    /// 左右, 约: ≈
    Approx,
    /// 5-10个: a range from `value` to `value_max`.
    Range,
}

impl Comparator {
    pub fn as_str(&self) -> &'static str {
        match self {
            Comparator::Ge => "ge",
            Comparator::Gt => "gt",
            Comparator::Le => "le",
            Comparator::Lt => "lt",
            Comparator::Eq => "eq",
            Comparator::Approx => "approx",
            Comparator::Range => "range",
        }
    }
}

/// 量化指标: a quantity a task or goal commits to (`30家以上`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub raw: String,
    pub value: f64,
    /// The upper end of a range (`5-10个` → 10).
    pub value_max: Option<f64>,
    /// The measure word (`家`, `件`, `亿元`, `个月`, `倍`, `%`).
    pub unit: String,
    pub comparator: Comparator,
    /// What the value is relative to (`上年同期`).
    pub baseline: Option<String>,
    pub span: Span,
}

/// 文号: a document number (`津市场监管办〔2020〕39号`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocNumber {
    pub raw: String,
    /// 发文机关代字: the issuer's code (`津市场监管办`).
    pub issuer_code: String,
    pub year: Option<i32>,
    pub serial: Option<u32>,
    /// Not in the GB/T 9704 form `代字〔YYYY〕N号`.
    pub damaged: bool,
    /// What is wrong with it, in words.
    pub problem: Option<String>,
    /// The certain repair, when there is one (`津党办发〔2020〕14号`).
    pub fix: Option<String>,
    pub span: Span,
}

/// A calendar date as written (`2020年9月17日`, damaged `2020917日`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateMention {
    pub raw: String,
    pub date: Option<Date>,
    pub damaged: bool,
    /// The certain repair (`2020年9月17日`), when the reading is unambiguous.
    pub fix: Option<String>,
    pub span: Span,
}

/// 单位: a unit named as an owner somewhere in the plan.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Unit {
    pub name: String,
    /// Indices into [`Plan::tasks`] of the tasks that name it, in order.
    pub tasks: Vec<usize>,
    /// How many of those tasks it leads, is responsible for, cooperates on.
    pub lead: usize,
    pub responsible: usize,
    pub cooperate: usize,
}
