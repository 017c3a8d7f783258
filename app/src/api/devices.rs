//! The device list for staff: the REST API's query language, sort keys and keyset pages.

use leptos::prelude::*;

use crate::{error::AppError, model::DeviceListPage};

/// Rows per page of the portal's list.
pub const DEVICE_PAGE_SIZE: u64 = 50;

/// Devices matching `q` (the query language) in `sort` order, after `cursor`.
#[server(endpoint = "list_devices")]
pub async fn list_devices(
    q: String,
    sort: String,
    cursor: Option<String>,
) -> Result<DeviceListPage, AppError> {
    use super::guard;
    use crate::{
        inventory::query,
        model::{DeviceRow, Role},
        store::{Cursor, DeviceQuery, DeviceSort},
    };

    let (services, _, _) = guard::require(Role::STAFF).await?;
    let filter = query::parse(&q).map_err(|error| {
        AppError::invalid(
            "q",
            format!(
                "The search has a problem at character {}: {}",
                error.position + 1,
                error.message
            ),
        )
    })?;
    let sort = match sort.trim() {
        "" => DeviceSort::default(),
        text => DeviceSort::parse(text)
            .ok_or_else(|| AppError::invalid("sort", format!("'{text}' is not a sort order")))?,
    };
    let after = match cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(token) => Some(Cursor::decode(token, sort).ok_or_else(|| {
            AppError::invalid(
                "cursor",
                "This page link is out of date: start from the first page.",
            )
        })?),
    };
    let now = chrono::Utc::now();
    let page = services
        .store
        .list_devices(&DeviceQuery {
            filter: filter.as_ref(),
            sort,
            after,
            limit: DEVICE_PAGE_SIZE,
            now,
        })
        .await
        .map_err(guard::internal)?;
    Ok(DeviceListPage {
        devices: page
            .devices
            .into_iter()
            .map(|listed| {
                let online = listed.device.is_online(now);
                let device = listed.device;
                DeviceRow {
                    id: device.id,
                    serial_number: device.key.serial_number,
                    product_class: device.key.product_class,
                    manufacturer: device.manufacturer,
                    software_version: device.software_version,
                    ip_address: device.ip_address,
                    last_inform: guard::display_second(device.last_inform_at),
                    online,
                    tags: listed.tags,
                }
            })
            .collect(),
        next: page.next.map(|cursor| cursor.encode()),
    })
}

/// The choices of the list's product class and software version filters, from the
/// dashboard's latest fleet figures (no scan of the inventory).
#[server(endpoint = "device_filter_options")]
pub async fn device_filter_options() -> Result<crate::model::DeviceFilterOptions, AppError> {
    use std::collections::BTreeSet;

    use super::guard;
    use crate::model::{DeviceFilterOptions, Role};

    let (services, _, _) = guard::require(Role::STAFF).await?;
    let versions = services
        .store
        .fleet_snapshot()
        .await
        .map_err(guard::internal)?
        .map(|snapshot| snapshot.figures.versions)
        .unwrap_or_default();
    let product_classes: BTreeSet<String> =
        versions.iter().map(|v| v.product_class.clone()).collect();
    let software_versions: BTreeSet<String> = versions
        .into_iter()
        .map(|v| v.software_version)
        .filter(|v| !v.is_empty())
        .collect();
    Ok(DeviceFilterOptions {
        product_classes: product_classes.into_iter().collect(),
        software_versions: software_versions.into_iter().collect(),
    })
}

