//! `planlint report` seen from outside: the bundled sheets on the real seeds,
//! the scoring of a progress file against a hand computation, Excel-proof
//! output (BOM, formula neutralisation, a workbook that reads back), safe
//! writes and deterministic bytes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const S000: &str = "seeds/000_bdb70f999160dca5.txt";
const S003: &str = "seeds/003_63efe52fe03403ac.txt";
const S004: &str = "seeds/004_a9b7006d1e51261e.txt";
const PROGRESS: &str = "tests/fixtures/report/progress-000.csv";
const CONFIG: &str = "tests/fixtures/report/planlint.toml";
const BOM: &[u8] = b"\xEF\xBB\xBF";

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Runs the binary in `dir` (a temp dir, so no planlint.toml of the
/// repository is picked up); plan paths are given absolute.
fn planlint_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_planlint"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the planlint binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs a report to a file in a temp dir and returns (exit code, bytes, stderr).
fn report(args: &[&str], out_name: &str) -> (i32, Vec<u8>, String) {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join(out_name);
    let mut full: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    full.extend(["-o".to_string(), out_path.display().to_string()]);
    let full: Vec<&str> = full.iter().map(String::as_str).collect();
    let out = planlint_in(dir.path(), &full);
    let bytes = std::fs::read(&out_path).unwrap_or_default();
    (out.status.code().unwrap_or(-1), bytes, stderr(&out))
}

/// Records of a CSV report (BOM stripped); the header is `rows[0]`.
fn records(bytes: &[u8]) -> Vec<Vec<String>> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn column(rows: &[Vec<String>], name: &str) -> usize {
    rows[0]
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {:?}", rows[0]))
}

fn row<'a>(rows: &'a [Vec<String>], col: &str, value: &str) -> &'a Vec<String> {
    let c = column(rows, col);
    rows.iter()
        .skip(1)
        .find(|r| r[c] == value)
        .unwrap_or_else(|| panic!("no row with {col} = {value}"))
}

fn seed(s: &str) -> String {
    repo(s).display().to_string()
}

fn text_of(bytes: &[u8]) -> String {
    String::from_utf8(bytes.strip_prefix(BOM).unwrap_or(bytes).to_vec()).unwrap()
}

// ---------------------------------------------------------------------------
// tasks

#[test]
fn tasks_on_000_has_73_rows_with_task_4_split_into_lead_and_responsible() {
    let (code, bytes, err) = report(&["report", "tasks", &seed(S000)], "tasks.csv");
    assert_eq!(code, 0, "{err}");
    let rows = records(&bytes);
    assert_eq!(rows.len() - 1, 73);
    let t4 = row(&rows, "序号", "4");
    assert_eq!(
        t4[column(&rows, "牵头单位")],
        "市高级人民法院、市人民检察院、市公安局、市知识产权局、市司法局"
    );
    assert_eq!(
        t4[column(&rows, "责任单位")],
        "市委宣传部、市农业农村委、市文化和旅游局、天津海关、市市场监管委"
    );
    assert_eq!(t4[column(&rows, "配合单位")], "");
    let t56 = row(&rows, "序号", "56");
    assert_eq!(t56[column(&rows, "截止日期")], "2020-08-31");
    assert_eq!(
        t56[column(&rows, "完成时限")],
        "20208月底前完成",
        "the deadline as written"
    );
    assert_eq!(t56[column(&rows, "时限类型")], "限期完成");
    // A sole `X负责` leads; `按职责分工负责` units are responsible.
    let t2 = row(&rows, "序号", "2");
    assert_eq!(t2[column(&rows, "牵头单位")], "市高级人民法院");
    assert_eq!(t2[column(&rows, "责任单位")], "");
    let t6 = row(&rows, "序号", "6");
    assert_eq!(t6[column(&rows, "牵头单位")], "");
    assert_eq!(
        t6[column(&rows, "责任单位")],
        "市市场监管委、市知识产权局、市发展改革委"
    );
    // Every row says which plan it comes from, and where in it.
    let file = column(&rows, "文件");
    assert!(rows[1..]
        .iter()
        .all(|r| r[file] == "000_bdb70f999160dca5.txt"));
    assert_eq!(t2[column(&rows, "行号")], "63");
}

