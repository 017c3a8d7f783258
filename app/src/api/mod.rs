//! Server functions: what the portal asks the server. Each one is thin: it checks the
//! caller's role on the server (never trusting the page), calls the domain, and returns
//! plain `model` types or an `AppError`.
//!
//! Endpoints are named explicitly (`/api/<name>`) so they stay stable across builds and
//! read well in logs. The REST API for machines will live under `/api/v1`.

pub mod audit;
pub mod customer;
#[cfg(feature = "ssr")]
mod device_access;
pub mod device_page;
pub mod devices;
pub mod portal;
pub mod session;
pub mod tokens;
pub mod users;

#[cfg(feature = "ssr")]
mod guard;
