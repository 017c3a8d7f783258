//! Tasks: requests queued for a device, carried out in its next session, with their outcome.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Device {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Task {
    Table,
    Id,
    DeviceId,
    /// The CWMP method (GetParameterValues, Reboot, ...).
    Method,
    /// The request as the CWMP XML of its method element: the codec is the serialisation.
    Request,
    /// queued, done, fault, cancelled.
    Status,
    Attempts,
    NextAttemptAt,
    FaultCode,
    FaultMessage,
    /// The response as CWMP XML, once done.
    Result,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Task::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Task::Id))
                    .col(big_integer(Task::DeviceId))
                    .col(string(Task::Method))
                    .col(text(Task::Request))
                    .col(string(Task::Status))
                    .col(integer(Task::Attempts).default(0))
                    .col(timestamp_with_time_zone(Task::NextAttemptAt))
                    .col(integer_null(Task::FaultCode))
                    .col(text_null(Task::FaultMessage))
                    .col(text_null(Task::Result))
                    .col(string(Task::CreatedBy))
                    .col(timestamp_with_time_zone(Task::CreatedAt))
                    .col(timestamp_with_time_zone(Task::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Task::Table, Task::DeviceId)
                            .to(Device::Table, Device::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A session asks: what is due for this device now?
        manager
            .create_index(
                Index::create()
                    .name("task_device_status_next")
                    .table(Task::Table)
                    .col(Task::DeviceId)
                    .col(Task::Status)
                    .col(Task::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Task::Table).if_exists().to_owned())
            .await
    }
}
