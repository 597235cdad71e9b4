//! `--format compact`: one line per finding, as compilers and grep print them,
//! `path:line:col: severity rule-id message`, for editors' error parsers and
//! for people piping through `sort` and `grep`.
//!
//! A failure with a place prints that place (the rule file, the config file);
//! one without prints the plan's path alone: `path: error load-error message`.

use super::{FileReport, Printer, Rendered};
use std::fmt::Write as _;

pub struct Compact;

/// Keeps a finding on its line: line breaks in a message become spaces.
fn one_line(s: &str) -> String {
    s.replace("\r\n", " ").replace(['\n', '\r'], " ")
}

impl Printer for Compact {
    // Out of line, once per plan: benches/instructions.sh counts drawing by it.
    #[inline(never)]
    fn render(&self, report: &FileReport) -> Rendered {
        let mut out = String::new();
        for f in &report.failures {
            let mut message = one_line(&super::failure_line(f));
            match &f.site {
                Some(site) => {
                    if let Some(plan) = &f.path {
                        if !message.contains(plan.as_str()) {
                            message = format!("{message} (while checking {plan})");
                        }
                    }
                    let _ = writeln!(
                        out,
                        "{}:{}:{}: error {} {message}",
                        site.path,
                        site.start.line,
                        site.start.column,
                        f.kind.code()
                    );
                }
                None => {
                    let _ = writeln!(out, "{}: error {} {message}", report.path, f.kind.code());
                }
            }
        }
        for l in &report.findings {
            let f = &l.finding;
            let _ = writeln!(
                out,
                "{}:{}:{}: {} {} {}",
                report.path,
                l.start.line,
                l.start.column,
                f.severity,
                f.rule,
                one_line(&f.message)
            );
        }
        Rendered {
            body: out.into_bytes(),
            failures: Vec::new(),
        }
    }
}
