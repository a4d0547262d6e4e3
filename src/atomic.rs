//! Atomic file writes: write a temp file beside the target, then rename over it, so a reader
//! (or a killed run) never sees a half-written file. The mode (and, as root, the owner) of an
//! existing target is kept.
//! The temp name is fixed per target (`.NAME.unspin.tmp`), so a run killed outright leaves at
//! most hidden temp files that the next run over the same targets overwrites and renames.
//!
//! Many files at once ([`AtomicFile::stage`], then [`commit_all`]) pay for one sync per file
//! system instead of one `fsync` per file: every temp file is made durable before any is
//! renamed, so a crash can lose renames (the target is simply missing or old) but never leaves
//! a partial file under a target's name.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes)?;
    f.commit()
}

/// A file written beside its target and renamed into place by [`AtomicFile::commit`];
/// dropped without a commit, it is removed and the target stays as it was.
pub struct AtomicFile {
    target: PathBuf,
    tmp: PathBuf,
    file: Option<BufWriter<File>>,
}

impl AtomicFile {
    pub fn create(path: &Path) -> std::io::Result<AtomicFile> {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
        let tmp = dir.join(format!(".{name}.unspin.tmp"));
        let file = create_new(&tmp).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!(
                    "cannot create the temp file {} beside it ({e}): the folder must be writable",
                    tmp.display()
                ),
            )
        })?;
        let file = BufWriter::with_capacity(1 << 16, file);
        Ok(AtomicFile {
            target: path.to_path_buf(),
            tmp,
            file: Some(file),
        })
    }

    /// Flush, sync, give the temp file the target's permissions and rename it over the target.
    pub fn commit(mut self) -> std::io::Result<()> {
        let file = self.file.take().expect("not yet committed");
        let result = (|| {
            let f = file.into_inner().map_err(|e| e.into_error())?;
            f.sync_all()?;
            keep_permissions(&f, &self.target)?;
            std::fs::rename(&self.tmp, &self.target)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&self.tmp);
        }
        result
    }

    /// Flush and close the temp file and give it the target's permissions, leaving the sync
    /// and the rename to [`commit_all`].
    pub fn stage(mut self) -> std::io::Result<Staged> {
        let file = self.file.take().expect("not yet committed");
        let result = (|| {
            let f = file.into_inner().map_err(|e| e.into_error())?;
            keep_permissions(&f, &self.target)
        })();
        if let Err(e) = result {
            let _ = std::fs::remove_file(&self.tmp);
            return Err(e);
        }
        Ok(Staged {
            target: std::mem::take(&mut self.target),
            tmp: std::mem::take(&mut self.tmp),
        })
    }
}

/// Create the temp file `tmp`, which must not exist: whatever stands at that name (a temp
/// file of a run killed outright, or a symlink planted in a scraped tree) is removed, never
/// followed, so the write cannot land in another file.
fn create_new(tmp: &Path) -> std::io::Result<File> {
    // Private while written (a copy of a private file must not be readable by others in the
    // meantime); `keep_permissions` gives it its final mode.
    let open = || {
        let mut o = File::options();
        o.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        o.open(tmp)
    };
    match open() {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::remove_file(tmp)?;
            open()
        }
        other => other,
    }
}

/// Give the temp file `f` the permissions of `target` and, where allowed (as root), its owner
/// and group; a new file gets the mode any new file would (0666 less the umask). Through the
/// open file, so that a name swapped meanwhile changes nothing else.
fn keep_permissions(f: &File, target: &Path) -> std::io::Result<()> {
    match std::fs::metadata(target) {
        Ok(meta) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                // Only root may give a file away; anyone else keeps being its owner.
                let _ = std::os::unix::fs::fchown(f, Some(meta.uid()), Some(meta.gid()));
            }
            f.set_permissions(meta.permissions())
        }
        Err(_) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                f.set_permissions(std::fs::Permissions::from_mode(0o666 & !umask()))?;
            }
            Ok(())
        }
    }
}

/// The process's umask, read once (Linux shows it in /proc/self/status; elsewhere the usual
/// 022 is assumed rather than set and reset, which would race with other threads).
#[cfg(unix)]
fn umask() -> u32 {
    static UMASK: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *UMASK.get_or_init(|| {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                let line = s.lines().find(|l| l.starts_with("Umask:"))?;
                u32::from_str_radix(line["Umask:".len()..].trim(), 8).ok()
            })
            .unwrap_or(0o022)
    })
}

/// A complete temp file waiting for [`commit_all`] to sync it and rename it over its target.
pub struct Staged {
    target: PathBuf,
    tmp: PathBuf,
}

impl Staged {
    pub fn target(&self) -> &Path {
        &self.target
    }
}

/// Make every staged file durable, then rename each over its target: one result per file.
/// A file that fails has its temp file removed and its target left as it was. The renames
/// run on rayon's threads: `fix` calls this between groups of files, when the other threads
/// would otherwise wait for one thread to rename the whole group.
pub fn commit_all(staged: &[Staged]) -> Vec<std::io::Result<()>> {
    use rayon::prelude::*;
    let synced = sync(staged);
    staged
        .par_iter()
        .zip(synced)
        .map(|(s, sync)| {
            let result = sync.and_then(|_| std::fs::rename(&s.tmp, &s.target));
            if result.is_err() {
                let _ = std::fs::remove_file(&s.tmp);
            }
            result
        })
        .collect()
}

