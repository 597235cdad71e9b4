//! Parse throughput on the seeds (MB/s): load + grammar + model, per file and
//! for all five together. `cargo bench --bench parse`.

use std::path::PathBuf;

fn main() {
    divan::main();
}

fn seeds() -> Vec<(String, String)> {
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
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect()
}

#[divan::bench(args = ["000", "001", "002", "003", "004"])]
fn parse_seed(bencher: divan::Bencher, prefix: &str) {
    let (_, text) = seeds()
        .into_iter()
        .find(|(n, _)| n.starts_with(prefix))
        .unwrap();
    bencher
        .counter(divan::counter::BytesCount::of_str(&text))
        .bench(|| planlint::parse::parse_str(divan::black_box(&text)).unwrap());
}

#[divan::bench]
fn parse_all_seeds(bencher: divan::Bencher) {
    let texts = seeds();
    let bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();
    bencher
        .counter(divan::counter::BytesCount::new(bytes))
        .bench(|| {
            for (_, t) in &texts {
                divan::black_box(planlint::parse::parse_str(t).unwrap());
            }
        });
}
