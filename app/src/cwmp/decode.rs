//! Reading messages: from bytes to a `Message`, leniently. Missing optional fields take
//! their defaults, arrays are read whatever their `arrayType` says, unknown elements are
//! ignored; what cannot be understood at all is a `DecodeError` naming the method and field.

use chrono::{DateTime, NaiveDateTime, Utc};

use super::{
    envelope::{EnvelopeError, Header, read_bool, read_envelope},
    fast_inform,
    fault::{CwmpFault, FaultCode, ParameterFault},
    message::{
        AutonomousTransferComplete, Download, DuOperation, DuOperationResult, Inform, Kicked,
        Message, OptionInfo, RequestDownload, ScheduleDownload, TimeWindow, TransferComplete,
        Upload,
    },
    types::{
        CwmpTime, DeviceId, Event, EventCode, Notification, ParameterAttribute, ParameterInfo,
        ParameterValue, QueuedTransfer, SetParameterAttribute, TransferFault, XsdType,
    },
    version::CwmpVersion,
    xml::{self, Element},
};

/// A message as read from the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub version: Option<CwmpVersion>,
    pub header: Header,
    /// `None` for an envelope with an empty Body.
    pub message: Option<Message>,
    /// Oddities that were forgiven, for the debug log.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    #[error("{method} lacks {field}")]
    Missing { method: String, field: &'static str },
    #[error("{method}: {field} is '{value}', not {expected}")]
    Invalid {
        method: String,
        field: &'static str,
        value: String,
        expected: &'static str,
    },
}

pub fn decode(input: &[u8]) -> Result<Decoded, DecodeError> {
    let text = xml::decode_text(input).map_err(EnvelopeError::from)?;
    if let Some(inform) = fast_inform::read(&text) {
        return Ok(inform);
    }
    read_tree(&text)
}

/// Reads a message through the XML tree: every message, however it is written (`decode`
/// tries the plain Inform's fast path first).
pub(super) fn read_tree(text: &str) -> Result<Decoded, DecodeError> {
    let envelope = read_envelope(text)?;
    let message = envelope.body.as_ref().map(read_message).transpose()?;
    Ok(Decoded {
        version: envelope.version,
        header: envelope.header,
        message,
        warnings: envelope.warnings,
    })
}

/// Field access for one method's element, with errors that name the method.
struct Fields<'a> {
    element: &'a Element<'a>,
    method: &'a str,
}

impl<'a> Fields<'a> {
    fn text(&self, field: &'static str) -> Result<String, DecodeError> {
        self.element
            .child_text(field)
            .map(str::to_owned)
            .ok_or_else(|| DecodeError::Missing {
                method: self.method.to_owned(),
                field,
            })
    }

    /// Text that may be absent; absent reads as empty.
    fn text_or_empty(&self, field: &'static str) -> String {
        self.element
            .child_text(field)
            .unwrap_or_default()
            .to_owned()
    }

    fn number(&self, field: &'static str) -> Result<u32, DecodeError> {
        let text = self.text(field)?;
        text.parse()
            .map_err(|_| self.invalid(field, &text, "a whole number"))
    }

    /// A number that devices sometimes leave empty or out (`<RetryCount/>`).
    fn number_or(&self, field: &'static str, default: u32) -> Result<u32, DecodeError> {
        match self.element.child_text(field) {
            None | Some("") => Ok(default),
            Some(text) => text
                .parse()
                .map_err(|_| self.invalid(field, text, "a whole number")),
        }
    }

    /// A signed number that may be absent or empty.
    fn signed_or(&self, field: &'static str, default: i32) -> Result<i32, DecodeError> {
        match self.element.child_text(field) {
            None | Some("") => Ok(default),
            Some(text) => text
                .parse()
                .map_err(|_| self.invalid(field, text, "a number")),
        }
    }

    fn boolean(&self, field: &'static str) -> Result<bool, DecodeError> {
        let text = self.text(field)?;
        read_bool(&text).ok_or_else(|| self.invalid(field, &text, "a boolean"))
    }

    fn time(&self, field: &'static str) -> Result<CwmpTime, DecodeError> {
        match self.element.child_text(field) {
            None | Some("") => Ok(None),
            Some(text) => read_time(text).ok_or_else(|| self.invalid(field, text, "a dateTime")),
        }
    }

