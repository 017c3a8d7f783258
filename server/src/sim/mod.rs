//! The CPE simulator: devices with realistic TR-098 or TR-181 parameter trees that run real
//! CWMP sessions over HTTP. Used by `cpe-sim`, the integration tests and the benchmark.
//!
//! `model` builds a device's tree, `device` answers every RPC (pure), `client` runs sessions,
//! `wakeable` serves a device's Connection Request endpoint and runs a session when woken.

pub mod client;
pub mod device;
pub mod model;
pub mod wakeable;
