//! Decoding: choose, for one sentence, which words to keep and which candidates to restore,
//! by a beam search over the lattice of candidates scored with the trigram language model
//! plus a channel prior P(observed | original) scaled by the document's spin rate. Later
//! words score every choice, so the decision sees context on both sides.

use crate::candidates::{Candidate, ExpressionVia, SentWord, Source};
use crate::dictionaries::Dictionaries;
use crate::lm::WordId;

/// The knobs of the decoder. The defaults were tuned on the web pairs, each repaired with the
/// table as learned without it (see the quality benchmark); the corpus pairs report them.
#[derive(Debug, Clone, Copy)]
pub struct Tuning {
    /// Hypotheses kept per position.
    pub beam: usize,
    /// Hypotheses further than this (log10) behind the best one at a position are not
    /// expanded, even with room in the beam: on 4.5 MB of spun articles no path that far
    /// behind came back to win at 2.5 or more (the same 138,220 repairs, 5 % fewer
    /// instructions at 2.5, 4 % at 3); at 2, 115 lines of `check --format json` changed.
    pub beam_width: f32,
    /// log10 probability charged for a word the language model does not know.
    pub oov_logprob: f32,
    /// Chance, in a fully spun document, that a word with thesaurus candidates was spun into
    /// it by a substitution the spin table does not know (shared by its candidates). The
    /// larger the table, the smaller this chance: at 0.02 the web pairs' thesaurus repairs
    /// were 7 right and 16 wrong, at 0.005 3 and 3 (restored edits 5845 -> 5843, precision
    /// 0.855 -> 0.857; the corpus lost "limitless" -> "unlimited").
    pub thesaurus_mass: f32,
    /// Chance, in a fully spun document, that a thesaurus variant of a fixed expression is
    /// a damaged form of it.
    pub expression_mass: f32,
    /// The same for a thesaurus variant of a curated name or office ("Fact Social").
    pub name_mass: f32,
    /// The same for a phrase that the spin table turns into a known expression word by word.
    pub expression_spins_mass: f32,
    /// Weight of the language model against the channel prior.
    pub lm_weight: f32,
    /// log10 penalty per word of difference between a thesaurus candidate and the words it
    /// replaces, so that a shorter reading does not win just because it pays for fewer
    /// probabilities ("of the essence" -> "important"). Spin-table rows carry their own
    /// evidence and pay nothing.
    pub length_penalty: f32,
    /// Candidates whose prior against keeping the words is worse than this (log10) are
    /// dropped before decoding: no language-model gain seen in practice makes up for it.
    pub max_lm_gain: f32,
    /// Candidates kept per position after scoring each in its observed context.
    pub max_candidates: usize,
    /// Factor on the prior of a thesaurus variant of a name or collocation none of whose
    /// words is left standing ("has been set" -> "Conservative Party", "Sport Move" ->
    /// "Stock Market"), unless the spin table restores every word ("overseas coverage" ->
    /// "Foreign Policy"): variants that change every word are mostly chance look-alikes.
    pub unanchored_name_factor: f32,
    /// Factor on the prior of a spin-table row the pairs showed in one document only: one
    /// sighting may be an editor's change or the aligner's noise rather than the spinner's
    /// table, and repeats inside one document are no more (the spinner swaps a word the same
    /// way throughout a text: 96 % of an original word's other occurrences in a document
    /// are swapped too, measured on the pairs).
    pub single_row_factor: f32,
    /// Fraction of a spin-table row's unigram gain (how much more common the original is
    /// than the spun words, log10, times `lm_weight`) taken off its prior. A row's share is
    /// the chance of the original given the spun words, which already holds how common the
    /// original is; the language model's gain over keeping the words holds it again, so a
    /// common original ("story", "name", "release") beat a rarer word the spinner had left
    /// standing ("narrative", "title", "launch"). At 0.15 (with `lm_weight` 0.65 -> 0.7) the
    /// web pairs went 5934 -> 5921 restored edits at precision 0.859 -> 0.864, the corpus
    /// 707 -> 706 at 0.849 -> 0.855; `lm_weight` alone moves along the old curve.
    pub frequency_correction: f32,
    /// Weight of the comma model (`commas`, see `Scorer::add_comma_fit`): log10 P(the commas
    /// around a span | its words), like the language model's, whose weight it shares.
    pub comma_weight: f32,
    /// log10 chance that original text puts "a" before a word that takes "an" or the other
    /// way round. A spinner keeps the article when it swaps the next word ("a more" ->
    /// "a extra", "a bill" -> "a invoice"): 183 such misfits in the pairs' spun texts, 5 in
    /// their originals. Charged to every reading of the words after a misfit article that
    /// still misfits it, keeping them included (see `Scorer::add_article_fit`).
    pub article_misfit: f32,
}

