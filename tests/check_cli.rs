//! `planlint check` seen from outside: the binary run in temporary folders on
//! copies of the seeds and on small fixture plans (`tests/fixtures/check/`).
//! Every output format is pinned by a snapshot on the seeds; the rest checks
//! exit codes, rule selection, configuration discovery, allow entries,
//! baselines, `--fix`/`--diff`, failures that must not stop a run, colour, and
//! where the underline sits under Chinese text.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use unicode_width::UnicodeWidthStr;

const SEEDS: [&str; 5] = [
    "000_bdb70f999160dca5.txt",
    "001_89c2349e817ee77d.txt",
    "002_1ef3b13d8a6c0daa.txt",
    "003_63efe52fe03403ac.txt",
    "004_a9b7006d1e51261e.txt",
];

/// The rules the format snapshots select: few enough findings to read by eye,
/// every kind of place (a deadline, a document number, a heading, a task).
const SNAPSHOT_RULES: &str = "deadline-damaged,deadline-before-issue,doc-number-format,numbering-sequence,task-owner-missing";

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    manifest().join("tests/fixtures/check").join(name)
}

/// A temporary folder holding copies of the seeds under `seeds/`.
fn seeds_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("seeds")).expect("mkdir seeds");
    for s in SEEDS {
        std::fs::copy(
            manifest().join("seeds").join(s),
            dir.path().join("seeds").join(s),
        )
        .expect("copy seed");
    }
    dir
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_planlint"));
    cmd.current_dir(dir)
        .args(args)
        .env("COLUMNS", "100")
        .env_remove("NO_COLOR");
    cmd
}

