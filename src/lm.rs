//! Scores word sequences with the CMU Sphinx US-English trigram model, read natively so unspin can rank candidate wordings without pocketsphinx.
//!
//! The file is pocketsphinx's "Trie Language Model" binary format, a port of
//! KenLM's quantised trie (see pocketsphinx `src/lm/ngram_model_trie.c`,
//! `lm_trie.c`, `lm_trie_quant.c`). Everything is little-endian:
//!
//! 1. ASCII `Trie Language Model` (19 bytes), `u8 order`, `order x u32` n-gram
//!    counts.
//! 2. `i32` quantiser tag (always 1), then `f32` bin centres: for each middle
//!    order 65,536 probability centres followed by 65,536 back-off centres, then
//!    65,536 probability centres for the top order.
//! 3. `counts[0] + 1` unigrams `{f32 prob, f32 backoff, u32 next}`; the last one
//!    is a sentinel whose `next` closes the previous entry's child range.
//! 4. The bigram bit array: per entry a `word_bits` word id, 16 bits back-off
//!    index, 16 bits probability index, `next_bits` pointer into the trigram
//!    array; `counts[1] + 1` entries (the last is a sentinel holding only
//!    `next`), padded to `((1 + n) * bits + 7) / 8 + 8` bytes.
//! 5. The trigram bit array: word id + 16-bit probability index per entry.
//! 6. `i32` byte length, then the vocabulary as NUL-terminated words in id
//!    order.
//!
//! The trie is keyed right to left: a unigram is the predicted word `w`, its
//! children are the previous word `h1`, theirs `h2`; the path `(w, h1, h2)`
//! holds `P(w | h2 h1)`. Children are sorted by word id.
//!
//! All stored values (unigram floats *and* quantiser centres) are logarithms
//! in base 1.0001 (pocketsphinx's `logmath` unit), not log10; this reader
//! converts to log10 on the way out.
//!
//! Section sizes follow the header counts, but the header over-counts bigrams
//! slightly (2,051,547 claimed, 2,051,541 present): the number of entries
//! actually in use is read from the sentinels. About 57,000 of the stored
//! bigrams are synthetic: the builder inserts them, with the back-off value as
//! probability, so that trigrams whose bigram suffix was pruned stay reachable
//! (see [`LanguageModel::has_bigram`]).
//!
//! [`LanguageModel::logprob`] reproduces pocketsphinx's `lm_trie_score`
//! exactly (same lookups, same `f32` sums); pocketsphinx then truncates to an
//! integer number of log units, so the two agree within 4.4e-5 in log10
//! (`tests/lm_reference.rs`).

use std::cell::RefCell;
use std::sync::OnceLock;

/// log2 of the slots in each thread's n-gram cache (16 bytes each: 4 MiB per thread; a
/// quarter of that costs 3 % more instructions on the throughput corpus).
const CACHE_BITS: u32 = 18;

/// A thread's direct-mapped cache for one model at a time: the n-gram cache (raw n-gram
/// probabilities keyed by the packed word ids; vocabulary ids fit in 21 bits) and the word
/// cache (vocabulary look-ups).
struct ModelCache<T> {
    owner: usize,
    slots: Vec<T>,
}

impl<T: Copy> ModelCache<T> {
    const fn new() -> ModelCache<T> {
        ModelCache {
            owner: 0,
            slots: Vec::new(),
        }
    }

    /// The slots, emptied (all `empty`, `1 << bits` of them) when they held another model's.
    fn slots_for(&mut self, owner: usize, bits: u32, empty: T) -> &mut [T] {
        if self.owner != owner {
            self.owner = owner;
            self.slots.clear();
            self.slots.resize(1 << bits, empty);
        }
        &mut self.slots
    }
}

impl<T> ModelCache<T> {
    /// Start loading slot `slot` if the cache holds model `owner`'s entries (a hint).
    fn prefetch(&self, owner: usize, slot: usize) {
        if self.owner == owner {
            if let Some(s) = self.slots.get(slot) {
                prefetch_read(s);
            }
        }
    }
}

/// The slot of `key` in a cache of `2^bits` slots (a multiplicative hash: the golden ratio's
/// bits spread any key over the top bits).
#[inline]
fn slot_of(key: u64, bits: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize
}

/// Start loading the cache line holding `x` (a hint: no effect on what the program computes).
#[inline]
pub(crate) fn prefetch_read<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults and reads nothing the program sees; `x` is a valid
    // reference anyway.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
            (x as *const T).cast::<i8>(),
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

/// Numbers the models opened, so a cache never serves one model's values for another
/// (0 is no model).
static NEXT_MODEL: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

/// A word in the word cache (`len` 0: empty) and its id plus one (0: not in the vocabulary).
/// Each word is stored in its slot: a hit costs one read from a table that stays in the
/// core's second-level cache, where a look-up in the vocabulary itself follows three
/// scattered reads (slot, offset, text).
#[derive(Clone, Copy)]
struct WordSlot {
    len: u8,
    bytes: [u8; WORD_CACHE_LEN],
    id: u32,
}

/// Longest word the word cache keeps (longer ones go to the vocabulary directly).
const WORD_CACHE_LEN: usize = 27;
/// log2 of the slots of the word cache (32 bytes each: 512 KiB per thread).
const WORD_CACHE_BITS: u32 = 14;
const EMPTY_WORD: WordSlot = WordSlot {
    len: 0,
    bytes: [0; WORD_CACHE_LEN],
    id: 0,
};

