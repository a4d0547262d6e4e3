//! The commands of the `unspin` binary, one module each; what they share lives here.

pub(crate) mod check;
pub(crate) mod dict;
pub(crate) mod explain;
pub(crate) mod fix;
pub(crate) mod input;

use crate::RepairOpts;
use anyhow::{Context, Result};
use unspin::dictionaries::{Dictionaries, SpinTable};
use unspin::repair::{Repairer, Report};

pub(crate) fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

pub(crate) fn dictionaries(opts: &RepairOpts) -> Result<&'static Dictionaries> {
    if opts.spins.is_empty() {
        return Ok(Dictionaries::embedded());
    }
    let mut table = Dictionaries::embedded().spins.clone();
    for p in &opts.spins {
        let text = std::fs::read_to_string(p)
            .with_context(|| format!("reading spin table {}", p.display()))?;
        table.extend(SpinTable::parse(&text, &p.display().to_string())?);
    }
    Ok(Box::leak(Box::new(Dictionaries::with_spins(table))))
}

pub(crate) fn repairer(opts: &RepairOpts) -> Result<Repairer<'static>> {
    let mut r = Repairer::new(dictionaries(opts)?);
    r.settings.min_confidence = opts.min_confidence;
    Ok(r)
}

/// 1-based line and column (in characters) of byte offset `at`.
pub(crate) fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count()
        + 1;
    (line, col)
}

/// Read one input and find its repairs: the one pipeline `fix`, `check` and the other
/// commands share, so every filter on repairs applies to all of them alike.
pub(crate) fn analyse(repairer: &Repairer, input: &input::Input) -> Result<(String, Report)> {
    let text = input::read_input(input)?;
    let report = repairer.repair(&text);
    Ok((text, report))
}
