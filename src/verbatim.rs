//! Spans of a text that are not prose and must come out byte for byte: web addresses, e-mail
//! addresses, HTML tags and comments, and code (Markdown fences and inline code). A spinner
//! leaves them alone ("https://example.com/mentioned" is a link, not a spun "said"), so a
//! repair that touches one would break a link, an address or a program.

use std::ops::Range;

/// The verbatim spans of `text`, in order (they may overlap).
pub fn spans(text: &str) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let found = match b[i] {
            b':' if b[i + 1..].starts_with(b"//") => url_back(b, i),
            b'w' if b[i..].starts_with(b"www.") && (i == 0 || !is_word(b[i - 1])) => {
                Some(i..url_end(b, i))
            }
            b'@' => email(b, i),
            b'<' => tag(b, i),
            b'`' => code(b, i),
            b'~' if b[i..].starts_with(b"~~~") && line_start(b, i) => fence(b, i, b"~~~"),
            b']' if b[i + 1..].starts_with(b"(") => link_target(b, i + 1),
            _ => None,
        };
        match found {
            Some(r) => {
                i = r.end.max(i + 1);
                out.push(r);
            }
            None => i += 1,
        }
    }
    out.sort_by_key(|r| r.start);
    out
}

/// Whether the byte span `start..end` overlaps any of `spans` (sorted by start).
pub fn overlaps(spans: &[Range<usize>], start: usize, end: usize) -> bool {
    spans
        .iter()
        .take_while(|s| s.start < end)
        .any(|s| s.end > start)
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

fn line_start(b: &[u8], i: usize) -> bool {
    b[..i]
        .iter()
        .rev()
        .take_while(|&&c| c != b'\n')
        .all(|&c| c == b' ' || c == b'\t')
}

/// A URL whose "://" is at `colon`: its scheme (letters, digits, + - .) before it, its
/// address after it.
fn url_back(b: &[u8], colon: usize) -> Option<Range<usize>> {
    let start = b[..colon]
        .iter()
        .rposition(|&c| !(c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.')))
        .map_or(0, |p| p + 1);
    (start < colon).then(|| start..url_end(b, colon + 3))
}

/// Where a URL from `from` ends: at white space or a character that cannot be in one, less
/// the punctuation that closes the sentence or bracket around it.
fn url_end(b: &[u8], from: usize) -> usize {
    let mut end = b[from..]
        .iter()
        .position(|&c| c.is_ascii_whitespace() || matches!(c, b'<' | b'>' | b'"' | b'`'))
        .map_or(b.len(), |p| from + p);
    while end > from
        && matches!(
            b[end - 1],
            b'.' | b',' | b';' | b':' | b'!' | b'?' | b')' | b'\''
        )
    {
        end -= 1;
    }
    end
}

/// An e-mail address around the "@" at `at`: a local part before it, a domain with a dot
/// after it.
fn email(b: &[u8], at: usize) -> Option<Range<usize>> {
    let local = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-');
    let start = b[..at]
        .iter()
        .rposition(|&c| !local(c))
        .map_or(0, |p| p + 1);
    let mut end = b[at + 1..]
        .iter()
        .position(|&c| !(c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-')))
        .map_or(b.len(), |p| at + 1 + p);
    while end > at + 1 && b[end - 1] == b'.' {
        end -= 1;
    }
    (start < at && b[at + 1..end].contains(&b'.')).then_some(start..end)
}

/// Longest HTML tag or comment taken as one (a `<` without its `>` within this is text).
const MAX_TAG: usize = 4096;

/// An HTML comment or tag starting at `lt`.
fn tag(b: &[u8], lt: usize) -> Option<Range<usize>> {
    let rest = &b[lt..b.len().min(lt + MAX_TAG)];
    if rest.starts_with(b"<!--") {
        let close = rest.windows(3).position(|w| w == b"-->")?;
        return Some(lt..lt + close + 3);
    }
    let first = *rest.get(1)?;
    if !(first.is_ascii_alphabetic() || first == b'/' || first == b'!') {
        return None; // "a < b", "<3"
    }
    let close = rest[1..].iter().position(|&c| c == b'>' || c == b'<')?;
    (rest[1 + close] == b'>').then_some(lt..lt + close + 2)
}

/// Code from the backtick at `tick`: a fenced block when three start a line, else inline
/// code up to the same run of backticks on the same line.
fn code(b: &[u8], tick: usize) -> Option<Range<usize>> {
    if b[tick..].starts_with(b"```") && line_start(b, tick) {
        return fence(b, tick, b"```");
    }
    let run = b[tick..].iter().take_while(|&&c| c == b'`').count();
    let from = tick + run;
    let line_end = b[from..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| from + p);
    let body = &b[from..line_end];
    let close = body
        .windows(run)
        .position(|w| w.iter().all(|&c| c == b'`'))?;
    Some(tick..from + close + run)
}

/// A fenced code block from the fence at `start` to the end of its closing fence line (or
/// the end of the text when it is never closed).
fn fence(b: &[u8], start: usize, mark: &[u8]) -> Option<Range<usize>> {
    let mut line = b[start..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| start + p + 1);
    while line < b.len() {
        let end = b[line..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(b.len(), |p| line + p + 1);
        let text = &b[line..end];
        let trimmed = text
            .iter()
            .position(|&c| c != b' ' && c != b'\t')
            .unwrap_or(text.len());
        if text[trimmed..].starts_with(mark) {
            return Some(start..end);
        }
        line = end;
    }
    Some(start..b.len())
}

/// A Markdown link target "(...)" at `open`, right after a link's "]".
fn link_target(b: &[u8], open: usize) -> Option<Range<usize>> {
    let close = b[open..]
        .iter()
        .take(MAX_TAG)
        .position(|&c| c == b')' || c == b'\n')?;
    (b[open + close] == b')').then_some(open..open + close + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<&str> {
        spans(s).into_iter().map(|r| &s[r]).collect()
    }

    #[test]
    fn addresses_markup_and_code_are_found() {
        let s = "See https://example.com/mentioned/conflict?q=lastly+finish. Mail press@white-home.gov, \
                 or www.fact-social.com! <a href=\"/conflict/finish\">link</a> <!-- mentioned --> \
                 `lastly finish()` and [the post](/posts/mentioned-conflict) a < b.";
        assert_eq!(
            texts(s),
            [
                "https://example.com/mentioned/conflict?q=lastly+finish",
                "press@white-home.gov",
                "www.fact-social.com",
                "<a href=\"/conflict/finish\">",
                "</a>",
                "<!-- mentioned -->",
                "`lastly finish()`",
                "(/posts/mentioned-conflict)",
            ]
        );
    }

    #[test]
    fn fenced_code_runs_to_its_closing_fence() {
        let s =
            "Prose mentioned.\n```python\ndef finish(conflict):\n    return 1\n```\nMore prose.";
        assert_eq!(
            texts(s),
            ["```python\ndef finish(conflict):\n    return 1\n```\n"]
        );
        assert!(overlaps(
            &spans(s),
            s.find("finish").unwrap(),
            s.find("finish").unwrap() + 6
        ));
        assert!(!overlaps(&spans(s), 6, 15));
    }

    #[test]
    fn prose_with_lone_signs_has_none() {
        for s in [
            "He said: no.",
            "Price < $5 and 3 > 2",
            "It's `quoted",
            "at @home",
            "a ~~~ b",
        ] {
            assert!(spans(s).is_empty(), "{s}");
        }
    }
}
