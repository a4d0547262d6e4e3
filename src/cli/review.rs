//! `unspin review`: a full-screen terminal review of the repairs, one at a time in its paragraph,
//! with its alternatives and confidence. Keys go to the `unspin::review` state machine; on save
//! the files are written atomically and rejections go to the ignore file. The screen is a pure
//! function of the state ([`App::draw`]), tested through ratatui's `TestBackend`.

use super::diff::analyse_whole;
use super::input::{collect, BatchOpts, Encoding, Item};
use crate::RepairOpts;
use anyhow::{bail, Context, Result};
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use unspin::ignore::{self, Entry};
use unspin::review::{Decision, FileReview, Position, Review};

/// What the screen is waiting for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Mode {
    Normal,
    /// Typing a replacement by hand; `cursor` counts characters.
    Edit {
        buffer: String,
        cursor: usize,
    },
    /// Typing the confidence for "accept all remaining above".
    Threshold {
        buffer: String,
    },
    /// Quit asked with unsaved decisions.
    ConfirmQuit,
}

/// What a key press asks of the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Continue,
    Save,
    Discard,
}

/// The review state plus what only the screen needs.
pub(crate) struct App {
    pub(crate) review: Review,
    pub(crate) mode: Mode,
    /// A one-line note about the last action.
    pub(crate) message: String,
    /// The last threshold used with `A`, offered again.
    pub(crate) threshold: f32,
}

const DEFAULT_THRESHOLD: f32 = 0.9;

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `s` cut to `max` characters from the left (`…les/a.txt`): the end of a path says most.
fn shorten_start(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let mut out = String::from("…");
    out.extend(s.chars().skip(n + 1 - max.max(1)));
    out
}

/// One display line: no tabs, carriage returns or line breaks.
fn flat(s: &str) -> String {
    s.chars()
        .filter(|&c| c != '\r')
        .map(|c| if c == '\t' || c == '\n' { ' ' } else { c })
        .collect()
}

impl App {
    pub(crate) fn new(review: Review) -> App {
        App {
            review,
            mode: Mode::Normal,
            message: String::new(),
            threshold: DEFAULT_THRESHOLD,
        }
    }

    fn decide(&mut self, d: Decision) {
        let Some(p) = self.review.current() else {
            return;
        };
        let spun = self.review.repair(p).spun.clone();
        let what = match &d {
            Decision::Accept(k) => match self.review.repair(p).suggestions.get(*k) {
                Some(s) => format!("`{}` -> `{}`", flat(&spun), s.text),
                None => {
                    self.message = format!("there is no alternative {}", k + 1);
                    return;
                }
            },
            Decision::Reject => format!("kept `{}`; it will not be proposed again", flat(&spun)),
            Decision::Edit(t) => format!("`{}` -> `{t}` (edited)", flat(&spun)),
        };
        if self.review.decide(d) {
            self.message = if self.review.finished() {
                format!("{what}. All decided: s saves and quits")
            } else {
                what
            };
        }
    }

    /// Handle one key press.
    pub(crate) fn on_key(&mut self, key: KeyEvent) -> Outcome {
        if key.kind != KeyEventKind::Press && key.kind != KeyEventKind::Repeat {
            return Outcome::Continue;
        }
        let ctrl_c =
            key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c');
        match std::mem::replace(&mut self.mode, Mode::Normal) {
            Mode::Normal => self.on_normal_key(key, ctrl_c),
            Mode::ConfirmQuit => match key.code {
                KeyCode::Char('y') | KeyCode::Char('q') => Outcome::Discard,
                KeyCode::Char('s') => Outcome::Save,
                _ if ctrl_c => Outcome::Discard,
                _ => {
                    self.message = "quit cancelled".into();
                    Outcome::Continue
                }
            },
            Mode::Edit {
                mut buffer,
                mut cursor,
            } => {
                let byte = |b: &str, c: usize| b.char_indices().nth(c).map_or(b.len(), |(i, _)| i);
                match key.code {
                    KeyCode::Enter => {
                        self.decide(Decision::Edit(buffer));
                        return Outcome::Continue;
                    }
                    KeyCode::Esc => {
                        self.message = "edit cancelled".into();
                        return Outcome::Continue;
                    }
                    _ if ctrl_c => {
                        self.message = "edit cancelled".into();
                        return Outcome::Continue;
                    }
                    KeyCode::Char(c) => {
                        let at = byte(&buffer, cursor);
                        buffer.insert(at, c);
                        cursor += 1;
                    }
                    KeyCode::Backspace if cursor > 0 => {
                        cursor -= 1;
                        let at = byte(&buffer, cursor);
                        buffer.remove(at);
                    }
                    KeyCode::Delete if cursor < buffer.chars().count() => {
                        let at = byte(&buffer, cursor);
                        buffer.remove(at);
                    }
                    KeyCode::Left => cursor = cursor.saturating_sub(1),
                    KeyCode::Right => cursor = (cursor + 1).min(buffer.chars().count()),
                    KeyCode::Home => cursor = 0,
                    KeyCode::End => cursor = buffer.chars().count(),
                    _ => {}
                }
                self.mode = Mode::Edit { buffer, cursor };
                Outcome::Continue
            }
            Mode::Threshold { mut buffer } => {
                match key.code {
                    KeyCode::Enter => match buffer.trim().parse::<f32>() {
                        Ok(t) if (0.0..=1.0).contains(&t) => {
                            self.threshold = t;
                            let n = self.review.accept_all_above(t);
                            self.message = format!(
                                "accepted {n} remaining repair{} with confidence ≥ {t:.2} (u undoes)",
                                if n == 1 { "" } else { "s" }
                            );
                            return Outcome::Continue;
                        }
                        _ => {
                            self.message = format!(
                                "`{buffer}` is not a confidence: type a number from 0 to 1"
                            );
                        }
                    },
                    KeyCode::Esc => {
                        self.message = "cancelled".into();
                        return Outcome::Continue;
                    }
                    _ if ctrl_c => return Outcome::Continue,
                    KeyCode::Char(c) if c.is_ascii_digit() || c == '.' => buffer.push(c),
                    KeyCode::Backspace => {
                        buffer.pop();
                    }
                    _ => {}
                }
                self.mode = Mode::Threshold { buffer };
                Outcome::Continue
            }
        }
    }

