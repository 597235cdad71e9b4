//! `--format sarif`: SARIF 2.1.0, as GitHub code scanning takes it.
//!
//! A dozen serde structs rather than the serde-sarif crate (which compiles
//! slowly for the handful of fields we fill). What code scanning needs and we
//! give: `columnKind: unicodeCodePoints` (our columns count characters), a
//! stable `ruleId` with the rule's metadata in `tool.driver.rules`, relative
//! `artifactLocation.uri`s, and `partialFingerprints` that do not depend on
//! line numbers, so that an edit elsewhere in a plan does not reopen alerts.
//! Failures of the run are `toolExecutionNotifications`.

use super::{join_into, FileReport, Located, Printer, Rendered, RunInfo, Summary};
use crate::finding::Severity;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The SARIF printer; knows each rule's index in `tool.driver.rules`.
#[derive(Default)]
pub struct Sarif {
    index: BTreeMap<String, usize>,
}

impl Sarif {
    pub fn new(run: &RunInfo) -> Sarif {
        Sarif {
            index: run
                .rules
                .iter()
                .enumerate()
                .map(|(i, r)| (r.id.clone(), i))
                .collect(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'a str,
    version: &'a str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text<'a>,
    full_description: Owned,
    help: Help,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Owned {
    text: String,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text<'a>,
    locations: [Location<'a>; 1],
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    physical_location: PhysicalLocation<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region<'a>>,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region<'a> {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<Text<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix<'a> {
    description: Text<'a>,
    artifact_changes: [ArtifactChange<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange<'a> {
    artifact_location: ArtifactLocation,
    replacements: [Replacement<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement<'a> {
    deleted_region: Region<'a>,
    inserted_content: Text<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Notification<'a> {
    level: &'static str,
    message: Text<'a>,
    descriptor: Id<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    associated_rule: Option<Id<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location<'a>>,
}

#[derive(Serialize)]
struct Id<'a> {
    id: &'a str,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A path as a relative URI reference: `/` separators, and every byte that is
/// not unreserved percent-encoded (plans often have Chinese file names).
pub fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let (prefix, rest) = if path.starts_with('/') {
        ("file://", path.as_str())
    } else {
        ("", path.as_str())
    };
    let rest = rest.strip_prefix("./").unwrap_or(rest);
    let mut out = String::from(prefix);
    for b in rest.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// FNV-1a, 64 bits: a hash that is the same on every platform and in every
/// version (std's hasher promises neither), for fingerprints.
pub fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn region<'a>(start: super::Pos, end: super::Pos, snippet: Option<&'a str>) -> Region<'a> {
    Region {
        start_line: start.line,
        start_column: start.column,
        end_line: end.line,
        end_column: end.column,
        snippet: snippet.map(|text| Text { text }),
    }
}

fn to_vec<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}").into_bytes())
}

const ITEM: &[u8] = b"\n        ";

impl Sarif {
    fn result<'a>(&self, path: &'a str, l: &'a Located, fix_text: &'a str) -> SarifResult<'a> {
        let f = &l.finding;
        let task = f.task.map(|t| t.to_string()).unwrap_or_default();
        let print = fnv1a(&[
            f.rule.as_bytes(),
            task.as_bytes(),
            f.message.as_bytes(),
            l.text.as_bytes(),
        ]);
        let mut fixes = Vec::new();
        if let (Some(fix), Some(place)) = (&f.fix, &l.fix) {
            if fix.certain {
                fixes.push(SarifFix {
                    description: Text { text: fix_text },
                    artifact_changes: [ArtifactChange {
                        artifact_location: ArtifactLocation { uri: uri(path) },
                        replacements: [Replacement {
                            deleted_region: region(place.start, place.end, None),
                            inserted_content: Text {
                                text: &fix.replacement,
                            },
                        }],
                    }],
                });
            }
        }
        SarifResult {
            rule_id: &f.rule,
            rule_index: self.index.get(&f.rule).copied(),
            level: level(f.severity),
            message: Text { text: &f.message },
            locations: [Location {
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation { uri: uri(path) },
                    region: Some(region(l.start, l.end, Some(&l.text))),
                },
            }],
            partial_fingerprints: BTreeMap::from([("planlint/v1", format!("{print:016x}"))]),
            fixes,
        }
    }
}

impl Printer for Sarif {
    fn begin(&self, out: &mut dyn Write, run: &RunInfo) -> io::Result<()> {
        let tool = Tool {
            driver: Driver {
                name: "planlint",
                version: env!("CARGO_PKG_VERSION"),
                rules: run
                    .rules
                    .iter()
                    .map(|r| Rule {
                        id: &r.id,
                        name: &r.id,
                        short_description: Text { text: &r.summary },
                        full_description: Owned { text: r.text() },
                        help: Help {
                            text: r.text(),
                            markdown: r.markdown(),
                        },
                        default_configuration: Configuration {
                            level: level(r.severity),
                        },
                    })
                    .collect(),
            },
        };
        write!(out, "{{\n  \"$schema\": \"{SCHEMA}\",\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {{\n      \"tool\": ")?;
        // The rules are read by people browsing the file: indent them.
        let tool = serde_json::to_string_pretty(&tool)
            .unwrap_or_default()
            .replace('\n', "\n      ");
        out.write_all(tool.as_bytes())?;
        out.write_all(b",\n      \"columnKind\": \"unicodeCodePoints\",\n      \"results\": [")
    }

