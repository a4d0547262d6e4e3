//! `unspin fix`: the repaired text, printed (in input order), written back in place, or
//! written as a mirror tree under `--out-dir` (the usual choice for batch cleaning). Every
//! write is atomic, so an interrupted or killed run leaves no partial output file, and
//! `--resume` lets the next run skip what is already done.

use super::batch::{self, Ctx, Job, Settle};
use super::document::{large, repair_parts, DocStats};
use super::input::{collect, path_key, same_file, BatchOpts, Input, Item};
use crate::RepairOpts;
use anyhow::{bail, Context, Result};
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use unspin::atomic::{commit_all, AtomicFile, Staged};
use unspin::repair::apply;

/// A `--backup` suffix that names another file than the one backed up: a suffix that is
/// empty would name the file itself (the backup step would remove it), one with a path
/// separator a file elsewhere.
fn backup_suffix(s: &str) -> Result<String, String> {
    if s.is_empty() || s.contains(std::path::is_separator) {
        return Err(format!(
            "{s:?} cannot be a backup suffix: it must be non-empty and hold no path separator, as in --backup .bak"
        ));
    }
    Ok(s.to_string())
}

/// Where `fix` puts the repaired text.
#[derive(clap::Args, Clone, Default)]
pub(crate) struct FixOpts {
    /// Rewrite the files in place (atomically; mode and, as root, owner kept)
    #[arg(short, long, conflicts_with = "out_dir")]
    pub(crate) write: bool,
    /// With --write: keep each rewritten file's old text beside it, named FILE+SUFFIX
    #[arg(long, value_name = "SUFFIX", requires = "write", value_parser = backup_suffix)]
    pub(crate) backup: Option<String>,
    /// Write repaired copies into DIR, mirroring the tree below each folder argument
    #[arg(long, value_name = "DIR")]
    pub(crate) out_dir: Option<PathBuf>,
    /// With --out-dir: skip files whose copy is already there and not older than the file
    #[arg(long, requires = "out_dir")]
    pub(crate) resume: bool,
}

pub(crate) fn fix(batch: &BatchOpts, fix: &FixOpts, opts: &RepairOpts) -> Result<ExitCode> {
    if let Some(dir) = &fix.out_dir {
        if dir.exists() && !dir.is_dir() {
            bail!(
                "--out-dir {} is a file; name a folder (it is created if missing)",
                dir.display()
            );
        }
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the --out-dir {}", dir.display()))?;
    }
    let mut found = collect(batch, opts, fix.out_dir.as_deref())?;
    found.backup_suffix = fix.backup.clone();
    found.skip_links = fix.write;
    let writes = fix.write || fix.out_dir.is_some();
    if writes {
        if found.stdin {
            bail!(
                "{} needs files: standard input has nowhere to be written; drop '-' or run `unspin fix` without it to print the text",
                if fix.write { "--write" } else { "--out-dir" }
            );
        }
        batch::stop_on_signal();
    }
    let job = Fix {
        opts: fix,
        staged: Mutex::new(Vec::new()),
        // Under one folder argument every file has a copy of its own; only several paths
        // named can send two inputs to one copy (`--write`: files reached twice are read once).
        copies: Mutex::new((fix.out_dir.is_some() && found.several).then(HashMap::new)),
        made_dirs: Mutex::new(HashSet::new()),
    };
    let s = batch::run(found, batch, &job)?;
    Ok(s.exit_code(false))
}

struct Fix<'a> {
    opts: &'a FixOpts,
    /// Files written since the last `settle`, by input name: renamed into place together
    /// after one sync.
    staged: Mutex<Vec<(String, Staged)>>,
    /// The copies under `--out-dir` so far, by `path_key`, with the input writing each (None:
    /// no two inputs can write one copy).
    copies: Mutex<Option<HashMap<u128, String>>>,
    /// Folders of `--out-dir` known to exist (cleared past `MADE_DIRS_KEPT`): a file's folder
    /// is made once, not asked for again with every file in it.
    made_dirs: Mutex<HashSet<PathBuf>>,
}

/// Folders `made_dirs` remembers before starting afresh (bounded memory on any tree).
const MADE_DIRS_KEPT: usize = 4096;

impl Fix<'_> {
    /// Why `input` must not be written: its copy would overwrite another input's copy or the
    /// file itself.
    fn clash(&self, input: &Input) -> Option<String> {
        let dir = self.opts.out_dir.as_ref()?;
        let path = input.path.as_deref()?;
        let dest = dir.join(input.rel());
        let mut copies = self.copies.lock().expect("copies lock");
        if let Some(copies) = copies.as_mut() {
            match copies.entry(path_key(&dest)) {
                std::collections::hash_map::Entry::Occupied(first) => {
                    return Some(format!(
                        "{}: its copy {} would overwrite the one from {}; run the two in separate runs",
                        input.name(),
                        dest.display(),
                        first.get()
                    ));
                }
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(input.name().into_owned());
                }
            }
        }
        same_file(&dest, path).then(|| {
            format!(
                "{}: its copy would overwrite the file itself; choose another --out-dir or use --write",
                input.name()
            )
        })
    }
}

