//! A plan as a report sees it: the parsed model, the label its rows carry
//! (文件), and the 序号 by which a task sheet and a progress file name a task.

use crate::model::Plan;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One plan in a report.
#[derive(Debug, Clone)]
pub struct Document {
    /// The path as the user gave it (or as the directory walk found it).
    pub path: PathBuf,
    /// 文件: what the rows of a report say the plan is (its file name, or its
    /// path when two inputs share a file name).
    pub name: String,
    /// The plan, unit names already normalised (see [`super::units`]).
    pub plan: Arc<Plan>,
    /// 序号: the key of each task, parallel to [`Plan::tasks`].
    pub keys: Vec<String>,
    by_key: HashMap<String, usize>,
}

impl Document {
    pub fn new(path: PathBuf, plan: Arc<Plan>) -> Document {
        let keys = task_keys(&plan);
        let by_key = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k.clone(), i))
            .collect();
        let name = file_name(&path);
        Document {
            path,
            name,
            plan,
            keys,
            by_key,
        }
    }

    /// The task a progress file means by `key` (`4`, ` 4.`, `４`).
    pub fn task_by_key(&self, key: &str) -> Option<usize> {
        self.by_key.get(normalise_key(key).as_str()).copied()
    }

    /// Whether a progress file's 计划 cell names this plan: its label, path,
    /// file name, file stem or title.
    pub fn is_named(&self, value: &str) -> bool {
        let value = value.trim();
        !value.is_empty()
            && (value == self.name
                || Path::new(value) == self.path
                || value == file_name(&self.path)
                || self
                    .path
                    .file_stem()
                    .is_some_and(|s| s.to_string_lossy() == value)
                || self
                    .plan
                    .title
                    .as_deref()
                    .is_some_and(|t| t.trim() == value))
    }
}

/// Labels the documents: each by its file name, except those whose file name
/// another input shares, which keep their whole path so rows stay apart.
pub fn label(documents: &mut [Document]) {
    let mut count: HashMap<String, usize> = HashMap::new();
    for d in documents.iter() {
        *count.entry(d.name.clone()).or_default() += 1;
    }
    for d in documents.iter_mut() {
        if count[&d.name] > 1 {
            d.name = d.path.display().to_string();
        }
    }
}

/// 序号 of every task. The number printed in the plan when it names one task
/// only (000 numbers its items 1–73 across chapters); the position in document
/// order (1, 2, …) when numbers restart per chapter or section, because then
/// `3` would not say which task.
pub fn task_keys(plan: &Plan) -> Vec<String> {
    let mut numbers: Vec<u32> = plan.tasks.iter().map(|t| t.number).collect();
    numbers.sort_unstable();
    let unique = numbers.windows(2).all(|w| w[0] != w[1]);
    plan.tasks
        .iter()
        .enumerate()
        .map(|(i, t)| {
            if unique {
                t.number.to_string()
            } else {
                (i + 1).to_string()
            }
        })
        .collect()
}

/// A 序号 as a person types it: spaces around it, full-width digits, a marker's
/// trailing `.` `．` `、`.
fn normalise_key(key: &str) -> String {
    key.trim()
        .trim_end_matches(['.', '．', '、'])
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
        .collect()
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_accept_what_people_type() {
        assert_eq!(normalise_key(" ４. "), "4");
        assert_eq!(normalise_key("12、"), "12");
    }

    #[test]
    fn shared_file_names_fall_back_to_paths() {
        let plan = Arc::new(Plan::default());
        let mut docs = vec![
            Document::new("a/plan.txt".into(), plan.clone()),
            Document::new("b/plan.txt".into(), plan.clone()),
            Document::new("c/other.txt".into(), plan),
        ];
        label(&mut docs);
        let names: Vec<_> = docs.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["a/plan.txt", "b/plan.txt", "other.txt"]);
        assert!(docs[2].is_named("other"));
        assert!(docs[2].is_named("c/other.txt"));
    }
}
