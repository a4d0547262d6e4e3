//! The quality benchmark: restores the spun articles of a corpus and compares with their
//! originals; runs the clean articles and counts what it changed; then joins them all, in
//! turn, into one long text and scores its parts (a file of articles one after another), and
//! repairs every paragraph alone (a pipeline passing paragraphs). Prints figures, asserts
//! nothing. Usage: `cargo bench --bench quality -- ../shared/corpus [more clean dirs...]`
//! (a corpus folder holds `pairs/NNN.spun.txt` + `NNN.orig.txt` and `clean/*.txt`).

use std::path::{Path, PathBuf};
use unspin::dictionaries::{Dictionaries, Evidence, SpinTable, EVIDENCE_TSV};
use unspin::learn::learn;

const SPINS_CURATED_TSV: &str = include_str!("../dictionaries/spins-curated.tsv");
use unspin::quality::{changed_words, score_pair, score_pair_with_notes, PairScore};
use unspin::repair::Repairer;

fn read_dir_sorted(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.to_string_lossy().ends_with(suffix));
    v.sort();
    v
}

struct Pair {
    id: String,
    /// From a `pairs/` folder: the spin table was learned from it, so its leave-one-out
    /// figures remove what it taught. Other pairs (e.g. the seeds) are held out already.
    training: bool,
    spun: String,
    orig: String,
}

/// The committed table as `dict learn` + `scripts/select_spins.py` would have made it without
/// document `skip`: each row the corpus teaches loses what `skip` contributed to its count,
/// documents and times left unchanged (the learned figures are sums over documents, so the
/// subtraction is exact; contributions of the extra pairs stay); a row no other document
/// shows is dropped. Hand-written rows stay as they are.
fn leave_one_out(dicts: &Dictionaries, pairs: &[Pair], skip: usize) -> SpinTable {
    type Learned = std::collections::HashMap<(String, String), (usize, usize, usize)>;
    let learned = |keep: &dyn Fn(usize) -> bool| -> Learned {
        let texts: Vec<(String, String)> = pairs
            .iter()
            .enumerate()
            .filter(|(i, p)| p.training && keep(*i))
            .map(|(_, p)| (p.spun.clone(), p.orig.clone()))
            .collect();
        learn(&texts)
            .into_iter()
            .map(|r| ((r.spun, r.original), (r.count, r.docs, r.kept)))
            .collect()
    };
    let all = learned(&|_| true);
    let others = learned(&|i| i != skip);
    let curated: std::collections::HashSet<(&str, &str)> = SPINS_CURATED_TSV
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut f = l.split('\t');
            Some((f.next()?, f.next()?))
        })
        .collect();
    let mut rows = String::new();
    for (spun, original, count, docs, kept) in table_rows(&dicts.spins) {
        let k = (spun.clone(), original.clone());
        let (mut c, mut d, mut kp) = (count as usize, docs as usize, kept as usize);
        if let (Some(a), false) = (
            all.get(&k),
            curated.contains(&(spun.as_str(), original.as_str())),
        ) {
            let o = others.get(&k).copied().unwrap_or((0, 0, 0));
            c = c.saturating_sub(a.0 - o.0);
            d = d.saturating_sub(a.1 - o.1);
            kp = kp.saturating_sub(a.2.saturating_sub(o.2));
            if c == 0 || d == 0 {
                continue;
            }
        }
        rows.push_str(&format!("{spun}\t{original}\t{c}\t{d}\t{kp}\n"));
    }
    SpinTable::parse(&rows, "leave-one-out").expect("rows are well formed")
}

