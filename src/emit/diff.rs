//! Unified diffs of what `--fix` would change, for `--diff`: the form `patch`,
//! `git apply` and code review tools read.

use similar::TextDiff;

/// The unified diff from `old` to `new` of the file at `path`, with three lines
/// of context, or an empty string when they are equal.
pub fn unified(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let diff = TextDiff::from_lines(old, new);
    let mut out = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_shows_the_changed_line() {
        let old = "一、总则\n\n2.出台文件。(市高级人民法院负责;202012月底前完成)\n";
        let new = "一、总则\n\n2.出台文件。(市高级人民法院负责;2020年12月底前完成)\n";
        let d = unified("plan.txt", old, new);
        assert!(
            d.starts_with("--- a/plan.txt\n+++ b/plan.txt\n@@ -1,3 +1,3 @@\n"),
            "{d}"
        );
        assert!(
            d.contains("\n-2.出台文件。(市高级人民法院负责;202012月底前完成)\n"),
            "{d}"
        );
        assert!(
            d.contains("\n+2.出台文件。(市高级人民法院负责;2020年12月底前完成)\n"),
            "{d}"
        );
        assert_eq!(unified("plan.txt", old, old), "");
    }
}
