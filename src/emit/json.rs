//! `--format json`: the stable machine-readable output of `planlint check`.
//!
//! One object: `version` (of this schema), `findings` (one per line, in path
//! order), `failures` and `summary`. It holds nothing that changes from run to
//! run (no times), so that the same plans give the same bytes. The schema is
//! documented in `docs/check.md`; a field is only ever added, and `version`
//! changes if one has to change meaning.

use super::{join_into, FileReport, Located, Pos, Printer, Rendered, Summary};
use crate::finding::Severity;
use serde::Serialize;
use std::io::{self, Write};

/// The version of the JSON schema.
pub const SCHEMA_VERSION: u32 = 1;

pub struct Json;

#[derive(Serialize)]
struct Finding<'a> {
    path: &'a str,
    rule: &'a str,
    severity: Severity,
    message: &'a str,
    task: Option<u32>,
    start: Pos,
    end: Pos,
    text: &'a str,
    help: Option<&'a str>,
    fix: Option<Fix<'a>>,
}

#[derive(Serialize)]
struct Fix<'a> {
    start: Pos,
    end: Pos,
    original: &'a str,
    replacement: &'a str,
    certain: bool,
}

#[derive(Serialize)]
struct Failure<'a> {
    kind: super::FailureKind,
    path: Option<&'a str>,
    rule: Option<&'a str>,
    message: &'a str,
    help: Option<&'a str>,
    location: Option<Location<'a>>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    start: Pos,
    end: Pos,
}

fn finding<'a>(path: &'a str, l: &'a Located) -> Finding<'a> {
    let f = &l.finding;
    Finding {
        path,
        rule: &f.rule,
        severity: f.severity,
        message: &f.message,
        task: f.task,
        start: l.start,
        end: l.end,
        text: &l.text,
        help: f.help.as_deref(),
        fix: match (&f.fix, &l.fix) {
            (Some(fix), Some(place)) => Some(Fix {
                start: place.start,
                end: place.end,
                original: &place.original,
                replacement: &fix.replacement,
                certain: fix.certain,
            }),
            _ => None,
        },
    }
}

/// Serialising our own structs of strings and numbers cannot fail.
fn to_vec<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}").into_bytes())
}

const ITEM: &[u8] = b"\n    ";

impl Printer for Json {
    fn begin(&self, out: &mut dyn Write, _run: &super::RunInfo) -> io::Result<()> {
        write!(
            out,
            "{{\n  \"version\": {SCHEMA_VERSION},\n  \"findings\": ["
        )
    }

    // Out of line, once per plan: benches/instructions.sh counts drawing by it.
    #[inline(never)]
    fn render(&self, report: &FileReport) -> Rendered {
        let mut body = Vec::new();
        let items = report
            .findings
            .iter()
            .map(|l| [ITEM, &to_vec(&finding(&report.path, l))].concat());
        join_into(&mut body, items, self.separator());
        let failures = report
            .failures
            .iter()
            .map(|f| {
                let item = Failure {
                    kind: f.kind,
                    path: f.path.as_deref(),
                    rule: f.rule.as_deref(),
                    message: &f.message,
                    help: f.help.as_deref(),
                    location: f.site.as_ref().map(|s| Location {
                        path: &s.path,
                        start: s.start,
                        end: s.end,
                    }),
                };
                [ITEM, &to_vec(&item)].concat()
            })
            .collect();
        Rendered { body, failures }
    }

    fn separator(&self) -> &'static [u8] {
        b","
    }

    fn end(
        &self,
        out: &mut dyn Write,
        summary: &Summary,
        failures: &[Vec<u8>],
        items: bool,
    ) -> io::Result<()> {
        out.write_all(if items { b"\n  ],\n" } else { b"],\n" })?;
        out.write_all(b"  \"failures\": [")?;
        let mut list = Vec::new();
        join_into(&mut list, failures.iter().cloned(), self.separator());
        out.write_all(&list)?;
        out.write_all(if failures.is_empty() {
            b"],\n"
        } else {
            b"\n  ],\n"
        })?;
        out.write_all(b"  \"summary\": ")?;
        out.write_all(&to_vec(summary))?;
        out.write_all(b"\n}\n")
    }
}
