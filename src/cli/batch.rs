//! Batch runs: many inputs repaired in parallel, each one's output printed whole and in input
//! order, per-input errors reported and counted without stopping the run, a progress bar on
//! a terminal and a summary at the end. The commands say what to do with one input; this
//! module says how to do it for a hundred thousand.

use super::document::{large, DocStats, Interrupted, Skipped};
use super::input::{BatchOpts, Encoding, Input, Inputs, Item};
use super::is_broken_pipe;
use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Set by the first SIGINT/SIGTERM when [`stop_on_signal`] was called.
static STOP: AtomicBool = AtomicBool::new(false);

/// Finish the files being written and stop at the first signal (the second one exits at
/// once), so an interrupted run leaves only complete output files behind.
pub(crate) fn stop_on_signal() {
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
}

/// What every input of a run is read with.
pub(crate) struct Ctx {
    pub(crate) encoding: Encoding,
    pub(crate) jobs: usize,
    /// Counts bytes; its message counts files.
    pub(crate) progress: ProgressBar,
    files: usize,
    done: AtomicUsize,
}

impl Ctx {
    pub(crate) fn stopped(&self) -> bool {
        STOP.load(Ordering::Relaxed)
    }

    /// One more input finished; `bytes` of it not yet counted.
    fn file_done(&self, bytes: u64) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        self.progress.inc(bytes);
        self.progress
            .set_message(format!("{done}/{} files", self.files));
    }
}

/// What a command does with one input.
pub(crate) trait Job: Sync {
    /// Repair `input`, writing what belongs on standard output to `out`.
    fn run(&self, input: &Input, ctx: &Ctx, out: &mut dyn Write) -> Result<DocStats>;
    /// Report a failed input on standard output too (the runner already told stderr).
    fn failed(&self, _name: &str, _error: &anyhow::Error, _out: &mut dyn Write) -> Result<()> {
        Ok(())
    }
    /// Look at each input before it is run, in order (`fix`: two inputs must not write the
    /// same copy); what it returns is run.
    fn admit(&self, item: Item) -> Item {
        item
    }
    /// Take what the inputs run since the last call wrote, and return the work that makes it
    /// final (`fix`: one sync for all its files, then their renames) before their outcomes
    /// are reported, or None when there is nothing to do (their outcomes are reported at
    /// once). The work runs while the next group of inputs is repaired, and returns the
    /// inputs that failed at this step, by name.
    fn settle(&self) -> Option<Settle> {
        None
    }
}

/// What makes a group's writes final (see [`Job::settle`]).
pub(crate) type Settle = Box<dyn FnOnce() -> Vec<(String, anyhow::Error)> + Send>;

/// A group repaired, its outputs held until its writes are final and it can be reported.
struct Repaired {
    group: Vec<Item>,
    results: Vec<(Vec<u8>, Result<DocStats>)>,
}

/// The counts of a run.
#[derive(Debug, Default)]
pub(crate) struct Summary {
    /// Inputs read or failed (not those skipped).
    pub(crate) files: usize,
    pub(crate) bytes: u64,
    pub(crate) repairs: usize,
    pub(crate) errors: usize,
    pub(crate) skipped: usize,
    pub(crate) resumed: usize,
    /// Documents with spin score >= 0.5.
    pub(crate) spun: usize,
    /// Spin scores in fifths: [0, 0.2), [0.2, 0.4), ... [0.8, 1].
    pub(crate) scores: [usize; 5],
    pub(crate) interrupted: bool,
    pub(crate) elapsed: Duration,
}

impl Summary {
    /// The exit code of the run: 130 interrupted, 1 errors, then 2 when `found_means_2` and
    /// repairs were found (check), else 0.
    pub(crate) fn exit_code(&self, found_means_2: bool) -> std::process::ExitCode {
        std::process::ExitCode::from(if self.interrupted {
            130
        } else if self.errors > 0 {
            1
        } else if found_means_2 && self.repairs > 0 {
            2
        } else {
            0
        })
    }
}

