//! Queueing work for a device, and turning stored tasks back into requests.

use chrono::{DateTime, Utc};

use super::session::{PendingRpc, Purpose};
use crate::{
    cwmp::{self, CwmpVersion, Header, Message, encode::write_message, envelope::write_envelope},
    store::{Store, StoreError, StoredTask},
};

/// Queues `request` for the device's next session; returns the task id.
pub async fn queue(
    store: &Store,
    device_id: i64,
    request: &Message,
    created_by: &str,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    store
        .queue_task(
            device_id,
            request.method(),
            &write_message(request),
            created_by,
            expires_at,
            now,
        )
        .await
}

/// The request a stored task holds, or `None` when it cannot be read back (a bug, logged).
pub fn pending_rpc(task: &StoredTask) -> Option<PendingRpc> {
    read_message(&task.request).map(|request| PendingRpc {
        purpose: Purpose::Task(task.id),
        request,
    })
}

/// Reads a method element written by `write_message` (requests and results are stored so).
pub fn read_message(xml: &str) -> Option<Message> {
    let envelope = write_envelope(CwmpVersion::V1_0, &Header::default(), xml);
    match cwmp::decode(envelope.as_bytes()) {
        Ok(decoded) => decoded.message,
        Err(error) => {
            tracing::error!(%error, "a stored CWMP message does not read back");
            None
        }
    }
}
