//! The forms of the notation that the seeds do not show, on small plans written
//! for the purpose (`tests/fixtures/plans/`), and the texts that are not plans.

use planlint::model::{Comparator, Date, DeadlineKind, Plan, Role, Task};
use planlint::parse::{parse_str, ParseError};

fn fixture(name: &str) -> Plan {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/plans")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    parse_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The titles of the sections of chapter `c`.
fn section_titles(plan: &Plan, c: usize) -> Vec<&str> {
    plan.chapters[c]
        .sections
        .iter()
        .map(|s| s.title.as_str())
        .collect()
}

fn units(task: &Task, role: Role) -> Vec<&str> {
    task.owners
        .iter()
        .filter(|o| o.role == role)
        .map(|o| o.unit.as_str())
        .collect()
}

#[test]
fn labelled_brackets() {
    let plan = fixture("labelled-brackets.txt");
    assert_eq!(plan.tasks.len(), 3);
    let t1 = &plan.tasks[0];
    assert_eq!(units(t1, Role::Lead), ["市政务服务办"]);
    assert_eq!(units(t1, Role::Cooperate), ["市大数据局", "各区人民政府"]);
    assert_eq!(t1.deadline.date, Date::parse_iso("2022-06-30"));
    assert_eq!(t1.targets[0].comparator, Comparator::Ge);
    assert_eq!(t1.targets[0].unit, "%");
    assert_eq!(plan.tasks[1].deadline.kind, DeadlineKind::Ongoing);
    assert_eq!(plan.tasks[2].deadline.date, Date::parse_iso("2022-12-31"));
    assert_eq!(plan.tasks[2].targets[0].raw, "1个工作日以内");
    assert_eq!(
        plan.period.as_ref().map(|p| (p.start, p.end)),
        Some((2022, 2022))
    );
}

#[test]
fn bracket_on_its_own_line_and_labelled_lines() {
    let plan = fixture("bracket-own-line.txt");
    assert_eq!(plan.tasks.len(), 3);
    let t1 = &plan.tasks[0];
    assert_eq!(units(t1, Role::Responsible), ["区市场监管局"]);
    assert_eq!(units(t1, Role::Cooperate), ["区科技局"]);
    assert_eq!(t1.deadline.date, Date::parse_iso("2021-12-31"));
    assert!(!t1.deadline.damaged);
    assert_eq!(t1.targets[0].raw, "300件以上");
    assert_eq!(t1.span.line, 5);
    assert!(t1.bracket.as_ref().is_some_and(|b| b.span.line == 6));
    assert_eq!(
        units(&plan.tasks[1], Role::Responsible),
        ["区市场监管局", "区农业农村局"]
    );
    let t3 = &plan.tasks[2];
    assert_eq!(units(t3, Role::Lead), ["区市场监管局"]);
    assert_eq!(units(t3, Role::Cooperate), ["区公安分局", "区文化和旅游局"]);
    assert_eq!(t3.deadline.date, Date::parse_iso("2021-06-30"));
}

#[test]
fn first_named_leads_from_the_convention_on() {
    let plan = fixture("first-leads-convention.txt");
    assert_eq!(plan.tasks.len(), 5);
    assert_eq!(units(&plan.tasks[0], Role::Lead), ["财政部"]);
    assert_eq!(
        units(&plan.tasks[0], Role::Responsible),
        ["工业和信息化部", "科技部"]
    );
    // `下同`: the brackets after the one that declares it.
    assert_eq!(units(&plan.tasks[1], Role::Lead), ["人民银行"]);
    // An explicit 牵头 keeps its own reading.
    assert_eq!(units(&plan.tasks[2], Role::Lead), ["发展改革委"]);
    assert_eq!(
        units(&plan.tasks[2], Role::Responsible),
        ["市场监管总局", "商务部"]
    );
    // `…等有关部门和单位负责` is open-ended.
    assert_eq!(units(&plan.tasks[3], Role::Lead), ["教育部"]);
    assert!(plan.tasks[3].bracket.as_ref().is_some_and(|b| b.open_ended));
    // A collective named first is no lead: each answers for its own part.
    assert!(units(&plan.tasks[4], Role::Lead).is_empty());
    assert_eq!(
        units(&plan.tasks[4], Role::Responsible),
        ["各省级人民政府", "各有关部门和单位"]
    );
    assert!(plan.tasks[4].owners.iter().all(|o| o.is_collective()));
    assert_eq!(
        plan.doc_number.as_ref().map(|d| d.raw.as_str()),
        Some("国办发〔2019〕7号")
    );
    assert_eq!(plan.issued, Date::parse_iso("2019-02-01"));
    assert_eq!(plan.issuer.as_deref(), Some("国务院办公厅"));
    // The signature after the last task is not part of it.
    assert!(!plan.tasks[4].text.contains("国务院办公厅"));
}

#[test]
fn numbering_restarting_per_chapter() {
    let plan = fixture("numbering-restarts.txt");
    let numbers: Vec<(u32, Option<usize>)> =
        plan.tasks.iter().map(|t| (t.number, t.chapter)).collect();
    assert_eq!(
        numbers,
        [(1, Some(0)), (2, Some(0)), (1, Some(1)), (2, Some(1))]
    );
    assert_eq!(plan.tasks[2].path, ["二、", "1."]);
    assert_eq!(units(&plan.tasks[2], Role::Cooperate), ["各乡镇人民政府"]);
    // The bracket's 持续推进 wins over a recurring phrase in the text.
    assert_eq!(plan.tasks[3].deadline.kind, DeadlineKind::Ongoing);
}

#[test]
fn task_table() {
    let plan = fixture("task-table.txt");
    assert_eq!(plan.tasks.len(), 3);
    let t2 = &plan.tasks[1];
    assert_eq!(t2.number, 2);
    assert_eq!(t2.text, "新增城镇就业5万人以上");
    assert_eq!(units(t2, Role::Lead), ["市人力社保局"]);
    assert_eq!(units(t2, Role::Cooperate), ["各区人民政府"]);
    assert_eq!(t2.deadline.date, Date::parse_iso("2024-12-31"));
    assert_eq!(t2.targets[0].raw, "5万人以上");
    assert_eq!(
        units(&plan.tasks[2], Role::Cooperate),
        ["各区人民政府", "市财政局"]
    );
    assert_eq!(plan.tasks[2].deadline.kind, DeadlineKind::Ongoing);
}

#[test]
fn damaged_forms_are_read_and_marked() {
    let plan = parse_str("一、任务\n1.完成某事。(市某局负责;20201月底前完成)\n2.另一事项。(市某局负责;2021年3月底前完成)\n").unwrap();
    let d = &plan.tasks[0].deadline;
    assert!(d.damaged);
    assert_eq!(d.date, Date::parse_iso("2020-01-31"));
    assert_eq!(d.fix.as_deref(), Some("2020年1月底前完成"));
    assert!(!plan.tasks[1].deadline.damaged);
    assert_eq!(plan.tasks[1].deadline.fix, None);
}

#[test]
fn ambiguous_lost_month_is_damaged_without_a_fix() {
    let plan = parse_str("某局\n2020111日\n一、任务\n1.完成某事。(市某局负责;持续推进)\n").unwrap();
    let m = plan.issued_mention.expect("the date line is read");
    assert!(m.damaged);
    assert_eq!(m.date, None, "1月11日 or 11月1日: not certain");
    assert_eq!(m.fix, None);
}

#[test]
fn doc_number_forms() {
    let plan =
        parse_str("津政办发[2021]05号\n一、任务\n1.完成某事。(市某局负责;持续推进)\n").unwrap();
    let d = plan.doc_number.expect("standalone document number");
    assert!(d.damaged);
    assert_eq!(d.fix.as_deref(), Some("津政办发〔2021〕5号"));
    let plan =
        parse_str("津政办发〔21〕5号\n一、任务\n1.完成某事。(市某局负责;持续推进)\n").unwrap();
    let d = plan.doc_number.expect("standalone document number");
    assert!(
        d.damaged && d.fix.is_none(),
        "a two-digit year cannot be completed with certainty"
    );
}

#[test]
fn texts_that_are_not_plans() {
    assert!(matches!(parse_str(""), Err(ParseError::NoTasks)));
    assert!(matches!(parse_str("\n\n   \n"), Err(ParseError::NoTasks)));
    assert!(matches!(
        parse_str("天津政务网\n联系电话：23039865\n这是一段普通的文字。"),
        Err(ParseError::NoTasks)
    ));
}

#[test]
fn parentheses_that_are_not_brackets_stay_text() {
    let plan =
        parse_str("一、任务\n1.依托全国信用信息共享平台(天津)建设系统，编制方案（2021年）。\n")
            .unwrap();
    let t = &plan.tasks[0];
    assert!(t.owners.is_empty());
    assert!(t.bracket.is_none());
    assert_eq!(t.deadline.kind, DeadlineKind::None);
    assert!(t.text.contains("(天津)"));
}

/// A `.docx` as Word writes a plan: chapter and item numbers come from
/// `numbering.xml`, not the text; the plan reads the same as its text form.
#[test]
fn docx_plan_with_automatic_numbering() {
    use std::io::Write;
    const NS: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;
    let numbered = |level: u32, text: &str| {
        format!(
            r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"#
        )
    };
    let body = [
        "<w:p><w:r><w:t>某区2021年知识产权工作要点</w:t></w:r></w:p>".to_string(),
        numbered(0, "加强知识产权创造"),
        numbered(1, "实施高价值专利培育工程，新增发明专利授权300件以上。（区市场监管局负责；2021年12月底前完成）"),
        numbered(1, "推进商标品牌建设。（区市场监管局、区农业农村局按职责分工负责；持续推进）"),
        numbered(0, "加强知识产权保护"),
        numbered(1, "开展执法专项行动。（区市场监管局牵头，区公安分局配合；2021年上半年）"),
    ]
    .concat();
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document {NS}><w:body>{body}</w:body></w:document>"#
    );
    let numbering = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:numbering {NS}><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl><w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%2."/></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>"#
    );
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in [
        ("word/document.xml", document),
        ("word/numbering.xml", numbering),
    ] {
        zip.start_file(name, options).unwrap();
        zip.write_all(bytes.as_bytes()).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    let source = planlint::load::load_bytes(std::path::Path::new("plan.docx"), &bytes).unwrap();
    let plan = planlint::parse::parse(&source).unwrap();
    assert_eq!(plan.chapters.len(), 2);
    let numbers: Vec<u32> = plan.tasks.iter().map(|t| t.number).collect();
    assert_eq!(
        numbers,
        [1, 2, 1],
        "Word restarts the item numbers when the chapter advances"
    );
    assert_eq!(plan.tasks[0].targets[0].raw, "300件以上");
    assert_eq!(units(&plan.tasks[2], Role::Lead), ["区市场监管局"]);
    assert_eq!(units(&plan.tasks[2], Role::Cooperate), ["区公安分局"]);
    assert_eq!(plan.tasks[2].deadline.date, Date::parse_iso("2021-06-30"));
    assert_eq!(
        plan.period.as_ref().map(|p| (p.start, p.end)),
        Some((2021, 2021))
    );
}

