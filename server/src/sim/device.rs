//! One simulated device: what it says in its Inform and how it answers each request.
//! Pure: the client moves the messages.

use app::cwmp::{
    CwmpFault, FaultCode, Message,
    fault::ParameterFault,
    message::Inform,
    types::{
        DeviceId, Event, EventCode, Notification, ParameterAttribute, ParameterInfo, ParameterValue,
    },
};
use chrono::{DateTime, Utc};

use super::model::{DataModel, SimParameter, SimTree, build_tree, object_paths, serial_number};

/// The parameters every Inform carries (the "forced inform" set).
const INFORM_SUFFIXES: &[&str] = &[
    "DeviceInfo.HardwareVersion",
    "DeviceInfo.SoftwareVersion",
    "DeviceInfo.ProvisioningCode",
    "ManagementServer.ConnectionRequestURL",
    "ManagementServer.ParameterKey",
    "WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.ExternalIPAddress",
    "IP.Interface.1.IPv4Address.1.IPAddress",
];

#[derive(Debug, Clone)]
pub struct SimDevice {
    pub id: DeviceId,
    pub model: DataModel,
    pub tree: SimTree,
    /// Events to report in the next Inform (then cleared).
    pending_events: Vec<Event>,
    /// Has the device reached the ACS before (no more BOOTSTRAP)?
    pub bootstrapped: bool,
    /// A Reboot or FactoryReset was accepted: act on it after the session.
    pub reboot_requested: Option<String>,
    pub factory_reset_requested: bool,
    /// Upload requests accepted: (URL, file type), sent by the client after the session.
    pub pending_uploads: Vec<(String, String)>,
}

impl SimDevice {
    pub fn new(index: u32, model: DataModel) -> SimDevice {
        let connection_request_url = format!("http://127.0.0.1:{}/cr", 40_000 + index % 20_000);
        SimDevice {
            id: DeviceId {
                manufacturer: "Osprey Labs".to_owned(),
                oui: "0A0B0C".to_owned(),
                product_class: "SimGW".to_owned(),
                serial_number: serial_number(index),
            },
            model,
            tree: build_tree(model, index, &connection_request_url),
            pending_events: vec![
                Event {
                    code: EventCode::Bootstrap,
                    command_key: String::new(),
                },
                Event {
                    code: EventCode::Boot,
                    command_key: String::new(),
                },
            ],
            bootstrapped: false,
            reboot_requested: None,
            factory_reset_requested: false,
            pending_uploads: Vec::new(),
        }
    }

    /// The device has reached this ACS before (a simulator restarted over a fleet the ACS
    /// already knows): its next Inform is a periodic one instead of BOOTSTRAP and BOOT.
    pub fn assume_known(&mut self) {
        self.bootstrapped = true;
        self.pending_events.clear();
    }

    /// The tree's value at the path ending in `suffix` (the root differs by data model).
    pub fn value_ending(&self, suffix: &str) -> Option<&str> {
        self.tree
            .iter()
            .find(|(name, _)| name.ends_with(suffix))
            .map(|(_, parameter)| parameter.value.as_str())
    }

    /// Sets the tree's parameter whose name ends in `suffix` (the root differs by model).
    pub fn set_value_ending(&mut self, suffix: &str, value: &str) {
        if let Some((_, parameter)) = self
            .tree
            .iter_mut()
            .find(|(name, _)| name.ends_with(suffix))
        {
            parameter.value = value.to_owned();
        }
    }

    /// Where the device serves Connection Requests (tests bind a free port first).
    pub fn set_connection_request_url(&mut self, url: &str) {
        self.set_value_ending("ManagementServer.ConnectionRequestURL", url);
    }

    /// The credentials its Connection Request endpoint expects, as the ACS may set them.
    pub fn set_connection_request_credentials(&mut self, username: &str, password: &str) {
        self.set_value_ending("ManagementServer.ConnectionRequestUsername", username);
        self.set_value_ending("ManagementServer.ConnectionRequestPassword", password);
    }

