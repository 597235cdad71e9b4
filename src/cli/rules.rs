//! `planlint rules` and `planlint test-rules`. (skeleton, being written)
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct RulesArgs {
    /// A rule id, to print its full documentation.
    pub id: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct TestRulesArgs {
    /// Directory of rules with their fixtures.
    pub dir: std::path::PathBuf,
}

pub fn run(_args: RulesArgs) -> ExitCode {
    ExitCode::from(super::EXIT_FAILURE)
}

pub fn run_tests(_args: TestRulesArgs) -> ExitCode {
    ExitCode::from(super::EXIT_FAILURE)
}
