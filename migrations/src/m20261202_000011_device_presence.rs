//! Moves when a device last informed and until when it counts as online out of `device`,
//! into a narrow `device_presence` table (one row per device).
//!
//! Every periodic Inform changes these two values and nothing else in most sessions. While
//! they sat in `device`, each Inform rewrote the whole device row: on PostgreSQL a new row
//! version with an entry in each of the table's eleven indexes (both values are indexed,
//! so no update could be HOT), and index scans then walked the dead versions until vacuum
//! caught up; on SQLite a rebuild of a row whose tree spills over many pages. Now such an
//! Inform writes a row of three columns with three indexes, and `device` only changes when
//! something in it does.
//!
//! The values are copied in the same transaction that drops the old columns (SQLite's DDL
//! is transactional, and PostgreSQL runs a migration in one transaction).

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Device {
    Table,
    Id,
    LastInformAt,
    OnlineUntil,
}

#[derive(DeriveIden)]
enum DevicePresence {
    Table,
    DeviceId,
    LastInformAt,
    OnlineUntil,
}

/// The indexes that move: (old name on `device`, new name on `device_presence`, column).
/// Both end in the device id, for keyset paging by (value, id).
const MOVED_INDEXES: [(&str, &str, DevicePresence); 2] = [
    (
        "device_last_inform_at",
        "device_presence_last_inform_at",
        DevicePresence::LastInformAt,
    ),
    (
        "device_online_until",
        "device_presence_online_until",
        DevicePresence::OnlineUntil,
    ),
];

const COPY_IN: &str = r#"INSERT INTO "device_presence" ("device_id", "last_inform_at", "online_until") SELECT "id", "last_inform_at", "online_until" FROM "device""#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite's `INTEGER PRIMARY KEY` is the row id itself (no second index); PostgreSQL
        // needs the 64-bit type of `device.id`.
        let mut device_id = ColumnDef::new(DevicePresence::DeviceId);
        match manager.get_database_backend() {
            DbBackend::Sqlite => device_id.integer(),
            _ => device_id.big_integer(),
        };
        manager
            .create_table(
                Table::create()
                    .table(DevicePresence::Table)
                    .if_not_exists()
                    .col(device_id.not_null().primary_key())
                    .col(timestamp_with_time_zone(DevicePresence::LastInformAt))
                    .col(timestamp_with_time_zone_null(DevicePresence::OnlineUntil))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DevicePresence::Table, DevicePresence::DeviceId)
                            .to(Device::Table, Device::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager.get_connection().execute_unprepared(COPY_IN).await?;
        for (old, new, column) in MOVED_INDEXES {
            manager
                .drop_index(Index::drop().name(old).to_owned())
                .await?;
            manager
                .create_index(
                    Index::create()
                        .name(new)
                        .table(DevicePresence::Table)
                        .col(column)
                        .col(DevicePresence::DeviceId)
                        .to_owned(),
                )
                .await?;
        }
        // One column per statement: SQLite drops columns one at a time.
        for column in [Device::LastInformAt, Device::OnlineUntil] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Device::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A device without a presence row gets its registration time, as the code did.
        let columns = [
            timestamp_with_time_zone(Device::LastInformAt)
                .default(Expr::cust("'1970-01-01T00:00:00Z'"))
                .to_owned(),
            timestamp_with_time_zone_null(Device::OnlineUntil),
        ];
        for column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Device::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .get_connection()
            .execute_unprepared(
                r#"UPDATE "device" SET "last_inform_at" = COALESCE((SELECT "last_inform_at" FROM "device_presence" WHERE "device_id" = "device"."id"), "registered_at"), "online_until" = (SELECT "online_until" FROM "device_presence" WHERE "device_id" = "device"."id")"#,
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("device_last_inform_at")
                    .table(Device::Table)
                    .col(Device::LastInformAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("device_online_until")
                    .table(Device::Table)
                    .col(Device::OnlineUntil)
                    .col(Device::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(DevicePresence::Table).to_owned())
            .await
    }

    /// SQLite's DDL is transactional: a crash half-way leaves the old layout.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
