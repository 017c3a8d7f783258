//! STUN Binding messages (RFC 5389, and the classic RFC 3489 form TR-111 devices still
//! send) with TR-111's attributes: enough for the ACS's STUN server to learn where a device
//! behind NAT can be reached, and for the simulator to ask. Pure: bytes in, bytes out.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use hmac::{Hmac, Mac};
use sha1::Sha1;

pub const MAGIC_COOKIE: u32 = 0x2112_A442;
const BINDING_REQUEST: u16 = 0x0001;
const BINDING_RESPONSE: u16 = 0x0101;
const MAPPED_ADDRESS: u16 = 0x0001;
const USERNAME: u16 = 0x0006;
const MESSAGE_INTEGRITY: u16 = 0x0008;
const XOR_MAPPED_ADDRESS: u16 = 0x0020;
/// TR-111: the Binding Request is about the UDP Connection Request binding.
const CONNECTION_REQUEST_BINDING: u16 = 0xC001;
/// TR-111: the device's binding changed since its last request.
const BINDING_CHANGE: u16 = 0xC002;
/// The value TR-111 gives CONNECTION-REQUEST-BINDING (20 bytes, with its trailing space).
const TR111_MARK: &[u8; 20] = b"dslforum.org/TR-111 ";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StunError {
    #[error("shorter than a STUN header")]
    TooShort,
    #[error("not a Binding Request (type {0:#06x})")]
    NotBindingRequest(u16),
    #[error("not a Binding Response (type {0:#06x})")]
    NotBindingResponse(u16),
    #[error("the length field does not match the packet")]
    BadLength,
    #[error("attribute {0:#06x} runs past the end")]
    TruncatedAttribute(u16),
    #[error("the response is for another transaction")]
    OtherTransaction,
    #[error("the response carries no mapped address")]
    NoAddress,
}

/// A transaction id: 16 bytes in RFC 3489, the magic cookie and 12 bytes in RFC 5389.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transaction {
    Classic([u8; 16]),
    Modern([u8; 12]),
}

impl Transaction {
    fn write(self, out: &mut Vec<u8>) {
        match self {
            Transaction::Classic(id) => out.extend_from_slice(&id),
            Transaction::Modern(id) => {
                out.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
                out.extend_from_slice(&id);
            }
        }
    }
}

/// What a device's Binding Request says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingRequest {
    pub transaction: Transaction,
    /// ManagementServer.STUNUsername: who the device is.
    pub username: Option<String>,
    pub connection_request_binding: bool,
    pub binding_change: bool,
    /// Where MESSAGE-INTEGRITY starts, when present (for `integrity_holds`).
    integrity_at: Option<usize>,
}

/// Reads a Binding Request; other messages are refused.
pub fn parse_binding_request(packet: &[u8]) -> Result<BindingRequest, StunError> {
    let (kind, transaction, attributes) = split(packet)?;
    if kind != BINDING_REQUEST {
        return Err(StunError::NotBindingRequest(kind));
    }
    let mut request = BindingRequest {
        transaction,
        username: None,
        connection_request_binding: false,
        binding_change: false,
        integrity_at: None,
    };
    for attribute in attributes {
        let (kind, value, at) = attribute?;
        match kind {
            USERNAME => {
                // RFC 3489 pads usernames with spaces or NULs to a multiple of four.
                let text = String::from_utf8_lossy(value);
                request.username = Some(text.trim_end_matches(['\0', ' ']).to_owned());
            }
            CONNECTION_REQUEST_BINDING => {
                request.connection_request_binding = value.starts_with(&TR111_MARK[..19]);
            }
            BINDING_CHANGE => request.binding_change = true,
            MESSAGE_INTEGRITY => {
                request.integrity_at = Some(at);
                break; // attributes after it are not covered; ignore them
            }
            _ => {}
        }
    }
    Ok(request)
}

impl BindingRequest {
    pub fn has_integrity(&self) -> bool {
        self.integrity_at.is_some()
    }

    /// MESSAGE-INTEGRITY (HMAC-SHA1 keyed with the STUNPassword) matches `packet`.
    pub fn integrity_holds(&self, packet: &[u8], password: &str) -> bool {
        let Some(at) = self.integrity_at else {
            return false;
        };
        let Some(given) = packet.get(at + 4..at + 24) else {
            return false;
        };
        let mut covered = packet[..at].to_vec();
        if matches!(self.transaction, Transaction::Modern(_)) {
            // RFC 5389 §15.4: the length counts up to the end of MESSAGE-INTEGRITY.
            let length = (at + 24 - 20) as u16;
            covered[2..4].copy_from_slice(&length.to_be_bytes());
        }
        let mut mac = Hmac::<Sha1>::new_from_slice(password.as_bytes())
            .expect("HMAC takes keys of any length");
        mac.update(&covered);
        mac.verify_slice(given).is_ok()
    }
}

