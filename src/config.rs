//! Configuration: `planlint.toml`, the nearest one in the checked file's folder
//! or above it (as ruff and ESLint find theirs), or the file given by `--config`.
//!
//! It says which rules run and how loud they are, gives rules their options
//! (the overload threshold, the unit registry with its aliases), supplies the
//! plan period when a title has none, adds rule directories, and silences single
//! findings with a reason ([`Allow`]): plans are Word documents, so a finding is
//! silenced here, not in the plan. Every mistake in the file is an error naming
//! the file, line and column; unknown keys too (a misspelt key that is quietly
//! ignored is a setting the user believes in and does not have).

use crate::emit::{Failure, FailureKind, Site, SourceText};
use crate::finding::Severity;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use toml::Spanned;

/// The name of the configuration file.
pub const FILE_NAME: &str = "planlint.toml";

/// What `planlint init` writes: every key, commented out, with what it does.
pub const STARTER: &str = include_str!("config/starter.toml");

/// Why a configuration could not be used: the file, and where in it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}{}: {message}", path.display(), location(text, span))]
pub struct ConfigError {
    pub path: PathBuf,
    /// The file's text, when it could be read.
    pub text: Option<SourceText>,
    /// Byte range in `text` of what is wrong.
    pub span: Option<Range<usize>>,
    pub message: String,
}

fn location(text: &Option<SourceText>, span: &Option<Range<usize>>) -> String {
    match (text, span) {
        (Some(t), Some(s)) => {
            let p = crate::emit::locate(&t.text, &t.lines, s.start);
            format!(":{}:{}", p.line, p.column)
        }
        _ => String::new(),
    }
}

impl ConfigError {
    /// The error as a failure the printers can draw, with the line of the file.
    pub fn to_failure(&self) -> Failure {
        let path = self.path.display().to_string();
        let site = match (&self.text, &self.span) {
            (Some(text), Some(span)) => Some(Site::in_text(
                path.clone(),
                text.clone(),
                span.start,
                span.end,
            )),
            _ => None,
        };
        let message = if site.is_some() {
            self.message.clone()
        } else {
            format!("{path}: {}", self.message)
        };
        Failure {
            kind: FailureKind::Config,
            path: None,
            rule: None,
            message,
            help: None,
            site,
        }
    }
}

/// A string from the file, with where it stands there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub value: String,
    pub span: Range<usize>,
}

impl From<Spanned<String>> for Item {
    fn from(s: Spanned<String>) -> Item {
        let span = s.span();
        Item {
            value: s.into_inner(),
            span,
        }
    }
}

/// A rule's severity as the configuration sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Is(Severity),
    /// `"off"`: the rule does not run.
    Off,
}

/// The years plans cover, when their title gives none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodSetting {
    pub start: i32,
    pub end: i32,
}

/// 单位名录: the units that may own tasks, and other names for them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Units {
    /// The known units, in the order given.
    pub registry: Vec<String>,
    /// Another name → the unit's name in the registry (`市知识产权局` →
    /// `天津市知识产权局`).
    pub aliases: BTreeMap<String, String>,
}

/// An allow entry: one finding (or the findings of one rule in one file)
/// silenced, with the reason why.
#[derive(Debug, Clone)]
pub struct Allow {
    pub rule: Item,
    /// A path or glob (`*`, `**`, `?`), relative to the configuration's folder.
    pub file: Item,
    /// The task's number; `None` silences the rule in the whole file.
    pub task: Option<u32>,
    pub reason: String,
    /// The whole `[[allow]]` table in the file.
    pub span: Range<usize>,
}

impl Allow {
    /// Whether the pattern names one file rather than a set of them.
    pub fn is_literal(&self) -> bool {
        !self.file.value.contains(['*', '?', '['])
    }

    /// Whether the entry's pattern matches a file, given as a path relative to
    /// the configuration's folder with `/` separators.
    pub fn matches_file(&self, relative: &str) -> bool {
        let pattern = self.file.value.trim_start_matches("./");
        glob_match(pattern, relative)
    }

    /// Whether the entry silences a finding of `rule` about `task`.
    pub fn matches(&self, rule: &str, task: Option<u32>) -> bool {
        self.rule.value == rule && (self.task.is_none() || self.task == task)
    }
}

