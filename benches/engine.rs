//! Micro-benchmarks of the repair engine's stages on the committed fixtures (a spun news
//! article and a clean one), in bytes per second, so a change to one stage shows up on its
//! own. Whole-process throughput, scaling and memory are `scripts/throughput.sh`.
//! Usage: `cargo bench --bench engine`.

use divan::counter::BytesCount;
use divan::{black_box, Bencher};
use unspin::candidates::{candidates, sentences};
use unspin::dictionaries::Dictionaries;
use unspin::repair::Repairer;
use unspin::tokens::tokenize;

const SPUN: &str = include_str!("../fixtures/seed-001.spun.txt");
const CLEAN: &str = include_str!("../fixtures/seed-000.clean.txt");

fn main() {
    // Every benchmark below checks its answer once before timing it, so a fast wrong
    // answer fails instead of reporting a figure.
    let d = Dictionaries::embedded();
    let spun = Repairer::new(d).repair(SPUN);
    assert!(
        spun.spin_score > 0.9 && spun.repairs.len() >= 40,
        "{spun:?}"
    );
    let clean = Repairer::new(d).repair(CLEAN);
    assert!(clean.spin_score < 0.1 && clean.repairs.len() <= 1);
    divan::main();
}

#[divan::bench(args = ["spun", "clean"])]
fn tokenize_and_split(bencher: Bencher, which: &str) {
    let text = pick(which);
    let d = Dictionaries::embedded();
    bencher
        .counter(BytesCount::of_str(text))
        .bench(|| sentences(black_box(text), &tokenize(text), d).len());
}

#[divan::bench(args = ["spun", "clean"])]
fn candidates_all_sources(bencher: Bencher, which: &str) {
    let text = pick(which);
    let d = Dictionaries::embedded();
    let sents = sentences(text, &tokenize(text), d);
    bencher.counter(BytesCount::of_str(text)).bench(|| {
        sents
            .iter()
            .map(|s| {
                candidates(black_box(s), d)
                    .iter()
                    .map(Vec::len)
                    .sum::<usize>()
            })
            .sum::<usize>()
    });
}

#[divan::bench(args = ["spun", "clean"])]
fn repair_document(bencher: Bencher, which: &str) {
    let text = pick(which);
    let r = Repairer::new(Dictionaries::embedded());
    bencher
        .counter(BytesCount::of_str(text))
        .bench(|| r.repair(black_box(text)).repairs.len());
}

#[divan::bench]
fn language_model_trigrams(bencher: Bencher) {
    let d = Dictionaries::embedded();
    let ids: Vec<_> = sentences(SPUN, &tokenize(SPUN), d)
        .into_iter()
        .flatten()
        .filter_map(|w| w.id)
        .collect();
    bencher
        .counter(divan::counter::ItemsCount::new(ids.len().saturating_sub(2)))
        .bench(|| {
            ids.windows(3)
                .map(|w| d.lm.logprob(Some(w[0]), Some(w[1]), w[2]))
                .sum::<f32>()
        });
}

fn pick(which: &str) -> &'static str {
    match which {
        "spun" => SPUN,
        _ => CLEAN,
    }
}
