//! `unspin filter`: the pipeline pre-filter. JSON Lines in, JSON Lines out, streamed in
//! batches of lines repaired in parallel and written in input order, so memory stays bounded
//! and every input line has its output line (unless a score filter or `--on-error skip`
//! drops it on purpose).
//!
//! Output, per input line:
//! - `--mode annotate` (default): the line with `"unspin":{"spin_score":S,"repairs":[...]}`
//!   added as its last top-level field (replacing an `unspin` field already there). Each repair
//!   is `{"start","end","spun","suggestions":[{"text","confidence"}],"source"}`, with `start`
//!   and `end` half-open byte offsets into the UTF-8 text of the field.
//! - `--mode fix`: the line with the text field replaced by the repaired text, and the
//!   original under `--keep-original FIELD` when given.
//!
//! The rest of the line is copied byte for byte: fields, their order, numbers and spacing.
//! A line that is not a JSON object, lacks the field, or holds a non-string there is passed
//! through unchanged with a message on stderr (`--on-error pass`), dropped (`skip`) or ends
//! the run with exit code 1 (`fail`). Blank lines are passed through as they are.
//! With `--input lines` every line is one plain-text document: `fix` prints the repaired line,
//! `annotate` prints `{FIELD: line, "unspin": {...}}`.

use super::input::{Configs, Input};
use super::repair_text;
use crate::RepairOpts;
use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use unspin::repair::{apply, Report};

