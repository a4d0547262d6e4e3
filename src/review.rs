//! The review of proposed repairs as a state machine, with no terminal and no I/O: the files
//! and their repairs, where the reviewer is, what they decided (accept, reject, an alternative,
//! their own text), undo, and the text each file ends up with. `unspin review` draws it and
//! feeds it keys; tests drive it directly.

use crate::repair::Repair;
use std::ops::Range;

/// What the reviewer decided about one repair.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Take suggestion `k` (0: the first, what `fix` writes).
    Accept(usize),
    /// Keep the spun text; the rejection goes to the ignore file.
    Reject,
    /// Replace the spun text with this.
    Edit(String),
}

/// One file under review.
#[derive(Debug, Clone, PartialEq)]
pub struct FileReview {
    pub name: String,
    pub text: String,
    /// Sorted, non-overlapping, as the repairer returns them.
    pub repairs: Vec<Repair>,
    decisions: Vec<Option<Decision>>,
}

impl FileReview {
    pub fn new(name: impl Into<String>, text: impl Into<String>, repairs: Vec<Repair>) -> Self {
        let decisions = vec![None; repairs.len()];
        FileReview {
            name: name.into(),
            text: text.into(),
            repairs,
            decisions,
        }
    }

    pub fn decision(&self, repair: usize) -> Option<&Decision> {
        self.decisions.get(repair).and_then(Option::as_ref)
    }

    /// What repair `i` writes under `decision` (`None` when the text stays as it is).
    fn written<'a>(&'a self, i: usize, decision: Option<&'a Decision>) -> Option<&'a str> {
        let r = &self.repairs[i];
        match decision? {
            Decision::Accept(k) => r.suggestions.get(*k).map(|s| s.text.as_str()),
            Decision::Reject => None,
            Decision::Edit(s) => Some(s.as_str()),
        }
    }

    /// The file's text with the decisions applied: accepted repairs (or the picked alternative
    /// or the edited text) written, rejected and undecided ones left as they were.
    pub fn outcome(&self) -> Outcome {
        let mut text = String::with_capacity(self.text.len());
        let mut rejected = Vec::new();
        let mut pos = 0;
        for (i, r) in self.repairs.iter().enumerate() {
            if r.start < pos {
                continue;
            }
            text.push_str(&self.text[pos..r.start]);
            match self.written(i, self.decision(i)) {
                Some(s) => text.push_str(s),
                None => {
                    let at = text.len();
                    text.push_str(&self.text[r.start..r.end]);
                    if self.decision(i) == Some(&Decision::Reject) {
                        rejected.push(at..text.len());
                    }
                }
            }
            pos = r.end;
        }
        text.push_str(&self.text[pos..]);
        Outcome { text, rejected }
    }
}

/// A file's text after review, and where its rejected phrases sit in that text (so the ignore
/// file hashes the context they will have on disk).
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub text: String,
    pub rejected: Vec<Range<usize>>,
}

/// Where the reviewer is: file index, repair index in that file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub file: usize,
    pub repair: usize,
}

/// One undoable step: the decisions it overwrote, and where the reviewer was.
#[derive(Debug, Clone, PartialEq)]
struct Step {
    before: Vec<(Position, Option<Decision>)>,
    at: Option<Position>,
}

/// How many repairs are decided which way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub accepted: usize,
    pub rejected: usize,
    pub edited: usize,
    pub undecided: usize,
}

/// The whole review: files, position, decisions, undo history.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    files: Vec<FileReview>,
    at: Option<Position>,
    undo: Vec<Step>,
    saved: Vec<Vec<Option<Decision>>>,
}

impl Review {
    /// A review of `files`, starting at the first repair. Files without repairs are kept (so
    /// indices match the caller's) but never visited.
    pub fn new(files: Vec<FileReview>) -> Review {
        let saved = files.iter().map(|f| f.decisions.clone()).collect();
        let mut review = Review {
            files,
            at: None,
            undo: Vec::new(),
            saved,
        };
        let first = review.positions().next();
        review.at = first;
        review
    }

