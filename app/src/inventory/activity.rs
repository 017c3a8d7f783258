//! The dashboard's activity charts from the stored minutes: fixed-step series that end at
//! the current minute or hour, with zeros where nothing happened (no row is stored then).

use chrono::{DateTime, Duration, Utc};

use crate::{
    events::ActivityCounts,
    model::Series,
    store::{ActivityMinute, minute_of},
};

/// One value per step of `step` over `steps` steps, the last being the one `now` is in.
fn series(
    rows: &[ActivityMinute],
    now: DateTime<Utc>,
    step: Duration,
    steps: usize,
    value: impl Fn(&ActivityCounts) -> u64,
) -> Series {
    let step_seconds = step.num_seconds().max(60);
    // Steps are aligned on multiples of the step since the epoch (whole hours for an hour).
    let last_start = minute_of(now).timestamp() / step_seconds * step_seconds;
    let first_start = last_start - step_seconds * (steps as i64 - 1);
    let mut values = vec![0; steps];
    for row in rows {
        let at = row.minute.timestamp();
        if at < first_start || at >= last_start + step_seconds {
            continue;
        }
        let index = ((at - first_start) / step_seconds) as usize;
        values[index] += value(&row.counts);
    }
    let last_label = DateTime::from_timestamp(last_start, 0)
        .map(|at| at.format("%H:%M UTC").to_string())
        .unwrap_or_default();
    Series {
        step_seconds: u32::try_from(step_seconds).unwrap_or(u32::MAX),
        last_label,
        values,
    }
}

/// Informs in each of the last `minutes` minutes.
pub fn informs_per_minute(rows: &[ActivityMinute], now: DateTime<Utc>, minutes: usize) -> Series {
    series(rows, now, Duration::minutes(1), minutes, |counts| {
        counts.informs
    })
}

/// Faults devices answered in each of the last `hours` hours.
pub fn faults_per_hour(rows: &[ActivityMinute], now: DateTime<Utc>, hours: usize) -> Series {
    series(rows, now, Duration::hours(1), hours, |counts| counts.faults)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn row(minute: &str, informs: u64, faults: u64) -> ActivityMinute {
        ActivityMinute {
            minute: at(minute),
            counts: ActivityCounts {
                informs,
                faults,
                ..ActivityCounts::default()
            },
        }
    }

    #[test]
    fn minutes_without_rows_are_zero_and_the_last_is_the_current_one() {
        let rows = [
            row("2026-11-24T09:55:00Z", 99, 0), // before the window
            row("2026-11-24T09:57:00Z", 3, 1),
            row("2026-11-24T09:59:00Z", 5, 0),
            row("2026-11-24T10:00:00Z", 7, 2),
        ];
        let series = informs_per_minute(&rows, at("2026-11-24T10:00:42Z"), 4);
        assert_eq!(series.values, vec![3, 0, 5, 7]);
        assert_eq!(series.step_seconds, 60);
        assert_eq!(series.last_label, "10:00 UTC");
        assert_eq!(series.total(), 15);
        assert_eq!(series.peak(), 7);
    }

    #[test]
    fn hours_add_up_their_minutes() {
        let rows = [
            row("2026-11-24T08:10:00Z", 1, 4),
            row("2026-11-24T08:59:00Z", 1, 1),
            row("2026-11-24T10:05:00Z", 1, 2),
        ];
        let series = faults_per_hour(&rows, at("2026-11-24T10:30:00Z"), 3);
        assert_eq!(series.values, vec![5, 0, 2]);
        assert_eq!(series.last_label, "10:00 UTC");
        assert_eq!(
            faults_per_hour(&[], at("2026-11-24T10:30:00Z"), 2).values,
            vec![0, 0]
        );
    }
}
