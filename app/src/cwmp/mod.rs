//! The CWMP (TR-069) codec: pure, no I/O. Reading is lenient, because real devices send
//! every variation of SOAP the standard allows and several it does not; writing is strict.
//!
//! So far: `xml`, the guarded XML reader; `envelope`, the SOAP envelope and CWMP header in
//! both directions; `version`, the protocol versions. The typed messages (every RPC in both
//! directions, faults) come next.

pub mod envelope;
pub mod version;
pub mod xml;
