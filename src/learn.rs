//! `unspin dict learn`: learn what a spinner substitutes from aligned spun/original pairs.
//! Each short replaced stretch between unchanged anchors (and each word run the spinner
//! added, with the neighbour it binds to) is a proposed spin-table row with how often it was
//! seen, in how many documents, and a short example from the spun text.
//! Every count is a sum over pairs, so new pairs can be learned onto a table whose own pairs
//! are no longer at hand (`learn_onto`, `evidence_onto`).

use crate::align::{align, is_acronym, phrase, phrase_keeping_acronyms, words, Edit, Word};
use crate::dictionaries::{is_name_key, name_key};
use crate::tokens::in_name;
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
fn split_parallel(e: Edit) -> Vec<Edit> {
    let n = e.spun.len();
    if n < 2 || n != e.orig.len() {
        return vec![e];
    }
    (0..n)
        .map(|k| Edit {
            spun: e.spun.start + k..e.spun.start + k + 1,
            orig: e.orig.start + k..e.orig.start + k + 1,
        })
        .collect()
}

/// How much likelier (log10) the language model finds a word right after another than
/// anywhere, for the words a spinner added to count as one collocation with their neighbour
/// (at 1.0, "will likely" and "to make" would pass; "gross sales" is 1.7, "brand new" 2.5).
const MIN_COLLOCATION: f32 = 1.5;

/// An edit with both sides, as a row needs. Words the spinner added without replacing any
/// (one or two) become a row with the neighbour they form a collocation with: a thesaurus
/// spinner swaps "sales" for "gross sales" and "court" for "court docket", and the row
/// "gross sales" -> "sales" is what a repair needs. The side is the one where the language
/// model binds the added words to the neighbour ("gross sales", not "the gross"); with
/// neither bound, or pure deletions, no row.
fn with_collocate(e: Edit, spun: &[Word], orig: &[Word]) -> Option<Edit> {
    if !e.orig.is_empty() {
        return (!e.spun.is_empty()).then_some(e);
    }
    if e.spun.is_empty() || e.spun.len() > 2 {
        return None;
    }
    let lm = crate::lm::LanguageModel::embedded();
    let bound = |a: &str, b: &str| match (lm.word_id(a), lm.word_id(b)) {
        (Some(a), Some(b)) => lm.logprob(None, Some(a), b) - lm.unigram_logprob(b),
        _ => f32::NEG_INFINITY,
    };
    let same = |s: usize, o: usize| {
        spun.get(s)
            .zip(orig.get(o))
            .is_some_and(|(s, o)| s.norm == o.norm)
    };
    let (first, last) = (&spun[e.spun.start].norm, &spun[e.spun.end - 1].norm);
    let left =
        match e.spun.start > 0 && e.orig.start > 0 && same(e.spun.start - 1, e.orig.start - 1) {
            true => bound(&spun[e.spun.start - 1].norm, first),
            false => f32::NEG_INFINITY,
        };
    let right = match same(e.spun.end, e.orig.start) {
        true => bound(last, &spun[e.spun.end].norm),
        false => f32::NEG_INFINITY,
    };
    if left.max(right) < MIN_COLLOCATION {
        return None;
    }
    Some(match left > right {
        true => Edit {
            spun: e.spun.start - 1..e.spun.end,
            orig: e.orig.start - 1..e.orig.start,
        },
        false => Edit {
            spun: e.spun.start..e.spun.end + 1,
            orig: e.orig.start..e.orig.start + 1,
        },
    })
}

