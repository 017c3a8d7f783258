//! PostgreSQL only: indexes in byte order (`COLLATE "C"`) for "starts with" searches on the
//! serial number and the IP address. Under the database's usual collation (en_US.UTF-8 and
//! the like) a plain btree cannot serve a prefix, so `serial_number ~ ABC` read a million
//! rows (721 ms in the benchmark). The store searches prefixes as a `COLLATE "C"` range,
//! which these serve. SQLite compares in byte order already: nothing to do there.
//!
//! The one migration written in SQL: sea-query has no collation on index columns.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, &str); 2] = [
    ("device_serial_number_bytes", "serial_number"),
    ("device_ip_address_bytes", "ip_address"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        for (name, column) in INDEXES {
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    r#"CREATE INDEX IF NOT EXISTS "{name}" ON "device" (("{column}" COLLATE "C"))"#
                ))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        for (name, _) in INDEXES {
            manager
                .get_connection()
                .execute_unprepared(&format!(r#"DROP INDEX IF EXISTS "{name}""#))
                .await?;
        }
        Ok(())
    }
}
