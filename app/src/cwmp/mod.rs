//! The CWMP (TR-069) codec: pure, no I/O. Reading is lenient, because real devices send
//! every variation of SOAP the standard allows and several it does not; writing is strict.
//!
//! Code map: `xml` (the guarded XML reader) → `envelope` (SOAP envelope and CWMP header,
//! both ways) → `decode` / `encode` (every `Message`, both directions) over `types`
//! (parameter values, events, ...), `fault` (codes and SOAP faults) and `version`;
//! `fast_inform` reads the plain Inform, most of what an ACS reads, without the tree.
//!
//! Invariant: `decode(encode(m)) == m` for every message (tested in `round_trip`).

pub mod decode;
pub mod encode;
pub mod envelope;
mod fast_inform;
pub mod fault;
pub mod message;
pub mod types;
pub mod version;
pub mod xml;

#[cfg(test)]
mod round_trip;

pub use decode::{DecodeError, Decoded, decode};
pub use encode::encode;
pub use envelope::Header;
pub use fault::{CwmpFault, FaultCode};
pub use message::Message;
pub use version::CwmpVersion;
