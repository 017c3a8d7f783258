//! Plain data shared by the UI and the server. No behaviour beyond parsing and display.

mod api_token;
mod dashboard;
mod device;
mod device_page;
mod device_search;
mod portal;
mod role;
mod typed_value;
mod user;

pub use api_token::{ApiOperation, ApiParameter, ApiTokenView, NewApiToken};
pub use dashboard::{DashboardData, FaultLine, FleetFigures, Series, VersionCount};
pub use device::{
    DeviceListPage, DeviceOverview, DeviceRow, OverviewFact, OverviewSection, ParameterInfo,
    TreeEntry, TreeLevel, TreeNode, WifiNetwork,
};
pub use device_page::{
    ActionStarted, ClaimCodeIssued, CustomerAction, CustomerDeviceView, CustomerWifi, DeviceAction,
    DeviceDetail, HistoryEntry, HistoryKind, TaskProgress, TaskStage, WakeNote,
    check_wifi_password,
};
pub use device_search::{
    BulkAction, BulkOutcome, DeviceFilterOptions, DeviceFilters, MAX_BULK_DEVICES,
    combine_device_query, quote_query_value,
};
pub use portal::PortalFacts;
pub use role::Role;
pub use typed_value::{MAX_VALUE_LEN, check_typed_value};
pub use user::{AuditEntry, AuditPage, NewPassword, SignedInUser, UserView};
