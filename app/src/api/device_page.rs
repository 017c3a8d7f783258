//! The device page for staff: summary and overview, the parameter tree a level at a time,
//! history, actions (each queued as a task and the device woken), and customer links.

use leptos::prelude::*;

use crate::{
    error::AppError,
    model::{
        ActionStarted, DeviceAction, DeviceDetail, HistoryEntry, HistoryKind, TaskProgress,
        TreeLevel,
    },
};

/// How long a claim code stays usable.
pub const CLAIM_CODE_DAYS: i64 = 30;

#[server(endpoint = "device_detail")]
pub async fn get_device_detail(id: i64) -> Result<DeviceDetail, AppError> {
    use super::{device_access, guard};
    use crate::model::Role;

    let (services, _, _) = guard::require(Role::STAFF).await?;
    let now = chrono::Utc::now();
    let listed = device_access::existing_device(&services, id).await?;
    let tree = services
        .store
        .device_parameters(id)
        .await
        .map_err(guard::internal)?;
    let customers = services
        .store
        .customers_of(id)
        .await
        .map_err(guard::internal)?;
    Ok(device_access::detail(listed, &tree, customers, now))
}

/// One level of the tree (`path` empty for the roots), or the matches of `search`.
#[server(endpoint = "device_tree")]
pub async fn device_tree(id: i64, path: String, search: String) -> Result<TreeLevel, AppError> {
    use super::{device_access, guard};
    use crate::{
        cwmp::types::is_parameter_path,
        inventory::tree_browse::{search_tree, tree_level},
        model::Role,
    };

    let (services, _, _) = guard::require(Role::STAFF).await?;
    let is_object_path = path.ends_with('.') && is_parameter_path(&path);
    if !path.is_empty() && !is_object_path {
        return Err(AppError::invalid(
            "path",
            "An object path ends in '.', like Device.WiFi.",
        ));
    }
    device_access::existing_device(&services, id).await?;
    let tree = services
        .store
        .device_parameters(id)
        .await
        .map_err(guard::internal)?;
    Ok(if search.trim().is_empty() {
        tree_level(&tree, &path)
    } else {
        search_tree(&tree, &search)
    })
}

#[server(endpoint = "device_history")]
pub async fn device_history(id: i64, kind: HistoryKind) -> Result<Vec<HistoryEntry>, AppError> {
    use super::{device_access, guard};
    use crate::{
        acs::{task_spec::request_summary, tasks::read_message},
        model::Role,
        store::{TaskFilter, TaskStatus},
    };

    const SHOWN: u64 = 50;
    let (services, _, _) = guard::require(Role::STAFF).await?;
    device_access::existing_device(&services, id).await?;
    if kind == HistoryKind::Events {
        let events = services
            .store
            .device_events(id, SHOWN)
            .await
            .map_err(guard::internal)?;
        return Ok(events
            .into_iter()
            .map(|(code, command_key, at)| HistoryEntry {
                at: guard::display_second(at),
                detail: event_meaning(&code).to_owned(),
                title: if command_key.is_empty() {
                    code
                } else {
                    format!("{code} ({command_key})")
                },
                status: None,
            })
            .collect());
    }
    let tasks = services
        .store
        .list_tasks(&TaskFilter {
            device_id: Some(id),
            status: (kind == HistoryKind::Faults).then_some(TaskStatus::Fault),
            before_id: None,
            limit: SHOWN,
        })
        .await
        .map_err(guard::internal)?;
    Ok(tasks
        .into_iter()
        .map(|task| {
            let summary = read_message(&task.request)
                .map(|request| request_summary(&request))
                .unwrap_or_default();
            let detail = match (task.fault_code, task.fault_message.as_deref()) {
                (Some(code), Some(message)) => format!("{summary} · fault {code}: {message}"),
                _ => summary,
            };
            HistoryEntry {
                at: guard::display_second(task.updated_at),
                title: format!("{} · by {}", task.method, task.created_by),
                detail,
                status: Some(task.status.as_str().to_owned()),
            }
        })
        .collect())
}

/// What an Inform event code means, for the events tab.
#[cfg(feature = "ssr")]
fn event_meaning(code: &str) -> &'static str {
    match code {
        "0 BOOTSTRAP" => "First contact with this ACS, or after a factory reset",
        "1 BOOT" => "The device started up",
        "2 PERIODIC" => "Checked in again after a silence (check-ins on time are not listed)",
        "3 SCHEDULED" => "Check-in the ACS scheduled",
        "4 VALUE CHANGE" => "A watched value changed",
        "6 CONNECTION REQUEST" => "Woken by the ACS",
        "7 TRANSFER COMPLETE" => "A download or upload finished",
        "8 DIAGNOSTICS COMPLETE" => "A diagnostic test finished",
        "M Reboot" => "Restarted because the ACS asked",
        "M Download" | "M ScheduleDownload" => "Download the ACS asked for",
        _ => "",
    }
}