/// The committed evidence counts without document `p`'s own occurrences.
fn evidence_without(p: &Pair) -> Evidence {
    let rows: Vec<(String, f64, f64)> = EVIDENCE_TSV
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Some((
                f.first()?.to_string(),
                f.get(1)?.parse().ok()?,
                f.get(2)?.parse().ok()?,
            ))
        })
        .collect();
    let in_spun = unspin::learn::occurrences(&[p.spun.as_str()], rows.iter().map(|r| r.0.as_str()));
    let in_orig = unspin::learn::occurrences(&[p.orig.as_str()], rows.iter().map(|r| r.0.as_str()));
    let mut tsv = String::new();
    for (phrase, s, o) in &rows {
        let s = (s - in_spun[phrase] as f64).max(0.0);
        let o = (o - in_orig[phrase] as f64).max(0.0);
        tsv.push_str(&format!("{phrase}\t{s}\t{o}\n"));
    }
    Evidence::parse(&tsv, "leave-one-out").expect("rows are well formed")
}

/// Which dictionaries (out of context) offer the original of a missed "spun => original".
fn offered_by(missed: &str, dicts: &Dictionaries) -> String {
    let Some((spun, orig)) = missed.split_once(" => ") else {
        return String::new();
    };
    let mut by: Vec<&str> = unspin::candidates::whole_phrase(spun, dicts)
        .iter()
        .filter(|c| c.text.eq_ignore_ascii_case(orig))
        .map(|c| c.source.name())
        .collect();
    by.dedup();
    if by.is_empty() {
        "none".into()
    } else {
        by.join("+")
    }
}

/// The rows of a table, in the committed file's order: spun, original, count, docs, kept.
fn table_rows(t: &SpinTable) -> Vec<(String, String, u32, u32, u32)> {
    let mut out = Vec::new();
    for line in unspin::dictionaries::SPINS_TSV
        .lines()
        .filter(|l| !l.starts_with('#'))
    {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 4 {
            continue;
        }
        if let Some(r) = t.get(f[0]).iter().find(|r| r.original == f[1]) {
            out.push((r.spun.clone(), r.original.clone(), r.count, r.docs, r.kept));
        }
    }
    out
}

