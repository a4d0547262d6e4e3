//! The ignore file: repairs a person rejected (in `unspin review`), so that no later run of
//! check, fix, diff or review proposes them again. It lives in the project, as `.unspin-ignore`,
//! found by walking up from the input's folder.
//!
//! A rejection is keyed by the spun phrase and a hash of the words around it, not by its line
//! number, so it survives edits elsewhere in the file. One rejection a line, fields separated by
//! tabs (shown here as `→`); `#` starts a comment:
//!
//! ```text
//! mentioned→4d6e2b8f0c1a9e37→Putin had [mentioned] the thought of→(articles/a.txt)
//! lastly→*
//! ```
//!
//! The first field is the phrase (compared without regard to case or spacing), the second the
//! context hash (16 hex digits, see [`context_hash`]) or `*` for "wherever it occurs". Anything
//! after that is for people and ignored.
//!
//! Parsing, keys and filtering are pure; [`find`], [`load`] and [`record`] do the file I/O.

use crate::repair::Repair;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The ignore file's name.
pub const FILE_NAME: &str = ".unspin-ignore";

/// Words taken on each side of a phrase for its context hash.
pub const CONTEXT_WORDS: usize = 3;

const HEADER: &str = "\
# unspin ignore file: repairs rejected in `unspin review`; check, fix, diff and review skip them.
# One a line: spun phrase <TAB> hash of the 3 words either side (or * for everywhere) <TAB> notes.
";

/// Lower-case and single-space a phrase, so `Put  up` and `put up` compare equal.
fn normalize(s: &str) -> String {
    s.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// FNV-1a, 64 bits: stable across Rust versions and platforms (the file outlives the binary).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn before_words(text: &str, start: usize) -> Vec<&str> {
    let mut w: Vec<&str> = text[..start]
        .split_whitespace()
        .rev()
        .take(CONTEXT_WORDS)
        .collect();
    w.reverse();
    w
}

fn after_words(text: &str, end: usize) -> Vec<&str> {
    text[end..].split_whitespace().take(CONTEXT_WORDS).collect()
}

/// Hash of the [`CONTEXT_WORDS`] words before and after `text[start..end]`, normalized like the
/// phrase (case and spacing do not matter).
pub fn context_hash(text: &str, start: usize, end: usize) -> u64 {
    let key = format!(
        "{}\u{1}{}",
        normalize(&before_words(text, start).join(" ")),
        normalize(&after_words(text, end).join(" "))
    );
    fnv1a(key.as_bytes())
}

/// The phrase in its context, for people: `Putin had [mentioned] the thought of`.
pub fn context_excerpt(text: &str, start: usize, end: usize) -> String {
    // Start of the CONTEXT_WORDS-th word before, end of the CONTEXT_WORDS-th word after.
    let before = &text[..start];
    let mut from = before.len();
    for _ in 0..CONTEXT_WORDS {
        let trimmed = before[..from].trim_end();
        match trimmed.rfind(char::is_whitespace) {
            Some(i) => from = i + trimmed[i..].chars().next().map_or(1, char::len_utf8),
            None => {
                from = 0;
                break;
            }
        }
    }
    let after = &text[end..];
    let mut to = 0;
    for _ in 0..CONTEXT_WORDS {
        let rest = &after[to..];
        let skip = rest.len() - rest.trim_start().len();
        let word = rest[skip..]
            .find(char::is_whitespace)
            .unwrap_or(rest.len() - skip);
        to += skip + word;
    }
    normalize_space(&format!(
        "{}[{}]{}",
        &before[from..],
        &text[start..end],
        &after[..to]
    ))
}

fn normalize_space(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One rejection: the phrase, and where (`None`: everywhere).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Entry {
    pub phrase: String,
    pub context: Option<u64>,
}

impl Entry {
    /// The entry that ignores `text[start..end]` in its present context.
    pub fn at(text: &str, start: usize, end: usize) -> Entry {
        Entry {
            phrase: normalize(&text[start..end]),
            context: Some(context_hash(text, start, end)),
        }
    }

    /// The entry's line in the ignore file, with the excerpt and a note (say, the file name)
    /// for people.
    pub fn line(&self, excerpt: &str, note: &str) -> String {
        let hash = self
            .context
            .map_or_else(|| "*".to_string(), |h| format!("{h:016x}"));
        let mut line = format!("{}\t{hash}", self.phrase);
        if !excerpt.is_empty() {
            line.push('\t');
            line.push_str(&normalize_space(excerpt));
        }
        if !note.is_empty() {
            line.push_str(&format!("\t({})", normalize_space(note)));
        }
        line
    }
}

/// A malformed line of an ignore file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

/// The rejections of an ignore file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IgnoreList {
    entries: HashSet<Entry>,
}

