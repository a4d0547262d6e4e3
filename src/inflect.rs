//! Inflection for building the dictionaries: turn a lemma pair (say, mention) into pairs of
//! the same form (said/mentioned, says/mentions, saying/mentioning), from WordNet's irregular
//! forms (`*.exc`) plus suffix rules checked against the language model's vocabulary.

use std::collections::{HashMap, HashSet};

/// A form a word can take; a pair of synonyms maps only between equal forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Form {
    Base,
    /// Noun plural or verb third person singular.
    S,
    /// Verb past tense or past participle.
    Ed,
    Ing,
}

pub const FORMS: [Form; 4] = [Form::Base, Form::S, Form::Ed, Form::Ing];

/// What WordNet knows about word classes and irregular forms.
#[derive(Default)]
pub struct Morphology {
    verbs: HashSet<String>,
    nouns: HashSet<String>,
    /// base -> irregular inflected forms (verb.exc), past and participle mixed.
    verb_irregular: HashMap<String, Vec<String>>,
    /// base -> irregular plurals (noun.exc).
    noun_irregular: HashMap<String, Vec<String>>,
}

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u')
}

impl Morphology {
    /// Read WordNet's `index.verb`, `index.noun`, `verb.exc`, `noun.exc` from `dir`.
    pub fn from_wordnet(dir: &std::path::Path) -> std::io::Result<Morphology> {
        let mut m = Morphology::default();
        for (file, set) in [("index.verb", &mut m.verbs), ("index.noun", &mut m.nouns)] {
            let text = std::fs::read_to_string(dir.join(file))?;
            for line in text.lines().filter(|l| !l.starts_with(' ')) {
                if let Some(lemma) = line.split(' ').next() {
                    set.insert(lemma.replace('_', " "));
                }
            }
        }
        for (file, map) in [
            ("verb.exc", &mut m.verb_irregular),
            ("noun.exc", &mut m.noun_irregular),
        ] {
            let text = std::fs::read_to_string(dir.join(file))?;
            for line in text.lines() {
                let mut it = line.split(' ');
                if let (Some(form), Some(base)) = (it.next(), it.next()) {
                    map.entry(base.replace('_', " "))
                        .or_default()
                        .push(form.replace('_', " "));
                }
            }
        }
        Ok(m)
    }

    /// Whether a term can be a verb (a multiword term counts when it or its first word is one).
    pub fn is_verb(&self, term: &str) -> bool {
        self.verbs.contains(term)
            || term
                .split(' ')
                .next()
                .is_some_and(|w| self.verbs.contains(w) && term.contains(' '))
    }

    pub fn is_noun(&self, term: &str) -> bool {
        self.nouns.contains(term)
    }

    /// The forms of `term` in class `form`, as candidates (the caller keeps those the
    /// language model knows). Verbs inflect their first word ("find out" -> "finding out"),
    /// nouns their last ("news conference" -> "news conferences").
    pub fn inflect(&self, term: &str, form: Form) -> Vec<String> {
        match form {
            Form::Base => vec![term.to_string()],
            Form::S => {
                let mut out = Vec::new();
                if self.is_noun(term) {
                    let (head, last) = split_last(term);
                    let plurals = match self.noun_irregular.get(last) {
                        Some(irr) => irr.clone(),
                        None => vec![suffix_s(last)],
                    };
                    out.extend(plurals.into_iter().map(|p| format!("{head}{p}")));
                }
                if self.is_verb(term) {
                    let (first, tail) = split_first(term);
                    out.push(format!("{}{tail}", suffix_s(first)));
                }
                out.dedup();
                out
            }
            Form::Ed | Form::Ing => {
                if !self.is_verb(term) {
                    return Vec::new();
                }
                let (first, tail) = split_first(term);
                let forms: Vec<String> = match (form, self.verb_irregular.get(first)) {
                    (Form::Ed, Some(irr)) => irr
                        .iter()
                        .filter(|f| !f.ends_with("ing") && !f.ends_with('s'))
                        .cloned()
                        .collect(),
                    (Form::Ing, Some(irr)) if irr.iter().any(|f| f.ends_with("ing")) => {
                        irr.iter().filter(|f| f.ends_with("ing")).cloned().collect()
                    }
                    _ => suffix_ed_ing(first, form),
                };
                forms.into_iter().map(|f| format!("{f}{tail}")).collect()
            }
        }
    }
}

