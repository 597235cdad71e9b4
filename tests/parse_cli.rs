//! `planlint parse` from the outside: the outline and JSON of the seeds, and
//! bad inputs among good ones (each named, none stopping the others, exit 2).

use std::path::{Path, PathBuf};
use std::process::Command;

fn planlint() -> Command {
    Command::new(env!("CARGO_BIN_EXE_planlint"))
}

fn seed(prefix: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .unwrap()
}

#[test]
fn outline_of_seed_003() {
    let out = planlint().arg("parse").arg(seed("003_")).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let text = text.replace(&seed("003_").display().to_string(), "seeds/003.txt");
    insta::assert_snapshot!("outline_003", text);
}

#[test]
fn json_of_two_files_is_an_array_naming_them() {
    let out = planlint()
        .args(["parse", "--format", "json"])
        .arg(seed("000_"))
        .arg(seed("003_"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json.as_array().map(Vec::len), Some(2));
    assert_eq!(json[0]["plan"]["tasks"].as_array().map(Vec::len), Some(73));
    assert!(json[1]["file"].as_str().unwrap().contains("003_"));
}

#[test]
fn bad_inputs_are_named_and_do_not_stop_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let prose = dir.path().join("prose.txt");
    std::fs::write(
        &prose,
        "天津政务网\n联系电话：23039865\n这是一段普通的文字，没有任何任务。\n",
    )
    .unwrap();
    let binary = dir.path().join("image.txt");
    std::fs::write(
        &binary,
        [
            0x89u8, b'P', b'N', b'G', 0, 0, 0, 13, 0xff, 0xfe, 0, 1, 2, 3,
        ],
    )
    .unwrap();
    let missing = dir.path().join("missing.txt");
    let out = planlint()
        .arg("parse")
        .arg(&empty)
        .arg(seed("003_"))
        .arg(&prose)
        .arg(&binary)
        .arg(&missing)
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("11 tasks"),
        "the good file is still read:\n{stdout}"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    for bad in [&empty, &prose, &binary, &missing] {
        assert!(
            stderr.contains(&bad.display().to_string()),
            "{} is named in:\n{stderr}",
            bad.display()
        );
    }
    assert!(stderr.contains("no tasks found"), "{stderr}");
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("error")).count(),
        5,
        "{stderr}"
    );
}
