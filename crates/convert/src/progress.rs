//! Live counters a front end can poll to draw progress.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters updated by the converter as it goes; read them from any thread.
#[derive(Debug, Default)]
pub struct Progress {
    /// Inputs to convert in this run (after skipping those already converted).
    pub files_total: AtomicU64,
    /// Their total size in bytes, as stored (compressed), where known.
    pub bytes_total: AtomicU64,
    pub files_done: AtomicU64,
    /// Bytes read from inputs, as stored (compressed).
    pub bytes_read: AtomicU64,
    /// Bytes of text decoded (after decompression).
    pub text_bytes: AtomicU64,
    pub records: AtomicU64,
    pub rejected: AtomicU64,
    pub failed: AtomicU64,
}

impl Progress {
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}