fn split_first(term: &str) -> (&str, &str) {
    match term.find(' ') {
        Some(i) => (&term[..i], &term[i..]),
        None => (term, ""),
    }
}

fn split_last(term: &str) -> (&str, &str) {
    match term.rfind(' ') {
        Some(i) => (&term[..=i], &term[i + 1..]),
        None => ("", term),
    }
}

fn suffix_s(w: &str) -> String {
    let b = w.as_bytes();
    let n = b.len();
    if w.ends_with('s')
        || w.ends_with('x')
        || w.ends_with('z')
        || w.ends_with("ch")
        || w.ends_with("sh")
    {
        format!("{w}es")
    } else if n >= 2 && b[n - 1] == b'y' && !is_vowel(b[n - 2]) {
        format!("{}ies", &w[..n - 1])
    } else {
        format!("{w}s")
    }
}

/// Regular past and -ing forms; with consonant doubling offered as a second guess
/// (the caller keeps whichever the vocabulary has).
fn suffix_ed_ing(w: &str, form: Form) -> Vec<String> {
    let b = w.as_bytes();
    let n = b.len();
    let suf = if form == Form::Ed { "ed" } else { "ing" };
    let mut out = Vec::new();
    if form == Form::Ed && w.ends_with('e') {
        out.push(format!("{w}d"));
    } else if form == Form::Ing && w.ends_with("ie") {
        out.push(format!("{}ying", &w[..n - 2]));
    } else if form == Form::Ing && w.ends_with('e') && !w.ends_with("ee") && n > 2 {
        out.push(format!("{}ing", &w[..n - 1]));
    } else if form == Form::Ed && n >= 2 && b[n - 1] == b'y' && !is_vowel(b[n - 2]) {
        out.push(format!("{}ied", &w[..n - 1]));
    } else {
        out.push(format!("{w}{suf}"));
        if n >= 3
            && !is_vowel(b[n - 1])
            && is_vowel(b[n - 2])
            && !is_vowel(b[n - 3])
            && !matches!(b[n - 1], b'w' | b'x' | b'y')
        {
            out.push(format!("{w}{}{suf}", b[n - 1] as char));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn morph() -> Morphology {
        let mut m = Morphology::default();
        for v in [
            "say", "mention", "find out", "find", "stop", "study", "take", "decide",
        ] {
            m.verbs.insert(v.into());
        }
        for n in ["decision", "choice", "child", "news conference"] {
            m.nouns.insert(n.into());
        }
        m.verb_irregular.insert("say".into(), vec!["said".into()]);
        m.verb_irregular.insert("find".into(), vec!["found".into()]);
        m.verb_irregular
            .insert("take".into(), vec!["took".into(), "taken".into()]);
        m.noun_irregular
            .insert("child".into(), vec!["children".into()]);
        m
    }

    #[test]
    fn inflects_regular_and_irregular() {
        let m = morph();
        assert_eq!(m.inflect("say", Form::Ed), vec!["said"]);
        assert_eq!(m.inflect("mention", Form::Ed), vec!["mentioned"]);
        assert_eq!(m.inflect("take", Form::Ed), vec!["took", "taken"]);
        assert_eq!(m.inflect("study", Form::Ing), vec!["studying"]);
        assert_eq!(m.inflect("study", Form::Ed), vec!["studied"]);
        assert_eq!(m.inflect("decide", Form::Ing), vec!["deciding"]);
        assert_eq!(m.inflect("find out", Form::Ing), vec!["finding out"]);
        assert!(m.inflect("stop", Form::Ed).contains(&"stopped".to_string()));
        assert_eq!(m.inflect("decision", Form::S), vec!["decisions"]);
        assert_eq!(m.inflect("child", Form::S), vec!["children"]);
        assert_eq!(
            m.inflect("news conference", Form::S),
            vec!["news conferences"]
        );
        assert!(m.inflect("choice", Form::Ed).is_empty());
    }
}
