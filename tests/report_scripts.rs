//! Report scripts and progress checks through the library, on a plan model
//! built by hand (`tests/fixtures/report/mini-plan.json`): every way of naming
//! owners, including those the seeds lack (配合, 责任部门：, 列第一位者为牵头单位),
//! without depending on the parser.

use planlint::model::{Date, Plan};
use planlint::report::progress::{self, IssueKind};
use planlint::report::script::{self, Input};
use planlint::report::{Cell, Document, Kind, ReportError, ReportScript, Sheet, UnitNames};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

fn mini() -> Plan {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/report/mini-plan.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn documents(plans: Vec<Plan>, units: &UnitNames) -> Vec<Document> {
    plans
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let p = units.normalise_plan(&p).unwrap_or(p);
            Document::new(format!("plan{i}.txt").into(), Arc::new(p))
        })
        .collect()
}

fn run(
    script: &ReportScript,
    docs: &[Document],
    progress: Option<&progress::Progress>,
    as_of: Option<Date>,
) -> Result<Sheet, ReportError> {
    let texts: Vec<Arc<str>> = docs.iter().map(|_| Arc::from("")).collect();
    let input = Input {
        documents: docs,
        texts: &texts,
        progress,
        as_of,
    };
    script::run(script, &Kind::Score.script(), &input)
}

fn user(text: &str) -> ReportScript {
    ReportScript {
        name: "my.rhai".into(),
        text: text.to_string().into(),
    }
}

fn cell(sheet: &Sheet, row: usize, column: &str) -> String {
    let c = sheet
        .columns
        .iter()
        .position(|c| c.name == column)
        .unwrap_or_else(|| panic!("no column {column}"));
    sheet.rows[row][c].display()
}

fn date(y: i32, m: u32, d: u32) -> Option<Date> {
    Date::new(y, m, d)
}

#[test]
fn owners_go_in_the_columns_docs_report_md_describes() {
    let docs = documents(vec![mini()], &UnitNames::default());
    let sheet = run(&Kind::Tasks.script(), &docs, None, None).unwrap();
    let columns = |r| {
        (
            cell(&sheet, r, "牵头单位"),
            cell(&sheet, r, "责任单位"),
            cell(&sheet, r, "配合单位"),
        )
    };
    let s = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    // 1: a sole 负责 leads.
    assert_eq!(columns(0), s("甲局", "", ""));
    // 2: 牵头 leads, 按职责分工负责 are responsible.
    assert_eq!(columns(1), s("甲局、乙委", "丙办、丁厅", ""));
    // 3: 负责 alone in charge leads even with a cooperating unit; 配合 cooperates.
    assert_eq!(columns(2), s("乙委", "", "丙办"));
    // 4: 责任部门： units are responsible.
    assert_eq!(columns(3), s("", "丁厅、戊所", ""));
    // 5: 列第一位者为牵头单位: the first leads.
    assert_eq!(columns(4), s("戊所", "甲局", ""));
    // 6: no owners at all.
    assert_eq!(columns(5), s("", "", ""));
    // 7: several 负责, none leading: jointly responsible.
    assert_eq!(columns(6), s("", "乙委、丁厅", ""));
    // The other columns.
    assert_eq!(cell(&sheet, 2, "量化指标"), "30家以上");
    assert_eq!(cell(&sheet, 3, "时限类型"), "定期");
    assert_eq!(cell(&sheet, 5, "章节"), "二、加强保障 / （一）培训");
    assert_eq!(
        cell(&sheet, 5, "任务"),
        "（六）开展培训：=HYPERLINK(\"http://x\") 开展培训。"
    );
    assert_eq!(
        sheet.rows[0][sheet
            .columns
            .iter()
            .position(|c| c.name == "截止日期")
            .unwrap()],
        Cell::Date(date(2020, 12, 31).unwrap())
    );
    assert_eq!(sheet.rows[0][1], Cell::Number(1.0), "序号 is a number");
}

