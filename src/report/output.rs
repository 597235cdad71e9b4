//! Safe writing of a finished report: to a file through a temporary file that is
//! renamed into place, or to standard output.
//!
//! A report is rendered in memory before anything is written, so a failing
//! script or a full disk never leaves half a sheet behind: the temporary file
//! lives in the target's directory (a rename across file systems is not atomic)
//! and replaces the target only once it is complete and flushed.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{path}: cannot write the report: {source}")]
    Io { path: PathBuf, source: io::Error },
}

/// Where a report goes: `-` is standard output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Stdout,
    File(PathBuf),
}

impl Destination {
    pub fn from_arg(arg: &Path) -> Destination {
        if arg == Path::new("-") {
            Destination::Stdout
        } else {
            Destination::File(arg.to_owned())
        }
    }
}

/// Writes `bytes` to the destination. On standard output a closed pipe
/// (`planlint report … -o - | head`) is a normal end, not an error.
pub fn write(destination: &Destination, bytes: &[u8]) -> Result<(), WriteError> {
    match destination {
        Destination::Stdout => {
            let mut out = io::stdout().lock();
            match out.write_all(bytes).and_then(|()| out.flush()) {
                Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(WriteError::Io {
                    path: "<stdout>".into(),
                    source: e,
                }),
                _ => Ok(()),
            }
        }
        Destination::File(path) => write_atomic(path, bytes).map_err(|source| WriteError::Io {
            path: path.clone(),
            source,
        }),
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".planlint-report-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    set_permissions(temp.path(), path)?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A temporary file is created private (0600); the report should get the
/// permissions the target already had, or the usual 0644 of a new file.
#[cfg(unix)]
fn set_permissions(temp: &Path, target: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(target)
        .map(|m| m.permissions().mode())
        .unwrap_or(0o644);
    std::fs::set_permissions(temp, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_permissions(_temp: &Path, _target: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        std::fs::write(&target, "old").unwrap();
        write(&Destination::File(target.clone()), b"new").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn missing_directory_is_an_error_naming_the_path() {
        let err = write(&Destination::File("/nonexistent-dir/x.csv".into()), b"x").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("/nonexistent-dir/x.csv: cannot write"),
            "{err}"
        );
    }
}
