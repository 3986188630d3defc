//! Walking an output directory: the relative paths (with `/`) of its files.

use std::fs;
use std::path::Path;

use crate::error::SiteError;

/// Every file under `root`, as sorted relative paths with `/` separators.
/// A missing `root` has no files.
pub fn list(root: &Path) -> Result<Vec<String>, SiteError> {
    let mut out = Vec::new();
    if root.is_dir() {
        walk(root, "", &mut out)?;
    }
    out.sort();
    Ok(out)
}

fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) -> Result<(), SiteError> {
    for entry in fs::read_dir(dir).map_err(|e| SiteError::io(dir, e))? {
        let entry = entry.map_err(|e| SiteError::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = format!("{prefix}{name}");
        let kind = entry
            .file_type()
            .map_err(|e| SiteError::io(&entry.path(), e))?;
        if kind.is_dir() {
            walk(&entry.path(), &format!("{rel}/"), out)?;
        } else if kind.is_file() {
            out.push(rel);
        }
    }
    Ok(())
}

/// Copies every file of `from` into `to/<prefix>` (e.g. product images into
/// `out/images/`), returning how many were copied.
pub fn copy_tree(from: &Path, to: &Path) -> Result<usize, SiteError> {
    let files = list(from)?;
    for rel in &files {
        let dest = to.join(rel);
        if let Some(dir) = dest.parent() {
            fs::create_dir_all(dir).map_err(|e| SiteError::io(dir, e))?;
        }
        fs::copy(from.join(rel), &dest).map_err(|e| SiteError::io(&dest, e))?;
    }
    Ok(files.len())
}
