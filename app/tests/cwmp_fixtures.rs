//! The fixture corpus: messages shaped like those of real devices (TR-098 and TR-181
//! gateways, ONTs, set-top boxes, 5G CPE), with the variations devices really send. Every
//! fixture must decode, name its method and version, and survive re-encoding unchanged.
//! A bug found against a device becomes a fixture here.

#![cfg(feature = "ssr")]

use std::path::PathBuf;

use app::cwmp::{
    CwmpVersion, FaultCode, Header, Message, decode, encode,
    types::{EventCode, XsdType},
};

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cwmp")
}

fn read(name: &str) -> app::cwmp::Decoded {
    let bytes = std::fs::read(fixtures_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The method a fixture's file name promises.
fn expected_method(name: &str) -> &'static str {
    let table: &[(&str, &str)] = &[
        ("inform-", "Inform"),
        ("get-parameter-names-response", "GetParameterNamesResponse"),
        (
            "get-parameter-values-response",
            "GetParameterValuesResponse",
        ),
        (
            "get-parameter-attributes-response",
            "GetParameterAttributesResponse",
        ),
        (
            "set-parameter-values-response",
            "SetParameterValuesResponse",
        ),
        ("add-object-response", "AddObjectResponse"),
        ("delete-object-response", "DeleteObjectResponse"),
        ("reboot-response", "RebootResponse"),
        ("factory-reset-response", "FactoryResetResponse"),
        ("download-response", "DownloadResponse"),
        ("get-rpc-methods-response", "GetRPCMethodsResponse"),
        ("get-rpc-methods-from-cpe", "GetRPCMethods"),
        ("fault-", "Fault"),
        ("transfer-complete-", "TransferComplete"),
        ("autonomous-transfer-complete", "AutonomousTransferComplete"),
        ("request-download", "RequestDownload"),
        ("unknown-vendor-method", "X_ACME_Hello"),
    ];
    table
        .iter()
        .find(|(prefix, _)| name.starts_with(prefix))
        .map_or("", |(_, method)| method)
}

/// Each fixture's decoded form is kept next to it (`NAME.decoded.txt`) and compared, so a
/// change in how anything is read shows up in review. `UPDATE_SNAPSHOTS=1` rewrites them.
#[test]
fn decoded_fixtures_match_their_snapshots() {
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut stale = Vec::new();
    for entry in std::fs::read_dir(fixtures_dir()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".xml") else {
            continue;
        };
        let decoded = format!("{:#?}\n", read(&name));
        let snapshot = fixtures_dir().join(format!("{stem}.decoded.txt"));
        if update {
            std::fs::write(&snapshot, &decoded).unwrap();
        } else if std::fs::read_to_string(&snapshot).ok().as_deref() != Some(decoded.as_str()) {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "decoded form changed (review, then UPDATE_SNAPSHOTS=1): {stale:?}"
    );
}

#[test]
fn every_fixture_decodes_and_re_encodes_unchanged() {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".xml"))
        .collect();
    names.sort();
    assert!(names.len() >= 40, "the corpus has {} fixtures", names.len());
    for name in &names {
        let decoded = read(name);
        let version = decoded
            .version
            .unwrap_or_else(|| panic!("{name}: no version detected"));
        match &decoded.message {
            Some(message) => assert_eq!(message.method(), expected_method(name), "{name}"),
            None => assert!(name.starts_with("empty-body"), "{name}: empty body"),
        }
        let again = encode(version, &decoded.header, decoded.message.as_ref());
        let reread = decode(again.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}\n{again}"));
        assert_eq!(reread.message, decoded.message, "{name}");
        assert_eq!(reread.header.id, decoded.header.id, "{name}");
    }
}

