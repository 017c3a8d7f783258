//! Group commit for the summary writes of periodic Informs.
//!
//! At scale nearly every session is a periodic Inform that changes nothing but the summary
//! columns (last inform, online deadline, ...) and adds its events. Written one session at a
//! time, each is its own transaction: a commit (an fsync on PostgreSQL), and on SQLite a
//! fight for the one write lock. Here one task takes every write that is waiting, commits
//! them in one transaction, and tells each session when its write is durable. A session
//! still answers its Inform only after its write is committed (the device forgets its
//! events once it has the InformResponse), so nothing is lost that was acknowledged.
//!
//! Batches form by themselves: while one commits, the next gathers. A single write costs no
//! extra wait.

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, Statement, TransactionTrait, Value,
};
use tokio::sync::{mpsc, oneshot};

use super::{DatabaseKind, StoreError, StoredDevice, devices::event_rows, entity::device_event};

/// Writes taken into one transaction at most.
const MAX_BATCH: usize = 256;

/// What a periodic Inform changes in the device's row, and the events it brings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SummaryUpdate {
    pub device_id: i64,
    pub manufacturer: String,
    pub cwmp_version: String,
    pub last_inform_at: DateTime<Utc>,
    pub online_until: DateTime<Utc>,
    /// `None` keeps what is stored (the Inform did not carry it).
    pub software_version: Option<String>,
    pub hardware_version: Option<String>,
    pub data_model: Option<String>,
    pub ip_address: Option<String>,
    pub connection_request_url: Option<String>,
    /// `Some` when the device booted.
    pub last_boot_at: Option<DateTime<Utc>>,
    /// (code, command key) of each event.
    pub events: Vec<(String, String)>,
}

impl SummaryUpdate {
    /// The device as it stands once the update is written.
    pub fn apply_to(&self, device: &mut StoredDevice) {
        let keep = |new: &Option<String>, old: &mut Option<String>| {
            if new.is_some() {
                old.clone_from(new);
            }
        };
        device.manufacturer.clone_from(&self.manufacturer);
        device.cwmp_version.clone_from(&self.cwmp_version);
        device.last_inform_at = self.last_inform_at;
        device.online_until = Some(self.online_until);
        keep(&self.software_version, &mut device.software_version);
        keep(&self.hardware_version, &mut device.hardware_version);
        keep(&self.data_model, &mut device.data_model);
        keep(&self.ip_address, &mut device.ip_address);
        keep(
            &self.connection_request_url,
            &mut device.connection_request_url,
        );
        if self.last_boot_at.is_some() {
            device.last_boot_at = self.last_boot_at;
        }
    }

    /// The row update, as its values in the order of `batch_update_sql`'s columns.
    fn values(&self) -> Vec<Value> {
        vec![
            self.manufacturer.clone().into(),
            self.cwmp_version.clone().into(),
            self.last_inform_at.into(),
            self.online_until.into(),
            self.software_version.clone().into(),
            self.hardware_version.clone().into(),
            self.data_model.clone().into(),
            self.ip_address.clone().into(),
            self.connection_request_url.clone().into(),
            self.last_boot_at.into(),
            self.device_id.into(),
        ]
    }
}

/// Values a row of the batch update carries (`SummaryUpdate::values`).
const VALUES_PER_ROW: usize = 11;

