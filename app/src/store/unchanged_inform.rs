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

use std::{
    collections::HashMap,
    sync::{LazyLock, Mutex, PoisonError},
};

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use super::{
    DatabaseKind, DeviceKey, StoreError, TaskStatus,
    heartbeat_events::{keeps_event_sql, online_since_sql},
    pg_arrays::{EVENT_COLUMNS, PgType, query_error, unnest_sql},
    summary_writer::{self, DEVICE_COLUMNS, FIRST_KEPT, SummaryUpdate, placeholder_rows},
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

/// Values a row of the check carries (`bind_check_row`, PostgreSQL's arrays).
const VALUES_PER_ROW: usize = 16;

/// Values an event row carries (device, time, code, command key).
const VALUES_PER_EVENT: usize = 4;

/// SQLite's event rows carry one more: the time the check wrote (`sqlite_events_sql`).
const SQLITE_VALUES_PER_EVENT: usize = VALUES_PER_EVENT + 1;

/// Events an Inform may carry to be written here; one with more takes the full path. A
/// periodic Inform carries one or two, and the bound keeps a batch's PostgreSQL statement
/// under its limit of 65,535 bound values (256 Informs: 4,096 for the checks, at most
/// 16,384 for the events).
pub(super) const MAX_EVENTS: usize = 16;

/// Summary columns an Inform carries, first in `SummaryUpdate::values`.
const SUMMARY_COLUMNS: usize = 7;

/// The columns of a check row before the summary columns: the presence row, then what the
/// check compares, each named after the `device` column it is compared with.
const OWN_COLUMNS: [(&str, PgType); VALUES_PER_ROW - SUMMARY_COLUMNS] = [
    ("device_id", PgType::Int8),
    ("last_inform_at", PgType::Timestamptz),
    ("online_until", PgType::Timestamptz),
    ("serial_number", PgType::Text),
    ("oui", PgType::Text),
    ("product_class", PgType::Text),
    ("inform_digest", PgType::Text),
    ("inform_interval", PgType::Int8),
    ("tree_complete", PgType::Bool),
];

/// The columns of a check row, in the order `UnchangedInform::values` binds them: its own,
/// then the summary columns the Inform carries, as the summary writer names them.
fn check_columns() -> Vec<(&'static str, PgType)> {
    OWN_COLUMNS
        .iter()
        .chain(&DEVICE_COLUMNS[..SUMMARY_COLUMNS])
        .copied()
        .collect()
}

/// Check columns from this one on are summary columns the Inform may leave out (NULL):
/// one it carries must equal the stored value.
const FIRST_CARRIED: usize = OWN_COLUMNS.len() + FIRST_KEPT;

/// The update of the presence rows listed by `rows`, a FROM item named `v`, each only where
/// its device passes the check; it returns the id of each device written and whether it
/// has a task open (queued or running: a superset of what a session takes). `column(n)`
/// names check column n of `v`.
fn checked_presence_sql(
    kind: DatabaseKind,
    rows: &str,
    column: impl Fn(usize) -> String,
) -> String {
    let same = match kind {
        DatabaseKind::Sqlite => "IS",
        DatabaseKind::Postgres => "IS NOT DISTINCT FROM",
    };
    let mut checks = format!(
        r#""device_presence"."device_id" = {id} AND "d"."id" = {id}"#,
        id = column(0)
    );
    for (n, (name, _)) in check_columns().into_iter().enumerate().skip(3) {
        let value = column(n);
        let check = if n >= FIRST_CARRIED {
            format!(r#"({value} IS NULL OR "d"."{name}" = {value})"#)
        } else if name == "inform_interval" {
            format!(r#""d"."{name}" {same} {value}"#)
        } else {
            format!(r#""d"."{name}" = {value}"#)
        };
        checks.push_str(" AND ");
        checks.push_str(&check);
    }
    // PostgreSQL's events are joined on what the update returns; SQLite's on the row.
    let online_since = match kind {
        DatabaseKind::Sqlite => "",
        DatabaseKind::Postgres => r#", "device_presence"."online_since""#,
    };
    format!(
        r#"UPDATE "device_presence" SET "last_inform_at" = {at}, "online_until" = {}, "online_since" = {} FROM {rows}, "device" AS "d" WHERE {checks} RETURNING "device_presence"."device_id", EXISTS (SELECT 1 FROM "task" WHERE "task"."device_id" = "device_presence"."device_id" AND "task"."status" IN ('{}', '{}')) AS "open_tasks"{online_since}"#,
        column(2),
        online_since_sql(r#""device_presence""#, &column(1)),
        TaskStatus::Queued.as_str(),
        TaskStatus::Running.as_str(),
        at = column(1),
    )
}

/// SQLite: the checked update of `rows` rows, bound as a VALUES list (its columns are
/// named `column1`, `column2`, …).
fn sqlite_check_sql(rows: usize) -> String {
    let values = format!("(VALUES {}) AS v", placeholder_rows(rows, VALUES_PER_ROW));
    checked_presence_sql(DatabaseKind::Sqlite, &values, |n| {
        format!("v.column{}", n + 1)
    })
}

/// SQLite: the insert of `rows` event rows (device, time, code, command key, and the time
/// the check wrote for the device), of devices whose presence holds that time: only those
/// that passed the check.
fn sqlite_events_sql(rows: usize) -> String {
    summary_writer::sqlite_events_sql(
        rows,
        SQLITE_VALUES_PER_EVENT,
        r#" AND "p"."last_inform_at" = e.column5"#,
    )
}

/// PostgreSQL: the whole batch as one statement (one round trip, atomic by itself): the
/// checked update and the events of the devices that passed, each column bound as one
/// array (`pg_arrays`).
fn pg_batch_sql() -> &'static str {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        let columns = check_columns();
        let checks =
            checked_presence_sql(DatabaseKind::Postgres, &unnest_sql("v", &columns, 1), |n| {
                format!(r#"v."{}""#, columns[n].0)
            });
        let events = unnest_sql("e", &EVENT_COLUMNS, VALUES_PER_ROW + 1);
        let keeps = keeps_event_sql(r#"e."code""#, r#"e."at""#, r#""passed"."online_since""#);
        format!(
            r#"WITH "passed" AS ({checks}), "events" AS (INSERT INTO "device_event" ("device_id", "at", "code", "command_key") SELECT e."device_id", e."at", e."code", e."command_key" FROM {events} JOIN "passed" ON "passed"."device_id" = e."device_id" WHERE {keeps}) SELECT "device_id", "open_tasks" FROM "passed""#
        )
    });
    &SQL
}

/// SQLite's statements carry their rows padded to a power of two: a handful of statement
/// texts, each prepared once per connection, instead of one per batch size. A check row is
/// padded by repeating the last (the same update twice changes nothing), an event row by a
/// row of NULLs (which `sqlite_events_sql` leaves out).
fn padded(rows: usize) -> usize {
    rows.next_power_of_two()
}

/// One event as bound: device, time, code, command key.
type EventRow<'a> = (i64, DateTime<Utc>, &'a str, &'a str);

/// The events of `informs`, in order.
fn event_rows_of<'a>(
    informs: impl Iterator<Item = &'a UnchangedInform>,
) -> impl Iterator<Item = EventRow<'a>> {
    informs.flat_map(|inform| inform.update.event_rows())
}

/// What a batch found: each device that passed the check, and whether it has tasks open.
pub(super) type Passed = Vec<(i64, bool)>;

/// SQLite: the connection the summary writer keeps for its checked batches, opened when
/// first needed (with the pool's options) and kept while it works.
///
/// In WAL mode a connection drops its whole page cache when another connection has
/// committed since its last transaction. Taken from the pool, each batch got the connection
/// idle longest, whose cache every batch since had made stale, and read each page it
/// touched again (a `pread`, a copy and an allocation per page). Kept, its cache survives
/// from batch to batch as long as only the writer writes, which is the steady state of
/// periodic Informs: about a tenth less server CPU per periodic session.
#[derive(Default)]
pub(super) struct WriterConnection(Option<sqlx::SqliteConnection>);

impl WriterConnection {
    async fn get(
        &mut self,
        db: &DatabaseConnection,
    ) -> Result<&mut sqlx::SqliteConnection, StoreError> {
        use sqlx::ConnectOptions;
        let connection = match self.0.take() {
            Some(connection) => connection,
            None => {
                let options = db.get_sqlite_connection_pool().connect_options();
                options.connect().await.map_err(query_error)?
            }
        };
        Ok(self.0.insert(connection))
    }

    /// Closes the connection (it is in a state not to be trusted); the next batch opens one.
    fn discard(&mut self) {
        self.0 = None;
    }
}

/// Writes a batch of unchanged Informs; returns the devices that passed the check.
pub(super) async fn write_unchanged(
    db: &DatabaseConnection,
    kind: DatabaseKind,
    writer: &mut WriterConnection,
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
        DatabaseKind::Sqlite => write_on_sqlite(writer.get(db).await?, &latest, informs)
            .await
            .inspect_err(|_| writer.discard()),
    }
}

async fn write_on_postgres(
    db: &DatabaseConnection,
    latest: &[&UnchangedInform],
    informs: &[&UnchangedInform],
) -> Result<Passed, StoreError> {
    let column = |value: fn(&UnchangedInform) -> &str| -> Vec<&str> {
        latest.iter().map(|inform| value(inform)).collect()
    };
    let carried = |value: fn(&UnchangedInform) -> Option<&str>| -> Vec<Option<&str>> {
        latest.iter().map(|inform| value(inform)).collect()
    };
    let events: Vec<EventRow> = event_rows_of(informs.iter().copied()).collect();
    // Bound in the order of `check_columns`, then `EVENT_COLUMNS`.
    let query = sqlx::query_as::<_, (i64, bool)>(pg_batch_sql())
        .bind(
            latest
                .iter()
                .map(|i| i.update.device_id)
                .collect::<Vec<_>>(),
        )
        .bind(
            latest
                .iter()
                .map(|i| i.update.last_inform_at)
                .collect::<Vec<_>>(),
        )
        .bind(
            latest
                .iter()
                .map(|i| i.update.online_until)
                .collect::<Vec<_>>(),
        )
        .bind(column(|i| &i.key.serial_number))
        .bind(column(|i| &i.key.oui))
        .bind(column(|i| &i.key.product_class))
        .bind(column(|i| &i.digest))
        .bind(latest.iter().map(|i| i.interval).collect::<Vec<_>>())
        .bind(latest.iter().map(|i| i.tree_complete).collect::<Vec<_>>())
        .bind(column(|i| &i.update.manufacturer))
        .bind(column(|i| &i.update.cwmp_version))
        .bind(carried(|i| i.update.software_version.as_deref()))
        .bind(carried(|i| i.update.hardware_version.as_deref()))
        .bind(carried(|i| i.update.data_model.as_deref()))
        .bind(carried(|i| i.update.ip_address.as_deref()))
        .bind(carried(|i| i.update.connection_request_url.as_deref()))
        .bind(events.iter().map(|event| event.0).collect::<Vec<_>>())
        .bind(events.iter().map(|event| event.1).collect::<Vec<_>>())
        .bind(events.iter().map(|event| event.2).collect::<Vec<_>>())
        .bind(events.iter().map(|event| event.3).collect::<Vec<_>>());
    query
        .fetch_all(db.get_postgres_connection_pool())
        .await
        .map_err(query_error)
}

/// Rows of one SQLite round trip at most (padded: 256 check rows of 16 values, and the
/// events of 256 Informs of 5), under its limit of 32,766 bound values a statement.
const SQLITE_ROWS: usize = 256;

/// A query bound for SQLite.
type SqliteQuery<'q> =
    sqlx::query::QueryAs<'q, sqlx::Sqlite, (i64, bool), sqlx::sqlite::SqliteArguments>;

/// Writes each chunk of the batch in one round trip to SQLite's connection thread: the
/// transaction, the checked update and the events in one text of several statements.
/// Four round trips (begin, update, insert, commit) each waited for a thread to be woken
/// on a busy machine, and the writer, which is alone, spent most of its time waiting.
async fn write_on_sqlite(
    connection: &mut sqlx::SqliteConnection,
    latest: &[&UnchangedInform],
    informs: &[&UnchangedInform],
) -> Result<Passed, StoreError> {
    let mut passed: Passed = Vec::with_capacity(latest.len());
    for chunk in latest.chunks(SQLITE_ROWS) {
        // The time each device's check writes, which its events are joined on.
        let checked_at: HashMap<i64, DateTime<Utc>> = chunk
            .iter()
            .map(|inform| (inform.update.device_id, inform.update.last_inform_at))
            .collect();
        let events: Vec<(EventRow, DateTime<Utc>)> = informs
            .iter()
            .filter_map(|inform| {
                let at = *checked_at.get(&inform.update.device_id)?;
                Some(inform.update.event_rows().map(move |event| (event, at)))
            })
            .flatten()
            .collect();
        let sql = cached_sqlite_batch_sql(padded(chunk.len()), padded_events(events.len()));
        let mut query = sqlx::query_as::<_, (i64, bool)>(sql);
        for n in 0..padded(chunk.len()) {
            query = bind_check_row(query, chunk[n.min(chunk.len() - 1)]);
        }
        for &((device_id, at, code, command_key), checked) in &events {
            query = query
                .bind(device_id)
                .bind(at)
                .bind(code)
                .bind(command_key)
                .bind(checked);
        }
        for _ in events.len()..padded_events(events.len()) {
            query = query
                .bind(None::<i64>)
                .bind(None::<DateTime<Utc>>)
                .bind(None::<&str>)
                .bind(None::<&str>)
                .bind(None::<DateTime<Utc>>);
        }
        // On an error the caller discards the connection, and with it whatever transaction
        // the text had begun: a connection in an unknown state is not worth a ROLLBACK.
        passed.extend(
            query
                .fetch_all(&mut *connection)
                .await
                .map_err(query_error)?,
        );
    }
    Ok(passed)
}

/// SQLite: one chunk's whole write, `rows` check rows and `events` event rows (both
/// padded). The update goes first; an event is inserted where its device's presence now
/// holds the time the check wrote, which only a device that passed can (a device's
/// presence only ever holds the times of its own Informs).
fn sqlite_batch_sql(rows: usize, events: usize) -> String {
    let mut sql = String::from("BEGIN IMMEDIATE; ");
    sql.push_str(&sqlite_check_sql(rows));
    sql.push_str("; ");
    if events > 0 {
        sql.push_str(&sqlite_events_sql(events));
        sql.push_str("; ");
    }
    sql.push_str("COMMIT");
    sql
}

/// `sqlite_batch_sql`, built once per shape and kept for the life of the process (building
/// one took a few allocations per row, on every batch). Both counts are powers of two (or
/// no events), so the shapes are few: nine row counts up to `SQLITE_ROWS`, each with a
/// dozen or so event counts, and the batches of a steady load use a handful.
fn cached_sqlite_batch_sql(rows: usize, events: usize) -> &'static str {
    static TEXTS: LazyLock<Mutex<HashMap<(usize, usize), &'static str>>> =
        LazyLock::new(Mutex::default);
    let mut texts = TEXTS.lock().unwrap_or_else(PoisonError::into_inner);
    texts
        .entry((rows, events))
        .or_insert_with(|| Box::leak(sqlite_batch_sql(rows, events).into_boxed_str()))
}