fn run(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().expect("planlint runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 stdout")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("UTF-8 stderr")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

/// The summary line with its time replaced, for snapshots.
fn summary(o: &Output) -> String {
    let err = stderr(o);
    let line = err.lines().last().unwrap_or_default();
    match (line.find(" in "), line.find("s: ")) {
        (Some(a), Some(b)) if a < b => format!("{} in [time]{}", &line[..a], &line[b + 1..]),
        _ => line.to_owned(),
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&path, text).expect("write");
    path
}

fn copy_fixture(dir: &Path, name: &str) -> PathBuf {
    let to = dir.join(name);
    std::fs::copy(fixture(name), &to).expect("copy fixture");
    to
}

// ---------------------------------------------------------------- formats

#[test]
fn human_format_on_the_seeds() {
    let dir = seeds_dir();
    let o = run(
        dir.path(),
        &["check", "seeds", "--no-config", "--select", SNAPSHOT_RULES],
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        !out.contains('\u{1b}'),
        "no colour when stdout is not a terminal"
    );
    insta::assert_snapshot!("human_seeds", out);
    insta::assert_snapshot!("human_seeds_summary", summary(&o));
}

#[test]
fn json_format_on_the_seeds() {
    let dir = seeds_dir();
    let o = run(
        dir.path(),
        &[
            "check",
            "seeds",
            "--no-config",
            "--format",
            "json",
            "--select",
            SNAPSHOT_RULES,
        ],
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    let value: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(value["version"], 1);
    let findings = value["findings"].as_array().expect("findings array");
    assert_eq!(
        value["summary"]["errors"].as_u64().unwrap()
            + value["summary"]["warnings"].as_u64().unwrap(),
        findings.len() as u64
    );
    // Columns count characters: the deadline at character 66 of line 63 of 000.
    assert!(findings.iter().any(|f| f["rule"] == "deadline-damaged"
        && f["start"]["line"] == 63
        && f["start"]["column"] == 66
        && f["text"] == "202012月底前完成"
        && f["fix"]["replacement"] == "2020年12月底前完成"));
    insta::assert_snapshot!("json_seeds", out);
}

#[test]
fn json_format_is_the_same_bytes_on_every_run() {
    let dir = seeds_dir();
    let a = run(
        dir.path(),
        &["check", "seeds", "--no-config", "--format", "json"],
    );
    let b = run(
        dir.path(),
        &[
            "check",
            "seeds",
            "--no-config",
            "--format",
            "json",
            "-j",
            "1",
        ],
    );
    assert!(!a.stdout.is_empty());
    assert_eq!(a.stdout, b.stdout, "output depends on the thread count");
}

#[test]
fn sarif_format_on_the_seeds() {
    let dir = seeds_dir();
    let o = run(
        dir.path(),
        &[
            "check",
            "seeds",
            "--no-config",
            "--format",
            "sarif",
            "--select",
            SNAPSHOT_RULES,
        ],
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(v["version"], "2.1.0");
    let run0 = &v["runs"][0];
    assert_eq!(run0["columnKind"], "unicodeCodePoints");
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    for r in run0["results"].as_array().unwrap() {
        let i = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[i]["id"], r["ruleId"], "ruleIndex points at the rule");
        assert!(r["partialFingerprints"]["planlint/v1"]
            .as_str()
            .is_some_and(|s| s.len() == 16));
        assert!(
            !r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .contains('\\')
        );
    }
    assert!(rules.iter().all(|r| r["shortDescription"]["text"]
        .as_str()
        .is_some_and(|s| !s.is_empty())));
    assert_eq!(run0["invocations"][0]["executionSuccessful"], true);
    insta::assert_snapshot!("sarif_seeds", out);
}

#[test]
fn github_format_on_the_seeds() {
    let dir = seeds_dir();
    let o = run(
        dir.path(),
        &[
            "check",
            "seeds",
            "--no-config",
            "--format",
            "github",
            "--select",
            SNAPSHOT_RULES,
        ],
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    for line in out.lines() {
        assert!(
            line.starts_with("::error file=")
                || line.starts_with("::warning file=")
                || line.starts_with("::notice file="),
            "{line}"
        );
    }
    insta::assert_snapshot!("github_seeds", out);
}

#[test]
fn compact_format_on_the_seeds() {
    let dir = seeds_dir();
    let o = run(
        dir.path(),
        &[
            "check",
            "seeds",
            "--no-config",
            "--format",
            "compact",
            "--select",
            SNAPSHOT_RULES,
        ],
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    insta::assert_snapshot!("compact_seeds", stdout(&o));
}

/// Every bundled rule on the seeds (what they find is pinned by the rules'
/// own snapshots): one line per finding, sorted by path and position, and as
/// many lines as the summary counts.
#[test]
fn compact_format_with_every_rule() {
    let dir = seeds_dir();
    let o = run(
        dir.path(),
        &["check", "seeds", "--no-config", "--format", "compact"],
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    let mut last: Option<(String, u32, u32)> = None;
    let mut counts = [0usize; 3];
    for line in out.lines() {
        let mut parts = line.splitn(4, ':');
        let (path, l, c) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let key = (
            path.to_owned(),
            l.parse::<u32>().expect("line"),
            c.parse::<u32>().expect("column"),
        );
        if let Some(prev) = &last {
            assert!(
                prev.0 < key.0 || (prev.0 == key.0 && (prev.1, prev.2) <= (key.1, key.2)),
                "sorted: {line}"
            );
        }
        last = Some(key);
        let severity = parts.next().unwrap().split(' ').nth(1).unwrap();
        counts[["error", "warning", "info"]
            .iter()
            .position(|s| *s == severity)
            .expect("a severity")] += 1;
    }
    let summary = summary(&o);
    for (n, what) in counts.iter().zip(["error", "warning", "info"]) {
        if *n > 0 {
            assert!(
                summary.contains(&format!("{n} {what}")),
                "{n} {what} in {summary}"
            );
        }
    }
}

// ---------------------------------------------------------------- exit codes

#[test]
fn exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path(), "clean.txt");
    copy_fixture(dir.path(), "late.txt");
    let clean = run(dir.path(), &["check", "clean.txt", "--no-config"]);
    assert_eq!(code(&clean), 0, "{}", stderr(&clean));
    assert_eq!(stdout(&clean), "");
    assert!(
        stderr(&clean).contains("Checked 1 file (3 tasks)"),
        "{}",
        stderr(&clean)
    );
    assert!(stderr(&clean).contains("no findings"), "{}", stderr(&clean));

    // late.txt: one error (a deadline after the period), one warning.
    assert_eq!(
        code(&run(dir.path(), &["check", "late.txt", "--no-config"])),
        1
    );
    let warnings_only = run(
        dir.path(),
        &[
            "check",
            "late.txt",
            "--no-config",
            "--ignore",
            "deadline-outside-period",
        ],
    );
    assert_eq!(code(&warnings_only), 0, "{}", stdout(&warnings_only));
    assert!(stdout(&warnings_only).contains("deadline-damaged"));
    let denied = run(
        dir.path(),
        &[
            "check",
            "late.txt",
            "--no-config",
            "--ignore",
            "deadline-outside-period",
            "--deny-warnings",
        ],
    );
    assert_eq!(code(&denied), 1);

    // Usage errors.
    let missing = run(dir.path(), &["check", "nowhere.txt", "--no-config"]);
    assert_eq!(code(&missing), 2);
    assert!(
        stdout(&missing).contains("nowhere.txt"),
        "{}",
        stdout(&missing)
    );
    let typo = run(
        dir.path(),
        &[
            "check",
            "late.txt",
            "--no-config",
            "--select",
            "deadline-damagd",
        ],
    );
    assert_eq!(code(&typo), 2);
    assert!(
        stderr(&typo).contains("did you mean `deadline-damaged`"),
        "{}",
        stderr(&typo)
    );
    assert_eq!(
        code(&run(dir.path(), &["check"])),
        2,
        "no path is a usage error"
    );
    assert_eq!(
        code(&run(dir.path(), &["check", "late.txt", "--format", "xml"])),
        2
    );
}

#[test]
fn quiet_prints_no_summary() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path(), "clean.txt");
    let o = run(
        dir.path(),
        &["check", "clean.txt", "--no-config", "--quiet"],
    );
    assert_eq!(code(&o), 0);
    assert_eq!(stderr(&o), "");
}

// ---------------------------------------------------------------- selection

#[test]
fn select_and_ignore_on_the_command_line_over_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path(), "late.txt");
    let rules = |o: &Output| -> Vec<String> {
        let mut r: Vec<String> = stdout(o)
            .lines()
            .map(|l| l.split(' ').nth(2).unwrap_or_default().to_owned())
            .collect();
        r.dedup();
        r
    };
    // No configuration: every rule.
    let all = run(dir.path(), &["check", "late.txt", "--format", "compact"]);
    assert_eq!(rules(&all), ["deadline-outside-period", "deadline-damaged"]);

    write(
        dir.path(),
        "planlint.toml",
        "[rules]\nignore = [\"deadline-damaged\"]\n",
    );
    let o = run(dir.path(), &["check", "late.txt", "--format", "compact"]);
    assert_eq!(rules(&o), ["deadline-outside-period"]);
    // --select replaces the configuration's choice, its ignore list included.
    let o = run(
        dir.path(),
        &[
            "check",
            "late.txt",
            "--format",
            "compact",
            "--select",
            "deadline-damaged",
        ],
    );
    assert_eq!(rules(&o), ["deadline-damaged"]);
    // --ignore adds to it; a prefix selects a family.
    let o = run(
        dir.path(),
        &[
            "check",
            "late.txt",
            "--format",
            "compact",
            "--select",
            "deadline",
            "--ignore",
            "deadline-outside-period",
        ],
    );
    assert_eq!(rules(&o), ["deadline-damaged"]);
    // "off" in the configuration is an ignore.
    write(
        dir.path(),
        "planlint.toml",
        "[rules.severity]\ndeadline-outside-period = \"off\"\ndeadline-damaged = \"error\"\n",
    );
    let o = run(dir.path(), &["check", "late.txt", "--format", "compact"]);
    assert_eq!(stdout(&o).trim(), "late.txt:9:33: error deadline-damaged 完成时限“202112月底前完成”有缺字，应为“2021年12月底前完成”");
    assert_eq!(code(&o), 1, "a warning raised to an error fails");
}

