//! The bundled rules on the five real plans in `seeds/`: every finding is
//! pinned by a snapshot, and each was read by eye against the plan.

use planlint::check::{RuleSet, Settings};
use planlint::finding::Finding;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

fn seed(prefix: &str) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .unwrap()
}

/// One line per finding, with the text it points at.
fn render(findings: &[Finding], text: &str) -> String {
    let mut out = String::new();
    for f in findings {
        let task = f.task.map_or(String::new(), |t| format!(" [task {t}]"));
        let under: String = text[f.span.start..f.span.end].chars().take(24).collect();
        let _ = write!(
            out,
            "{}:{} {} {}{}: {}  «{}»",
            f.span.line, f.span.column, f.severity, f.rule, task, f.message, under
        );
        if let Some(fix) = &f.fix {
            let _ = write!(
                out,
                "  {} «{}»",
                if fix.certain { "fix" } else { "suggestion" },
                fix.replacement
            );
        }
        out.push('\n');
    }
    out
}

fn check_seed(prefix: &str) -> String {
    let source = planlint::load::load(&seed(prefix)).unwrap();
    let plan = planlint::parse::parse(&source).unwrap();
    let out = RuleSet::bundled().run(Arc::new(plan), source.text.clone(), &Settings::default());
    assert!(out.failures.is_empty(), "{:#?}", out.failures);
    render(&out.findings, &source.text)
}

#[test]
fn seed_000() {
    insta::assert_snapshot!(check_seed("000"));
}

#[test]
fn seed_001() {
    insta::assert_snapshot!(check_seed("001"));
}

#[test]
fn seed_002() {
    insta::assert_snapshot!(check_seed("002"));
}

#[test]
fn seed_003() {
    insta::assert_snapshot!(check_seed("003"));
}

#[test]
fn seed_004() {
    insta::assert_snapshot!(check_seed("004"));
}
