//! The data types CWMP messages carry (TR-069 A.3 and A.4), as plain Rust values.

use std::borrow::Cow;

use chrono::{DateTime, Utc};

/// The XML Schema type of a parameter value (`xsi:type`), as far as TR-069 uses them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum XsdType {
    String,
    Int,
    UnsignedInt,
    Long,
    UnsignedLong,
    Boolean,
    DateTime,
    Base64,
    HexBinary,
    /// A type the codec does not know (vendor types); kept as written, without prefix.
    Other(String),
}

impl XsdType {
    /// Reads an `xsi:type` value leniently: any prefix (`xsd:`, `xs:`, none), any case.
    pub fn parse(text: &str) -> XsdType {
        let local = text.trim().rsplit(':').next().unwrap_or("");
        let is = |name: &str| local.eq_ignore_ascii_case(name);
        if local.is_empty() || is("string") {
            XsdType::String
        } else if is("int") || is("integer") {
            XsdType::Int
        } else if is("unsignedint") {
            XsdType::UnsignedInt
        } else if is("long") {
            XsdType::Long
        } else if is("unsignedlong") {
            XsdType::UnsignedLong
        } else if is("boolean") || is("bool") {
            XsdType::Boolean
        } else if is("datetime") {
            XsdType::DateTime
        } else if is("base64") || is("base64binary") {
            XsdType::Base64
        } else if is("hexbinary") {
            XsdType::HexBinary
        } else if is_type_name(local) {
            XsdType::Other(local.to_owned())
        } else {
            // Not a type name at all (found by fuzzing: markup and control characters in
            // the attribute): read the value as the string it surely is.
            XsdType::String
        }
    }

    /// The `xsi:type` attribute value to write: borrowed, except a vendor type's.
    pub fn as_xsi(&self) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            XsdType::String => "xsd:string",
            XsdType::Int => "xsd:int",
            XsdType::UnsignedInt => "xsd:unsignedInt",
            XsdType::Long => "xsd:long",
            XsdType::UnsignedLong => "xsd:unsignedLong",
            XsdType::Boolean => "xsd:boolean",
            XsdType::DateTime => "xsd:dateTime",
            XsdType::Base64 => "xsd:base64",
            XsdType::HexBinary => "xsd:hexBinary",
            XsdType::Other(name) => return Cow::Owned(format!("xsd:{name}")),
        })
    }
}

/// What a vendor type's name may look like: letters, digits, `_` and `-`, 64 at most.
fn is_type_name(name: &str) -> bool {
    name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Longest parameter name TR-069 allows (A.3.2.1: string(256)).
pub const MAX_PARAMETER_PATH_LEN: usize = 256;

/// Whether `name` is a parameter name or a partial path ending in `.` (TR-106 3.1):
/// dot-separated components of letters, digits, `_` and `-`, the first starting with a letter.
pub fn is_parameter_path(name: &str) -> bool {
    let body = name.strip_suffix('.').unwrap_or(name);
    !body.is_empty()
        && name.len() <= MAX_PARAMETER_PATH_LEN
        && body.starts_with(|c: char| c.is_ascii_alphabetic())
        && body.split('.').all(|component| {
            !component.is_empty()
                && component
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
}

/// A parameter's value as sent: the text exactly as written, and its declared type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterValue {
    pub name: String,
    pub value: String,
    pub kind: XsdType,
}

impl ParameterValue {
    pub fn new(name: &str, value: &str, kind: XsdType) -> ParameterValue {
        ParameterValue {
            name: name.to_owned(),
            value: value.to_owned(),
            kind,
        }
    }
}

/// An entry of GetParameterNamesResponse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterInfo {
    pub name: String,
    pub writable: bool,
}

/// Active/passive notification (TR-069 A.3.2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notification {
    Off,
    Passive,
    Active,
    /// Values 3–6 of later amendments (passive/active lightweight, ...), kept by number.
    Other(u8),
}

impl Notification {
    pub fn from_number(n: u32) -> Notification {
        match n {
            0 => Notification::Off,
            1 => Notification::Passive,
            2 => Notification::Active,
            other => Notification::Other(u8::try_from(other).unwrap_or(u8::MAX)),
        }
    }

    pub fn number(self) -> u32 {
        match self {
            Notification::Off => 0,
            Notification::Passive => 1,
            Notification::Active => 2,
            Notification::Other(n) => u32::from(n),
        }
    }
}

/// An entry of GetParameterAttributesResponse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterAttribute {
    pub name: String,
    pub notification: Notification,
    pub access_list: Vec<String>,
}

/// An entry of SetParameterAttributes: each part changes only when its flag says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetParameterAttribute {
    pub name: String,
    pub notification: Option<Notification>,
    pub access_list: Option<Vec<String>>,
}

/// Who the device is (Inform's DeviceId).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceId {
    pub manufacturer: String,
    pub oui: String,
    pub product_class: String,
    pub serial_number: String,
}

/// Why a device opens a session (TR-069 3.7.1.5).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EventCode {
    Bootstrap,
    Boot,
    Periodic,
    Scheduled,
    ValueChange,
    Kicked,
    ConnectionRequest,
    TransferComplete,
    DiagnosticsComplete,
    RequestDownload,
    AutonomousTransferComplete,
    DuStateChangeComplete,
    AutonomousDuStateChangeComplete,
    Wakeup,
    Heartbeat,
    /// `M <method>`: the completion of an ACS request (M Reboot, M Download, ...).
    Method(String),
    /// `X <OUI> <event>`: vendor events; also anything unrecognised, as written.
    Vendor(String),
}

