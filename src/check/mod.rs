//! The check stage: rules written in Rhai, run over a parsed plan.
//!
//! A rule is one `.rhai` file: a metadata header ([`meta`]) and plain top-level
//! code that reads `plan` and calls `report(element, message, #{…})`. The
//! bundled rules are compiled into the binary; users add directories of their
//! own. The public surface is small:
//!
//! - [`RuleSet::bundled`], [`RuleSet::load_dir`], [`RuleSet::extend`]: get
//!   rules, compiled once, cheap to clone and to share between threads;
//! - [`RuleSet::rules`]: their metadata ([`RuleMeta`]);
//! - [`RuleSet::run`]: every selected rule over one plan, giving the
//!   [`Finding`]s (sorted) and the [`RuleFailure`]s of rules that broke;
//! - [`Settings`]: what the configuration and the command line choose.
//!
//! Runs over different plans may happen in parallel: each run collects into its
//! own context, and one rule that fails (a syntax error, a runaway loop) never
//! stops the others.

pub mod fixtures;
pub mod meta;
mod report;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode};
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

pub use crate::script::{FailureKind, Limits, RegistryUnit, UnitRegistry};
pub use meta::RuleMeta;

use crate::finding::{Finding, Fix, Severity};
use crate::model::Plan;
use crate::script::{self, ScriptContext, ScriptError};

/// The rules that ship with planlint, embedded in the binary.
const BUNDLED: &[(&str, &str)] = &[
    (
        "deadline-before-issue",
        include_str!("../../rules/deadline-before-issue.rhai"),
    ),
    (
        "deadline-damaged",
        include_str!("../../rules/deadline-damaged.rhai"),
    ),
    (
        "deadline-missing",
        include_str!("../../rules/deadline-missing.rhai"),
    ),
    (
        "deadline-outside-period",
        include_str!("../../rules/deadline-outside-period.rhai"),
    ),
    (
        "doc-number-format",
        include_str!("../../rules/doc-number-format.rhai"),
    ),
    (
        "numbering-sequence",
        include_str!("../../rules/numbering-sequence.rhai"),
    ),
    (
        "owner-duplicate",
        include_str!("../../rules/owner-duplicate.rhai"),
    ),
    (
        "owner-overload",
        include_str!("../../rules/owner-overload.rhai"),
    ),
    (
        "owner-role-conflict",
        include_str!("../../rules/owner-role-conflict.rhai"),
    ),
    (
        "owner-unknown-unit",
        include_str!("../../rules/owner-unknown-unit.rhai"),
    ),
    (
        "punctuation-mixed",
        include_str!("../../rules/punctuation-mixed.rhai"),
    ),
    (
        "task-not-measurable",
        include_str!("../../rules/task-not-measurable.rhai"),
    ),
    (
        "task-owner-missing",
        include_str!("../../rules/task-owner-missing.rhai"),
    ),
];

/// The ids of the bundled rules, in catalogue order.
pub fn bundled_ids() -> impl Iterator<Item = &'static str> {
    BUNDLED.iter().map(|(id, _)| *id)
}

/// The text of a bundled rule, by id.
pub fn bundled_source(id: &str) -> Option<&'static str> {
    BUNDLED
        .iter()
        .find(|(i, _)| *i == id)
        .map(|(_, text)| *text)
}

/// What the configuration and the command line choose for a run.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Rules to run (`--select`): ids, id prefixes ending at a `-` boundary
    /// (`deadline` selects `deadline-missing`…), or `ALL`. Empty: every rule.
    pub select: Vec<String>,
    /// Rules not to run (`--ignore`), matched the same way; wins over `select`.
    pub ignore: Vec<String>,
    /// Severity overrides by rule id.
    pub severity: BTreeMap<String, Severity>,
    /// Options by rule id, as scripts read them with `option(name, default)`.
    pub options: BTreeMap<String, rhai::Map>,
    /// The unit registry with aliases; empty when none is configured.
    pub registry: Arc<UnitRegistry>,
}