/// A spinner turns a compound noun around ("interest rates" -> "rates of interest"), which
/// the aligner would see as a replacement beside a dropped word ("greater rates of" ->
/// "higher", then "rates" missing). Each "a of b" of the spun words (a and b content words)
/// whose original has "b a" and no "a of b" is a sighting of the row "a of b" -> "b a"
/// (with its example), and reads as "b a" for the alignment that follows.
fn turned_around(
    text: &str,
    spun: Vec<Word>,
    orig: &[Word],
) -> (Vec<Word>, Vec<(String, String, String)>) {
    let content = |w: &Word| {
        !crate::tokens::is_function_word(&w.norm) && !w.norm.bytes().any(|b| b.is_ascii_digit())
    };
    let has = |ws: &[&str]| {
        orig.windows(ws.len())
            .any(|o| o.iter().zip(ws).all(|(o, w)| o.norm == *w))
    };
    let mut out = Vec::with_capacity(spun.len());
    let mut sightings = Vec::new();
    let mut i = 0;
    while i < spun.len() {
        if let [a, of, b, ..] = &spun[i..] {
            if of.norm == "of"
                && content(a)
                && content(b)
                && has(&[&b.norm, &a.norm])
                && !has(&[&a.norm, "of", &b.norm])
            {
                sightings.push((
                    format!("{} of {}", a.norm, b.norm),
                    format!("{} {}", b.norm, a.norm),
                    context(text, &spun, i..i + 3),
                ));
                out.push(Word {
                    norm: b.norm.clone(),
                    start: a.start,
                    end: a.end,
                });
                out.push(Word {
                    norm: a.norm.clone(),
                    start: b.start,
                    end: b.end,
                });
                i += 3;
                continue;
            }
        }
        out.push(spun[i].clone());
        i += 1;
    }
    (out, sightings)
}

/// Learn proposals from `(spun, original)` text pairs. Words a spinner added join their
/// neighbour ([`with_collocate`]), a compound it turned around is one row ([`turned_around`]);
/// words it dropped, and edits between two numbers, are left out ("12 months" -> "year"
/// stays). Rows are sorted by spun phrase, then original.
pub fn learn(pairs: &[(String, String)]) -> Vec<Proposal> {
    learn_onto(Vec::new(), pairs)
}

/// Learn `pairs` onto `base`, rows learned from other pairs: the counts of both add up, as if
/// all the pairs had been learned together (a base row's `kept` grows by the times its spun
/// phrase stands unchanged in the new pairs).
pub fn learn_onto(base: Vec<Proposal>, pairs: &[(String, String)]) -> Vec<Proposal> {
    let mut rows: BTreeMap<(String, String), Proposal> = BTreeMap::new();
    let mut base_counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    for r in base {
        let key = (r.spun.clone(), crate::tokens::normalize(&r.original));
        base_counts.insert(key.clone(), r.count);
        rows.insert(key, r);
    }
    // Sightings written as an acronym, per row: the row keeps the capitals when most of its
    // new sightings have them (one headline in capitals does not make "prices" "PRICES").
    let mut acronyms: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut written_as: BTreeMap<(String, String), String> = BTreeMap::new();
    for (spun_text, orig_text) in pairs {
        let orig = words(orig_text);
        let (spun, turned) = turned_around(spun_text, words(spun_text), &orig);
        let mut seen_here = std::collections::HashSet::new();
        for (s, o, example) in turned {
            sight(&mut rows, &mut seen_here, (s, o), || example);
        }
        let edits = align(&spun, &orig).into_iter().flat_map(split_parallel);
        for e in edits.filter_map(|e| with_collocate(e, &spun, &orig)) {
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
            // Rows count together whatever the case; an acronym keeps its capitals. A
            // sighting inside a name counts for the name's row too ("Change" -> "switch").
            let shouting =
                is_acronym(&spun_text[spun[e.spun.start].start..spun[e.spun.end - 1].end]);
            let written = phrase_keeping_acronyms(orig_text, &orig, e.orig.clone(), shouting);
            let k = e.spun.start;
            let named = k > 0 && in_name(spun_text, spun[k - 1].end, spun[k].start);
            let name_row = named.then(|| (name_key(&s), o.clone()));
            for key in std::iter::once((s, o)).chain(name_row) {
                if written != key.1 {
                    *acronyms.entry(key.clone()).or_default() += 1;
                    written_as.insert(key.clone(), written.clone());
                }
                sight(&mut rows, &mut seen_here, key, || {
                    context(spun_text, &spun, e.spun.clone())
                });
            }
        }
    }
    // kept += occurrences in the new spun texts minus sightings there as an edit.
    let spun_texts: Vec<&str> = pairs.iter().map(|p| p.0.as_str()).collect();
    let spun_seen = occurrences(&spun_texts, rows.keys().map(|k| k.0.as_str()));
    let mut spun_edited: BTreeMap<String, usize> = BTreeMap::new();
    for (key, r) in rows.iter_mut() {
        let new = r.count - base_counts.get(key).copied().unwrap_or(0);
        *spun_edited.entry(key.0.clone()).or_default() += new;
        if acronyms.get(key).is_some_and(|&n| 2 * n > new) {
            r.original = written_as[key].clone();
        }
    }
    rows.into_values()
        .map(|mut r| {
            r.kept += spun_seen[&r.spun].saturating_sub(spun_edited[&r.spun]);
            r
        })
        .collect()
}

