//! The dashboard's pre-aggregated figures, so that opening it never scans the inventory:
//! - `activity_minute`: what happened per minute (informs, new devices, faults). Each
//!   instance counts in memory and adds its counts every few seconds, so instances sharing
//!   one database add up instead of overwriting each other.
//! - `fleet_snapshot`: the latest counts over every device (online, new today, software
//!   versions, ...), taken by a background job at most every few seconds and shared by all
//!   instances (one row).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ActivityMinute {
    Table,
    /// The minute's start (UTC, seconds zero).
    Minute,
    Informs,
    Registrations,
    /// Faults answered by devices (a retry may follow).
    Faults,
    /// Tasks that ended in a fault.
    TaskFailures,
}

#[derive(DeriveIden)]
enum FleetSnapshot {
    Table,
    /// Always 1: there is one current snapshot.
    Id,
    TakenAt,
    /// How long taking it took, so instances can space the next one out.
    TookMillis,
    Figures,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ActivityMinute::Table)
                    .if_not_exists()
                    .col(timestamp_with_time_zone(ActivityMinute::Minute).primary_key())
                    .col(big_integer(ActivityMinute::Informs).default(0))
                    .col(big_integer(ActivityMinute::Registrations).default(0))
                    .col(big_integer(ActivityMinute::Faults).default(0))
                    .col(big_integer(ActivityMinute::TaskFailures).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FleetSnapshot::Table)
                    .if_not_exists()
                    .col(integer(FleetSnapshot::Id).primary_key())
                    .col(timestamp_with_time_zone(FleetSnapshot::TakenAt))
                    .col(big_integer(FleetSnapshot::TookMillis))
                    .col(json(FleetSnapshot::Figures))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FleetSnapshot::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ActivityMinute::Table).to_owned())
            .await
    }
}
