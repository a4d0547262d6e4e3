//! Tokens: the input split into words, numbers, punctuation and whitespace as half-open byte
//! spans into the untouched text, so every later stage can point back at exact bytes.

use compact_str::CompactString;

use std::ops::Range;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Letters, with inner apostrophes ("doesn’t", "Trump's") and inner periods of
    /// abbreviations ("U.S."), and digits mixed with letters ("G7", "3-3-3" is a Number).
    Word,
    /// Digits with inner separators: "2,051,547", "3.5", "98%" is Number + Punct.
    Number,
    /// Any single non-space, non-word character (a hyphen, a quote, a bracket).
    Punct,
    /// A run of whitespace; `breaks` tells whether it contains a newline.
    Space,
}

/// One token: its kind and where it lies in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

impl Token {
    pub fn span(&self) -> Range<usize> {
        self.start..self.end
    }
    pub fn text<'a>(&self, input: &'a str) -> &'a str {
        &input[self.start..self.end]
    }
    pub fn is_word(&self) -> bool {
        self.kind == Kind::Word
    }
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '’' || c == 'ʼ'
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The character starting at byte `i` of `input` (a character boundary), if any; ASCII
/// without decoding.
#[inline]
fn char_at(input: &str, i: usize) -> Option<char> {
    match *input.as_bytes().get(i)? {
        b if b < 0x80 => Some(b as char),
        _ => input[i..].chars().next(),
    }
}

/// Split `input` into tokens covering every byte exactly once, in order.
pub fn tokenize(input: &str) -> Vec<Token> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(input.len() / 4);
    let mut start = 0;
    while let Some(c) = char_at(input, start) {
        let kind;
        let mut end = start + c.len_utf8();
        if c.is_whitespace() {
            while let Some(d) = char_at(input, end).filter(|d| d.is_whitespace()) {
                end += d.len_utf8();
            }
            kind = Kind::Space;
        } else if is_word_char(c) {
            let mut has_letter = c.is_alphabetic();
            loop {
                // ASCII letters and digits, the bulk of every word, a byte at a time.
                while let Some(&b) = bytes.get(end).filter(|b| b.is_ascii_alphanumeric()) {
                    has_letter |= b.is_ascii_alphabetic();
                    end += 1;
                }
                let Some(d) = char_at(input, end) else {
                    break;
                };
                let i = end;
                if is_word_char(d) {
                    has_letter |= d.is_alphabetic();
                    end = i + d.len_utf8();
                    continue;
                }
                // An inner joiner counts only when a word character follows it.
                let joins = is_apostrophe(d)
                    || (d == '.' && has_letter && input[start..end].chars().count() == 1)
                    || (!has_letter && (d == ',' || d == '.'));
                if !joins {
                    break;
                }
                let after = char_at(input, i + d.len_utf8());
                let ok = match after {
                    Some(a) if d == ',' || (d == '.' && !has_letter) => a.is_ascii_digit(),
                    Some(a) => is_word_char(a),
                    None => false,
                };
                if !ok {
                    break;
                }
                end = i + d.len_utf8();
            }
            kind = if has_letter { Kind::Word } else { Kind::Number };
        } else {
            kind = Kind::Punct;
        }
        out.push(Token { kind, start, end });
        start = end;
    }
    out
}

/// The key a word is looked up under: lowercase, typographic apostrophes made straight.
pub fn normalize(word: &str) -> String {
    normalize_compact(word).into()
}

/// Whether `normalize` would return `word` unchanged (ASCII with no capital), so the word can
/// be looked up, or kept, as it is.
pub fn is_normal(word: &str) -> bool {
    word.bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
}

/// [`normalize`] held inline when short (no allocation for a word of up to 24 bytes): the
/// form the repairer keeps for every word it reads.
pub fn normalize_compact(word: &str) -> CompactString {
    if word.is_ascii() {
        let mut s = CompactString::new(word);
        s.make_ascii_lowercase();
        return s;
    }
    let mut s = CompactString::with_capacity(word.len());
    for c in word.chars() {
        if is_apostrophe(c) {
            s.push('\'');
        } else {
            s.extend(c.to_lowercase());
        }
    }
    s
}

