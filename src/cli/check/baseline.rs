//! Baselines: the findings a legacy plan already had, written once with
//! `--write-baseline FILE` and then subtracted with `--baseline FILE`, so that
//! CI fails only on new findings.
//!
//! A finding is known by its file, rule, task number and message, never by its
//! line: adding a paragraph at the top of a plan must not turn every old
//! finding into a new one. Identical keys are counted, so a second identical
//! finding in the same task is new. File paths are stored relative to the
//! baseline's own folder, with `/`, so the file works from any working folder
//! and on any system. The JSON is sorted: the same findings give the same bytes.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The version of the baseline format.
const VERSION: u32 = 1;

/// What identifies a finding across edits, within one file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub rule: String,
    pub task: Option<u32>,
    pub message: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    file: String,
    rule: String,
    task: Option<u32>,
    message: String,
    #[serde(default = "one", skip_serializing_if = "is_one")]
    count: usize,
}

fn one() -> usize {
    1
}

fn is_one(n: &usize) -> bool {
    *n == 1
}

/// Why a baseline could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("{path}: cannot read the baseline: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: not a planlint baseline: {message}")]
    Format {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: baseline version {found} is not supported (this planlint writes version {VERSION})")]
    Version { path: String, found: u32 },
}

/// A baseline read from disk.
#[derive(Debug, Default)]
pub struct Baseline {
    dir: PathBuf,
    files: HashMap<String, HashMap<Key, usize>>,
}

/// The findings of one file still to be matched against the baseline.
#[derive(Debug, Default)]
pub struct Bucket {
    left: HashMap<Key, usize>,
}

impl Bucket {
    /// Whether the baseline holds this finding; each entry matches as many
    /// findings as its count.
    pub fn take(&mut self, key: &Key) -> bool {
        match self.left.get_mut(key) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }
}

/// The key of a file in a baseline kept in `dir`: its path relative to `dir`
/// with `/` separators, or its absolute path when it lies elsewhere. Both
/// paths must be absolute.
pub fn file_key(dir: &Path, file: &Path) -> String {
    match file.strip_prefix(dir) {
        Ok(rel) => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => file.display().to_string(),
    }
}

impl Baseline {
    /// Reads a baseline; `path` must be absolute.
    pub fn read(path: &Path, shown: &str) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: shown.to_owned(),
            source,
        })?;
        let file: File = serde_json::from_str(&text).map_err(|e| BaselineError::Format {
            path: shown.to_owned(),
            line: e.line(),
            column: e.column(),
            message: e
                .to_string()
                .split(" at line ")
                .next()
                .unwrap_or_default()
                .to_owned(),
        })?;
        if file.version != VERSION {
            return Err(BaselineError::Version {
                path: shown.to_owned(),
                found: file.version,
            });
        }
        let mut baseline = Baseline {
            dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            files: HashMap::new(),
        };
        for e in file.findings {
            let key = Key {
                rule: e.rule,
                task: e.task,
                message: e.message,
            };
            *baseline
                .files
                .entry(e.file)
                .or_default()
                .entry(key)
                .or_default() += e.count;
        }
        Ok(baseline)
    }

    /// The entries for one file (absolute path), to match its findings.
    pub fn bucket(&self, file: &Path) -> Bucket {
        Bucket {
            left: self
                .files
                .get(&file_key(&self.dir, file))
                .cloned()
                .unwrap_or_default(),
        }
    }
}

/// Findings gathered for `--write-baseline`, by file key.
#[derive(Debug, Default)]
pub struct Collected {
    counts: BTreeMap<(String, Key), usize>,
}

impl Collected {
    pub fn add(&mut self, file: String, key: Key) {
        *self.counts.entry((file, key)).or_default() += 1;
    }

    pub fn len(&self) -> usize {
        self.counts.values().sum()
    }

    /// The baseline file's bytes: sorted, one finding per line.
    pub fn to_json(&self) -> String {
        let mut out = format!("{{\n  \"version\": {VERSION},\n  \"findings\": [");
        for (i, ((file, key), count)) in self.counts.iter().enumerate() {
            let entry = Entry {
                file: file.clone(),
                rule: key.rule.clone(),
                task: key.task,
                message: key.message.clone(),
                count: *count,
            };
            out.push_str(if i == 0 { "\n    " } else { ",\n    " });
            out.push_str(&serde_json::to_string(&entry).unwrap_or_default());
        }
        out.push_str(if self.counts.is_empty() {
            "]\n}\n"
        } else {
            "\n  ]\n}\n"
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(rule: &str, task: Option<u32>, message: &str) -> Key {
        Key {
            rule: rule.into(),
            task,
            message: message.into(),
        }
    }

    #[test]
    fn round_trip_counts_identical_findings() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Collected::default();
        c.add(
            "plans/a.txt".into(),
            key("deadline-missing", Some(3), "任务没有完成时限"),
        );
        c.add(
            "plans/a.txt".into(),
            key("deadline-missing", Some(3), "任务没有完成时限"),
        );
        c.add("plans/a.txt".into(), key("owner-duplicate", None, "x"));
        let path = dir.path().join("baseline.json");
        std::fs::write(&path, c.to_json()).unwrap();
        let b = Baseline::read(&path, "baseline.json").unwrap();
        let mut bucket = b.bucket(&dir.path().join("plans/a.txt"));
        let k = key("deadline-missing", Some(3), "任务没有完成时限");
        assert!(bucket.take(&k));
        assert!(bucket.take(&k));
        assert!(!bucket.take(&k), "a third identical finding is new");
        assert!(!bucket.take(&key("deadline-missing", Some(4), "任务没有完成时限")));
        assert!(b.bucket(&dir.path().join("plans/b.txt")).left.is_empty());
    }

    #[test]
    fn a_broken_baseline_names_the_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.json");
        std::fs::write(
            &path,
            "{\n  \"version\": 1,\n  \"findings\": [ {\"file\": 3} ]\n}",
        )
        .unwrap();
        let e = Baseline::read(&path, "b.json").unwrap_err().to_string();
        assert!(e.starts_with("b.json:3:"), "{e}");
        std::fs::write(&path, "{\"version\": 7, \"findings\": []}").unwrap();
        let e = Baseline::read(&path, "b.json").unwrap_err().to_string();
        assert!(e.contains("version 7"), "{e}");
    }
}