// ---------------------------------------------------------------- configuration

#[test]
fn the_nearest_configuration_wins() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "planlint.toml",
        "[rules]\nselect = [\"deadline-damaged\"]\n",
    );
    std::fs::create_dir_all(root.join("a/b")).unwrap();
    std::fs::copy(fixture("late.txt"), root.join("a/late.txt")).unwrap();
    std::fs::copy(fixture("late.txt"), root.join("a/b/late.txt")).unwrap();
    write(
        root,
        "a/b/planlint.toml",
        "[rules]\nselect = [\"deadline-outside-period\"]\n",
    );
    let o = run(root, &["check", ".", "--format", "compact"]);
    assert_eq!(
        stdout(&o),
        "a/b/late.txt:7:29: error deadline-outside-period 完成时限（2022-06-30）晚于计划实施期限（2021—2021年）\n\
         a/late.txt:9:33: warning deadline-damaged 完成时限“202112月底前完成”有缺字，应为“2021年12月底前完成”\n"
    );
    // --config names one for all; --no-config uses none.
    let o = run(
        root,
        &[
            "check",
            "a",
            "--format",
            "compact",
            "--config",
            "a/b/planlint.toml",
        ],
    );
    assert_eq!(stdout(&o).lines().count(), 2);
    assert!(
        stdout(&o)
            .lines()
            .all(|l| l.contains("deadline-outside-period")),
        "{}",
        stdout(&o)
    );
    let o = run(root, &["check", "a", "--format", "compact", "--no-config"]);
    assert_eq!(stdout(&o).lines().count(), 4);
}

#[test]
fn configuration_errors_name_the_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path(), "late.txt");
    write(
        dir.path(),
        "planlint.toml",
        "[rules]\nselect = [\"deadline-damaged\"]\nignor = [\"x\"]\n",
    );
    let o = run(dir.path(), &["check", "late.txt"]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("unknown field `ignor`"), "{err}");
    assert!(err.contains("[planlint.toml:3:1]"), "{err}");
    assert_eq!(stdout(&o), "");

    write(
        dir.path(),
        "planlint.toml",
        "[rules.severity]\ndeadline-damaged = \"loud\"\n",
    );
    let err = stderr(&run(dir.path(), &["check", "late.txt"]));
    assert!(
        err.contains("[planlint.toml:2:20]") && err.contains("not a severity"),
        "{err}"
    );

    write(
        dir.path(),
        "planlint.toml",
        "[rules.options.owner-overlaod]\nmax = 3\n",
    );
    let err = stderr(&run(dir.path(), &["check", "late.txt"]));
    assert!(err.contains("did you mean `owner-overload`"), "{err}");
}

#[test]
fn the_plan_period_comes_from_the_configuration_when_the_title_has_none() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("late.txt"))
        .unwrap()
        .replacen("2021年某市", "某市", 1);
    write(dir.path(), "plan.txt", &text);
    let o = run(
        dir.path(),
        &[
            "check",
            "plan.txt",
            "--format",
            "compact",
            "--select",
            "deadline-outside-period",
        ],
    );
    assert_eq!(stdout(&o), "", "no period, nothing to check against");
    write(dir.path(), "planlint.toml", "[plan]\nperiod = \"2021\"\n");
    let o = run(
        dir.path(),
        &[
            "check",
            "plan.txt",
            "--format",
            "compact",
            "--select",
            "deadline-outside-period",
        ],
    );
    assert!(
        stdout(&o).contains("plan.txt:7:29: error deadline-outside-period"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn rule_options_and_the_unit_registry_reach_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path(), "clean.txt");
    let o = run(
        dir.path(),
        &[
            "check",
            "clean.txt",
            "--format",
            "compact",
            "--select",
            "owner-unknown-unit",
        ],
    );
    assert_eq!(stdout(&o), "", "no registry, no unknown units");
    write(
        dir.path(),
        "planlint.toml",
        "[units]\nregistry = [\"天津市市场监管委\", \"天津市司法局\", \"天津市知识产权局\"]\n\
         [units.aliases]\n\"市市场监管委\" = \"天津市市场监管委\"\n\"市司法局\" = \"天津市司法局\"\n",
    );
    let o = run(
        dir.path(),
        &[
            "check",
            "clean.txt",
            "--format",
            "compact",
            "--select",
            "owner-unknown-unit",
        ],
    );
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.contains("市知识产权局"),
        "only the unit without an alias is unknown: {out}"
    );

    let o = run(
        dir.path(),
        &[
            "check",
            "clean.txt",
            "--format",
            "compact",
            "--select",
            "owner-overload",
        ],
    );
    assert_eq!(stdout(&o), "");
    write(
        dir.path(),
        "planlint.toml",
        "[rules.options.owner-overload]\nmax_led = 0\n",
    );
    let o = run(
        dir.path(),
        &[
            "check",
            "clean.txt",
            "--format",
            "compact",
            "--select",
            "owner-overload",
        ],
    );
    assert_eq!(stdout(&o).lines().count(), 3, "{}", stdout(&o));
}