/// A task table in an `.html` page: the heading merged over two columns is
/// read from both.
#[test]
fn html_task_table() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/load/task-table.html");
    let source = planlint::load::load(&path).unwrap();
    let plan = planlint::parse::parse(&source).unwrap();
    assert_eq!(plan.tasks.len(), 3);
    assert_eq!(plan.tasks[0].text, "知识产权保护：完善知识产权保护制度");
    assert_eq!(units(&plan.tasks[0], Role::Lead), ["市知识产权局"]);
    assert_eq!(plan.tasks[1].deadline.kind, DeadlineKind::Ongoing);
    assert_eq!(plan.tasks[2].deadline.date, Date::parse_iso("2021-12-31"));
}

/// An annual plan (工作要点) in forms the seeds do not show: deadlines that
/// leave the year to the plan, brackets with words the grammar does not know,
/// items whose text starts with a digit, scaled targets, and the framework
/// parts of 总体要求 at the task level.
#[test]
fn annual_plan_forms() {
    let plan = fixture("annual-plan-forms.txt");
    let markers: Vec<&str> = plan.tasks.iter().map(|t| t.marker.as_str()).collect();
    // `（一）指导思想` and `（二）工作目标` are parts of the framework, not tasks;
    // `1.2022年…` and `2.5G…` are items, not decimals.
    assert_eq!(markers, ["1.", "2.", "3.", "4.", "5.", "6.", "7.", "8."]);
    let framework: Vec<&str> = plan.chapters[0]
        .sections
        .iter()
        .map(|s| s.title.as_str())
        .collect();
    assert_eq!(framework, ["指导思想", "工作目标"]);
    let goal = plan.chapters[0]
        .goal
        .as_ref()
        .expect("the goal under 工作目标");
    assert_eq!(goal.year, Some(2022));
    let targets: Vec<(&str, f64, &str)> = goal
        .targets
        .iter()
        .map(|t| (t.raw.as_str(), t.value, t.unit.as_str()))
        .collect();
    // Both paragraphs of the goal, with the targets of each.
    assert_eq!(
        targets,
        [
            ("达到3.5万件", 3.5, "万件"),
            ("2.5万家", 2.5, "万家"),
            ("突破100亿元", 100.0, "亿元")
        ]
    );
    assert!(goal
        .text
        .ends_with("\n到2023年，知识产权质押融资额突破100亿元。"));

    let t = &plan.tasks;
    assert_eq!(t[0].text, "2022年实现知识产权快速维权全覆盖。");
    // `年底前`, `今年底前`: the plan's own year.
    assert_eq!(t[0].deadline.date, Date::parse_iso("2022-12-31"));
    assert_eq!(t[0].deadline.raw.as_deref(), Some("年底前"));
    assert!(!t[0].deadline.damaged);
    // `A牵头、B参与`: the role word ends the unit name before `、`.
    assert_eq!(units(&t[1], Role::Lead), ["市知识产权局"]);
    assert_eq!(units(&t[1], Role::Cooperate), ["市工业和信息化局"]);
    assert!(t[1].text.starts_with("推进5G"));
    // A deadline followed by more words keeps its date.
    assert_eq!(t[2].deadline.date, Date::parse_iso("2022-06-30"));
    assert_eq!(t[2].targets[0].raw, "不少于50起");
    // After `责任单位：X，` a time limit is not a unit.
    assert_eq!(units(&t[3], Role::Responsible), ["市中级人民法院"]);
    assert_eq!(t[3].deadline.date, Date::parse_iso("2022-12-31"));
    // A period in the bracket: due by the end of its last year.
    assert_eq!(t[4].deadline.date, Date::parse_iso("2023-12-31"));
    assert_eq!(
        t[4].targets[0].raw,
        "新增服务网点12个".trim_start_matches("新增服务网点")
    );
    // `明年上半年`: the first half of the year after the plan's.
    assert_eq!(t[5].deadline.date, Date::parse_iso("2023-06-30"));
    assert_eq!(t[5].targets[0].unit, "场次");
    // `到2023年` in a bracket is the task's deadline.
    assert_eq!(t[6].deadline.date, Date::parse_iso("2023-12-31"));
    assert_eq!(units(&t[6], Role::Cooperate), ["市科技局"]);
    // Words the grammar does not know do not cost the bracket its units.
    assert_eq!(units(&t[7], Role::Responsible), ["市市场监管局"]);
    assert_eq!(t[7].deadline.kind, DeadlineKind::None);
}