/// Whether a selector (`ALL`, an id, or an id prefix) names a rule.
pub fn selector_matches(selector: &str, id: &str) -> bool {
    let selector = selector.trim();
    selector.eq_ignore_ascii_case("all")
        || selector == id
        || (id.starts_with(selector) && id.as_bytes().get(selector.len()) == Some(&b'-'))
}

impl Settings {
    /// Whether the rule `id` runs under these settings.
    pub fn enabled(&self, id: &str) -> bool {
        (self.select.is_empty() || self.select.iter().any(|s| selector_matches(s, id)))
            && !self.ignore.iter().any(|s| selector_matches(s, id))
    }
}

/// Converts a TOML value (a rule option from `planlint.toml`) to the value a
/// script reads. Dates and times become strings.
pub fn dynamic_from_toml(value: &toml::Value) -> rhai::Dynamic {
    use rhai::Dynamic;
    match value {
        toml::Value::String(s) => s.as_str().into(),
        toml::Value::Integer(i) => Dynamic::from_int(*i),
        toml::Value::Float(f) => Dynamic::from_float(*f),
        toml::Value::Boolean(b) => Dynamic::from_bool(*b),
        toml::Value::Datetime(d) => d.to_string().into(),
        toml::Value::Array(items) => {
            Dynamic::from_array(items.iter().map(dynamic_from_toml).collect())
        }
        toml::Value::Table(t) => Dynamic::from_map(
            t.iter()
                .map(|(k, v)| (k.as_str().into(), dynamic_from_toml(v)))
                .collect(),
        ),
    }
}

/// A rule and its compiled script.
struct Rule {
    meta: RuleMeta,
    source: Arc<str>,
    /// A user's rule is compiled when it is loaded, so that its errors are
    /// reported at once; a bundled one when it first runs (the bundled rules
    /// compile: the tests run them all), so that a run selecting a few rules
    /// does not compile the other ones.
    ast: OnceLock<rhai::AST>,
}

/// A set of compiled rules sharing one sandboxed engine. Cloning is cheap.
#[derive(Clone)]
pub struct RuleSet {
    engine: Arc<rhai::Engine>,
    limits: Limits,
    rules: Vec<Arc<Rule>>,
    metas: Vec<RuleMeta>,
}