    /// The items of an array field, whatever its `arrayType` says (or whether it has one).
    fn items(&self, field: &'static str) -> Result<&'a [Element<'a>], DecodeError> {
        self.element
            .child_ignore_case(field)
            .map(|array| array.children.as_slice())
            .ok_or_else(|| DecodeError::Missing {
                method: self.method.to_owned(),
                field,
            })
    }

    fn items_or_none(&self, field: &'static str) -> &'a [Element<'a>] {
        self.element
            .child_ignore_case(field)
            .map_or(&[], |array| array.children.as_slice())
    }

    fn strings(&self, field: &'static str) -> Result<Vec<String>, DecodeError> {
        Ok(self
            .items(field)?
            .iter()
            .map(|item| item.text.trim().to_owned())
            .collect())
    }

    fn nested(&self, element: &'a Element<'a>) -> Fields<'a> {
        Fields {
            element,
            method: self.method,
        }
    }

    fn invalid(&self, field: &'static str, value: &str, expected: &'static str) -> DecodeError {
        DecodeError::Invalid {
            method: self.method.to_owned(),
            field,
            value: value.chars().take(64).collect(),
            expected,
        }
    }
}

/// `xsd:dateTime` as devices write it: with or without a zone, with or without fractions;
/// the "unknown time" 0001-01-01T00:00:00Z (and anything in year 1) reads as `None`.
pub fn read_time(text: &str) -> Option<CwmpTime> {
    let text = text.trim();
    if text.starts_with("0001-01-01") {
        return Some(None);
    }
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(Some(time.with_timezone(&Utc)));
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|naive| Some(naive.and_utc()))
}

