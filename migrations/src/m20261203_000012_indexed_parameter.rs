//! `indexed_parameter`: the values of the parameters operators search by (WAN address, MAC
//! address, PPPoE username, SSID), one row per device and parameter, indexed by (name,
//! value). A search on a parameter value otherwise reads every device's tree: 0.9–1.3 s at
//! a million devices. Which parameters are indexed is the store's business
//! (`store::parameter_index`); the store also fills the table for devices stored before it
//! (or before the list changed), and searches read the trees until it has.
//!
//! On PostgreSQL the text columns compare in byte order (`COLLATE "C"`), so the one index
//! serves prefixes too, whatever the database's collation; SQLite compares so already, and
//! keeps the rows in their primary key (`WITHOUT ROWID`): no row id, no second copy.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Device {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum IndexedParameter {
    Table,
    DeviceId,
    Name,
    Value,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        let text = |column: IndexedParameter| {
            let mut def = ColumnDef::new(column);
            def.text().not_null();
            if postgres {
                def.extra(r#"COLLATE "C""#);
            }
            def
        };
        let mut table = Table::create();
        table
            .table(IndexedParameter::Table)
            .if_not_exists()
            .col(
                ColumnDef::new(IndexedParameter::DeviceId)
                    .big_integer()
                    .not_null(),
            )
            .col(text(IndexedParameter::Name))
            .col(text(IndexedParameter::Value))
            .primary_key(
                Index::create()
                    .col(IndexedParameter::DeviceId)
                    .col(IndexedParameter::Name),
            )
            .foreign_key(
                ForeignKey::create()
                    .from(IndexedParameter::Table, IndexedParameter::DeviceId)
                    .to(Device::Table, Device::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            );
        if !postgres {
            table.extra("WITHOUT ROWID");
        }
        manager.create_table(table.to_owned()).await?;
        manager
            .create_index(
                Index::create()
                    .name("indexed_parameter_value")
                    .table(IndexedParameter::Table)
                    .col(IndexedParameter::Name)
                    .col(IndexedParameter::Value)
                    .col(IndexedParameter::DeviceId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IndexedParameter::Table).to_owned())
            .await?;
        // The store's note that the table is filled goes with it.
        manager
            .get_connection()
            .execute_unprepared(r#"DELETE FROM "setting" WHERE "key" = 'parameter_index'"#)
            .await?;
        Ok(())
    }
}
