//! When a device refuses a task: try again later (with growing pauses) or give up. Pure.

use chrono::{DateTime, Duration, Utc};

use crate::cwmp::FaultCode;

/// Attempts before a task is given up, retryable faults included.
pub const MAX_ATTEMPTS: i32 = 5;
const FIRST_PAUSE_SECONDS: i64 = 60;
const LONGEST_PAUSE_SECONDS: i64 = 3600;

/// Whether trying again can help: a busy or failing device, or a failed transfer, yes; a
/// request the device says is wrong (bad name, type, value, read-only), no.
pub fn is_retryable(code: FaultCode) -> bool {
    matches!(
        code.0,
        8002 | 8004 | 8005 | 9001 | 9002 | 9004 | 9010..=9020
    )
}

/// When to try again after the `attempts`-th failure, or `None` to give up. The pause doubles
/// from a minute up to an hour.
pub fn next_attempt(code: FaultCode, attempts: i32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if !is_retryable(code) || attempts >= MAX_ATTEMPTS {
        return None;
    }
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 16)).unwrap_or(0);
    let pause = FIRST_PAUSE_SECONDS
        .saturating_mul(1_i64 << doublings)
        .min(LONGEST_PAUSE_SECONDS);
    Some(now + Duration::seconds(pause))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_and_stop() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let pause = |attempts| {
            next_attempt(FaultCode::INTERNAL_ERROR, attempts, now)
                .map(|at| (at - now).num_seconds())
        };
        assert_eq!(pause(1), Some(60));
        assert_eq!(pause(2), Some(120));
        assert_eq!(pause(4), Some(480));
        assert_eq!(pause(5), None, "given up after {MAX_ATTEMPTS} attempts");
        assert_eq!(
            next_attempt(FaultCode::INVALID_PARAMETER_NAME, 1, now),
            None,
            "retrying a wrong name cannot help"
        );
        assert_eq!(
            next_attempt(FaultCode::FILE_UNREACHABLE, 1, now).map(|at| (at - now).num_seconds()),
            Some(60)
        );
    }
}
