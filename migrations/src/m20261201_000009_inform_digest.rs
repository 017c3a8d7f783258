//! What a periodic Inform needs to find out, cheaply, that it changes nothing in the tree:
//! - `inform_digest`: a digest of the (name, type, value) triples the last Inform carried,
//!   as they stand in the stored tree. An Inform with the same digest changes no stored
//!   value, so only the summary columns are written.
//! - `inform_names`: those names, one a line, so that every other write of the tree
//!   computes the digest again from the values it leaves.
//! - `inform_interval`: the device's periodic inform interval in seconds, as its tree says,
//!   for its online deadline.
//!
//! Both are derived from the tree, so a missing value (NULL, as on devices stored before
//! this migration) only costs one full-path Inform.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Device {
    Table,
    InformDigest,
    InformNames,
    InformInterval,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            ColumnDef::new(Device::InformDigest)
                .string()
                .null()
                .to_owned(),
            ColumnDef::new(Device::InformNames).text().null().to_owned(),
            ColumnDef::new(Device::InformInterval)
                .big_integer()
                .null()
                .to_owned(),
        ];
        // One column per statement: SQLite adds columns one at a time.
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
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Device::InformInterval,
            Device::InformNames,
            Device::InformDigest,
        ] {
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
}
