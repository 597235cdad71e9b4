//! A rule's metadata: the comment header every rule file opens with.
//!
//! The header is the run of `//` lines at the very top of the file. It starts
//! with three `key: value` lines, then sections under fixed `##` headings:
//!
//! ```text
//! // id: deadline-before-issue
//! // severity: error
//! // summary: A dated deadline falls before the plan's issue date.
//! //
//! // ## Why
//! // A plan cannot ask for work to be done before it was issued: …
//! //
//! // ## Example
//! // Fires: `(市司法局负责;2020年6月底前完成)` in a plan issued 2020-09-17.
//! // Does not fire: `(市司法局负责;2020年12月底前完成)`.
//! //
//! // ## Fix
//! // None: only the authors know the intended date.
//! //
//! // ## Options
//! // `max_led` (integer, default 8): …
//! ```
//!
//! `id` is kebab-case and equals the file name without `.rhai`; `severity` is
//! `error`, `warning` or `info`; `summary` is one line. `## Why` and
//! `## Example` are required, `## Fix` and `## Options` optional, in any order;
//! no other heading is accepted, so that `planlint rules` can rely on them. The
//! catalogue (`planlint rules`) and each rule's page (`planlint rules ID`) are
//! generated from these headers and nothing else.

use crate::finding::Severity;

/// The documented sections of a rule, in the order they are printed.
pub const SECTIONS: [&str; 4] = ["Why", "Example", "Fix", "Options"];
const REQUIRED_SECTIONS: [&str; 2] = ["Why", "Example"];

/// What a rule file says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMeta {
    /// Kebab-case id (`deadline-before-issue`): how findings, `--select`,
    /// `--ignore` and the configuration name the rule.
    pub id: String,
    /// The severity of its findings unless the configuration says otherwise.
    pub severity: Severity,
    /// One line: what it flags.
    pub summary: String,
    /// The `##` sections, in [`SECTIONS`] order: (heading, text).
    pub sections: Vec<(String, String)>,
    /// Where the rule comes from: a path, or `rules/<id>.rhai` for the bundled ones.
    pub path: String,
    /// Whether it ships inside the binary.
    pub bundled: bool,
}

impl RuleMeta {
    /// A section's text (`"Why"`), if the rule has it.
    pub fn section(&self, heading: &str) -> Option<&str> {
        self.sections
            .iter()
            .find(|(h, _)| h == heading)
            .map(|(_, t)| t.as_str())
    }

    /// The rule's full documentation, as `planlint rules ID` prints it.
    pub fn documentation(&self) -> String {
        let mut out = format!(
            "# {}\n\n{}\n\nDefault severity: {}\nSource: {}\n",
            self.id, self.summary, self.severity, self.path
        );
        for (heading, text) in &self.sections {
            out.push_str(&format!("\n## {heading}\n\n{text}\n"));
        }
        out
    }
}

/// A header that is missing or malformed, at a 1-based line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderError {
    pub line: usize,
    pub message: String,
}

/// Whether `id` is kebab-case: lowercase ASCII words joined by single hyphens.
pub fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && id.starts_with(|c: char| c.is_ascii_lowercase())
}

