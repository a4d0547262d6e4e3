//! `unspin explain`: every candidate the decoder saw for one text, with its score.

use super::input::Configs;
use crate::RepairOpts;
use anyhow::Result;
use std::io::Write;
use std::process::ExitCode;
use unspin::repair::apply;

pub(crate) fn explain(text: &str, opts: &RepairOpts) -> Result<ExitCode> {
    // With the settings of the current folder, as `echo TEXT | unspin fix` would use them.
    let setup = Configs::new(opts, None)?.for_dir(std::path::Path::new("."))?;
    let (mut report, considered) = setup.repairer.explain(text);
    setup.config.apply(&setup.protected, text, &mut report);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(
        out,
        "spin score {:.3}; {} words",
        report.spin_score, report.words
    )?;
    writeln!(
        out,
        "{:>8}  {:<3} {:<11} {:<28} original",
        "gain", "", "source", "spun"
    )?;
    for c in &considered {
        writeln!(
            out,
            "{:>8.3}  {:<3} {:<11} {:<28} {}",
            c.gain,
            if c.chosen { "*" } else { "" },
            c.source,
            c.spun,
            // As a repair would write it (the tables hold originals in lower case).
            unspin::repair::match_case(&c.spun, &c.original)
        )?;
    }
    writeln!(out, "repaired: {}", apply(text, &report.repairs))?;
    Ok(ExitCode::SUCCESS)
}