#[test]
fn init_writes_a_starter_file_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["init"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = std::fs::read_to_string(dir.path().join("planlint.toml")).unwrap();
    assert!(text.contains("[[allow]]") && text.contains("registry"));
    copy_fixture(dir.path(), "clean.txt");
    assert_eq!(
        code(&run(dir.path(), &["check", "clean.txt"])),
        0,
        "the starter file is a valid configuration"
    );
    let again = run(dir.path(), &["init"]);
    assert_eq!(code(&again), 2);
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("planlint.toml")).unwrap(),
        text
    );
}

#[test]
fn every_example_of_the_starter_file_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(code(&run(dir.path(), &["init"])), 0);
    // Uncomment every setting: each must be a key, a rule and an option that exist.
    let starter = std::fs::read_to_string(dir.path().join("planlint.toml")).unwrap();
    let uncommented: String = starter
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(rest)
                if rest.starts_with('[')
                    || rest
                        .split_once(" = ")
                        .is_some_and(|(k, _)| k.starts_with('"') || !k.contains(' ')) =>
            {
                rest
            }
            _ => l,
        })
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(
        uncommented.contains("\nmax_led = 8\n") && uncommented.contains("\n[[allow]]\n"),
        "{uncommented}"
    );
    write(dir.path(), "planlint.toml", &uncommented);
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    copy_fixture(dir.path(), "clean.txt");
    let o = run(dir.path(), &["check", "clean.txt", "--format", "compact"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    // The example entry names a plan that is not there.
    assert!(
        stdout(&o).contains("warning unused-allow"),
        "{}",
        stdout(&o)
    );
}

// ---------------------------------------------------------------- allow entries

#[test]
fn allow_entries_silence_one_task_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path(), "late.txt");
    write(
        dir.path(),
        "planlint.toml",
        "[[allow]]\nrule = \"deadline-outside-period\"\nfile = \"late.txt\"\ntask = 2\nreason = \"the court asked for 2022\"\n",
    );
    let o = run(dir.path(), &["check", "late.txt", "--format", "compact"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(!stdout(&o).contains("deadline-outside-period"));
    assert!(
        stderr(&o).contains("1 allowed by the configuration"),
        "{}",
        stderr(&o)
    );

    // Another task: the entry does not apply, and is reported as unused.
    write(
        dir.path(),
        "planlint.toml",
        "# allow entries\n\n[[allow]]\nrule = \"deadline-outside-period\"\nfile = \"*.txt\"\ntask = 3\nreason = \"the court asked for 2022\"\n",
    );
    let o = run(dir.path(), &["check", "late.txt", "--format", "compact"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stdout(&o),
        "late.txt:7:29: error deadline-outside-period 完成时限（2022-06-30）晚于计划实施期限（2021—2021年）\n\
         late.txt:9:33: warning deadline-damaged 完成时限“202112月底前完成”有缺字，应为“2021年12月底前完成”\n\
         planlint.toml:3:1: warning unused-allow allow entry silences nothing: no `deadline-outside-period` finding in `*.txt` task 3\n"
    );
    let human = stdout(&run(dir.path(), &["check", "late.txt"]));
    assert!(human.contains("╭─[planlint.toml:3:1]"), "{human}");

    // An entry for a file that is gone.
    write(
        dir.path(),
        "planlint.toml",
        "[[allow]]\nrule = \"deadline-damaged\"\nfile = \"old.txt\"\nreason = \"renamed since\"\n",
    );
    let out = stdout(&run(
        dir.path(),
        &["check", "late.txt", "--format", "compact"],
    ));
    assert!(out.contains("planlint.toml:1:1: warning unused-allow allow entry for `deadline-damaged` names `old.txt`, which does not exist"), "{out}");
    // Not reported when the rule does not run, nor when unused-allow is ignored.
    let out = stdout(&run(
        dir.path(),
        &[
            "check",
            "late.txt",
            "--format",
            "compact",
            "--select",
            "deadline-outside-period",
        ],
    ));
    assert!(!out.contains("unused-allow"), "{out}");
    let out = stdout(&run(
        dir.path(),
        &[
            "check",
            "late.txt",
            "--format",
            "compact",
            "--ignore",
            "unused-allow",
        ],
    ));
    assert!(!out.contains("unused-allow"), "{out}");
}

#[test]
fn an_allow_entry_without_a_reason_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path(), "late.txt");
    write(
        dir.path(),
        "planlint.toml",
        "[rules]\n\n[[allow]]\nrule = \"deadline-outside-period\"\nfile = \"late.txt\"\ntask = 2\n",
    );
    let o = run(dir.path(), &["check", "late.txt"]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(
        err.contains("[planlint.toml:3:1]") && err.contains("gives no reason"),
        "{err}"
    );
}

// ---------------------------------------------------------------- baseline

#[test]
fn baseline_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let plan = copy_fixture(dir.path(), "late.txt");
    let w = run(
        dir.path(),
        &[
            "check",
            "late.txt",
            "--no-config",
            "--write-baseline",
            "baseline.json",
        ],
    );
    assert_eq!(code(&w), 0, "{}", stderr(&w));
    assert_eq!(stdout(&w), "");
    assert!(
        stderr(&w).contains("wrote 2 findings to the baseline baseline.json"),
        "{}",
        stderr(&w)
    );
    let written = std::fs::read_to_string(dir.path().join("baseline.json")).unwrap();
    insta::assert_snapshot!("baseline_late", written);

    let o = run(
        dir.path(),
        &[
            "check",
            "late.txt",
            "--no-config",
            "--baseline",
            "baseline.json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert_eq!(stdout(&o), "");
    assert!(stderr(&o).contains("2 in the baseline"), "{}", stderr(&o));

    // Lines added above move every finding; the baseline still holds them.
    let text = std::fs::read_to_string(&plan).unwrap();
    let moved = text.replacen(
        "一、强化保护\n",
        "前言\n\n前言第二段。\n\n一、强化保护\n",
        1,
    );
    std::fs::write(&plan, &moved).unwrap();
    let o = run(
        dir.path(),
        &[
            "check",
            "late.txt",
            "--no-config",
            "--baseline",
            "baseline.json",
        ],
    );
    assert_eq!(stdout(&o), "");
    assert_eq!(code(&o), 0);

    // A new finding is reported, alone.
    let worse = moved.replacen("2021年6月底前完成", "2023年6月底前完成", 1);
    std::fs::write(&plan, worse).unwrap();
    let o = run(
        dir.path(),
        &[
            "check",
            "late.txt",
            "--no-config",
            "--baseline",
            "baseline.json",
            "--format",
            "compact",
        ],
    );
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains("2023-06-30"), "{out}");

    // A new baseline takes every finding, the old baseline's too.
    let o = run(
        dir.path(),
        &[
            "check",
            "late.txt",
            "--no-config",
            "--baseline",
            "baseline.json",
            "--write-baseline",
            "b2.json",
        ],
    );
    assert!(
        stderr(&o).contains("wrote 3 findings to the baseline b2.json"),
        "{}",
        stderr(&o)
    );

    // The baseline works from another working folder.
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let o = run(
        &sub,
        &[
            "check",
            "../late.txt",
            "--no-config",
            "--baseline",
            "../baseline.json",
            "--format",
            "compact",
        ],
    );
    assert_eq!(stdout(&o).lines().count(), 1, "{}", stdout(&o));

    let broken = write(
        dir.path(),
        "broken.json",
        "{\"version\": 1, \"findings\": [\n  {\"file\": 1}\n]}",
    );
    let o = run(
        dir.path(),
        &[
            "check",
            "late.txt",
            "--no-config",
            "--baseline",
            broken.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("broken.json:2:"), "{}", stderr(&o));
}

// ---------------------------------------------------------------- fixes

/// A copy of seed 000, whose deadlines lost their 年 (`202012月底前完成`).
fn damaged_000(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(manifest().join("seeds").join(SEEDS[0])).unwrap();
    assert!(text.contains("(市高级人民法院负责;202012月底前完成)"));
    write(dir, "000.txt", &text)
}

#[test]
fn fix_mends_the_certain_fixes_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let plan = damaged_000(dir.path());
    let before = std::fs::read_to_string(&plan).unwrap();
    let o = run(
        dir.path(),
        &[
            "check",
            "000.txt",
            "--no-config",
            "--select",
            "deadline-damaged,doc-number-format",
            "--fix",
            "--format",
            "compact",
        ],
    );
    let after = std::fs::read_to_string(&plan).unwrap();
    let err = stderr(&o);
    assert!(err.contains("000.txt:63:66: fixed deadline-damaged: replace \"202012月底前完成\" with \"2020年12月底前完成\""), "{err}");
    assert!(after.contains("(市高级人民法院负责;2020年12月底前完成)"));
    assert!(after.contains("津党办发〔2020〕14号") && !after.contains("〔202014号"));
    assert!(!after.contains("2020917日"));
    assert_eq!(
        stdout(&o),
        "",
        "every finding of these rules had a certain fix"
    );
    assert_eq!(code(&o), 0);
    // Nothing but the fixes changed.
    assert_eq!(after.lines().count(), before.lines().count());
    let changed = before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .count();
    let fixed_lines: std::collections::BTreeSet<&str> = err
        .lines()
        .filter(|l| l.contains(": fixed "))
        .map(|l| l.split(':').nth(1).unwrap())
        .collect();
    assert_eq!(
        changed,
        fixed_lines.len(),
        "only the lines of the fixes changed"
    );
    assert!(changed >= 25, "{changed}");
    // And a second run has nothing to do.
    let again = run(
        dir.path(),
        &[
            "check",
            "000.txt",
            "--no-config",
            "--select",
            "deadline-damaged,doc-number-format",
            "--fix",
        ],
    );
    assert_eq!(std::fs::read_to_string(&plan).unwrap(), after);
    assert!(stderr(&again).contains("no findings"), "{}", stderr(&again));
}

#[test]
fn fix_keeps_the_encoding_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("late.txt")).unwrap();
    let (bytes, _, bad) = encoding_rs::GB18030.encode(&text);
    assert!(!bad);
    let plan = dir.path().join("gbk.txt");
    std::fs::write(&plan, &bytes).unwrap();
    let o = run(
        dir.path(),
        &[
            "check",
            "gbk.txt",
            "--no-config",
            "--fix",
            "--format",
            "compact",
        ],
    );
    assert!(
        stderr(&o).contains("fixed deadline-damaged"),
        "{}",
        stderr(&o)
    );
    let written = std::fs::read(&plan).unwrap();
    assert!(
        std::str::from_utf8(&written).is_err(),
        "still GB18030, not UTF-8"
    );
    let (decoded, _, bad) = encoding_rs::GB18030.decode(&written);
    assert!(!bad);
    assert_eq!(
        decoded,
        text.replace("202112月底前完成", "2021年12月底前完成")
    );
}