impl Default for Tuning {
    fn default() -> Tuning {
        Tuning {
            beam: 4,
            beam_width: 3.0,
            oov_logprob: -5.0,
            thesaurus_mass: 0.005,
            expression_mass: 0.02,
            name_mass: 0.8,
            expression_spins_mass: 0.1,
            lm_weight: 0.7,
            length_penalty: 2.0,
            max_lm_gain: 2.5,
            max_candidates: 4,
            unanchored_name_factor: 0.05,
            single_row_factor: 0.5,
            frequency_correction: 0.15,
            comma_weight: 0.7,
            article_misfit: -2.0,
        }
    }
}

impl Tuning {
    /// The smallest share of its word's candidates a thesaurus candidate needs at spin rate
    /// `rate` (at most 1): below it, its prior loses to keeping the words by more than
    /// `max_lm_gain`, so the lattice would drop it.
    pub fn thesaurus_min_share(&self, rate: f32) -> f32 {
        10f32.powf(-self.max_lm_gain) / (rate * self.thesaurus_mass)
    }

    /// The share of its phrase's sightings below which a spin-table row's prior loses to
    /// keeping the words by more than `max_lm_gain` whatever else is proposed there (the
    /// lattice's keep prior is at least log10 0.05), so the lattice would surely drop it.
    /// Most rows of a common phrase are such ("the" -> "long", "to" -> "back and forth"):
    /// skipping them leaves 41,183 of the 51,196 candidates of 75 spun articles and the same
    /// repairs (their mass no longer counts in the keep prior, so confidences move a little).
    pub fn spins_min_share(&self, rate: f32) -> f32 {
        10f32.powf(-self.max_lm_gain) * (1.0 - MAX_CHANGE_MASS) / rate
    }
}

/// Room a beam is first given: the hypotheses reaching one position before the beam is cut
/// (each of `Tuning::beam` hypotheses times the readings of the position) mostly fit.
const BEAM_ROOM: usize = 16;

/// The most prior mass the candidates at one position may take from keeping its word.
const MAX_CHANGE_MASS: f32 = 0.95;

/// One step of a path: words `start..end` either kept (`cand: None`) or replaced by
/// candidate `cand` of the lattice's list at `start`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    pub start: usize,
    pub end: usize,
    pub cand: Option<usize>,
}

/// Channel probability that a spinner produced this candidate's observed words, at `rate`.
/// `rate` is how spun the document is, in [0, 1].
pub fn candidate_prior(c: &Candidate, rate: f32, t: &Tuning) -> f32 {
    match c.source {
        Source::Spins { share, docs, .. } => {
            let single = if docs == 1 { t.single_row_factor } else { 1.0 };
            rate * share * single
        }
        Source::Expression { choices, via } => {
            let mass = match via {
                ExpressionVia::Collocation => t.expression_mass,
                ExpressionVia::Name => t.name_mass,
                ExpressionVia::SpinTable => t.expression_spins_mass,
            };
            rate * mass / choices as f32
        }
        Source::Thesaurus { share } => {
            let delta = (c.end - c.start).abs_diff(c.len) as i32;
            // A candidate as long as the words it replaces (most) pays no penalty: the
            // factor is exactly 1, so the powf is skipped.
            let penalty = match delta {
                0 => 1.0,
                _ => 10f32.powi(-delta).powf(t.length_penalty),
            };
            rate * t.thesaurus_mass * share * penalty
        }
    }
}

/// One sentence ready to decode: its words, the candidates that survived pruning, and the
/// channel log priors of keeping each word and of each candidate, computed once.
pub struct Lattice<'w, 'd> {
    pub words: &'w [SentWord],
    pub cands: Vec<Vec<Candidate<'d>>>,
    keep_lp: Vec<f32>,
    /// The candidates' log priors, position after position: those of `cands[i]` start at
    /// `cand_at[i]` (one list for the sentence rather than one per position).
    cand_lp: Vec<f32>,
    cand_at: Vec<u32>,
}

impl Lattice<'_, '_> {
    /// The channel log prior of candidate `k` at position `i`.
    fn cand_lp(&self, i: usize, k: usize) -> f32 {
        self.cand_lp[self.cand_at[i] as usize + k]
    }
}

#[derive(Clone, Copy)]
struct Hyp {
    h2: Option<WordId>,
    h1: Option<WordId>,
    score: f32,
    back: u32,
    seg: Segment,
}

type State = (Option<WordId>, Option<WordId>);

/// The language-model state after reading `w`: the last two words, reset by an unknown one.
fn next_state((_, h1): State, w: Option<WordId>) -> State {
    match w {
        Some(_) => (h1, w),
        None => (None, None),
    }
}

