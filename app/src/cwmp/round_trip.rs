//! `decode(encode(m)) == m` for a sample of every message, in every version.

use chrono::{TimeZone, Utc};

use super::{
    decode, encode,
    envelope::Header,
    fault::{CwmpFault, FaultCode, ParameterFault},
    message::{
        AutonomousTransferComplete, Download, DuOperation, DuOperationResult, Inform, Kicked,
        Message, OptionInfo, RequestDownload, ScheduleDownload, TimeWindow, TransferComplete,
        Upload,
    },
    types::{
        DeviceId, Event, EventCode, Notification, ParameterAttribute, ParameterInfo,
        ParameterValue, QueuedTransfer, SetParameterAttribute, TransferFault, XsdType,
    },
    version::CwmpVersion,
};

fn samples() -> Vec<Message> {
    let when = Some(Utc.with_ymd_and_hms(2026, 11, 24, 9, 30, 0).unwrap());
    let values = vec![
        ParameterValue::new(
            "Device.DeviceInfo.SoftwareVersion",
            "1.2.3 <beta> & co",
            XsdType::String,
        ),
        ParameterValue::new(
            "Device.WiFi.SSID.1.SSID",
            "  spaces kept  ",
            XsdType::String,
        ),
        ParameterValue::new("Device.DeviceInfo.UpTime", "3600", XsdType::UnsignedInt),
        ParameterValue::new("Device.WiFi.Radio.1.Enable", "true", XsdType::Boolean),
        ParameterValue::new(
            "Device.Time.CurrentLocalTime",
            "2026-11-24T09:30:00Z",
            XsdType::DateTime,
        ),
        ParameterValue::new("Device.X_Vendor.Blob", "AAEC", XsdType::Base64),
        ParameterValue::new(
            "Device.X_Vendor.Address",
            "10.0.0.1",
            XsdType::Other("IPAddress".into()),
        ),
    ];
    let transfers = vec![QueuedTransfer {
        command_key: "fw-1".into(),
        state: 2,
        is_download: Some(true),
        file_type: Some("1 Firmware Upgrade Image".into()),
        file_size: Some(1024),
        target_file_name: Some("image.bin".into()),
    }];
    vec![
        Message::Inform(Inform {
            device_id: DeviceId {
                manufacturer: "Osprey & Sons".into(),
                oui: "00D09E".into(),
                product_class: "HG8245".into(),
                serial_number: "SN0001".into(),
            },
            events: vec![
                Event {
                    code: EventCode::Bootstrap,
                    command_key: String::new(),
                },
                Event {
                    code: EventCode::Method("Reboot".into()),
                    command_key: "rb-7".into(),
                },
            ],
            max_envelopes: 1,
            current_time: when,
            retry_count: 2,
            parameters: values.clone(),
        }),
        Message::InformResponse { max_envelopes: 1 },
        Message::TransferComplete(TransferComplete {
            command_key: "fw-1".into(),
            fault: TransferFault {
                code: 9010,
                message: "Download failed".into(),
            },
            start_time: when,
            complete_time: None,
        }),
        Message::TransferCompleteResponse,
        Message::AutonomousTransferComplete(AutonomousTransferComplete {
            announce_url: "http://a".into(),
            transfer_url: "http://b/file".into(),
            is_download: true,
            file_type: "3 Vendor Configuration File".into(),
            file_size: 77,
            target_file_name: "cfg.xml".into(),
            fault: TransferFault::default(),
            start_time: when,
            complete_time: when,
        }),
        Message::AutonomousTransferCompleteResponse,
        Message::RequestDownload(RequestDownload {
            file_type: "1 Firmware Upgrade Image".into(),
            arguments: vec![("Version".into(), "2.0".into())],
        }),
        Message::RequestDownloadResponse,
        Message::Kicked(Kicked {
            command: "c".into(),
            referer: "r".into(),
            arg: "a".into(),
            next: "n".into(),
        }),
        Message::KickedResponse {
            next_url: "http://next".into(),
        },
        Message::GetRpcMethods,
        Message::GetRpcMethodsResponse {
            methods: vec!["Inform".into(), "TransferComplete".into()],
        },
        Message::SetParameterValues {
            parameters: values.clone(),
            parameter_key: "key-1".into(),
        },
        Message::SetParameterValuesResponse { status: 1 },
        Message::GetParameterValues {
            names: vec!["Device.".into(), "Device.DeviceInfo.".into()],
        },
        Message::GetParameterValuesResponse { parameters: values },
        Message::GetParameterNames {
            path: "Device.".into(),
            next_level: true,
        },
        Message::GetParameterNamesResponse {
            parameters: vec![
                ParameterInfo {
                    name: "Device.DeviceInfo.".into(),
                    writable: false,
                },
                ParameterInfo {
                    name: "Device.WiFi.SSID.1.SSID".into(),
                    writable: true,
                },
            ],
        },
        Message::SetParameterAttributes {
            attributes: vec![
                SetParameterAttribute {
                    name: "Device.A".into(),
                    notification: Some(Notification::Active),
                    access_list: None,
                },
                SetParameterAttribute {
                    name: "Device.B".into(),
                    notification: None,
                    access_list: Some(vec!["Subscriber".into()]),
                },
            ],
        },
        Message::SetParameterAttributesResponse,
        Message::GetParameterAttributes {
            names: vec!["Device.A".into()],
        },
        Message::GetParameterAttributesResponse {
            attributes: vec![ParameterAttribute {
                name: "Device.A".into(),
                notification: Notification::Passive,
                access_list: vec!["Subscriber".into()],
            }],
        },
        Message::AddObject {
            object_name: "Device.NAT.PortMapping.".into(),
            parameter_key: "k".into(),
        },
        Message::AddObjectResponse {
            instance_number: 3,
            status: 0,
        },
        Message::DeleteObject {
            object_name: "Device.NAT.PortMapping.3.".into(),
            parameter_key: String::new(),
        },
        Message::DeleteObjectResponse { status: 0 },
        Message::Reboot {
            command_key: "rb-7".into(),
        },
        Message::RebootResponse,
        Message::Download(Download {
            command_key: "fw-1".into(),
            file_type: "1 Firmware Upgrade Image".into(),
            url: "http://files/image.bin?a=1&b=2".into(),
            username: "u".into(),
            password: "p".into(),
            file_size: 1024,
            target_file_name: "image.bin".into(),
            delay_seconds: 5,
            success_url: String::new(),
            failure_url: String::new(),
        }),
        Message::DownloadResponse {
            status: 1,
            start_time: None,
            complete_time: None,
        },
        Message::Upload(Upload {
            command_key: "log".into(),
            file_type: "2 Vendor Log File".into(),
            url: "http://files/upload".into(),
            username: String::new(),
            password: String::new(),
            delay_seconds: 0,
        }),
        Message::UploadResponse {
            status: 0,
            start_time: when,
            complete_time: when,
        },
        Message::FactoryReset,
        Message::FactoryResetResponse,
        Message::ScheduleInform {
            delay_seconds: 30,
            command_key: "si".into(),
        },
        Message::ScheduleInformResponse,
        Message::GetQueuedTransfers,
        Message::GetQueuedTransfersResponse {
            transfers: transfers
                .iter()
                .map(|t| QueuedTransfer {
                    is_download: None,
                    file_type: None,
                    file_size: None,
                    target_file_name: None,
                    ..t.clone()
                })
                .collect(),
        },
        Message::GetAllQueuedTransfers,
        Message::GetAllQueuedTransfersResponse { transfers },
        Message::CancelTransfer {
            command_key: "fw-1".into(),
        },
        Message::CancelTransferResponse,
        Message::Fault(CwmpFault {
            code: FaultCode::INVALID_ARGUMENTS,
            message: "Invalid arguments".into(),
            parameter_faults: vec![ParameterFault {
                name: "Device.WiFi.SSID.1.SSID".into(),
                code: FaultCode::INVALID_PARAMETER_VALUE,
                message: "too long".into(),
            }],
        }),
        Message::Fault(CwmpFault::new(FaultCode::ACS_METHOD_NOT_SUPPORTED)),
        Message::ScheduleDownload(ScheduleDownload {
            command_key: "sd".into(),
            file_type: "1 Firmware Upgrade Image".into(),
            url: "http://files/fw.bin".into(),
            file_size: 10,
            time_windows: vec![TimeWindow {
                start: 0,
                end: 3600,
                mode: "1 At Any Time".into(),
                user_message: String::new(),
                max_retries: -1,
            }],
            ..ScheduleDownload::default()
        }),
        Message::ScheduleDownloadResponse,
        Message::ChangeDuState {
            operations: vec![
                DuOperation::Install {
                    url: "http://du/app.ipk".into(),
                    uuid: "u-1".into(),
                    username: String::new(),
                    password: String::new(),
                    execution_env_ref: "Device.SoftwareModules.ExecEnv.1".into(),
                },
                DuOperation::Update {
                    uuid: "u-1".into(),
                    version: "2".into(),
                    url: String::new(),
                    username: String::new(),
                    password: String::new(),
                },
                DuOperation::Uninstall {
                    uuid: "u-1".into(),
                    version: "2".into(),
                    execution_env_ref: String::new(),
                },
            ],
            command_key: "du".into(),
        },
        Message::ChangeDuStateResponse,
        Message::GetOptions {
            option_name: "Feature".into(),
        },
        Message::GetOptionsResponse {
            options: vec![OptionInfo {
                name: "Feature".into(),
                voucher_serial_number: "V1".into(),
                state: 1,
                mode: 2,
                start_date: when,
                expiration_date: None,
                is_transferable: 0,
            }],
        },
        Message::SetVouchers {
            vouchers: vec!["AAEC".into()],
        },
        Message::SetVouchersResponse,
        Message::DuStateChangeComplete {
            results: vec![DuOperationResult {
                uuid: "u-1".into(),
                current_state: "Installed".into(),
                resolved: true,
                start_time: when,
                ..DuOperationResult::default()
            }],
            command_key: "du".into(),
        },
        Message::DuStateChangeCompleteResponse,
        Message::AutonomousDuStateChangeComplete {
            results: vec![DuOperationResult {
                uuid: "u-2".into(),
                operation_performed: Some("Install".into()),
                ..DuOperationResult::default()
            }],
        },
        Message::AutonomousDuStateChangeCompleteResponse,
        Message::Unknown {
            method: "X_VENDOR_Frobnicate".into(),
        },
    ]
}