/// One statement updating `rows` devices: the updates as a VALUES list joined to the table
/// by id (both databases name its columns `column1`, `column2`, ...). One statement per
/// batch rather than one per session: on SQLite each statement is a hand-off to the
/// connection's thread, on PostgreSQL a round trip.
fn batch_update_sql(kind: DatabaseKind, rows: usize) -> String {
    let mark = |n: usize| match kind {
        DatabaseKind::Sqlite => format!("?{n}"),
        DatabaseKind::Postgres => format!("${n}"),
    };
    let values: Vec<String> = (0..rows)
        .map(|row| {
            let marks: Vec<String> = (1..=VALUES_PER_ROW)
                .map(|n| mark(row * VALUES_PER_ROW + n))
                .collect();
            format!("({})", marks.join(", "))
        })
        .collect();
    let kept = |n: usize, column: &str| {
        format!(r#""{column}" = COALESCE(v.column{n}, "device"."{column}")"#)
    };
    format!(
        r#"UPDATE "device" SET "manufacturer" = v.column1, "cwmp_version" = v.column2, "last_inform_at" = v.column3, "online_until" = v.column4, {}, {}, {}, {}, {}, {} FROM (VALUES {}) AS v WHERE "device"."id" = v.column11"#,
        kept(5, "software_version"),
        kept(6, "hardware_version"),
        kept(7, "data_model"),
        kept(8, "ip_address"),
        kept(9, "connection_request_url"),
        kept(10, "last_boot_at"),
        values.join(", "),
    )
}

/// Values an event row carries (device, time, code, command key).
const VALUES_PER_EVENT: usize = 4;

/// PostgreSQL: the batch's update and its event rows as one statement (a data-modifying
/// `WITH`), which is atomic by itself: one round trip instead of four (begin, update,
/// insert, commit). The events are bound after the update's values.
fn pg_batch_sql(rows: usize, events: usize) -> String {
    let update = batch_update_sql(DatabaseKind::Postgres, rows);
    if events == 0 {
        return update;
    }
    let first = rows * VALUES_PER_ROW;
    let events: Vec<String> = (0..events)
        .map(|event| {
            let at = first + event * VALUES_PER_EVENT;
            format!("(${}, ${}, ${}, ${})", at + 1, at + 2, at + 3, at + 4)
        })
        .collect();
    format!(
        r#"WITH "updated" AS ({update}) INSERT INTO "device_event" ("device_id", "at", "code", "command_key") VALUES {}"#,
        events.join(", ")
    )
}

/// PostgreSQL takes at most 65,535 bound values in a statement; past this many events a
/// batch is written the general way, its events in chunks.
const MAX_PG_EVENTS_IN_STATEMENT: usize = 10_000;

struct Job {
    update: SummaryUpdate,
    done: oneshot::Sender<Result<(), StoreError>>,
}

/// The handle sessions write through; cheap to clone. The task behind it ends when the last
/// handle is dropped.
#[derive(Clone, Debug)]
pub(super) struct SummaryWriter {
    jobs: mpsc::UnboundedSender<Job>,
    db: DatabaseConnection,
    kind: DatabaseKind,
}

impl SummaryWriter {
    /// Starts the writing task on the current Tokio runtime.
    pub fn start(db: DatabaseConnection, kind: DatabaseKind) -> SummaryWriter {
        let (jobs, queue) = mpsc::unbounded_channel();
        tokio::spawn(run(db.clone(), kind, queue));
        SummaryWriter { jobs, db, kind }
    }

    /// Writes `update` with whatever else is waiting; returns once it is committed.
    pub async fn write(&self, update: SummaryUpdate) -> Result<(), StoreError> {
        let (done, committed) = oneshot::channel();
        match self.jobs.send(Job { update, done }) {
            Ok(()) => match committed.await {
                Ok(result) => result,
                // The task is gone (its runtime shut down): nothing was written, or the
                // write's answer was lost; writing again is harmless (same values).
                Err(_) => Err(StoreError::Unavailable("the summary writer stopped")),
            },
            // No task to take it: write it alone, here.
            Err(mpsc::error::SendError(job)) => {
                write_batch(&self.db, self.kind, &[&job.update]).await
            }
        }
    }
}

async fn run(db: DatabaseConnection, kind: DatabaseKind, mut queue: mpsc::UnboundedReceiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let updates: Vec<&SummaryUpdate> = batch.iter().map(|job| &job.update).collect();
        let result = write_batch(&db, kind, &updates).await;
        match result {
            Ok(()) => {
                for job in batch.drain(..) {
                    let _ = job.done.send(Ok(()));
                }
            }
            // One bad write (a device deleted meanwhile: its events have no row to belong
            // to) must not fail the others: each is tried alone and answered for itself.
            Err(error) => {
                tracing::debug!(%error, writes = batch.len(), "a batch of summary writes failed; writing them one by one");
                for job in batch.drain(..) {
                    let result = write_batch(&db, kind, &[&job.update]).await;
                    let _ = job.done.send(result);
                }
            }
        }
    }
}

