//! What people ask of the device inventory, apart from how the store answers it.

pub mod activity;
pub mod overview;
pub mod query;
pub mod tree_browse;
