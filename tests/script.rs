//! The sandbox holds, and the plan API reads what the model says: runaway
//! scripts are stopped quickly with their file and line while the other rules
//! still run; scripts cannot reach files, the environment or stdout.

use planlint::check::{FailureKind, RuleSet, Settings};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PLAN: &str = "2020-2021年天津市强化知识产权保护推进计划\n\n一、完善法规\n\n1.修订知识产权保护条例，培育示范企业30家以上。(市司法局负责;2022年6月底前完成)\n\n2.加强执法。(市公安局、市司法局按职责分工负责;持续推进)\n\n天津市市场监督管理委员会\n2020年9月17日\n";

fn rule(id: &str, body: &str) -> String {
    format!("// id: {id}\n// severity: warning\n// summary: s\n//\n// ## Why\n// w\n//\n// ## Example\n// e\n{body}\n")
}

/// Runs a runaway rule beside a healthy one; returns the failure and the time.
fn runaway(body: &str) -> (planlint::check::RuleFailure, Duration) {
    let mut set = RuleSet::empty();
    set.add_source("runaway.rhai", &rule("runaway", body))
        .unwrap_or_else(|e| panic!("{e}"));
    set.add_source(
        "healthy.rhai",
        &rule("healthy", "report(plan, \"still here\");"),
    )
    .unwrap();
    let plan = planlint::parse::parse_str(PLAN).unwrap();
    let started = Instant::now();
    let out = set.run(Arc::new(plan), Arc::from(PLAN), &Settings::default());
    let took = started.elapsed();
    assert_eq!(out.findings.len(), 1, "the other rule must still run");
    assert_eq!(out.findings[0].message, "still here");
    assert_eq!(out.failures.len(), 1);
    let failure = out.failures.into_iter().next().unwrap();
    assert_eq!(failure.rule, "runaway");
    assert_eq!(failure.path, "runaway.rhai");
    (failure, took)
}

#[test]
fn endless_loop_is_stopped() {
    let (f, took) = runaway("let n = 0;\nloop { n += 1; }");
    assert!(
        matches!(f.kind, FailureKind::OperationLimit | FailureKind::TimeLimit),
        "{f}"
    );
    assert_eq!(f.line, Some(11), "{f}");
    assert!(took < Duration::from_secs(1), "{took:?}");
}

#[test]
fn endless_loop_calling_native_code_is_stopped_by_the_clock() {
    // Each iteration is one operation but much native work: the wall clock,
    // not the operation count, has to stop it.
    let (f, took) = runaway("let s = \"a\";\nloop { let p = s.pad(100000, \"x\"); }");
    assert!(
        matches!(f.kind, FailureKind::TimeLimit | FailureKind::OperationLimit),
        "{f}"
    );
    assert!(took < Duration::from_secs(1), "{took:?}");
}

#[test]
fn unbounded_recursion_is_stopped() {
    let (f, took) = runaway("fn down(n) { down(n + 1) }\ndown(0);");
    assert_eq!(f.kind, FailureKind::CallDepth, "{f}");
    assert!(matches!(f.line, Some(10 | 11)), "{f}");
    assert!(took < Duration::from_secs(1), "{took:?}");
}

#[test]
fn string_doubling_is_stopped() {
    let (f, took) = runaway("let s = \"x\";\nloop { s += s; }");
    assert_eq!(f.kind, FailureKind::SizeLimit, "{f}");
    assert_eq!(f.line, Some(11), "{f}");
    assert!(took < Duration::from_secs(1), "{took:?}");
}

#[test]
fn array_growth_is_stopped() {
    let (f, took) = runaway("let a = [];\nloop { a.push(1); }");
    // rhai measures an array on each push, so growing one is slow: whichever
    // limit comes first, the script is stopped.
    assert!(
        matches!(f.kind, FailureKind::SizeLimit | FailureKind::TimeLimit),
        "{f}"
    );
    assert!(took < Duration::from_secs(1), "{took:?}");
}

