//! Showing repairs as changes: one model of "which lines change and how", three views over it
//! (inline, unified patch, side by side), and colour as a last, separate step. Pure: no I/O and
//! no terminal; the binary decides the width and whether to paint.
//!
//! The unified view is a real patch: applying it to the input with `patch` or `git apply`
//! gives exactly [`apply`]`(text, repairs)`, byte for byte.

use crate::repair::{apply, Repair};
use similar::TextDiff;
use std::fmt::Write as _;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The repairs at or above `min` confidence, in input order.
pub fn confident(repairs: &[Repair], min: f32) -> Vec<Repair> {
    repairs
        .iter()
        .filter(|r| r.confidence() >= min)
        .cloned()
        .collect()
}

/// A piece of a displayed line: text left alone, or one repair.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece<'a> {
    Same(&'a str),
    Change {
        removed: &'a str,
        restored: &'a str,
        confidence: f32,
    },
}

/// One line of the input (several, when a repair spans a line break) cut into pieces.
#[derive(Debug, Clone, PartialEq)]
pub struct Line<'a> {
    /// 1-based number of the line's first input line.
    pub number: usize,
    pub pieces: Vec<Piece<'a>>,
}

impl Line<'_> {
    /// Whether the line holds at least one repair.
    pub fn changed(&self) -> bool {
        self.pieces
            .iter()
            .any(|p| matches!(p, Piece::Change { .. }))
    }
}

/// A run of consecutive lines: the changed ones plus their context.
#[derive(Debug, Clone, PartialEq)]
pub struct Hunk<'a> {
    pub lines: Vec<Line<'a>>,
}

/// Byte ranges of the displayed lines of `text` (without their line terminators): input lines,
/// joined where a repair spans a line break so that every repair sits in one displayed line.
fn line_ranges(text: &str, repairs: &[Repair]) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    let (mut ri, mut number, mut first, mut line_start) = (0, 1, 1, 0);
    for (p, _) in text.match_indices('\n') {
        while ri < repairs.len() && repairs[ri].end <= p {
            ri += 1;
        }
        let inside_repair = ri < repairs.len() && repairs[ri].start <= p;
        if !inside_repair {
            let mut end = p;
            if end > line_start && text.as_bytes()[end - 1] == b'\r' {
                end -= 1;
            }
            out.push((first, line_start, end));
            line_start = p + 1;
            first = number + 1;
        }
        number += 1;
    }
    if line_start < text.len() {
        out.push((first, line_start, text.len()));
    }
    out
}

/// The lines of `text` with repairs, each with `context` lines around it, grouped in hunks.
/// `repairs` must be sorted and non-overlapping (as the repairer returns them).
pub fn inline<'a>(text: &'a str, repairs: &'a [Repair], context: usize) -> Vec<Hunk<'a>> {
    let ranges = line_ranges(text, repairs);
    let mut lines: Vec<Line<'a>> = Vec::with_capacity(ranges.len());
    let mut ri = 0;
    for &(number, s, e) in &ranges {
        let mut pieces = Vec::new();
        let mut pos = s;
        while ri < repairs.len() && repairs[ri].start < e {
            let r = &repairs[ri];
            ri += 1;
            if r.start < pos {
                continue;
            }
            if r.start > pos {
                pieces.push(Piece::Same(&text[pos..r.start]));
            }
            pieces.push(Piece::Change {
                removed: &text[r.start..r.end],
                restored: r.replacement(),
                confidence: r.confidence(),
            });
            pos = r.end;
        }
        if pos < e {
            pieces.push(Piece::Same(&text[pos..e]));
        }
        lines.push(Line { number, pieces });
    }
    let mut keep = vec![false; lines.len()];
    for (i, l) in lines.iter().enumerate() {
        if l.changed() {
            let lo = i.saturating_sub(context);
            let hi = (i + context).min(lines.len() - 1);
            keep[lo..=hi].iter_mut().for_each(|k| *k = true);
        }
    }
    let mut hunks: Vec<Hunk<'a>> = Vec::new();
    let mut open = false;
    for (line, k) in lines.into_iter().zip(keep) {
        if !k {
            open = false;
            continue;
        }
        if !open {
            hunks.push(Hunk { lines: Vec::new() });
            open = true;
        }
        hunks.last_mut().expect("just pushed").lines.push(line);
    }
    hunks
}

