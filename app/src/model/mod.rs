//! Plain data shared by the UI and the server. No behaviour beyond parsing and display.

mod api_token;
mod device;
mod portal;
mod role;
mod user;

pub use api_token::{ApiOperation, ApiParameter, ApiTokenView, NewApiToken};
pub use device::{DeviceListPage, DeviceRow};
pub use portal::PortalFacts;
pub use role::Role;
pub use user::{AuditEntry, AuditPage, NewPassword, SignedInUser, UserView};