#[test]
fn map_growth_is_stopped() {
    let (f, took) = runaway("let m = #{};\nlet i = 0;\nloop { m[`k${i}`] = i; i += 1; }");
    // rhai does not measure a map on an indexed assignment: the operation or
    // the time limit stops it, whichever comes first on the build and machine.
    assert!(
        matches!(
            f.kind,
            FailureKind::SizeLimit | FailureKind::TimeLimit | FailureKind::OperationLimit
        ),
        "{f}"
    );
    assert!(took < Duration::from_secs(1), "{took:?}");
}

#[test]
fn deep_expressions_are_refused_at_load_time() {
    let deep = format!("let x = {}1{};", "(".repeat(200), ")".repeat(200));
    let mut set = RuleSet::empty();
    let err = set
        .add_source("deep.rhai", &rule("deep", &deep))
        .unwrap_err();
    assert!(
        matches!(
            err.kind,
            planlint::check::LoadErrorKind::Script(FailureKind::ExprDepth)
        ),
        "{err}"
    );
}

#[test]
fn runtime_errors_name_the_line() {
    let (f, _) = runaway("let t = plan.tasks[0];\nlet x = t.no_such_property;");
    assert_eq!(f.kind, FailureKind::Runtime);
    assert_eq!(f.line, Some(11), "{f}");
    let (f, _) = runaway("throw \"custom failure\";");
    assert!(f.message.contains("custom failure"), "{f}");
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .render_report(&mut out, &f)
        .unwrap();
    assert!(out.contains("runaway.rhai:10"), "{out}");
    assert!(out.contains("throw \"custom failure\""), "{out}");
}

#[test]
fn no_file_env_process_or_module_access() {
    let mut set = RuleSet::empty();
    for (i, body) in [
        "eval(\"1 + 1\");",
        "import \"os\" as os;",
        "let x = open_file(\"/etc/passwd\");",
        "let x = env(\"HOME\");",
        "let x = read_file(\"/etc/passwd\");",
        "let x = system(\"ls\");",
    ]
    .iter()
    .enumerate()
    {
        let id = format!("escape-{i}");
        let loaded = set.add_source(&format!("{id}.rhai"), &rule(&id, body));
        if loaded.is_err() {
            continue; // refused at load time: fine
        }
        let plan = planlint::parse::parse_str(PLAN).unwrap();
        let settings = Settings {
            select: vec![id.clone()],
            ..Settings::default()
        };
        let out = set.run(Arc::new(plan), Arc::from(PLAN), &settings);
        assert_eq!(out.failures.len(), 1, "{body} must fail");
        assert!(
            out.failures[0].message.contains("not found")
                || out.failures[0].kind == FailureKind::Syntax,
            "{body}: {}",
            out.failures[0]
        );
    }
}

#[test]
fn report_does_not_fire_at_compile_time() {
    // With full optimisation rhai would call `report` with its constant
    // arguments while compiling; here it must only run per plan.
    let mut set = RuleSet::empty();
    set.add_source(
        "constant.rhai",
        &rule("constant", "report(#{ start: 0, end: 3 }, \"once\");"),
    )
    .unwrap();
    for _ in 0..2 {
        let plan = planlint::parse::parse_str(PLAN).unwrap();
        let out = set.run(Arc::new(plan), Arc::from(PLAN), &Settings::default());
        assert_eq!(out.findings.len(), 1);
    }
}

#[test]
fn plan_cannot_be_reassigned() {
    let (f, _) = runaway("plan = 1;");
    assert_eq!(f.kind, FailureKind::Runtime, "{f}");
}

#[test]
fn undefined_variables_are_load_errors() {
    let mut set = RuleSet::empty();
    let err = set
        .add_source(
            "typo.rhai",
            &rule("typo", "for t in plan.taks { }\nlet y = undefined_thing;"),
        )
        .unwrap_err();
    assert_eq!(err.line, Some(11), "{err}");
}

