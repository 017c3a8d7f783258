//! What the device's answers teach about its parameter tree: values read, names and their
//! writability, values set, objects deleted (and added: their subtree is read next). Pure.

use chrono::{DateTime, Utc};

use super::session::PendingRpc;
use crate::{
    cwmp::Message,
    store::{StoredParameter, TreeChanges},
};

/// Adds what `response` (the answer to `rpc`) says to `changes`; returns a new object's
/// path when its subtree should be read in this session.
pub fn learn(
    changes: &mut TreeChanges,
    rpc: &PendingRpc,
    response: &Message,
    now: DateTime<Utc>,
) -> Option<String> {
    let read_at = now.timestamp();
    match (&rpc.request, response) {
        (_, Message::GetParameterNamesResponse { parameters }) => {
            for parameter in parameters.iter().filter(|p| !p.name.ends_with('.')) {
                entry(changes, &parameter.name, read_at).writable = Some(parameter.writable);
            }
        }
        (_, Message::GetParameterValuesResponse { parameters }) => {
            for parameter in parameters {
                let entry = entry(changes, &parameter.name, read_at);
                entry.value = Some(parameter.value.clone());
                entry.kind = Some(parameter.kind.as_xsi().into_owned());
                entry.read_at = read_at;
            }
        }
        // Status 1 (applied at the next reboot) still means the device took the values.
        (
            Message::SetParameterValues {
                parameters,
                parameter_key,
            },
            Message::SetParameterValuesResponse { .. },
        ) => {
            if let Some(first) = parameters.first() {
                learn_parameter_key(changes, &first.name, parameter_key, read_at);
            }
            for parameter in parameters {
                let entry = entry(changes, &parameter.name, read_at);
                // Passwords read back empty from devices (TR-069); the tree keeps it so,
                // rather than holding a secret everyone with read access could see.
                entry.value = Some(if is_secret(&parameter.name) {
                    String::new()
                } else {
                    parameter.value.clone()
                });
                entry.kind = Some(parameter.kind.as_xsi().into_owned());
                entry.read_at = read_at;
            }
        }
        (
            Message::DeleteObject {
                object_name,
                parameter_key,
            },
            Message::DeleteObjectResponse { .. },
        ) => {
            changes
                .updates
                .retain(|name, _| !name.starts_with(object_name.as_str()));
            changes.removed.push(object_name.clone());
            learn_parameter_key(changes, object_name, parameter_key, read_at);
        }
        (
            Message::AddObject {
                object_name,
                parameter_key,
            },
            Message::AddObjectResponse {
                instance_number, ..
            },
        ) => {
            learn_parameter_key(changes, object_name, parameter_key, read_at);
            return Some(format!("{object_name}{instance_number}."));
        }
        _ => {}
    }
    None
}

/// A device that carried out a SetParameterValues, AddObject or DeleteObject sets its
/// `ManagementServer.ParameterKey` to the request's key (TR-069 A.3.2.1, A.3.2.6, A.3.2.7) and
/// reports it in every Inform. Storing it here keeps the tree what the device says, so the
/// next Inform is not taken for a change. `path`: any name in the request, for its root.
fn learn_parameter_key(changes: &mut TreeChanges, path: &str, key: &str, read_at: i64) {
    let Some((root, _)) = path.split_once('.') else {
        return;
    };
    let entry = entry(
        changes,
        &format!("{root}.ManagementServer.ParameterKey"),
        read_at,
    );
    entry.value = Some(key.to_owned());
    entry.kind = Some("xsd:string".to_owned());
}

/// Parameters whose values are secrets: never stored in the tree.
pub fn is_secret(name: &str) -> bool {
    name.ends_with("Password")
}

