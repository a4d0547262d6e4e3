//! `unspin fix`: print the repaired text, or rewrite files in place.

use super::input::inputs;
use super::{analyse, repairer};
use crate::RepairOpts;
use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use unspin::repair::{apply, Report};

pub(crate) fn fix(paths: &[PathBuf], write: bool, opts: &RepairOpts) -> Result<ExitCode> {
    let repairer = repairer(opts)?;
    let inputs = inputs(paths);
    if write && inputs.iter().any(|i| i.path.is_none()) {
        bail!("--write needs file paths, not standard input");
    }
    let results: Vec<Result<(String, Report)>> =
        inputs.par_iter().map(|i| analyse(&repairer, i)).collect();
    let mut errors = 0;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (input, result) in inputs.iter().zip(results) {
        match result {
            Ok((text, report)) => {
                let fixed = apply(&text, &report.repairs);
                match (&input.path, write) {
                    (Some(p), true) => {
                        if fixed != text {
                            unspin::atomic::write_atomic(p, fixed.as_bytes())
                                .with_context(|| format!("writing {}", p.display()))?;
                        }
                    }
                    _ => out.write_all(fixed.as_bytes())?,
                }
            }
            Err(e) => {
                errors += 1;
                eprintln!("unspin: error: {e:#}");
            }
        }
    }
    out.flush()?;
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