    /// The credentials the device presents to the ACS (ManagementServer.Username/Password).
    pub fn set_acs_credentials(&mut self, username: &str, password: &str) {
        self.set_value_ending("ManagementServer.Username", username);
        self.set_value_ending("ManagementServer.Password", password);
    }

    /// (username, password) its Connection Request endpoint expects now.
    pub fn connection_request_credentials(&self) -> (String, String) {
        let read = |suffix| self.value_ending(suffix).unwrap_or_default().to_owned();
        (
            read("ManagementServer.ConnectionRequestUsername"),
            read("ManagementServer.ConnectionRequestPassword"),
        )
    }

    /// A Connection Request was accepted: the next session reports it.
    pub fn connection_requested(&mut self) {
        let event = Event {
            code: EventCode::ConnectionRequest,
            command_key: String::new(),
        };
        if !self.pending_events.contains(&event) {
            self.pending_events.push(event);
        }
    }

    /// The Inform opening the next session.
    pub fn inform(&mut self, now: DateTime<Utc>, retry_count: u32) -> Message {
        let mut events = std::mem::take(&mut self.pending_events);
        if events.is_empty() {
            events.push(Event {
                code: EventCode::Periodic,
                command_key: String::new(),
            });
        }
        let parameters = self
            .tree
            .iter()
            .filter(|(name, _)| INFORM_SUFFIXES.iter().any(|suffix| name.ends_with(suffix)))
            .map(|(name, parameter)| {
                ParameterValue::new(name, &parameter.value, parameter.kind.clone())
            })
            .collect();
        Message::Inform(Inform {
            device_id: self.id.clone(),
            events,
            max_envelopes: 1,
            current_time: Some(now),
            retry_count,
            parameters,
        })
    }

    /// The session ended well: BOOTSTRAP is done; a requested reboot happens now.
    pub fn session_succeeded(&mut self) {
        self.bootstrapped = true;
        if self.factory_reset_requested {
            self.factory_reset_requested = false;
            let index = self.id.serial_number[3..].parse().unwrap_or(0);
            // The reset erases settings, not where the device listens.
            let url = self
                .value_ending("ManagementServer.ConnectionRequestURL")
                .map(str::to_owned);
            *self = SimDevice::new(index, self.model);
            if let Some(url) = url {
                self.set_connection_request_url(&url);
            }
            return;
        }
        if let Some(command_key) = self.reboot_requested.take() {
            self.pending_events = vec![
                Event {
                    code: EventCode::Boot,
                    command_key: String::new(),
                },
                Event {
                    code: EventCode::Method("Reboot".to_owned()),
                    command_key,
                },
            ];
        }
    }

    /// The device has just restarted (a reboot or factory reset it accepted) and has not
    /// told the ACS yet.
    pub fn restarted(&self) -> bool {
        !self.bootstrapped
            || self
                .pending_events
                .iter()
                .any(|event| event.code == EventCode::Boot)
    }

    /// The session failed: report the same events again next time.
    pub fn session_failed(&mut self, events: Vec<Event>) {
        if self.pending_events.is_empty() {
            self.pending_events = events;
        }
    }

    /// What the device uploads for a file type: its configuration (the tree) or a log.
    pub fn upload_content(&self, file_type: &str) -> String {
        if file_type.starts_with('2') || file_type.starts_with('4') {
            return format!(
                "{} booted\n{} informed\n",
                self.id.serial_number, self.id.serial_number
            );
        }
        self.tree
            .iter()
            .map(|(name, parameter)| format!("{name}={}\n", parameter.value))
            .collect()
    }

