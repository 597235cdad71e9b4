//! `planlint parse`. (skeleton, being written)
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct ParseArgs {
    /// Plan files.
    pub paths: Vec<std::path::PathBuf>,
}

pub fn run(_args: ParseArgs) -> ExitCode {
    ExitCode::from(super::EXIT_FAILURE)
}
