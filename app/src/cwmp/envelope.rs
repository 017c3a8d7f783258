//! The SOAP envelope around every CWMP message: reading what devices send (any prefix, a
//! missing header, unknown header entries) and writing exactly what the standard says.

use super::{
    version::CwmpVersion,
    xml::{self, Element, Limits, XmlError},
};

pub const SOAP_ENVELOPE_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const SOAP_ENCODING_NS: &str = "http://schemas.xmlsoap.org/soap/encoding/";

/// The CWMP entries of the SOAP header (TR-069 A.2.2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Header {
    /// `cwmp:ID`: echoed in the response to the message that carried it.
    pub id: Option<String>,
    /// `cwmp:HoldRequests`: the ACS must not send requests while this is true.
    pub hold_requests: Option<bool>,
    /// `cwmp:NoMoreRequests` (deprecated since 1.1, still sent by old devices).
    pub no_more_requests: Option<bool>,
    /// `cwmp:SessionTimeout` in seconds (1.4).
    pub session_timeout: Option<u32>,
    /// `cwmp:SupportedCWMPVersions` (1.4): what the device can speak.
    pub supported_versions: Vec<CwmpVersion>,
    /// `cwmp:UseCWMPVersion` (1.4): what the ACS chose.
    pub use_version: Option<CwmpVersion>,
}

/// A message as read: the version it speaks, its header, and the RPC element (none for an
/// empty body), borrowing from the document's text. Anything odd but harmless is noted in
/// `warnings`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadEnvelope<'a> {
    pub version: Option<CwmpVersion>,
    pub header: Header,
    pub body: Option<Element<'a>>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error(transparent)]
    Xml(#[from] XmlError),
    #[error("the root element is <{0}>, not a SOAP Envelope")]
    NotAnEnvelope(String),
    #[error("the SOAP Envelope has no Body")]
    NoBody,
}

/// Reads a SOAP envelope leniently, from its text (`xml::decode_text`).
pub fn read_envelope(text: &str) -> Result<ReadEnvelope<'_>, EnvelopeError> {
    let mut root = xml::parse(text, Limits::default())?;
    if !root.name.eq_ignore_ascii_case("Envelope") {
        return Err(EnvelopeError::NotAnEnvelope(root.name.into_owned()));
    }
    let mut warnings = Vec::new();
    if root.namespace.as_deref() != Some(SOAP_ENVELOPE_NS) {
        warnings.push(format!(
            "the Envelope's namespace is {:?}, not SOAP 1.1's",
            root.namespace.as_deref().unwrap_or("none")
        ));
    }

    let header = root
        .child_ignore_case("Header")
        .map(|header| read_header(header, &mut warnings))
        .unwrap_or_default();
    // Taken out of the tree, not copied: the RPC is most of the message.
    let body = root
        .take_child_ignore_case("Body")
        .ok_or(EnvelopeError::NoBody)?;
    let mut elements = body.children.into_iter();
    let rpc = elements.next();
    if elements.next().is_some() {
        warnings.push("the Body holds more than one element; only the first is read".to_owned());
    }

    let version = rpc
        .as_ref()
        .and_then(|rpc| rpc.namespace.as_deref())
        .and_then(CwmpVersion::from_namespace)
        .or_else(|| header_version(&root));
    Ok(ReadEnvelope {
        version,
        header,
        body: rpc,
        warnings,
    })
}

/// The version of any CWMP-namespaced header entry, for bodies that carry none.
fn header_version(root: &Element<'_>) -> Option<CwmpVersion> {
    root.child_ignore_case("Header")?
        .children
        .iter()
        .find_map(|entry| {
            entry
                .namespace
                .as_deref()
                .and_then(CwmpVersion::from_namespace)
        })
}

fn read_header(header: &Element<'_>, warnings: &mut Vec<String>) -> Header {
    let mut read = Header::default();
    for entry in &header.children {
        if !read_header_entry(&mut read, &entry.name, &entry.text) {
            warnings.push(format!("unknown header entry <{}> ignored", entry.name));
        }
    }
    read
}

/// Reads one header entry, by its local name, into `header`; `false` for an entry the
/// standard does not define (which changes nothing). A later entry of a name overrides an
/// earlier one.
pub(super) fn read_header_entry(header: &mut Header, name: &str, text: &str) -> bool {
    let text = text.trim();
    match name {
        "ID" => header.id = Some(text.to_owned()),
        "HoldRequests" => header.hold_requests = read_bool(text),
        "NoMoreRequests" => header.no_more_requests = read_bool(text),
        "SessionTimeout" => header.session_timeout = text.parse().ok(),
        "SupportedCWMPVersions" => {
            header.supported_versions = text
                .split(',')
                .filter_map(CwmpVersion::from_label)
                .collect();
        }
        "UseCWMPVersion" => header.use_version = CwmpVersion::from_label(text),
        _ => return false,
    }
    true
}

/// `xsd:boolean` as devices write it: true/false/1/0, any case, any spacing.
pub fn read_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" => Some(true),
        "0" | "false" => Some(false),
        _ => None,
    }
}

/// Escapes text for element content and attribute values. A carriage return is written as
/// a character reference: XML parsers turn a literal CR LF into LF, and values must survive.
pub fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"', '\'', '\r']) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        match ch {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\r' => escaped.push_str("&#13;"),
            other => escaped.push(other),
        }
    }
    std::borrow::Cow::Owned(escaped)
}

