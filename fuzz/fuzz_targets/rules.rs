//! The bundled rules over any plan the grammar reads: no panic, no bundled
//! rule failing with a runtime error (a limit being reached on a huge plan is
//! allowed: that is the sandbox working), every finding and fix inside the
//! text, and every finding drawable by the human printer.

#![no_main]

use libfuzzer_sys::fuzz_target;
use planlint::check::{FailureKind, RuleSet, Settings};
use planlint::emit::{human::Human, Located, SourceText};
use std::sync::{Arc, OnceLock};

fn rules() -> &'static (RuleSet, Settings, Human) {
    static RULES: OnceLock<(RuleSet, Settings, Human)> = OnceLock::new();
    RULES.get_or_init(|| {
        (
            RuleSet::bundled(),
            Settings::default(),
            Human::new(false, 100),
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(plan) = planlint::parse::parse_str(text) else {
        return;
    };
    let (set, settings, human) = rules();
    let text: Arc<str> = Arc::from(text);
    let out = set.run(Arc::new(plan), text.clone(), settings);
    for failure in &out.failures {
        assert!(
            !matches!(failure.kind, FailureKind::Runtime | FailureKind::Syntax),
            "bundled rule failed: {failure}"
        );
    }
    let source = SourceText::new(text.clone());
    for finding in out.findings {
        let spans = std::iter::once(finding.span).chain(finding.fix.as_ref().map(|f| f.span));
        for span in spans {
            assert!(
                span.start <= span.end
                    && span.end <= text.len()
                    && text.is_char_boundary(span.start)
                    && text.is_char_boundary(span.end),
                "{}: span {span:?} outside the text ({} bytes)",
                finding.rule,
                text.len()
            );
        }
        let located = Located::new(finding, &source);
        let _ = human.finding("plan.txt", &source, &located);
    }
});
