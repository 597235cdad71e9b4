//! `planlint report`: the task-assignment table (任务分工表), the per-unit
//! sheet and the scoring sheet (绩效考评), or a user's report script, over one or
//! many plans, as CSV or XLSX.
//!
//! Exit status: 0 when every plan and every progress row was used; 1 when the
//! sheet was written but progress rows were left out (like findings: the input
//! needs fixing); 2 when a plan could not be read (its rows are missing from
//! the sheet), or no sheet could be made (bad script, bad arguments, unwritable
//! output).

use super::{EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};
use crate::config::{self, Config};
use crate::model::Date;
use crate::report::output::{self, Destination};
use crate::report::{self, Format, Kind, ReportScript, Request, UnitNames};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  planlint report tasks plan.txt -o 任务分工表.csv
  planlint report units plans/ -o 单位汇总.xlsx
  planlint report score plan.txt --progress 进展.csv --as-of 2021-01-15 -o 考评.xlsx
  planlint report score plan.txt --progress 进展.csv --as-of 2021-01-15 --script my_score.rhai -o -

The role-to-column mapping and the scoring scheme are described in docs/report.md.")]
pub struct ReportArgs {
    /// The report (tasks, units or score; may be left out with --script), then
    /// plan files or directories.
    #[arg(value_name = "KIND|PATH", required = true)]
    pub targets: Vec<PathBuf>,
    /// Where to write the sheet; `-` for standard output.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// csv or xlsx (default: from the extension of OUT, else csv).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// The progress file units report in (序号,单位,状态,完成日期,备注[,计划]).
    #[arg(long, value_name = "P.csv")]
    pub progress: Option<PathBuf>,
    /// The day the score sheet judges tasks on.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_as_of)]
    pub as_of: Option<Date>,
    /// Run this report script instead of a bundled one.
    #[arg(long, value_name = "FILE.rhai")]
    pub script: Option<PathBuf>,
    /// The scoring scheme whose weights the sheets use (default: the bundled
    /// score.rhai; with `score`, the same as --script).
    #[arg(long, value_name = "FILE.rhai")]
    pub scheme: Option<PathBuf>,
    /// Leave the UTF-8 byte-order mark out of a CSV (Excel needs it to read
    /// Chinese; other tools may not want it).
    #[arg(long)]
    pub no_bom: bool,
    /// The configuration whose `[units]` aliases merge unit names (default:
    /// the nearest planlint.toml in the current folder or above).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

fn parse_as_of(s: &str) -> Result<Date, String> {
    Date::parse_iso(s).ok_or_else(|| format!("{s:?} is not a date: write YYYY-MM-DD"))
}

pub fn run(args: ReportArgs) -> ExitCode {
    let mut err = std::io::stderr().lock();
    match run_inner(args, &mut err) {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

fn run_inner(args: ReportArgs, err: &mut impl Write) -> Result<u8, String> {
    let (kind, paths) = split_kind(&args)?;
    if paths.is_empty() {
        return Err("no plan given: name plan files or directories after the report kind".into());
    }
    if kind == Some(Kind::Score) {
        if args.progress.is_none() {
            return Err("`report score` needs --progress FILE: the progress units reported".into());
        }
        if args.as_of.is_none() {
            return Err(
                "`report score` needs --as-of YYYY-MM-DD: the day tasks are judged on".into(),
            );
        }
    }
    let format = args.format.unwrap_or_else(|| {
        let xlsx = args
            .output
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
        if xlsx {
            Format::Xlsx
        } else {
            Format::Csv
        }
    });
    let destination = Destination::from_arg(&args.output);
    if format == Format::Xlsx
        && destination == Destination::Stdout
        && std::io::stdout().is_terminal()
    {
        return Err("refusing to write a workbook to the terminal: redirect the output or give -o FILE.xlsx".into());
    }

    let user = |p: &Option<PathBuf>| {
        p.as_deref()
            .map(ReportScript::from_file)
            .transpose()
            .map_err(|e| e.to_string())
    };
    let user_script = user(&args.script)?;
    let user_scheme = user(&args.scheme)?;
    let script = match (&user_script, kind) {
        (Some(s), _) => s.clone(),
        (None, Some(Kind::Score)) => user_scheme.clone().unwrap_or_else(|| Kind::Score.script()),
        (None, Some(k)) => k.script(),
        (None, None) => {
            return Err("say which report: tasks, units or score (or give --script FILE)".into())
        }
    };
    let scheme = match (&user_scheme, kind) {
        (Some(s), _) => s.clone(),
        (None, Some(Kind::Score)) => script.clone(),
        (None, _) => Kind::Score.script(),
    };

    let (files, walk_errors) = report::collect_files(&paths);
    for e in &walk_errors {
        let _ = writeln!(err, "error: {e}");
    }
    let request = Request {
        script,
        scheme,
        files,
        progress: args.progress.clone(),
        as_of: args.as_of,
        units: UnitNames::new(unit_aliases(args.config.as_deref())?),
    };
    let built = report::build(&request);
    for e in &built.file_errors {
        let _ = writeln!(err, "error: {e} (left out of the report)");
    }
    for issue in &built.progress_issues {
        let _ = writeln!(err, "{issue}");
    }
    let sheet = built.sheet.map_err(|e| e.to_string())?;
    let rendered = report::render(&sheet, format, !args.no_bom).map_err(|e| e.to_string())?;
    if rendered.truncated > 0 {
        let _ = writeln!(
            err,
            "warning: {} cell(s) longer than Excel's 32,767 characters were cut (the CSV keeps them whole)",
            rendered.truncated
        );
    }
    output::write(&destination, &rendered.bytes).map_err(|e| e.to_string())?;

    let left_out = built.progress_issues.len();
    if left_out > 0 {
        let _ = writeln!(
            err,
            "{left_out} progress row(s) left out of the sheet; the tasks they were about count as not reported"
        );
    }
    Ok(
        if !built.file_errors.is_empty() || !walk_errors.is_empty() {
            EXIT_FAILURE
        } else if left_out > 0 {
            EXIT_FINDINGS
        } else {
            EXIT_OK
        },
    )
}

/// The report kind, if the first target names one, and the plan paths. With
/// --script the kind is optional, and a file that happens to be called `tasks`
/// is a plan.
fn split_kind(args: &ReportArgs) -> Result<(Option<Kind>, Vec<PathBuf>), String> {
    let Some(first) = args.targets.first() else {
        return Ok((None, Vec::new()));
    };
    let named = first.to_str().and_then(Kind::parse);
    match named {
        Some(kind) if args.script.is_none() || !first.exists() => Ok((Some(kind), args.targets[1..].to_vec())),
        _ if args.script.is_some() => Ok((None, args.targets.clone())),
        _ => Err(format!(
            "unknown report {:?}: the bundled reports are tasks, units and score (or give --script FILE)",
            first.display().to_string()
        )),
    }
}

/// The `[units.aliases]` of the configuration (alias → canonical name): the
/// file given with --config, else the nearest `planlint.toml` in the current
/// folder or above it (one sheet spans many plans, so one configuration serves
/// them all, where `check` looks beside each plan), else none.
fn unit_aliases(config: Option<&Path>) -> Result<BTreeMap<String, String>, String> {
    let path = match config {
        Some(p) => config::absolute(p),
        None => match std::env::current_dir().ok().and_then(|d| config::find(&d)) {
            Some(p) => p,
            None => return Ok(BTreeMap::new()),
        },
    };
    let config = Config::load(&path).map_err(|e| e.to_string())?;
    Ok(config.units.aliases)
}
