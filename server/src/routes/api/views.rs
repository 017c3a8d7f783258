//! What the API answers with: JSON views of devices, parameters and tasks.

use app::{
    acs::{
        connection_request::WakeError,
        task_spec,
        tasks::read_message,
        wake::{WakeMethod, Woken},
    },
    store::{ListedDevice, StoredParameter, StoredTask},
};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Serialize)]
pub struct DeviceView {
    pub id: i64,
    pub oui: String,
    pub product_class: String,
    pub serial_number: String,
    pub manufacturer: String,
    pub software_version: Option<String>,
    pub hardware_version: Option<String>,
    pub data_model: Option<String>,
    pub ip_address: Option<String>,
    pub connection_request_url: Option<String>,
    pub cwmp_version: String,
    pub registered_at: DateTime<Utc>,
    pub last_inform_at: DateTime<Utc>,
    pub last_boot_at: Option<DateTime<Utc>>,
    pub online: bool,
    /// Whether the whole parameter tree has been read.
    pub tree_complete: bool,
    pub tags: Vec<String>,
}

impl DeviceView {
    pub fn new(listed: ListedDevice, now: DateTime<Utc>) -> DeviceView {
        let online = listed.device.is_online(now);
        let device = listed.device;
        DeviceView {
            id: device.id,
            oui: device.key.oui,
            product_class: device.key.product_class,
            serial_number: device.key.serial_number,
            manufacturer: device.manufacturer,
            software_version: device.software_version,
            hardware_version: device.hardware_version,
            data_model: device.data_model,
            ip_address: device.ip_address,
            connection_request_url: device.connection_request_url,
            cwmp_version: device.cwmp_version,
            registered_at: device.registered_at,
            last_inform_at: device.last_inform_at,
            last_boot_at: device.last_boot_at,
            online,
            tree_complete: device.tree_complete,
            tags: listed.tags,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ParameterView {
    pub name: String,
    pub value: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub writable: Option<bool>,
    pub read_at: Option<DateTime<Utc>>,
}

impl ParameterView {
    pub fn new(name: String, stored: StoredParameter) -> ParameterView {
        ParameterView {
            name,
            value: stored.value,
            kind: stored.kind,
            writable: stored.writable,
            read_at: DateTime::from_timestamp(stored.read_at, 0),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct FaultView {
    pub code: i32,
    pub message: String,
}

#[derive(Debug, Serialize)]
pub struct TaskView {
    pub id: i64,
    pub device_id: i64,
    /// The CWMP method (GetParameterValues, Reboot, ...).
    pub method: String,
    pub status: &'static str,
    /// The request, in the form it was queued with (`{"kind": ...}`).
    pub request: Value,
    /// The device's answer, once done.
    pub result: Option<Value>,
    /// The device's last fault (kept after a retry succeeds or is given up).
    pub fault: Option<FaultView>,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// How waking the device went, when queueing with `wait` asked for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wake: Option<WakeView>,
}

/// The outcome of a Connection Request.
#[derive(Debug, Clone, Serialize)]
pub struct WakeView {
    pub woken: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<WakeMethod>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub took_ms: Option<u64>,
    /// A wake-up sent moments ago is still on its way; none was sent now.
    pub already_woken: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl From<&Result<Woken, WakeError>> for WakeView {
    fn from(outcome: &Result<Woken, WakeError>) -> WakeView {
        match outcome {
            Ok(woken) => WakeView {
                woken: true,
                method: Some(woken.method),
                took_ms: Some(woken.took.as_millis() as u64),
                already_woken: woken.already_woken,
                code: None,
                message: None,
            },
            Err(error) => WakeView {
                woken: false,
                method: None,
                took_ms: None,
                already_woken: false,
                code: Some(error.code()),
                message: Some(error.to_string()),
            },
        }
    }
}

impl From<StoredTask> for TaskView {
    fn from(task: StoredTask) -> TaskView {
        let request = read_message(&task.request)
            .map(|message| task_spec::request_json(&message))
            .unwrap_or(Value::Null);
        let result = task
            .result
            .as_deref()
            .and_then(read_message)
            .map(|message| task_spec::result_json(&message));
        let fault = task.fault_code.map(|code| FaultView {
            code,
            message: task.fault_message.clone().unwrap_or_default(),
        });
        TaskView {
            id: task.id,
            device_id: task.device_id,
            method: task.method,
            status: task.status.as_str(),
            request,
            result,
            fault,
            attempts: task.attempts,
            next_attempt_at: task.next_attempt_at,
            expires_at: task.expires_at,
            created_by: task.created_by,
            created_at: task.created_at,
            updated_at: task.updated_at,
            wake: None,
        }
    }
}
