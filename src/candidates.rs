//! Candidates: for each word of a sentence, the originals the dictionaries propose for the
//! phrase starting there (spin table, expressions, reverse thesaurus), longest match first,
//! each tagged with where it came from.

use crate::dictionaries::{name_key, Dictionaries, SpinRow, SpinTable};
use crate::lm::WordId;
use crate::phrase_index::PairFilter;
use crate::tokens::{ends_sentence, is_normal, normalize, normalize_compact, Kind, Token};
use smallvec::SmallVec;

/// A word of a sentence as the decoder sees it.
#[derive(Debug, Clone)]
pub struct SentWord {
    pub norm: compact_str::CompactString,
    pub start: usize,
    pub end: usize,
    /// Language-model id (None: out of vocabulary).
    pub id: Option<WordId>,
    /// Only spaces (no punctuation, no line break) separate this word from the next one.
    pub joined: bool,
    /// A capitalised word right after another word (see `tokens::in_name`).
    pub in_name: bool,
    /// A comma stands right before this word (only spaces between).
    pub comma_before: bool,
    /// A comma follows, with only spaces before it.
    pub comma_after: bool,
}

/// Where a candidate came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Source {
    /// The curated spin table, with the row's count and number of documents.
    Spins { count: u32, docs: u32, share: f32 },
    /// A damaged form of a fixed expression or name, with how it was recognised.
    Expression { choices: u32, via: ExpressionVia },
    /// The reverse thesaurus: the candidate's share of the observed word's candidates when
    /// each is weighted by 1 / (its fan-out), how a uniform spinner would pick.
    Thesaurus { share: f32 },
}

impl Source {
    pub fn name(&self) -> &'static str {
        match self {
            Source::Spins { .. } => "spins",
            Source::Expression { .. } => "expression",
            Source::Thesaurus { .. } => "thesaurus",
        }
    }
}

/// How a damaged expression was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpressionVia {
    /// A thesaurus variant of a WordNet collocation, listed in the expression index.
    Collocation,
    /// A thesaurus variant of a curated name or office.
    Name,
    /// Its words restored through the spin table give a known expression.
    SpinTable,
}

/// The language-model ids of a candidate's words, held inline (originals are a few words).
pub type WordIds = smallvec::SmallVec<[Option<WordId>; 4]>;

/// One proposed original for the words `start..end` of a sentence.
#[derive(Debug, Clone)]
pub struct Candidate<'d> {
    pub start: usize,
    pub end: usize,
    pub text: &'d str,
    /// How many words the candidate has.
    pub len: usize,
    /// Language-model ids of the candidate's words (None for unknown words), filled in by
    /// the lattice for the candidates that survive pruning.
    pub ids: WordIds,
    pub source: Source,
}

/// Split tokens into sentences of words. Sentences end at . ! ? … and at line breaks.
pub fn sentences(input: &str, tokens: &[Token], dicts: &Dictionaries) -> Vec<Vec<SentWord>> {
    let mut out = Vec::new();
    // Room for a typical sentence, so that its words are not moved as it grows.
    const SENTENCE_WORDS: usize = 32;
    let fresh = || Vec::with_capacity(SENTENCE_WORDS);
    let mut cur: Vec<SentWord> = fresh();
    // Which words of `cur` are words rather than numbers: their ids are looked up together
    // when the sentence is complete (see `look_up_ids`).
    let mut is_word: Vec<bool> = Vec::with_capacity(SENTENCE_WORDS);
    let mut flush = |cur: &mut Vec<SentWord>, is_word: &mut Vec<bool>| {
        look_up_ids(cur, is_word, dicts);
        is_word.clear();
        out.push(std::mem::replace(cur, fresh()));
    };
    let mut gap_ok = true;
    // The last token other than spaces since the last word was a comma.
    let mut comma_last = false;
    for t in tokens {
        let text = t.text(input);
        match t.kind {
            Kind::Word | Kind::Number => {
                if let Some(last) = cur.last_mut() {
                    last.joined = gap_ok;
                }
                let in_name = cur
                    .last()
                    .is_some_and(|w: &SentWord| crate::tokens::in_name(input, w.end, t.start));
                cur.push(SentWord {
                    norm: normalize_compact(text),
                    start: t.start,
                    end: t.end,
                    id: None,
                    joined: false,
                    in_name,
                    comma_before: comma_last,
                    comma_after: false,
                });
                is_word.push(t.kind == Kind::Word);
                gap_ok = true;
                comma_last = false;
            }
            Kind::Space => {
                if text.contains('\n') && !cur.is_empty() {
                    flush(&mut cur, &mut is_word);
                }
            }
            Kind::Punct => {
                comma_last = text.ends_with(',');
                if gap_ok && text.starts_with(',') {
                    if let Some(last) = cur.last_mut() {
                        last.comma_after = true;
                    }
                }
                gap_ok = false;
                if ends_sentence(text) && !cur.is_empty() {
                    flush(&mut cur, &mut is_word);
                }
            }
        }
    }
    if !cur.is_empty() {
        flush(&mut cur, &mut is_word);
    }
    out
}