/// A unified diff from `text` to the repaired text, with `context` lines around each change and
/// `--- a/NAME` / `+++ b/NAME` headers (so `git apply` and `patch -p1` find the file; an
/// absolute NAME as it is, for `patch -p0`). Empty when nothing changes.
pub fn unified(text: &str, repairs: &[Repair], name: &str, context: usize) -> String {
    let fixed = apply(text, repairs);
    let diff = TextDiff::from_lines(text, fixed.as_str());
    let (a, b) = match name.starts_with('/') {
        true => (name.to_string(), name.to_string()),
        false => (format!("a/{name}"), format!("b/{name}")),
    };
    diff.unified_diff()
        .context_radius(context)
        .header(&a, &b)
        .to_string()
}

/// What a cell of the side-by-side view shows, for the painter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Same,
    Removed,
    Restored,
    /// Padding that keeps a repair aligned with its counterpart.
    Pad,
}

/// A run of text of one kind in a side-by-side column.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub kind: Kind,
    pub text: String,
}

/// One screen row of the side-by-side view. `number` is set on the first row of a line.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub number: Option<usize>,
    /// Whether the line this row belongs to holds a repair.
    pub changed: bool,
    pub left: Vec<Span>,
    pub right: Vec<Span>,
}

/// The side-by-side view: hunks of rows, each column `column` cells wide.
#[derive(Debug, Clone, PartialEq)]
pub struct SideBySide {
    pub column: usize,
    pub hunks: Vec<Vec<Row>>,
}

/// Width of the gutter (`NNNN │ `) and separator (` │ `) around the two columns.
const GUTTER: usize = 7;
const SEPARATOR: usize = 3;

/// Column width for a total width (at least 12 so a word or two always fits).
pub fn column_width(total: usize) -> usize {
    (total.saturating_sub(GUTTER + SEPARATOR) / 2).max(12)
}

/// Text as one display line: tabs and line breaks become spaces, carriage returns go.
fn flat(s: &str) -> String {
    s.chars()
        .filter(|&c| c != '\r')
        .map(|c| if c == '\t' || c == '\n' { ' ' } else { c })
        .collect()
}

fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Something that wraps as a whole: a word with its trailing spaces, both columns alike, or a
/// repair, removed words left and restored words right, the narrower padded.
struct Atom {
    left: Vec<Span>,
    right: Vec<Span>,
    /// Cells taken in each column, without trailing spaces.
    body: usize,
    /// Cells taken in each column, with them.
    full: usize,
}

fn word_atoms(s: &str, out: &mut Vec<Atom>) {
    let s = flat(s);
    let mut rest = s.as_str();
    while !rest.is_empty() {
        let word_end = rest.find(' ').unwrap_or(rest.len());
        let space_end = rest[word_end..]
            .find(|c| c != ' ')
            .map_or(rest.len(), |i| word_end + i);
        let (piece, tail) = rest.split_at(space_end);
        let span = Span {
            kind: Kind::Same,
            text: piece.to_string(),
        };
        out.push(Atom {
            left: vec![span.clone()],
            right: vec![span],
            body: width(&piece[..word_end]),
            full: width(piece),
        });
        rest = tail;
    }
}

fn change_atom(removed: &str, restored: &str, marks: bool) -> Atom {
    let (l, r) = if marks {
        (
            format!("[-{}-]", flat(removed)),
            format!("{{+{}+}}", flat(restored)),
        )
    } else {
        (flat(removed), flat(restored))
    };
    let w = width(&l).max(width(&r));
    let side = |text: String, kind: Kind| {
        let pad = w - width(&text);
        let mut v = vec![Span { kind, text }];
        if pad > 0 {
            v.push(Span {
                kind: Kind::Pad,
                text: " ".repeat(pad),
            });
        }
        v
    };
    Atom {
        left: side(l, Kind::Removed),
        right: side(r, Kind::Restored),
        body: w,
        full: w,
    }
}