thread_local! {
    static WORD_CACHE: RefCell<ModelCache<WordSlot>> = const { RefCell::new(ModelCache::new()) };
    static NGRAM_CACHE: RefCell<ModelCache<(u64, f32)>> =
        const { RefCell::new(ModelCache::new()) };
    static BIGRAM_CACHE: RefCell<ModelCache<(u64, u32)>> =
        const { RefCell::new(ModelCache::new()) };
}

/// log2 of the slots of each thread's bigram-entry cache (16 bytes each: 1 MiB per thread).
/// An n-gram the n-gram cache has not seen costs up to two bigram searches, a dozen
/// scattered reads of the 27 MB model each; the n-grams a decoder asks for share their
/// bigrams ("h1 w" under every "h2", the context "h2 h1" under every "w").
const BIGRAM_CACHE_BITS: u32 = 16;

/// Index of a word in the model vocabulary.
pub type WordId = u32;

/// log10 probability returned for a word the model does not know (see
/// [`LanguageModel::unk`]). The rarest real word in `en-us.lm.bin` has a
/// unigram log10 probability of about -9.47, so an unknown word scores just
/// below anything the model has seen.
pub const UNK_LOGPROB: f32 = -10.0;

/// Errors raised while parsing a language model file.
#[derive(Debug, thiserror::Error)]
pub enum LmError {
    #[error(
        "not a Sphinx trie language model: the file does not start with \"Trie Language Model\""
    )]
    BadMagic,
    #[error("unsupported n-gram order {0}: only trigram models are supported")]
    UnsupportedOrder(u8),
    #[error("unsupported quantiser tag {0} (expected 1)")]
    UnsupportedQuantizer(i32),
    #[error("language model truncated: {section} needs {needed} bytes at offset {offset}, but the file is only {len} bytes")]
    Truncated {
        section: &'static str,
        offset: usize,
        needed: usize,
        len: usize,
    },
    #[error("language model has {0} unexpected trailing bytes after the vocabulary")]
    TrailingBytes(usize),
    #[error("corrupt language model: {0}")]
    Corrupt(String),
}

/// log10(1.0001): converts pocketsphinx log units to log10.
const LOG10_OF_BASE: f32 = 4.342_727_686_266_964e-5_f64 as f32;
const MAGIC: &[u8] = b"Trie Language Model";
/// Bits per quantised value; the tables have `1 << QUANT_BITS` centres.
const QUANT_BITS: u32 = 16;
const QUANT_BINS: usize = 1 << QUANT_BITS;
const QUANT_MASK: u64 = (1 << QUANT_BITS) - 1;
const UNIGRAM_BYTES: usize = 12;

/// Number of bits needed to store values `0..=max` (pocketsphinx
/// `bitarr_required_bits`).
fn required_bits(max: u32) -> u32 {
    32 - max.leading_zeros()
}

/// A table of 65,536 little-endian `f32` quantiser centres.
#[derive(Clone, Copy)]
struct Centres(&'static [u8]);

impl Centres {
    #[inline]
    fn get(self, index: u64) -> f32 {
        let at = index as usize * 4;
        f32::from_le_bytes(self.0[at..at + 4].try_into().unwrap())
    }

    /// The index pocketsphinx's quantiser assigns to `value` (`bins_encode`:
    /// `lower_bound`, then the nearer of the two neighbouring centres). Ported
    /// step for step, because the builder's float sort leaves the centres only
    /// approximately sorted.
    fn encode(self, value: f32) -> u64 {
        let (mut first, mut count) = (0usize, QUANT_BINS);
        while count > 0 {
            let step = count / 2;
            if self.get((first + step) as u64) < value {
                first += step + 1;
                count -= step + 1;
            } else {
                count = step;
            }
        }
        if first == 0 {
            return 0;
        }
        if first == QUANT_BINS {
            return QUANT_BINS as u64 - 1;
        }
        let (below, above) = (self.get(first as u64 - 1), self.get(first as u64));
        (first - usize::from(value - below < above - value)) as u64
    }
}

/// One order of the bit-packed trie (bigrams or trigrams).
#[derive(Clone, Copy)]
struct BitArray {
    data: &'static [u8],
    /// Entries in use (excluding the sentinel).
    len: u32,
    total_bits: u64,
    word_mask: u64,
    /// Bit offset of the quantised value(s) within an entry.
    quant_offset: u64,
    /// Bit offset of the `next` pointer within an entry (middle orders only).
    next_offset: u64,
    next_mask: u64,
}

impl BitArray {
    /// Read `mask` bits starting at bit `bit` (pocketsphinx `bitarr_read_int57`).
    #[inline]
    fn read(&self, bit: u64, mask: u64) -> u64 {
        let byte = (bit >> 3) as usize;
        let raw = u64::from_le_bytes(self.data[byte..byte + 8].try_into().unwrap());
        (raw >> (bit & 7)) & mask
    }

    #[inline]
    fn word(&self, index: u32) -> u32 {
        self.read(index as u64 * self.total_bits, self.word_mask) as u32
    }

    /// The quantiser field (32 bits for middle orders: low 16 back-off, high
    /// 16 probability; 16 bits of probability for the top order).
    #[inline]
    fn quant(&self, index: u32, mask: u64) -> u64 {
        self.read(index as u64 * self.total_bits + self.quant_offset, mask)
    }

    #[inline]
    fn next(&self, index: u32) -> u32 {
        self.read(
            index as u64 * self.total_bits + self.next_offset,
            self.next_mask,
        ) as u32
    }

    /// Binary search for `word` among the entries `begin..end`, which are
    /// sorted by word id.
    #[inline]
    fn find(&self, begin: u32, end: u32, word: u32) -> Option<u32> {
        let (mut lo, mut hi) = (begin, end.min(self.len));
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let found = self.word(mid);
            if found < word {
                lo = mid + 1;
            } else if found > word {
                hi = mid;
            } else {
                return Some(mid);
            }
        }
        None
    }

    /// Child range of a middle-order entry.
    #[inline]
    fn children(&self, index: u32) -> (u32, u32) {
        (self.next(index), self.next(index + 1))
    }
}

