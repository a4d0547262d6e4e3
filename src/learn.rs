//! `unspin dict learn`: learn what a spinner substitutes from aligned spun/original pairs.
//! Each short replaced stretch between unchanged anchors is a proposed spin-table row with
//! how often it was seen, in how many documents, and a short example from the spun text.

use crate::align::{align, phrase, words, Word};
use std::collections::BTreeMap;

/// A proposed row of `dictionaries/spins.tsv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub spun: String,
    pub original: String,
    pub count: usize,
    pub docs: usize,
    /// How often the spun phrase stood unchanged in the spun texts (the spinner left it, or
    /// produced it from itself): what keeps the row from firing everywhere.
    pub kept: usize,
    /// A few words of spun context around the first sighting.
    pub example: String,
}

const EXAMPLE_CONTEXT: usize = 4;

fn context(text: &str, ws: &[Word], r: std::ops::Range<usize>) -> String {
    let a = r.start.saturating_sub(EXAMPLE_CONTEXT);
    let b = (r.end + EXAMPLE_CONTEXT).min(ws.len());
    if a >= b {
        return String::new();
    }
    text[ws[a].start..ws[b - 1].end]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A stretch of n words replaced by n words is read as n one-word edits ("information
/// convention" -> "news conference" teaches "information" -> "news" and "convention" ->
/// "conference"), except where that would keep a word as itself.
fn split_parallel(e: crate::align::Edit) -> Vec<crate::align::Edit> {
    let n = e.spun.len();
    if n < 2 || n != e.orig.len() {
        return vec![e];
    }
    (0..n)
        .map(|k| crate::align::Edit {
            spun: e.spun.start + k..e.spun.start + k + 1,
            orig: e.orig.start + k..e.orig.start + k + 1,
        })
        .collect()
}

/// Learn proposals from `(spun, original)` text pairs. Pure insertions/deletions and edits
/// between two numbers are left out ("12 months" -> "year" stays); rows are sorted by spun
/// phrase, then original.
pub fn learn(pairs: &[(String, String)]) -> Vec<Proposal> {
    let mut rows: BTreeMap<(String, String), Proposal> = BTreeMap::new();
    for (spun_text, orig_text) in pairs {
        let spun = words(spun_text);
        let orig = words(orig_text);
        let mut seen_here = std::collections::HashSet::new();
        for e in align(&spun, &orig).into_iter().flat_map(split_parallel) {
            if e.spun.is_empty() || e.orig.is_empty() {
                continue;
            }
            // A phrase broken by punctuation is two edits the aligner merged, not one row.
            let joined = |text: &str, ws: &[Word], r: &std::ops::Range<usize>| {
                (r.start + 1..r.end).all(|k| text[ws[k - 1].end..ws[k].start].trim().is_empty())
            };
            if !joined(spun_text, &spun, &e.spun) || !joined(orig_text, &orig, &e.orig) {
                continue;
            }
            let s = phrase(&spun, e.spun.clone());
            let o = phrase(&orig, e.orig.clone());
            let digits = |x: &str| x.bytes().any(|b| b.is_ascii_digit());
            if s == o || (digits(&s) && digits(&o)) {
                continue;
            }
            let key = (s.clone(), o.clone());
            let row = rows.entry(key.clone()).or_insert_with(|| Proposal {
                spun: s,
                original: o,
                count: 0,
                docs: 0,
                kept: 0,
                example: context(spun_text, &spun, e.spun.clone()),
            });
            row.count += 1;
            if seen_here.insert(key) {
                row.docs += 1;
            }
        }
    }
    // kept = occurrences in the spun texts minus sightings as an edit.
    let spun_texts: Vec<&str> = pairs.iter().map(|p| p.0.as_str()).collect();
    let spun_seen = occurrences(&spun_texts, rows.keys().map(|k| k.0.as_str()));
    let mut spun_edited: BTreeMap<String, usize> = BTreeMap::new();
    for ((s, _), r) in &rows {
        *spun_edited.entry(s.clone()).or_default() += r.count;
    }
    rows.into_values()
        .map(|mut r| {
            r.kept = spun_seen[&r.spun].saturating_sub(spun_edited[&r.spun]);
            r
        })
        .collect()
}

/// A phrase's occurrences in the spun and in the original texts: the weights of the
/// document-level spin evidence (a naive Bayes over the spin table's phrases).
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceRow {
    pub phrase: String,
    pub in_spun: usize,
    pub in_original: usize,
}

/// Phrases seen this rarely in both kinds of text together carry no evidence.
pub const MIN_EVIDENCE_OCCURRENCES: usize = 3;

/// Count every spun and original phrase of `rows` in both kinds of text; returns the rows
/// and the word totals (spun, original).
pub fn evidence(pairs: &[(String, String)], rows: &[Proposal]) -> (Vec<EvidenceRow>, usize, usize) {
    let spun_texts: Vec<&str> = pairs.iter().map(|p| p.0.as_str()).collect();
    let orig_texts: Vec<&str> = pairs.iter().map(|p| p.1.as_str()).collect();
    let phrases = || {
        rows.iter()
            .flat_map(|r| [r.spun.as_str(), r.original.as_str()])
    };
    let in_spun = occurrences(&spun_texts, phrases());
    let in_orig = occurrences(&orig_texts, phrases());
    let out = in_spun
        .into_iter()
        .map(|(phrase, s)| {
            let o = in_orig[&phrase];
            EvidenceRow {
                phrase,
                in_spun: s,
                in_original: o,
            }
        })
        .filter(|r| r.in_spun + r.in_original >= MIN_EVIDENCE_OCCURRENCES)
        .collect();
    let total = |ts: &[&str]| ts.iter().map(|t| words(t).len()).sum();
    (out, total(&spun_texts), total(&orig_texts))
}

/// How often each phrase occurs (as whole words) in the texts.
pub fn occurrences<'a>(
    texts: &[&str],
    phrases: impl Iterator<Item = &'a str>,
) -> BTreeMap<String, usize> {
    let mut out: BTreeMap<String, usize> = phrases.map(|p| (p.to_string(), 0)).collect();
    for text in texts {
        let ws: Vec<String> = words(text).into_iter().map(|w| w.norm).collect();
        for (key, n) in out.iter_mut() {
            let k: Vec<&str> = key.split(' ').collect();
            *n += ws
                .windows(k.len())
                .filter(|w| w.iter().zip(&k).all(|(a, b)| a == b))
                .count();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_repeated_substitutions() {
        let pairs = vec![
            (
                "He mentioned the firm grew. She mentioned it again.".to_string(),
                "He said the company grew. She said it again.".to_string(),
            ),
            (
                "They mentioned nothing. The firm grew.".to_string(),
                "They said nothing. The company grew.".to_string(),
            ),
            ("The firm grew.".to_string(), "The firm grew.".to_string()),
        ];
        let rows = learn(&pairs);
        let said = rows.iter().find(|r| r.spun == "mentioned").unwrap();
        assert_eq!(
            (said.original.as_str(), said.count, said.docs, said.kept),
            ("said", 3, 2, 0)
        );
        let two = learn(&[(
            "at a information convention today".to_string(),
            "at a news conference today".to_string(),
        )]);
        let pairs_learned: Vec<(&str, &str)> = two
            .iter()
            .map(|r| (r.spun.as_str(), r.original.as_str()))
            .collect();
        assert_eq!(
            pairs_learned,
            vec![("convention", "conference"), ("information", "news")]
        );
        let firm = rows.iter().find(|r| r.spun == "firm").unwrap();
        assert_eq!(
            (firm.original.as_str(), firm.count, firm.kept),
            ("company", 2, 1)
        );
        let (ev, ns, no) = evidence(&pairs, &rows);
        assert_eq!((ns, no), (18, 18));
        let said = ev.iter().find(|e| e.phrase == "said").unwrap();
        assert_eq!((said.in_spun, said.in_original), (0, 3));
        let firm = ev.iter().find(|e| e.phrase == "firm").unwrap();
        assert_eq!((firm.in_spun, firm.in_original), (3, 1));
        // "company" was seen twice in all: too rare to weigh.
        assert!(!ev.iter().any(|e| e.phrase == "company"));
    }
}
