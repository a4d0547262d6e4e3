//! Inputs: which texts a run reads (paths, folders walked recursively, `--file-list`, stdin)
//! and with which settings (the `unspin.toml` nearest each input). Everything a command needs
//! to know about an input is decided here, as the run reaches it.

use super::dictionaries;
use crate::RepairOpts;
use anyhow::{bail, Context, Result};
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use unspin::config::{Config, Protected};
use unspin::repair::Repairer;

/// Which inputs to read and how: the options `check`, `fix` and `diff` share.
#[derive(clap::Args, Clone, Default)]
pub(crate) struct BatchOpts {
    /// Files and folders (walked recursively); '-' or nothing: standard input
    pub(crate) paths: Vec<PathBuf>,
    /// Read the paths to process from FILE, one per line ('-': standard input)
    #[arg(long, value_name = "FILE")]
    pub(crate) file_list: Option<PathBuf>,
    /// In folders, only files matching this glob (a glob without '/' matches the file name)
    #[arg(long, value_name = "GLOB")]
    pub(crate) glob: Vec<String>,
    /// In folders, skip files and folders matching this glob
    #[arg(long, value_name = "GLOB")]
    pub(crate) exclude: Vec<String>,
    /// Files processed at once (default: all cores)
    #[arg(short = 'j', long, value_name = "N")]
    pub(crate) jobs: Option<usize>,
    /// What to do with text that is not valid UTF-8: report it (utf8) or replace the bad bytes
    /// with U+FFFD (lossy)
    #[arg(long, value_enum, default_value = "utf8")]
    pub(crate) encoding: Encoding,
    /// No progress bar, notes or summary on stderr (errors are still shown)
    #[arg(short, long)]
    pub(crate) quiet: bool,
    /// Use this unspin.toml for every input instead of the one nearest each input
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
}

#[derive(Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Encoding {
    #[default]
    Utf8,
    Lossy,
}

/// The settings an input is repaired with: a repairer and the rules of its `unspin.toml`.
pub(crate) struct Setup {
    pub(crate) repairer: Repairer<'static>,
    pub(crate) config: Config,
    pub(crate) protected: Protected,
    /// The spin tables read besides the embedded one (`--spins`, the config's).
    tables: Vec<PathBuf>,
}

impl Setup {
    pub(crate) fn new(opts: &RepairOpts, config: Config) -> Result<Setup> {
        let tables: Vec<PathBuf> = opts
            .spins
            .iter()
            .chain(&config.spin_tables)
            .cloned()
            .collect();
        let dicts = dictionaries(&tables).with_context(|| match &config.path {
            Some(p) if !config.spin_tables.is_empty() => {
                format!("loading the spin tables named in {}", p.display())
            }
            _ => "loading the spin tables given with --spins".into(),
        })?;
        let mut repairer = Repairer::new(dicts);
        if let Some(c) = opts.min_confidence.or(config.min_confidence) {
            repairer.settings.min_confidence = c;
        }
        Ok(Setup {
            repairer,
            protected: config.protected(),
            config,
            tables,
        })
    }

    /// Whether `path` is one of the spin tables this setup reads: a table kept inside the
    /// tree being cleaned is the user's data, not a document (`fix -w` would rewrite it).
    fn reads_table(&self, path: &Path) -> bool {
        self.tables
            .iter()
            .any(|t| t.file_name() == path.file_name() && same_file(t, path))
    }
}

/// Whether two paths name one file (the same inode: symlinks and hard links included). At
/// most two `stat`s, where comparing canonical paths cost a `readlink` per path component.
pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let id = |p: &Path| std::fs::metadata(p).map(|m| (m.dev(), m.ino())).ok();
        id(a).is_some_and(|a| id(b) == Some(a))
    }
    #[cfg(not(unix))]
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Finds and loads the `unspin.toml` of each input, once per folder and once per file.
pub(crate) struct Configs<'a> {
    opts: &'a RepairOpts,
    forced: Option<Arc<Setup>>,
    by_dir: HashMap<PathBuf, Arc<Setup>>,
    by_file: HashMap<Option<PathBuf>, Arc<Setup>>,
}

