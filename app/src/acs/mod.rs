//! The ACS engine: what happens in a CWMP session and what the ACS asks devices to do.
//! Pure where it can be: `session` turns messages into replies and effects without I/O.

pub mod connection_request;
pub mod cwmp_auth;
pub mod discovery;
pub mod endpoint;
pub mod learn;
pub mod provisioning;
pub mod retry;
pub mod session;
pub mod stun_server;
pub mod task_spec;
pub mod tasks;
pub mod udp_request;
pub mod uploads;
pub mod wait;
pub mod wake;
pub mod wake_limit;