impl Summary {
    fn add(&mut self, s: &DocStats) {
        self.files += 1;
        if s.resumed {
            self.resumed += 1;
            return;
        }
        self.bytes += s.bytes;
        self.repairs += s.repairs;
        self.spun += usize::from(s.spin_score >= 0.5);
        self.scores[((s.spin_score * 5.0) as usize).min(4)] += 1;
    }

    /// Two lines for people, on stderr.
    pub(crate) fn print(&self) {
        let secs = self.elapsed.as_secs_f64();
        let mut first = format!(
            "unspin: {} files ({:.1} MB) in {secs:.1} s: {} repairs, {} spun documents, {} errors",
            self.files,
            self.bytes as f64 / 1e6,
            self.repairs,
            self.spun,
            self.errors
        );
        if self.skipped > 0 {
            first += &format!(", {} skipped", self.skipped);
        }
        if self.resumed > 0 {
            first += &format!(", {} already done", self.resumed);
        }
        eprintln!("{first}");
        let s = self.scores;
        eprintln!(
            "unspin: spin scores 0-0.2: {} | 0.2-0.4: {} | 0.4-0.6: {} | 0.6-0.8: {} | 0.8-1: {}",
            s[0], s[1], s[2], s[3], s[4]
        );
    }
}

/// Size rayon's pool for `-j N` (default: all cores); returns the number of threads.
pub(crate) fn start_pool(jobs: Option<usize>) -> usize {
    let jobs = jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build_global();
    jobs
}

/// How many inputs are repaired between two flushes of the output (bounding the output held)
/// and, in `fix`, between two syncs of the file system: 256 files a group made 2,300 syncs of
/// the 100 MB paragraphs corpus; 1,024 took its 10 MB version from 6.16 / 5.87 to 5.12 / 5.06 s
/// (`fix -j2` to disk, alternating runs; the same in memory and for `check`).
const GROUP_FILES: usize = 1024;
const GROUP_BYTES: u64 = 16 << 20;
/// Inputs larger than this, and standard input, are run alone with their output streamed;
/// smaller ones are run in groups, several at a time (a file over `large()` is still read
/// part by part, its parts repaired in parallel with the other inputs of its group).
const GROUPED_MAX: u64 = 4 << 20;

/// Whether `item` is run alone, its output streamed (see `GROUPED_MAX`).
fn alone(item: &Item) -> bool {
    matches!(item, Item::Input(i) if i.stream || i.size > GROUPED_MAX)
}

