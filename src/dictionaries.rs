//! The dictionaries the repairer consults, opened from the artifacts embedded in the binary:
//! the curated spin table (`spins.tsv`), the reverse thesaurus (`thesaurus.idx`), the
//! expression index (`expressions.idx`, with the filter of its keys' two-word beginnings in
//! `expressions.pairs`) and the language model (`en-us.lm.bin`).

use crate::commas::Commas;
use crate::lm::LanguageModel;
use crate::phrase_index::{PairFilter, PhraseIndex};
use compact_str::CompactString;
use rustc_hash::FxHashMap as HashMap;
use std::sync::OnceLock;

pub const SPINS_TSV: &str = include_str!("../dictionaries/spins.tsv");
pub const EVIDENCE_TSV: &str = include_str!("../dictionaries/evidence.tsv");
pub const COMMAS_TSV: &str = include_str!("../dictionaries/commas.tsv");
pub const EXPRESSIONS_TSV: &str = include_str!("../dictionaries/expressions.tsv");
static THESAURUS_IDX: &[u8] = include_bytes!("../dictionaries/thesaurus.idx");
static EXPRESSIONS_IDX: &[u8] = include_bytes!("../dictionaries/expressions.idx");
static EXPRESSION_PAIRS: &[u8] = include_bytes!("../dictionaries/expressions.pairs");

/// The count of a row that gives none (a user's own row): trusted as if seen this often and
/// never left unchanged, so it fires in a spun document (share 0.9) like a learned row
/// seen in many documents.
pub const USER_ROW_COUNT: u32 = 9;

/// One original a spun phrase stands for, with how often the pairs showed it.
#[derive(Debug, Clone, PartialEq)]
pub struct SpinRow {
    pub spun: String,
    pub original: String,
    pub count: u32,
    pub docs: u32,
    /// Times the spun phrase stood unchanged in the spun texts.
    pub kept: u32,
    pub example: String,
}

/// The curated spin table: spun phrase (normalised) -> rows, most frequent original first.
#[derive(Debug, Default, Clone)]
pub struct SpinTable {
    /// Every key, and every run of a key's first words short of the whole key, so that one
    /// look-up answers both `get` and `continues`. Keys are held inline when short (most
    /// are): a look-up compares the key in the table's own slot instead of following a
    /// pointer to it, which waited for memory at every word (`perf`: 6 % of a spun text's
    /// time in that comparison).
    phrases: HashMap<CompactString, Phrase>,
    /// Originals (normalised) -> times replaced in the pairs.
    originals: HashMap<String, u32>,
    max_words: usize,
}

/// What the spin table knows of a phrase: its rows (none when it is only the beginning of
/// a key) and whether some longer key starts with it and a space.
#[derive(Debug, Default, Clone)]
struct Phrase {
    rows: Vec<SpinRow>,
    continues: bool,
}

/// The proper word prefixes of `phrase`: "a" and "a b" for "a b c".
fn word_prefixes(phrase: &str) -> impl Iterator<Item = &str> {
    phrase.match_indices(' ').map(|(i, _)| &phrase[..i])
}

#[derive(Debug, thiserror::Error)]
#[error("{source_name} line {line}: {message}")]
pub struct TsvError {
    pub source_name: String,
    pub line: usize,
    pub message: String,
}

/// Whether the table uses a row (a table may list rows it does not use, their counts kept for
/// when more pairs confirm them): not when it turns one content word into a function word
/// ("amusing" -> "a", "matter" -> "of") and was seen in a single document. Such a row is the
/// aligner's noise or a one-off spinner's sense confusion; the ones spinners really make are
/// seen in several ("within" -> "in", "successful" -> "in"). Leaving the single sightings out
/// restores as many edits and makes fewer wrong repairs (quality benchmark, leave one out).
pub fn trusted(spun: &str, original: &str, docs: u32) -> bool {
    use crate::tokens::is_function_word;
    docs > 1 || spun.contains(' ') || is_function_word(spun) || !is_function_word(original)
}

/// The spin-table key of the normalised phrase `norm` inside a name (see
/// `tokens::in_name`): its first letter a capital ("Change" for "the Change 2"). Such rows
/// count only the phrase's sightings inside names, where a spinner's "Change" is Nintendo's
/// "Switch" far more often than "change" is anywhere.
pub fn name_key(norm: &str) -> String {
    let mut cs = norm.chars();
    match cs.next() {
        Some(f) => f.to_uppercase().chain(cs).collect(),
        None => String::new(),
    }
}

