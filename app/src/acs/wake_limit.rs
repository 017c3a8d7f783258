//! Keeps Connection Requests from flooding the network (pure; the waker holds the clock).
//! The whole ACS sends at most `per_second` (a token bucket: callers wait their turn, so a
//! bulk action is spread out rather than refused), and a device already woken, whose session
//! has not begun yet, is not asked again within `per_device`: it is on its way.

use std::{collections::HashMap, time::Duration};

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WakeLimits {
    pub per_second: u32,
    pub per_device: Duration,
}

impl Default for WakeLimits {
    fn default() -> WakeLimits {
        WakeLimits {
            per_second: 50,
            per_device: Duration::from_secs(30),
        }
    }
}

/// What the limiter says to one Connection Request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Send,
    /// The device was woken this long ago and has not begun its session yet.
    AlreadyWoken(Duration),
    /// The ACS-wide budget is spent: try again after this long.
    WaitFor(Duration),
}

/// Devices remembered at most; past this, the oldest half is forgotten.
const MAX_REMEMBERED: usize = 100_000;

#[derive(Debug)]
pub struct WakeLimiter {
    limits: WakeLimits,
    woken_at: HashMap<i64, DateTime<Utc>>,
    tokens: f64,
    refilled_at: DateTime<Utc>,
}

impl WakeLimiter {
    pub fn new(limits: WakeLimits, now: DateTime<Utc>) -> WakeLimiter {
        WakeLimiter {
            limits,
            woken_at: HashMap::new(),
            tokens: f64::from(limits.per_second.max(1)),
            refilled_at: now,
        }
    }

    /// May a Connection Request go to `device_id` now? `last_inform_at` tells whether an
    /// earlier wake-up has already been answered with a session.
    pub fn admit(
        &mut self,
        device_id: i64,
        last_inform_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Admission {
        if let Some(&woken_at) = self.woken_at.get(&device_id) {
            let ago = (now - woken_at).to_std().unwrap_or_default();
            if last_inform_at < woken_at && ago < self.limits.per_device {
                return Admission::AlreadyWoken(ago);
            }
        }
        let rate = f64::from(self.limits.per_second.max(1));
        let elapsed = (now - self.refilled_at).to_std().unwrap_or_default();
        self.tokens = (self.tokens + elapsed.as_secs_f64() * rate).min(rate);
        self.refilled_at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Admission::Send
        } else {
            Admission::WaitFor(Duration::from_secs_f64((1.0 - self.tokens) / rate))
        }
    }

    /// The device agreed to open a session.
    pub fn woken(&mut self, device_id: i64, now: DateTime<Utc>) {
        if self.woken_at.len() >= MAX_REMEMBERED {
            let mut times: Vec<DateTime<Utc>> = self.woken_at.values().copied().collect();
            let (_, median, _) = times.select_nth_unstable(MAX_REMEMBERED / 2);
            let median = *median;
            self.woken_at.retain(|_, at| *at > median);
        }
        self.woken_at.insert(device_id, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn limiter(per_second: u32) -> (WakeLimiter, DateTime<Utc>) {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let limits = WakeLimits {
            per_second,
            per_device: Duration::from_secs(30),
        };
        (WakeLimiter::new(limits, now), now)
    }

    #[test]
    fn spreads_a_burst_over_time() {
        let (mut limiter, now) = limiter(10);
        let long_ago = now - TimeDelta::days(1);
        let sent = (0..15)
            .filter(|&device| limiter.admit(device, long_ago, now) == Admission::Send)
            .count();
        assert_eq!(sent, 10);
        assert_eq!(
            limiter.admit(99, long_ago, now),
            Admission::WaitFor(Duration::from_millis(100))
        );
        // Half a second later five more may go.
        let later = now + TimeDelta::milliseconds(500);
        let sent = (100..110)
            .filter(|&device| limiter.admit(device, long_ago, later) == Admission::Send)
            .count();
        assert_eq!(sent, 5);
    }

    #[test]
    fn a_woken_device_is_not_asked_again_until_its_session_begins() {
        let (mut limiter, now) = limiter(100);
        let long_ago = now - TimeDelta::days(1);
        assert_eq!(limiter.admit(7, long_ago, now), Admission::Send);
        limiter.woken(7, now);
        let soon = now + TimeDelta::seconds(2);
        assert_eq!(
            limiter.admit(7, long_ago, soon),
            Admission::AlreadyWoken(Duration::from_secs(2))
        );
        // Its session began: the next request is a new wake-up.
        assert_eq!(
            limiter.admit(7, now + TimeDelta::seconds(1), soon),
            Admission::Send
        );
        // Or the device never came: after `per_device`, ask again.
        let much_later = now + TimeDelta::seconds(31);
        assert_eq!(limiter.admit(7, long_ago, much_later), Admission::Send);
    }

    #[test]
    fn memory_stays_bounded() {
        let (mut limiter, now) = limiter(100);
        for device in 0..(MAX_REMEMBERED as i64 + 10) {
            limiter.woken(device, now + TimeDelta::milliseconds(device));
        }
        assert!(limiter.woken_at.len() <= MAX_REMEMBERED / 2 + 11);
        assert!(limiter.woken_at.contains_key(&(MAX_REMEMBERED as i64 + 9)));
    }
}