#[test]
fn diff_shows_the_fixes_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    let plan = damaged_000(dir.path());
    let before = std::fs::read(&plan).unwrap();
    let o = run(
        dir.path(),
        &[
            "check",
            "000.txt",
            "--no-config",
            "--select",
            "deadline-damaged",
            "--diff",
        ],
    );
    assert_eq!(
        std::fs::read(&plan).unwrap(),
        before,
        "--diff writes nothing"
    );
    assert_eq!(code(&o), 1, "fixes to apply");
    let out = stdout(&o);
    assert!(
        out.starts_with("--- a/000.txt\n+++ b/000.txt\n@@ "),
        "{out}"
    );
    assert!(out.contains("\n-2.出台对知识产权侵权适用惩罚性赔偿的有关规定和全面加强知识产权司法保护优化创新发展法治化营商环境有关文件。(市高级人民法院负责;202012月底前完成)\n"), "{out}");
    assert!(out.contains("\n+2.出台对知识产权侵权适用惩罚性赔偿的有关规定和全面加强知识产权司法保护优化创新发展法治化营商环境有关文件。(市高级人民法院负责;2020年12月底前完成)\n"), "{out}");
    insta::assert_snapshot!("diff_000", out);
    // Applying the diff gives what --fix writes.
    let fixed = dir.path().join("fixed");
    std::fs::create_dir(&fixed).unwrap();
    std::fs::copy(&plan, fixed.join("000.txt")).unwrap();
    run(
        &fixed,
        &[
            "check",
            "000.txt",
            "--no-config",
            "--select",
            "deadline-damaged",
            "--fix",
        ],
    );
    let fixed_text = std::fs::read_to_string(fixed.join("000.txt")).unwrap();
    let removed: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .map(|l| &l[1..])
        .collect();
    let added: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .map(|l| &l[1..])
        .collect();
    let mut expect = String::from_utf8(before).unwrap();
    for (r, a) in removed.iter().zip(&added) {
        expect = expect.replacen(r, a, 1);
    }
    assert_eq!(fixed_text, expect);

    // Nothing to fix: no diff, exit 0.
    let o = run(
        &fixed,
        &[
            "check",
            "000.txt",
            "--no-config",
            "--select",
            "deadline-damaged",
            "--diff",
        ],
    );
    assert_eq!(stdout(&o), "");
    assert_eq!(code(&o), 0);
}