/// The vocabulary: word strings in id order plus an open-addressing hash
/// index. Building it touches well under a megabyte of fresh memory, which
/// keeps loading far cheaper than a `HashMap<&str, u32>` plus `Vec<&str>`.
struct Vocab {
    /// All words, each followed by a NUL, in id order.
    text: &'static str,
    /// `starts[i]` is the byte offset of word `i`; `starts[len]` the end.
    starts: Vec<u32>,
    /// Linear-probing table of `id + 1` (0 = empty); its length is a power
    /// of two at least twice the vocabulary.
    slots: Vec<u32>,
    /// `64 - log2(slots.len())`: hashes use their top bits.
    shift: u32,
}

impl Vocab {
    fn new(bytes: &'static [u8], expected: u32) -> Result<Vocab, LmError> {
        let text = std::str::from_utf8(bytes)
            .map_err(|e| LmError::Corrupt(format!("vocabulary is not valid UTF-8 ({e})")))?;
        if bytes.last().is_some_and(|&b| b != 0) {
            return Err(LmError::Corrupt("vocabulary does not end with NUL".into()));
        }
        let mut starts = Vec::with_capacity(expected as usize + 1);
        starts.push(0);
        // Find the NULs eight bytes at a time: the top bit of each byte of
        // `zeros` is set exactly where that byte is 0 (no carries cross bytes).
        const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
        let mut chunks = bytes.chunks_exact(8);
        let mut base = 0u32;
        for chunk in &mut chunks {
            let word = u64::from_le_bytes(chunk.try_into().unwrap());
            let mut zeros = !(((word & LOW7) + LOW7) | word | LOW7);
            while zeros != 0 {
                starts.push(base + zeros.trailing_zeros() / 8 + 1);
                zeros &= zeros - 1;
            }
            base += 8;
        }
        for (at, &b) in chunks.remainder().iter().enumerate() {
            if b == 0 {
                starts.push(base + at as u32 + 1);
            }
        }
        let found = starts.len() - 1;
        if found != expected as usize {
            return Err(LmError::Corrupt(format!(
                "vocabulary holds {found} words, the header announces {expected}"
            )));
        }
        let size = (2 * found).next_power_of_two().max(2);
        let mut vocab = Vocab {
            text,
            starts,
            slots: vec![0; size],
            shift: 64 - size.trailing_zeros(),
        };
        // Insert in id order without comparing strings: with linear probing
        // a lookup meets the lowest id of any duplicated word first, so the
        // first occurrence wins, as in pocketsphinx.
        for id in 0..found as u32 {
            let mut slot = vocab.home(vocab.get(id));
            while vocab.slots[slot] != 0 {
                slot = (slot + 1) & (size - 1);
            }
            vocab.slots[slot] = id + 1;
        }
        Ok(vocab)
    }

    #[inline]
    fn len(&self) -> usize {
        self.starts.len() - 1
    }

    #[inline]
    fn get(&self, id: WordId) -> &'static str {
        let (start, end) = (self.starts[id as usize], self.starts[id as usize + 1]);
        &self.text[start as usize..end as usize - 1]
    }

    /// Home slot of `word`: the top bits of its hash.
    #[inline]
    fn home(&self, word: &str) -> usize {
        (self.hash(word) >> self.shift) as usize
    }

    /// FxHash-style mixing of a word's bytes.
    #[inline]
    fn hash(&self, word: &str) -> u64 {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut hash = word.len() as u64;
        let mut chunks = word.as_bytes().chunks_exact(8);
        for chunk in &mut chunks {
            hash = (hash.rotate_left(5) ^ u64::from_le_bytes(chunk.try_into().unwrap()))
                .wrapping_mul(K);
        }
        let mut tail = [0u8; 8];
        tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        (hash.rotate_left(5) ^ u64::from_le_bytes(tail)).wrapping_mul(K)
    }

    #[inline]
    fn id(&self, word: &str) -> Option<WordId> {
        let mask = self.slots.len() - 1;
        let mut slot = self.home(word);
        loop {
            match self.slots[slot] {
                0 => return None,
                entry if self.get(entry - 1) == word => return Some(entry - 1),
                _ => slot = (slot + 1) & mask,
            }
        }
    }
}

/// A pocketsphinx trie trigram model read in place from a `'static` byte
/// slice (normally the embedded `en-us.lm.bin`).
pub struct LanguageModel {
    /// `(n_vocab + 1)` x `{f32 prob, f32 backoff, u32 next}`.
    unigrams: &'static [u8],
    bigrams: BitArray,
    trigrams: BitArray,
    bigram_prob: Centres,
    bigram_backoff: Centres,
    trigram_prob: Centres,
    vocab: Vocab,
    bos: WordId,
    eos: WordId,
    /// Tells this model's entries in the thread's n-gram cache from another model's.
    cache_owner: usize,
    unk: WordId,
    /// Back-off index the builder gives its synthetic bigrams (encoded 0.0).
    zero_backoff: u64,
}

impl std::fmt::Debug for LanguageModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LanguageModel")
            .field("vocab", &self.vocab.len())
            .field("bigrams", &self.bigrams.len)
            .field("trigrams", &self.trigrams.len)
            .finish()
    }
}

/// Cursor over the input that reports truncation with the section name.
struct Reader {
    bytes: &'static [u8],
    pos: usize,
}

