//! Outputs are never half-written: `planlint check --fix` on a large plan and
//! `planlint report … -o out.csv` over many plans are killed (SIGKILL, no
//! chance to clean up) at moments spread over their run, and after every kill
//! the plan, and the previous report, are byte for byte either what they were
//! before or the complete new version. A kill may leave a hidden
//! `.NAME.*.tmp` file behind (which directory walks skip), never anything else.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A plan of `tasks` tasks, every other one with a damaged deadline that
/// `deadline-damaged` fixes (`202012月底前完成` → `2020年12月底前完成`).
fn damaged_plan(tasks: usize) -> String {
    const CN: [&str; 9] = ["一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let mut s = String::from("2020-2021年某市推进计划\n\n");
    for i in 0..tasks {
        if i % 50 == 0 {
            s.push_str(&format!("{}、第{}部分工作\n\n", CN[i / 50 % 9], i / 50 + 1));
        }
        let deadline = if i % 2 == 0 {
            "202012月底前完成"
        } else {
            "持续推进"
        };
        s.push_str(&format!(
            "{}.开展专项行动，完成不少于5项工作，提升执法水平。(市市场监管委、市知识产权局按职责分工负责;{deadline})\n\n",
            i + 1
        ));
    }
    s
}

/// The moments to kill at, from right after the start to past the end of a
/// run that takes `run`.
fn delays(run: Duration) -> Vec<Duration> {
    let mut out = vec![Duration::ZERO, Duration::from_millis(10)];
    for tenth in 1..=11 {
        out.push(run * tenth / 10);
    }
    out
}

/// Files in `dir` other than `known` and hidden temporary files.
fn stray_files(dir: &Path, known: &[&str]) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !known.contains(&n.as_str()))
        .filter(|n| !(n.starts_with('.') && n.ends_with(".tmp")))
        .collect()
}

/// Starts `args` in `dir`, kills it after `delay`; whether it was still
/// running when killed.
fn kill_after(dir: &Path, args: &[&str], delay: Duration) -> bool {
    let mut child = Command::new(env!("CARGO_BIN_EXE_planlint"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let running = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    child.wait().unwrap();
    running
}

/// One complete run of planlint in `dir`, which must succeed: how long it took.
fn timed_run(dir: &Path, args: &[&str]) -> Duration {
    let started = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_planlint"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    let run = started.elapsed();
    assert!(status.success(), "{status}");
    run
}

#[test]
fn check_fix_killed_at_any_moment_leaves_the_plan_old_or_fully_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let original = damaged_plan(1_000);
    let fixed = original.replace("202012月底前完成", "2020年12月底前完成");
    let plan = dir.path().join("plan.txt");
    let args = [
        "check",
        "--fix",
        "plan.txt",
        "--no-config",
        "--select",
        "deadline-damaged",
        "--format",
        "compact",
        "--quiet",
    ];

    // One complete run: how long it takes, and that it gives `fixed`.
    std::fs::write(&plan, &original).unwrap();
    let run = timed_run(dir.path(), &args);
    assert!(
        std::fs::read_to_string(&plan).unwrap() == fixed,
        "a complete run fixes every damaged deadline"
    );

    let mut killed_while_running = 0;
    let (mut old, mut new) = (0, 0);
    for delay in delays(run) {
        std::fs::write(&plan, &original).unwrap();
        if kill_after(dir.path(), &args, delay) {
            killed_while_running += 1;
        }
        let now = std::fs::read(&plan).unwrap();
        if now == original.as_bytes() {
            old += 1;
        } else if now == fixed.as_bytes() {
            new += 1;
        } else {
            panic!(
                "killed after {delay:?}: plan.txt is half-written ({} bytes; old {}, new {})",
                now.len(),
                original.len(),
                fixed.len()
            );
        }
        assert_eq!(stray_files(dir.path(), &["plan.txt"]), Vec::<String>::new());
    }
    // A loaded machine runs faster or slower than the timed run: most kills,
    // not all, land while it runs.
    assert!(
        killed_while_running >= 3,
        "only {killed_while_running} kills hit a running process"
    );
    eprintln!(
        "complete run {run:?}; {killed_while_running} kills while running; plan old {old}, new {new}"
    );
}

#[test]
fn report_killed_at_any_moment_leaves_the_previous_sheet_or_the_whole_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let plans = dir.path().join("plans");
    std::fs::create_dir(&plans).unwrap();
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let mut seed_files: Vec<_> = std::fs::read_dir(&seeds)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    seed_files.sort();
    for copy in 0..10 {
        for seed in &seed_files {
            let name = seed.file_name().unwrap().to_string_lossy();
            std::fs::copy(seed, plans.join(format!("{copy:02}-{name}"))).unwrap();
        }
    }
    let out = dir.path().join("out.csv");
    let previous = "文件,序号,任务\nprevious.txt,1,上一次的报表\n".as_bytes();
    let args = ["report", "tasks", "plans", "-o", "out.csv"];

    let run = timed_run(dir.path(), &args);
    let complete = std::fs::read(&out).unwrap();
    assert!(complete.len() > 50_000, "{} bytes", complete.len());

    let mut killed_while_running = 0;
    let (mut old, mut new) = (0, 0);
    for delay in delays(run) {
        std::fs::write(&out, previous).unwrap();
        if kill_after(dir.path(), &args, delay) {
            killed_while_running += 1;
        }
        let now = std::fs::read(&out).unwrap();
        if now == previous {
            old += 1;
        } else if now == complete {
            new += 1;
        } else {
            panic!(
                "killed after {delay:?}: out.csv is half-written ({} bytes; complete {})",
                now.len(),
                complete.len()
            );
        }
        assert_eq!(
            stray_files(dir.path(), &["out.csv", "plans"]),
            Vec::<String>::new()
        );
    }
    // A loaded machine runs faster or slower than the timed run: most kills,
    // not all, land while it runs.
    assert!(
        killed_while_running >= 3,
        "only {killed_while_running} kills hit a running process"
    );
    eprintln!(
        "complete run {run:?}; {killed_while_running} kills while running; sheet old {old}, new {new}"
    );

    // Whatever temporary files the kills left, the next run is not disturbed.
    let status = Command::new(env!("CARGO_BIN_EXE_planlint"))
        .args(args)
        .current_dir(dir.path())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(std::fs::read(&out).unwrap(), complete);
}