/// Join atoms not separated by a space (`“` + a repair + `,`), so a line never breaks inside
/// a word; the padding of their repairs moves to the end of the joined atom.
fn glue(atoms: Vec<Atom>) -> Vec<Atom> {
    let mut out: Vec<Atom> = Vec::with_capacity(atoms.len());
    let mut open = false;
    for atom in atoms {
        match out.last_mut() {
            Some(prev) if open => {
                let move_pads = |spans: &mut Vec<Span>, add: Vec<Span>| {
                    let pads: Vec<Span> = spans
                        .iter()
                        .filter(|s| s.kind == Kind::Pad)
                        .cloned()
                        .collect();
                    spans.retain(|s| s.kind != Kind::Pad);
                    spans.extend(add);
                    spans.extend(pads);
                };
                let (body, full) = (atom.body, atom.full);
                move_pads(&mut prev.left, atom.left);
                move_pads(&mut prev.right, atom.right);
                // Trailing spaces of the new atom now sit before the moved padding: keep
                // the widths, which count cells, unchanged in sum.
                prev.body = prev.full + body;
                prev.full += full;
            }
            _ => out.push(atom),
        }
        let last = out.last().expect("pushed");
        open = last.full == last.body;
    }
    out
}

/// Cut spans into pieces at most `max` cells wide (for words wider than a column).
fn split_spans(spans: &[Span], max: usize) -> Vec<Vec<Span>> {
    let mut rows: Vec<Vec<Span>> = vec![Vec::new()];
    let mut used = 0;
    for s in spans {
        let mut cur = String::new();
        for c in s.text.chars() {
            let cw = c.width().unwrap_or(0);
            if used + cw > max && used > 0 {
                if !cur.is_empty() {
                    rows.last_mut().expect("non-empty").push(Span {
                        kind: s.kind,
                        text: std::mem::take(&mut cur),
                    });
                }
                rows.push(Vec::new());
                used = 0;
            }
            cur.push(c);
            used += cw;
        }
        if !cur.is_empty() {
            rows.last_mut().expect("non-empty").push(Span {
                kind: s.kind,
                text: cur,
            });
        }
    }
    rows
}

/// Drop the blanks at the end of a row (a word's trailing space may not fit the column).
fn trim_end(spans: &mut Vec<Span>) {
    while let Some(last) = spans.last_mut() {
        if last.kind == Kind::Removed || last.kind == Kind::Restored {
            return;
        }
        let kept = last.text.trim_end_matches(' ').len();
        if kept > 0 {
            last.text.truncate(kept);
            return;
        }
        spans.pop();
    }
}

