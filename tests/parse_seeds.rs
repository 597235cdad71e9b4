//! The parser on the five real plans in `seeds/`: what each must be read as,
//! checked against the files themselves (issue: the plan notation as a grammar).

use planlint::model::{Comparator, Date, DeadlineKind, Plan, Role, Task};
use std::path::Path;

fn seed(prefix: &str) -> Plan {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let path = std::fs::read_dir(&dir)
        .expect("seeds/ exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
        })
        .unwrap_or_else(|| panic!("no seed starting with {prefix}"));
    let source = planlint::load::load(&path).expect("seed loads");
    planlint::parse::parse(&source).expect("seed parses")
}

fn task(plan: &Plan, number: u32) -> &Task {
    let found: Vec<&Task> = plan.tasks.iter().filter(|t| t.number == number).collect();
    assert_eq!(found.len(), 1, "task {number} is numbered once");
    found[0]
}

fn units(task: &Task, role: Role) -> Vec<&str> {
    task.owners
        .iter()
        .filter(|o| o.role == role)
        .map(|o| o.unit.as_str())
        .collect()
}

fn date(s: &str) -> Option<Date> {
    Date::parse_iso(s)
}

#[test]
fn seed_000_tianjin_plan() {
    let plan = seed("000_");
    assert_eq!(plan.tasks.len(), 73);
    assert_eq!(plan.chapters.len(), 7);
    assert_eq!(
        plan.chapters.iter().map(|c| c.tasks.len()).sum::<usize>(),
        73
    );
    assert!(
        plan.tasks.iter().all(|t| !t.owners.is_empty()),
        "every task has owners"
    );
    let numbers: Vec<u32> = plan.tasks.iter().map(|t| t.number).collect();
    assert_eq!(
        numbers,
        (1..=73).collect::<Vec<_>>(),
        "the page chrome and the footer are not tasks"
    );

    let dated: Vec<&Task> = plan
        .tasks
        .iter()
        .filter(|t| t.deadline.kind == DeadlineKind::Dated)
        .collect();
    let ongoing = plan
        .tasks
        .iter()
        .filter(|t| t.deadline.kind == DeadlineKind::Ongoing)
        .count();
    assert_eq!(dated.len(), 26);
    assert_eq!(ongoing, 47);
    assert!(
        dated.iter().all(|t| t.deadline.damaged),
        "every dated deadline of 000 lost its 年"
    );
    assert_eq!(task(&plan, 56).deadline.date, date("2020-08-31"));
    assert_eq!(task(&plan, 62).deadline.date, date("2020-06-30"));
    assert_eq!(task(&plan, 2).deadline.date, date("2020-12-31"));
    assert_eq!(
        task(&plan, 2).deadline.raw.as_deref(),
        Some("202012月底前完成")
    );
    assert_eq!(
        task(&plan, 2).deadline.fix.as_deref(),
        Some("2020年12月底前完成")
    );
    assert_eq!(
        task(&plan, 16).deadline.fix.as_deref(),
        Some("2021年6月底前完成")
    );

    let t4 = task(&plan, 4);
    assert_eq!(
        units(t4, Role::Lead),
        [
            "市高级人民法院",
            "市人民检察院",
            "市公安局",
            "市知识产权局",
            "市司法局"
        ]
    );
    assert_eq!(
        units(t4, Role::Responsible),
        [
            "市委宣传部",
            "市农业农村委",
            "市文化和旅游局",
            "天津海关",
            "市市场监管委"
        ]
    );
    assert_eq!(
        plan.tasks
            .iter()
            .filter(|t| t.owners.iter().any(|o| o.role == Role::Lead))
            .count(),
        3
    );

    assert_eq!(plan.units.len(), 24);
    let ip = plan
        .units
        .iter()
        .find(|u| u.name == "市知识产权局")
        .expect("市知识产权局 is a unit");
    assert_eq!(ip.tasks.len(), 22);

    assert_eq!(
        plan.doc_number.as_ref().map(|d| d.raw.as_str()),
        Some("津市场监管办〔2020〕39号")
    );
    assert_eq!(plan.issued, date("2020-09-17"));
    assert!(plan
        .issued_mention
        .as_ref()
        .is_some_and(|m| m.damaged && m.fix.as_deref() == Some("2020年9月17日")));
    let period = plan.period.as_ref().expect("period from the title");
    assert_eq!((period.start, period.end), (2020, 2021));
    assert_eq!(
        plan.title.as_deref(),
        Some("2020-2021年天津市强化知识产权保护推进计划")
    );
    assert_eq!(plan.issuer.as_deref(), Some("天津市市场监督管理委员会"));

    // The cited `津党办发〔202014号` (twice) is read and marked as damaged.
    let cited: Vec<_> = plan
        .references
        .iter()
        .filter(|d| d.issuer_code == "津党办发")
        .collect();
    assert_eq!(cited.len(), 2);
    assert!(cited
        .iter()
        .all(|d| d.damaged && d.fix.as_deref() == Some("津党办发〔2020〕14号")));
}

