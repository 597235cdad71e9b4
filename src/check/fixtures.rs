//! Rule fixtures: small plans beside the rules, each stating the findings it
//! expects (ESLint's RuleTester idea), run by `planlint test-rules DIR`.
//!
//! For a rule `DIR/<id>.rhai`, the fixtures are the `.txt` and `.md` files in
//! `DIR/fixtures/<id>/`. A fixture opens with `//` lines that say what it
//! expects; the plan follows. Those lines are blanked before the plan is parsed
//! (byte for byte, so lines and columns in the file stay what they are):
//!
//! ```text
//! // A deadline before the issue date.
//! // expect: 12:38 deadline-before-issue 完成时限（2020-06-30）早于印发日期
//! // expect: 14:38 deadline-before-issue
//! // option: max_led = 2
//! // unit: 天津市知识产权局 = 市知识产权局, 知识产权局
//! ```
//!
//! - `expect: LINE:COL RULE-ID [MESSAGE] [[fix: …]]` — one finding. It matches
//!   an actual finding whose rendering (`12:38 rule-id message [fix: …]`, or
//!   `[suggestion: …]`) starts with the given text, so the message and the fix
//!   may be left out. `expect: nothing` says the fixture gives no finding.
//! - `option: NAME = VALUE` — a rule option (a TOML value).
//! - `unit: NAME = ALIAS, ALIAS` — a unit of the registry (with aliases).
//! - Any other `//` line is a comment.
//!
//! Only the fixture's own rule runs on it. A fixture that expects nothing at
//! all (no `expect:` line) is an error, and so is a rule without fixtures: a
//! test that cannot fail is no test.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{RuleLoadError, RuleSet, Settings};
use crate::finding::Finding;
use crate::script::{RegistryUnit, UnitRegistry};

/// What one fixture gave.
#[derive(Debug, Clone)]
pub struct FixtureResult {
    pub rule: String,
    pub path: PathBuf,
    /// Expected findings that did not occur.
    pub missing: Vec<String>,
    /// Findings that occurred without being expected.
    pub unexpected: Vec<String>,
    /// The fixture could not be run (unreadable, unparsable, malformed
    /// header), or the rule failed on it.
    pub error: Option<String>,
}

impl FixtureResult {
    pub fn passed(&self) -> bool {
        self.error.is_none() && self.missing.is_empty() && self.unexpected.is_empty()
    }
}

/// What `planlint test-rules DIR` found.
#[derive(Debug, Default)]
pub struct TestReport {
    pub results: Vec<FixtureResult>,
    /// Rules of the directory that could not be loaded.
    pub load_errors: Vec<RuleLoadError>,
    /// Rules with no fixture at all.
    pub untested: Vec<String>,
}

impl TestReport {
    pub fn passed(&self) -> usize {
        self.results.iter().filter(|r| r.passed()).count()
    }

    /// Failed fixtures, plus one per broken or untested rule.
    pub fn failed(&self) -> usize {
        self.results.len() - self.passed() + self.load_errors.len() + self.untested.len()
    }

    /// The report as `test-rules` prints it: a line per fixture, a diff under
    /// each failure, and `N passed, M failed` at the end.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for e in &self.load_errors {
            let _ = writeln!(out, "FAIL {e}");
        }
        for id in &self.untested {
            let _ = writeln!(
                out,
                "FAIL {id}: no fixtures (add plans under fixtures/{id}/)"
            );
        }
        for r in &self.results {
            let _ = writeln!(
                out,
                "{} {}",
                if r.passed() { "PASS" } else { "FAIL" },
                r.path.display()
            );
            if let Some(e) = &r.error {
                let _ = writeln!(out, "    error: {e}");
            }
            for m in &r.missing {
                let _ = writeln!(out, "    - {m}    (expected, not found)");
            }
            for u in &r.unexpected {
                let _ = writeln!(out, "    + {u}    (found, not expected)");
            }
        }
        let _ = writeln!(out, "{} passed, {} failed", self.passed(), self.failed());
        out
    }
}

/// How a finding is written in a fixture's `expect:` line.
pub fn render_finding(f: &Finding) -> String {
    let mut s = format!("{}:{} {} {}", f.span.line, f.span.column, f.rule, f.message);
    if let Some(fix) = &f.fix {
        let kind = if fix.certain { "fix" } else { "suggestion" };
        let _ = write!(s, " [{kind}: {}]", fix.replacement);
    }
    s
}

/// A fixture's header, read.
struct Header {
    expect: Vec<String>,
    expects_nothing: bool,
    settings: Settings,
}