/// A decimal at the start of a line is not an item marker where the
/// numbering does not expect one.
#[test]
fn a_decimal_at_the_start_of_a_line_is_text() {
    let plan = parse_str(
        "某区2022年工作方案\n\n一、重点任务\n1.加强执法。（区市场监管局负责；持续推进）\n2.5倍于上年的投入用于执法。\n2.完善制度。（区司法局负责；持续推进）\n",
    )
    .unwrap();
    let markers: Vec<&str> = plan.tasks.iter().map(|t| t.marker.as_str()).collect();
    assert_eq!(markers, ["1.", "2."]);
    assert_eq!(plan.tasks[1].text, "完善制度。");
}

/// `自本意见印发之日起30日内`: a deadline counted from the issue date.
#[test]
fn a_deadline_counted_from_the_issue_date() {
    let plan = parse_str(
        "某省人民政府关于加强某项工作的意见\n\n一、重点任务\n（一）制定办法。各市要在本意见印发之日起30日内制定具体实施办法。（各市人民政府负责）\n（二）建立台账。自本意见印发之日起10个工作日内建立工作台账。（省发展改革委负责）\n（三）开展评估。本意见印发后3个月内开展评估。（省统计局负责）\n\n某省人民政府\n2018年11月16日\n",
    )
    .unwrap();
    let dates: Vec<Option<Date>> = plan.tasks.iter().map(|t| t.deadline.date).collect();
    assert_eq!(
        dates,
        [
            Date::parse_iso("2018-12-16"),
            // Ten working days from Friday 2018-11-16: weekends are skipped.
            Date::parse_iso("2018-11-30"),
            Date::parse_iso("2019-02-16"),
        ]
    );
    assert_eq!(
        plan.tasks[0].deadline.raw.as_deref(),
        Some("本意见印发之日起30日内")
    );
}

