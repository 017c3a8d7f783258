//! Group commit for the summary writes of periodic Informs.
//!
//! At scale nearly every session is a periodic Inform that changes nothing but the device's
//! presence (last inform, online deadline, in `device_presence`) and adds its events; the
//! device row itself is written only when the Inform changes something in it. Written one
//! session at a time, each is its own transaction: a commit (an fsync on PostgreSQL), and
//! on SQLite a fight for the one write lock. Here a task takes every write that is waiting,
//! commits them in one transaction, and tells each session when its write is durable. A
//! session answers an Inform that reports anything but the periodic heartbeat only after
//! its write is committed (the device forgets its events once it has the InformResponse),
//! so nothing is lost that was acknowledged; a heartbeat is answered at once and settled
//! before the session goes on (`inform_check`).
//!
//! Batches form by themselves: while one commits, the next gathers. A single write costs no
//! extra wait.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait, Value};
use tokio::sync::{mpsc, oneshot};

use super::{
    DatabaseKind, StoreError, StoredDevice,
    heartbeat_events::{keeps_event_sql, online_since_sql},
    pg_arrays::{EVENT_COLUMNS, PgType, query_error, unnest_sql},
    unchanged_inform::{UnchangedInform, WriterConnection, write_unchanged},
};

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
    /// Whether the `device` row changes (`changes_device_row`); its presence always does.
    pub device_row_changes: bool,
}

impl SummaryUpdate {
    /// Whether writing this changes `device`'s row as it stands (`device`, as read), and not
    /// only its presence.
    pub fn changes_device_row(&self, device: &StoredDevice) -> bool {
        let mut after = device.clone();
        self.apply_to(&mut after);
        after.last_inform_at = device.last_inform_at;
        after.online_until = device.online_until;
        after != *device
    }

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

    /// Its events as bound: device, time, code, command key.
    pub(super) fn event_rows(&self) -> impl Iterator<Item = (i64, DateTime<Utc>, &str, &str)> {
        self.events.iter().map(|(code, command_key)| {
            (
                self.device_id,
                self.last_inform_at,
                code.as_str(),
                command_key.as_str(),
            )
        })
    }

    /// The presence row, as its values in the order of `presence_upsert_sql`'s columns (the
    /// last, `online_since`, is what a new row takes: a first Inform starts a run).
    pub(super) fn presence_values(&self) -> [Value; VALUES_PER_PRESENCE] {
        [
            self.device_id.into(),
            self.last_inform_at.into(),
            Some(self.online_until).into(),
            Some(self.last_inform_at).into(),
        ]
    }