    /// Answers one request from the ACS.
    pub fn answer(&mut self, request: &Message) -> Message {
        match request {
            Message::GetRpcMethods => Message::GetRpcMethodsResponse {
                methods: [
                    "GetRPCMethods",
                    "SetParameterValues",
                    "GetParameterValues",
                    "GetParameterNames",
                    "SetParameterAttributes",
                    "GetParameterAttributes",
                    "AddObject",
                    "DeleteObject",
                    "Reboot",
                    "Download",
                    "Upload",
                    "FactoryReset",
                    "ScheduleInform",
                ]
                .iter()
                .map(|m| (*m).to_owned())
                .collect(),
            },
            Message::GetParameterNames { path, next_level } => self.names(path, *next_level),
            Message::GetParameterValues { names } => self.values(names),
            Message::SetParameterValues {
                parameters,
                parameter_key,
            } => self.set_values(parameters, parameter_key),
            Message::GetParameterAttributes { names } => match self.matching(names) {
                Ok(matched) => Message::GetParameterAttributesResponse {
                    attributes: matched
                        .into_iter()
                        .map(|name| ParameterAttribute {
                            name,
                            notification: Notification::Off,
                            access_list: vec![],
                        })
                        .collect(),
                },
                Err(fault) => Message::Fault(fault),
            },
            Message::SetParameterAttributes { .. } => Message::SetParameterAttributesResponse,
            Message::AddObject { object_name, .. } => self.add_object(object_name),
            Message::DeleteObject { object_name, .. } => self.delete_object(object_name),
            Message::Reboot { command_key } => {
                self.reboot_requested = Some(command_key.clone());
                Message::RebootResponse
            }
            Message::FactoryReset => {
                self.factory_reset_requested = true;
                Message::FactoryResetResponse
            }
            Message::ScheduleInform { .. } => Message::ScheduleInformResponse,
            Message::Download(_) => Message::DownloadResponse {
                status: 1,
                start_time: None,
                complete_time: None,
            },
            Message::Upload(upload) => {
                self.pending_uploads
                    .push((upload.url.clone(), upload.file_type.clone()));
                Message::UploadResponse {
                    status: 1,
                    start_time: None,
                    complete_time: None,
                }
            }
            Message::GetQueuedTransfers => {
                Message::GetQueuedTransfersResponse { transfers: vec![] }
            }
            Message::GetAllQueuedTransfers => {
                Message::GetAllQueuedTransfersResponse { transfers: vec![] }
            }
            Message::CancelTransfer { .. } => Message::Fault(CwmpFault::new(FaultCode(9021))),
            Message::ScheduleDownload(_) => Message::ScheduleDownloadResponse,
            Message::ChangeDuState { .. } => Message::ChangeDuStateResponse,
            Message::GetOptions { .. } => Message::GetOptionsResponse { options: vec![] },
            Message::SetVouchers { .. } => Message::SetVouchersResponse,
            _ => Message::Fault(CwmpFault::new(FaultCode::METHOD_NOT_SUPPORTED)),
        }
    }

    fn names(&self, path: &str, next_level: bool) -> Message {
        let path = if path.is_empty() {
            self.model.root()
        } else {
            path
        };
        if !path.ends_with('.') {
            return match self.tree.get(path) {
                Some(parameter) if !next_level => Message::GetParameterNamesResponse {
                    parameters: vec![ParameterInfo {
                        name: path.to_owned(),
                        writable: parameter.writable,
                    }],
                },
                _ => Message::Fault(CwmpFault::new(FaultCode::INVALID_PARAMETER_NAME)),
            };
        }
        let objects = object_paths(&self.tree);
        if !objects.iter().any(|object| object == path) {
            return Message::Fault(CwmpFault::new(FaultCode::INVALID_PARAMETER_NAME));
        }
        let depth = path.matches('.').count();
        let is_child = |name: &str| {
            let below = name.len() > path.len() && name.starts_with(path);
            let level = name.trim_end_matches('.').matches('.').count() + 1;
            below && (!next_level || level == depth + 1)
        };
        let mut parameters: Vec<ParameterInfo> = objects
            .iter()
            .filter(|object| is_child(object) || (!next_level && object.as_str() == path))
            .map(|object| ParameterInfo {
                name: object.clone(),
                writable: false,
            })
            .collect();
        parameters.extend(self.tree.iter().filter(|(name, _)| is_child(name)).map(
            |(name, parameter)| ParameterInfo {
                name: name.clone(),
                writable: parameter.writable,
            },
        ));
        Message::GetParameterNamesResponse { parameters }
    }

