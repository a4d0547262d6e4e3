//! The repairer: the library's front door. Text in, repairs out (byte spans, suggestions with
//! confidence, a document spin score); no I/O. The spin table's evidence over the whole
//! document sets how spun it is; every sentence is then decoded at that spin rate (in a long
//! text, at the rate of the spun or clean stretch it belongs to).

use crate::candidates::{candidates_from, sentences, SentWord, Sources};
use crate::decode::{Lattice, Scorer, Segment, Tuning};
use crate::dictionaries::Dictionaries;
use crate::tokens::tokenize;
use serde::Serialize;
use smallvec::SmallVec;

/// One proposed original for a repair, with its probability against the other readings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub text: String,
    pub confidence: f32,
}

/// A span of the input the repairer would change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Repair {
    /// Half-open byte offsets into the input.
    pub start: usize,
    pub end: usize,
    pub spun: String,
    /// Best first; the first is what `fix` writes.
    pub suggestions: Vec<Suggestion>,
    /// What proposed the best suggestion: spins, expression, thesaurus, or artifact
    /// (unexpanded spintax, ad placeholders; see `artifacts`).
    pub source: &'static str,
}

impl Repair {
    pub fn confidence(&self) -> f32 {
        self.suggestions.first().map_or(0.0, |s| s.confidence)
    }
    pub fn replacement(&self) -> &str {
        self.suggestions.first().map_or(&self.spun, |s| &s.text)
    }
}

/// What the repairer found in one document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub words: usize,
    pub repairs: Vec<Repair>,
    /// How spun the whole document looks, in [0, 1].
    pub spin_score: f32,
    /// What the spin score was computed from.
    pub evidence: SpinEvidence,
}

/// The summed log-likelihood ratio (spun against original text) of the spin-table phrases
/// found, per 100 words.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct SpinEvidence {
    pub per_100_words: f32,
}

impl SpinEvidence {
    /// The evidence rate of `total` weight over `words` words. Short texts are read as if
    /// padded with words that lean slightly clean (see `PADDING_LEAN`): one "home" in a
    /// five-word line is not evidence of a spun document.
    pub fn over(total: f32, words: usize) -> SpinEvidence {
        let padding = MIN_EVIDENCE_WORDS.saturating_sub(words) as f32;
        let total = total + PADDING_LEAN * padding / 100.0;
        SpinEvidence {
            per_100_words: total * 100.0 / words.max(MIN_EVIDENCE_WORDS) as f32,
        }
    }

    /// A logistic over the evidence rate, set on the corpus (spun pairs, each scored without
    /// its own counts, against clean texts).
    pub fn score(&self) -> f32 {
        logistic(SCORE_SLOPE * (self.per_100_words - SCORE_MIDPOINT))
    }
}

/// Alternatives less likely than this are not offered (the review screen and JSON would
/// list "0.00" readings nobody should pick).
const MIN_ALTERNATIVE: f32 = 0.01;

/// Texts shorter than this are scored as if this long (the rest padding).
const MIN_EVIDENCE_WORDS: usize = 200;
/// Evidence per 100 words of the padding of a short text. Neutral padding read a clean
/// paragraph with no evidence either way at the prior's 0.18, and one spinner favourite
/// ("presently", "via") made it spun. Leaning a little clean halves the changes in clean
/// paragraphs repaired alone (corpus 3.54 -> 1.58 per 1000 words, web pairs 0.49 -> 0.12) for
/// recall 0.669 -> 0.662 and 0.662 -> 0.653 in spun ones; whole texts are unchanged, and a
/// spun sentence on its own is still repaired (-1.5 lost that: 1.12 per 1000 at recall 0.658,
/// but "The firm mentioned its gizmo sales fell this yr." went untouched; -3 lost more).
const PADDING_LEAN: f32 = -1.0;
/// Texts longer than this (about a short article) get a spin rate per stretch (see `rates`).
const LONG_TEXT_WORDS: usize = 400;
/// Chance that the next sentence of a long text starts a stretch of the other kind (spun after
/// clean or clean after spun). Set on the web pairs' one long text (spun texts and the
/// originals of other pairs in turn): 0.003, 0.01 and 0.03 gave the same clean-part changes
/// and recall within 0.005.
const STRETCH_SWITCH: f32 = 0.01;
/// Evidence (log-likelihood ratio) per word a text must beat to read as spun: the document
/// score's midpoint of 1.5 per 100 words.
const EVIDENCE_PER_WORD: f32 = SCORE_MIDPOINT / 100.0;
/// Log odds per unit of a stretch's net evidence. Set on the same text: 0.25 (the document
/// score's slope for a 400-word text) left 5 changed words per 1000 in the clean parts, 0.5
/// left 0.8 and 1.0 left 0.5, at the best recall.
const STRETCH_SLOPE: f32 = SCORE_SLOPE;
const SCORE_SLOPE: f32 = 1.0;
const SCORE_MIDPOINT: f32 = 1.5;

