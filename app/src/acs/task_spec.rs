//! What people and machines ask a device to do, as the API's JSON says it (`{"kind": ...}`),
//! checked field by field and turned into the CWMP request a task stores; and a task's
//! result turned back into JSON. Pure.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::{
    cwmp::{
        Message,
        message::{Download, Upload},
        types::{
            MAX_PARAMETER_PATH_LEN, Notification, ParameterValue, SetParameterAttribute, XsdType,
            is_parameter_path,
        },
    },
    store::ParameterTree,
};

/// Most entries in one request (names, values, attributes).
pub const MAX_ENTRIES: usize = 1_000;
pub use crate::model::MAX_VALUE_LEN;
/// Longest a caller may hold a request open waiting for a task (`wait=N`).
pub const MAX_WAIT_SECONDS: u64 = 300;
/// A task nobody set a deadline for expires after a week in the queue: a firmware download
/// queued for a device that went away should not run a month later by surprise.
pub const DEFAULT_EXPIRY_SECONDS: i64 = 7 * 86_400;

/// Longest URL, key or file name (TR-069 A.4.1.5 allows 256 or 1024; take the larger).
const MAX_TEXT_LEN: usize = 1_024;

/// One request for a device, as the API receives it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TaskSpec {
    /// Read values again: whole parameters or partial paths (ending in `.`).
    Get {
        names: Vec<String>,
    },
    Set {
        values: Vec<SetValue>,
        #[serde(default)]
        parameter_key: String,
    },
    AddObject {
        object: String,
        #[serde(default)]
        parameter_key: String,
    },
    DeleteObject {
        object: String,
        #[serde(default)]
        parameter_key: String,
    },
    Reboot {
        #[serde(default)]
        command_key: String,
    },
    FactoryReset,
    Download {
        url: String,
        /// "1 Firmware Upgrade Image", "2 Web Content", "3 Vendor Configuration File", ...
        file_type: String,
        #[serde(default)]
        file_size: u32,
        #[serde(default)]
        target_file_name: String,
        #[serde(default)]
        username: String,
        #[serde(default)]
        password: String,
        #[serde(default)]
        delay_seconds: u32,
        #[serde(default)]
        command_key: String,
    },
    /// The device sends a file to the ACS's file store.
    Upload {
        /// "1 Vendor Configuration File" or "2 Vendor Log File" (or "X <vendor> ...").
        file_type: String,
        #[serde(default)]
        delay_seconds: u32,
        #[serde(default)]
        command_key: String,
    },
    GetNames {
        path: String,
        #[serde(default)]
        next_level: bool,
    },
    SetAttributes {
        attributes: Vec<AttributeSpec>,
    },
    ScheduleInform {
        delay_seconds: u32,
        #[serde(default)]
        command_key: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SetValue {
    pub name: String,
    pub value: String,
    /// `xsd:unsignedInt`, `boolean`, ...; when absent, the type the device reported.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AttributeSpec {
    pub name: String,
    /// 0 off, 1 passive, 2 active (3–6 from later amendments).
    pub notification: u32,
}

/// A field of the request that is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct SpecError {
    pub field: String,
    pub message: String,
}

fn invalid<T>(field: impl Into<String>, message: impl Into<String>) -> Result<T, SpecError> {
    Err(SpecError {
        field: field.into(),
        message: message.into(),
    })
}

/// What checking a request may consult.
#[derive(Debug, Clone, Copy)]
pub struct SpecContext<'a> {
    /// The device's stored tree: types for `set`, and which parameters are read-only.
    pub tree: &'a ParameterTree,
    /// Where an `upload` should send its file.
    pub upload_url: &'a str,
}

