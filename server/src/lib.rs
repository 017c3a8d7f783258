//! The Osprey server process: configuration, logging, the database, the two listeners (the
//! portal and the CWMP endpoint) and their routes. Logic lives in `app`; this crate wires.

pub mod bench;
pub mod config;
pub mod dashboard_job;
pub mod routes;
pub mod sim;
pub mod startup;
pub mod telemetry;
pub mod tls;
