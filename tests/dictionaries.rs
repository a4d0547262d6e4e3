//! The shipped dictionaries: canonical sources, fresh artifacts, the lookups users rely on,
//! and every spin-table row's example run through the candidate generator.

use std::path::Path;
use unspin::candidates::{candidates, sentences, whole_phrase, Source};
use unspin::dictionaries::{Dictionaries, SpinTable, SPINS_TSV};
use unspin::tokens::{normalize, tokenize};

#[test]
fn sources_are_canonical_and_artifacts_match_the_last_build() {
    let problems = unspin::builder::check_sources(Path::new("dictionaries")).unwrap();
    assert!(
        problems.is_empty(),
        "run `unspin dict build` / fix the TSV:\n{}",
        problems.join("\n")
    );
}

#[test]
fn embedded_dictionaries_open() {
    let d = Dictionaries::embedded();
    assert!(d.spins.len() > 500, "spin table has {} rows", d.spins.len());
    assert!(d.thesaurus.len() > 30_000);
    assert!(d.expressions.len() > 50_000);
}

fn originals(phrase: &str) -> Vec<String> {
    let d = Dictionaries::embedded();
    let mut out: Vec<String> = whole_phrase(phrase, d)
        .iter()
        .map(|c| c.text.to_string())
        .collect();
    out.extend(
        d.spins
            .get(&normalize(phrase))
            .iter()
            .map(|r| r.original.clone()),
    );
    out
}

#[test]
fn lookups_find_the_originals() {
    assert!(originals("mentioned").contains(&"said".to_string()));
    assert!(originals("Fact Social").contains(&"Truth Social".to_string()));
    assert!(
        originals("coalition of the prepared").contains(&"Coalition of the Willing".to_string())
    );
    assert!(originals("White Home").contains(&"White House".to_string()));
    assert!(originals("Wall Road").contains(&"Wall Street".to_string()));
    assert!(originals("World Conflict Two").contains(&"World War Two".to_string()));
    assert!(originals("city corridor").contains(&"City Hall".to_string()));
    assert!(originals("as a result of").contains(&"because".to_string()));
    assert!(originals("choices").contains(&"decisions".to_string()));
    assert!(!originals("the").contains(&"a".to_string()));
}

/// Every row of spins.tsv carries an example; in it, the row's spun phrase must be found and
/// offered its original. A row whose phrase never tokenises as written fails here.
#[test]
fn every_spin_row_fires_on_its_example() {
    let d = Dictionaries::embedded();
    let table = SpinTable::parse(SPINS_TSV, "spins.tsv").unwrap();
    let mut failures = Vec::new();
    let mut rows = 0;
    for line in SPINS_TSV.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        let (spun, original, example) = (f[0], f[1], f[5]);
        rows += 1;
        assert!(
            !example.is_empty(),
            "row {spun} -> {original} has no example"
        );
        if !unspin::dictionaries::trusted(spun, original, f[3].parse().unwrap()) {
            continue; // listed for its counts, left out of the table
        }
        assert!(table.get(spun).iter().any(|r| r.original == original));
        let tokens = tokenize(example);
        let found = sentences(example, &tokens, d).iter().any(|words| {
            candidates(words, d).iter().flatten().any(|c| {
                let span: Vec<&str> = words[c.start..c.end]
                    .iter()
                    .map(|w| w.norm.as_str())
                    .collect();
                // A name's row ("Change") fires on the phrase inside a name.
                span.join(" ") == normalize(spun)
                    && c.text == original
                    && matches!(c.source, Source::Spins { .. })
            })
        });
        if !found {
            failures.push(format!("{spun} -> {original} in {example:?}"));
        }
    }
    assert!(rows > 500);
    assert!(
        failures.is_empty(),
        "{} rows do not fire on their example:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The reverse thesaurus stands for substitutions the spin table does not know: a word the
/// table has rows for from several documents gets none of its candidates, a word it lacks
/// does.
#[test]
fn the_thesaurus_speaks_only_where_the_spin_table_is_silent() {
    let d = Dictionaries::embedded();
    let from_thesaurus = |phrase: &str| -> Vec<String> {
        whole_phrase(phrase, d)
            .iter()
            .filter(|c| c.source.name() == "thesaurus")
            .map(|c| c.text.to_string())
            .collect()
    };
    assert!(d.spins.get("accountable").iter().any(|r| r.docs >= 2));
    assert!(d.thesaurus.contains("accountable"));
    assert_eq!(from_thesaurus("accountable"), Vec::<String>::new());
    assert!(d.spins.get("adorable").is_empty());
    assert_eq!(from_thesaurus("adorable"), vec!["lovely".to_string()]);
}

/// The thesaurus index leaves out keys whose candidates all hold a smaller share than the
/// decoder could ever use; that is safe only while the decoder's smallest share, at the
/// highest spin rate, is at least the index's.
#[test]
fn the_thesaurus_index_keeps_every_key_the_decoder_can_use() {
    let t = unspin::decode::Tuning::default();
    assert!(t.thesaurus_min_share(1.0) >= unspin::builder::MIN_INDEX_SHARE);
}

/// A word inside a name ("the Change 2") is read with the rows counted inside names where
/// the table has them; the same word elsewhere with the phrase's own rows.
#[test]
fn a_names_word_takes_the_rows_counted_inside_names() {
    let table = "change\tswitch\t1\t1\t20\nchange\tshift\t2\t2\t20\nChange\tswitch\t9\t5\t1\n";
    let d = Dictionaries::with_spins(SpinTable::parse(table, "test").unwrap());
    let share_at = |text: &str, word: &str| -> Vec<(String, f32)> {
        let tokens = tokenize(text);
        let words: Vec<_> = sentences(text, &tokens, &d).into_iter().flatten().collect();
        let i = words.iter().position(|w| w.norm == word).unwrap();
        candidates(&words, &d)[i]
            .iter()
            .filter_map(|c| match c.source {
                Source::Spins { share, .. } => Some((c.text.to_string(), share)),
                _ => None,
            })
            .collect()
    };
    // Inside a name: nine sightings of "switch" of twelve (one left as it was, one for the
    // unseen, one standing for the phrase's own shares: 1/24 "switch", 2/24 "shift").
    let got = share_at("Sales of the Change 2 rose.", "change");
    let expected = [
        ("switch", (9.0 + 1.0 / 24.0) / 12.0),
        ("shift", 2.0 / 24.0 / 12.0),
    ];
    assert_eq!(got.len(), 2, "{got:?}");
    for ((text, share), (want, want_share)) in got.iter().zip(expected) {
        assert_eq!(text, want);
        assert!((share - want_share).abs() < 1e-6, "{got:?}");
    }
    // A sentence's first word and a lowercase word are no name's words.
    for text in ["Change came fast.", "A change came fast."] {
        let got = share_at(text, "change");
        assert_eq!(got.len(), 2, "{text}: {got:?}");
        assert!(got.iter().all(|(_, s)| *s < 0.1), "{text}: {got:?}");
    }
}