impl Reader {
    fn take(&mut self, section: &'static str, needed: usize) -> Result<&'static [u8], LmError> {
        let end = self
            .pos
            .checked_add(needed)
            .filter(|&end| end <= self.bytes.len());
        let Some(end) = end else {
            return Err(LmError::Truncated {
                section,
                offset: self.pos,
                needed,
                len: self.bytes.len(),
            });
        };
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    fn u32(&mut self, section: &'static str) -> Result<u32, LmError> {
        Ok(u32::from_le_bytes(
            self.take(section, 4)?.try_into().unwrap(),
        ))
    }
}

impl LanguageModel {
    /// Parse a pocketsphinx trie trigram model. Only section offsets, a few
    /// sentinels and the vocabulary index are computed; the n-gram data is
    /// read in place.
    pub fn from_bytes(bytes: &'static [u8]) -> Result<LanguageModel, LmError> {
        let mut r = Reader { bytes, pos: 0 };
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(LmError::BadMagic);
        }
        r.pos = MAGIC.len();
        let order = r.take("header", 1)?[0];
        if order != 3 {
            return Err(LmError::UnsupportedOrder(order));
        }
        let counts = [r.u32("header")?, r.u32("header")?, r.u32("header")?];
        let n_vocab = counts[0];
        if n_vocab == 0 || n_vocab >= 1 << 25 || counts[1] >= 1 << 25 || counts[2] >= 1 << 25 {
            return Err(LmError::Corrupt(format!(
                "implausible n-gram counts {counts:?}"
            )));
        }
        let tag = r.u32("quantiser")? as i32;
        if tag != 1 {
            return Err(LmError::UnsupportedQuantizer(tag));
        }
        let bigram_prob = Centres(r.take("bigram probability centres", QUANT_BINS * 4)?);
        let bigram_backoff = Centres(r.take("bigram back-off centres", QUANT_BINS * 4)?);
        let trigram_prob = Centres(r.take("trigram probability centres", QUANT_BINS * 4)?);
        let unigrams = r.take("unigrams", (n_vocab as usize + 1) * UNIGRAM_BYTES)?;

        let word_bits = required_bits(n_vocab) as u64;
        let next_bits = required_bits(counts[2]) as u64;
        let middle_bits = word_bits + 2 * QUANT_BITS as u64 + next_bits;
        let longest_bits = word_bits + QUANT_BITS as u64;
        let array_bytes =
            |entries: u32, bits: u64| ((1 + entries as u64) * bits).div_ceil(8) as usize + 8;
        let bigram_data = r.take("bigram array", array_bytes(counts[1], middle_bits))?;
        let trigram_data = r.take("trigram array", array_bytes(counts[2], longest_bits))?;

        let vocab_len = r.u32("vocabulary length")? as usize;
        let vocab = r.take("vocabulary", vocab_len)?;
        if r.pos != bytes.len() {
            return Err(LmError::TrailingBytes(bytes.len() - r.pos));
        }

        // Entries actually in use, from the sentinels (the header may
        // over-count). Unigram `next` pointers must be monotone so that every
        // child range is well formed.
        let unigram_next = |id: u32| {
            let at = id as usize * UNIGRAM_BYTES + 8;
            u32::from_le_bytes(unigrams[at..at + 4].try_into().unwrap())
        };
        let mut previous = 0;
        for id in 0..=n_vocab {
            let next = unigram_next(id);
            if next < previous {
                return Err(LmError::Corrupt(format!(
                    "unigram {id} has a decreasing child pointer"
                )));
            }
            previous = next;
        }
        let n_bigrams = unigram_next(n_vocab);
        if n_bigrams > counts[1] {
            return Err(LmError::Corrupt(format!(
                "unigrams point at {n_bigrams} bigrams, the header announces {}",
                counts[1]
            )));
        }
        let bigrams = BitArray {
            data: bigram_data,
            len: n_bigrams,
            total_bits: middle_bits,
            word_mask: (1 << word_bits) - 1,
            quant_offset: word_bits,
            next_offset: word_bits + 2 * QUANT_BITS as u64,
            next_mask: (1 << next_bits) - 1,
        };
        let n_trigrams = bigrams.next(n_bigrams);
        if n_trigrams > counts[2] {
            return Err(LmError::Corrupt(format!(
                "bigrams point at {n_trigrams} trigrams, the header announces {}",
                counts[2]
            )));
        }
        let trigrams = BitArray {
            data: trigram_data,
            len: n_trigrams,
            total_bits: longest_bits,
            word_mask: (1 << word_bits) - 1,
            quant_offset: word_bits,
            next_offset: 0,
            next_mask: 0,
        };

        let vocab = Vocab::new(vocab, n_vocab)?;
        let lookup = |name: &str| vocab.id(name);
        let bos = lookup("<s>").ok_or_else(|| LmError::Corrupt("vocabulary lacks <s>".into()))?;
        let eos = lookup("</s>").ok_or_else(|| LmError::Corrupt("vocabulary lacks </s>".into()))?;
        let unk = lookup("<UNK>")
            .or_else(|| lookup("<unk>"))
            .unwrap_or(n_vocab);
        Ok(LanguageModel {
            unigrams,
            bigrams,
            trigrams,
            bigram_prob,
            bigram_backoff,
            trigram_prob,
            vocab,
            bos,
            eos,
            unk,
            zero_backoff: bigram_backoff.encode(0.0),
            cache_owner: NEXT_MODEL.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        })
    }

    /// The CMU Sphinx US-English model compiled into the binary, parsed once.
    pub fn embedded() -> &'static LanguageModel {
        static MODEL: OnceLock<LanguageModel> = OnceLock::new();
        MODEL.get_or_init(|| {
            LanguageModel::from_bytes(include_bytes!("../dictionaries/en-us.lm.bin"))
                .expect("embedded dictionaries/en-us.lm.bin is a valid trie model")
        })
    }

