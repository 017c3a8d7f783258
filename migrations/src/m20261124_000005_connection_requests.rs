//! What reaching devices needs: the credentials each device expects on its Connection
//! Request endpoint. Kept apart from `device` so listings and exports never carry them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Device {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum DeviceSecret {
    Table,
    DeviceId,
    /// What the device's ManagementServer.ConnectionRequestUsername holds, as far as we know.
    ConnectionRequestUsername,
    /// The password in clear: Digest needs it, and it opens nothing but the wake-up door.
    ConnectionRequestPassword,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DeviceSecret::Table)
                    .if_not_exists()
                    .col(big_integer(DeviceSecret::DeviceId).primary_key())
                    .col(string(DeviceSecret::ConnectionRequestUsername))
                    .col(string(DeviceSecret::ConnectionRequestPassword))
                    .col(timestamp_with_time_zone(DeviceSecret::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DeviceSecret::Table, DeviceSecret::DeviceId)
                            .to(Device::Table, Device::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(DeviceSecret::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