/// Give a sentence's words (those `is_word` marks) their language-model ids: every look-up's
/// cache slot is asked for first, so that the sentence waits for memory once, not per word.
fn look_up_ids(words: &mut [SentWord], is_word: &[bool], dicts: &Dictionaries) {
    for (w, _) in words.iter().zip(is_word).filter(|(_, &k)| k) {
        dicts.lm.prefetch_word(&w.norm);
    }
    for (w, _) in words.iter_mut().zip(is_word).filter(|(_, &k)| k) {
        w.id = lm_id(dicts, &w.norm);
    }
}

/// The LM id of a normalised word; "an" reads as "a" so that a/an agreement never decides.
pub fn lm_id(dicts: &Dictionaries, norm: &str) -> Option<WordId> {
    let w = if norm == "an" { "a" } else { norm };
    dicts.lm.word_id(w)
}

/// The longest phrase the dictionaries key on.
const MAX_PHRASE_WORDS: usize = 4;

/// Which dictionaries to consult: a clean document's spin rate is too low for some sources
/// to ever win, and looking them up would only cost time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sources {
    pub spins: bool,
    pub expressions: bool,
    pub thesaurus: bool,
    /// Thesaurus candidates with a smaller share of their word's candidates are skipped.
    pub thesaurus_min_share: f32,
    /// Spin-table rows with a smaller share of their phrase's sightings are skipped.
    pub spins_min_share: f32,
}

impl Sources {
    pub const ALL: Sources = Sources {
        spins: true,
        expressions: true,
        thesaurus: true,
        thesaurus_min_share: 0.0,
        spins_min_share: 0.0,
    };
}

/// Candidates for every start position of `words`, from every dictionary.
pub fn candidates<'d>(words: &[SentWord], dicts: &'d Dictionaries) -> Vec<Vec<Candidate<'d>>> {
    candidates_from(words, dicts, Sources::ALL)
}

