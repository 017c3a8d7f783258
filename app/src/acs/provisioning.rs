//! What the ACS sets on a device when it bootstraps: Connection Request credentials of its
//! own, so waking one device never needs a secret shared by a whole fleet. The values are
//! recorded only once the device has accepted them.

use super::session::{PendingRpc, Purpose};
use crate::{
    cwmp::{
        Message,
        types::{ParameterValue, XsdType},
    },
    http_auth::Credentials,
};

/// The ParameterKey the device keeps after provisioning (visible in its next Inform).
pub const PROVISIONING_KEY: &str = "osprey-provisioning";

/// Letters and digits only: some CPE web stacks mishandle anything else in a password.
const PASSWORD_ALPHABET: &[u8; 62] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const PASSWORD_LENGTH: usize = 24;

/// Fresh credentials for the device with `serial_number` (about 143 bits of randomness).
pub fn new_connection_request_credentials(serial_number: &str) -> Credentials {
    let mut bytes = [0u8; PASSWORD_LENGTH];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    // Bytes of 248 or more are skipped: 248 = 4 × 62, so the rest map evenly onto the
    // alphabet (no letter more likely than another).
    let mut password = String::with_capacity(PASSWORD_LENGTH);
    let mut pool = bytes.to_vec();
    while password.len() < PASSWORD_LENGTH {
        if pool.is_empty() {
            let mut more = [0u8; PASSWORD_LENGTH];
            getrandom::fill(&mut more).expect("the operating system's random source failed");
            pool.extend_from_slice(&more);
        }
        let byte = pool.pop().expect("refilled above");
        if byte < 248 {
            password.push(char::from(PASSWORD_ALPHABET[usize::from(byte % 62)]));
        }
    }
    Credentials {
        username: format!("cr-{serial_number}"),
        password,
    }
}

/// The SetParameterValues that gives the device (data model `root`) its credentials.
pub fn set_connection_request_credentials(root: &str, credentials: &Credentials) -> PendingRpc {
    let parameter = |name: &str, value: &str| {
        ParameterValue::new(
            &format!("{root}ManagementServer.{name}"),
            value,
            XsdType::String,
        )
    };
    PendingRpc {
        purpose: Purpose::Provisioning,
        request: Message::SetParameterValues {
            parameters: vec![
                parameter("ConnectionRequestUsername", &credentials.username),
                parameter("ConnectionRequestPassword", &credentials.password),
            ],
            parameter_key: PROVISIONING_KEY.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_unique_and_plain() {
        let first = new_connection_request_credentials("SN1");
        let second = new_connection_request_credentials("SN1");
        assert_eq!(first.username, "cr-SN1");
        assert_ne!(first.password, second.password);
        assert_eq!(first.password.len(), PASSWORD_LENGTH);
        assert!(first.password.bytes().all(|b| b.is_ascii_alphanumeric()));
    }

    #[test]
    fn the_request_names_the_data_model_root() {
        let rpc = set_connection_request_credentials(
            "Device.",
            &Credentials {
                username: "u".into(),
                password: "p".into(),
            },
        );
        let Message::SetParameterValues { parameters, .. } = &rpc.request else {
            panic!("a SetParameterValues");
        };
        assert_eq!(
            parameters[0].name,
            "Device.ManagementServer.ConnectionRequestUsername"
        );
        assert_eq!(parameters[1].value, "p");
        assert_eq!(rpc.purpose, Purpose::Provisioning);
    }
}