impl fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuleSet")
            .field(
                "rules",
                &self.metas.iter().map(|m| &m.id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// What running the rules over one plan gave.
#[derive(Debug, Clone, Default)]
pub struct RunOutput {
    /// Sorted by span start, then rule id, then message.
    pub findings: Vec<Finding>,
    /// Rules that broke on this plan; their findings are dropped (a rule
    /// stopped by a time limit would otherwise give a different count each run).
    pub failures: Vec<RuleFailure>,
}

/// The engine of a rule set: the sandbox plus `report`.
fn rule_engine(limits: &Limits) -> rhai::Engine {
    let mut engine = script::new_engine(limits);
    report::register(&mut engine);
    engine
}

impl RuleSet {
    /// An empty set with default limits.
    pub fn empty() -> RuleSet {
        RuleSet::with_limits(Limits::default())
    }

    /// An empty set whose rules run under `limits`.
    pub fn with_limits(limits: Limits) -> RuleSet {
        RuleSet {
            engine: Arc::new(rule_engine(&limits)),
            limits,
            rules: Vec::new(),
            metas: Vec::new(),
        }
    }

    /// The bundled rules, read once per process (each is compiled when it
    /// first runs).
    pub fn bundled() -> RuleSet {
        static BUNDLED_SET: OnceLock<RuleSet> = OnceLock::new();
        BUNDLED_SET
            .get_or_init(|| {
                let mut set = RuleSet::empty();
                for (id, text) in BUNDLED {
                    // Only the header is read here; each rule is compiled
                    // when it first runs. Every test run runs them all
                    // (`bundled_rules_pass_their_fixtures`), so neither can
                    // fail for a user.
                    if let Err(e) = set.add(&format!("rules/{id}.rhai"), text, true) {
                        panic!("bundled rule {id} is broken: {e}");
                    }
                }
                set
            })
            .clone()
    }

    /// The `.rhai` files directly inside `dir` (not its subdirectories, which
    /// hold fixtures and report scripts), in file-name order. Every broken file
    /// is reported; none stops the others from loading.
    pub fn load_dir(dir: &Path) -> Result<RuleSet, Vec<RuleLoadError>> {
        let (set, errors) = RuleSet::load_dir_partial(dir);
        if errors.is_empty() {
            Ok(set)
        } else {
            Err(errors)
        }
    }

    /// Like [`RuleSet::load_dir`], but keeps the rules that loaded alongside
    /// the errors of those that did not, so that a run can go on with them.
    pub fn load_dir_partial(dir: &Path) -> (RuleSet, Vec<RuleLoadError>) {
        let mut set = RuleSet::empty();
        let errors = set.add_dir(dir);
        (set, errors)
    }

    fn add_dir(&mut self, dir: &Path) -> Vec<RuleLoadError> {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => return vec![RuleLoadError::io(dir, &e)],
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "rhai") && p.is_file())
            .collect();
        paths.sort();
        let mut errors = Vec::new();
        for path in paths {
            let result = match std::fs::read_to_string(&path) {
                Ok(text) => self.add(&path.display().to_string(), &text, false),
                Err(e) => Err(RuleLoadError::io(&path, &e)),
            };
            if let Err(e) = result {
                errors.push(e);
            }
        }
        errors
    }

    /// Compiles one rule file (`path` names it; its stem must be the rule id)
    /// and adds it to the set.
    pub fn add_source(&mut self, path: &str, text: &str) -> Result<(), RuleLoadError> {
        self.add(path, text, false)
    }

    fn add(&mut self, path: &str, text: &str, bundled: bool) -> Result<(), RuleLoadError> {
        let source: Arc<str> = Arc::from(text);
        let stem = Path::new(path)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let meta = meta::parse_header(text, &stem, path, bundled).map_err(|e| {
            let span = line_span(text, e.line);
            RuleLoadError::at(
                path,
                &source,
                LoadErrorKind::Header,
                e.message,
                (Some(e.line as u32), None),
                span,
            )
        })?;
        if let Some(first) = self.metas.iter().find(|m| m.id == meta.id) {
            let message = format!("rule `{}` is already defined by {}", meta.id, first.path);
            return Err(RuleLoadError::at(
                path,
                &source,
                LoadErrorKind::Duplicate,
                message,
                (Some(1), None),
                line_span(text, 1),
            ));
        }
        let ast = OnceLock::new();
        if bundled {
            self.metas.push(meta.clone());
            self.rules.push(Arc::new(Rule { meta, source, ast }));
            return Ok(());
        }
        let compiled = script::compile(&self.engine, path, text).map_err(|e| {
            let span = Some(script_span(text, e.line, e.column));
            let at = (e.line, e.column);
            RuleLoadError::at(
                path,
                &source,
                LoadErrorKind::Script(e.kind),
                e.message,
                at,
                span,
            )
        })?;
        let _ = ast.set(compiled);
        self.metas.push(meta.clone());
        self.rules.push(Arc::new(Rule { meta, source, ast }));
        Ok(())
    }

    /// Adds the rules of another set (a user's directory to the bundled rules).
    /// A rule whose id is already taken is refused, named in the errors.
    pub fn extend(&mut self, other: RuleSet) -> Result<(), Vec<RuleLoadError>> {
        let mut errors = Vec::new();
        for rule in other.rules {
            if let Some(first) = self.metas.iter().find(|m| m.id == rule.meta.id) {
                let message = format!(
                    "rule `{}` is already defined by {}",
                    rule.meta.id, first.path
                );
                let span = line_span(&rule.source, 1);
                errors.push(RuleLoadError::at(
                    &rule.meta.path,
                    &rule.source,
                    LoadErrorKind::Duplicate,
                    message,
                    (Some(1), None),
                    span,
                ));
                continue;
            }
            self.metas.push(rule.meta.clone());
            self.rules.push(rule);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The rules' metadata, in the order they were added.
    pub fn rules(&self) -> &[RuleMeta] {
        &self.metas
    }

    /// A rule's metadata, by id.
    pub fn get(&self, id: &str) -> Option<&RuleMeta> {
        self.metas.iter().find(|m| m.id == id)
    }

    /// The selectors of `select` and `ignore` that match no rule of the set:
    /// most likely typos, worth a warning.
    pub fn unknown_selectors<'s>(&self, settings: &'s Settings) -> Vec<&'s str> {
        settings
            .select
            .iter()
            .chain(&settings.ignore)
            .map(String::as_str)
            .filter(|s| !self.metas.iter().any(|m| selector_matches(s, &m.id)))
            .collect()
    }

    /// Runs every enabled rule over one plan. `text` is the text the plan was
    /// parsed from (spans index into it; `source(x)` and fixes read it).
    // Out of line, once per plan: benches/instructions.sh counts the rules by it.
    #[inline(never)]
    pub fn run(&self, plan: Arc<Plan>, text: Arc<str>, settings: &Settings) -> RunOutput {
        let doc = script::doc(plan, text);
        let mut out = RunOutput::default();
        for rule in &self.rules {
            let id = &rule.meta.id;
            if !settings.enabled(id) {
                continue;
            }
            let options = settings.options.get(id).cloned().unwrap_or_default();
            let ctx = Arc::new(ScriptContext::new(
                doc.clone(),
                options,
                settings.registry.clone(),
            ));
            let ast = rule.ast.get_or_init(|| {
                script::compile(&self.engine, &rule.meta.path, &rule.source)
                    .unwrap_or_else(|e| panic!("bundled rule {id} is broken: {e}"))
            });
            match script::run(&self.engine, ast, &ctx, &self.limits) {
                Ok(()) => {
                    let configured = settings.severity.get(id).copied();
                    out.findings
                        .extend(ctx.take_reports().into_iter().map(|r| Finding {
                            rule: id.clone(),
                            severity: configured.or(r.severity).unwrap_or(rule.meta.severity),
                            message: r.message,
                            span: r.span,
                            help: r.help,
                            fix: match (r.fix, r.suggestion) {
                                (Some(replacement), _) => Some(Fix {
                                    span: r.span,
                                    replacement,
                                    certain: true,
                                }),
                                (None, Some(replacement)) => Some(Fix {
                                    span: r.span,
                                    replacement,
                                    certain: false,
                                }),
                                (None, None) => None,
                            },
                            task: r.task,
                        }));
                }
                Err(e) => out
                    .failures
                    .push(RuleFailure::new(&rule.meta, &rule.source, e)),
            }
        }
        out.findings.sort_by(|a, b| {
            (a.span.start, &a.rule, &a.message, a.span.end).cmp(&(
                b.span.start,
                &b.rule,
                &b.message,
                b.span.end,
            ))
        });
        out
    }
}

