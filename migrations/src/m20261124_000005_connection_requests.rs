//! Reaching devices and trusting them: the credentials each device expects on its
//! Connection Request endpoint (apart from `device`, so listings and exports never carry
//! them), the credentials devices present to the ACS, and the refused attempts an admin may
//! approve.

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

/// Connection Request credentials for every device of a product class without its own.
#[derive(DeriveIden)]
enum ConnectionRequestDefault {
    Table,
    ProductClass,
    Username,
    Password,
    UpdatedAt,
}

/// Credentials a device presents when it opens a session (per-device policy).
#[derive(DeriveIden)]
enum CwmpCredential {
    Table,
    Username,
    /// H(username:realm:password) with MD5 and SHA-256: what Digest needs, not the password.
    Md5Ha1,
    Sha256Ha1,
    /// The device that first used them; later sessions must be that device.
    DeviceId,
    CreatedBy,
    CreatedAt,
}

/// Sessions refused for an unknown username, for an admin to approve.
#[derive(DeriveIden)]
enum CwmpAuthAttempt {
    Table,
    Username,
    Address,
    Attempts,
    FirstAt,
    LastAt,
}

/// Where each STUN username was last seen (TR-111): the public address a device behind NAT
/// keeps open for UDP Connection Requests. Written when it changes, not on every keepalive.
#[derive(DeriveIden)]
enum StunBinding {
    Table,
    Username,
    Address,
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
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CwmpCredential::Table)
                    .if_not_exists()
                    .col(string(CwmpCredential::Username).primary_key())
                    .col(string(CwmpCredential::Md5Ha1))
                    .col(string(CwmpCredential::Sha256Ha1))
                    .col(big_integer_null(CwmpCredential::DeviceId).unique_key())
                    .col(string(CwmpCredential::CreatedBy))
                    .col(timestamp_with_time_zone(CwmpCredential::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CwmpCredential::Table, CwmpCredential::DeviceId)
                            .to(Device::Table, Device::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CwmpAuthAttempt::Table)
                    .if_not_exists()
                    .col(string(CwmpAuthAttempt::Username).primary_key())
                    .col(string_null(CwmpAuthAttempt::Address))
                    .col(big_integer(CwmpAuthAttempt::Attempts))
                    .col(timestamp_with_time_zone(CwmpAuthAttempt::FirstAt))
                    .col(timestamp_with_time_zone(CwmpAuthAttempt::LastAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ConnectionRequestDefault::Table)
                    .if_not_exists()
                    .col(string(ConnectionRequestDefault::ProductClass).primary_key())
                    .col(string(ConnectionRequestDefault::Username))
                    .col(string(ConnectionRequestDefault::Password))
                    .col(timestamp_with_time_zone(
                        ConnectionRequestDefault::UpdatedAt,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StunBinding::Table)
                    .if_not_exists()
                    .col(string(StunBinding::Username).primary_key())
                    .col(string(StunBinding::Address))
                    .col(timestamp_with_time_zone(StunBinding::UpdatedAt))
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