#[derive(clap::Args, Clone)]
pub(crate) struct FilterOpts {
    /// The field holding the text; nested fields joined with dots (content.body)
    #[arg(long, default_value = "text")]
    pub(crate) field: String,
    /// annotate: add spin score and repairs; fix: replace the text with the repaired text
    #[arg(long, value_enum, default_value = "annotate")]
    pub(crate) mode: Mode,
    /// With --mode fix: keep the original text under this top-level field
    #[arg(long, value_name = "FIELD")]
    pub(crate) keep_original: Option<String>,
    /// Drop documents whose spin score is above SCORE
    #[arg(long, value_name = "SCORE")]
    pub(crate) drop_above: Option<f32>,
    /// Keep only documents whose spin score is above SCORE
    #[arg(long, value_name = "SCORE")]
    pub(crate) keep_above: Option<f32>,
    /// A line that is not a JSON object or lacks a string text field: pass it through
    /// unchanged, skip it, or fail
    #[arg(long, value_enum, default_value = "pass")]
    pub(crate) on_error: OnError,
    /// json: JSON Lines; lines: each line is one plain-text document
    #[arg(long, value_enum, default_value = "json")]
    pub(crate) input: InputKind,
    /// Lines repaired at once (default: all cores)
    #[arg(short = 'j', long, value_name = "N")]
    pub(crate) jobs: Option<usize>,
    /// No summary on stderr (messages about bad lines are still shown)
    #[arg(short, long)]
    pub(crate) quiet: bool,
    /// Use this unspin.toml instead of the one nearest the current folder
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Mode {
    Annotate,
    Fix,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum OnError {
    Pass,
    Skip,
    Fail,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum InputKind {
    Json,
    Lines,
}

/// Lines read, repaired in parallel and written before the next batch is read.
const BATCH_LINES: usize = 1024;
const BATCH_BYTES: usize = 16 << 20;

pub(crate) fn filter(f: &FilterOpts, opts: &RepairOpts) -> Result<ExitCode> {
    for (flag, v) in [
        ("--drop-above", f.drop_above),
        ("--keep-above", f.keep_above),
    ] {
        if let Some(v) = v.filter(|v| !(0.0..=1.0).contains(v)) {
            bail!("{flag} takes a spin score between 0 and 1, not {v}");
        }
    }
    if f.keep_original.is_some() && f.mode != Mode::Fix {
        bail!("--keep-original only applies to --mode fix");
    }
    if f.keep_original.as_deref() == f.field.split('.').next() {
        bail!("--keep-original must name another field than --field");
    }
    if f.field.split('.').any(str::is_empty) {
        bail!(
            "--field {:?} is not a field path; name it like `text` or `content.body`",
            f.field
        );
    }
    super::batch::start_pool(f.jobs);
    let setup = Configs::new(opts, f.config.as_deref())?.for_dir(std::path::Path::new("."))?;
    let stdin_input = Input::stdin(setup);
    let path: Vec<&str> = f.field.split('.').collect();
    let stdin = std::io::stdin();
    let mut reader = stdin.lock();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut counts = Counts::default();
    let mut number = 0usize;
    loop {
        let mut batch = Vec::with_capacity(BATCH_LINES);
        let mut bytes = 0;
        while batch.len() < BATCH_LINES && bytes < BATCH_BYTES {
            let mut line = Vec::new();
            if reader
                .read_until(b'\n', &mut line)
                .context("reading standard input")?
                == 0
            {
                break;
            }
            bytes += line.len();
            batch.push(line);
        }
        if batch.is_empty() {
            break;
        }
        let outs: Vec<Result<Outcome, String>> = batch
            .par_iter()
            .map(|line| one_line(f, &path, &stdin_input, line))
            .collect();
        for (line, outcome) in batch.iter().zip(outs) {
            number += 1;
            counts.lines += 1;
            match outcome {
                Ok(Outcome::Write(bytes)) => out.write_all(&bytes)?,
                Ok(Outcome::Pass) => out.write_all(line)?,
                Ok(Outcome::Dropped) => counts.dropped += 1,
                Err(m) => match f.on_error {
                    OnError::Pass if f.input == InputKind::Lines && f.mode == Mode::Annotate => {
                        // The output is JSON Lines: the line goes on as a record with its
                        // error, its text read lossily, rather than as bytes no reader parses.
                        counts.bad += 1;
                        eprintln!("unspin: line {number}: {m}; passed on with the error");
                        let (body, end) = split_end(line);
                        let mut r = serde_json::Map::new();
                        r.insert(f.field.clone(), String::from_utf8_lossy(body).into());
                        r.insert("unspin".into(), serde_json::json!({ "error": m }));
                        out.write_all(serde_json::Value::Object(r).to_string().as_bytes())?;
                        out.write_all(if end.is_empty() { b"\n" } else { end })?;
                    }
                    OnError::Pass => {
                        counts.bad += 1;
                        eprintln!("unspin: line {number}: {m}; passed through unchanged");
                        out.write_all(line)?;
                    }
                    OnError::Skip => {
                        counts.bad += 1;
                        eprintln!("unspin: line {number}: {m}; skipped");
                    }
                    OnError::Fail => {
                        out.flush()?;
                        eprintln!("unspin: error: line {number}: {m}; stopped (--on-error fail)");
                        return Ok(ExitCode::from(1));
                    }
                },
            }
        }
        out.flush()?;
    }
    out.flush()?;
    if !f.quiet {
        eprintln!(
            "unspin: filter: {} lines, {} dropped by spin score, {} bad lines {}",
            counts.lines,
            counts.dropped,
            counts.bad,
            if f.on_error == OnError::Skip {
                "skipped"
            } else {
                "passed through"
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Default)]
struct Counts {
    lines: usize,
    dropped: usize,
    bad: usize,
}

enum Outcome {
    /// These bytes instead of the line.
    Write(Vec<u8>),
    /// The line as it is.
    Pass,
    /// Left out by --drop-above / --keep-above.
    Dropped,
}

/// The line without its line end, and the line end.
fn split_end(line: &[u8]) -> (&[u8], &[u8]) {
    let body = line
        .strip_suffix(b"\r\n")
        .or_else(|| line.strip_suffix(b"\n"))
        .unwrap_or(line);
    (body, &line[body.len()..])
}

/// Longest line `filter` repairs: repairing a text takes some 70 times its size in memory
/// (a 32 MB line took 2.2 GB), so a longer line is a bad line (passed on, skipped or fatal as
/// `--on-error` says) rather than a reason to run out of memory.
const LINE_MAX: usize = 16 << 20;

fn one_line(f: &FilterOpts, path: &[&str], input: &Input, line: &[u8]) -> Result<Outcome, String> {
    if line.len() > LINE_MAX {
        return Err(format!(
            "longer than {} MiB, not repaired (split such documents before the filter)",
            LINE_MAX >> 20
        ));
    }
    let (body, end) = split_end(line);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Outcome::Pass);
    }
    let body = std::str::from_utf8(body).map_err(|e| {
        format!(
            "not valid UTF-8 (bad byte at column {})",
            e.valid_up_to() + 1
        )
    })?;
    if f.input == InputKind::Lines {
        let report = repair(input, body)?;
        if !selected(f, &report) {
            return Ok(Outcome::Dropped);
        }
        let mut o = match f.mode {
            Mode::Fix => apply(body, &report.repairs),
            Mode::Annotate => {
                let mut m = serde_json::Map::new();
                m.insert(f.field.clone(), body.into());
                m.insert("unspin".into(), annotation(&report));
                serde_json::Value::Object(m).to_string()
            }
        };
        o.push_str(std::str::from_utf8(end).unwrap_or("\n"));
        return Ok(Outcome::Write(o.into_bytes()));
    }
    let top: HashMap<String, &RawValue> =
        serde_json::from_str(body).map_err(|e| format!("not a JSON object ({e})"))?;
    let mut fields = &top;
    let mut nested;
    let mut raw = None;
    for (i, key) in path.iter().enumerate() {
        let shown = path[..=i].join(".");
        let v = *fields
            .get(*key)
            .ok_or_else(|| format!("no field `{shown}` (name the text field with --field)"))?;
        if i + 1 == path.len() {
            raw = Some(v);
        } else {
            nested = serde_json::from_str::<HashMap<String, &RawValue>>(v.get())
                .map_err(|_| format!("field `{shown}` is not an object"))?;
            fields = &nested;
        }
    }
    let raw = raw.expect("a non-empty path");
    let text: String =
        serde_json::from_str(raw.get()).map_err(|e| match raw.get().starts_with('"') {
            // A string that is not text: a lone surrogate ("\ud800"), common in scraped JSON.
            true => format!(
                "field `{}` is a string that is not valid text ({e})",
                f.field
            ),
            false => format!("field `{}` is {}, not a string", f.field, kind(raw.get())),
        })?;
    let report = repair(input, &text)?;
    if !selected(f, &report) {
        return Ok(Outcome::Dropped);
    }
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let span = |v: &RawValue| {
        let start = v.get().as_ptr() as usize - body.as_ptr() as usize;
        (start, start + v.get().len())
    };
    let mut set_top = |name: &str, value: String| match top.get(name) {
        Some(v) => {
            let (s, e) = span(v);
            edits.push((s, e, value));
        }
        None => {
            let close = body.rfind('}').expect("an object ends with }");
            let sep = if top.is_empty() { "" } else { "," };
            let name = serde_json::Value::from(name);
            edits.push((close, close, format!("{sep}{name}:{value}")));
        }
    };
    match f.mode {
        Mode::Annotate => set_top("unspin", annotation(&report).to_string()),
        Mode::Fix => {
            if let Some(keep) = &f.keep_original {
                set_top(keep, serde_json::Value::from(text.as_str()).to_string());
            }
            let (s, e) = span(raw);
            let fixed = apply(&text, &report.repairs);
            edits.push((s, e, serde_json::Value::from(fixed).to_string()));
        }
    }
    edits.sort_by_key(|&(s, ..)| std::cmp::Reverse(s));
    let mut o = body.to_string();
    for (s, e, v) in edits {
        o.replace_range(s..e, &v);
    }
    let mut o = o.into_bytes();
    o.extend_from_slice(end);
    Ok(Outcome::Write(o))
}

fn repair(input: &Input, text: &str) -> Result<Report, String> {
    repair_text(&input.setup.repairer, input, text).map_err(|e| format!("{e:#}"))
}

fn selected(f: &FilterOpts, report: &Report) -> bool {
    let s = report.spin_score;
    !(f.drop_above.is_some_and(|d| s > d) || f.keep_above.is_some_and(|k| s <= k))
}

fn annotation(report: &Report) -> serde_json::Value {
    serde_json::json!({"spin_score": report.spin_score, "repairs": report.repairs})
}

/// What kind of JSON value a raw value is, for messages.
fn kind(raw: &str) -> &'static str {
    match raw.as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_ends_are_split_off() {
        assert_eq!(split_end(b"ab\r\n"), (&b"ab"[..], &b"\r\n"[..]));
        assert_eq!(split_end(b"ab\n"), (&b"ab"[..], &b"\n"[..]));
        assert_eq!(split_end(b"ab"), (&b"ab"[..], &b""[..]));
    }
}