/// Lay out the side-by-side view: the lines of [`inline`]`(text, repairs, context)`, spun text
/// left and restored text right, wrapped at word boundaries to `column` cells, each repair on the
/// same row and column on both sides. With `marks`, repairs carry `[-…-]` / `{+…+}` markers (for
/// output without colour).
pub fn side_by_side(
    text: &str,
    repairs: &[Repair],
    context: usize,
    column: usize,
    marks: bool,
) -> SideBySide {
    let column = column.max(1);
    let mut hunks = Vec::new();
    for hunk in inline(text, repairs, context) {
        let mut rows = Vec::new();
        for line in &hunk.lines {
            let mut atoms = Vec::new();
            for p in &line.pieces {
                match p {
                    Piece::Same(s) => word_atoms(s, &mut atoms),
                    Piece::Change {
                        removed, restored, ..
                    } => atoms.push(change_atom(removed, restored, marks)),
                }
            }
            let atoms = glue(atoms);
            let changed = line.changed();
            let mut first = true;
            let row = |mut left: Vec<Span>, mut right: Vec<Span>, first: &mut bool| {
                trim_end(&mut left);
                trim_end(&mut right);
                let number = if *first { Some(line.number) } else { None };
                *first = false;
                Row {
                    number,
                    changed,
                    left,
                    right,
                }
            };
            let (mut left, mut right, mut used) = (Vec::new(), Vec::new(), 0usize);
            for atom in atoms {
                if used > 0 && used + atom.body > column {
                    rows.push(row(
                        std::mem::take(&mut left),
                        std::mem::take(&mut right),
                        &mut first,
                    ));
                    used = 0;
                }
                if atom.body > column {
                    let ls = split_spans(&atom.left, column);
                    let rs = split_spans(&atom.right, column);
                    let n = ls.len().max(rs.len());
                    let (mut ls, mut rs) = (ls.into_iter(), rs.into_iter());
                    for i in 0..n {
                        let (l, r) = (ls.next().unwrap_or_default(), rs.next().unwrap_or_default());
                        if i + 1 < n {
                            rows.push(row(l, r, &mut first));
                        } else {
                            used = l
                                .iter()
                                .chain(&r)
                                .map(|s| width(&s.text))
                                .max()
                                .unwrap_or(0);
                            left = l;
                            right = r;
                        }
                    }
                    continue;
                }
                used += atom.full;
                left.extend(atom.left);
                right.extend(atom.right);
            }
            rows.push(row(left, right, &mut first));
        }
        hunks.push(rows);
    }
    SideBySide { column, hunks }
}

/// Whether to paint with colour: `--color always|never`, or for `auto`, only on a terminal and
/// only when `NO_COLOR` is unset or empty (<https://no-color.org>).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    pub fn resolve(self, is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => is_terminal && no_color.map_or(true, |v| v.is_empty()),
        }
    }
}

/// How to paint: ANSI colours and emphasis, or plain text with markers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paint {
    pub color: bool,
}

/// ANSI styles: three tiers (changed line, changed words strong, unchanged words faint).
mod sgr {
    pub const RESET: &str = "\x1b[0m";
    pub const FAINT: &str = "\x1b[2m";
    pub const BOLD: &str = "\x1b[1m";
    pub const REMOVED: &str = "\x1b[31;9m";
    pub const RESTORED: &str = "\x1b[1;32m";
    pub const CONFIDENCE: &str = "\x1b[36m";
    pub const CHANGED_GUTTER: &str = "\x1b[33m";
    pub const DEL_LINE: &str = "\x1b[31m";
    pub const ADD_LINE: &str = "\x1b[32m";
    pub const HUNK: &str = "\x1b[36m";
}

impl Paint {
    fn put(self, out: &mut String, style: &str, text: &str) {
        if self.color && !text.is_empty() {
            out.push_str(style);
            out.push_str(text);
            out.push_str(sgr::RESET);
        } else {
            out.push_str(text);
        }
    }
}

/// A file's title line for the inline and side-by-side views.
pub fn render_title(name: &str, repairs: usize, paint: Paint) -> String {
    let mut out = String::new();
    let plural = if repairs == 1 { "" } else { "s" };
    paint.put(&mut out, sgr::BOLD, &format!("── {name} "));
    paint.put(
        &mut out,
        sgr::FAINT,
        &format!("── {repairs} repair{plural}"),
    );
    out.push('\n');
    out
}

