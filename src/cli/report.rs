//! `planlint report`. (skeleton, being written)
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// Plan files or directories.
    pub paths: Vec<std::path::PathBuf>,
}

pub fn run(_args: ReportArgs) -> ExitCode {
    ExitCode::from(super::EXIT_FAILURE)
}
