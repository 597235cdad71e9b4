//! How parse time grows with input size, for each hostile shape of
//! `tests/support/hostile.rs`, at 1×, 4× and 16× a base size. Linear growth
//! shows as time per byte (the `MB/s` column) staying flat across the three
//! sizes. `bash benches/growth.sh` runs it and prints the ratios.

#[path = "../tests/support/hostile.rs"]
mod hostile;

use divan::counter::BytesCount;
use divan::Bencher;

fn main() {
    divan::main();
}

const FACTORS: [usize; 3] = [1, 4, 16];

fn run(bencher: Bencher, text: String) {
    bencher
        .counter(BytesCount::of_str(&text))
        .bench(|| divan::black_box(planlint::parse::parse_str(divan::black_box(&text)).ok()));
}

#[divan::bench(args = FACTORS, sample_count = 10)]
fn plan_of_tasks(bencher: Bencher, factor: usize) {
    run(bencher, hostile::many_tasks(1_000 * factor));
}

#[divan::bench(args = FACTORS, sample_count = 10)]
fn one_long_line(bencher: Bencher, factor: usize) {
    run(bencher, hostile::long_line(64 * 1024 * factor));
}

#[divan::bench(args = FACTORS, sample_count = 10)]
fn unclosed_brackets(bencher: Bencher, factor: usize) {
    run(bencher, hostile::nested_brackets(1_000 * factor));
}

#[divan::bench(args = FACTORS, sample_count = 10)]
fn bracket_never_closing(bencher: Bencher, factor: usize) {
    run(bencher, hostile::unclosed_bracket(64 * 1024 * factor));
}

#[divan::bench(args = FACTORS, sample_count = 10)]
fn run_of_digits(bencher: Bencher, factor: usize) {
    run(bencher, hostile::digit_run(64 * 1024 * factor));
}

#[divan::bench(args = FACTORS, sample_count = 10)]
fn long_owner_list(bencher: Bencher, factor: usize) {
    run(bencher, hostile::long_owner_list(1_000 * factor));
}
