//! A clock tests can move forward, like Stripe's test clocks.

use std::sync::atomic::{AtomicI64, Ordering};

use onramp_domain::ports::Clock;
use time::OffsetDateTime;

/// The system time plus an offset that only grows.
#[derive(Debug, Default)]
pub struct TestClock {
    offset_seconds: AtomicI64,
}

impl TestClock {
    /// Moves the clock `seconds` forward.
    pub fn advance(&self, seconds: i64) {
        self.offset_seconds.fetch_add(seconds, Ordering::SeqCst);
    }

    /// Now, in Unix seconds (what webhook signatures carry).
    pub fn now_unix(&self) -> i64 {
        self.now().unix_timestamp()
    }
}

impl Clock for TestClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
            + time::Duration::seconds(self.offset_seconds.load(Ordering::SeqCst))
    }
}