/// Writes a complete envelope in the canonical form: fixed prefixes (`soap-env`, `soap-enc`,
/// `xsd`, `xsi`, `cwmp`), the `cwmp:ID` header with mustUnderstand when there is an ID, and
/// `body` (already-written XML of one RPC element using the `cwmp` prefix) in the Body.
pub fn write_envelope(version: CwmpVersion, header: &Header, body: &str) -> String {
    let mut out = String::with_capacity(512 + body.len());
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<soap-env:Envelope xmlns:soap-env=\"");
    out.push_str(SOAP_ENVELOPE_NS);
    out.push_str("\" xmlns:soap-enc=\"");
    out.push_str(SOAP_ENCODING_NS);
    out.push_str("\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:cwmp=\"");
    out.push_str(version.namespace());
    out.push_str("\">");
    out.push_str("<soap-env:Header>");
    if let Some(id) = &header.id {
        out.push_str("<cwmp:ID soap-env:mustUnderstand=\"1\">");
        out.push_str(&escape(id));
        out.push_str("</cwmp:ID>");
    }
    if let Some(hold) = header.hold_requests {
        out.push_str("<cwmp:HoldRequests soap-env:mustUnderstand=\"1\">");
        out.push_str(if hold { "1" } else { "0" });
        out.push_str("</cwmp:HoldRequests>");
    }
    if let Some(timeout) = header.session_timeout {
        out.push_str(&format!(
            "<cwmp:SessionTimeout soap-env:mustUnderstand=\"0\">{timeout}</cwmp:SessionTimeout>"
        ));
    }
    if let Some(used) = header.use_version {
        out.push_str(&format!(
            "<cwmp:UseCWMPVersion soap-env:mustUnderstand=\"1\">{}</cwmp:UseCWMPVersion>",
            used.label()
        ));
    }
    out.push_str("</soap-env:Header><soap-env:Body>");
    out.push_str(body);
    out.push_str("</soap-env:Body></soap-env:Envelope>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_prefix_and_a_missing_header_are_read() {
        for prefix in ["SOAP-ENV", "soap", "soapenv", "s"] {
            let text = format!(
                r#"<{prefix}:Envelope xmlns:{prefix}="{SOAP_ENVELOPE_NS}" xmlns:cwmp="urn:dslforum-org:cwmp-1-0"><{prefix}:Body><cwmp:Inform/></{prefix}:Body></{prefix}:Envelope>"#
            );
            let read = read_envelope(&text).unwrap();
            assert_eq!(read.version, Some(CwmpVersion::V1_0), "{prefix}");
            assert_eq!(read.header, Header::default());
            assert_eq!(read.body.unwrap().name, "Inform");
            assert!(read.warnings.is_empty(), "{:?}", read.warnings);
        }
    }

    #[test]
    fn header_entries_are_read_and_unknown_ones_noted() {
        let text = format!(
            r#"<E:Envelope xmlns:E="{SOAP_ENVELOPE_NS}" xmlns:c="urn:dslforum-org:cwmp-1-4">
              <E:Header>
                <c:ID E:mustUnderstand="1"> 42 </c:ID>
                <c:HoldRequests>TRUE</c:HoldRequests>
                <c:SessionTimeout>60</c:SessionTimeout>
                <c:SupportedCWMPVersions>1.0,1.2,1.4</c:SupportedCWMPVersions>
                <x:Vendor xmlns:x="urn:vendor">1</x:Vendor>
              </E:Header>
              <E:Body/>
            </E:Envelope>"#
        );
        let read = read_envelope(&text).unwrap();
        assert_eq!(read.header.id.as_deref(), Some("42"));
        assert_eq!(read.header.hold_requests, Some(true));
        assert_eq!(read.header.session_timeout, Some(60));
        assert_eq!(
            read.header.supported_versions,
            vec![CwmpVersion::V1_0, CwmpVersion::V1_2, CwmpVersion::V1_4]
        );
        assert_eq!(
            read.version,
            Some(CwmpVersion::V1_4),
            "from the header when the body is empty"
        );
        assert_eq!(read.body, None);
        assert_eq!(read.warnings, vec!["unknown header entry <Vendor> ignored"]);
    }

    #[test]
    fn non_envelopes_are_refused() {
        assert_eq!(
            read_envelope("<html/>"),
            Err(EnvelopeError::NotAnEnvelope("html".into()))
        );
        let no_body =
            format!(r#"<s:Envelope xmlns:s="{SOAP_ENVELOPE_NS}"><s:Header/></s:Envelope>"#);
        assert_eq!(read_envelope(&no_body), Err(EnvelopeError::NoBody));
    }

    #[test]
    fn booleans_as_devices_write_them() {
        for (text, value) in [
            ("1", Some(true)),
            (" true ", Some(true)),
            ("False", Some(false)),
            ("0", Some(false)),
            ("yes", None),
        ] {
            assert_eq!(read_bool(text), value, "{text}");
        }
    }

    #[test]
    fn written_envelopes_read_back() {
        let header = Header {
            id: Some("a<b".to_owned()),
            hold_requests: Some(false),
            ..Header::default()
        };
        let written = write_envelope(
            CwmpVersion::V1_2,
            &header,
            "<cwmp:InformResponse><MaxEnvelopes>1</MaxEnvelopes></cwmp:InformResponse>",
        );
        assert!(
            written.contains("<cwmp:ID soap-env:mustUnderstand=\"1\">a&lt;b</cwmp:ID>"),
            "{written}"
        );
        let read = read_envelope(&written).unwrap();
        assert_eq!(read.version, Some(CwmpVersion::V1_2));
        assert_eq!(read.header.id.as_deref(), Some("a<b"));
        assert_eq!(read.header.hold_requests, Some(false));
        assert_eq!(read.body.unwrap().child_text("MaxEnvelopes"), Some("1"));
        assert!(read.warnings.is_empty());
    }
}
