//! The tally file (`tally.bin`): checkpoints, resume and job merge.
//!
//! Little-endian: magic `THRDTLY2`, fingerprint u64, first history u64, histories done u64,
//! histories planned u64, n_bins u64, balance 4 x u128, sum n_bins x u128, sum2 n_bins x u128.
//! Written to a temporary file and renamed, so a reader never sees a partial file.

use super::{Balance, EnergySum, Tally};
use anyhow::{bail, Context, Result};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

const MAGIC: &[u8; 8] = b"THRDTLY2";
/// Bytes before the bins: magic, five u64 and the balance (4 x u128).
const HEADER_BYTES: u64 = 8 + 5 * 8 + 4 * 16;

/// Header of a tally file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TallyHeader {
    /// hash of the problem (phantom, source, physics, seed, total histories)
    pub fingerprint: u64,
    /// index of the first history of this job
    pub first_history: u64,
    /// histories this job must run
    pub planned: u64,
}

/// Writes a tally file atomically (a temporary file, then a rename). When the write fails (a
/// full disk, a file-size limit) the temporary file is removed and the file at `path`, if any,
/// is left as it was; the error says so.
///
/// # Errors
/// The I/O error, with the file and the state of the previous one.
pub fn write(path: &Path, h: &TallyHeader, t: &Tally) -> Result<()> {
    let tmp = path.with_extension("bin.tmp");
    if let Err(e) = write_to(&tmp, h, t) {
        let _ = std::fs::remove_file(&tmp);
        let previous = match std::fs::metadata(path) {
            Ok(_) => format!("the previous checkpoint {} is intact", path.display()),
            Err(_) => format!("no checkpoint was written to {}", path.display()),
        };
        return Err(e.context(format!(
            "cannot write the checkpoint {} ({previous})",
            tmp.display()
        )));
    }
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))?;
    Ok(())
}

fn write_to(tmp: &Path, h: &TallyHeader, t: &Tally) -> Result<()> {
    {
        let f = std::fs::File::create(tmp)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        let mut w = BufWriter::with_capacity(1 << 20, f);
        w.write_all(MAGIC)?;
        for v in [
            h.fingerprint,
            h.first_history,
            t.histories,
            h.planned,
            t.bins.len() as u64,
        ] {
            w.write_all(&v.to_le_bytes())?;
        }
        let b = &t.balance;
        for v in [b.emitted.0, b.deposited.0, b.below_cutoff.0, b.escaped.0] {
            w.write_all(&v.to_le_bytes())?;
        }
        for b in &t.bins {
            w.write_all(&b.sum.to_le_bytes())?;
        }
        for b in &t.bins {
            w.write_all(&b.sum2.to_le_bytes())?;
        }
        w.flush()?;
        w.get_ref().sync_all()?;
    }
    Ok(())
}

pub fn read(path: &Path) -> Result<(TallyHeader, Tally)> {
    let f = std::fs::File::open(path)
        .with_context(|| format!("cannot open tally file {}", path.display()))?;
    let mut r = BufReader::with_capacity(1 << 20, f);
    let mut magic = [0u8; 8];
    r.read_exact(&mut magic)
        .with_context(|| format!("{}: not a theradose tally file", path.display()))?;
    if &magic != MAGIC {
        bail!("{}: not a theradose tally file (bad magic)", path.display());
    }
    let mut u64s = [0u64; 5];
    for v in u64s.iter_mut() {
        let mut b = [0u8; 8];
        r.read_exact(&mut b)
            .with_context(|| format!("{}: truncated header", path.display()))?;
        *v = u64::from_le_bytes(b);
    }
    let [fingerprint, first_history, done, planned, n] = u64s;
    let mut rd128 = |what: &str| -> Result<u128> {
        let mut b = [0u8; 16];
        r.read_exact(&mut b)
            .with_context(|| format!("{}: truncated {what}", path.display()))?;
        Ok(u128::from_le_bytes(b))
    };
    let balance = Balance {
        emitted: EnergySum(rd128("balance")?),
        deposited: EnergySum(rd128("balance")?),
        below_cutoff: EnergySum(rd128("balance")?),
        escaped: EnergySum(rd128("balance")?),
    };
    // the header's bin count must match the file's size before anything is allocated
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let expected = n.checked_mul(32).and_then(|b| b.checked_add(HEADER_BYTES));
    if expected != Some(size) {
        bail!(
            "{}: {n} bins need {} bytes, the file has {size}: truncated or not a tally file",
            path.display(),
            expected.map_or("more than 2^64".to_string(), |b| b.to_string())
        );
    }
    let mut t = Tally::new(n as usize);
    for i in 0..n as usize {
        t.bins[i].sum = rd128("sums")?;
    }
    for i in 0..n as usize {
        t.bins[i].sum2 = rd128("sums of squares")?;
    }
    t.histories = done;
    t.balance = balance;
    Ok((
        TallyHeader {
            fingerprint,
            first_history,
            planned,
        },
        t,
    ))
}