/// Event rows a statement carries for `events` events: padded like the check rows.
fn padded_events(events: usize) -> usize {
    if events == 0 { 0 } else { padded(events) }
}

/// Binds one check row in the order of `check_columns`.
fn bind_check_row<'q>(query: SqliteQuery<'q>, inform: &'q UnchangedInform) -> SqliteQuery<'q> {
    let update = &inform.update;
    query
        .bind(update.device_id)
        .bind(update.last_inform_at)
        .bind(Some(update.online_until))
        .bind(inform.key.serial_number.as_str())
        .bind(inform.key.oui.as_str())
        .bind(inform.key.product_class.as_str())
        .bind(inform.digest.as_str())
        .bind(inform.interval)
        .bind(inform.tree_complete)
        .bind(update.manufacturer.as_str())
        .bind(update.cwmp_version.as_str())
        .bind(update.software_version.as_deref())
        .bind(update.hardware_version.as_deref())
        .bind(update.data_model.as_deref())
        .bind(update.ip_address.as_deref())
        .bind(update.connection_request_url.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_sqlite_row_binds_one_value_per_placeholder() {
        let sql = sqlite_check_sql(3);
        assert_eq!(sql.matches('?').count(), 3 * VALUES_PER_ROW, "{sql}");
        assert!(
            sql.contains(r#""d"."inform_interval" IS v.column8"#),
            "{sql}"
        );
        assert!(sql.contains(r#""d"."inform_digest" = v.column7"#), "{sql}");
        assert!(
            sql.contains(r#"(v.column16 IS NULL OR "d"."connection_request_url" = v.column16)"#),
            "{sql}"
        );
        assert!(sql.ends_with(r#"AS "open_tasks""#), "{sql}");
        assert_eq!(
            sqlite_events_sql(2).matches('?').count(),
            2 * SQLITE_VALUES_PER_EVENT
        );
        // Joined on the presence the check wrote, and kept by it (`heartbeat_events`).
        assert!(
            sqlite_events_sql(1).ends_with(
                r#"ON "p"."device_id" = e.column1 AND "p"."last_inform_at" = e.column5 WHERE (e.column3 <> '2 PERIODIC' OR "p"."online_since" = e.column2)"#
            ),
            "{}",
            sqlite_events_sql(1)
        );
        assert!(sqlite_check_sql(1).contains(r#""online_since" = CASE WHEN "device_presence"."online_until" >= v.column2 THEN "device_presence"."online_since" ELSE v.column2 END"#));
    }

    #[test]
    fn a_sqlite_batch_is_one_transaction_in_one_text() {
        let sql = sqlite_batch_sql(2, 4);
        assert!(sql.starts_with("BEGIN IMMEDIATE; UPDATE"), "{sql}");
        assert!(sql.ends_with("; COMMIT"), "{sql}");
        // The update before the insert: events join on what the update wrote.
        assert!(sql.find("UPDATE").unwrap() < sql.find("INSERT").unwrap());
        assert_eq!(
            sql.matches('?').count(),
            2 * VALUES_PER_ROW + 4 * SQLITE_VALUES_PER_EVENT
        );
        assert!(!sqlite_batch_sql(1, 0).contains("INSERT"));
    }

    #[test]
    fn open_tasks_are_the_queued_and_running_ones() {
        assert!(sqlite_check_sql(1).contains(r#""task"."status" IN ('queued', 'running')"#));
    }

    #[test]
    fn postgres_checks_and_writes_events_in_one_statement_of_arrays() {
        let sql = pg_batch_sql();
        assert!(
            sql.starts_with(r#"WITH "passed" AS (UPDATE "device_presence""#),
            "{sql}"
        );
        // One array per column: the check's, then the events'.
        for n in 1..=VALUES_PER_ROW + VALUES_PER_EVENT {
            assert!(sql.contains(&format!("${n}::")), "${n} missing: {sql}");
        }
        assert!(!sql.contains(&format!("${}", VALUES_PER_ROW + VALUES_PER_EVENT + 1)));
        assert!(sql.contains(r#"unnest($17::int8[], $18::timestamptz[], $19::text[], $20::text[]) AS "e"("device_id", "at", "code", "command_key")"#), "{sql}");
        assert!(
            sql.contains(r#""d"."inform_interval" IS NOT DISTINCT FROM v."inform_interval""#),
            "{sql}"
        );
        assert!(sql.contains(r#"(v."ip_address" IS NULL OR "d"."ip_address" = v."ip_address")"#));
        // Only passed devices' events are inserted, each kept by the presence written.
        assert!(
            sql.contains(r#"JOIN "passed" ON "passed"."device_id" = e."device_id" WHERE (e."code" <> '2 PERIODIC' OR "passed"."online_since" = e."at")"#),
            "{sql}"
        );
        assert!(sql.contains(r#"AS "open_tasks", "device_presence"."online_since""#));
        assert!(
            sql.ends_with(r#"SELECT "device_id", "open_tasks" FROM "passed""#),
            "{sql}"
        );
    }
}