/// Pairs (`X.spun.txt` with `X.orig.txt` or `X.reference.txt`) and clean texts (any other
/// `.txt`) in each folder and its `pairs/` and `clean/` subfolders.
fn read_corpus(dirs: &[PathBuf]) -> (Vec<Pair>, Vec<(String, String)>) {
    let mut pairs = Vec::new();
    let mut clean = Vec::new();
    for d in dirs {
        for sub in [d.clone(), d.join("pairs"), d.join("clean")] {
            for p in read_dir_sorted(&sub, ".txt") {
                let name = p.to_string_lossy().to_string();
                if let Some(stem) = name.strip_suffix(".spun.txt") {
                    let orig = [".orig.txt", ".reference.txt"]
                        .iter()
                        .map(|x| PathBuf::from(format!("{stem}{x}")))
                        .find(|o| o.exists());
                    let (Some(orig), Ok(spun)) = (orig, std::fs::read_to_string(&p)) else {
                        continue;
                    };
                    let Ok(orig) = std::fs::read_to_string(orig) else {
                        continue;
                    };
                    let id = Path::new(stem)
                        .file_name()
                        .map_or(String::new(), |f| f.to_string_lossy().to_string());
                    let training = sub.ends_with("pairs");
                    pairs.push(Pair {
                        id,
                        spun,
                        orig,
                        training,
                    });
                } else if !name.ends_with(".orig.txt") && !name.ends_with(".reference.txt") {
                    if let Ok(t) = std::fs::read_to_string(&p) {
                        clean.push((name, t));
                    }
                }
            }
        }
    }
    (pairs, clean)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let dirs: Vec<PathBuf> = if args.is_empty() {
        vec![PathBuf::from("../shared/corpus")]
    } else {
        args.iter().map(PathBuf::from).collect()
    };
    let (pairs, clean) = read_corpus(&dirs);
    if pairs.is_empty() {
        eprintln!("no NNN.spun.txt pairs under {dirs:?} (or their pairs/ folders): pass corpus folders as arguments");
        std::process::exit(1);
    }
    let corpus = dirs
        .iter()
        .map(|d| d.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");

    let dicts = Dictionaries::embedded();
    let mut repairer = Repairer::new(dicts);
    // UNSPIN_TUNE="thesaurus_mass=0.05,lm_weight=1.2" tries other decoder settings.
    if let Ok(spec) = std::env::var("UNSPIN_TUNE") {
        for kv in spec.split(',').filter(|s| !s.is_empty()) {
            let (k, v) = kv.split_once('=').expect("UNSPIN_TUNE items are key=value");
            let v: f32 = v.parse().expect("UNSPIN_TUNE values are numbers");
            let t = &mut repairer.settings.tuning;
            match k {
                "thesaurus_mass" => t.thesaurus_mass = v,
                "expression_mass" => t.expression_mass = v,
                "expression_spins_mass" => t.expression_spins_mass = v,
                "name_mass" => t.name_mass = v,
                "lm_weight" => t.lm_weight = v,
                "length_penalty" => t.length_penalty = v,
                "beam" => t.beam = v as usize,
                "beam_width" => t.beam_width = v,
                "max_candidates" => t.max_candidates = v as usize,
                "max_lm_gain" => t.max_lm_gain = v,
                "unanchored_name_factor" => t.unanchored_name_factor = v,
                "single_row_factor" => t.single_row_factor = v,
                "frequency_correction" => t.frequency_correction = v,
                "comma_weight" => t.comma_weight = v,
                "article_misfit" => t.article_misfit = v,
                "oov_logprob" => t.oov_logprob = v,
                "min_confidence" => repairer.settings.min_confidence = v,
                _ => panic!("unknown UNSPIN_TUNE key {k}"),
            }
        }
    }
    let settings = repairer.settings;
    let t0 = std::time::Instant::now();
    println!(
        "unspin quality benchmark: {} pairs, {} clean texts from {}",
        pairs.len(),
        clean.len(),
        corpus
    );
    println!();
    println!(
        "{:<6} {:>6} {:>6} {:>7} {:>7} {:>6} {:>6} {:>6} {:>6}",
        "pair", "words", "edits", "recall", "prec", "errred", "spin", "loo-r", "loo-p"
    );
    let mut total = PairScore::default();
    let mut total_loo = PairScore::default();
    let mut spun_scores = Vec::new();
    let mut evidence = Vec::new();
    for (i, p) in pairs.iter().enumerate() {
        let report = repairer.repair(&p.spun);
        let s = score_pair(&p.spun, &p.orig, &report);
        let verbose = std::env::var_os("UNSPIN_VERBOSE").is_some();
        let mut loo_dicts = Dictionaries::with_spins(dicts.spins.clone());
        if p.training {
            loo_dicts = Dictionaries::with_spins(leave_one_out(dicts, &pairs, i));
            loo_dicts.evidence = evidence_without(p);
        }
        let mut loo = Repairer::new(&loo_dicts);
        loo.settings = settings;
        let loo_report = loo.repair(&p.spun);
        let (l, loo_notes) = score_pair_with_notes(&p.spun, &p.orig, &loo_report);
        // UNSPIN_VERBOSE=in-sample lists the notes of the repair with the full table.
        let notes = if std::env::var_os("UNSPIN_VERBOSE").is_some_and(|v| v == "in-sample") {
            score_pair_with_notes(&p.spun, &p.orig, &report).1
        } else {
            loo_notes
        };
        if verbose {
            for m in &notes.missed {
                println!("missed {m} [{}]", offered_by(m, &loo_dicts));
            }
            for w in &notes.wrong {
                println!("wrong {w}");
            }
            for w in &notes.right {
                println!("right {w}");
            }
        }
        println!(
            "{:<6} {:>6} {:>6} {:>7.3} {:>7.3} {:>6.3} {:>6.3} {:>6.3} {:>6.3}",
            p.id,
            s.words,
            s.edits,
            s.recall(),
            s.precision(),
            s.error_reduction(),
            report.spin_score,
            l.recall(),
            l.precision()
        );
        spun_scores.push(loo_report.spin_score);
        evidence.push(("spun", p.id.clone(), loo_report.evidence));
        total += s;
        total_loo += l;
    }
    let mut clean_total = CleanChanges::default();
    let mut clean_scores = Vec::new();
    println!();
    for (name, text) in &clean {
        let report = repairer.repair(text);
        let changed = changed_words(text, &report);
        clean_total.add(changed, report.words);
        clean_scores.push(report.spin_score);
        evidence.push(("clean", name.clone(), report.evidence));
        if changed > 0 {
            let what: Vec<String> = report
                .repairs
                .iter()
                .map(|r| format!("{}->{}", r.spun, r.replacement()))
                .collect();
            println!("clean {name}: {changed} changed ({})", what.join(", "));
        }
    }
    let mixed = mixed_text(&repairer, &pairs, &clean);
    let lines = paragraphs_alone(&repairer, &pairs, &clean);
    if std::env::var_os("UNSPIN_EVIDENCE").is_some() {
        for (kind, name, e) in &evidence {
            println!("evidence {kind} {:.3} {name}", e.per_100_words);
        }
    }
    let max_clean = clean_scores.iter().copied().fold(0.0f32, f32::max);
    let min_spun = spun_scores.iter().copied().fold(1.0f32, f32::min);
    let mut concordant = 0usize;
    for a in &spun_scores {
        for b in &clean_scores {
            if a > b {
                concordant += 1;
            }
        }
    }
    let auc = concordant as f64 / (spun_scores.len() * clean_scores.len()).max(1) as f64;
    println!();
    println!("spun pairs (table includes each pair's own rows):");
    println!(
        "  edit recall     {:.3}  ({} of {} edits restored)",
        total.recall(),
        total.restored,
        total.edits
    );
    println!(
        "  edit precision  {:.3}  ({} of {} repairs right)",
        total.precision(),
        total.correct,
        total.repairs
    );
    println!(
        "  word error reduction {:.3}  ({} -> {} word edits)",
        total.error_reduction(),
        total.distance_before,
        total.distance_after
    );
    println!(
        "  spinner's added words removed {:.3}  ({} of {} runs, as in \"gross sales\" for \"sales\")",
        total.removal(),
        total.removed,
        total.added
    );
    println!(
        "spun pairs, leave one out (each pair repaired with the table as learned without it):"
    );
    println!(
        "  edit recall     {:.3}  ({} of {} edits restored)",
        total_loo.recall(),
        total_loo.restored,
        total_loo.edits
    );
    println!(
        "  edit precision  {:.3}  ({} of {} repairs right)",
        total_loo.precision(),
        total_loo.correct,
        total_loo.repairs
    );
    println!("  word error reduction {:.3}", total_loo.error_reduction());
    println!(
        "  spinner's added words removed {:.3}  ({} of {} runs)",
        total_loo.removal(),
        total_loo.removed,
        total_loo.added
    );
    let bands: Vec<String> = [(0, 7), (7, 9), (9, 10)]
        .iter()
        .map(|&(a, b)| {
            let (n, p) = total_loo.precision_between(a, b);
            format!(
                "{:.1}-{:.1}: {p:.3} ({n})",
                a as f32 / 10.0,
                b as f32 / 10.0
            )
        })
        .collect();
    println!("  precision by confidence  {}", bands.join(", "));
    println!("clean texts:");
    println!("  {clean_total}");
    println!("spin score: lowest spun {min_spun:.3} (leave one out), highest clean {max_clean:.3}, AUC {auc:.3}");
    println!(
        "one text of every spun and clean text in turn ({} words), repaired at once:",
        mixed.words
    );
    println!(
        "  spun parts: edit recall {:.3}, precision {:.3} (each text alone: {:.3} / {:.3})",
        mixed.spun.recall(),
        mixed.spun.precision(),
        total.recall(),
        total.precision()
    );
    println!("  clean parts: {}", mixed.clean);
    println!(
        "every paragraph repaired alone ({} of {} pairs have paragraphs that match one to one):",
        lines.pairs,
        pairs.len()
    );
    println!(
        "  spun paragraphs: edit recall {:.3}, precision {:.3}",
        lines.spun.recall(),
        lines.spun.precision()
    );
    println!("  clean paragraphs: {}", lines.clean);
    println!("elapsed {:.2} s", t0.elapsed().as_secs_f64());
}

/// Words the repairs changed in clean text, out of the words read.
#[derive(Default)]
struct CleanChanges {
    changed: usize,
    words: usize,
}

impl CleanChanges {
    fn add(&mut self, changed: usize, words: usize) {
        self.changed += changed;
        self.words += words;
    }
}

impl std::fmt::Display for CleanChanges {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(
            f,
            "changed words per 1000  {:.2}  ({} of {} words)",
            1000.0 * self.changed as f64 / self.words.max(1) as f64,
            self.changed,
            self.words
        )
    }
}

