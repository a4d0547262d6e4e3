//! A compiled phrase index: an fst from a normalised phrase to a list of entries in a string
//! table, stored in one byte blob that opens with no parsing. The reverse thesaurus
//! (observed word -> candidate originals) and the expression index (damaged variant ->
//! expression) are both of this shape.
//!
//! Blob layout (little-endian): magic `UNSPNIX2`, `u32 n_strings`, `u32 n_ids`, `u32 fst_len`,
//! `(n_strings + 1) x u32` string offsets, the string bytes, `n_ids x u32` ids, `n_ids x u32`
//! weights (one per list entry), the fst bytes. An fst value packs
//! `(first_id_index << 8) | count`.

use fst::{IntoStreamer, Map, MapBuilder, Streamer};
use rustc_hash::FxHashMap;
use smallvec::SmallVec;
use std::collections::BTreeMap;
use std::hash::BuildHasher;

const MAGIC: &[u8; 8] = b"UNSPNIX2";

/// The option picked for each word of a reading so far (walks are a few words deep).
type Picks = SmallVec<[usize; 8]>;

/// Entries each of a thread's memos keeps before starting afresh.
const MEMO_KEPT: usize = 100_000;

/// The fst state after following `bytes` from `at` (node, output so far), or None where no
/// key continues that way.
fn follow<'f, 'b>(
    fst: &'f fst::raw::Fst<&'static [u8]>,
    (mut node, mut out): (fst::raw::Node<'f>, fst::raw::Output),
    bytes: impl IntoIterator<Item = &'b u8>,
) -> Option<(fst::raw::Node<'f>, fst::raw::Output)> {
    for &b in bytes {
        let t = node.transition(node.find_input(b)?);
        out = out.cat(t.out);
        node = fst.node(t.addr);
    }
    Some((node, out))
}

/// The memo of the index `owner` among a thread's memos of one kind.
fn memo_of<M: Default>(memos: &mut Vec<(usize, M)>, owner: usize) -> &mut M {
    let k = match memos.iter().position(|(o, _)| *o == owner) {
        Some(k) => k,
        None => {
            memos.push((owner, M::default()));
            memos.len() - 1
        }
    };
    &mut memos[k].1
}

/// Remember one entry, forgetting everything first when the memo is full (bounded memory,
/// and the frequent entries come back at once).
fn remember<K: std::hash::Hash + Eq, V>(memo: &mut FxHashMap<K, V>, k: K, v: V) {
    if memo.len() >= MEMO_KEPT {
        memo.clear();
    }
    memo.insert(k, v);
}

/// Per thread, per index (told apart by the address of its 'static bytes): (fst node, word)
/// -> the step the word makes from that node (see `PhraseIndex::step`).
type Steps = Vec<(usize, StepMemo)>;

/// log2 of the slots of a step memo (64 bytes each: 4 MiB per thread and index).
const STEP_MEMO_BITS: u32 = 16;
/// Steps a memo keeps before starting afresh (at most 5/8 of the slots full keeps probes
/// short).
const STEP_MEMO_KEPT: usize = 5 << (STEP_MEMO_BITS - 3);

/// A thread's memo of steps through one index: open addressing with linear probing, one
/// cache line per slot, so that a probe usually costs one read, and a read the caller can
/// ask for early (`PhraseIndex::prefetch_first`): every position of every sentence starts a
/// walk, and waiting for these scattered reads one after the other was the largest single
/// cost of a spun text.
#[derive(Default)]
struct StepMemo {
    slots: Vec<StepSlot>,
    used: usize,
}

/// A remembered step (`key.len` 0: an empty slot), packed into one cache line.
#[derive(Clone, Copy, Default)]
#[repr(align(64))]
struct StepSlot {
    key: StepKey,
    addr: fst::raw::CompiledAddr,
    out: u64,
    value: u64,
    /// `SOME`, `VALUE` and `LONGER` bits.
    flags: u8,
}

const SOME: u8 = 1;
const VALUE: u8 = 2;
const LONGER: u8 = 4;

impl StepSlot {
    fn new(key: StepKey, step: Option<Step>) -> StepSlot {
        let Some(s) = step else {
            return StepSlot {
                key,
                ..StepSlot::default()
            };
        };
        let flags = SOME | (VALUE * s.value.is_some() as u8) | (LONGER * s.longer as u8);
        StepSlot {
            key,
            addr: s.addr,
            out: s.out,
            value: s.value.unwrap_or(0),
            flags,
        }
    }

    fn step(&self) -> Option<Step> {
        (self.flags & SOME != 0).then_some(Step {
            addr: self.addr,
            out: self.out,
            value: (self.flags & VALUE != 0).then_some(self.value),
            longer: self.flags & LONGER != 0,
        })
    }
}

const _: () = assert!(std::mem::size_of::<StepSlot>() == 64);

impl StepMemo {
    fn home(&self, key: &StepKey) -> usize {
        let hash = rustc_hash::FxBuildHasher.hash_one(key);
        (hash >> (64 - STEP_MEMO_BITS)) as usize
    }

    /// The slot holding `key`, or the empty slot where it belongs.
    fn find(&mut self, key: &StepKey) -> &mut StepSlot {
        if self.slots.is_empty() {
            self.slots = vec![StepSlot::default(); 1 << STEP_MEMO_BITS];
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        while self.slots[i].key.len != 0 && self.slots[i].key != *key {
            i = (i + 1) & mask;
        }
        &mut self.slots[i]
    }

    /// The step remembered for `key`, or `spell`'s answer, remembered.
    fn get_or_insert(
        &mut self,
        key: StepKey,
        spell: impl FnOnce() -> Option<Step>,
    ) -> Option<Step> {
        let slot = self.find(&key);
        if slot.key.len != 0 {
            return slot.step();
        }
        let step = spell();
        if self.used >= STEP_MEMO_KEPT {
            self.slots.fill(StepSlot::default());
            self.used = 0;
        }
        self.used += 1;
        *self.find(&key) = StepSlot::new(key, step);
        step
    }

    fn prefetch(&self, key: &StepKey) {
        if let Some(slot) = self.slots.get(self.home(key)) {
            crate::lm::prefetch_read(slot);
        }
    }
}

/// Longest word the step memo keeps (longer ones are spelled every time; hardly any word is).
const STEP_WORD_MAX: usize = 22;

/// An fst node and a word, the word held in the key itself: a probe compares the key in
/// place instead of following a pointer to the word.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
struct StepKey {
    addr: fst::raw::CompiledAddr,
    len: u8,
    bytes: [u8; STEP_WORD_MAX],
}

impl StepKey {
    fn new(addr: fst::raw::CompiledAddr, word: &str) -> Option<StepKey> {
        let b = word.as_bytes();
        if b.is_empty() {
            return None;
        }
        let mut bytes = [0; STEP_WORD_MAX];
        bytes.get_mut(..b.len())?.copy_from_slice(b);
        Some(StepKey {
            addr,
            len: b.len() as u8,
            bytes,
        })
    }
}

/// Where the fst stands after one more word of a phrase.
#[derive(Debug, Clone, Copy, Default)]
struct Step {
    addr: fst::raw::CompiledAddr,
    /// Output of the word's transitions.
    out: u64,
    /// When the phrase ends here as a key: the output still to add for its value.
    value: Option<u64>,
    /// Whether some key continues with a space (a longer phrase).
    longer: bool,
}

/// What `PhraseIndex::walk_options` walks: each word's options, and which pairs of the first
/// two words' options may begin a key.
struct Walk<'a, 'w> {
    options: &'a [crate::candidates::WordOptions<'w>],
    first_pair: &'a dyn Fn(usize, usize) -> bool,
}

/// Per thread, per index: value -> its entries with their inverse-weight shares (see
/// `PhraseIndex::inverse_shares`).
type Shares = Vec<(usize, FxHashMap<u64, std::rc::Rc<[(&'static str, f32)]>>)>;

thread_local! {
    static SHARES: std::cell::RefCell<Shares> = const { std::cell::RefCell::new(Vec::new()) };
    static STEPS: std::cell::RefCell<Steps> = const { std::cell::RefCell::new(Vec::new()) };
}
const MAX_LIST: usize = 255;

/// Each entry's share of a list when every entry counts 1 / its weight (at least 1).
pub fn inverse_shares(weights: impl Iterator<Item = u32> + Clone) -> impl Iterator<Item = f32> {
    let total: f32 = weights.clone().map(|w| 1.0 / w.max(1) as f32).sum();
    weights.map(move |w| 1.0 / w.max(1) as f32 / total)
}

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("not a phrase index (bad magic); rebuild with `unspin dict build`")]
    BadMagic,
    #[error("phrase index truncated; rebuild with `unspin dict build`")]
    Truncated,
    #[error("phrase index fst is corrupt: {0}")]
    Fst(#[from] fst::Error),
}

/// An opened index over a `'static` blob (embedded or leaked).
pub struct PhraseIndex {
    map: Map<&'static [u8]>,
    offsets: &'static [u8],
    strings: &'static str,
    ids: &'static [u8],
    weights: &'static [u8],
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes(b[i..i + 4].try_into().unwrap())
}

impl PhraseIndex {
    pub fn from_bytes(b: &'static [u8]) -> Result<PhraseIndex, IndexError> {
        if b.len() < 20 || &b[..8] != MAGIC {
            return Err(IndexError::BadMagic);
        }
        let n_strings = u32_at(b, 8) as usize;
        let n_ids = u32_at(b, 12) as usize;
        let fst_len = u32_at(b, 16) as usize;
        let off_start = 20;
        let off_end = off_start + 4 * (n_strings + 1);
        if b.len() < off_end {
            return Err(IndexError::Truncated);
        }
        let offsets = &b[off_start..off_end];
        let str_len = u32_at(offsets, 4 * n_strings) as usize;
        let ids_start = off_end + str_len;
        let weights_start = ids_start + 4 * n_ids;
        let fst_start = weights_start + 4 * n_ids;
        if b.len() != fst_start + fst_len {
            return Err(IndexError::Truncated);
        }
        // Checked once here, so lookups only slice it.
        let strings =
            std::str::from_utf8(&b[off_end..ids_start]).map_err(|_| IndexError::Truncated)?;
        Ok(PhraseIndex {
            map: Map::new(&b[fst_start..])?,
            offsets,
            strings,
            ids: &b[ids_start..weights_start],
            weights: &b[weights_start..fst_start],
        })
    }

    /// The entries listed under `phrase` (normalised: lowercase, single spaces).
    pub fn get(&self, phrase: &str) -> impl Iterator<Item = &'static str> + '_ {
        let v = self.map.get(phrase).unwrap_or(0);
        let (first, count) = ((v >> 8) as usize, (v & 0xff) as usize);
        (first..first + count).map(move |i| self.string(u32_at(self.ids, 4 * i) as usize))
    }

    /// The entries under `phrase` with their weights.
    pub fn get_weighted(&self, phrase: &str) -> impl Iterator<Item = (&'static str, u32)> + '_ {
        self.entries_of(self.map.get(phrase).unwrap_or(0))
    }

    /// Walk the fst once along `words` joined by spaces, and return for every k such that
    /// the first k words form a key, k with that key's entries. Stops as soon as no key
    /// continues the words: a longest-match lookup for all phrase lengths at once.
    pub fn walk(&self, words: &[&str]) -> Vec<(usize, u64)> {
        let mut found = Vec::new();
        self.with_steps(|steps| {
            let mut at = (self.map.as_fst().root().addr(), 0);
            for (k, w) in words.iter().enumerate() {
                let Some(step) = self.step(steps, at, w) else {
                    return;
                };
                if let Some(v) = step.value {
                    found.push((k + 1, v));
                }
                if !step.longer {
                    return;
                }
                at = (step.addr, step.out);
            }
        });
        found
    }

    /// Every key spelled by one option per word, for the first k words (k >= 1): each match
    /// as (the option picked for each of its words, its value). One depth-first traversal
    /// that abandons a reading as soon as no key continues it, so trying every combination
    /// of options costs little more than the combinations that exist.
    ///
    /// `first_pair(p, q)` says whether the first word's option `p` and the second word's
    /// option `q` may begin a key (it may err towards yes, never towards no): readings it
    /// rules out are not walked, and no key of one word is found.
    pub fn walk_options(
        &self,
        options: &[crate::candidates::WordOptions],
        first_pair: &dyn Fn(usize, usize) -> bool,
    ) -> Vec<(Vec<usize>, u64)> {
        let mut found = Vec::new();
        self.with_steps(|steps| {
            let root = (self.map.as_fst().root().addr(), 0);
            let walk = Walk {
                options,
                first_pair,
            };
            self.descend(steps, root, &walk, &mut Picks::new(), &mut found);
        });
        found
    }

    /// `walk_options` from the fst state `at` (node, output so far) reached by the options
    /// in `picks`.
    fn descend(
        &self,
        steps: &mut StepMemo,
        at: (fst::raw::CompiledAddr, u64),
        walk: &Walk<'_, '_>,
        picks: &mut Picks,
        found: &mut Vec<(Vec<usize>, u64)>,
    ) {
        let options = walk.options;
        let Some(words) = options.get(picks.len()) else {
            return;
        };
        let second = options.get(1).map_or(0, |o| o.len());
        // Every option's step first, asking for the steps after them as they come, then the
        // readings that go on: the memo's scattered reads overlap instead of queueing.
        let mut longer: SmallVec<[(usize, Step); 4]> = SmallVec::new();
        for (p, w) in words.iter().enumerate() {
            let may_begin = match picks.as_slice() {
                [] => (0..second).any(|q| (walk.first_pair)(p, q)),
                [first] => (walk.first_pair)(*first, p),
                _ => true,
            };
            if !may_begin {
                continue;
            }
            let Some(step) = self.step(steps, at, w) else {
                continue;
            };
            picks.push(p);
            if let Some(v) = step.value {
                found.push((picks.to_vec(), v));
            }
            picks.pop();
            if step.longer {
                for next in options.get(picks.len() + 1).into_iter().flatten() {
                    if let Some(key) = StepKey::new(step.addr, next) {
                        steps.prefetch(&key);
                    }
                }
                longer.push((p, step));
            }
        }
        for (p, step) in longer {
            picks.push(p);
            self.descend(steps, (step.addr, step.out), walk, picks, found);
            picks.pop();
        }
    }

    /// Start loading what a walk starting with `word` reads first (see `StepMemo`).
    pub fn prefetch_first(&self, word: &str) {
        let root = self.map.as_fst().root().addr();
        if let Some(key) = StepKey::new(root, word) {
            self.with_steps(|steps| steps.prefetch(&key));
        }
    }

    /// Run `f` with this thread's memo of steps through this index.
    fn with_steps<R>(&self, f: impl FnOnce(&mut StepMemo) -> R) -> R {
        STEPS.with(|cell| f(memo_of(&mut cell.borrow_mut(), self.owner())))
    }

    /// The fst state after `word` from `at` (node, output so far): spelled alone at the
    /// root, after a space elsewhere; None where no key continues that way. Remembered per
    /// thread: every position of every sentence starts a walk, and a few thousand words and
    /// word pairs make up most of them.
    fn step(
        &self,
        steps: &mut StepMemo,
        at: (fst::raw::CompiledAddr, u64),
        word: &str,
    ) -> Option<Step> {
        let (addr, out) = at;
        let step = match StepKey::new(addr, word) {
            Some(key) => steps.get_or_insert(key, || self.spell(addr, word)),
            None => self.spell(addr, word),
        };
        step.map(|s| Step {
            out: out + s.out,
            value: s.value.map(|v| out + s.out + v),
            ..s
        })
    }

    /// `step` from scratch, with the outputs of this word alone.
    fn spell(&self, addr: fst::raw::CompiledAddr, word: &str) -> Option<Step> {
        let fst = self.map.as_fst();
        let space: &[u8] = match addr == fst.root().addr() {
            true => b"",
            false => b" ",
        };
        let at = (fst.node(addr), fst::raw::Output::zero());
        let (node, out) = follow(fst, at, space.iter().chain(word.as_bytes()))?;
        Some(Step {
            addr: node.addr(),
            out: out.value(),
            value: node.is_final().then(|| node.final_output().value()),
            longer: node.find_input(b' ').is_some(),
        })
    }

    /// Tells this index's entries in a thread's memos from another index's: the address of
    /// its `'static` bytes.
    fn owner(&self) -> usize {
        self.map.as_fst().as_bytes().as_ptr() as usize
    }

    /// The entries of a value `walk` returned, each with its share of the list when every
    /// entry counts 1 / its weight (the reverse thesaurus's weight is a candidate's fan-out,
    /// so this is how a uniform spinner would have picked). Remembered per thread: reading a
    /// list touches four scattered tables.
    pub fn inverse_shares(&self, v: u64) -> std::rc::Rc<[(&'static str, f32)]> {
        SHARES.with(|cell| {
            let mut memos = cell.borrow_mut();
            let memo = memo_of(&mut memos, self.owner());
            if let Some(list) = memo.get(&v) {
                return list.clone();
            }
            let shares = inverse_shares(self.weights_of(v));
            let list: std::rc::Rc<[(&'static str, f32)]> = self
                .entries_of(v)
                .zip(shares)
                .map(|((e, _), share)| (e, share))
                .collect();
            remember(memo, v, list.clone());
            list
        })
    }

    /// Just the weights of the entries of a value `walk` returned.
    pub fn weights_of(&self, v: u64) -> impl Iterator<Item = u32> + Clone + '_ {
        let (first, count) = ((v >> 8) as usize, (v & 0xff) as usize);
        (first..first + count).map(move |i| u32_at(self.weights, 4 * i))
    }

    /// The entries of a value `walk` returned.
    pub fn entries_of(&self, v: u64) -> impl Iterator<Item = (&'static str, u32)> + '_ {
        let (first, count) = ((v >> 8) as usize, (v & 0xff) as usize);
        (first..first + count).map(move |i| {
            (
                self.string(u32_at(self.ids, 4 * i) as usize),
                u32_at(self.weights, 4 * i),
            )
        })
    }

    pub fn contains(&self, phrase: &str) -> bool {
        self.map.contains_key(phrase)
    }

    /// Whether some key starts with `prefix` followed by a space (a longer phrase may match).
    pub fn has_longer(&self, prefix: &str) -> bool {
        let mut lo = prefix.as_bytes().to_vec();
        lo.push(b' ');
        let mut hi = prefix.as_bytes().to_vec();
        hi.push(b' ' + 1);
        let mut s = self.map.range().ge(&lo).lt(&hi).into_stream();
        s.next().is_some()
    }

    fn string(&self, i: usize) -> &'static str {
        let a = u32_at(self.offsets, 4 * i) as usize;
        let b = u32_at(self.offsets, 4 * (i + 1)) as usize;
        self.strings.get(a..b).unwrap_or("")
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Every key with its entries, in key order (for `dict check` and statistics).
    pub fn entries(&self) -> Vec<(String, Vec<&'static str>)> {
        let mut out = Vec::new();
        let mut s = self.map.stream();
        while let Some((k, _)) = s.next() {
            let k = String::from_utf8_lossy(k).into_owned();
            let list = self.get(&k).collect();
            out.push((k, list));
        }
        out
    }
}

/// Build the blob for `keys -> lists` with every weight 0.
pub fn build(entries: &BTreeMap<String, Vec<String>>) -> Vec<u8> {
    let weighted: BTreeMap<String, Vec<(String, u32)>> = entries
        .iter()
        .map(|(k, v)| (k.clone(), v.iter().map(|s| (s.clone(), 0)).collect()))
        .collect();
    build_weighted(&weighted)
}

/// Build the blob for `keys -> (entry, weight) lists`; lists keep their order, are cut at 255
/// entries, and equal strings share one table slot. Deterministic for equal input.
pub fn build_weighted(entries: &BTreeMap<String, Vec<(String, u32)>>) -> Vec<u8> {
    let mut table: BTreeMap<&str, u32> = BTreeMap::new();
    for list in entries.values() {
        for (s, _) in list.iter().take(MAX_LIST) {
            table.insert(s, 0);
        }
    }
    let mut strings = Vec::new();
    let mut offsets = vec![0u32];
    for (i, (s, id)) in table.iter_mut().enumerate() {
        *id = i as u32;
        strings.extend_from_slice(s.as_bytes());
        offsets.push(strings.len() as u32);
    }
    let mut ids: Vec<u32> = Vec::new();
    let mut weights: Vec<u32> = Vec::new();
    let mut fst = MapBuilder::memory();
    for (k, list) in entries {
        if list.is_empty() {
            continue;
        }
        let first = ids.len() as u64;
        let n = list.len().min(MAX_LIST);
        ids.extend(list.iter().take(n).map(|(s, _)| table[s.as_str()]));
        weights.extend(list.iter().take(n).map(|(_, w)| *w));
        fst.insert(k, (first << 8) | n as u64)
            .expect("keys are sorted and unique");
    }
    let fst = fst.into_inner().expect("in-memory fst");
    let mut out =
        Vec::with_capacity(20 + 4 * offsets.len() + strings.len() + 4 * ids.len() + fst.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(table.len() as u32).to_le_bytes());
    out.extend_from_slice(&(ids.len() as u32).to_le_bytes());
    out.extend_from_slice(&(fst.len() as u32).to_le_bytes());
    for o in offsets {
        out.extend_from_slice(&o.to_le_bytes());
    }
    out.extend_from_slice(&strings);
    for id in ids {
        out.extend_from_slice(&id.to_le_bytes());
    }
    for w in weights {
        out.extend_from_slice(&w.to_le_bytes());
    }
    out.extend_from_slice(&fst);
    out
}

/// How the keys of a phrase index begin, so that a walk which could only fail at its second
/// or third word is never started. Most positions of a spun text have spin-table readings to
/// try, and walking them all through the expression index (1.1 million keys, its second
/// steps seldom in the step memo) was a quarter of the time of a spun text.
///
/// Three Bloom filters, by how a reading begins. A reading that changes either of its first
/// two words can only end as an expression listed under itself ("name of obligation" read
/// "call of duty"): the 8,000 such keys fit a filter small enough to stay in cache. A reading
/// that keeps them can only end as a damaged variant (a key listing some other expression)
/// or as an expression of three words or more whose later words change ("coalition of the
/// prepared"): a two-word key of the first kind, or a key of three words or more, which the
/// third filter tells by its first three words. Two-word collocations listed under
/// themselves ("of course", "at least") begin nothing a kept reading could give, and most
/// two-word beginnings of longer keys ("video games", "as a") are not followed by a third
/// word that continues them: against one filter over every key's first two words, a spun
/// text walks a third as many positions (5,380 -> 1,733 in 75 spun articles), with the same
/// repairs.
///
/// Blob layout: magic `UNSPPF04`, then `2^KEPT_BITS` bits for two-word variant keys,
/// `2^KEPT_BITS` for the first three words of longer keys and `2^CHANGED_BITS` for
/// expressions listed under themselves. Built from the index by `unspin dict build` (and by
/// the test that checks the committed file).
pub struct PairFilter {
    pairs: Bloom,
    triples: Bloom,
    changed: Bloom,
}

const PAIR_MAGIC: &[u8; 8] = b"UNSPPF04";
/// log2 of the bits of each kept filter: 1 MiB, about 2 % false passes for the 586,000
/// two-word variant keys and 1 % for the 392,000 three-word beginnings of the expression
/// index, with two probes.
const KEPT_BITS: u32 = 23;
/// log2 of the changed filter's bits: 64 KiB, about 0.1 % false passes for its 8,000.
const CHANGED_BITS: u32 = 19;

/// A Bloom filter of `2^log2` bits probed twice per item, both probes in one 64-byte block
/// (a blocked Bloom filter): a query waits for one cache line, not two. The kept filters are
/// 1 MiB each, too large to stay in a core's cache, and their scattered second probes were
/// a quarter of the candidate search's time on spun articles (`perf`, 10 MB).
struct Bloom {
    bits: &'static [u8],
    log2: u32,
}

impl Bloom {
    fn contains(&self, h: u64) -> bool {
        probes(h, self.log2)
            .into_iter()
            .all(|bit| self.bits[bit >> 3] & (1 << (bit & 7)) != 0)
    }

    /// Start loading the block `contains(h)` reads.
    fn prefetch(&self, h: u64) {
        crate::lm::prefetch_read(&self.bits[probes(h, self.log2)[0] >> 3]);
    }
}

/// log2 of the bits of a block: 512, a cache line.
const BLOCK_BITS: u32 = 9;

/// The two bits an item of hash `h` sets in a Bloom filter of `2^log2` bits: a block from the
/// hash's top bits, two bits in it from its low ones.
fn probes(h: u64, log2: u32) -> [usize; 2] {
    let h = h.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let block = ((h >> (64 - (log2 - BLOCK_BITS))) as usize) << BLOCK_BITS;
    let mask = (1 << BLOCK_BITS) - 1;
    [
        block | (h as usize & mask),
        block | ((h >> BLOCK_BITS) as usize & mask),
    ]
}

impl PairFilter {
    pub fn from_bytes(b: &'static [u8]) -> Result<PairFilter, IndexError> {
        if b.len() < 8 || &b[..8] != PAIR_MAGIC {
            return Err(IndexError::BadMagic);
        }
        let kept = 1 << (KEPT_BITS - 3);
        if b.len() != 8 + 2 * kept + (1 << (CHANGED_BITS - 3)) {
            return Err(IndexError::Truncated);
        }
        let bloom = |bits, log2| Bloom { bits, log2 };
        Ok(PairFilter {
            pairs: bloom(&b[8..8 + kept], KEPT_BITS),
            triples: bloom(&b[8 + kept..8 + 2 * kept], KEPT_BITS),
            changed: bloom(&b[8 + 2 * kept..], CHANGED_BITS),
        })
    }

    /// The filter of `index`'s keys, as a blob for `from_bytes`.
    pub fn build(index: &PhraseIndex) -> Vec<u8> {
        let mut pairs = vec![0u8; 1 << (KEPT_BITS - 3)];
        let mut triples = vec![0u8; 1 << (KEPT_BITS - 3)];
        let mut changed = vec![0u8; 1 << (CHANGED_BITS - 3)];
        let set = |bits: &mut [u8], log2: u32, h: u64| {
            for bit in probes(h, log2) {
                bits[bit >> 3] |= 1 << (bit & 7);
            }
        };
        let mut keys = index.map.stream();
        while let Some((key, v)) = keys.next() {
            let words: Vec<u64> = key.split(|&b| b == b' ').map(Self::word_hash).collect();
            if words.len() < 2 {
                continue;
            }
            let text = String::from_utf8_lossy(key);
            let (mut own, mut other) = (false, false);
            for (e, _) in index.entries_of(v) {
                match crate::tokens::normalize(e) == text {
                    true => own = true,
                    false => other = true,
                }
            }
            let pair = Self::pair_hash(words[0], words[1]);
            if let Some(&c) = words.get(2) {
                set(&mut triples, KEPT_BITS, Self::triple_hash(pair, c));
            } else if other {
                set(&mut pairs, KEPT_BITS, pair);
            }
            if own {
                set(&mut changed, CHANGED_BITS, pair);
            }
        }
        let mut blob = PAIR_MAGIC.to_vec();
        blob.extend(pairs);
        blob.extend(triples);
        blob.extend(changed);
        blob
    }

    /// A word's hash for the filters (FNV-1a: fixed forever, since the filter is stored).
    pub fn word_hash(word: &[u8]) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for &b in word {
            h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
        h
    }

    fn pair_hash(a: u64, b: u64) -> u64 {
        a.rotate_left(23) ^ b
    }

    fn triple_hash(pair: u64, c: u64) -> u64 {
        pair.wrapping_mul(0xC2B2_AE3D_27D4_EB4F).rotate_left(29) ^ c
    }

    /// Whether a reading that keeps the words of hashes `a` and `b` may give something: a
    /// two-word damaged variant, or a longer key whose third word is one of `third` (the
    /// next word's readings; empty where no third word joins them). False: surely not.
    #[inline]
    pub fn may_keep(&self, a: u64, b: u64, third: &[u64]) -> bool {
        let pair = Self::pair_hash(a, b);
        self.pairs.contains(pair)
            || third
                .iter()
                .any(|&c| self.triples.contains(Self::triple_hash(pair, c)))
    }

    /// Start loading what `may_keep(a, b, third)` reads, so that the queries of a whole
    /// sentence wait for memory together rather than one after another.
    #[inline]
    pub fn prefetch_keep(&self, a: u64, b: u64, third: &[u64]) {
        let pair = Self::pair_hash(a, b);
        self.pairs.prefetch(pair);
        for &c in third {
            self.triples.prefetch(Self::triple_hash(pair, c));
        }
    }

    /// Whether an expression listed under itself may begin with the words of hashes `a` and
    /// `b` (false: surely none).
    #[inline]
    pub fn may_change(&self, a: u64, b: u64) -> bool {
        self.changed.contains(Self::pair_hash(a, b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys with their lists, as `build` takes them.
    fn entries(list: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        list.iter()
            .map(|(k, l)| (k.to_string(), l.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    /// A built blob, opened (leaked: an index reads `'static` bytes).
    fn open(blob: Vec<u8>) -> PhraseIndex {
        PhraseIndex::from_bytes(Box::leak(blob.into_boxed_slice())).unwrap()
    }

    #[test]
    fn step_memo_starts_afresh_when_full_and_keeps_answering() {
        let ix = open(build(&entries(&[("fact social", &["Truth Social"])])));
        let expected = ix.walk(&["fact", "social"]);
        assert_eq!(expected.len(), 1);
        // More distinct words than the memo keeps, twice over, and words too long for it.
        for i in 0..2 * STEP_MEMO_KEPT {
            assert!(ix.walk(&[&format!("w{i}"), "social"]).is_empty());
        }
        assert!(ix.walk(&["a-word-longer-than-the-memo-keeps"]).is_empty());
        assert_eq!(ix.walk(&["fact", "social"]), expected);
        ix.with_steps(|steps| assert!(steps.used <= STEP_MEMO_KEPT));
    }

    #[test]
    fn pair_filter_passes_every_key_start_and_little_else() {
        let ix = open(build(&entries(&[
            ("fact social", &["Truth Social"]),
            ("truth social", &["Truth Social"]),
            ("call of duty", &["Call of Duty"]),
            ("mentioned", &["said"]),
        ])));
        let filter = PairFilter::build(&ix);
        let filter = PairFilter::from_bytes(Box::leak(filter.into_boxed_slice())).unwrap();
        let h = |w: &str| PairFilter::word_hash(w.as_bytes());
        let kept = |a, b, third: &[&str]| {
            let third: Vec<u64> = third.iter().map(|w| h(w)).collect();
            filter.may_keep(h(a), h(b), &third)
        };
        let changed = |a, b| filter.may_change(h(a), h(b));
        // A two-word damaged variant begins only a kept reading.
        assert!(kept("fact", "social", &[]) && !changed("fact", "social"));
        // An expression listed under itself begins a changed reading; a kept one only when
        // it is longer and the third word may continue it.
        assert!(changed("truth", "social") && !kept("truth", "social", &[]));
        assert!(changed("call", "of") && kept("call", "of", &["obligation", "duty"]));
        assert!(!kept("call", "of", &["obligation"]) && !kept("call", "of", &[]));
        // Not a key's start: a later pair of words, the words swapped, a one-word key.
        assert!(!kept("of", "the", &["prepared"]) && !kept("social", "fact", &[]));
        assert!(!kept("mentioned", "", &[]) && !changed("of", "duty") && !changed("mentioned", ""));
        assert!(PairFilter::from_bytes(b"UNSPPF02").is_err());
    }

    #[test]
    fn walking_options_finds_every_reading_the_first_pair_allows() {
        let ix = open(build(&entries(&[
            ("call of duty", &["Call of Duty"]),
            ("name of duty", &["x"]),
            ("call", &["y"]),
        ])));
        let options: Vec<crate::candidates::WordOptions> = vec![
            ["name", "call"].into_iter().collect(),
            ["of"].into_iter().collect(),
            ["obligation", "duty"].into_iter().collect(),
        ];
        let readings = |first_pair: &dyn Fn(usize, usize) -> bool| -> Vec<Vec<usize>> {
            let mut r: Vec<Vec<usize>> = ix
                .walk_options(&options, first_pair)
                .into_iter()
                .map(|(picks, _)| picks)
                .collect();
            r.sort();
            r
        };
        // Every pair allowed: both three-word keys and the one-word key.
        assert_eq!(
            readings(&|_, _| true),
            vec![vec![0, 0, 1], vec![1], vec![1, 0, 1]]
        );
        // "call of" ruled out as a beginning: neither it nor the one-word key "call".
        assert_eq!(readings(&|p, _| p == 0), vec![vec![0, 0, 1]]);
        assert!(readings(&|_, _| false).is_empty());
    }

    #[test]
    fn round_trip() {
        let m = entries(&[
            ("fact social", &["Truth Social"]),
            ("mentioned", &["said", "noted"]),
        ]);
        let ix = open(build(&m));
        assert_eq!(
            ix.get("mentioned").collect::<Vec<_>>(),
            vec!["said", "noted"]
        );
        assert_eq!(
            ix.get("fact social").collect::<Vec<_>>(),
            vec!["Truth Social"]
        );
        assert_eq!(ix.get("nothing").count(), 0);
        assert!(ix.has_longer("fact"));
        assert_eq!(ix.walk(&["fact", "social", "media"]).len(), 1);
        assert_eq!(ix.walk(&["fact", "social", "media"])[0].0, 2);
        assert!(ix.walk(&["social"]).is_empty());
        assert!(!ix.has_longer("social"));
        assert_eq!(build(&m), build(&m));
        let mut w = BTreeMap::new();
        w.insert(
            "firm".to_string(),
            vec![("company".to_string(), 7), ("business".to_string(), 3)],
        );
        let ix = open(build_weighted(&w));
        assert_eq!(
            ix.get_weighted("firm").collect::<Vec<_>>(),
            vec![("company", 7), ("business", 3)]
        );
    }
}
