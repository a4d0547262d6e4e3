//! `unspin diff`: every repair shown as a change, inline (default), as a unified patch that
//! `patch`/`git apply` accept, or side by side; the views themselves live in `unspin::diff`.

use super::batch::{self, Ctx, Job};
use super::document::{large, read_whole, DocStats};
use super::input::{collect, BatchOpts, Encoding, Input};
use super::repair_text;
use crate::RepairOpts;
use anyhow::Result;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use unspin::diff::{self, ColorChoice, Paint};
use unspin::repair::Report;

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Style {
    /// The lines with repairs, each repair in place with its confidence
    Inline,
    /// A patch: `unspin diff --style unified FILE | patch -p1` writes what `unspin fix` prints
    Unified,
    /// Spun and restored text in two columns, repairs aligned
    SideBySide,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Color {
    /// Only when writing to a terminal and NO_COLOR is not set
    Auto,
    Always,
    Never,
}

/// How `unspin diff` shows the repairs.
#[derive(clap::Args, Clone)]
pub(crate) struct DiffOpts {
    #[arg(long, value_enum, default_value = "inline")]
    pub(crate) style: Style,
    #[arg(long, value_enum, default_value = "auto")]
    pub(crate) color: Color,
    /// Lines of context around each changed line (default: 3 for unified, 0 otherwise)
    #[arg(short = 'C', long = "context", value_name = "N")]
    pub(crate) context: Option<usize>,
    /// Width of the side-by-side view (default: the terminal's, else $COLUMNS, else 120)
    #[arg(long, value_name = "N")]
    pub(crate) width: Option<usize>,
}

/// The side-by-side width when none is given.
fn terminal_width() -> usize {
    if std::io::stdout().is_terminal() {
        if let Ok((w, _)) = ratatui::crossterm::terminal::size() {
            return usize::from(w);
        }
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse().ok())
        .filter(|&w: &usize| w > 0)
        .unwrap_or(120)
}

/// Render one input's repairs in the chosen style.
fn render(name: &str, text: &str, report: &Report, view: &DiffOpts, paint: Paint) -> String {
    let repairs = &report.repairs;
    if repairs.is_empty() {
        return String::new();
    }
    match view.style {
        Style::Unified => {
            let patch = diff::unified(text, repairs, name, view.context.unwrap_or(3));
            diff::render_unified(&patch, paint)
        }
        Style::Inline => {
            let hunks = diff::inline(text, repairs, view.context.unwrap_or(0));
            diff::render_title(name, repairs.len(), paint) + &diff::render_inline(&hunks, paint)
        }
        Style::SideBySide => {
            let column = diff::column_width(view.width.unwrap_or_else(terminal_width));
            let sbs = diff::side_by_side(
                text,
                repairs,
                view.context.unwrap_or(0),
                column,
                !paint.color,
            );
            diff::render_title(name, repairs.len(), paint) + &diff::render_side_by_side(&sbs, paint)
        }
    }
}

/// Read `input` whole and find its repairs through the shared pipeline (`repair_text`: the
/// input's unspin.toml, the ignore file), a byte order mark kept out of the repairer's sight
/// as `fix` does, so a diff and `fix` always agree. `review` reads its files the same way.
pub(crate) fn analyse_whole(input: &Input, encoding: Encoding) -> Result<(String, Report)> {
    let text = read_whole(input, encoding)?;
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut report = repair_text(&input.setup.repairer, input, &text[bom..])?;
    for r in &mut report.repairs {
        r.start += bom;
        r.end += bom;
    }
    Ok((text, report))
}

struct Diff<'a> {
    view: &'a DiffOpts,
    paint: Paint,
}

impl Job for Diff<'_> {
    fn run(&self, input: &Input, ctx: &Ctx, out: &mut dyn Write) -> Result<DocStats> {
        let (text, report) = analyse_whole(input, ctx.encoding)?;
        if input.stream || input.size > large() {
            ctx.progress.inc(text.len() as u64);
        }
        let shown = render(&input.name(), &text, &report, self.view, self.paint);
        if !shown.is_empty() {
            out.write_all(shown.as_bytes())?;
            if self.view.style != Style::Unified {
                writeln!(out)?;
            }
        }
        Ok(DocStats {
            words: report.words,
            repairs: report.repairs.len(),
            spin_score: report.spin_score,
            bytes: text.len() as u64,
            resumed: false,
        })
    }
}

pub(crate) fn diff(batch: &BatchOpts, view: &DiffOpts, opts: &RepairOpts) -> Result<ExitCode> {
    let choice = match view.color {
        Color::Auto => ColorChoice::Auto,
        Color::Always => ColorChoice::Always,
        Color::Never => ColorChoice::Never,
    };
    let no_color = std::env::var_os("NO_COLOR");
    let paint = Paint {
        color: choice.resolve(std::io::stdout().is_terminal(), no_color.as_deref()),
    };
    let s = batch::run(collect(batch, opts, None)?, batch, &Diff { view, paint })?;
    Ok(s.exit_code(false))
}