/// One candidate as the decoder saw it, for `explain`.
#[derive(Debug, Clone, Serialize)]
pub struct Considered {
    pub start: usize,
    pub end: usize,
    pub spun: String,
    pub original: String,
    pub source: &'static str,
    /// Path score with this candidate minus the best path keeping the words (log10).
    pub gain: f32,
    pub chosen: bool,
}

/// Settings of a repairer.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub tuning: Tuning,
    /// Repairs below this confidence are dropped.
    pub min_confidence: f32,
    /// A fixed spin rate instead of the estimated one (None: estimate).
    pub fixed_rate: Option<f32>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            tuning: Tuning::default(),
            min_confidence: 0.5,
            fixed_rate: None,
        }
    }
}

pub struct Repairer<'d> {
    pub dicts: &'d Dictionaries,
    pub settings: Settings,
}

impl<'d> Repairer<'d> {
    pub fn new(dicts: &'d Dictionaries) -> Repairer<'d> {
        Repairer {
            dicts,
            settings: Settings::default(),
        }
    }

    fn prepare(&self, text: &str) -> Vec<Vec<SentWord>> {
        sentences(text, &tokenize(text), self.dicts)
    }

    /// The dictionaries worth consulting at this spin rate: a source whose best candidate's
    /// prior loses to keeping the words by more than any language-model gain is skipped.
    fn sources(&self, rate: f32) -> Sources {
        let t = &self.settings.tuning;
        let floor = 10f32.powf(-t.max_lm_gain);
        let useful = |mass: f32| rate * mass > floor;
        let expression_mass = t
            .name_mass
            .max(t.expression_spins_mass)
            .max(t.expression_mass);
        Sources {
            spins: useful(1.0),
            expressions: useful(expression_mass),
            thesaurus: useful(t.thesaurus_mass),
            // The lattice would drop these anyway (a thesaurus candidate's prior is
            // rate x mass x share); skipping them here saves building them.
            thesaurus_min_share: t.thesaurus_min_share(rate),
            spins_min_share: t.spins_min_share(rate),
        }
    }

    fn scorer(&self, rate: f32) -> Scorer<'_> {
        Scorer::new(self.dicts, self.settings.tuning, rate)
    }

    /// Find the repairs of `text`.
    pub fn repair(&self, text: &str) -> Report {
        let (sents, evidence, rates) = self.read(text);
        let words: usize = sents.iter().map(Vec::len).sum();
        // A text without words shows no sign of a spinner (the logistic alone would say 0.18).
        let spin_score = if words == 0 { 0.0 } else { evidence.score() };
        let mut repairs = Vec::new();
        for (words, &rate) in sents.iter().zip(&rates) {
            let scorer = self.scorer(rate);
            let cands = candidates_from(words, self.dicts, self.sources(rate));
            let lat = scorer.lattice(words, cands, true);
            if lat.cands.iter().all(Vec::is_empty) {
                continue; // nothing survived pruning: the words stay as they are
            }
            let path = scorer.decode(&lat);
            if path.iter().all(|g| g.cand.is_none()) {
                continue;
            }
            let states = scorer.states(&lat, &path);
            let mut alt = path.clone();
            for (k, seg) in path.iter().enumerate() {
                if seg.cand.is_none() {
                    continue;
                }
                if let Some(r) = self.make_repair(text, &scorer, &lat, &mut alt, &states, k) {
                    if r.confidence() >= self.settings.min_confidence {
                        repairs.push(r);
                    }
                }
            }
        }
        if !repairs.is_empty() {
            let verbatim = crate::verbatim::spans(text);
            repairs.retain(|r| !crate::verbatim::overlaps(&verbatim, r.start, r.end));
        }
        let artifacts = crate::artifacts::find(text, spin_score >= 0.5);
        if !artifacts.is_empty() {
            repairs = merge(repairs, artifacts);
        }
        Report {
            words,
            repairs,
            spin_score,
            evidence,
        }
    }