fn read_message(element: &Element<'_>) -> Result<Message, DecodeError> {
    let fields = Fields {
        element,
        method: &element.name,
    };
    let message = match element.name.as_ref() {
        "Inform" => Message::Inform(read_inform(&fields)?),
        "InformResponse" => Message::InformResponse {
            max_envelopes: fields.number_or("MaxEnvelopes", 1)?,
        },
        "TransferComplete" => Message::TransferComplete(TransferComplete {
            command_key: fields.text_or_empty("CommandKey"),
            fault: read_transfer_fault(&fields)?,
            start_time: fields.time("StartTime")?,
            complete_time: fields.time("CompleteTime")?,
        }),
        "TransferCompleteResponse" => Message::TransferCompleteResponse,
        "AutonomousTransferComplete" => {
            Message::AutonomousTransferComplete(AutonomousTransferComplete {
                announce_url: fields.text_or_empty("AnnounceURL"),
                transfer_url: fields.text_or_empty("TransferURL"),
                is_download: fields.boolean("IsDownload")?,
                file_type: fields.text_or_empty("FileType"),
                file_size: fields.number_or("FileSize", 0)?,
                target_file_name: fields.text_or_empty("TargetFileName"),
                fault: read_transfer_fault(&fields)?,
                start_time: fields.time("StartTime")?,
                complete_time: fields.time("CompleteTime")?,
            })
        }
        "AutonomousTransferCompleteResponse" => Message::AutonomousTransferCompleteResponse,
        "RequestDownload" => Message::RequestDownload(RequestDownload {
            file_type: fields.text_or_empty("FileType"),
            arguments: fields
                .items_or_none("FileTypeArg")
                .iter()
                .map(|arg| {
                    let arg = fields.nested(arg);
                    (arg.text_or_empty("Name"), arg.text_or_empty("Value"))
                })
                .collect(),
        }),
        "RequestDownloadResponse" => Message::RequestDownloadResponse,
        "Kicked" => Message::Kicked(Kicked {
            command: fields.text_or_empty("Command"),
            referer: fields.text_or_empty("Referer"),
            arg: fields.text_or_empty("Arg"),
            next: fields.text_or_empty("Next"),
        }),
        "KickedResponse" => Message::KickedResponse {
            next_url: fields.text_or_empty("NextURL"),
        },
        "GetRPCMethods" => Message::GetRpcMethods,
        "GetRPCMethodsResponse" => Message::GetRpcMethodsResponse {
            methods: fields.strings("MethodList")?,
        },
        "SetParameterValues" => Message::SetParameterValues {
            parameters: read_parameter_values(&fields, "ParameterList")?,
            parameter_key: fields.text_or_empty("ParameterKey"),
        },
        "SetParameterValuesResponse" => Message::SetParameterValuesResponse {
            status: fields.number_or("Status", 0)?,
        },
        "GetParameterValues" => Message::GetParameterValues {
            names: fields.strings("ParameterNames")?,
        },
        "GetParameterValuesResponse" => Message::GetParameterValuesResponse {
            parameters: read_parameter_values(&fields, "ParameterList")?,
        },
        "GetParameterNames" => Message::GetParameterNames {
            path: fields.text_or_empty("ParameterPath"),
            next_level: fields.boolean("NextLevel")?,
        },
        "GetParameterNamesResponse" => Message::GetParameterNamesResponse {
            parameters: fields
                .items("ParameterList")?
                .iter()
                .map(|item| {
                    let item = fields.nested(item);
                    Ok(ParameterInfo {
                        name: item.text("Name")?,
                        writable: item.boolean("Writable")?,
                    })
                })
                .collect::<Result<_, DecodeError>>()?,
        },
        "SetParameterAttributes" => Message::SetParameterAttributes {
            attributes: fields
                .items("ParameterList")?
                .iter()
                .map(|item| read_set_attribute(&fields.nested(item)))
                .collect::<Result<_, _>>()?,
        },
        "SetParameterAttributesResponse" => Message::SetParameterAttributesResponse,
        "GetParameterAttributes" => Message::GetParameterAttributes {
            names: fields.strings("ParameterNames")?,
        },
        "GetParameterAttributesResponse" => Message::GetParameterAttributesResponse {
            attributes: fields
                .items("ParameterList")?
                .iter()
                .map(|item| {
                    let item = fields.nested(item);
                    Ok(ParameterAttribute {
                        name: item.text("Name")?,
                        notification: Notification::from_number(item.number("Notification")?),
                        access_list: item
                            .items_or_none("AccessList")
                            .iter()
                            .map(|entry| entry.text.trim().to_owned())
                            .collect(),
                    })
                })
                .collect::<Result<_, DecodeError>>()?,
        },
        "AddObject" => Message::AddObject {
            object_name: fields.text("ObjectName")?,
            parameter_key: fields.text_or_empty("ParameterKey"),
        },
        "AddObjectResponse" => Message::AddObjectResponse {
            instance_number: fields.number("InstanceNumber")?,
            status: fields.number_or("Status", 0)?,
        },
        "DeleteObject" => Message::DeleteObject {
            object_name: fields.text("ObjectName")?,
            parameter_key: fields.text_or_empty("ParameterKey"),
        },
        "DeleteObjectResponse" => Message::DeleteObjectResponse {
            status: fields.number_or("Status", 0)?,
        },
        "Reboot" => Message::Reboot {
            command_key: fields.text_or_empty("CommandKey"),
        },
        "RebootResponse" => Message::RebootResponse,
        "Download" => Message::Download(Download {
            command_key: fields.text_or_empty("CommandKey"),
            file_type: fields.text("FileType")?,
            url: fields.text("URL")?,
            username: fields.text_or_empty("Username"),
            password: fields.text_or_empty("Password"),
            file_size: fields.number_or("FileSize", 0)?,
            target_file_name: fields.text_or_empty("TargetFileName"),
            delay_seconds: fields.number_or("DelaySeconds", 0)?,
            success_url: fields.text_or_empty("SuccessURL"),
            failure_url: fields.text_or_empty("FailureURL"),
        }),
        "DownloadResponse" => Message::DownloadResponse {
            status: fields.number_or("Status", 0)?,
            start_time: fields.time("StartTime")?,
            complete_time: fields.time("CompleteTime")?,
        },
        "Upload" => Message::Upload(Upload {
            command_key: fields.text_or_empty("CommandKey"),
            file_type: fields.text("FileType")?,
            url: fields.text("URL")?,
            username: fields.text_or_empty("Username"),
            password: fields.text_or_empty("Password"),
            delay_seconds: fields.number_or("DelaySeconds", 0)?,
        }),
        "UploadResponse" => Message::UploadResponse {
            status: fields.number_or("Status", 0)?,
            start_time: fields.time("StartTime")?,
            complete_time: fields.time("CompleteTime")?,
        },
        "FactoryReset" => Message::FactoryReset,
        "FactoryResetResponse" => Message::FactoryResetResponse,
        "ScheduleInform" => Message::ScheduleInform {
            delay_seconds: fields.number("DelaySeconds")?,
            command_key: fields.text_or_empty("CommandKey"),
        },
        "ScheduleInformResponse" => Message::ScheduleInformResponse,
        "GetQueuedTransfers" => Message::GetQueuedTransfers,
        "GetQueuedTransfersResponse" => Message::GetQueuedTransfersResponse {
            transfers: read_transfers(&fields)?,
        },
        "GetAllQueuedTransfers" => Message::GetAllQueuedTransfers,
        "GetAllQueuedTransfersResponse" => Message::GetAllQueuedTransfersResponse {
            transfers: read_transfers(&fields)?,
        },
        "CancelTransfer" => Message::CancelTransfer {
            command_key: fields.text_or_empty("CommandKey"),
        },
        "CancelTransferResponse" => Message::CancelTransferResponse,
        "ScheduleDownload" => Message::ScheduleDownload(ScheduleDownload {
            command_key: fields.text_or_empty("CommandKey"),
            file_type: fields.text("FileType")?,
            url: fields.text("URL")?,
            username: fields.text_or_empty("Username"),
            password: fields.text_or_empty("Password"),
            file_size: fields.number_or("FileSize", 0)?,
            target_file_name: fields.text_or_empty("TargetFileName"),
            time_windows: fields
                .items_or_none("TimeWindowList")
                .iter()
                .map(|item| {
                    let item = fields.nested(item);
                    Ok(TimeWindow {
                        start: item.number_or("WindowStart", 0)?,
                        end: item.number_or("WindowEnd", 0)?,
                        mode: item.text_or_empty("WindowMode"),
                        user_message: item.text_or_empty("UserMessage"),
                        max_retries: item.signed_or("MaxRetries", -1)?,
                    })
                })
                .collect::<Result<_, DecodeError>>()?,
        }),
        "ScheduleDownloadResponse" => Message::ScheduleDownloadResponse,
        "ChangeDUState" => Message::ChangeDuState {
            operations: fields
                .items_or_none("Operations")
                .iter()
                .filter_map(|item| read_du_operation(&fields.nested(item)))
                .collect(),
            command_key: fields.text_or_empty("CommandKey"),
        },
        "ChangeDUStateResponse" => Message::ChangeDuStateResponse,
        "GetOptions" => Message::GetOptions {
            option_name: fields.text_or_empty("OptionName"),
        },
        "GetOptionsResponse" => Message::GetOptionsResponse {
            options: fields
                .items_or_none("OptionList")
                .iter()
                .map(|item| {
                    let item = fields.nested(item);
                    Ok(OptionInfo {
                        name: item.text_or_empty("OptionName"),
                        voucher_serial_number: item.text_or_empty("VoucherSN"),
                        state: item.number_or("State", 0)?,
                        mode: item.signed_or("Mode", 0)?,
                        start_date: item.time("StartDate")?,
                        expiration_date: item.time("ExpirationDate")?,
                        is_transferable: item.signed_or("IsTransferable", 0)?,
                    })
                })
                .collect::<Result<_, DecodeError>>()?,
        },
        "SetVouchers" => Message::SetVouchers {
            vouchers: fields.strings("VoucherList")?,
        },
        "SetVouchersResponse" => Message::SetVouchersResponse,
        "DUStateChangeComplete" => Message::DuStateChangeComplete {
            results: read_du_results(&fields, false)?,
            command_key: fields.text_or_empty("CommandKey"),
        },
        "DUStateChangeCompleteResponse" => Message::DuStateChangeCompleteResponse,
        "AutonomousDUStateChangeComplete" => Message::AutonomousDuStateChangeComplete {
            results: read_du_results(&fields, true)?,
        },
        "AutonomousDUStateChangeCompleteResponse" => {
            Message::AutonomousDuStateChangeCompleteResponse
        }
        "Fault" => Message::Fault(read_fault(element)?),
        other if is_method_name(other) => Message::Unknown {
            method: other.to_owned(),
        },
        // Found by fuzzing: control characters and markup in the element's name.
        other => return Err(fields.invalid("method", other, "a method name")),
    };
    Ok(message)
}

