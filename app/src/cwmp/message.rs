//! Every CWMP message as a Rust value. The codec reads and writes all of them in both
//! directions: the ACS reads what devices send, the CPE simulator reads what the ACS sends.

use super::{
    fault::CwmpFault,
    types::{
        CwmpTime, DeviceId, Event, ParameterAttribute, ParameterInfo, ParameterValue,
        QueuedTransfer, SetParameterAttribute, TransferFault,
    },
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inform {
    pub device_id: DeviceId,
    pub events: Vec<Event>,
    pub max_envelopes: u32,
    pub current_time: CwmpTime,
    pub retry_count: u32,
    pub parameters: Vec<ParameterValue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Download {
    pub command_key: String,
    /// "1 Firmware Upgrade Image", "3 Vendor Configuration File", ...
    pub file_type: String,
    pub url: String,
    pub username: String,
    pub password: String,
    pub file_size: u32,
    pub target_file_name: String,
    pub delay_seconds: u32,
    pub success_url: String,
    pub failure_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Upload {
    pub command_key: String,
    /// "1 Vendor Configuration File", "2 Vendor Log File", ...
    pub file_type: String,
    pub url: String,
    pub username: String,
    pub password: String,
    pub delay_seconds: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferComplete {
    pub command_key: String,
    pub fault: TransferFault,
    pub start_time: CwmpTime,
    pub complete_time: CwmpTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutonomousTransferComplete {
    pub announce_url: String,
    pub transfer_url: String,
    pub is_download: bool,
    pub file_type: String,
    pub file_size: u32,
    pub target_file_name: String,
    pub fault: TransferFault,
    pub start_time: CwmpTime,
    pub complete_time: CwmpTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestDownload {
    pub file_type: String,
    pub arguments: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kicked {
    pub command: String,
    pub referer: String,
    pub arg: String,
    pub next: String,
}

/// A download the CPE performs within one of the given time windows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScheduleDownload {
    pub command_key: String,
    pub file_type: String,
    pub url: String,
    pub username: String,
    pub password: String,
    pub file_size: u32,
    pub target_file_name: String,
    pub time_windows: Vec<TimeWindow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TimeWindow {
    /// Seconds from the request to the window's start and end.
    pub start: u32,
    pub end: u32,
    /// "1 At Any Time", "2 Immediately", "3 When Idle", "4 Confirmation Needed".
    pub mode: String,
    pub user_message: String,
    /// -1: the CPE decides.
    pub max_retries: i32,
}

/// One operation of ChangeDUState (software modules, TR-157).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DuOperation {
    Install {
        url: String,
        uuid: String,
        username: String,
        password: String,
        execution_env_ref: String,
    },
    Update {
        uuid: String,
        version: String,
        url: String,
        username: String,
        password: String,
    },
    Uninstall {
        uuid: String,
        version: String,
        execution_env_ref: String,
    },
}

/// The outcome of one deployment-unit operation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DuOperationResult {
    pub uuid: String,
    pub deployment_unit_ref: String,
    pub version: String,
    pub current_state: String,
    pub resolved: bool,
    pub execution_unit_refs: String,
    pub start_time: CwmpTime,
    pub complete_time: CwmpTime,
    pub fault: TransferFault,
    /// Only in AutonomousDUStateChangeComplete: "Install", "Update" or "Uninstall".
    pub operation_performed: Option<String>,
}

/// A software option (GetOptionsResponse).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OptionInfo {
    pub name: String,
    pub voucher_serial_number: String,
    pub state: u32,
    pub mode: i32,
    pub start_date: CwmpTime,
    pub expiration_date: CwmpTime,
    pub is_transferable: i32,
}

/// A CWMP message. `Status` fields are 0 (applied) or 1 (applied at the next reboot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    // The CPE's requests, and the ACS's answers.
    Inform(Inform),
    InformResponse {
        max_envelopes: u32,
    },
    TransferComplete(TransferComplete),
    TransferCompleteResponse,
    AutonomousTransferComplete(AutonomousTransferComplete),
    AutonomousTransferCompleteResponse,
    RequestDownload(RequestDownload),
    RequestDownloadResponse,
    Kicked(Kicked),
    KickedResponse {
        next_url: String,
    },

    // Either side may ask the other for its methods.
    GetRpcMethods,
    GetRpcMethodsResponse {
        methods: Vec<String>,
    },

    // The ACS's requests, and the CPE's answers.
    SetParameterValues {
        parameters: Vec<ParameterValue>,
        parameter_key: String,
    },
    SetParameterValuesResponse {
        status: u32,
    },
    GetParameterValues {
        names: Vec<String>,
    },
    GetParameterValuesResponse {
        parameters: Vec<ParameterValue>,
    },
    GetParameterNames {
        path: String,
        next_level: bool,
    },
    GetParameterNamesResponse {
        parameters: Vec<ParameterInfo>,
    },
    SetParameterAttributes {
        attributes: Vec<SetParameterAttribute>,
    },
    SetParameterAttributesResponse,
    GetParameterAttributes {
        names: Vec<String>,
    },
    GetParameterAttributesResponse {
        attributes: Vec<ParameterAttribute>,
    },
    AddObject {
        object_name: String,
        parameter_key: String,
    },
    AddObjectResponse {
        instance_number: u32,
        status: u32,
    },
    DeleteObject {
        object_name: String,
        parameter_key: String,
    },
    DeleteObjectResponse {
        status: u32,
    },
    Reboot {
        command_key: String,
    },
    RebootResponse,
    Download(Download),
    DownloadResponse {
        status: u32,
        start_time: CwmpTime,
        complete_time: CwmpTime,
    },
    Upload(Upload),
    UploadResponse {
        status: u32,
        start_time: CwmpTime,
        complete_time: CwmpTime,
    },
    FactoryReset,
    FactoryResetResponse,
    ScheduleInform {
        delay_seconds: u32,
        command_key: String,
    },
    ScheduleInformResponse,
    GetQueuedTransfers,
    GetQueuedTransfersResponse {
        transfers: Vec<QueuedTransfer>,
    },
    GetAllQueuedTransfers,
    GetAllQueuedTransfersResponse {
        transfers: Vec<QueuedTransfer>,
    },
    CancelTransfer {
        command_key: String,
    },
    CancelTransferResponse,
    ScheduleDownload(ScheduleDownload),
    ScheduleDownloadResponse,
    ChangeDuState {
        operations: Vec<DuOperation>,
        command_key: String,
    },
    ChangeDuStateResponse,
    GetOptions {
        option_name: String,
    },
    GetOptionsResponse {
        options: Vec<OptionInfo>,
    },
    SetVouchers {
        vouchers: Vec<String>,
    },
    SetVouchersResponse,
    DuStateChangeComplete {
        results: Vec<DuOperationResult>,
        command_key: String,
    },
    DuStateChangeCompleteResponse,
    AutonomousDuStateChangeComplete {
        results: Vec<DuOperationResult>,
    },
    AutonomousDuStateChangeCompleteResponse,

    /// A SOAP Fault carrying a CWMP fault, from either side.
    Fault(CwmpFault),
    /// A method this codec does not know; the session answers it with a fault.
    Unknown {
        method: String,
    },
}

impl Message {
    /// The method's element name, as on the wire.
    pub fn method(&self) -> &str {
        match self {
            Message::Inform(_) => "Inform",
            Message::InformResponse { .. } => "InformResponse",
            Message::TransferComplete(_) => "TransferComplete",
            Message::TransferCompleteResponse => "TransferCompleteResponse",
            Message::AutonomousTransferComplete(_) => "AutonomousTransferComplete",
            Message::AutonomousTransferCompleteResponse => "AutonomousTransferCompleteResponse",
            Message::RequestDownload(_) => "RequestDownload",
            Message::RequestDownloadResponse => "RequestDownloadResponse",
            Message::Kicked(_) => "Kicked",
            Message::KickedResponse { .. } => "KickedResponse",
            Message::GetRpcMethods => "GetRPCMethods",
            Message::GetRpcMethodsResponse { .. } => "GetRPCMethodsResponse",
            Message::SetParameterValues { .. } => "SetParameterValues",
            Message::SetParameterValuesResponse { .. } => "SetParameterValuesResponse",
            Message::GetParameterValues { .. } => "GetParameterValues",
            Message::GetParameterValuesResponse { .. } => "GetParameterValuesResponse",
            Message::GetParameterNames { .. } => "GetParameterNames",
            Message::GetParameterNamesResponse { .. } => "GetParameterNamesResponse",
            Message::SetParameterAttributes { .. } => "SetParameterAttributes",
            Message::SetParameterAttributesResponse => "SetParameterAttributesResponse",
            Message::GetParameterAttributes { .. } => "GetParameterAttributes",
            Message::GetParameterAttributesResponse { .. } => "GetParameterAttributesResponse",
            Message::AddObject { .. } => "AddObject",
            Message::AddObjectResponse { .. } => "AddObjectResponse",
            Message::DeleteObject { .. } => "DeleteObject",
            Message::DeleteObjectResponse { .. } => "DeleteObjectResponse",
            Message::Reboot { .. } => "Reboot",
            Message::RebootResponse => "RebootResponse",
            Message::Download(_) => "Download",
            Message::DownloadResponse { .. } => "DownloadResponse",
            Message::Upload(_) => "Upload",
            Message::UploadResponse { .. } => "UploadResponse",
            Message::FactoryReset => "FactoryReset",
            Message::FactoryResetResponse => "FactoryResetResponse",
            Message::ScheduleInform { .. } => "ScheduleInform",
            Message::ScheduleInformResponse => "ScheduleInformResponse",
            Message::GetQueuedTransfers => "GetQueuedTransfers",
            Message::GetQueuedTransfersResponse { .. } => "GetQueuedTransfersResponse",
            Message::GetAllQueuedTransfers => "GetAllQueuedTransfers",
            Message::GetAllQueuedTransfersResponse { .. } => "GetAllQueuedTransfersResponse",
            Message::CancelTransfer { .. } => "CancelTransfer",
            Message::CancelTransferResponse => "CancelTransferResponse",
            Message::ScheduleDownload(_) => "ScheduleDownload",
            Message::ScheduleDownloadResponse => "ScheduleDownloadResponse",
            Message::ChangeDuState { .. } => "ChangeDUState",
            Message::ChangeDuStateResponse => "ChangeDUStateResponse",
            Message::GetOptions { .. } => "GetOptions",
            Message::GetOptionsResponse { .. } => "GetOptionsResponse",
            Message::SetVouchers { .. } => "SetVouchers",
            Message::SetVouchersResponse => "SetVouchersResponse",
            Message::DuStateChangeComplete { .. } => "DUStateChangeComplete",
            Message::DuStateChangeCompleteResponse => "DUStateChangeCompleteResponse",
            Message::AutonomousDuStateChangeComplete { .. } => "AutonomousDUStateChangeComplete",
            Message::AutonomousDuStateChangeCompleteResponse => {
                "AutonomousDUStateChangeCompleteResponse"
            }
            Message::Fault(_) => "Fault",
            Message::Unknown { method } => method,
        }
    }
}
