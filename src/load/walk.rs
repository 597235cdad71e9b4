//! From the paths a user typed to the files to load.
//!
//! A file named on the command line is taken whatever its name: the user
//! asked for it. A directory is walked for the kinds of file a plan comes in
//! (`.txt`, `.docx`, `.html`, `.htm`, `.md`), following symbolic links,
//! skipping hidden entries, `target/`, and Word's `~$…` lock files. Whatever
//! goes wrong on the way (a loop of links, an unreadable directory, a broken
//! link) becomes an error for that path, and the walk goes on. The result is
//! sorted by path so that every run reports in the same order.

use std::path::{Path, PathBuf};

use walkdir::{DirEntry, WalkDir};

use super::LoadError;

/// Extensions a walk picks up (compared without regard to case).
const PLAN_EXTENSIONS: &[&str] = &["txt", "docx", "html", "htm", "md"];

/// The files to load for `paths`: files as given, directories walked.
///
/// Each entry is a file to [`super::load`] or an error naming the path that
/// could not be walked. Sorted by path, without duplicates.
pub fn discover(paths: &[PathBuf]) -> Vec<Result<PathBuf, LoadError>> {
    let mut found = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, &mut found),
            Ok(_) => found.push(Ok(path.clone())),
            Err(e) => found.push(Err(LoadError::from_io(path, e))),
        }
    }
    found.sort_by(|a, b| key(a).cmp(key(b)));
    found.dedup_by(|a, b| matches!((a, b), (Ok(a), Ok(b)) if a == b));
    found
}

fn key(entry: &Result<PathBuf, LoadError>) -> &Path {
    match entry {
        Ok(path) => path,
        Err(e) => e.path(),
    }
}

fn walk(root: &Path, found: &mut Vec<Result<PathBuf, LoadError>>) {
    let walker = WalkDir::new(root)
        .follow_links(true)
        .into_iter()
        // The root was named by the user: it is walked even if hidden (`.`).
        .filter_entry(|entry| entry.depth() == 0 || !is_skipped(entry));
    for entry in walker {
        match entry {
            Ok(entry) => {
                if entry.file_type().is_file() && is_plan_file(entry.path()) {
                    found.push(Ok(entry.into_path()));
                }
            }
            Err(e) => found.push(Err(walk_error(root, e))),
        }
    }
}

fn is_skipped(entry: &DirEntry) -> bool {
    let name = entry.file_name().to_string_lossy();
    name.starts_with('.')
        || name.starts_with("~$")
        || (entry.file_type().is_dir() && name == "target")
}

fn is_plan_file(path: &Path) -> bool {
    super::has_extension(path, PLAN_EXTENSIONS)
}

fn walk_error(root: &Path, e: walkdir::Error) -> LoadError {
    let path = e.path().unwrap_or(root).to_owned();
    if let Some(ancestor) = e.loop_ancestor() {
        return LoadError::SymlinkLoop {
            ancestor: ancestor.to_owned(),
            path,
        };
    }
    match e.into_io_error() {
        Some(io) if io.kind() == std::io::ErrorKind::NotFound && path.is_symlink() => {
            LoadError::Io {
                source: std::io::Error::new(io.kind(), "broken symbolic link"),
                path,
            }
        }
        Some(io) => LoadError::from_io(&path, io),
        None => LoadError::Io {
            source: std::io::Error::other("cannot walk this entry"),
            path,
        },
    }
}
