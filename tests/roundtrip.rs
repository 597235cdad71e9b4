//! Property tests: a plan generated from random chapters, tasks, owners and
//! deadlines, printed in the notation, parses back to the same model; the
//! certain fixes of a damaged plan parse without the damage and with the same
//! tasks; the JSON of the model round-trips.

use planlint::model::{Date, DeadlineKind, Plan, Role};
use planlint::parse::parse_str;
use proptest::prelude::*;

const UNITS: &[&str] = &[
    "市发展改革委",
    "市财政局",
    "市知识产权局",
    "市市场监管委",
    "天津海关",
    "市委宣传部",
    "各区人民政府",
    "市文化和旅游局",
    "区市场监管局",
    "市高级人民法院",
];

#[derive(Debug, Clone)]
enum GenDeadline {
    None,
    Ongoing,
    Month(i32, u32),
    YearEnd(i32),
}

#[derive(Debug, Clone)]
struct GenTask {
    leads: Vec<usize>,
    responsible: Vec<usize>,
    deadline: GenDeadline,
    quantity: Option<u32>,
}

fn deadline() -> impl Strategy<Value = GenDeadline> {
    prop_oneof![
        Just(GenDeadline::None),
        Just(GenDeadline::Ongoing),
        (2019i32..2026, 1u32..=12).prop_map(|(y, m)| GenDeadline::Month(y, m)),
        (2019i32..2026).prop_map(GenDeadline::YearEnd),
    ]
}

fn task() -> impl Strategy<Value = GenTask> {
    (
        proptest::sample::subsequence((0..UNITS.len()).collect::<Vec<_>>(), 0..3),
        proptest::sample::subsequence((0..UNITS.len()).collect::<Vec<_>>(), 0..4),
        deadline(),
        proptest::option::of(1u32..500),
    )
        .prop_map(|(leads, responsible, deadline, quantity)| {
            // A unit has one role in a bracket.
            let responsible = responsible
                .into_iter()
                .filter(|u| !leads.contains(u))
                .collect();
            GenTask {
                leads,
                responsible,
                deadline,
                quantity,
            }
        })
}

fn chapters() -> impl Strategy<Value = Vec<Vec<GenTask>>> {
    proptest::collection::vec(proptest::collection::vec(task(), 1..6), 1..5)
}

const CN: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

/// Prints a generated plan in the notation, with `damage` dropping the 年 of
/// every monthly deadline as scraped pages do.
fn print(chapters: &[Vec<GenTask>], damage: bool) -> String {
    let mut s = String::from("2020-2025年某市重点工作推进计划\n\n");
    let mut n = 0;
    for (c, tasks) in chapters.iter().enumerate() {
        s.push_str(&format!("{}、第{}方面工作\n\n", CN[c], c + 1));
        for t in tasks {
            n += 1;
            s.push_str(&format!("{n}.开展第{n}项重点工作，加强统筹协调"));
            if let Some(q) = t.quantity {
                s.push_str(&format!("，培育示范企业{q}家以上"));
            }
            s.push('。');
            let mut clauses = Vec::new();
            let names =
                |ids: &[usize]| ids.iter().map(|&u| UNITS[u]).collect::<Vec<_>>().join("、");
            match (t.leads.is_empty(), t.responsible.is_empty()) {
                (false, false) => clauses.push(format!(
                    "{}牵头，{}按职责分工负责",
                    names(&t.leads),
                    names(&t.responsible)
                )),
                (false, true) => clauses.push(format!("{}牵头", names(&t.leads))),
                (true, false) => clauses.push(format!("{}负责", names(&t.responsible))),
                (true, true) => {}
            }
            match t.deadline {
                GenDeadline::None => {}
                GenDeadline::Ongoing => clauses.push("持续推进".to_string()),
                GenDeadline::Month(y, m) if damage => clauses.push(format!("{y}{m}月底前完成")),
                GenDeadline::Month(y, m) => clauses.push(format!("{y}年{m}月底前完成")),
                GenDeadline::YearEnd(y) => clauses.push(format!("{y}年底前完成")),
            }
            if !clauses.is_empty() {
                s.push_str(&format!("（{}）", clauses.join("；")));
            }
            s.push_str("\n\n");
        }
    }
    s
}