/// A news page names the issuer before the plan's title (seed 001 has one);
/// a document it cites by another title names another issuer.
#[test]
fn issuer_of_a_news_page() {
    let page = |lead: &str| {
        format!(
            "新闻来源：某网站\n{lead}\n\n某市加强知识产权保护工作实施方案\n\n\
             一、总体要求\n（一）加强保护。完善制度。（市知识产权局负责；持续推进）\n"
        )
    };
    let issuer = |lead: &str| parse_str(&page(lead)).unwrap().issuer;
    assert_eq!(
        issuer("近日，某市委办公厅、市政府办公厅印发了《某市加强知识产权保护工作实施方案》，并发出通知。")
            .as_deref(),
        Some("某市委办公厅、市政府办公厅")
    );
    // The title cited with its period.
    assert_eq!(
        issuer("日前，某市人民政府印发《某市加强知识产权保护工作实施方案（2021—2022年）》。")
            .as_deref(),
        Some("某市人民政府")
    );
    assert_eq!(
        issuer("为贯彻落实中共中央办公厅、国务院办公厅印发的《关于强化知识产权保护的意见》，制定本方案。"),
        None
    );
    assert_eq!(issuer("近日，某市印发了《某市促进就业工作方案》。"), None);
    assert_eq!(
        issuer("关于印发《某市加强知识产权保护工作实施方案》的通知"),
        None
    );
}

#[test]
fn standards_and_conditions_are_not_targets() {
    let plan = fixture("policy-standards.txt");
    let targets: Vec<Vec<&str>> = plan
        .tasks
        .iter()
        .map(|t| t.targets.iter().map(|g| g.raw.as_str()).collect())
        .collect();
    // Left out: caps on a benefit (`最高不超过20万元`), conditions on who
    // (`超过100人的`, `超过1亿元的`), a duration describing a thing
    // (`3—12个月的就业见习`) and a basis of calculation (`按6个月的`). Kept: what
    // the task commits to, `的` after it or not (`5个以上的…基地`), and a time
    // limit (`3个工作日以内`).
    assert_eq!(
        targets,
        [
            vec!["不少于2亿元"],
            vec!["5000个以上"],
            vec![],
            vec!["5个以上"],
            vec!["压缩至3个工作日以内"],
        ]
    );
}

#[test]
fn table_cells_that_give_roles_and_a_signature_that_names_the_issuer() {
    let plan = fixture("task-table-roles.txt");
    assert_eq!(plan.tasks.len(), 3);
    // One 责任单位 column; a cell may give each unit its role.
    assert_eq!(
        units(&plan.tasks[0], Role::Responsible),
        ["县市场监管局", "县政务服务中心"]
    );
    assert_eq!(units(&plan.tasks[1], Role::Lead), ["县发展改革局"]);
    assert_eq!(
        units(&plan.tasks[1], Role::Cooperate),
        ["县财政局", "县税务局"]
    );
    assert_eq!(units(&plan.tasks[2], Role::Responsible), ["县工商联"]);
    // No notice names the issuer: the bodies signing above the date do.
    assert_eq!(
        plan.issuer.as_deref(),
        Some("中共某县县委办公室、某县人民政府办公室")
    );
    assert_eq!(plan.issued, Date::parse_iso("2023-03-01"));
}

