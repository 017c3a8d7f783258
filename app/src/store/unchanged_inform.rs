//! The cheapest Inform: a periodic one from a device this process remembers (`inform_cache`)
//! that carries the values its last one did. It is written without reading the device
//! first: its presence is updated only where the database agrees with what the process
//! remembered, and the same statement says for which devices it did.
//!
//! The check is the whole of what the full path would have read and compared: the device's
//! identity, the digest of its last Inform's values (so its tree needs no patch), its
//! interval (which sets the online deadline written here), whether its tree is complete
//! (which decides discovery), and every summary column the Inform carries (so the device
//! row needs no write). A device that fails it (changed by another instance, a task or an
//! API call; deleted; never remembered right) is left untouched and its session takes the
//! full path. Its events are inserted, and its open tasks looked up, in the same
//! transaction, for the devices that passed only.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait, Value};

use super::{
    DatabaseKind, DeviceKey, StoreError, TaskStatus,
    summary_writer::{SummaryUpdate, placeholder_rows},
};

/// A periodic Inform to be written only if the device still stands as remembered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct UnchangedInform {
    /// What the full path would write, of an Inform without a boot: its presence and its
    /// events; the summary columns it carries must be stored already.
    pub update: SummaryUpdate,
    pub key: DeviceKey,
    /// The digest of this Inform's values, which the device's stored one must equal.
    pub digest: String,
    /// The interval remembered, from which the update's `online_until` was worked out.
    pub interval: Option<i64>,
    pub tree_complete: bool,
}

/// Values a row of the check carries (`UnchangedInform::values`).
const VALUES_PER_ROW: usize = 16;

/// Values an event row carries (device, time, code, command key).
const VALUES_PER_EVENT: usize = 4;

/// Events an Inform may carry to be written here; one with more takes the full path. A
/// periodic Inform carries one or two, and the bound keeps a batch's PostgreSQL statement
/// under its limit of 65,535 bound values (256 Informs: 4,096 for the checks, at most
/// 16,384 for the events).
pub(super) const MAX_EVENTS: usize = 16;

impl UnchangedInform {
    /// The row, in the order of `checked_presence_sql`'s columns: the presence row, what
    /// the check needs, then the summary columns the Inform carries (the first of the
    /// update's own row; its last boot and id are not needed).
    fn values(&self) -> impl Iterator<Item = Value> {
        let checked: [Value; 6] = [
            self.key.serial_number.clone().into(),
            self.key.oui.clone().into(),
            self.key.product_class.clone().into(),
            self.digest.clone().into(),
            self.interval.into(),
            self.tree_complete.into(),
        ];
        self.update
            .presence_values()
            .into_iter()
            .chain(checked)
            .chain(self.update.values().into_iter().take(SUMMARY_COLUMNS))
    }
}

/// Summary columns an Inform carries, first in `SummaryUpdate::values`.
const SUMMARY_COLUMNS: usize = 7;

