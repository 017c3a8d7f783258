//! Osprey's application: compiled natively with `ssr` (server rendering, server functions,
//! the domain) and to WASM with `hydrate` (the interactive portal in the browser).
//!
//! Code map:
//! - `ui`: pages and components, both targets.
//! - `api`: `#[server]` functions the UI calls; thin: check the caller's role, call the domain.
//! - `model`: plain serde types shared by UI and server.
//! - `error`: the one error type every server function returns.
//! - `url_text`: percent-encoding of query values.
//! - `auth`, `store`, `services` (ssr only): passwords, tokens, sessions; the database; the
//!   bundle of both that the server hands to every request.
//! - `cwmp` (ssr only): the TR-069 codec, pure and without I/O.
//! - `events` (ssr only): the in-process bus of device events (SSE, waiting on tasks).
//! - `http_auth` (ssr only): Basic and Digest, both ways (pure).
//! - `hex` (ssr only): bytes as hexadecimal text.
//! - `inventory` (ssr only): the device query language (pure).
//! - `stun` (ssr only): STUN Binding messages with TR-111's attributes (pure).
//! - `openapi` (ssr only): the REST API's OpenAPI document (served, and shown in the portal).
//! - `acs` (ssr only): the engine; `acs::session` is the CWMP session state machine (sans-IO).

#![recursion_limit = "256"]

pub mod api;
pub mod error;
pub mod model;
pub mod ui;
pub mod url_text;

#[cfg(feature = "ssr")]
pub mod acs;
#[cfg(feature = "ssr")]
pub mod auth;
#[cfg(feature = "ssr")]
pub mod cwmp;
#[cfg(feature = "ssr")]
pub mod events;
#[cfg(feature = "ssr")]
pub mod hex;
#[cfg(feature = "ssr")]
pub mod http_auth;
#[cfg(feature = "ssr")]
pub mod inventory;
#[cfg(feature = "ssr")]
pub mod openapi;
#[cfg(feature = "ssr")]
pub mod services;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod stun;

pub use ui::{App, shell};
