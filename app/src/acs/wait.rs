//! Waiting for a task to end, for callers that asked to (`wait=N` in the API). The bus says
//! at once when this instance's session ends the task; a slow poll of the database catches
//! the cases the bus cannot see (another instance ran the session, a missed event).

use std::time::Duration;

use tokio::sync::broadcast::error::RecvError;

use crate::{
    events::{EventBus, EventKind},
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
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        let task = store.task(task_id).await?;
        let ended = task.as_ref().is_none_or(|task| task.status.is_final());
        if ended || tokio::time::Instant::now() >= deadline {
            return Ok(task);
        }
        let next_poll = (tokio::time::Instant::now() + POLL_EVERY).min(deadline);
        loop {
            tokio::select! {
                received = receiver.recv() => match received {
                    Ok(event) if event.task_id == Some(task_id)
                        && matches!(event.kind, EventKind::TaskDone | EventKind::TaskFailed) => break,
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