    /// The names `requested` stands for (partial paths expand), or 9005.
    fn matching(&self, requested: &[String]) -> Result<Vec<String>, CwmpFault> {
        let mut matched = Vec::new();
        for name in requested {
            let before = matched.len();
            if name.ends_with('.') || name.is_empty() {
                matched.extend(
                    self.tree
                        .keys()
                        .filter(|key| key.starts_with(name.as_str()))
                        .cloned(),
                );
            } else if self.tree.contains_key(name) {
                matched.push(name.clone());
            }
            if matched.len() == before {
                return Err(CwmpFault::with_message(
                    FaultCode::INVALID_PARAMETER_NAME,
                    format!("Invalid parameter name: {name}"),
                ));
            }
        }
        Ok(matched)
    }

    fn values(&self, names: &[String]) -> Message {
        match self.matching(names) {
            Ok(matched) => Message::GetParameterValuesResponse {
                parameters: matched
                    .iter()
                    .map(|name| {
                        let parameter = &self.tree[name];
                        // As TR-069 requires: passwords read back empty.
                        let value = if name.ends_with("Password") {
                            ""
                        } else {
                            parameter.value.as_str()
                        };
                        ParameterValue::new(name, value, parameter.kind.clone())
                    })
                    .collect(),
            },
            Err(fault) => Message::Fault(fault),
        }
    }

    fn set_values(&mut self, parameters: &[ParameterValue], parameter_key: &str) -> Message {
        let faults: Vec<ParameterFault> = parameters
            .iter()
            .filter_map(|parameter| {
                let code = match self.tree.get(&parameter.name) {
                    None => FaultCode::INVALID_PARAMETER_NAME,
                    Some(existing) if !existing.writable => FaultCode::NON_WRITABLE_PARAMETER,
                    Some(existing) if existing.kind != parameter.kind => {
                        FaultCode::INVALID_PARAMETER_TYPE
                    }
                    Some(_) => return None,
                };
                Some(ParameterFault {
                    name: parameter.name.clone(),
                    code,
                    message: code.meaning().to_owned(),
                })
            })
            .collect();
        if !faults.is_empty() {
            return Message::Fault(CwmpFault {
                code: FaultCode::INVALID_ARGUMENTS,
                message: "Invalid arguments".to_owned(),
                parameter_faults: faults,
            });
        }
        for parameter in parameters {
            if let Some(existing) = self.tree.get_mut(&parameter.name) {
                existing.value.clone_from(&parameter.value);
            }
        }
        self.set_parameter_key(parameter_key);
        Message::SetParameterValuesResponse { status: 0 }
    }

    fn set_parameter_key(&mut self, key: &str) {
        let name = format!("{}ManagementServer.ParameterKey", self.model.root());
        if let Some(parameter) = self.tree.get_mut(&name) {
            parameter.value = key.to_owned();
        }
    }

    /// A new instance of a multi-instance object (`...Host.` → `...Host.25.`).
    fn add_object(&mut self, object: &str) -> Message {
        let template: Vec<(String, SimParameter)> = self
            .tree
            .iter()
            .filter(|(name, _)| {
                name.strip_prefix(object)
                    .and_then(|rest| rest.split_once('.'))
                    .is_some_and(|(instance, _)| instance.parse::<u32>().is_ok())
            })
            .map(|(name, parameter)| (name.clone(), parameter.clone()))
            .collect();
        let Some(highest) = template
            .iter()
            .filter_map(|(name, _)| name[object.len()..].split('.').next()?.parse::<u32>().ok())
            .max()
        else {
            return Message::Fault(CwmpFault::new(FaultCode::INVALID_PARAMETER_NAME));
        };
        let instance = highest + 1;
        let prefix = format!("{object}{highest}.");
        for (name, parameter) in template
            .iter()
            .filter(|(name, _)| name.starts_with(&prefix))
        {
            let new_name = format!("{object}{instance}.{}", &name[prefix.len()..]);
            self.tree.insert(
                new_name,
                SimParameter {
                    value: String::new(),
                    ..parameter.clone()
                },
            );
        }
        Message::AddObjectResponse {
            instance_number: instance,
            status: 0,
        }
    }

