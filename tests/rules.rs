//! The rule machinery seen from outside: the bundled rules against their
//! fixtures (`planlint test-rules rules/`), rule loading and its errors, the
//! catalogue, settings (select, ignore, severities, options) and `report`.

use planlint::check::{fixtures, LoadErrorKind, RuleSet, Settings, UnitRegistry};
use planlint::finding::Severity;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn planlint() -> Command {
    Command::new(env!("CARGO_BIN_EXE_planlint"))
}

const HEADER: &str = "// id: ID\n// severity: warning\n// summary: A test rule.\n//\n// ## Why\n// Tests.\n//\n// ## Example\n// Fires always.\n";

fn rule(id: &str, body: &str) -> String {
    format!("{}\n{body}\n", HEADER.replace("ID", id))
}

const PLAN: &str = "2020-2021年天津市强化知识产权保护推进计划\n\n一、完善法规\n\n1.修订知识产权保护条例。(市司法局负责;2022年6月底前完成)\n\n2.加强执法。(市公安局、市司法局按职责分工负责;持续推进)\n";

fn run(set: &RuleSet, text: &str, settings: &Settings) -> planlint::check::RunOutput {
    let plan = planlint::parse::parse_str(text).expect("plan parses");
    set.run(Arc::new(plan), Arc::from(text), settings)
}

fn one_rule(id: &str, body: &str) -> RuleSet {
    let mut set = RuleSet::empty();
    set.add_source(&format!("{id}.rhai"), &rule(id, body))
        .unwrap_or_else(|e| panic!("{e}"));
    set
}

#[test]
fn bundled_rules_compile_when_they_run() {
    // A bundled rule is compiled when it first runs (a broken one panics
    // there); running every one over a plan compiles them all.
    let set = RuleSet::bundled();
    let out = run(&set, PLAN, &Settings::default());
    assert!(out.failures.is_empty(), "{:?}", out.failures);
    // Selecting one compiles only that one, and it still runs.
    let settings = Settings {
        select: vec!["owner-duplicate".to_owned()],
        ..Settings::default()
    };
    assert!(run(&RuleSet::bundled(), PLAN, &settings)
        .failures
        .is_empty());
}

#[test]
fn bundled_rules_pass_their_fixtures() {
    let report = fixtures::run_dir(&root().join("rules"));
    assert_eq!(report.failed(), 0, "\n{}", report.render());
    // Every bundled rule has at least one fixture that fires and one that does not.
    for id in planlint::check::bundled_ids() {
        let results: Vec<_> = report.results.iter().filter(|r| r.rule == id).collect();
        assert!(results.len() >= 2, "{id} has {} fixtures", results.len());
    }
}

#[test]
fn test_rules_command_prints_pass_and_summary() {
    let out = planlint()
        .args(["test-rules", "rules"])
        .current_dir(root())
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("PASS rules/fixtures/deadline-before-issue/fires.txt"),
        "{stdout}"
    );
    assert!(stdout.trim_end().ends_with(" passed, 0 failed"), "{stdout}");
}

#[test]
fn test_rules_shows_a_diff_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("always.rhai"),
        rule(
            "always",
            "for t in plan.tasks { report(t.marker_span, \"x\"); }",
        ),
    )
    .unwrap();
    std::fs::write(dir.path().join("untested.rhai"), rule("untested", "")).unwrap();
    let fixtures = dir.path().join("fixtures/always");
    std::fs::create_dir_all(&fixtures).unwrap();
    std::fs::write(
        fixtures.join("a.txt"),
        format!("// expect: 7:1 always x\n// expect: 8:1 always x\n{PLAN}"),
    )
    .unwrap();
    std::fs::write(
        fixtures.join("b.txt"),
        format!("// no expectation at all\n{PLAN}"),
    )
    .unwrap();

    let out = planlint()
        .arg("test-rules")
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("    - 8:1 always x    (expected, not found)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("    + 9:1 always x    (found, not expected)"),
        "{stdout}"
    );
    assert!(stdout.contains("states no expectation"), "{stdout}");
    assert!(stdout.contains("FAIL untested: no fixtures"), "{stdout}");
    assert!(
        stdout.trim_end().ends_with("0 passed, 3 failed"),
        "{stdout}"
    );
}