/// What an RPC's element name may look like: an XML name of letters, digits, `_`, `-`, `.`.
fn is_method_name(name: &str) -> bool {
    name.len() <= 128
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

fn read_inform(fields: &Fields<'_>) -> Result<Inform, DecodeError> {
    let device = fields
        .element
        .child_ignore_case("DeviceId")
        .ok_or_else(|| DecodeError::Missing {
            method: "Inform".to_owned(),
            field: "DeviceId",
        })?;
    let device = fields.nested(device);
    let events = fields
        .items_or_none("Event")
        .iter()
        .map(|event| {
            let event = fields.nested(event);
            Ok(Event {
                code: EventCode::parse(&event.text("EventCode")?),
                command_key: event.text_or_empty("CommandKey"),
            })
        })
        .collect::<Result<_, DecodeError>>()?;
    Ok(Inform {
        device_id: DeviceId {
            manufacturer: device.text_or_empty("Manufacturer"),
            oui: device.text("OUI")?,
            product_class: device.text_or_empty("ProductClass"),
            serial_number: device.text("SerialNumber")?,
        },
        events,
        max_envelopes: fields.number_or("MaxEnvelopes", 1)?,
        current_time: fields.time("CurrentTime")?,
        retry_count: fields.number_or("RetryCount", 0)?,
        parameters: read_parameter_values(fields, "ParameterList").unwrap_or_default(),
    })
}

fn read_parameter_values(
    fields: &Fields<'_>,
    field: &'static str,
) -> Result<Vec<ParameterValue>, DecodeError> {
    fields
        .items(field)?
        .iter()
        .map(|item| {
            let item_fields = fields.nested(item);
            let value = item.child_ignore_case("Value");
            Ok(ParameterValue {
                name: item_fields.text("Name")?,
                // Values are kept exactly as sent: whitespace can be meaningful (SSIDs).
                value: value
                    .map(|value| value.text.clone().into_owned())
                    .unwrap_or_default(),
                kind: value
                    .and_then(|value| value.attribute("type"))
                    .map_or(XsdType::String, XsdType::parse),
            })
        })
        .collect()
}

fn read_set_attribute(item: &Fields<'_>) -> Result<SetParameterAttribute, DecodeError> {
    let notification_change = item.boolean("NotificationChange")?;
    let access_list_change = item.boolean("AccessListChange")?;
    Ok(SetParameterAttribute {
        name: item.text("Name")?,
        notification: if notification_change {
            Some(Notification::from_number(item.number("Notification")?))
        } else {
            None
        },
        access_list: access_list_change.then(|| {
            item.items_or_none("AccessList")
                .iter()
                .map(|entry| entry.text.trim().to_owned())
                .collect()
        }),
    })
}

/// One ChangeDUState operation, by its struct's name; unknown kinds are skipped.
fn read_du_operation(item: &Fields<'_>) -> Option<DuOperation> {
    Some(match item.element.name.as_ref() {
        "InstallOpStruct" => DuOperation::Install {
            url: item.text_or_empty("URL"),
            uuid: item.text_or_empty("UUID"),
            username: item.text_or_empty("Username"),
            password: item.text_or_empty("Password"),
            execution_env_ref: item.text_or_empty("ExecutionEnvRef"),
        },
        "UpdateOpStruct" => DuOperation::Update {
            uuid: item.text_or_empty("UUID"),
            version: item.text_or_empty("Version"),
            url: item.text_or_empty("URL"),
            username: item.text_or_empty("Username"),
            password: item.text_or_empty("Password"),
        },
        "UninstallOpStruct" => DuOperation::Uninstall {
            uuid: item.text_or_empty("UUID"),
            version: item.text_or_empty("Version"),
            execution_env_ref: item.text_or_empty("ExecutionEnvRef"),
        },
        _ => return None,
    })
}

fn read_du_results(
    fields: &Fields<'_>,
    autonomous: bool,
) -> Result<Vec<DuOperationResult>, DecodeError> {
    fields
        .items_or_none("Results")
        .iter()
        .map(|item| {
            let item = fields.nested(item);
            Ok(DuOperationResult {
                uuid: item.text_or_empty("UUID"),
                deployment_unit_ref: item.text_or_empty("DeploymentUnitRef"),
                version: item.text_or_empty("Version"),
                current_state: item.text_or_empty("CurrentState"),
                resolved: item
                    .element
                    .child_text("Resolved")
                    .and_then(read_bool)
                    .unwrap_or(false),
                execution_unit_refs: item.text_or_empty("ExecutionUnitRefList"),
                start_time: item.time("StartTime")?,
                complete_time: item.time("CompleteTime")?,
                fault: read_transfer_fault(&item)?,
                operation_performed: autonomous.then(|| item.text_or_empty("OperationPerformed")),
            })
        })
        .collect()
}

fn read_transfer_fault(fields: &Fields<'_>) -> Result<TransferFault, DecodeError> {
    let Some(fault) = fields.element.child_ignore_case("FaultStruct") else {
        return Ok(TransferFault::default());
    };
    let fault = fields.nested(fault);
    Ok(TransferFault {
        code: fault.number_or("FaultCode", 0)?,
        message: fault.text_or_empty("FaultString"),
    })
}

fn read_transfers(fields: &Fields<'_>) -> Result<Vec<QueuedTransfer>, DecodeError> {
    fields
        .items_or_none("TransferList")
        .iter()
        .map(|item| {
            let item = fields.nested(item);
            Ok(QueuedTransfer {
                command_key: item.text_or_empty("CommandKey"),
                state: item.number_or("State", 1)?,
                is_download: item.element.child_text("IsDownload").and_then(read_bool),
                file_type: item.element.child_text("FileType").map(str::to_owned),
                file_size: item
                    .element
                    .child_text("FileSize")
                    .and_then(|n| n.parse().ok()),
                target_file_name: item.element.child_text("TargetFileName").map(str::to_owned),
            })
        })
        .collect()
}

/// A SOAP Fault: the CWMP fault in its detail, or the SOAP fault string when a device sent
/// a bare SOAP fault (some do).
fn read_fault(element: &Element<'_>) -> Result<CwmpFault, DecodeError> {
    let detail = element
        .child_ignore_case("detail")
        .and_then(|detail| detail.child_ignore_case("Fault"));
    let Some(detail) = detail else {
        let message = element
            .child_text("faultstring")
            .unwrap_or("SOAP fault")
            .to_owned();
        return Ok(CwmpFault::with_message(FaultCode::INTERNAL_ERROR, message));
    };
    let fields = Fields {
        element: detail,
        method: "Fault",
    };
    let parameter_faults = detail
        .children
        .iter()
        .filter(|child| child.name == "SetParameterValuesFault")
        .map(|child| {
            let child = fields.nested(child);
            Ok(ParameterFault {
                name: child.text_or_empty("ParameterName"),
                code: FaultCode(child.number("FaultCode")?),
                message: child.text_or_empty("FaultString"),
            })
        })
        .collect::<Result<_, DecodeError>>()?;
    Ok(CwmpFault {
        code: FaultCode(fields.number("FaultCode")?),
        message: fields.text_or_empty("FaultString"),
        parameter_faults,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_leniently() {
        let utc = |s: &str| {
            Some(Some(
                DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc),
            ))
        };
        assert_eq!(
            read_time("2026-11-24T10:00:00Z"),
            utc("2026-11-24T10:00:00Z")
        );
        assert_eq!(
            read_time("2026-11-24T12:00:00+02:00"),
            utc("2026-11-24T10:00:00Z")
        );
        assert_eq!(
            read_time("2026-11-24T10:00:00"),
            utc("2026-11-24T10:00:00Z")
        );
        assert_eq!(
            read_time("2026-11-24T10:00:00.123"),
            utc("2026-11-24T10:00:00.123Z")
        );
        assert_eq!(read_time("0001-01-01T00:00:00Z"), Some(None));
        assert_eq!(read_time("yesterday"), None);
    }
}