    /// Exact lookup; the vocabulary is lowercase (`"don't"`, `"a."`, ...).
    #[inline]
    pub fn word_id(&self, word: &str) -> Option<WordId> {
        let Some(slot) = self.word_slot(word) else {
            return self.vocab.id(word);
        };
        let b = word.as_bytes();
        let owner = self.cache_owner;
        WORD_CACHE.with(|cell| {
            let mut cache = cell.borrow_mut();
            let s = &mut cache.slots_for(owner, WORD_CACHE_BITS, EMPTY_WORD)[slot];
            if s.len as usize == b.len() && &s.bytes[..b.len()] == b {
                return s.id.checked_sub(1);
            }
            let id = self.vocab.id(word);
            s.len = b.len() as u8;
            s.bytes[..b.len()].copy_from_slice(b);
            s.id = id.map_or(0, |i| i + 1);
            id
        })
    }

    /// Start loading the word-cache slot `word_id(word)` will read: the cache is 512 KiB a
    /// thread, larger than a core's nearest caches, and a sentence's look-ups one after the
    /// other each waited for memory (7 % of the time of spun articles, `perf`).
    #[inline]
    pub fn prefetch_word(&self, word: &str) {
        if let Some(slot) = self.word_slot(word) {
            WORD_CACHE.with(|cell| cell.borrow().prefetch(self.cache_owner, slot));
        }
    }

    /// The word-cache slot of `word`, or None for a word the cache does not keep (empty or
    /// longer than `WORD_CACHE_LEN`).
    #[inline]
    fn word_slot(&self, word: &str) -> Option<usize> {
        let n = word.len();
        (n > 0 && n <= WORD_CACHE_LEN)
            .then(|| self.vocab.hash(word) as usize >> (64 - WORD_CACHE_BITS))
    }

    /// The word for `id`. The [`unk`](Self::unk) sentinel reads as `"<UNK>"`.
    ///
    /// # Panics
    /// If `id` is neither a vocabulary id nor the `unk` sentinel.
    #[inline]
    pub fn word(&self, id: WordId) -> &str {
        if self.known(id) {
            self.vocab.get(id)
        } else if id == self.unk {
            "<UNK>"
        } else {
            panic!(
                "word id {id} is outside the vocabulary of {} words",
                self.vocab.len()
            )
        }
    }

    /// Number of words in the vocabulary (ids are `0..vocab_size()`).
    #[inline]
    pub fn vocab_size(&self) -> usize {
        self.vocab.len()
    }

    /// Sentence start, `<s>` (its own unigram log10 probability is -99).
    #[inline]
    pub fn bos(&self) -> WordId {
        self.bos
    }

    /// Sentence end, `</s>`.
    #[inline]
    pub fn eos(&self) -> WordId {
        self.eos
    }

    /// The unknown word. `en-us.lm.bin` has no `<UNK>` entry, so this is the
    /// out-of-vocabulary sentinel `vocab_size()`: as a predicted word it
    /// scores [`UNK_LOGPROB`]; in a history it cuts the history short there,
    /// as pocketsphinx does.
    #[inline]
    pub fn unk(&self) -> WordId {
        self.unk
    }

    /// log10 P(w | h2 h1) with Katz back-off, bit-for-bit the computation
    /// pocketsphinx performs (up to its final truncation to integer log
    /// units). `h1 = None` gives the unigram, `h2 = None` the bigram
    /// probability; as in pocketsphinx, an unknown or missing `h1` also drops
    /// `h2`. An unknown `w` scores [`UNK_LOGPROB`].
    #[inline]
    pub fn logprob(&self, h2: Option<WordId>, h1: Option<WordId>, w: WordId) -> f32 {
        if !self.known(w) {
            return UNK_LOGPROB;
        }
        let raw = match self.ngram_context(h2, h1, w) {
            None => self.unigram_prob(w),
            Some((h2, h1)) => self.cached(h2, h1, w, || match h2 {
                None => self.bigram_raw(h1, w),
                Some(h2) => self.trigram_raw(h2, h1, w),
            }),
        };
        raw * LOG10_OF_BASE
    }

    /// The context `logprob(h2, h1, w)` reads a bigram or trigram in, or None when it reads
    /// a unigram (or nothing): unknown words drop out of the context, and an unknown `h1`
    /// drops `h2` too.
    #[inline]
    fn ngram_context(
        &self,
        h2: Option<WordId>,
        h1: Option<WordId>,
        w: WordId,
    ) -> Option<(Option<WordId>, WordId)> {
        let h1 = h1.filter(|&h| self.known(h) && self.known(w))?;
        Some((h2.filter(|&h| self.known(h)), h1))
    }

    /// Ask the memory for the n-gram cache slot `logprob(h2, h1, w)` will read, without
    /// waiting for it: the decoder knows every n-gram of a position's expansions before it
    /// scores them, and fetching their scattered slots together instead of one after the
    /// other hides most of the wait (the probe was a fifth of the time).
    #[inline]
    pub fn prefetch(&self, h2: Option<WordId>, h1: Option<WordId>, w: WordId) {
        let Some((h2, h1)) = self.ngram_context(h2, h1, w) else {
            return;
        };
        let Some((_, set)) = self.cache_slot(h2, h1, w) else {
            return;
        };
        NGRAM_CACHE.with(|cell| cell.borrow().prefetch(self.cache_owner, set));
    }