    fn on_normal_key(&mut self, key: KeyEvent, ctrl_c: bool) -> Outcome {
        self.message.clear();
        match key.code {
            _ if ctrl_c => return self.quit(),
            KeyCode::Char('a') | KeyCode::Enter => self.decide(Decision::Accept(0)),
            KeyCode::Char('r') | KeyCode::Char('x') => self.decide(Decision::Reject),
            KeyCode::Char(c @ '1'..='9') => {
                self.decide(Decision::Accept(c as usize - '1' as usize));
            }
            KeyCode::Char('e') => {
                if let Some(p) = self.review.current() {
                    let r = self.review.repair(p);
                    let buffer = self
                        .review
                        .written(p)
                        .unwrap_or_else(|| r.replacement())
                        .to_string();
                    let cursor = buffer.chars().count();
                    self.mode = Mode::Edit { buffer, cursor };
                }
            }
            KeyCode::Char('u') => {
                if !self.review.undo() {
                    self.message = "nothing to undo".into();
                } else {
                    self.message = "undone".into();
                }
            }
            KeyCode::Char('A') => {
                self.mode = Mode::Threshold {
                    buffer: format!("{:.2}", self.threshold),
                };
            }
            KeyCode::Char('n')
            | KeyCode::Char('j')
            | KeyCode::Right
            | KeyCode::Down
            | KeyCode::Tab => {
                if !self.review.next_repair() {
                    self.message = "this is the last repair".into();
                }
            }
            KeyCode::Char('p')
            | KeyCode::Char('k')
            | KeyCode::Left
            | KeyCode::Up
            | KeyCode::BackTab => {
                if !self.review.previous_repair() {
                    self.message = "this is the first repair".into();
                }
            }
            KeyCode::Char('s') => return Outcome::Save,
            KeyCode::Char('q') | KeyCode::Esc => return self.quit(),
            _ => {
                self.message = "unknown key; the keys are listed below".into();
            }
        }
        Outcome::Continue
    }

    fn quit(&mut self) -> Outcome {
        if self.review.unsaved() {
            self.mode = Mode::ConfirmQuit;
            Outcome::Continue
        } else {
            Outcome::Discard
        }
    }