/// Count one sighting of the row `key` (spun, lowercase original) in the current text: a new
/// row takes `example` as its context; `seen_here` holds the rows this text showed already.
fn sight(
    rows: &mut BTreeMap<(String, String), Proposal>,
    seen_here: &mut std::collections::HashSet<(String, String)>,
    key: (String, String),
    example: impl FnOnce() -> String,
) {
    let row = rows.entry(key.clone()).or_insert_with(|| Proposal {
        spun: key.0.clone(),
        original: key.1.clone(),
        count: 0,
        docs: 0,
        kept: 0,
        example: example(),
    });
    row.count += 1;
    if seen_here.insert(key) {
        row.docs += 1;
    }
}

/// Whether the pair `(spun, original)` looks already counted in `base`: two or more of the
/// rows it teaches carry, as their example, the very words around its sighting (a table
/// keeps the first sighting's context, which another text repeats only by being the same
/// text). Learning a text twice would double its counts.
pub fn already_counted(base: &[Proposal], pair: &(String, String)) -> bool {
    let key = |r: &Proposal| {
        let original = crate::tokens::normalize(&r.original);
        (r.spun.clone(), original, r.example.clone())
    };
    let examples: std::collections::HashSet<_> = base.iter().map(key).collect();
    learn(std::slice::from_ref(pair))
        .iter()
        .filter(|r| examples.contains(&key(r)))
        .count()
        >= 2
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

/// Evidence counts with the word totals they were counted over.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvidenceCounts {
    pub rows: Vec<EvidenceRow>,
    pub spun_words: usize,
    pub original_words: usize,
}

/// `evidence` of `pairs` added to `base`, counts from other pairs (a phrase missing from
/// `base` counts 0 there: it was too rare to be listed).
pub fn evidence_onto(
    base: EvidenceCounts,
    pairs: &[(String, String)],
    rows: &[Proposal],
) -> EvidenceCounts {
    let (new, ns, no) = evidence_counts(pairs, rows);
    let mut sum: BTreeMap<String, (usize, usize)> = base
        .rows
        .into_iter()
        .map(|r| (r.phrase, (r.in_spun, r.in_original)))
        .collect();
    for r in new {
        let e = sum.entry(r.phrase).or_default();
        e.0 += r.in_spun;
        e.1 += r.in_original;
    }
    EvidenceCounts {
        rows: sum
            .into_iter()
            .map(|(phrase, (in_spun, in_original))| EvidenceRow {
                phrase,
                in_spun,
                in_original,
            })
            .filter(|r| r.in_spun + r.in_original >= MIN_EVIDENCE_OCCURRENCES)
            .collect(),
        spun_words: base.spun_words + ns,
        original_words: base.original_words + no,
    }
}

/// Count every spun and original phrase of `rows` in both kinds of text; returns the rows
/// and the word totals (spun, original).
pub fn evidence(pairs: &[(String, String)], rows: &[Proposal]) -> (Vec<EvidenceRow>, usize, usize) {
    let e = evidence_onto(EvidenceCounts::default(), pairs, rows);
    (e.rows, e.spun_words, e.original_words)
}

/// Every phrase of `rows` with its counts, however rare.
fn evidence_counts(
    pairs: &[(String, String)],
    rows: &[Proposal],
) -> (Vec<EvidenceRow>, usize, usize) {
    let spun_texts: Vec<&str> = pairs.iter().map(|p| p.0.as_str()).collect();
    let orig_texts: Vec<&str> = pairs.iter().map(|p| p.1.as_str()).collect();
    // A name's rows are the same phrases counted in fewer places: the evidence reads words
    // whatever their case.
    let phrases = || {
        rows.iter()
            .filter(|r| !is_name_key(&r.spun))
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
        .collect();
    let total = |ts: &[&str]| ts.iter().map(|t| words(t).len()).sum();
    (out, total(&spun_texts), total(&orig_texts))
}

/// Read a spin table (`spun, original, count, docs, kept, example` per line; `#` comments)
/// as learned rows, to learn onto.
pub fn parse_rows(tsv: &str) -> Result<Vec<Proposal>, String> {
    let mut out = Vec::new();
    for (n, line) in tsv.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let num = |i: usize| -> Result<usize, String> {
            f.get(i)
                .and_then(|x| x.parse().ok())
                .ok_or_else(|| format!("line {}: column {} is not a count", n + 1, i + 1))
        };
        if f.len() < 5 {
            return Err(format!(
                "line {}: expected spun, original, count, docs, kept",
                n + 1
            ));
        }
        out.push(Proposal {
            spun: f[0].to_string(),
            original: f[1].to_string(),
            count: num(2)?,
            docs: num(3)?,
            kept: num(4)?,
            example: f.get(5).unwrap_or(&"").to_string(),
        });
    }
    Ok(out)
}

