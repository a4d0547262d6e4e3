//! The repair engine end to end through the library: spun text is repaired, clean text is
//! left alone, and the output keeps everything but the repaired spans.

use unspin::dictionaries::Dictionaries;
use unspin::repair::{apply, Repairer};

fn fix(text: &str) -> (String, f32) {
    let r = Repairer::new(Dictionaries::embedded()).repair(text);
    (apply(text, &r.repairs), r.spin_score)
}

/// A paragraph written for this test in the style of the word spinner (not from the corpus).
const SPUN: &str = "The firm mentioned on Tuesday that its inventory rose sharply final yr, \
nonetheless analysts on Wall Road stay cautious. Executives mentioned the financial system \
was slowing as a result of greater rates of interest. The corporate additionally mentioned it \
will launch a brand new product earlier than the top of the 12 months.";

#[test]
fn repairs_a_spun_paragraph() {
    let (fixed, score) = fix(SPUN);
    assert!(score > 0.9, "spin score {score}");
    for want in [
        "said on Tuesday",
        "Wall Street",
        "economy",
        "before the",
        "last year",
    ] {
        assert!(fixed.contains(want), "{want:?} missing from {fixed}");
    }
    assert!(!fixed.contains("mentioned"), "{fixed}");
}

#[test]
fn keeps_case_punctuation_and_spacing() {
    let (fixed, _) = fix(SPUN);
    let (a, b): (Vec<char>, Vec<char>) = (
        SPUN.chars().filter(|c| c.is_ascii_punctuation()).collect(),
        fixed.chars().filter(|c| c.is_ascii_punctuation()).collect(),
    );
    assert_eq!(a, b);
    assert!(fixed.starts_with("The "));
}

#[test]
fn a_repair_writes_apostrophes_as_the_text_does() {
    let curly = SPUN.replace("Wall Road", "Wall Road\u{2019}s traders, and Wall Road");
    let (fixed, _) = fix(&curly);
    assert!(fixed.contains("Wall Street\u{2019}s "), "{fixed}");
    let straight = SPUN.replace("Wall Road", "Wall Road's traders, and Wall Road");
    let (fixed, _) = fix(&straight);
    assert!(fixed.contains("Wall Street's "), "{fixed}");
}

#[test]
fn leaves_a_clean_article_alone() {
    let text = include_str!("../fixtures/seed-000.clean.txt");
    let r = Repairer::new(Dictionaries::embedded()).repair(text);
    assert!(r.spin_score < 0.1, "spin score {}", r.spin_score);
    assert!(r.repairs.len() <= 1, "{:?}", r.repairs);
}

#[test]
fn restores_the_seed_articles_damaged_names_and_phrases() {
    let spun = include_str!("../fixtures/seed-001.spun.txt");
    let (fixed, score) = fix(spun);
    assert!(score > 0.9);
    for want in [
        "Truth Social",
        "coalition of the willing",
        "White House",
        "World War Two",
        "foreign policy decisions based on",
        "news conference",
    ] {
        assert!(fixed.contains(want), "{want:?} not restored");
    }
}

#[test]
fn empty_and_odd_inputs() {
    for text in [
        "",
        " \n\n ",
        "—",
        "12,345 678",
        "\u{feff}Hello.",
        "a\r\nb\r\n",
    ] {
        let (fixed, _) = fix(text);
        assert_eq!(fixed, text);
    }
}

#[test]
fn a_long_text_is_read_stretch_by_stretch() {
    // Three clean articles, then a spun one: the clean stretch is left alone, the spun one
    // repaired, as when the four are read on their own.
    let clean = include_str!("../fixtures/seed-000.clean.txt");
    let spun = include_str!("../fixtures/seed-001.spun.txt");
    let text = format!("{clean}\n{clean}\n{clean}\n{spun}");
    let r = Repairer::new(Dictionaries::embedded()).repair(&text);
    let clean_end = 3 * (clean.len() + 1);
    let in_clean = r.repairs.iter().filter(|x| x.start < clean_end).count();
    let in_spun = r.repairs.len() - in_clean;
    let alone = Repairer::new(Dictionaries::embedded())
        .repair(spun)
        .repairs
        .len();
    assert!(in_clean <= 3, "{in_clean} repairs in the clean stretch");
    assert!(
        in_spun * 10 >= alone * 9,
        "{in_spun} repairs in the spun article, {alone} alone"
    );
}

/// A damaged name needs a changed content word and a kept content word: "the governor"
/// is no "The Guardian", and "for President" no "Vice President", however spun the text.
#[test]
fn function_words_neither_anchor_nor_stand_for_a_damaged_name() {
    let text = format!(
        "{SPUN} The governor mentioned the invoice was signed for President Joe Biden, \
         the firm mentioned in a press launch."
    );
    let (fixed, score) = fix(&text);
    assert!(score > 0.9, "spin score {score}");
    assert!(fixed.contains("for President Joe Biden"), "{fixed}");
    assert!(fixed.contains("The governor"), "{fixed}");
    assert!(fixed.contains("press release"), "{fixed}");
}

/// A file of articles one after another: a clean one, a spun one, the clean one again.
#[test]
fn a_long_text_reads_each_article_as_what_it_is() {
    let clean = include_str!("../fixtures/seed-000.clean.txt");
    let spun = include_str!("../fixtures/seed-001.spun.txt");
    let text = format!("{clean}\n{spun}\n{clean}");
    let (from, to) = (clean.len() + 1, clean.len() + 1 + spun.len());
    let r = Repairer::new(Dictionaries::embedded());
    let alone = r.repair(spun).repairs.len();
    let long = r.repair(&text).repairs;
    let in_clean: Vec<_> = long
        .iter()
        .filter(|x| x.end <= from || x.start >= to)
        .collect();
    assert!(in_clean.is_empty(), "clean parts changed: {in_clean:?}");
    let in_spun = long.len() - in_clean.len();
    assert!(
        in_spun * 10 >= alone * 9,
        "{in_spun} repairs in the spun part, {alone} alone"
    );
}

#[test]
fn a_text_without_words_scores_zero() {
    for text in ["", "  \n\n\t", "— … —"] {
        let r = Repairer::new(Dictionaries::embedded()).repair(text);
        assert_eq!(
            (r.words, r.spin_score, r.repairs.len()),
            (0, 0.0, 0),
            "{text:?}"
        );
    }
}

/// A short line with no sign of a spinner reads as clean rather than as the no-evidence
/// prior (0.18): in a pipeline that passes one paragraph at a time, most are clean.
#[test]
fn a_short_line_without_evidence_leans_clean() {
    let d = Dictionaries::embedded();
    for text in [
        "The cat sat on the mat.",
        "Rain is expected on Tuesday.",
        "Tickets go on sale in March.",
    ] {
        let r = Repairer::new(d).repair(text);
        assert!(r.spin_score < 0.11, "{text:?}: {}", r.spin_score);
        assert!(r.repairs.is_empty(), "{text:?}");
    }
}