    /// `text[start..end]` of file `file` as styled spans, every repair in it shown as decided
    /// so far (written text green, undecided spun text underlined), the `current` one as
    /// `[spun → replacement]`; other text in `base`. Also returns the index of the span where
    /// the current repair starts.
    fn spans(
        &self,
        file: usize,
        (start, end): (usize, usize),
        current: Option<usize>,
        base: Style,
    ) -> (Vec<Span<'static>>, usize) {
        let f = &self.review.files()[file];
        let text = &f.text;
        let mut spans = Vec::new();
        let mut marker = 0;
        let mut pos = start;
        for (i, r) in f.repairs.iter().enumerate() {
            if r.end <= start || r.start >= end || r.start < pos || r.end > end {
                continue;
            }
            spans.push(Span::styled(flat(&text[pos..r.start]), base));
            let q = Position { file, repair: i };
            let spun = flat(&text[r.start..r.end]);
            if current == Some(i) {
                let mark = Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD);
                marker = spans.len();
                spans.push(Span::styled("[", mark));
                let struck = Style::new()
                    .fg(Color::Red)
                    .add_modifier(Modifier::CROSSED_OUT);
                match (self.review.decision(q), self.review.written(q)) {
                    (Some(Decision::Reject), _) => {
                        spans.push(Span::styled(spun, Style::new().fg(Color::Red)));
                        spans.push(Span::styled(" ✗ kept", mark));
                    }
                    (_, written) => {
                        let to = written.unwrap_or_else(|| r.replacement()).to_string();
                        spans.push(Span::styled(spun, struck));
                        spans.push(Span::styled(" → ", mark));
                        spans.push(Span::styled(
                            to,
                            Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
                        ));
                    }
                }
                spans.push(Span::styled("]", mark));
            } else {
                let style = match (self.review.decision(q), self.review.written(q)) {
                    (_, Some(_)) => Style::new().fg(Color::Green),
                    (Some(_), None) => base,
                    (None, None) => Style::new()
                        .fg(Color::Yellow)
                        .add_modifier(Modifier::UNDERLINED),
                };
                let shown = self.review.written(q).map_or(spun, str::to_string);
                spans.push(Span::styled(shown, style));
            }
            pos = r.end;
        }
        spans.push(Span::styled(flat(&text[pos..end]), base));
        (spans, marker)
    }

    /// Draw the whole screen.
    pub(crate) fn draw(&self, frame: &mut Frame) {
        let area = frame.area();
        let Some(p) = self.review.current() else {
            frame.render_widget(Paragraph::new("No repairs to review."), area);
            return;
        };
        let file = &self.review.files()[p.file];
        let r = &file.repairs[p.repair];
        let shown = r.suggestions.len().min(9) as u16;
        let [header, body, alternatives, status, keys] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(3),
            Constraint::Length(shown + 3),
            Constraint::Length(1),
            Constraint::Length(2),
        ])
        .areas(area);

        // Header: file name left, progress right.
        let (n, total) = self.review.progress();
        let (fnum, ftotal) = self.review.file_progress();
        let progress = format!("repair {n} of {total} · file {fnum} of {ftotal} ");
        let [left, right] = Layout::horizontal([
            Constraint::Min(0),
            Constraint::Length(progress.chars().count() as u16),
        ])
        .areas(header);
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let label = if left.width >= 40 {
            " unspin review "
        } else {
            " "
        };
        let room = usize::from(left.width).saturating_sub(label.chars().count() + 1);
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(label, bold.fg(Color::Cyan)),
                Span::styled(shorten_start(&file.name, room), bold),
            ])),
            left,
        );
        frame.render_widget(Paragraph::new(progress), right);

        // The paragraph between its neighbours (faint), scrolled so the repair is in view.
        let line = file.text[..r.start].matches('\n').count() + 1;
        let inner_width = usize::from(body.width.saturating_sub(2)).max(1);
        let (before, current, after) = context_lines(&file.text, r.start, r.end, CONTEXT_LINES);
        let faint = Style::new().add_modifier(Modifier::DIM);
        let mut rows: Vec<Line> = Vec::new();
        for range in before {
            let (spans, _) = self.spans(p.file, range, None, faint);
            rows.extend(wrap(spans, inner_width).0);
            rows.push(Line::default());
        }
        let (para, marker) = self.spans(p.file, current, Some(p.repair), Style::new());
        let (current, at) = wrap(para, inner_width);
        let row = rows.len() + at.get(marker).copied().unwrap_or(0);
        rows.extend(current);
        for range in after {
            rows.push(Line::default());
            let (spans, _) = self.spans(p.file, range, None, faint);
            rows.extend(wrap(spans, inner_width).0);
        }
        let height = usize::from(body.height.saturating_sub(2));
        let scroll = row.saturating_sub(height / 3);
        frame.render_widget(
            Paragraph::new(Text::from(rows))
                .scroll((scroll.min(usize::from(u16::MAX)) as u16, 0))
                .block(Block::bordered().title(format!(" line {line} "))),
            body,
        );

        // Alternatives and the decision.
        let decision = self.review.decision(p);
        let picked = match decision {
            Some(Decision::Accept(k)) => Some(*k),
            None => Some(0),
            _ => None,
        };
        let mut lines: Vec<Line> = Vec::new();
        let widest = r
            .suggestions
            .iter()
            .take(9)
            .map(|s| s.text.chars().count())
            .max()
            .unwrap_or(0)
            .max(12);
        for (k, s) in r.suggestions.iter().take(9).enumerate() {
            let mark = if picked == Some(k) { "›" } else { " " };
            let style = if picked == Some(k) {
                Style::new().fg(Color::Green).add_modifier(Modifier::BOLD)
            } else {
                Style::new()
            };
            lines.push(Line::from(vec![
                Span::styled(format!(" {mark} {}  ", k + 1), style),
                Span::styled(format!("{:<widest$}", s.text), style),
                Span::styled(
                    format!("  {:.2}", s.confidence),
                    Style::new().fg(Color::Cyan),
                ),
            ]));
        }
        let state = match decision {
            None => Span::styled(" undecided".to_string(), Style::new().fg(Color::Yellow)),
            Some(Decision::Accept(k)) => Span::styled(
                format!(" ✓ accepted alternative {}", k + 1),
                Style::new().fg(Color::Green),
            ),
            Some(Decision::Reject) => Span::styled(
                format!(" ✗ rejected: `{}` stays", flat(&r.spun)),
                Style::new().fg(Color::Red),
            ),
            Some(Decision::Edit(t)) => Span::styled(
                format!(" ✎ edited by hand: `{t}`"),
                Style::new().fg(Color::Green),
            ),
        };
        lines.push(Line::from(state));
        let title = format!(
            " spun `{}` · confidence {:.2} · from {} ",
            shorten(&flat(&r.spun), 30),
            r.confidence(),
            r.source
        );
        frame.render_widget(
            Paragraph::new(lines).block(Block::bordered().title(title)),
            alternatives,
        );

        // Status: the last action left, the tally right.
        let t = self.review.tally();
        let tally = format!(
            "  ✓ {}  ✗ {}  ✎ {}  · {} to decide ",
            t.accepted, t.rejected, t.edited, t.undecided
        );
        let room = usize::from(status.width) * 2 / 3;
        let tally = if tally.chars().count() <= room {
            tally
        } else {
            format!(
                " ✓{} ✗{} ✎{} ?{} ",
                t.accepted, t.rejected, t.edited, t.undecided
            )
        };
        let tally_width = (tally.chars().count() as u16).min(status.width * 2 / 3);
        let [said, counts] =
            Layout::horizontal([Constraint::Min(0), Constraint::Length(tally_width)]).areas(status);
        frame.render_widget(
            Paragraph::new(format!(" {}", self.message))
                .style(Style::new().add_modifier(Modifier::ITALIC)),
            said,
        );
        frame.render_widget(
            Paragraph::new(tally).alignment(ratatui::layout::Alignment::Right),
            counts,
        );

        // Keys, or the prompt of the current mode.
        let key = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);
        let keys_lines = |pairs: &[(&str, &str)]| -> Line<'static> {
            let mut spans = Vec::new();
            for (k, what) in pairs {
                spans.push(Span::styled(format!(" {k}"), key));
                spans.push(Span::raw(format!(" {what} ")));
            }
            Line::from(spans)
        };
        let threshold = format!("accept all ≥ {:.2}", self.threshold);
        let prompt: Vec<Line> = match &self.mode {
            Mode::Normal | Mode::ConfirmQuit => vec![
                keys_lines(&[
                    ("a", "accept"),
                    ("r", "reject"),
                    ("1-9", "alternative"),
                    ("e", "edit"),
                    ("u", "undo"),
                    ("A", &threshold),
                ]),
                keys_lines(&[
                    ("n/p", "next/previous"),
                    ("s", "save and quit"),
                    ("q", "quit"),
                ]),
            ],
            Mode::Edit { buffer, cursor } => {
                let chars: Vec<char> = buffer.chars().collect();
                let before: String = chars[..*cursor].iter().collect();
                let at: String = chars.get(*cursor).map_or(" ".into(), |c| c.to_string());
                let after: String = chars.iter().skip(*cursor + 1).collect();
                vec![
                    Line::from(vec![
                        Span::styled(format!(" replace `{}` with: ", flat(&r.spun)), bold),
                        Span::raw(before),
                        Span::styled(at, Style::new().add_modifier(Modifier::REVERSED)),
                        Span::raw(after),
                    ]),
                    keys_lines(&[("Enter", "use it"), ("Esc", "cancel")]),
                ]
            }
            Mode::Threshold { buffer } => vec![
                Line::from(vec![
                    Span::styled(
                        " accept every undecided repair with confidence at least: ",
                        bold,
                    ),
                    Span::raw(buffer.clone()),
                    Span::styled(" ", Style::new().add_modifier(Modifier::REVERSED)),
                ]),
                keys_lines(&[("Enter", "accept them"), ("Esc", "cancel")]),
            ],
        };
        frame.render_widget(Paragraph::new(prompt), keys);

        if self.mode == Mode::ConfirmQuit {
            let n = self.review.tally();
            let decided = n.accepted + n.rejected + n.edited;
            let lines = vec![
                Line::from(if decided == 1 {
                    " 1 decision is not saved.".to_string()
                } else {
                    format!(" {decided} decisions are not saved.")
                }),
                Line::from(""),
                Line::from(vec![
                    Span::styled(" y", key),
                    Span::raw(" quit without saving  "),
                    Span::styled("s", key),
                    Span::raw(" save and quit  "),
                    Span::styled("n", key),
                    Span::raw(" go back"),
                ]),
            ];
            let popup = centered(area, 56, 5);
            frame.render_widget(Clear, popup);
            frame.render_widget(
                Paragraph::new(lines).block(Block::bordered().title(" quit? ")),
                popup,
            );
        }
    }
}