/// Candidates for every start position of `words`, from the chosen dictionaries.
pub fn candidates_from<'d>(
    words: &[SentWord],
    dicts: &'d Dictionaries,
    sources: Sources,
) -> Vec<Vec<Candidate<'d>>> {
    if !(sources.spins || sources.expressions || sources.thesaurus) {
        return vec![Vec::new(); words.len()];
    }
    let mut out: Vec<Vec<Candidate>> = vec![Vec::new(); words.len()];
    let max = MAX_PHRASE_WORDS.max(dicts.spins.max_words());
    // Each word's own rows, looked up once: they start the word's walk through the table,
    // give its readings when restoring an expression, and tell the thesaurus where the
    // table already knows the spinner's substitutions.
    let looked_up: Vec<(&[SpinRow], bool)> =
        words.iter().map(|w| dicts.spins.lookup(&w.norm)).collect();
    let options: Vec<WordOptions> = match sources.expressions {
        true => words
            .iter()
            .zip(&looked_up)
            .map(|(w, (rows, _))| word_options(w, rows))
            .collect(),
        false => Vec::new(),
    };
    let hashes: Vec<SmallVec<[u64; 4]>> = options
        .iter()
        .map(|o| {
            o.iter()
                .map(|w| PairFilter::word_hash(w.as_bytes()))
                .collect()
        })
        .collect();
    // Which readings of words `i` and `i + 1` may begin an expression: every key has two
    // words or more, so where none may, no expression starts at word `i`.
    let pairs = &dicts.expression_pairs;
    let third = |i: usize| match words[i + 1].joined {
        true => hashes.get(i + 2).map_or(&[][..], |h| &h[..]),
        false => &[],
    };
    // The kept readings' filters are too large to stay in cache: ask for every block the
    // sentence's queries read before the first answer is needed.
    for i in 0..hashes.len().saturating_sub(1) {
        if words[i].joined {
            pairs.prefetch_keep(hashes[i][0], hashes[i + 1][0], third(i));
        }
    }
    let first_pairs: Vec<FirstPairs> = (0..hashes.len())
        .map(|i| {
            let mut may = 0;
            if i + 1 < hashes.len() && words[i].joined {
                let third = third(i);
                for (p, &a) in hashes[i].iter().enumerate() {
                    for (q, &b) in hashes[i + 1].iter().enumerate() {
                        let kept = p == 0 && q == 0;
                        if kept && pairs.may_keep(a, b, third) || !kept && pairs.may_change(a, b) {
                            may |= first_pair_bit(p, q);
                        }
                    }
                }
            }
            may
        })
        .collect();
    let starts = |i: usize| first_pairs.get(i).is_some_and(|&may| may != 0);
    // The reverse thesaurus stands for substitutions the spin table does not know: a phrase
    // starting with a word the table knows as a spun form from several documents is judged
    // by the table alone. Walking the thesaurus there too took 6-12 % of a spun text's time
    // and changed no restored edit on the corpus or web pairs (leave one out); skipping it
    // after a single-document row too would have lost two ("limitless" -> "unlimited").
    let thesaurus_at: Vec<bool> = looked_up
        .iter()
        .map(|(rows, _)| sources.thesaurus && rows.iter().all(|r| r.docs < 2))
        .collect();
    // Every walk starts with one word: ask for all those first steps at once.
    for (i, w) in words.iter().enumerate() {
        if thesaurus_at[i] {
            dicts.thesaurus.prefetch_first(&w.norm);
        }
        if starts(i) {
            for o in &options[i] {
                dicts.expressions.prefetch_first(o);
            }
        }
    }
    let mut key = String::new();
    let mut window: Vec<&str> = Vec::with_capacity(max);
    for i in 0..words.len() {
        window.clear();
        for j in i..words.len().min(i + max) {
            if j > i && !words[j - 1].joined {
                break;
            }
            window.push(&words[j].norm);
        }
        let thesaurus = match thesaurus_at[i] {
            true => dicts.thesaurus.walk(&window),
            false => Vec::new(),
        };
        let expressions = match starts(i) {
            true => expressions(
                &window,
                &options[i..i + window.len()],
                first_pairs[i],
                dicts,
            ),
            false => Vec::new(),
        };
        key.clear();
        // Whether a spin-table key may still start with `key`, and a name's key (rows counted
        // inside names, read first where there are any: see `SpinTable::name_shares`).
        let mut spins = sources.spins;
        let mut names = sources.spins && words[i].in_name;
        for (j, w) in window.iter().enumerate() {
            if j > 0 {
                key.push(' ');
            }
            key.push_str(w);
            let end = i + j + 1;
            if spins || names {
                let (rows, continues) = match (spins, j) {
                    (false, _) => (&[][..], false),
                    (true, 0) => looked_up[i],
                    (true, _) => dicts.spins.lookup(&key),
                };
                let mut in_names: &[SpinRow] = &[];
                if names {
                    let (found, longer) = dicts.spins.lookup(&name_key(&key));
                    in_names = found;
                    names = longer;
                }
                let mut push_row = |r: &'d SpinRow, share: f32| {
                    if share < sources.spins_min_share {
                        return;
                    }
                    let source = Source::Spins {
                        count: r.count,
                        docs: r.docs,
                        share,
                    };
                    push(&mut out[i], i, end, &r.original, source);
                };
                match in_names.is_empty() {
                    true => rows
                        .iter()
                        .zip(SpinTable::shares(rows))
                        .for_each(|(r, s)| push_row(r, s)),
                    false => SpinTable::name_shares(in_names, rows)
                        .into_iter()
                        .for_each(|(r, s)| push_row(r, s)),
                }
                spins = continues;
            }
            if let Some(found) = expressions.get(j).filter(|f| !f.is_empty()) {
                let n = found.len() as u32;
                for &(e, via) in found {
                    push(
                        &mut out[i],
                        i,
                        end,
                        e,
                        Source::Expression { choices: n, via },
                    );
                }
            }
            // A spinner hardly ever swaps a function word, and the thesaurus lists dozens of
            // senses for one ("been" -> "remained", "came in for").
            let function_word = j == 0 && crate::tokens::is_function_word(w);
            if let Some(&(_, v)) = thesaurus
                .iter()
                .find(|m| m.0 == j + 1)
                .filter(|_| !function_word)
            {
                let shares = dicts.thesaurus.inverse_shares(v);
                out[i].reserve(shares.len());
                for &(c, share) in shares.iter() {
                    if share >= sources.thesaurus_min_share {
                        push(&mut out[i], i, end, c, Source::Thesaurus { share });
                    }
                }
            }
        }
    }
    out
}

