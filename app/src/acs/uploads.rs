//! Where devices send the files an Upload task asks for: a URL on the CWMP listener that
//! names the device and the kind of file, signed so nobody else can fill the file store.
//! Signing needs no state, so any instance sharing the database accepts the upload.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::hex::to_hex;

type HmacSha256 = Hmac<Sha256>;

/// Characters of the signature in a URL (128 bits).
const SIGNATURE_HEX: usize = 32;

/// What an upload holds, as its URL says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadKind {
    Config,
    Log,
    Other,
}

impl UploadKind {
    /// From a TR-069 file type: "1 Vendor Configuration File", "2 Vendor Log File", ...
    pub fn of_file_type(file_type: &str) -> UploadKind {
        match file_type.split(' ').next() {
            Some("1" | "3") => UploadKind::Config,
            Some("2" | "4") => UploadKind::Log,
            _ => UploadKind::Other,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            UploadKind::Config => "config",
            UploadKind::Log => "log",
            UploadKind::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<UploadKind> {
        [UploadKind::Config, UploadKind::Log, UploadKind::Other]
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

#[derive(Clone)]
pub struct UploadSigner {
    key: Vec<u8>,
}

impl std::fmt::Debug for UploadSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UploadSigner(..)")
    }
}

impl UploadSigner {
    /// `secret` is the instances' shared secret; the upload key is derived from it, so a
    /// signature here is never valid as anything else.
    pub fn new(secret: &[u8]) -> UploadSigner {
        let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(b"osprey upload url key");
        UploadSigner {
            key: mac.finalize().into_bytes().to_vec(),
        }
    }

    fn mac(&self, device_id: i64, kind: UploadKind, nonce: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(format!("{device_id}/{}/{nonce}", kind.as_str()).as_bytes());
        mac
    }

    /// A fresh upload URL under `base` (the ACS URL devices use).
    pub fn url(&self, base: &str, device_id: i64, kind: UploadKind) -> String {
        let mut bytes = [0u8; 12];
        getrandom::fill(&mut bytes).expect("the operating system's random source failed");
        let nonce = to_hex(&bytes);
        let signature =
            to_hex(&self.mac(device_id, kind, &nonce).finalize().into_bytes()[..SIGNATURE_HEX / 2]);
        format!(
            "{}/upload/{device_id}/{}/{nonce}/{signature}",
            base.trim_end_matches('/'),
            kind.as_str()
        )
    }

    /// Whether the URL's parts were signed here (compared in constant time).
    pub fn verify(&self, device_id: i64, kind: UploadKind, nonce: &str, signature: &str) -> bool {
        if signature.len() != SIGNATURE_HEX || nonce.len() > 64 {
            return false;
        }
        let Some(bytes) = (0..SIGNATURE_HEX)
            .step_by(2)
            .map(|i| u8::from_str_radix(&signature[i..i + 2], 16).ok())
            .collect::<Option<Vec<u8>>>()
        else {
            return false;
        };
        self.mac(device_id, kind, nonce)
            .verify_truncated_left(&bytes)
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_verify_only_as_signed() {
        let signer = UploadSigner::new(b"secret");
        let url = signer.url("http://acs.example:7547/", 42, UploadKind::Log);
        let parts: Vec<&str> = url.rsplit('/').take(4).collect();
        let (signature, nonce, kind, device) = (parts[0], parts[1], parts[2], parts[3]);
        assert!(
            url.starts_with("http://acs.example:7547/upload/42/log/"),
            "{url}"
        );
        assert_eq!((device, kind), ("42", "log"));
        assert!(signer.verify(42, UploadKind::Log, nonce, signature));
        assert!(!signer.verify(43, UploadKind::Log, nonce, signature));
        assert!(!signer.verify(42, UploadKind::Config, nonce, signature));
        assert!(!UploadSigner::new(b"other").verify(42, UploadKind::Log, nonce, signature));
        assert!(!signer.verify(42, UploadKind::Log, nonce, "zz"));
        assert_eq!(
            UploadKind::of_file_type("1 Vendor Configuration File"),
            UploadKind::Config
        );
        assert_eq!(
            UploadKind::of_file_type("2 Vendor Log File"),
            UploadKind::Log
        );
    }
}
