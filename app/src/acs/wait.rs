//! Waiting for a task to end, for callers that asked to (`wait=N` in the API). The bus says
//! at once when this instance's session ends the task; a slow poll of the database catches
//! the cases the bus cannot see (another instance ran the session, a missed event).

use std::{future::Future, sync::Arc, time::Duration};

use tokio::{
    sync::broadcast::{self, error::RecvError},
    time::Instant,
};

use crate::{
    events::{DeviceEvent, EventBus, EventKind},
    store::{Store, StoreError, StoredTask},
};

/// How often the database is asked while waiting.
const POLL_EVERY: Duration = Duration::from_secs(1);

/// The task once it has ended or `patience` ran out, whichever is first; `None` when
/// there is no such task (any more).
pub async fn wait_for_task(
    store: &Store,
    events: &EventBus,
    task_id: i64,
    patience: Duration,
) -> Result<Option<StoredTask>, StoreError> {
    // Subscribe before the first read, so an end between the two is not missed.
    let mut receiver = events.subscribe();
    let until = tokio::time::Instant::now() + patience;
    let (_, task) = wait_until(
        &mut receiver,
        until,
        |event| {
            event.task_id == Some(task_id)
                && matches!(event.kind, EventKind::TaskDone | EventKind::TaskFailed)
        },
        || async {
            let task = store.task(task_id).await?;
            let ended = task.as_ref().is_none_or(|task| task.status.is_final());
            Ok::<_, StoreError>((ended, task))
        },
    )
    .await?;
    Ok(task)
}

/// Asks `check` at once, again on every event `wakes` picks out of `receiver` (when this
/// instance saw it happen) and at least every second (when another instance did, or events
/// were lost), until it says done or `until` passes. Returns whether it said done, and what
/// it last read.
pub async fn wait_until<T, E, Check, Checked>(
    receiver: &mut broadcast::Receiver<Arc<DeviceEvent>>,
    until: Instant,
    wakes: impl Fn(&DeviceEvent) -> bool,
    mut check: Check,
) -> Result<(bool, T), E>
where
    Check: FnMut() -> Checked,
    Checked: Future<Output = Result<(bool, T), E>>,
{
    loop {
        let (done, value) = check().await?;
        if done || Instant::now() >= until {
            return Ok((done, value));
        }
        let next_poll = (Instant::now() + POLL_EVERY).min(until);
        loop {
            tokio::select! {
                received = receiver.recv() => match received {
                    Ok(event) if wakes(&event) => break,
                    Ok(_) => continue,
                    // Events were lost: the database tells what happened.
                    Err(RecvError::Lagged(_)) => break,
                    Err(RecvError::Closed) => {
                        tokio::time::sleep_until(next_poll).await;
                        break;
                    }
                },
                () = tokio::time::sleep_until(next_poll) => break,
            }
        }
    }
}
