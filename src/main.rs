//! The `unspin` binary: parses arguments once, reads inputs, runs the library's repairer,
//! prints. All I/O and process exit codes live here, none in the library.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use rayon::prelude::*;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use unspin::dictionaries::{Dictionaries, SpinTable};
use unspin::repair::{apply, Repairer, Report};

#[derive(Parser)]
#[command(
    name = "unspin",
    version,
    about = "Find text garbled by an article spinner and restore the original wording"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the repaired text ('-' or no path: stdin)
    Fix {
        paths: Vec<PathBuf>,
        /// Rewrite the files in place (atomically)
        #[arg(short, long)]
        write: bool,
        #[command(flatten)]
        opts: RepairOpts,
    },
    /// Report spun phrases; exit 0 none, 2 spun text found, 1 error
    Check {
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "long")]
        format: Format,
        #[command(flatten)]
        opts: RepairOpts,
    },
    /// Show every candidate and score the decoder saw, for one text
    Explain {
        text: String,
        #[command(flatten)]
        opts: RepairOpts,
    },
    /// Build, check, query and learn the dictionaries
    Dict {
        #[command(subcommand)]
        command: DictCommand,
    },
}

#[derive(clap::Args, Clone)]
struct RepairOpts {
    /// Drop repairs below this confidence (0-1)
    #[arg(long, default_value_t = 0.5)]
    min_confidence: f32,
    /// An extra spin table (TSV in the format of dictionaries/spins.tsv)
    #[arg(long)]
    spins: Vec<PathBuf>,
}

#[derive(Subcommand)]
enum DictCommand {
    /// Regenerate the compiled dictionaries from the TSV sources and the upstream packages
    Build {
        /// The dictionaries folder to write into
        #[arg(long, default_value = "dictionaries")]
        dir: PathBuf,
        #[arg(long)]
        mythes: Option<PathBuf>,
        #[arg(long)]
        moby: Option<PathBuf>,
        #[arg(long)]
        wordnet: Option<PathBuf>,
    },
    /// Check that the TSV sources are canonical and the artifacts match them
    Check {
        #[arg(long, default_value = "dictionaries")]
        dir: PathBuf,
    },
    /// Print what each dictionary knows about a phrase
    Lookup { phrase: Vec<String> },
    /// Propose spin-table rows from aligned NNN.spun.txt / NNN.orig.txt pairs
    Learn {
        /// Folder of pairs (may be given several times)
        #[arg(long, required = true)]
        pairs: Vec<PathBuf>,
        /// Only rows seen at least this often
        #[arg(long, default_value_t = 1)]
        min_count: usize,
        /// Also write the document-evidence table (phrase counts in spun vs original text)
        #[arg(long)]
        evidence: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Format {
    Long,
    Brief,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("unspin: error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn dictionaries(opts: &RepairOpts) -> Result<&'static Dictionaries> {
    if opts.spins.is_empty() {
        return Ok(Dictionaries::embedded());
    }
    let mut table = Dictionaries::embedded().spins.clone();
    for p in &opts.spins {
        let text = std::fs::read_to_string(p)
            .with_context(|| format!("reading spin table {}", p.display()))?;
        table.extend(SpinTable::parse(&text, &p.display().to_string())?);
    }
    Ok(Box::leak(Box::new(Dictionaries::with_spins(table))))
}

fn repairer(opts: &RepairOpts) -> Result<Repairer<'static>> {
    let mut r = Repairer::new(dictionaries(opts)?);
    r.settings.min_confidence = opts.min_confidence;
    Ok(r)
}

/// One input: a path or stdin.
struct Input {
    name: String,
    path: Option<PathBuf>,
}

fn inputs(paths: &[PathBuf]) -> Vec<Input> {
    if paths.is_empty() {
        return vec![Input {
            name: "-".into(),
            path: None,
        }];
    }
    paths
        .iter()
        .map(|p| {
            if p.as_os_str() == "-" {
                Input {
                    name: "-".into(),
                    path: None,
                }
            } else {
                Input {
                    name: p.display().to_string(),
                    path: Some(p.clone()),
                }
            }
        })
        .collect()
}

/// Read an input as UTF-8 text, with an error that says what to do.
fn read_input(input: &Input) -> Result<String> {
    let bytes = match &input.path {
        None => {
            let mut b = Vec::new();
            std::io::stdin()
                .read_to_end(&mut b)
                .context("reading standard input")?;
            b
        }
        Some(p) => {
            if p.is_dir() {
                bail!("{} is a directory: pass the files inside it", p.display());
            }
            std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?
        }
    };
    if bytes.contains(&0) {
        bail!(
            "{}: looks binary (contains NUL bytes); unspin reads text only",
            input.name
        );
    }
    String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{}: not valid UTF-8 (first bad byte at offset {}); convert it to UTF-8 first (e.g. with iconv)",
            input.name,
            e.utf8_error().valid_up_to()
        )
    })
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Fix { paths, write, opts } => fix(&paths, write, &opts),
        Command::Check {
            paths,
            format,
            opts,
        } => check(&paths, format, &opts),
        Command::Explain { text, opts } => explain(&text, &opts),
        Command::Dict { command } => dict(command),
    }
}