/// A read configuration, every path resolved.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it was read from; `None` for the defaults.
    pub path: Option<PathBuf>,
    /// The folder relative paths in it are resolved from (absolute).
    pub dir: PathBuf,
    pub text: Option<SourceText>,
    /// `[rules] select`: `None` is every rule.
    pub select: Option<Vec<Item>>,
    /// `[rules] ignore`.
    pub ignore: Vec<Item>,
    /// `[rules.severity]`.
    pub severity: BTreeMap<String, (Level, Range<usize>)>,
    /// `[rules.options.<rule>]`.
    pub options: BTreeMap<String, (toml::Table, Range<usize>)>,
    /// `[rules] dirs`, resolved.
    pub rule_dirs: Vec<PathBuf>,
    /// `[plan] period`.
    pub period: Option<PeriodSetting>,
    pub units: Units,
    pub allow: Vec<Allow>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    rules: RawRules,
    #[serde(default)]
    plan: RawPlan,
    #[serde(default)]
    units: RawUnits,
    #[serde(default)]
    allow: Vec<Spanned<RawAllow>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRules {
    select: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    dirs: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    options: BTreeMap<Spanned<String>, Spanned<toml::Table>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    period: Option<Spanned<RawPeriod>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawPeriod {
    Year(i64),
    Text(String),
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawUnits {
    #[serde(default)]
    registry: Vec<Spanned<String>>,
    #[serde(default)]
    aliases: BTreeMap<Spanned<String>, Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAllow {
    rule: Spanned<String>,
    file: Spanned<String>,
    task: Option<Spanned<i64>>,
    reason: Option<Spanned<String>>,
}

impl Config {
    /// The defaults, for files with no configuration above them; relative
    /// paths resolve from `dir`.
    pub fn defaults(dir: PathBuf) -> Config {
        Config {
            dir,
            ..Config::default()
        }
    }

    /// Reads a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let err =
            |text: Option<SourceText>, span: Option<Range<usize>>, message: String| ConfigError {
                path: path.to_owned(),
                text,
                span,
                message,
            };
        let bytes = std::fs::read(path).map_err(|e| {
            let message = match e.kind() {
                std::io::ErrorKind::NotFound => "no such file".to_owned(),
                _ => format!("cannot read: {e}"),
            };
            err(None, None, message)
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            err(
                None,
                None,
                format!(
                    "not UTF-8 (byte {} cannot be read); save the file as UTF-8",
                    e.utf8_error().valid_up_to()
                ),
            )
        })?;
        let dir = path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let dir = absolute(&dir);
        Config::parse(&text, path, dir)
    }

    /// Reads a configuration from its text; `path` names it in errors and
    /// `dir` is where its relative paths start.
    pub fn parse(text: &str, path: &Path, dir: PathBuf) -> Result<Config, ConfigError> {
        let source = SourceText::new(Arc::from(text));
        let err = |span: Option<Range<usize>>, message: String| ConfigError {
            path: path.to_owned(),
            text: Some(source.clone()),
            span,
            message,
        };
        let raw: Raw =
            toml::from_str(text).map_err(|e| err(e.span(), e.message().trim().to_owned()))?;

        let mut config = Config {
            path: Some(path.to_owned()),
            dir: dir.clone(),
            text: Some(source.clone()),
            select: raw
                .rules
                .select
                .map(|v| v.into_iter().map(Item::from).collect()),
            ignore: raw.rules.ignore.into_iter().map(Item::from).collect(),
            ..Config::default()
        };

        for (rule, level) in raw.rules.severity {
            let span = level.span();
            let value = level.into_inner();
            let level = match value.trim().to_ascii_lowercase().as_str() {
                "off" | "none" => Level::Off,
                s => match Severity::parse(s) {
                    Some(s) => Level::Is(s),
                    None => {
                        return Err(err(
                            Some(span),
                            format!("`{value}` is not a severity: write \"error\", \"warning\", \"info\" or \"off\""),
                        ))
                    }
                },
            };
            let key_span = rule.span();
            config.severity.insert(rule.into_inner(), (level, key_span));
        }
        for (rule, table) in raw.rules.options {
            let span = rule.span();
            config
                .options
                .insert(rule.into_inner(), (table.into_inner(), span));
        }
        for d in raw.rules.dirs {
            let span = d.span();
            let resolved = normalize(&dir.join(d.get_ref()));
            if !resolved.is_dir() {
                return Err(err(
                    Some(span),
                    format!(
                        "rule directory `{}` not found (looked for {})",
                        d.get_ref(),
                        resolved.display()
                    ),
                ));
            }
            config.rule_dirs.push(resolved);
        }

        if let Some(period) = raw.plan.period {
            let span = period.span();
            let parsed = match period.into_inner() {
                RawPeriod::Year(y) => i32::try_from(y).ok().map(|y| (y, y)),
                RawPeriod::Text(s) => parse_period(&s),
            };
            match parsed {
                Some((start, end))
                    if start <= end
                        && (1949..=2200).contains(&start)
                        && (1949..=2200).contains(&end) =>
                {
                    config.period = Some(PeriodSetting { start, end });
                }
                _ => {
                    return Err(err(
                        Some(span),
                        "not a plan period: write the years as \"2020-2021\", or one year as 2021"
                            .to_owned(),
                    ))
                }
            }
        }

        for name in raw.units.registry {
            let span = name.span();
            let name = name.into_inner().trim().to_owned();
            if name.is_empty() {
                return Err(err(
                    Some(span),
                    "empty unit name in the registry".to_owned(),
                ));
            }
            if config.units.registry.contains(&name) {
                return Err(err(
                    Some(span),
                    format!("`{name}` is listed twice in the registry"),
                ));
            }
            config.units.registry.push(name);
        }
        if config.units.registry.is_empty() {
            if let Some((alias, _)) = raw.units.aliases.iter().next() {
                return Err(err(
                    Some(alias.span()),
                    "aliases name units of the registry: list the units in `[units] registry` too"
                        .to_owned(),
                ));
            }
        }
        for (alias, target) in raw.units.aliases {
            let (alias_span, target_span) = (alias.span(), target.span());
            let (alias, target) = (
                alias.into_inner().trim().to_owned(),
                target.into_inner().trim().to_owned(),
            );
            if alias == target {
                return Err(err(
                    Some(alias_span),
                    format!("`{alias}` is given as an alias of itself"),
                ));
            }
            if !config.units.registry.contains(&target) {
                let hint = nearest(&target, config.units.registry.iter().map(String::as_str))
                    .map(|n| format!(" (did you mean `{n}`?)"))
                    .unwrap_or_default();
                return Err(err(
                    Some(target_span),
                    format!("alias `{alias}` names `{target}`, which is not in the registry{hint}"),
                ));
            }
            config.units.aliases.insert(alias, target);
        }

        for entry in raw.allow {
            let span = entry.span();
            let entry = entry.into_inner();
            let reason = match entry.reason {
                Some(r) if !r.get_ref().trim().is_empty() => r.into_inner().trim().to_owned(),
                Some(r) => return Err(err(Some(r.span()), "the reason is empty: say why the finding is allowed".to_owned())),
                None => {
                    return Err(err(
                        Some(span),
                        format!(
                            "this allow entry for `{}` gives no reason: add `reason = \"…\"` saying why the finding is allowed",
                            entry.rule.get_ref()
                        ),
                    ))
                }
            };
            let task = match entry.task {
                Some(t) => match u32::try_from(*t.get_ref()) {
                    Ok(n) if n > 0 => Some(n),
                    _ => {
                        return Err(err(
                            Some(t.span()),
                            "a task number is a positive integer".to_owned(),
                        ))
                    }
                },
                None => None,
            };
            if entry.file.get_ref().trim().is_empty() {
                return Err(err(
                    Some(entry.file.span()),
                    "empty file pattern".to_owned(),
                ));
            }
            config.allow.push(Allow {
                rule: entry.rule.into(),
                file: entry.file.into(),
                task,
                reason,
                span,
            });
        }
        Ok(config)
    }

    /// The path to show for this configuration.
    pub fn display_path(&self) -> String {
        self.path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "(defaults)".to_owned())
    }

    /// An error about a place in this configuration.
    pub fn error_at(&self, span: Range<usize>, message: String) -> ConfigError {
        ConfigError {
            path: self.path.clone().unwrap_or_default(),
            text: self.text.clone(),
            span: Some(span),
            message,
        }
    }

    /// Checks every rule id the configuration names against the rules there
    /// are, suggesting the nearest id for a misspelt one.
    pub fn check_rule_ids(&self, known: &[&str]) -> Result<(), ConfigError> {
        let check = |id: &str, span: &Range<usize>, globs: bool| -> Result<(), ConfigError> {
            if known.contains(&id) || (globs && selector_matches_any(id, known)) {
                return Ok(());
            }
            Err(self.error_at(span.clone(), unknown_rule_message(id, known)))
        };
        for item in self.select.iter().flatten().chain(&self.ignore) {
            check(&item.value, &item.span, true)?;
        }
        for (id, (_, span)) in &self.severity {
            check(id, span, false)?;
        }
        for (id, (_, span)) in &self.options {
            check(id, span, false)?;
        }
        for a in &self.allow {
            check(&a.rule.value, &a.rule.span, false)?;
        }
        Ok(())
    }

    /// A path relative to this configuration's folder, with `/` separators, or
    /// `None` when it lies outside it. `path` must be absolute.
    pub fn relative(&self, path: &Path) -> Option<String> {
        let rel = path.strip_prefix(&self.dir).ok()?;
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        Some(parts.join("/"))
    }
}

/// The message for an id that names no rule.
pub fn unknown_rule_message(id: &str, known: &[&str]) -> String {
    match nearest(id, known.iter().copied()) {
        Some(n) => format!("no rule `{id}` (did you mean `{n}`?)"),
        None => format!("no rule `{id}` (`planlint rules` lists them)"),
    }
}

/// The closest of `candidates` to `name`, if any is close.
pub fn nearest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (strsim::normalized_levenshtein(name, c), c))
        .filter(|(score, _)| *score > 0.5)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

