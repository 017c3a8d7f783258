//! The common Inform, read straight from the XML event stream, without a tree.
//!
//! Why a second reader: nearly every message an ACS reads at scale is a periodic Inform,
//! and building the tree (`xml::parse`) and then reading it (`decode`) was nearly half the
//! server's instructions per periodic session (callgrind: 102,000 of 222,000 for a 2 KB
//! Inform, SQLite, 16 sessions in flight). This reader fills the Inform's fields in one pass, as their text arrives.
//!
//! Why it cannot read a message differently from the lenient reader: it reads only the
//! plain shape (a SOAP 1.1 Envelope with every namespace declared on it, exact element
//! names, each field at most once, no element or header entry it does not know) and
//! declines (`None`) anything else, which `decode` then reads the lenient way, with its
//! warnings and its errors. It sees the document through the tree builder's own event loop
//! (`xml::read_events`), and what it does read, it converts with the lenient reader's own
//! functions (`read_time`, `read_header_entry`, `EventCode::parse`, `XsdType::parse`). The
//! tests read every fixture and thousands of variants both ways and require the same
//! result wherever this reader gives one.

use std::borrow::Cow;

use quick_xml::events::BytesStart;

use super::{
    decode::{Decoded, read_time},
    envelope::{Header, SOAP_ENVELOPE_NS, read_header_entry},
    message::{Inform, Message},
    types::{DeviceId, Event, EventCode, ParameterValue, XsdType},
    version::CwmpVersion,
    xml::{self, ElementSink, Limits, XmlError},
};

/// Reads `text` (`xml::decode_text`) if it is an Inform of the plain shape; `None` for
/// anything else, which the tree reader must read.
pub fn read(text: &str) -> Option<Decoded> {
    let text = text.trim_start_matches('\u{feff}');
    let mut inform = InformReader::new(text);
    xml::read_events(text, &mut inform).ok()?;
    inform.finish()
}

/// Why the fast path gave a document up: it is for the tree reader, whatever it holds.
struct Declined;

impl From<XmlError> for Declined {
    fn from(_: XmlError) -> Declined {
        Declined
    }
}

impl<'a> ElementSink<'a> for InformReader<'a> {
    type Error = Declined;

    fn open(&mut self, start: &BytesStart<'_>) -> Result<(), Declined> {
        self.open_element(start).ok_or(Declined)
    }

    fn close(&mut self) -> Result<(), Declined> {
        self.close_element().ok_or(Declined)
    }

    fn text(&mut self, piece: Cow<'a, str>) {
        // Text anywhere but in a leaf is indentation, or ignored by the tree reader too.
        if self.depth > 0 && self.stack[self.depth - 1].slot.is_leaf() {
            xml::append(&mut self.text, piece);
        }
    }
}

/// What an open element is to the Inform. The leaves hold text; the others hold elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Envelope,
    Header,
    HeaderEntry,
    Body,
    Inform,
    DeviceId,
    Manufacturer,
    Oui,
    ProductClass,
    SerialNumber,
    Events,
    EventItem,
    EventCode,
    CommandKey,
    MaxEnvelopes,
    CurrentTime,
    RetryCount,
    Parameters,
    ParameterItem,
    ParameterName,
    ParameterValue,
}

impl Slot {
    fn is_leaf(self) -> bool {
        matches!(
            self,
            Slot::HeaderEntry
                | Slot::Manufacturer
                | Slot::Oui
                | Slot::ProductClass
                | Slot::SerialNumber
                | Slot::EventCode
                | Slot::CommandKey
                | Slot::MaxEnvelopes
                | Slot::CurrentTime
                | Slot::RetryCount
                | Slot::ParameterName
                | Slot::ParameterValue
        )
    }

