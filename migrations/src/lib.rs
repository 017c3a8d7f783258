//! Osprey's database schema, as an ordered list of migrations.
//!
//! The server applies pending migrations at start; the `migrate` binary does the same by hand
//! (`up`, `down`, `status`, `fresh`). Every migration must work on SQLite and PostgreSQL, so
//! they are written with sea-query builders; the exceptions (PostgreSQL's byte-order
//! indexes, SQLite's row layout) say why.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_users_and_audit;
mod m20261124_000002_devices;
mod m20261124_000003_tasks;
mod m20261124_000004_api;
mod m20261124_000005_connection_requests;
mod m20261124_000006_customer_devices;
mod m20261124_000007_dashboard;
mod m20261124_000008_prefix_indexes;
mod m20261201_000009_inform_digest;
mod m20261202_000010_tree_last_in_row;
mod m20261202_000011_device_presence;
mod m20261203_000012_indexed_parameter;
mod m20261206_000013_event_without_foreign_key;
mod m20261207_000014_online_since;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_users_and_audit::Migration),
            Box::new(m20261124_000002_devices::Migration),
            Box::new(m20261124_000003_tasks::Migration),
            Box::new(m20261124_000004_api::Migration),
            Box::new(m20261124_000005_connection_requests::Migration),
            Box::new(m20261124_000006_customer_devices::Migration),
            Box::new(m20261124_000007_dashboard::Migration),
            Box::new(m20261124_000008_prefix_indexes::Migration),
            Box::new(m20261201_000009_inform_digest::Migration),
            Box::new(m20261202_000010_tree_last_in_row::Migration),
            Box::new(m20261202_000011_device_presence::Migration),
            Box::new(m20261203_000012_indexed_parameter::Migration),
            Box::new(m20261206_000013_event_without_foreign_key::Migration),
            Box::new(m20261207_000014_online_since::Migration),
        ]
    }
}
