//! The command line: argument definitions and dispatch to one module per
//! subcommand. Each subcommand module owns its `Args` struct and its `run`.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

pub mod check;
pub mod parse;
pub mod report;
pub mod rules;

/// Exit status: no error-level findings.
pub const EXIT_OK: u8 = 0;
/// Exit status: error-level findings (or warnings with `--deny-warnings`).
pub const EXIT_FINDINGS: u8 = 1;
/// Exit status: usage, I/O or rule failure.
pub const EXIT_FAILURE: u8 = 2;

const AFTER_HELP: &str = "\
Examples:
  planlint check seeds/                        check every plan in a folder
  planlint check plan.docx --format sarif      SARIF for GitHub code scanning
  planlint check plan.txt --fix                apply the certain fixes in place
  planlint parse plan.txt                      what planlint understood of a plan
  planlint rules deadline-before-issue         one rule's documentation
  planlint report tasks seeds/ -o tasks.csv    the task-assignment table (任务分工表)
  planlint init                                a commented starter planlint.toml

Exit status: 0 no error-level findings; 1 error-level findings (or warnings
with --deny-warnings); 2 a usage, input or rule failure.

Documentation: README.md, docs/ and rules/README.md (writing rules).";

#[derive(Parser, Debug)]
#[command(
    name = "planlint",
    version,
    about = "Check Chinese government work plans (推进计划, 实施方案, 行动计划, 工作要点) and export their task and scoring sheets.",
    long_about = None,
    after_help = AFTER_HELP,
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check plans with the bundled rules and your own.
    Check(check::CheckArgs),
    /// Print the model a plan is read as (outline, or JSON).
    Parse(parse::ParseArgs),
    /// Export the task-assignment table, the per-unit sheet or the scoring sheet.
    Report(report::ReportArgs),
    /// List the rules, or print one rule's documentation.
    Rules(rules::RulesArgs),
    /// Run rules against the fixture plans beside them.
    TestRules(rules::TestRulesArgs),
    /// Write a commented starter planlint.toml.
    Init(check::InitArgs),
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                EXIT_FAILURE
            } else {
                EXIT_OK
            });
        }
    };
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Parse(args) => parse::run(args),
        Command::Report(args) => report::run(args),
        Command::Rules(args) => rules::run(args),
        Command::TestRules(args) => rules::run_tests(args),
        Command::Init(args) => check::run_init(args),
    }
}
