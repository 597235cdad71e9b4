//! Character classes of Chinese official text, shared by the script helpers
//! (`is_han`, `is_cjk`) and by Rust code that reasons about punctuation.

/// A Chinese character (汉字): the CJK ideograph blocks, their extensions and
/// compatibility forms, plus `〇` (二〇二五年) and `々`, which the Unicode
/// ideograph ranges leave out.
pub fn is_han(c: char) -> bool {
    matches!(c,
        '\u{3005}' | '\u{3007}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2FA1F}'
        | '\u{30000}'..='\u{3134F}')
}

/// Chinese punctuation and full-width forms: `，。；：（）《》、“”‘’—…·` and the
/// full-width ASCII block. Text around them is Chinese text.
pub fn is_cjk_punct(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{303F}'
        | '\u{FF01}'..='\u{FF65}'
        | '\u{FE10}'..='\u{FE1F}'
        | '\u{FE30}'..='\u{FE4F}'
        | '\u{2014}' | '\u{2015}' | '\u{2026}' | '\u{00B7}'
        | '\u{2018}' | '\u{2019}' | '\u{201C}' | '\u{201D}')
}

/// Chinese text: a Chinese character or Chinese punctuation.
pub fn is_cjk(c: char) -> bool {
    is_han(c) || is_cjk_punct(c)
}

/// The full-width form official style uses for an ASCII punctuation mark in
/// Chinese text, for the marks that have one.
pub fn full_width(c: char) -> Option<char> {
    Some(match c {
        '(' => '（',
        ')' => '）',
        ',' => '，',
        ';' => '；',
        ':' => '：',
        '?' => '？',
        '!' => '！',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn han_includes_ling_and_extension_blocks() {
        assert!(is_han('〇'));
        assert!(is_han('年'));
        assert!(is_han('𠀀'));
        assert!(!is_han('，'));
        assert!(!is_han('a'));
    }

    #[test]
    fn cjk_punct_covers_official_marks() {
        for c in "，。；：（）《》、“”‘’—…·".chars() {
            assert!(is_cjk_punct(c), "{c}");
        }
        for c in "(),;:.-/ a1".chars() {
            assert!(!is_cjk_punct(c), "{c}");
        }
    }
}