#[test]
fn units_count_roles_deadlines_and_weights() {
    let docs = documents(vec![mini()], &UnitNames::default());
    let sheet = run(&Kind::Units.script(), &docs, None, None).unwrap();
    let names: Vec<String> = (0..sheet.rows.len())
        .map(|r| cell(&sheet, r, "单位"))
        .collect();
    assert_eq!(
        names,
        ["甲局", "乙委", "丙办", "丁厅", "戊所"],
        "first appearance order"
    );
    // 丙办: 责任 in 2, 配合 in 3: weight 2 + 1.
    let r = 2;
    assert_eq!(
        [
            "牵头任务",
            "责任任务",
            "配合任务",
            "任务合计",
            "限期任务",
            "持续推进",
            "其他时限",
            "任务序号",
            "考评权重"
        ]
        .map(|c| cell(&sheet, r, c)),
        ["0", "1", "1", "2", "1", "1", "0", "2、3", "3"]
    );
    // 戊所: 责任 in 4 (recurring), 牵头 in 5 (dated): 2 + 3.
    assert_eq!(
        ["其他时限", "限期任务", "考评权重"].map(|c| cell(&sheet, 4, c)),
        ["1", "1", "5"]
    );
}

#[test]
fn aliases_merge_a_unit_spelt_two_ways_across_plans() {
    let mut other = mini();
    for task in &mut other.tasks {
        for owner in &mut task.owners {
            if owner.unit == "乙委" {
                owner.unit = "乙委员会".into();
            }
        }
    }
    let plain = documents(vec![mini(), other.clone()], &UnitNames::default());
    let sheet = run(&Kind::Units.script(), &plain, None, None).unwrap();
    assert_eq!(
        sheet.rows.len(),
        6,
        "without the alias 乙委员会 is a unit of its own"
    );

    let units = UnitNames::new(BTreeMap::from([(
        "乙委员会".to_string(),
        "乙委".to_string(),
    )]));
    let merged = documents(vec![mini(), other], &units);
    let sheet = run(&Kind::Units.script(), &merged, None, None).unwrap();
    assert_eq!(sheet.rows.len(), 5);
    assert_eq!(cell(&sheet, 1, "单位"), "乙委");
    assert_eq!(cell(&sheet, 1, "任务合计"), "6");
    assert_eq!(cell(&sheet, 1, "计划数"), "2");
    assert_eq!(
        cell(&sheet, 1, "任务序号"),
        "plan0.txt：2、3、7；plan1.txt：2、3、7"
    );
}

const MINI_PROGRESS: &str = "序号,单位,状态,完成日期,备注
1,甲局,已完成,2020-12-20,按期
3,乙委,已完成,2021-07-10,晚了
3,丙办,推进中,,
2,甲局,推进中,,
5,戊所,已完成,2021-07-01,
";

#[test]
fn score_on_the_mini_plan_by_hand() {
    let docs = documents(vec![mini()], &UnitNames::default());
    let as_of = date(2021, 7, 15);
    let (p, issues) = progress::parse(
        Path::new("p.csv"),
        MINI_PROGRESS.as_bytes(),
        &docs,
        &UnitNames::default(),
        as_of,
    )
    .unwrap();
    assert_eq!(issues, []);
    let sheet = run(&Kind::Score.script(), &docs, Some(&p), as_of).unwrap();
    let totals: Vec<[String; 4]> = (0..sheet.rows.len())
        .filter(|&r| cell(&sheet, r, "序号") == "合计")
        .map(|r| ["排名", "单位", "得分", "得分率"].map(|c| cell(&sheet, r, c)))
        .collect();
    let expect = |a: &str, b: &str, c: &str, d: &str| [a, b, c, d].map(String::from);
    assert_eq!(
        totals,
        [
            // 戊所: 5 牵头 (first leads) done before 2021-12-31: 3; 4 责任
            // recurring, not reported: 0. 3 of 5 = 60%.
            expect("1", "戊所", "3", "60"),
            // 甲局: 1 牵头 on time 3; 2 牵头 under way 1.5; 5 责任 not reported,
            // not due 0. 4.5 of 8 = 56.25%.
            expect("2", "甲局", "4.5", "56.25"),
            // 乙委: 2 牵头 not reported 0; 3 牵头 done late (due 2021-06-30) 1.8;
            // 7 责任 0. 1.8 of 8 = 22.5%.
            expect("3", "乙委", "1.8", "22.5"),
            // 丁厅: nothing reported, nothing overdue: 0 of 6.
            expect("4", "丁厅", "0", "0"),
            // 丙办: 2 责任 0; 3 配合 under way but past 2021-06-30: 1 × −0.5.
            expect("5", "丙办", "-0.5", "-16.67"),
        ]
    );
}