fn expected_date(d: &GenDeadline) -> Option<Date> {
    match *d {
        GenDeadline::Month(y, m) => Date::end_of_month(y, m),
        GenDeadline::YearEnd(y) => Date::end_of_month(y, 12),
        _ => None,
    }
}

fn assert_model(plan: &Plan, chapters: &[Vec<GenTask>]) {
    let generated: Vec<&GenTask> = chapters.iter().flatten().collect();
    assert_eq!(plan.chapters.len(), chapters.len());
    assert_eq!(plan.tasks.len(), generated.len());
    for (i, (task, gen)) in plan.tasks.iter().zip(&generated).enumerate() {
        assert_eq!(task.number as usize, i + 1);
        let units = |role: Role| {
            task.owners
                .iter()
                .filter(|o| o.role == role)
                .map(|o| o.unit.as_str())
                .collect::<Vec<_>>()
        };
        let names = |ids: &[usize]| ids.iter().map(|&u| UNITS[u]).collect::<Vec<_>>();
        assert_eq!(units(Role::Lead), names(&gen.leads), "task {}", i + 1);
        assert_eq!(
            units(Role::Responsible),
            names(&gen.responsible),
            "task {}",
            i + 1
        );
        let kind = match gen.deadline {
            GenDeadline::None => DeadlineKind::None,
            GenDeadline::Ongoing => DeadlineKind::Ongoing,
            _ => DeadlineKind::Dated,
        };
        assert_eq!(task.deadline.kind, kind, "task {}", i + 1);
        assert_eq!(
            task.deadline.date,
            expected_date(&gen.deadline),
            "task {}",
            i + 1
        );
        assert_eq!(
            task.targets.len(),
            usize::from(gen.quantity.is_some()),
            "task {}",
            i + 1
        );
        if let Some(q) = gen.quantity {
            assert_eq!(task.targets[0].value, f64::from(q));
        }
    }
}

/// Applies every certain fix the model offers (deadlines), end to start.
fn apply_fixes(text: &str, plan: &Plan) -> String {
    let mut fixes: Vec<(usize, usize, String)> = plan
        .tasks
        .iter()
        .filter_map(|t| Some((t.deadline.span?, t.deadline.fix.clone()?)))
        .map(|(s, f)| (s.start, s.end, f))
        .collect();
    fixes.sort_by_key(|f| std::cmp::Reverse(f.0));
    let mut out = text.to_string();
    for (s, e, f) in fixes {
        out.replace_range(s..e, &f);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn printed_plan_parses_back(chapters in chapters()) {
        let plan = parse_str(&print(&chapters, false)).unwrap();
        assert_model(&plan, &chapters);
        prop_assert!(plan.tasks.iter().all(|t| !t.deadline.damaged));
    }

    #[test]
    fn fixes_remove_the_damage_and_keep_the_tasks(chapters in chapters()) {
        let damaged = print(&chapters, true);
        let plan = parse_str(&damaged).unwrap();
        assert_model(&plan, &chapters);
        let monthly = chapters.iter().flatten().filter(|t| matches!(t.deadline, GenDeadline::Month(..))).count();
        prop_assert_eq!(plan.tasks.iter().filter(|t| t.deadline.damaged).count(), monthly);
        let fixed = apply_fixes(&damaged, &plan);
        prop_assert_eq!(&fixed, &print(&chapters, false));
        let again = parse_str(&fixed).unwrap();
        assert_model(&again, &chapters);
        prop_assert!(again.tasks.iter().all(|t| !t.deadline.damaged));
    }

    #[test]
    fn model_json_round_trips(chapters in chapters()) {
        let plan = parse_str(&print(&chapters, true)).unwrap();
        let json = serde_json::to_string(&plan).unwrap();
        let back: Plan = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(serde_json::to_string(&back).unwrap(), json);
    }
}