impl<'a> Configs<'a> {
    /// `config`: the `--config` file, used for every input when given.
    pub(crate) fn new(opts: &'a RepairOpts, config: Option<&Path>) -> Result<Configs<'a>> {
        let forced = match config {
            Some(p) => Some(Arc::new(Setup::new(opts, load_config(p)?)?)),
            None => None,
        };
        Ok(Configs {
            opts,
            forced,
            by_dir: HashMap::new(),
            by_file: HashMap::new(),
        })
    }

    /// The same settings with nothing looked up yet.
    fn fresh(&self) -> Configs<'a> {
        Configs {
            opts: self.opts,
            forced: self.forced.clone(),
            by_dir: HashMap::new(),
            by_file: HashMap::new(),
        }
    }

    /// The setup for inputs in `dir` (the current folder for standard input).
    pub(crate) fn for_dir(&mut self, dir: &Path) -> Result<Arc<Setup>> {
        if let Some(s) = &self.forced {
            return Ok(s.clone());
        }
        if let Some(s) = self.by_dir.get(dir) {
            return Ok(s.clone());
        }
        let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        let file = Config::find(&abs);
        let setup = match self.by_file.get(&file) {
            Some(s) => s.clone(),
            None => {
                let config = match &file {
                    Some(p) => load_config(p)?,
                    None => Config::default(),
                };
                let s = Arc::new(Setup::new(self.opts, config)?);
                self.by_file.insert(file, s.clone());
                s
            }
        };
        self.by_dir.insert(dir.to_path_buf(), setup.clone());
        Ok(setup)
    }
}

fn load_config(path: &Path) -> Result<Config> {
    if path.is_dir() {
        bail!(
            "{} is a directory: --config takes an unspin.toml file",
            path.display()
        );
    }
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "cannot read the config file {}; check the path",
            path.display()
        )
    })?;
    Ok(Config::parse(&text, path)?)
}

/// One input: a file or standard input, with the settings it is repaired with.
pub(crate) struct Input {
    /// None: standard input.
    pub(crate) path: Option<PathBuf>,
    /// How many leading components of `path` its place under `fix --out-dir` leaves out
    /// (see `rel`).
    rel_skip: usize,
    /// Size in bytes when known (0 for standard input).
    pub(crate) size: u64,
    /// Read once as it comes, with no size known beforehand: standard input, or a named pipe
    /// or device (`<(cmd)`, /dev/stdin), which a second read or a read to the end first would
    /// consume or never finish.
    pub(crate) stream: bool,
    /// Named by the user (an argument or a `--file-list` line) rather than found in a folder:
    /// a binary file named by the user is an error, one found in a folder is skipped.
    pub(crate) explicit: bool,
    pub(crate) setup: Arc<Setup>,
}

impl Input {
    /// Standard input, repaired with `setup` (that of the current folder).
    pub(crate) fn stdin(setup: Arc<Setup>) -> Input {
        Input {
            path: None,
            rel_skip: 0,
            size: 0,
            stream: true,
            explicit: true,
            setup,
        }
    }

    /// A file whose place under `fix --out-dir` is its path below `root` (a folder
    /// argument it was found in), or its file name when `root` is None.
    fn file(path: PathBuf, root: Option<&Path>, size: u64, setup: Arc<Setup>) -> Input {
        let rel_skip = match root {
            Some(root) => root.components().count(),
            None => path.components().count().saturating_sub(1),
        };
        Input {
            path: Some(path),
            rel_skip,
            size,
            stream: false,
            explicit: root.is_none(),
            setup,
        }
    }

    pub(crate) fn is_stdin(&self) -> bool {
        self.path.is_none()
    }