/// The byte range of a whole 1-based line (without its newline).
fn line_span(text: &str, line: usize) -> Option<Range<usize>> {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let rest = text.get(start..)?;
    Some(start..start + rest.find('\n').unwrap_or(rest.len()))
}

/// The byte range of the token at a rhai position (1-based line, character
/// column) in a script: what miette underlines.
fn script_span(text: &str, line: Option<u32>, column: Option<u32>) -> Range<usize> {
    let Some(line) = line else { return 0..0 };
    let start_of_line: usize = text
        .split_inclusive('\n')
        .take(line as usize - 1)
        .map(str::len)
        .sum();
    let rest = text.get(start_of_line..).unwrap_or("");
    let col = column.unwrap_or(1).max(1) as usize - 1;
    let offset = rest.char_indices().nth(col).map_or(rest.len(), |(i, _)| i);
    let start = (start_of_line + offset).min(text.len());
    let token = text[start..]
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
        .map_or(text.len() - start, |(i, _)| i);
    let len = if token == 0 {
        text[start..].chars().next().map_or(0, char::len_utf8)
    } else {
        token
    };
    start..start + len
}

/// What went wrong loading a rule file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadErrorKind {
    Io,
    /// The metadata header is missing or malformed.
    Header,
    /// Another rule already has this id.
    Duplicate,
    /// The script does not compile (syntax, or a limit hit at compile time).
    Script(FailureKind),
}