/// Every update and all their events in one transaction.
async fn write_batch(
    db: &DatabaseConnection,
    kind: DatabaseKind,
    updates: &[&SummaryUpdate],
) -> Result<(), StoreError> {
    let backend = match kind {
        DatabaseKind::Sqlite => DbBackend::Sqlite,
        DatabaseKind::Postgres => DbBackend::Postgres,
    };
    // A device twice in a batch (a new session superseding one) takes its latest update:
    // in one UPDATE … FROM, which of two matching rows applies is not defined.
    let mut latest: Vec<&SummaryUpdate> = Vec::with_capacity(updates.len());
    for &update in updates.iter().rev() {
        if !latest.iter().any(|kept| kept.device_id == update.device_id) {
            latest.push(update);
        }
    }
    let event_count: usize = updates.iter().map(|update| update.events.len()).sum();
    if kind == DatabaseKind::Postgres
        && latest.len() <= MAX_BATCH
        && event_count <= MAX_PG_EVENTS_IN_STATEMENT
    {
        let mut values: Vec<Value> = latest.iter().flat_map(|update| update.values()).collect();
        for update in updates {
            for (code, command_key) in &update.events {
                values.extend([
                    update.device_id.into(),
                    update.last_inform_at.into(),
                    code.clone().into(),
                    command_key.clone().into(),
                ]);
            }
        }
        let sql = pg_batch_sql(latest.len(), event_count);
        db.execute_raw(Statement::from_sql_and_values(backend, &sql, values))
            .await?;
        return Ok(());
    }
    let txn = db.begin().await?;
    // At most MAX_BATCH rows of 11 values: under either database's limit on values.
    for chunk in latest.chunks(MAX_BATCH) {
        let values: Vec<Value> = chunk.iter().flat_map(|update| update.values()).collect();
        let sql = batch_update_sql(kind, chunk.len());
        txn.execute_raw(Statement::from_sql_and_values(backend, &sql, values))
            .await?;
    }
    let events: Vec<device_event::ActiveModel> = updates
        .iter()
        .flat_map(|update| event_rows(update.device_id, &update.events, update.last_inform_at))
        .collect();
    // Bound the statement's size: four values a row, well under either database's limit.
    for chunk in events.chunks(1_000) {
        device_event::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_batch_statement_has_one_placeholder_per_value() {
        let update = SummaryUpdate {
            device_id: 1,
            manufacturer: "M".into(),
            cwmp_version: "cwmp-1-2".into(),
            last_inform_at: Utc::now(),
            online_until: Utc::now(),
            software_version: None,
            hardware_version: None,
            data_model: None,
            ip_address: None,
            connection_request_url: None,
            last_boot_at: None,
            events: Vec::new(),
        };
        assert_eq!(update.values().len(), VALUES_PER_ROW);
        for kind in [DatabaseKind::Sqlite, DatabaseKind::Postgres] {
            let sql = batch_update_sql(kind, 3);
            let mark = if kind == DatabaseKind::Sqlite {
                '?'
            } else {
                '$'
            };
            assert_eq!(sql.matches(mark).count(), 3 * VALUES_PER_ROW, "{sql}");
            assert!(sql.contains(&format!("{mark}33)")), "{sql}");
            assert!(!sql.contains(&format!("{mark}34")), "{sql}");
        }
    }

    #[test]
    fn postgres_writes_a_batch_and_its_events_in_one_statement() {
        let sql = pg_batch_sql(2, 3);
        assert!(sql.starts_with(r#"WITH "updated" AS (UPDATE"#), "{sql}");
        assert_eq!(
            sql.matches('$').count(),
            2 * VALUES_PER_ROW + 3 * VALUES_PER_EVENT
        );
        assert!(sql.contains("($23, $24, $25, $26)"), "{sql}");
        assert!(sql.ends_with("($31, $32, $33, $34)"), "{sql}");
        assert_eq!(
            pg_batch_sql(2, 0),
            batch_update_sql(DatabaseKind::Postgres, 2)
        );
    }
}