/// The Binding Response telling the device its address as the STUN server saw it.
pub fn binding_response(transaction: Transaction, mapped: SocketAddr) -> Vec<u8> {
    let mut attributes = Vec::new();
    write_address(&mut attributes, MAPPED_ADDRESS, mapped, None);
    if let Transaction::Modern(id) = transaction {
        write_address(&mut attributes, XOR_MAPPED_ADDRESS, mapped, Some(id));
    }
    message(BINDING_RESPONSE, transaction, &attributes)
}

/// A Binding Request as a TR-111 device sends it (the simulator's side).
pub fn binding_request(
    transaction: Transaction,
    username: Option<&str>,
    binding_change: bool,
) -> Vec<u8> {
    let mut attributes = Vec::new();
    if let Some(username) = username {
        let mut value = username.as_bytes().to_vec();
        while !value.len().is_multiple_of(4) {
            value.push(b' ');
        }
        write_attribute(&mut attributes, USERNAME, &value);
    }
    write_attribute(&mut attributes, CONNECTION_REQUEST_BINDING, TR111_MARK);
    if binding_change {
        write_attribute(&mut attributes, BINDING_CHANGE, &[]);
    }
    message(BINDING_REQUEST, transaction, &attributes)
}

/// The mapped address of a Binding Response to `transaction` (XOR-MAPPED-ADDRESS first).
pub fn parse_binding_response(
    packet: &[u8],
    transaction: Transaction,
) -> Result<SocketAddr, StunError> {
    let (kind, got, attributes) = split(packet)?;
    if kind != BINDING_RESPONSE {
        return Err(StunError::NotBindingResponse(kind));
    }
    if got != transaction {
        return Err(StunError::OtherTransaction);
    }
    let mut plain = None;
    for attribute in attributes {
        let (kind, value, _) = attribute?;
        match (kind, transaction) {
            (XOR_MAPPED_ADDRESS, Transaction::Modern(id)) => {
                if let Some(address) = read_address(value, Some(id)) {
                    return Ok(address);
                }
            }
            (MAPPED_ADDRESS, _) => plain = plain.or_else(|| read_address(value, None)),
            _ => {}
        }
    }
    plain.ok_or(StunError::NoAddress)
}

type Attribute<'a> = Result<(u16, &'a [u8], usize), StunError>;

fn split(
    packet: &[u8],
) -> Result<(u16, Transaction, impl Iterator<Item = Attribute<'_>>), StunError> {
    if packet.len() < 20 {
        return Err(StunError::TooShort);
    }
    let kind = u16::from_be_bytes([packet[0], packet[1]]);
    let length = usize::from(u16::from_be_bytes([packet[2], packet[3]]));
    if packet.len() != 20 + length {
        return Err(StunError::BadLength);
    }
    let cookie = u32::from_be_bytes([packet[4], packet[5], packet[6], packet[7]]);
    let transaction = if cookie == MAGIC_COOKIE {
        Transaction::Modern(packet[8..20].try_into().expect("12 bytes"))
    } else {
        Transaction::Classic(packet[4..20].try_into().expect("16 bytes"))
    };
    let mut at = 20;
    let attributes = std::iter::from_fn(move || {
        if at + 4 > packet.len() {
            return None;
        }
        let kind = u16::from_be_bytes([packet[at], packet[at + 1]]);
        let length = usize::from(u16::from_be_bytes([packet[at + 2], packet[at + 3]]));
        let start = at;
        let Some(value) = packet.get(at + 4..at + 4 + length) else {
            at = packet.len();
            return Some(Err(StunError::TruncatedAttribute(kind)));
        };
        at += 4 + length.div_ceil(4) * 4;
        Some(Ok((kind, value, start)))
    });
    Ok((kind, transaction, attributes))
}

fn message(kind: u16, transaction: Transaction, attributes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(20 + attributes.len());
    out.extend_from_slice(&kind.to_be_bytes());
    out.extend_from_slice(&(attributes.len() as u16).to_be_bytes());
    transaction.write(&mut out);
    out.extend_from_slice(attributes);
    out
}

fn write_attribute(out: &mut Vec<u8>, kind: u16, value: &[u8]) {
    out.extend_from_slice(&kind.to_be_bytes());
    out.extend_from_slice(&(value.len() as u16).to_be_bytes());
    out.extend_from_slice(value);
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
}

/// MAPPED-ADDRESS, or XOR-MAPPED-ADDRESS when `xor` gives the transaction id.
fn write_address(out: &mut Vec<u8>, kind: u16, address: SocketAddr, xor: Option<[u8; 12]>) {
    let mask = xor_mask(xor);
    let port_mask = if xor.is_some() {
        (MAGIC_COOKIE >> 16) as u16
    } else {
        0
    };
    let mut value = vec![0u8];
    match address.ip() {
        IpAddr::V4(v4) => {
            value.push(1);
            value.extend_from_slice(&(address.port() ^ port_mask).to_be_bytes());
            value.extend(v4.octets().iter().zip(&mask).map(|(b, m)| b ^ m));
        }
        IpAddr::V6(v6) => {
            value.push(2);
            value.extend_from_slice(&(address.port() ^ port_mask).to_be_bytes());
            value.extend(v6.octets().iter().zip(&mask).map(|(b, m)| b ^ m));
        }
    }
    write_attribute(out, kind, &value);
}

