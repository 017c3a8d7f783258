//! Facts about this Osprey installation that the portal shows, and the staff dashboard.

use leptos::prelude::*;

use crate::{
    error::AppError,
    model::{DashboardData, PortalFacts},
};

/// Minutes the informs chart covers.
pub const INFORM_CHART_MINUTES: usize = 180;
/// Hours the faults chart covers.
pub const FAULT_CHART_HOURS: usize = 24;

#[server(endpoint = "portal_info")]
pub async fn portal_info() -> Result<PortalFacts, AppError> {
    use super::guard;

    let (services, _, _) = guard::require(crate::model::Role::STAFF).await?;
    Ok(PortalFacts {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        cwmp_url: services.cwmp_url.to_string(),
    })
}

/// The dashboard's figures. Reads the background job's snapshot and at most a day of
/// per-minute rows: the same cost at ten devices and at ten million.
#[server(endpoint = "dashboard")]
pub async fn dashboard() -> Result<DashboardData, AppError> {
    use chrono::{Duration, Utc};

    use super::guard;
    use crate::{
        inventory::activity::{faults_per_hour, informs_per_minute},
        model::{FaultLine, Role},
        store::{TaskFilter, TaskStatus},
    };

    /// Faults the dashboard lists.
    const LATEST_FAULTS: u64 = 6;

    let (services, _, _) = guard::require(Role::STAFF).await?;
    let store = &services.store;
    let now = Utc::now();
    let snapshot = store.fleet_snapshot().await.map_err(guard::internal)?;
    let rows = store
        .activity_since(now - Duration::hours(FAULT_CHART_HOURS as i64))
        .await
        .map_err(guard::internal)?;
    let faults = store
        .list_tasks(&TaskFilter {
            status: Some(TaskStatus::Fault),
            limit: LATEST_FAULTS,
            ..TaskFilter::default()
        })
        .await
        .map_err(guard::internal)?;
    let mut latest_faults = Vec::with_capacity(faults.len());
    for task in faults {
        let serial_number = store
            .device_key(task.device_id)
            .await
            .map_err(guard::internal)?
            .map(|key| key.serial_number)
            .unwrap_or_default();
        latest_faults.push(FaultLine {
            device_id: task.device_id,
            serial_number,
            task_id: task.id,
            method: task.method,
            reason: match (task.fault_code, task.fault_message) {
                (Some(code), Some(message)) => format!("{code} {message}"),
                (Some(code), None) => code.to_string(),
                (None, Some(message)) => message,
                (None, None) => "no reason given".to_owned(),
            },
            at: guard::display_minute(task.updated_at),
        });
    }
    Ok(DashboardData {
        figures_at: snapshot
            .as_ref()
            .map(|snapshot| guard::display_second(snapshot.taken_at)),
        figures: snapshot.map(|snapshot| snapshot.figures),
        informs_per_minute: informs_per_minute(&rows, now, INFORM_CHART_MINUTES),
        faults_per_hour: faults_per_hour(&rows, now, FAULT_CHART_HOURS),
        latest_faults,
    })
}