/// The candidates the dictionaries give for a whole phrase (as `dict lookup` shows them).
pub fn whole_phrase<'d>(phrase: &str, dicts: &'d Dictionaries) -> Vec<Candidate<'d>> {
    let tokens = crate::tokens::tokenize(phrase);
    let words: Vec<SentWord> = sentences(phrase, &tokens, dicts)
        .into_iter()
        .flatten()
        .collect();
    let n = words.len();
    match candidates(&words, dicts).into_iter().next() {
        Some(list) => list.into_iter().filter(|c| c.end == n).collect(),
        None => Vec::new(),
    }
}

/// Spin-table originals tried per word when restoring an expression word by word (rows seen
/// at least twice: trying the rows seen once too costs 7 % of the time for two edits in
/// 1,233 on the corpus).
const EXPRESSION_WORD_OPTIONS: usize = 3;

/// A word and the originals tried for it, held inline.
pub type WordOptions<'a> = SmallVec<[&'a str; WORD_OPTIONS]>;

/// Readings tried per word when restoring an expression: the word and its originals.
const WORD_OPTIONS: usize = 1 + EXPRESSION_WORD_OPTIONS;

/// Which pairs of two neighbouring words' options may begin an expression, one bit per pair
/// (see `first_pair_bit`).
type FirstPairs = u16;
const _: () = assert!(WORD_OPTIONS * WORD_OPTIONS <= FirstPairs::BITS as usize);

/// The bit of `FirstPairs` for the first word's option `p` and the second word's option `q`.
fn first_pair_bit(p: usize, q: usize) -> FirstPairs {
    1 << (p * WORD_OPTIONS + q)
}

/// The readings of a word tried when restoring an expression word by word: the word itself,
/// then its most frequent one-word spin-table originals (of its `rows`).
fn word_options<'a>(w: &'a SentWord, rows: &'a [SpinRow]) -> WordOptions<'a> {
    let mut o = WordOptions::new();
    o.push(w.norm.as_str());
    o.extend(
        rows.iter()
            .filter(|r| r.count >= 2 && !r.original.contains(' '))
            .take(EXPRESSION_WORD_OPTIONS)
            .map(|r| r.original.as_str()),
    );
    o
}

