//! Hostile sizes and shapes finish with a model or a clean error: a 10 MB
//! plan, 100,000 tasks, a 1 MB line, 10,000 unclosed brackets, a bracket that
//! never closes, 10,000 units in one list, a run of a million digits. (How time grows with size is
//! measured by `benches/growth.rs`, not asserted here.)

#[path = "support/hostile.rs"]
mod hostile;

use planlint::model::Role;
use planlint::parse::parse_str;

#[test]
fn ten_megabyte_plan_with_many_tasks() {
    let text = hostile::plan_of_bytes(10 * 1024 * 1024);
    assert!(text.len() >= 10 * 1024 * 1024);
    let plan = parse_str(&text).unwrap();
    assert!(plan.tasks.len() > 50_000);
    assert!(plan.tasks.iter().all(|t| t.owners.len() == 2));
}

#[test]
fn hundred_thousand_tasks() {
    let plan = parse_str(&hostile::many_tasks(100_000)).unwrap();
    assert_eq!(plan.tasks.len(), 100_000);
    assert_eq!(plan.tasks[99_999].number, 100_000);
    assert_eq!(plan.units.len(), 2);
    assert_eq!(plan.units[0].tasks.len(), 100_000);
}

#[test]
fn one_megabyte_line() {
    let plan = parse_str(&hostile::long_line(1024 * 1024)).unwrap();
    assert_eq!(plan.tasks.len(), 1);
    assert_eq!(plan.tasks[0].owners[0].unit, "市知识产权局");
}

#[test]
fn ten_thousand_unclosed_brackets() {
    let plan = parse_str(&hostile::nested_brackets(10_000)).unwrap();
    assert_eq!(plan.tasks.len(), 1);
    assert!(plan.tasks[0].owners.is_empty());
}

#[test]
fn bracket_that_never_closes() {
    let plan = parse_str(&hostile::unclosed_bracket(1024 * 1024)).unwrap();
    assert_eq!(plan.tasks.len(), 1);
    assert!(
        plan.tasks[0].bracket.is_none(),
        "an unclosed bracket is text, not owners"
    );
}

#[test]
fn one_megabyte_run_of_digits() {
    // The scan skips the places of a run where no element can start: the
    // deadline glued to the run's end (`…12020年底前完成`) is still found.
    let plan = parse_str(&hostile::digit_run(1024 * 1024)).unwrap();
    assert_eq!(plan.tasks.len(), 1);
    assert_eq!(
        plan.tasks[0].deadline.raw.as_deref(),
        Some("2020年底前完成")
    );
    assert_eq!(plan.tasks[0].owners[0].unit, "市知识产权局");
}

#[test]
fn ten_thousand_units_in_one_list() {
    let plan = parse_str(&hostile::long_owner_list(10_000)).unwrap();
    let owners = &plan.tasks[0].owners;
    assert_eq!(owners.len(), 10_000);
    assert!(owners.iter().all(|o| o.role == Role::Responsible));
    assert_eq!(plan.units.len(), 10_000);
}