/// How the texts fare one paragraph at a time (a pipeline passing paragraphs, a folder of
/// one-paragraph files), with the full table.
struct Paragraphs {
    pairs: usize,
    spun: PairScore,
    clean: CleanChanges,
}

fn paragraphs_alone(repairer: &Repairer, pairs: &[Pair], clean: &[(String, String)]) -> Paragraphs {
    let lines = |t: &str| -> Vec<String> {
        t.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect()
    };
    let mut out = Paragraphs {
        pairs: 0,
        spun: PairScore::default(),
        clean: CleanChanges::default(),
    };
    for p in pairs {
        let (s, o) = (lines(&p.spun), lines(&p.orig));
        if s.len() != o.len() {
            continue; // paragraphs merged or split: no one-to-one reference
        }
        out.pairs += 1;
        for (s, o) in s.iter().zip(&o) {
            out.spun += score_pair(s, o, &repairer.repair(s));
        }
    }
    for (_, t) in clean {
        for l in lines(t) {
            let changed = changed_words(&l, &repairer.repair(&l));
            out.clean.add(changed, l.split_whitespace().count());
        }
    }
    out
}

/// How the texts fare as parts of one long text (a file of articles one after another, spun
/// and clean in turn), repaired at once with the full table.
struct Mixed {
    words: usize,
    spun: PairScore,
    clean: CleanChanges,
}