#[test]
fn fix_refuses_documents_that_cannot_be_written_back() {
    let dir = tempfile::tempdir().unwrap();
    let html = "<html><head><meta charset=\"utf-8\"></head><body><h1>2021年某市知识产权工作要点</h1>\
                <p>一、强化保护</p><p>1．加强商标执法。（市市场监管委负责；202112月底前完成）</p></body></html>";
    let plan = write(dir.path(), "plan.html", html);
    let o = run(
        dir.path(),
        &[
            "check",
            "plan.html",
            "--no-config",
            "--select",
            "deadline-damaged",
            "--fix",
            "--format",
            "compact",
        ],
    );
    assert_eq!(
        std::fs::read_to_string(&plan).unwrap(),
        html,
        "left as it was"
    );
    assert!(
        stderr(&o).contains("not fixing plan.html"),
        "{}",
        stderr(&o)
    );
    assert!(
        stdout(&o).contains("deadline-damaged"),
        "the finding is still reported: {}",
        stdout(&o)
    );
}

// ---------------------------------------------------------------- failures

#[test]
fn a_file_that_fails_to_load_does_not_stop_the_others() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path(), "late.txt");
    std::fs::write(
        dir.path().join("broken.docx"),
        b"PK\x03\x04 not really a zip",
    )
    .unwrap();
    std::fs::write(dir.path().join("empty.txt"), b"").unwrap();
    write(dir.path(), "notes.md", "# 会议纪要\n\n没有编号的任务。\n");
    let o = run(
        dir.path(),
        &["check", ".", "--no-config", "--format", "compact"],
    );
    assert_eq!(code(&o), 2, "a failure wins over findings");
    let out = stdout(&o);
    assert!(
        out.contains("broken.docx: error load-error corrupt or truncated .docx"),
        "{out}"
    );
    assert!(out.contains("empty.txt: error load-error empty"), "{out}");
    assert!(
        out.contains("notes.md: error parse-error no tasks found"),
        "{out}"
    );
    assert!(
        out.contains("\nlate.txt:7:29: error deadline-outside-period"),
        "{out}"
    );
    assert!(
        stderr(&o).contains("Checked 4 files (3 tasks)") && stderr(&o).contains("3 failures"),
        "{}",
        stderr(&o)
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&run(
        dir.path(),
        &["check", ".", "--no-config", "--format", "json"],
    )))
    .unwrap();
    let kinds: Vec<&str> = json["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["load", "load", "parse"]);
    assert_eq!(json["summary"]["failures"], 3);
}

