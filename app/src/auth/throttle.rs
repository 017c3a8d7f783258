//! Login throttling: too many recent failures for an account, or from one address, and
//! sign-in is refused for a while without even checking the password. The failures are the
//! audit log's `login_failed` entries, so every instance sharing the database agrees.

use chrono::Duration;

use crate::store::FailureCounts;

#[derive(Debug, Clone, Copy)]
pub struct LoginThrottle {
    /// How far back failures count.
    pub window: Duration,
    /// Failures for one account within the window before it is refused.
    pub per_account: u64,
    /// Failures from one address (any account) within the window before it is refused.
    pub per_address: u64,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        LoginThrottle {
            window: Duration::minutes(15),
            per_account: 5,
            per_address: 20,
        }
    }
}

impl LoginThrottle {
    /// `Err(seconds)` to wait when the attempt must be refused.
    pub fn check(&self, recent: FailureCounts) -> Result<(), u64> {
        if recent.account >= self.per_account || recent.address >= self.per_address {
            Err(self.window.num_seconds().unsigned_abs())
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_at_the_limits_only() {
        let throttle = LoginThrottle::default();
        let counts = |account, address| FailureCounts { account, address };
        assert_eq!(throttle.check(counts(4, 19)), Ok(()));
        assert_eq!(throttle.check(counts(5, 0)), Err(900));
        assert_eq!(throttle.check(counts(0, 20)), Err(900));
    }
}