/// Reads the header of a rule file whose name (without `.rhai`) is `stem`.
pub fn parse_header(
    text: &str,
    stem: &str,
    path: &str,
    bundled: bool,
) -> Result<RuleMeta, HeaderError> {
    let err = |line: usize, message: String| Err(HeaderError { line, message });
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let header: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end()))
        .take_while(|(_, l)| l.trim_start().starts_with("//"))
        .map(|(n, l)| {
            let body = l.trim_start().trim_start_matches('/');
            (n, body.strip_prefix(' ').unwrap_or(body))
        })
        .collect();
    if header.is_empty() {
        return err(
            1,
            "a rule file must open with its metadata header: `// id: …`, `// severity: …`, `// summary: …`".into(),
        );
    }

    let (mut id, mut severity, mut summary) = (None, None, None);
    let mut rest = header.len();
    for (k, &(line, body)) in header.iter().enumerate() {
        if body.trim().is_empty() || body.starts_with("##") {
            rest = k;
            break;
        }
        let Some((key, value)) = body.split_once(':') else {
            return err(
                line,
                format!("expected `key: value` in the header, found `{body}`"),
            );
        };
        let value = value.trim();
        let slot = match key.trim() {
            "id" => &mut id,
            "severity" => &mut severity,
            "summary" => &mut summary,
            other => {
                return err(
                    line,
                    format!("unknown header key `{other}` (expected id, severity, summary)"),
                )
            }
        };
        if slot.is_some() {
            return err(line, format!("header key `{}` is given twice", key.trim()));
        }
        if value.is_empty() {
            return err(line, format!("header key `{}` has no value", key.trim()));
        }
        *slot = Some((line, value.to_owned()));
    }
    let end = header
        .get(rest)
        .map_or_else(|| header.last().map_or(1, |h| h.0 + 1), |h| h.0);
    let Some((id_line, id)) = id else {
        return err(end, "the header has no `id:` line".into());
    };
    if !is_kebab_case(&id) {
        return err(
            id_line,
            format!("rule id `{id}` is not kebab-case (lowercase words joined by `-`)"),
        );
    }
    if id != stem {
        return err(
            id_line,
            format!("rule id `{id}` does not match the file name `{stem}.rhai`"),
        );
    }
    let Some((sev_line, sev)) = severity else {
        return err(end, "the header has no `severity:` line".into());
    };
    let Some(severity) =
        Severity::parse(&sev).filter(|_| matches!(sev.as_str(), "error" | "warning" | "info"))
    else {
        return err(
            sev_line,
            format!("severity `{sev}` is not one of error, warning, info"),
        );
    };
    let Some((_, summary)) = summary else {
        return err(end, "the header has no `summary:` line".into());
    };

    let mut sections: Vec<(String, usize, Vec<&str>)> = Vec::new();
    for &(line, body) in &header[rest..] {
        if let Some(heading) = body.strip_prefix("##") {
            let heading = heading.trim();
            if !SECTIONS.contains(&heading) {
                return err(
                    line,
                    format!(
                        "unknown section `## {heading}` (expected {})",
                        SECTIONS.map(|s| format!("## {s}")).join(", ")
                    ),
                );
            }
            if sections.iter().any(|(h, _, _)| h == heading) {
                return err(line, format!("section `## {heading}` is given twice"));
            }
            sections.push((heading.to_owned(), line, Vec::new()));
        } else if let Some((_, _, lines)) = sections.last_mut() {
            lines.push(body);
        } else if !body.trim().is_empty() {
            return err(
                line,
                format!("text before the first `##` section: `{body}`"),
            );
        }
    }
    for required in REQUIRED_SECTIONS {
        match sections.iter().find(|(h, _, _)| h == required) {
            None => return err(end, format!("the header has no `## {required}` section")),
            Some((_, line, lines)) if lines.iter().all(|l| l.trim().is_empty()) => {
                return err(*line, format!("section `## {required}` is empty"));
            }
            Some(_) => {}
        }
    }
    sections.sort_by_key(|(h, _, _)| SECTIONS.iter().position(|s| s == h));
    let sections = sections
        .into_iter()
        .map(|(h, _, lines)| (h, lines.join("\n").trim().to_owned()))
        .collect();
    Ok(RuleMeta {
        id,
        severity,
        summary,
        sections,
        path: path.to_owned(),
        bundled,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "// id: sample-rule\n// severity: warning\n// summary: Flags samples.\n//\n// ## Why\n// Because.\n//\n// ## Example\n// Fires: x.\n\nlet a = 1;\n";

    #[test]
    fn reads_a_complete_header() {
        let meta = parse_header(GOOD, "sample-rule", "x/sample-rule.rhai", false).unwrap();
        assert_eq!(meta.id, "sample-rule");
        assert_eq!(meta.severity, Severity::Warning);
        assert_eq!(meta.summary, "Flags samples.");
        assert_eq!(meta.section("Why"), Some("Because."));
        assert_eq!(meta.section("Example"), Some("Fires: x."));
    }

    #[test]
    fn names_the_line_of_a_bad_header() {
        let bad = GOOD.replace("severity: warning", "severity: fatal");
        let e = parse_header(&bad, "sample-rule", "p", false).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("fatal"), "{}", e.message);

        let e = parse_header(GOOD, "other-name", "p", false).unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("does not match the file name"));

        let e = parse_header(
            &GOOD.replace("## Why", "## Rationale"),
            "sample-rule",
            "p",
            false,
        )
        .unwrap_err();
        assert_eq!(e.line, 5);

        let e = parse_header("let x = 1;", "sample-rule", "p", false).unwrap_err();
        assert_eq!(e.line, 1);

        let no_example =
            "// id: sample-rule\n// severity: info\n// summary: s\n//\n// ## Why\n// w\n";
        let e = parse_header(no_example, "sample-rule", "p", false).unwrap_err();
        assert!(e.message.contains("## Example"), "{}", e.message);
    }

    #[test]
    fn kebab_case() {
        assert!(is_kebab_case("deadline-before-issue"));
        assert!(is_kebab_case("owner-overload2"));
        assert!(!is_kebab_case("Deadline"));
        assert!(!is_kebab_case("a--b"));
        assert!(!is_kebab_case("-a"));
        assert!(!is_kebab_case("a_b"));
    }
}
