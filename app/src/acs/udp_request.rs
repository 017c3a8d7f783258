//! UDP Connection Requests (TR-069 Annex G): an HTTP GET request line in one datagram, sent
//! to the address a device behind NAT keeps open with STUN. No answer comes back: the
//! device's session is the answer, so the sender repeats it until then.
//!
//! `GET http://{address}?ts=..&id=..&un=..&cn=..&sig=.. HTTP/1.1` where `sig` is
//! HMAC-SHA1 keyed with the ConnectionRequestPassword over `ts id un cn` concatenated.

use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::{http_auth::Credentials, url_text::percent_encode};

/// The datagram asking the device at `address` (`host:port`) to open a session.
pub fn udp_connection_request(
    address: &str,
    credentials: &Credentials,
    timestamp: i64,
    id: u32,
    cnonce: &str,
) -> String {
    let signature = sign(
        &credentials.password,
        timestamp,
        id,
        &credentials.username,
        cnonce,
    );
    format!(
        "GET http://{address}?ts={timestamp}&id={id}&un={}&cn={}&sig={signature} HTTP/1.1\r\nHost: {address}\r\n\r\n",
        percent_encode(&credentials.username, true),
        percent_encode(cnonce, true),
    )
}

/// A request the device accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpRequest {
    pub timestamp: i64,
    /// The same across repeats of one request: a device acts once per id.
    pub id: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UdpRefusal {
    #[error("not a UDP Connection Request: {0}")]
    Malformed(&'static str),
    #[error("the username is not the device's")]
    WrongUsername,
    #[error("the signature does not match")]
    WrongSignature,
    #[error("the timestamp is too old or in the future")]
    Stale,
}

/// Checks a datagram as a device does (the simulator's side): form, username, signature,
/// and a timestamp within `max_age_seconds` of `now`.
pub fn check_udp_connection_request(
    datagram: &str,
    credentials: &Credentials,
    now: i64,
    max_age_seconds: i64,
) -> Result<UdpRequest, UdpRefusal> {
    let line = datagram.lines().next().unwrap_or_default();
    let mut words = line.split(' ');
    if words.next() != Some("GET") {
        return Err(UdpRefusal::Malformed("the method is not GET"));
    }
    let uri = words.next().ok_or(UdpRefusal::Malformed("no URI"))?;
    if !words
        .next()
        .is_some_and(|version| version.starts_with("HTTP/1."))
    {
        return Err(UdpRefusal::Malformed("no HTTP version"));
    }
    let (_, query) = uri
        .split_once('?')
        .ok_or(UdpRefusal::Malformed("no query"))?;
    let mut fields = std::collections::HashMap::new();
    for pair in query.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        fields.insert(
            name,
            form_decode(value).ok_or(UdpRefusal::Malformed("bad escape"))?,
        );
    }
    let field = |name: &'static str| {
        fields
            .get(name)
            .map(String::as_str)
            .ok_or(UdpRefusal::Malformed("a field is missing"))
    };
    let timestamp: i64 = field("ts")?
        .parse()
        .map_err(|_| UdpRefusal::Malformed("ts is not a number"))?;
    let id: u32 = field("id")?
        .parse()
        .map_err(|_| UdpRefusal::Malformed("id is not a number"))?;
    let username = field("un")?;
    let cnonce = field("cn")?;
    if username != credentials.username {
        return Err(UdpRefusal::WrongUsername);
    }
    let expected = sign(&credentials.password, timestamp, id, username, cnonce);
    if !field("sig")?.eq_ignore_ascii_case(&expected) {
        return Err(UdpRefusal::WrongSignature);
    }
    if (now - timestamp).abs() > max_age_seconds {
        return Err(UdpRefusal::Stale);
    }
    Ok(UdpRequest { timestamp, id })
}

fn sign(password: &str, timestamp: i64, id: u32, username: &str, cnonce: &str) -> String {
    let mut mac =
        Hmac::<Sha1>::new_from_slice(password.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("{timestamp}{id}{username}{cnonce}").as_bytes());
    crate::hex::to_hex(&mac.finalize().into_bytes())
}

fn form_decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(at + 1..at + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                at += 2;
            }
            other => out.push(other),
        }
        at += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials(password: &str) -> Credentials {
        Credentials {
            username: "cpe user".into(),
            password: password.into(),
        }
    }

    #[test]
    fn the_datagram_has_the_annex_g_form() {
        let datagram = udp_connection_request(
            "203.0.113.7:5060",
            &credentials("pw"),
            1_120_673_700,
            1234,
            "XTGR",
        );
        let expected_sig = sign("pw", 1_120_673_700, 1234, "cpe user", "XTGR");
        assert_eq!(
            datagram,
            format!(
                "GET http://203.0.113.7:5060?ts=1120673700&id=1234&un=cpe+user&cn=XTGR&sig={expected_sig} HTTP/1.1\r\nHost: 203.0.113.7:5060\r\n\r\n"
            )
        );
        // HMAC-SHA1 of "11206737001234cpe userXTGR" keyed "pw", computed independently.
        let mut mac = Hmac::<Sha1>::new_from_slice(b"pw").unwrap();
        mac.update(b"11206737001234cpe userXTGR");
        let independent: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(expected_sig, independent);
    }

    #[test]
    fn devices_accept_signed_fresh_requests_only() {
        let now = 1_800_000_000;
        let datagram = udp_connection_request("h:1", &credentials("pw"), now, 7, "c");
        assert_eq!(
            check_udp_connection_request(&datagram, &credentials("pw"), now + 5, 30),
            Ok(UdpRequest {
                timestamp: now,
                id: 7
            })
        );
        assert_eq!(
            check_udp_connection_request(&datagram, &credentials("other"), now, 30),
            Err(UdpRefusal::WrongSignature)
        );
        assert_eq!(
            check_udp_connection_request(&datagram, &credentials("pw"), now + 31, 30),
            Err(UdpRefusal::Stale)
        );
        let other_user = Credentials {
            username: "someone".into(),
            password: "pw".into(),
        };
        assert_eq!(
            check_udp_connection_request(&datagram, &other_user, now, 30),
            Err(UdpRefusal::WrongUsername)
        );
        for junk in [
            "",
            "POST / HTTP/1.1",
            "GET http://h HTTP/1.1",
            "GET http://h?ts=x HTTP/1.1",
            "GET http://h?a=%zz HTTP/1.1",
        ] {
            assert!(
                matches!(
                    check_udp_connection_request(junk, &credentials("pw"), now, 30),
                    Err(UdpRefusal::Malformed(_))
                ),
                "{junk}"
            );
        }
    }
}