/// Scores words into the language model state.
pub struct Scorer<'a> {
    dicts: &'a Dictionaries,
    tuning: Tuning,
    rate: f32,
    /// Language-model ids of "a" and "an".
    articles: Option<(WordId, WordId)>,
}

impl<'a> Scorer<'a> {
    pub fn new(dicts: &'a Dictionaries, tuning: Tuning, rate: f32) -> Scorer<'a> {
        let articles = dicts.lm.word_id("a").zip(dicts.lm.word_id("an"));
        Scorer {
            dicts,
            tuning,
            rate,
            articles,
        }
    }

    /// The context `w` is scored in after `(h2, h1)`: "a" and "an" read as "a" (so a/an
    /// agreement never decides a repair), and the word after one is scored after the
    /// article it would take.
    fn context(&self, (h2, h1): State, w: WordId) -> State {
        let h1_scored = match (h1, self.articles) {
            (Some(a), Some((a_id, an_id)))
                if a == a_id && crate::tokens::wants_an(self.dicts.lm.word(w)) =>
            {
                Some(an_id)
            }
            _ => h1,
        };
        (h2.filter(|_| h1.is_some()), h1_scored)
    }

    fn emit(&self, st: State, w: Option<WordId>) -> (f32, State) {
        match w {
            Some(w) => {
                let (h2, h1) = self.context(st, w);
                let lp = self.dicts.lm.logprob(h2, h1, w);
                (self.tuning.lm_weight * lp, next_state(st, Some(w)))
            }
            None => (
                self.tuning.lm_weight * self.tuning.oov_logprob,
                next_state(st, None),
            ),
        }
    }

    fn emit_all(&self, mut st: State, ws: impl Iterator<Item = Option<WordId>>) -> (f32, State) {
        let mut total = 0.0;
        for w in ws {
            let (lp, next) = self.emit(st, w);
            total += lp;
            st = next;
        }
        (total, st)
    }

    /// Build the lattice of a sentence: priors for every reading, then pruning (when `prune`)
    /// of candidates that cannot win: those whose prior alone loses by more than any LM gain,
    /// and, per position, all but the best few when each is scored in its observed context.
    pub fn lattice<'w, 'd>(
        &self,
        words: &'w [SentWord],
        cands: Vec<Vec<Candidate<'d>>>,
        prune: bool,
    ) -> Lattice<'w, 'd> {
        let t = &self.tuning;
        let mut keep_lp = Vec::with_capacity(words.len());
        let mut kept_cands = Vec::with_capacity(words.len());
        let mut cand_lp = Vec::with_capacity(words.len());
        let mut cand_at = Vec::with_capacity(words.len());
        // Scratch lists reused from one position to the next (most positions have a few
        // candidates, and allocating these anew for each took 2 % of a spun text's
        // instructions).
        let mut priors: Vec<f32> = Vec::new();
        let mut scored: Vec<(f32, f32, Candidate)> = Vec::new();
        let mut observed: Vec<(usize, f32)> = Vec::new();
        for (i, mut list) in cands.into_iter().enumerate() {
            cand_at.push(cand_lp.len() as u32);
            if list.is_empty() {
                keep_lp.push(0.0);
                kept_cands.push(list);
                continue;
            }
            priors.clear();
            priors.extend(list.iter().map(|c| {
                let p = candidate_prior(c, self.rate, t);
                if self.unanchored_name(c, words) {
                    p * t.unanchored_name_factor
                } else {
                    p
                }
            }));
            let mass: f32 = priors.iter().sum();
            let keep = (1.0 - mass.min(MAX_CHANGE_MASS)).log10();
            keep_lp.push(keep);
            scored.clear();
            scored.extend(
                list.drain(..)
                    .zip(priors.iter())
                    .map(|(c, p)| (p.max(1e-12).log10(), 0.0, c))
                    .filter(|(lp, _, _)| !prune || lp - keep > -t.max_lm_gain)
                    .map(|(lp, g, mut c)| {
                        c.ids = crate::candidates::lm_ids(&c, words, self.dicts);
                        let lp = match c.source {
                            Source::Spins { .. } => lp - self.frequency_gain(&c, words),
                            _ => lp,
                        };
                        (lp, g, c)
                    }),
            );
            self.add_comma_fit(&mut scored, words);
            self.add_article_fit(&mut scored, words);
            if prune && scored.len() > t.max_candidates {
                let left = self.left_state(words, i);
                for x in &scored {
                    let right = (x.2.end + 2).min(words.len());
                    let after = words[x.2.end..right].iter().map(|w| w.id);
                    self.prefetch(left, x.2.ids.iter().copied().chain(after));
                }
                observed.clear();
                for x in scored.iter_mut() {
                    let end = x.2.end;
                    let base = match observed.iter().find(|o| o.0 == end) {
                        Some(o) => o.1,
                        None => {
                            let b = self.local_score(left, words, i, end, None);
                            observed.push((end, b));
                            b
                        }
                    };
                    x.1 = x.0 - keep + self.local_score(left, words, i, end, Some(&x.2.ids)) - base;
                }
                scored.sort_by(|a, b| b.1.total_cmp(&a.1));
                scored.truncate(t.max_candidates);
            }
            // The survivors go back into the position's own list, whose room they fit.
            cand_lp.extend(scored.iter().map(|x| x.0));
            list.extend(scored.drain(..).map(|x| x.2));
            kept_cands.push(list);
        }
        Lattice {
            words,
            cands: kept_cands,
            keep_lp,
            cand_lp,
            cand_at,
        }
    }

    /// The part of the language model's gain for `c` that only says its words are more
    /// common than the words it replaces (see `Tuning::frequency_correction`).
    fn frequency_gain(&self, c: &Candidate, words: &[SentWord]) -> f32 {
        let t = &self.tuning;
        if t.frequency_correction == 0.0 {
            return 0.0;
        }
        let unigrams = |ids: &mut dyn Iterator<Item = Option<WordId>>| -> f32 {
            ids.map(|w| w.map_or(t.oov_logprob, |w| self.dicts.lm.unigram_logprob(w)))
                .sum()
        };
        let gain = unigrams(&mut c.ids.iter().copied())
            - unigrams(&mut words[c.start..c.end].iter().map(|w| w.id));
        t.frequency_correction * t.lm_weight * gain
    }

    /// Charge each candidate how much worse the commas around its span fit its words than
    /// the span's own words (log10, weighted): only the first word can have a comma before
    /// it and the last one after it, the words inside a phrase have none. Commas tell which
    /// original a phrase stood for ("nonetheless," was "however,", "nonetheless" without one
    /// "still"). Where a word of the span was seen too seldom in original text to have
    /// counts of its own (the words a spinner favours: "whereas", "nonetheless"), the span is
    /// measured against its best-fitting reading instead, so commas only choose among its
    /// originals and never argue for a change (", whereas" in a clean text read as ", while").
    fn add_comma_fit(&self, scored: &mut [(f32, f32, Candidate)], words: &[SentWord]) {
        let t = &self.tuning;
        if t.comma_weight == 0.0 || scored.is_empty() {
            return;
        }
        let commas = &self.dicts.commas;
        let start = scored[0].2.start;
        let before = words[start].comma_before;
        let fit = |ids: &mut dyn ExactSizeIterator<Item = Option<WordId>>, end: usize| -> f32 {
            let after = words[end - 1].comma_after;
            let last = ids.len().saturating_sub(1);
            ids.enumerate()
                .map(|(k, w)| commas.logprob(w, before && k == 0, after && k == last))
                .sum()
        };
        let fits: smallvec::SmallVec<[f32; 16]> = scored
            .iter()
            .map(|x| fit(&mut x.2.ids.iter().copied(), x.2.end))
            .collect();
        // What each span is measured against: its own words' fit where the counts know them
        // all, else the best fit of its words kept or any candidate for it.
        let mut reference: smallvec::SmallVec<[(usize, f32, bool); 4]> = smallvec::SmallVec::new();
        for (x, &f) in scored.iter().zip(&fits) {
            let end = x.2.end;
            match reference.iter_mut().find(|r| r.0 == end) {
                Some(r) => {
                    if !r.2 {
                        r.1 = r.1.max(f);
                    }
                }
                None => {
                    let span = &words[start..end];
                    let kept = fit(&mut span.iter().map(|w| w.id), end);
                    let known = span.iter().all(|w| commas.knows(w.id));
                    reference.push((end, if known { kept } else { kept.max(f) }, known));
                }
            }
        }
        for (x, f) in scored.iter_mut().zip(fits) {
            let top = reference.iter().find(|r| r.0 == x.2.end).map_or(f, |r| r.1);
            x.0 += t.comma_weight * (f - top);
        }
    }

    /// Where the article before the span does not fit its first word ("a extra"), the
    /// original had a word it fits: each candidate whose first word fits it gains what
    /// keeping the misfit costs (`Tuning::article_misfit`).
    fn add_article_fit(&self, scored: &mut [(f32, f32, Candidate)], words: &[SentWord]) {
        let Some(start) = scored.first().map(|x| x.2.start) else {
            return;
        };
        let Some(prev) = start.checked_sub(1).map(|p| &words[p]).filter(|p| p.joined) else {
            return;
        };
        let an = match prev.norm.as_str() {
            "a" => false,
            "an" => true,
            _ => return,
        };
        let fits = |w: &str| crate::tokens::wants_an(w) == an;
        if fits(&words[start].norm) {
            return;
        }
        for x in scored.iter_mut() {
            if x.2.text.split(' ').next().is_some_and(fits) {
                x.0 -= self.tuning.article_misfit;
            }
        }
    }

    /// Whether `c` restores a thesaurus variant of an expression while keeping none of the
    /// words it replaces (a function word kept does not count: "the governor" is no damaged
    /// "The Guardian"), and some of its word changes is not a spin-table substitution; or
    /// whether such a change has a function word on either side ("for President" -> "Vice
    /// President", "get entry" -> "get in"), which a spinner hardly ever swaps.
    fn unanchored_name(&self, c: &Candidate, words: &[SentWord]) -> bool {
        if !matches!(
            c.source,
            Source::Expression {
                via: ExpressionVia::Name | ExpressionVia::Collocation,
                ..
            }
        ) {
            return false;
        }
        let spun = &words[c.start..c.end];
        let orig: Vec<String> = c.text.split(' ').map(crate::tokens::normalize).collect();
        let restored = |w: &SentWord, o: &str| {
            self.dicts
                .spins
                .get(&w.norm)
                .iter()
                .any(|r| r.original.eq_ignore_ascii_case(o))
        };
        if orig.len() == spun.len()
            && spun.iter().zip(&orig).any(|(w, o)| {
                w.norm != *o
                    && (crate::tokens::is_function_word(&w.norm)
                        || crate::tokens::is_function_word(o))
                    && !restored(w, o)
            })
        {
            return true;
        }
        let anchored = orig
            .iter()
            .any(|o| !crate::tokens::is_function_word(o) && spun.iter().any(|w| w.norm == *o));
        !anchored
            && (orig.len() != spun.len() || spun.iter().zip(&orig).any(|(w, o)| !restored(w, o)))
    }

    /// The language-model state before word `start` given the two observed words before it
    /// (or the sentence start).
    fn left_state(&self, words: &[SentWord], start: usize) -> State {
        let left = start.saturating_sub(2);
        let st = if left == 0 {
            self.start_state()
        } else {
            (None, None)
        };
        self.emit_all(st, words[left..start].iter().map(|w| w.id)).1
    }

    /// LM score of words `start..end` (or `replacement`) from the state `left` (see
    /// `left_state`), up to two observed words of context after them.
    fn local_score(
        &self,
        left: State,
        words: &[SentWord],
        start: usize,
        end: usize,
        replacement: Option<&[Option<WordId>]>,
    ) -> f32 {
        let right = (end + 2).min(words.len());
        let (mid, st) = match replacement {
            Some(ids) => self.emit_all(left, ids.iter().copied()),
            None => self.emit_all(left, words[start..end].iter().map(|w| w.id)),
        };
        let (tail, _) = self.emit_all(st, words[end..right].iter().map(|w| w.id));
        mid + tail
    }

    /// Prefetch what scoring the words `ws` from `st` will read (see `LanguageModel::prefetch`).
    fn prefetch(&self, mut st: State, ws: impl Iterator<Item = Option<WordId>>) {
        for w in ws {
            if let Some(w) = w {
                let (h2, h1) = self.context(st, w);
                self.dicts.lm.prefetch(h2, h1, w);
            }
            st = next_state(st, w);
        }
    }

    /// The segments a path can take at position `i`: keep the word, or any candidate there.
    fn expansions<'l>(lat: &'l Lattice, i: usize) -> impl Iterator<Item = Segment> + 'l {
        let keep = Segment {
            start: i,
            end: i + 1,
            cand: None,
        };
        let alts = (0..lat.cands[i].len()).map(move |k| Segment {
            start: i,
            end: lat.cands[i][k].end,
            cand: Some(k),
        });
        std::iter::once(keep).chain(alts)
    }

    /// The words of a segment as the language model reads them.
    fn segment_ids<'l>(
        lat: &'l Lattice,
        seg: Segment,
    ) -> impl Iterator<Item = Option<WordId>> + 'l {
        let (words, ids): (&[SentWord], &[Option<WordId>]) = match seg.cand {
            None => (&lat.words[seg.start..seg.end], &[]),
            Some(k) => (&[], &lat.cands[seg.start][k].ids),
        };
        words.iter().map(|w| w.id).chain(ids.iter().copied())
    }

    fn segment_score(&self, lat: &Lattice, seg: Segment, st: State) -> (f32, State) {
        match seg.cand {
            None => {
                let (lp, next) =
                    self.emit_all(st, lat.words[seg.start..seg.end].iter().map(|w| w.id));
                (
                    lp + lat.keep_lp[seg.start..seg.end].iter().sum::<f32>(),
                    next,
                )
            }
            Some(k) => {
                let c = &lat.cands[seg.start][k];
                let (lp, next) = self.emit_all(st, c.ids.iter().copied());
                (lp + lat.cand_lp(seg.start, k), next)
            }
        }
    }

    fn start_state(&self) -> State {
        (None, Some(self.dicts.lm.bos()))
    }

    /// Total score of a path of segments covering the sentence.
    pub fn path_score(&self, lat: &Lattice, path: &[Segment]) -> f32 {
        let mut st = self.start_state();
        let mut total = 0.0;
        for &seg in path {
            let (s, next) = self.segment_score(lat, seg, st);
            total += s;
            st = next;
        }
        total + self.emit(st, Some(self.dicts.lm.eos())).0
    }

    /// The language-model state before each segment of `path` (no scoring needed: see
    /// `next_state`).
    pub fn states(&self, lat: &Lattice, path: &[Segment]) -> Vec<(Option<WordId>, Option<WordId>)> {
        let mut st = self.start_state();
        let mut out = Vec::with_capacity(path.len() + 1);
        for &seg in path {
            out.push(st);
            st = match seg.cand {
                None => lat.words[seg.start..seg.end]
                    .iter()
                    .fold(st, |st, w| next_state(st, w.id)),
                Some(k) => lat.cands[seg.start][k]
                    .ids
                    .iter()
                    .fold(st, |st, &w| next_state(st, w)),
            };
        }
        out.push(st);
        out
    }

    /// The end of the segments `score_from(.., k, ..)` reads: segment `k` and those after it
    /// until two words past it.
    fn reach(path: &[Segment], k: usize) -> usize {
        let (mut end, mut after) = (k + 1, 0);
        while end < path.len() && after < 2 {
            after += path[end].end - path[end].start;
            end += 1;
        }
        end
    }

    /// Prefetch what `score_from(lat, path, k, state)` reads.
    pub fn prefetch_from(&self, lat: &Lattice, path: &[Segment], k: usize, state: State) {
        let ws = path[k..Self::reach(path, k)].iter();
        self.prefetch(state, ws.flat_map(|&seg| Self::segment_ids(lat, seg)));
    }

    /// Score of `path` from segment `k` on, as far as segment `k`'s reading can matter
    /// (two words past it, or the sentence end), starting from `state` before it. Two paths
    /// that differ only in segment `k` differ by exactly the difference of these scores.
    pub fn score_from(&self, lat: &Lattice, path: &[Segment], k: usize, state: State) -> f32 {
        let after = &path[k + 1..Self::reach(path, k)];
        let (mut total, mut st) = self.segment_score(lat, path[k], state);
        for &seg in after {
            let (s, next) = self.segment_score(lat, seg, st);
            total += s;
            st = next;
        }
        // Short of two words past segment `k`, the sentence end is within reach.
        if after.iter().map(|g| g.end - g.start).sum::<usize>() >= 2 {
            return total;
        }
        total + self.emit(st, Some(self.dicts.lm.eos())).0
    }

    /// The best path through the sentence. Its hypotheses' scores leave out what all paths
    /// share, so only their differences mean anything (`path_score` gives the full score).
    pub fn decode(&self, lat: &Lattice) -> Vec<Segment> {
        let n = lat.words.len();
        let mut arena: Vec<Hyp> = Vec::with_capacity(n * self.tuning.beam * 2);
        let mut beams: Vec<Vec<u32>> = vec![Vec::new(); n + 1];
        let (h2, h1) = self.start_state();
        arena.push(Hyp {
            h2,
            h1,
            score: 0.0,
            back: u32::MAX,
            seg: Segment {
                start: 0,
                end: 0,
                cand: None,
            },
        });
        beams[0].push(0);
        // The furthest position a hypothesis has reached so far.
        let mut reach = 0;
        // Emptied beams, whose room the next beams to fill take over.
        let mut spare: Vec<Vec<u32>> = Vec::new();
        for i in 0..n {
            let mut here = std::mem::take(&mut beams[i]);
            here.sort_by(|&a, &b| arena[b as usize].score.total_cmp(&arena[a as usize].score));
            here.truncate(self.tuning.beam);
            if let Some(&best) = here.first() {
                let floor = arena[best as usize].score - self.tuning.beam_width;
                here.retain(|&h| arena[h as usize].score >= floor);
            }
            // One hypothesis, no candidate here and none pending further on: every path
            // reads this word from the same state, so its score is common to all of them and
            // the argmax does not need it. Most words of a sentence pass this way.
            let shared = here.len() == 1 && lat.cands[i].is_empty() && reach <= i;
            if shared {
                let h = arena[here[0] as usize];
                let (h2, h1) = next_state((h.h2, h.h1), lat.words[i].id);
                arena.push(Hyp {
                    h2,
                    h1,
                    back: here[0],
                    seg: Segment {
                        start: i,
                        end: i + 1,
                        cand: None,
                    },
                    ..h
                });
                here[0] = (arena.len() - 1) as u32;
                beams[i + 1] = here;
                reach = i + 1;
                continue;
            }
            // Every n-gram this position's expansions read, fetched together.
            for &hi in &here {
                let h = arena[hi as usize];
                for seg in Self::expansions(lat, i) {
                    self.prefetch((h.h2, h.h1), Self::segment_ids(lat, seg));
                }
            }
            for &hi in &here {
                let h = arena[hi as usize];
                for seg in Self::expansions(lat, i) {
                    let (s, (h2, h1)) = self.segment_score(lat, seg, (h.h2, h.h1));
                    let score = h.score + s;
                    let target = &mut beams[seg.end];
                    let same = target
                        .iter()
                        .copied()
                        .find(|&j| arena[j as usize].h2 == h2 && arena[j as usize].h1 == h1);
                    let hyp = Hyp {
                        h2,
                        h1,
                        score,
                        back: hi,
                        seg,
                    };
                    match same {
                        Some(j) if arena[j as usize].score < score => arena[j as usize] = hyp,
                        Some(_) => {}
                        None => {
                            arena.push(hyp);
                            if target.capacity() == 0 {
                                *target =
                                    spare.pop().unwrap_or_else(|| Vec::with_capacity(BEAM_ROOM));
                            }
                            target.push((arena.len() - 1) as u32);
                            reach = reach.max(seg.end);
                        }
                    }
                }
            }
            here.clear();
            spare.push(here);
        }
        let eos = Some(self.dicts.lm.eos());
        let final_score = |j: u32| {
            let h = arena[j as usize];
            h.score + self.emit((h.h2, h.h1), eos).0
        };
        let best = beams[n]
            .iter()
            .copied()
            .max_by(|&a, &b| final_score(a).total_cmp(&final_score(b)));
        let mut path = Vec::with_capacity(n);
        let mut cur = best.unwrap_or(0);
        while cur != 0 && cur != u32::MAX {
            let h = arena[cur as usize];
            path.push(h.seg);
            cur = h.back;
        }
        path.reverse();
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::candidates::{candidates_from, sentences, Sources};

    /// The prior of each one-word spin-table candidate of `word` in `text`, decoded with
    /// `tuning` at a spun document's rate.
    fn spin_priors(text: &str, word: &str, tuning: Tuning) -> Vec<(String, f32)> {
        let dicts = Dictionaries::embedded();
        let words = sentences(text, &crate::tokens::tokenize(text), dicts).remove(0);
        let scorer = Scorer::new(dicts, tuning, 0.95);
        let lat = scorer.lattice(&words, candidates_from(&words, dicts, Sources::ALL), false);
        let i = words.iter().position(|w| w.norm == word).unwrap();
        lat.cands[i]
            .iter()
            .enumerate()
            .filter(|(_, c)| matches!(c.source, Source::Spins { .. }) && c.end == i + 1)
            .map(|(k, c)| (c.text.to_string(), lat.cand_lp(i, k)))
            .collect()
    }

    /// The prior of each spin-table candidate of "narrative" in a sentence, at `correction`.
    fn priors(correction: f32) -> Vec<(String, f32)> {
        let tuning = Tuning {
            frequency_correction: correction,
            ..Tuning::default()
        };
        spin_priors(
            "The narrative of the film was praised.",
            "narrative",
            tuning,
        )
    }

    #[test]
    fn a_common_original_gives_back_part_of_its_unigram_gain() {
        let lm = &Dictionaries::embedded().lm;
        let (without, with) = (priors(0.0), priors(0.15));
        let story = without.iter().position(|(t, _)| t == "story");
        let story = story.expect("the spin table restores narrative -> story");
        let uni = |w: &str| lm.unigram_logprob(lm.word_id(w).unwrap());
        let gain = uni("story") - uni("narrative");
        assert!(
            gain > 1.0,
            "story is far more common than narrative: {gain}"
        );
        let expected = 0.15 * Tuning::default().lm_weight * gain;
        let taken = without[story].1 - with[story].1;
        assert!((taken - expected).abs() < 1e-4, "{taken} vs {expected}");
    }

    /// The prior of each spin-table candidate of `word` in `text`, at comma weight `weight`.
    fn comma_priors(text: &str, word: &str, weight: f32) -> Vec<(String, f32)> {
        let tuning = Tuning {
            comma_weight: weight,
            ..Tuning::default()
        };
        spin_priors(text, word, tuning)
    }

    #[test]
    fn commas_choose_among_the_originals_of_a_spinner_word_and_never_favour_a_change() {
        let lp = |text: &str, original: &str, weight: f32| {
            let p = comma_priors(text, "nonetheless", weight);
            p.iter().find(|(t, _)| t == original).map(|x| x.1).unwrap()
        };
        let dicts = Dictionaries::embedded();
        assert!(
            !dicts.commas.knows(dicts.lm.word_id("nonetheless")),
            "the test reads \"nonetheless\" as a spinner's word, too rare in original text for counts"
        );
        let between = "The minister, nonetheless, said no.";
        let plain = "The minister nonetheless said no.";
        let margin = |text: &str, w: f32| lp(text, "however", w) - lp(text, "still", w);
        // Without commas the model leaves both readings as the table and language model have them;
        // with them, "however" gains on "still" between commas and loses where there are none.
        assert!((margin(between, 0.0) - margin(plain, 0.0)).abs() < 1e-4);
        assert!(margin(between, 0.7) > margin(between, 0.0) + 0.3);
        assert!(margin(plain, 0.7) < margin(plain, 0.0) - 0.3);
        // No candidate's prior rises: commas only say which original fits worse.
        for text in [between, plain] {
            for (t, without) in comma_priors(text, "nonetheless", 0.0) {
                assert!(lp(text, &t, 0.7) <= without + 1e-5, "{t} in {text:?}");
            }
        }
    }

    #[test]
    fn an_article_that_misfits_the_next_word_favours_the_originals_it_fits() {
        let prior = |text: &str, misfit: f32| -> f32 {
            let tuning = Tuning {
                article_misfit: misfit,
                ..Tuning::default()
            };
            let priors = spin_priors(text, "extra", tuning);
            let more = priors.iter().find(|(t, _)| t == "more");
            more.expect("the spin table restores extra -> more").1
        };
        // "a extra" was "a more": the misfit article is what keeping "extra" would cost.
        let misfit = "They want a extra day.";
        assert!((prior(misfit, -2.0) - prior(misfit, 0.0) - 2.0).abs() < 1e-4);
        // An article that fits, or none, says nothing.
        for text in ["They want an extra day.", "They want extra days."] {
            assert_eq!(prior(text, -2.0), prior(text, 0.0), "{text}");
        }
    }

    #[test]
    fn spin_rows_below_the_minimum_share_are_only_rows_the_lattice_would_prune() {
        let dicts = Dictionaries::embedded();
        let text = "The firm mentioned that the sales fell to a new low this yr, however.";
        let words = sentences(text, &crate::tokens::tokenize(text), dicts).remove(0);
        let (t, rate) = (Tuning::default(), 0.95);
        let scorer = Scorer::new(dicts, t, rate);
        let all = candidates_from(&words, dicts, Sources::ALL);
        let fewer = Sources {
            spins_min_share: t.spins_min_share(rate),
            ..Sources::ALL
        };
        let fewer = candidates_from(&words, dicts, fewer);
        let count = |c: &[Vec<Candidate>]| c.iter().map(Vec::len).sum::<usize>();
        assert!(
            count(&fewer) < count(&all),
            "rows of \"the\" and \"to\" are skipped"
        );
        let kept = |c| -> Vec<Vec<String>> {
            let lat = scorer.lattice(&words, c, true);
            let texts = |l: &Vec<Candidate>| l.iter().map(|c| c.text.to_string()).collect();
            lat.cands.iter().map(texts).collect()
        };
        assert_eq!(kept(all), kept(fewer));
    }

    #[test]
    fn hypotheses_beyond_the_beam_width_are_ones_that_would_not_win() {
        let dicts = Dictionaries::embedded();
        let text = include_str!("../fixtures/seed-001.spun.txt");
        let paths = |beam_width: f32| -> Vec<Vec<Segment>> {
            let t = Tuning {
                beam_width,
                ..Tuning::default()
            };
            let scorer = Scorer::new(dicts, t, 0.95);
            sentences(text, &crate::tokens::tokenize(text), dicts)
                .iter()
                .map(|w| {
                    scorer.decode(&scorer.lattice(w, candidates_from(w, dicts, Sources::ALL), true))
                })
                .collect()
        };
        let all = paths(f32::INFINITY);
        assert_eq!(paths(Tuning::default().beam_width), all);
        // The width does cut: far narrower, some sentence's best path is lost.
        assert_ne!(paths(0.3), all);
    }
}