fn fix(paths: &[PathBuf], write: bool, opts: &RepairOpts) -> Result<ExitCode> {
    let repairer = repairer(opts)?;
    let inputs = inputs(paths);
    if write && inputs.iter().any(|i| i.path.is_none()) {
        bail!("--write needs file paths, not standard input");
    }
    let results: Vec<Result<(String, Report)>> = inputs
        .par_iter()
        .map(|i| {
            let text = read_input(i)?;
            let report = repairer.repair(&text);
            Ok((text, report))
        })
        .collect();
    let mut errors = 0;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (input, result) in inputs.iter().zip(results) {
        match result {
            Ok((text, report)) => {
                let fixed = apply(&text, &report.repairs);
                match (&input.path, write) {
                    (Some(p), true) => {
                        if fixed != text {
                            unspin::atomic::write_atomic(p, fixed.as_bytes())
                                .with_context(|| format!("writing {}", p.display()))?;
                        }
                    }
                    _ => out.write_all(fixed.as_bytes())?,
                }
            }
            Err(e) => {
                errors += 1;
                eprintln!("unspin: error: {e:#}");
            }
        }
    }
    out.flush()?;
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// 1-based line and column (in characters) of byte offset `at`.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count()
        + 1;
    (line, col)
}

fn check(paths: &[PathBuf], format: Format, opts: &RepairOpts) -> Result<ExitCode> {
    let repairer = repairer(opts)?;
    let inputs = inputs(paths);
    let results: Vec<Result<(String, Report)>> = inputs
        .par_iter()
        .map(|i| {
            let text = read_input(i)?;
            let report = repairer.repair(&text);
            Ok((text, report))
        })
        .collect();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (mut errors, mut total) = (0usize, 0usize);
    for (input, result) in inputs.iter().zip(results) {
        let (text, report) = match result {
            Ok(x) => x,
            Err(e) => {
                errors += 1;
                if format == Format::Json {
                    let j = serde_json::json!({"type": "error", "path": input.name, "message": format!("{e:#}")});
                    writeln!(out, "{j}")?;
                } else {
                    eprintln!("unspin: error: {e:#}");
                }
                continue;
            }
        };
        total += report.repairs.len();
        for r in &report.repairs {
            let (line, col) = line_col(&text, r.start);
            match format {
                Format::Json => {
                    let j = serde_json::json!({
                        "type": "repair", "path": input.name, "line": line, "column": col,
                        "start": r.start, "end": r.end, "spun": r.spun,
                        "suggestions": r.suggestions, "source": r.source,
                    });
                    writeln!(out, "{j}")?;
                }
                Format::Brief => writeln!(
                    out,
                    "{}:{line}:{col}: `{}` -> `{}`",
                    input.name,
                    r.spun,
                    r.replacement()
                )?,
                Format::Long => {
                    let alts: Vec<String> = r
                        .suggestions
                        .iter()
                        .map(|s| format!("`{}` ({:.2})", s.text, s.confidence))
                        .collect();
                    let line_text = text.lines().nth(line - 1).unwrap_or("");
                    writeln!(
                        out,
                        "{}:{line}:{col}: spun `{}`, original probably {} [{}]",
                        input.name,
                        r.spun,
                        alts.join(", "),
                        r.source
                    )?;
                    writeln!(out, "  | {}", line_text.trim_end())?;
                    let pad: String = line_text
                        .chars()
                        .take(col - 1)
                        .map(|c| if c == '\t' { '\t' } else { ' ' })
                        .collect();
                    writeln!(
                        out,
                        "  | {pad}{}",
                        "^".repeat(r.spun.chars().count().max(1))
                    )?;
                }
            }
        }
        match format {
            Format::Json => {
                let j = serde_json::json!({"type": "document", "path": input.name, "words": report.words,
                    "repairs": report.repairs.len(), "spin_score": report.spin_score});
                writeln!(out, "{j}")?;
            }
            Format::Long => writeln!(
                out,
                "{}: {} repairs in {} words, spin score {:.2}",
                input.name,
                report.repairs.len(),
                report.words,
                report.spin_score
            )?,
            Format::Brief => {}
        }
    }
    if format == Format::Json {
        let j = serde_json::json!({"type": "summary", "files": inputs.len(), "repairs": total, "errors": errors});
        writeln!(out, "{j}")?;
    }
    out.flush()?;
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else if total > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn explain(text: &str, opts: &RepairOpts) -> Result<ExitCode> {
    let repairer = repairer(opts)?;
    let (report, considered) = repairer.explain(text);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(
        out,
        "spin score {:.3}; {} words",
        report.spin_score, report.words
    )?;
    writeln!(
        out,
        "{:>8}  {:<3} {:<11} {:<28} original",
        "gain", "", "source", "spun"
    )?;
    for c in &considered {
        writeln!(
            out,
            "{:>8.3}  {:<3} {:<11} {:<28} {}",
            c.gain,
            if c.chosen { "*" } else { "" },
            c.source,
            c.spun,
            c.original
        )?;
    }
    writeln!(out, "repaired: {}", apply(text, &report.repairs))?;
    Ok(ExitCode::SUCCESS)
}

fn dict(cmd: DictCommand) -> Result<ExitCode> {
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
            for e in d.expressions.get(&phrase) {
                found = true;
                println!("expression  {phrase} -> {e}");
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
        } => {
            let texts = read_pairs(&pairs)?;
            let rows = unspin::learn::learn(&texts);
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
            if let Some(path) = evidence {
                let (ev, ns, no) = unspin::learn::evidence(&texts, &rows);
                let mut tsv = format!("# phrase\tin_spun\tin_original: occurrences in {ns} words of spun text and {no} words of original text (`unspin dict learn --evidence`)\n");
                for e in &ev {
                    tsv.push_str(&format!("{}\t{}\t{}\n", e.phrase, e.in_spun, e.in_original));
                }
                unspin::atomic::write_atomic(&path, tsv.as_bytes())?;
                eprintln!("wrote {} evidence rows to {}", ev.len(), path.display());
            }
            eprintln!("{} pairs read, {} rows proposed", texts.len(), rows.len());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Read every `NNN.spun.txt` with its `NNN.orig.txt` from the folders.
fn read_pairs(dirs: &[PathBuf]) -> Result<Vec<(String, String)>> {
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
            out.push((
                std::fs::read_to_string(&spun)?,
                std::fs::read_to_string(&orig)?,
            ));
        }
    }
    Ok(out)
}
