//! SeaORM entities: the tables as the ORM sees them. Private to `store`.

pub mod app_user;
pub mod audit_log;
pub mod device;
pub mod device_event;
pub mod setting;
pub mod task;