/// The update of `rows` presence rows, each only where its device passes the check; it
/// returns the id of each device written and whether it has a task open (queued or
/// running: a superset of what a session takes). The rows are a VALUES list (`v`, its
/// columns named `column1`, `column2`, … on both databases) joined to the device by id.
fn checked_presence_sql(kind: DatabaseKind, rows: usize) -> String {
    let same = match kind {
        DatabaseKind::Sqlite => "IS",
        DatabaseKind::Postgres => "IS NOT DISTINCT FROM",
    };
    let carried = |n: usize, column: &str| {
        format!(r#"(v.column{n} IS NULL OR "d"."{column}" = v.column{n})"#)
    };
    format!(
        r#"UPDATE "device_presence" SET "last_inform_at" = v.column2, "online_until" = v.column3 FROM (VALUES {}) AS v, "device" AS "d" WHERE "device_presence"."device_id" = v.column1 AND "d"."id" = v.column1 AND "d"."serial_number" = v.column4 AND "d"."oui" = v.column5 AND "d"."product_class" = v.column6 AND "d"."inform_digest" = v.column7 AND "d"."inform_interval" {same} v.column8 AND "d"."tree_complete" = v.column9 AND "d"."manufacturer" = v.column10 AND "d"."cwmp_version" = v.column11 AND {} AND {} AND {} AND {} AND {} RETURNING "device_id", EXISTS (SELECT 1 FROM "task" WHERE "task"."device_id" = "device_presence"."device_id" AND "task"."status" IN ('{}', '{}')) AS "open_tasks""#,
        placeholder_rows(kind, 0, rows, VALUES_PER_ROW),
        carried(12, "software_version"),
        carried(13, "hardware_version"),
        carried(14, "data_model"),
        carried(15, "ip_address"),
        carried(16, "connection_request_url"),
        TaskStatus::Queued.as_str(),
        TaskStatus::Running.as_str(),
    )
}

/// The insert of `rows` event rows bound from `before` on, of those that pass `condition`
/// (which a padding row, all NULLs, must fail).
fn events_sql(kind: DatabaseKind, before: usize, rows: usize, condition: &str) -> String {
    format!(
        r#"INSERT INTO "device_event" ("device_id", "at", "code", "command_key") SELECT e.column1, e.column2, e.column3, e.column4 FROM (VALUES {}) AS e WHERE {condition}"#,
        placeholder_rows(kind, before, rows, VALUES_PER_EVENT)
    )
}

/// PostgreSQL: the whole batch as one statement (one round trip, atomic by itself): the
/// checked update and the events of the devices that passed. Values are bound check rows
/// first, then event rows.
fn pg_batch_sql(rows: usize, events: usize) -> String {
    let kind = DatabaseKind::Postgres;
    let events_cte = if events == 0 {
        String::new()
    } else {
        let passed = r#"e.column1 IN (SELECT "device_id" FROM "passed")"#;
        format!(
            r#", "events" AS ({})"#,
            events_sql(kind, rows * VALUES_PER_ROW, events, passed)
        )
    };
    format!(
        r#"WITH "passed" AS ({}){events_cte} SELECT "device_id", "open_tasks" FROM "passed""#,
        checked_presence_sql(kind, rows),
    )
}

/// Statements carry their rows padded to a power of two: a handful of statement texts,
/// each prepared once per connection, instead of one per batch size. A check row is padded
/// by repeating the last (the same update twice changes nothing), an event row by a row of
/// NULLs (which `events_sql` leaves out).
fn padded(rows: usize) -> usize {
    rows.next_power_of_two()
}

/// The check rows of `informs`, padded.
fn check_values(informs: &[&UnchangedInform]) -> Vec<Value> {
    let rows = padded(informs.len());
    let mut values = Vec::with_capacity(rows * VALUES_PER_ROW);
    for n in 0..rows {
        values.extend(informs[n.min(informs.len() - 1)].values());
    }
    debug_assert_eq!(values.len(), rows * VALUES_PER_ROW);
    values
}

/// One event as bound: device, time, code, command key.
type EventRow<'a> = (i64, DateTime<Utc>, &'a str, &'a str);

/// The events of `informs`, in order.
fn event_rows_of<'a>(
    informs: impl Iterator<Item = &'a UnchangedInform>,
) -> impl Iterator<Item = EventRow<'a>> {
    informs.flat_map(|inform| {
        let update = &inform.update;
        update.events.iter().map(|(code, command_key)| {
            (
                update.device_id,
                update.last_inform_at,
                code.as_str(),
                command_key.as_str(),
            )
        })
    })
}

/// `events` appended to `values`, padded; returns how many rows that makes.
fn push_event_values<'a>(
    values: &mut Vec<Value>,
    events: impl Iterator<Item = EventRow<'a>>,
) -> usize {
    let mut rows = 0;
    for (device_id, at, code, command_key) in events {
        values.extend([
            device_id.into(),
            at.into(),
            code.to_owned().into(),
            command_key.to_owned().into(),
        ]);
        rows += 1;
    }
    let padding = if rows == 0 { 0 } else { padded(rows) - rows };
    for _ in 0..padding {
        values.extend([
            Value::BigInt(None),
            Value::ChronoDateTimeUtc(None),
            Value::String(None),
            Value::String(None),
        ]);
    }
    rows + padding
}

/// What a batch found: each device that passed the check, and whether it has tasks open.
pub(super) type Passed = Vec<(i64, bool)>;

/// Writes a batch of unchanged Informs; returns the devices that passed the check.
pub(super) async fn write_unchanged(
    db: &DatabaseConnection,
    kind: DatabaseKind,
    informs: &[&UnchangedInform],
) -> Result<Passed, StoreError> {
    // A device twice in a batch (a new session superseding one) is checked with its latest
    // Inform: in one UPDATE … FROM, which of two matching rows applies is not defined.
    let mut latest: Vec<&UnchangedInform> = Vec::with_capacity(informs.len());
    for &inform in informs.iter().rev() {
        if !latest
            .iter()
            .any(|kept| kept.update.device_id == inform.update.device_id)
        {
            latest.push(inform);
        }
    }
    if latest.is_empty() {
        return Ok(Vec::new());
    }
    match kind {
        DatabaseKind::Postgres => write_on_postgres(db, &latest, informs).await,
        DatabaseKind::Sqlite => write_on_sqlite(db, &latest, informs).await,
    }
}

