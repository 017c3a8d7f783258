//! What the REST API needs: API tokens, device tags, the online deadline, task expiry, the
//! file store for uploads, and indexes for listing a million devices by any sort key.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Device {
    Table,
    Id,
    Manufacturer,
    ProductClass,
    RegisteredAt,
    /// The device counts as online until then: its last inform plus one and a half periodic
    /// intervals (a minute of slack). Stored, so "online" is an indexed range, not arithmetic.
    OnlineUntil,
}

#[derive(DeriveIden)]
enum DeviceTag {
    Table,
    DeviceId,
    Tag,
}

#[derive(DeriveIden)]
enum Task {
    Table,
    Id,
    Status,
    /// A queued task not taken by then ends as `expired`.
    ExpiresAt,
}

#[derive(DeriveIden)]
enum ApiToken {
    Table,
    Id,
    Name,
    Role,
    /// SHA-256 of the secret, hex: the secret itself is shown once and never stored.
    SecretHash,
    /// The first characters of the secret, so people can tell their tokens apart.
    Prefix,
    CreatedBy,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum StoredFile {
    Table,
    Id,
    DeviceId,
    TaskId,
    /// "1 Vendor Configuration File", "2 Vendor Log File", ...
    FileType,
    Name,
    Size,
    Sha256,
    Content,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Device::Table)
                    .add_column(timestamp_with_time_zone_null(Device::OnlineUntil))
                    .to_owned(),
            )
            .await?;
        // Keyset paging sorts by (column, id): each sort key gets its index.
        for (name, column) in [
            ("device_online_until", Device::OnlineUntil),
            ("device_registered_at", Device::RegisteredAt),
            ("device_manufacturer", Device::Manufacturer),
            ("device_product_class", Device::ProductClass),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Device::Table)
                        .col(column)
                        .col(Device::Id)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(DeviceTag::Table)
                    .if_not_exists()
                    .col(big_integer(DeviceTag::DeviceId))
                    .col(string(DeviceTag::Tag))
                    .primary_key(Index::create().col(DeviceTag::DeviceId).col(DeviceTag::Tag))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DeviceTag::Table, DeviceTag::DeviceId)
                            .to(Device::Table, Device::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("device_tag_tag")
                    .table(DeviceTag::Table)
                    .col(DeviceTag::Tag)
                    .col(DeviceTag::DeviceId)
                    .to_owned(),
            )
            .await?;

        manager
            .alter_table(
                Table::alter()
                    .table(Task::Table)
                    .add_column(timestamp_with_time_zone_null(Task::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        // The global fault list and the expiry sweep look tasks up by status.
        manager
            .create_index(
                Index::create()
                    .name("task_status_id")
                    .table(Task::Table)
                    .col(Task::Status)
                    .col(Task::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiToken::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ApiToken::Id))
                    .col(string(ApiToken::Name))
                    .col(string(ApiToken::Role))
                    .col(string_uniq(ApiToken::SecretHash))
                    .col(string(ApiToken::Prefix))
                    .col(string(ApiToken::CreatedBy))
                    .col(timestamp_with_time_zone(ApiToken::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiToken::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiToken::RevokedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(StoredFile::Table)
                    .if_not_exists()
                    .col(big_pk_auto(StoredFile::Id))
                    .col(big_integer_null(StoredFile::DeviceId))
                    .col(big_integer_null(StoredFile::TaskId))
                    .col(string(StoredFile::FileType))
                    .col(string(StoredFile::Name))
                    .col(big_integer(StoredFile::Size))
                    .col(string(StoredFile::Sha256))
                    .col(blob(StoredFile::Content))
                    .col(timestamp_with_time_zone(StoredFile::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StoredFile::Table, StoredFile::DeviceId)
                            .to(Device::Table, Device::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("stored_file_device")
                    .table(StoredFile::Table)
                    .col(StoredFile::DeviceId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            StoredFile::Table.into_iden(),
            ApiToken::Table.into_iden(),
            DeviceTag::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        manager
            .drop_index(Index::drop().name("task_status_id").to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Task::Table)
                    .drop_column(Task::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        for name in [
            "device_online_until",
            "device_registered_at",
            "device_manufacturer",
            "device_product_class",
        ] {
            manager
                .drop_index(Index::drop().name(name).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Device::Table)
                    .drop_column(Device::OnlineUntil)
                    .to_owned(),
            )
            .await
    }
}