#[test]
fn a_plan_saved_from_a_web_page() {
    let plan = fixture("web-page-plan.txt");
    // The page's crumbs (`首页 > 政务公开 > 政策文件`) are not the header `X文件`:
    // the metadata block names the issuer and gives the document number.
    assert_eq!(plan.issuer.as_deref(), Some("某省人民政府办公厅"));
    assert_eq!(
        plan.doc_number.as_ref().map(|d| d.raw.as_str()),
        Some("某府办发〔2019〕8号")
    );
    assert_eq!(plan.issued, Date::parse_iso("2019-05-20"));
    let owners = |i: usize| -> Vec<(&str, Role)> {
        plan.tasks[i]
            .owners
            .iter()
            .map(|o| (o.unit.as_str(), o.role))
            .collect()
    };
    assert_eq!(owners(2), [("省司法厅（省法制办）", Role::Responsible)]);
    // Units named with no role, beside a time limit, are the responsible ones.
    assert_eq!(
        owners(5),
        [
            ("省人力资源社会保障厅", Role::Responsible),
            ("省政务服务中心", Role::Responsible)
        ]
    );
    // Unless they are no body's name, or another unit has a role.
    assert_eq!(owners(6), []);
    assert_eq!(owners(7), [("省大数据局", Role::Lead)]);
    assert_eq!(plan.tasks[7].deadline.date, Date::parse_iso("2020-12-31"));
}

#[test]
fn brackets_that_name_units_without_roles() {
    let plan = fixture("bare-brackets.txt");
    let owners = |marker: &str| -> Vec<(&str, Role)> {
        let task = plan.tasks.iter().find(|t| t.marker == marker).unwrap();
        task.owners
            .iter()
            .map(|o| (o.unit.as_str(), o.role))
            .collect()
    };
    let deadline = |marker: &str| {
        let task = plan.tasks.iter().find(|t| t.marker == marker).unwrap();
        (task.deadline.raw.clone(), task.deadline.date)
    };
    // `2025年前完成`: by the end of 2025.
    assert_eq!(
        deadline("（四）"),
        (Some("2025年前完成".into()), Date::parse_iso("2025-12-31"))
    );
    // A bracket of units alone after the sentence, under the convention
    // declared at （三）: the first unit leads.
    assert_eq!(
        owners("（五）"),
        [
            ("教育部", Role::Lead),
            ("工业和信息化部", Role::Responsible)
        ]
    );
    // Units and a period, `2023—2025年持续实施`: the period is the limit.
    assert_eq!(
        owners("（六）"),
        [("教育部", Role::Lead), ("财政部", Role::Responsible)]
    );
    assert_eq!(deadline("（六）").1, Date::parse_iso("2025-12-31"));
    // A bracket inside the sentence explains a name: no owner.
    assert_eq!(owners("（八）"), []);
}

#[test]
fn labels_after_the_sentence_ten_day_periods_and_year_ranges() {
    let plan = fixture("labels-after-sentence.txt");
    let task = |marker: &str| plan.tasks.iter().find(|t| t.marker == marker).unwrap();
    // `责任单位：…。完成时限：…。` after the task's sentence, on its line; the
    // unit marked `（牵头）` leads.
    let t2 = task("2.");
    assert_eq!(t2.text, "实施义务教育强校工程。");
    assert_eq!(units(t2, Role::Lead), ["市教育局"]);
    assert_eq!(
        units(t2, Role::Responsible),
        ["市财政局", "市人力资源社会保障局"]
    );
    // 中旬: by the 20th; 上旬: by the 10th.
    assert_eq!(t2.deadline.date, Date::parse_iso("2024-11-20"));
    assert_eq!(task("5.").deadline.date, Date::parse_iso("2024-09-10"));
    // A period written `2023年至2025年` or `2023年—2025年` ends with its last year.
    assert_eq!(task("6.").deadline.date, Date::parse_iso("2025-12-31"));
    assert_eq!(task("9.").deadline.date, Date::parse_iso("2025-12-31"));
}

#[test]
fn labels_set_apart_by_spaces_and_yearly_limits() {
    let plan = fixture("spaced-labels.txt");
    let task = |marker: &str| plan.tasks.iter().find(|t| t.marker == marker).unwrap();
    // `（责任单位：区发改局　完成时间：2024年底）`: no separator but the space.
    assert_eq!(units(task("1."), Role::Responsible), ["区发改局"]);
    assert_eq!(task("1.").deadline.date, Date::parse_iso("2024-12-31"));
    // `2024年度` after a label; `本年度内完成` in the plan's year.
    assert_eq!(task("2.").deadline.date, Date::parse_iso("2024-12-31"));
    assert_eq!(task("3.").deadline.date, Date::parse_iso("2024-12-31"));
}

/// A plan kept as Markdown: `#` headings, `**` emphasis and list markup are
/// not part of the notation.
#[test]
fn markdown_plan() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/plans/markdown-plan.md");
    let source = planlint::load::load(&path).unwrap();
    let plan = planlint::parse::parse(&source).unwrap();
    assert_eq!(plan.title.as_deref(), Some("某市2024年人才工作要点"));
    let chapters: Vec<(Option<&str>, &str)> = plan
        .chapters
        .iter()
        .map(|c| (c.marker.as_deref(), c.title.as_str()))
        .collect();
    assert_eq!(
        chapters,
        [
            (Some("一、"), "引进高层次人才"),
            (Some("二、"), "培养本土人才")
        ]
    );
    let paths: Vec<String> = plan.tasks.iter().map(|t| t.path.concat()).collect();
    assert_eq!(paths, ["一、1.", "一、2.", "二、1."]);
    assert_eq!(units(&plan.tasks[0], Role::Lead), ["市委组织部"]);
    // The model's strings read as written, markup included.
    assert!(plan.tasks[1].text.starts_with("**优化人才服务**"));
}