#[test]
fn print_goes_to_stderr_not_stdout() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("noisy.rhai"),
        rule(
            "noisy",
            "print(\"PRINTED\"); debug(\"DEBUGGED\"); report(plan, \"m\");",
        ),
    )
    .unwrap();
    let fixtures = dir.path().join("fixtures/noisy");
    std::fs::create_dir_all(&fixtures).unwrap();
    std::fs::write(
        fixtures.join("a.txt"),
        format!("// expect: 1:1 noisy m\n{PLAN}"),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_planlint"))
        .arg("test-rules")
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        !stdout.contains("PRINTED") && !stdout.contains("DEBUGGED"),
        "{stdout}"
    );
    assert!(stderr.contains("PRINTED"), "{stderr}");
    assert!(stderr.contains("noisy.rhai:10] \"DEBUGGED\""), "{stderr}");
}

/// The plan API reads the model: getters, `()` for what is missing, dates,
/// lists, the text helpers.
#[test]
fn plan_api_reads_the_model() {
    let body = r#"
let t = plan.tasks[0];
let u = plan.tasks[-1];
let out = [];
out.push(plan.title);
out.push(`${plan.issued} ${plan.issued.year} ${plan.issued.month} ${plan.issued.day}`);
out.push(`${plan.period.start}-${plan.period.end}`);
out.push(`${plan.chapters.len()} ${plan.chapters[0].number} ${plan.chapters[0].marker} ${plan.chapters[0].title}`);
out.push(`${t.number} ${t.marker} ${t.level} ${t.path} ${t.chapter.title} ${t.section == ()}`);
out.push(`${t.deadline.kind} ${t.deadline.date} ${t.deadline.raw} ${t.deadline.damaged} ${t.deadline.fix == ()}`);
out.push(`${t.owners[0].unit} ${t.owners[0].role} ${t.owners[0].wording}`);
out.push(`${t.targets.len()} ${t.targets[0].raw} ${t.targets[0].value} ${t.targets[0].unit} ${t.targets[0].comparator}`);
out.push(`${u.deadline.kind} ${u.deadline.date == ()} ${u.owners.map(|o| o.unit)}`);
out.push(`${plan.units.len()} ${plan.units[0].name} ${plan.units[0].tasks.len()} ${plan.units[0].responsible}`);
out.push(`${t.deadline.date < plan.issued} ${t.deadline.date > plan.issued} ${date(2020, 9, 17) == plan.issued} ${date(2020, 2, 30)}`);
out.push(`${plan.issued.days_until(date(2020, 12, 31))} ${parse_date("2021-06-30")}`);
out.push(`${t.deadline.span.line}:${t.deadline.span.column} ${t.deadline.source} ${t.marker_span.source}`);
out.push(`${text_before(t.deadline, 1)}${text_after(t.deadline, 1)} ${find_any(t, "(;)").len()} ${find_all(t, "司法局").len()}`);
out.push(`${is_han("年")} ${is_han("a")} ${is_cjk("，")} ${has_han("ab年")}`);
out.push(`${plan.tasks.filter(|t| t.owners.len() > 1).len()} ${plan.tasks.some(|t| t.number == 2)} ${plan.tasks.all(|t| t.number > 5)} ${plan.tasks.find(|t| t.number == 2).marker}`);
let n = 0;
for (task, i) in plan.tasks { n += i + 1; }
out.push(`${n} ${plan.tasks.to_array().len()} ${plan.tasks.first().number} ${plan.tasks.last().number}`);
out.push(`${plan.doc_number == ()} ${plan.issuer}`);
report(plan, out.reduce(|acc, s| acc + "\n" + s, ""));
"#;
    let mut set = RuleSet::empty();
    set.add_source("api.rhai", &rule("api", body))
        .unwrap_or_else(|e| panic!("{e}"));
    let plan = planlint::parse::parse_str(PLAN).unwrap();
    let out = set.run(Arc::new(plan), Arc::from(PLAN), &Settings::default());
    assert!(out.failures.is_empty(), "{}", out.failures[0]);
    insta::assert_snapshot!(out.findings[0].message);
}

