//! Findings (诊断): what a rule says about a place in a plan.
//!
//! The check stage produces them, the emit stage only reads them: the printers
//! for people, JSON, SARIF, GitHub and the compact form all render this one list.

use crate::model::Span;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The plan contradicts itself: CI fails.
    Error,
    /// Damage and style: worth mending.
    Warning,
    /// Advice.
    Info,
}

impl Severity {
    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim().to_ascii_lowercase().as_str() {
            "error" => Some(Severity::Error),
            "warning" | "warn" => Some(Severity::Warning),
            "info" | "note" => Some(Severity::Info),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A replacement of the text at `span`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    pub span: Span,
    pub replacement: String,
    /// Only certain fixes are applied by `--fix`; the others are shown as advice.
    pub certain: bool,
}

/// One thing a rule found in one plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The rule's id (`deadline-before-issue`).
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    pub help: Option<String>,
    pub fix: Option<Fix>,
    /// The number of the task the finding is about, when it is about one
    /// (used by ignore entries and baselines, which must survive edits).
    pub task: Option<u32>,
}
