//! The in-process event bus: what happened to devices, for live pages, the SSE stream of the
//! API, and callers waiting on a task. Publishing never blocks: a subscriber that falls
//! behind loses the oldest events and is told how many.
//!
//! Events are not stored here: what must survive (events of a session, task outcomes) is in
//! the database already. Across instances sharing PostgreSQL, each instance's bus carries
//! what its own sessions saw; task waiters also poll the database (`acs::wait`).

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::broadcast;

/// Events kept for a subscriber that is behind before it starts losing them.
const BUS_CAPACITY: usize = 4_096;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A session started with an Inform.
    Inform,
    /// A device was seen for the first time.
    Registered,
    TaskDone,
    /// A task ended with a fault (no more retries).
    TaskFailed,
    /// The device answered a request with a fault (a retry may follow).
    Fault,
    /// The device reported changed values (4 VALUE CHANGE).
    ValueChange,
}

impl EventKind {
    pub const ALL: [EventKind; 6] = [
        EventKind::Inform,
        EventKind::Registered,
        EventKind::TaskDone,
        EventKind::TaskFailed,
        EventKind::Fault,
        EventKind::ValueChange,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Inform => "inform",
            EventKind::Registered => "registered",
            EventKind::TaskDone => "task_done",
            EventKind::TaskFailed => "task_failed",
            EventKind::Fault => "fault",
            EventKind::ValueChange => "value_change",
        }
    }

    pub fn parse(text: &str) -> Option<EventKind> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceEvent {
    pub kind: EventKind,
    pub device_id: i64,
    pub at: DateTime<Utc>,
    /// The task it concerns, for task events and faults.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<i64>,
    /// Kind-specific facts (serial number, fault code, changed values, ...).
    pub detail: Value,
}

/// How many events of each kind were published since the counts were last taken: the
/// dashboard's activity figures. Counted where events are published, so a slow subscriber
/// losing events does not lose counts.
#[derive(Debug, Default)]
struct KindCounts([AtomicU64; EventKind::ALL.len()]);

/// Events of each kind over some span (see `EventBus::take_counts`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActivityCounts {
    pub informs: u64,
    pub registrations: u64,
    pub faults: u64,
    pub task_failures: u64,
}

impl ActivityCounts {
    pub fn is_empty(&self) -> bool {
        *self == ActivityCounts::default()
    }
}

#[derive(Debug, Clone)]
pub struct EventBus {
    sender: broadcast::Sender<Arc<DeviceEvent>>,
    counts: Arc<KindCounts>,
    /// True once the server is stopping: long-lived subscribers (event streams) end, so
    /// a graceful shutdown does not wait for them forever.
    closing: tokio::sync::watch::Sender<bool>,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus::new()
    }
}

impl EventBus {
    pub fn new() -> EventBus {
        let (sender, _) = broadcast::channel(BUS_CAPACITY);
        let (closing, _) = tokio::sync::watch::channel(false);
        EventBus {
            sender,
            counts: Arc::default(),
            closing,
        }
    }

    /// Tells long-lived subscribers to finish: the server is stopping.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Resolves once `close` has been called.
    pub async fn closed(&self) {
        let mut closing = self.closing.subscribe();
        let _ = closing.wait_for(|closing| *closing).await;
    }

    /// Sends to every current subscriber; nobody listening is fine.
    pub fn publish(&self, event: DeviceEvent) {
        self.publish_with(event.kind, || event);
    }

    /// Like `publish`, but builds the event only if someone is subscribed; it is counted
    /// either way. Someone who subscribes after this looked finds what the event reports
    /// already stored (events are published after their write), as with any later subscriber.
    pub fn publish_with(&self, kind: EventKind, build: impl FnOnce() -> DeviceEvent) {
        self.counts.0[kind as usize].fetch_add(1, Ordering::Relaxed);
        if self.sender.receiver_count() > 0 {
            let _ = self.sender.send(Arc::new(build()));
        }
    }

    /// The events counted since the last call, and starts counting again from zero.
    pub fn take_counts(&self) -> ActivityCounts {
        let take = |kind: EventKind| self.counts.0[kind as usize].swap(0, Ordering::Relaxed);
        ActivityCounts {
            informs: take(EventKind::Inform),
            registrations: take(EventKind::Registered),
            faults: take(EventKind::Fault),
            task_failures: take(EventKind::TaskFailed),
        }
    }

    /// Puts counts taken but not stored back (the database was unreachable).
    pub fn return_counts(&self, counts: ActivityCounts) {
        for (kind, count) in [
            (EventKind::Inform, counts.informs),
            (EventKind::Registered, counts.registrations),
            (EventKind::Fault, counts.faults),
            (EventKind::TaskFailed, counts.task_failures),
        ] {
            self.counts.0[kind as usize].fetch_add(count, Ordering::Relaxed);
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<DeviceEvent>> {
        self.sender.subscribe()
    }
}

/// Which events a subscriber wants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    pub device_id: Option<i64>,
    /// Empty: every kind.
    pub kinds: Vec<EventKind>,
}

impl EventFilter {
    pub fn accepts(&self, event: &DeviceEvent) -> bool {
        self.device_id.is_none_or(|id| id == event.device_id)
            && (self.kinds.is_empty() || self.kinds.contains(&event.kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: EventKind, device_id: i64) -> DeviceEvent {
        DeviceEvent {
            kind,
            device_id,
            at: DateTime::from_timestamp(0, 0).unwrap(),
            task_id: None,
            detail: Value::Null,
        }
    }

    #[tokio::test]
    async fn subscribers_get_what_their_filter_accepts() {
        let bus = EventBus::new();
        let mut receiver = bus.subscribe();
        bus.publish(event(EventKind::Inform, 1));
        bus.publish(event(EventKind::TaskDone, 2));
        let filter = EventFilter {
            device_id: Some(2),
            kinds: vec![EventKind::TaskDone],
        };
        let first = receiver.recv().await.unwrap();
        let second = receiver.recv().await.unwrap();
        assert!(!filter.accepts(&first));
        assert!(filter.accepts(&second));
        assert!(EventFilter::default().accepts(&first));
        assert_eq!(
            EventKind::parse("value_change"),
            Some(EventKind::ValueChange)
        );
    }

    #[test]
    fn published_events_are_counted_until_taken() {
        let bus = EventBus::new();
        for kind in [EventKind::Inform, EventKind::Inform, EventKind::Registered] {
            bus.publish(event(kind, 1));
        }
        bus.publish(event(EventKind::TaskFailed, 2));
        let counts = bus.take_counts();
        assert_eq!(
            counts,
            ActivityCounts {
                informs: 2,
                registrations: 1,
                faults: 0,
                task_failures: 1
            }
        );
        assert!(bus.take_counts().is_empty());
        bus.return_counts(counts);
        assert_eq!(bus.take_counts(), counts);
    }
}
