//! Rule throughput: every bundled rule over each seed (plan already parsed),
//! and 2,000 plans (the seeds cycled) parsed and checked on all cores.
//! `cargo bench --bench rules`.

use planlint::check::{RuleSet, Settings};
use planlint::model::Plan;
use rayon::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;

fn main() {
    divan::main();
}

fn seeds() -> Vec<(String, Arc<str>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                Arc::from(std::fs::read_to_string(&p).unwrap()),
            )
        })
        .collect()
}

fn seed(prefix: &str) -> (Arc<Plan>, Arc<str>) {
    let (_, text) = seeds()
        .into_iter()
        .find(|(n, _)| n.starts_with(prefix))
        .unwrap();
    (Arc::new(planlint::parse::parse_str(&text).unwrap()), text)
}

/// All bundled rules over one parsed plan.
#[divan::bench(args = ["000", "001", "002", "003", "004"])]
fn all_rules(bencher: divan::Bencher, prefix: &str) {
    let (plan, text) = seed(prefix);
    let rules = RuleSet::bundled();
    let settings = Settings::default();
    bencher.bench(|| rules.run(plan.clone(), text.clone(), &settings));
}

/// Each bundled rule alone over the largest seed (004, 100 tasks) and 000.
#[divan::bench(args = planlint::check::bundled_ids().collect::<Vec<_>>())]
fn one_rule_000(bencher: divan::Bencher, id: &str) {
    let (plan, text) = seed("000");
    let rules = RuleSet::bundled();
    let settings = Settings {
        select: vec![id.to_owned()],
        ..Settings::default()
    };
    bencher.bench(|| rules.run(plan.clone(), text.clone(), &settings));
}

/// 2,000 plans, parsed and checked by every bundled rule, in parallel.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn corpus_2000_parse_and_check(bencher: divan::Bencher) {
    let texts = seeds();
    let rules = RuleSet::bundled();
    let settings = Settings::default();
    bencher.bench(|| {
        (0..2000usize)
            .into_par_iter()
            .map(|i| {
                let text = texts[i % texts.len()].1.clone();
                let plan = planlint::parse::parse_str(&text).unwrap();
                rules.run(Arc::new(plan), text, &settings).findings.len()
            })
            .sum::<usize>()
    });
}

/// A rule file of your own over 000: `PLANLINT_RULE=path cargo bench --bench rules -- custom`.
#[divan::bench]
fn custom_rule_000(bencher: divan::Bencher) {
    let Ok(path) = std::env::var("PLANLINT_RULE") else {
        return;
    };
    let mut rules = RuleSet::empty();
    rules
        .add_source(&path, &std::fs::read_to_string(&path).unwrap())
        .unwrap();
    let (plan, text) = seed("000");
    let settings = Settings::default();
    bencher.bench(|| rules.run(plan.clone(), text.clone(), &settings));
}

/// 2,000 plans (parsed beforehand) checked by every bundled rule, in parallel:
/// the check stage alone.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn corpus_2000_check_only(bencher: divan::Bencher) {
    let plans: Vec<(Arc<Plan>, Arc<str>)> = seeds()
        .into_iter()
        .map(|(_, text)| (Arc::new(planlint::parse::parse_str(&text).unwrap()), text))
        .collect();
    let rules = RuleSet::bundled();
    let settings = Settings::default();
    bencher.bench(|| {
        (0..2000usize)
            .into_par_iter()
            .map(|i| {
                let (plan, text) = &plans[i % plans.len()];
                rules
                    .run(plan.clone(), text.clone(), &settings)
                    .findings
                    .len()
            })
            .sum::<usize>()
    });
}

/// The same with only the four rules of the textlint comparison selected.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn corpus_2000_check_only_four_rules(bencher: divan::Bencher) {
    let plans: Vec<(Arc<Plan>, Arc<str>)> = seeds()
        .into_iter()
        .map(|(_, text)| (Arc::new(planlint::parse::parse_str(&text).unwrap()), text))
        .collect();
    let rules = RuleSet::bundled();
    let select = [
        "task-owner-missing",
        "deadline-damaged",
        "deadline-before-issue",
        "numbering-sequence",
    ];
    let settings = Settings {
        select: select.map(String::from).to_vec(),
        ..Settings::default()
    };
    bencher.bench(|| {
        (0..2000usize)
            .into_par_iter()
            .map(|i| {
                let (plan, text) = &plans[i % plans.len()];
                rules
                    .run(plan.clone(), text.clone(), &settings)
                    .findings
                    .len()
            })
            .sum::<usize>()
    });
}
