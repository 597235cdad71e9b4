//! Writing back: fixed plans (`check --fix`) and reports, never half-written.
//!
//! Bytes go to a temporary file in the destination's own directory (a rename
//! is only atomic within one file system), are flushed to disk, and the
//! temporary file is then renamed over the destination. A crash, a kill or a
//! full disk at any moment leaves either the old file or the new one, never a
//! mix; at worst a hidden `.NAME.*.tmp` file stays behind, which walks skip.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use encoding_rs::{Encoding, GB18030};

use super::decode::{GB18030_NAME, UTF16BE, UTF16LE, UTF8, UTF8_BOM};
use super::{Format, LoadError, Source};

/// Replaces (or creates) `path` with `bytes`, atomically.
///
/// When `path` exists its permissions are kept; when it is a symbolic link
/// the file it points to is replaced and the link kept. On error the file at
/// `path` is untouched and no temporary file is left.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), LoadError> {
    write_atomic_with(path, |file| file.write_all(bytes))
}

/// [`write_atomic`] for output produced by a writer (a CSV or XLSX writer):
/// `write` fills the temporary file, which replaces `path` only if `write`
/// returns `Ok`.
pub fn write_atomic_with<F>(path: &Path, write: F) -> Result<(), LoadError>
where
    F: FnOnce(&mut File) -> std::io::Result<()>,
{
    let error = |source| LoadError::Write {
        path: path.to_owned(),
        source,
    };
    let target = resolve_link(path).map_err(error)?;
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let existing = std::fs::metadata(&target).ok();
    if existing.as_ref().is_some_and(|m| m.is_dir()) {
        return Err(error(std::io::Error::other("is a directory")));
    }
    // A device, pipe or socket (`/dev/null`, `/dev/stdout`, a FIFO) is written
    // into: renaming over it would replace the device with a regular file.
    if existing.as_ref().is_some_and(|m| !m.is_file()) {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .open(&target)
            .map_err(error)?;
        write(&mut file).map_err(error)?;
        return file.flush().map_err(error);
    }
    let name = target
        .file_name()
        .map_or_else(|| "planlint".into(), |n| n.to_string_lossy());
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        // A new file gets the mode `File::create` would give it (0666 less the
        // umask), not the 0600 of a temporary file.
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder.tempfile_in(dir).map_err(error)?;
    write(temp.as_file_mut()).map_err(error)?;
    temp.as_file_mut().flush().map_err(error)?;
    temp.as_file().sync_all().map_err(error)?;
    if let Some(meta) = &existing {
        temp.as_file()
            .set_permissions(meta.permissions())
            .map_err(error)?;
    }
    temp.persist(&target).map_err(|e| error(e.error))?;
    // Make the rename itself durable; a failure here loses nothing written.
    #[cfg(unix)]
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// The file a path names, following symbolic links, so that writing through
/// a link replaces its target rather than the link.
fn resolve_link(path: &Path) -> std::io::Result<PathBuf> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => match std::fs::canonicalize(path) {
            Ok(target) => Ok(target),
            // A dangling link: write where it points.
            Err(_) => {
                let target = std::fs::read_link(path)?;
                Ok(match path.parent() {
                    Some(parent) if target.is_relative() => parent.join(target),
                    _ => target,
                })
            }
        },
        _ => Ok(path.to_owned()),
    }
}

/// `text` encoded the way `source` was: the same encoding, the same BOM.
///
/// A `.docx` or a web page cannot be rebuilt from its text and is refused, as
/// is a character the encoding has no code for (GB18030 lacks only U+E5E5).
pub fn encode_like(source: &Source, text: &str) -> Result<Vec<u8>, LoadError> {
    if matches!(source.format, Format::Docx | Format::Html) {
        return Err(LoadError::CannotWriteBack {
            path: source.path.clone(),
            format: source.format,
        });
    }
    let bytes = match source.encoding {
        UTF8 => text.as_bytes().to_vec(),
        UTF8_BOM => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        UTF16LE => [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect(),
        UTF16BE => [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect(),
        name => {
            let encoding = if name == GB18030_NAME {
                GB18030
            } else {
                Encoding::for_label(name.as_bytes()).ok_or_else(|| LoadError::Unencodable {
                    path: source.path.clone(),
                    encoding: source.encoding,
                    detail: "planlint does not know how to write this encoding".to_owned(),
                })?
            };
            encode_strict(source, encoding, text)?
        }
    };
    Ok(bytes)
}

fn encode_strict(
    source: &Source,
    encoding: &'static Encoding,
    text: &str,
) -> Result<Vec<u8>, LoadError> {
    let (bytes, _, unmappable) = encoding.encode(text);
    if !unmappable {
        return Ok(bytes.into_owned());
    }
    // Say which character, and where: the user has to replace it.
    let mut buf = [0u8; 4];
    let found = text.char_indices().find(|&(_, c)| {
        let (_, _, bad) = encoding.encode(c.encode_utf8(&mut buf));
        bad
    });
    let detail = match found {
        Some((offset, c)) => {
            let (line, column) = super::LineIndex::new(text).locate(text, offset);
            format!(
                "character U+{:04X} at line {line}, column {column} has no code in {}",
                c as u32, source.encoding
            )
        }
        None => format!("a character has no code in {}", source.encoding),
    };
    Err(LoadError::Unencodable {
        path: source.path.clone(),
        encoding: source.encoding,
        detail,
    })
}
