//! `unspin check`: report spun phrases as long, brief or JSON Lines output.

use super::input::inputs;
use super::{analyse, line_col, repairer};
use crate::{Format, RepairOpts};
use anyhow::Result;
use rayon::prelude::*;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use unspin::repair::Report;

pub(crate) fn check(paths: &[PathBuf], format: Format, opts: &RepairOpts) -> Result<ExitCode> {
    let repairer = repairer(opts)?;
    let inputs = inputs(paths);
    let results: Vec<Result<(String, Report)>> =
        inputs.par_iter().map(|i| analyse(&repairer, i)).collect();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (mut errors, mut total) = (0usize, 0usize);
    for (input, result) in inputs.iter().zip(results) {
        let (text, report) = match result {
            Ok(x) => x,
            Err(e) => {
                errors += 1;
                if format == Format::Json {
                    let j = serde_json::json!({"type": "error", "path": input.name, "message": format!("{e:#}")});
                    writeln!(out, "{j}")?;
                } else {
                    eprintln!("unspin: error: {e:#}");
                }
                continue;
            }
        };
        total += report.repairs.len();
        for r in &report.repairs {
            let (line, col) = line_col(&text, r.start);
            match format {
                Format::Json => {
                    let j = serde_json::json!({
                        "type": "repair", "path": input.name, "line": line, "column": col,
                        "start": r.start, "end": r.end, "spun": r.spun,
                        "suggestions": r.suggestions, "source": r.source,
                    });
                    writeln!(out, "{j}")?;
                }
                Format::Brief => writeln!(
                    out,
                    "{}:{line}:{col}: `{}` -> `{}`",
                    input.name,
                    r.spun,
                    r.replacement()
                )?,
                Format::Long => {
                    let alts: Vec<String> = r
                        .suggestions
                        .iter()
                        .map(|s| format!("`{}` ({:.2})", s.text, s.confidence))
                        .collect();
                    let line_text = text.lines().nth(line - 1).unwrap_or("");
                    writeln!(
                        out,
                        "{}:{line}:{col}: spun `{}`, original probably {} [{}]",
                        input.name,
                        r.spun,
                        alts.join(", "),
                        r.source
                    )?;
                    writeln!(out, "  | {}", line_text.trim_end())?;
                    let pad: String = line_text
                        .chars()
                        .take(col - 1)
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
        match format {
            Format::Json => {
                let j = serde_json::json!({"type": "document", "path": input.name, "words": report.words,
                    "repairs": report.repairs.len(), "spin_score": report.spin_score});
                writeln!(out, "{j}")?;
            }
            Format::Long => writeln!(
                out,
                "{}: {} repairs in {} words, spin score {:.2}",
                input.name,
                report.repairs.len(),
                report.words,
                report.spin_score
            )?,
            Format::Brief => {}
        }
    }
    if format == Format::Json {
        let j = serde_json::json!({"type": "summary", "files": inputs.len(), "repairs": total, "errors": errors});
        writeln!(out, "{j}")?;
    }
    out.flush()?;
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else if total > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
