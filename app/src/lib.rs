//! Osprey's application: compiled natively with `ssr` (server rendering, server functions,
//! the domain) and to WASM with `hydrate` (the interactive portal in the browser).
//!
//! Code map:
//! - `ui`: pages and components, both targets.
//! - `api`: `#[server]` functions the UI calls; thin: check the caller's role, call the domain.
//! - `model`: plain serde types shared by UI and server.
//! - `error`: the one error type every server function returns.
//! - `auth`, `store`, `services` (ssr only): passwords, tokens, sessions; the database; the
//!   bundle of both that the server hands to every request.
//! - `cwmp` (ssr only): the TR-069 codec, pure and without I/O.
//! - `acs` (ssr only): the engine; `acs::session` is the CWMP session state machine (sans-IO).

pub mod api;
pub mod error;
pub mod model;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod acs;
#[cfg(feature = "ssr")]
pub mod auth;
#[cfg(feature = "ssr")]
pub mod cwmp;
#[cfg(feature = "ssr")]
pub mod services;
#[cfg(feature = "ssr")]
pub mod store;

pub use ui::{App, shell};