#[test]
fn top_level_return_ends_a_rule_quietly() {
    let mut set = RuleSet::empty();
    set.add_source(
        "early.rhai",
        &rule(
            "early",
            "if plan.issued != () { return; }\nreport(plan, \"never\");",
        ),
    )
    .unwrap();
    let plan = planlint::parse::parse_str(PLAN).unwrap();
    let out = set.run(Arc::new(plan), Arc::from(PLAN), &Settings::default());
    assert!(out.failures.is_empty(), "{:?}", out.failures);
    assert!(out.findings.is_empty());
}

/// The messages of `body` on each seed, with the seed's path.
fn seed_messages(body: &str) -> Vec<(std::path::PathBuf, Vec<String>)> {
    let mut seeds: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/seeds"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    seeds.sort();
    seeds
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let got = messages(&text, body).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path, got)
        })
        .collect()
}

/// Runs one rule body over a plan; returns the messages, or the failure.
fn messages(text: &str, body: &str) -> Result<Vec<String>, String> {
    let mut set = RuleSet::empty();
    set.add_source("h.rhai", &rule("h", body))
        .unwrap_or_else(|e| panic!("{e}"));
    let plan = planlint::parse::parse_str(text).unwrap();
    let out = set.run(Arc::new(plan), Arc::from(text), &Settings::default());
    match out.failures.first() {
        Some(f) => Err(f.to_string()),
        None => Ok(out.findings.into_iter().map(|f| f.message).collect()),
    }
}