    fn delete_object(&mut self, object: &str) -> Message {
        let before = self.tree.len();
        self.tree.retain(|name, _| !name.starts_with(object));
        if self.tree.len() == before || !object.ends_with('.') {
            return Message::Fault(CwmpFault::new(FaultCode::INVALID_PARAMETER_NAME));
        }
        Message::DeleteObjectResponse { status: 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_device_answers_like_a_gateway() {
        let mut device = SimDevice::new(7, DataModel::Tr181);
        let Message::Inform(inform) = device.inform(Utc::now(), 0) else {
            panic!()
        };
        assert_eq!(inform.events[0].code, EventCode::Bootstrap);
        assert!(
            inform
                .parameters
                .iter()
                .any(|p| p.name == "Device.DeviceInfo.SoftwareVersion")
        );

        let Message::GetParameterNamesResponse { parameters } =
            device.answer(&Message::GetParameterNames {
                path: "Device.".into(),
                next_level: false,
            })
        else {
            panic!()
        };
        let leaves = parameters.iter().filter(|p| !p.name.ends_with('.')).count();
        assert_eq!(leaves, device.tree.len());

        let Message::GetParameterNamesResponse { parameters } =
            device.answer(&Message::GetParameterNames {
                path: "Device.".into(),
                next_level: true,
            })
        else {
            panic!()
        };
        assert!(parameters.iter().any(|p| p.name == "Device.WiFi."));
        assert!(
            parameters
                .iter()
                .all(|p| p.name.trim_end_matches('.').matches('.').count() == 1),
            "{parameters:?}"
        );

        let set = Message::SetParameterValues {
            parameters: vec![ParameterValue::new(
                "Device.WiFi.SSID.1.SSID",
                "New",
                app::cwmp::types::XsdType::String,
            )],
            parameter_key: "k1".into(),
        };
        assert_eq!(
            device.answer(&set),
            Message::SetParameterValuesResponse { status: 0 }
        );
        assert_eq!(device.tree["Device.WiFi.SSID.1.SSID"].value, "New");
        let bad = Message::SetParameterValues {
            parameters: vec![ParameterValue::new(
                "Device.DeviceInfo.UpTime",
                "1",
                app::cwmp::types::XsdType::UnsignedInt,
            )],
            parameter_key: String::new(),
        };
        assert!(
            matches!(device.answer(&bad), Message::Fault(f) if f.parameter_faults[0].code == FaultCode::NON_WRITABLE_PARAMETER)
        );

        let Message::AddObjectResponse {
            instance_number, ..
        } = device.answer(&Message::AddObject {
            object_name: "Device.Hosts.Host.".into(),
            parameter_key: String::new(),
        })
        else {
            panic!()
        };
        assert_eq!(instance_number, 25);
        assert!(device.tree.contains_key("Device.Hosts.Host.25.HostName"));
        let deleted = device.answer(&Message::DeleteObject {
            object_name: "Device.Hosts.Host.25.".into(),
            parameter_key: String::new(),
        });
        assert_eq!(deleted, Message::DeleteObjectResponse { status: 0 });

        assert_eq!(
            device.answer(&Message::Reboot {
                command_key: "r".into()
            }),
            Message::RebootResponse
        );
        device.session_succeeded();
        let Message::Inform(inform) = device.inform(Utc::now(), 0) else {
            panic!()
        };
        assert_eq!(inform.events[0].code, EventCode::Boot);
        assert_eq!(inform.events[1].code, EventCode::Method("Reboot".into()));
        let Message::Inform(inform) = device.inform(Utc::now(), 0) else {
            panic!()
        };
        assert_eq!(inform.events[0].code, EventCode::Periodic);
    }

    #[test]
    fn a_known_device_opens_with_a_periodic_inform() {
        let mut device = SimDevice::new(3, DataModel::Tr098);
        device.assume_known();
        assert!(!device.restarted());
        let Message::Inform(inform) = device.inform(Utc::now(), 0) else {
            panic!()
        };
        let codes: Vec<_> = inform.events.iter().map(|event| &event.code).collect();
        assert_eq!(codes, [&EventCode::Periodic]);
    }
}
