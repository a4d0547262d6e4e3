//! Documents: one input read as text and repaired, whole when it is small, in parts of whole
//! paragraphs when it is large, so memory stays bounded whatever the size of the file. Bad
//! input (binary, not UTF-8) is found here and named with what to do about it.

use super::batch::Ctx;
use super::input::{Encoding, Input};
use super::repair_text;
use anyhow::{bail, Result};
use rayon::prelude::*;
use std::io::{BufRead, BufReader, Read};
use std::sync::OnceLock;
use unspin::repair::{Report, SpinEvidence};

/// Files larger than this (256 KiB; news articles are 2-20 KiB) are repaired part by part,
/// each part scored on its own. A part ends at the first blank line after `large() / 4`
/// bytes or, when no blank line comes, at a line end (or a space, in a line longer still)
/// after `large()` bytes. The repairer needs some 500 bytes of memory per byte of text, so
/// this bounds memory: about jobs x 120 MB at most. `UNSPIN_LARGE_FILE=BYTES` sets it, so
/// tests can reach the part-by-part path quickly.
pub(crate) fn large() -> u64 {
    static LARGE: OnceLock<u64> = OnceLock::new();
    *LARGE.get_or_init(|| {
        std::env::var("UNSPIN_LARGE_FILE")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(256 << 10)
            .max(16)
    })
}

fn part_target() -> usize {
    (large() / 4) as usize
}

fn part_max() -> usize {
    large() as usize
}

/// An input that is skipped rather than failed: a binary file found while walking a folder.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Skipped(pub(crate) String);

/// A run stopped by a signal before this input was finished.
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub(crate) struct Interrupted;

/// One part of a document, repaired: the whole of a small file or a run of paragraphs.
pub(crate) struct Part<'a> {
    /// The text, with a leading byte order mark if the file has one.
    pub(crate) text: &'a str,
    /// Bytes of the document before `text`.
    pub(crate) offset: usize,
    /// Lines of the document before `text`.
    pub(crate) line: usize,
    /// Bytes of byte order mark at the start of `text` (the repairer never sees it).
    pub(crate) bom: usize,
    /// Repair offsets are into `text`.
    pub(crate) report: Report,
}

/// What one document came to, over all its parts.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct DocStats {
    pub(crate) words: usize,
    pub(crate) repairs: usize,
    pub(crate) spin_score: f32,
    pub(crate) bytes: u64,
    /// Done by an earlier run (`fix --out-dir --resume`): nothing was read.
    pub(crate) resumed: bool,
}

/// Read `input` and repair it part by part, handing each part to `emit` in order.
pub(crate) fn repair_parts(
    input: &Input,
    ctx: &Ctx,
    mut emit: impl FnMut(&Part) -> Result<()>,
) -> Result<DocStats> {
    let mut acc = Acc::default();
    let mut reader: Box<dyn BufRead> = match &input.path {
        Some(p) if !input.stream && input.size <= large() => {
            let bytes = read_sized(p, input.size).map_err(|e| open_error(input, e))?;
            let text = decode(input, ctx.encoding, bytes, 0)?;
            let part = repair_one(input, &text, 0, 0)?;
            emit(&part)?;
            acc.add(&part);
            return Ok(acc.finish(Some(part.report.spin_score)));
        }
        Some(p) => {
            // A pipe or a device is read once as it comes, as standard input is: a scan
            // first would consume it.
            if !input.stream {
                prescan(input, ctx.encoding)?;
            }
            let f = std::fs::File::open(p).map_err(|e| open_error(input, e))?;
            Box::new(BufReader::with_capacity(1 << 16, f))
        }
        None => Box::new(std::io::stdin().lock()),
    };
    let mut parts = PartReader::new(&mut reader);
    let window = ctx.jobs.max(1) * 2;
    let (mut offset, mut line, mut count) = (0usize, 0usize, 0usize);
    loop {
        if ctx.stopped() {
            bail!(Interrupted);
        }
        let mut texts = Vec::with_capacity(window);
        // Where each part starts, for the message about a bad byte in it.
        let mut at = offset;
        while texts.len() < window {
            match parts.next_part().map_err(|e| open_error(input, e))? {
                Some(bytes) => {
                    let len = bytes.len();
                    texts.push(decode(input, ctx.encoding, bytes, at)?);
                    at += len;
                }
                None => break,
            }
        }
        if texts.is_empty() {
            break;
        }
        let mut starts = Vec::with_capacity(texts.len());
        for t in &texts {
            starts.push((offset, line));
            offset += t.len();
            line += t.matches('\n').count();
        }
        let reports: Vec<Part> = texts
            .par_iter()
            .zip(starts)
            .map(|(t, (o, l))| repair_one(input, t, o, l))
            .collect::<Result<_>>()?;
        for part in &reports {
            emit(part)?;
            acc.add(part);
            ctx.progress.inc(part.text.len() as u64);
        }
        count += reports.len();
    }
    // One part: its own score, exactly as for a small file.
    let single = (count <= 1).then_some(acc.last_score);
    Ok(acc.finish(single))
}