#[test]
fn tasks_on_003_responsible_units_match_the_brackets() {
    let (code, bytes, err) = report(&["report", "tasks", &seed(S003)], "tasks.csv");
    assert_eq!(code, 0, "{err}");
    let rows = records(&bytes);
    assert_eq!(rows.len() - 1, 11);
    // The brackets, read from the text itself, not from the parser.
    let text = std::fs::read_to_string(repo(S003)).unwrap();
    let brackets: Vec<&str> = text
        .split("（责任部门：")
        .skip(1)
        .map(|rest| rest.split('）').next().unwrap())
        .collect();
    assert_eq!(brackets.len(), 11);
    let responsible = column(&rows, "责任单位");
    let lead = column(&rows, "牵头单位");
    for (r, bracket) in rows[1..].iter().zip(&brackets) {
        assert_eq!(&r[responsible], bracket);
        assert_eq!(
            r[lead], "",
            "责任部门 units are responsible, not leads, even alone"
        );
    }
}

#[test]
fn tasks_on_004_has_100_rows_with_empty_owner_columns() {
    let (code, bytes, err) = report(&["report", "tasks", &seed(S004)], "tasks.csv");
    assert_eq!(code, 0, "{err}");
    let rows = records(&bytes);
    assert_eq!(rows.len() - 1, 100);
    for name in ["牵头单位", "责任单位", "配合单位"] {
        let c = column(&rows, name);
        assert!(
            rows[1..].iter().all(|r| r[c].is_empty()),
            "{name} should be empty in 004"
        );
    }
    let numbers: Vec<String> = rows[1..]
        .iter()
        .map(|r| r[column(&rows, "序号")].clone())
        .collect();
    assert_eq!(numbers.first().map(String::as_str), Some("1"));
    assert_eq!(numbers.last().map(String::as_str), Some("100"));
}

// ---------------------------------------------------------------------------
// units

#[test]
fn units_on_000_has_24_units_and_the_ip_office_in_22_tasks() {
    let (code, bytes, err) = report(&["report", "units", &seed(S000)], "units.csv");
    assert_eq!(code, 0, "{err}");
    let rows = records(&bytes);
    assert_eq!(rows.len() - 1, 24);
    let ip = row(&rows, "单位", "市知识产权局");
    assert_eq!(ip[column(&rows, "任务合计")], "22");
    // Cross-check against the text: in 000 every task is one line whose
    // bracket closes it.
    let text = std::fs::read_to_string(repo(S000)).unwrap();
    let in_text = text
        .lines()
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_digit()) && l.contains("负责;"))
        .filter(|l| {
            l.rsplit('(')
                .next()
                .is_some_and(|b| b.contains("市知识产权局"))
        })
        .count();
    assert_eq!(in_text, 22);
    assert_eq!(ip[column(&rows, "任务序号")].split('、').count(), 22);
    // 4 leads (task 4 牵头, sole on 26, 37, 54) and 18 shares: 4×3 + 18×2.
    assert_eq!(ip[column(&rows, "牵头任务")], "4");
    assert_eq!(ip[column(&rows, "责任任务")], "18");
    assert_eq!(ip[column(&rows, "考评权重")], "48");
}

// ---------------------------------------------------------------------------
// score

/// The hand computation of the bundled scheme (rules/reports/score.rhai) on
/// seed 000 with tests/fixtures/report/progress-000.csv, as of 2021-01-15.
///
/// Weights: 牵头 3, 责任 2, 配合 1. A task earns its weight times: 按期完成 1,
/// 逾期完成 0.6, 已逾期 −0.5, 推进中 0.5, 未启动 0, 未报送 0. 得分率 = 得分 /
/// Σweights × 100, two decimals. Tasks due 2020-12-31 or earlier and not done
/// are overdue on 2021-01-15.
struct Expected {
    unit: &'static str,
    rank: &'static str,
    full: &'static str,
    total: &'static str,
    rate: &'static str,
}

