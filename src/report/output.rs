//! Safe writing of a finished report: to a file through the load stage's
//! atomic write ([`crate::load::write_atomic`]: a temporary file beside the
//! target, flushed, then renamed over it), or to standard output.
//!
//! A report is rendered in memory before anything is written, so a failing
//! script never touches the output, and a crash or a full disk while writing
//! leaves the old file or the new one, never half a sheet.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot write the report to standard output: {0}")]
    Stdout(io::Error),
    #[error(transparent)]
    File(#[from] crate::load::LoadError),
    #[error("{path}: cannot write the report: {source}")]
    Special { path: PathBuf, source: io::Error },
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
                Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(WriteError::Stdout(e)),
                _ => Ok(()),
            }
        }
        Destination::File(path) => match std::fs::metadata(path) {
            // A device, a pipe or a socket (`-o /dev/null`, `-o /dev/stdout`,
            // a FIFO) is written into: renaming a file over it would replace
            // the device itself.
            Ok(meta) if !meta.is_file() && !meta.is_dir() => std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .and_then(|mut f| f.write_all(bytes).and_then(|()| f.flush()))
                .map_err(|source| WriteError::Special {
                    path: path.clone(),
                    source,
                }),
            _ => Ok(crate::load::write_atomic(path, bytes)?),
        },
    }
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

    #[cfg(unix)]
    #[test]
    fn a_pipe_is_written_into_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            return; // no mkfifo here: nothing to test
        }
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        write(&Destination::File(fifo.clone()), b"sheet").unwrap();
        assert_eq!(reader.join().unwrap(), b"sheet");
        assert!(
            std::fs::metadata(&fifo).unwrap().file_type().is_fifo(),
            "the pipe is still a pipe"
        );
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