/// Parses `2020-2021`, `2020—2021年`, `2020至2021`, `2021`, `2021年`.
fn parse_period(s: &str) -> Option<(i32, i32)> {
    let s = s.trim().trim_end_matches('年');
    let parts: Vec<&str> = s
        .split(['-', '–', '—', '~', '至', '－'])
        .map(|p| p.trim().trim_end_matches('年'))
        .collect();
    match parts.as_slice() {
        [y] => {
            let y = y.parse().ok()?;
            Some((y, y))
        }
        [a, b] => Some((a.parse().ok()?, b.parse().ok()?)),
        _ => None,
    }
}

/// Whether a selector matches a rule id: `ALL`, the id, a prefix of it ending
/// at a `-` (`deadline` selects `deadline-missing`), or a glob (`*-missing`).
pub fn selector_matches(selector: &str, id: &str) -> bool {
    let selector = selector.trim();
    selector.eq_ignore_ascii_case("all")
        || selector == id
        || (id.starts_with(selector) && id.as_bytes().get(selector.len()) == Some(&b'-'))
        || (selector.contains(['*', '?']) && glob_match(selector, id))
}

fn selector_matches_any(selector: &str, known: &[&str]) -> bool {
    known.iter().any(|id| selector_matches(selector, id))
}

/// Matches `text` against a glob: `*` any run of characters but `/`, `**` any
/// run including `/`, `?` one character but `/`.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Memoised on (pattern position, text position): O(|p|·|t|) at worst,
    // where naive backtracking on `a*a*a*…` is exponential.
    let mut memo = vec![vec![None; t.len() + 1]; p.len() + 1];
    fn go(p: &[char], t: &[char], i: usize, j: usize, memo: &mut Vec<Vec<Option<bool>>>) -> bool {
        if let Some(r) = memo[i][j] {
            return r;
        }
        let r = if i == p.len() {
            j == t.len()
        } else if p[i] == '*' {
            let double = p.get(i + 1) == Some(&'*');
            let next = if double { i + 2 } else { i + 1 };
            // `**/` also matches no folder at all.
            if double && p.get(next) == Some(&'/') && go(p, t, next + 1, j, memo) {
                true
            } else {
                go(p, t, next, j, memo)
                    || (j < t.len() && (double || t[j] != '/') && go(p, t, i, j + 1, memo))
            }
        } else if j < t.len() && (p[i] == t[j] || (p[i] == '?' && t[j] != '/')) {
            go(p, t, i + 1, j + 1, memo)
        } else {
            false
        };
        memo[i][j] = Some(r);
        r
    }
    go(&p, &t, 0, 0, &mut memo)
}

