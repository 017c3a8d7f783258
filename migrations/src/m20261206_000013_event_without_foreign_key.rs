//! PostgreSQL: `device_event` no longer has a foreign key to `device`; deleting a device
//! deletes its events explicitly (`Store::delete_device`), after the device, in the same
//! transaction.
//!
//! Why: most Informs are periodic ones, and each writes an event row. PostgreSQL checks a
//! foreign key row by row, by locking the device row (`SELECT … FOR KEY SHARE`): an index
//! probe, a WAL record and a dirty page of `device` for every event. That was the largest
//! single cost of writing a batch of periodic Informs (0.6–1.0 ms of a 64-Inform batch's
//! 2 ms), and it undid the point of `device_presence`: an Inform that changes nothing in
//! `device` still dirtied its page, which the next checkpoint writes and the WAL then
//! carries in full after each checkpoint. An event of a device deleted in the same instant
//! can be left behind; it is never shown (events are read by device, and PostgreSQL never
//! reuses a device id).
//!
//! SQLite keeps its foreign key: there the check is a lookup in the same process, with no
//! lock and no write, and dropping it would mean copying the whole table.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Drops every foreign key of `device_event`, whatever name PostgreSQL gave it.
const DROP_FOREIGN_KEYS: &str = r#"DO $$
DECLARE
    constraint_name text;
BEGIN
    FOR constraint_name IN
        SELECT conname FROM pg_constraint
        WHERE conrelid = 'device_event'::regclass AND contype = 'f'
    LOOP
        EXECUTE format('ALTER TABLE "device_event" DROP CONSTRAINT %I', constraint_name);
    END LOOP;
END $$"#;

/// Events left behind by a device deleted while it informed, which the key would refuse.
const DELETE_ORPHANS: &str = r#"DELETE FROM "device_event" AS "e" WHERE NOT EXISTS (SELECT 1 FROM "device" AS "d" WHERE "d"."id" = "e"."device_id")"#;

const ADD_FOREIGN_KEY: &str = r#"ALTER TABLE "device_event" ADD CONSTRAINT "device_event_device_id_fkey" FOREIGN KEY ("device_id") REFERENCES "device" ("id") ON DELETE CASCADE"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(DROP_FOREIGN_KEYS)
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            let connection = manager.get_connection();
            connection.execute_unprepared(DELETE_ORPHANS).await?;
            connection.execute_unprepared(ADD_FOREIGN_KEY).await?;
        }
        Ok(())
    }
}
