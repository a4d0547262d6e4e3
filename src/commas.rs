//! Commas: how often a word of original text has a comma before and after it. The language
//! model reads no punctuation, but a spinner keeps it, so the commas around a spun word tell
//! which original stood there: "nonetheless," was "however," (83 of 85 "however" in the
//! pairs' originals take a comma after, 30 one before), "nonetheless" without one was "still"
//! (8 of 167 after, 4 before).

use crate::dictionaries::TsvError;
use crate::lm::{LanguageModel, WordId};

/// Pseudo-sightings at the overall rates added to every word's counts, so that a word seen a
/// few times stays near them. 20 pulled "adding" (a comma before it 14 times in 25) below
/// "including"; on the web pairs 10 and 5 did equally well, 20 slightly worse (README).
const PRIOR_SIGHTINGS: f32 = 5.0;

/// log10 P(commas around | word) by language-model id, for the four cases (comma before?,
/// comma after?) indexed `2 * before + after`.
#[derive(Debug, Clone)]
pub struct Commas {
    /// None for a word seen too seldom in original text to have counts.
    by_id: Vec<Option<[f32; 4]>>,
    base: [f32; 4],
}

impl Commas {
    /// Read `dictionaries/commas.tsv` (word, times seen, with a comma before, after, both; see
    /// `scripts/count_commas.py`) for the words `lm` knows.
    pub fn parse(tsv: &str, source_name: &str, lm: &LanguageModel) -> Result<Commas, TsvError> {
        let mut rows = Vec::new();
        let mut total = [0f32; 4];
        for (i, line) in tsv.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            let cells = (f.len() == 5)
                .then(|| {
                    let n: Vec<u32> = f[1..]
                        .iter()
                        .map(|v| v.parse().ok())
                        .collect::<Option<_>>()?;
                    let (seen, before, after, both) = (n[0], n[1], n[2], n[3]);
                    let neither = (seen + both).checked_sub(before + after)?;
                    (both <= before.min(after) && before.max(after) <= seen).then_some([
                        neither as f32,
                        (after - both) as f32,
                        (before - both) as f32,
                        both as f32,
                    ])
                })
                .flatten();
            let Some(cells) = cells else {
                return Err(TsvError {
                    source_name: source_name.to_string(),
                    line: i + 1,
                    message: "expected `word<TAB>seen<TAB>comma_before<TAB>comma_after<TAB>both` (counts that fit together)".into(),
                });
            };
            for (t, c) in total.iter_mut().zip(cells) {
                *t += c;
            }
            rows.push((f[0], cells));
        }
        let seen: f32 = total.iter().sum();
        // With no counts at all every case is as likely as in plain text, where about one
        // word in twenty has a comma after it.
        let rate = |k: usize| match seen > 0.0 {
            true => total[k].max(0.5) / seen,
            false => [0.91, 0.045, 0.045, 0.001][k],
        };
        let base_p = [rate(0), rate(1), rate(2), rate(3)];
        let base = base_p.map(f32::log10);
        let mut by_id = vec![None; lm.vocab_size()];
        for (word, cells) in rows {
            if let Some(id) = lm.word_id(word) {
                let n: f32 = cells.iter().sum();
                by_id[id as usize] = Some(std::array::from_fn(|k| {
                    ((cells[k] + PRIOR_SIGHTINGS * base_p[k]) / (n + PRIOR_SIGHTINGS)).log10()
                }));
            }
        }
        Ok(Commas { by_id, base })
    }

    /// log10 P(the commas around `w` are as `before` and `after` say | w); a word the
    /// language model does not know gets the overall rates.
    #[inline]
    pub fn logprob(&self, w: Option<WordId>, before: bool, after: bool) -> f32 {
        let p = self.counted(w).unwrap_or(self.base);
        p[2 * usize::from(before) + usize::from(after)]
    }

    /// Whether `w` was seen often enough in original text to have counts of its own.
    #[inline]
    pub fn knows(&self, w: Option<WordId>) -> bool {
        self.counted(w).is_some()
    }

    /// `w`'s own log probabilities, if it has counts.
    #[inline]
    fn counted(&self, w: Option<WordId>) -> Option<[f32; 4]> {
        w.and_then(|w| self.by_id.get(w as usize).copied().flatten())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_become_smoothed_probabilities_and_bad_rows_are_refused() {
        let lm = LanguageModel::embedded();
        let tsv =
            "# word\tseen\tbefore\tafter\tboth\nhowever\t80\t30\t78\t29\nthe\t1000\t40\t0\t0\n";
        let c = Commas::parse(tsv, "test", lm).unwrap();
        let however = lm.word_id("however");
        let p = |b, a| 10f32.powf(c.logprob(however, b, a));
        let total = p(false, false) + p(false, true) + p(true, false) + p(true, true);
        assert!((total - 1.0).abs() < 1e-4, "{total}");
        assert!(p(true, true) > 0.2 && p(false, true) > p(false, false));
        // An unknown word gets the overall rates, which sum to one too.
        let q = |b, a| 10f32.powf(c.logprob(None, b, a));
        assert!(
            (q(false, false) + q(false, true) + q(true, false) + q(true, true) - 1.0).abs() < 1e-4
        );
        for bad in [
            "however\t80\t30\n",
            "however\t10\t30\t5\t1\n",
            "x\t9\t2\t2\t3\n",
        ] {
            let e = Commas::parse(bad, "bad.tsv", lm).unwrap_err();
            assert_eq!(e.line, 1, "{bad:?}");
        }
        assert!(Commas::parse(crate::dictionaries::COMMAS_TSV, "embedded", lm).is_ok());
    }
}
