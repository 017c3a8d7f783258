//! The device inventory: one row per CPE with indexed summary columns and its parameter
//! tree as one JSON document, and the events of its sessions.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Device {
    Table,
    Id,
    Oui,
    ProductClass,
    SerialNumber,
    Manufacturer,
    SoftwareVersion,
    HardwareVersion,
    DataModel,
    IpAddress,
    ConnectionRequestUrl,
    CwmpVersion,
    RegisteredAt,
    LastInformAt,
    LastBootAt,
    /// The parameter tree: `{ name: { v: value, t: type, w: writable, at: read time } }`.
    Parameters,
    /// Bumped on every write of `parameters`, for optimistic concurrency.
    ParametersVersion,
    /// Whether the whole tree has been read once.
    TreeComplete,
}

#[derive(DeriveIden)]
enum DeviceEvent {
    Table,
    Id,
    DeviceId,
    At,
    Code,
    CommandKey,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Device::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Device::Id))
                    .col(string(Device::Oui))
                    .col(string(Device::ProductClass))
                    .col(string(Device::SerialNumber))
                    .col(string(Device::Manufacturer))
                    .col(string_null(Device::SoftwareVersion))
                    .col(string_null(Device::HardwareVersion))
                    .col(string_null(Device::DataModel))
                    .col(string_null(Device::IpAddress))
                    .col(string_null(Device::ConnectionRequestUrl))
                    .col(string(Device::CwmpVersion))
                    .col(timestamp_with_time_zone(Device::RegisteredAt))
                    .col(timestamp_with_time_zone(Device::LastInformAt))
                    .col(timestamp_with_time_zone_null(Device::LastBootAt))
                    .col(json_binary(Device::Parameters))
                    .col(big_integer(Device::ParametersVersion).default(0))
                    .col(boolean(Device::TreeComplete).default(false))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "device_identity",
                vec![Device::Oui, Device::ProductClass, Device::SerialNumber],
            ),
            ("device_serial_number", vec![Device::SerialNumber]),
            ("device_last_inform_at", vec![Device::LastInformAt]),
            (
                "device_software_version",
                vec![Device::ProductClass, Device::SoftwareVersion],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Device::Table);
            if name == "device_identity" {
                index.unique();
            }
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(DeviceEvent::Table)
                    .if_not_exists()
                    .col(big_pk_auto(DeviceEvent::Id))
                    .col(big_integer(DeviceEvent::DeviceId))
                    .col(timestamp_with_time_zone(DeviceEvent::At))
                    .col(string(DeviceEvent::Code))
                    .col(string(DeviceEvent::CommandKey))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DeviceEvent::Table, DeviceEvent::DeviceId)
                            .to(Device::Table, Device::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("device_event_device_at")
                    .table(DeviceEvent::Table)
                    .col(DeviceEvent::DeviceId)
                    .col(DeviceEvent::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(DeviceEvent::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Device::Table).if_exists().to_owned())
            .await
    }
}