fn inform(name: &str) -> app::cwmp::message::Inform {
    match read(name).message {
        Some(Message::Inform(inform)) => inform,
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn tr098_bootstrap_inform() {
    let decoded = read("inform-tr098-huawei-bootstrap.xml");
    assert_eq!(decoded.version, Some(CwmpVersion::V1_0));
    assert_eq!(decoded.header.id.as_deref(), Some("1"));
    let Some(Message::Inform(inform)) = decoded.message else {
        panic!()
    };
    assert_eq!(inform.device_id.oui, "00E0FC");
    assert_eq!(inform.device_id.serial_number, "4857544312345678");
    assert_eq!(inform.events[0].code, EventCode::Bootstrap);
    assert_eq!(inform.events[1].code, EventCode::Boot);
    assert_eq!(inform.parameters.len(), 8);
    assert_eq!(inform.parameters[2].value, "V3R017C10S115");
    assert_eq!(
        inform.parameters[4].value, "",
        "an empty ProvisioningCode stays empty"
    );
}

#[test]
fn devices_speak_every_version_with_any_prefix() {
    for (name, version) in [
        (
            "inform-tr098-zte-periodic-soap_env-prefix.xml",
            CwmpVersion::V1_0,
        ),
        (
            "inform-tr098-avm-value-change-cwmp-1-1.xml",
            CwmpVersion::V1_1,
        ),
        (
            "inform-tr181-openwrt-bootstrap-cwmp-1-2.xml",
            CwmpVersion::V1_2,
        ),
        ("inform-tr181-5g-cpe-scheduled.xml", CwmpVersion::V1_3),
        ("inform-tr181-prplos-cwmp-1-4.xml", CwmpVersion::V1_4),
    ] {
        assert_eq!(read(name).version, Some(version), "{name}");
    }
}

#[test]
fn lenient_reading_of_odd_informs() {
    assert_eq!(
        read("inform-tr098-tplink-no-header.xml").header,
        Header::default()
    );
    assert_eq!(inform("inform-tr098-no-arraytype.xml").parameters.len(), 8);
    let untyped = inform("inform-tr098-untyped-values.xml");
    assert!(untyped.parameters.iter().all(|p| p.kind == XsdType::String));
    assert_eq!(untyped.events[1].code, EventCode::Method("Reboot".into()));
    assert_eq!(untyped.events[1].command_key, "reboot-42");
    let empty = inform("inform-tr098-empty-retrycount-and-time.xml");
    assert_eq!((empty.retry_count, empty.current_time), (0, None));
    assert!(
        inform("inform-tr098-time-without-zone.xml")
            .current_time
            .is_some()
    );
    assert_eq!(
        inform("inform-tr098-crlf-whitespace.xml")
            .device_id
            .serial_number,
        "J123456789"
    );
    assert_eq!(inform("inform-tr181-bom.xml").device_id.oui, "001E31");
    assert_eq!(
        inform("inform-tr181-no-xml-declaration.xml").device_id.oui,
        "00180A"
    );
    assert_eq!(
        inform("inform-tr181-unknown-extra-elements.xml")
            .parameters
            .len(),
        8
    );
    let escaped = inform("inform-tr181-escaped-values.xml");
    assert_eq!(escaped.device_id.manufacturer, "Ubiquiti & Co");
    assert_eq!(escaped.parameters[2].value, "4.0.6 <rc>");
    assert_eq!(
        inform("inform-tr098-latin1.xml").device_id.manufacturer,
        "Société Générale d'Équipements"
    );
    assert_eq!(
        inform("inform-tr181-vendor-event.xml").events[0].code,
        EventCode::Vendor("X 000631 Reset".into())
    );
    let typed = inform("inform-tr098-xs-prefix-types.xml");
    assert_eq!(typed.parameters[0].kind, XsdType::String);
}

#[test]
fn responses_and_faults() {
    match read("get-parameter-names-response-tr098.xml").message {
        Some(Message::GetParameterNamesResponse { parameters }) => {
            assert_eq!(parameters.len(), 3);
            assert!(!parameters[1].writable && parameters[2].writable);
        }
        other => panic!("{other:?}"),
    }
    match read("get-parameter-values-response-tr181.xml").message {
        Some(Message::GetParameterValuesResponse { parameters }) => {
            let kinds: Vec<_> = parameters.iter().map(|p| p.kind.clone()).collect();
            assert_eq!(
                kinds,
                [
                    XsdType::String,
                    XsdType::UnsignedInt,
                    XsdType::Boolean,
                    XsdType::UnsignedInt,
                    XsdType::DateTime,
                    XsdType::Int,
                    XsdType::UnsignedLong,
                    XsdType::Base64,
                    XsdType::HexBinary,
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    match read("fault-set-parameter-values.xml").message {
        Some(Message::Fault(fault)) => {
            assert_eq!(fault.code, FaultCode::INVALID_ARGUMENTS);
            assert_eq!(fault.parameter_faults.len(), 2);
            assert_eq!(
                fault.parameter_faults[1].code,
                FaultCode::NON_WRITABLE_PARAMETER
            );
        }
        other => panic!("{other:?}"),
    }
    match read("fault-bare-soap.xml").message {
        Some(Message::Fault(fault)) => assert_eq!(fault.message, "Internal failure"),
        other => panic!("{other:?}"),
    }
    match read("transfer-complete-failure.xml").message {
        Some(Message::TransferComplete(complete)) => {
            assert_eq!(complete.fault.code, 9010);
            assert_eq!(complete.complete_time, None);
        }
        other => panic!("{other:?}"),
    }
    let hold = read("empty-body-hold-requests.xml");
    assert_eq!(hold.message, None);
    assert_eq!(hold.header.hold_requests, Some(true));
    assert_eq!(hold.header.id.as_deref(), Some("77"));
}

#[test]
fn bad_messages_are_errors_not_panics() {
    for bad in [
        &b""[..],
        b"not xml",
        b"<a>",
        b"<html><body>hello</body></html>",
        b"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>",
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><cwmp:Inform xmlns:cwmp=\"urn:dslforum-org:cwmp-1-0\"><DeviceId/></cwmp:Inform></s:Body></s:Envelope>".as_bytes(),
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><cwmp:AddObjectResponse xmlns:cwmp=\"urn:dslforum-org:cwmp-1-0\"><InstanceNumber>x</InstanceNumber></cwmp:AddObjectResponse></s:Body></s:Envelope>".as_bytes(),
    ] {
        assert!(decode(bad).is_err(), "{}", String::from_utf8_lossy(bad));
    }
    // Truncating a real message anywhere gives an error, never a panic.
    let whole = std::fs::read(fixtures_dir().join("inform-tr098-huawei-bootstrap.xml")).unwrap();
    for cut in (0..whole.len()).step_by(7) {
        let _ = decode(&whole[..cut]);
    }
}

/// Inputs the fuzzer found trouble with (`app/fuzz`): each must decode or fail cleanly, and
/// what decodes must survive re-encoding.
#[test]
fn fuzz_findings_stay_fixed() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        if let Ok(decoded) = decode(&bytes) {
            let version = decoded.version.unwrap_or(CwmpVersion::V1_0);
            let again = encode(version, &decoded.header, decoded.message.as_ref());
            let reread = decode(again.as_bytes()).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            assert_eq!(reread.message, decoded.message, "{path:?}");
        }
    }
}
