//! Checks the native `en-us.lm.bin` reader against pocketsphinx itself:
//! `fixtures/lm_reference.tsv` holds log10 probabilities computed by the
//! pocketsphinx Python package (see `scripts/lm_reference.py`).

use unspin::lm::{LanguageModel, WordId};

const FIXTURE: &str = include_str!("../fixtures/lm_reference.tsv");

/// Both sides read the same quantised values, so the only difference left is
/// pocketsphinx truncating its score to an integer number of log-1.0001
/// units: at most one unit, 4.34e-5 in log10. Anything wrong in the reader
/// (a missed back-off weight, a wrong table, an off-by-one entry) moves
/// values by far more than this.
const TOLERANCE: f32 = 1e-4;

struct Row {
    line: usize,
    section: String,
    h2: Option<WordId>,
    h1: Option<WordId>,
    w: WordId,
    expected: f32,
}

fn rows(lm: &LanguageModel) -> Vec<Row> {
    let mut section = String::new();
    let mut rows = Vec::new();
    for (index, line) in FIXTURE.lines().enumerate() {
        if let Some(name) = line.strip_prefix("# section: ") {
            section = name.to_string();
            continue;
        }
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 4, "line {}: {line:?}", index + 1);
        let id = |word: &str| -> Option<WordId> {
            if word.is_empty() {
                return None;
            }
            Some(
                lm.word_id(word)
                    .unwrap_or_else(|| panic!("line {}: {word:?} not in vocabulary", index + 1)),
            )
        };
        rows.push(Row {
            line: index + 1,
            section: section.clone(),
            h2: id(fields[0]),
            h1: id(fields[1]),
            w: id(fields[2]).expect("predicted word"),
            expected: fields[3].parse().expect("log10prob"),
        });
    }
    rows
}

fn describe(lm: &LanguageModel, row: &Row) -> String {
    let word = |id: Option<WordId>| id.map_or("-", |id| lm.word(id));
    format!(
        "line {} [{}] P({} | {} {})",
        row.line,
        row.section,
        lm.word(row.w),
        word(row.h2),
        word(row.h1)
    )
}

#[test]
fn matches_pocketsphinx() {
    let start = std::time::Instant::now();
    let lm = LanguageModel::embedded();
    eprintln!(
        "LanguageModel::embedded() first call: {:?}",
        start.elapsed()
    );

    let rows = rows(lm);
    assert!(rows.len() >= 400, "only {} reference rows", rows.len());

    let mut max_deviation = 0.0f32;
    let mut failures = Vec::new();
    for row in &rows {
        let got = lm.logprob(row.h2, row.h1, row.w);
        let deviation = (got - row.expected).abs();
        max_deviation = max_deviation.max(deviation);
        if deviation.is_nan() || deviation > TOLERANCE {
            failures.push(format!(
                "{}: got {got:.7}, pocketsphinx {:.7}",
                describe(lm, row),
                row.expected
            ));
        }
    }
    eprintln!(
        "{} reference rows, max deviation {max_deviation:.2e} log10",
        rows.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} rows disagree with pocketsphinx:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

/// The sections were inferred from pocketsphinx's scores alone; the trie
/// lookups of the reader must agree about which n-grams are stored, and every
/// kind of lookup must be well represented.
#[test]
fn sections_match_trie_contents() {
    let lm = LanguageModel::embedded();
    let rows = rows(lm);
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for row in &rows {
        *counts.entry(row.section.as_str()).or_default() += 1;
        let (h2, h1, w) = (row.h2, row.h1, row.w);
        let ok = match row.section.as_str() {
            "unigram" => h2.is_none() && h1.is_none(),
            "bigram-seen" => h2.is_none() && lm.has_bigram(h1.unwrap(), w),
            "bigram-backoff" => h2.is_none() && !lm.has_bigram(h1.unwrap(), w),
            "trigram-seen" => lm.has_trigram(h2.unwrap(), h1.unwrap(), w),
            "trigram-backoff" => {
                !lm.has_trigram(h2.unwrap(), h1.unwrap(), w) && lm.has_bigram(h1.unwrap(), w)
            }
            "trigram-backoff2" => {
                !lm.has_trigram(h2.unwrap(), h1.unwrap(), w) && !lm.has_bigram(h1.unwrap(), w)
            }
            other => panic!("unknown section {other:?}"),
        };
        assert!(ok, "{} is misfiled", describe(lm, row));
    }
    for section in [
        "unigram",
        "bigram-seen",
        "bigram-backoff",
        "trigram-seen",
        "trigram-backoff",
        "trigram-backoff2",
    ] {
        let n = counts.get(section).copied().unwrap_or(0);
        assert!(n >= 50, "section {section} has only {n} rows");
    }
}

/// Guard against a toothless fixture: readers with typical mistakes must
/// fail the comparison on many rows.
#[test]
fn fixture_detects_common_reader_mistakes() {
    let lm = LanguageModel::embedded();
    let rows = rows(lm);
    let caught = |section: &str, wanted: usize, wrong: &dyn Fn(&Row) -> f32| {
        let detected = rows
            .iter()
            .filter(|r| r.section == section && (wrong(r) - r.expected).abs() > TOLERANCE)
            .count();
        assert!(
            detected >= wanted,
            "{section}: only {detected} rows would catch the mistake (want {wanted})"
        );
    };
    // Backing off without the back-off weight bo(h1).
    caught("bigram-backoff", 65, &|r| lm.unigram_logprob(r.w));
    // Ignoring a stored bigram.
    caught("bigram-seen", 75, &|r| lm.unigram_logprob(r.w));
    // Ignoring a stored trigram.
    caught("trigram-seen", 75, &|r| lm.logprob(None, r.h1, r.w));
    // Backing off from a trigram without bo(h2 h1): only visible where the
    // context "h2 h1" is a bigram with a non-zero back-off weight.
    caught("trigram-backoff", 20, &|r| lm.logprob(None, r.h1, r.w));
    // Swapping the history order.
    caught("trigram-seen", 75, &|r| lm.logprob(r.h1, r.h2, r.w));
}
