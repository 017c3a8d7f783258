//! What the device page's and the customer view's server functions share: finding a device
//! the caller may see, describing it, queueing an action and waking the device, and where a
//! task stands. Server only.

use chrono::{DateTime, Utc};

use super::guard;
use crate::{
    acs::{
        task_spec::{DEFAULT_EXPIRY_SECONDS, TaskSpec},
        tasks::{QueueError, queue_spec},
    },
    error::AppError,
    inventory::overview::{device_overview, duration_text},
    model::{ActionStarted, DeviceDetail, Role, SignedInUser, TaskProgress, TaskStage, WakeNote},
    services::{Actor, Services},
    store::{ListedDevice, ParameterTree, StoredTask, TaskStatus},
};

/// The device, or "not found" in words.
pub async fn existing_device(services: &Services, id: i64) -> Result<ListedDevice, AppError> {
    services
        .store
        .device(id)
        .await
        .map_err(guard::internal)?
        .ok_or_else(|| AppError::NotFound {
            message: format!("There is no device {id}. It may have been deleted."),
        })
}

/// The device if it is linked to this customer. A device that exists but is someone
/// else's gets the same answer as one that does not exist: URLs reveal nothing.
pub async fn customer_device(
    services: &Services,
    user: &SignedInUser,
    id: i64,
) -> Result<ListedDevice, AppError> {
    let refused = || AppError::NotFound {
        message: "This device is not linked to your account.".to_owned(),
    };
    if user.role != Role::Customer {
        return Err(AppError::Forbidden);
    }
    let linked = services
        .store
        .customer_has_device(user.id, id)
        .await
        .map_err(guard::internal)?;
    if !linked {
        tracing::warn!(user = %user.username, device_id = id, "customer asked for a device not linked to them");
        return Err(refused());
    }
    services
        .store
        .device(id)
        .await
        .map_err(guard::internal)?
        .ok_or_else(refused)
}

/// The summary card and overview of a device.
pub fn detail(
    listed: ListedDevice,
    tree: &ParameterTree,
    customers: Vec<String>,
    now: DateTime<Utc>,
) -> DeviceDetail {
    let device = listed.device;
    let uptime = tree
        .iter()
        .find(|(name, _)| name.ends_with(".DeviceInfo.UpTime"))
        .and_then(|(_, stored)| {
            let value = stored.value.as_deref()?;
            let read = DateTime::from_timestamp(stored.read_at, 0)?;
            Some(format!(
                "{} (read {})",
                duration_text(value),
                guard::display_minute(read)
            ))
        });
    let data_model = if tree.keys().next().is_some_and(|k| k.starts_with("Device.")) {
        Some("TR-181 (Device:2)".to_owned())
    } else if tree
        .keys()
        .next()
        .is_some_and(|k| k.starts_with("InternetGatewayDevice."))
    {
        Some("TR-098 (InternetGatewayDevice)".to_owned())
    } else {
        device.data_model.clone()
    };
    DeviceDetail {
        id: device.id,
        online: device.is_online(now),
        serial_number: device.key.serial_number,
        product_class: device.key.product_class,
        oui: device.key.oui,
        manufacturer: device.manufacturer,
        software_version: device.software_version,
        hardware_version: device.hardware_version,
        data_model,
        ip_address: device.ip_address,
        uptime,
        last_inform: guard::display_second(device.last_inform_at),
        registered: guard::display_second(device.registered_at),
        tags: listed.tags,
        customers,
        tree_complete: device.tree_complete,
        wakeable: device.connection_request_url.is_some(),
        overview: device_overview(tree),
    }
}

/// Sends a Connection Request and says how it went, in words.
pub async fn wake(services: &Services, device_id: i64) -> WakeNote {
    match services.waker.wake(device_id).await {
        Ok(woken) if woken.already_woken => WakeNote {
            woken: true,
            message: "The device was woken moments ago; waiting for its session.".to_owned(),
        },
        Ok(_) => WakeNote {
            woken: true,
            message: "Connection request accepted; waiting for the device's session.".to_owned(),
        },
        Err(error) => WakeNote {
            woken: false,
            message: format!(
                "The device could not be woken ({error}). It will get this at its next check-in."
            ),
        },
    }
}

/// Queues `spec` for the device and wakes it.
pub async fn queue_and_wake(
    services: &Services,
    actor: &Actor,
    device_id: i64,
    spec: &TaskSpec,
) -> Result<ActionStarted, AppError> {
    let now = Utc::now();
    let expires_at = now + chrono::Duration::seconds(DEFAULT_EXPIRY_SECONDS);
    let task_id = queue_spec(services, actor, device_id, spec, expires_at, now)
        .await
        .map_err(|error| match error {
            QueueError::NoDevice(id) => AppError::NotFound {
                message: format!("There is no device {id}."),
            },
            // The page's fields are the value and the name; the spec's field path
            // (`values[0].value`) means nothing to a person.
            QueueError::Invalid(error) => AppError::invalid("value", error.message),
            QueueError::Store(error) => guard::internal(error),
        })?
        .id;
    let wake = wake(services, device_id).await;
    Ok(ActionStarted {
        task_id: Some(task_id),
        wake,
    })
}

/// Where a task stands: "device contacted" once the device informed after it was queued.
pub async fn progress(services: &Services, task: StoredTask) -> Result<TaskProgress, AppError> {
    let message = task
        .fault_message
        .clone()
        .map(|message| match task.fault_code {
            Some(code) => format!("{message} (fault {code})"),
            None => message,
        });
    let stage = match task.status {
        TaskStatus::Done => TaskStage::Done,
        TaskStatus::Fault => TaskStage::Failed,
        TaskStatus::Expired | TaskStatus::Cancelled => TaskStage::Dropped,
        TaskStatus::Running => TaskStage::DeviceContacted,
        TaskStatus::Queued => {
            let informed = services
                .store
                .last_inform_at(task.device_id)
                .await
                .map_err(guard::internal)?;
            if informed.is_some_and(|at| at > task.created_at) {
                TaskStage::DeviceContacted
            } else {
                TaskStage::Queued
            }
        }
    };
    Ok(TaskProgress {
        task_id: task.id,
        stage,
        message,
    })
}
