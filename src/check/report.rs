//! `report(element, message)` and `report(element, message, #{…})`: how a rule
//! says what it found.
//!
//! The element is any plan handle (its span is used; one without a place of
//! its own, such as a missing deadline, stands where its task does), an
//! array of them (the stretch from the first to the end of the last, as
//! `span(array)`) or an explicit span `#{start, end}` of byte offsets. The
//! options map takes `help` (a hint), `fix` (a certain replacement of the
//! element's text, which `--fix` applies) or `suggestion` (an uncertain one,
//! only shown), and `severity` (this finding's default, for a rule whose
//! findings differ in weight; the configuration's severity for the rule
//! still wins). Anything else is an error in the rule, so that a typo does
//! not silently drop a fix.

use rhai::{Dynamic, Engine, EvalAltResult, NativeCallContext};

use crate::finding::Severity;
use crate::script::{api, context_of, Report};

type RhaiResult<T> = Result<T, Box<EvalAltResult>>;

pub(super) fn register(engine: &mut Engine) {
    engine.register_fn(
        "report",
        |ctx: NativeCallContext, element: Dynamic, message: Dynamic| {
            report(&ctx, place(&ctx, &element)?, message, None)
        },
    );
    engine.register_fn(
        "report",
        |ctx: NativeCallContext, element: Dynamic, message: Dynamic, options: Dynamic| {
            report(&ctx, place(&ctx, &element)?, message, Some(options))
        },
    );
    // An array by reference: passed as `Dynamic`, a script's array (the marks
    // of a line) would be copied, every mark of it, for each report.
    engine.register_fn(
        "report",
        |ctx: NativeCallContext, elements: &mut rhai::Array, message: Dynamic| {
            report(&ctx, api::stretch(&ctx, elements)?.1, message, None)
        },
    );
    engine.register_fn(
        "report",
        |ctx: NativeCallContext, elements: &mut rhai::Array, message: Dynamic, options: Dynamic| {
            report(
                &ctx,
                api::stretch(&ctx, elements)?.1,
                message,
                Some(options),
            )
        },
    );
}

/// Where a single element (not an array) stands.
fn place(ctx: &NativeCallContext, element: &Dynamic) -> RhaiResult<api::Located> {
    api::locate(&context_of(ctx)?.doc, element)
}

fn text_of(value: Dynamic, what: &str) -> RhaiResult<Option<String>> {
    if value.is_unit() {
        return Ok(None);
    }
    match value.into_immutable_string() {
        // Not `to_string`: the formatting machinery, for a plain copy.
        Ok(s) => Ok(Some(s.as_str().to_owned())),
        Err(t) => Err(format!("`{what}` must be a string, not {t}").into()),
    }
}

fn report(
    ctx: &NativeCallContext,
    located: api::Located,
    message: Dynamic,
    options: Option<Dynamic>,
) -> RhaiResult<()> {
    let sc = context_of(ctx)?;
    let message = match text_of(message, "the message")? {
        Some(m) if !m.trim().is_empty() => m,
        _ => return Err("report needs a message (a non-empty string)".into()),
    };
    let (mut help, mut fix, mut suggestion, mut severity) = (None, None, None, None);
    if let Some(options) = options {
        let Some(map) = options.try_cast::<rhai::Map>() else {
            return Err(
                "the third argument of report must be a map: #{ help: …, fix: …, suggestion: … }"
                    .into(),
            );
        };
        for (key, value) in map {
            let slot = match key.as_str() {
                "help" => &mut help,
                "fix" => &mut fix,
                "suggestion" => &mut suggestion,
                "severity" => &mut severity,
                other => {
                    return Err(format!(
                    "unknown report option `{other}` (expected help, fix, suggestion, severity)"
                )
                    .into())
                }
            };
            *slot = text_of(value, &key)?;
        }
    }
    if fix.is_some() && suggestion.is_some() {
        return Err(
            "a report takes a `fix` (certain) or a `suggestion` (uncertain), not both".into(),
        );
    }
    if (fix.is_some() || suggestion.is_some()) && located.borrowed {
        return Err("this element has no text of its own to replace: report a fix on an element with a span".into());
    }
    let severity = match severity {
        None => None,
        Some(s) => match Severity::parse(&s) {
            Some(s) => Some(s),
            None => return Err(format!("severity `{s}` is not one of error, warning, info").into()),
        },
    };
    let task = located.task.map(|t| sc.doc.plan.tasks[t].number);
    let report = Report {
        span: located.span,
        task,
        message,
        help,
        fix,
        suggestion,
        severity,
    };
    match sc.reports.lock() {
        Ok(mut reports) => reports.push(report),
        Err(poisoned) => poisoned.into_inner().push(report),
    }
    Ok(())
}
