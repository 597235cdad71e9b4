//! The load stage: any bytes → a `Source` or a `LoadError`, never a panic or a
//! hang. Each input is read four ways: as a `.txt`, as a `.docx` (content
//! decides: a zip goes to the Word reader), as an `.html` page, and wrapped
//! into a real zip as `word/document.xml`, so that the XML reader is fuzzed
//! behind a valid archive (mutations of a deflated seed rarely survive the CRC).

#![no_main]

use libfuzzer_sys::fuzz_target;
use planlint::load::{load_bytes, Source};
use std::io::{Cursor, Write};
use std::path::Path;

fn check(source: &Source) {
    // The documented invariants of a loaded source.
    assert_eq!(source.normalized.len(), source.text.len());
    let n = source.text.len();
    for offset in [0, n / 3, n / 2, n, n + 7] {
        let (line, column) = source.locate(offset);
        assert!(line >= 1 && column >= 1);
        assert!((line as usize) <= source.lines.line_count());
    }
}

fn wrap_as_docx(xml: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("word/document.xml", options).unwrap();
    zip.write_all(xml).unwrap();
    zip.finish().unwrap().into_inner()
}

fuzz_target!(|data: &[u8]| {
    for name in ["plan.txt", "plan.docx", "plan.html"] {
        if let Ok(source) = load_bytes(Path::new(name), data) {
            check(&source);
        }
    }
    if !data.starts_with(b"PK") {
        if let Ok(source) = load_bytes(Path::new("wrapped.docx"), &wrap_as_docx(data)) {
            check(&source);
        }
    }
});
