//! Queueing work for a device, and turning stored tasks back into requests.

use chrono::{DateTime, Utc};

use super::{
    session::{PendingRpc, Purpose},
    task_spec::{SpecContext, SpecError, TaskSpec},
    uploads::UploadKind,
};
use crate::{
    cwmp::{self, CwmpVersion, Header, Message, encode::write_message, envelope::write_envelope},
    services::{Actor, Services},
    store::{AuditAction, Store, StoreError, StoredTask},
};

/// Why a request for a device was not queued.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("There is no device {0}.")]
    NoDevice(i64),
    #[error(transparent)]
    Invalid(#[from] SpecError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks a request people or scripts made (`TaskSpec`), queues it for the device and
/// writes the audit line: the one way the REST API and the portal queue work. Returns the
/// task as queued.
pub async fn queue_spec(
    services: &Services,
    actor: &Actor,
    device_id: i64,
    spec: &TaskSpec,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<StoredTask, QueueError> {
    // Only `set` consults the stored tree (types, read-only parameters): it is the largest
    // thing a device has, so other kinds do not read it. They learn that the device is
    // missing from the insert; `set` must know before it checks values against the tree.
    let tree = if matches!(spec, TaskSpec::Set { .. }) {
        if services.store.device_key(device_id).await?.is_none() {
            return Err(QueueError::NoDevice(device_id));
        }
        services.store.device_parameters(device_id).await?
    } else {
        Default::default()
    };
    let upload_kind = match spec {
        TaskSpec::Upload { file_type, .. } => UploadKind::of_file_type(file_type),
        _ => UploadKind::Other,
    };
    let upload_url = services
        .uploads
        .url(&services.cwmp_url, device_id, upload_kind);
    let request = spec.to_request(SpecContext {
        tree: &tree,
        upload_url: &upload_url,
    })?;
    let task = queue(
        &services.store,
        device_id,
        &request,
        &actor.name,
        Some(expires_at),
        now,
    )
    .await?
    .ok_or(QueueError::NoDevice(device_id))?;
    let task_id = task.id;
    services
        .audit(
            actor,
            AuditAction::TaskQueued,
            Some(&format!("device:{device_id}")),
            format!("{} (task {task_id})", spec.kind()),
            now,
        )
        .await?;
    tracing::info!(device_id, task_id, kind = spec.kind(), by = %actor.name, "task queued");
    Ok(task)
}

/// Queues `request` for the device's next session; returns the task, or `None` when there
/// is no such device.
pub async fn queue(
    store: &Store,
    device_id: i64,
    request: &Message,
    created_by: &str,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Option<StoredTask>, StoreError> {
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
