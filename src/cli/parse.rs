//! `planlint parse` and `planlint schema`: print the model a plan is read as.
//!
//! The outline is for people checking what the parser understood; the JSON is
//! the public interface scripts build on (documented in `docs/model.md`).

use crate::load;
use crate::model::{DeadlineKind, Plan, Role};
use crate::parse;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseFormat {
    /// Chapters and tasks with their owners and deadlines, for reading.
    Outline,
    /// The full model, one JSON document per file (an array for several files).
    Json,
}

/// Print the model a plan is read as.
///
/// Use it to see what planlint understood of a plan before writing rules or
/// reports against it: every task, its owners with their roles, its deadline
/// and targets, and the plan's title, document number, issue date and period.
///
/// Examples:
///   planlint parse seeds/000_tianjin-ip-protection-plan-2020.txt
///   planlint parse --format json plan.docx | jq '.tasks[] | .owners'
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct ParseArgs {
    /// Plan files (.txt, .docx, .html, .md; any encoding planlint detects).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "outline")]
    pub format: ParseFormat,
}

pub fn run(args: ParseArgs) -> ExitCode {
    let mut failed = false;
    let mut models = Vec::new();
    let stdout = io::stdout();
    let mut out = stdout.lock();
    for path in &args.paths {
        let result = load::load(path)
            .map_err(|e| e.to_string())
            .and_then(|source| {
                crate::guard::contain(|| parse::parse(&source))
                    .map_err(|bug| {
                        format!(
                            "{}: planlint failed on this file (a bug: please report it): {bug}",
                            path.display()
                        )
                    })?
                    .map_err(|e| format!("{}: {e}", path.display()))
            });
        match result {
            Ok(plan) => match args.format {
                ParseFormat::Outline => {
                    if write_outline(&mut out, &path.display().to_string(), &plan).is_err() {
                        return ExitCode::SUCCESS;
                    }
                }
                ParseFormat::Json => models.push((path.display().to_string(), plan)),
            },
            Err(message) => {
                failed = true;
                eprintln!("error: {message}");
            }
        }
    }
    if args.format == ParseFormat::Json {
        let json = if args.paths.len() == 1 {
            models.first().map(|(_, p)| serde_json::to_string_pretty(p))
        } else {
            let files: Vec<_> = models
                .iter()
                .map(|(f, p)| serde_json::json!({ "file": f, "plan": p }))
                .collect();
            Some(serde_json::to_string_pretty(&files))
        };
        if let Some(Ok(json)) = json {
            let _ = writeln!(out, "{json}");
        }
    }
    ExitCode::from(if failed {
        super::EXIT_FAILURE
    } else {
        super::EXIT_OK
    })
}

/// The outline of a plan, as `planlint parse` prints it.
pub fn write_outline(out: &mut dyn Write, name: &str, plan: &Plan) -> io::Result<()> {
    writeln!(out, "{name}")?;
    writeln!(
        out,
        "  title:      {}",
        plan.title.as_deref().unwrap_or("-")
    )?;
    writeln!(
        out,
        "  issuer:     {}",
        plan.issuer.as_deref().unwrap_or("-")
    )?;
    writeln!(
        out,
        "  doc number: {}",
        plan.doc_number.as_ref().map_or("-", |d| d.raw.as_str())
    )?;
    writeln!(
        out,
        "  issued:     {}",
        plan.issued.map_or("-".to_string(), |d| d.to_string())
    )?;
    writeln!(
        out,
        "  period:     {}",
        plan.period
            .as_ref()
            .map_or("-".to_string(), |p| format!("{}–{}", p.start, p.end))
    )?;
    writeln!(
        out,
        "  {} chapters, {} tasks, {} units",
        plan.chapters.len(),
        plan.tasks.len(),
        plan.units.len()
    )?;
    let mut printed = vec![false; plan.tasks.len()];
    for ch in &plan.chapters {
        writeln!(out, "{}{}", ch.marker.as_deref().unwrap_or("· "), ch.title)?;
        if let Some(goal) = &ch.goal {
            let targets: Vec<&str> = goal.targets.iter().map(|t| t.raw.as_str()).collect();
            writeln!(
                out,
                "    goal {}: {}",
                goal.year.map_or("-".to_string(), |y| y.to_string()),
                targets.join(" / ")
            )?;
        }
        for &t in &ch.tasks {
            write_task(out, plan, t)?;
            printed[t] = true;
        }
        for s in ch.sections.iter().filter(|s| s.tasks.is_empty()) {
            writeln!(out, "  {}{}", s.marker.as_deref().unwrap_or(""), s.title)?;
        }
    }
    for t in (0..plan.tasks.len()).filter(|&t| !printed[t]) {
        write_task(out, plan, t)?;
    }
    writeln!(out)
}

fn write_task(out: &mut dyn Write, plan: &Plan, t: usize) -> io::Result<()> {
    let task = &plan.tasks[t];
    let head: String = task
        .title
        .clone()
        .unwrap_or_else(|| task.text.chars().take(24).collect());
    writeln!(
        out,
        "  {} {} [{}:{}]",
        task.path.join(" "),
        head,
        task.span.line,
        task.span.column
    )?;
    for role in [Role::Lead, Role::Responsible, Role::Cooperate] {
        let units: Vec<&str> = task
            .owners
            .iter()
            .filter(|o| o.role == role)
            .map(|o| o.unit.as_str())
            .collect();
        if !units.is_empty() {
            writeln!(out, "      {:<11} {}", role.as_str(), units.join("、"))?;
        }
    }
    let d = &task.deadline;
    if d.kind != DeadlineKind::None {
        let date = d.date.map_or(String::new(), |d| format!(" → {d}"));
        let damaged = if d.damaged { " (damaged)" } else { "" };
        writeln!(
            out,
            "      {:<11} {}{date}{damaged}",
            d.kind.as_str(),
            d.raw.as_deref().unwrap_or("")
        )?;
    }
    for target in &task.targets {
        writeln!(
            out,
            "      target      {} ({} {} {})",
            target.raw,
            target.comparator.as_str(),
            target.value,
            target.unit
        )?;
    }
    Ok(())
}