/// Applies one action to the devices selected on the list. Tags change at once; tasks are
/// queued at once and the devices woken in the background (a device that cannot be woken
/// gets its task at its next periodic inform).
#[server(endpoint = "run_bulk_action", input = server_fn::codec::Json)]
pub async fn run_bulk_action(
    ids: Vec<i64>,
    action: crate::model::BulkAction,
) -> Result<crate::model::BulkOutcome, AppError> {
    use chrono::Utc;

    use super::guard;
    use crate::{
        acs::{
            task_spec::{DEFAULT_EXPIRY_SECONDS, TaskSpec},
            tasks::queue_spec,
        },
        model::{BulkAction, BulkOutcome, MAX_BULK_DEVICES, Role},
        store::{AuditAction, is_tag},
    };

    let (services, _, identity) = guard::require(Role::STAFF).await?;
    let actor = identity.actor("anonymous");
    let mut ids = ids;
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(AppError::invalid("ids", "Select at least one device."));
    }
    if ids.len() > MAX_BULK_DEVICES {
        return Err(AppError::invalid(
            "ids",
            format!("At most {MAX_BULK_DEVICES} devices at once."),
        ));
    }
    if let BulkAction::AddTag { tag } | BulkAction::RemoveTag { tag } = &action
        && !is_tag(tag.trim())
    {
        return Err(AppError::invalid(
            "tag",
            format!("'{tag}' is not a tag: 1 to 64 letters, digits and _ - . :"),
        ));
    }
    let now = Utc::now();
    let expires_at = now + chrono::Duration::seconds(DEFAULT_EXPIRY_SECONDS);
    let mut outcome = BulkOutcome::default();
    let mut to_wake = Vec::new();
    for id in ids {
        let Some(listed) = services.store.device(id).await.map_err(guard::internal)? else {
            outcome
                .failed
                .push(format!("device {id}: it no longer exists"));
            continue;
        };
        let serial = listed.device.key.serial_number.clone();
        let spec = match &action {
            BulkAction::AddTag { tag } => {
                services
                    .store
                    .add_tags(id, &[tag.trim().to_owned()])
                    .await
                    .map_err(guard::internal)?;
                outcome.applied += 1;
                continue;
            }
            BulkAction::RemoveTag { tag } => {
                services
                    .store
                    .remove_tags(id, &[tag.trim().to_owned()])
                    .await
                    .map_err(guard::internal)?;
                outcome.applied += 1;
                continue;
            }
            BulkAction::ConnectionRequest => {
                to_wake.push(id);
                outcome.applied += 1;
                continue;
            }
            BulkAction::Reboot => TaskSpec::Reboot {
                command_key: String::new(),
            },
            BulkAction::Refresh => TaskSpec::Get {
                names: vec![format!(
                    "{}.",
                    listed.device.data_model.as_deref().unwrap_or("Device")
                )],
            },
        };
        match queue_spec(&services, &actor, id, &spec, expires_at, now).await {
            Ok(_) => {
                to_wake.push(id);
                outcome.applied += 1;
            }
            Err(error) => outcome.failed.push(format!("{serial}: {error}")),
        }
    }
    let audit = match &action {
        BulkAction::AddTag { .. } | BulkAction::RemoveTag { .. } => Some(AuditAction::DeviceTagged),
        BulkAction::ConnectionRequest => Some(AuditAction::DeviceWoken),
        // Each queued task has its own audit line already.
        BulkAction::Reboot | BulkAction::Refresh => None,
    };
    if let Some(audit) = audit {
        services
            .audit(
                &actor,
                audit,
                Some(&format!("{} devices", outcome.applied)),
                format!("bulk: {}", action.label()),
                now,
            )
            .await
            .map_err(guard::internal)?;
    }
    let woken = to_wake.len();
    if woken > 0 {
        wake_in_background(services.clone(), to_wake);
    }
    outcome.message = match &action {
        BulkAction::AddTag { .. } | BulkAction::RemoveTag { .. } => {
            format!("{}: done on {} devices.", action.label(), outcome.applied)
        }
        _ => format!(
            "{}: queued for {} devices, which are being woken now; a device that cannot be woken gets it at its next check-in.",
            action.label(),
            woken
        ),
    };
    tracing::info!(by = %actor.name, action = %action.label(), applied = outcome.applied, failed = outcome.failed.len(), "bulk action");
    Ok(outcome)
}

/// Wakes devices a few at a time, without holding up the person's request.
#[cfg(feature = "ssr")]
fn wake_in_background(services: crate::services::Services, ids: Vec<i64>) {
    /// Connection Requests in flight at once.
    const AT_ONCE: usize = 8;
    tokio::spawn(async move {
        let mut pending = ids.into_iter();
        let mut running = tokio::task::JoinSet::new();
        loop {
            while running.len() < AT_ONCE {
                let Some(id) = pending.next() else { break };
                let waker = services.waker.clone();
                running.spawn(async move { (id, waker.wake(id).await) });
            }
            match running.join_next().await {
                Some(Ok((id, Err(error)))) => {
                    tracing::debug!(device_id = id, %error, "bulk wake-up failed; the device gets its task at its next inform");
                }
                Some(_) => {}
                None => return,
            }
        }
    });
}
