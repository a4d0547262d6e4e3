//! Decoding: choose, for one sentence, which words to keep and which candidates to restore,
//! by a beam search over the lattice of candidates scored with the trigram language model
//! plus a channel prior P(observed | original) scaled by the document's spin rate. Later
//! words score every choice, so the decision sees context on both sides.

use crate::candidates::{Candidate, ExpressionVia, SentWord, Source};
use crate::dictionaries::Dictionaries;
use crate::lm::WordId;

/// The knobs of the decoder. The defaults were tuned on the corpus pairs with each pair's
/// own spin-table rows left out (see the quality benchmark).
#[derive(Debug, Clone, Copy)]
pub struct Tuning {
    /// Hypotheses kept per position.
    pub beam: usize,
    /// log10 probability charged for a word the language model does not know.
    pub oov_logprob: f32,
    /// Chance, in a fully spun document, that a word with thesaurus candidates was spun into
    /// it by a substitution the spin table does not know (shared by its candidates).
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
}

impl Default for Tuning {
    fn default() -> Tuning {
        Tuning {
            beam: 12,
            oov_logprob: -5.0,
            thesaurus_mass: 0.03,
            expression_mass: 0.02,
            name_mass: 0.8,
            expression_spins_mass: 0.1,
            lm_weight: 0.7,
            length_penalty: 2.0,
        }
    }
}

/// One step of a path: words `start..end` either kept (`cand: None`) or replaced.
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
        Source::Spins { share, .. } => rate * share,
        Source::Expression { choices, via } => {
            let mass = match via {
                ExpressionVia::Collocation => t.expression_mass,
                ExpressionVia::Name => t.name_mass,
                ExpressionVia::SpinTable => t.expression_spins_mass,
            };
            rate * mass / choices as f32
        }
        Source::Thesaurus { share } => {
            let delta = (c.end - c.start).abs_diff(c.ids.len()) as i32;
            rate * t.thesaurus_mass * share * 10f32.powi(-delta).powf(t.length_penalty)
        }
    }
}

/// log10 of the probability of keeping a word that has candidates.
fn keep_logprior(cands: &[Candidate], rate: f32, t: &Tuning) -> f32 {
    if cands.is_empty() {
        return 0.0;
    }
    let mass: f32 = cands.iter().map(|c| candidate_prior(c, rate, t)).sum();
    (1.0 - mass.min(0.95)).log10()
}

#[derive(Clone, Copy)]
struct Hyp {
    h2: Option<WordId>,
    h1: Option<WordId>,
    score: f32,
    back: u32,
    seg: Segment,
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

    fn emit(
        &self,
        h2: Option<WordId>,
        h1: Option<WordId>,
        w: Option<WordId>,
    ) -> (f32, Option<WordId>, Option<WordId>) {
        match w {
            Some(w) => {
                // "a" and "an" read as "a" (so a/an agreement never decides a repair); the word
                // after one is scored after the article it would take.
                let lm = self.dicts.lm;
                let h1_scored = match (h1, self.articles) {
                    (Some(a), Some((a_id, an_id)))
                        if a == a_id && crate::tokens::wants_an(lm.word(w)) =>
                    {
                        Some(an_id)
                    }
                    _ => h1,
                };
                (
                    self.tuning.lm_weight * lm.logprob(h2.filter(|_| h1.is_some()), h1_scored, w),
                    h1,
                    Some(w),
                )
            }
            None => (self.tuning.lm_weight * self.tuning.oov_logprob, None, None),
        }
    }

    fn emit_all(
        &self,
        mut h2: Option<WordId>,
        mut h1: Option<WordId>,
        ws: impl Iterator<Item = Option<WordId>>,
    ) -> (f32, Option<WordId>, Option<WordId>) {
        let mut total = 0.0;
        for w in ws {
            let (lp, a, b) = self.emit(h2, h1, w);
            total += lp;
            h2 = a;
            h1 = b;
        }
        (total, h2, h1)
    }

