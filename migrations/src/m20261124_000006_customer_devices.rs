//! Customers and their devices: which customer accounts may see a device, and the one-time
//! claim codes with which a customer links a device to their own account.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Device {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AppUser {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CustomerDevice {
    Table,
    UserId,
    DeviceId,
    /// Who linked it: an admin's name, or the customer's own after a claim.
    LinkedBy,
    LinkedAt,
}

/// A device's current claim code, as a SHA-256 hash: the code itself is shown once, to the
/// staff member who made it, to hand to the customer (printed, mailed, told on the phone).
#[derive(DeriveIden)]
enum DeviceClaimCode {
    Table,
    DeviceId,
    CodeHash,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CustomerDevice::Table)
                    .if_not_exists()
                    .col(big_integer(CustomerDevice::UserId))
                    .col(big_integer(CustomerDevice::DeviceId))
                    .col(string(CustomerDevice::LinkedBy))
                    .col(timestamp_with_time_zone(CustomerDevice::LinkedAt))
                    .primary_key(
                        Index::create()
                            .col(CustomerDevice::UserId)
                            .col(CustomerDevice::DeviceId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CustomerDevice::Table, CustomerDevice::UserId)
                            .to(AppUser::Table, AppUser::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CustomerDevice::Table, CustomerDevice::DeviceId)
                            .to(Device::Table, Device::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("customer_device_by_device")
                    .table(CustomerDevice::Table)
                    .col(CustomerDevice::DeviceId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DeviceClaimCode::Table)
                    .if_not_exists()
                    .col(big_integer(DeviceClaimCode::DeviceId).primary_key())
                    .col(string(DeviceClaimCode::CodeHash))
                    .col(string(DeviceClaimCode::CreatedBy))
                    .col(timestamp_with_time_zone(DeviceClaimCode::CreatedAt))
                    .col(timestamp_with_time_zone(DeviceClaimCode::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DeviceClaimCode::Table, DeviceClaimCode::DeviceId)
                            .to(Device::Table, Device::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DeviceClaimCode::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(CustomerDevice::Table).to_owned())
            .await
    }
}
