//! Writing messages: strict and canonical. Fixed prefixes, `arrayType` on every array, an
//! `xsi:type` on every value, times in UTC with a `Z`, text escaped.

use super::{
    envelope::{Header, escape, write_envelope},
    fault::CwmpFault,
    message::{DuOperation, DuOperationResult, Message},
    types::{CwmpTime, ParameterValue, QueuedTransfer, TransferFault},
    version::CwmpVersion,
};

/// Writes `message` in a complete envelope; `None` writes an empty Body.
pub fn encode(version: CwmpVersion, header: &Header, message: Option<&Message>) -> String {
    let body = message.map(write_message).unwrap_or_default();
    write_envelope(version, header, &body)
}

/// Builds the XML of one method element.
struct Writer {
    out: String,
}

impl Writer {
    fn method(name: &str) -> Writer {
        let mut writer = Writer {
            out: String::with_capacity(256),
        };
        writer.out.push_str("<cwmp:");
        writer.out.push_str(name);
        writer.out.push('>');
        writer
    }

    fn finish(mut self, name: &str) -> String {
        self.out.push_str("</cwmp:");
        self.out.push_str(name);
        self.out.push('>');
        self.out
    }

    fn open(&mut self, tag: &str) {
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push('>');
    }

    fn close(&mut self, tag: &str) {
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
    }

    fn leaf(&mut self, tag: &str, text: &str) {
        self.open(tag);
        self.out.push_str(&escape(text));
        self.close(tag);
    }

    fn number(&mut self, tag: &str, value: u32) {
        self.leaf(tag, &value.to_string());
    }

    fn boolean(&mut self, tag: &str, value: bool) {
        self.leaf(tag, if value { "1" } else { "0" });
    }

    fn time(&mut self, tag: &str, time: &CwmpTime) {
        let text = match time {
            Some(time) => time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            None => "0001-01-01T00:00:00Z".to_owned(),
        };
        self.leaf(tag, &text);
    }

    /// `<tag soap-enc:arrayType="item_type[count]">`; close it with `close(tag)`.
    fn array(&mut self, tag: &str, item_type: &str, count: usize) {
        self.out.push_str(&format!(
            "<{tag} soap-enc:arrayType=\"{item_type}[{count}]\">"
        ));
    }

    fn strings(&mut self, tag: &str, items: &[String]) {
        self.array(tag, "xsd:string", items.len());
        for item in items {
            self.leaf("string", item);
        }
        self.close(tag);
    }

    fn parameter_values(&mut self, parameters: &[ParameterValue]) {
        self.array(
            "ParameterList",
            "cwmp:ParameterValueStruct",
            parameters.len(),
        );
        for parameter in parameters {
            self.open("ParameterValueStruct");
            self.leaf("Name", &parameter.name);
            self.out.push_str(&format!(
                "<Value xsi:type=\"{}\">{}</Value>",
                escape(&parameter.kind.as_xsi()),
                escape(&parameter.value)
            ));
            self.close("ParameterValueStruct");
        }
        self.close("ParameterList");
    }

    fn transfer_fault(&mut self, fault: &TransferFault) {
        self.open("FaultStruct");
        self.number("FaultCode", fault.code);
        self.leaf("FaultString", &fault.message);
        self.close("FaultStruct");
    }

    fn du_results(&mut self, results: &[DuOperationResult], array_type: &str, item: &str) {
        self.array("Results", array_type, results.len());
        for result in results {
            self.open(item);
            self.leaf("UUID", &result.uuid);
            self.leaf("DeploymentUnitRef", &result.deployment_unit_ref);
            self.leaf("Version", &result.version);
            self.leaf("CurrentState", &result.current_state);
            self.boolean("Resolved", result.resolved);
            self.leaf("ExecutionUnitRefList", &result.execution_unit_refs);
            self.time("StartTime", &result.start_time);
            self.time("CompleteTime", &result.complete_time);
            self.transfer_fault(&result.fault);
            if let Some(operation) = &result.operation_performed {
                self.leaf("OperationPerformed", operation);
            }
            self.close(item);
        }
        self.close("Results");
    }