/// Run `job` over the inputs as they are found: files in parallel groups whose outputs are
/// printed in order, very large files and standard input one at a time, streamed part by
/// part. When a progress bar shows, a first pass counts the inputs.
pub(crate) fn run(mut found: Inputs, batch: &BatchOpts, job: &impl Job) -> Result<Summary> {
    let started = Instant::now();
    let jobs = start_pool(batch.jobs);
    let (progress, files) = progress_bar(&found, batch.quiet)?;
    let ctx = Ctx {
        encoding: batch.encoding,
        jobs,
        progress,
        files,
        done: AtomicUsize::new(0),
    };
    let mut summary = Summary::default();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut walk = Walk { met: 0, next: None };
    // The next group, found while the one before it was repaired (with more than one job).
    let mut ahead: Option<Result<Vec<Item>>> = None;
    // The group repaired last and the work that makes its writes final, which runs while
    // the next group is repaired (`fix` to disk: the sync waits on the disk, not the CPU).
    let mut last: Option<(Repaired, Settle)> = None;
    let quiet = batch.quiet;
    let looped = (|| -> Result<()> {
        loop {
            if ctx.stopped() {
                summary.interrupted = true;
                break;
            }
            let group = match ahead.take() {
                Some(group) => group?,
                None => walk.group(&mut found, job)?,
            };
            if !quiet {
                for n in found.notes.drain(..) {
                    ctx.progress.suspend(|| eprintln!("unspin: note: {n}"));
                }
            }
            if group.is_empty() {
                break;
            }
            if alone(&group[0]) {
                // Its output streams: what came before it is reported first.
                if let Some((r, settle)) = last.take() {
                    report(r, settle(), job, &ctx, &mut summary, &mut out, quiet)?;
                }
                let Item::Input(input) = &group[0] else {
                    unreachable!()
                };
                let result = job.run(input, &ctx, &mut out);
                let mut unsettled = job.settle().map_or_else(Vec::new, |settle| settle());
                let result = settled(result, &input.name(), &mut unsettled);
                ctx.file_done(0);
                finish(job, &ctx, &mut summary, &group[0], result, &mut out, quiet)?;
                continue;
            }
            let repair_group = || -> Vec<(Vec<u8>, Result<DocStats>)> {
                group
                    .par_iter()
                    .map(|item| {
                        let mut buf = Vec::new();
                        let result = match item {
                            Item::Input(_) if ctx.stopped() => Err(Interrupted.into()),
                            Item::Input(input) => job.run(input, &ctx, &mut buf),
                            Item::Missing { .. } => Ok(DocStats::default()),
                        };
                        // A file over `large()` counted its bytes part by part.
                        ctx.file_done(match item {
                            Item::Input(i) if i.size <= large() => i.size,
                            _ => 0,
                        });
                        (buf, result)
                    })
                    .collect()
            };
            // While the pool repairs this group, one thread makes the last group's writes
            // final and, with more than one job, this one finds the next group (reading
            // folders and asking for file sizes: a tenth of the time with one-paragraph
            // files); with one job, the repair runs here.
            let (settled_last, results) = std::thread::scope(|scope| {
                let settling = last.take().map(|(r, settle)| (r, scope.spawn(settle)));
                let results = if ctx.jobs > 1 {
                    let repairing = scope.spawn(repair_group);
                    ahead = Some(walk.group(&mut found, job));
                    joined(repairing)
                } else {
                    repair_group()
                };
                (settling.map(|(r, h)| (r, joined(h))), results)
            });
            if let Some((r, unsettled)) = settled_last {
                report(r, unsettled, job, &ctx, &mut summary, &mut out, quiet)?;
            }
            let repaired = Repaired { group, results };
            match job.settle() {
                Some(settle) => last = Some((repaired, settle)),
                // Nothing to wait for (`check`): reported now, its output not held longer.
                None => report(
                    repaired,
                    Vec::new(),
                    job,
                    &ctx,
                    &mut summary,
                    &mut out,
                    quiet,
                )?,
            }
        }
        Ok(())
    })();
    // The last group's writes are made final even when the run stopped on an error, and so
    // are those of a group whose report failed (a closed pipe): complete files, not temp ones.
    let reported = match last.take() {
        Some((r, settle)) => report(r, settle(), job, &ctx, &mut summary, &mut out, quiet),
        None => Ok(()),
    };
    if let Some(settle) = job.settle() {
        settle();
    }
    looped?;
    reported?;
    out.flush()?;
    summary.skipped += found.skipped;
    if walk.met == 0 && !batch.quiet && !summary.interrupted {
        eprintln!("unspin: note: no files to read; check the paths, --glob and --exclude");
    }
    ctx.progress.finish_and_clear();
    summary.interrupted |= ctx.stopped();
    summary.elapsed = started.elapsed();
    if summary.interrupted {
        eprintln!(
            "unspin: interrupted after {} files; the files written are complete: run the same command again to finish",
            summary.files
        );
    } else if !batch.quiet && walk.met > 1 {
        summary.print();
    }
    Ok(summary)
}