/// `落实` as a role word (`各乡镇落实`, `负责落实`, `牵头落实`, `配合落实`), and a
/// bracket's frequency with no date (`每季度`, `每月开展一次`) as a recurring
/// deadline; `每年新增…` in running text stays text; a stretch of months
/// (`2025年8月—12月`) is due by the end of the last.
#[test]
fn carry_out_roles_and_frequency() {
    let plan = fixture("carry-out-and-frequency.txt");
    let task = |marker: &str| plan.tasks.iter().find(|t| t.marker == marker).unwrap();
    assert_eq!(units(task("1."), Role::Lead), ["县农业农村局"]);
    assert_eq!(units(task("1."), Role::Responsible), ["各乡镇"]);
    assert_eq!(task("1.").deadline.date, Date::parse_iso("2025-10-31"));
    assert_eq!(units(task("2."), Role::Responsible), ["县市场监管局"]);
    assert_eq!(units(task("2."), Role::Cooperate), ["县农业农村局"]);
    assert_eq!(task("2.").deadline.kind, DeadlineKind::Recurring);
    assert_eq!(task("2.").deadline.recurrence.as_deref(), Some("quarterly"));
    assert_eq!(units(task("3."), Role::Lead), ["县委农办"]);
    assert_eq!(task("3.").deadline.recurrence.as_deref(), Some("monthly"));
    assert_eq!(task("4.").deadline.date, Date::parse_iso("2025-12-31"));
    assert_eq!(task("4.").targets[0].raw, "50公里");
    // A unit name that starts with 落 is still a name.
    assert_eq!(units(task("5."), Role::Responsible), ["各乡镇"]);
    assert!(task("5.").text.starts_with("落实农村人居环境整治"));
    // Words of manner before a bare 落实 are no part of the name, and
    // `（抓好落实）` names no unit.
    assert_eq!(units(task("8."), Role::Responsible), ["各乡镇", "县应急局"]);
    assert!(task("9.").owners.is_empty());
    // A stretch of months is due by the end of the last.
    assert_eq!(task("6.").deadline.date, Date::parse_iso("2025-12-31"));
    assert_eq!(task("6.").deadline.raw.as_deref(), Some("2025年8月—12月"));
    assert_eq!(task("7.").deadline.date, Date::parse_iso("2026-03-31"));
}

/// Where the tasks are `（一）` sections, one that carries no bracket and heads
/// items carrying one each is a section, and its items are the tasks; the
/// entries of a closing chapter of safeguards (`三、保障措施`) are sections.
#[test]
fn section_heading_items_and_safeguards() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("rules/fixtures/numbering-sequence/section-heads-items.txt");
    let plan = parse_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let paths: Vec<String> = plan.tasks.iter().map(|t| t.path.concat()).collect();
    assert_eq!(
        paths,
        [
            "一、（一）",
            "一、（二）",
            "一、（三）1.",
            "一、（三）2.",
            "一、（四）",
            "二、（一）",
            "二、（二）",
            "二、（六）"
        ]
    );
    assert_eq!(units(&plan.tasks[3], Role::Responsible), ["各市卫生健康委"]);
    assert_eq!(plan.tasks[4].section, None);
    assert_eq!(section_titles(&plan, 0), ["推进智慧医疗建设"]);
    assert_eq!(section_titles(&plan, 2), ["加强组织领导", "强化督导评估"]);
}

/// Time limits a bracket gives without a date: all year (`全年推进`, `常年开展`)
/// and from a year on (`2024年起持续推进`) are ongoing; a quarter or a half of
/// the plan's year (`第四季度`, `上半年完成`) is due at its end. In running
/// text, `第四季度开展…` is no time limit.
#[test]
fn bracket_limits_without_a_date() {
    let plan = fixture("bracket-limits.txt");
    let task = |marker: &str| plan.tasks.iter().find(|t| t.marker == marker).unwrap();
    for (marker, raw) in [
        ("1.", "全年推进"),
        ("2.", "常年开展"),
        ("3.", "2024年起持续推进"),
        ("7.", "全年"),
    ] {
        assert_eq!(
            task(marker).deadline.kind,
            DeadlineKind::Ongoing,
            "{marker}"
        );
        assert_eq!(task(marker).deadline.raw.as_deref(), Some(raw));
    }
    assert_eq!(task("4.").deadline.date, Date::parse_iso("2024-12-31"));
    assert_eq!(task("5.").deadline.date, Date::parse_iso("2024-06-30"));
    assert_eq!(task("6.").deadline.kind, DeadlineKind::None);
    // `6月份前`, `4月中下旬`, `…之前`.
    assert_eq!(task("8.").deadline.date, Date::parse_iso("2024-06-30"));
    assert_eq!(task("9.").deadline.date, Date::parse_iso("2024-04-30"));
    assert_eq!(task("10.").deadline.date, Date::parse_iso("2024-05-31"));
    // The labels `时间：`, `办结时限：`, `完成节点：`.
    assert_eq!(task("11.").deadline.date, Date::parse_iso("2024-12-31"));
    assert_eq!(task("12.").deadline.date, Date::parse_iso("2024-09-30"));
    assert_eq!(task("13.").deadline.date, Date::parse_iso("2024-06-30"));
    // A parenthesis of a limit and more words is no bracket: its target
    // stays, and the task's own bracket gives the time limit.
    assert_eq!(task("14.").targets[0].raw, "不少于5000人次");
    assert_eq!(task("14.").deadline.date, Date::parse_iso("2024-12-31"));
    assert_eq!(task("15.").deadline.date, Date::parse_iso("2024-12-31"));
    assert_eq!(units(task("6."), Role::Responsible), ["市市场监管局"]);
}