    fn transfers(&mut self, transfers: &[QueuedTransfer], all: bool) {
        let item = if all {
            "AllQueuedTransferStruct"
        } else {
            "QueuedTransferStruct"
        };
        self.array("TransferList", &format!("cwmp:{item}"), transfers.len());
        for transfer in transfers {
            self.open(item);
            self.leaf("CommandKey", &transfer.command_key);
            self.number("State", transfer.state);
            if all {
                self.boolean("IsDownload", transfer.is_download.unwrap_or(true));
                self.leaf(
                    "FileType",
                    transfer.file_type.as_deref().unwrap_or_default(),
                );
                self.number("FileSize", transfer.file_size.unwrap_or(0));
                self.leaf(
                    "TargetFileName",
                    transfer.target_file_name.as_deref().unwrap_or_default(),
                );
            }
            self.close(item);
        }
        self.close("TransferList");
    }
}

/// The XML of one method element (or a SOAP Fault).
pub fn write_message(message: &Message) -> String {
    if let Message::Fault(fault) = message {
        return write_fault(fault);
    }
    let name = message.method();
    let mut w = Writer::method(name);
    match message {
        Message::Inform(inform) => {
            w.open("DeviceId");
            w.leaf("Manufacturer", &inform.device_id.manufacturer);
            w.leaf("OUI", &inform.device_id.oui);
            w.leaf("ProductClass", &inform.device_id.product_class);
            w.leaf("SerialNumber", &inform.device_id.serial_number);
            w.close("DeviceId");
            w.array("Event", "cwmp:EventStruct", inform.events.len());
            for event in &inform.events {
                w.open("EventStruct");
                w.leaf("EventCode", &event.code.as_text());
                w.leaf("CommandKey", &event.command_key);
                w.close("EventStruct");
            }
            w.close("Event");
            w.number("MaxEnvelopes", inform.max_envelopes);
            w.time("CurrentTime", &inform.current_time);
            w.number("RetryCount", inform.retry_count);
            w.parameter_values(&inform.parameters);
        }
        Message::InformResponse { max_envelopes } => w.number("MaxEnvelopes", *max_envelopes),
        Message::TransferComplete(complete) => {
            w.leaf("CommandKey", &complete.command_key);
            w.transfer_fault(&complete.fault);
            w.time("StartTime", &complete.start_time);
            w.time("CompleteTime", &complete.complete_time);
        }
        Message::AutonomousTransferComplete(complete) => {
            w.leaf("AnnounceURL", &complete.announce_url);
            w.leaf("TransferURL", &complete.transfer_url);
            w.boolean("IsDownload", complete.is_download);
            w.leaf("FileType", &complete.file_type);
            w.number("FileSize", complete.file_size);
            w.leaf("TargetFileName", &complete.target_file_name);
            w.transfer_fault(&complete.fault);
            w.time("StartTime", &complete.start_time);
            w.time("CompleteTime", &complete.complete_time);
        }
        Message::RequestDownload(request) => {
            w.leaf("FileType", &request.file_type);
            w.array("FileTypeArg", "cwmp:ArgStruct", request.arguments.len());
            for (arg_name, value) in &request.arguments {
                w.open("ArgStruct");
                w.leaf("Name", arg_name);
                w.leaf("Value", value);
                w.close("ArgStruct");
            }
            w.close("FileTypeArg");
        }
        Message::Kicked(kicked) => {
            w.leaf("Command", &kicked.command);
            w.leaf("Referer", &kicked.referer);
            w.leaf("Arg", &kicked.arg);
            w.leaf("Next", &kicked.next);
        }
        Message::KickedResponse { next_url } => w.leaf("NextURL", next_url),
        Message::GetRpcMethodsResponse { methods } => w.strings("MethodList", methods),
        Message::SetParameterValues {
            parameters,
            parameter_key,
        } => {
            w.parameter_values(parameters);
            w.leaf("ParameterKey", parameter_key);
        }
        Message::SetParameterValuesResponse { status }
        | Message::DeleteObjectResponse { status } => w.number("Status", *status),
        Message::GetParameterValues { names } | Message::GetParameterAttributes { names } => {
            w.strings("ParameterNames", names)
        }
        Message::GetParameterValuesResponse { parameters } => w.parameter_values(parameters),
        Message::GetParameterNames { path, next_level } => {
            w.leaf("ParameterPath", path);
            w.boolean("NextLevel", *next_level);
        }
        Message::GetParameterNamesResponse { parameters } => {
            w.array(
                "ParameterList",
                "cwmp:ParameterInfoStruct",
                parameters.len(),
            );
            for parameter in parameters {
                w.open("ParameterInfoStruct");
                w.leaf("Name", &parameter.name);
                w.boolean("Writable", parameter.writable);
                w.close("ParameterInfoStruct");
            }
            w.close("ParameterList");
        }
        Message::SetParameterAttributes { attributes } => {
            w.array(
                "ParameterList",
                "cwmp:SetParameterAttributesStruct",
                attributes.len(),
            );
            for attribute in attributes {
                w.open("SetParameterAttributesStruct");
                w.leaf("Name", &attribute.name);
                w.boolean("NotificationChange", attribute.notification.is_some());
                w.number(
                    "Notification",
                    attribute.notification.map_or(0, |n| n.number()),
                );
                w.boolean("AccessListChange", attribute.access_list.is_some());
                w.strings(
                    "AccessList",
                    attribute.access_list.as_deref().unwrap_or_default(),
                );
                w.close("SetParameterAttributesStruct");
            }
            w.close("ParameterList");
        }
        Message::GetParameterAttributesResponse { attributes } => {
            w.array(
                "ParameterList",
                "cwmp:ParameterAttributeStruct",
                attributes.len(),
            );
            for attribute in attributes {
                w.open("ParameterAttributeStruct");
                w.leaf("Name", &attribute.name);
                w.number("Notification", attribute.notification.number());
                w.strings("AccessList", &attribute.access_list);
                w.close("ParameterAttributeStruct");
            }
            w.close("ParameterList");
        }
        Message::AddObject {
            object_name,
            parameter_key,
        }
        | Message::DeleteObject {
            object_name,
            parameter_key,
        } => {
            w.leaf("ObjectName", object_name);
            w.leaf("ParameterKey", parameter_key);
        }
        Message::AddObjectResponse {
            instance_number,
            status,
        } => {
            w.number("InstanceNumber", *instance_number);
            w.number("Status", *status);
        }
        Message::Reboot { command_key } | Message::CancelTransfer { command_key } => {
            w.leaf("CommandKey", command_key)
        }
        Message::Download(download) => {
            w.leaf("CommandKey", &download.command_key);
            w.leaf("FileType", &download.file_type);
            w.leaf("URL", &download.url);
            w.leaf("Username", &download.username);
            w.leaf("Password", &download.password);
            w.number("FileSize", download.file_size);
            w.leaf("TargetFileName", &download.target_file_name);
            w.number("DelaySeconds", download.delay_seconds);
            w.leaf("SuccessURL", &download.success_url);
            w.leaf("FailureURL", &download.failure_url);
        }
        Message::DownloadResponse {
            status,
            start_time,
            complete_time,
        }
        | Message::UploadResponse {
            status,
            start_time,
            complete_time,
        } => {
            w.number("Status", *status);
            w.time("StartTime", start_time);
            w.time("CompleteTime", complete_time);
        }
        Message::Upload(upload) => {
            w.leaf("CommandKey", &upload.command_key);
            w.leaf("FileType", &upload.file_type);
            w.leaf("URL", &upload.url);
            w.leaf("Username", &upload.username);
            w.leaf("Password", &upload.password);
            w.number("DelaySeconds", upload.delay_seconds);
        }
        Message::ScheduleInform {
            delay_seconds,
            command_key,
        } => {
            w.number("DelaySeconds", *delay_seconds);
            w.leaf("CommandKey", command_key);
        }
        Message::ScheduleDownload(download) => {
            w.leaf("CommandKey", &download.command_key);
            w.leaf("FileType", &download.file_type);
            w.leaf("URL", &download.url);
            w.leaf("Username", &download.username);
            w.leaf("Password", &download.password);
            w.number("FileSize", download.file_size);
            w.leaf("TargetFileName", &download.target_file_name);
            w.array(
                "TimeWindowList",
                "cwmp:TimeWindowStruct",
                download.time_windows.len(),
            );
            for window in &download.time_windows {
                w.open("TimeWindowStruct");
                w.number("WindowStart", window.start);
                w.number("WindowEnd", window.end);
                w.leaf("WindowMode", &window.mode);
                w.leaf("UserMessage", &window.user_message);
                w.leaf("MaxRetries", &window.max_retries.to_string());
                w.close("TimeWindowStruct");
            }
            w.close("TimeWindowList");
        }
        Message::ChangeDuState {
            operations,
            command_key,
        } => {
            w.array("Operations", "cwmp:OperationStruct", operations.len());
            for operation in operations {
                match operation {
                    DuOperation::Install {
                        url,
                        uuid,
                        username,
                        password,
                        execution_env_ref,
                    } => {
                        w.open("InstallOpStruct");
                        w.leaf("URL", url);
                        w.leaf("UUID", uuid);
                        w.leaf("Username", username);
                        w.leaf("Password", password);
                        w.leaf("ExecutionEnvRef", execution_env_ref);
                        w.close("InstallOpStruct");
                    }
                    DuOperation::Update {
                        uuid,
                        version,
                        url,
                        username,
                        password,
                    } => {
                        w.open("UpdateOpStruct");
                        w.leaf("UUID", uuid);
                        w.leaf("Version", version);
                        w.leaf("URL", url);
                        w.leaf("Username", username);
                        w.leaf("Password", password);
                        w.close("UpdateOpStruct");
                    }
                    DuOperation::Uninstall {
                        uuid,
                        version,
                        execution_env_ref,
                    } => {
                        w.open("UninstallOpStruct");
                        w.leaf("UUID", uuid);
                        w.leaf("Version", version);
                        w.leaf("ExecutionEnvRef", execution_env_ref);
                        w.close("UninstallOpStruct");
                    }
                }
            }
            w.close("Operations");
            w.leaf("CommandKey", command_key);
        }
        Message::GetOptions { option_name } => w.leaf("OptionName", option_name),
        Message::GetOptionsResponse { options } => {
            w.array("OptionList", "cwmp:OptionStruct", options.len());
            for option in options {
                w.open("OptionStruct");
                w.leaf("OptionName", &option.name);
                w.leaf("VoucherSN", &option.voucher_serial_number);
                w.number("State", option.state);
                w.leaf("Mode", &option.mode.to_string());
                w.time("StartDate", &option.start_date);
                w.time("ExpirationDate", &option.expiration_date);
                w.leaf("IsTransferable", &option.is_transferable.to_string());
                w.close("OptionStruct");
            }
            w.close("OptionList");
        }
        Message::SetVouchers { vouchers } => {
            w.array("VoucherList", "xsd:base64", vouchers.len());
            for voucher in vouchers {
                w.leaf("base64", voucher);
            }
            w.close("VoucherList");
        }
        Message::DuStateChangeComplete {
            results,
            command_key,
        } => {
            w.du_results(results, "cwmp:OpResultStruct", "OpResultStruct");
            w.leaf("CommandKey", command_key);
        }
        Message::AutonomousDuStateChangeComplete { results } => {
            w.du_results(results, "cwmp:AutonOpResultStruct", "AutonOpResultStruct");
        }
        Message::GetQueuedTransfersResponse { transfers } => w.transfers(transfers, false),
        Message::GetAllQueuedTransfersResponse { transfers } => w.transfers(transfers, true),
        Message::TransferCompleteResponse
        | Message::AutonomousTransferCompleteResponse
        | Message::RequestDownloadResponse
        | Message::GetRpcMethods
        | Message::SetParameterAttributesResponse
        | Message::RebootResponse
        | Message::FactoryReset
        | Message::FactoryResetResponse
        | Message::ScheduleInformResponse
        | Message::GetQueuedTransfers
        | Message::GetAllQueuedTransfers
        | Message::CancelTransferResponse
        | Message::ScheduleDownloadResponse
        | Message::ChangeDuStateResponse
        | Message::SetVouchersResponse
        | Message::DuStateChangeCompleteResponse
        | Message::AutonomousDuStateChangeCompleteResponse
        | Message::Unknown { .. }
        | Message::Fault(_) => {}
    }
    w.finish(name)
}

fn write_fault(fault: &CwmpFault) -> String {
    let mut w = Writer {
        out: String::with_capacity(256),
    };
    w.open("soap-env:Fault");
    w.leaf("faultcode", fault.code.soap_fault_code());
    w.leaf("faultstring", "CWMP fault");
    w.open("detail");
    w.open("cwmp:Fault");
    w.number("FaultCode", fault.code.0);
    w.leaf("FaultString", &fault.message);
    for parameter in &fault.parameter_faults {
        w.open("SetParameterValuesFault");
        w.leaf("ParameterName", &parameter.name);
        w.number("FaultCode", parameter.code.0);
        w.leaf("FaultString", &parameter.message);
        w.close("SetParameterValuesFault");
    }
    w.close("cwmp:Fault");
    w.close("detail");
    w.close("soap-env:Fault");
    w.out
}