/// Non-blank input lines shown around the current one.
const CONTEXT_LINES: usize = 2;

type Range2 = (usize, usize);

/// Byte ranges of the input line holding `text[start..end]` and of up to `n` non-blank lines
/// before and after it (without line terminators).
fn context_lines(
    text: &str,
    start: usize,
    end: usize,
    n: usize,
) -> (Vec<Range2>, Range2, Vec<Range2>) {
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
    let trim_cr = |s: usize, e: usize| {
        if e > s && text.as_bytes()[e - 1] == b'\r' {
            (s, e - 1)
        } else {
            (s, e)
        }
    };
    let mut before = Vec::new();
    let mut e = line_start;
    while before.len() < n && e > 0 {
        let line_e = e - 1; // the '\n' before
        let s = text[..line_e].rfind('\n').map_or(0, |i| i + 1);
        if !text[s..line_e].trim().is_empty() {
            before.push(trim_cr(s, line_e));
        }
        e = s;
    }
    before.reverse();
    let mut after = Vec::new();
    let mut s = line_end;
    while after.len() < n && s < text.len() {
        let line_s = s + 1;
        if line_s > text.len() {
            break;
        }
        let e = text[line_s..].find('\n').map_or(text.len(), |i| line_s + i);
        if !text[line_s..e].trim().is_empty() {
            after.push(trim_cr(line_s, e));
        }
        s = e;
    }
    (before, trim_cr(line_start, line_end), after)
}