/// The learned record of `name`, created empty when first seen.
fn entry<'a>(changes: &'a mut TreeChanges, name: &str, read_at: i64) -> &'a mut StoredParameter {
    changes
        .updates
        .entry(name.to_owned())
        .or_insert(StoredParameter {
            value: None,
            kind: None,
            writable: None,
            read_at,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        acs::session::Purpose,
        cwmp::types::{ParameterInfo, ParameterValue, XsdType},
    };

    fn rpc(request: Message) -> PendingRpc {
        PendingRpc {
            purpose: Purpose::Task(1),
            request,
        }
    }

    #[test]
    fn answers_become_tree_changes() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let mut changes = TreeChanges::default();
        let read = Message::GetParameterValuesResponse {
            parameters: vec![ParameterValue::new("Device.X.1.A", "a", XsdType::String)],
        };
        learn(
            &mut changes,
            &rpc(Message::GetParameterValues {
                names: vec!["Device.X.".into()],
            }),
            &read,
            now,
        );
        let names = Message::GetParameterNamesResponse {
            parameters: vec![
                ParameterInfo {
                    name: "Device.X.1.A".into(),
                    writable: true,
                },
                ParameterInfo {
                    name: "Device.X.1.".into(),
                    writable: true,
                },
            ],
        };
        learn(
            &mut changes,
            &rpc(Message::GetParameterNames {
                path: "Device.X.".into(),
                next_level: false,
            }),
            &names,
            now,
        );
        assert_eq!(
            changes.updates.get("Device.X.1.A"),
            Some(&StoredParameter {
                value: Some("a".into()),
                kind: Some("xsd:string".into()),
                writable: Some(true),
                read_at: now.timestamp()
            })
        );
        assert!(!changes.updates.contains_key("Device.X.1."));

        let set = Message::SetParameterValues {
            parameters: vec![ParameterValue::new("Device.Y", "5", XsdType::UnsignedInt)],
            parameter_key: String::new(),
        };
        learn(
            &mut changes,
            &rpc(set),
            &Message::SetParameterValuesResponse { status: 0 },
            now,
        );
        assert_eq!(changes.updates["Device.Y"].value.as_deref(), Some("5"));
        let key = "Device.ManagementServer.ParameterKey";
        assert_eq!(changes.updates[key].value.as_deref(), Some(""));

        let delete = Message::DeleteObject {
            object_name: "Device.X.1.".into(),
            parameter_key: String::new(),
        };
        learn(
            &mut changes,
            &rpc(delete),
            &Message::DeleteObjectResponse { status: 0 },
            now,
        );
        assert!(!changes.updates.contains_key("Device.X.1.A"));
        assert_eq!(changes.removed, ["Device.X.1."]);

        let add = Message::AddObject {
            object_name: "Device.X.".into(),
            parameter_key: String::new(),
        };
        let refresh = learn(
            &mut changes,
            &rpc(add),
            &Message::AddObjectResponse {
                instance_number: 7,
                status: 0,
            },
            now,
        );
        assert_eq!(refresh.as_deref(), Some("Device.X.7."));
    }

    #[test]
    fn writes_that_succeed_set_the_parameter_key() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let key = "InternetGatewayDevice.ManagementServer.ParameterKey";
        let mut changes = TreeChanges::default();
        let set = Message::SetParameterValues {
            parameters: vec![ParameterValue::new(
                "InternetGatewayDevice.LANDevice.1.X",
                "1",
                XsdType::String,
            )],
            parameter_key: "wifi-7".into(),
        };
        learn(
            &mut changes,
            &rpc(set.clone()),
            &Message::SetParameterValuesResponse { status: 1 },
            now,
        );
        assert_eq!(changes.updates[key].value.as_deref(), Some("wifi-7"));

        let add = Message::AddObject {
            object_name: "InternetGatewayDevice.X.".into(),
            parameter_key: "add-1".into(),
        };
        let answer = Message::AddObjectResponse {
            instance_number: 2,
            status: 0,
        };
        learn(&mut changes, &rpc(add), &answer, now);
        assert_eq!(changes.updates[key].value.as_deref(), Some("add-1"));

        // A fault changes nothing: the device keeps its key.
        let mut untouched = TreeChanges::default();
        let fault = Message::Fault(crate::cwmp::fault::CwmpFault {
            code: crate::cwmp::fault::FaultCode(9003),
            message: "Invalid arguments".into(),
            parameter_faults: Vec::new(),
        });
        learn(&mut untouched, &rpc(set), &fault, now);
        assert!(untouched.is_empty());
    }
}
