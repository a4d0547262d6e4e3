//! Start-up cost: open the embedded dictionaries (language model, indexes, spin table) and
//! repair an empty text, as every `unspin` process does first. Prints figures, asserts
//! nothing. Usage: `cargo bench --bench load` (for a whole-process figure, also run
//! `hyperfine 'target/release/unspin check /dev/null'`).

use std::time::Instant;
use unspin::dictionaries::{Dictionaries, SpinTable, SPINS_TSV};
use unspin::lm::LanguageModel;
use unspin::repair::Repairer;

fn main() {
    let t = Instant::now();
    let lm = LanguageModel::embedded();
    let lm_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let d = Dictionaries::embedded();
    let dicts_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let report = Repairer::new(d).repair("");
    let empty_ms = t.elapsed().as_secs_f64() * 1e3;
    assert_eq!(report.repairs.len(), 0);
    // Re-parsing the spin table alone, many times, for a stable per-parse figure.
    let n = 200;
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(SpinTable::parse(SPINS_TSV, "spins.tsv").unwrap());
    }
    let spins_ms = t.elapsed().as_secs_f64() * 1e3 / n as f64;
    println!(
        "language model open   {lm_ms:8.2} ms ({} words)",
        lm.vocab_size()
    );
    println!("other dictionaries    {dicts_ms:8.2} ms ({} spin rows, {} thesaurus keys, {} expression keys)", d.spins.len(), d.thesaurus.len(), d.expressions.len());
    println!("repair of empty text  {empty_ms:8.2} ms");
    println!(
        "total start-up        {:8.2} ms",
        lm_ms + dicts_ms + empty_ms
    );
    println!("(spin table parse alone: {spins_ms:.3} ms)");
}