fn repair_one<'a>(input: &Input, text: &'a str, offset: usize, line: usize) -> Result<Part<'a>> {
    let bom = if offset == 0 && text.starts_with('\u{feff}') {
        3
    } else {
        0
    };
    let mut report = repair_text(&input.setup.repairer, input, &text[bom..])?;
    for r in &mut report.repairs {
        r.start += bom;
        r.end += bom;
    }
    Ok(Part {
        text,
        offset,
        line,
        bom,
        report,
    })
}

/// The bytes of the file at `p`, whose size the walk already asked for: the same as
/// `std::fs::read` without asking again (`read_to_end` on a file asks for its size and
/// position: two system calls of seven a file). The file is read to its end whatever its
/// size has become since.
fn read_sized(p: &std::path::Path, size: u64) -> std::io::Result<Vec<u8>> {
    let mut f = std::fs::File::open(p)?;
    // One byte more than expected, so that the read that finds the end needs no new room.
    let mut bytes = vec![0u8; size as usize + 1];
    let mut len = 0;
    loop {
        if len == bytes.len() {
            bytes.resize(2 * len, 0);
        }
        match f.read(&mut bytes[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    bytes.truncate(len);
    Ok(bytes)
}

/// The whole text of `input` at once, for commands that need all of it (diff, review).
pub(crate) fn read_whole(input: &Input, encoding: Encoding) -> Result<String> {
    let reader: Box<dyn Read> = match &input.path {
        Some(p) => Box::new(std::fs::File::open(p).map_err(|e| open_error(input, e))?),
        None => Box::new(std::io::stdin().lock()),
    };
    let mut bytes = Vec::new();
    reader
        .take(WHOLE_MAX + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| open_error(input, e))?;
    if bytes.len() as u64 > WHOLE_MAX {
        bail!(
            "{}: larger than {} MiB, more than `diff` and `review` show at once (it would take \
             some 25 times its size in memory); use `unspin fix --out-dir DIR` and compare the \
             copies, or `unspin check`",
            input.name(),
            WHOLE_MAX >> 20
        );
    }
    decode(input, encoding, bytes, 0)
}

/// The largest input `read_whole` takes (`diff` and `review` hold a whole text, its repairs
/// and its rendering: a 200 MB file took 5.3 GB).
const WHOLE_MAX: u64 = 8 << 20;

/// Sums over parts; the spin score of a many-part document comes from the evidence of all.
#[derive(Default)]
struct Acc {
    words: usize,
    repairs: usize,
    evidence: f64,
    bytes: u64,
    last_score: f32,
}

impl Acc {
    fn add(&mut self, p: &Part) {
        self.words += p.report.words;
        self.repairs += p.report.repairs.len();
        self.evidence += p.report.evidence.per_100_words as f64 * p.report.words as f64 / 100.0;
        self.bytes += p.text.len() as u64;
        self.last_score = p.report.spin_score;
    }

    fn finish(self, single: Option<f32>) -> DocStats {
        let per_100_words = if self.words == 0 {
            0.0
        } else {
            (self.evidence * 100.0 / self.words as f64) as f32
        };
        DocStats {
            words: self.words,
            repairs: self.repairs,
            spin_score: single.unwrap_or_else(|| SpinEvidence { per_100_words }.score()),
            bytes: self.bytes,
            resumed: false,
        }
    }
}

fn open_error(input: &Input, e: std::io::Error) -> anyhow::Error {
    let what = match &input.path {
        Some(p) => super::input::what_to_do(p, e.kind()),
        None => "check what feeds standard input",
    };
    anyhow::Error::new(e).context(format!("cannot read {}; {what}", input.name()))
}

fn binary(input: &Input) -> anyhow::Error {
    let m = format!(
        "{}: looks binary (contains NUL bytes); unspin reads text only (UTF-16 text: convert it to UTF-8 first)",
        input.name()
    );
    if input.explicit {
        anyhow::anyhow!(m)
    } else {
        Skipped(format!(
            "skipped {} (binary: contains NUL bytes)",
            input.name()
        ))
        .into()
    }
}

fn not_utf8(input: &Input, at: usize) -> anyhow::Error {
    anyhow::anyhow!(
        "{}: not valid UTF-8 (first bad byte at offset {at}); convert it to UTF-8 first (e.g. `iconv -f windows-1252 -t utf-8`) or pass --encoding lossy",
        input.name()
    )
}

/// Bytes to text: NUL bytes mean binary; invalid UTF-8 is an error unless `--encoding lossy`.
/// `offset`: where the bytes start in the document, for messages.
fn decode(input: &Input, encoding: Encoding, bytes: Vec<u8>, offset: usize) -> Result<String> {
    if bytes.contains(&0) {
        return Err(binary(input));
    }
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) if encoding == Encoding::Lossy => {
            Ok(String::from_utf8_lossy(e.as_bytes()).into_owned())
        }
        Err(e) => Err(not_utf8(input, offset + e.utf8_error().valid_up_to())),
    }
}

/// Read a large file once before repairing it, so a binary or non-UTF-8 file is reported
/// before any of its output is written.
fn prescan(input: &Input, encoding: Encoding) -> Result<()> {
    let path = input.path.as_ref().expect("a file");
    let mut f = std::fs::File::open(path).map_err(|e| open_error(input, e))?;
    let mut buf = vec![0u8; 1 << 20];
    let (mut carry, mut pos) = (0usize, 0usize);
    loop {
        let n = f
            .read(&mut buf[carry..])
            .map_err(|e| open_error(input, e))?;
        if n == 0 {
            if carry > 0 && encoding == Encoding::Utf8 {
                return Err(not_utf8(input, pos));
            }
            return Ok(());
        }
        let block = &buf[..carry + n];
        if block[carry..].contains(&0) {
            return Err(binary(input));
        }
        let mut keep = 0;
        if encoding == Encoding::Utf8 {
            if let Err(e) = std::str::from_utf8(block) {
                if e.error_len().is_some() {
                    return Err(not_utf8(input, pos + e.valid_up_to()));
                }
                keep = block.len() - e.valid_up_to();
            }
        }
        let len = block.len();
        buf.copy_within(len - keep..len, 0);
        pos += len - keep;
        carry = keep;
    }
}

/// Cuts a byte stream into parts of whole paragraphs (whole lines when paragraphs are huge).
struct PartReader<'r> {
    reader: &'r mut dyn BufRead,
    carry: Vec<u8>,
}

