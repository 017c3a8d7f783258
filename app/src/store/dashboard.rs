//! The dashboard's figures, kept so that showing them reads a few small rows and never the
//! inventory: activity per minute (added to by every instance) and one shared snapshot of
//! counts over every device (taken in the background, see the server's dashboard job).

use chrono::{DateTime, Duration, DurationRound, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, OnConflict},
};

use super::{
    Store, StoreError, TaskStatus,
    entity::{activity_minute, device, device_presence, fleet_snapshot, task},
};
use crate::{
    events::ActivityCounts,
    model::{FleetFigures, VersionCount},
};

/// The (product class, version) pairs a snapshot keeps.
const MAX_VERSIONS: u64 = 40;

/// What happened in one minute, across instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivityMinute {
    pub minute: DateTime<Utc>,
    pub counts: ActivityCounts,
}

/// The fleet's figures as last taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetSnapshot {
    pub figures: FleetFigures,
    pub taken_at: DateTime<Utc>,
    /// How long taking them took: the next one waits in proportion.
    pub took: Duration,
}

/// The start of the minute `at` is in.
pub fn minute_of(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(Duration::minutes(1)).unwrap_or(at)
}

fn count(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl Store {
    /// Adds `counts` to the minute `at` is in. Instances add, never overwrite.
    pub async fn add_activity(
        &self,
        at: DateTime<Utc>,
        counts: ActivityCounts,
    ) -> Result<(), StoreError> {
        let add = |column: &str| {
            Expr::cust(format!(
                r#""activity_minute"."{column}" + "excluded"."{column}""#
            ))
        };
        activity_minute::Entity::insert(activity_minute::ActiveModel {
            minute: Set(minute_of(at)),
            informs: Set(count(counts.informs)),
            registrations: Set(count(counts.registrations)),
            faults: Set(count(counts.faults)),
            task_failures: Set(count(counts.task_failures)),
        })
        .on_conflict(
            OnConflict::column(activity_minute::Column::Minute)
                .values([
                    (activity_minute::Column::Informs, add("informs")),
                    (activity_minute::Column::Registrations, add("registrations")),
                    (activity_minute::Column::Faults, add("faults")),
                    (activity_minute::Column::TaskFailures, add("task_failures")),
                ])
                .to_owned(),
        )
        .exec(&self.db)
        .await?;
        Ok(())
    }

    /// The minutes with activity from `since` on, oldest first.
    pub async fn activity_since(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<ActivityMinute>, StoreError> {
        Ok(activity_minute::Entity::find()
            .filter(activity_minute::Column::Minute.gte(minute_of(since)))
            .order_by_asc(activity_minute::Column::Minute)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| ActivityMinute {
                minute: row.minute,
                counts: ActivityCounts {
                    informs: row.informs.max(0).unsigned_abs(),
                    registrations: row.registrations.max(0).unsigned_abs(),
                    faults: row.faults.max(0).unsigned_abs(),
                    task_failures: row.task_failures.max(0).unsigned_abs(),
                },
            })
            .collect())
    }

    /// Forgets the activity before `before`; returns how many minutes went.
    pub async fn prune_activity(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(activity_minute::Entity::delete_many()
            .filter(activity_minute::Column::Minute.lt(before))
            .exec(&self.db)
            .await?
            .rows_affected)
    }

    /// Counts over every device at `now`: the expensive part, for the background job only.
    pub async fn count_fleet(&self, now: DateTime<Utc>) -> Result<FleetFigures, StoreError> {
        let midnight = now.duration_trunc(Duration::days(1)).unwrap_or(now);
        let devices = || device::Entity::find();
        let total = devices().count(&self.db).await?;
        // Presence rows are one per device (deleted with it): counted alone.
        let online = device_presence::Entity::find()
            .filter(device_presence::Column::OnlineUntil.gte(now))
            .count(&self.db)
            .await?;
        let new_today = devices()
            .filter(device::Column::RegisteredAt.gte(midnight))
            .count(&self.db)
            .await?;
        let discovered = devices()
            .filter(device::Column::TreeComplete.eq(true))
            .count(&self.db)
            .await?;
        let with_open_faults = task::Entity::find()
            .select_only()
            .column(task::Column::DeviceId)
            .filter(task::Column::Status.eq(TaskStatus::Fault.as_str()))
            .distinct()
            .count(&self.db)
            .await?;
        let versions = devices()
            .select_only()
            .column(device::Column::ProductClass)
            .column(device::Column::SoftwareVersion)
            .column_as(device::Column::Id.count(), "devices")
            .group_by(device::Column::ProductClass)
            .group_by(device::Column::SoftwareVersion)
            .order_by_desc(Expr::cust("devices"))
            .order_by_asc(device::Column::ProductClass)
            .limit(MAX_VERSIONS)
            .into_tuple::<(String, Option<String>, i64)>()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|(product_class, version, devices)| VersionCount {
                product_class,
                software_version: version.unwrap_or_default(),
                devices: devices.max(0).unsigned_abs(),
            })
            .collect();
        Ok(FleetFigures {
            total,
            online,
            new_today,
            with_open_faults,
            discovered,
            versions,
        })
    }

    /// Replaces the shared snapshot.
    pub async fn save_fleet_snapshot(&self, snapshot: &FleetSnapshot) -> Result<(), StoreError> {
        let figures =
            serde_json::to_value(&snapshot.figures).map_err(|error| StoreError::Corrupt {
                what: "fleet figures",
                value: error.to_string(),
            })?;
        fleet_snapshot::Entity::insert(fleet_snapshot::ActiveModel {
            id: Set(1),
            taken_at: Set(snapshot.taken_at),
            took_millis: Set(snapshot.took.num_milliseconds()),
            figures: Set(figures),
        })
        .on_conflict(
            OnConflict::column(fleet_snapshot::Column::Id)
                .update_columns([
                    fleet_snapshot::Column::TakenAt,
                    fleet_snapshot::Column::TookMillis,
                    fleet_snapshot::Column::Figures,
                ])
                .to_owned(),
        )
        .exec(&self.db)
        .await?;
        Ok(())
    }

    /// The shared snapshot; `None` before the first was taken.
    pub async fn fleet_snapshot(&self) -> Result<Option<FleetSnapshot>, StoreError> {
        let Some(row) = fleet_snapshot::Entity::find_by_id(1).one(&self.db).await? else {
            return Ok(None);
        };
        let figures =
            serde_json::from_value(row.figures.clone()).map_err(|_| StoreError::Corrupt {
                what: "fleet figures",
                value: row.figures.to_string(),
            })?;
        Ok(Some(FleetSnapshot {
            figures,
            taken_at: row.taken_at,
            took: Duration::milliseconds(row.took_millis),
        }))
    }
}