    /// The sentences of `text`, the document's spin evidence, and the spin rate each
    /// sentence is decoded at.
    fn read(&self, text: &str) -> (Vec<Vec<SentWord>>, SpinEvidence, Vec<f32>) {
        let sents = self.prepare(text);
        let words: usize = sents.iter().map(Vec::len).sum();
        let weights: Vec<f32> = sents.iter().map(|s| self.evidence_of(s)).collect();
        let evidence = SpinEvidence::over(weights.iter().sum(), words);
        let rates = self.rates(&sents, &weights, evidence.score());
        (sents, evidence, rates)
    }

    /// The spin rate each sentence is decoded at: the document's, or in a text longer than
    /// `LONG_TEXT_WORDS` (a long file, articles one after another) the rate of the stretch the
    /// sentence belongs to, so spun and clean stretches of one text are each read as what
    /// they are (see `stretch_log_odds`).
    fn rates(&self, sents: &[Vec<SentWord>], weights: &[f32], spin_score: f32) -> Vec<f32> {
        if let Some(rate) = self.settings.fixed_rate {
            return vec![rate; sents.len()];
        }
        let words: usize = sents.iter().map(Vec::len).sum();
        if words <= LONG_TEXT_WORDS {
            return vec![rate_for(spin_score); sents.len()];
        }
        // A sentence the chain is unsure of (where a spun stretch meets a clean one) is read
        // as less spun than its odds: the rate is the chance of a spun stretch squared. On
        // the web pairs' one long text that halved the changes in the clean parts (0.49 ->
        // 0.24 words per 1000) for recall 0.659 -> 0.655 in the spun ones; on the corpus's,
        // 0.93 -> 0.47 for 0.619 -> 0.617.
        let lengths: Vec<usize> = sents.iter().map(Vec::len).collect();
        stretch_log_odds(weights, &lengths)
            .into_iter()
            .map(|z| rate_for(logistic(z).powi(2)))
            .collect()
    }

    /// The naive-Bayes weight of every spin-table phrase in a sentence (longest match):
    /// spun phrases ("mentioned") count for, originals ("said") against.
    fn evidence_of(&self, s: &[SentWord]) -> f32 {
        let ev = &self.dicts.evidence;
        let mut total = 0.0f32;
        let mut key = String::new();
        let mut i = 0;
        while i < s.len() {
            let mut best: Option<(f32, usize)> = None;
            key.clear();
            for j in i..s.len().min(i + ev.max_words()) {
                if j > i {
                    if !s[j - 1].joined {
                        break;
                    }
                    key.push(' ');
                }
                key.push_str(&s[j].norm);
                let (weight, longer) = ev.lookup(&key);
                if let Some(w) = weight {
                    best = Some((w, j + 1));
                }
                if !longer {
                    break;
                }
            }
            match best {
                Some((w, end)) => {
                    total += w;
                    i = end;
                }
                None => i += 1,
            }
        }
        total
    }

