//! The ignore file as the commands see it: which `.unspin-ignore` applies to an input (walking
//! up from its folder, or from the current folder for stdin), read once per folder per run, and
//! the repairs it rejects dropped. Called from the shared `analyse` pipeline, so check, fix, diff
//! and review all honour it.

use super::input::Input;
use anyhow::{anyhow, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use unspin::ignore::{self, IgnoreList};
use unspin::repair::Repair;

type Loaded = Result<Option<Arc<IgnoreList>>, String>;

/// Ignore lists by the folder the search started from (many inputs share a folder).
fn cache() -> &'static Mutex<HashMap<PathBuf, Loaded>> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Loaded>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// The folder an input's ignore file is searched from, as the input names it (the cache key:
/// made absolute only when first met, as that asks the system for the current folder).
pub(crate) fn start_dir(input: &Input) -> &Path {
    input
        .path
        .as_deref()
        .and_then(Path::parent)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn list_for(dir: &Path) -> Loaded {
    if let Some(hit) = cache().lock().expect("ignore cache").get(dir) {
        return hit.clone();
    }
    let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let loaded = match ignore::find(&abs) {
        None => Ok(None),
        Some(p) => ignore::load(&p).map(|l| Some(Arc::new(l))),
    };
    cache()
        .lock()
        .expect("ignore cache")
        .insert(dir.to_path_buf(), loaded.clone());
    loaded
}

/// Drop from `repairs` (spans into `text`, the content of `input`) those the applicable ignore
/// file rejects.
pub(crate) fn drop_ignored(input: &Input, text: &str, repairs: &mut Vec<Repair>) -> Result<()> {
    if let Some(list) = list_for(start_dir(input)).map_err(|e| anyhow!(e))? {
        list.retain(text, repairs);
    }
    Ok(())
}
