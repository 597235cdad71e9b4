//! `planlint rules [ID]` (the rule catalogue, generated from the rules'
//! headers) and `planlint test-rules DIR` (rules run against their fixtures).

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use super::{EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};
use crate::check::{fixtures, RuleSet};

#[derive(clap::Args, Debug)]
pub struct RulesArgs {
    /// A rule id, to print its full documentation (why, example, fix, options).
    pub id: Option<String>,
    /// Also list the rules of this directory (as `planlint check --rules DIR`).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
}

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Each rule DIR/<id>.rhai is run against the plans in DIR/fixtures/<id>/, whose \
leading `// expect: LINE:COL RULE-ID [MESSAGE]` lines state the findings they must give \
(`// expect: nothing` for none). Exit status: 0 all pass, 1 a fixture fails, 2 usage or I/O error."
)]
pub struct TestRulesArgs {
    /// Directory of rules with their fixtures (`rules/` for the bundled ones).
    pub dir: PathBuf,
}

/// Writes to stdout; a closed pipe (`planlint rules | head`) ends quietly.
fn emit(text: &str) -> ExitCode {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(EXIT_OK),
        Err(e) => {
            let _ = writeln!(io::stderr(), "planlint: cannot write: {e}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

fn catalogue(set: &RuleSet) -> String {
    let width = set.rules().iter().map(|m| m.id.len()).max().unwrap_or(0);
    let mut out = String::new();
    for m in set.rules() {
        let origin = if m.bundled {
            String::new()
        } else {
            format!("  ({})", m.path)
        };
        out.push_str(&format!(
            "{:width$}  {:7}  {}{origin}\n",
            m.id,
            m.severity.as_str(),
            m.summary
        ));
    }
    out
}

pub fn run(args: RulesArgs) -> ExitCode {
    let mut set = RuleSet::bundled();
    let mut failed = false;
    for dir in &args.rules {
        let (user, errors) = RuleSet::load_dir_partial(dir);
        let errors = errors
            .into_iter()
            .chain(set.extend(user).err().unwrap_or_default());
        for e in errors {
            failed = true;
            let _ = writeln!(io::stderr(), "planlint: {e}");
        }
    }
    let code = match &args.id {
        None => emit(&catalogue(&set)),
        Some(id) => match set.get(id) {
            Some(meta) => emit(&meta.documentation()),
            None => {
                let _ = writeln!(
                    io::stderr(),
                    "planlint: no rule `{id}` (see `planlint rules` for the list)"
                );
                return ExitCode::from(EXIT_FAILURE);
            }
        },
    };
    if failed {
        ExitCode::from(EXIT_FAILURE)
    } else {
        code
    }
}

pub fn run_tests(args: TestRulesArgs) -> ExitCode {
    if !args.dir.is_dir() {
        let _ = writeln!(
            io::stderr(),
            "planlint: {}: not a directory",
            args.dir.display()
        );
        return ExitCode::from(EXIT_FAILURE);
    }
    let report = fixtures::run_dir(&args.dir);
    let code = emit(&report.render());
    if report.failed() > 0 {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        code
    }
}
