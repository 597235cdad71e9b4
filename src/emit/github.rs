//! `--format github`: GitHub Actions workflow commands, one per finding, which
//! the runner turns into annotations on the pull request's files.
//!
//! `::warning file=seeds/000.txt,line=63,col=66,endLine=63,endColumn=75,title=deadline-damaged::完成时限缺字`
//!
//! The message is escaped as the runner reads it (`%`, `\r`, `\n`), the
//! properties also for `:` and `,`, which would otherwise end a property.
//! `endColumn` is the column of the last character (the runner's convention),
//! where JSON and SARIF give the column after it.

use super::{FileReport, Printer, Rendered};
use crate::finding::Severity;
use std::fmt::Write as _;

pub struct Github;

/// Escapes the message part of a workflow command.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

impl Printer for Github {
    // Out of line, once per plan: benches/instructions.sh counts drawing by it.
    #[inline(never)]
    fn render(&self, report: &FileReport) -> Rendered {
        let mut out = String::new();
        let file = escape_property(&report.path);
        for f in &report.failures {
            let mut props = String::new();
            match &f.site {
                Some(site) => {
                    let _ = write!(
                        props,
                        "file={},line={},col={}",
                        escape_property(&site.path),
                        site.start.line,
                        site.start.column
                    );
                }
                None => {
                    let _ = write!(props, "file={file}");
                }
            }
            let mut message = super::failure_line(f);
            if let (Some(plan), Some(_)) = (&f.path, &f.site) {
                if !message.contains(plan.as_str()) {
                    message = format!("{message} (while checking {plan})");
                }
            }
            let _ = writeln!(
                out,
                "::error {props},title={}::{}",
                f.kind.code(),
                escape_data(&message)
            );
        }
        for l in &report.findings {
            let f = &l.finding;
            let mut message = f.message.clone();
            if let Some(help) = f.help.as_deref().filter(|h| !h.trim().is_empty()) {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            if let (Some(fix), Some(place)) = (&f.fix, &l.fix) {
                message.push_str(if fix.certain {
                    "\nfix: "
                } else {
                    "\nsuggested fix: "
                });
                message.push_str(&super::describe_fix(&place.original, &fix.replacement));
            }
            // Columns only on one line (the runner refuses them otherwise);
            // `endColumn` is the last character's.
            let body = l.text.trim_end_matches(['\n', '\r']);
            let breaks = body.matches('\n').count() as u32;
            let _ = write!(
                out,
                "::{} file={file},line={}",
                command(f.severity),
                l.start.line
            );
            if breaks > 0 {
                let _ = write!(out, ",endLine={}", l.start.line + breaks);
            } else {
                let width = body.chars().count().max(1) as u32;
                let _ = write!(
                    out,
                    ",col={},endLine={},endColumn={}",
                    l.start.column,
                    l.start.line,
                    l.start.column + width - 1
                );
            }
            let _ = writeln!(
                out,
                ",title={}::{}",
                escape_property(&f.rule),
                escape_data(&message)
            );
        }
        Rendered {
            body: out.into_bytes(),
            failures: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_the_runner_reads() {
        assert_eq!(escape_data("50%\r\nnext"), "50%25%0D%0Anext");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