    /// How messages and output name it: the path as given or found, or '-'. Derived rather
    /// than kept, as is `rel`: a run over millions of files holds one path per file.
    pub(crate) fn name(&self) -> std::borrow::Cow<'_, str> {
        match &self.path {
            Some(p) => p.to_string_lossy(),
            None => "-".into(),
        }
    }

    /// Where it goes under `fix --out-dir`: its path below the folder argument it was found
    /// in, or its file name.
    pub(crate) fn rel(&self) -> PathBuf {
        match &self.path {
            Some(p) => p.components().skip(self.rel_skip).collect(),
            None => "stdin".into(),
        }
    }
}

/// What was named on the command line but cannot be read at all, kept in order with the
/// inputs so its error is reported where it stood.
pub(crate) enum Item {
    Input(Input),
    Missing { name: String, error: anyhow::Error },
}

/// The inputs the options name, in order, found as the run reaches them: paths, then
/// `--file-list` entries, folders walked in name order. Found lazily, so a run over millions
/// of files holds a folder's entries at a time, not a list of every file.
pub(crate) struct Inputs<'a> {
    /// The paths named, each with its name and whether a `--file-list` line named it, and
    /// how many of them were taken.
    named: Rc<[(PathBuf, String, bool)]>,
    taken: usize,
    configs: Configs<'a>,
    filter: Rc<Filter>,
    /// The `--out-dir` of `fix`, never walked into.
    skip_dir: Option<PathBuf>,
    /// The `--backup` suffix of `fix -w`: a file found in a folder whose name is another
    /// file's plus this suffix is that file's backup, not an input.
    pub(crate) backup_suffix: Option<String>,
    /// `fix -w`: a symlinked file found in a folder is left out (writing through it could
    /// reach a file outside the tree; one named on the command line is written through).
    pub(crate) skip_links: bool,
    /// The folder being walked (its path as named) and the walk.
    walking: Option<(PathBuf, walkdir::IntoIter)>,
    /// Files met so far, by `file_key` (standard input as `u128::MAX`), when more than one
    /// path is named (only then can a file be reached twice).
    seen: Option<HashSet<u128>>,
    /// Set by an error that ends the run (an unreadable `unspin.toml`).
    failed: bool,
    /// What was left out on the way (hidden files, not regular files, symlinked folders),
    /// for notes; the runner takes them as it goes.
    pub(crate) notes: Vec<String>,
    /// Files and folders left out (hidden, not regular files).
    pub(crate) skipped: usize,
    /// Standard input is among the inputs.
    pub(crate) stdin: bool,
    /// More than one path is named.
    pub(crate) several: bool,
}

/// The inputs the options name (see `Inputs`). `skip_dir` (the `--out-dir` of `fix`) is never
/// walked into.
pub(crate) fn collect<'a>(
    batch: &BatchOpts,
    opts: &'a RepairOpts,
    skip_dir: Option<&Path>,
) -> Result<Inputs<'a>> {
    let configs = Configs::new(opts, batch.config.as_deref())?;
    let filter = Filter::new(batch)?;
    let skip_dir = skip_dir.and_then(|d| d.canonicalize().ok());
    let mut named: Vec<(PathBuf, String, bool)> = batch
        .paths
        .iter()
        .map(|p| (p.clone(), p.display().to_string(), false))
        .collect();
    if let Some(list) = &batch.file_list {
        if list.as_os_str() == "-" && named.iter().any(|(p, ..)| p.as_os_str() == "-") {
            bail!("standard input cannot be both the --file-list and an input; name the files instead");
        }
        named.extend(read_file_list(list)?);
    } else if named.is_empty() {
        named.push(("-".into(), "-".into(), false));
    }
    let several = named.len() > 1;
    Ok(Inputs {
        stdin: named.iter().any(|(p, ..)| p.as_os_str() == "-"),
        several,
        named: named.into(),
        taken: 0,
        configs,
        filter: Rc::new(filter),
        skip_dir,
        backup_suffix: None,
        skip_links: false,
        walking: None,
        seen: several.then(HashSet::new),
        failed: false,
        notes: Vec::new(),
        skipped: 0,
    })
}