#[test]
fn every_kind_of_bad_progress_row_is_named() {
    let docs = documents(vec![mini()], &UnitNames::default());
    let text = "task,unit,Status,完成时间,说明
1,甲局,已完成,2020-12-20,
9,甲局,推进中,,
2,戊所,推进中,,
4,丁厅,差不多,,
5,戊所,已完成,2021-13-01,
1,甲局,已完成,2020-12-21,
5,甲局,已完成,,
2,乙委,推进中,2021-01-01,
3,乙委,已完成,2030-01-01,
,丁厅,推进中,,
6,甲局,推进中,,
";
    let (p, issues) = progress::parse(
        Path::new("p.csv"),
        text.as_bytes(),
        &docs,
        &UnitNames::default(),
        date(2021, 7, 15),
    )
    .unwrap();
    let got: Vec<(u64, IssueKind)> = issues.iter().map(|i| (i.line, i.kind)).collect();
    assert_eq!(
        got,
        [
            (3, IssueKind::UnknownTask),
            (4, IssueKind::UnitNotOwner),
            (5, IssueKind::UnknownStatus),
            (6, IssueKind::BadDate),
            (7, IssueKind::Duplicate),
            (8, IssueKind::DoneWithoutDate),
            (9, IssueKind::DateWithoutDone),
            (10, IssueKind::DoneAfterAsOf),
            (11, IssueKind::MissingField),
            (12, IssueKind::UnitNotOwner),
        ]
    );
    assert_eq!(p.entries.len(), 1);
    assert!(
        issues[9].message.contains("names no unit"),
        "{}",
        issues[9].message
    );
    assert!(
        issues[2]
            .to_string()
            .starts_with("p.csv:5: error[progress-unknown-status]: "),
        "{}",
        issues[2]
    );
}

#[test]
fn a_progress_file_without_the_needed_columns_is_refused_whole() {
    let docs = documents(vec![mini()], &UnitNames::default());
    let err = progress::parse(
        Path::new("p.csv"),
        "序号,状态\n1,已完成\n".as_bytes(),
        &docs,
        &UnitNames::default(),
        None,
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "p.csv:1: the header has no 单位 column (the header needs 序号, 单位 and 状态; found: 序号, 状态)");
    let err =
        progress::parse(Path::new("p.csv"), b"", &docs, &UnitNames::default(), None).unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
    let err = progress::parse(
        Path::new("p.csv"),
        b"\xff\xfe\x00",
        &docs,
        &UnitNames::default(),
        None,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("neither UTF-8 nor GB18030"),
        "{err}"
    );
}

#[test]
fn a_progress_file_saved_by_excel_in_gb18030_is_read() {
    let docs = documents(vec![mini()], &UnitNames::default());
    let (bytes, _, _) =
        encoding_rs::GB18030.encode("序号,单位,状态,完成日期\r\n1,甲局,已完成,2020/12/20\r\n");
    let (p, issues) = progress::parse(
        Path::new("p.csv"),
        &bytes,
        &docs,
        &UnitNames::default(),
        None,
    )
    .unwrap();
    assert_eq!(issues, []);
    assert_eq!(p.entries[0].done, date(2020, 12, 20));
}