/// The value of a scoped thread, or its panic passed on.
fn joined<T>(h: std::thread::ScopedJoinHandle<'_, T>) -> T {
    h.join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Print a repaired group's outputs in order and count its outcomes, the inputs its
/// settling failed (`unsettled`) counted as errors.
fn report(
    r: Repaired,
    mut unsettled: Vec<(String, anyhow::Error)>,
    job: &impl Job,
    ctx: &Ctx,
    summary: &mut Summary,
    out: &mut dyn Write,
    quiet: bool,
) -> Result<()> {
    for (item, (buf, result)) in r.group.iter().zip(r.results) {
        let result = match item {
            Item::Input(i) => settled(result, &i.name(), &mut unsettled),
            Item::Missing { .. } => result,
        };
        out.write_all(&buf)?;
        finish(job, ctx, summary, item, result, out, quiet)?;
    }
    out.flush()?;
    Ok(())
}

/// The walk through the inputs, a group at a time.
struct Walk {
    /// Inputs met so far (read or missing).
    met: usize,
    /// An input already taken (and admitted) that starts the next group.
    next: Option<Item>,
}

impl Walk {
    /// The next group: up to `GROUP_FILES` inputs or `GROUP_BYTES`, or one input run alone
    /// (see `alone`); empty at the end.
    fn group(&mut self, found: &mut Inputs, job: &impl Job) -> Result<Vec<Item>> {
        let mut group: Vec<Item> = Vec::new();
        let mut bytes = 0;
        while group.len() < GROUP_FILES && bytes < GROUP_BYTES {
            let item = match self.next.take() {
                Some(item) => item,
                None => match found.next() {
                    Some(item) => {
                        self.met += 1;
                        job.admit(item?)
                    }
                    None => break,
                },
            };
            if alone(&item) && !group.is_empty() {
                self.next = Some(item);
                break;
            }
            let stop = alone(&item);
            if let Item::Input(i) = &item {
                bytes += i.size;
            }
            group.push(item);
            if stop {
                break;
            }
        }
        Ok(group)
    }
}

/// An input's outcome once `Job::settle` has run: the error it gave the input, if any.
fn settled(
    result: Result<DocStats>,
    name: &str,
    unsettled: &mut Vec<(String, anyhow::Error)>,
) -> Result<DocStats> {
    match unsettled.iter().position(|(n, _)| n == name) {
        Some(k) => Err(unsettled.swap_remove(k).1),
        None => result,
    }
}

/// Count one input's outcome and report its error in order.
fn finish(
    job: &impl Job,
    ctx: &Ctx,
    summary: &mut Summary,
    item: &Item,
    result: Result<DocStats>,
    out: &mut dyn Write,
    quiet: bool,
) -> Result<()> {
    let (name, result) = match item {
        Item::Input(i) => (i.name(), result),
        Item::Missing { name, error } => (name.into(), Err(anyhow::anyhow!("{error:#}"))),
    };
    match result {
        Ok(stats) => summary.add(&stats),
        Err(e) if is_broken_pipe(&e) => return Err(e),
        Err(e) if e.is::<Interrupted>() => summary.interrupted = true,
        Err(e) if e.is::<Skipped>() => {
            summary.skipped += 1;
            if !quiet {
                ctx.progress.suspend(|| eprintln!("unspin: note: {e}"));
            }
        }
        Err(e) => {
            summary.files += 1;
            summary.errors += 1;
            ctx.progress.suspend(|| eprintln!("unspin: error: {e:#}"));
            job.failed(&name, &e, out)?;
        }
    }
    Ok(())
}

/// A bar on stderr for runs worth one: on a terminal, not `--quiet`, more than one input or
/// a large one.
fn progress_bar(inputs: &Inputs, quiet: bool) -> Result<(ProgressBar, usize)> {
    if quiet || !std::io::stderr().is_terminal() {
        return Ok((ProgressBar::hidden(), 0));
    }
    // A first walk that only counts (it holds nothing per file).
    let (mut files, mut total) = (0, 0);
    for item in inputs.again() {
        files += 1;
        if let Item::Input(i) = item? {
            total += i.size;
        }
    }
    if files < 2 && total < large() {
        return Ok((ProgressBar::hidden(), files));
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}",
        )
        .expect("valid template"),
    );
    bar.set_message(format!("0/{files} files"));
    Ok((bar, files))
}