impl Job for Fix<'_> {
    fn admit(&self, item: Item) -> Item {
        let Item::Input(input) = &item else {
            return item;
        };
        if input.stream && !input.is_stdin() && (self.opts.write || self.opts.out_dir.is_some()) {
            return Item::Missing {
                name: input.name().into_owned(),
                error: anyhow::anyhow!(
                    "{} is not a regular file (a pipe or a device): it can be printed, not rewritten or copied",
                    input.name()
                ),
            };
        }
        match self.clash(input) {
            Some(m) => Item::Missing {
                name: input.name().into_owned(),
                error: anyhow::anyhow!(m),
            },
            None => item,
        }
    }

    fn run(&self, input: &Input, ctx: &Ctx, out: &mut dyn Write) -> Result<DocStats> {
        let (Some(path), true) = (&input.path, self.opts.write || self.opts.out_dir.is_some())
        else {
            return write_fixed(input, ctx, out);
        };
        match &self.opts.out_dir {
            Some(dir) => {
                let dest = dir.join(input.rel());
                if self.opts.resume && up_to_date(path, &dest) {
                    return Ok(DocStats {
                        resumed: true,
                        ..DocStats::default()
                    });
                }
                if let Some(parent) = dest.parent() {
                    self.make_dir(parent)?;
                }
                let mut f = AtomicFile::create(&dest)
                    .with_context(|| format!("cannot write {}", dest.display()))?;
                let stats = write_fixed(input, ctx, &mut f)?;
                self.stage(input, f, &dest)?;
                Ok(stats)
            }
            None => self.rewrite(input, path, ctx),
        }
    }

    fn settle(&self) -> Option<Settle> {
        let staged = std::mem::take(&mut *self.staged.lock().expect("not poisoned"));
        if staged.is_empty() {
            return None;
        }
        Some(Box::new(move || {
            let (names, files): (Vec<String>, Vec<Staged>) = staged.into_iter().unzip();
            names
                .into_iter()
                .zip(&files)
                .zip(commit_all(&files))
                .filter_map(|((name, file), r)| {
                    let e = r.err()?;
                    let e = anyhow::Error::new(e)
                        .context(format!("cannot write {}", file.target().display()));
                    Some((name, e))
                })
                .collect()
        }))
    }
}

impl Fix<'_> {
    /// Make the folder `dir` of `--out-dir` unless this run already has.
    fn make_dir(&self, dir: &Path) -> Result<()> {
        if self.made_dirs.lock().expect("not poisoned").contains(dir) {
            return Ok(());
        }
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
        let mut made = self.made_dirs.lock().expect("not poisoned");
        if made.len() >= MADE_DIRS_KEPT {
            made.clear();
        }
        made.insert(dir.to_path_buf());
        Ok(())
    }

    /// Rewrite `path` in place if any repair changes it: small files from memory, large ones
    /// streamed to a temp file beside it.
    fn rewrite(&self, input: &Input, path: &Path, ctx: &Ctx) -> Result<DocStats> {
        // A symlink named by the user stays a symlink: the file it points to is rewritten
        // (renaming the new text over the link would replace the link and leave that file as
        // it was). Links found in a folder are left out by the walk (`skip_links`).
        let resolved;
        let path = match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => {
                resolved = std::fs::canonicalize(path)
                    .with_context(|| format!("cannot follow the symlink {}", path.display()))?;
                resolved.as_path()
            }
            _ => path,
        };
        let fail = || format!("cannot write {}", path.display());
        if input.size <= large() {
            let mut fixed = Vec::new();
            let stats = write_fixed(input, ctx, &mut fixed)?;
            if stats.repairs > 0 {
                self.backup(path)?;
                let mut f = AtomicFile::create(path).with_context(fail)?;
                f.write_all(&fixed).with_context(fail)?;
                self.stage(input, f, path)?;
            }
            return Ok(stats);
        }
        let mut f = AtomicFile::create(path).with_context(fail)?;
        let stats = write_fixed(input, ctx, &mut f)?;
        if stats.repairs > 0 {
            self.backup(path)?;
            self.stage(input, f, path)?;
        }
        Ok(stats)
    }

    /// Close a complete output file; `settle` renames it into place.
    fn stage(&self, input: &Input, f: AtomicFile, dest: &Path) -> Result<()> {
        let staged = f
            .stage()
            .with_context(|| format!("cannot write {}", dest.display()))?;
        let mut list = self.staged.lock().expect("not poisoned");
        list.push((input.name().into_owned(), staged));
        Ok(())
    }

    /// Keep the old text as FILE+SUFFIX (a hard link where possible, else a copy).
    fn backup(&self, path: &Path) -> Result<()> {
        let Some(suffix) = &self.opts.backup else {
            return Ok(());
        };
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let backup = PathBuf::from(name);
        let _ = std::fs::remove_file(&backup);
        if std::fs::hard_link(path, &backup).is_err() {
            std::fs::copy(path, &backup)
                .with_context(|| format!("cannot write the backup {}", backup.display()))?;
        }
        Ok(())
    }
}

/// Repair `input` part by part and write the repaired text to `w`.
fn write_fixed(input: &Input, ctx: &Ctx, w: &mut dyn Write) -> Result<DocStats> {
    repair_parts(input, ctx, |p| {
        Ok(w.write_all(apply(p.text, &p.report.repairs).as_bytes())?)
    })
}

/// The copy exists and was written after the file last changed.
fn up_to_date(src: &Path, dest: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    matches!((modified(src), modified(dest)), (Some(s), Some(d)) if d >= s)
}