/// Write the staged files to disk: one `syncfs` per file system they are on. A temp file is
/// on its folder's file system, so each folder is asked once which one that is.
#[cfg(target_os = "linux")]
fn sync(staged: &[Staged]) -> Vec<std::io::Result<()>> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::MetadataExt;
    let syncfs = |f: &File| {
        // SAFETY: syncfs only reads the descriptor, which `f` keeps open during the call.
        match unsafe { libc::syncfs(f.as_raw_fd()) } {
            0 => Ok(()),
            _ => Err(std::io::Error::last_os_error()),
        }
    };
    let mut devices: Vec<(&Path, u64)> = Vec::new();
    let mut done: Vec<(u64, Result<(), std::io::ErrorKind>)> = Vec::new();
    let mut out = Vec::with_capacity(staged.len());
    for s in staged {
        let dir = s.tmp.parent().unwrap_or(Path::new("."));
        let result = (|| {
            let device = match devices.iter().find(|(d, _)| *d == dir) {
                Some((_, dev)) => *dev,
                None => {
                    let dev = std::fs::metadata(&s.tmp)?.dev();
                    devices.push((dir, dev));
                    dev
                }
            };
            let r = match done.iter().find(|(d, _)| *d == device) {
                Some((_, r)) => *r,
                None => {
                    let r = syncfs(&File::open(&s.tmp)?).map_err(|e| e.kind());
                    done.push((device, r));
                    r
                }
            };
            r.map_err(|kind| std::io::Error::new(kind, "cannot sync the file system"))
        })();
        out.push(result);
    }
    out
}

/// Write the staged files to disk, one `fsync` each (no `syncfs` here).
#[cfg(not(target_os = "linux"))]
fn sync(staged: &[Staged]) -> Vec<std::io::Result<()>> {
    staged
        .iter()
        .map(|s| File::open(&s.tmp)?.sync_all())
        .collect()
}

/// Errors of writes name the file being written ("No space left on device" alone does not
/// say which of a million).
impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let r = self.file.as_mut().expect("not yet committed").write(buf);
        r.map_err(|e| self.named(e))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        let r = self.file.as_mut().expect("not yet committed").flush();
        r.map_err(|e| self.named(e))
    }
}

impl AtomicFile {
    fn named(&self, e: std::io::Error) -> std::io::Error {
        std::io::Error::new(
            e.kind(),
            format!("cannot write {}: {e}", self.target.display()),
        )
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    /// An empty folder of this test run's own.
    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("unspin-atomic-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn staged_files_appear_only_when_committed() {
        use std::io::Write;
        let dir = scratch("all");
        let (a, b) = (dir.join("a.txt"), dir.join("b.txt"));
        std::fs::write(&a, "old").unwrap();
        let staged: Vec<super::Staged> = [(&a, "new a"), (&b, "new b")]
            .into_iter()
            .map(|(p, text)| {
                let mut f = super::AtomicFile::create(p).unwrap();
                f.write_all(text.as_bytes()).unwrap();
                f.stage().unwrap()
            })
            .collect();
        assert_eq!(std::fs::read(&a).unwrap(), b"old");
        assert!(!b.exists());
        assert!(super::commit_all(&staged).iter().all(|r| r.is_ok()));
        assert_eq!(std::fs::read(&a).unwrap(), b"new a");
        assert_eq!(std::fs::read(&b).unwrap(), b"new b");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn replaces_whole_file() {
        let dir = scratch("one");
        let p = dir.join("a.txt");
        super::write_atomic(&p, b"one").unwrap();
        super::write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn dropped_without_commit_leaves_target_alone() {
        use std::io::Write;
        let dir = scratch("drop");
        let p = dir.join("a.txt");
        std::fs::write(&p, "old").unwrap();
        let mut f = super::AtomicFile::create(&p).unwrap();
        f.write_all(b"half").unwrap();
        drop(f);
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_at_the_temp_name_is_replaced_not_followed() {
        let dir = scratch("link");
        let (p, victim) = (dir.join("a.txt"), dir.join("victim.txt"));
        std::fs::write(&p, "old").unwrap();
        std::fs::write(&victim, "precious").unwrap();
        std::os::unix::fs::symlink("victim.txt", dir.join(".a.txt.unspin.tmp")).unwrap();
        super::write_atomic(&p, b"new").unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        assert!(!std::fs::symlink_metadata(&p)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_private_file_stays_private_and_a_new_one_gets_the_usual_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch("mode");
        let (private, new) = (dir.join("private.txt"), dir.join("new.txt"));
        std::fs::write(&private, "old").unwrap();
        std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600)).unwrap();
        let f = super::AtomicFile::create(&private).unwrap();
        let tmp = std::fs::metadata(dir.join(".private.txt.unspin.tmp")).unwrap();
        assert_eq!(tmp.permissions().mode() & 0o777, 0o600);
        f.commit().unwrap();
        super::write_atomic(&new, b"new").unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&private), 0o600);
        assert_eq!(mode(&new), 0o666 & !super::umask());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