    /// What a child named `name` is inside this element, with the bit that marks it seen
    /// (0: it may repeat); `None` for a child the plain shape does not have.
    fn child(self, name: &str) -> Option<(Slot, u16)> {
        Some(match (self, name) {
            (Slot::Envelope, "Header") => (Slot::Header, 1),
            (Slot::Envelope, "Body") => (Slot::Body, 1 << 1),
            // Entries are applied in order, a later one overriding, as the tree reader does.
            (Slot::Header, _) => (Slot::HeaderEntry, 0),
            (Slot::Body, "Inform") => (Slot::Inform, 1),
            (Slot::Inform, "DeviceId") => (Slot::DeviceId, 1),
            (Slot::Inform, "Event") => (Slot::Events, 1 << 1),
            (Slot::Inform, "MaxEnvelopes") => (Slot::MaxEnvelopes, 1 << 2),
            (Slot::Inform, "CurrentTime") => (Slot::CurrentTime, 1 << 3),
            (Slot::Inform, "RetryCount") => (Slot::RetryCount, 1 << 4),
            (Slot::Inform, "ParameterList") => (Slot::Parameters, 1 << 5),
            (Slot::DeviceId, "Manufacturer") => (Slot::Manufacturer, 1),
            (Slot::DeviceId, "OUI") => (Slot::Oui, 1 << 1),
            (Slot::DeviceId, "ProductClass") => (Slot::ProductClass, 1 << 2),
            (Slot::DeviceId, "SerialNumber") => (Slot::SerialNumber, 1 << 3),
            // An array's items are read whatever they are called, as the tree reader does.
            (Slot::Events, _) => (Slot::EventItem, 0),
            (Slot::EventItem, "EventCode") => (Slot::EventCode, 1),
            (Slot::EventItem, "CommandKey") => (Slot::CommandKey, 1 << 1),
            (Slot::Parameters, _) => (Slot::ParameterItem, 0),
            (Slot::ParameterItem, "Name") => (Slot::ParameterName, 1),
            (Slot::ParameterItem, "Value") => (Slot::ParameterValue, 1 << 1),
            _ => return None,
        })
    }
}

/// Open elements at most: Envelope, Body, Inform, ParameterList, an item, its Value.
const MAX_DEPTH: usize = 6;

/// An open element and which of its children it has had.
#[derive(Debug, Clone, Copy)]
struct Frame {
    slot: Slot,
    seen: u16,
}

/// The Inform as read so far.
struct InformReader<'a> {
    document: &'a str,
    stack: [Frame; MAX_DEPTH],
    depth: usize,
    elements: usize,
    root_closed: bool,
    /// The Envelope's namespace declarations: (prefix, "" for the default; URI).
    namespaces: Vec<(&'a str, Cow<'a, str>)>,
    /// The open leaf's text, and the header entry's name when the leaf is one.
    text: Cow<'a, str>,
    entry_name: &'a str,
    header: Header,
    version: Option<CwmpVersion>,
    manufacturer: Option<String>,
    oui: Option<String>,
    product_class: Option<String>,
    serial_number: Option<String>,
    events: Vec<Event>,
    max_envelopes: u32,
    current_time: Option<chrono::DateTime<chrono::Utc>>,
    retry_count: u32,
    parameters: Vec<ParameterValue>,
    /// The open event's or parameter's fields.
    item_code: Option<String>,
    item_key: Option<String>,
    item_name: Option<String>,
    item_value: Option<(String, XsdType)>,
    value_kind: XsdType,
}

