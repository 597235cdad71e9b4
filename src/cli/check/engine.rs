//! The check command's side of the rule engine: which rules a configuration
//! gets (the bundled ones, its rule directories, `--rules`), which of them run
//! (`select`/`ignore` of the configuration, then of the command line, as in
//! Ruff), and the [`Settings`] they run with.

use crate::check::{RegistryUnit, RuleLoadError, RuleSet, Settings, UnitRegistry};
use crate::config::{self, Config, Level};
use crate::emit::{Failure, FailureKind, RuleInfo, Site, SourceText, UNUSED_ALLOW};
use crate::finding::Severity;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The rules of every configuration, loaded once per distinct list of
/// directories.
#[derive(Default)]
pub struct Loader {
    sets: BTreeMap<Vec<PathBuf>, RuleSet>,
    /// Rule files that did not load, each reported once.
    pub failures: Vec<Failure>,
}

impl Loader {
    /// The bundled rules plus those of `dirs` (the rules that loaded; the
    /// others become failures).
    pub fn rules(&mut self, dirs: &[PathBuf]) -> RuleSet {
        if let Some(set) = self.sets.get(dirs) {
            return set.clone();
        }
        let mut set = RuleSet::bundled();
        for dir in dirs {
            let (more, errors) = RuleSet::load_dir_partial(dir);
            self.failures.extend(errors.iter().map(load_failure));
            if let Err(errors) = set.extend(more) {
                self.failures.extend(errors.iter().map(load_failure));
            }
        }
        self.sets.insert(dirs.to_vec(), set.clone());
        set
    }
}

/// A rule file that did not load, as a failure pointing into it.
fn load_failure(e: &RuleLoadError) -> Failure {
    let message = match e.kind {
        crate::check::LoadErrorKind::Script(kind) => format!("{kind}: {}", e.message),
        _ => e.message.clone(),
    };
    // The rule's text is read again to draw the place: a rule that failed to
    // load is a user's file on disk (the bundled rules are tested to load).
    let text = std::fs::read_to_string(&e.path)
        .ok()
        .map(|t| SourceText::new(Arc::from(t)));
    let site = match (text, &e.span, e.line) {
        (Some(text), Some(span), _) => {
            Some(Site::in_text(e.path.clone(), text, span.start, span.end))
        }
        (Some(text), None, Some(line)) => {
            let start = text.lines.line_start(line).unwrap_or(0);
            Some(Site::in_text(e.path.clone(), text, start, start))
        }
        _ => None,
    };
    let message = if site.is_none() {
        format!("{}: {message}", e.path)
    } else {
        message
    };
    Failure {
        kind: FailureKind::Rule,
        path: None,
        rule: None,
        message,
        help: None,
        site,
    }
}

/// A rule that failed on a plan, as a failure pointing into the rule.
pub fn run_failure(plan: &str, f: &crate::check::RuleFailure) -> Failure {
    let site = Site::in_text(
        f.path.clone(),
        SourceText::new(f.source.clone()),
        f.span.start,
        f.span.end,
    );
    Failure {
        kind: FailureKind::Rule,
        path: Some(plan.to_owned()),
        rule: Some(f.rule.clone()),
        message: format!("{}: {}", f.kind, f.message),
        help: crate::emit::human::help_of(f),
        site: Some(site),
    }
}

/// The ids a selector may name: the rules of the set, and `unused-allow`.
pub fn known_ids(set: &RuleSet) -> Vec<String> {
    let mut ids: Vec<String> = set.rules().iter().map(|m| m.id.clone()).collect();
    ids.push(UNUSED_ALLOW.to_owned());
    ids.sort();
    ids.dedup();
    ids
}

/// The metadata printers describe rules with.
pub fn rule_info(set: &RuleSet) -> Vec<RuleInfo> {
    let mut rules: Vec<RuleInfo> = set
        .rules()
        .iter()
        .map(|m| RuleInfo {
            id: m.id.clone(),
            severity: m.severity,
            summary: m.summary.clone(),
            sections: m.sections.clone(),
        })
        .collect();
    rules.push(unused_allow_info());
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    rules
}

