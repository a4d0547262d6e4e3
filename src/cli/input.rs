//! Inputs: paths and standard input read as UTF-8 text, with errors that say what to do.

use anyhow::{bail, Context, Result};
use std::io::Read;
use std::path::PathBuf;

/// One input: a path or stdin.
pub(crate) struct Input {
    pub(crate) name: String,
    pub(crate) path: Option<PathBuf>,
}

pub(crate) fn inputs(paths: &[PathBuf]) -> Vec<Input> {
    if paths.is_empty() {
        return vec![Input {
            name: "-".into(),
            path: None,
        }];
    }
    paths
        .iter()
        .map(|p| {
            if p.as_os_str() == "-" {
                Input {
                    name: "-".into(),
                    path: None,
                }
            } else {
                Input {
                    name: p.display().to_string(),
                    path: Some(p.clone()),
                }
            }
        })
        .collect()
}

/// Read an input as UTF-8 text, with an error that says what to do.
pub(crate) fn read_input(input: &Input) -> Result<String> {
    let bytes = match &input.path {
        None => {
            let mut b = Vec::new();
            std::io::stdin()
                .read_to_end(&mut b)
                .context("reading standard input")?;
            b
        }
        Some(p) => {
            if p.is_dir() {
                bail!("{} is a directory: pass the files inside it", p.display());
            }
            std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?
        }
    };
    if bytes.contains(&0) {
        bail!(
            "{}: looks binary (contains NUL bytes); unspin reads text only",
            input.name
        );
    }
    String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{}: not valid UTF-8 (first bad byte at offset {}); convert it to UTF-8 first (e.g. with iconv)",
            input.name,
            e.utf8_error().valid_up_to()
        )
    })
}