#[test]
fn group_by_line_splice_and_chunk_by() {
    let text = "2021年某市工作要点\n\n一、加强保护\n\n1.开展执法,加大力度(市司法局负责;持续推进)\n\n2.加强宣传,扩大影响。\n";
    let body = r#"
let marks = find_in_chinese(plan.tasks[0], "(),;:");
let lines = group_by_line(marks);
report(plan, `${lines.len()} ${lines[0].len()}`);
report(plan, splice(lines[0], #{ "(": "（", ")": "）", ";": "；" }));
report(plan, `stretch: ${span(lines[0]).source}`);
report(plan, distinct_chars(source(lines[0]) + source([]) + ",("));
let all = find_in_chinese(plan.tasks[0], ",") + find_in_chinese(plan.tasks[1], ",");
report(plan, `${group_by_line(all).len()} ${group_by_line([]).len()}`);
let of_list = find_in_chinese(plan.tasks, ",");
let of_array = find_in_chinese(plan.tasks.to_array(), ",");
report(plan, `of all tasks: ${of_list.len()} ${of_array.len()} ${of_list.pluck("start") == all.pluck("start")}`);
report(plan, `${chunk_by([1, 2, 3, 4, 5], ["a", "a", "b", "a", "a"])}`);
report(plan, `${chunk_by([1, 2, 3], [1, (), ()])} ${chunk_by([], [])}`);
"#;
    let mut got = messages(text, body).unwrap();
    got.sort();
    assert_eq!(
        got,
        [
            ",(;)",
            ",加大力度（市司法局负责；持续推进）",
            "1 4",
            "2 0",
            "[[1, 2], [3], [4, 5]]",
            "[[1], [2, 3]] []",
            "of all tasks: 2 2 true",
            "stretch: ,加大力度(市司法局负责;持续推进)",
        ]
    );
    // Spans out of order, keys not as many as values, a replacement that is
    // not a string: errors in the rule, not wrong text.
    let marks = "let m = find_in_chinese(plan.tasks[0], \"(),;:\");\n";
    for (body, says) in [
        ("splice([m[1], m[0]], #{});", "in order"),
        ("chunk_by([1, 2], [1]);", "as many keys"),
        ("span([]);", "span of an empty array"),
        ("splice(m, #{ \"(\": 1 });", "must be a string"),
    ] {
        let err = messages(text, &format!("{marks}{body}")).unwrap_err();
        assert!(err.contains(says), "{err}");
    }
}

/// `plan.sections` is every chapter's sections in turn, on every seed (003
/// has seven, under its chapters; the others none).
#[test]
fn plan_sections_are_the_chapters_sections_on_the_seeds() {
    let body = r#"
let looped = [];
for c in plan.chapters { for s in c.sections { looped.push(`${c.index}/${s.index} ${s.marker} ${s.title}`); } }
let listed = [];
for s in plan.sections { listed.push(`${s.chapter.index}/${s.index} ${s.marker} ${s.title}`); }
let plucked = plan.sections.pluck("title");
report(plan, `${plan.sections.len()} ${listed == looped} ${plucked.len() == looped.len()}`);
"#;
    let mut with_sections = 0;
    for (path, got) in seed_messages(body) {
        let (count, rest) = got[0].split_once(' ').unwrap();
        assert_eq!(rest, "true true", "{}: {}", path.display(), got[0]);
        if count != "0" {
            with_sections += 1;
        }
    }
    assert_eq!(with_sections, 1);
}

/// `plan.owners` is every task's owners in turn, on every seed; `repeats`
/// over the whole plan with the task as a key finds what a loop over the
/// tasks finds.
#[test]
fn plan_owners_are_the_tasks_owners_on_the_seeds() {
    let body = r#"
let looped = [];
let per_task = [];
for t in plan.tasks {
    for o in t.owners { looped.push(`${t.index}/${o.index} ${o.unit} ${o.role}`); }
    for r in repeats(t.owners.pluck("unit")) { per_task.push(`${t.index} ${r[0]} ${r[1]}`); }
}
let listed = [];
for o in plan.owners { listed.push(`${o.task.index}/${o.index} ${o.unit} ${o.role}`); }
let owners = plan.owners;
let tasks = owners.pluck("task.index");
let whole = [];
for r in repeats(tasks, owners.pluck("unit")) {
    whole.push(`${tasks[r[0]]} ${owners[r[0]].index} ${owners[r[1]].index}`);
}
let roles = owners.pluck("role");
let three = repeats(tasks, owners.pluck("unit"), roles).len();
let two = 0;
for r in repeats(tasks, owners.pluck("unit")) { if roles[r[0]] == roles[r[1]] { two += 1; } }
let last = if looped.is_empty() { true } else { looped[-1].starts_with(`${owners[-1].task.index}/${owners[-1].index} `) };
report(plan, `${looped.len()} ${listed == looped} ${whole == per_task} ${three == two} ${last}`);
"#;
    let mut owners = 0;
    for (path, got) in seed_messages(body) {
        let (count, rest) = got[0].split_once(' ').unwrap();
        assert_eq!(
            rest,
            "true true true true",
            "{}: {}",
            path.display(),
            got[0]
        );
        owners += count.parse::<usize>().unwrap();
    }
    // 000 alone names 154 owners in its brackets.
    assert!(owners > 154, "{owners}");
    let err = messages(PLAN, "repeats([1, 2], [1, 2], [1]);").unwrap_err();
    assert!(err.contains("as long as each other"), "{err}");
}

/// `unit.led` counts the tasks a unit answers for first, as a script counts
/// them from `task.leads` (each name once per task): on every seed.
#[test]
fn unit_led_is_the_count_of_task_leads_on_the_seeds() {
    let body = r#"
let counted = #{};
for leads in plan.tasks.pluck("leads") {
    let once = #{};
    for name in leads {
        if once[name] == () { once[name] = true; counted[name] = (counted[name] ?? 0) + 1; }
    }
}
let same = true;
let total = 0;
for unit in plan.units {
    if unit.led != (counted[unit.name] ?? 0) { same = false; }
    total += unit.led;
}
let over = plan.units.filter_by("led", ">", 1).len();
report(plan, `${same} ${total} ${over}`);
"#;
    let mut led = 0;
    for (path, got) in seed_messages(body) {
        let parts: Vec<&str> = got[0].split(' ').collect();
        assert_eq!(parts[0], "true", "{}: {}", path.display(), got[0]);
        led += parts[1].parse::<usize>().unwrap();
    }
    // 000 alone has 73 tasks with a bracket, most of them with a lead or a
    // unit alone responsible.
    assert!(led > 50, "{led}");
}

/// `plan.deadlines` is every task's deadline, task after task: the same
/// elements, at the same places, as `plan.tasks.pluck("deadline")`, and
/// queries over it find the same ones.
#[test]
fn plan_deadlines_are_the_deadlines_of_the_tasks_on_the_seeds() {
    let body = r#"
let plucked = plan.tasks.pluck("deadline");
let same = plan.deadlines.len() == plucked.len();
for (d, i) in plan.deadlines {
    let p = plucked[i];
    if d.kind != p.kind || d.raw != p.raw || d.span.start != p.span.start || d.task.index != i {
        same = false;
    }
}
let damaged = plan.deadlines.filter_by("damaged", true).pluck("span.start");
let dated = plan.deadlines.filter_by("kind", "dated").len();
same = same && damaged == plucked.filter_by("damaged", true).pluck("span.start")
    && dated == plucked.filter_by("kind", "dated").len();
report(plan, `${same} ${damaged.len()} ${dated}`);
"#;
    let (mut damaged, mut dated) = (0, 0);
    for (path, got) in seed_messages(body) {
        let parts: Vec<&str> = got[0].split(' ').collect();
        assert_eq!(parts[0], "true", "{}: {}", path.display(), got[0]);
        damaged += parts[1].parse::<usize>().unwrap();
        dated += parts[2].parse::<usize>().unwrap();
    }
    // 000 alone gives dates, all of them damaged (`202012月底前完成`); the
    // other seeds give ongoing deadlines or none.
    assert!(damaged >= 20 && dated >= damaged, "{damaged} {dated}");
}

/// `plan.task_levels` is the levels of the tasks in the order they first
/// appear, as a script reading every task's `level` finds them.
#[test]
fn task_levels_are_the_levels_of_the_tasks_on_the_seeds() {
    let body = r#"
let seen = [];
for level in plan.tasks.pluck("level") {
    if !seen.contains(level) { seen.push(level); }
}
report(plan, `${plan.task_levels == seen} ${plan.task_levels}`);
"#;
    let mut all = Vec::new();
    for (path, got) in seed_messages(body) {
        assert!(
            got[0].starts_with("true "),
            "{}: {}",
            path.display(),
            got[0]
        );
        all.push(got[0].clone());
    }
    // Items (`1.`) in 000, 003 and 004; 001 and 002 number their tasks `（一）`.
    assert!(all.iter().any(|m| m.contains("\"item\"")), "{all:?}");
    assert!(all.iter().any(|m| m.contains("\"section\"")), "{all:?}");
}

/// `sequence_breaks(numbers, keys)` gives the breaks of each group of equal
/// keys, at their places in the whole array: on every seed, what checking
/// each chapter's items on its own gives.
#[test]
fn sequence_breaks_by_chapter_on_the_seeds() {
    let body = r#"
let numbers = plan.tasks.pluck("number");
let chapters = plan.tasks.pluck("chapter.index");
let keyed = [];
for b in sequence_breaks(numbers, chapters) { keyed.push(`${b.at} ${b.kind} ${b.number} ${b.first}`); }
let looped = [];
let at = 0;
for group in chunk_by(numbers, chapters) {
    for b in sequence_breaks(group) {
        let first = if b.first == () { () } else { b.first + at };
        looped.push(`${b.at + at} ${b.kind} ${b.number} ${first}`);
    }
    at += group.len();
}
let twice = sequence_breaks(numbers, chapters, chapters).len() == keyed.len();
report(plan, `${keyed.len()} ${keyed == looped} ${twice}`);
"#;
    let mut breaks = 0;
    for (path, got) in seed_messages(body) {
        let (count, rest) = got[0].split_once(' ').unwrap();
        assert_eq!(rest, "true true", "{}: {}", path.display(), got[0]);
        breaks += count.parse::<usize>().unwrap();
    }
    // Items restart in each chapter in some seeds and run on in others: read
    // per chapter, the ones that run on break at each chapter.
    assert!(breaks > 0);
    let err = messages(PLAN, "sequence_breaks([1, 2], [1]);").unwrap_err();
    assert!(err.contains("as many keys"), "{err}");
}

/// `pluck`, `filter_by` and `reject_by` read what the getters read: on every
/// seed, each is compared with the loop a rule would otherwise write.
#[test]
fn queries_read_what_the_getters_read_on_the_seeds() {
    let body = r#"
let mismatches = [];
let tasks = plan.tasks;
for path in ["number", "level", "marker", "parent_path", "deadline.kind", "deadline.date",
             "deadline.date.year", "chapter.index", "section.title", "owners.len", "targets.len"] {
    let looped = [];
    for t in tasks {
        looped.push(switch path {
            "number" => t.number, "level" => t.level, "marker" => t.marker,
            "parent_path" => t.parent_path, "deadline.kind" => t.deadline.kind,
            "deadline.date" => t.deadline.date, "deadline.date.year" => t.deadline.date?.year,
            "chapter.index" => t.chapter?.index, "section.title" => t.section?.title,
            "owners.len" => t.owners.len(), "targets.len" => t.targets.len(),
        });
    }
    if `${tasks.pluck(path)}` != `${looped}` { mismatches.push(path); }
}
let owners = [];
for t in tasks { for o in t.owners { owners.push(o); } }
let looped = [];
for o in owners { looped.push(o.role); }
if owners.pluck("role") != looped { mismatches.push("owner role"); }

let want = [];
for t in tasks { if t.owners.is_empty() { want.push(t.index); } }
if tasks.filter_by("owners.len", 0).pluck("index") != want { mismatches.push("filter_by"); }
let want = [];
for t in tasks { let k = t.deadline.kind; if k != "dated" && k != "recurring" { want.push(t.index); } }
if tasks.reject_by("deadline.kind", ["dated", "recurring"]).pluck("index") != want { mismatches.push("reject_by"); }
let cut = date(2021, 1, 1);
let want = [];
for t in tasks { let d = t.deadline.date; if d != () && d < cut { want.push(t.index); } }
if tasks.filter_by("deadline.date", "<", cut).pluck("index") != want { mismatches.push("filter_by <"); }
let want = [];
for t in tasks { if t.owners.len() >= 2 { want.push(t.index); } }
if tasks.filter_by("owners.len", ">=", 2).pluck("index") != want { mismatches.push("filter_by >="); }
report(plan, `${tasks.len()} tasks, mismatches: ${mismatches}`);
"#;
    let mut checked = 0;
    for (path, got) in seed_messages(body) {
        assert_eq!(got.len(), 1, "{}: {got:?}", path.display());
        assert!(
            got[0].ends_with("mismatches: []"),
            "{}: {}",
            path.display(),
            got[0]
        );
        assert!(
            !got[0].starts_with("0 tasks"),
            "{}: {}",
            path.display(),
            got[0]
        );
        checked += 1;
    }
    assert_eq!(checked, 5);
}

#[test]
fn queries_on_arrays_and_maps_and_their_errors() {
    let body = r#"
report(plan, `${[#{ a: 1 }, #{ a: 2 }, #{ b: 3 }].pluck("a")}`);
report(plan, `${[#{ a: #{ b: "x" } }, #{ a: () }].pluck("a.b")}`);
report(plan, `${[#{ a: 1 }, #{ a: 1.0 }, #{ a: "1" }].filter_by("a", 1).len()} equal to 1`);
report(plan, `${[#{ a: 'x' }, #{ a: "x" }, #{ a: () }].reject_by("a", ()).len()} not ()`);
report(plan, `${[#{ a: 3 }, #{ a: 1 }, #{ a: () }].filter_by("a", "<=", 2)}`);
report(plan, `${[#{ a: true }, #{ a: false }, #{ a: 1 }, #{ a: () }].filter_by("a", true).len()} true`);
report(plan, `${[#{ a: 2 }, #{ a: 2.0 }, #{ a: 2.5 }, #{ a: 'c' }, #{ a: "c" }].filter_by("a", [2.5, 'c']).len()} in the list`);
report(plan, `${[#{ a: date(2021, 1, 1) }, #{ a: "2021-01-01" }, #{ a: date(2021, 1, 2) }].filter_by("a", date(2021, 1, 1)).len()} date`);
report(plan, `${[#{ a: 2.0 }, #{ a: 2 }, #{ a: "2" }].reject_by("a", 2.0).len()} not 2.0`);
report(plan, `${chunk_by([1, 2, 3, 4], [0, 0, 0, 1], ["a", "b", "b", "b"])}`);
report(plan, `repeats ${repeats(["a", "b", "a", (), "a", ()])} ${repeats([1, 1, 1], ["x", "y", "x"])} ${repeats([1.5, 2.5, 1.5])} ${repeats([])}`);
"#;
    let mut got = messages(PLAN, body).unwrap();
    got.sort();
    assert_eq!(
        got,
        [
            "1 date",
            "1 not 2.0",
            "1 true",
            "2 equal to 1",
            "2 in the list",
            "2 not ()",
            "[\"x\", ()]",
            "[#{\"a\": 1}]",
            "[1, 2, ()]",
            "[[1], [2, 3], [4]]",
            "repeats [[0, 2], [0, 4], [3, 5]] [[0, 2]] [[0, 2]] []",
        ]
    );
    for (body, says) in [
        (
            "plan.tasks.pluck(\"deadline.kin\");",
            "Deadline has no property `kin` (in `deadline.kin`)",
        ),
        ("plan.tasks.pluck(\"deadline.\");", "is not a property path"),
        ("plan.tasks.filter_by(\"number\", plan);", "not Plan"),
        (
            "plan.tasks.reject_by(\"number\", [1, #{}]);",
            "strings and dates, not map",
        ),
        ("plan.tasks.filter_by(\"number\", \"~\", 1);", "not `~`"),
        (
            "plan.tasks.filter_by(\"number\", \"<\", ());",
            "orders numbers",
        ),
        ("chunk_by([1, 2], [1, 1], [1]);", "as many keys"),
        ("repeats([1, 2], [1]);", "as long as each other"),
    ] {
        let err = messages(PLAN, body).unwrap_err();
        assert!(err.contains(says), "{body}: {err}");
        assert!(!err.contains("Runtime error: "), "{err}");
    }
}

/// `owner.collective` tells a collective (`各市场监管所`) from one unit, on
/// seed 003, and reads as the query `pluck("collective")` does.
#[test]
fn collective_owners_on_a_seed() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/seeds/003_63efe52fe03403ac.txt"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let body = r#"
let names = #{};
let owners = [];
for t in plan.tasks { for o in t.owners { owners.push(o); if o.collective { names[o.unit] = true; } } }
let looped = [];
for o in owners { looped.push(o.collective); }
report(plan, `${names.keys()} ${owners.pluck("collective") == looped}`);
"#;
    let found = messages(&text, body).unwrap();
    assert_eq!(found, [r#"["各市场监管所", "各相关市场监管所"] true"#]);
}

/// `task.leads` on seed 000: the lead units where a bracket names them
/// (`…牵头`), else the one unit responsible, else none; the same read one
/// task at a time and for all tasks with `pluck`.
#[test]
fn leads_of_the_tasks_of_a_seed() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/seeds/000_bdb70f999160dca5.txt"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let body = r#"
let counts = #{ led: 0, sole: 0, none: 0 };
let looped = [];
for t in plan.tasks {
    let leads = t.leads;
    looped.push(leads);
    let has_lead = t.owners.filter(|o| o.role == "lead").len() > 0;
    if has_lead { counts.led += 1; } else if leads.len() == 1 { counts.sole += 1; } else { counts.none += 1; }
}
let t = plan.tasks.find(|t| t.owners.filter(|o| o.role == "lead").len() > 0);
report(plan, `${counts.led} ${counts.sole} ${counts.none} ${plan.tasks.pluck("leads") == looped} ${t.leads == t.owners.filter(|o| o.role == "lead").map(|o| o.unit)}`);
"#;
    let found = messages(&text, body).unwrap();
    insta::assert_snapshot!(found.join("\n"));
}