impl IgnoreList {
    pub fn parse(text: &str) -> Result<IgnoreList, ParseError> {
        let mut entries = HashSet::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim_end_matches('\r');
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let mut fields = line.split('\t');
            let phrase = normalize(fields.next().unwrap_or(""));
            let err = |message: String| ParseError {
                line: i + 1,
                message,
            };
            if phrase.is_empty() {
                return Err(err("the phrase (first field) is empty".into()));
            }
            let hash = fields.next().map(str::trim).ok_or_else(|| {
                err(format!(
                    "`{phrase}` has no context hash; add a TAB and `*` to ignore it everywhere"
                ))
            })?;
            let context = if hash == "*" {
                None
            } else {
                let ok = hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit());
                if !ok {
                    return Err(err(format!(
                        "`{hash}` is not a context hash (16 hex digits) nor `*` (everywhere)"
                    )));
                }
                Some(u64::from_str_radix(hash, 16).expect("checked hex"))
            };
            entries.insert(Entry { phrase, context });
        }
        Ok(IgnoreList { entries })
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn contains(&self, entry: &Entry) -> bool {
        self.entries.contains(entry)
            || self.entries.contains(&Entry {
                phrase: entry.phrase.clone(),
                context: None,
            })
    }

    /// Whether `text[start..end]` is rejected in its context (or everywhere).
    pub fn ignores(&self, text: &str, start: usize, end: usize) -> bool {
        !self.entries.is_empty() && self.contains(&Entry::at(text, start, end))
    }

    /// Drop from `repairs` (spans into `text`) the ones this list rejects.
    pub fn retain(&self, text: &str, repairs: &mut Vec<Repair>) {
        if !self.entries.is_empty() {
            repairs.retain(|r| !self.ignores(text, r.start, r.end));
        }
    }

    pub fn insert(&mut self, entry: Entry) -> bool {
        self.entries.insert(entry)
    }
}

/// The ignore file that applies to files in `dir`: the nearest `.unspin-ignore` in `dir` or a
/// folder above it.
pub fn find(dir: &Path) -> Option<PathBuf> {
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    dir.ancestors()
        .map(|d| d.join(FILE_NAME))
        .find(|p| p.is_file())
}

/// Read and parse an ignore file; errors name the file and say what to fix.
pub fn load(path: &Path) -> Result<IgnoreList, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read the ignore file {}: {e}; fix its permissions or remove it",
            path.display()
        )
    })?;
    IgnoreList::parse(&text).map_err(|e| {
        format!(
            "{}:{e}; fix or delete that line (format: phrase TAB hash-or-* [TAB notes])",
            path.display()
        )
    })
}