/// Render the inline view: `NNN │ text` per line, each repair in place as removed then restored
/// words and its confidence; plain output marks them `[-removed-]{+restored+}(0.97)`. Hunks are
/// separated by a `┈` line.
pub fn render_inline(hunks: &[Hunk], paint: Paint) -> String {
    let mut out = String::new();
    for (i, h) in hunks.iter().enumerate() {
        if i > 0 {
            paint.put(&mut out, sgr::FAINT, "     ┈");
            out.push('\n');
        }
        for line in &h.lines {
            let gutter = format!("{:>4} │ ", line.number);
            let changed = line.changed();
            paint.put(
                &mut out,
                if changed {
                    sgr::CHANGED_GUTTER
                } else {
                    sgr::FAINT
                },
                &gutter,
            );
            for p in &line.pieces {
                match p {
                    Piece::Same(s) => paint.put(&mut out, sgr::FAINT, &flat(s)),
                    Piece::Change {
                        removed,
                        restored,
                        confidence,
                    } => {
                        let conf = format!("({confidence:.2})");
                        if paint.color {
                            paint.put(&mut out, sgr::REMOVED, &flat(removed));
                            paint.put(&mut out, sgr::RESTORED, &flat(restored));
                            paint.put(&mut out, sgr::CONFIDENCE, &conf);
                        } else {
                            let _ =
                                write!(out, "[-{}-]{{+{}+}}{conf}", flat(removed), flat(restored));
                        }
                    }
                }
            }
            out.push('\n');
        }
    }
    out
}

/// Render the side-by-side view: `NNNN │ spun │ restored`, each column padded to its width.
pub fn render_side_by_side(view: &SideBySide, paint: Paint) -> String {
    let mut out = String::new();
    let col = view.column;
    for (i, rows) in view.hunks.iter().enumerate() {
        if i > 0 {
            paint.put(&mut out, sgr::FAINT, "     ┈");
            out.push('\n');
        }
        for row in rows {
            let gutter = match row.number {
                Some(n) => format!("{n:>4} │ "),
                None => "     │ ".to_string(),
            };
            let gutter_style = if row.changed {
                sgr::CHANGED_GUTTER
            } else {
                sgr::FAINT
            };
            paint.put(&mut out, gutter_style, &gutter);
            let cell = |spans: &[Span], out: &mut String, pad: bool| {
                let mut used = 0;
                for s in spans {
                    used += width(&s.text);
                    let style = match s.kind {
                        Kind::Same => sgr::FAINT,
                        Kind::Removed => sgr::REMOVED,
                        Kind::Restored => sgr::RESTORED,
                        Kind::Pad => "",
                    };
                    if s.kind == Kind::Pad {
                        out.push_str(&s.text);
                    } else {
                        paint.put(out, style, &s.text);
                    }
                }
                if pad {
                    out.push_str(&" ".repeat(col.saturating_sub(used)));
                }
            };
            cell(&row.left, &mut out, true);
            paint.put(&mut out, gutter_style, " │ ");
            cell(&row.right, &mut out, false);
            // No trailing blanks at the ends of rows.
            while out.ends_with(' ') {
                out.pop();
            }
            out.push('\n');
        }
    }
    out
}

