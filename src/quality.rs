//! Quality measurement: how many spinner edits a repairer restores (recall), how many of its
//! repairs are right (precision), word error reduction, and how much it changes clean text.
//! Used by the quality benchmark (`benches/quality.rs`) and by the tests.

use crate::align::{words, MAX_EDIT_WORDS};
use crate::repair::{apply, Report};
use similar::{capture_diff_slices, Algorithm, DiffOp};

/// Figures for one spun/original pair.
#[derive(Debug, Default, Clone, Copy)]
pub struct PairScore {
    /// Spinner edits (short replacements between anchors).
    pub edits: usize,
    /// ... of which the repaired text restores exactly.
    pub restored: usize,
    /// Repairs that could be judged (they lie where the original has the same sentence).
    pub repairs: usize,
    /// ... of which the repaired text agrees with the original.
    pub correct: usize,
    /// Word edit distance to the original, before and after repair.
    pub distance_before: usize,
    pub distance_after: usize,
    pub words: usize,
    /// Words the spinner added without replacing any ("gross" in "gross sales" for "sales"),
    /// one or two at a time, and how many of these runs a right repair removed. Not part of
    /// `edits`: recall counts what the original lost.
    pub added: usize,
    pub removed: usize,
    /// Judged repairs and right ones by confidence, in tenths (`[k]` holds k/10 up to (k+1)/10).
    pub by_confidence: [(usize, usize); 10],
}

impl std::ops::AddAssign for PairScore {
    fn add_assign(&mut self, o: PairScore) {
        self.edits += o.edits;
        self.restored += o.restored;
        self.repairs += o.repairs;
        self.correct += o.correct;
        self.distance_before += o.distance_before;
        self.distance_after += o.distance_after;
        self.words += o.words;
        self.added += o.added;
        self.removed += o.removed;
        for (a, b) in self.by_confidence.iter_mut().zip(o.by_confidence) {
            a.0 += b.0;
            a.1 += b.1;
        }
    }
}

impl PairScore {
    pub fn recall(&self) -> f64 {
        self.restored as f64 / self.edits.max(1) as f64
    }
    pub fn precision(&self) -> f64 {
        self.correct as f64 / self.repairs.max(1) as f64
    }
    pub fn removal(&self) -> f64 {
        self.removed as f64 / self.added.max(1) as f64
    }
    pub fn error_reduction(&self) -> f64 {
        1.0 - self.distance_after as f64 / self.distance_before.max(1) as f64
    }
    /// Judged repairs and precision of those with confidence in `[from, to)` tenths.
    pub fn precision_between(&self, from: usize, to: usize) -> (usize, f64) {
        let (n, ok) = self.by_confidence[from..to]
            .iter()
            .fold((0, 0), |acc, b| (acc.0 + b.0, acc.1 + b.1));
        (n, ok as f64 / n.max(1) as f64)
    }
}

/// Per word of `a`: None when it has no counterpart in `b` (inside a long difference), or
/// `Some(equal)` with whether it is aligned to an identical word.
fn word_status(a: &[&str], b: &[&str]) -> Vec<Option<bool>> {
    status_of(&capture_diff_slices(Algorithm::Myers, a, b), a.len())
}

/// [`word_status`] from the word diff `ops` of a text of `len` words against another.
fn status_of(ops: &[DiffOp], len: usize) -> Vec<Option<bool>> {
    let mut st = vec![None; len];
    for &op in ops {
        match op {
            DiffOp::Equal { old_index, len, .. } => st[old_index..old_index + len].fill(Some(true)),
            DiffOp::Delete {
                old_index, old_len, ..
            } if old_len <= MAX_EDIT_WORDS => st[old_index..old_index + old_len].fill(Some(false)),
            DiffOp::Replace {
                old_index,
                old_len,
                new_len,
                ..
            } if old_len <= MAX_EDIT_WORDS && new_len <= MAX_EDIT_WORDS => {
                st[old_index..old_index + old_len].fill(Some(false))
            }
            _ => {}
        }
    }
    st
}

fn norms(ws: &[crate::align::Word]) -> Vec<&str> {
    ws.iter().map(|w| w.norm.as_str()).collect()
}