    /// The row update, as its values in the order of `batch_update_sql`'s columns: the
    /// seven summary columns an Inform carries first (`unchanged_inform` checks those).
    pub(super) fn values(&self) -> Vec<Value> {
        vec![
            self.manufacturer.clone().into(),
            self.cwmp_version.clone().into(),
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

/// Values a presence row carries (`SummaryUpdate::presence_values`).
const VALUES_PER_PRESENCE: usize = 4;

/// Values a row of the batch update carries (`SummaryUpdate::values`).
const VALUES_PER_ROW: usize = 9;

/// SQLite: `rows` parenthesised rows of `per_row` anonymous placeholders (`?`), which bind
/// in the order they appear, so a statement binds its values in the order of its
/// placeholders. Not `?NNN`: to bind a numbered parameter, sqlx asks SQLite its name, and
/// SQLite finds it by walking the statement's list of names, so binding n of them costs n²
/// steps (a fifth of the server's time with batches of a few thousand values).
pub(super) fn placeholder_rows(rows: usize, per_row: usize) -> String {
    // Written into one string: a copy of the row's text per row was a string per row.
    let mut text = String::with_capacity(rows * (3 * per_row + 2));
    for row in 0..rows {
        if row > 0 {
            text.push_str(", ");
        }
        text.push('(');
        for value in 0..per_row {
            if value > 0 {
                text.push_str(", ");
            }
            text.push('?');
        }
        text.push(')');
    }
    text
}

/// SQLite: one statement writing `rows` presence rows, whether the device has one yet or not.
fn presence_upsert_sql(rows: usize) -> String {
    presence_write_sql(&format!(
        "VALUES {}",
        placeholder_rows(rows, VALUES_PER_PRESENCE)
    ))
}

/// The write of the presence rows `source` lists (a VALUES list or a SELECT of device,
/// last inform, online deadline, and the `online_since` a new row takes), whether each
/// device has one yet or not. A device that has one keeps its `online_since` while it was
/// online, worked out from the row as it stood (`heartbeat_events`).
pub(super) fn presence_write_sql(source: &str) -> String {
    format!(
        r#"INSERT INTO "device_presence" ("device_id", "last_inform_at", "online_until", "online_since") {source} ON CONFLICT ("device_id") DO UPDATE SET "last_inform_at" = excluded."last_inform_at", "online_until" = excluded."online_until", "online_since" = {}"#,
        online_since_sql(r#""device_presence""#, r#"excluded."last_inform_at""#)
    )
}

/// SQLite: the insert of `rows` event rows bound as a VALUES list (device, time, code,
/// command key, then any more columns of `values_per_row` that `join` uses), of devices
/// whose presence row (`"p"`) the same transaction wrote and `join` accepts, each kept or
/// not by that row (`heartbeat_events`); rows of NULLs join nothing.
pub(super) fn sqlite_events_sql(rows: usize, values_per_row: usize, join: &str) -> String {
    format!(
        r#"INSERT INTO "device_event" ("device_id", "at", "code", "command_key") SELECT e.column1, e.column2, e.column3, e.column4 FROM (VALUES {}) AS e JOIN "device_presence" AS "p" ON "p"."device_id" = e.column1{join} WHERE {}"#,
        placeholder_rows(rows, values_per_row),
        keeps_event_sql("e.column3", "e.column2", r#""p"."online_since""#)
    )
}

/// The device columns a summary update writes, in the order of `SummaryUpdate::values`
/// (the last is the device's id); a NULL in one of those from `FIRST_KEPT` on keeps the
/// stored value.
pub(super) const DEVICE_COLUMNS: [(&str, PgType); VALUES_PER_ROW] = [
    ("manufacturer", PgType::Text),
    ("cwmp_version", PgType::Text),
    ("software_version", PgType::Text),
    ("hardware_version", PgType::Text),
    ("data_model", PgType::Text),
    ("ip_address", PgType::Text),
    ("connection_request_url", PgType::Text),
    ("last_boot_at", PgType::Timestamptz),
    ("id", PgType::Int8),
];

/// `DEVICE_COLUMNS` from this one on keep the stored value where the update has none (an
/// Inform need not carry them); manufacturer and CWMP version it always carries.
pub(super) const FIRST_KEPT: usize = 2;

/// The presence columns PostgreSQL binds (a new row's `online_since` is its
/// `last_inform_at`, written from the same array).
const PRESENCE_COLUMNS: [(&str, PgType); 3] = [
    ("device_id", PgType::Int8),
    ("last_inform_at", PgType::Timestamptz),
    ("online_until", PgType::Timestamptz),
];

/// The update of the devices FROM item `rows` (named `v`) lists, joined by id; `column(n)`
/// names column n of `v`, in the order of `DEVICE_COLUMNS`. One statement per batch rather
/// than one per session: on SQLite each statement is a hand-off to the connection's thread,
/// on PostgreSQL a round trip.
fn summary_update_sql(rows: &str, column: impl Fn(usize) -> String) -> String {
    let sets: Vec<String> = DEVICE_COLUMNS[..VALUES_PER_ROW - 1]
        .iter()
        .enumerate()
        .map(|(n, (name, _))| {
            if n >= FIRST_KEPT {
                format!(r#""{name}" = COALESCE({}, "device"."{name}")"#, column(n))
            } else {
                format!(r#""{name}" = {}"#, column(n))
            }
        })
        .collect();
    format!(
        r#"UPDATE "device" SET {} FROM {rows} WHERE "device"."id" = {}"#,
        sets.join(", "),
        column(VALUES_PER_ROW - 1)
    )
}

/// SQLite: the update of `rows` devices, bound as a VALUES list (its columns are named
/// `column1`, `column2`, …).
fn batch_update_sql(rows: usize) -> String {
    let values = format!("(VALUES {}) AS v", placeholder_rows(rows, VALUES_PER_ROW));
    summary_update_sql(&values, |n| format!("v.column{}", n + 1))
}

/// PostgreSQL: a batch as one statement, which is atomic by itself: one round trip instead
/// of five (begin, presence, update, events, commit), each column bound as one array
/// (`pg_arrays`). The presence upsert and the device update are data-modifying `WITH`s
/// (PostgreSQL runs each of them, read or not), the events' insert the statement; an empty
/// array writes nothing. Bound: presence columns, device columns, event columns.
fn pg_batch_sql() -> &'static str {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let presences = unnest_sql("p", &PRESENCE_COLUMNS, 1);
        let rows = unnest_sql("v", &DEVICE_COLUMNS, PRESENCE_COLUMNS.len() + 1);
        let update = summary_update_sql(&rows, |n| format!(r#"v."{}""#, DEVICE_COLUMNS[n].0));
        let events = unnest_sql(
            "e",
            &EVENT_COLUMNS,
            PRESENCE_COLUMNS.len() + VALUES_PER_ROW + 1,
        );
        let presence = presence_write_sql(&format!(
            r#"SELECT "p".*, "p"."last_inform_at" FROM {presences}"#
        ));
        let keeps = keeps_event_sql(r#"e."code""#, r#"e."at""#, r#""w"."online_since""#);
        format!(
            r#"WITH "presence" AS ({presence} RETURNING "device_id", "online_since"), "summary" AS ({update}) INSERT INTO "device_event" ("device_id", "at", "code", "command_key") SELECT e."device_id", e."at", e."code", e."command_key" FROM {events} JOIN "presence" AS "w" ON "w"."device_id" = e."device_id" WHERE {keeps}"#
        )
    });
    &SQL
}

/// Who to tell that a summary update is committed.
type SummaryDone = oneshot::Sender<Result<(), StoreError>>;

/// Who to tell whether an unchanged Inform passed the check (and if so, whether its device
/// has tasks open) once it is committed.
type UnchangedDone = oneshot::Sender<Result<Option<bool>, StoreError>>;

/// An unchanged Inform handed to the writer (`submit_unchanged`), to be asked once how its
/// write went.
#[derive(Debug)]
pub(super) struct UnchangedReceipt(oneshot::Receiver<Result<Option<bool>, StoreError>>);

impl UnchangedReceipt {
    /// Waits for the batch: whether the device passed the check (`None`: it did not and
    /// nothing was written) and then whether it has tasks open.
    pub async fn committed(self) -> Result<Option<bool>, StoreError> {
        // `Err`: the task is gone (its runtime shut down) and the answer with it.
        self.0
            .await
            .unwrap_or(Err(StoreError::Unavailable("the summary writer stopped")))
    }
}

/// A write waiting for the next batch, and who to tell when it is committed.
enum Job {
    Summary {
        update: SummaryUpdate,
        done: SummaryDone,
    },
    /// Written only where the device is as remembered (`unchanged_inform`).
    Unchanged {
        inform: UnchangedInform,
        done: UnchangedDone,
    },
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
    /// Starts the writing task on the current Tokio runtime. One task, on PostgreSQL too:
    /// two, each with half the devices, made batches half as big and cost PostgreSQL a
    /// third more CPU per Inform; on two cores, 20% fewer sessions a second.
    pub fn start(db: DatabaseConnection, kind: DatabaseKind) -> SummaryWriter {
        let (jobs, queue) = mpsc::unbounded_channel();
        tokio::spawn(run(db.clone(), kind, queue));
        SummaryWriter { jobs, db, kind }
    }

    /// Writes `update` with whatever else is waiting; returns once it is committed.
    pub async fn write(&self, update: SummaryUpdate) -> Result<(), StoreError> {
        let (done, committed) = oneshot::channel();
        self.submit(Job::Summary { update, done }).await;
        // `Err`: the task is gone (its runtime shut down) and the answer with it; writing
        // again is harmless (same values).
        committed
            .await
            .unwrap_or(Err(StoreError::Unavailable("the summary writer stopped")))
    }

    /// Writes `inform` with whatever else is waiting, if its device passes the check; once
    /// committed, returns whether it did (`None`: it did not and nothing was written) and
    /// then whether the device has tasks open.
    pub async fn write_unchanged(
        &self,
        inform: UnchangedInform,
    ) -> Result<Option<bool>, StoreError> {
        self.submit_unchanged(inform).await.committed().await
    }

    /// Hands `inform` to the next batch and returns without waiting for it: the receipt
    /// says later what `write_unchanged` would have.
    pub async fn submit_unchanged(&self, inform: UnchangedInform) -> UnchangedReceipt {
        let (done, committed) = oneshot::channel();
        self.submit(Job::Unchanged { inform, done }).await;
        UnchangedReceipt(committed)
    }

    async fn submit(&self, job: Job) {
        if let Err(mpsc::error::SendError(job)) = self.jobs.send(job) {
            // No task to take it: write it alone, here.
            let mut writer = WriterConnection::default();
            Box::pin(write_jobs(
                &self.db,
                self.kind,
                &mut writer,
                std::iter::once(job),
            ))
            .await;
        }
    }
}

async fn run(db: DatabaseConnection, kind: DatabaseKind, mut queue: mpsc::UnboundedReceiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut writer = WriterConnection::default();
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        write_jobs(&db, kind, &mut writer, batch.drain(..)).await;
    }
}

/// Writes a batch and answers each job: its unchanged Informs, then its summary updates.
async fn write_jobs(
    db: &DatabaseConnection,
    kind: DatabaseKind,
    writer: &mut WriterConnection,
    jobs: impl Iterator<Item = Job>,
) {
    let (mut summaries, mut unchanged) = (Vec::new(), Vec::new());
    for job in jobs {
        match job {
            Job::Summary { update, done } => summaries.push((update, done)),
            Job::Unchanged { inform, done } => unchanged.push((inform, done)),
        }
    }
    if !unchanged.is_empty() {
        write_unchanged_jobs(db, kind, writer, unchanged).await;
    }
    if !summaries.is_empty() {
        write_summary_jobs(db, kind, summaries).await;
    }
}

async fn write_unchanged_jobs(
    db: &DatabaseConnection,
    kind: DatabaseKind,
    writer: &mut WriterConnection,
    jobs: Vec<(UnchangedInform, UnchangedDone)>,
) {
    let informs: Vec<&UnchangedInform> = jobs.iter().map(|(inform, _)| inform).collect();
    match write_unchanged(db, kind, writer, &informs).await {
        Ok(passed) => {
            for (inform, done) in jobs {
                let found = passed.iter().find(|(id, _)| *id == inform.update.device_id);
                let _ = done.send(Ok(found.map(|(_, open_tasks)| *open_tasks)));
            }
        }
        // Nothing in the batch can fail one row alone (it writes only rows that exist,
        // checked in the same statement): the database is down or the pool exhausted, and
        // every session hears why.
        Err(error) => {
            tracing::debug!(%error, writes = jobs.len(), "a batch of unchanged Informs failed");
            let message = error.to_string();
            for (_, done) in jobs {
                let error = sea_orm::DbErr::Custom(message.clone());
                let _ = done.send(Err(StoreError::Query(error)));
            }
        }
    }
}

async fn write_summary_jobs(
    db: &DatabaseConnection,
    kind: DatabaseKind,
    jobs: Vec<(SummaryUpdate, SummaryDone)>,
) {
    let updates: Vec<&SummaryUpdate> = jobs.iter().map(|(update, _)| update).collect();
    match write_batch(db, kind, &updates).await {
        Ok(()) => {
            for (_, done) in jobs {
                let _ = done.send(Ok(()));
            }
        }
        // One bad write (a device deleted meanwhile: its presence has no device to belong
        // to) must not fail the others: each is tried alone and answered for itself.
        Err(error) => {
            tracing::debug!(%error, writes = jobs.len(), "a batch of summary writes failed; writing them one by one");
            for (update, done) in jobs {
                let result = write_batch(db, kind, &[&update]).await;
                let _ = done.send(result);
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
    // Only the rows whose device row changes are updated; every presence is written.
    let changed: Vec<&SummaryUpdate> = latest
        .iter()
        .copied()
        .filter(|update| update.device_row_changes)
        .collect();
    if kind == DatabaseKind::Postgres {
        return write_on_postgres(db, &latest, &changed, updates).await;
    }
    let txn = db.begin().await?;
    // At most MAX_BATCH rows of 9 values: under SQLite's limit on values.
    for chunk in latest.chunks(MAX_BATCH) {
        let values: Vec<Value> = chunk
            .iter()
            .flat_map(|update| update.presence_values())
            .collect();
        let sql = presence_upsert_sql(chunk.len());
        txn.execute_raw(Statement::from_sql_and_values(backend, &sql, values))
            .await?;
    }
    for chunk in changed.chunks(MAX_BATCH) {
        let values: Vec<Value> = chunk.iter().flat_map(|update| update.values()).collect();
        let sql = batch_update_sql(chunk.len());
        txn.execute_raw(Statement::from_sql_and_values(backend, &sql, values))
            .await?;
    }
    let events: Vec<Value> = updates
        .iter()
        .flat_map(|update| update.event_rows())
        .flat_map(|(device_id, at, code, command_key)| {
            [
                device_id.into(),
                at.into(),
                code.to_owned().into(),
                command_key.to_owned().into(),
            ]
        })
        .collect();
    // Bound the statement's size: a thousand rows of four values, under SQLite's limit.
    for chunk in events.chunks(1_000 * EVENT_COLUMNS.len()) {
        let sql = sqlite_events_sql(chunk.len() / EVENT_COLUMNS.len(), EVENT_COLUMNS.len(), "");
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            &sql,
            chunk.to_vec(),
        ))
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// PostgreSQL: the presence of each device in `latest`, the row of each in `changed` and
/// every event of `updates`, in one statement (`pg_batch_sql`).
async fn write_on_postgres(
    db: &DatabaseConnection,
    latest: &[&SummaryUpdate],
    changed: &[&SummaryUpdate],
    updates: &[&SummaryUpdate],
) -> Result<(), StoreError> {
    let events: Vec<_> = updates
        .iter()
        .flat_map(|update| update.event_rows())
        .collect();
    let text = |value: fn(&SummaryUpdate) -> Option<&str>| -> Vec<Option<&str>> {
        changed.iter().map(|update| value(update)).collect()
    };
    // Bound in the order of `PRESENCE_COLUMNS`, `DEVICE_COLUMNS`, then `EVENT_COLUMNS`.
    sqlx::query(pg_batch_sql())
        .bind(latest.iter().map(|u| u.device_id).collect::<Vec<_>>())
        .bind(latest.iter().map(|u| u.last_inform_at).collect::<Vec<_>>())
        .bind(latest.iter().map(|u| u.online_until).collect::<Vec<_>>())
        .bind(text(|u| Some(&u.manufacturer)))
        .bind(text(|u| Some(&u.cwmp_version)))
        .bind(text(|u| u.software_version.as_deref()))
        .bind(text(|u| u.hardware_version.as_deref()))
        .bind(text(|u| u.data_model.as_deref()))
        .bind(text(|u| u.ip_address.as_deref()))
        .bind(text(|u| u.connection_request_url.as_deref()))
        .bind(changed.iter().map(|u| u.last_boot_at).collect::<Vec<_>>())
        .bind(changed.iter().map(|u| u.device_id).collect::<Vec<_>>())
        .bind(events.iter().map(|event| event.0).collect::<Vec<_>>())
        .bind(events.iter().map(|event| event.1).collect::<Vec<_>>())
        .bind(events.iter().map(|event| event.2).collect::<Vec<_>>())
        .bind(events.iter().map(|event| event.3).collect::<Vec<_>>())
        .execute(db.get_postgres_connection_pool())
        .await
        .map_err(query_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update() -> SummaryUpdate {
        SummaryUpdate {
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
            device_row_changes: true,
        }
    }

    #[test]
    fn each_sqlite_statement_has_one_placeholder_per_value() {
        let update = update();
        assert_eq!(update.values().len(), VALUES_PER_ROW);
        assert_eq!(update.presence_values().len(), VALUES_PER_PRESENCE);
        let sql = batch_update_sql(3);
        assert_eq!(sql.matches('?').count(), 3 * VALUES_PER_ROW, "{sql}");
        assert!(
            sql.contains(r#""data_model" = COALESCE(v.column5, "device"."data_model")"#),
            "{sql}"
        );
        assert!(sql.ends_with(r#"WHERE "device"."id" = v.column9"#), "{sql}");
        // Anonymous: no name to look up when binding.
        let sql = presence_upsert_sql(2);
        assert!(
            sql.contains("VALUES (?, ?, ?, ?), (?, ?, ?, ?) ON"),
            "{sql}"
        );
        let sql = sqlite_events_sql(2, EVENT_COLUMNS.len(), "");
        assert!(
            sql.contains("VALUES (?, ?, ?, ?), (?, ?, ?, ?)) AS e"),
            "{sql}"
        );
    }

    #[test]
    fn a_presence_write_works_out_online_since_from_the_row_as_it_stood() {
        let sql = presence_upsert_sql(1);
        assert!(
            sql.ends_with(r#""online_since" = CASE WHEN "device_presence"."online_until" >= excluded."last_inform_at" THEN "device_presence"."online_since" ELSE excluded."last_inform_at" END"#),
            "{sql}"
        );
        // The events are kept by the presence written for their device.
        assert!(
            sqlite_events_sql(1, EVENT_COLUMNS.len(), "").ends_with(
                r#"WHERE (e.column3 <> '2 PERIODIC' OR "p"."online_since" = e.column2)"#
            )
        );
        assert!(
            pg_batch_sql().ends_with(r#"JOIN "presence" AS "w" ON "w"."device_id" = e."device_id" WHERE (e."code" <> '2 PERIODIC' OR "w"."online_since" = e."at")"#),
            "{}",
            pg_batch_sql()
        );
    }

    #[test]
    fn postgres_writes_a_batch_in_one_statement_of_arrays() {
        let sql = pg_batch_sql();
        assert!(
            sql.starts_with(r#"WITH "presence" AS (INSERT INTO "device_presence""#),
            "{sql}"
        );
        assert!(
            sql.contains(r#""summary" AS (UPDATE "device" SET "manufacturer" = v."manufacturer""#),
            "{sql}"
        );
        assert!(
            sql.contains(r#""last_boot_at" = COALESCE(v."last_boot_at", "device"."last_boot_at")"#),
            "{sql}"
        );
        // Presence columns first, then the device's, then the events'.
        assert!(
            sql.contains(r#"unnest($1::int8[], $2::timestamptz[], $3::timestamptz[]) AS "p""#),
            "{sql}"
        );
        assert!(sql.contains(r#"$12::int8[]) AS "v""#), "{sql}");
        assert!(sql.contains(r#"WHERE "device"."id" = v."id")"#), "{sql}");
        assert!(
            sql.contains(
                r#"unnest($13::int8[], $14::timestamptz[], $15::text[], $16::text[]) AS "e""#
            ),
            "{sql}"
        );
        assert!(!sql.contains("$17"), "{sql}");
    }

    #[test]
    fn only_a_changed_summary_rewrites_the_device_row() {
        let now = Utc::now();
        let mut update = update();
        let device = StoredDevice {
            id: 1,
            key: super::super::DeviceKey {
                oui: "001122".into(),
                product_class: "Box".into(),
                serial_number: "S1".into(),
            },
            manufacturer: "M".into(),
            software_version: Some("1.0".into()),
            hardware_version: None,
            data_model: None,
            ip_address: Some("10.0.0.1".into()),
            connection_request_url: None,
            cwmp_version: "cwmp-1-2".into(),
            registered_at: now,
            last_inform_at: now - chrono::Duration::seconds(600),
            last_boot_at: None,
            tree_complete: true,
            online_until: Some(now),
        };
        // A new inform time and deadline alone, or a value the Inform did not carry.
        assert!(!update.changes_device_row(&device));
        update.software_version = Some("1.0".into());
        assert!(!update.changes_device_row(&device));
        update.software_version = Some("1.1".into());
        assert!(update.changes_device_row(&device));
        update.software_version = None;
        update.last_boot_at = Some(now);
        assert!(update.changes_device_row(&device));
    }
}