    pub fn files(&self) -> &[FileReview] {
        &self.files
    }

    /// Every repair's position, in reading order (file by file).
    fn positions(&self) -> impl DoubleEndedIterator<Item = Position> + '_ {
        self.files
            .iter()
            .enumerate()
            .flat_map(|(file, f)| (0..f.repairs.len()).map(move |repair| Position { file, repair }))
    }

    /// The repair the reviewer is on (`None`: there are no repairs at all).
    pub fn current(&self) -> Option<Position> {
        self.at
    }

    pub fn repair(&self, p: Position) -> &Repair {
        &self.files[p.file].repairs[p.repair]
    }

    pub fn decision(&self, p: Position) -> Option<&Decision> {
        self.files[p.file].decision(p.repair)
    }

    /// What the repair at `p` writes as decided so far (`None`: the spun text stays, because
    /// it is rejected or undecided).
    pub fn written(&self, p: Position) -> Option<&str> {
        let f = &self.files[p.file];
        f.written(p.repair, f.decision(p.repair))
    }

    /// 1-based index of the current repair among all, and the total.
    pub fn progress(&self) -> (usize, usize) {
        let total = self.positions().count();
        let n = self
            .at
            .map_or(0, |a| self.positions().take_while(|&p| p != a).count() + 1);
        (n, total)
    }

    /// 1-based index of the current file among the files with repairs, and their count.
    pub fn file_progress(&self) -> (usize, usize) {
        let with: Vec<usize> = (0..self.files.len())
            .filter(|&i| !self.files[i].repairs.is_empty())
            .collect();
        let n = self
            .at
            .and_then(|a| with.iter().position(|&i| i == a.file))
            .map_or(0, |i| i + 1);
        (n, with.len())
    }

    pub fn tally(&self) -> Tally {
        let mut t = Tally::default();
        for f in &self.files {
            for d in &f.decisions {
                match d {
                    None => t.undecided += 1,
                    Some(Decision::Accept(_)) => t.accepted += 1,
                    Some(Decision::Reject) => t.rejected += 1,
                    Some(Decision::Edit(_)) => t.edited += 1,
                }
            }
        }
        t
    }

    /// Whether every repair has a decision.
    pub fn finished(&self) -> bool {
        self.files
            .iter()
            .all(|f| f.decisions.iter().all(Option::is_some))
    }

    /// Whether there are decisions not saved yet (since [`Review::new`] or [`Review::mark_saved`]).
    pub fn unsaved(&self) -> bool {
        self.files
            .iter()
            .zip(&self.saved)
            .any(|(f, s)| &f.decisions != s)
    }

    pub fn mark_saved(&mut self) {
        self.saved = self.files.iter().map(|f| f.decisions.clone()).collect();
    }

    fn set(&mut self, p: Position, d: Option<Decision>) -> Option<Decision> {
        std::mem::replace(&mut self.files[p.file].decisions[p.repair], d)
    }

    /// Decide the current repair and move on to the next undecided one. `Accept(k)` with no
    /// suggestion `k` is refused (returns false), as is deciding when there is no repair.
    pub fn decide(&mut self, d: Decision) -> bool {
        let Some(p) = self.at else { return false };
        if let Decision::Accept(k) = d {
            if k >= self.repair(p).suggestions.len() {
                return false;
            }
        }
        let before = self.set(p, Some(d));
        self.undo.push(Step {
            before: vec![(p, before)],
            at: Some(p),
        });
        self.at = Some(self.next_undecided(p).unwrap_or(p));
        true
    }

    /// Accept (first suggestion) every undecided repair whose confidence is at least
    /// `threshold`, in all files, as one undoable step. Returns how many.
    pub fn accept_all_above(&mut self, threshold: f32) -> usize {
        let chosen: Vec<Position> = self
            .positions()
            .filter(|&p| self.decision(p).is_none() && self.repair(p).confidence() >= threshold)
            .collect();
        if chosen.is_empty() {
            return 0;
        }
        let before = chosen
            .iter()
            .map(|&p| (p, self.set(p, Some(Decision::Accept(0)))))
            .collect();
        self.undo.push(Step {
            before,
            at: self.at,
        });
        if let Some(p) = self.at {
            if self.decision(p).is_some() {
                self.at = Some(self.next_undecided(p).unwrap_or(p));
            }
        }
        chosen.len()
    }

    /// Take back the last decision (or accept-all), and go back to where it was made. Returns
    /// false when there is nothing to undo.
    pub fn undo(&mut self) -> bool {
        let Some(step) = self.undo.pop() else {
            return false;
        };
        for (p, d) in step.before {
            self.set(p, d);
        }
        self.at = step.at;
        true
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// Move to the next repair (decided or not); false at the last one.
    pub fn next_repair(&mut self) -> bool {
        let Some(a) = self.at else { return false };
        let next = self.positions().find(|&p| p > a);
        match next {
            Some(p) => {
                self.at = Some(p);
                true
            }
            None => false,
        }
    }

    /// Move to the previous repair; false at the first one.
    pub fn previous_repair(&mut self) -> bool {
        let Some(a) = self.at else { return false };
        let previous = self.positions().rev().find(|&p| p < a);
        match previous {
            Some(p) => {
                self.at = Some(p);
                true
            }
            None => false,
        }
    }

    /// The first undecided repair after `p`, else the first undecided one from the start.
    fn next_undecided(&self, p: Position) -> Option<Position> {
        let undecided = |q: &Position| self.decision(*q).is_none();
        self.positions()
            .filter(|q| *q > p)
            .find(undecided)
            .or_else(|| self.positions().find(undecided))
    }

    /// Each file's text with the decisions applied.
    pub fn outcome(&self, file: usize) -> Outcome {
        self.files[file].outcome()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repair::Suggestion;

    fn rep(text: &str, spun: &str, to: &[(&str, f32)]) -> Repair {
        let start = text.find(spun).expect("phrase in text");
        Repair {
            start,
            end: start + spun.len(),
            spun: spun.into(),
            suggestions: to
                .iter()
                .map(|&(t, c)| Suggestion {
                    text: t.into(),
                    confidence: c,
                })
                .collect(),
            source: "spins",
        }
    }

    const A: &str = "Fact Social put up on Friday mentioned the talks.\n";
    const B: &str = "It can lastly come to an finish.\n";
    const C: &str = "Nothing to see.\n";

    fn review() -> Review {
        let a = FileReview::new(
            "a.txt",
            A,
            vec![
                rep(A, "Fact Social", &[("Truth Social", 0.97)]),
                rep(A, "put up", &[("post", 0.6), ("posted", 0.3)]),
                rep(A, "mentioned", &[("said", 0.99), ("told", 0.01)]),
            ],
        );
        let b = FileReview::new(
            "b.txt",
            B,
            vec![
                rep(B, "lastly", &[("finally", 0.95)]),
                rep(B, "an finish", &[("an end", 0.4)]),
            ],
        );
        Review::new(vec![a, FileReview::new("c.txt", C, vec![]), b])
    }

    fn pos(file: usize, repair: usize) -> Option<Position> {
        Some(Position { file, repair })
    }

    #[test]
    fn decisions_move_on_and_shape_the_text() {
        let mut r = review();
        assert_eq!(r.current(), pos(0, 0));
        assert_eq!(r.progress(), (1, 5));
        assert_eq!(r.file_progress(), (1, 2));
        assert!(!r.unsaved());
        assert!(r.decide(Decision::Accept(0)));
        assert_eq!(r.current(), pos(0, 1));
        assert!(r.decide(Decision::Reject));
        assert!(!r.decide(Decision::Accept(5)), "no such alternative");
        assert!(r.decide(Decision::Accept(1)));
        assert_eq!(r.current(), pos(2, 0), "skips the file without repairs");
        assert_eq!(r.progress(), (4, 5));
        assert_eq!(r.file_progress(), (2, 2));
        assert!(r.decide(Decision::Edit("finally".into())));
        assert_eq!(r.current(), pos(2, 1));
        assert!(r.unsaved());
        assert!(!r.finished());
        let out = r.outcome(0);
        assert_eq!(out.text, "Truth Social put up on Friday told the talks.\n");
        assert_eq!(&out.text[out.rejected[0].clone()], "put up");
        assert_eq!(r.outcome(2).text, "It can finally come to an finish.\n");
        assert_eq!(r.outcome(1).text, C);
        assert_eq!(
            r.tally(),
            Tally {
                accepted: 2,
                rejected: 1,
                edited: 1,
                undecided: 1
            }
        );
        r.mark_saved();
        assert!(!r.unsaved());
    }

    #[test]
    fn undo_restores_decision_and_position() {
        let mut r = review();
        assert!(!r.undo());
        r.decide(Decision::Accept(0));
        r.decide(Decision::Reject);
        assert_eq!(r.current(), pos(0, 2));
        assert!(r.undo());
        assert_eq!(r.current(), pos(0, 1));
        assert_eq!(r.decision(Position { file: 0, repair: 1 }), None);
        assert!(r.undo());
        assert_eq!(r.current(), pos(0, 0));
        assert!(!r.unsaved(), "back to the saved state");
        assert!(!r.can_undo());
    }

    #[test]
    fn accept_all_above_is_one_step() {
        let mut r = review();
        r.decide(Decision::Reject); // Fact Social, 0.97: stays rejected
        assert_eq!(r.accept_all_above(0.9), 2); // mentioned 0.99, lastly 0.95
        let p = |f, i| Position { file: f, repair: i };
        assert_eq!(r.decision(p(0, 0)), Some(&Decision::Reject));
        assert_eq!(r.decision(p(0, 2)), Some(&Decision::Accept(0)));
        assert_eq!(r.decision(p(2, 0)), Some(&Decision::Accept(0)));
        assert_eq!(r.decision(p(0, 1)), None);
        assert_eq!(r.current(), pos(0, 1), "still on the undecided one");
        assert_eq!(r.accept_all_above(0.9), 0);
        assert!(r.undo());
        assert_eq!(r.decision(p(0, 2)), None);
        assert_eq!(r.decision(p(2, 0)), None);
        assert_eq!(r.decision(p(0, 0)), Some(&Decision::Reject));
        assert_eq!(r.accept_all_above(0.0), 4);
        assert!(r.finished());
    }

    #[test]
    fn navigation_and_wrapping_to_undecided() {
        let mut r = review();
        assert!(!r.previous_repair());
        assert!(r.next_repair());
        assert!(r.next_repair());
        assert!(r.next_repair());
        assert_eq!(r.current(), pos(2, 0));
        assert!(r.next_repair());
        assert!(!r.next_repair());
        assert!(r.previous_repair());
        assert_eq!(r.current(), pos(2, 0));
        // Deciding the last repairs wraps to the first undecided one.
        r.next_repair();
        r.decide(Decision::Accept(0));
        assert_eq!(r.current(), pos(0, 0));
        // When everything is decided the position stays put.
        let mut r = review();
        for _ in 0..5 {
            r.decide(Decision::Accept(0));
        }
        assert!(r.finished());
        assert_eq!(r.current(), pos(2, 1));
    }

    #[test]
    fn an_empty_review() {
        let mut r = Review::new(vec![FileReview::new("c.txt", C, vec![])]);
        assert_eq!(r.current(), None);
        assert_eq!(r.progress(), (0, 0));
        assert!(!r.decide(Decision::Reject));
        assert!(!r.next_repair());
        assert!(r.finished());
        assert_eq!(r.outcome(0).text, C);
    }
}