/// Add lines (from [`Entry::line`]) for the entries not already in the file at `path`,
/// creating it with a header when missing. The write is atomic. Returns how many were added.
pub fn record(path: &Path, entries: &[(Entry, String)]) -> std::io::Result<usize> {
    let mut text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => HEADER.to_string(),
        Err(e) => return Err(e),
    };
    let mut present = IgnoreList::parse(&text).unwrap_or_default();
    let mut added = 0;
    for (entry, line) in entries {
        if present.contains(entry) {
            continue;
        }
        present.insert(entry.clone());
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(line);
        text.push('\n');
        added += 1;
    }
    if added > 0 {
        crate::atomic::write_atomic(path, text.as_bytes())?;
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repair::Suggestion;

    const TEXT: &str = "On Thursday, Putin had mentioned the thought of a ceasefire. \
        Zelensky mentioned nothing. Putin had  Mentioned the\nthought of peace.";

    fn rep(start: usize, end: usize) -> Repair {
        Repair {
            start,
            end,
            spun: TEXT[start..end].to_string(),
            suggestions: vec![Suggestion {
                text: "said".into(),
                confidence: 0.9,
            }],
            source: "spins",
        }
    }

    fn spans(word: &str) -> Vec<(usize, usize)> {
        TEXT.to_lowercase()
            .match_indices(word)
            .map(|(i, w)| (i, i + w.len()))
            .collect()
    }

    #[test]
    fn context_hash_ignores_case_and_spacing_but_not_words() {
        let m = spans("mentioned");
        assert_eq!(m.len(), 3);
        let h: Vec<u64> = m.iter().map(|&(s, e)| context_hash(TEXT, s, e)).collect();
        assert_ne!(h[0], h[1]);
        // "Putin had mentioned the thought of" vs "Putin had  Mentioned the\nthought of":
        // different words before ("On Thursday," vs "nothing."), so different hashes...
        assert_ne!(h[0], h[2]);
        // ...but the same phrase and words written with other spacing hash alike.
        let a = "x y Putin had mentioned the thought of";
        let b = "X  y Putin HAD mentioned the\n thought   of";
        let (sa, sb) = (a.find("mentioned").unwrap(), b.find("mentioned").unwrap());
        assert_eq!(
            context_hash(a, sa, sa + 9),
            context_hash(b, sb, sb + 9),
            "spacing and case"
        );
        assert_eq!(
            context_excerpt(TEXT, m[2].0, m[2].1),
            "nothing. Putin had [Mentioned] the thought of"
        );
        let quoted = "the talks supplied “an excellent probability that";
        let at = quoted.find("an excellent").unwrap();
        assert_eq!(
            context_excerpt(quoted, at, at + 12),
            "talks supplied “[an excellent] probability that"
        );
        assert_eq!(context_excerpt("x", 0, 1), "[x]");
    }

    #[test]
    fn a_line_round_trips_and_filters_only_its_repair() {
        let m = spans("mentioned");
        let e = Entry::at(TEXT, m[0].0, m[0].1);
        let line = e.line(&context_excerpt(TEXT, m[0].0, m[0].1), "a.txt");
        assert!(line.starts_with("mentioned\t"), "{line}");
        assert!(line.ends_with("\tThursday, Putin had [mentioned] the thought of\t(a.txt)"));
        let list = IgnoreList::parse(&format!("{HEADER}{line}\n")).unwrap();
        assert_eq!(list.len(), 1);
        let mut repairs: Vec<Repair> = m.iter().map(|&(s, e)| rep(s, e)).collect();
        list.retain(TEXT, &mut repairs);
        assert_eq!(
            repairs.iter().map(|r| r.start).collect::<Vec<_>>(),
            vec![m[1].0, m[2].0]
        );
    }

    #[test]
    fn star_ignores_everywhere() {
        let list = IgnoreList::parse("# comment\n\nMentioned\t*\n").unwrap();
        let mut repairs: Vec<Repair> = spans("mentioned").iter().map(|&(s, e)| rep(s, e)).collect();
        list.retain(TEXT, &mut repairs);
        assert!(repairs.is_empty());
    }

    #[test]
    fn bad_lines_say_what_to_do() {
        let e = IgnoreList::parse("ok\t*\nmentioned\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("`*`"), "{e}");
        let e = IgnoreList::parse("mentioned\t12zz\n").unwrap_err();
        assert!(e.message.contains("16 hex digits"), "{e}");
        let e = IgnoreList::parse("\t*\n").unwrap_err();
        assert!(e.message.contains("empty"), "{e}");
    }

    #[test]
    fn record_appends_new_entries_once_and_find_walks_up() {
        let dir = std::env::temp_dir().join(format!("unspin-ignore-{}", std::process::id()));
        let sub = dir.join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        let path = dir.join(FILE_NAME);
        let _ = std::fs::remove_file(&path);
        let m = spans("mentioned");
        let entries: Vec<(Entry, String)> = m[..2]
            .iter()
            .map(|&(s, e)| {
                let en = Entry::at(TEXT, s, e);
                let line = en.line("", "");
                (en, line)
            })
            .collect();
        assert_eq!(record(&path, &entries).unwrap(), 2);
        assert_eq!(record(&path, &entries).unwrap(), 0);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# unspin ignore file"));
        assert_eq!(text.lines().filter(|l| !l.starts_with('#')).count(), 2);
        assert_eq!(find(&sub), Some(path.clone()));
        assert_eq!(load(&path).unwrap().len(), 2);
        std::fs::write(&path, "bad line\n").unwrap();
        let err = load(&path).unwrap_err();
        assert!(err.contains(".unspin-ignore:line 1:"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
