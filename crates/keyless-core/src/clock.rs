//! Time comes from here, never from `SystemTime::now()` inside rules, so tests can move it.

use keyless_model::UnixTime;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

#[derive(Clone, Default)]
pub struct Clock {
    /// Seconds added to the system time; tests shift it to expire tokens.
    offset: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> UnixTime {
        let sys = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        sys + self.offset.load(Ordering::Relaxed)
    }
    /// Moves this clock (and every clone of it) forward by `secs`.
    pub fn advance(&self, secs: i64) {
        self.offset.fetch_add(secs, Ordering::Relaxed);
    }
}