fn mixed_text(repairer: &Repairer, pairs: &[Pair], clean: &[(String, String)]) -> Mixed {
    // Each part: its byte range in the text and its original when it is spun.
    let mut text = String::new();
    let mut parts: Vec<(usize, usize, Option<&str>)> = Vec::new();
    for k in 0..pairs.len().max(clean.len()) {
        let spun = pairs
            .get(k)
            .map(|p| (p.spun.as_str(), Some(p.orig.as_str())));
        let plain = clean.get(k).map(|(_, t)| (t.as_str(), None));
        for (t, orig) in spun.into_iter().chain(plain) {
            let start = text.len();
            text.push_str(t.trim());
            parts.push((start, text.len(), orig));
            text.push_str("\n\n");
        }
    }
    let report = repairer.repair(&text);
    let mut m = Mixed {
        words: report.words,
        spun: PairScore::default(),
        clean: CleanChanges::default(),
    };
    for (start, end, orig) in parts {
        let part = &text[start..end];
        // The part's own repairs, with offsets into the part (not every repair copied).
        let r = unspin::repair::Report {
            repairs: report
                .repairs
                .iter()
                .filter(|x| x.start >= start && x.end <= end)
                .map(|x| {
                    let mut x = x.clone();
                    x.start -= start;
                    x.end -= start;
                    x
                })
                .collect(),
            words: report.words,
            spin_score: report.spin_score,
            evidence: report.evidence,
        };
        match orig {
            Some(orig) => m.spun += score_pair(part, orig, &r),
            None => {
                m.clean
                    .add(changed_words(part, &r), part.split_whitespace().count());
            }
        }
    }
    m
}