impl<'a> InformReader<'a> {
    fn new(document: &'a str) -> InformReader<'a> {
        InformReader {
            document,
            stack: [Frame {
                slot: Slot::Envelope,
                seen: 0,
            }; MAX_DEPTH],
            depth: 0,
            elements: 0,
            root_closed: false,
            namespaces: Vec::new(),
            text: Cow::Borrowed(""),
            entry_name: "",
            header: Header::default(),
            version: None,
            manufacturer: None,
            oui: None,
            product_class: None,
            serial_number: None,
            events: Vec::new(),
            max_envelopes: 1,
            current_time: None,
            retry_count: 0,
            parameters: Vec::new(),
            item_code: None,
            item_key: None,
            item_name: None,
            item_value: None,
            value_kind: XsdType::String,
        }
    }

    /// Reads a start tag; `None` declines the document.
    fn open_element(&mut self, start: &BytesStart<'_>) -> Option<()> {
        self.elements += 1;
        if self.root_closed || self.elements > Limits::default().max_elements {
            return None;
        }
        let name = start.name();
        let qualified: &str = name.as_ref();
        let (prefix, local) = qualified.split_once(':').unwrap_or(("", qualified));

        // Every attribute is read, as the tree reader reads them: one it cannot read makes
        // the document malformed there too.
        let mut kind = None;
        for attribute in start.attributes().with_checks(false) {
            let attribute = attribute.ok()?;
            let key: &str = attribute.key.as_ref();
            let declaration = key == "xmlns" || key.starts_with("xmlns:");
            if declaration && self.depth == 0 {
                let prefix = match key.strip_prefix("xmlns:") {
                    Some(prefix) => xml::within(self.document, prefix)?,
                    None => "",
                };
                let uri = xml::attribute_value(self.document, &attribute);
                self.namespaces.push((prefix, uri));
            } else if declaration {
                // A declaration below the Envelope scopes a prefix: the tree reader's job.
                return None;
            } else if kind.is_none() && xml::local_part(key) == "type" {
                kind = Some(XsdType::parse(&xml::attribute_value(
                    self.document,
                    &attribute,
                )));
            }
        }

        let slot = match self.depth {
            0 if local == "Envelope" => Slot::Envelope,
            0 => return None,
            _ => {
                let parent = &mut self.stack[self.depth - 1];
                let (slot, bit) = parent.slot.child(local)?;
                if parent.slot.is_leaf() || parent.seen & bit != 0 {
                    return None;
                }
                parent.seen |= bit;
                slot
            }
        };
        if self.depth == MAX_DEPTH {
            return None;
        }
        match slot {
            Slot::Envelope if self.namespace(prefix) != Some(SOAP_ENVELOPE_NS) => return None,
            Slot::Inform => {
                self.version = Some(
                    self.namespace(prefix)
                        .and_then(CwmpVersion::from_namespace)?,
                );
            }
            Slot::HeaderEntry => self.entry_name = xml::within(self.document, local)?,
            Slot::EventItem => {
                self.item_code = None;
                self.item_key = None;
            }
            Slot::ParameterItem => {
                self.item_name = None;
                self.item_value = None;
            }
            Slot::ParameterValue => self.value_kind = kind.unwrap_or(XsdType::String),
            _ => {}
        }
        self.text = Cow::Borrowed("");
        self.stack[self.depth] = Frame { slot, seen: 0 };
        self.depth += 1;
        Some(())
    }

    fn namespace(&self, prefix: &str) -> Option<&str> {
        // The first of two declarations of a prefix counts, as in the tree reader.
        self.namespaces
            .iter()
            .find(|(declared, _)| *declared == prefix)
            .map(|(_, uri)| uri.as_ref())
    }

    /// Reads an end tag; `None` declines the document.
    fn close_element(&mut self) -> Option<()> {
        self.depth = self.depth.checked_sub(1)?;
        let slot = self.stack[self.depth].slot;
        let text = std::mem::take(&mut self.text);
        let trimmed = || text.trim().to_owned();
        match slot {
            Slot::Envelope => self.root_closed = true,
            Slot::Header => {}
            Slot::HeaderEntry => {
                if !read_header_entry(&mut self.header, self.entry_name, &text) {
                    return None;
                }
            }
            Slot::Body | Slot::Inform | Slot::DeviceId | Slot::Events | Slot::Parameters => {}
            Slot::Manufacturer => self.manufacturer = Some(trimmed()),
            Slot::Oui => self.oui = Some(trimmed()),
            Slot::ProductClass => self.product_class = Some(trimmed()),
            Slot::SerialNumber => self.serial_number = Some(trimmed()),
            Slot::EventCode => self.item_code = Some(trimmed()),
            Slot::CommandKey => self.item_key = Some(trimmed()),
            Slot::MaxEnvelopes => self.max_envelopes = number_or(&text, 1)?,
            Slot::RetryCount => self.retry_count = number_or(&text, 0)?,
            Slot::CurrentTime => {
                self.current_time = match text.trim() {
                    "" => None,
                    time => read_time(time)?,
                };
            }
            Slot::EventItem => self.events.push(Event {
                code: EventCode::parse(&self.item_code.take()?),
                command_key: self.item_key.take().unwrap_or_default(),
            }),
            Slot::ParameterName => self.item_name = Some(trimmed()),
            // Values are kept exactly as sent: whitespace can be meaningful (SSIDs).
            Slot::ParameterValue => {
                self.item_value = Some((text.into_owned(), self.value_kind.clone()));
            }
            Slot::ParameterItem => {
                let (value, kind) = self
                    .item_value
                    .take()
                    .unwrap_or((String::new(), XsdType::String));
                self.parameters.push(ParameterValue {
                    name: self.item_name.take()?,
                    value,
                    kind,
                });
            }
        }
        Some(())
    }

    fn finish(self) -> Option<Decoded> {
        if !self.root_closed {
            return None;
        }
        let inform = Inform {
            device_id: DeviceId {
                manufacturer: self.manufacturer.unwrap_or_default(),
                oui: self.oui?,
                product_class: self.product_class.unwrap_or_default(),
                serial_number: self.serial_number?,
            },
            events: self.events,
            max_envelopes: self.max_envelopes,
            current_time: self.current_time,
            retry_count: self.retry_count,
            parameters: self.parameters,
        };
        Some(Decoded {
            version: Some(self.version?),
            header: self.header,
            message: Some(Message::Inform(inform)),
            warnings: Vec::new(),
        })
    }
}

/// A whole number that may be absent or empty, as the tree reader reads one.
fn number_or(text: &str, default: u32) -> Option<u32> {
    match text.trim() {
        "" => Some(default),
        text => text.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cwmp::{decode::read_tree, encode, xml::decode_text};

    /// Reads `text` both ways and requires the same result wherever the fast path reads
    /// it; says whether it did.
    fn agrees(text: &str) -> bool {
        let fast = read(text);
        if let Some(fast) = &fast {
            assert_eq!(
                read_tree(text).as_ref(),
                Ok(fast),
                "the fast path read this differently:\n{text}"
            );
        }
        fast.is_some()
    }

    fn plain_inform() -> String {
        let inform = Inform {
            device_id: DeviceId {
                manufacturer: "Osprey Labs".to_owned(),
                oui: "0A0B0C".to_owned(),
                product_class: "SimGW".to_owned(),
                serial_number: "SIM000000042".to_owned(),
            },
            events: vec![
                Event {
                    code: EventCode::Periodic,
                    command_key: String::new(),
                },
                Event {
                    code: EventCode::parse("M Reboot"),
                    command_key: "key 7".to_owned(),
                },
            ],
            max_envelopes: 1,
            current_time: read_time("2026-12-07T17:46:46.881911202Z").flatten(),
            retry_count: 2,
            parameters: vec![
                ParameterValue::new(
                    "InternetGatewayDevice.DeviceInfo.SoftwareVersion",
                    "1.0.0",
                    XsdType::String,
                ),
                ParameterValue::new(
                    "InternetGatewayDevice.DeviceInfo.UpTime",
                    "3600",
                    XsdType::UnsignedInt,
                ),
                ParameterValue::new(
                    "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID",
                    "  café & <friends>  ",
                    XsdType::String,
                ),
                ParameterValue::new(
                    "InternetGatewayDevice.DeviceInfo.ProvisioningCode",
                    "",
                    XsdType::String,
                ),
            ],
        };
        let header = Header {
            id: Some("1".to_owned()),
            ..Header::default()
        };
        encode(CwmpVersion::V1_2, &header, Some(&Message::Inform(inform)))
    }

    #[test]
    fn the_plain_inform_is_read_as_written() {
        let text = plain_inform();
        let read = read(&text).expect("the fast path reads what Osprey writes");
        assert_eq!(read, read_tree(&text).unwrap());
        let Some(Message::Inform(inform)) = &read.message else {
            panic!("not an Inform: {read:?}");
        };
        assert_eq!(inform.parameters[2].value, "  café & <friends>  ");
        assert_eq!(inform.parameters[1].kind, XsdType::UnsignedInt);
        assert_eq!(read.version, Some(CwmpVersion::V1_2));
        assert_eq!(read.header.id.as_deref(), Some("1"));
    }

    #[test]
    fn every_fixture_reads_the_same_both_ways() {
        let directory = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cwmp");
        let mut informs_read = Vec::new();
        for entry in std::fs::read_dir(directory).unwrap() {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            let Ok(text) = decode_text(&bytes) else {
                continue;
            };
            if agrees(&text) {
                informs_read.push(path.file_name().unwrap().to_string_lossy().into_owned());
            }
        }
        informs_read.sort();
        // Devices' plain Informs take the fast path; the odd ones are the tree reader's.
        for expected in [
            "inform-tr098-crlf-whitespace.xml",
            "inform-tr098-huawei-bootstrap.xml",
            "inform-tr098-latin1.xml",
            "inform-tr181-prplos-cwmp-1-4.xml",
        ] {
            assert!(
                informs_read.iter().any(|name| name == expected),
                "{expected} did not take the fast path; it took: {informs_read:?}"
            );
        }
        assert!(
            !informs_read
                .iter()
                .any(|name| name.contains("unknown-extra-elements")),
            "unknown elements are the tree reader's: {informs_read:?}"
        );
    }

    /// Each variant of the plain Inform: whether the fast path should read it. Either way
    /// it must agree with the tree reader.
    #[test]
    fn variants_are_read_alike_or_left_to_the_tree_reader() {
        let base = plain_inform();
        let variants: [(&str, &str, bool); 30] = [
            ("<DeviceId>", "<DeviceId>\r\n    ", true),
            (
                "<Value xsi:type=\"xsd:string\">1.0.0",
                "<Value xsi:type=\"xsd:string\">1.0&#46;0",
                true,
            ),
            ("1.0.0", "1.0<!-- x -->.0", true),
            ("1.0.0", "<![CDATA[1.0<0>]]>", true),
            ("1.0.0", "1.0.0\r\nbeta", true),
            ("<Value xsi:type=\"xsd:unsignedInt\">", "<Value>", true),
            (
                "<Value xsi:type=\"xsd:unsignedInt\">",
                "<Value type=\"unsignedInt\" a=\"b\">",
                true,
            ),
            ("<MaxEnvelopes>1</MaxEnvelopes>", "", true),
            (
                "<MaxEnvelopes>1</MaxEnvelopes>",
                "<MaxEnvelopes> </MaxEnvelopes>",
                true,
            ),
            ("<RetryCount>2</RetryCount>", "<RetryCount/>", true),
            (
                "<CurrentTime>2026-12-07T17:46:46.881911202Z</CurrentTime>",
                "<CurrentTime>2026-12-07T17:46:46</CurrentTime>",
                true,
            ),
            (
                "<CurrentTime>2026-12-07T17:46:46.881911202Z</CurrentTime>",
                "<CurrentTime>0001-01-01T00:00:00Z</CurrentTime>",
                true,
            ),
            (
                "<soap-env:Header><cwmp:ID soap-env:mustUnderstand=\"1\">1</cwmp:ID></soap-env:Header>",
                "",
                true,
            ),
            (
                "</cwmp:ID>",
                "</cwmp:ID><cwmp:HoldRequests>1</cwmp:HoldRequests><cwmp:ID>2</cwmp:ID>",
                true,
            ),
            ("<Manufacturer>Osprey Labs</Manufacturer>", "", true),
            (
                "<ProductClass>SimGW</ProductClass>",
                "<ProductClass/>",
                true,
            ),
            // Left to the tree reader: its warnings, its errors, its leniency.
            (
                "</cwmp:ID>",
                "</cwmp:ID><cwmp:Vendor>x</cwmp:Vendor>",
                false,
            ),
            ("<OUI>0A0B0C</OUI>", "", false),
            ("<OUI>0A0B0C</OUI>", "<oui>0A0B0C</oui>", false),
            (
                "<OUI>0A0B0C</OUI>",
                "<OUI>0A0B0C</OUI><OUI>FFFFFF</OUI>",
                false,
            ),
            (
                "<RetryCount>2</RetryCount>",
                "<RetryCount>two</RetryCount>",
                false,
            ),
            (
                "<CurrentTime>2026-12-07T17:46:46.881911202Z</CurrentTime>",
                "<CurrentTime>yesterday</CurrentTime>",
                false,
            ),
            (
                "<Name>InternetGatewayDevice.DeviceInfo.UpTime</Name>",
                "",
                false,
            ),
            (
                "<soap-env:Body>",
                "<soap-env:Body xmlns:x=\"urn:x\">",
                false,
            ),
            ("</cwmp:Inform>", "</cwmp:Inform><cwmp:Inform/>", false),
            ("</cwmp:Inform>", "<Extra>1</Extra></cwmp:Inform>", false),
            ("1.0.0", "1.0&nbsp;0", false),
            ("<SerialNumber>", "<SerialNumber><b>x</b>", false),
            (
                "http://schemas.xmlsoap.org/soap/envelope/",
                "http://www.w3.org/2003/05/soap-envelope",
                false,
            ),
            ("urn:dslforum-org:cwmp-1-2", "urn:example:not-cwmp", false),
        ];
        for (from, to, fast) in variants {
            assert!(base.contains(from), "the base lacks {from}");
            let variant = base.replacen(from, to, 1);
            assert_eq!(agrees(&variant), fast, "{from} -> {to}:\n{variant}");
        }
        assert!(!agrees(&format!("<!DOCTYPE x>{base}")));
        assert!(!agrees(&format!("{base}<more/>")));
        assert!(!agrees(&base[..base.len() - 20]));
        assert!(agrees(&format!("\u{feff}{base}\n")));
    }

    /// Random edits of the plain Inform (cut, repeated, or a piece of XML put in), checked
    /// both ways: a cheap fuzzer that runs with every test.
    #[test]
    fn random_edits_are_read_alike_or_left_to_the_tree_reader() {
        const PIECES: [&str; 16] = [
            "<x/>",
            "&amp;",
            "&bogus;",
            "&#65;",
            "<!-- c -->",
            "<![CDATA[a<b]]>",
            "\r\n",
            " ",
            " xmlns:a=\"urn:a\"",
            " xsi:type=\"xsd:int\"",
            "<Name>n</Name>",
            "<OUI>1</OUI>",
            "</Value>",
            "<EventStruct><EventCode>1 BOOT</EventCode></EventStruct>",
            "oui",
            "\"",
        ];
        let base = plain_inform();
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        };
        let mut read_fast = 0;
        for _ in 0..4_000 {
            let mut text = base.clone();
            for _ in 0..=next(2) {
                let at = (0..text.len())
                    .map(|_| next(text.len()))
                    .find(|&at| text.is_char_boundary(at))
                    .unwrap_or(0);
                let end = (at + next(24)).min(text.len());
                let end = (end..=text.len())
                    .find(|&end| text.is_char_boundary(end))
                    .unwrap_or(text.len());
                match next(3) {
                    0 => text.replace_range(at..end, ""),
                    1 => {
                        let repeated = text[at..end].to_owned();
                        text.insert_str(end, &repeated);
                    }
                    _ => text.insert_str(at, PIECES[next(PIECES.len())]),
                }
            }
            if agrees(&text) {
                read_fast += 1;
            }
        }
        // Edits in text and indentation keep the shape: some must take the fast path.
        assert!(
            read_fast > 200,
            "only {read_fast} of 4,000 took the fast path"
        );
    }
}
