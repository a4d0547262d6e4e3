//! `unspin.toml`: what a project tells unspin about its texts (phrases and names never to
//! touch, extra spin tables, thresholds), parsed strictly so a misspelt key is an error that
//! names it rather than a setting silently ignored. Finding the file and reading the tables
//! is I/O and belongs to the binary; this module only parses, locates and applies.
//!
//! ```toml
//! # unspin.toml
//! never_touch = ["Fact Social", "Conflict Resolution Network"]  # phrases and names kept as written
//! spin_tables = ["house-spins.tsv"]  # relative to this file; format of dictionaries/spins.tsv
//! min_confidence = 0.6               # drop repairs below this confidence (0-1)
//! min_spin_score = 0.3               # leave documents that look less spun than this alone (0-1)
//! ```

use crate::repair::Report;
use crate::tokens::{normalize, tokenize, Kind};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The name looked for in each input's folder and its parents.
pub const FILE_NAME: &str = "unspin.toml";

/// The settings of one `unspin.toml`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Phrases and names never to touch: a repair overlapping one of them is dropped.
    /// Matched word by word, ignoring case, apostrophe style and spacing.
    #[serde(default)]
    pub never_touch: Vec<String>,
    /// Extra spin tables, relative to the folder of the config file.
    #[serde(default)]
    pub spin_tables: Vec<PathBuf>,
    /// Repairs below this confidence are dropped.
    pub min_confidence: Option<f32>,
    /// Documents whose spin score is below this keep their text: no repairs are proposed.
    pub min_spin_score: Option<f32>,
    /// Where the file was read from (not a key).
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

/// A config file that cannot be used, with the file and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ConfigError {
    pub path: String,
    pub message: String,
}

impl Config {
    /// Parse the text of a config file; `path` names it in errors and anchors its relative
    /// paths. Unknown keys and thresholds outside 0-1 are errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let err = |message: String| ConfigError {
            path: path.display().to_string(),
            message,
        };
        let mut c: Config = toml::from_str(text).map_err(|e| {
            let mut m = e.message().to_string();
            if let Some(span) = e.span() {
                let line = text[..span.start].matches('\n').count() + 1;
                m = format!("line {line}: {m}");
            }
            err(m)
        })?;
        for (key, v) in [
            ("min_confidence", c.min_confidence),
            ("min_spin_score", c.min_spin_score),
        ] {
            if let Some(v) = v.filter(|v| !(0.0..=1.0).contains(v)) {
                return Err(err(format!("`{key}` must be between 0 and 1, found {v}")));
            }
        }
        if let Some(p) = c.never_touch.iter().find(|p| phrase_tokens(p).is_empty()) {
            return Err(err(format!("`never_touch` holds an empty phrase {p:?}")));
        }
        let dir = path.parent().unwrap_or(Path::new(""));
        for t in &mut c.spin_tables {
            *t = dir.join(&*t);
        }
        c.path = Some(path.to_path_buf());
        Ok(c)
    }

    /// The nearest `unspin.toml` in `dir` or one of its parents.
    pub fn find(dir: &Path) -> Option<PathBuf> {
        dir.ancestors()
            .map(|d| d.join(FILE_NAME))
            .find(|p| p.is_file())
    }

    /// The phrases of `never_touch`, ready to match.
    pub fn protected(&self) -> Protected {
        Protected::new(&self.never_touch)
    }

    /// Apply the config's document threshold and protected phrases to a report of `text`.
    pub fn apply(&self, protected: &Protected, text: &str, report: &mut Report) {
        if report.spin_score < self.min_spin_score.unwrap_or(0.0) {
            report.repairs.clear();
        }
        protected.drop_overlapping(text, report);
    }
}

fn phrase_tokens(phrase: &str) -> Vec<String> {
    tokenize(phrase)
        .iter()
        .filter(|t| t.kind != Kind::Space)
        .map(|t| normalize(t.text(phrase)))
        .collect()
}

/// Phrases never to touch, indexed by their first token.
#[derive(Debug, Clone, Default)]
pub struct Protected {
    by_first: HashMap<String, Vec<Vec<String>>>,
}

impl Protected {
    pub fn new(phrases: &[String]) -> Protected {
        let mut by_first: HashMap<String, Vec<Vec<String>>> = HashMap::new();
        for p in phrases {
            let toks = phrase_tokens(p);
            if let Some(first) = toks.first() {
                by_first.entry(first.clone()).or_default().push(toks);
            }
        }
        Protected { by_first }
    }

    pub fn is_empty(&self) -> bool {
        self.by_first.is_empty()
    }

    /// Byte spans of `text` where a protected phrase occurs.
    pub fn spans(&self, text: &str) -> Vec<(usize, usize)> {
        if self.is_empty() {
            return Vec::new();
        }
        let toks: Vec<_> = tokenize(text)
            .into_iter()
            .filter(|t| t.kind != Kind::Space)
            .collect();
        let norm: Vec<String> = toks.iter().map(|t| normalize(t.text(text))).collect();
        let mut out = Vec::new();
        for (i, n) in norm.iter().enumerate() {
            for p in self.by_first.get(n).into_iter().flatten() {
                if norm.len() >= i + p.len() && norm[i..i + p.len()] == p[..] {
                    out.push((toks[i].start, toks[i + p.len() - 1].end));
                }
            }
        }
        out
    }

    /// Drop the repairs of `report` that overlap a protected phrase in `text`.
    pub fn drop_overlapping(&self, text: &str, report: &mut Report) {
        let spans = self.spans(text);
        if !spans.is_empty() {
            report
                .repairs
                .retain(|r| !spans.iter().any(|&(s, e)| r.start < e && s < r.end));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/p/unspin.toml"))
    }

    #[test]
    fn reads_every_key() {
        let c = parse(
            "never_touch = [\"Fact Social\"]\nspin_tables = [\"x.tsv\"]\nmin_confidence = 0.7\nmin_spin_score = 0.2\n",
        )
        .unwrap();
        assert_eq!(c.never_touch, ["Fact Social"]);
        assert_eq!(c.spin_tables, [PathBuf::from("/p/x.tsv")]);
        assert_eq!(c.min_confidence, Some(0.7));
        assert_eq!(c.min_spin_score, Some(0.2));
        assert_eq!(parse("").unwrap().never_touch.len(), 0);
    }

    #[test]
    fn unknown_key_is_named() {
        let e = parse("min_confidence = 0.5\nnever_tuoch = [\"x\"]\n").unwrap_err();
        let m = e.to_string();
        assert!(
            m.starts_with("/p/unspin.toml: line 2: unknown field `never_tuoch`"),
            "{m}"
        );
    }

    #[test]
    fn threshold_out_of_range() {
        let e = parse("min_spin_score = 2.0").unwrap_err();
        assert!(e
            .to_string()
            .contains("`min_spin_score` must be between 0 and 1"));
    }

    #[test]
    fn protected_spans_ignore_case_and_spacing() {
        let p = Protected::new(&["Fact Social".into(), "don't".into()]);
        let text = "Trump's FACT  social post; I don’t know. Fact Socialite.";
        assert_eq!(p.spans(text), [(8, 20), (29, 36)]);
    }
}
