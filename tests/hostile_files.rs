//! Hostile files seen from the command line: a binary file, a truncated
//! `.docx`, a zip bomb named `.docx`, a file that cannot be read, a broken
//! link and a symbolic link loop in a walked directory. Each is reported as an
//! error naming the file, the run goes on with the other files (whose findings
//! are still printed), and the exit status is 2.
//!
//! (`tests/load.rs` checks the same inputs one by one against the load stage;
//! this file checks what a user of `planlint check` and `planlint report` sees
//! when they all lie in one shared folder.)

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn planlint(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_planlint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("planlint runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/check")
        .join(name)
}

/// A `.docx` holding `body` paragraphs, deflated as Word does.
fn docx(paragraphs: &[&str]) -> Vec<u8> {
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<w:p><w:r><w:t>{p}</w:t></w:r></w:p>"))
        .collect();
    zip_of(&document(&body))
}

fn document(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    )
}

fn zip_of(document_xml: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file("[Content_Types].xml", options).unwrap();
    zip.write_all(b"<?xml version=\"1.0\"?><Types/>").unwrap();
    zip.start_file("word/document.xml", options).unwrap();
    zip.write_all(document_xml.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

/// A `.docx` whose `word/document.xml` inflates just past the 64 MiB limit
/// for one part, compressed to well under 1 MiB.
fn zip_bomb() -> Vec<u8> {
    let limit = planlint::load::MAX_DOCX_PART_SIZE as usize;
    let filler = "<w:p><w:r><w:t>炸</w:t></w:r></w:p>".repeat(limit / 30 + 1);
    let xml = document(&filler);
    assert!(xml.len() > limit);
    let bomb = zip_of(&xml);
    assert!(bomb.len() < 1024 * 1024, "{} bytes", bomb.len());
    bomb
}

/// Whether this process reads files whatever their mode (root does).
fn ignores_permissions(dir: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let probe = dir.join(".probe");
    std::fs::write(&probe, b"x").unwrap();
    std::fs::set_permissions(&probe, std::fs::Permissions::from_mode(0o000)).unwrap();
    let readable = std::fs::read(&probe).is_ok();
    std::fs::remove_file(&probe).unwrap();
    readable
}

/// A shared folder with one good plan, one good `.docx` plan, and every
/// kind of hostile file. Returns the folder and the names that must be
/// reported as load errors, with a word of their message.
fn hostile_folder() -> (tempfile::TempDir, Vec<(&'static str, &'static str)>) {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::copy(fixture("late.txt"), root.join("late.txt")).unwrap();
    let plan: Vec<&str> = vec![
        "2021年某区工作要点",
        "一、强化保护",
        "1．建设公共服务平台，服务企业200家以上。（区知识产权局负责；202112月底前完成）",
    ];
    std::fs::write(root.join("good.docx"), docx(&plan)).unwrap();
    let mut bad = Vec::new();

    // A binary file with a plan's name: a PNG image.
    let png = [b"\x89PNG\r\n\x1A\n".as_slice(), &[0, 0, 0, 13], b"IHDR"].concat();
    std::fs::write(root.join("image.txt"), png).unwrap();
    bad.push(("image.txt", "not a text document"));

    // A real .docx cut in half (a download that stopped).
    let whole = docx(&plan);
    std::fs::write(root.join("cut.docx"), &whole[..whole.len() / 2]).unwrap();
    bad.push(("cut.docx", "corrupt or truncated .docx"));

    // A zip bomb named .docx.
    std::fs::write(root.join("bomb.docx"), zip_bomb()).unwrap();
    bad.push(("bomb.docx", "refused: word/document.xml inflates past"));

    // A file that cannot be read. Root reads a mode-000 file, so the portable
    // way is a link to a file whose every read fails: /proc/self/mem (offset
    // 0 is never mapped, so the read is an I/O error) on Linux.
    if Path::new("/proc/self/mem").exists() {
        symlink("/proc/self/mem", root.join("unreadable.txt")).unwrap();
        bad.push(("unreadable.txt", "cannot read"));
    }
    if !ignores_permissions(root) {
        let locked = root.join("locked.txt");
        std::fs::copy(fixture("late.txt"), &locked).unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        bad.push(("locked.txt", "permission denied"));
    } else {
        eprintln!("note: mode-000 files are readable here (root): /proc/self/mem stands in");
    }

    // A link to nowhere, and a link loop in a subdirectory.
    symlink(root.join("nowhere.txt"), root.join("broken.txt")).unwrap();
    bad.push(("broken.txt", "broken symbolic link"));
    std::fs::create_dir(root.join("sub")).unwrap();
    symlink(root, root.join("sub/loop")).unwrap();
    bad.push(("sub/loop", "symbolic link loop"));
    (dir, bad)
}

#[test]
fn every_hostile_file_is_named_and_the_others_are_still_checked() {
    let (dir, bad) = hostile_folder();
    let started = Instant::now();
    let o = planlint(
        dir.path(),
        &["check", ".", "--no-config", "--format", "compact"],
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    for (name, what) in &bad {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("{name}: error load-error")))
            .unwrap_or_else(|| panic!("{name} is not reported:\n{out}"));
        assert!(line.contains(what), "{name}: {line}");
    }
    // The good files' findings are all there.
    assert!(
        out.contains("late.txt:7:29: error deadline-outside-period"),
        "{out}"
    );
    assert!(
        out.contains("late.txt:9:33: warning deadline-damaged"),
        "{out}"
    );
    assert!(
        out.contains("good.docx:3:"),
        "the good .docx is checked: {out}"
    );
    assert!(
        stderr(&o).contains(&format!("{} failures", bad.len())),
        "{}",
        stderr(&o)
    );
}

#[test]
fn hostile_files_in_json_name_the_file_and_the_kind() {
    let (dir, bad) = hostile_folder();
    let o = planlint(
        dir.path(),
        &["check", ".", "--no-config", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let mut failed: Vec<&str> = json["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["kind"], "load", "{f}");
            f["path"].as_str().unwrap()
        })
        .collect();
    failed.sort_unstable();
    let mut expected: Vec<&str> = bad.iter().map(|(name, _)| *name).collect();
    expected.sort_unstable();
    assert_eq!(failed, expected);
    let checked: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(checked.contains(&"late.txt") && checked.contains(&"good.docx"));
}

#[test]
fn hostile_files_named_one_by_one_are_errors_too() {
    // Named on the command line rather than found by a walk: the same errors,
    // and still the good plan given after them is checked.
    let (dir, bad) = hostile_folder();
    for (name, what) in bad.iter().filter(|(n, _)| !n.contains('/')) {
        // A broken link named directly is a path that does not exist.
        let what = if *name == "broken.txt" {
            "no such file or directory"
        } else {
            what
        };
        let o = planlint(
            dir.path(),
            &[
                "check",
                name,
                "late.txt",
                "--no-config",
                "--format",
                "compact",
            ],
        );
        assert_eq!(o.status.code(), Some(2), "{name}");
        let out = stdout(&o);
        assert!(
            out.contains(&format!("{name}: error load-error")) && out.contains(what),
            "{name}: {out}"
        );
        assert!(out.contains("late.txt:7:29: error"), "{name}: {out}");
    }
}

#[test]
fn a_report_over_the_hostile_folder_still_writes_the_good_plans() {
    let (dir, bad) = hostile_folder();
    let o = planlint(dir.path(), &["report", "tasks", ".", "-o", "out.csv"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    for (name, _) in &bad {
        assert!(err.contains(name), "{name} not named: {err}");
    }
    let csv = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
    assert!(csv.contains("市市场监管委"), "late.txt's rows: {csv}");
    assert!(csv.contains("区知识产权局"), "good.docx's rows: {csv}");
}

/// A named pipe (FIFO) given on the command line: opening a FIFO for reading
/// blocks until something opens it for writing, so with no writer
/// `planlint check` waited for ever (as `cat` would). `load` now opens it
/// without waiting: with no writer it reads as empty, an error naming it.
/// A walk never meets this: it takes regular files only.
#[test]
fn a_fifo_named_on_the_command_line_is_an_error_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("late.txt"), dir.path().join("late.txt")).unwrap();
    let made = Command::new("mkfifo")
        .arg(dir.path().join("pipe.txt"))
        .status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: no mkfifo");
        return;
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_planlint"))
        .args([
            "check",
            "pipe.txt",
            "late.txt",
            "--no-config",
            "--format",
            "compact",
        ])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(5) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("planlint still waits on pipe.txt after 5 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let out = stdout(&o);
    assert!(out.contains("pipe.txt: error load-error"), "{out}");
    assert!(out.contains("late.txt:7:29: error"), "{out}");
}
