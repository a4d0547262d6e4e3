//! The `unspin` binary: parses arguments once, reads inputs, runs the library's repairer,
//! prints. All I/O and process exit codes live here, none in the library.

use anyhow::Result;
mod cli;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

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
    /// Print the repaired text ('-' or no path: stdin), or write it back or to a mirror tree
    Fix {
        #[command(flatten)]
        batch: cli::input::BatchOpts,
        #[command(flatten)]
        fix: cli::fix::FixOpts,
        #[command(flatten)]
        opts: RepairOpts,
    },
    /// Report spun phrases; exit 0 none, 2 spun text found, 1 error
    Check {
        #[command(flatten)]
        batch: cli::input::BatchOpts,
        /// long: each repair with its line and a caret; brief: one line per repair; json: one
        /// object per repair, document and run (see the README)
        #[arg(long, value_enum, default_value = "long")]
        format: Format,
        #[command(flatten)]
        opts: RepairOpts,
    },
    /// JSON Lines (or plain lines) in, JSON Lines out: spin score and repairs, or fixed text
    Filter {
        #[command(flatten)]
        filter: cli::filter::FilterOpts,
        #[command(flatten)]
        opts: RepairOpts,
    },
    /// Show each repair as a change: inline, as a unified patch, or side by side
    Diff {
        #[command(flatten)]
        batch: cli::input::BatchOpts,
        #[command(flatten)]
        view: cli::diff::DiffOpts,
        #[command(flatten)]
        opts: RepairOpts,
    },
    /// Review the repairs one at a time in the terminal, then write the files
    Review {
        /// Files (and folders, walked) to review
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        opts: RepairOpts,
    },
    /// Show every candidate and score the decoder saw, for one text
    Explain {
        /// The text, in quotes (a sentence or a few); the settings are those of the current
        /// folder's unspin.toml
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
pub(crate) struct RepairOpts {
    /// Drop repairs below this confidence, 0-1 (default: unspin.toml's, else 0.5)
    #[arg(long, value_name = "C", value_parser = confidence)]
    pub(crate) min_confidence: Option<f32>,
    /// An extra spin table (TSV in the format of dictionaries/spins.tsv)
    #[arg(long, value_name = "FILE")]
    pub(crate) spins: Vec<PathBuf>,
}

/// A confidence given on the command line: a number from 0 to 1, as in `unspin.toml` (95
/// for 0.95 would silently drop every repair).
fn confidence(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(c) if (0.0..=1.0).contains(&c) => Ok(c),
        Ok(_) => Err(format!(
            "{s} is not a confidence: give a number from 0 to 1, such as 0.9"
        )),
        Err(e) => Err(format!(
            "{s:?} is not a number ({e}): give a number from 0 to 1"
        )),
    }
}

#[derive(Subcommand)]
pub(crate) enum DictCommand {
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
        /// Also write the document-evidence table (phrase counts in spun vs original text);
        /// with --base, the counts already in this file are added to
        #[arg(long)]
        evidence: Option<PathBuf>,
        /// Learn onto this spin table (e.g. dictionaries/spins.tsv): its counts stand for
        /// pairs no longer at hand, and the new pairs' counts are added to them. Give only
        /// new pairs: a pair the table already counted is recognised and skipped
        #[arg(long)]
        base: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
pub(crate) enum Format {
    Long,
    Brief,
    Json,
}

/// Exit code when the reader of the output went away (`unspin check | head`): what a
/// program killed by SIGPIPE reports (128 + 13), since what the rest of the input holds is
/// unknown: neither 0 (nothing found) nor 2 (spun text found) would be true.
const BROKEN_PIPE: u8 = 141;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap exits 2 on a usage error, the code `check` gives for spun text found.
            let _ = e.print();
            return match e.use_stderr() {
                true => ExitCode::from(1),
                false => ExitCode::SUCCESS, // --help, --version
            };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            if cli::is_broken_pipe(&e) {
                return ExitCode::from(BROKEN_PIPE);
            }
            eprintln!("unspin: error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Fix { batch, fix, opts } => cli::fix::fix(&batch, &fix, &opts),
        Command::Check {
            batch,
            format,
            opts,
        } => cli::check::check(&batch, format, &opts),
        Command::Filter { filter, opts } => cli::filter::filter(&filter, &opts),
        Command::Diff { batch, view, opts } => cli::diff::diff(&batch, &view, &opts),
        Command::Review { paths, opts } => cli::review::review(&paths, &opts),
        Command::Explain { text, opts } => cli::explain::explain(&text, &opts),
        Command::Dict { command } => cli::dict::dict(command),
    }
}

/// Allocation-heavy per-word work (tokens, candidate lists) runs faster on mimalloc than on
/// the system allocator, and its per-thread caches suit the rayon workers.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