    /// The n-gram cache key of "h2 h1 w" and the first of its set's two slots (None when
    /// the ids would not fit the packed key).
    #[inline]
    fn cache_slot(&self, h2: Option<WordId>, h1: WordId, w: WordId) -> Option<(u64, usize)> {
        const NONE: u64 = (1 << 21) - 1;
        if self.vocab.len() as u64 >= NONE {
            return None;
        }
        let key = (h2.map_or(NONE, u64::from) << 42) | (u64::from(h1) << 21) | u64::from(w);
        // Two ways per set, next to each other: the newest entry first.
        let set = 2 * slot_of(key, CACHE_BITS - 1);
        Some((key, set))
    }

    /// A bigram or trigram probability through this thread's cache: each costs up to three
    /// binary searches over bit-packed children, and decoding asks for the same few
    /// thousand n-grams again and again (every hypothesis of the beam, every candidate
    /// scored in context, the frequent n-grams of every document).
    #[inline]
    fn cached(&self, h2: Option<WordId>, h1: WordId, w: WordId, score: impl Fn() -> f32) -> f32 {
        let Some((key, set)) = self.cache_slot(h2, h1, w) else {
            return score(); // ids would not fit the packed key
        };
        let owner = self.cache_owner;
        NGRAM_CACHE.with(|cell| {
            let mut cache = cell.borrow_mut();
            let ways = &mut cache.slots_for(owner, CACHE_BITS, (u64::MAX, 0.0))[set..set + 2];
            if ways[0].0 == key {
                return ways[0].1;
            }
            if ways[1].0 == key {
                ways.swap(0, 1);
                return ways[0].1;
            }
            ways[1] = ways[0];
            ways[0] = (key, score());
            ways[0].1
        })
    }

    /// log10 P(w), or [`UNK_LOGPROB`] for an unknown word.
    #[inline]
    pub fn unigram_logprob(&self, w: WordId) -> f32 {
        if !self.known(w) {
            return UNK_LOGPROB;
        }
        self.unigram_prob(w) * LOG10_OF_BASE
    }

    /// Whether the model holds an explicit estimate for the bigram "h1 w"
    /// (rather than reaching it by back-off).
    ///
    /// Besides real bigrams, the trie holds about 57,000 synthetic ones that
    /// pocketsphinx's builder inserts so that a trigram "h2 h1 w" whose bigram
    /// "h1 w" was pruned stays reachable; they store the back-off value
    /// bo(h1) + P(w) and are not counted here.
    #[inline]
    pub fn has_bigram(&self, h1: WordId, w: WordId) -> bool {
        self.known(h1)
            && self.known(w)
            && self
                .find_bigram(h1, w)
                .is_some_and(|entry| !self.is_synthetic(entry, h1, w))
    }

    /// Whether the trigram "h2 h1 w" is stored in the model.
    #[inline]
    pub fn has_trigram(&self, h2: WordId, h1: WordId, w: WordId) -> bool {
        if !(self.known(h2) && self.known(h1) && self.known(w)) {
            return false;
        }
        match self.find_bigram(h1, w) {
            Some(bigram) => {
                let (begin, end) = self.bigrams.children(bigram);
                self.trigrams.find(begin, end, h2).is_some()
            }
            None => false,
        }
    }

    #[inline]
    fn known(&self, id: WordId) -> bool {
        (id as usize) < self.vocab.len()
    }

    #[inline]
    fn unigram_field(&self, id: WordId, field: usize) -> [u8; 4] {
        let at = id as usize * UNIGRAM_BYTES + field * 4;
        self.unigrams[at..at + 4].try_into().unwrap()
    }

    /// Unigram probability in log base 1.0001.
    #[inline]
    fn unigram_prob(&self, id: WordId) -> f32 {
        f32::from_le_bytes(self.unigram_field(id, 0))
    }

    /// Unigram back-off weight in log base 1.0001.
    #[inline]
    fn unigram_backoff(&self, id: WordId) -> f32 {
        f32::from_le_bytes(self.unigram_field(id, 1))
    }

    #[inline]
    fn unigram_next(&self, id: WordId) -> u32 {
        u32::from_le_bytes(self.unigram_field(id, 2))
    }

    /// Index of the bigram entry "h1 w": `h1` among the children of `w`.
    #[inline]
    fn find_bigram(&self, h1: WordId, w: WordId) -> Option<u32> {
        let key = (u64::from(h1) << 32) | u64::from(w);
        let slot = slot_of(key, BIGRAM_CACHE_BITS);
        BIGRAM_CACHE.with(|cell| {
            let mut cache = cell.borrow_mut();
            let s = &mut cache.slots_for(self.cache_owner, BIGRAM_CACHE_BITS, (u64::MAX, 0))[slot];
            if s.0 == key {
                return s.1.checked_sub(1);
            }
            let found = self
                .bigrams
                .find(self.unigram_next(w), self.unigram_next(w + 1), h1);
            *s = (key, found.map_or(0, |e| e + 1));
            found
        })
    }

    #[inline]
    fn bigram_prob(&self, entry: u32) -> f32 {
        let quant = self.bigrams.quant(entry, u32::MAX as u64);
        self.bigram_prob.get(quant >> QUANT_BITS)
    }

    #[inline]
    fn bigram_backoff(&self, entry: u32) -> f32 {
        let quant = self.bigrams.quant(entry, QUANT_MASK);
        self.bigram_backoff.get(quant)
    }