#[test]
fn every_message_survives_encode_then_decode() {
    for version in CwmpVersion::ALL {
        for message in samples() {
            let header = Header {
                id: Some("id-1".into()),
                ..Header::default()
            };
            let wire = encode(version, &header, Some(&message));
            let decoded = decode(wire.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{wire}"));
            assert_eq!(decoded.message.as_ref(), Some(&message), "{wire}");
            assert_eq!(decoded.version, Some(version), "{}", message.method());
            assert_eq!(decoded.header.id.as_deref(), Some("id-1"));
            assert!(decoded.warnings.is_empty(), "{:?}", decoded.warnings);
        }
    }
}

#[test]
fn an_empty_body_round_trips() {
    let wire = encode(CwmpVersion::V1_0, &Header::default(), None);
    let decoded = decode(wire.as_bytes()).unwrap();
    assert_eq!(decoded.message, None);
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    /// Text XML 1.0 can carry: tab, newlines and printable characters (no other controls,
    /// no surrogates or non-characters).
    const TEXT: &str = "[\\t\\n\\r\\x20-\\x7e\\u{a0}-\\u{d7ff}\\u{e000}-\\u{fffd}]{0,40}";
    const NAME: &str = "[A-Za-z][A-Za-z0-9_]{0,8}(\\.[A-Za-z0-9_]{1,8}){0,5}";

    fn kind() -> impl Strategy<Value = XsdType> {
        prop_oneof![
            Just(XsdType::String),
            Just(XsdType::UnsignedInt),
            Just(XsdType::Boolean),
            Just(XsdType::DateTime),
            Just(XsdType::Base64),
            "[A-Za-z]{1,10}".prop_map(|name| XsdType::parse(&name)),
        ]
    }

    proptest! {
        #[test]
        fn any_values_survive_encode_then_decode(
            parameters in proptest::collection::vec((NAME, TEXT, kind()), 0..12),
            key in TEXT,
            id in "[!-~]{1,20}",
        ) {
            let parameters: Vec<ParameterValue> = parameters
                .into_iter()
                .map(|(name, value, kind)| ParameterValue { name, value, kind })
                .collect();
            let message = Message::SetParameterValues { parameters, parameter_key: key.trim().to_owned() };
            let header = Header { id: Some(id.clone()), ..Header::default() };
            let wire = encode(CwmpVersion::V1_2, &header, Some(&message));
            let decoded = decode(wire.as_bytes()).expect("decodes");
            prop_assert_eq!(decoded.message, Some(message));
            prop_assert_eq!(decoded.header.id, Some(id));
        }

        #[test]
        fn decoding_anything_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = decode(&bytes);
        }
    }
}