    // Out of line, once per plan: benches/instructions.sh counts drawing by it.
    #[inline(never)]
    fn render(&self, report: &FileReport) -> Rendered {
        let mut body = Vec::new();
        let items = report.findings.iter().map(|l| {
            let text = match (&l.finding.fix, &l.fix) {
                (Some(fix), Some(place)) => super::describe_fix(&place.original, &fix.replacement),
                _ => String::new(),
            };
            [ITEM, &to_vec(&self.result(&report.path, l, &text))].concat()
        });
        join_into(&mut body, items, self.separator());
        let failures =
            report
                .failures
                .iter()
                .map(|f| {
                    let message = super::failure_line(f);
                    let message = match &f.path {
                        Some(p) if !message.contains(p.as_str()) => format!("{p}: {message}"),
                        _ => message,
                    };
                    let locations =
                        f.site
                            .iter()
                            .map(|s| Location {
                                physical_location: PhysicalLocation {
                                    artifact_location: ArtifactLocation { uri: uri(&s.path) },
                                    region: Some(region(s.start, s.end, None)),
                                },
                            })
                            .chain(f.site.is_none().then_some(f.path.as_deref()).flatten().map(
                                |p| Location {
                                    physical_location: PhysicalLocation {
                                        artifact_location: ArtifactLocation { uri: uri(p) },
                                        region: None,
                                    },
                                },
                            ))
                            .collect();
                    let n = Notification {
                        level: "error",
                        message: Text { text: &message },
                        descriptor: Id { id: f.kind.code() },
                        associated_rule: f.rule.as_deref().map(|id| Id { id }),
                        locations,
                    };
                    [ITEM, &to_vec(&n)].concat()
                })
                .collect();
        Rendered { body, failures }
    }

    fn separator(&self) -> &'static [u8] {
        b","
    }

    fn end(
        &self,
        out: &mut dyn Write,
        summary: &Summary,
        failures: &[Vec<u8>],
        items: bool,
    ) -> io::Result<()> {
        out.write_all(if items { b"\n      ],\n" } else { b"],\n" })?;
        write!(
            out,
            "      \"invocations\": [\n        {{\n          \"executionSuccessful\": {},\n          \"toolExecutionNotifications\": [",
            summary.failures == 0
        )?;
        let mut list = Vec::new();
        join_into(&mut list, failures.iter().cloned(), self.separator());
        out.write_all(&list)?;
        out.write_all(if failures.is_empty() {
            b"]\n"
        } else {
            b"\n          ]\n"
        })?;
        out.write_all(b"        }\n      ]\n    }\n  ]\n}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_percent_encoded() {
        assert_eq!(
            uri("./plans/计划 1.txt"),
            "plans/%E8%AE%A1%E5%88%92%201.txt"
        );
        assert_eq!(uri("/abs/a.txt"), "file:///abs/a.txt");
        assert_eq!(uri("dir\\a.txt"), "dir/a.txt");
    }

    #[test]
    fn fingerprint_is_stable() {
        // Pinned (computed independently): a change here reopens every alert
        // users have dismissed in code scanning.
        assert_eq!(
            format!("{:016x}", fnv1a(&[b"deadline-damaged", b"2", b"m", b"t"])),
            "832136f4fd9918aa"
        );
        assert_ne!(
            fnv1a(&[b"ab", b"c"]),
            fnv1a(&[b"a", b"bc"]),
            "parts are delimited"
        );
    }
}