/// The header line of an evidence table, which states the word totals.
pub fn evidence_header(spun_words: usize, original_words: usize) -> String {
    format!("# phrase\tin_spun\tin_original: occurrences in {spun_words} words of spun text and {original_words} words of original text (`unspin dict learn --evidence`)")
}

/// Read an evidence table written by `dict learn --evidence`, with its word totals.
pub fn parse_evidence(tsv: &str) -> Result<EvidenceCounts, String> {
    let header = tsv.lines().next().unwrap_or_default();
    let totals: Vec<usize> = header
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    let [spun_words, original_words] = totals[..] else {
        return Err("the first line does not state the word totals; relearn it".into());
    };
    let mut rows = Vec::new();
    for (n, line) in tsv.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let (Some(a), Some(b)) = (
            f.get(1).and_then(|x| x.parse().ok()),
            f.get(2).and_then(|x| x.parse().ok()),
        ) else {
            return Err(format!(
                "line {}: expected phrase, in_spun, in_original",
                n + 1
            ));
        };
        rows.push(EvidenceRow {
            phrase: f[0].to_string(),
            in_spun: a,
            in_original: b,
        });
    }
    Ok(EvidenceCounts {
        rows,
        spun_words,
        original_words,
    })
}

/// How often each phrase occurs (as whole words) in the texts; a name's key (see
/// `dictionaries::name_key`) only where it stands inside a name.
pub fn occurrences<'a>(
    texts: &[&str],
    phrases: impl Iterator<Item = &'a str>,
) -> BTreeMap<String, usize> {
    let mut out: BTreeMap<String, usize> = phrases.map(|p| (p.to_string(), 0)).collect();
    let keys: Vec<(Vec<String>, bool)> = out
        .keys()
        .map(|k| {
            let words = crate::tokens::normalize(k)
                .split(' ')
                .map(String::from)
                .collect();
            (words, is_name_key(k))
        })
        .collect();
    for text in texts {
        let ws = words(text);
        for ((_, n), (k, named)) in out.iter_mut().zip(&keys) {
            *n += ws
                .windows(k.len())
                .enumerate()
                .filter(|(_, w)| w.iter().zip(k).all(|(a, b)| a.norm == *b))
                .filter(|&(i, _)| !named || (i > 0 && in_name(text, ws[i - 1].end, ws[i].start)))
                .count();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A spun/original pair as `learn` takes it.
    fn pair(spun: &str, original: &str) -> (String, String) {
        (spun.to_string(), original.to_string())
    }

    /// The rows as (spun, original), in the table's order.
    fn learned(rows: &[Proposal]) -> Vec<(&str, &str)> {
        rows.iter()
            .map(|r| (r.spun.as_str(), r.original.as_str()))
            .collect()
    }

    #[test]
    fn an_acronym_original_keeps_its_capitals_when_most_sightings_have_them() {
        let rows = learn(&[
            pair(
                "On Max (United States) and Sky Television.",
                "On Max (US) and Sky TV.",
            ),
            pair("Costs rose. COSTS ROSE.", "Prices rose. PRICES ROSE."),
            pair("Costs fell.", "Prices fell."),
        ]);
        let original = |spun: &str| {
            rows.iter()
                .find(|r| r.spun == spun)
                .unwrap()
                .original
                .clone()
        };
        assert_eq!(original("united states"), "US");
        assert_eq!(original("television"), "TV");
        // Shouted text is no acronym, and one sighting in capitals among several is not either.
        assert_eq!(original("costs"), "prices");
        let capitals = learn(&[pair("The costs.", "The PRICES."), pair("Costs.", "Prices.")]);
        assert_eq!(capitals[0].original, "prices");
    }

    #[test]
    fn words_a_spinner_added_make_a_row_with_the_neighbour_they_bind_to() {
        let rows = learn(&[
            pair(
                "Its gross sales fell, the federal government said.",
                "Its sales fell, the government said.",
            ),
            pair(
                "He was in court docket on Monday.",
                "He was in court on Monday.",
            ),
            pair("They met on the Monday.", "They met on Monday."),
        ]);
        assert_eq!(
            learned(&rows),
            vec![
                ("court docket", "court"),
                ("federal government", "government"),
                ("gross sales", "sales"),
            ]
        );
    }

    #[test]
    fn a_compound_noun_turned_around_is_one_row() {
        let rows = learn(&[(
            "The financial institution raised rates of interest, Hunt mentioned.".to_string(),
            "The bank raised interest rates, Hunt said.".to_string(),
        )]);
        assert_eq!(
            learned(&rows),
            vec![
                ("financial institution", "bank"),
                ("mentioned", "said"),
                ("rates of interest", "interest rates"),
            ]
        );
        assert_eq!(
            rows[2].example,
            "The financial institution raised rates of interest, Hunt mentioned"
        );
    }

    #[test]
    fn a_swap_inside_a_name_also_counts_for_the_names_row() {
        let rows = learn(&[
            pair(
                "Nintendo sold the Change 2. Change is hard. A change came. The Change sold.",
                "Nintendo sold the Switch 2. Change is hard. A switch came. The Change sold.",
            ),
            pair(
                "Sales of Nintendo Change grew.",
                "Sales of Nintendo Switch grew.",
            ),
        ]);
        let row = |spun: &str| rows.iter().find(|r| r.spun == spun).unwrap();
        // Inside names: "the Change 2", "Nintendo Change"; "The Change sold" is one left
        // as it was. The sentence's first word is no name's word.
        let name = row("Change");
        assert_eq!(
            (name.original.as_str(), name.count, name.docs, name.kept),
            ("switch", 2, 2, 1)
        );
        // The phrase's own row counts every sighting, whatever the case.
        let any = row("change");
        assert_eq!((any.count, any.kept), (3, 2));
        // The evidence reads words whatever their case: no row of its own for a name's key.
        let (ev, _, _) = evidence(&[pair("the Change 2", "the Switch 2")], &rows);
        assert!(ev.iter().all(|e| e.phrase != "Change"));
    }

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
        assert_eq!(
            learned(&two),
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

    #[test]
    fn learning_onto_a_table_adds_up_as_learning_together() {
        let pairs = vec![
            (
                "He mentioned the firm grew. The firm mentioned profits.".to_string(),
                "He said the company grew. The company said profits.".to_string(),
            ),
            (
                "They mentioned nothing. The firm grew.".to_string(),
                "They said nothing. The firm grew.".to_string(),
            ),
            (
                "The agency mentioned it would grow. The firm did.".to_string(),
                "The agency said it would grow. The company did.".to_string(),
            ),
        ];
        let together = learn(&pairs);
        let onto = learn_onto(learn(&pairs[..1]), &pairs[1..]);
        assert_eq!(onto, together);
        let (ev, ns, no) = evidence(&pairs, &together);
        let base = {
            let (rows, ns, no) = evidence_counts(&pairs[..1], &learn(&pairs[..1]));
            EvidenceCounts {
                rows,
                spun_words: ns,
                original_words: no,
            }
        };
        let grown = evidence_onto(base, &pairs[1..], &together);
        assert_eq!(
            (grown.rows, grown.spun_words, grown.original_words),
            (ev, ns, no)
        );
        // A text already in a table is recognised by its examples; another is not.
        assert!(already_counted(&together, &pairs[0]));
        assert!(!already_counted(
            &together,
            &(
                "She mentioned the firm lost. We mentioned it.".to_string(),
                "She said the company lost. We said it.".to_string()
            )
        ));
        let back = parse_rows("# header\nmentioned\tsaid\t4\t3\t0\tHe mentioned the\n").unwrap();
        assert_eq!(
            (back[0].count, back[0].docs, back[0].example.as_str()),
            (4, 3, "He mentioned the")
        );
        let e = parse_evidence(&format!("{}\nfirm\t3\t1\n", evidence_header(18, 17))).unwrap();
        assert_eq!(
            (e.spun_words, e.original_words, e.rows[0].in_spun),
            (18, 17, 3)
        );
    }
}
