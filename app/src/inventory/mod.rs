//! What people ask of the device inventory, apart from how the store answers it.

pub mod query;