fn read_address(value: &[u8], xor: Option<[u8; 12]>) -> Option<SocketAddr> {
    let mask = xor_mask(xor);
    let port_mask = if xor.is_some() {
        (MAGIC_COOKIE >> 16) as u16
    } else {
        0
    };
    let port = u16::from_be_bytes([*value.get(2)?, *value.get(3)?]) ^ port_mask;
    let unmask =
        |bytes: &[u8]| -> Vec<u8> { bytes.iter().zip(&mask).map(|(b, m)| b ^ m).collect() };
    let ip = match value.get(1)? {
        1 => {
            let octets: [u8; 4] = unmask(value.get(4..8)?).try_into().ok()?;
            IpAddr::V4(Ipv4Addr::from(octets))
        }
        2 => {
            let octets: [u8; 16] = unmask(value.get(4..20)?).try_into().ok()?;
            IpAddr::V6(Ipv6Addr::from(octets))
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

/// The cookie then the transaction id (XOR), or zeros (plain).
fn xor_mask(xor: Option<[u8; 12]>) -> [u8; 16] {
    let mut mask = [0u8; 16];
    if let Some(id) = xor {
        mask[..4].copy_from_slice(&MAGIC_COOKIE.to_be_bytes());
        mask[4..].copy_from_slice(&id);
    }
    mask
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: [u8; 12] = [
        0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
    ];

    /// RFC 5769 §2.2: 192.0.2.1:32853 as XOR-MAPPED-ADDRESS for this transaction.
    #[test]
    fn xor_mapped_address_matches_rfc_5769() {
        let response =
            binding_response(Transaction::Modern(ID), "192.0.2.1:32853".parse().unwrap());
        let expected_xor = [
            0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
        ];
        assert!(
            response.windows(12).any(|w| w == expected_xor),
            "{response:02x?}"
        );
        assert_eq!(
            parse_binding_response(&response, Transaction::Modern(ID)),
            Ok("192.0.2.1:32853".parse().unwrap())
        );
    }

    #[test]
    fn requests_round_trip_in_both_forms() {
        for transaction in [Transaction::Modern(ID), Transaction::Classic([7; 16])] {
            let packet = binding_request(transaction, Some("0A0B0C-SIM001"), true);
            let request = parse_binding_request(&packet).unwrap();
            assert_eq!(request.transaction, transaction);
            assert_eq!(request.username.as_deref(), Some("0A0B0C-SIM001"));
            assert!(request.connection_request_binding && request.binding_change);
            assert!(!request.has_integrity());
            let v6: SocketAddr = "[2001:db8::1]:4000".parse().unwrap();
            let response = binding_response(transaction, v6);
            assert_eq!(parse_binding_response(&response, transaction), Ok(v6));
            assert_eq!(
                parse_binding_response(&response, Transaction::Classic([9; 16])),
                Err(StunError::OtherTransaction)
            );
        }
    }

    #[test]
    fn message_integrity_is_checked() {
        let mut packet = binding_request(Transaction::Modern(ID), Some("cpe"), false);
        // Append MESSAGE-INTEGRITY as RFC 5389 §15.4 computes it.
        let at = packet.len();
        let length = (at + 24 - 20) as u16;
        packet[2..4].copy_from_slice(&length.to_be_bytes());
        let mut mac = Hmac::<Sha1>::new_from_slice(b"stun-secret").unwrap();
        mac.update(&packet);
        let tag = mac.finalize().into_bytes();
        write_attribute(&mut packet, MESSAGE_INTEGRITY, &tag);
        let request = parse_binding_request(&packet).unwrap();
        assert!(request.integrity_holds(&packet, "stun-secret"));
        assert!(!request.integrity_holds(&packet, "guess"));
    }

    #[test]
    fn junk_is_refused_without_panicking() {
        assert_eq!(parse_binding_request(&[0; 10]), Err(StunError::TooShort));
        let mut packet = binding_request(Transaction::Modern(ID), Some("x"), false);
        packet.push(0);
        assert_eq!(parse_binding_request(&packet), Err(StunError::BadLength));
        let response = binding_response(Transaction::Modern(ID), "10.0.0.1:1".parse().unwrap());
        assert_eq!(
            parse_binding_request(&response),
            Err(StunError::NotBindingRequest(BINDING_RESPONSE))
        );
        // An attribute claiming more bytes than there are.
        let mut bad = message(
            BINDING_REQUEST,
            Transaction::Modern(ID),
            &[0, 6, 0, 40, b'a', b'b', b'c', b'd'],
        );
        bad.truncate(bad.len());
        assert_eq!(
            parse_binding_request(&bad),
            Err(StunError::TruncatedAttribute(USERNAME))
        );
        for length in 0..64 {
            let noise: Vec<u8> = (0..length).map(|i| (i * 37 % 251) as u8).collect();
            let _ = parse_binding_request(&noise);
            let _ = parse_binding_response(&noise, Transaction::Modern(ID));
        }
    }
}
