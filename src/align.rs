//! Word alignment of a spun text with its original: the spinner's edits as short replaced
//! stretches between unchanged anchors. It feeds both `dict learn` (what does the spinner
//! substitute?) and the quality benchmark (which edits did we restore?).

use crate::tokens::{normalize, tokenize, Kind};
use similar::{capture_diff_slices, Algorithm, DiffOp};
use std::ops::Range;

/// A word of a text: its normalised form and its byte span.
#[derive(Debug, Clone)]
pub struct Word {
    pub norm: String,
    pub start: usize,
    pub end: usize,
}

/// The words (and numbers) of a text, punctuation left out.
pub fn words(text: &str) -> Vec<Word> {
    tokenize(text)
        .into_iter()
        .filter(|t| matches!(t.kind, Kind::Word | Kind::Number))
        .map(|t| Word {
            norm: normalize(t.text(text)),
            start: t.start,
            end: t.end,
        })
        .collect()
}

/// One stretch where the texts differ: word index ranges into each side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub spun: Range<usize>,
    pub orig: Range<usize>,
}

/// The longest stretch, in words on either side, still taken for one spinner edit;
/// longer differences are editorial (a sentence added or cut), not spinning.
pub const MAX_EDIT_WORDS: usize = 5;

/// Align two word lists and return the short replacements between anchors, in order.
/// Pure insertions and deletions are returned too (one side empty) when short.
pub fn align(spun: &[Word], orig: &[Word]) -> Vec<Edit> {
    let a: Vec<&str> = spun.iter().map(|w| w.norm.as_str()).collect();
    let b: Vec<&str> = orig.iter().map(|w| w.norm.as_str()).collect();
    let ops = capture_diff_slices(Algorithm::Patience, &a, &b);
    let mut edits: Vec<Edit> = Vec::new();
    let mut pending: Option<Edit> = None;
    for op in ops {
        let (s, o) = match op {
            DiffOp::Equal { .. } => {
                if let Some(e) = pending.take() {
                    edits.push(e);
                }
                continue;
            }
            DiffOp::Delete {
                old_index,
                old_len,
                new_index,
                ..
            } => (old_index..old_index + old_len, new_index..new_index),
            DiffOp::Insert {
                old_index,
                new_index,
                new_len,
                ..
            } => (old_index..old_index, new_index..new_index + new_len),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => (
                old_index..old_index + old_len,
                new_index..new_index + new_len,
            ),
        };
        pending = Some(match pending.take() {
            Some(p) => Edit {
                spun: p.spun.start..s.end.max(p.spun.end),
                orig: p.orig.start..o.end.max(p.orig.end),
            },
            None => Edit { spun: s, orig: o },
        });
    }
    if let Some(e) = pending.take() {
        edits.push(e);
    }
    edits
        .into_iter()
        .filter(|e| e.spun.len() <= MAX_EDIT_WORDS && e.orig.len() <= MAX_EDIT_WORDS)
        .collect()
}

/// Join the normalised words of a range with single spaces.
pub fn phrase(words: &[Word], r: Range<usize>) -> String {
    let mut s = String::new();
    for w in &words[r] {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(&w.norm);
    }
    s
}

/// Whether `word` is written as an acronym ("US", "NHS", "U.S."): two or more letters, all
/// capitals. A spin table keeps such originals as written, since lowercase would restore
/// "United States" as "Us".
pub fn is_acronym(word: &str) -> bool {
    let mut letters = 0;
    for c in word.chars().filter(|c| c.is_alphabetic()) {
        if !c.is_uppercase() {
            return false;
        }
        letters += 1;
    }
    letters >= 2
}

/// [`phrase`], but each acronym as the text writes it ("us" -> "US"), unless `shouting` (the
/// other side of the edit is written all in capitals): a headline in capitals has no acronyms
/// to tell apart.
pub fn phrase_keeping_acronyms(
    text: &str,
    words: &[Word],
    r: Range<usize>,
    shouting: bool,
) -> String {
    let mut s = String::new();
    for w in &words[r] {
        if !s.is_empty() {
            s.push(' ');
        }
        let surface = &text[w.start..w.end];
        if !shouting && is_acronym(surface) {
            s.push_str(surface);
        } else {
            s.push_str(&w.norm);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_word_and_phrase_edits() {
        let spun = words(
            "Trump’s Fact Social put up on Friday mentioned the talks, as a result of peace.",
        );
        let orig = words("Trump's Truth Social post on Friday said the talks, because peace.");
        let edits = align(&spun, &orig);
        let pairs: Vec<(String, String)> = edits
            .iter()
            .map(|e| (phrase(&spun, e.spun.clone()), phrase(&orig, e.orig.clone())))
            .collect();
        assert_eq!(
            pairs,
            vec![
                ("fact".into(), "truth".into()),
                ("put up".into(), "post".into()),
                ("mentioned".into(), "said".into()),
                ("as a result of".into(), "because".into()),
            ]
        );
    }
}