fn levenshtein(a: &[&str], b: &[&str]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// What went wrong in one pair, for people tuning the repairer.
#[derive(Debug, Default, Clone)]
pub struct PairNotes {
    /// Spinner edits not restored: "spun => original".
    pub missed: Vec<String>,
    /// Repairs that disagree with the original: "spun -> repair [source]".
    pub wrong: Vec<String>,
    /// Repairs that agree with the original: "spun -> repair [source]".
    pub right: Vec<String>,
}

/// Score a repair report of `spun` against the original text.
pub fn score_pair(spun: &str, original: &str, report: &Report) -> PairScore {
    score_pair_with_notes(spun, original, report).0
}

/// [`score_pair`], with the missed edits and wrong repairs spelled out.
pub fn score_pair_with_notes(
    spun: &str,
    original: &str,
    report: &Report,
) -> (PairScore, PairNotes) {
    let mut notes = PairNotes::default();
    let fixed = apply(spun, &report.repairs);
    let (sw, ow, fw) = (words(spun), words(original), words(&fixed));
    let (s, o, f) = (norms(&sw), norms(&ow), norms(&fw));
    // Gold edits: short replacements, seen from the original's side.
    let orig_vs_spun = word_status(&o, &s);
    let edits = crate::align::align(&sw, &ow);
    let orig_vs_fixed = word_status(&o, &f);
    let mut score = PairScore {
        words: sw.len(),
        distance_before: levenshtein(&s, &o),
        distance_after: levenshtein(&f, &o),
        ..PairScore::default()
    };
    let mut i = 0;
    while i < o.len() {
        if orig_vs_spun[i] == Some(false) {
            let mut j = i;
            while j < o.len() && orig_vs_spun[j] == Some(false) {
                j += 1;
            }
            score.edits += 1;
            if orig_vs_fixed[i..j].iter().all(|x| *x == Some(true)) {
                score.restored += 1;
            } else {
                let spun_side = edits
                    .iter()
                    .find(|e| e.orig.start <= i && i < e.orig.end.max(e.orig.start + 1))
                    .map_or(String::new(), |e| s[e.spun.clone()].join(" "));
                notes
                    .missed
                    .push(format!("{spun_side} => {}", o[i..j].join(" ")));
            }
            i = j;
        } else {
            i += 1;
        }
    }
    // Repairs: where each landed in the fixed text, and whether those words agree.
    let fixed_vs_orig = word_status(&f, &o);
    let spun_ops = capture_diff_slices(Algorithm::Myers, &s, &o);
    let spun_vs_orig = status_of(&spun_ops, s.len());
    let mut repaired_right = vec![false; sw.len()];
    let mut shift: isize = 0;
    for r in &report.repairs {
        let (fs, fe) = (
            (r.start as isize + shift) as usize,
            (r.start as isize + shift) as usize + r.replacement().len(),
        );
        shift += r.replacement().len() as isize - (r.end - r.start) as isize;
        let judgeable = sw
            .iter()
            .zip(&spun_vs_orig)
            .filter(|(w, _)| w.start >= r.start && w.end <= r.end)
            .all(|(_, st)| st.is_some());
        if !judgeable {
            continue;
        }
        score.repairs += 1;
        let band = ((r.confidence() * 10.0) as usize).min(9);
        score.by_confidence[band].0 += 1;
        let ok = fw
            .iter()
            .zip(&fixed_vs_orig)
            .filter(|(w, _)| w.start >= fs && w.end <= fe)
            .all(|(_, st)| *st == Some(true));
        if ok {
            for (k, w) in sw.iter().enumerate() {
                repaired_right[k] |= w.start >= r.start && w.end <= r.end;
            }
            score.correct += 1;
            score.by_confidence[band].1 += 1;
            notes.right.push(format!(
                "{} -> {} [{}] {:.2}",
                r.spun,
                r.replacement(),
                r.source,
                r.confidence()
            ));
        } else {
            // What the original has there: the aligned edit's words, or "=" (kept).
            let span: Vec<usize> = (0..sw.len())
                .filter(|&k| sw[k].start >= r.start && sw[k].end <= r.end)
                .collect();
            let gold = edits
                .iter()
                .find(|e| span.iter().any(|k| e.spun.contains(k)))
                .map_or("=".to_string(), |e| o[e.orig.clone()].join(" "));
            notes.wrong.push(format!(
                "{} -> {} [{}] {:.2} (original: {gold})",
                r.spun,
                r.replacement(),
                r.source,
                r.confidence()
            ));
        }
    }
    for &op in &spun_ops {
        if let DiffOp::Delete {
            old_index, old_len, ..
        } = op
        {
            if old_len <= 2 && old_index > 0 && old_index + old_len < s.len() {
                score.added += 1;
                if repaired_right[old_index..old_index + old_len]
                    .iter()
                    .all(|&x| x)
                {
                    score.removed += 1;
                }
            }
        }
    }
    (score, notes)
}

/// Words changed by the repairs of a clean text (each repaired span's words count).
pub fn changed_words(text: &str, report: &Report) -> usize {
    report
        .repairs
        .iter()
        .map(|r| words(&text[r.start..r.end]).len().max(1))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repair::{Repair, Suggestion};

    fn rep(text: &str, spun: &str, with: &str) -> Repair {
        let start = text.find(spun).unwrap();
        Repair {
            start,
            end: start + spun.len(),
            spun: spun.into(),
            suggestions: vec![Suggestion {
                text: with.into(),
                confidence: 1.0,
            }],
            source: "spins",
        }
    }

    #[test]
    fn counts_added_words_a_right_repair_removed() {
        let spun = "Its gross sales fell and its very own shares rose.";
        let orig = "Its sales fell and its own shares rose.";
        let report = |repairs| Report {
            words: 10,
            spin_score: 1.0,
            evidence: Default::default(),
            repairs,
        };
        let none = score_pair(spun, orig, &report(vec![]));
        assert_eq!((none.added, none.removed, none.edits), (2, 0, 0));
        let one = score_pair(spun, orig, &report(vec![rep(spun, "gross sales", "sales")]));
        assert_eq!((one.added, one.removed, one.correct), (2, 1, 1));
    }

    #[test]
    fn counts_restored_edits_and_wrong_repairs() {
        let spun = "He mentioned the firm grew quickly in the final yr.";
        let orig = "He said the company grew quickly in the last year.";
        let report = Report {
            words: 10,
            spin_score: 1.0,
            evidence: Default::default(),
            repairs: vec![
                rep(spun, "mentioned", "said"),
                rep(spun, "firm", "business"),
                rep(spun, "quickly", "fast"),
                rep(spun, "final", "last"),
            ],
        };
        let s = score_pair(spun, orig, &report);
        // "final yr" -> "last year" is one edit, restored only in half.
        assert_eq!(s.edits, 3);
        assert_eq!(s.restored, 1);
        assert_eq!(s.repairs, 4);
        assert_eq!(s.correct, 2);
        assert_eq!(s.distance_before, 4);
        assert_eq!(s.distance_after, 3);
    }
}
