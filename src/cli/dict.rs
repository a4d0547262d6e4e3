//! `unspin dict`: build, check, look up and learn the dictionaries.

use crate::DictCommand;
use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use unspin::dictionaries::{Dictionaries, SpinTable};

pub(crate) fn dict(cmd: DictCommand) -> Result<ExitCode> {
    match cmd {
        DictCommand::Build {
            dir,
            mythes,
            moby,
            wordnet,
        } => {
            let mut src = unspin::builder::Sources::discover()?;
            if let Some(p) = mythes {
                src.mythes = p;
            }
            if let Some(p) = moby {
                src.moby = p;
            }
            if let Some(p) = wordnet {
                src.wordnet = p;
            }
            let lm = unspin::lm::LanguageModel::embedded();
            let written = unspin::builder::build_all(&src, &dir, lm)?;
            for (name, bytes) in written {
                println!("wrote {}/{name} ({bytes} bytes)", dir.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        DictCommand::Check { dir } => {
            let problems = unspin::builder::check_sources(&dir)?;
            for p in &problems {
                println!("{p}");
            }
            if problems.is_empty() {
                println!("dictionaries in {} are canonical", dir.display());
                Ok(ExitCode::SUCCESS)
            } else {
                Ok(ExitCode::from(2))
            }
        }
        DictCommand::Lookup { phrase } => {
            let phrase = unspin::tokens::normalize(&phrase.join(" "));
            let d = Dictionaries::embedded();
            let mut found = false;
            for r in d.spins.get(&phrase) {
                found = true;
                println!(
                    "spins       {phrase} -> {} (seen {} times in {} documents; left unchanged {} times)",
                    r.original, r.count, r.docs, r.kept
                );
            }
            let in_name = unspin::dictionaries::name_key(&phrase);
            for r in d.spins.get(&in_name) {
                found = true;
                println!(
                    "spins       {in_name} (inside a name) -> {} (seen {} times in {} documents; left unchanged {} times)",
                    r.original, r.count, r.docs, r.kept
                );
            }
            for e in unspin::candidates::whole_phrase(&phrase, d)
                .into_iter()
                .filter(|c| matches!(c.source, unspin::candidates::Source::Expression { .. }))
            {
                found = true;
                println!("expression  {phrase} -> {}", e.text);
            }
            let thes: Vec<&str> = d.thesaurus.get(&phrase).collect();
            if !thes.is_empty() {
                found = true;
                println!("thesaurus   {phrase} -> {}", thes.join(", "));
            }
            if d.spins.is_original(&phrase) {
                found = true;
                println!("original    {phrase} is restored by some spin-table rows");
            }
            for w in phrase.split(' ') {
                match d.lm.word_id(w) {
                    Some(id) => {
                        println!("lm          {w}: log10 P = {:.3}", d.lm.unigram_logprob(id))
                    }
                    None => println!("lm          {w}: not in the vocabulary"),
                }
            }
            Ok(if found {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            })
        }
        DictCommand::Learn {
            pairs,
            min_count,
            evidence,
            base,
        } => learn(&pairs, min_count, evidence.as_deref(), base.as_deref()),
    }
}

/// `dict learn`: print the rows learned from the pairs (onto `base` when given) and write
/// the evidence table.
fn learn(
    pairs: &[PathBuf],
    min_count: usize,
    evidence: Option<&Path>,
    base: Option<&Path>,
) -> Result<ExitCode> {
    // The evidence counts to add to, read before anything is learned or printed.
    let base_evidence = match (evidence, base) {
        (None, _) => None,
        (Some(_), None) => Some(Default::default()),
        (Some(path), Some(_)) if !path.exists() => anyhow::bail!(
            "{} does not exist: with --base, --evidence names the evidence table that goes with the base table (e.g. a copy of dictionaries/evidence.tsv), whose counts are added to",
            path.display()
        ),
        (Some(path), Some(_)) => Some(
            unspin::learn::parse_evidence(&read(path)?)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
        ),
    };
    let mut found = read_pairs(pairs)?;
    let base_rows = match base {
        Some(path) => {
            let rows = unspin::learn::parse_rows(&read(path)?).map_err(|e| {
                anyhow::anyhow!(
                    "{}: {e}; --base takes a spin table (spun, original, count, docs, kept, example)",
                    path.display()
                )
            })?;
            found.retain(|(name, pair)| {
                let counted = unspin::learn::already_counted(&rows, pair);
                if counted {
                    eprintln!(
                        "unspin: note: {} is already counted in {} (its examples are there); skipped",
                        name.display(),
                        path.display()
                    );
                }
                !counted
            });
            rows
        }
        None => Vec::new(),
    };
    let texts: Vec<(String, String)> = found.into_iter().map(|(_, pair)| pair).collect();
    let rows = unspin::learn::learn_onto(base_rows, &texts);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let d = Dictionaries::with_spins(SpinTable::default());
    writeln!(
        out,
        "# spun\toriginal\tcount\tdocs\tkept\texample\tthesaurus-linked"
    )?;
    for r in rows.iter().filter(|r| r.count >= min_count) {
        let linked = d.thesaurus.get(&r.spun).any(|c| c == r.original)
            || d.thesaurus.get(&r.original).any(|c| c == r.spun);
        let linked = if linked { "linked" } else { "-" };
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{}\t{linked}",
            r.spun, r.original, r.count, r.docs, r.kept, r.example
        )?;
    }
    if let (Some(path), Some(start)) = (evidence, base_evidence) {
        let ev = unspin::learn::evidence_onto(start, &texts, &rows);
        let mut tsv = unspin::learn::evidence_header(ev.spun_words, ev.original_words);
        tsv.push('\n');
        for e in &ev.rows {
            tsv.push_str(&format!("{}\t{}\t{}\n", e.phrase, e.in_spun, e.in_original));
        }
        unspin::atomic::write_atomic(path, tsv.as_bytes())?;
        eprintln!(
            "wrote {} evidence rows to {}",
            ev.rows.len(),
            path.display()
        );
    }
    eprintln!("{} pairs read, {} rows", texts.len(), rows.len());
    Ok(ExitCode::SUCCESS)
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

/// Read every `NNN.spun.txt` with its `NNN.orig.txt` from the folders, each with its path.
fn read_pairs(dirs: &[PathBuf]) -> Result<Vec<(PathBuf, (String, String))>> {
    let mut out = Vec::new();
    for dir in dirs {
        let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.to_string_lossy().ends_with(".spun.txt"))
            .collect();
        names.sort();
        for spun in names {
            let orig = PathBuf::from(spun.to_string_lossy().replace(".spun.txt", ".orig.txt"));
            if !Path::new(&orig).exists() {
                eprintln!(
                    "unspin: note: {} has no .orig.txt beside it; skipped",
                    spun.display()
                );
                continue;
            }
            let pair = (read(&spun)?, read(&orig)?);
            out.push((spun, pair));
        }
    }
    Ok(out)
}