    fn make_repair(
        &self,
        text: &str,
        scorer: &Scorer,
        lat: &Lattice,
        alt: &mut [Segment],
        states: &[(Option<crate::lm::WordId>, Option<crate::lm::WordId>)],
        k: usize,
    ) -> Option<Repair> {
        // `alt` is the decoded path; segment `k` is tried with every reading of its span
        // (keep, or any candidate covering it exactly), each scored as far as it can change
        // the path's score, and put back.
        let seg = alt[k];
        let choices: SmallVec<[Option<usize>; 8]> = std::iter::once(None)
            .chain(
                (0..lat.cands[seg.start].len())
                    .filter(|&j| lat.cands[seg.start][j].end == seg.end)
                    .map(Some),
            )
            .collect();
        for &choice in &choices {
            alt[k] = Segment {
                cand: choice,
                ..seg
            };
            scorer.prefetch_from(lat, alt, k, states[k]);
        }
        let mut options: SmallVec<[(Option<usize>, f32); 8]> = SmallVec::new();
        for &choice in &choices {
            alt[k] = Segment {
                cand: choice,
                ..seg
            };
            options.push((choice, scorer.score_from(lat, alt, k, states[k])));
        }
        alt[k] = seg;
        let max = options.iter().map(|o| o.1).fold(f32::MIN, f32::max);
        let z: f32 = options.iter().map(|o| 10f32.powf(o.1 - max)).sum();
        options.sort_by(|a, b| b.1.total_cmp(&a.1));
        let start = lat.words[seg.start].start;
        let end = lat.words[seg.end - 1].end;
        let spun = &text[start..end];
        let written = |original: &str| {
            let t = keep_gaps(spun, match_case(spun, original));
            match t.contains('\'') && curly_apostrophes(text, start, end) {
                true => t.replace('\'', "\u{2019}"),
                false => t,
            }
        };
        let mut suggestions: Vec<Suggestion> = Vec::new();
        for (j, score) in &options {
            let Some(j) = j else { continue };
            // Options come best first: past the first suggestion, one below the threshold
            // ends the list.
            let confidence = 10f32.powf(score - max) / z;
            if !suggestions.is_empty() && confidence < MIN_ALTERNATIVE {
                break;
            }
            let c = &lat.cands[seg.start][*j];
            let t = written(c.text);
            if t == spun || suggestions.iter().any(|x| x.text == t) {
                continue;
            }
            suggestions.push(Suggestion {
                text: t,
                confidence,
            });
            if suggestions.len() == 3 {
                break;
            }
        }
        let chosen = &lat.cands[seg.start][seg.cand?];
        if suggestions.first()?.text != written(chosen.text) {
            return None;
        }
        let mut r = Repair {
            start,
            end,
            spun: spun.to_string(),
            suggestions,
            source: chosen.source.name(),
        };
        fix_article(text, &mut r);
        Some(r)
    }

    /// Every candidate of one text with its gain over keeping the words, for `explain`.
    pub fn explain(&self, text: &str) -> (Report, Vec<Considered>) {
        let report = self.repair(text);
        let (sents, _, rates) = self.read(text);
        let mut out = Vec::new();
        for (s, rate) in sents.into_iter().zip(rates) {
            let scorer = self.scorer(rate);
            let lat = scorer.lattice(&s, candidates_from(&s, self.dicts, Sources::ALL), false);
            let n = s.len();
            let keep = |a: usize, b: usize| {
                (a..b).map(|x| Segment {
                    start: x,
                    end: x + 1,
                    cand: None,
                })
            };
            let base = scorer.path_score(&lat, &keep(0, n).collect::<Vec<_>>());
            for (i, list) in lat.cands.iter().enumerate() {
                for (j, c) in list.iter().enumerate() {
                    let p: Vec<Segment> = keep(0, i)
                        .chain(std::iter::once(Segment {
                            start: i,
                            end: c.end,
                            cand: Some(j),
                        }))
                        .chain(keep(c.end, n))
                        .collect();
                    let start = s[i].start;
                    let end = s[c.end - 1].end;
                    out.push(Considered {
                        start,
                        end,
                        spun: text[start..end].to_string(),
                        original: c.text.to_string(),
                        source: c.source.name(),
                        gain: scorer.path_score(&lat, &p) - base,
                        chosen: repaired_to(&report, start, end, c.text),
                    });
                }
            }
        }
        (report, out)
    }
}

