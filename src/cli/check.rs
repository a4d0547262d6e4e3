//! `unspin check`: report spun phrases as long, brief or JSON Lines output, for any number
//! of files and folders. The JSON Lines records are the contract of ../shared/DESIGN.md:
//! `repair` records (byte offsets into the file, 1-based line and column), one `document`
//! record per input, an `error` record per input that failed, and a closing `summary`.

use super::batch::{self, Ctx, Job};
use super::document::{excerpt, repair_parts, DocStats, Lines, Part};
use super::input::{collect, BatchOpts, Input};
use crate::{Format, RepairOpts};
use anyhow::Result;
use serde_json::json;
use std::io::Write;
use std::process::ExitCode;

pub(crate) fn check(batch: &BatchOpts, format: Format, opts: &RepairOpts) -> Result<ExitCode> {
    let s = batch::run(collect(batch, opts, None)?, batch, &Check { format })?;
    if format == Format::Json {
        let j =
            json!({"type": "summary", "files": s.files, "repairs": s.repairs, "errors": s.errors});
        let mut out = std::io::stdout().lock();
        writeln!(out, "{j}")?;
        out.flush()?;
    }
    Ok(s.exit_code(true))
}

struct Check {
    format: Format,
}

impl Job for Check {
    fn run(&self, input: &Input, ctx: &Ctx, out: &mut dyn Write) -> Result<DocStats> {
        let stats = repair_parts(input, ctx, |part| self.part(input, part, out))?;
        match self.format {
            Format::Json => {
                let j = json!({"type": "document", "path": input.name(), "words": stats.words,
                    "repairs": stats.repairs, "spin_score": stats.spin_score});
                writeln!(out, "{j}")?;
            }
            Format::Long => writeln!(
                out,
                "{}: {} repairs in {} words, spin score {:.2}",
                input.name(),
                stats.repairs,
                stats.words,
                stats.spin_score
            )?,
            Format::Brief => {}
        }
        Ok(stats)
    }

    fn failed(&self, name: &str, error: &anyhow::Error, out: &mut dyn Write) -> Result<()> {
        if self.format == Format::Json {
            let j = json!({"type": "error", "path": name, "message": format!("{error:#}")});
            writeln!(out, "{j}")?;
        }
        Ok(())
    }
}

impl Check {
    fn part(&self, input: &Input, part: &Part, out: &mut dyn Write) -> Result<()> {
        if part.report.repairs.is_empty() {
            return Ok(());
        }
        let lines = Lines::new(part.text);
        let name = &input.name();
        for r in &part.report.repairs {
            let (i, col, line_text) = lines.locate(r.start, part.bom);
            let line = part.line + i + 1;
            match self.format {
                Format::Json => {
                    let j = json!({
                        "type": "repair", "path": name, "line": line, "column": col,
                        "start": part.offset + r.start, "end": part.offset + r.end, "spun": r.spun,
                        "suggestions": r.suggestions, "source": r.source,
                    });
                    writeln!(out, "{j}")?;
                }
                Format::Brief => writeln!(
                    out,
                    "{name}:{line}:{col}: `{}` -> `{}`",
                    r.spun,
                    r.replacement()
                )?,
                Format::Long => {
                    let alts: Vec<String> = r
                        .suggestions
                        .iter()
                        .map(|s| format!("`{}` ({:.2})", s.text, s.confidence))
                        .collect();
                    writeln!(
                        out,
                        "{name}:{line}:{col}: spun `{}`, original probably {} [{}]",
                        r.spun,
                        alts.join(", "),
                        r.source
                    )?;
                    let line_start = line_text.as_ptr() as usize - part.text.as_ptr() as usize;
                    let (shown, lead) = excerpt(line_text, r.start - line_start, r.end - r.start);
                    writeln!(out, "  | {}", shown.trim_end())?;
                    let pad: String = shown
                        .chars()
                        .take(lead)
                        .map(|c| if c == '\t' { '\t' } else { ' ' })
                        .collect();
                    writeln!(
                        out,
                        "  | {pad}{}",
                        "^".repeat(r.spun.chars().count().max(1))
                    )?;
                }
            }
        }
        Ok(())
    }
}