/// Queues the action as a task, then wakes the device so it runs now.
#[server(endpoint = "run_device_action", input = server_fn::codec::Json)]
pub async fn run_device_action(id: i64, action: DeviceAction) -> Result<ActionStarted, AppError> {
    use super::{device_access, guard};
    use crate::{
        acs::task_spec::{SetValue, TaskSpec},
        model::Role,
        store::AuditAction,
    };

    let (services, _, identity) = guard::require(Role::STAFF).await?;
    let actor = identity.actor("anonymous");
    let listed = device_access::existing_device(&services, id).await?;
    let spec = match action {
        DeviceAction::ConnectionRequest => {
            let wake = device_access::wake(&services, id).await;
            services
                .audit(
                    &actor,
                    AuditAction::DeviceWoken,
                    Some(&format!("device:{id}")),
                    wake.message.clone(),
                    chrono::Utc::now(),
                )
                .await
                .map_err(guard::internal)?;
            return Ok(ActionStarted {
                task_id: None,
                wake,
            });
        }
        DeviceAction::Reboot => TaskSpec::Reboot {
            command_key: String::new(),
        },
        DeviceAction::FactoryReset { confirm_serial } => {
            if confirm_serial.trim() != listed.device.key.serial_number {
                return Err(AppError::invalid(
                    "confirm_serial",
                    "Type the device's serial number exactly to confirm the factory reset.",
                ));
            }
            TaskSpec::FactoryReset
        }
        DeviceAction::Refresh { path } => TaskSpec::Get { names: vec![path] },
        DeviceAction::SetValue { name, value } => TaskSpec::Set {
            values: vec![SetValue {
                name,
                value,
                kind: None,
            }],
            parameter_key: String::new(),
        },
        DeviceAction::Download { url } => TaskSpec::Download {
            url,
            file_type: "1 Firmware Upgrade Image".to_owned(),
            file_size: 0,
            target_file_name: String::new(),
            username: String::new(),
            password: String::new(),
            delay_seconds: 0,
            command_key: String::new(),
        },
    };
    device_access::queue_and_wake(&services, &actor, id, &spec).await
}

/// Where a task stands (staff, or the customer whose device it is).
#[server(endpoint = "task_progress")]
pub async fn get_task_progress(task_id: i64) -> Result<TaskProgress, AppError> {
    use super::{device_access, guard};
    use crate::model::Role;

    let (services, user, _) = guard::require(&Role::ALL).await?;
    let task = services
        .store
        .task(task_id)
        .await
        .map_err(guard::internal)?
        .ok_or_else(|| AppError::NotFound {
            message: "There is no such task.".to_owned(),
        })?;
    if user.role == Role::Customer {
        device_access::customer_device(&services, &user, task.device_id).await?;
    }
    device_access::progress(&services, task).await
}

/// Links a customer account to the device (admins).
#[server(endpoint = "link_customer")]
pub async fn link_customer(id: i64, username: String) -> Result<(), AppError> {
    use super::{device_access, guard};
    use crate::{model::Role, store::AuditAction};

    let (services, _, identity) = guard::require(Role::ADMIN).await?;
    device_access::existing_device(&services, id).await?;
    let username = username.trim();
    let user = services
        .store
        .user_by_name(username)
        .await
        .map_err(guard::internal)?
        .filter(|user| user.role == Role::Customer)
        .ok_or_else(|| {
            AppError::invalid(
                "username",
                format!("There is no customer account named '{username}'."),
            )
        })?;
    let now = chrono::Utc::now();
    let actor = identity.actor("anonymous");
    services
        .store
        .link_customer(user.id, id, &actor.name, now)
        .await
        .map_err(guard::internal)?;
    services
        .audit(
            &actor,
            AuditAction::CustomerLinked,
            Some(&format!("device:{id}")),
            format!("customer {username}"),
            now,
        )
        .await
        .map_err(guard::internal)?;
    Ok(())
}

#[server(endpoint = "unlink_customer")]
pub async fn unlink_customer(id: i64, username: String) -> Result<(), AppError> {
    use super::guard;
    use crate::{model::Role, store::AuditAction};

    let (services, _, identity) = guard::require(Role::ADMIN).await?;
    let Some(user) = services
        .store
        .user_by_name(username.trim())
        .await
        .map_err(guard::internal)?
    else {
        return Ok(());
    };
    if services
        .store
        .unlink_customer(user.id, id)
        .await
        .map_err(guard::internal)?
    {
        services
            .audit(
                &identity.actor("anonymous"),
                AuditAction::CustomerUnlinked,
                Some(&format!("device:{id}")),
                format!("customer {}", user.username),
                chrono::Utc::now(),
            )
            .await
            .map_err(guard::internal)?;
    }
    Ok(())
}

/// A new claim code for the device, shown once (staff hand it to the customer).
#[server(endpoint = "create_claim_code")]
pub async fn create_claim_code(id: i64) -> Result<crate::model::ClaimCodeIssued, AppError> {
    use super::{device_access, guard};
    use crate::{
        auth::{claim_code_hash, new_claim_code},
        model::{ClaimCodeIssued, Role},
        store::AuditAction,
    };

    let (services, _, identity) = guard::require(Role::STAFF).await?;
    let listed = device_access::existing_device(&services, id).await?;
    let now = chrono::Utc::now();
    let expires_at = now + chrono::Duration::days(CLAIM_CODE_DAYS);
    let code = new_claim_code();
    let actor = identity.actor("anonymous");
    services
        .store
        .set_claim_code(id, &claim_code_hash(&code), &actor.name, now, expires_at)
        .await
        .map_err(guard::internal)?;
    services
        .audit(
            &actor,
            AuditAction::ClaimCodeCreated,
            Some(&format!("device:{id}")),
            "claim code created (replaces any earlier one)",
            now,
        )
        .await
        .map_err(guard::internal)?;
    Ok(ClaimCodeIssued {
        code,
        serial_number: listed.device.key.serial_number,
        expires: guard::display_minute(expires_at),
    })
}