/// Whether the report repairs exactly `start..end` to `text` (any casing).
fn repaired_to(report: &Report, start: usize, end: usize, text: &str) -> bool {
    report.repairs.iter().any(|r| {
        r.end == end
            && r.start <= start
            && r.replacement()
                .to_lowercase()
                .ends_with(&text.to_lowercase())
    })
}

/// The spin rate sentences are decoded at, for a document of this spin score.
pub fn rate_for(spin_score: f32) -> f32 {
    spin_score.clamp(0.001, 0.95)
}

/// The log odds that each sentence of a long text belongs to a spun stretch, given the
/// evidence of every sentence (`weights`, over `lengths` words): a two-state hidden Markov
/// chain (spun, clean) that changes state between sentences with chance `STRETCH_SWITCH`,
/// read forwards and backwards. A file of articles one after another, spun and clean in turn,
/// is thus cut where the evidence turns, and each article is read at about the rate it gets
/// alone. A 400-word window around each sentence, used before, read the clean articles next
/// to spun ones as spun and the other way round (the quality benchmark's one long text of the
/// corpus: 8.75 changed words per 1000 in its clean parts and edit recall 0.582 in its spun
/// ones, against 0.47 and 0.617 now, and none and 0.625 for each text alone).
fn stretch_log_odds(weights: &[f32], lengths: &[usize]) -> Vec<f32> {
    let (switch, stay) = (STRETCH_SWITCH.ln(), (1.0 - STRETCH_SWITCH).ln());
    // Log odds after one step of the chain, from log odds `x` before it.
    let step = |x: f32| ln_add_exp(stay + x, switch) - ln_add_exp(switch + x, stay);
    let e: Vec<f32> = weights
        .iter()
        .zip(lengths)
        .map(|(w, &n)| STRETCH_SLOPE * (w - EVIDENCE_PER_WORD * n as f32))
        .collect();
    let n = e.len();
    // Forwards: the evidence up to and including each sentence.
    let mut out = Vec::with_capacity(n);
    let mut prior = 0.0;
    for &x in &e {
        let z = prior + x;
        out.push(z);
        prior = step(z);
    }
    // Backwards: the evidence after each sentence, added.
    let mut after = 0.0;
    for k in (0..n).rev() {
        out[k] += after;
        after = step(e[k] + after);
    }
    out
}

/// The probability whose log odds are `z`.
fn logistic(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// ln(e^a + e^b) without overflow.
fn ln_add_exp(a: f32, b: f32) -> f32 {
    let (hi, lo) = if a > b { (a, b) } else { (b, a) };
    hi + (lo - hi).exp().ln_1p()
}

/// Merge sorted word repairs `a` with sorted artefact repairs `b`.
fn merge(a: Vec<Repair>, b: Vec<Repair>) -> Vec<Repair> {
    let mut out: Vec<Repair> = Vec::with_capacity(a.len() + b.len());
    let overlaps = |x: &Repair, y: &Repair| x.start < y.end && y.start < x.end;
    let within = |x: &Repair, y: &Repair| y.start <= x.start && x.end <= y.end;
    // An artefact reads its whole span ("Supply hyperlink" is a link line, not two swapped
    // words): word repairs inside one give way to it, one overlapping it partly wins.
    let a: Vec<Repair> = a
        .into_iter()
        .filter(|r| !b.iter().any(|y| within(r, y)))
        .collect();
    let b: Vec<Repair> = b
        .into_iter()
        .filter(|r| !a.iter().any(|x| overlaps(x, r)))
        .collect();
    out.extend(a);
    out.extend(b);
    out.sort_by_key(|r| (r.start, r.end));
    out
}

/// Apply repairs (sorted, non-overlapping) to `text`, using each one's first suggestion.
pub fn apply(text: &str, repairs: &[Repair]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for r in repairs {
        if r.start < pos {
            continue;
        }
        out.push_str(&text[pos..r.start]);
        out.push_str(r.replacement());
        pos = r.end;
    }
    out.push_str(&text[pos..]);
    out
}

/// Whether a repair of `text[start..end]` writes its apostrophes curly (’): as the spun
/// words do when they have one, else as the nearest apostrophe before them does (the tables
/// write them straight; "Wall Road’s" becomes "Wall Street’s", not "Wall Street's").
fn curly_apostrophes(text: &str, start: usize, end: usize) -> bool {
    let is_apostrophe = |c: char| c == '\'' || c == '\u{2019}';
    if let Some(c) = text[start..end].chars().find(|&c| is_apostrophe(c)) {
        return c == '\u{2019}';
    }
    let mut from = start.saturating_sub(400);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    text[from..start].chars().rev().find(|&c| is_apostrophe(c)) == Some('\u{2019}')
}

/// `written` (words joined by single spaces) with the white space between the words of
/// `spun` where it has as many words and other spacing ("Fact  Social" -> "Truth  Social").
fn keep_gaps(spun: &str, written: String) -> String {
    let plain = !spun.contains("  ") && spun.chars().all(|c| c == ' ' || !c.is_whitespace());
    if plain {
        return written;
    }
    let gaps: Vec<&str> = spun
        .split(|c: char| !c.is_whitespace())
        .filter(|g| !g.is_empty())
        .collect();
    let words: Vec<&str> = written.split(' ').collect();
    if words.len() != gaps.len() + 1 {
        return written;
    }
    let mut out = String::with_capacity(spun.len() + written.len());
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            out.push_str(gaps[i - 1]);
        }
        out.push_str(w);
    }
    out
}