/// The nearest `planlint.toml` in `dir` or above it.
pub fn find(dir: &Path) -> Option<PathBuf> {
    let mut dir = Some(dir);
    while let Some(d) = dir {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

/// `path` made absolute (from the current folder) and tidied of `.` and `..`,
/// without touching the disk, so it works for paths that do not exist yet.
pub fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_owned()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_owned())
    };
    normalize(&joined)
}

fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("planlint.toml"), PathBuf::from("/work"))
    }

    #[test]
    fn globs() {
        assert!(glob_match("*.txt", "a.txt"));
        assert!(!glob_match("*.txt", "d/a.txt"));
        assert!(glob_match("**/*.txt", "a.txt"));
        assert!(glob_match("**/*.txt", "d/e/a.txt"));
        assert!(glob_match("plans/**", "plans/x/y.docx"));
        assert!(glob_match("计划?.txt", "计划1.txt"));
        assert!(!glob_match("计划?.txt", "计划12.txt"));
        assert!(glob_match("deadline-*", "deadline-missing"));
        assert!(!glob_match("a*a*a*a*a*b", &"a".repeat(60)));
    }

    #[test]
    fn periods() {
        assert_eq!(parse_period("2020-2021"), Some((2020, 2021)));
        assert_eq!(parse_period("2020—2021年"), Some((2020, 2021)));
        assert_eq!(parse_period("2021年"), Some((2021, 2021)));
        assert_eq!(parse_period("二〇二一"), None);
    }

    #[test]
    fn the_starter_file_is_a_valid_configuration() {
        let c = parse(STARTER).expect("starter parses");
        assert!(c.select.is_none() && c.allow.is_empty() && c.period.is_none());
    }

    #[test]
    fn unknown_keys_name_the_line_and_column() {
        let e = parse("[rules]\nselekt = [\"x\"]\n").unwrap_err();
        assert_eq!(
            e.to_string().split(": ").next(),
            Some("planlint.toml:2:1"),
            "{e}"
        );
        assert!(e.message.contains("unknown field `selekt`"), "{e}");
    }

    #[test]
    fn an_allow_entry_needs_a_reason() {
        let e = parse("[[allow]]\nrule = \"deadline-missing\"\nfile = \"a.txt\"\ntask = 3\n")
            .unwrap_err();
        assert!(e.message.contains("gives no reason"), "{e}");
        assert!(e.to_string().starts_with("planlint.toml:1:1"), "{e}");
        let e = parse("[[allow]]\nrule = \"x\"\nfile = \"a.txt\"\nreason = \"  \"\n").unwrap_err();
        assert!(e.to_string().starts_with("planlint.toml:4:10"), "{e}");
        let ok =
            parse("[[allow]]\nrule = \"x\"\nfile = \"a.txt\"\ntask = 3\nreason = \"on purpose\"\n")
                .unwrap();
        assert_eq!(ok.allow[0].task, Some(3));
        assert_eq!(ok.allow[0].reason, "on purpose");
    }

    #[test]
    fn aliases_must_name_registered_units() {
        let e = parse("[units]\nregistry = [\"天津市知识产权局\"]\n[units.aliases]\n\"市知识产权局\" = \"天津市知识产权厅\"\n")
            .unwrap_err();
        assert!(e.message.contains("did you mean `天津市知识产权局`"), "{e}");
        let c = parse("[units]\nregistry = [\"天津市知识产权局\"]\n[units.aliases]\n\"市知识产权局\" = \"天津市知识产权局\"\n")
            .unwrap();
        assert_eq!(c.units.aliases["市知识产权局"], "天津市知识产权局");
    }

    #[test]
    fn severities_and_rule_ids_are_checked() {
        let e = parse("[rules.severity]\ndeadline-missing = \"loud\"\n").unwrap_err();
        assert!(e.to_string().starts_with("planlint.toml:2:20"), "{e}");
        let c = parse(
            "[rules]\nignore = [\"deadline-*\"]\n[rules.severity]\ndeadline-mising = \"off\"\n",
        )
        .unwrap();
        let e = c
            .check_rule_ids(&["deadline-missing", "owner-duplicate"])
            .unwrap_err();
        assert!(e.message.contains("did you mean `deadline-missing`"), "{e}");
        assert!(e.to_string().starts_with("planlint.toml:4:1"), "{e}");
    }
}
