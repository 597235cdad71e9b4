//! Hostile rules, all in one place: an endless loop, unbounded recursion, a
//! string doubled towards 1 GB, an endless array, native functions given bad
//! arguments, and attempts to reach the disk, the environment or a process.
//! Each is stopped within a second with a failure naming the rule (its id and
//! its file), and the findings of the other rules on the same plan are still
//! reported: through the library (`RuleSet::run`) and through `planlint check`.
//!
//! (`tests/script.rs` checks the sandbox limit by limit; this file runs the
//! whole catalogue, and the command line, on one plan.)

use planlint::check::{FailureKind, LoadErrorKind, RuleSet, Settings};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn rule(id: &str, body: &str) -> String {
    format!(
        "// id: {id}\n// severity: warning\n// summary: a hostile rule\n//\n// ## Why\n// w\n//\n// ## Example\n// e\n{body}\n"
    )
}

fn late() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check/late.txt"),
    )
    .unwrap()
}

/// Rules that compile but must be stopped while they run, with the kinds of
/// failure that may stop each.
const RUNAWAY: &[(&str, &str, &[FailureKind])] = &[
    (
        "endless-loop",
        "loop { }",
        &[FailureKind::OperationLimit, FailureKind::TimeLimit],
    ),
    (
        "endless-while",
        "let n = 0;\nwhile true { n += 1; }",
        &[FailureKind::OperationLimit, FailureKind::TimeLimit],
    ),
    (
        "recursion",
        "fn down(n) { down(n + 1) + 1 }\ndown(0);",
        &[FailureKind::CallDepth],
    ),
    (
        "mutual-recursion",
        "fn ping(n) { pong(n) }\nfn pong(n) { ping(n + 1) }\nping(0);",
        &[FailureKind::CallDepth],
    ),
    (
        "string-doubling-to-1gb",
        "let s = \"x\";\nfor i in 0..30 { s += s; }\nreport(plan, `${s.len()}`);",
        &[FailureKind::SizeLimit],
    ),
    (
        "string-pad-to-1gb",
        "let s = \"\";\ns.pad(1073741824, \"x\");",
        &[FailureKind::SizeLimit],
    ),
    (
        "endless-array",
        "let a = [];\nloop { a.push(a.len()); }",
        &[FailureKind::SizeLimit, FailureKind::TimeLimit],
    ),
    (
        "array-doubling",
        "let a = [1];\nloop { a += a; }",
        &[FailureKind::SizeLimit, FailureKind::TimeLimit],
    ),
    (
        "array-pad-to-1g",
        "let a = [];\na.pad(1073741824, 0);",
        &[FailureKind::SizeLimit],
    ),
    (
        "endless-map",
        "let m = #{};\nlet i = 0;\nloop { m[`k${i}`] = i; i += 1; }",
        // rhai does not measure a map on an indexed assignment: the loop is
        // stopped by the operation or the time limit, whichever comes first
        // on the build and the machine (a release build on a fast core does
        // the 5M operations within the 500 ms).
        &[
            FailureKind::SizeLimit,
            FailureKind::TimeLimit,
            FailureKind::OperationLimit,
        ],
    ),
    (
        "native-in-a-loop",
        "loop { let t = plan.tasks; let s = source(plan); }",
        &[FailureKind::OperationLimit, FailureKind::TimeLimit],
    ),
];

/// planlint's native functions given arguments they cannot take: each is a
/// runtime error of the rule (or refused when it loads), never a panic of
/// planlint.
const BAD_ARGUMENTS: &[&str] = &[
    "report(42, \"x\");",
    "report(plan, 42);",
    "report(plan, \"\");",
    "report(plan, \"x\", 42);",
    "report(plan, \"x\", #{ fixx: \"typo\" });",
    "report(plan, \"x\", #{ fix: 42 });",
    "report(plan, \"x\", #{ severity: \"catastrophic\" });",
    "report(#{ start: -1, end: 5 }, \"x\");",
    "report(#{ start: 0, end: 999999999999 }, \"x\");",
    "report(#{ start: 9, end: 3 }, \"x\");",
    "report(#{ start: 5, end: 6 }, \"inside 年\");",
    "report(#{ start: \"a\", end: () }, \"x\");",
    "report(#{}, \"x\");",
    "report((), \"x\");",
    "report(plan.tasks, \"x\");",
    "let t = plan.tasks[1000000];",
    "let t = plan.tasks[-1000000];",
    "let s = source(42);",
    "let s = text_before(plan.tasks[0], -1);",
    "let s = text_after(plan.tasks[0], -9223372036854775807);",
    "let s = span(9223372036854775807, -9223372036854775807);",
    "let a = find_all(plan, ());",
    "let a = find_in_chinese(42, \"，\");",
    "let x = option();",
    "let x = date(2021, 13, 45).year;",
    "let x = end_of_month(-9223372036854775807, 2).year;",
    "let x = parse_date(\"9999999999-99-99\").year;",
    "let x = date(2021, 1, 1).days_until(42);",
    "let x = sequence_breaks(42);",
    "let x = nearest_unit(42);",
    "let x = 1 / 0;",
    "let x = 9223372036854775807 + 1;",
    "let x = -9223372036854775807 - 2;",
    "let x = 2 ** 64;",
];

