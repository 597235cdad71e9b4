//! Parse stage: the text of a plan to its [`Plan`] model. (skeleton)

use crate::load::Source;
use crate::model::{Plan, Span};

/// Why a text could not be read as a plan.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ParseError {
    /// The text holds no numbered task.
    #[error("no tasks found: the text holds no numbered task item")]
    NoTasks,
    /// The grammar failed at a place (should not happen: the grammar accepts any text).
    #[error("cannot parse at line {}, column {}: {message}", span.line, span.column)]
    Grammar { span: Span, message: String },
}

/// Reads a loaded document as a plan.
pub fn parse(source: &Source) -> Result<Plan, ParseError> {
    let _ = source;
    Err(ParseError::NoTasks)
}

/// Reads a plan from a string (tests, fuzzing, fixtures).
pub fn parse_str(text: &str) -> Result<Plan, ParseError> {
    let _ = text;
    Err(ParseError::NoTasks)
}
