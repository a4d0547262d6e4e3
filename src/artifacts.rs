//! Spinner artefacts that are not word swaps: spintax the spinner failed to expand
//! ("{that a}", "{fast|quick}"), ad placeholders ("[ad_1]") and the link line auto-blogging
//! farms end a copied article with ("Source link", spun "Supply hyperlink"). Each becomes a
//! repair like any other, so it shows in check, diff and review and can be rejected.

use crate::repair::{Repair, Suggestion};

/// Longest spintax group taken for one (longer braces are left alone).
const MAX_SPINTAX: usize = 80;

/// Artefact repairs in `text`, in order. A single-option group ("{that a}") is taken only
/// in a document that looks spun (`spun`), since prose may show a template placeholder; a
/// group with alternatives ("{a|b}") and ad placeholders are taken always.
pub fn find(text: &str, spun: bool) -> Vec<Repair> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => {
                if let Some(r) = spintax(text, i, spun) {
                    i = r.end;
                    out.push(r);
                    continue;
                }
            }
            b'[' => {
                if let Some(r) = ad_marker(text, i) {
                    i = r.end;
                    out.push(r);
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out.extend(link_lines(text));
    out.sort_by_key(|r| r.start);
    out
}

/// The words of a farm's link line, "Source link", as its spinner may have left them.
const LINK_LINE: [&[&str]; 2] = [&["source", "supply"], &["link", "hyperlink"]];

/// Repairs removing every line that holds only a farm's link line ("Source link", "Supply
/// hyperlink"): it points to the copied article and is none of its text.
fn link_lines(text: &str) -> Vec<Repair> {
    let mut out = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        // The longest form, "supply hyperlink", has 16 bytes; most lines are longer.
        let is_link = trimmed.len() <= 16 && {
            let words: Vec<&str> = trimmed.split_whitespace().collect();
            words.len() == LINK_LINE.len()
                && words
                    .iter()
                    .zip(LINK_LINE)
                    .all(|(w, forms)| forms.iter().any(|f| w.eq_ignore_ascii_case(f)))
        };
        if is_link {
            let at = start + (line.len() - line.trim_start().len());
            out.push(repair(text, at, at + trimmed.len(), "", 0.95));
        }
        start += line.len();
    }
    out
}

fn repair(text: &str, start: usize, end: usize, with: &str, confidence: f32) -> Repair {
    Repair {
        start,
        end,
        spun: text[start..end].to_string(),
        suggestions: vec![Suggestion {
            text: with.to_string(),
            confidence,
        }],
        source: "artifact",
    }
}

fn spintax(text: &str, start: usize, spun: bool) -> Option<Repair> {
    let close = text[start + 1..].find(['}', '{', '\n'])? + start + 1;
    if text.as_bytes()[close] != b'}' || close - start > MAX_SPINTAX {
        return None;
    }
    let inner = &text[start + 1..close];
    let plain = |s: &str| {
        !s.trim().is_empty()
            && s.chars()
                .all(|c| c.is_alphabetic() || c == ' ' || c == '\'' || c == '’' || c == '-')
    };
    let options: Vec<&str> = inner.split('|').collect();
    if !options.iter().all(|o| plain(o)) || (options.len() == 1 && !spun) {
        return None;
    }
    Some(repair(text, start, close + 1, options[0].trim(), 0.99))
}

fn ad_marker(text: &str, start: usize) -> Option<Repair> {
    let rest = text[start..].strip_prefix("[ad_")?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || rest.as_bytes().get(digits) != Some(&b']') {
        return None;
    }
    Some(repair(text, start, start + 4 + digits + 1, "", 0.99))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repair::apply;

    #[test]
    fn expands_spintax_and_drops_ad_markers() {
        let t = "betting {that a} brighter {fast|quick} chip.\n[ad_1]\nText {x: 1} and {not closed";
        let fixed = apply(t, &find(t, true));
        assert_eq!(
            fixed,
            "betting that a brighter fast chip.\n\nText {x: 1} and {not closed"
        );
    }

    #[test]
    fn drops_a_farms_link_line_only_when_it_stands_alone() {
        let t = "The end.\n\nSupply hyperlink\n  Source link \nSee the source link below.\n";
        assert_eq!(
            apply(t, &find(t, false)),
            "The end.\n\n\n   \nSee the source link below.\n"
        );
    }

    #[test]
    fn single_option_braces_need_a_spun_document() {
        let t = "Write {name} in the form, or {a|b}.";
        assert_eq!(apply(t, &find(t, false)), "Write {name} in the form, or a.");
    }
}