/// Paint a unified diff for a terminal: headers bold, hunk headers cyan, removed lines red,
/// added lines green. Plain output returns it unchanged (so it stays a valid patch).
pub fn render_unified(diff: &str, paint: Paint) -> String {
    if !paint.color {
        return diff.to_string();
    }
    let mut out = String::new();
    for line in diff.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let style = if body.starts_with("--- ") || body.starts_with("+++ ") {
            sgr::BOLD
        } else if body.starts_with("@@") {
            sgr::HUNK
        } else if body.starts_with('-') {
            sgr::DEL_LINE
        } else if body.starts_with('+') {
            sgr::ADD_LINE
        } else {
            ""
        };
        if style.is_empty() {
            out.push_str(body);
        } else {
            paint.put(&mut out, style, body);
        }
        out.push_str(nl);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repair::Suggestion;

    fn rep(text: &str, spun: &str, nth: usize, to: &str, conf: f32) -> Repair {
        let start = text.match_indices(spun).nth(nth).expect("phrase in text").0;
        Repair {
            start,
            end: start + spun.len(),
            spun: spun.to_string(),
            suggestions: vec![Suggestion {
                text: to.to_string(),
                confidence: conf,
            }],
            source: "spins",
        }
    }

    const TEXT: &str = "One line here.\nTrump's Fact Social put up mentioned it.\nA calm line.\nAnother.\nThe finish.\nWe lastly see.\n";

    fn repairs() -> Vec<Repair> {
        vec![
            rep(TEXT, "Fact Social", 0, "Truth Social", 0.97),
            rep(TEXT, "mentioned", 0, "said", 0.9),
            rep(TEXT, "lastly", 0, "finally", 0.6),
        ]
    }

    #[test]
    fn inline_groups_changed_lines_with_context() {
        let r = repairs();
        let hunks = inline(TEXT, &r, 1);
        assert_eq!(hunks.len(), 2);
        let nums: Vec<Vec<usize>> = hunks
            .iter()
            .map(|h| h.lines.iter().map(|l| l.number).collect())
            .collect();
        assert_eq!(nums, vec![vec![1, 2, 3], vec![5, 6]]);
        assert_eq!(
            hunks[0].lines[1].pieces,
            vec![
                Piece::Same("Trump's "),
                Piece::Change {
                    removed: "Fact Social",
                    restored: "Truth Social",
                    confidence: 0.97
                },
                Piece::Same(" put up "),
                Piece::Change {
                    removed: "mentioned",
                    restored: "said",
                    confidence: 0.9
                },
                Piece::Same(" it."),
            ]
        );
        assert_eq!(inline(TEXT, &r, 0).len(), 2);
        assert_eq!(inline(TEXT, &r, 0)[0].lines.len(), 1);
        assert_eq!(inline(TEXT, &r, 9).len(), 1);
        assert!(inline(TEXT, &[], 3).is_empty());
    }

    #[test]
    fn plain_inline_rendering() {
        let r = repairs();
        let out = render_inline(&inline(TEXT, &r, 0), Paint { color: false });
        assert_eq!(
            out,
            "   2 │ Trump's [-Fact Social-]{+Truth Social+}(0.97) put up [-mentioned-]{+said+}(0.90) it.\n     ┈\n   6 │ We [-lastly-]{+finally+}(0.60) see.\n"
        );
        let painted = render_inline(&inline(TEXT, &r, 0), Paint { color: true });
        assert!(painted.contains("\x1b[31;9mFact Social\x1b[0m\x1b[1;32mTruth Social\x1b[0m"));
    }

    #[test]
    fn a_repair_across_a_line_break_joins_the_lines() {
        let text = "White\nHome Press\nend";
        let r = vec![rep(text, "White\nHome", 0, "White House", 0.9)];
        let hunks = inline(text, &r, 0);
        assert_eq!(hunks[0].lines.len(), 1);
        assert_eq!(hunks[0].lines[0].number, 1);
        let out = render_inline(&hunks, Paint { color: false });
        assert_eq!(out, "   1 │ [-White Home-]{+White House+}(0.90) Press\n");
    }

    #[test]
    fn crlf_and_no_final_newline() {
        let text = "a mentioned b\r\nc\r\nlastly";
        let r = vec![
            rep(text, "mentioned", 0, "said", 0.9),
            rep(text, "lastly", 0, "finally", 0.9),
        ];
        let out = render_inline(&inline(text, &r, 0), Paint { color: false });
        assert_eq!(
            out,
            "   1 │ a [-mentioned-]{+said+}(0.90) b\n     ┈\n   3 │ [-lastly-]{+finally+}(0.90)\n"
        );
    }

    /// Apply a unified diff the simple way (every hunk's old lines must match): enough to
    /// check the patch without `patch`; the integration test runs the real `patch` too.
    fn apply_patch(old: &str, patch: &str) -> String {
        let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
        let mut out = String::new();
        let mut pos = 0;
        let mut last_added: Option<usize> = None;
        for l in patch.split_inclusive('\n') {
            if let Some(h) = l.strip_prefix("@@ -") {
                let start: usize = h.split([',', ' ']).next().unwrap().parse().unwrap();
                let start = start.max(1) - 1;
                while pos < start {
                    out.push_str(old_lines[pos]);
                    pos += 1;
                }
            } else if l.starts_with("---") || l.starts_with("+++") {
            } else if let Some(t) = l.strip_prefix('+') {
                out.push_str(t);
                last_added = Some(out.len());
            } else if let Some(t) = l.strip_prefix('-') {
                assert_eq!(
                    old_lines[pos].trim_end_matches('\n'),
                    t.trim_end_matches('\n')
                );
                pos += 1;
                last_added = None;
            } else if let Some(t) = l.strip_prefix(' ') {
                assert_eq!(
                    old_lines[pos].trim_end_matches('\n'),
                    t.trim_end_matches('\n')
                );
                out.push_str(old_lines[pos]);
                pos += 1;
                last_added = None;
            } else if l.starts_with('\\') {
                if let Some(at) = last_added {
                    if out[..at].ends_with('\n') {
                        out.truncate(at - 1);
                    }
                }
            }
        }
        while pos < old_lines.len() {
            out.push_str(old_lines[pos]);
            pos += 1;
        }
        out
    }

    #[test]
    fn unified_diff_applies_to_the_repaired_text() {
        for text in [TEXT, TEXT.trim_end(), "x\r\nWe lastly see.\r\ny"] {
            let r: Vec<Repair> = repairs()
                .into_iter()
                .filter_map(|r| {
                    let spun = r.spun.clone();
                    text.find(&spun).map(|start| Repair {
                        start,
                        end: start + spun.len(),
                        ..r
                    })
                })
                .collect();
            let patch = unified(text, &r, "t.txt", 1);
            assert!(
                patch.starts_with("--- a/t.txt\n+++ b/t.txt\n@@ "),
                "{patch}"
            );
            assert_eq!(apply_patch(text, &patch), apply(text, &r), "{patch}");
        }
        assert_eq!(unified(TEXT, &[], "t.txt", 3), "");
    }

    #[test]
    fn side_by_side_wraps_and_aligns_repairs() {
        let r = repairs();
        let view = side_by_side(TEXT, &r, 0, 20, true);
        let out = render_side_by_side(&view, Paint { color: false });
        assert_eq!(
            out,
            concat!(
                "   2 │ Trump's              │ Trump's\n",
                "     │ [-Fact Social-]  put │ {+Truth Social+} put\n",
                "     │ up [-mentioned-] it. │ up {+said+}      it.\n",
                "     ┈\n",
                "   6 │ We [-lastly-]  see.  │ We {+finally+} see.\n",
            )
        );
        for rows in &view.hunks {
            for row in rows {
                for side in [&row.left, &row.right] {
                    let w: usize = side.iter().map(|s| width(&s.text)).sum();
                    assert!(w <= 20, "{row:?}");
                }
            }
        }
    }

    #[test]
    fn side_by_side_breaks_words_wider_than_a_column() {
        let text = "a supercalifragilistic word\n";
        let r = vec![rep(text, "word", 0, "term", 0.9)];
        let view = side_by_side(text, &r, 0, 8, false);
        let out = render_side_by_side(&view, Paint { color: false });
        assert_eq!(
            out,
            "   1 │ a        │ a\n     │ supercal │ supercal\n     │ ifragili │ ifragili\n     │ stic     │ stic\n     │ word     │ term\n"
        );
    }

    #[test]
    fn colour_choice() {
        use std::ffi::OsStr;
        assert!(ColorChoice::Auto.resolve(true, None));
        assert!(ColorChoice::Auto.resolve(true, Some(OsStr::new(""))));
        assert!(!ColorChoice::Auto.resolve(true, Some(OsStr::new("1"))));
        assert!(!ColorChoice::Auto.resolve(false, None));
        assert!(ColorChoice::Always.resolve(false, Some(OsStr::new("1"))));
        assert!(!ColorChoice::Never.resolve(true, None));
    }

    #[test]
    fn confident_filters() {
        let r = repairs();
        assert_eq!(confident(&r, 0.8).len(), 2);
        assert_eq!(confident(&r, 0.0).len(), 3);
    }
}