/// Word-wrap styled spans to `width` cells. Returns the rows and, for each span, the row it
/// starts on. Text not separated by a space stays together; a word wider than a row is cut.
fn wrap(spans: Vec<Span<'static>>, width: usize) -> (Vec<Line<'static>>, Vec<usize>) {
    use unicode_width::UnicodeWidthStr;
    // Pieces: (span index, text), each a word with its trailing spaces, or part of one.
    let mut units: Vec<Vec<(usize, String)>> = Vec::new();
    let mut open = false;
    for (i, sp) in spans.iter().enumerate() {
        let mut rest: &str = &sp.content;
        while !rest.is_empty() {
            let word_end = rest.find(' ').unwrap_or(rest.len());
            let end = rest[word_end..]
                .find(|c| c != ' ')
                .map_or(rest.len(), |k| word_end + k);
            let (piece, tail) = rest.split_at(end);
            match units.last_mut() {
                Some(u) if open => u.push((i, piece.to_string())),
                _ => units.push(vec![(i, piece.to_string())]),
            }
            open = end == word_end; // no trailing space: glue what follows
            rest = tail;
        }
    }
    let mut starts = vec![usize::MAX; spans.len()];
    let mut rows: Vec<Vec<Span<'static>>> = vec![Vec::new()];
    let mut used = 0;
    for unit in units {
        let full: usize = unit.iter().map(|(_, t)| t.width()).sum();
        let body = full
            - unit
                .last()
                .map_or(0, |(_, t)| t.len() - t.trim_end_matches(' ').len());
        if used > 0 && used + body > width {
            rows.push(Vec::new());
            used = 0;
        }
        for (i, text) in unit {
            let mut piece = String::new();
            for c in text.chars() {
                let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
                if used + cw > width && used > 0 && c != ' ' {
                    if !piece.is_empty() {
                        rows.last_mut()
                            .expect("a row")
                            .push(Span::styled(std::mem::take(&mut piece), spans[i].style));
                    }
                    rows.push(Vec::new());
                    used = 0;
                }
                if starts[i] == usize::MAX {
                    starts[i] = rows.len() - 1;
                }
                piece.push(c);
                used += cw;
            }
            if !piece.is_empty() {
                rows.last_mut()
                    .expect("a row")
                    .push(Span::styled(piece, spans[i].style));
            }
        }
    }
    let mut last = 0;
    for s in starts.iter_mut() {
        if *s == usize::MAX {
            *s = last;
        }
        last = *s;
    }
    (rows.into_iter().map(Line::from).collect(), starts)
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Where rejections from `file` are recorded: the ignore file that already applies to it, else a
/// new one in the current folder when the file is below it, else beside the file.
fn ignore_path_for(file: &Path) -> PathBuf {
    let abs = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    let dir = abs.parent().unwrap_or(Path::new(".")).to_path_buf();
    if let Some(found) = ignore::find(&dir) {
        return found;
    }
    match std::env::current_dir() {
        Ok(cwd) if dir.starts_with(&cwd) => cwd.join(ignore::FILE_NAME),
        _ => dir.join(ignore::FILE_NAME),
    }
}

/// What saving did, for the closing message.
#[derive(Default)]
struct Saved {
    written: Vec<(String, usize)>,
    unchanged: usize,
    ignored: BTreeMap<PathBuf, usize>,
    errors: Vec<String>,
}

/// Write every file whose text changed (atomically, and only when it did not change on disk
/// since it was read), then record the rejections in the ignore files.
fn save(review: &Review, paths: &[PathBuf]) -> Saved {
    let mut saved = Saved::default();
    let mut entries: BTreeMap<PathBuf, Vec<(Entry, String)>> = BTreeMap::new();
    for (i, (file, path)) in review.files().iter().zip(paths).enumerate() {
        let outcome = review.outcome(i);
        if outcome.text != file.text {
            let on_disk = std::fs::read_to_string(path).unwrap_or_default();
            if on_disk != file.text {
                saved.errors.push(format!(
                    "{} changed on disk during the review; it was not written (run unspin review on it again)",
                    file.name
                ));
                continue;
            }
            if let Err(e) = unspin::atomic::write_atomic(path, outcome.text.as_bytes()) {
                saved
                    .errors
                    .push(format!("cannot write {}: {e}", file.name));
                continue;
            }
            let changed = review.files().get(i).map_or(0, |f| {
                (0..f.repairs.len())
                    .filter(|&k| f.decision(k).is_some_and(|d| d != &Decision::Reject))
                    .count()
            });
            saved.written.push((file.name.clone(), changed));
        } else {
            saved.unchanged += 1;
        }
        if !outcome.rejected.is_empty() {
            let list = entries.entry(ignore_path_for(path)).or_default();
            for span in &outcome.rejected {
                let entry = Entry::at(&outcome.text, span.start, span.end);
                let excerpt = ignore::context_excerpt(&outcome.text, span.start, span.end);
                let line = entry.line(&excerpt, &file.name);
                list.push((entry, line));
            }
        }
    }
    for (path, list) in entries {
        match ignore::record(&path, &list) {
            Ok(n) => {
                saved.ignored.insert(path, n);
            }
            Err(e) => saved.errors.push(format!(
                "cannot record rejections in {}: {e}",
                path.display()
            )),
        }
    }
    saved
}

/// Run the screen until the reviewer saves or quits.
fn run(app: &mut App) -> Result<Outcome> {
    let mut terminal = ratatui::try_init().context("setting up the terminal")?;
    let result = (|| -> Result<Outcome> {
        loop {
            terminal.draw(|f| app.draw(f))?;
            if let Event::Key(key) = event::read()? {
                match app.on_key(key) {
                    Outcome::Continue => {}
                    done => return Ok(done),
                }
            }
        }
    })();
    ratatui::restore();
    result
}

pub(crate) fn review(paths: &[PathBuf], opts: &RepairOpts) -> Result<ExitCode> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        bail!(
            "unspin review needs an interactive terminal (its input or output is not one). \
             To see the repairs, run `unspin diff FILE`; to apply them all, `unspin fix --write FILE`"
        );
    }
    if paths.iter().any(|p| p.as_os_str() == "-") {
        bail!("unspin review rewrites files, so it needs file paths, not standard input ('-'); use `unspin diff -` to see the repairs of standard input");
    }
    let batch = BatchOpts {
        paths: paths.to_vec(),
        ..BatchOpts::default()
    };
    let mut files = Vec::new();
    let mut file_paths = Vec::new();
    let mut errors = 0;
    for item in collect(&batch, opts, None)? {
        let input = match item? {
            Item::Input(input) => input,
            Item::Missing { error, .. } => {
                errors += 1;
                eprintln!("unspin: error: {error:#}");
                continue;
            }
        };
        match analyse_whole(&input, Encoding::Utf8) {
            Ok((text, report)) => {
                if !report.repairs.is_empty() {
                    files.push(FileReview::new(
                        input.name().into_owned(),
                        text,
                        report.repairs,
                    ));
                    file_paths.push(input.path.clone().expect("not stdin"));
                }
            }
            Err(e) => {
                errors += 1;
                eprintln!("unspin: error: {e:#}");
            }
        }
    }
    if errors > 0 {
        bail!(
            "{errors} file(s) could not be read; fix or leave them out and run unspin review again"
        );
    }
    if files.is_empty() {
        eprintln!("unspin: nothing to review: no repairs found");
        return Ok(ExitCode::SUCCESS);
    }
    let mut app = App::new(Review::new(files));
    match run(&mut app)? {
        Outcome::Save => {
            let saved = save(&app.review, &file_paths);
            for (name, n) in &saved.written {
                eprintln!(
                    "unspin: wrote {name} ({n} repair{})",
                    if *n == 1 { "" } else { "s" }
                );
            }
            if saved.unchanged > 0 {
                eprintln!("unspin: {} file(s) unchanged", saved.unchanged);
            }
            for (path, n) in &saved.ignored {
                eprintln!(
                    "unspin: {n} new rejection{} recorded in {}",
                    if *n == 1 { "" } else { "s" },
                    path.display()
                );
            }
            for e in &saved.errors {
                eprintln!("unspin: error: {e}");
            }
            Ok(if saved.errors.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        _ => {
            if app.review.unsaved() {
                eprintln!("unspin: quit without saving; no file was changed");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;
    use unspin::repair::{Repair, Suggestion};

    const TEXT: &str = "Markets fell.\nTrump’s Fact Social put up on Friday mentioned the talks supplied “an excellent probability that this horrible, bloody conflict can lastly come to an finish”.\nThe end.\n";

    fn rep(spun: &str, to: &[(&str, f32)], source: &'static str) -> Repair {
        let start = TEXT.find(spun).expect("phrase in text");
        Repair {
            start,
            end: start + spun.len(),
            spun: spun.into(),
            suggestions: to
                .iter()
                .map(|&(t, c)| Suggestion {
                    text: t.into(),
                    confidence: c,
                })
                .collect(),
            source,
        }
    }

    fn app() -> App {
        let repairs = vec![
            rep("Fact Social", &[("Truth Social", 0.97)], "expression"),
            rep(
                "put up",
                &[("post", 0.62), ("posted", 0.21), ("set up", 0.05)],
                "spins",
            ),
            rep("mentioned", &[("said", 0.99), ("told", 0.01)], "spins"),
            rep("lastly", &[("finally", 0.95)], "spins"),
        ];
        let other = "Nothing here mentioned.\n";
        let start = other.find("mentioned").unwrap();
        let other_repair = Repair {
            start,
            end: start + 9,
            spun: "mentioned".into(),
            suggestions: vec![Suggestion {
                text: "said".into(),
                confidence: 0.8,
            }],
            source: "spins",
        };
        App::new(Review::new(vec![
            FileReview::new("articles/a.txt", TEXT, repairs),
            FileReview::new("articles/b.txt", other, vec![other_repair]),
        ]))
    }

    fn press(app: &mut App, keys: &str) -> Outcome {
        let mut last = Outcome::Continue;
        for c in keys.chars() {
            let code = match c {
                '\n' => KeyCode::Enter,
                '\x1b' => KeyCode::Esc,
                '\x08' => KeyCode::Backspace,
                c => KeyCode::Char(c),
            };
            last = app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
        }
        last
    }

    fn screen(app: &App, width: u16, height: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal.draw(|f| app.draw(f)).unwrap();
        let buf = terminal.backend().buffer();
        let mut out = String::new();
        for y in 0..buf.area.height {
            let mut line = String::new();
            for x in 0..buf.area.width {
                line.push_str(buf[(x, y)].symbol());
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// Compare with `tests/snapshots/NAME.txt`; `SNAPSHOTS=overwrite cargo test` rewrites it.
    fn snapshot(name: &str, actual: &str) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/snapshots")
            .join(format!("{name}.txt"));
        if std::env::var("SNAPSHOTS").as_deref() == Ok("overwrite") {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, actual).unwrap();
            return;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!(
                "no snapshot {}; run SNAPSHOTS=overwrite cargo test to create it",
                path.display()
            )
        });
        assert_eq!(
            actual,
            expected,
            "screen differs from {} (SNAPSHOTS=overwrite cargo test updates it):\n{actual}",
            path.display()
        );
    }

    #[test]
    fn first_screen() {
        snapshot("review-start", &screen(&app(), 80, 20));
    }

    #[test]
    fn a_narrow_screen_scrolls_to_the_repair() {
        let mut a = app();
        press(&mut a, "nnn"); // lastly, near the end of a long paragraph
        let shown = screen(&a, 40, 16);
        assert!(shown.contains("[lastly"), "{shown}");
        snapshot("review-narrow", &shown);
    }

    #[test]
    fn context_lines_skip_blank_lines() {
        let text = "a\n\nb\r\nc X d\ne\n\nf\ng\n";
        let x = text.find('X').unwrap();
        let (before, cur, after) = context_lines(text, x, x + 1, 2);
        let show = |v: &[Range2]| v.iter().map(|&(s, e)| &text[s..e]).collect::<Vec<_>>();
        assert_eq!(show(&before), vec!["a", "b"]);
        assert_eq!(&text[cur.0..cur.1], "c X d");
        assert_eq!(show(&after), vec!["e", "f"]);
        let (before, _, after) = context_lines("X", 0, 1, 2);
        assert!(before.is_empty() && after.is_empty());
    }

    #[test]
    fn wrap_keeps_glued_text_together_and_tracks_spans() {
        let spans = vec![
            Span::raw("aa bb “"),
            Span::raw("cc"),
            Span::raw("”, dd eeeeeeeeeeee"),
        ];
        let (rows, starts) = wrap(spans, 6);
        let text: Vec<String> = rows
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect();
        assert_eq!(text, vec!["aa bb ", "“cc”, ", "dd ", "eeeeee", "eeeeee"]);
        assert_eq!(starts, vec![0, 1, 1]);
    }

    #[test]
    fn after_accept_reject_and_edit() {
        let mut a = app();
        assert_eq!(press(&mut a, "a"), Outcome::Continue); // Fact Social -> Truth Social
        press(&mut a, "r"); // put up stays
        press(&mut a, "e\x08\x08\x08\x08told\n"); // mentioned -> told
        assert_eq!(
            a.review.decision(Position { file: 0, repair: 2 }),
            Some(&Decision::Edit("told".into()))
        );
        press(&mut a, "p");
        snapshot("review-decided", &screen(&a, 80, 20));
    }

    #[test]
    fn alternatives_undo_and_accept_all() {
        let mut a = app();
        press(&mut a, "n2"); // put up -> posted
        assert_eq!(
            a.review.decision(Position { file: 0, repair: 1 }),
            Some(&Decision::Accept(1))
        );
        press(&mut a, "7");
        assert_eq!(a.message, "there is no alternative 7");
        press(&mut a, "u");
        assert_eq!(a.review.decision(Position { file: 0, repair: 1 }), None);
        press(&mut a, "A");
        assert!(matches!(a.mode, Mode::Threshold { .. }));
        snapshot("review-threshold", &screen(&a, 80, 20));
        press(&mut a, "\x08\x08\x08\x082\n");
        assert!(a.message.contains("not a confidence"), "{}", a.message);
        press(&mut a, "\x080.9\n"); // still asking: fix the number
        assert_eq!(a.review.tally().accepted, 3); // 0.97, 0.99, 0.95
        assert!(
            a.message.starts_with("accepted 3 remaining repairs"),
            "{}",
            a.message
        );
    }

    #[test]
    fn quitting_asks_when_there_are_unsaved_decisions() {
        let mut a = app();
        assert_eq!(press(&mut a, "q"), Outcome::Discard, "nothing to lose");
        press(&mut a, "a");
        assert_eq!(press(&mut a, "q"), Outcome::Continue);
        assert_eq!(a.mode, Mode::ConfirmQuit);
        snapshot("review-quit", &screen(&a, 80, 20));
        assert_eq!(press(&mut a, "n"), Outcome::Continue);
        assert_eq!(a.mode, Mode::Normal);
        press(&mut a, "q");
        assert_eq!(press(&mut a, "y"), Outcome::Discard);
        let mut a = app();
        press(&mut a, "a");
        assert_eq!(press(&mut a, "s"), Outcome::Save);
    }

    #[test]
    fn save_writes_files_and_the_ignore_file() {
        let dir = std::env::temp_dir().join(format!("unspin-review-save-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let a_path = dir.join("a.txt");
        let b_path = dir.join("b.txt");
        std::fs::write(&a_path, TEXT).unwrap();
        std::fs::write(&b_path, "changed meanwhile\n").unwrap();
        let mut a = app();
        press(&mut a, "ar"); // accept Fact Social, reject put up
        press(&mut a, "nna"); // skip mentioned and lastly; accept b's repair
        let saved = save(&a.review, &[a_path.clone(), b_path.clone()]);
        assert_eq!(
            std::fs::read_to_string(&a_path).unwrap(),
            TEXT.replace("Fact Social", "Truth Social")
        );
        assert_eq!(
            std::fs::read_to_string(&b_path).unwrap(),
            "changed meanwhile\n",
            "a file changed on disk is left alone"
        );
        assert_eq!(saved.errors.len(), 1, "{:?}", saved.errors);
        let ignore_file = dir.join(ignore::FILE_NAME);
        let list = ignore::load(&ignore_file).unwrap();
        assert_eq!(list.len(), 1);
        let fixed = std::fs::read_to_string(&a_path).unwrap();
        let at = fixed.find("put up").unwrap();
        assert!(list.ignores(&fixed, at, at + 6));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
