//! SQLite only: moves the device's tree (`parameters`) to the end of its row.
//!
//! SQLite stores a row's columns in order and a value that does not fit the page spills
//! into a chain of overflow pages. A 300-parameter tree is tens of kilobytes, and it sat in
//! the middle of the row, before `online_until` and the Inform digest: every periodic Inform's
//! lookup, which needs only those small columns, walked the whole overflow chain to reach
//! them (about a tenth of the server's CPU in the benchmark). With the tree last, a read that
//! does not ask for it stops before it.
//!
//! SQLite cannot move a column, so the tree is copied into a new column at the end, the old
//! one dropped and the new one renamed. The table itself is never dropped: with foreign keys
//! on, dropping `device` would cascade into its events, tasks and customer links. The copy
//! and the drop each rewrite every row (the trees take twice their space on disk while it
//! runs; the time at a million devices is not measured yet), in one transaction: it either
//! happens or not.
//!
//! PostgreSQL keeps large values out of line already (TOAST): nothing to do there.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The same declared type as the column migration 2 created (sea-query's JSON binary on
/// SQLite), so the entity and every query see no difference.
const STEPS: [&str; 4] = [
    r#"ALTER TABLE "device" ADD COLUMN "parameters_moved" jsonb_text NOT NULL DEFAULT '{}'"#,
    r#"UPDATE "device" SET "parameters_moved" = "parameters""#,
    r#"ALTER TABLE "device" DROP COLUMN "parameters""#,
    r#"ALTER TABLE "device" RENAME COLUMN "parameters_moved" TO "parameters""#,
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        for step in STEPS {
            manager.get_connection().execute_unprepared(step).await?;
        }
        Ok(())
    }

    /// Where the column sits changes nothing a query can see: nothing to undo.
    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }

    /// SQLite's DDL is transactional: a crash half-way leaves the old layout, not two trees.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