impl TaskSpec {
    /// The snake_case kind, as in the JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            TaskSpec::Get { .. } => "get",
            TaskSpec::Set { .. } => "set",
            TaskSpec::AddObject { .. } => "add_object",
            TaskSpec::DeleteObject { .. } => "delete_object",
            TaskSpec::Reboot { .. } => "reboot",
            TaskSpec::FactoryReset => "factory_reset",
            TaskSpec::Download { .. } => "download",
            TaskSpec::Upload { .. } => "upload",
            TaskSpec::GetNames { .. } => "get_names",
            TaskSpec::SetAttributes { .. } => "set_attributes",
            TaskSpec::ScheduleInform { .. } => "schedule_inform",
        }
    }

    /// Checks every field and builds the CWMP request.
    pub fn to_request(&self, context: SpecContext<'_>) -> Result<Message, SpecError> {
        Ok(match self {
            TaskSpec::Get { names } => {
                check_count("names", names.len())?;
                for (i, name) in names.iter().enumerate() {
                    check_path(&format!("names[{i}]"), name)?;
                }
                Message::GetParameterValues {
                    names: names.clone(),
                }
            }
            TaskSpec::Set {
                values,
                parameter_key,
            } => {
                check_count("values", values.len())?;
                check_text("parameter_key", parameter_key, 32)?;
                let parameters = values
                    .iter()
                    .enumerate()
                    .map(|(i, value)| set_value(i, value, context.tree))
                    .collect::<Result<Vec<_>, _>>()?;
                Message::SetParameterValues {
                    parameters,
                    parameter_key: parameter_key.clone(),
                }
            }
            TaskSpec::AddObject {
                object,
                parameter_key,
            } => {
                check_object("object", object)?;
                check_text("parameter_key", parameter_key, 32)?;
                Message::AddObject {
                    object_name: object.clone(),
                    parameter_key: parameter_key.clone(),
                }
            }
            TaskSpec::DeleteObject {
                object,
                parameter_key,
            } => {
                check_object("object", object)?;
                let instance = object.trim_end_matches('.').rsplit('.').next();
                if instance.is_none_or(|last| last.parse::<u32>().is_err()) {
                    return invalid(
                        "object",
                        "name an object instance, ending in its number and a dot (Device.X.3.)",
                    );
                }
                check_text("parameter_key", parameter_key, 32)?;
                Message::DeleteObject {
                    object_name: object.clone(),
                    parameter_key: parameter_key.clone(),
                }
            }
            TaskSpec::Reboot { command_key } => {
                check_text("command_key", command_key, 32)?;
                Message::Reboot {
                    command_key: command_key.clone(),
                }
            }
            TaskSpec::FactoryReset => Message::FactoryReset,
            TaskSpec::Download {
                url,
                file_type,
                file_size,
                target_file_name,
                username,
                password,
                delay_seconds,
                command_key,
            } => {
                check_url("url", url)?;
                check_file_type("file_type", file_type)?;
                check_text("target_file_name", target_file_name, 256)?;
                check_text("username", username, 256)?;
                check_text("password", password, 256)?;
                check_text("command_key", command_key, 32)?;
                Message::Download(Download {
                    command_key: command_key.clone(),
                    file_type: file_type.clone(),
                    url: url.clone(),
                    username: username.clone(),
                    password: password.clone(),
                    file_size: *file_size,
                    target_file_name: target_file_name.clone(),
                    delay_seconds: *delay_seconds,
                    success_url: String::new(),
                    failure_url: String::new(),
                })
            }
            TaskSpec::Upload {
                file_type,
                delay_seconds,
                command_key,
            } => {
                check_file_type("file_type", file_type)?;
                // TR-069 A.4.1.5: 1 and 3 are configuration files, 2 and 4 log files.
                let upload_types = [
                    "1 Vendor Configuration File",
                    "2 Vendor Log File",
                    "3 Vendor Configuration File ",
                    "4 Vendor Log File ",
                    "X ",
                ];
                if !upload_types
                    .iter()
                    .any(|t| file_type == t.trim_end() || file_type.starts_with(t))
                {
                    return invalid(
                        "file_type",
                        "an upload is \"1 Vendor Configuration File\", \"2 Vendor Log File\" or a vendor type \"X ...\"",
                    );
                }
                check_text("command_key", command_key, 32)?;
                Message::Upload(Upload {
                    command_key: command_key.clone(),
                    file_type: file_type.clone(),
                    url: context.upload_url.to_owned(),
                    username: String::new(),
                    password: String::new(),
                    delay_seconds: *delay_seconds,
                })
            }
            TaskSpec::GetNames { path, next_level } => {
                if !path.is_empty() {
                    check_path("path", path)?;
                }
                Message::GetParameterNames {
                    path: path.clone(),
                    next_level: *next_level,
                }
            }
            TaskSpec::SetAttributes { attributes } => {
                check_count("attributes", attributes.len())?;
                let attributes = attributes
                    .iter()
                    .enumerate()
                    .map(|(i, attribute)| {
                        check_path(&format!("attributes[{i}].name"), &attribute.name)?;
                        if attribute.notification > 6 {
                            return invalid(
                                format!("attributes[{i}].notification"),
                                "notification is 0 (off), 1 (passive) or 2 (active); 3 to 6 for lightweight kinds",
                            );
                        }
                        Ok(SetParameterAttribute {
                            name: attribute.name.clone(),
                            notification: Some(Notification::from_number(attribute.notification)),
                            access_list: None,
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Message::SetParameterAttributes { attributes }
            }
            TaskSpec::ScheduleInform {
                delay_seconds,
                command_key,
            } => {
                if *delay_seconds == 0 {
                    return invalid("delay_seconds", "the delay must be at least 1 second");
                }
                check_text("command_key", command_key, 32)?;
                Message::ScheduleInform {
                    delay_seconds: *delay_seconds,
                    command_key: command_key.clone(),
                }
            }
        })
    }
}

fn check_count(field: &str, count: usize) -> Result<(), SpecError> {
    if count == 0 {
        return invalid(field, "give at least one");
    }
    if count > MAX_ENTRIES {
        return invalid(field, format!("at most {MAX_ENTRIES} in one task"));
    }
    Ok(())
}

fn check_path(field: &str, name: &str) -> Result<(), SpecError> {
    if is_parameter_path(name) {
        Ok(())
    } else {
        invalid(
            field,
            format!(
                "'{}' is not a parameter name: dot-separated names like Device.DeviceInfo.ModelName (at most {MAX_PARAMETER_PATH_LEN} characters)",
                shorten(name)
            ),
        )
    }
}

fn check_object(field: &str, name: &str) -> Result<(), SpecError> {
    check_path(field, name)?;
    if !name.ends_with('.') {
        return invalid(field, "an object name ends with a dot (Device.X.)");
    }
    Ok(())
}

fn check_text(field: &str, text: &str, max: usize) -> Result<(), SpecError> {
    if text.chars().count() > max {
        return invalid(field, format!("at most {max} characters"));
    }
    if text.chars().any(|c| c.is_control()) {
        return invalid(field, "control characters are not allowed");
    }
    Ok(())
}

fn check_url(field: &str, url: &str) -> Result<(), SpecError> {
    check_text(field, url, MAX_TEXT_LEN)?;
    let scheme_ok = ["http://", "https://", "ftp://"]
        .iter()
        .any(|scheme| url.len() > scheme.len() && url.to_ascii_lowercase().starts_with(scheme));
    if !scheme_ok || url.contains(char::is_whitespace) {
        return invalid(field, "an http://, https:// or ftp:// URL without spaces");
    }
    Ok(())
}

fn check_file_type(field: &str, file_type: &str) -> Result<(), SpecError> {
    check_text(field, file_type, 64)?;
    let mut words = file_type.splitn(2, ' ');
    let number_ok = words
        .next()
        .is_some_and(|n| n == "X" || n.parse::<u32>().is_ok());
    if !number_ok || words.next().is_none_or(str::is_empty) {
        return invalid(
            field,
            "a TR-069 file type such as \"1 Firmware Upgrade Image\" or \"X <vendor> ...\"",
        );
    }
    Ok(())
}

fn set_value(
    index: usize,
    value: &SetValue,
    tree: &ParameterTree,
) -> Result<ParameterValue, SpecError> {
    let field = |name: &str| format!("values[{index}].{name}");
    check_path(&field("name"), &value.name)?;
    if value.name.ends_with('.') {
        return invalid(
            field("name"),
            "a value is set on a parameter, not an object",
        );
    }
    let stored = tree.get(&value.name);
    if stored.and_then(|p| p.writable) == Some(false) {
        return invalid(
            field("name"),
            format!("{} is read-only on this device", value.name),
        );
    }
    let kind = match value
        .kind
        .as_deref()
        .or(stored.and_then(|p| p.kind.as_deref()))
    {
        Some(kind) => {
            let parsed = XsdType::parse(kind);
            if parsed == XsdType::String && !kind.to_ascii_lowercase().ends_with("string") {
                return invalid(field("type"), format!("'{}' is not a type", shorten(kind)));
            }
            parsed
        }
        None => XsdType::String,
    };
    check_value(&kind, &value.value).map_err(|message| SpecError {
        field: field("value"),
        message,
    })?;
    Ok(ParameterValue::new(&value.name, &value.value, kind))
}

/// Whether `value` is a valid lexical form of `kind` (TR-069 A.2.3); the same rules the
/// portal checks an inline edit with before sending it.
pub fn check_value(kind: &XsdType, value: &str) -> Result<(), String> {
    crate::model::check_typed_value(&kind.as_xsi(), value)
}

fn shorten(text: &str) -> String {
    const SHOWN: usize = 80;
    if text.chars().count() <= SHOWN {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(SHOWN).collect::<String>())
    }
}

/// A request in one line for people (history tabs): what it reads, sets or fetches.
/// Secrets are masked as in `request_json`.
pub fn request_summary(request: &Message) -> String {
    match request {
        Message::GetParameterValues { names } => names.join(", "),
        Message::SetParameterValues { parameters, .. } => parameters
            .iter()
            .map(|p| {
                let value = if super::learn::is_secret(&p.name) {
                    "********"
                } else {
                    p.value.as_str()
                };
                format!("{} = {}", p.name, shorten(value))
            })
            .collect::<Vec<_>>()
            .join(", "),
        Message::AddObject { object_name, .. } | Message::DeleteObject { object_name, .. } => {
            object_name.clone()
        }
        Message::Download(download) => format!("{} from {}", download.file_type, download.url),
        Message::Upload(upload) => upload.file_type.clone(),
        Message::GetParameterNames { path, .. } => path.clone(),
        _ => String::new(),
    }
}

/// A stored request as the API's task JSON (`{"kind": ...}`), the inverse of `to_request`
/// (passwords left out).
/// The request as the API shows it (passwords masked).
pub fn request_json(request: &Message) -> Value {
    match request {
        Message::GetParameterValues { names } => json!({"kind": "get", "names": names}),
        Message::SetParameterValues {
            parameters,
            parameter_key,
        } => json!({
            "kind": "set",
            "values": parameters
                .iter()
                // Shown to anyone who may read tasks: secrets stay hidden.
                .map(|p| {
                    let value = if super::learn::is_secret(&p.name) { "********" } else { p.value.as_str() };
                    json!({"name": p.name, "value": value, "type": p.kind.as_xsi()})
                })
                .collect::<Vec<_>>(),
            "parameter_key": parameter_key,
        }),
        Message::AddObject {
            object_name,
            parameter_key,
        } => json!({"kind": "add_object", "object": object_name, "parameter_key": parameter_key}),
        Message::DeleteObject {
            object_name,
            parameter_key,
        } => {
            json!({"kind": "delete_object", "object": object_name, "parameter_key": parameter_key})
        }
        Message::Reboot { command_key } => json!({"kind": "reboot", "command_key": command_key}),
        Message::FactoryReset => json!({"kind": "factory_reset"}),
        Message::Download(download) => json!({
            "kind": "download",
            "url": download.url,
            "file_type": download.file_type,
            "file_size": download.file_size,
            "target_file_name": download.target_file_name,
            "delay_seconds": download.delay_seconds,
            "command_key": download.command_key,
        }),
        Message::Upload(upload) => json!({
            "kind": "upload",
            "file_type": upload.file_type,
            "delay_seconds": upload.delay_seconds,
            "command_key": upload.command_key,
        }),
        Message::GetParameterNames { path, next_level } => {
            json!({"kind": "get_names", "path": path, "next_level": next_level})
        }
        Message::SetParameterAttributes { attributes } => json!({
            "kind": "set_attributes",
            "attributes": attributes
                .iter()
                .map(|a| json!({"name": a.name, "notification": a.notification.map(Notification::number)}))
                .collect::<Vec<_>>(),
        }),
        Message::ScheduleInform {
            delay_seconds,
            command_key,
        } => {
            json!({"kind": "schedule_inform", "delay_seconds": delay_seconds, "command_key": command_key})
        }
        other => json!({"kind": "cwmp", "method": other.method()}),
    }
}

/// A task's result (the device's response) as JSON for the API.
pub fn result_json(response: &Message) -> Value {
    let values = |parameters: &[ParameterValue]| -> Value {
        parameters
            .iter()
            .map(|p| json!({"name": p.name, "value": p.value, "type": p.kind.as_xsi()}))
            .collect()
    };
    match response {
        Message::GetParameterValuesResponse { parameters } => {
            json!({ "parameters": values(parameters) })
        }
        Message::GetParameterNamesResponse { parameters } => json!({
            "parameters": parameters
                .iter()
                .map(|p| json!({"name": p.name, "writable": p.writable}))
                .collect::<Vec<_>>()
        }),
        Message::SetParameterValuesResponse { status }
        | Message::DeleteObjectResponse { status } => json!({
            "status": status,
            "applied": if *status == 0 { "now" } else { "after reboot" },
        }),
        Message::AddObjectResponse {
            instance_number,
            status,
        } => json!({
            "instance_number": instance_number,
            "status": status,
            "applied": if *status == 0 { "now" } else { "after reboot" },
        }),
        Message::DownloadResponse {
            status,
            start_time,
            complete_time,
        }
        | Message::UploadResponse {
            status,
            start_time,
            complete_time,
        } => json!({
            "status": status,
            "completed": *status == 0,
            "start_time": start_time.map(|at| at.to_rfc3339()),
            "complete_time": complete_time.map(|at| at.to_rfc3339()),
        }),
        Message::GetParameterAttributesResponse { attributes } => json!({
            "attributes": attributes
                .iter()
                .map(|a| json!({"name": a.name, "notification": a.notification.number(), "access_list": a.access_list}))
                .collect::<Vec<_>>()
        }),
        other => json!({ "response": other.method() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoredParameter;

    fn spec(json: Value) -> TaskSpec {
        serde_json::from_value(json).expect("a task spec")
    }

    fn tree() -> ParameterTree {
        let mut tree = ParameterTree::new();
        tree.insert(
            "Device.ManagementServer.PeriodicInformInterval".into(),
            StoredParameter {
                value: Some("3600".into()),
                kind: Some("xsd:unsignedInt".into()),
                writable: Some(true),
                read_at: 0,
            },
        );
        tree.insert(
            "Device.DeviceInfo.SerialNumber".into(),
            StoredParameter {
                value: Some("S1".into()),
                kind: Some("xsd:string".into()),
                writable: Some(false),
                read_at: 0,
            },
        );
        tree
    }

    fn check(json: Value) -> Result<Message, SpecError> {
        let tree = tree();
        spec(json).to_request(SpecContext {
            tree: &tree,
            upload_url: "http://acs.example/upload/abc",
        })
    }

    #[test]
    fn every_kind_builds_its_request() {
        let cases = [
            (
                json!({"kind": "get", "names": ["Device.WiFi."]}),
                "GetParameterValues",
            ),
            (
                json!({"kind": "set", "values": [{"name": "Device.ManagementServer.PeriodicInformInterval", "value": "300"}]}),
                "SetParameterValues",
            ),
            (
                json!({"kind": "add_object", "object": "Device.IP.Interface."}),
                "AddObject",
            ),
            (
                json!({"kind": "delete_object", "object": "Device.IP.Interface.2."}),
                "DeleteObject",
            ),
            (json!({"kind": "reboot"}), "Reboot"),
            (json!({"kind": "factory_reset"}), "FactoryReset"),
            (
                json!({"kind": "download", "url": "https://fw.example/a.bin", "file_type": "1 Firmware Upgrade Image"}),
                "Download",
            ),
            (
                json!({"kind": "upload", "file_type": "2 Vendor Log File"}),
                "Upload",
            ),
            (
                json!({"kind": "get_names", "path": "Device.", "next_level": true}),
                "GetParameterNames",
            ),
            (
                json!({"kind": "set_attributes", "attributes": [{"name": "Device.DeviceInfo.UpTime", "notification": 2}]}),
                "SetParameterAttributes",
            ),
            (
                json!({"kind": "schedule_inform", "delay_seconds": 5}),
                "ScheduleInform",
            ),
        ];
        for (json, method) in cases {
            let request = check(json.clone()).unwrap_or_else(|e| panic!("{json}: {e}"));
            assert_eq!(request.method(), method, "{json}");
        }
    }

    #[test]
    fn set_takes_the_stored_type_and_checks_the_value() {
        let Ok(Message::SetParameterValues { parameters, .. }) =
            check(json!({"kind": "set", "values": [
                {"name": "Device.ManagementServer.PeriodicInformInterval", "value": "300"},
                {"name": "Device.New.Thing", "value": "x"},
                {"name": "Device.Flag", "value": "true", "type": "boolean"},
            ]}))
        else {
            panic!("a SetParameterValues");
        };
        let kinds: Vec<XsdType> = parameters.into_iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            [XsdType::UnsignedInt, XsdType::String, XsdType::Boolean]
        );
        let upload = check(json!({"kind": "upload", "file_type": "1 Vendor Configuration File"}));
        assert!(
            matches!(upload, Ok(Message::Upload(u)) if u.url == "http://acs.example/upload/abc")
        );
    }

    #[test]
    fn bad_fields_are_named() {
        let cases = [
            (json!({"kind": "get", "names": []}), "names", "at least one"),
            (
                json!({"kind": "get", "names": ["Device..X"]}),
                "names[0]",
                "not a parameter name",
            ),
            (
                json!({"kind": "set", "values": [{"name": "Device.ManagementServer.PeriodicInformInterval", "value": "-5"}]}),
                "values[0].value",
                "not a valid xsd:unsignedInt",
            ),
            (
                json!({"kind": "set", "values": [{"name": "Device.DeviceInfo.SerialNumber", "value": "x"}]}),
                "values[0].name",
                "read-only",
            ),
            (
                json!({"kind": "set", "values": [{"name": "Device.X", "value": "1", "type": "<bad>"}]}),
                "values[0].type",
                "not a type",
            ),
            (
                json!({"kind": "add_object", "object": "Device.IP.Interface"}),
                "object",
                "ends with a dot",
            ),
            (
                json!({"kind": "delete_object", "object": "Device.IP.Interface."}),
                "object",
                "instance",
            ),
            (
                json!({"kind": "download", "url": "file:///etc/passwd", "file_type": "1 Firmware Upgrade Image"}),
                "url",
                "http://",
            ),
            (
                json!({"kind": "download", "url": "http://x/y", "file_type": "firmware"}),
                "file_type",
                "file type",
            ),
            (
                json!({"kind": "upload", "file_type": "1 Firmware Upgrade Image"}),
                "file_type",
                "an upload is",
            ),
            (
                json!({"kind": "set_attributes", "attributes": [{"name": "Device.X", "notification": 9}]}),
                "attributes[0].notification",
                "notification is",
            ),
            (
                json!({"kind": "schedule_inform", "delay_seconds": 0}),
                "delay_seconds",
                "at least 1",
            ),
            (
                json!({"kind": "reboot", "command_key": "k".repeat(33)}),
                "command_key",
                "at most 32",
            ),
        ];
        for (json, field, message) in cases {
            let error = check(json.clone()).expect_err(&json.to_string());
            assert_eq!(error.field, field, "{json}: {error}");
            assert!(error.message.contains(message), "{json}: {error}");
        }
    }

    #[test]
    fn values_are_checked_by_type() {
        for (kind, good, bad) in [
            (XsdType::Int, "-5", "5.5"),
            (XsdType::UnsignedLong, "18446744073709551615", "-1"),
            (XsdType::Boolean, "1", "yes"),
            (XsdType::DateTime, "2026-11-24T10:00:00Z", "yesterday"),
            (XsdType::HexBinary, "00ff", "0f0"),
            (XsdType::Base64, "aGk=", "a b"),
        ] {
            assert!(check_value(&kind, good).is_ok(), "{kind:?} {good}");
            assert!(check_value(&kind, bad).is_err(), "{kind:?} {bad}");
        }
    }
}