#[test]
fn seed_000_spans_point_at_the_characters() {
    let plan = seed("000_");
    let source = planlint::load::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/000_bdb70f999160dca5.txt"),
    )
    .unwrap();
    let t56 = task(&plan, 56);
    let span = t56.deadline.span.expect("a dated deadline has a span");
    assert_eq!(&source.text[span.start..span.end], "20208月底前完成");
    assert_eq!(span.line, 181);
    // Columns count characters, not bytes.
    let line_text = source.text.lines().nth(180).unwrap();
    let col = line_text
        .find("20208月")
        .map(|b| line_text[..b].chars().count() + 1)
        .unwrap();
    assert_eq!(span.column as usize, col);
    for o in &t56.owners {
        assert_eq!(&source.text[o.span.start..o.span.end], o.unit);
    }
}

#[test]
fn seed_001_unnumbered_chapters() {
    let plan = seed("001_");
    assert_eq!(plan.tasks.len(), 20);
    let numbers: Vec<u32> = plan.tasks.iter().map(|t| t.number).collect();
    assert_eq!(numbers, (1..=20).collect::<Vec<_>>());
    assert_eq!(plan.chapters.len(), 6);
    assert_eq!(plan.chapters[0].title, "总体要求");
    assert!(plan.chapters[0].tasks.is_empty());
    assert!(plan.chapters[1..]
        .iter()
        .all(|c| c.number.is_none() && !c.tasks.is_empty()));
    assert_eq!(
        plan.chapters[1].title,
        "强化保护措施,严格落实知识产权严保护政策"
    );
    assert_eq!(task(&plan, 3).title.as_deref(), Some("完善侵权赔偿制度"));
    assert!(task(&plan, 3).text.contains("探索侵权赔偿调解制度"));
    // Nothing from the page chrome becomes a task or the title.
    assert!(plan
        .tasks
        .iter()
        .all(|t| !t.text.contains("028-83221100") && !t.text.contains("姓 名")));
    assert_eq!(
        plan.title.as_deref(),
        Some("成都市加强知识产权保护工作实施方案")
    );
    assert!(plan.tasks.iter().all(|t| t.owners.is_empty()));
}

#[test]
fn seed_002_word_debris() {
    let plan = seed("002_");
    assert_eq!(plan.tasks.len(), 34);
    assert_eq!(plan.chapters.len(), 6);
    let t3 = task(&plan, 3);
    assert_eq!(t3.title.as_deref(), Some("推进京津冀知识产权协同发展"));
    assert!(!t3.text.contains("bookmark"));
    assert_eq!(
        plan.period.as_ref().map(|p| (p.start, p.end)),
        Some((2021, 2021))
    );
}

#[test]
fn seed_003_brackets_and_gap() {
    let plan = seed("003_");
    let numbers: Vec<u32> = plan.tasks.iter().map(|t| t.number).collect();
    assert_eq!(numbers, (1..=11).collect::<Vec<_>>());
    assert_eq!(
        units(task(&plan, 2), Role::Responsible),
        ["知识产权科", "执法支队", "各市场监管所"]
    );
    assert_eq!(units(task(&plan, 5), Role::Responsible), ["知识产权科"]);
    assert_eq!(
        units(task(&plan, 9), Role::Responsible),
        ["知识产权科", "执法支队", "各相关市场监管所"]
    );
    assert!(plan
        .tasks
        .iter()
        .all(|t| t.owners.iter().all(|o| o.wording == "责任部门")));
    assert_eq!(
        plan.doc_number.as_ref().map(|d| d.raw.as_str()),
        Some("西青市场监管知〔2023〕2号")
    );
    assert_eq!(plan.issued, date("2023-05-29"));
    // 一、 … 三、 with the unnumbered 重点任务 between them, kept as written.
    let chapters: Vec<(Option<u32>, &str)> = plan
        .chapters
        .iter()
        .map(|c| (c.number, c.title.as_str()))
        .collect();
    assert_eq!(
        chapters,
        [
            (Some(1), "总体要求"),
            (None, "重点任务"),
            (Some(3), "工作要求")
        ]
    );
    // 三、工作要求 holds （一）…（三） sections, not tasks.
    assert_eq!(plan.chapters[2].sections.len(), 3);
    assert!(plan.chapters[2].tasks.is_empty());
    // `每月5日前` inside task 2 is a monthly deadline; `不少于5人` a target.
    let t2 = task(&plan, 2);
    assert_eq!(t2.deadline.kind, DeadlineKind::Recurring);
    assert_eq!(t2.deadline.recurrence.as_deref(), Some("monthly"));
    assert_eq!(t2.targets.len(), 1);
    assert_eq!(
        (
            t2.targets[0].value,
            t2.targets[0].unit.as_str(),
            t2.targets[0].comparator
        ),
        (5.0, "人", Comparator::Ge)
    );
    assert_eq!(
        plan.period.as_ref().map(|p| (p.start, p.end)),
        Some((2023, 2023))
    );
}

