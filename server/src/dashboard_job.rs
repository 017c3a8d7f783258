//! Keeps the dashboard's figures: every few seconds this instance adds the events it counted
//! to the shared per-minute rows, and takes the fleet snapshot when the last one (taken by
//! any instance) is due for renewal. Opening the dashboard then reads small rows only.

use std::time::Duration as StdDuration;

use app::{
    services::Services,
    store::{FleetSnapshot, Store},
};
use chrono::{DateTime, Duration, Utc};
use tokio::{sync::watch, task::JoinHandle};

/// How often counts are added to the database.
const FLUSH_EVERY: StdDuration = StdDuration::from_secs(5);
/// Activity older than this is deleted (the charts show a day at most).
const KEEP_ACTIVITY_DAYS: i64 = 8;

/// How long a snapshot stays current: twenty times what taking it took, between 10 s and
/// 10 min. A small fleet's figures are fresh; a large one's counting costs at most about 5%
/// of one core, whichever instance does it.
pub fn snapshot_lifetime(took: Duration) -> Duration {
    (took * 20).clamp(Duration::seconds(10), Duration::minutes(10))
}

pub fn snapshot_due(last: Option<&FleetSnapshot>, now: DateTime<Utc>) -> bool {
    last.is_none_or(|last| now - last.taken_at >= snapshot_lifetime(last.took))
}

pub fn keep_dashboard_figures(
    services: Services,
    mut stopped: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(FLUSH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut pruned_at: Option<DateTime<Utc>> = None;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stopped.changed() => {
                    if *stopped.borrow() {
                        // What was counted since the last flush is not lost at shutdown.
                        flush_activity(&services).await;
                        return;
                    }
                    continue;
                }
            }
            flush_activity(&services).await;
            let now = Utc::now();
            renew_snapshot_if_due(&services.store, now).await;
            if pruned_at.is_none_or(|at| now - at >= Duration::hours(1)) {
                pruned_at = Some(now);
                match services
                    .store
                    .prune_activity(now - Duration::days(KEEP_ACTIVITY_DAYS))
                    .await
                {
                    Ok(0) => {}
                    Ok(minutes) => tracing::debug!(minutes, "old activity pruned"),
                    Err(error) => tracing::warn!(%error, "pruning old activity failed"),
                }
            }
        }
    })
}

async fn flush_activity(services: &Services) {
    let counts = services.events.take_counts();
    if counts.is_empty() {
        return;
    }
    if let Err(error) = services.store.add_activity(Utc::now(), counts).await {
        // Kept for the next try rather than lost.
        services.events.return_counts(counts);
        tracing::warn!(%error, "storing the dashboard's activity failed; keeping the counts");
    }
}

async fn renew_snapshot_if_due(store: &Store, now: DateTime<Utc>) {
    let last = match store.fleet_snapshot().await {
        Ok(last) => last,
        Err(error) => {
            tracing::warn!(%error, "reading the fleet snapshot failed");
            return;
        }
    };
    if !snapshot_due(last.as_ref(), now) {
        return;
    }
    let started = std::time::Instant::now();
    let figures = match store.count_fleet(now).await {
        Ok(figures) => figures,
        Err(error) => {
            tracing::warn!(%error, "counting the fleet for the dashboard failed");
            return;
        }
    };
    let took = Duration::from_std(started.elapsed()).unwrap_or(Duration::zero());
    let snapshot = FleetSnapshot {
        figures,
        taken_at: now,
        took,
    };
    match store.save_fleet_snapshot(&snapshot).await {
        Ok(()) => tracing::debug!(
            devices = snapshot.figures.total,
            took_ms = took.num_milliseconds(),
            "fleet snapshot taken"
        ),
        Err(error) => tracing::warn!(%error, "saving the fleet snapshot failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taken(seconds_ago: i64, took_ms: i64, now: DateTime<Utc>) -> FleetSnapshot {
        FleetSnapshot {
            figures: Default::default(),
            taken_at: now - Duration::seconds(seconds_ago),
            took: Duration::milliseconds(took_ms),
        }
    }

    #[test]
    fn snapshots_last_in_proportion_to_their_cost() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert!(snapshot_due(None, now));
        // Cheap: renewed every 10 s.
        assert!(!snapshot_due(Some(&taken(9, 20, now)), now));
        assert!(snapshot_due(Some(&taken(10, 20, now)), now));
        // Two seconds of counting: kept 40 s.
        assert!(!snapshot_due(Some(&taken(39, 2_000, now)), now));
        assert!(snapshot_due(Some(&taken(40, 2_000, now)), now));
        // Never older than 10 minutes.
        assert_eq!(
            snapshot_lifetime(Duration::minutes(5)),
            Duration::minutes(10)
        );
    }
}