/// Give `replacement` the casing of `template`: UPPER, Title (word by word), or as written.
pub fn match_case(template: &str, replacement: &str) -> String {
    // Most words are lowercase on both sides: nothing to change, and no need to look further.
    if crate::tokens::is_normal(template) && crate::tokens::is_normal(replacement) {
        return replacement.to_string();
    }
    let (mut letters, mut upper) = (0, true);
    for c in template.chars().filter(|c| c.is_alphabetic()) {
        letters += 1;
        upper &= c.is_uppercase();
    }
    if letters > 1 && upper {
        // An acronym restored as several words ("USA" -> "united states") is a name spelled
        // out: Title Case, not shouted. A shouted word ("NUMEROUS" -> "a lot of") is no
        // acronym: an acronym is short and its words start with its first letter.
        let acronym = letters <= 4
            && !template.contains(char::is_whitespace)
            && replacement.contains(' ')
            && replacement.chars().next().map(|c| c.to_lowercase().next())
                == template.chars().next().map(|c| c.to_lowercase().next());
        if acronym {
            return match_case("Title Case", replacement);
        }
        return replacement.to_uppercase();
    }
    let capital = |w: &str| w.chars().next().is_some_and(char::is_uppercase);
    let (any, all_title) = template
        .split_whitespace()
        .fold((false, true), |(any, all), w| {
            (any || capital(w), all && capital(w))
        });
    // One capitalised word is sentence case (or a name's own capital): it does not make every
    // word of a longer replacement a capital ("They've" -> "They have", not "They Have").
    let all_title = all_title && template.split_whitespace().nth(1).is_some();
    if !any && !replacement.contains(char::is_uppercase) {
        return replacement.to_lowercase();
    }
    if !any {
        // Lowercase, but an acronym the table writes in capitals ("US") stays.
        return replacement
            .split(' ')
            .map(|w| match crate::align::is_acronym(w) {
                true => w.to_string(),
                false => w.to_lowercase(),
            })
            .collect::<Vec<_>>()
            .join(" ");
    }
    let first = template.split_whitespace().next().is_some_and(capital);
    let mut out = String::with_capacity(replacement.len());
    for (i, w) in replacement.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if all_title || (i == 0 && first) {
            let mut cs = w.chars();
            if let Some(f) = cs.next() {
                out.extend(f.to_uppercase());
                out.push_str(cs.as_str());
            }
        } else if w.is_ascii() || w.chars().any(char::is_uppercase) {
            // A capital the original has itself ("England", "iPhone") stays.
            out.push_str(w);
        } else {
            out.push_str(&w.to_lowercase());
        }
    }
    out
}

