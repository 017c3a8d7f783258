//! Any bytes a device (or an attacker) may POST: decoding must return, never panic, and
//! whatever decodes must encode and decode again to the same message.
#![no_main]

use app::cwmp::{CwmpVersion, decode, encode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(decoded) = decode(data) {
        let version = decoded.version.unwrap_or(CwmpVersion::V1_0);
        let again = encode(version, &decoded.header, decoded.message.as_ref());
        let reread = decode(again.as_bytes()).expect("what we write must read back");
        assert_eq!(reread.message, decoded.message);
    }
});
