//! Atomic file writes: write a temp file beside the target, then rename over it, so a reader
//! (or a killed run) never sees a half-written file. Permissions of an existing target are kept.
//! The temp name is fixed per target (`.NAME.unspin.tmp`), so a run killed outright leaves at
//! most a hidden temp file that the next run over the same target overwrites and renames.

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
        let file = BufWriter::with_capacity(1 << 16, File::create(&tmp)?);
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
            if let Ok(meta) = std::fs::metadata(&self.target) {
                std::fs::set_permissions(&self.tmp, meta.permissions())?;
            }
            std::fs::rename(&self.tmp, &self.target)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&self.tmp);
        }
        result
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.as_mut().expect("not yet committed").write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.as_mut().expect("not yet committed").flush()
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
    #[test]
    fn replaces_whole_file() {
        let dir = std::env::temp_dir().join(format!("unspin-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
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
        let dir = std::env::temp_dir().join(format!("unspin-atomic-drop-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("a.txt");
        std::fs::write(&p, "old").unwrap();
        let mut f = super::AtomicFile::create(&p).unwrap();
        f.write_all(b"half").unwrap();
        drop(f);
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
