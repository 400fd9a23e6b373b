//! The rayon thread pool of a computation, set up in one place.

use anyhow::Result;

/// A rayon pool of `threads` workers (all cores when `None`; at least one).
///
/// # Errors
/// When the pool cannot be built (the operating system refuses the threads).
pub fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        b = b.num_threads(t.max(1));
    }
    Ok(b.build()?)
}