#[test]
fn bundled_rules_are_all_embedded() {
    let mut on_disk: Vec<String> = std::fs::read_dir(root().join("rules"))
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            (p.extension()? == "rhai")
                .then(|| p.file_stem().unwrap().to_string_lossy().into_owned())
        })
        .collect();
    on_disk.sort();
    let embedded: Vec<String> = RuleSet::bundled()
        .rules()
        .iter()
        .map(|m| m.id.clone())
        .collect();
    assert_eq!(embedded, on_disk);
    assert!(embedded.len() >= 12);
}

#[test]
fn bundled_severities_follow_the_policy() {
    let set = RuleSet::bundled();
    let sev = |id: &str| set.get(id).unwrap().severity;
    for id in [
        "deadline-before-issue",
        "deadline-outside-period",
        "owner-role-conflict",
        "numbering-sequence",
    ] {
        assert_eq!(sev(id), Severity::Error, "{id}");
    }
    for id in [
        "deadline-damaged",
        "doc-number-format",
        "punctuation-mixed",
        "task-owner-missing",
        "owner-duplicate",
    ] {
        assert_eq!(sev(id), Severity::Warning, "{id}");
    }
    for id in ["deadline-missing", "task-not-measurable", "owner-overload"] {
        assert_eq!(sev(id), Severity::Info, "{id}");
    }
}

#[test]
fn rules_command_lists_and_documents() {
    let out = planlint().arg("rules").output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success());
    let line = stdout
        .lines()
        .find(|l| l.starts_with("deadline-before-issue "))
        .unwrap();
    assert!(
        line.contains(" error ") && line.contains("issue date"),
        "{line}"
    );
    assert_eq!(stdout.lines().count(), RuleSet::bundled().rules().len());

    let out = planlint()
        .args(["rules", "owner-overload"])
        .output()
        .unwrap();
    let doc = String::from_utf8(out.stdout).unwrap();
    for part in [
        "# owner-overload",
        "Default severity: info",
        "## Why",
        "## Example",
        "## Options",
        "max_led",
    ] {
        assert!(doc.contains(part), "{part} missing in:\n{doc}");
    }

    let out = planlint().args(["rules", "no-such-rule"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no rule `no-such-rule`"));
}

#[test]
fn load_errors_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good-rule.rhai"), rule("good-rule", "")).unwrap();
    std::fs::write(
        dir.path().join("bad-header.rhai"),
        rule("bad-header", "").replace("severity: warning", "severity: loud"),
    )
    .unwrap();
    std::fs::write(dir.path().join("no-header.rhai"), "let x = 1;\n").unwrap();
    std::fs::write(
        dir.path().join("bad-syntax.rhai"),
        rule("bad-syntax", "let x = ;"),
    )
    .unwrap();
    std::fs::write(dir.path().join("wrong-name.rhai"), rule("other-name", "")).unwrap();

    let (set, errors) = RuleSet::load_dir_partial(dir.path());
    assert_eq!(
        set.rules()
            .iter()
            .map(|m| m.id.as_str())
            .collect::<Vec<_>>(),
        ["good-rule"]
    );
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 4, "{messages:#?}");
    let find = |name: &str| errors.iter().find(|e| e.path.ends_with(name)).unwrap();
    assert_eq!(find("bad-header.rhai").line, Some(2));
    assert_eq!(find("bad-header.rhai").kind, LoadErrorKind::Header);
    assert_eq!(find("no-header.rhai").line, Some(1));
    let syntax = find("bad-syntax.rhai");
    assert!(matches!(
        syntax.kind,
        LoadErrorKind::Script(planlint::check::FailureKind::Syntax)
    ));
    assert_eq!((syntax.line, syntax.column), (Some(11), Some(9)));
    assert!(
        syntax.to_string().contains("bad-syntax.rhai:11:9"),
        "{syntax}"
    );
    assert!(find("wrong-name.rhai")
        .message
        .contains("does not match the file name"));

    assert!(RuleSet::load_dir(dir.path()).is_err());
    assert!(RuleSet::load_dir(&dir.path().join("missing")).is_err());
}

#[test]
fn syntax_errors_render_through_miette() {
    let mut set = RuleSet::empty();
    let err = set
        .add_source(
            "broken.rhai",
            &rule("broken", "for t in plan.tasks {\n  report(t, \"x\"\n}"),
        )
        .unwrap_err();
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .render_report(&mut out, &err)
        .unwrap();
    assert!(out.contains("broken.rhai"), "{out}");
    assert!(out.contains("report(t, \"x\""), "{out}");
}

