//! SeaORM entities: the tables as the ORM sees them. Private to `store`.

pub mod activity_minute;
pub mod api_token;
pub mod app_user;
pub mod audit_log;
pub mod connection_request_default;
pub mod customer_device;
pub mod cwmp_auth_attempt;
pub mod cwmp_credential;
pub mod device;
pub mod device_claim_code;
pub mod device_event;
pub mod device_presence;
pub mod device_secret;
pub mod device_tag;
pub mod fleet_snapshot;
pub mod indexed_parameter;
pub mod setting;
pub mod stored_file;
pub mod stun_binding;
pub mod task;