async fn write_on_postgres(
    db: &DatabaseConnection,
    latest: &[&UnchangedInform],
    informs: &[&UnchangedInform],
) -> Result<Passed, StoreError> {
    let mut values = check_values(latest);
    let events = push_event_values(&mut values, event_rows_of(informs.iter().copied()));
    let sql = pg_batch_sql(padded(latest.len()), events);
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            &sql,
            values,
        ))
        .await?;
    rows.iter()
        .map(passed_row)
        .collect::<Result<Passed, _>>()
        .map_err(StoreError::from)
}

/// Rows of one SQLite statement at most (padded: 256 check rows of 16 values, 256 event
/// rows of 4), under its limit of 32,766 bound values.
const SQLITE_ROWS: usize = 256;

async fn write_on_sqlite(
    db: &DatabaseConnection,
    latest: &[&UnchangedInform],
    informs: &[&UnchangedInform],
) -> Result<Passed, StoreError> {
    let txn = db.begin().await?;
    let mut passed: Passed = Vec::with_capacity(latest.len());
    for chunk in latest.chunks(SQLITE_ROWS) {
        let sql = checked_presence_sql(DatabaseKind::Sqlite, padded(chunk.len()));
        let returned = txn
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                &sql,
                check_values(chunk),
            ))
            .await?;
        for row in returned {
            passed.push(passed_row(&row)?);
        }
    }
    let passed_set: HashSet<i64> = passed.iter().map(|(id, _)| *id).collect();
    let events: Vec<EventRow> = event_rows_of(
        informs
            .iter()
            .copied()
            .filter(|inform| passed_set.contains(&inform.update.device_id)),
    )
    .collect();
    for chunk in events.chunks(SQLITE_ROWS) {
        let mut values = Vec::with_capacity(padded(chunk.len()) * VALUES_PER_EVENT);
        let rows = push_event_values(&mut values, chunk.iter().copied());
        let sql = events_sql(DatabaseKind::Sqlite, 0, rows, "e.column1 IS NOT NULL");
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            &sql,
            values,
        ))
        .await?;
    }
    txn.commit().await?;
    Ok(passed)
}

/// A row `checked_presence_sql` returned: the device, and whether it has tasks open.
fn passed_row(row: &sea_orm::QueryResult) -> Result<(i64, bool), sea_orm::DbErr> {
    Ok((row.try_get_by_index(0)?, row.try_get_by_index(1)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_row_binds_one_value_per_placeholder() {
        for (kind, mark) in [(DatabaseKind::Sqlite, '?'), (DatabaseKind::Postgres, '$')] {
            let sql = checked_presence_sql(kind, 3);
            assert_eq!(sql.matches(mark).count(), 3 * VALUES_PER_ROW, "{sql}");
            assert!(sql.ends_with(r#"AS "open_tasks""#), "{sql}");
        }
        let sql = checked_presence_sql(DatabaseKind::Postgres, 3);
        assert!(sql.contains("$48)"), "{sql}");
        assert!(!sql.contains("$49"), "{sql}");
        assert!(
            checked_presence_sql(DatabaseKind::Sqlite, 1).contains(r#""inform_interval" IS v"#)
        );
        assert!(
            checked_presence_sql(DatabaseKind::Postgres, 1)
                .contains(r#""inform_interval" IS NOT DISTINCT FROM v"#)
        );
    }

    #[test]
    fn postgres_checks_and_writes_events_in_one_statement() {
        let sql = pg_batch_sql(2, 3);
        assert!(
            sql.starts_with(r#"WITH "passed" AS (UPDATE "device_presence""#),
            "{sql}"
        );
        assert_eq!(
            sql.matches('$').count(),
            2 * VALUES_PER_ROW + 3 * VALUES_PER_EVENT
        );
        // Event rows come after the check rows, and only passed devices' are inserted.
        assert!(sql.contains("FROM (VALUES ($33, $34, $35, $36)"), "{sql}");
        assert!(
            sql.contains(r#"IN (SELECT "device_id" FROM "passed")"#),
            "{sql}"
        );
        assert!(
            sql.ends_with(r#"SELECT "device_id", "open_tasks" FROM "passed""#),
            "{sql}"
        );
        // No events: no insert.
        assert!(!pg_batch_sql(2, 0).contains("device_event"));
    }
}