impl Iterator for Inputs<'_> {
    type Item = Result<Item>;

    fn next(&mut self) -> Option<Result<Item>> {
        if self.failed {
            return None;
        }
        match self.find() {
            Ok(item) => item.map(Ok),
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

impl<'a> Inputs<'a> {
    /// The same inputs from the start (for a first pass that counts them: a `--file-list`
    /// is not read again).
    pub(crate) fn again(&self) -> Inputs<'a> {
        Inputs {
            named: self.named.clone(),
            taken: 0,
            configs: self.configs.fresh(),
            filter: self.filter.clone(),
            skip_dir: self.skip_dir.clone(),
            backup_suffix: self.backup_suffix.clone(),
            skip_links: self.skip_links,
            walking: None,
            seen: self.several.then(HashSet::new),
            failed: false,
            notes: Vec::new(),
            skipped: 0,
            stdin: self.stdin,
            several: self.several,
        }
    }

    /// The file `path` is the `--backup` of, if it is one (see `backup_suffix`).
    fn backed_up(&self, path: &Path) -> Option<PathBuf> {
        let suffix = self.backup_suffix.as_deref()?;
        let name = path.as_os_str().to_str()?;
        let original = Path::new(name.strip_suffix(suffix)?);
        original.is_file().then(|| original.to_path_buf())
    }

    fn skip(&mut self, note: String) {
        self.notes.push(note);
        self.skipped += 1;
    }

    /// Whether the file at `path` (of metadata `meta`) is met for the first time: one file
    /// under two spellings ("a.txt", "./a.txt", a hard link) is one file.
    fn first_time(&mut self, path: &Path, meta: &std::fs::Metadata) -> bool {
        match &mut self.seen {
            Some(seen) => seen.insert(file_key(path, meta)),
            None => true,
        }
    }

    /// The next input, walking on where a folder is being walked.
    fn find(&mut self) -> Result<Option<Item>> {
        loop {
            if let Some((root, mut it)) = self.walking.take() {
                match it.next() {
                    Some(entry) => {
                        let item = self.entry(&root, &mut it, entry);
                        self.walking = Some((root, it));
                        match item? {
                            Some(item) => return Ok(Some(item)),
                            None => continue,
                        }
                    }
                    None => continue,
                }
            }
            let Some((path, name, listed)) = self.named.get(self.taken).cloned() else {
                return Ok(None);
            };
            self.taken += 1;
            if path.as_os_str() == "-" {
                if self
                    .seen
                    .as_mut()
                    .is_some_and(|seen| !seen.insert(u128::MAX))
                {
                    continue; // standard input named twice is read once
                }
                return Ok(Some(match self.configs.for_dir(Path::new(".")) {
                    Ok(setup) => Item::Input(Input::stdin(setup)),
                    Err(error) => unusable_settings("-", error),
                }));
            }
            let meta = match std::fs::metadata(&path) {
                Ok(m) => m,
                Err(e) => {
                    let todo = what_to_do(&path, e.kind());
                    let error =
                        anyhow::Error::new(e).context(format!("cannot read {name}; {todo}"));
                    return Ok(Some(Item::Missing { name, error }));
                }
            };
            if meta.is_dir() && listed {
                let error = anyhow::anyhow!(
                    "{name} (in the --file-list) is a directory; list files, or pass the folder as an argument"
                );
                return Ok(Some(Item::Missing { name, error }));
            } else if meta.is_dir() {
                // By file name: the entries sorted are those of one folder, so their paths
                // differ only after the folder's, and comparing whole paths is that order
                // without parsing each name out of its path at every comparison (a tenth of
                // the time on 60,000 one-paragraph files).
                let it = walkdir::WalkDir::new(&path)
                    .sort_by(|a, b| a.path().as_os_str().cmp(b.path().as_os_str()))
                    .follow_links(false)
                    .into_iter();
                self.walking = Some((path, it));
            } else if self.first_time(&path, &meta) {
                let setup = match self.configs.for_dir(parent(&path)) {
                    Ok(setup) => setup,
                    Err(error) => return Ok(Some(unusable_settings(&name, error))),
                };
                let mut input = Input::file(path, None, meta.len(), setup);
                input.stream = !meta.is_file();
                return Ok(Some(Item::Input(input)));
            }
        }
    }

    /// What one entry of the walk of `root` gives: an input, an error, or nothing (a folder,
    /// a file left out).
    fn entry(
        &mut self,
        root: &Path,
        it: &mut walkdir::IntoIter,
        entry: walkdir::Result<walkdir::DirEntry>,
    ) -> Result<Option<Item>> {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().unwrap_or(root).to_path_buf();
                let kind = e
                    .io_error()
                    .map_or(std::io::ErrorKind::Other, |io| io.kind());
                let name = path.display().to_string();
                // walkdir's error repeats its cause in its own message: the cause alone.
                let ancestor = e.loop_ancestor().map(|p| p.display().to_string());
                let error = match e.into_io_error() {
                    Some(io) => anyhow::Error::new(io),
                    None => {
                        anyhow::anyhow!("a symlink loop back to {}", ancestor.unwrap_or_default())
                    }
                }
                .context(format!("cannot read {name}; {}", what_to_do(&path, kind)));
                return Ok(Some(Item::Missing { name, error }));
            }
        };
        if entry.depth() == 0 {
            return Ok(None);
        }
        let path = entry.path();
        let rel = path.strip_prefix(root).unwrap_or(path);
        let is_dir = entry.file_type().is_dir() || (entry.path_is_symlink() && path.is_dir());
        if is_hidden(entry.file_name()) {
            self.skip(format!(
                "skipped hidden {} {}",
                if is_dir { "folder" } else { "file" },
                path.display()
            ));
            if is_dir {
                it.skip_current_dir();
            }
            return Ok(None);
        }
        if self.filter.excluded(rel) {
            if is_dir {
                it.skip_current_dir();
            }
            return Ok(None);
        }
        if is_dir {
            if entry.path_is_symlink() {
                self.notes.push(format!(
                    "did not follow the symlinked folder {}",
                    path.display()
                ));
            } else if self
                .skip_dir
                .as_deref()
                .is_some_and(|s| path.canonicalize().is_ok_and(|p| p == s))
            {
                it.skip_current_dir();
            }
            return Ok(None);
        }
        if !self.filter.included(rel) {
            return Ok(None);
        }
        if self.skip_links && entry.path_is_symlink() {
            self.skip(format!(
                "skipped the symlink {} (not rewritten through a link found in a folder: name it to)",
                path.display()
            ));
            return Ok(None);
        }
        if entry.file_name() == unspin::config::FILE_NAME {
            self.skip(format!(
                "skipped {} (settings, not a document)",
                path.display()
            ));
            return Ok(None);
        }
        if let Some(original) = self.backed_up(path) {
            self.skip(format!(
                "skipped {} (the backup of {})",
                path.display(),
                original.display()
            ));
            return Ok(None);
        }
        let size = match std::fs::metadata(path) {
            Ok(m) if m.is_file() => match self.first_time(path, &m) {
                true => m.len(),
                false => return Ok(None),
            },
            Ok(_) => {
                self.skip(format!("skipped {} (not a regular file)", path.display()));
                return Ok(None);
            }
            Err(e) => {
                let name = path.display().to_string();
                let what = match entry.path_is_symlink() {
                    true => "check the symlink",
                    false => what_to_do(path, e.kind()),
                };
                let error = anyhow::Error::new(e).context(format!("cannot read {name}; {what}"));
                return Ok(Some(Item::Missing { name, error }));
            }
        };
        let setup = match self.configs.for_dir(parent(path)) {
            Ok(setup) => setup,
            Err(error) => return Ok(Some(unusable_settings(&path.display().to_string(), error))),
        };
        if setup.reads_table(path) {
            self.skip(format!(
                "skipped {} (a spin table the settings read, not a document)",
                path.display()
            ));
            return Ok(None);
        }
        Ok(Some(Item::Input(Input::file(
            path.to_path_buf(),
            Some(root),
            size,
            setup,
        ))))
    }
}