/// Whether a word starting at `start` of `text`, right after a word ending at `prev_end`, is
/// a word of a name: capitalised, with only spaces (no punctuation, no line break) since the
/// word before it, so not the first word of a sentence, a heading or a quotation ("the
/// Change 2", "Nintendo Change", but not "Change is coming" or "said: Change").
pub fn in_name(text: &str, prev_end: usize, start: usize) -> bool {
    text[start..].starts_with(char::is_uppercase)
        && text[prev_end..start]
            .chars()
            .all(|c| c.is_whitespace() && c != '\n' && c != '\r')
}

/// Whether a word takes "an" rather than "a" (by its spelling, with the usual exceptions).
pub fn wants_an(word: &str) -> bool {
    let w = word.to_lowercase();
    let vowel = w.starts_with(['a', 'e', 'i', 'o', 'u']);
    let consonant_sound = ["uni", "use", "usu", "uti", "one", "once", "eu", "ur"];
    let vowel_sound = ["hour", "honest", "honor", "honour", "heir"];
    (vowel && !consonant_sound.iter().any(|p| w.starts_with(p)))
        || vowel_sound.iter().any(|p| w.starts_with(p))
}

/// Whether the punctuation token ends a sentence.
pub fn ends_sentence(p: &str) -> bool {
    matches!(p, "." | "!" | "?" | "…")
}

/// Whether a normalised word is a very common function word (article, preposition, pronoun,
/// auxiliary, conjunction), listed in `dictionaries/function-words.txt`, which
/// `scripts/select_spins.py` also reads to keep swaps between two of them out of the spin
/// table. A spinner rarely swaps one, so such a word neither anchors a damaged name nor
/// stands for one of its changed words.
pub fn is_function_word(norm: &str) -> bool {
    // A hash set: asked for most words of a spun text, where a binary search's string
    // comparisons were a tenth of the time spent comparing memory.
    static WORDS: std::sync::OnceLock<rustc_hash::FxHashSet<&'static str>> =
        std::sync::OnceLock::new();
    let words = WORDS.get_or_init(|| {
        include_str!("../dictionaries/function-words.txt")
            .lines()
            .filter(|w| !w.is_empty() && !w.starts_with('#'))
            .collect()
    });
    words.contains(norm)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<(&str, Kind)> {
        tokenize(s)
            .into_iter()
            .filter(|t| t.kind != Kind::Space)
            .map(|t| (t.text(s), t.kind))
            .collect()
    }

    #[test]
    fn covers_every_byte() {
        let s =
            "Trump’s Fact Social put up on Friday — “good”, 2,051,547 (3.5%) Mélanie U.S.-led\r\n";
        let toks = tokenize(s);
        let mut pos = 0;
        for t in &toks {
            assert_eq!(t.start, pos);
            pos = t.end;
        }
        assert_eq!(pos, s.len());
    }

    #[test]
    fn words_numbers_and_quotes() {
        let s = "Trump’s “good”, don't 2,051,547 3.5% Mélanie U.S.-proposed G7 end.";
        let w = words(s);
        assert_eq!(w[0], ("Trump’s", Kind::Word));
        assert_eq!(w[1], ("“", Kind::Punct));
        assert_eq!(w[2], ("good", Kind::Word));
        assert!(w.contains(&("don't", Kind::Word)));
        assert!(w.contains(&("2,051,547", Kind::Number)));
        assert!(w.contains(&("3.5", Kind::Number)));
        assert!(w.contains(&("Mélanie", Kind::Word)));
        assert!(w.contains(&("U.S", Kind::Word)));
        assert!(w.contains(&("proposed", Kind::Word)));
        assert!(w.contains(&("G7", Kind::Word)));
        assert_eq!(w.last().unwrap(), &(".", Kind::Punct));
        assert!(w.contains(&("end", Kind::Word)));
    }

    #[test]
    fn trailing_apostrophe_is_punct() {
        let w = words("the players' union");
        assert_eq!(w[1], ("players", Kind::Word));
        assert_eq!(w[2], ("'", Kind::Punct));
    }

    #[test]
    fn articles() {
        assert!(wants_an("end") && wants_an("hour") && wants_an("excellent"));
        assert!(!wants_an("finish") && !wants_an("university") && !wants_an("one"));
    }

    #[test]
    fn normalize_folds_case_and_apostrophes() {
        assert_eq!(normalize("Trump’s"), "trump's");
        assert_eq!(normalize("MÉLANIE"), "mélanie");
    }
}
