//! Plain data shared by the UI and the server. No behaviour beyond parsing and display.

mod portal;
mod role;
mod user;

pub use portal::PortalFacts;
pub use role::Role;
pub use user::{AuditEntry, AuditPage, NewPassword, SignedInUser, UserView};