impl<'r> PartReader<'r> {
    fn new(reader: &'r mut dyn BufRead) -> PartReader<'r> {
        PartReader {
            reader,
            carry: Vec::new(),
        }
    }

    fn next_part(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        let mut buf = std::mem::take(&mut self.carry);
        // A carried part of a line: what is read next ends that line, not a new one.
        let mut mid_line = !buf.is_empty() && !buf.ends_with(b"\n");
        loop {
            let start = buf.len();
            let room = (part_max() + part_target()).saturating_sub(start).max(1);
            let n = (&mut *self.reader)
                .take(room as u64)
                .read_until(b'\n', &mut buf)?;
            if n == 0 {
                break;
            }
            let line = &buf[start..];
            if !line.ends_with(b"\n") && n == room {
                // A line longer than a part: cut after its last space, or between characters.
                let cut = line_cut(&buf[..]);
                self.carry = buf.split_off(cut);
                break;
            }
            let blank = !mid_line && line.iter().all(u8::is_ascii_whitespace);
            mid_line = false;
            if (blank && buf.len() >= part_target()) || buf.len() >= part_max() {
                self.join_short_tail(&mut buf)?;
                break;
            }
        }
        Ok((!buf.is_empty()).then_some(buf))
    }

    /// When what is left of the input is shorter than half a part, it joins this part: a
    /// paragraph or two scored alone would read as barely spun (a short text counts as 200
    /// words) and be repaired differently from the rest of its document.
    fn join_short_tail(&mut self, buf: &mut Vec<u8>) -> std::io::Result<()> {
        let limit = (part_target() / 2) as u64;
        let mut tail = Vec::new();
        (&mut *self.reader).take(limit + 1).read_to_end(&mut tail)?;
        if tail.len() as u64 <= limit {
            buf.append(&mut tail);
        } else {
            self.carry = tail;
        }
        Ok(())
    }
}

/// Where to cut a too-long run of bytes with no line end: after its last space, else at the
/// start of a UTF-8 character.
fn line_cut(buf: &[u8]) -> usize {
    if let Some(i) = buf.iter().rposition(|&b| b == b' ' || b == b'\t') {
        if i > 0 {
            return i + 1;
        }
    }
    let mut j = buf.len() - 1;
    while j > 0 && buf[j] & 0xC0 == 0x80 {
        j -= 1;
    }
    if j == 0 {
        buf.len()
    } else {
        j
    }
}

/// Line starts of a text, for turning byte offsets into 1-based line and column.
pub(crate) struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
    /// The last position located (line, byte, column): repairs come in order, so counting
    /// characters goes on from there rather than from the line's start each time (one long
    /// line of scraped text with thousands of repairs would cost their product).
    last: std::cell::Cell<(usize, usize, usize)>,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Lines<'a> {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines {
            text,
            starts,
            last: std::cell::Cell::new((usize::MAX, 0, 0)),
        }
    }

    /// 0-based line index, 1-based column in characters, and the line's text (no line end).
    pub(crate) fn locate(&self, at: usize, skip: usize) -> (usize, usize, &'a str) {
        let i = self.starts.partition_point(|&s| s <= at) - 1;
        let start = self.starts[i].max(if i == 0 { skip } else { 0 });
        let end = self.starts.get(i + 1).map_or(self.text.len(), |&e| e);
        let col = match self.last.get() {
            (line, from, col) if line == i && (start..=at).contains(&from) => {
                col + self.text[from..at].chars().count()
            }
            _ => self.text[start..at].chars().count() + 1,
        };
        self.last.set((i, at, col));
        let line = self.text[start..end].trim_end_matches(['\n', '\r']);
        (i, col, line)
    }
}

