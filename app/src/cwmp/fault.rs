//! CWMP faults (TR-069 A.5): codes with names, and the SOAP Fault that carries them.

use std::fmt;

/// A CWMP fault code: 8000–8899 from the ACS, 9000–9899 from the CPE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FaultCode(pub u32);

impl FaultCode {
    // The ACS's faults.
    pub const ACS_METHOD_NOT_SUPPORTED: FaultCode = FaultCode(8000);
    pub const ACS_REQUEST_DENIED: FaultCode = FaultCode(8001);
    pub const ACS_INTERNAL_ERROR: FaultCode = FaultCode(8002);
    pub const ACS_INVALID_ARGUMENTS: FaultCode = FaultCode(8003);
    pub const ACS_RESOURCES_EXCEEDED: FaultCode = FaultCode(8004);
    pub const ACS_RETRY_REQUEST: FaultCode = FaultCode(8005);
    // The CPE's faults.
    pub const METHOD_NOT_SUPPORTED: FaultCode = FaultCode(9000);
    pub const REQUEST_DENIED: FaultCode = FaultCode(9001);
    pub const INTERNAL_ERROR: FaultCode = FaultCode(9002);
    pub const INVALID_ARGUMENTS: FaultCode = FaultCode(9003);
    pub const RESOURCES_EXCEEDED: FaultCode = FaultCode(9004);
    pub const INVALID_PARAMETER_NAME: FaultCode = FaultCode(9005);
    pub const INVALID_PARAMETER_TYPE: FaultCode = FaultCode(9006);
    pub const INVALID_PARAMETER_VALUE: FaultCode = FaultCode(9007);
    pub const NON_WRITABLE_PARAMETER: FaultCode = FaultCode(9008);
    pub const NOTIFICATION_REJECTED: FaultCode = FaultCode(9009);
    pub const DOWNLOAD_FAILURE: FaultCode = FaultCode(9010);
    pub const UPLOAD_FAILURE: FaultCode = FaultCode(9011);
    pub const FILE_SERVER_AUTHENTICATION_FAILURE: FaultCode = FaultCode(9012);
    pub const UNSUPPORTED_TRANSFER_PROTOCOL: FaultCode = FaultCode(9013);
    pub const FILE_SERVER_UNREACHABLE: FaultCode = FaultCode(9015);
    pub const FILE_UNREACHABLE: FaultCode = FaultCode(9016);
    pub const DOWNLOAD_INCOMPLETE: FaultCode = FaultCode(9017);
    pub const FILE_CORRUPTED: FaultCode = FaultCode(9018);
    pub const FILE_AUTHENTICATION_FAILURE: FaultCode = FaultCode(9019);

    /// The standard's name for the code, for people reading a fault.
    pub fn meaning(self) -> &'static str {
        match self.0 {
            8000 | 9000 => "Method not supported",
            8001 | 9001 => "Request denied",
            8002 | 9002 => "Internal error",
            8003 | 9003 => "Invalid arguments",
            8004 | 9004 => "Resources exceeded",
            8005 => "Retry request",
            9005 => "Invalid parameter name",
            9006 => "Invalid parameter type",
            9007 => "Invalid parameter value",
            9008 => "Attempt to set a non-writable parameter",
            9009 => "Notification request rejected",
            9010 => "Download failure",
            9011 => "Upload failure",
            9012 => "File transfer server authentication failure",
            9013 => "Unsupported protocol for file transfer",
            9014 => "Download failure: unable to join multicast group",
            9015 => "Download failure: unable to contact file server",
            9016 => "Download failure: unable to access file",
            9017 => "Download failure: unable to complete download",
            9018 => "Download failure: file corrupted",
            9019 => "Download failure: file authentication failure",
            9020 => "Download failure: unable to complete download within the time window",
            9021 => "Cancellation of file transfer not permitted",
            9022 => "Invalid UUID format",
            9023 => "Unknown execution environment",
            9024 => "Disabled execution environment",
            9025 => "Deployment unit to execution environment mismatch",
            9026 => "Duplicate deployment unit",
            9027 => "System resources exceeded",
            9028 => "Unknown deployment unit",
            9029 => "Invalid deployment unit state",
            9030 => "Invalid deployment unit update: downgrade not permitted",
            9031 => "Invalid deployment unit update: version not specified",
            9032 => "Invalid deployment unit update: version already exists",
            8800..=8899 | 9800..=9899 => "Vendor-specific fault",
            _ => "Unknown fault",
        }
    }

    /// SOAP's `faultcode`: `Client` when the request itself was wrong, `Server` otherwise.
    pub fn soap_fault_code(self) -> &'static str {
        match self.0 {
            8003 | 9003 | 9005 | 9006 | 9007 | 9008 | 9022 => "Client",
            _ => "Server",
        }
    }
}

impl fmt::Display for FaultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.0, self.meaning())
    }
}

/// Why one parameter of a SetParameterValues was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterFault {
    pub name: String,
    pub code: FaultCode,
    pub message: String,
}

/// A CWMP fault, as carried in a SOAP Fault's detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CwmpFault {
    pub code: FaultCode,
    pub message: String,
    pub parameter_faults: Vec<ParameterFault>,
}

impl CwmpFault {
    /// A fault with the standard's wording.
    pub fn new(code: FaultCode) -> CwmpFault {
        CwmpFault {
            code,
            message: code.meaning().to_owned(),
            parameter_faults: Vec::new(),
        }
    }

    pub fn with_message(code: FaultCode, message: impl Into<String>) -> CwmpFault {
        CwmpFault {
            code,
            message: message.into(),
            parameter_faults: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_names_and_soap_classes() {
        assert_eq!(
            FaultCode::INVALID_PARAMETER_NAME.to_string(),
            "9005 (Invalid parameter name)"
        );
        assert_eq!(
            FaultCode::ACS_METHOD_NOT_SUPPORTED.soap_fault_code(),
            "Server"
        );
        assert_eq!(FaultCode::INVALID_ARGUMENTS.soap_fault_code(), "Client");
        assert_eq!(FaultCode(9855).meaning(), "Vendor-specific fault");
    }
}
