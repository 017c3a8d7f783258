//! The device list's filters and bulk actions, shared by the page and the server.

use serde::{Deserialize, Serialize};

/// Most devices one bulk action may name (a page holds 50; "select all" is per page).
pub const MAX_BULK_DEVICES: usize = 1_000;

/// The filters beside the search box; empty means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceFilters {
    /// "true", "false" or empty.
    pub online: String,
    pub product_class: String,
    pub software_version: String,
    pub tag: String,
}

/// `text` as a quoted value of the query language.
pub fn quote_query_value(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The search and the filters as one query of the query language.
pub fn combine_device_query(search: &str, filters: &DeviceFilters) -> String {
    let mut parts = Vec::new();
    let search = search.trim();
    if !search.is_empty() {
        parts.push(format!("({search})"));
    }
    match filters.online.as_str() {
        "true" => parts.push("online = true".to_owned()),
        "false" => parts.push("online = false".to_owned()),
        _ => {}
    }
    for (field, value) in [
        ("product_class", &filters.product_class),
        ("software_version", &filters.software_version),
        ("tag", &filters.tag),
    ] {
        let value = value.trim();
        if !value.is_empty() {
            parts.push(format!("{field} = {}", quote_query_value(value)));
        }
    }
    if parts.len() == 1 && !search.is_empty() {
        // A lone search keeps its own text (no parentheses in error positions).
        return search.to_owned();
    }
    parts.join(" AND ")
}

/// What staff can do to many devices at once from the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkAction {
    AddTag {
        tag: String,
    },
    RemoveTag {
        tag: String,
    },
    ConnectionRequest,
    Reboot,
    /// Read every parameter again.
    Refresh,
}

impl BulkAction {
    pub fn label(&self) -> String {
        match self {
            BulkAction::AddTag { tag } => format!("Add tag '{tag}'"),
            BulkAction::RemoveTag { tag } => format!("Remove tag '{tag}'"),
            BulkAction::ConnectionRequest => "Connection request".to_owned(),
            BulkAction::Reboot => "Reboot".to_owned(),
            BulkAction::Refresh => "Read all parameters again".to_owned(),
        }
    }
}

/// What a bulk action did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOutcome {
    /// Devices the action was applied to (tasks queued, tags changed).
    pub applied: usize,
    /// "SERIAL: reason" for each device it could not be applied to.
    pub failed: Vec<String>,
    /// For people: what happens next.
    pub message: String,
}

/// The choices of the filter lists, from the latest fleet figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceFilterOptions {
    pub product_classes: Vec<String>,
    pub software_versions: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_join_the_search_with_and() {
        let filters = DeviceFilters {
            online: "false".to_owned(),
            product_class: "Sim GW".to_owned(),
            software_version: String::new(),
            tag: "vip".to_owned(),
        };
        assert_eq!(
            combine_device_query("serial_number ~ SIM OR tag = a", &filters),
            r#"(serial_number ~ SIM OR tag = a) AND online = false AND product_class = "Sim GW" AND tag = "vip""#
        );
        assert_eq!(
            combine_device_query("  tag = x ", &DeviceFilters::default()),
            "tag = x"
        );
        assert_eq!(combine_device_query("", &DeviceFilters::default()), "");
        assert_eq!(quote_query_value(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