#[test]
fn extend_refuses_a_taken_id() {
    let mut set = RuleSet::bundled();
    let user = one_rule("deadline-missing", "");
    let errors = set.extend(user).unwrap_err();
    assert!(errors[0]
        .message
        .contains("already defined by rules/deadline-missing.rhai"));
    set.extend(one_rule("my-rule", "")).unwrap();
    assert!(set.get("my-rule").is_some());
}

#[test]
fn report_uses_element_spans_and_task_numbers() {
    let set = one_rule(
        "spans",
        r#"
        let t = plan.tasks[0];
        report(t.deadline, "deadline");
        report(plan.tasks[1].owners[1], "owner", #{ help: "h", suggestion: "市司法厅" });
        report(plan, "plan");
        report(#{ start: t.span.start, end: t.span.start + 2 }, "map", #{ fix: "1、" });
        "#,
    );
    let out = run(&set, PLAN, &Settings::default());
    assert!(out.failures.is_empty(), "{:?}", out.failures);
    let f: Vec<_> = out
        .findings
        .iter()
        .map(|f| (f.message.as_str(), f.span.line, f.span.column, f.task))
        .collect();
    assert_eq!(
        f,
        [
            ("plan", 1, 1, None),
            ("map", 5, 1, Some(1)),
            ("deadline", 5, 22, Some(1)),
            ("owner", 7, 14, Some(2))
        ]
    );
    let owner = &out.findings[3];
    assert_eq!(&PLAN[owner.span.start..owner.span.end], "市司法局");
    assert_eq!(owner.help.as_deref(), Some("h"));
    assert!(!owner.fix.as_ref().unwrap().certain);
    assert!(out.findings[1].fix.as_ref().unwrap().certain);
    assert_eq!(out.findings[2].severity, Severity::Warning);
}

#[test]
fn report_of_an_array_is_the_stretch_from_first_to_last_on_a_seed() {
    // Seed 000 writes its brackets with ASCII marks: the marks of task 1
    // (`,` … `(` `;` `)`), reported as one array and as `span(marks)`.
    let text = std::fs::read_to_string(root().join("seeds/000_bdb70f999160dca5.txt")).unwrap();
    let set = one_rule(
        "stretch",
        r#"
        let marks = find_in_chinese(plan.tasks[0], "(),;:");
        report(marks, "array", #{ fix: splice(marks, #{ "(": "（", ")": "）", ",": "，", ";": "；" }) });
        report(span(marks), "span");
        report(marks[0], "first");
        report(marks[0], `${distinct_chars(marks)}|${distinct_chars(source(marks))}`);
        "#,
    );
    let out = run(&set, &text, &Settings::default());
    assert!(out.failures.is_empty(), "{:?}", out.failures);
    let by = |m: &str| out.findings.iter().find(|f| f.message == m).unwrap();
    let (array, span, first) = (by("array"), by("span"), by("first"));
    assert_eq!(array.span, span.span);
    assert_eq!((array.task, span.task), (Some(1), Some(1)));
    assert_eq!(array.span.start, first.span.start);
    let stretch = &text[array.span.start..array.span.end];
    assert!(stretch.starts_with(",加大执法保护力度"), "{stretch}");
    assert!(stretch.ends_with(";持续推进)"), "{stretch}");
    assert!(
        out.findings.iter().any(|f| f.message == ",(;)|,(;)"),
        "{:?}",
        out.findings
    );
    let fix = &array.fix.as_ref().unwrap().replacement;
    assert!(
        fix.starts_with("，加大执法保护力度") && fix.ends_with("；持续推进）"),
        "{fix}"
    );
}

#[test]
fn report_rejects_bad_calls_with_the_rule_line() {
    for (body, needle) in [
        ("report(plan.tasks[0], 42);", "message"),
        (
            "report(plan.tasks[0], \"m\", #{ fixx: \"a\" });",
            "unknown report option `fixx`",
        ),
        (
            "report(#{ start: 10, end: 12 }, \"m\");",
            "character boundaries",
        ),
        ("report(#{ start: 0, end: 100000 }, \"m\");", "does not fit"),
        ("report(42, \"m\");", "cannot report on a value of type"),
        ("report([], \"m\");", "empty array"),
        (
            "report(plan, \"m\", #{ fix: \"x\" });",
            "no text of its own",
        ),
        (
            "report(plan.tasks[0], \"m\", #{ fix: \"a\", suggestion: \"b\" });",
            "not both",
        ),
    ] {
        let set = one_rule("bad-call", body);
        let out = run(&set, PLAN, &Settings::default());
        assert!(out.findings.is_empty(), "{body}");
        let failure = &out.failures[0];
        assert_eq!(
            failure.kind,
            planlint::check::FailureKind::Runtime,
            "{body}"
        );
        assert!(
            failure.message.contains(needle),
            "{body}: {}",
            failure.message
        );
        assert_eq!(failure.line, Some(11), "{body}");
        assert_eq!(failure.rule, "bad-call");
    }
}

#[test]
fn settings_select_ignore_severity_options() {
    let mut set = RuleSet::empty();
    set.add_source(
        "a-one.rhai",
        &rule("a-one", "report(plan, `${option(\"n\", 1)}`);"),
    )
    .unwrap();
    set.add_source("a-two.rhai", &rule("a-two", "report(plan, \"two\");"))
        .unwrap();
    set.add_source(
        "b-one.rhai",
        &rule(
            "b-one",
            "report(plan, \"three\", #{ severity: \"error\" });",
        ),
    )
    .unwrap();
    let ids = |s: &Settings| {
        run(&set, PLAN, s)
            .findings
            .iter()
            .map(|f| f.rule.clone())
            .collect::<Vec<_>>()
    };

    assert_eq!(ids(&Settings::default()), ["a-one", "a-two", "b-one"]);
    let select = Settings {
        select: vec!["a".into()],
        ..Settings::default()
    };
    assert_eq!(ids(&select), ["a-one", "a-two"]);
    let ignore = Settings {
        select: vec!["ALL".into()],
        ignore: vec!["a-two".into()],
        ..Settings::default()
    };
    assert_eq!(ids(&ignore), ["a-one", "b-one"]);
    assert_eq!(
        set.unknown_selectors(&Settings {
            select: vec!["zzz".into(), "b".into()],
            ..Settings::default()
        }),
        ["zzz"]
    );

    let mut settings = Settings::default();
    settings.options.insert(
        "a-one".into(),
        [("n".into(), 7.into())].into_iter().collect(),
    );
    settings.severity.insert("a-two".into(), Severity::Info);
    let out = run(&set, PLAN, &settings);
    assert_eq!(out.findings[0].message, "7");
    assert_eq!(out.findings[1].severity, Severity::Info);
    // A finding's own severity beats the rule's default, not the configuration.
    assert_eq!(out.findings[2].severity, Severity::Error);
    settings.severity.insert("b-one".into(), Severity::Info);
    assert_eq!(
        run(&set, PLAN, &settings).findings[2].severity,
        Severity::Info
    );

    settings.options.insert(
        "a-one".into(),
        [("n".into(), "seven".into())].into_iter().collect(),
    );
    let out = run(&set, PLAN, &settings);
    assert!(
        out.failures[0]
            .message
            .contains("option `n` must be of type"),
        "{}",
        out.failures[0].message
    );
}

#[test]
fn toml_options_become_script_values() {
    let table: toml::Table =
        toml::from_str("n = 3\nf = 1.5\nb = true\ns = \"x\"\na = [1, 2]").unwrap();
    let map: rhai::Map = table
        .iter()
        .map(|(k, v)| (k.as_str().into(), planlint::check::dynamic_from_toml(v)))
        .collect();
    let set = one_rule(
        "opts",
        r#"report(plan, `${option("n", 0) + 1} ${option("f", 0.0)} ${option("b", false)} ${option("s", "")} ${option("a", []).len()}`);"#,
    );
    let mut settings = Settings::default();
    settings.options.insert("opts".into(), map);
    assert_eq!(
        run(&set, PLAN, &settings).findings[0].message,
        "4 1.5 true x 2"
    );
}

#[test]
fn findings_are_sorted_and_deterministic() {
    let set = one_rule(
        "order",
        "report(plan.tasks[1], \"b\"); report(plan.tasks[0], \"z\"); report(plan.tasks[0], \"a\");",
    );
    let out = run(&set, PLAN, &Settings::default());
    let messages: Vec<_> = out.findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(messages, ["a", "z", "b"]);
}

#[test]
fn registry_functions() {
    let set = one_rule(
        "reg",
        r#"report(plan, `${registry_enabled()} ${is_known_unit("市知识产权局")} ${canonical_unit("市知识产权局")} ${nearest_unit("市知识产全局")} ${nearest_unit("完全无关")} ${canonical_units(["市知识产权局", "市司法局"])}`);"#,
    );
    let mut settings = Settings::default();
    assert_eq!(
        run(&set, PLAN, &settings).findings[0].message,
        "false false    [\"市知识产权局\", \"市司法局\"]"
    );
    settings.registry = Arc::new(UnitRegistry::new([planlint::check::RegistryUnit {
        name: "天津市知识产权局".into(),
        aliases: vec!["市知识产权局".into()],
    }]));
    assert_eq!(
        run(&set, PLAN, &settings).findings[0].message,
        "true true 天津市知识产权局 天津市知识产权局  [\"天津市知识产权局\", \"市司法局\"]"
    );
}

/// `owner-overload` counts by unit without a registry, and by canonical
/// name with one: two names of one unit count together and are reported once.
#[test]
fn owner_overload_counts_aliases_together_with_a_registry() {
    let text = std::fs::read_to_string(root().join("seeds/000_bdb70f999160dca5.txt")).unwrap();
    let set = RuleSet::bundled();
    let mut settings = Settings {
        select: vec!["owner-overload".to_string()],
        ..Settings::default()
    };
    let led = |settings: &Settings, max: i64| {
        let mut settings = settings.clone();
        settings.options.insert(
            "owner-overload".into(),
            [("max_led".into(), rhai::Dynamic::from(max))]
                .into_iter()
                .collect(),
        );
        run(&set, &text, &settings)
            .findings
            .into_iter()
            .map(|f| f.message)
            .collect::<Vec<_>>()
    };
    // 000: 市高级人民法院 leads more tasks than 市人民检察院.
    let alone = led(&settings, 3);
    assert!(
        alone.iter().any(|m| m.starts_with("“市高级人民法院”")),
        "{alone:?}"
    );
    assert!(
        !alone.iter().any(|m| m.contains("市人民检察院")),
        "{alone:?}"
    );
    settings.registry = Arc::new(UnitRegistry::new([planlint::check::RegistryUnit {
        name: "天津市司法机关".into(),
        aliases: vec!["市高级人民法院".into(), "市人民检察院".into()],
    }]));
    let merged = led(&settings, 3);
    let joint: Vec<_> = merged
        .iter()
        .filter(|m| m.contains("天津市司法机关"))
        .collect();
    assert_eq!(joint.len(), 1, "{merged:?}");
}

#[test]
fn runs_in_parallel_without_mixing_documents() {
    use rayon::prelude::*;
    let set = RuleSet::bundled();
    let texts: Vec<String> = (0..64)
        .map(|i| {
            PLAN.replace(
                "2022年6月底前完成",
                if i % 2 == 0 {
                    "2022年6月底前完成"
                } else {
                    "2021年6月底前完成"
                },
            )
        })
        .collect();
    let counts: Vec<usize> = texts
        .par_iter()
        .map(|t| {
            run(&set, t, &Settings::default())
                .findings
                .iter()
                .filter(|f| f.rule == "deadline-outside-period")
                .count()
        })
        .collect();
    for (i, n) in counts.iter().enumerate() {
        assert_eq!(*n, if i % 2 == 0 { 1 } else { 0 }, "plan {i}");
    }
}

/// The worked example of `rules/README.md` works as written.
#[test]
fn readme_worked_example_passes() {
    let readme = std::fs::read_to_string(root().join("rules/README.md")).unwrap();
    let block = |fence: &str| {
        let start = readme.find(fence).unwrap() + fence.len();
        readme[start..][..readme[start..].find("```").unwrap()]
            .trim_start_matches('\n')
            .to_owned()
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("owner-vague.rhai"), block("```rust\n")).unwrap();
    let fixtures = dir.path().join("fixtures/owner-vague");
    std::fs::create_dir_all(&fixtures).unwrap();
    std::fs::write(fixtures.join("fires.txt"), block("```text\n")).unwrap();
    let report = fixtures::run_dir(dir.path());
    assert_eq!(report.failed(), 0, "\n{}", report.render());
    assert_eq!(report.passed(), 1);
}
