//! `device_presence.online_since`: since when the device has been informing on time (its
//! first Inform, or the first after its online deadline passed). A heartbeat (`2 PERIODIC`)
//! is kept as an event only when it starts such a run (`app/src/store/heartbeat_events.rs`):
//! a row per periodic Inform was 24 a day per device at an hourly interval.
//!
//! NULL where it is not known: on rows stored before this migration, until the device's
//! next silence ends. Events already stored are left as they are.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DevicePresence {
    Table,
    OnlineSince,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(DevicePresence::Table)
                    .add_column(timestamp_with_time_zone_null(DevicePresence::OnlineSince))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(DevicePresence::Table)
                    .drop_column(DevicePresence::OnlineSince)
                    .to_owned(),
            )
            .await
    }
}