/// Extreme arguments that a function may clamp rather than refuse (rhai's
/// own string and array functions, planlint's `text_before`/`text_after`
/// and dates): the rule either runs or fails, within a second, and planlint
/// does not panic.
const EXTREME_ARGUMENTS: &[&str] = &[
    "let x = \"abc\".sub_string(-5, 9223372036854775807);",
    "let x = \"abc\".split(-9223372036854775807);",
    "let x = [1, 2, 3].extract(-9223372036854775807, 9223372036854775807);",
    "let x = \"x\".pad(-9223372036854775807, \"y\");",
    "let x = text_before(plan.tasks[0], 9223372036854775807);",
    "let x = text_after(plan.tasks[0], 9223372036854775807);",
    "let x = date(-2147483648, 1, 1); let y = date(2147483647, 12, 31); let d = x.days_until(y);",
    "let x = end_of_month(2147483647, 12);",
    "let x = find_all(plan, \"，\");",
    "let x = sequence_breaks([(), (), ()]);",
];

/// Ways out of the sandbox: each is refused when the rule loads, or fails
/// when it runs, and in neither case reads anything.
const ESCAPES: &[&str] = &[
    "import \"os\" as os;",
    "import \"/etc/passwd\" as p;",
    "eval(\"1 + 1\");",
    "let x = env(\"HOME\");",
    "let x = getenv(\"HOME\");",
    "let x = open_file(\"/etc/passwd\");",
    "let x = read_file(\"/etc/passwd\");",
    "let x = File(\"/etc/passwd\");",
    "let x = system(\"touch /tmp/planlint-escaped\");",
    "let x = exec(\"ls\");",
    "let f = Fn(\"system\"); f.call(\"ls\");",
    "let f = Fn(\"eval\"); f.call(\"1\");",
];

/// Runs `body` as a rule beside a healthy one over `late.txt`.
fn run_beside_a_healthy_rule(
    id: &str,
    body: &str,
) -> (
    Result<planlint::check::RunOutput, planlint::check::RuleLoadError>,
    Duration,
) {
    let mut set = RuleSet::bundled();
    set.add_source(
        "healthy.rhai",
        &rule("healthy", "report(plan, \"still here\");"),
    )
    .unwrap();
    if let Err(e) = set.add_source(&format!("{id}.rhai"), &rule(id, body)) {
        return (Err(e), Duration::ZERO);
    }
    let text = late();
    let plan = planlint::parse::parse_str(&text).unwrap();
    let started = Instant::now();
    let out = set.run(
        Arc::new(plan),
        Arc::from(text.as_str()),
        &Settings::default(),
    );
    (Ok(out), started.elapsed())
}

/// The other rules' findings on `late.txt`, which every run must still give.
fn assert_others_reported(out: &planlint::check::RunOutput, what: &str) {
    let rules: Vec<&str> = out.findings.iter().map(|f| f.rule.as_str()).collect();
    for expected in ["healthy", "deadline-outside-period", "deadline-damaged"] {
        assert!(
            rules.contains(&expected),
            "{what}: {expected} missing: {rules:?}"
        );
    }
}

#[test]
fn runaway_rules_are_stopped_within_a_second_by_the_limit_that_fits() {
    for (id, body, kinds) in RUNAWAY {
        let (out, took) = run_beside_a_healthy_rule(id, body);
        let out = out.unwrap_or_else(|e| panic!("{id} must load: {e}"));
        assert!(took < Duration::from_secs(1), "{id} took {took:?}");
        assert_eq!(out.failures.len(), 1, "{id}: {:?}", out.failures);
        let f = &out.failures[0];
        assert_eq!(f.rule, *id);
        assert_eq!(f.path, format!("{id}.rhai"));
        assert!(kinds.contains(&f.kind), "{id}: {f}");
        assert!(f.line.is_some(), "{id}: the failure has a line: {f}");
        assert!(
            !out.findings.iter().any(|x| x.rule == *id),
            "{id}: a stopped rule's findings are dropped"
        );
        assert_others_reported(&out, id);
    }
}