#[test]
fn a_runaway_rule_is_stopped_and_the_others_still_report() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path(), "late.txt");
    let rules = fixture("runaway");
    let started = std::time::Instant::now();
    let o = run(
        dir.path(),
        &[
            "check",
            "late.txt",
            "--no-config",
            "--rules",
            rules.to_str().unwrap(),
            "--format",
            "compact",
        ],
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(code(&o), 2);
    let out = stdout(&o);
    assert!(
        out.contains("runaway.rhai:13:"),
        "the failure names the rule file and line: {out}"
    );
    assert!(out.contains("rule-failure rule `runaway` failed"), "{out}");
    assert!(out.contains("(while checking late.txt)"), "{out}");
    assert!(
        out.contains("late.txt:1:1: info task-count 本计划共 3 项任务"),
        "a user rule that works still reports: {out}"
    );
    assert!(
        out.contains("late.txt:7:29: error deadline-outside-period"),
        "bundled rules still report: {out}"
    );
}

/// A folder with a plan and `rules/broken.rhai`, a rule with a syntax error
/// at line 14, column 5.
fn broken_rule_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path(), "late.txt");
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    std::fs::copy(
        fixture("broken-rule/broken.rhai"),
        dir.path().join("rules/broken.rhai"),
    )
    .unwrap();
    dir
}

#[test]
fn selecting_a_rule_that_did_not_load_says_why_it_did_not() {
    let dir = broken_rule_dir();
    let o = run(
        dir.path(),
        &[
            "check",
            "late.txt",
            "--no-config",
            "--rules",
            "rules",
            "--select",
            "broken",
        ],
    );
    assert_eq!(code(&o), 2);
    let err = String::from_utf8_lossy(&o.stderr);
    let why = err
        .find("rules/broken.rhai:14:5")
        .expect("the load error is shown");
    let no_rule = err
        .find("no rule `broken`")
        .expect("the selector error is shown");
    assert!(why < no_rule, "the cause comes first: {err}");
}

#[test]
fn a_rule_with_a_syntax_error_is_reported_at_its_place() {
    let dir = broken_rule_dir();
    let o = run(
        dir.path(),
        &["check", "late.txt", "--no-config", "--rules", "rules"],
    );
    assert_eq!(code(&o), 2);
    let out = stdout(&o);
    assert!(out.contains("╭─[rules/broken.rhai:14:5]"), "{out}");
    assert!(out.contains("syntax error"), "{out}");
    assert!(
        out.contains("deadline-outside-period"),
        "the other rules still run: {out}"
    );
    // The configuration's rule directories are relative to it.
    write(dir.path(), "planlint.toml", "[rules]\ndirs = [\"rules\"]\n");
    let o = run(dir.path(), &["check", "late.txt", "--format", "compact"]);
    assert!(
        stdout(&o).starts_with("rules/broken.rhai:14:5: error rule-failure syntax error"),
        "{}",
        stdout(&o)
    );
    write(
        dir.path(),
        "planlint.toml",
        "[rules]\ndirs = [\"nowhere\"]\n",
    );
    let o = run(dir.path(), &["check", "late.txt"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("rule directory `nowhere` not found"),
        "{}",
        stderr(&o)
    );
}

// ---------------------------------------------------------------- terminal

#[test]
fn colour_only_when_asked_or_on_a_terminal_without_no_color() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path(), "late.txt");
    let piped = run(dir.path(), &["check", "late.txt", "--no-config"]);
    assert!(!stdout(&piped).contains('\u{1b}'));
    let always = run(
        dir.path(),
        &["check", "late.txt", "--no-config", "--color", "always"],
    );
    assert!(
        stdout(&always).contains("\u{1b}["),
        "--color always colours"
    );
    let never = command(dir.path(), &["check", "late.txt", "--no-config"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!stdout(&never).contains('\u{1b}'));
    assert_eq!(stdout(&never), stdout(&piped));
    // Machine formats never colour.
    let json = run(
        dir.path(),
        &[
            "check",
            "late.txt",
            "--no-config",
            "--color",
            "always",
            "--format",
            "json",
        ],
    );
    assert!(!stdout(&json).contains('\u{1b}'));
}

