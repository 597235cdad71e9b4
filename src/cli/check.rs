//! `planlint check` and `planlint init`. (skeleton, being written)
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Files and directories to check.
    pub paths: Vec<std::path::PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct InitArgs {}

pub fn run(_args: CheckArgs) -> ExitCode {
    ExitCode::from(super::EXIT_FAILURE)
}

pub fn run_init(_args: InitArgs) -> ExitCode {
    ExitCode::from(super::EXIT_FAILURE)
}