fn parse_fixture_header(text: &str, rule: &str) -> Result<(Header, String), String> {
    let mut header = Header {
        expect: Vec::new(),
        expects_nothing: false,
        settings: Settings::default(),
    };
    let mut registry = UnitRegistry::default();
    let mut options = rhai::Map::new();
    let mut blanked = String::with_capacity(text.len());
    let mut in_header = true;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let body = line.trim_end_matches(['\n', '\r']).trim_start();
        if in_header && body.starts_with("//") {
            let directive = body.trim_start_matches('/').trim();
            if let Some(e) = directive.strip_prefix("expect:") {
                let e = e.trim();
                if e == "nothing" {
                    header.expects_nothing = true;
                } else if e.is_empty() {
                    return Err(format!("line {}: empty `expect:`", n + 1));
                } else {
                    header.expect.push(e.to_owned());
                }
            } else if let Some(o) = directive.strip_prefix("option:") {
                let value: toml::Table = toml::from_str(o.trim())
                    .map_err(|e| format!("line {}: option is not `name = value`: {e}", n + 1))?;
                for (k, v) in &value {
                    options.insert(k.as_str().into(), super::dynamic_from_toml(v));
                }
            } else if let Some(u) = directive.strip_prefix("unit:") {
                let (name, aliases) = u.split_once('=').unwrap_or((u, ""));
                let aliases = aliases
                    .split([',', '，', '、'])
                    .map(str::trim)
                    .filter(|a| !a.is_empty());
                registry.add(RegistryUnit {
                    name: name.trim().to_owned(),
                    aliases: aliases.map(str::to_owned).collect(),
                });
            }
            // Blank the line, keeping its length and its line break, so that
            // the plan below keeps its byte offsets, lines and columns.
            let content = line.trim_end_matches(['\n', '\r']);
            blanked.extend(std::iter::repeat_n(' ', content.len()));
            blanked.push_str(&line[content.len()..]);
        } else {
            in_header = false;
            blanked.push_str(line);
        }
    }
    if header.expect.is_empty() && !header.expects_nothing {
        return Err("the fixture states no expectation: add `// expect: LINE:COL RULE-ID …` or `// expect: nothing`".into());
    }
    if !header.expect.is_empty() && header.expects_nothing {
        return Err("`expect: nothing` and `expect:` findings contradict each other".into());
    }
    header.settings.select = vec![rule.to_owned()];
    header.settings.options.insert(rule.to_owned(), options);
    header.settings.registry = Arc::new(registry);
    Ok((header, blanked))
}

/// Runs one fixture against the rule `rule` of `rules`.
pub fn run_fixture(rules: &RuleSet, rule: &str, path: &Path) -> FixtureResult {
    let mut result = FixtureResult {
        rule: rule.to_owned(),
        path: path.to_owned(),
        missing: Vec::new(),
        unexpected: Vec::new(),
        error: None,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            result.error = Some(format!("cannot read: {e}"));
            return result;
        }
    };
    let (header, blanked) = match parse_fixture_header(&text, rule) {
        Ok(h) => h,
        Err(e) => {
            result.error = Some(e);
            return result;
        }
    };
    let plan = match crate::parse::parse_str(&blanked) {
        Ok(plan) => plan,
        Err(e) => {
            result.error = Some(format!("the plan does not parse: {e}"));
            return result;
        }
    };
    let out = rules.run(Arc::new(plan), Arc::from(blanked), &header.settings);
    if let Some(f) = out.failures.first() {
        result.error = Some(f.to_string());
    }
    let mut actual: Vec<Option<String>> = out
        .findings
        .iter()
        .map(|f| Some(render_finding(f)))
        .collect();
    for e in &header.expect {
        match actual
            .iter_mut()
            .find(|a| a.as_deref().is_some_and(|a| a.starts_with(e.as_str())))
        {
            Some(slot) => *slot = None,
            None => result.missing.push(e.clone()),
        }
    }
    result.unexpected = actual.into_iter().flatten().collect();
    result
}

/// Loads the rules of `dir` and runs each against its fixtures.
pub fn run_dir(dir: &Path) -> TestReport {
    let (rules, load_errors) = RuleSet::load_dir_partial(dir);
    let mut report = TestReport {
        load_errors,
        ..TestReport::default()
    };
    for meta in rules.rules() {
        let fixture_dir = dir.join("fixtures").join(&meta.id);
        let mut fixtures: Vec<PathBuf> = std::fs::read_dir(&fixture_dir)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| {
                        p.is_file() && p.extension().is_some_and(|x| x == "txt" || x == "md")
                    })
                    .collect()
            })
            .unwrap_or_default();
        fixtures.sort();
        if fixtures.is_empty() {
            report.untested.push(meta.id.clone());
        }
        for path in fixtures {
            report.results.push(run_fixture(&rules, &meta.id, &path));
        }
    }
    report
}