/// For each phrase length n (index n - 1) of the normalised words `window`, the
/// expressions its first n words are a damaged form of, for n >= 2: listed variants from the
/// expression index, then phrases that become an expression when some of their words are
/// restored through the spin table ("Name of Obligation" -> "Call of Duty"), in the order of
/// an odometer whose first word turns fastest. `options` holds each word's `word_options`,
/// `first_pairs` which of the first two words' options may begin a key.
fn expressions<'d>(
    window: &[&str],
    options: &[WordOptions],
    first_pairs: FirstPairs,
    dicts: &'d Dictionaries,
) -> Vec<Vec<(&'d str, ExpressionVia)>> {
    let key = |n: usize| window[..n].join(" ");
    // Every reading at once when some word has spin-table options (the reading that keeps
    // every word is among them: the listed variants); otherwise a plain walk.
    let trivial = options.iter().all(|o| o.len() == 1);
    let readings = match trivial {
        true => Vec::new(),
        false => {
            // Only the readings whose first two words may begin a key are walked.
            let first_pair = |p: usize, q: usize| first_pairs & first_pair_bit(p, q) != 0;
            dicts.expressions.walk_options(options, &first_pair)
        }
    };
    if !trivial && readings.iter().all(|(picks, _)| picks.len() < 2) {
        return Vec::new(); // the usual answer, without allocating one list per length
    }
    let listed: Vec<(usize, u64)> = match trivial {
        true => dicts.expressions.walk(window),
        false => readings
            .iter()
            .filter(|(picks, _)| picks.iter().all(|&p| p == 0))
            .map(|(picks, v)| (picks.len(), *v))
            .collect(),
    };
    if trivial && listed.iter().all(|&(n, _)| n < 2) {
        return Vec::new(); // the usual answer, without allocating one list per length
    }
    let mut out: Vec<Vec<(&'d str, ExpressionVia)>> = vec![Vec::new(); window.len()];
    for &(n, v) in &listed {
        if n < 2 {
            continue;
        }
        let key = key(n);
        out[n - 1].extend(
            dicts
                .expressions
                .entries_of(v)
                .filter(|(e, _)| normalize(e) != key)
                .map(|(e, curated)| {
                    let via = if curated > 0 {
                        ExpressionVia::Name
                    } else {
                        ExpressionVia::Collocation
                    };
                    (e, via)
                }),
        );
    }
    if trivial {
        return out;
    }
    // Readings that change at least one word and are themselves an expression ("game pass",
    // "call of duty"), ordered as the odometer would reach them; each stands for that
    // expression only. A reading that is merely a thesaurus variant of an expression is
    // a second guess stacked on the first ("extremely street" for "Main Street", "character
    // model" for "Role Model"): on the web pairs such readings made 40 wrong repairs for 7
    // right ones, so they are not offered.
    let mut restored: Vec<(usize, usize, u64, String)> = readings
        .into_iter()
        .filter(|(picks, _)| picks.len() >= 2 && picks.iter().any(|&p| p > 0))
        .map(|(picks, v)| {
            let mut rank = 0;
            for (p, o) in picks.iter().zip(options).rev() {
                rank = rank * o.len() + p;
            }
            let reading: Vec<&str> = picks.iter().zip(options).map(|(&p, o)| o[p]).collect();
            (picks.len(), rank, v, normalize(&reading.join(" ")))
        })
        .collect();
    restored.sort_unstable();
    for (n, _, v, reading) in restored {
        let key = key(n);
        for (e, _) in dicts.expressions.entries_of(v) {
            if normalize(e) == reading && !out[n - 1].iter().any(|f| f.0 == e) && reading != key {
                out[n - 1].push((e, ExpressionVia::SpinTable));
            }
        }
    }
    out
}

/// Room a word's candidate list is first given: most words with candidates have a few, and
/// growing the list from one at a time cost an allocation per doubling.
const CANDIDATES_ROOM: usize = 8;

fn push<'d>(
    list: &mut Vec<Candidate<'d>>,
    start: usize,
    end: usize,
    text: &'d str,
    source: Source,
) {
    if list
        .iter()
        .any(|c| c.end == end && c.text.eq_ignore_ascii_case(text))
    {
        return;
    }
    if list.capacity() == 0 {
        list.reserve(CANDIDATES_ROOM);
    }
    list.push(Candidate {
        start,
        end,
        text,
        len: text.bytes().filter(|&b| b == b' ').count() + 1,
        ids: WordIds::new(),
        source,
    });
}

/// The language-model ids a candidate is scored with. A curated name is scored as the words
/// it replaces (the model predates most names in the news and would judge "Truth Social" by
/// "truth"), so only the channel prior decides it.
pub fn lm_ids(c: &Candidate, words: &[SentWord], dicts: &Dictionaries) -> WordIds {
    if matches!(
        c.source,
        Source::Expression {
            via: ExpressionVia::Name,
            ..
        }
    ) {
        return words[c.start..c.end].iter().map(|w| w.id).collect();
    }
    c.text
        .split(' ')
        .map(|w| match is_normal(w) {
            true => lm_id(dicts, w),
            false => lm_id(dicts, &normalize(w)),
        })
        .collect()
}
