//! `--fix` and `--diff`: the certain fixes of a file's findings, applied to its
//! text in one pass.
//!
//! Only certain fixes are applied (a damaged date with a single reading, a
//! document number, a punctuation mark); suggestions stay advice. Two fixes
//! that touch the same characters cannot both be right, so the first (in text
//! order) wins and the other is left for the next run and reported as skipped;
//! the same fix proposed twice is applied once.

use crate::emit::Located;

/// What applying a file's fixes gives.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// The text with the fixes in.
    pub text: String,
    /// Indices (into the findings given) of the findings fixed.
    pub fixed: Vec<usize>,
    /// Indices of findings whose certain fix overlapped one applied before it.
    pub skipped: Vec<usize>,
}

/// Applies the certain fixes of `findings` to `text`.
pub fn apply(text: &str, findings: &[Located]) -> Applied {
    let mut fixes: Vec<(usize, usize, usize, &str)> = findings
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let fix = l.finding.fix.as_ref().filter(|f| f.certain)?;
            let (start, end) = (fix.span.start, fix.span.end);
            let valid = start <= end
                && end <= text.len()
                && text.is_char_boundary(start)
                && text.is_char_boundary(end);
            valid.then_some((start, end, i, fix.replacement.as_str()))
        })
        .collect();
    fixes.sort();

    let mut out = Applied {
        text: String::with_capacity(text.len() + 64),
        ..Applied::default()
    };
    let mut at = 0;
    let mut last: Option<(usize, usize, &str)> = None;
    for (start, end, i, replacement) in fixes {
        if let Some((ls, le, lr)) = last {
            if (ls, le, lr) == (start, end, replacement) {
                out.fixed.push(i);
                continue;
            }
            // Overlapping, or a second insertion at the same point (which of
            // the two goes first is not certain).
            if start < le || (start == ls && start == le) {
                out.skipped.push(i);
                continue;
            }
        }
        out.text.push_str(&text[at..start]);
        out.text.push_str(replacement);
        at = end;
        last = Some((start, end, replacement));
        out.fixed.push(i);
    }
    out.text.push_str(&text[at..]);
    out.fixed.sort_unstable();
    out.skipped.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::SourceText;
    use crate::finding::{Finding, Fix, Severity};
    use crate::model::Span;
    use std::sync::Arc;

    fn finding(text: &str, at: &str, replacement: &str, certain: bool) -> Located {
        let start = text.find(at).unwrap();
        let span = Span {
            start,
            end: start + at.len(),
            line: 0,
            column: 0,
        };
        let f = Finding {
            rule: "r".into(),
            severity: Severity::Warning,
            message: "m".into(),
            span,
            help: None,
            fix: Some(Fix {
                span,
                replacement: replacement.into(),
                certain,
            }),
            task: None,
        };
        Located::new(f, &SourceText::new(Arc::from(text)))
    }

    #[test]
    fn applies_certain_fixes_only() {
        let text = "(市高级人民法院负责;202012月底前完成)\n津党办发〔202014号";
        let fs = [
            finding(text, "202012月底前完成", "2020年12月底前完成", true),
            finding(text, "〔202014号", "〔2020〕14号", true),
            finding(text, ";", "；", false),
        ];
        let a = apply(text, &fs);
        assert_eq!(
            a.text,
            "(市高级人民法院负责;2020年12月底前完成)\n津党办发〔2020〕14号"
        );
        assert_eq!(a.fixed, vec![0, 1]);
        assert!(a.skipped.is_empty());
    }

    #[test]
    fn overlapping_fixes_are_skipped_and_duplicates_merged() {
        let text = "2020917日印发";
        let fs = [
            finding(text, "2020917日", "2020年9月17日", true),
            finding(text, "917日", "9月17日", true),
            finding(text, "2020917日", "2020年9月17日", true),
        ];
        let a = apply(text, &fs);
        assert_eq!(a.text, "2020年9月17日印发");
        assert_eq!(a.fixed, vec![0, 2]);
        assert_eq!(a.skipped, vec![1]);
    }
}