/// A rule file that could not be loaded, with where in it.
#[derive(Debug, Clone)]
pub struct RuleLoadError {
    pub path: String,
    /// 1-based line and character column in the rule file.
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub kind: LoadErrorKind,
    pub message: String,
    /// Bytes of the rule's text to underline.
    pub span: Option<Range<usize>>,
    /// The rule's text, named, to render the error against.
    named: Option<Box<NamedSource<Arc<str>>>>,
}

impl RuleLoadError {
    fn io(path: &Path, e: &std::io::Error) -> RuleLoadError {
        RuleLoadError {
            path: path.display().to_string(),
            line: None,
            column: None,
            kind: LoadErrorKind::Io,
            message: format!("cannot read: {e}"),
            span: None,
            named: None,
        }
    }

    fn at(
        path: &str,
        source: &Arc<str>,
        kind: LoadErrorKind,
        message: String,
        (line, column): (Option<u32>, Option<u32>),
        span: Option<Range<usize>>,
    ) -> RuleLoadError {
        RuleLoadError {
            path: path.to_owned(),
            line,
            column,
            kind,
            message,
            span,
            named: Some(Box::new(named_source(path, source))),
        }
    }
}

impl fmt::Display for RuleLoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        match self.kind {
            LoadErrorKind::Script(kind) => write!(f, ": {kind}: {}", self.message),
            _ => write!(f, ": {}", self.message),
        }
    }
}

impl std::error::Error for RuleLoadError {}

/// A rule that failed while running over a plan.
#[derive(Debug, Clone)]
pub struct RuleFailure {
    /// The rule's id.
    pub rule: String,
    /// The rule file (`rules/<id>.rhai` for a bundled rule).
    pub path: String,
    pub kind: FailureKind,
    pub message: String,
    /// 1-based line and character column in the rule file.
    pub line: Option<u32>,
    pub column: Option<u32>,
    /// Bytes of the rule's text to underline.
    pub span: Range<usize>,
    /// The rule's text, to render the failure against.
    pub source: Arc<str>,
    named: NamedSource<Arc<str>>,
}

impl RuleFailure {
    fn new(meta: &RuleMeta, source: &Arc<str>, e: ScriptError) -> RuleFailure {
        RuleFailure {
            rule: meta.id.clone(),
            path: meta.path.clone(),
            kind: e.kind,
            span: script_span(source, e.line, e.column),
            message: e.message,
            line: e.line,
            column: e.column,
            source: source.clone(),
            named: named_source(&meta.path, source),
        }
    }
}

impl fmt::Display for RuleFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rule {} failed ({}", self.rule, self.path)?;
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, "): {}: {}", self.kind, self.message)
    }
}

impl std::error::Error for RuleFailure {}

// Both errors render through miette with the rule's text, so that the user
// sees the very line of the rule that broke.

impl Diagnostic for RuleLoadError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(match self.kind {
            LoadErrorKind::Io => "planlint::rule-io",
            LoadErrorKind::Header => "planlint::rule-header",
            LoadErrorKind::Duplicate => "planlint::rule-duplicate",
            LoadErrorKind::Script(_) => "planlint::rule-syntax",
        }))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.named.as_deref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span.clone()?;
        self.named.as_ref()?;
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(Some(self.message.clone()), span),
        )))
    }
}

impl Diagnostic for RuleFailure {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("planlint::rule-failure"))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let help = match self.kind {
            FailureKind::OperationLimit | FailureKind::TimeLimit => {
                "look for a loop that never ends"
            }
            FailureKind::CallDepth => "look for a function that calls itself without end",
            FailureKind::SizeLimit => "a string, array or map grew past the sandbox's limit",
            _ => return None,
        };
        Some(Box::new(help))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.named as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(Some(self.kind.to_string()), self.span.clone()),
        )))
    }
}

/// A rule's text as a named miette source (`rules/<id>.rhai`).
fn named_source(path: &str, source: &Arc<str>) -> NamedSource<Arc<str>> {
    NamedSource::new(path, source.clone()).with_language("rust")
}