/// Forms of provincial plans: a unit's own brackets with an enumeration
/// (`各县（市、区）人民政府`), units set apart by spaces after a label, and the
/// signature dated in Chinese numerals (`二〇二四年三月十五日`).
#[test]
fn provincial_forms() {
    let plan = fixture("provincial-forms.txt");
    assert_eq!(
        units(&plan.tasks[0], Role::Lead),
        ["省通信管理局", "省工业和信息化厅"]
    );
    assert_eq!(
        units(&plan.tasks[0], Role::Responsible),
        ["各县（市、区）人民政府"]
    );
    assert_eq!(
        units(&plan.tasks[1], Role::Responsible),
        ["省农业农村厅", "省大数据局", "省自然资源厅"]
    );
    // Each name keeps its own place in the text.
    let o = &plan.tasks[1].owners[1];
    assert_eq!(o.span.end - o.span.start, "省大数据局".len());
    // A stray space inside one name does not split it.
    assert_eq!(units(&plan.tasks[2], Role::Cooperate), ["市 商务局"]);
    assert_eq!(plan.issued, Date::parse_iso("2024-03-15"));
    assert_eq!(plan.issuer.as_deref(), Some("某省人民政府办公厅"));
    assert_eq!(plan.tasks[1].deadline.date, Date::parse_iso("2024-12-31"));
}

/// Dates in numerals: `○` for zero, `十二月`, `三十一日`; `二十日`, `十日`.
#[test]
fn signature_dates_in_numerals() {
    for (signed, date) in [
        ("二○二三年十二月三十一日", "2023-12-31"),
        ("二〇二四年一月二十日", "2024-01-20"),
        ("二零二二年十月十日", "2022-10-10"),
    ] {
        let text = format!(
            "某市2024年工作要点\n\n一、重点任务\n1.推进改革。（市发展改革委负责；年底前完成）\n\n某市人民政府\n{signed}\n"
        );
        let plan = parse_str(&text).unwrap();
        assert_eq!(plan.issued, Date::parse_iso(date), "{signed}");
    }
}

/// Full-width digits (`２０２０年１２月底前完成`, `１．`) read as ASCII ones, and
/// every span of the model points at the text as written: seed 000 with all
/// its digits made full-width gives the model of the seed itself, field for
/// field, each span covering the same text (digits aside) on the same line
/// and column.
#[test]
fn full_width_digits_keep_every_span() {
    fn fold(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
                c => c,
            })
            .collect()
    }
    fn same(a: &serde_json::Value, w: &serde_json::Value, ascii: &str, wide: &str, path: &str) {
        use serde_json::Value;
        match (a, w) {
            (Value::Object(a), Value::Object(w)) => {
                // A span: the only object with a line and a column.
                if let (Some(Value::Number(s)), Some(Value::Number(e)), true) =
                    (a.get("start"), a.get("end"), a.contains_key("column"))
                {
                    let (s, e) = (s.as_u64().unwrap() as usize, e.as_u64().unwrap() as usize);
                    let (ws, we) = (
                        w["start"].as_u64().unwrap() as usize,
                        w["end"].as_u64().unwrap() as usize,
                    );
                    let written = wide
                        .get(ws..we)
                        .unwrap_or_else(|| panic!("{path}: {ws}..{we} off the text"));
                    assert_eq!(fold(written), ascii[s..e], "{path}");
                    assert_eq!(a.get("line"), w.get("line"), "{path}");
                    assert_eq!(a.get("column"), w.get("column"), "{path}");
                    return;
                }
                assert_eq!(a.len(), w.len(), "{path}");
                for (k, v) in a {
                    same(v, &w[k], ascii, wide, &format!("{path}.{k}"));
                }
            }
            (Value::Array(a), Value::Array(w)) => {
                assert_eq!(a.len(), w.len(), "{path}");
                for (i, (x, y)) in a.iter().zip(w).enumerate() {
                    same(x, y, ascii, wide, &format!("{path}[{i}]"));
                }
            }
            (Value::String(x), Value::String(y)) => assert_eq!(*x, fold(y), "{path}"),
            _ => assert_eq!(a, w, "{path}"),
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let ascii = std::fs::read_to_string(root.join("seeds/000_bdb70f999160dca5.txt")).unwrap();
    let wide: String = ascii
        .chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32('０' as u32 + (c as u32 - '0' as u32)).unwrap(),
            c => c,
        })
        .collect();
    assert_ne!(ascii, wide);
    let a = serde_json::to_value(parse_str(&ascii).unwrap()).unwrap();
    let w = serde_json::to_value(parse_str(&wide).unwrap()).unwrap();
    same(&a, &w, &ascii, &wide, "plan");
}

