//! The parameter tree as people browse it: one level at a time (objects collapsed, with how
//! much they hold), or the parameters matching a search. Pure; the page asks for a level
//! when an object is opened, so a 5,000-parameter tree never travels whole.

use chrono::DateTime;

use crate::{
    acs::learn::is_secret,
    model::{ParameterInfo, TreeEntry, TreeLevel, TreeNode},
    store::{ParameterTree, StoredParameter},
};

/// Most matches a search returns.
pub const MAX_SEARCH_MATCHES: usize = 200;

/// The children of object `path` (`""` for the roots, else a name ending in `.`): objects
/// first as the tree orders them, each with its parameter count, then parameters.
pub fn tree_level(tree: &ParameterTree, path: &str) -> TreeLevel {
    let mut objects: Vec<TreeEntry> = Vec::new();
    let mut parameters: Vec<TreeEntry> = Vec::new();
    for (name, stored) in tree
        .range(path.to_owned()..)
        .take_while(|(name, _)| name.starts_with(path))
    {
        let rest = &name[path.len()..];
        match rest.find('.') {
            // Deeper: counts towards the child object it lies in.
            Some(dot) => {
                let child = &name[..path.len() + dot + 1];
                let is_parameter = !name.ends_with('.');
                match objects.last_mut() {
                    Some(last) if last.name == child => {
                        if let TreeNode::Object { parameters } = &mut last.node {
                            *parameters += u32::from(is_parameter);
                        }
                    }
                    _ => objects.push(TreeEntry {
                        name: child.to_owned(),
                        node: TreeNode::Object {
                            parameters: u32::from(is_parameter),
                        },
                    }),
                }
            }
            None if !rest.is_empty() => parameters.push(parameter_entry(name, stored)),
            // The object itself.
            None => {}
        }
    }
    // Instance numbers sort as numbers (2 before 10), as people count.
    objects.sort_by(|a, b| natural_key(&a.name).cmp(&natural_key(&b.name)));
    objects.extend(parameters);
    TreeLevel {
        entries: objects,
        truncated: false,
    }
}

/// Parameters whose name or value contains `text` (any case), in tree order.
pub fn search_tree(tree: &ParameterTree, text: &str) -> TreeLevel {
    let needle = text.trim().to_lowercase();
    let mut matches = tree
        .iter()
        .filter(|(name, stored)| {
            !name.ends_with('.')
                && (name.to_lowercase().contains(&needle)
                    || stored
                        .value
                        .as_deref()
                        .is_some_and(|v| v.to_lowercase().contains(&needle)))
        })
        .map(|(name, stored)| parameter_entry(name, stored));
    let entries: Vec<TreeEntry> = matches.by_ref().take(MAX_SEARCH_MATCHES).collect();
    TreeLevel {
        entries,
        truncated: matches.next().is_some(),
    }
}

fn parameter_entry(name: &str, stored: &StoredParameter) -> TreeEntry {
    TreeEntry {
        name: name.to_owned(),
        node: TreeNode::Parameter(ParameterInfo {
            value: stored.value.clone(),
            kind: stored.kind.clone(),
            writable: stored.writable.unwrap_or(false),
            secret: is_secret(name),
            read_at: DateTime::from_timestamp(stored.read_at, 0)
                .map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default(),
        }),
    }
}

/// A sort key where runs of digits compare as numbers.
fn natural_key(name: &str) -> Vec<(u64, &str)> {
    name.split('.')
        .map(|part| match part.parse::<u64>() {
            Ok(number) => (number, ""),
            Err(_) => (u64::MAX, part),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(names: &[&str]) -> ParameterTree {
        names
            .iter()
            .map(|name| {
                (
                    (*name).to_owned(),
                    StoredParameter {
                        value: (!name.ends_with('.')).then(|| format!("value of {name}")),
                        kind: Some("xsd:string".to_owned()),
                        writable: Some(name.ends_with("SSID")),
                        read_at: 1_764_000_000,
                    },
                )
            })
            .collect()
    }

    fn names(level: &TreeLevel) -> Vec<(&str, Option<u32>)> {
        level
            .entries
            .iter()
            .map(|entry| {
                let count = match entry.node {
                    TreeNode::Object { parameters } => Some(parameters),
                    TreeNode::Parameter(_) => None,
                };
                (entry.label(), count)
            })
            .collect()
    }

    #[test]
    fn a_level_lists_objects_with_counts_then_parameters() {
        let t = tree(&[
            "Device.",
            "Device.DeviceInfo.SerialNumber",
            "Device.DeviceInfo.UpTime",
            "Device.RootDataModelVersion",
            "Device.WiFi.",
            "Device.WiFi.SSID.",
            "Device.WiFi.SSID.1.SSID",
            "Device.WiFi.SSID.10.SSID",
            "Device.WiFi.SSID.2.SSID",
        ]);
        assert_eq!(names(&tree_level(&t, "")), [("Device.", Some(6))]);
        assert_eq!(
            names(&tree_level(&t, "Device.")),
            [
                ("DeviceInfo.", Some(2)),
                ("WiFi.", Some(3)),
                ("RootDataModelVersion", None)
            ]
        );
        assert_eq!(
            names(&tree_level(&t, "Device.WiFi.SSID.")),
            [("1.", Some(1)), ("2.", Some(1)), ("10.", Some(1))]
        );
        let leaf = tree_level(&t, "Device.WiFi.SSID.2.");
        let TreeNode::Parameter(info) = &leaf.entries[0].node else {
            panic!("a parameter");
        };
        assert!(info.writable);
        assert_eq!(info.read_at, "2025-11-24 16:00 UTC");
        assert!(tree_level(&t, "Device.Nothing.").entries.is_empty());
    }

    #[test]
    fn a_search_matches_names_and_values_in_any_case() {
        let t = tree(&[
            "Device.WiFi.SSID.1.SSID",
            "Device.ManagementServer.ConnectionRequestPassword",
            "Device.DeviceInfo.UpTime",
        ]);
        let found = search_tree(&t, "ssid");
        assert_eq!(names(&found), [("SSID", None)]);
        let secret = search_tree(&t, "password");
        let TreeNode::Parameter(info) = &secret.entries[0].node else {
            panic!("a parameter");
        };
        assert!(info.secret);
        assert_eq!(search_tree(&t, "VALUE OF").entries.len(), 3);
        let many: Vec<String> = (0..250).map(|i| format!("Device.X.{i}.Name")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let found = search_tree(&tree(&many), "Name");
        assert_eq!(found.entries.len(), MAX_SEARCH_MATCHES);
        assert!(found.truncated);
    }
}