/// Whether a spin-table key stands for its phrase inside a name (see `name_key`).
pub fn is_name_key(key: &str) -> bool {
    key.starts_with(char::is_uppercase)
}

/// The key a table's spun column stands for: the normalised phrase, or its `name_key` when
/// written as one (a capital first letter, the rest as `normalize` gives it).
fn spun_key(written: &str) -> String {
    let norm = crate::tokens::normalize(written);
    match is_name_key(written) && name_key(&norm) == written {
        true => written.to_string(),
        false => norm,
    }
}

impl SpinTable {
    /// Parse the TSV format of `dictionaries/spins.tsv`:
    /// `spun <TAB> original <TAB> count <TAB> docs <TAB> kept <TAB> example`;
    /// `#` starts a comment line; a user's table may give just `spun <TAB> original`: a
    /// missing count reads as [`USER_ROW_COUNT`], missing docs as the count and kept as 0.
    /// A spun phrase written with a capital first letter and lowercase otherwise ("Change")
    /// matches only inside a name (see `name_key`); any other casing is read as lowercase.
    pub fn parse(tsv: &str, source_name: &str) -> Result<SpinTable, TsvError> {
        let mut t = SpinTable::default();
        for (i, line) in tsv.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let err = |message: String| TsvError {
                source_name: source_name.to_string(),
                line: i + 1,
                message,
            };
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() < 2 {
                return Err(err("expected at least `spun<TAB>original`".into()));
            }
            let num = |k: usize, default: u32| -> Result<u32, TsvError> {
                match f.get(k) {
                    None | Some(&"") => Ok(default),
                    Some(v) => v
                        .parse()
                        .map_err(|_| err(format!("column {} must be a count, found {v:?}", k + 1))),
                }
            };
            let count = num(2, USER_ROW_COUNT)?;
            let row = SpinRow {
                spun: spun_key(f[0].trim()),
                original: f[1].trim().to_string(),
                count,
                // A row without docs is not one document's sighting (those weigh less).
                docs: num(3, count)?,
                kept: num(4, 0)?,
                example: f.get(5).unwrap_or(&"").to_string(),
            };
            if row.spun.is_empty() || row.original.is_empty() {
                return Err(err("empty phrase".into()));
            }
            if !trusted(&row.spun, &row.original, row.docs) {
                continue;
            }
            t.max_words = t.max_words.max(row.spun.split(' ').count());
            t.note_original(&row);
            t.add(row);
        }
        t.derive_possessives();
        for v in t.phrases.values_mut().map(|p| &mut p.rows) {
            v.sort_by(|a, b| b.count.cmp(&a.count).then(a.original.cmp(&b.original)));
        }
        Ok(t)
    }

    /// A spinner that swaps a noun swaps its possessive too ("courtroom" -> "court", so
    /// "courtroom's" -> "court's"): every one-word row gives a possessive row with its counts,
    /// unless the table has rows for that possessive already.
    fn derive_possessives(&mut self) {
        let plain = |w: &str| !w.is_empty() && w.chars().all(char::is_alphabetic);
        let mut derived: Vec<SpinRow> = Vec::new();
        for (spun, rows) in self.phrases.iter().map(|(k, p)| (k, &p.rows)) {
            if !plain(spun) || !self.get(&format!("{spun}'s")).is_empty() {
                continue;
            }
            for r in rows.iter().filter(|r| plain(&r.original)) {
                derived.push(SpinRow {
                    spun: format!("{spun}'s"),
                    original: format!("{}'s", r.original),
                    example: String::new(),
                    ..r.clone()
                });
            }
        }
        for r in derived {
            self.add(r);
        }
    }

    fn add(&mut self, row: SpinRow) {
        self.note_prefixes(&row.spun);
        self.phrases
            .entry(CompactString::new(&row.spun))
            .or_default()
            .rows
            .push(row);
    }

    /// Mark the proper word prefixes of `key` as continuing.
    fn note_prefixes(&mut self, key: &str) {
        for prefix in word_prefixes(key) {
            match self.phrases.get_mut(prefix) {
                Some(p) => p.continues = true,
                None => {
                    let p = Phrase {
                        rows: Vec::new(),
                        continues: true,
                    };
                    self.phrases.insert(CompactString::new(prefix), p);
                }
            }
        }
    }

    /// The rows of `phrase`, and whether some key is longer than it and starts with it and a
    /// space (when not, no longer phrase need be looked up), in one look-up.
    pub fn lookup(&self, phrase: &str) -> (&[SpinRow], bool) {
        match self.phrases.get(phrase) {
            Some(p) => (&p.rows, p.continues),
            None => (&[], false),
        }
    }

    /// P(original | observed spun phrase) for each of `rows` (the rows of one spun phrase,
    /// as `get` gives them), in a fully spun document: a row's count against every sighting
    /// of the phrase, changed or not.
    pub fn shares(rows: &[SpinRow]) -> impl Iterator<Item = f32> + '_ {
        let total: u32 = rows.iter().map(|r| r.count).sum();
        let kept = rows.iter().map(|r| r.kept).max().unwrap_or(0);
        rows.iter()
            .map(move |r| r.count as f32 / (total + kept + 1) as f32)
    }

    /// P(original | the phrase inside a name): the rows counted inside names (`names`, see
    /// `name_key`), with the phrase's own shares (`shares` of `rows`) standing for one more
    /// sighting, so that an original seen only outside names keeps a little weight.
    pub fn name_shares<'r>(names: &'r [SpinRow], rows: &'r [SpinRow]) -> Vec<(&'r SpinRow, f32)> {
        let total: u32 = names.iter().map(|r| r.count).sum();
        let kept = names.iter().map(|r| r.kept).max().unwrap_or(0);
        let sightings = (total + kept + 2) as f32;
        let own: Vec<(&SpinRow, f32)> = rows.iter().zip(Self::shares(rows)).collect();
        let same = |a: &SpinRow, b: &SpinRow| a.original.eq_ignore_ascii_case(&b.original);
        let own_share = |n: &SpinRow| own.iter().find(|o| same(o.0, n)).map_or(0.0, |o| o.1);
        let mut out: Vec<(&SpinRow, f32)> = names
            .iter()
            .map(|n| (n, (n.count as f32 + own_share(n)) / sightings))
            .collect();
        for &(r, share) in &own {
            if !names.iter().any(|n| same(n, r)) {
                out.push((r, share / sightings));
            }
        }
        out
    }

    pub fn get(&self, spun: &str) -> &[SpinRow] {
        self.lookup(spun).0
    }

    fn note_original(&mut self, row: &SpinRow) {
        *self
            .originals
            .entry(crate::tokens::normalize(&row.original))
            .or_default() += row.count;
    }

    /// Whether `phrase` is an original some row restores (e.g. "said").
    pub fn is_original(&self, phrase: &str) -> bool {
        self.originals.contains_key(phrase)
    }

    pub fn max_words(&self) -> usize {
        self.max_words
    }

    pub fn len(&self) -> usize {
        self.phrases.values().map(|p| p.rows.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Add the rows of another table (a user's extra table).
    pub fn extend(&mut self, other: SpinTable) {
        for (k, p) in other.phrases {
            self.note_prefixes(&k);
            self.phrases.entry(k).or_default().rows.extend(p.rows);
        }
        for (k, n) in other.originals {
            *self.originals.entry(k).or_default() += n;
        }
        self.max_words = self.max_words.max(other.max_words);
    }

    /// A copy without the rows `keep` rejects (for leave-one-out measurement).
    pub fn filtered(&self, keep: impl Fn(&SpinRow) -> bool) -> SpinTable {
        let mut t = SpinTable::default();
        for p in self.phrases.values() {
            for r in p.rows.iter().filter(|r| keep(r)) {
                t.max_words = t.max_words.max(r.spun.split(' ').count());
                t.note_original(r);
                t.add(r.clone());
            }
        }
        t
    }
}

/// Document-level spin evidence: phrase -> log-likelihood ratio of spun against original
/// text, from the phrase's counts in the pairs (`dictionaries/evidence.tsv`).
#[derive(Debug, Default, Clone)]
pub struct Evidence {
    /// Every phrase and every run of a phrase's first words: its weight when it is a
    /// phrase, and whether a longer phrase starts with it (see `lookup`). Keys inline, as
    /// the spin table's.
    phrases: HashMap<CompactString, (Option<f32>, bool)>,
    max_words: usize,
}

impl Evidence {
    pub fn parse(tsv: &str, source_name: &str) -> Result<Evidence, TsvError> {
        let mut e = Evidence::default();
        let mut rows = Vec::new();
        let (mut ns, mut no) = (0f32, 0f32);
        for (i, line) in tsv.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            let (Some(s), Some(o)) = (
                f.get(1).and_then(|v| v.parse::<f32>().ok()),
                f.get(2).and_then(|v| v.parse::<f32>().ok()),
            ) else {
                return Err(TsvError {
                    source_name: source_name.to_string(),
                    line: i + 1,
                    message: "expected `phrase<TAB>in_spun<TAB>in_original`".into(),
                });
            };
            ns += s;
            no += o;
            rows.push((f[0], s, o));
        }
        for (p, s, o) in rows {
            let w = ((s + 0.5) / (ns + 1.0)).ln() - ((o + 0.5) / (no + 1.0)).ln();
            e.max_words = e.max_words.max(p.split(' ').count());
            e.phrases
                .entry(CompactString::new(p))
                .or_insert((None, false))
                .0 = Some(w);
            for prefix in word_prefixes(p) {
                e.phrases
                    .entry(CompactString::new(prefix))
                    .or_insert((None, false))
                    .1 = true;
            }
        }
        Ok(e)
    }

    /// The weight of `phrase`, and whether some longer phrase starts with it and a space,
    /// in one look-up.
    pub fn lookup(&self, phrase: &str) -> (Option<f32>, bool) {
        self.phrases.get(phrase).copied().unwrap_or((None, false))
    }

    pub fn max_words(&self) -> usize {
        self.max_words
    }
}

/// Everything the repairer looks words up in.
pub struct Dictionaries {
    pub spins: SpinTable,
    pub evidence: Evidence,
    pub thesaurus: PhraseIndex,
    pub expressions: PhraseIndex,
    /// The two-word beginnings of the expression index's keys.
    pub expression_pairs: PairFilter,
    /// How often each word of original text has a comma before and after it.
    pub commas: Commas,
    pub lm: &'static LanguageModel,
}

impl Dictionaries {
    /// The dictionaries compiled into the binary, opened once.
    pub fn embedded() -> &'static Dictionaries {
        static D: OnceLock<Dictionaries> = OnceLock::new();
        D.get_or_init(|| {
            Dictionaries::with_spins(
                SpinTable::parse(SPINS_TSV, "dictionaries/spins.tsv")
                    .expect("embedded spins.tsv is valid (checked by tests)"),
            )
        })
    }

    /// The embedded thesaurus, expressions and language model with another spin table.
    pub fn with_spins(spins: SpinTable) -> Dictionaries {
        let lm = LanguageModel::embedded();
        Dictionaries {
            spins,
            evidence: Evidence::parse(EVIDENCE_TSV, "dictionaries/evidence.tsv")
                .expect("embedded evidence.tsv is valid (checked by tests)"),
            thesaurus: PhraseIndex::from_bytes(THESAURUS_IDX)
                .expect("embedded thesaurus.idx is valid (checked by tests)"),
            expressions: PhraseIndex::from_bytes(EXPRESSIONS_IDX)
                .expect("embedded expressions.idx is valid (checked by tests)"),
            expression_pairs: PairFilter::from_bytes(EXPRESSION_PAIRS)
                .expect("embedded expressions.pairs is valid (checked by tests)"),
            commas: Commas::parse(COMMAS_TSV, "dictionaries/commas.tsv", lm)
                .expect("embedded commas.tsv is valid (checked by tests)"),
            lm,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_document_row_into_a_function_word_is_not_used() {
        let t = SpinTable::parse(
            "amusing\ta\t3\t1\t0\nwithin\tin\t5\t3\t0\ngizmo\tthe\nshe or he\tthey\t1\t1\t0\n",
            "test",
        )
        .unwrap();
        assert!(t.get("amusing").is_empty());
        assert_eq!(t.get("within")[0].original, "in");
        assert_eq!(t.get("gizmo")[0].original, "the"); // a user's row counts as many documents
        assert_eq!(t.get("she or he")[0].original, "they");
    }

    #[test]
    fn one_word_rows_give_possessive_rows() {
        let t = SpinTable::parse(
            "courtroom\tcourt\t3\t2\t1\tx\nfirm's\tcompany's\t2\t1\t0\tx\nfirm\tcompany\t5\t3\t0\tx\n",
            "t",
        )
        .unwrap();
        let r = &t.get("courtroom's")[0];
        assert_eq!((r.original.as_str(), r.count, r.kept), ("court's", 3, 1));
        // A possessive the table learned keeps its own rows only.
        let firm: Vec<(&str, u32)> = t
            .get("firm's")
            .iter()
            .map(|r| (r.original.as_str(), r.count))
            .collect();
        assert_eq!(firm, vec![("company's", 2)]);
    }
}