fn unused_allow_info() -> RuleInfo {
    RuleInfo {
        id: UNUSED_ALLOW.to_owned(),
        severity: Severity::Warning,
        summary: "An allow entry of planlint.toml silences no finding.".to_owned(),
        sections: vec![
            (
                "Why".to_owned(),
                "An allow entry whose finding is gone (the plan was mended, the task renumbered, the file \
                 renamed) would silence the next finding that happens to match it."
                    .to_owned(),
            ),
            ("Fix".to_owned(), "Remove the entry, or correct its rule, file or task.".to_owned()),
        ],
    }
}

/// `--select` and `--ignore` as given on the command line.
#[derive(Debug, Clone, Default)]
pub struct Cli {
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
}

/// A selector of the command line that names no rule.
pub fn check_cli_selectors(cli: &Cli, known: &[&str]) -> Result<(), String> {
    for (flag, s) in cli
        .select
        .iter()
        .flatten()
        .map(|s| ("--select", s))
        .chain(cli.ignore.iter().map(|s| ("--ignore", s)))
    {
        if !known.iter().any(|id| config::selector_matches(s, id)) {
            return Err(format!(
                "{flag}: {}",
                config::unknown_rule_message(s, known)
            ));
        }
    }
    Ok(())
}

/// The rules that run: the configuration's `select` (every rule by default)
/// less its `ignore` and its rules set to `"off"`; a `--select` on the command
/// line replaces all of that; `--ignore` then removes rules.
pub fn selection(config: &Config, cli: &Cli, known: &[&str]) -> BTreeSet<String> {
    let matches_any =
        |selectors: &[String], id: &str| selectors.iter().any(|s| config::selector_matches(s, id));
    let mut on: BTreeSet<String> = match &cli.select {
        Some(select) => known
            .iter()
            .filter(|id| matches_any(select, id))
            .map(|s| s.to_string())
            .collect(),
        None => {
            let select: Vec<String> = match &config.select {
                Some(items) => items.iter().map(|i| i.value.clone()).collect(),
                None => vec!["ALL".to_owned()],
            };
            let ignore: Vec<String> = config.ignore.iter().map(|i| i.value.clone()).collect();
            known
                .iter()
                .filter(|id| matches_any(&select, id) && !matches_any(&ignore, id))
                .filter(|id| !matches!(config.severity.get(**id), Some((Level::Off, _))))
                .map(|s| s.to_string())
                .collect()
        }
    };
    on.retain(|id| !matches_any(&cli.ignore, id));
    on
}

/// The settings rules run with under `config`, running exactly `selected`.
pub fn settings(config: &Config, selected: &BTreeSet<String>, known: &[&str]) -> Settings {
    let severity = config
        .severity
        .iter()
        .filter_map(|(id, (level, _))| match level {
            Level::Is(s) => Some((id.clone(), *s)),
            Level::Off => None,
        })
        .collect();
    let options = config
        .options
        .iter()
        .map(|(id, (table, _))| {
            let map = table
                .iter()
                .map(|(k, v)| (k.as_str().into(), crate::check::dynamic_from_toml(v)))
                .collect::<rhai::Map>();
            (id.clone(), map)
        })
        .collect();
    let mut aliases: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (alias, name) in &config.units.aliases {
        aliases
            .entry(name.as_str())
            .or_default()
            .push(alias.clone());
    }
    let registry = UnitRegistry::new(config.units.registry.iter().map(|name| RegistryUnit {
        name: name.clone(),
        aliases: aliases.get(name.as_str()).cloned().unwrap_or_default(),
    }));
    Settings {
        // Every rule not selected is listed as ignored: an empty `select`
        // would mean every rule to the engine.
        select: Vec::new(),
        ignore: known
            .iter()
            .filter(|id| !selected.contains(**id))
            .map(|s| s.to_string())
            .collect(),
        severity,
        options,
        registry: Arc::new(registry),
    }
}

/// The severity of `unused-allow` under a configuration.
pub fn unused_allow_severity(config: &Config) -> Severity {
    match config.severity.get(UNUSED_ALLOW) {
        Some((Level::Is(s), _)) => *s,
        _ => Severity::Warning,
    }
}

/// A path shown relative to the working folder when it lies under it.
pub fn shown(path: &Path) -> String {
    let abs = config::absolute(path);
    match std::env::current_dir()
        .ok()
        .and_then(|cwd| abs.strip_prefix(cwd).ok().map(Path::to_path_buf))
    {
        Some(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
        _ => path.display().to_string(),
    }
}
