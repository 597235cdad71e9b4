//! The grammar: any text → a `Plan` or a `ParseError`, never a panic and never
//! exponential backtracking (run with `-timeout=5`). Every span the model
//! holds must lie inside the text, on character boundaries, since diagnostics
//! and fixes cut the text there.

#![no_main]

use libfuzzer_sys::fuzz_target;
use planlint::model::Span;

fn in_text(text: &str, span: &Span, what: &str) {
    assert!(
        span.start <= span.end
            && span.end <= text.len()
            && text.is_char_boundary(span.start)
            && text.is_char_boundary(span.end),
        "{what} span {span:?} outside the text ({} bytes)",
        text.len()
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(plan) = planlint::parse::parse_str(text) else {
        return;
    };
    assert!(!plan.tasks.is_empty());
    for task in &plan.tasks {
        in_text(text, &task.span, "task");
        for owner in &task.owners {
            in_text(text, &owner.span, "owner");
        }
        for target in &task.targets {
            in_text(text, &target.span, "target");
        }
        if let Some(span) = &task.deadline.span {
            in_text(text, span, "deadline");
        }
        if let Some(bracket) = &task.bracket {
            in_text(text, &bracket.span, "bracket");
        }
    }
    for chapter in &plan.chapters {
        in_text(text, &chapter.span, "chapter");
    }
    for date in &plan.dates {
        in_text(text, &date.span, "date");
    }
    for doc in &plan.references {
        in_text(text, &doc.span, "document number");
    }
    // The model's JSON is a public interface: it must always serialise.
    serde_json::to_string(&plan).unwrap();
});
