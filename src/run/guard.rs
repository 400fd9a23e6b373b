//! Nothing lost: what a run may do with an output folder that already holds a checkpoint or a
//! result ([`Existing`], [`check_existing`]), and the lock file that keeps two runs out of one
//! folder ([`OutputLock`]).
//!
//! The lock is `theradose.lock` in the folder, holding the process id of the run. A lock whose
//! process no longer runs (a run killed with SIGKILL) is stale and is taken over, with a note.

use anyhow::{Context as _, Result};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The name of the lock file in an output folder.
pub const LOCK_FILE: &str = "theradose.lock";

/// What a run does with an output folder that already holds a checkpoint (`tally.bin`) or a
/// result (`summary.json`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Existing {
    /// refuse the folder ([`OutputExists`]); the command line's default
    #[default]
    Refuse,
    /// continue the checkpoint of the same run (more histories extend a finished run); a
    /// checkpoint of another run is refused
    Resume,
    /// replace what is there
    Force,
}

impl Existing {
    /// The policy of the command-line switches `resume` and `force` (force wins).
    pub fn of_flags(resume: bool, force: bool) -> Existing {
        match (resume, force) {
            (_, true) => Existing::Force,
            (true, false) => Existing::Resume,
            _ => Existing::Refuse,
        }
    }
}

/// A folder (or file) that already holds a checkpoint or a result, which the run would
/// replace; the caller asked neither to resume nor to replace it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} already holds {what}; it is kept: resume it (more histories extend a finished run) or replace it explicitly", path.display())]
pub struct OutputExists {
    /// the folder or file
    pub path: PathBuf,
    /// what is there, e.g. "a checkpoint of 3000000 of 3000000 histories (tally.bin)"
    pub what: String,
}

/// Another live process holds the lock of the folder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: another theradose run (process {pid}) is writing into this folder (lock file {LOCK_FILE}); wait for it or choose another output folder", dir.display())]
pub struct OutputLocked {
    /// the output folder
    pub dir: PathBuf,
    /// the process id in the lock file
    pub pid: u32,
}

/// What a run folder holds that a new run would replace: the checkpoint, else the summary.
fn held_in(dir: &Path) -> Option<String> {
    let ckpt = dir.join("tally.bin");
    if ckpt.exists() {
        return Some(match crate::tally::file::read(&ckpt) {
            Ok((h, t)) => format!(
                "a checkpoint of {} of {} histories (tally.bin)",
                t.histories, h.planned
            ),
            Err(_) => "a checkpoint (tally.bin)".to_string(),
        });
    }
    dir.join("summary.json")
        .exists()
        .then(|| "the results of a run (summary.json)".to_string())
}

/// Applies `policy` to an output folder before a run: with [`Existing::Refuse`] a folder
/// holding a checkpoint or a result is an [`OutputExists`] error; with [`Existing::Force`] the
/// checkpoint is removed (the run starts afresh); [`Existing::Resume`] leaves it for the run.
///
/// # Errors
/// [`OutputExists`]; a checkpoint that cannot be removed.
pub fn check_existing(dir: &Path, policy: Existing) -> Result<()> {
    match policy {
        Existing::Resume => Ok(()),
        Existing::Refuse => match held_in(dir) {
            Some(what) => Err(OutputExists {
                path: dir.to_path_buf(),
                what,
            }
            .into()),
            None => Ok(()),
        },
        Existing::Force => {
            let ckpt = dir.join("tally.bin");
            if ckpt.exists() {
                std::fs::remove_file(&ckpt)
                    .with_context(|| format!("cannot remove {}", ckpt.display()))?;
            }
            Ok(())
        }
    }
}

/// Applies `policy` to an output file (a kernel CSV): refused when it exists, unless forced.
///
/// # Errors
/// [`OutputExists`].
pub fn check_existing_file(path: &Path, policy: Existing) -> Result<()> {
    if policy == Existing::Refuse && path.exists() {
        return Err(OutputExists {
            path: path.to_path_buf(),
            what: "a result".into(),
        }
        .into());
    }
    Ok(())
}