const BUNDLED: &[Expected] = &[
    // 60 (sole, ongoing) done 2020-11-30: 3×1 = 3 of 3.
    Expected {
        unit: "市财政局",
        rank: "1",
        full: "3",
        total: "3",
        rate: "100",
    },
    // 55 (责任, ongoing) done, no date needed: 2×1 = 2; 56 (责任, due
    // 2020-08-31) done 2020-09-15, late: 2×0.6 = 1.2. 3.2 of 4 = 80%.
    Expected {
        unit: "市教委",
        rank: "2",
        full: "4",
        total: "3.2",
        rate: "80",
    },
    // 70 (sole, due 2021-12-31) under way: 3×0.5 = 1.5 of 3.
    Expected {
        unit: "市科协",
        rank: "3",
        full: "3",
        total: "1.5",
        rate: "50",
    },
    // 牵头: 28 under way 1.5, 29 on time 3, 34 late 1.8, 41 overdue −1.5;
    // 责任: 42 missing and overdue −1, 45 not started 0.
    // 1.5 + 3 + 1.8 − 1.5 − 1 + 0 = 3.8 of 3×4 + 2×2 = 16: 23.75%.
    Expected {
        unit: "市贸促会",
        rank: "4",
        full: "16",
        total: "3.8",
        rate: "23.75",
    },
    // 37 reported under the alias 天津市知识产权局: on time, 3; 26 (sole, due
    // 2020-12-31) missing, overdue: −1.5; 30 (due 2021-12-31) not due.
    // 1.5 of 4×3 + 18×2 = 48: 3.125 → 3.13%.
    Expected {
        unit: "市知识产权局",
        rank: "5",
        full: "48",
        total: "1.5",
        rate: "3.13",
    },
    // 2 done 2020-12-28, on time: 3; 36 (sole) not started, overdue: −1.5;
    // 42 (责任) missing, overdue: −1. 0.5 of 6×3 + 3×2 = 24: 2.08%.
    Expected {
        unit: "市高级人民法院",
        rank: "6",
        full: "24",
        total: "0.5",
        rate: "2.08",
    },
    // 72 rejected (unknown status) and ongoing: 0 of 2. Twelve units score 0
    // and share rank 7 (those with no task due yet and no row).
    Expected {
        unit: "市人社局",
        rank: "7",
        full: "2",
        total: "0",
        rate: "0",
    },
    // 11 (sole, due 2020-12-31) missing: −1.5 of 4×3 + 12×2 = 36: −4.17%.
    Expected {
        unit: "市市场监管委",
        rank: "19",
        full: "36",
        total: "-1.5",
        rate: "-4.17",
    },
    // 27 and 62 (sole, past due) missing (62's row has a date that does not
    // exist): −3 of 6×3 + 10×2 = 38: −7.89%.
    Expected {
        unit: "市文化和旅游局",
        rank: "20",
        full: "38",
        total: "-3",
        rate: "-7.89",
    },
    // 25 and 69 (sole, past due) missing: −3 of 7×3 + 7×2 = 35: −8.57%.
    Expected {
        unit: "市司法局",
        rank: "21",
        full: "35",
        total: "-3",
        rate: "-8.57",
    },
    // 10 (sole, past due) missing: −1.5 of 3 + 6×2 = 15: −10%.
    Expected {
        unit: "天津海关",
        rank: "22",
        full: "15",
        total: "-1.5",
        rate: "-10",
    },
    // 56 done 2020-08-20, on time: 2; 35, 40, 51, 67 (sole, past due)
    // missing: 4×−1.5 = −6. −4 of 6×3 + 10×2 = 38: −10.53%.
    Expected {
        unit: "市委宣传部",
        rank: "23",
        full: "38",
        total: "-4",
        rate: "-10.53",
    },
    // 7 done without a date (row rejected), so missing and overdue: −1.5 of
    // 2×3 + 2×2 = 10: −15%.
    Expected {
        unit: "市人民检察院",
        rank: "24",
        full: "10",
        total: "-1.5",
        rate: "-15",
    },
];

fn check_totals(rows: &[Vec<String>], expected: &[Expected]) {
    let key = column(rows, "序号");
    let unit = column(rows, "单位");
    for e in expected {
        let total = rows[1..]
            .iter()
            .find(|r| r[key] == "合计" && r[unit] == e.unit)
            .unwrap_or_else(|| panic!("no 合计 row for {}", e.unit));
        let got = (
            &*total[column(rows, "排名")],
            &*total[column(rows, "权重")],
            &*total[column(rows, "得分")],
            &*total[column(rows, "得分率")],
        );
        assert_eq!(got, (e.rank, e.full, e.total, e.rate), "{}", e.unit);
    }
}