/// When a repair follows "a"/"an", make the article agree with the restored word by taking
/// the article into the repair.
fn fix_article(text: &str, r: &mut Repair) {
    let before = &text[..r.start];
    // Between the article and the word: white space, and what opens a quotation, a bracket
    // or emphasis ("a “economy”", "a **office**", "a (economy)").
    let trimmed = before.trim_end_matches(|c: char| c.is_whitespace() || "\"'“‘([*_".contains(c));
    if !before[trimmed.len()..].contains(char::is_whitespace) {
        return;
    }
    let art_start = trimmed.rfind(|c: char| !c.is_alphabetic()).map_or(0, |i| {
        i + trimmed[i..].chars().next().map_or(1, char::len_utf8)
    });
    let article = &trimmed[art_start..];
    if !article.eq_ignore_ascii_case("a") && !article.eq_ignore_ascii_case("an") {
        return;
    }
    let Some(first_word) = r.replacement().split(' ').next() else {
        return;
    };
    let want_an = crate::tokens::wants_an(first_word);
    if want_an == article.eq_ignore_ascii_case("an") {
        return;
    }
    // "AN" in shouted text, where the word itself is in capitals ("A WORKPLACE").
    let shouted = article == "AN"
        || (article == "A" && {
            let letters = r.spun.chars().filter(|c| c.is_alphabetic());
            letters.clone().count() > 1 && letters.clone().all(char::is_uppercase)
        });
    let new_article = match (want_an, article.starts_with('A'), shouted) {
        (true, _, true) => "AN",
        (false, _, true) => "A",
        (true, true, false) => "An",
        (true, false, false) => "an",
        (false, true, false) => "A",
        (false, false, false) => "a",
    };
    let gap = &text[trimmed.len()..r.start];
    for s in &mut r.suggestions {
        s.text = format!("{new_article}{gap}{}", s.text);
    }
    r.spun = text[art_start..r.end].to_string();
    r.start = art_start;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_text_is_cut_where_its_evidence_turns() {
        // Twenty clean sentences (evidence against), twenty spun, twenty clean: ten words each.
        let w: Vec<f32> = (0..60)
            .map(|k| if (20..40).contains(&k) { 1.0 } else { -0.5 })
            .collect();
        let z = stretch_log_odds(&w, &[10; 60]);
        assert!(z[..20].iter().all(|&x| x < 0.0), "{z:?}");
        assert!(z[20..40].iter().all(|&x| x > 0.0), "{z:?}");
        assert!(z[40..].iter().all(|&x| x < 0.0), "{z:?}");
        // Sure in the middle of each stretch, unsure only at the turns.
        assert!(z[5] < -5.0 && z[30] > 5.0 && z[55] < -5.0, "{z:?}");
        // One sentence of spun-looking words in a clean stretch does not make a spun stretch.
        let mut w = vec![-0.5f32; 40];
        w[20] = 2.0;
        let z = stretch_log_odds(&w, &[10; 40]);
        assert!(z[20] < 0.0, "{z:?}");
    }

    #[test]
    fn casing_follows_the_input() {
        assert_eq!(match_case("Fact Social", "truth social"), "Truth Social");
        assert_eq!(match_case("mentioned", "said"), "said");
        assert_eq!(match_case("Mentioned", "said"), "Said");
        assert_eq!(match_case("NONETHELESS", "however"), "HOWEVER");
        assert_eq!(match_case("USA", "united states"), "United States");
        // An acronym the table writes in capitals keeps them whatever the spun casing.
        assert_eq!(match_case("United States", "US"), "US");
        assert_eq!(match_case("television", "TV"), "TV");
        assert_eq!(match_case("Television", "TV"), "TV");
        assert_eq!(match_case("They’ve", "they have"), "They have");
        assert_eq!(match_case("Nonetheless", "even so"), "Even so");
        assert_eq!(match_case("SAID IT", "told them"), "TOLD THEM");
        assert_eq!(match_case("As a result of", "because"), "Because");
        // A shouted word is no acronym: its several words stay shouted.
        assert_eq!(match_case("NUMEROUS", "a lot of"), "A LOT OF");
        assert_eq!(match_case("UK", "united kingdom"), "United Kingdom");
        assert_eq!(match_case("city corridor", "City Hall"), "city hall");
        assert_eq!(
            match_case("Financial institution of England", "Bank of England"),
            "Bank of England"
        );
    }

    #[test]
    fn article_agrees_with_the_restored_word() {
        let text = "supplied an excellent probability today";
        let mut r = Repair {
            start: 12,
            end: 33,
            spun: "excellent probability".into(),
            suggestions: vec![Suggestion {
                text: "good chance".into(),
                confidence: 0.9,
            }],
            source: "spins",
        };
        fix_article(text, &mut r);
        assert_eq!(apply(text, &[r]), "supplied a good chance today");
        let text = "come to an finish";
        let r = Repair {
            start: 11,
            end: 17,
            spun: "finish".into(),
            suggestions: vec![Suggestion {
                text: "end".into(),
                confidence: 0.9,
            }],
            source: "spins",
        };
        let mut r2 = r.clone();
        fix_article(text, &mut r2);
        assert_eq!(r2, r);
        assert_eq!(apply(text, &[r2]), "come to an end");
    }

    /// The article is found past quotes, brackets, emphasis and a line break, and written in
    /// capitals in shouted text.
    #[test]
    fn article_agrees_across_quotes_and_in_capitals() {
        let fixed = |text: &str, spun: &str, original: &str| {
            let start = text.find(spun).unwrap();
            let mut r = Repair {
                start,
                end: start + spun.len(),
                spun: spun.into(),
                suggestions: vec![Suggestion {
                    text: original.into(),
                    confidence: 0.9,
                }],
                source: "spins",
            };
            fix_article(text, &mut r);
            apply(text, &[r])
        };
        assert_eq!(
            fixed("a “workplace” fire", "workplace", "office"),
            "an “office” fire"
        );
        assert_eq!(
            fixed("a **workplace**", "workplace", "office"),
            "an **office**"
        );
        assert_eq!(fixed("a\nworkplace", "workplace", "office"), "an\noffice");
        assert_eq!(
            fixed("SAID A WORKPLACE", "WORKPLACE", "OFFICE"),
            "SAID AN OFFICE"
        );
        assert_eq!(fixed("A workplace", "workplace", "office"), "An office");
        assert_eq!(fixed("AN EXCELLENT DAY", "EXCELLENT", "GOOD"), "A GOOD DAY");
        assert_eq!(fixed("a“workplace”", "workplace", "office"), "a“office”");
    }

    #[test]
    fn spacing_inside_a_phrase_is_kept() {
        assert_eq!(
            keep_gaps("Fact  Social", "Truth Social".into()),
            "Truth  Social"
        );
        assert_eq!(
            keep_gaps("Fact\u{a0}Social", "Truth Social".into()),
            "Truth\u{a0}Social"
        );
        assert_eq!(keep_gaps("financial  system", "economy".into()), "economy");
        assert_eq!(
            keep_gaps("Fact Social", "Truth Social".into()),
            "Truth Social"
        );
    }

    /// Web and e-mail addresses, markup and code come out byte for byte, whatever the prose
    /// around them gets.
    #[test]
    fn addresses_markup_and_code_are_left_alone() {
        let text = "The firm mentioned the conflict can lastly come to an finish, the chief mentioned. \
                    See https://example.com/mentioned/conflict?q=lastly+finish or press@white-home.gov, \
                    <a href=\"/conflict/finish\">the conflict</a> and `lastly finish()`.";
        let report = Repairer::new(crate::dictionaries::Dictionaries::embedded()).repair(text);
        let fixed = apply(text, &report.repairs);
        assert!(fixed.starts_with("The company said the war"), "{fixed}");
        for kept in [
            "https://example.com/mentioned/conflict?q=lastly+finish",
            "press@white-home.gov",
            "<a href=\"/conflict/finish\">",
            "`lastly finish()`",
        ] {
            assert!(fixed.contains(kept), "{kept} changed: {fixed}");
        }
    }
}