#[test]
fn seed_004_goals_and_targets() {
    let plan = seed("004_");
    assert_eq!(plan.tasks.len(), 100);
    assert_eq!(plan.chapters.len(), 10);
    assert!(plan
        .tasks
        .iter()
        .all(|t| t.owners.is_empty() && t.deadline.kind == DeadlineKind::None));
    assert!(
        plan.chapters
            .iter()
            .all(|c| c.goal.as_ref().and_then(|g| g.year) == Some(2021)),
        "each chapter's 到2021年"
    );
    let target = |t: &Task| -> Vec<(f64, String, Comparator)> {
        t.targets
            .iter()
            .map(|x| (x.value, x.unit.clone(), x.comparator))
            .collect()
    };
    assert_eq!(
        target(task(&plan, 20)),
        [(1.1, "倍".to_string(), Comparator::Ge)]
    );
    assert_eq!(
        task(&plan, 20).targets[0].baseline.as_deref(),
        Some("上年同期")
    );
    assert_eq!(
        target(task(&plan, 48)),
        [(100.0, "项".to_string(), Comparator::Eq)]
    );
    assert_eq!(
        target(task(&plan, 90)),
        [(6000.0, "件".to_string(), Comparator::Eq)]
    );
    assert_eq!(
        plan.tasks.iter().map(|t| t.targets.len()).sum::<usize>(),
        3,
        "no other quantity in 004's tasks"
    );
    let goals: Vec<(f64, String, Comparator)> = plan
        .chapters
        .iter()
        .filter_map(|c| c.goal.as_ref())
        .flat_map(|g| {
            g.targets
                .iter()
                .map(|x| (x.value, x.unit.clone(), x.comparator))
        })
        .collect();
    for expected in [
        (3.0, "个月", Comparator::Le),
        (30.0, "家", Comparator::Ge),
        (32.0, "件", Comparator::Ge),
        (20.0, "家", Comparator::Ge),
        (300.0, "亿元", Comparator::Eq),
    ] {
        assert!(
            goals.contains(&(expected.0, expected.1.to_string(), expected.2)),
            "goal target {expected:?}"
        );
    }
    assert_eq!(
        plan.period.as_ref().map(|p| (p.start, p.end)),
        Some((2020, 2021))
    );
    assert_eq!(plan.issued, date("2020-09-14"));
}

#[test]
fn json_model_has_the_documented_shape() {
    let plan = seed("000_");
    let json = serde_json::to_value(&plan).unwrap();
    for key in [
        "title",
        "doc_number",
        "issued",
        "period",
        "chapters",
        "tasks",
        "units",
    ] {
        assert!(json.get(key).is_some(), "plan has {key}");
    }
    assert_eq!(json["issued"], "2020-09-17");
    assert_eq!(json["period"]["start"], 2020);
    let t = &json["tasks"][55];
    assert_eq!(t["number"], 56);
    assert_eq!(t["deadline"]["kind"], "dated");
    assert_eq!(t["deadline"]["date"], "2020-08-31");
    assert_eq!(t["deadline"]["damaged"], true);
    assert_eq!(t["owners"][0]["role"], "responsible");
    for key in ["start", "end", "line", "column"] {
        assert!(t["span"].get(key).is_some(), "span has {key}");
    }
    let back: Plan = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(
        serde_json::to_value(&back).unwrap(),
        json,
        "the JSON model round-trips"
    );
}

#[test]
fn json_snapshots_of_the_seeds() {
    for prefix in ["000_", "001_", "002_", "003_", "004_"] {
        let plan = seed(prefix);
        insta::assert_json_snapshot!(format!("model_{}", prefix.trim_end_matches('_')), plan);
    }
}