/// A bracket wrapped over two lines by a conversion (`（市发` + `展改革委、…）`,
/// `（…负责；` + `持续推进）`) is read whole: its units joined across the
/// break, its time limit kept, and its second line no heading.
#[test]
fn brackets_wrapped_over_two_lines() {
    let plan = fixture("wrapped-brackets.txt");
    // The title's bracket wraps too.
    assert_eq!(
        plan.title.as_deref(),
        Some("某市优化营商环境三年行动方案（2024—2026年）")
    );
    assert_eq!(
        plan.period.as_ref().map(|p| (p.start, p.end)),
        Some((2024, 2026))
    );
    assert_eq!(plan.chapters.len(), 1);
    assert_eq!(
        units(&plan.tasks[0], Role::Responsible),
        ["市发展改革委", "市财政局"]
    );
    assert_eq!(plan.tasks[0].deadline.date, Date::parse_iso("2024-12-31"));
    // The owner's span covers the name as written, line break included.
    let o = &plan.tasks[0].owners[0];
    assert_eq!(o.span.line, 5);
    assert_eq!(units(&plan.tasks[1], Role::Responsible), ["市政务服务局"]);
    assert_eq!(plan.tasks[1].deadline.kind, DeadlineKind::Ongoing);
    assert_eq!(plan.tasks[2].deadline.date, Date::parse_iso("2024-06-30"));
    // A line break inside a name does not split it.
    assert_eq!(units(&plan.tasks[3], Role::Responsible), ["市政府办公室"]);
    // `1）` points under `1.` tasks are the task's text, not brackets' ends.
    assert_eq!(plan.tasks.len(), 5);
    assert_eq!(units(&plan.tasks[4], Role::Responsible), ["市财政局"]);
}

/// A plan whose owners are given in an annexed task table (附件：重点任务分工表):
/// the table's rows are the tasks, and the body's bracketless points before
/// it are headings (no task without owners for each of them).
#[test]
fn annexed_task_table_assigns_the_tasks() {
    let plan = fixture("annex-task-table.txt");
    let tasks: Vec<(&str, Vec<&str>)> = plan
        .tasks
        .iter()
        .map(|t| (t.text.as_str(), units(t, Role::Lead)))
        .collect();
    assert_eq!(
        tasks,
        [
            ("推进政务服务一网通办", vec!["市政务服务局"]),
            ("推进数据共享", vec!["市大数据局"])
        ]
    );
    assert_eq!(
        section_titles(&plan, 0),
        ["推进政务服务一网通办", "推进数据共享"]
    );
    assert_eq!(plan.chapters[1].sections[0].title, "加强组织领导");
}

/// Item markers `1）` / `1)` and sub-point markers `①`…`⑳` (for `（1）`…).
#[test]
fn items_with_a_closing_bracket_and_circled_sub_points() {
    let plan = fixture("other-markers.txt");
    let markers: Vec<(&str, u32)> = plan
        .tasks
        .iter()
        .map(|t| (t.marker.as_str(), t.number))
        .collect();
    assert_eq!(markers, [("1）", 1), ("2）", 2), ("3）", 3)]);
    assert!(plan
        .tasks
        .iter()
        .all(|t| t.level == planlint::model::Level::Item));
    // The circled points belong to their task.
    assert!(plan.tasks[0].text.contains("②推行告知承诺制"));
    assert_eq!(units(&plan.tasks[0], Role::Responsible), ["市发改委"]);
}

/// Heuristics that must not take tasks away: a chapter whose title only
/// contains a safeguard word (`健全要素保障机制`) keeps its tasks; a `（三）`
/// whose steps carry time limits only is the task, due with its last step,
/// and takes the bracket of owners after its steps; full-width digits in a
/// unit name keep its span.
#[test]
fn headings_keep_real_tasks() {
    let plan = parse_str(
        "某市2024年数字经济工作要点\n\n一、重点任务\n（一）推进数字产业化。（市工信局负责；2024年底前）\n\
         （二）推进老旧小区改造。分三步推进：\n1.开展摸底调查（2024年3月底前）。\n\
         2.制定改造方案（2024年6月底前）。\n（市住建局牵头，各区政府负责）\n\
         二、健全要素保障机制\n（一）强化资金保障。市财政局每年安排专项资金1亿元。\n\
         （二）推进校园建设。（市第１中学、市教育局负责；2024年底前）\n",
    )
    .unwrap();
    let markers: Vec<String> = plan.tasks.iter().map(|t| t.path.concat()).collect();
    assert_eq!(
        markers,
        ["一、（一）", "一、（二）", "二、（一）", "二、（二）"]
    );
    assert_eq!(units(&plan.tasks[1], Role::Lead), ["市住建局"]);
    // The task is done with its last step.
    assert_eq!(plan.tasks[1].deadline.date, Date::parse_iso("2024-06-30"));
    assert_eq!(plan.tasks[2].targets[0].raw, "1亿元");
    let o = &plan.tasks[3].owners[0];
    assert_eq!(o.unit, "市第１中学");
    assert_eq!(o.span.end - o.span.start, "市第１中学".len());
}
