//! Load stage: bytes on disk to the text the grammar reads.
//!
//! (Skeleton: the types below are the stage's public surface and are fixed;
//! the bodies are being written.)

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What kind of document a file holds, detected from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Text,
    Markdown,
    Html,
    Docx,
}

/// One loaded document.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path as the user gave it (or as the walk found it).
    pub path: PathBuf,
    pub format: Format,
    /// The encoding the bytes were in: `UTF-8`, `UTF-8 BOM`, `GB18030`.
    pub encoding: &'static str,
    /// The decoded text, as a person reads it: diagnostics are drawn on it and
    /// lines and columns count in it. For `.docx` and `.html`, the extracted text.
    pub text: Arc<str>,
    /// `text` with Word debris and odd spaces blanked out, byte for byte the same
    /// length, so that a byte offset means the same place in both.
    pub normalized: String,
    pub lines: LineIndex,
}

/// Line starts of a text, to turn byte offsets into 1-based line and
/// character column in O(log n).
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 1-based line and 1-based character column of byte `offset` in `text`.
    pub fn locate(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let col = text.get(start..offset).map_or(0, |s| s.chars().count());
        (line as u32 + 1, col as u32 + 1)
    }

    /// Byte offset where 1-based `line` starts.
    pub fn line_start(&self, line: u32) -> Option<usize> {
        self.starts.get((line as usize).checked_sub(1)?).copied()
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

/// Why a file could not be read as a plan.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: no such file or directory")]
    NotFound { path: PathBuf },
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Reads and decodes one file.
pub fn load(path: &Path) -> Result<Source, LoadError> {
    let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
        path: path.to_owned(),
        source,
    })?;
    let text: Arc<str> = String::from_utf8_lossy(&bytes).into();
    Ok(Source {
        path: path.to_owned(),
        format: Format::Text,
        encoding: "UTF-8",
        normalized: text.to_string(),
        lines: LineIndex::new(&text),
        text,
    })
}