/// At most this many characters of a line are shown on each side of a repair.
const SHOWN_AROUND: usize = 60;

/// The part of `line` shown around the `len` bytes at byte `at` (at most `SHOWN_AROUND`
/// characters each side, "…" where it is cut), and how many characters of it come before
/// the repair.
pub(crate) fn excerpt(line: &str, at: usize, len: usize) -> (String, usize) {
    let (before, rest) = line.split_at(at);
    let from = before
        .char_indices()
        .rev()
        .nth(SHOWN_AROUND - 1)
        .map_or(0, |(i, _)| i);
    let end = (len.min(rest.len())..=rest.len())
        .find(|&e| rest.is_char_boundary(e))
        .unwrap_or(rest.len());
    let after = &rest[end..];
    let to = after
        .char_indices()
        .nth(SHOWN_AROUND)
        .map_or(after.len(), |(i, _)| i);
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    out.push_str(&before[from..]);
    let lead = out.chars().count();
    out.push_str(&rest[..end]);
    out.push_str(&after[..to]);
    if to < after.len() {
        out.push('…');
    }
    (out, lead)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts_of(text: &str) -> Vec<Vec<u8>> {
        let mut r: &[u8] = text.as_bytes();
        let mut reader: &mut dyn BufRead = &mut r;
        let mut p = PartReader::new(&mut reader);
        let mut out = Vec::new();
        while let Some(b) = p.next_part().unwrap() {
            out.push(b);
        }
        out
    }

    #[test]
    fn a_long_line_is_shown_around_each_repair_and_located_in_order() {
        let line = format!("{}Fact Social{}", "é".repeat(500), " said".repeat(500));
        let (shown, lead) = excerpt(&line, 1000, 11);
        assert!(shown.starts_with('…') && shown.ends_with('…'));
        assert_eq!(lead, SHOWN_AROUND + 1);
        assert_eq!(
            shown.chars().skip(lead).take(11).collect::<String>(),
            "Fact Social"
        );
        assert_eq!(
            excerpt("a short line", 2, 5),
            ("a short line".to_string(), 2)
        );
        let text = format!("first\n{line}\n");
        let lines = Lines::new(&text);
        let at = |byte: usize| lines.locate(byte, 0).1;
        assert_eq!(at(6 + 1000), 501);
        assert_eq!(at(6 + 1011 + 5), 501 + 11 + 5);
        assert_eq!(at(6 + 2), 2); // back before the last position: counted afresh
        assert_eq!(lines.locate(2, 0), (0, 3, "first"));
    }

    #[test]
    fn a_file_is_read_whole_whatever_size_the_walk_saw() {
        let dir = std::env::temp_dir().join(format!("unspin-read-sized-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("a.txt");
        let text = "words ".repeat(5000);
        std::fs::write(&p, &text).unwrap();
        // Grown since the walk, shrunk since, unchanged.
        for size in [0, 10, text.len() as u64, text.len() as u64 + 100] {
            assert_eq!(
                read_sized(&p, size).unwrap(),
                text.as_bytes(),
                "size {size}"
            );
        }
        std::fs::write(&p, "").unwrap();
        assert!(read_sized(&p, 0).unwrap().is_empty());
        assert!(read_sized(&dir.join("missing.txt"), 3).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn parts_end_at_blank_lines_and_cover_everything() {
        let para = "word ".repeat(1000) + "\r\n\r\n";
        let text = para.repeat(part_target() / para.len() * 3);
        let parts = parts_of(&text);
        assert!(parts.len() >= 3, "{}", parts.len());
        assert_eq!(parts.concat(), text.as_bytes());
        for p in &parts[..parts.len() - 1] {
            assert!(p.ends_with(b"\r\n\r\n"));
        }
    }

    #[test]
    fn an_endless_line_is_cut_between_words_or_characters() {
        let text = "wörd ".repeat(part_max() / 3);
        let parts = parts_of(&text);
        assert!(parts.len() >= 2);
        assert_eq!(parts.concat(), text.as_bytes());
        assert!(parts.iter().all(|p| std::str::from_utf8(p).is_ok()));
        let text = "ö".repeat(part_max());
        let parts = parts_of(&text);
        assert_eq!(parts.concat(), text.as_bytes());
        assert!(parts.iter().all(|p| std::str::from_utf8(p).is_ok()));
    }

    #[test]
    fn lines_locate_offsets() {
        let text = "\u{feff}ab\r\ncd é x\n";
        let l = Lines::new(text);
        assert_eq!(l.locate(3, 3), (0, 1, "ab"));
        assert_eq!(l.locate(text.find('x').unwrap(), 3), (1, 6, "cd é x"));
    }
}