/// The standard event codes with their text (TR-069 3.7.1.5), in the order of their numbers.
static STANDARD_EVENTS: [(EventCode, &str); 15] = [
    (EventCode::Bootstrap, "0 BOOTSTRAP"),
    (EventCode::Boot, "1 BOOT"),
    (EventCode::Periodic, "2 PERIODIC"),
    (EventCode::Scheduled, "3 SCHEDULED"),
    (EventCode::ValueChange, "4 VALUE CHANGE"),
    (EventCode::Kicked, "5 KICKED"),
    (EventCode::ConnectionRequest, "6 CONNECTION REQUEST"),
    (EventCode::TransferComplete, "7 TRANSFER COMPLETE"),
    (EventCode::DiagnosticsComplete, "8 DIAGNOSTICS COMPLETE"),
    (EventCode::RequestDownload, "9 REQUEST DOWNLOAD"),
    (
        EventCode::AutonomousTransferComplete,
        "10 AUTONOMOUS TRANSFER COMPLETE",
    ),
    (
        EventCode::DuStateChangeComplete,
        "11 DU STATE CHANGE COMPLETE",
    ),
    (
        EventCode::AutonomousDuStateChangeComplete,
        "12 AUTONOMOUS DU STATE CHANGE COMPLETE",
    ),
    (EventCode::Wakeup, "13 WAKEUP"),
    (EventCode::Heartbeat, "14 HEARTBEAT"),
];

impl EventCode {
    /// Reads an event code in any case; a code it does not know is kept as written.
    pub fn parse(text: &str) -> EventCode {
        let text = text.trim();
        let standard = STANDARD_EVENTS
            .iter()
            .find(|(_, standard)| standard.eq_ignore_ascii_case(text));
        match (standard, text.strip_prefix("M ")) {
            (Some((code, _)), _) => code.clone(),
            (None, Some(method)) => EventCode::Method(method.trim().to_owned()),
            (None, None) => EventCode::Vendor(text.to_owned()),
        }
    }

    /// The code as a device writes it: borrowed, except `M <method>`.
    pub fn as_text(&self) -> Cow<'static, str> {
        match self {
            EventCode::Method(method) => Cow::Owned(format!("M {method}")),
            EventCode::Vendor(text) => Cow::Owned(text.clone()),
            standard => Cow::Borrowed(
                STANDARD_EVENTS
                    .iter()
                    .find(|(code, _)| code == standard)
                    .map_or("", |(_, text)| text),
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub code: EventCode,
    pub command_key: String,
}

/// The fault a TransferComplete reports (code 0 means success).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TransferFault {
    pub code: u32,
    pub message: String,
}

/// A timestamp as CWMP writes it; `None` is the "unknown time" 0001-01-01T00:00:00Z.
pub type CwmpTime = Option<DateTime<Utc>>;

/// An entry of GetQueuedTransfersResponse / GetAllQueuedTransfersResponse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedTransfer {
    pub command_key: String,
    /// 1 not yet started, 2 in progress, 3 completed.
    pub state: u32,
    pub is_download: Option<bool>,
    pub file_type: Option<String>,
    pub file_size: Option<u32>,
    pub target_file_name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_paths_are_checked() {
        for good in [
            "Device.",
            "Device.DeviceInfo.ModelName",
            "InternetGatewayDevice.WANDevice.1.X_ACME-Thing_2.",
        ] {
            assert!(is_parameter_path(good), "{good}");
        }
        let too_long = format!("Device.{}", "a".repeat(MAX_PARAMETER_PATH_LEN));
        for bad in [
            "",
            ".",
            "1.Device",
            "Device..X",
            ".Device",
            "Device.X Y",
            "Device.\"x\"",
            &too_long,
        ] {
            assert!(!is_parameter_path(bad), "{bad}");
        }
    }

    #[test]
    fn xsi_types_read_with_any_prefix() {
        assert_eq!(XsdType::parse("xsd:string"), XsdType::String);
        assert_eq!(XsdType::parse("xs:unsignedInt"), XsdType::UnsignedInt);
        assert_eq!(XsdType::parse("boolean"), XsdType::Boolean);
        assert_eq!(XsdType::parse("SOAP-ENC:base64"), XsdType::Base64);
        assert_eq!(XsdType::parse("xsd:dateTime"), XsdType::DateTime);
        assert_eq!(
            XsdType::parse("cwmp:IPAddress"),
            XsdType::Other("IPAddress".into())
        );
        assert_eq!(
            XsdType::parse("xsd:unsignedLong").as_xsi(),
            "xsd:unsignedLong"
        );
    }

    #[test]
    fn event_codes_round_trip() {
        for text in [
            "0 BOOTSTRAP",
            "1 BOOT",
            "2 PERIODIC",
            "3 SCHEDULED",
            "4 VALUE CHANGE",
            "5 KICKED",
            "6 CONNECTION REQUEST",
            "7 TRANSFER COMPLETE",
            "8 DIAGNOSTICS COMPLETE",
            "9 REQUEST DOWNLOAD",
            "10 AUTONOMOUS TRANSFER COMPLETE",
            "11 DU STATE CHANGE COMPLETE",
            "12 AUTONOMOUS DU STATE CHANGE COMPLETE",
            "M Reboot",
            "M Download",
            "M ScheduleInform",
            "M Upload",
            "M ChangeDUState",
            "X 00D09E Reset",
        ] {
            assert_eq!(EventCode::parse(text).as_text(), text);
        }
        assert_eq!(EventCode::parse(" 1 boot "), EventCode::Boot);
        assert_eq!(
            EventCode::parse("M Reboot"),
            EventCode::Method("Reboot".into())
        );
        assert_eq!(
            EventCode::parse("X 00D09E Reset"),
            EventCode::Vendor("X 00D09E Reset".into())
        );
    }
}