#[test]
fn script_errors_name_the_script_and_the_line() {
    let docs = documents(vec![mini()], &UnitNames::default());
    let cases = [
        (
            "sheet.columns([\"a\", \"b\"]);\nsheet.row([1]);\n",
            "my.rhai:2:",
            "sheet.row got 1 cells for 2 columns",
        ),
        (
            "let x = 1;\nsheet.row([1]);\n",
            "my.rhai:2:",
            "sheet.row before sheet.columns",
        ),
        (
            "sheet.columns([#{ name: \"a\", kind: \"money\" }]);\n",
            "my.rhai:1:",
            "kind money is not one of",
        ),
        (
            "sheet.columns([\"a\"]);\n\nlet y = ;\n",
            "my.rhai:3:",
            "syntax error",
        ),
        (
            "sheet.columns([\"a\"]);\nthrow \"no data\";\n",
            "my.rhai:2:",
            "no data",
        ),
        (
            "let n = 0;\nloop { n += 1; }\n",
            "my.rhai:2:",
            "operation limit",
        ),
        ("sheet.title = \"x\";\n", "my.rhai", "declared no columns"),
        // Inside a function of the role mapping the script called wrongly: the
        // error points into roles.rhai, where the failing line is.
        (
            "sheet.columns([\"a\"]);\nsheet.row([units_in(5, \"牵头\")]);\n",
            "rules/reports/roles.rhai:",
            "owners",
        ),
    ];
    for (text, place, words) in cases {
        let err = run(&user(text), &docs, None, None).unwrap_err().to_string();
        assert!(
            err.starts_with(place) && err.contains(words),
            "{text:?}: {err}"
        );
    }
}

#[test]
fn scripts_cannot_reach_outside_the_sandbox() {
    let docs = documents(vec![mini()], &UnitNames::default());
    for text in [
        "eval(\"1\");",
        "import \"x\" as x;",
        "let f = open_file(\"/etc/passwd\");",
    ] {
        let err = run(&user(text), &docs, None, None).unwrap_err().to_string();
        assert!(err.starts_with("my.rhai:1:"), "{text}: {err}");
    }
}

#[test]
fn cells_are_typed_by_value_and_column_kind() {
    let docs = documents(vec![mini()], &UnitNames::default());
    let sheet = run(
        &user(
            r#"
sheet.columns(["auto", #{ name: "text", kind: "text" }, #{ name: "number", kind: "number" }, #{ name: "date", kind: "date", width: 12 }]);
sheet.row([1, 2, "3", "2020-08-31"]);
sheet.row([0.1 + 0.2, 1.5, "合计", "下月"]);
sheet.row([["甲局", "乙委"], (), (), date(2021, 6, 30)]);
sheet.row(["", true, -2, ()]);
"#,
        ),
        &docs,
        None,
        None,
    )
    .unwrap();
    use Cell::*;
    let d = |y, m, dd| Date(date(y, m, dd).unwrap());
    assert_eq!(
        sheet.rows,
        [
            vec![Number(1.0), Text("2".into()), Number(3.0), d(2020, 8, 31)],
            vec![
                Number(0.3),
                Text("1.5".into()),
                Text("合计".into()),
                Text("下月".into())
            ],
            vec![Text("甲局、乙委".into()), Empty, Empty, d(2021, 6, 30)],
            vec![Empty, Text("true".into()), Number(-2.0), Empty],
        ]
    );
    assert_eq!(sheet.columns[3].width, Some(12.0));
}

#[test]
fn a_script_may_redefine_the_role_mapping() {
    let docs = documents(vec![mini()], &UnitNames::default());
    // An office that counts every 负责 unit as lead, alone or not.
    let mut text = Kind::Tasks.script().text.into_owned();
    text.push_str("\nfn sheet_role(task, owner) { if owner.role == \"cooperate\" { \"配合\" } else { \"牵头\" } }\n");
    let sheet = run(&user(&text), &docs, None, None).unwrap();
    assert_eq!(cell(&sheet, 6, "牵头单位"), "乙委、丁厅");
    assert_eq!(cell(&sheet, 6, "责任单位"), "");
}

#[test]
fn groups_keep_keys_in_first_seen_order() {
    let docs = documents(vec![mini()], &UnitNames::default());
    let sheet = run(
        &user(
            r#"
let g = groups();
g.add("乙", 1);
g.add("甲", 2);
g.add("乙", 3);
sheet.columns(["key", "items", #{ name: "n", kind: "number" }]);
for k in g.keys() { sheet.row([k, g.items(k), g.items(k).len()]); }
sheet.row(["丙" in g, g.items("丙"), g.len]);
"#,
        ),
        &docs,
        None,
        None,
    )
    .unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows
        .iter()
        .map(|r| r.iter().map(Cell::display).collect())
        .collect();
    assert_eq!(
        rows,
        [["乙", "1、3", "2"], ["甲", "2", "1"], ["false", "", "2"]]
    );
}
