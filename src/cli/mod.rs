//! The commands of the `unspin` binary, one module each; what they share lives here.

pub(crate) mod batch;
pub(crate) mod check;
pub(crate) mod dict;
pub(crate) mod diff;
pub(crate) mod document;
pub(crate) mod explain;
pub(crate) mod filter;
pub(crate) mod fix;
mod ignored;
pub(crate) mod input;
pub(crate) mod review;

use anyhow::{Context, Result};
use std::path::PathBuf;
use unspin::dictionaries::{Dictionaries, SpinTable};
use unspin::repair::{Repairer, Report};

pub(crate) fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The embedded dictionaries with extra spin tables (from --spins and unspin.toml).
pub(crate) fn dictionaries(tables: &[PathBuf]) -> Result<&'static Dictionaries> {
    if tables.is_empty() {
        return Ok(Dictionaries::embedded());
    }
    let mut table = Dictionaries::embedded().spins.clone();
    for p in tables {
        let text = std::fs::read_to_string(p).with_context(|| {
            format!("cannot read the spin table {}; check the path", p.display())
        })?;
        table.extend(SpinTable::parse(&text, &p.display().to_string())?);
    }
    Ok(Box::leak(Box::new(Dictionaries::with_spins(table))))
}

/// Repair one text of `input`: all of it, or one part of a large file. Every filter on
/// repairs (the input's unspin.toml, the ignore file) goes here.
pub(crate) fn repair_text(repairer: &Repairer, input: &input::Input, text: &str) -> Result<Report> {
    let mut report = repairer.repair(text);
    let setup = &input.setup;
    setup.config.apply(&setup.protected, text, &mut report);
    ignored::drop_ignored(input, text, &mut report.repairs)?;
    Ok(report)
}