#[test]
fn the_underline_sits_under_the_characters() {
    let dir = tempfile::tempdir().unwrap();
    damaged_000(dir.path());
    let args = [
        "check",
        "000.txt",
        "--no-config",
        "--select",
        "deadline-damaged,doc-number-format,deadline-before-issue",
    ];
    let json: serde_json::Value = serde_json::from_str(&stdout(&run(
        dir.path(),
        &[&args[..], &["--format", "json"]].concat(),
    )))
    .unwrap();
    let text_at = |line: u64, column: u64| -> String {
        let f = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["start"]["line"] == line && f["start"]["column"] == column);
        f.unwrap_or_else(|| panic!("a finding at {line}:{column}"))["text"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let out = stdout(&run(dir.path(), &args));
    let lines: Vec<&str> = out.lines().collect();
    let mut checked = 0;
    for (i, header) in lines.iter().enumerate() {
        // `╭─[000.txt:63:66]`, then the source line `63 │ …`, then the underline.
        let Some(at) = header.find("╭─[000.txt:") else {
            continue;
        };
        let place = &header[at + "╭─[000.txt:".len()..header.len() - 1];
        let (l, c) = place.split_once(':').unwrap();
        let expected = text_at(l.parse().unwrap(), c.parse().unwrap());
        let (line, mark) = (lines[i + 1], lines[i + 2]);
        let is_mark = |c: char| matches!(c, '─' | '┬' | '▲');
        let start = mark
            .char_indices()
            .find(|&(_, c)| is_mark(c))
            .map(|(b, _)| b)
            .expect("underline");
        let end = mark
            .char_indices()
            .rfind(|&(_, c)| is_mark(c))
            .map(|(b, c)| b + c.len_utf8())
            .unwrap();
        let (col, len) = (mark[..start].width(), mark[start..end].width());
        // The characters drawn above the underline, by display columns.
        let mut x = 0;
        let mut under = String::new();
        for ch in line.chars() {
            let w = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
            if x >= col && x + w <= col + len {
                under.push(ch);
            }
            x += w;
        }
        assert_eq!(under, expected, "underline at {place}:\n{line}\n{mark}");
        checked += 1;
    }
    assert!(checked >= 10, "{checked} underlines checked:\n{out}");
}

#[test]
fn a_closed_pipe_is_a_normal_end() {
    let dir = seeds_dir();
    let mut child = command(dir.path(), &["check", "seeds", "--no-config", "-j", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    drop(out);
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("Broken pipe"), "{err}");
    assert_ne!(status.code(), Some(101), "no panic");
}

/// Fixes that overlap (the punctuation of a bracket and the damaged date
/// inside it) are applied in passes over the fixed text, in one run.
#[test]
fn fix_applies_overlapping_fixes_in_passes() {
    let dir = seeds_dir();
    let plan = dir.path().join("seeds/000_bdb70f999160dca5.txt");
    let o = run(
        dir.path(),
        &[
            "check",
            "seeds/000_bdb70f999160dca5.txt",
            "--no-config",
            "--select",
            "punctuation-mixed,deadline-damaged,doc-number-format",
            "--fix",
            "--format",
            "compact",
        ],
    );
    assert_eq!(code(&o), 0, "nothing is left to report: {}", stdout(&o));
    let fixed = std::fs::read_to_string(&plan).unwrap();
    assert!(fixed.contains("有关文件。（市高级人民法院负责；2020年12月底前完成）"));
    assert!(fixed.contains("津党办发〔2020〕14号"));
    assert!(!fixed.contains("202012月"));
    let again = run(
        dir.path(),
        &[
            "check",
            "seeds/000_bdb70f999160dca5.txt",
            "--no-config",
            "--format",
            "compact",
        ],
    );
    let left = stdout(&again);
    for rule in ["punctuation-mixed", "deadline-damaged", "doc-number-format"] {
        assert!(!left.contains(rule), "{rule} is fixed:\n{left}");
    }
    assert!(
        left.contains("deadline-before-issue"),
        "the contradictions stay:\n{left}"
    );
}

/// A suggestion (an uncertain fix) is shown in the help of the human output,
/// marked as not applied, and a certain fix on the same plan as a `fix:`.
#[test]
fn human_output_shows_suggestions_apart_from_fixes() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "plan.txt",
        "2021年天津市知识产权工作要点\n\n一、加强保护\n\n1.开展专利执法专项行动。（市知识产全局牵头，市公安局配合；2021年6月底前完成）\n\n2.建设知识产权保护中心。(市公安局负责;202112月底前完成)\n",
    );
    write(
        dir.path(),
        "planlint.toml",
        "[units]\nregistry = [\"天津市知识产权局\", \"天津市公安局\"]\n\
         [units.aliases]\n\"市知识产权局\" = \"天津市知识产权局\"\n\"市公安局\" = \"天津市公安局\"\n",
    );
    let o = run(dir.path(), &["check", "--color", "never", "plan.txt"]);
    let out = stdout(&o);
    assert!(
        out.contains(
            "help: 是否为“天津市知识产权局”？若是新单位，请将其加入配置文件的单位名录\n        \
             suggested fix (not applied by --fix): replace \"市知识产全局\" with \"天津市知识产权局\""
        ),
        "{out}"
    );
    assert!(
        out.contains("fix: replace \"202112月底前完成\" with \"2021年12月底前完成\""),
        "{out}"
    );
}