/// Checks that the folder of an output file exists and can be written, before a computation
/// (a missing folder is created).
///
/// # Errors
/// A folder that cannot be created or written, named.
pub fn check_writable_parent(path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    check_writable_dir(dir)
}

/// Creates the folder if needed and checks that a file can be created in it.
///
/// # Errors
/// A folder that cannot be created or written, named.
pub fn check_writable_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create output folder {}", dir.display()))?;
    let probe = dir.join(format!(".theradose-write-test-{}", std::process::id()));
    std::fs::File::create(&probe)
        .with_context(|| format!("output folder {} is not writable", dir.display()))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// The lock of an output folder, released (the file removed) when dropped.
#[derive(Debug)]
pub struct OutputLock {
    path: PathBuf,
}

/// Whether process `pid` runs (signal 0 probes it without touching it).
fn alive(pid: u32) -> bool {
    let Ok(p) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if p <= 0 {
        return false;
    }
    // SAFETY: kill with signal 0 sends nothing; it only reports whether the process exists.
    let r = unsafe { libc::kill(p, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

impl OutputLock {
    /// Takes the lock of `dir` (created if needed). A stale lock (its process is gone) is
    /// taken over; `note` receives a line saying so.
    ///
    /// # Errors
    /// [`OutputLocked`] when a live process holds it; a folder that cannot be written.
    pub fn acquire(dir: &Path, note: &dyn Fn(&str)) -> Result<OutputLock> {
        check_writable_dir(dir)?;
        let path = dir.join(LOCK_FILE);
        for _ in 0..3 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    writeln!(f, "{}", std::process::id())
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    return Ok(OutputLock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    let pid = text.trim().parse::<u32>().ok();
                    if let Some(pid) = pid {
                        if pid != std::process::id() && alive(pid) {
                            return Err(OutputLocked {
                                dir: dir.to_path_buf(),
                                pid,
                            }
                            .into());
                        }
                    }
                    note(&format!(
                        "{}: taking over the stale lock of process {} (no longer running)",
                        path.display(),
                        pid.map_or("?".to_string(), |p| p.to_string())
                    ));
                    let _ = std::fs::remove_file(&path);
                }
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot create {}", path.display()))
                }
            }
        }
        anyhow::bail!("{}: cannot take the lock", path.display())
    }
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_lock_is_refused_and_a_stale_one_taken_over() {
        let t = tempfile::tempdir().unwrap();
        let lock = OutputLock::acquire(t.path(), &|_| {}).unwrap();
        assert!(t.path().join(LOCK_FILE).exists());
        drop(lock);
        assert!(!t.path().join(LOCK_FILE).exists());
        // pid 1 is alive in any Linux system (or container)
        std::fs::write(t.path().join(LOCK_FILE), "1\n").unwrap();
        let e = OutputLock::acquire(t.path(), &|_| {}).unwrap_err();
        assert!(e.downcast_ref::<OutputLocked>().is_some(), "{e:#}");
        // a process id beyond any pid_max is not running
        std::fs::write(t.path().join(LOCK_FILE), "4294967295\n").unwrap();
        let noted = std::sync::Mutex::new(String::new());
        let _l = OutputLock::acquire(t.path(), &|s| *noted.lock().unwrap() = s.into()).unwrap();
        assert!(noted.lock().unwrap().contains("stale lock"));
    }

    #[test]
    fn existing_results_are_refused_unless_resumed_or_forced() {
        let t = tempfile::tempdir().unwrap();
        check_existing(t.path(), Existing::Refuse).unwrap();
        std::fs::write(t.path().join("summary.json"), "{}").unwrap();
        let e = check_existing(t.path(), Existing::Refuse).unwrap_err();
        assert!(e.downcast_ref::<OutputExists>().is_some());
        check_existing(t.path(), Existing::Resume).unwrap();
        std::fs::write(t.path().join("tally.bin"), "x").unwrap();
        check_existing(t.path(), Existing::Force).unwrap();
        assert!(!t.path().join("tally.bin").exists());
    }
}