    fn segment_score(
        &self,
        words: &[SentWord],
        cands: &[Vec<Candidate>],
        seg: Segment,
        h2: Option<WordId>,
        h1: Option<WordId>,
    ) -> (f32, Option<WordId>, Option<WordId>) {
        match seg.cand {
            None => {
                let (lp, a, b) =
                    self.emit_all(h2, h1, words[seg.start..seg.end].iter().map(|w| w.id));
                (
                    lp + keep_logprior(&cands[seg.start], self.rate, &self.tuning),
                    a,
                    b,
                )
            }
            Some(k) => {
                let c = &cands[seg.start][k];
                let (lp, a, b) = self.emit_all(h2, h1, c.ids.iter().copied());
                (
                    lp + candidate_prior(c, self.rate, &self.tuning)
                        .max(1e-9)
                        .log10(),
                    a,
                    b,
                )
            }
        }
    }

    /// Total score of a path of segments covering the sentence.
    pub fn path_score(
        &self,
        words: &[SentWord],
        cands: &[Vec<Candidate>],
        path: &[Segment],
    ) -> f32 {
        let (mut h2, mut h1) = (None, Some(self.dicts.lm.bos()));
        let mut total = 0.0;
        for &seg in path {
            let (s, a, b) = self.segment_score(words, cands, seg, h2, h1);
            total += s;
            h2 = a;
            h1 = b;
        }
        total + self.emit(h2, h1, Some(self.dicts.lm.eos())).0
    }

    /// The best path through the sentence.
    pub fn decode(&self, words: &[SentWord], cands: &[Vec<Candidate>]) -> Vec<Segment> {
        let n = words.len();
        let mut arena: Vec<Hyp> = Vec::with_capacity(n * self.tuning.beam * 2);
        let mut beams: Vec<Vec<u32>> = vec![Vec::new(); n + 1];
        arena.push(Hyp {
            h2: None,
            h1: Some(self.dicts.lm.bos()),
            score: 0.0,
            back: u32::MAX,
            seg: Segment {
                start: 0,
                end: 0,
                cand: None,
            },
        });
        beams[0].push(0);
        for i in 0..n {
            let mut here = std::mem::take(&mut beams[i]);
            here.sort_by(|&a, &b| arena[b as usize].score.total_cmp(&arena[a as usize].score));
            here.truncate(self.tuning.beam);
            for &hi in &here {
                let h = arena[hi as usize];
                let mut steps = vec![Segment {
                    start: i,
                    end: i + 1,
                    cand: None,
                }];
                steps.extend((0..cands[i].len()).map(|k| Segment {
                    start: i,
                    end: cands[i][k].end,
                    cand: Some(k),
                }));
                for seg in steps {
                    let (s, h2, h1) = self.segment_score(words, cands, seg, h.h2, h.h1);
                    let score = h.score + s;
                    let target = &mut beams[seg.end];
                    if let Some(&j) = target
                        .iter()
                        .find(|&&j| arena[j as usize].h2 == h2 && arena[j as usize].h1 == h1)
                    {
                        if arena[j as usize].score < score {
                            arena[j as usize] = Hyp {
                                h2,
                                h1,
                                score,
                                back: hi,
                                seg,
                            };
                        }
                    } else {
                        arena.push(Hyp {
                            h2,
                            h1,
                            score,
                            back: hi,
                            seg,
                        });
                        target.push((arena.len() - 1) as u32);
                    }
                }
            }
            beams[i] = here;
        }
        let eos = Some(self.dicts.lm.eos());
        let best = beams[n].iter().copied().max_by(|&a, &b| {
            let fa = arena[a as usize].score
                + self.emit(arena[a as usize].h2, arena[a as usize].h1, eos).0;
            let fb = arena[b as usize].score
                + self.emit(arena[b as usize].h2, arena[b as usize].h1, eos).0;
            fa.total_cmp(&fb)
        });
        let mut path = Vec::new();
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