fn score_args(extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["report", "score"].iter().map(|s| s.to_string()).collect();
    args.push(seed(S000));
    args.extend([
        "--progress".into(),
        seed(PROGRESS),
        "--as-of".into(),
        "2021-01-15".into(),
    ]);
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn run_score(extra: &[&str]) -> (i32, Vec<u8>, String) {
    let args = score_args(extra);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    report(&args, "score.csv")
}

#[test]
fn score_on_000_matches_the_hand_computation() {
    let config = seed(CONFIG);
    let (code, bytes, err) = run_score(&["--config", &config]);
    assert_eq!(code, 1, "bad progress rows make the exit code 1: {err}");
    let rows = records(&bytes);
    check_totals(&rows, BUNDLED);
    let key = column(&rows, "序号");
    let totals: Vec<&Vec<String>> = rows[1..].iter().filter(|r| r[key] == "合计").collect();
    assert_eq!(totals.len(), 24, "every unit of 000 is scored");
    let rank = column(&rows, "排名");
    assert_eq!(totals.iter().filter(|r| r[rank] == "7").count(), 12);
    // Per task: 市贸促会's six tasks, with their outcomes and scores.
    let unit = column(&rows, "单位");
    let tasks: Vec<(String, String, String)> = rows[1..]
        .iter()
        .filter(|r| r[unit] == "市贸促会" && r[key] != "合计")
        .map(|r| {
            (
                r[key].clone(),
                r[column(&rows, "评定")].clone(),
                r[column(&rows, "得分")].clone(),
            )
        })
        .collect();
    let expected = [
        ("28", "推进中", "1.5"),
        ("29", "按期完成", "3"),
        ("34", "逾期完成", "1.8"),
        ("41", "已逾期", "-1.5"),
        ("42", "已逾期", "-1"),
        ("45", "未启动", "0"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(tasks, expected);
    let t29 = rows[1..]
        .iter()
        .find(|r| r[unit] == "市贸促会" && r[key] == "29")
        .unwrap();
    assert_eq!(
        t29[column(&rows, "备注")],
        "调解中心工作机制已完善",
        "the first of the duplicate rows counts"
    );
}

#[test]
fn bad_progress_rows_are_reported_with_their_line_numbers() {
    let config = seed(CONFIG);
    let (code, bytes, err) = run_score(&["--config", &config]);
    assert_eq!(code, 1);
    assert!(!bytes.is_empty(), "the sheet is still written");
    let lines: Vec<&str> = err.lines().filter(|l| l.contains("error[")).collect();
    let expect = [
        (
            "progress-000.csv:14:",
            "progress-unknown-task",
            "has no task 99",
        ),
        (
            "progress-000.csv:15:",
            "progress-unit-not-owner",
            "task 70 of 000_bdb70f999160dca5.txt does not name 市知识产权局",
        ),
        (
            "progress-000.csv:16:",
            "progress-unknown-status",
            "\"差不多\"",
        ),
        (
            "progress-000.csv:17:",
            "progress-bad-date",
            "\"2020-06-31\"",
        ),
        (
            "progress-000.csv:18:",
            "progress-duplicate-row",
            "at line 2",
        ),
        (
            "progress-000.csv:19:",
            "progress-done-without-date",
            "task 7",
        ),
    ];
    assert_eq!(lines.len(), expect.len(), "{err}");
    for (line, (place, code, words)) in lines.iter().zip(expect) {
        assert!(
            line.contains(place) && line.contains(code) && line.contains(words),
            "{line}"
        );
    }
}

#[test]
fn without_the_alias_the_progress_row_is_a_unit_the_task_does_not_name() {
    let (code, bytes, err) = run_score(&[]);
    assert_eq!(code, 1);
    assert!(
        err.contains("progress-000.csv:21: error[progress-unit-not-owner]"),
        "{err}"
    );
    assert!(err.contains("天津市知识产权局"), "{err}");
    // 37 is then missing and overdue: 1.5 − 3 = −1.5 lower: −3 of 48, −6.25%.
    let rows = records(&bytes);
    let ip = [Expected {
        unit: "市知识产权局",
        rank: "19",
        full: "48",
        total: "-3",
        rate: "-6.25",
    }];
    check_totals(&rows, &ip);
}

/// A copy of score.rhai with two lines changed, written to `dir`.
fn changed_scheme(dir: &Path) -> PathBuf {
    let bundled = std::fs::read_to_string(repo("rules/reports/score.rhai")).unwrap();
    let changes = [
        (r#""责任" => 2.0,"#, r#""责任" => 1.0,"#),
        (r#""已逾期" => -0.5,"#, r#""已逾期" => 0.0,"#),
    ];
    let mut text = bundled.clone();
    for (from, to) in changes {
        assert_eq!(
            text.matches(from).count(),
            1,
            "score.rhai has one line {from}"
        );
        text = text.replace(from, to);
    }
    let path = dir.join("my_score.rhai");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_changed_copy_of_score_rhai_gives_the_changed_totals() {
    // 000 names no cooperating unit, so the change that shows on it is to
    // weigh 责任 1 instead of 2, and to stop penalising overdue tasks.
    let scratch = tempfile::tempdir().unwrap();
    let script = changed_scheme(scratch.path()).display().to_string();
    let config = seed(CONFIG);
    let (code, bytes, err) = run_score(&["--config", &config, "--script", &script]);
    assert_eq!(code, 1, "{err}");
    let rows = records(&bytes);
    let changed = [
        // 28 1.5, 29 3, 34 1.8, 41 0, 42 0, 45 0 = 6.3 of 3×4 + 1×2 = 14: 45%.
        Expected {
            unit: "市贸促会",
            rank: "4",
            full: "14",
            total: "6.3",
            rate: "45",
        },
        // 55 1×1, 56 1×0.6: 1.6 of 2: 80%.
        Expected {
            unit: "市教委",
            rank: "2",
            full: "2",
            total: "1.6",
            rate: "80",
        },
        // 2 on time 3, 36 and 42 overdue 0: 3 of 6×3 + 3×1 = 21: 14.29%.
        Expected {
            unit: "市高级人民法院",
            rank: "5",
            full: "21",
            total: "3",
            rate: "14.29",
        },
        // 37 on time 3, 26 overdue 0: 3 of 4×3 + 18×1 = 30: 10%.
        Expected {
            unit: "市知识产权局",
            rank: "6",
            full: "30",
            total: "3",
            rate: "10",
        },
        // 56 on time 1×1, four overdue tasks 0: 1 of 6×3 + 10×1 = 28: 3.57%.
        Expected {
            unit: "市委宣传部",
            rank: "7",
            full: "28",
            total: "1",
            rate: "3.57",
        },
        // Overdue tasks cost nothing now: 0 of 2×3 + 2×1 = 8, with every
        // other unit that earned nothing (rank 8).
        Expected {
            unit: "市人民检察院",
            rank: "8",
            full: "8",
            total: "0",
            rate: "0",
        },
    ];
    check_totals(&rows, &changed);
    // 市科协 (50%, unchanged) now ranks above 市贸促会 (45%).
    let key = column(&rows, "序号");
    let unit = column(&rows, "单位");
    let order: Vec<&str> = rows[1..]
        .iter()
        .filter(|r| r[key] == "合计")
        .take(4)
        .map(|r| r[unit].as_str())
        .collect();
    assert_eq!(order, ["市财政局", "市教委", "市科协", "市贸促会"]);
}

#[test]
fn the_units_sheet_weighs_with_the_scheme_given() {
    let scratch = tempfile::tempdir().unwrap();
    let scheme = changed_scheme(scratch.path()).display().to_string();
    let (code, bytes, err) = report(
        &["report", "units", &seed(S000), "--scheme", &scheme],
        "units.csv",
    );
    assert_eq!(code, 0, "{err}");
    let rows = records(&bytes);
    // 4 leads × 3 + 18 shares × 1.
    assert_eq!(
        row(&rows, "单位", "市知识产权局")[column(&rows, "考评权重")],
        "30"
    );
}

#[test]
fn score_needs_progress_and_as_of() {
    let dir = tempfile::tempdir().unwrap();
    let out = planlint_in(
        dir.path(),
        &[
            "report",
            "score",
            &seed(S000),
            "-o",
            "x.csv",
            "--progress",
            &seed(PROGRESS),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--as-of"), "{}", stderr(&out));
    assert!(!dir.path().join("x.csv").exists());
}

// ---------------------------------------------------------------------------
// Output

#[test]
fn csv_starts_with_a_bom_and_is_valid_utf8_unless_no_bom() {
    let (_, bytes, _) = report(&["report", "tasks", &seed(S000)], "t.csv");
    assert!(bytes.starts_with(BOM));
    let text = std::str::from_utf8(&bytes).expect("valid UTF-8");
    assert!(text.contains("市高级人民法院"));
    assert!(text[3..].starts_with("文件,序号,章节,任务"));
    assert!(text.ends_with("\r\n"), "RFC 4180 line ends");
    let (_, plain, _) = report(&["report", "tasks", &seed(S000), "--no-bom"], "t.csv");
    assert!(plain.starts_with("文件".as_bytes()));
    assert_eq!(&bytes[3..], &plain[..]);
}

#[test]
fn reports_are_byte_identical_from_run_to_run() {
    let config = seed(CONFIG);
    for args in [vec!["report", "tasks"], vec!["report", "units"]] {
        for out in ["r.csv", "r.xlsx"] {
            let mut a = args.clone();
            let (s0, s3) = (seed(S000), seed(S003));
            a.extend([s0.as_str(), s3.as_str()]);
            let (c1, first, e1) = report(&a, out);
            let (c2, second, _) = report(&a, out);
            assert_eq!((c1, c2), (0, 0), "{e1}");
            assert!(!first.is_empty());
            assert!(first == second, "{args:?} {out} differs between runs");
        }
    }
    for out in ["s.csv", "s.xlsx"] {
        let args = score_args(&["--config", &config]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert!(
            report(&args, out).1 == report(&args, out).1,
            "score {out} differs between runs"
        );
    }
}

/// Days since 1899-12-30 (Excel's day 0) to an ISO date.
fn excel_date(serial: f64) -> String {
    let mut days = serial as i64 - 25_569; // days from 1970-01-01
                                           // Howard Hinnant's civil_from_days.
    days += 719_468;
    let era = days.div_euclid(146_097);
    let doe = days - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[test]
fn xlsx_from_000_reads_back_with_the_same_cells_as_the_csv() {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    for kind in ["tasks", "units"] {
        let dir = tempfile::tempdir().unwrap();
        let (csv_path, xlsx_path) = (dir.path().join("r.csv"), dir.path().join("r.xlsx"));
        for out in [&csv_path, &xlsx_path] {
            let o = planlint_in(
                dir.path(),
                &[
                    "report",
                    kind,
                    &seed(S000),
                    "-o",
                    &out.display().to_string(),
                ],
            );
            assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        }
        let expected = records(&std::fs::read(&csv_path).unwrap());
        let mut workbook: Xlsx<_> = open_workbook(&xlsx_path).unwrap();
        let names = workbook.sheet_names();
        assert_eq!(names.len(), 1);
        let range = workbook.worksheet_range(&names[0]).unwrap();
        let mut numbers = 0;
        let got: Vec<Vec<String>> = range
            .rows()
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        Data::Empty => String::new(),
                        Data::String(s) => s.clone(),
                        Data::Float(f) => {
                            numbers += 1;
                            if f.fract() == 0.0 {
                                format!("{}", *f as i64)
                            } else {
                                f.to_string()
                            }
                        }
                        Data::Int(i) => i.to_string(),
                        Data::DateTime(d) => excel_date(d.as_f64()),
                        other => panic!("unexpected cell {other:?}"),
                    })
                    .collect()
            })
            .collect();
        // calamine trims trailing empty columns of a row; pad to compare.
        let got: Vec<Vec<String>> = got
            .into_iter()
            .map(|mut r| {
                r.resize(expected[0].len(), String::new());
                r
            })
            .collect();
        assert_eq!(got, expected, "{kind}");
        assert!(numbers > 0, "{kind}: numbers are stored as numbers");
    }
}

#[test]
fn xlsx_has_a_bold_frozen_filtered_header_and_widths() {
    use std::io::Read;
    let (code, bytes, err) = report(&["report", "tasks", &seed(S000)], "t.xlsx");
    assert_eq!(code, 0, "{err}");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut sheet = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut sheet)
        .unwrap();
    assert!(
        sheet.contains(r#"ySplit="1""#) && sheet.contains(r#"state="frozen""#),
        "frozen header"
    );
    assert!(sheet.contains("<autoFilter"), "filter on the header");
    assert!(sheet.contains(r#"customWidth="1""#), "column widths");
    let mut styles = String::new();
    zip.by_name("xl/styles.xml")
        .unwrap()
        .read_to_string(&mut styles)
        .unwrap();
    assert!(styles.contains("<b/>"), "a bold font for the header");
    let mut core = String::new();
    zip.by_name("docProps/core.xml")
        .unwrap()
        .read_to_string(&mut core)
        .unwrap();
    assert!(
        core.contains("2000-01-01T00:00:00Z"),
        "fixed creation date: {core}"
    );
}

#[test]
fn formula_like_cells_are_neutralised_in_csv_and_kept_as_text_in_xlsx() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.txt");
    std::fs::write(
        &plan,
        "某局2021年工作要点\n\n一、重点任务\n\n1.=HYPERLINK(\"http://x\",\"点击\")开展检查。（市司法局负责；持续推进）\n\n2.@SUM(1+1)组织培训。（市司法局负责；持续推进）\n",
    )
    .unwrap();
    let plan = plan.display().to_string();
    let out = planlint_in(dir.path(), &["report", "tasks", &plan, "-o", "t.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = records(&std::fs::read(dir.path().join("t.csv")).unwrap());
    let task = column(&rows, "任务");
    assert!(
        rows[1][task].starts_with("'=HYPERLINK("),
        "{:?}",
        rows[1][task]
    );
    assert!(rows[2][task].starts_with("'@SUM("), "{:?}", rows[2][task]);
    // A workbook stores text as text, which never runs: no prefix there.
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let out = planlint_in(dir.path(), &["report", "tasks", &plan, "-o", "t.xlsx"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut workbook: Xlsx<_> = open_workbook(dir.path().join("t.xlsx")).unwrap();
    let range = workbook.worksheet_range("任务分工表").unwrap();
    match range.get((1, task)) {
        Some(Data::String(s)) => assert!(s.starts_with("=HYPERLINK("), "{s}"),
        other => panic!("expected a text cell, got {other:?}"),
    }
    // Negative scores stay numbers.
    let (_, bytes, _) = run_score(&["--config", &seed(CONFIG)]);
    let score = records(&bytes);
    assert!(score.iter().any(|r| r[column(&score, "得分")] == "-1.5"));
}

#[test]
fn stdout_with_dash() {
    let dir = tempfile::tempdir().unwrap();
    let out = planlint_in(dir.path(), &["report", "tasks", &seed(S003), "-o", "-"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.starts_with(BOM));
    assert_eq!(records(&out.stdout).len(), 12);
}

#[test]
fn a_failing_script_leaves_the_previous_sheet_untouched_and_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("sheet.csv");
    std::fs::write(&target, "previous").unwrap();
    let script = dir.path().join("broken.rhai");
    std::fs::write(
        &script,
        "sheet.columns([\"a\"]);\nfor p in plans {\n  sheet.row([p.nope]);\n}\n",
    )
    .unwrap();
    let out = planlint_in(
        dir.path(),
        &[
            "report",
            "--script",
            &script.display().to_string(),
            &seed(S003),
            "-o",
            &target.display().to_string(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("broken.rhai:3:"), "{err}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "previous");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 2, "no temporary file left: {left:?}");
}

#[test]
fn a_users_script_declares_columns_and_emits_rows() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("count.rhai");
    std::fs::write(
        &script,
        r#"
sheet.title = "统计";
sheet.columns(["文件", #{ name: "任务数", kind: "number" }, #{ name: "有时限", kind: "number" }]);
for p in plans {
    let dated = 0;
    for t in p.plan.tasks { if t.deadline.kind == "dated" { dated += 1; } }
    sheet.row([p.file, p.plan.tasks.len(), dated]);
}
"#,
    )
    .unwrap();
    let out = planlint_in(
        dir.path(),
        &[
            "report",
            "--script",
            &script.display().to_string(),
            &seed(S000),
            &seed(S003),
            "-o",
            "-",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = records(&out.stdout);
    assert_eq!(
        rows,
        [
            vec!["文件", "任务数", "有时限"],
            vec!["000_bdb70f999160dca5.txt", "73", "26"],
            vec!["003_63efe52fe03403ac.txt", "11", "0"],
        ]
    );
}

// ---------------------------------------------------------------------------
// Many plans

#[test]
fn a_directory_of_plans_becomes_one_sheet_and_a_bad_file_does_not_stop_it() {
    let dir = tempfile::tempdir().unwrap();
    let plans = dir.path().join("plans");
    std::fs::create_dir_all(plans.join("a")).unwrap();
    std::fs::create_dir_all(plans.join("b")).unwrap();
    std::fs::copy(repo(S000), plans.join("a/plan.txt")).unwrap();
    std::fs::copy(repo(S003), plans.join("b/plan.txt")).unwrap();
    std::fs::copy(repo(S003), plans.join("003.txt")).unwrap();
    std::fs::write(plans.join("empty.txt"), "这里没有任务。\n").unwrap();
    std::fs::write(plans.join("notes.json"), "{}").unwrap();
    let out = planlint_in(dir.path(), &["report", "tasks", "plans", "-o", "all.csv"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a plan that cannot be read makes the exit code 2"
    );
    let err = stderr(&out);
    assert!(
        err.contains("empty.txt") && err.contains("left out"),
        "{err}"
    );
    let rows = records(&std::fs::read(dir.path().join("all.csv")).unwrap());
    assert_eq!(rows.len() - 1, 11 + 73 + 11);
    let file = column(&rows, "文件");
    let mut files: Vec<&str> = rows[1..].iter().map(|r| r[file].as_str()).collect();
    files.dedup();
    // Walked in name order; the two plan.txt keep their paths apart.
    assert_eq!(files, ["003.txt", "plans/a/plan.txt", "plans/b/plan.txt"]);

    let out = planlint_in(dir.path(), &["report", "units", "plans", "-o", "units.csv"]);
    let rows = records(&std::fs::read(dir.path().join("units.csv")).unwrap());
    let ks = row(&rows, "单位", "知识产权科");
    assert_eq!(ks[column(&rows, "计划数")], "2", "{}", stderr(&out));
    assert_eq!(ks[column(&rows, "任务合计")], "22");
    assert!(
        ks[column(&rows, "任务序号")].starts_with("003.txt：1、2、"),
        "{:?}",
        ks
    );
}

#[test]
fn progress_over_several_plans_says_which_plan_each_row_is_about() {
    let dir = tempfile::tempdir().unwrap();
    let progress = dir.path().join("p.csv");
    std::fs::write(
        &progress,
        "计划,序号,单位,状态,完成日期\n\
         000_bdb70f999160dca5,60,市财政局,已完成,2020-11-30\n\
         003_63efe52fe03403ac.txt,5,知识产权科,已完成,2021-01-02\n\
         ,5,知识产权科,推进中,\n\
         001.txt,5,知识产权科,推进中,\n",
    )
    .unwrap();
    let out = planlint_in(
        dir.path(),
        &[
            "report",
            "score",
            &seed(S000),
            &seed(S003),
            "--progress",
            "p.csv",
            "--as-of",
            "2021-01-15",
            "-o",
            "s.csv",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("p.csv:4: error[progress-unknown-plan]")
            && err.contains("its 计划 cell is empty"),
        "{err}"
    );
    assert!(
        err.contains("p.csv:5: error[progress-unknown-plan]") && err.contains("\"001.txt\""),
        "{err}"
    );
    let rows = records(&std::fs::read(dir.path().join("s.csv")).unwrap());
    let unit = column(&rows, "单位");
    let key = column(&rows, "序号");
    let ks5 = rows[1..]
        .iter()
        .find(|r| r[unit] == "知识产权科" && r[key] == "5")
        .unwrap();
    assert_eq!(ks5[column(&rows, "文件")], "003_63efe52fe03403ac.txt");
    assert_eq!(ks5[column(&rows, "评定")], "按期完成");
    assert_eq!(
        row(&rows, "单位", "市财政局")[column(&rows, "评定")],
        "按期完成"
    );
}

// ---------------------------------------------------------------------------
// Snapshots (read by eye when they change)

fn snapshot_csv(args: &[&str]) -> String {
    let (code, bytes, err) = report(args, "r.csv");
    assert!(code <= 1, "{err}");
    text_of(&bytes).replace("\r\n", "\n")
}

#[test]
fn snapshot_tasks_003() {
    insta::assert_snapshot!("tasks_003", snapshot_csv(&["report", "tasks", &seed(S003)]));
}

#[test]
fn snapshot_units_000() {
    insta::assert_snapshot!("units_000", snapshot_csv(&["report", "units", &seed(S000)]));
}

#[test]
fn snapshot_score_000() {
    let args = score_args(&["--config", &seed(CONFIG)]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    insta::assert_snapshot!("score_000", snapshot_csv(&args));
}

/// `落实` and `负责落实`: a sole `X负责落实` leads, as a sole `X负责` does; units
/// that only `落实` are 责任单位, and so is a collective alone (`各乡镇负责`).
#[test]
fn tasks_map_carry_out_roles_and_collectives() {
    let plan = repo("tests/fixtures/plans/carry-out-and-frequency.txt");
    let (code, bytes, err) = report(&["report", "tasks", plan.to_str().unwrap()], "t.csv");
    assert_eq!(code, 0, "{err}");
    let rows = records(&bytes);
    let (lead, resp, coop) = (
        column(&rows, "牵头单位"),
        column(&rows, "责任单位"),
        column(&rows, "配合单位"),
    );
    let task = |n: &str| row(&rows, "序号", n);
    assert_eq!(
        (&task("1")[lead], &task("1")[resp]),
        (&"县农业农村局".to_string(), &"各乡镇".to_string())
    );
    assert_eq!(task("2")[lead], "县市场监管局");
    assert_eq!(task("2")[coop], "县农业农村局");
    assert_eq!(
        (&task("5")[lead], &task("5")[resp]),
        (&String::new(), &"各乡镇".to_string())
    );
}