#[test]
fn native_functions_given_bad_arguments_fail_the_rule_not_the_run() {
    for (i, body) in BAD_ARGUMENTS.iter().enumerate() {
        let id = format!("bad-argument-{i}");
        let (out, took) = run_beside_a_healthy_rule(&id, body);
        let out = match out {
            Ok(out) => out,
            // Refused at load time (an unknown function, a constant error):
            // also a diagnostic naming the rule.
            Err(e) => {
                assert_eq!(e.path, format!("{id}.rhai"), "{body}");
                continue;
            }
        };
        assert!(took < Duration::from_secs(1), "{body} took {took:?}");
        assert_eq!(
            out.failures.len(),
            1,
            "{body} must fail: {:?}",
            out.findings
        );
        let f = &out.failures[0];
        assert_eq!(f.rule, id, "{body}");
        assert_eq!(f.kind, FailureKind::Runtime, "{body}: {f}");
        assert!(!f.message.is_empty(), "{body}");
        assert_others_reported(&out, body);
    }
}

#[test]
fn native_functions_given_extreme_arguments_do_not_panic() {
    for (i, body) in EXTREME_ARGUMENTS.iter().enumerate() {
        let id = format!("extreme-argument-{i}");
        let (out, took) = run_beside_a_healthy_rule(&id, body);
        let out = out.unwrap_or_else(|e| panic!("{body} must load: {e}"));
        assert!(took < Duration::from_secs(1), "{body} took {took:?}");
        assert!(out.failures.iter().all(|f| f.rule == id), "{body}");
        assert_others_reported(&out, body);
    }
}

/// `sequence_breaks` compares and subtracts the numbers a rule passes: with
/// numbers near `i64::MAX` that overflowed (found by this test): a panic in a
/// build with overflow checks, wrong breaks in a release build. It now counts
/// in i128.
#[test]
fn sequence_breaks_with_numbers_near_the_integer_limits_does_not_panic() {
    for body in [
        "let x = sequence_breaks([9223372036854775807, 1]);",
        "let x = sequence_breaks([-9223372036854775807, 9223372036854775807]);",
    ] {
        let (out, _) = run_beside_a_healthy_rule("extreme-sequence", body);
        let out = out.unwrap();
        assert!(out.failures.iter().all(|f| f.rule == "extreme-sequence"));
        assert_others_reported(&out, body);
    }
}

#[test]
fn no_way_out_of_the_sandbox() {
    let marker = Path::new("/tmp/planlint-escaped");
    let _ = std::fs::remove_file(marker);
    for (i, body) in ESCAPES.iter().enumerate() {
        let id = format!("escape-{i}");
        let (out, took) = run_beside_a_healthy_rule(&id, body);
        match out {
            Err(e) => {
                assert_eq!(e.path, format!("{id}.rhai"), "{body}");
                assert!(matches!(e.kind, LoadErrorKind::Script(_)), "{body}: {e}");
            }
            Ok(out) => {
                assert!(took < Duration::from_secs(1), "{body} took {took:?}");
                assert_eq!(out.failures.len(), 1, "{body} must fail");
                let f = &out.failures[0];
                assert_eq!(f.rule, id);
                // An unknown function, or `eval` refused as a reserved word
                // when `Fn("eval")` is called.
                assert!(
                    f.message.contains("not found") || f.kind == FailureKind::Syntax,
                    "{body}: {f}"
                );
                assert_others_reported(&out, body);
            }
        }
    }
    assert!(!marker.exists(), "a rule ran a command");
}

#[test]
fn the_command_line_names_every_hostile_rule_and_still_reports_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    std::fs::write(dir.path().join("late.txt"), late()).unwrap();
    let mut names = Vec::new();
    for (id, body, _) in RUNAWAY {
        std::fs::write(rules.join(format!("{id}.rhai")), rule(id, body)).unwrap();
        names.push(id.to_string());
    }
    for (i, body) in BAD_ARGUMENTS.iter().take(8).enumerate() {
        let id = format!("bad-argument-{i}");
        std::fs::write(rules.join(format!("{id}.rhai")), rule(&id, body)).unwrap();
        names.push(id);
    }
    for (id, body) in [
        ("env-access", "let x = env(\"HOME\");"),
        ("import", "import \"os\" as os;"),
    ] {
        std::fs::write(rules.join(format!("{id}.rhai")), rule(id, body)).unwrap();
        names.push(id.to_string());
    }
    std::fs::write(
        rules.join("healthy.rhai"),
        rule("healthy", "report(plan, \"still here\");"),
    )
    .unwrap();

    let started = Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_planlint"))
        .args([
            "check",
            "late.txt",
            "--no-config",
            "--rules",
            "rules",
            "--format",
            "json",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let took = started.elapsed();
    // Rules run one after the other on a plan: at most the time limit each.
    let budget = Duration::from_secs(RUNAWAY.len() as u64 + 5);
    assert!(took < budget, "{took:?}");
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let failures = json["failures"].as_array().unwrap();
    let text = serde_json::to_string(failures).unwrap();
    for name in &names {
        assert!(
            text.contains(&format!("{name}.rhai")),
            "{name} is not named: {text}"
        );
    }
    let findings: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    for expected in ["healthy", "deadline-outside-period", "deadline-damaged"] {
        assert!(findings.contains(&expected), "{expected}: {findings:?}");
    }
}