/// An input whose settings (its `unspin.toml`, a spin table it names) cannot be used: an
/// error of that input alone, so the rest of the run goes on and its results are printed.
fn unusable_settings(name: &str, error: anyhow::Error) -> Item {
    Item::Missing {
        name: name.to_string(),
        error: error.context("not checked: its settings cannot be used; fix them and run again"),
    }
}

/// What to tell the user when `path` cannot be opened.
pub(crate) fn what_to_do(path: &Path, kind: std::io::ErrorKind) -> &'static str {
    match kind {
        std::io::ErrorKind::PermissionDenied => "check its permissions",
        _ if !path.exists() => "check the path",
        _ => "check that it is a readable file",
    }
}

/// What tells a file met twice from another: its device and inode where there are such,
/// else its path's `path_key`.
fn file_key(path: &Path, meta: &std::fs::Metadata) -> u128 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let _ = path;
        (u128::from(meta.dev()) << 64) | u128::from(meta.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        path_key(path)
    }
}

/// What tells a path met twice (a file named twice or inside two folder arguments, a copy
/// two inputs would write) from another: a 128-bit hash of it, a fraction of the memory of
/// the path itself per file.
pub(crate) fn path_key(path: &Path) -> u128 {
    use std::hash::{Hash, Hasher};
    let half = |salt: u8| {
        let mut h = std::hash::DefaultHasher::new();
        h.write_u8(salt);
        path.hash(&mut h);
        h.finish() as u128
    };
    (half(0) << 64) | half(1)
}

fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn read_file_list(list: &Path) -> Result<Vec<(PathBuf, String, bool)>> {
    let lines: Vec<String> = if list.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .lines()
            .collect::<std::io::Result<_>>()
            .context("reading the --file-list from standard input")?
    } else {
        if list.is_dir() {
            bail!(
                "{} is a directory: --file-list takes a file with one path per line",
                list.display()
            );
        }
        let text = std::fs::read(list).with_context(|| {
            format!(
                "cannot read the --file-list {}; check the path",
                list.display()
            )
        })?;
        String::from_utf8(text)
            .map_err(|_| {
                anyhow::anyhow!(
                    "the --file-list {} is not UTF-8 text; list one path per line",
                    list.display()
                )
            })?
            .lines()
            .map(String::from)
            .collect()
    };
    Ok(lines
        .into_iter()
        .map(|l| l.trim_end_matches('\r').to_string())
        .filter(|l| !l.trim().is_empty())
        .map(|l| (PathBuf::from(&l), l, true))
        .collect())
}

/// `--glob` and `--exclude`, compiled.
struct Filter {
    include: Option<(GlobSet, GlobSet)>,
    exclude: (GlobSet, GlobSet),
}

impl Filter {
    fn new(batch: &BatchOpts) -> Result<Filter> {
        let include = if batch.glob.is_empty() {
            None
        } else {
            Some(globs(&batch.glob, "--glob")?)
        };
        Ok(Filter {
            include,
            exclude: globs(&batch.exclude, "--exclude")?,
        })
    }

    fn excluded(&self, rel: &Path) -> bool {
        matches(&self.exclude, rel)
    }

    fn included(&self, rel: &Path) -> bool {
        self.include.as_ref().map_or(true, |g| matches(g, rel))
    }
}

/// Globs split into those matched against the file name (no '/') and against the path.
fn globs(patterns: &[String], flag: &str) -> Result<(GlobSet, GlobSet)> {
    let (mut name, mut path) = (GlobSetBuilder::new(), GlobSetBuilder::new());
    for p in patterns {
        let g = Glob::new(p.trim_start_matches("./"))
            .with_context(|| format!("{flag} {p:?} is not a valid glob"))?;
        if p.contains('/') {
            path.add(g);
        } else {
            name.add(g);
        }
    }
    Ok((name.build()?, path.build()?))
}

fn matches((name, path): &(GlobSet, GlobSet), rel: &Path) -> bool {
    rel.file_name().is_some_and(|n| name.is_match(n)) || path.is_match(rel)
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| n.starts_with('.'))
}