    /// Whether bigram `entry` ("h1 w") is one of the builder's synthetic
    /// entries: it has trigram children, a zero back-off, and its probability
    /// index is exactly what the builder writes for bo(h1) + P(w) (`calc_prob`
    /// in pocketsphinx `recursive_insert`).
    fn is_synthetic(&self, entry: u32, h1: WordId, w: WordId) -> bool {
        let (begin, end) = self.bigrams.children(entry);
        if begin == end || self.bigrams.quant(entry, QUANT_MASK) != self.zero_backoff {
            return false;
        }
        let backoff_value = self.unigram_prob(w) + self.unigram_backoff(h1);
        self.bigrams.quant(entry, u32::MAX as u64) >> QUANT_BITS
            == self.bigram_prob.encode(backoff_value)
    }

    /// P(w | h1) in log base 1.0001.
    #[inline]
    fn bigram_raw(&self, h1: WordId, w: WordId) -> f32 {
        match self.find_bigram(h1, w) {
            Some(entry) => self.bigram_prob(entry),
            None => self.unigram_prob(w) + self.unigram_backoff(h1),
        }
    }

    /// P(w | h2 h1) in log base 1.0001, summed in pocketsphinx's order.
    #[inline]
    fn trigram_raw(&self, h2: WordId, h1: WordId, w: WordId) -> f32 {
        // Back-off weight of the context "h2 h1" (0 if it is not a bigram).
        let context_backoff = || match self.find_bigram(h2, h1) {
            Some(entry) => self.bigram_backoff(entry),
            None => 0.0,
        };
        match self.find_bigram(h1, w) {
            None => self.unigram_prob(w) + self.unigram_backoff(h1) + context_backoff(),
            Some(bigram) => {
                let (begin, end) = self.bigrams.children(bigram);
                match self.trigrams.find(begin, end, h2) {
                    Some(trigram) => {
                        let quant = self.trigrams.quant(trigram, QUANT_MASK);
                        self.trigram_prob.get(quant)
                    }
                    None => self.bigram_prob(bigram) + context_backoff(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lm() -> &'static LanguageModel {
        LanguageModel::embedded()
    }

    fn id(word: &str) -> WordId {
        lm().word_id(word)
            .unwrap_or_else(|| panic!("{word:?} not in vocabulary"))
    }

    fn p(h2: Option<&str>, h1: Option<&str>, w: &str) -> f32 {
        lm().logprob(h2.map(id), h1.map(id), id(w))
    }

    #[test]
    fn header_and_sections() {
        let lm = lm();
        assert_eq!(lm.vocab_size(), 72_547);
        // The header claims 2,051,547 bigrams; the trie holds fewer.
        assert_eq!(lm.bigrams.len, 2_051_541);
        assert_eq!(lm.trigrams.len, 1_669_625);
        assert_eq!(lm.bigrams.total_bits, 17 + 32 + 21);
        assert_eq!(lm.trigrams.total_bits, 17 + 16);
        assert_eq!(lm.word(lm.bos()), "<s>");
        assert_eq!(lm.word(lm.eos()), "</s>");
        assert_eq!(lm.unk() as usize, lm.vocab_size());
        assert_eq!(lm.word(lm.unk()), "<UNK>");
        assert_eq!(lm.word(0), "'bout");
        assert_eq!(lm.word(lm.vocab_size() as WordId - 1), "zyuganov's");
        for word in ["the", "said", "don't", "according", "<s>"] {
            assert_eq!(lm.word(id(word)), word);
        }
        assert_eq!(lm.word_id("The"), None);
        assert_eq!(lm.word_id("qwzxv"), None);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(
            LanguageModel::from_bytes(b"Darpa Trigram LM"),
            Err(LmError::BadMagic)
        ));
        assert!(matches!(
            LanguageModel::from_bytes(b""),
            Err(LmError::BadMagic)
        ));
        let full: &'static [u8] = include_bytes!("../dictionaries/en-us.lm.bin");
        assert!(matches!(
            LanguageModel::from_bytes(&full[..1_000_000]),
            Err(LmError::Truncated {
                section: "unigrams",
                ..
            })
        ));
        assert!(matches!(
            LanguageModel::from_bytes(&full[..full.len() - 1]),
            Err(LmError::Truncated {
                section: "vocabulary",
                ..
            })
        ));
        let bigram: &'static mut [u8] = Box::leak(full.to_vec().into_boxed_slice());
        bigram[19] = 4;
        assert!(matches!(
            LanguageModel::from_bytes(bigram),
            Err(LmError::UnsupportedOrder(4))
        ));
        let message = LanguageModel::from_bytes(&full[..40])
            .unwrap_err()
            .to_string();
        assert!(message.contains("truncated"), "{message}");
    }

    #[test]
    fn sanity_probabilities() {
        // Unigrams are plausible log10 values; <s> is never predicted.
        let the = p(None, None, "the");
        assert!((-1.5..-1.2).contains(&the), "P(the) = {the}");
        assert!((p(None, None, "<s>") + 99.0).abs() < 1e-3);
        assert_eq!(lm().unigram_logprob(id("the")), the);

        assert!(p(None, Some("he"), "said") > p(None, Some("he"), "mentioned"));
        assert!(p(None, Some("of"), "the") > p(None, Some("the"), "of"));
        assert!(p(Some("according"), Some("to"), "the") > p(Some("according"), Some("to"), "of"));
        assert!(p(Some("<s>"), Some("it"), "is") > p(Some("<s>"), Some("it"), "are"));

        // Every probability is a probability.
        for (h2, h1, w) in [
            (None, None, "zyuganov's"),
            (None, Some("the"), "the"),
            (Some("the"), Some("the"), "the"),
            (Some("president"), Some("of"), "the"),
        ] {
            let lp = p(h2, h1, w);
            assert!(lp < 0.0 && lp > -20.0, "{h2:?} {h1:?} {w}: {lp}");
        }
    }

    #[test]
    fn backoff_for_unseen_ngrams() {
        let lm = lm();
        let (of, the, zebra, aardvark) = (id("of"), id("the"), id("zebras"), id("aardvark"));

        // Unseen bigram: P(w | h1) = bo(h1) + P(w).
        assert!(!lm.has_bigram(aardvark, zebra));
        let expected = lm.unigram_backoff(aardvark) * LOG10_OF_BASE + lm.unigram_logprob(zebra);
        assert!((lm.logprob(None, Some(aardvark), zebra) - expected).abs() < 1e-4);

        // Unseen trigram over a seen bigram: P(w | h2 h1) = bo(h2 h1) + P(w | h1).
        assert!(lm.has_bigram(of, the));
        assert!(!lm.has_trigram(aardvark, of, the));
        let context = lm.find_bigram(aardvark, of);
        let bo = context.map_or(0.0, |e| lm.bigram_backoff(e)) * LOG10_OF_BASE;
        let expected = bo + lm.logprob(None, Some(of), the);
        assert!((lm.logprob(Some(aardvark), Some(of), the) - expected).abs() < 1e-4);

        // Seen trigram is read directly and differs from its back-off value.
        let (one, the_) = (id("one"), id("the"));
        assert!(lm.has_trigram(one, of, the_));
        let seen = lm.logprob(Some(one), Some(of), the_);
        let backed_off = lm.bigram_backoff(lm.find_bigram(one, of).unwrap()) * LOG10_OF_BASE
            + lm.logprob(None, Some(of), the_);
        assert!((seen - backed_off).abs() > 1e-3, "{seen} vs {backed_off}");

        // An unseen word two back does not change the bigram probability more
        // than by its (non-positive) context back-off.
        assert!(lm.logprob(Some(zebra), Some(of), the) <= lm.logprob(None, Some(of), the) + 1e-6);
    }

    #[test]
    fn synthetic_bigrams_are_not_explicit() {
        let lm = lm();
        let (dont, necessary, have) = (id("don't"), id("necessary"), id("have"));
        // The trigram "don't necessary have" exists but its bigram suffix was
        // pruned, so the builder stored "necessary have" with the back-off
        // value.
        assert!(lm.has_trigram(dont, necessary, have));
        assert!(lm.find_bigram(necessary, have).is_some());
        assert!(!lm.has_bigram(necessary, have));
        let backoff = (lm.unigram_prob(have) + lm.unigram_backoff(necessary)) * LOG10_OF_BASE;
        assert!((lm.logprob(None, Some(necessary), have) - backoff).abs() < 1e-3);
        assert!(lm.has_bigram(id("he"), id("said")));

        let mut synthetic = 0;
        for w in 0..lm.vocab_size() as WordId {
            for entry in lm.unigram_next(w)..lm.unigram_next(w + 1) {
                if lm.is_synthetic(entry, lm.bigrams.word(entry), w) {
                    synthetic += 1;
                }
            }
        }
        eprintln!("{synthetic} synthetic bigrams of {}", lm.bigrams.len);
        assert!((55_000..60_000).contains(&synthetic), "{synthetic}");
    }

    #[test]
    fn unknown_words() {
        let lm = lm();
        let (unk, he, said) = (lm.unk(), id("he"), id("said"));
        assert_eq!(lm.logprob(None, None, unk), UNK_LOGPROB);
        assert_eq!(lm.logprob(Some(he), Some(he), unk), UNK_LOGPROB);
        assert_eq!(lm.unigram_logprob(unk), UNK_LOGPROB);
        // An unknown history word truncates the history (pocketsphinx rule).
        assert_eq!(
            lm.logprob(Some(unk), Some(he), said),
            lm.logprob(None, Some(he), said)
        );
        assert_eq!(
            lm.logprob(Some(he), Some(unk), said),
            lm.logprob(None, None, said)
        );
        assert_eq!(
            lm.logprob(Some(he), None, said),
            lm.logprob(None, None, said)
        );
        assert!(!lm.has_bigram(unk, said) && !lm.has_bigram(he, unk));
        assert!(!lm.has_trigram(unk, he, said));
    }

    #[test]
    fn children_are_sorted() {
        // Spot-check the sorted-children invariant binary search relies on.
        let lm = lm();
        for w in (0..lm.vocab_size() as WordId).step_by(97) {
            let (begin, end) = (lm.unigram_next(w), lm.unigram_next(w + 1));
            for i in begin + 1..end {
                assert!(lm.bigrams.word(i - 1) < lm.bigrams.word(i));
            }
        }
        for entry in (0..lm.bigrams.len).step_by(1009) {
            let (begin, end) = lm.bigrams.children(entry);
            assert!(begin <= end && end <= lm.trigrams.len);
            for i in begin + 1..end {
                assert!(lm.trigrams.word(i - 1) < lm.trigrams.word(i));
            }
        }
    }

    #[test]
    fn load_is_cheap() {
        // Parsing must not touch the n-gram arrays: only offsets, sentinels
        // and the vocabulary index are computed (~2-8 ms in release).
        let bytes: &'static [u8] = include_bytes!("../dictionaries/en-us.lm.bin");
        let start = std::time::Instant::now();
        let model = LanguageModel::from_bytes(bytes).unwrap();
        let elapsed = start.elapsed();
        eprintln!("LanguageModel::from_bytes took {elapsed:?}");
        assert_eq!(model.vocab_size(), 72_547);
        if !cfg!(debug_assertions) {
            assert!(elapsed.as_millis() < 50, "loading took {elapsed:?}");
        }
    }
}
