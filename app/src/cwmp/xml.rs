//! A small, guarded XML reader: turns a CWMP message into a tree of elements with namespace
//! prefixes resolved, and refuses what an ACS facing the Internet must never process.
//!
//! Why a tree and not streaming deserialisation: SOAP from devices arrives with any prefix,
//! elements in any order, unknown extras and odd whitespace, and is small (a few hundred KB at
//! most). A tree makes lenient lookups simple, and the limits below make it safe:
//! - no DOCTYPE at all: no entity expansion, no billion laughs, no external entities;
//! - bounded nesting depth and element count, whatever the body size cap lets through;
//! - UTF-8, or ISO-8859-1 when the declaration says so (some devices do), nothing else.
//!
//! The tree borrows its names and text from the document wherever it can (`Cow`): a
//! periodic Inform is some sixty elements, and a copy of each name and value was most of
//! the reader's allocations, which were a tenth of the server's time under load.

use std::{borrow::Cow, sync::Arc};

use quick_xml::{
    Reader, XmlVersion,
    events::{BytesRef, BytesStart, Event, attributes::Attribute},
};

/// Limits on what one document may contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_depth: usize,
    pub max_elements: usize,
}

impl Default for Limits {
    fn default() -> Self {
        // A full TR-181 tree in one GetParameterValuesResponse has ~10,000 parameters of
        // 4 elements each; depth in CWMP never passes 8.
        Limits {
            max_depth: 32,
            max_elements: 250_000,
        }
    }
}

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    #[error("the document is empty")]
    Empty,
    #[error("the document is not UTF-8 (nor declared ISO-8859-1)")]
    NotUtf8,
    #[error("DOCTYPE declarations are not accepted")]
    DocType,
    #[error("elements nest deeper than {0} levels")]
    TooDeep(usize),
    #[error("the document has more than {0} elements")]
    TooManyElements(usize),
    #[error("unknown entity &{0};")]
    UnknownEntity(String),
    #[error("malformed XML at byte {position}: {message}")]
    Malformed { position: u64, message: String },
}

/// One element: its local name (prefix removed), the namespace its prefix stands for, its
/// attributes by local name, its child elements and its text (concatenated, untrimmed;
/// in an element with children, blank text is indentation and left out). Names and text
/// are borrowed from the document unless reading changed them (entities, line ends).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element<'a> {
    pub name: Cow<'a, str>,
    /// Shared by every element in its scope: one URI, not a copy per element.
    pub namespace: Option<Arc<str>>,
    pub attributes: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    pub children: Vec<Element<'a>>,
    pub text: Cow<'a, str>,
}

impl<'a> Element<'a> {
    /// The first child with this local name, any namespace (devices mix them freely).
    pub fn child(&self, name: &str) -> Option<&Element<'a>> {
        self.children.iter().find(|child| child.name == name)
    }

    /// Like `child`, but ASCII-case-insensitive: some devices capitalise freely.
    pub fn child_ignore_case(&self, name: &str) -> Option<&Element<'a>> {
        self.children.get(self.position_ignore_case(name)?)
    }

    /// Takes out the child `child_ignore_case` finds, without copying it.
    pub fn take_child_ignore_case(&mut self, name: &str) -> Option<Element<'a>> {
        let position = self.position_ignore_case(name)?;
        Some(self.children.remove(position))
    }

    /// An exact match first, then one in another case.
    fn position_ignore_case(&self, name: &str) -> Option<usize> {
        let children = &self.children;
        children
            .iter()
            .position(|child| child.name == name)
            .or_else(|| {
                children
                    .iter()
                    .position(|child| child.name.eq_ignore_ascii_case(name))
            })
    }

    /// The trimmed text of a child, if the child exists.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child_ignore_case(name).map(|child| child.text.trim())
    }

    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_ref())
    }
}

/// Reads a whole document into its root element, borrowing from `text` (`decode_text`
/// turns bytes into it).
pub fn parse(text: &str, limits: Limits) -> Result<Element<'_>, XmlError> {
    let text = text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        return Err(XmlError::Empty);
    }

    let mut builder = TreeBuilder::new(text, limits);
    let end = read_events(text, &mut builder)?;
    builder.finish(end)
}

/// What reads a document's elements and text as they come: the tree builder, and the
/// plain Inform's fast path (`fast_inform`), which must see a document exactly as the tree
/// does.
pub(super) trait ElementSink<'a> {
    /// Why the sink stops; every error of reading the document itself turns into one.
    type Error: From<XmlError>;

    fn open(&mut self, start: &BytesStart<'_>) -> Result<(), Self::Error>;
    fn close(&mut self) -> Result<(), Self::Error>;
    /// A piece of text: character data with line ends normalised, CDATA, or a reference's.
    fn text(&mut self, text: Cow<'a, str>);
}

/// Reads `text` into `sink`, event by event; on success, the position of the document's
/// end. One loop for every reader, so that they agree on what a document holds.
pub(super) fn read_events<'a, S: ElementSink<'a>>(
    text: &'a str,
    sink: &mut S,
) -> Result<u64, S::Error> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    loop {
        let position = reader.buffer_position();
        let event = reader.read_event().map_err(|e| XmlError::Malformed {
            position,
            message: e.to_string(),
        })?;
        match event {
            Event::Start(start) => sink.open(&start)?,
            Event::Empty(start) => {
                sink.open(&start)?;
                sink.close()?;
            }
            Event::End(_) => sink.close()?,
            Event::Text(text) => sink.text(text.xml10_content()),
            Event::CData(data) => sink.text(data.into_inner()),
            Event::GeneralRef(reference) => sink.text(reference_text(&reference)?),
            Event::DocType(_) => return Err(XmlError::DocType.into()),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => return Ok(reader.buffer_position()),
        }
    }
}

/// The text a character or entity reference stands for; only XML's five entities exist.
fn reference_text<'a>(reference: &BytesRef<'a>) -> Result<Cow<'a, str>, XmlError> {
    Ok(match reference.resolve_char_ref() {
        Ok(Some(ch)) => Cow::Owned(ch.to_string()),
        _ => Cow::Borrowed(
            predefined_entity(reference)
                .ok_or_else(|| XmlError::UnknownEntity(reference.to_string()))?,
        ),
    })
}

fn predefined_entity(name: &str) -> Option<&'static str> {
    Some(match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => return None,
    })
}

/// A document's bytes as text: UTF-8 as it is; ISO-8859-1 (Latin-1) converted when the XML
/// declaration names it.
pub fn decode_text(input: &[u8]) -> Result<Cow<'_, str>, XmlError> {
    match std::str::from_utf8(input) {
        Ok(text) => Ok(Cow::Borrowed(text)),
        Err(_) => {
            let head = String::from_utf8_lossy(&input[..input.len().min(100)]).to_ascii_lowercase();
            let latin1 = head.starts_with("<?xml")
                && (head.contains("iso-8859-1") || head.contains("latin1"));
            if latin1 {
                Ok(Cow::Owned(input.iter().map(|&b| char::from(b)).collect()))
            } else {
                Err(XmlError::NotUtf8)
            }
        }
    }
}

/// `part`, which quick-xml hands out borrowed from an event, as the same slice of the
/// document: the document outlives the tree, an event does not. `None` for text quick-xml
/// made itself (an owned, normalised value), which is then copied.
pub(super) fn within<'a>(document: &'a str, part: &str) -> Option<&'a str> {
    let start = (part.as_ptr() as usize).checked_sub(document.as_ptr() as usize)?;
    document.get(start..start.checked_add(part.len())?)
}

/// `part` borrowed from the document where it lies in it, else copied.
fn borrowed<'a>(document: &'a str, part: &str) -> Cow<'a, str> {
    within(document, part).map_or_else(|| Cow::Owned(part.to_owned()), Cow::Borrowed)
}

/// An attribute's value, normalised as XML says (or as written when it cannot be), borrowed
/// from the document where it can be.
pub(super) fn attribute_value<'a>(document: &'a str, attribute: &Attribute<'_>) -> Cow<'a, str> {
    match attribute.normalized_value(XmlVersion::default()) {
        Ok(value) => borrowed(document, &value),
        Err(_) => borrowed(document, &attribute.value),
    }
}

/// Appends `piece` to `text`, without a copy while `text` is empty.
pub(super) fn append<'a>(text: &mut Cow<'a, str>, piece: Cow<'a, str>) {
    if text.is_empty() {
        *text = piece;
    } else if !piece.is_empty() {
        text.to_mut().push_str(&piece);
    }
}

/// Builds the tree from events, resolving prefixes through the `xmlns` declarations in scope.
struct TreeBuilder<'a> {
    document: &'a str,
    limits: Limits,
    /// The open elements, each with where its children begin in `closed`.
    stack: Vec<(Element<'a>, usize)>,
    /// Closed elements whose parent is still open, in document order: an element's
    /// children are moved into it in one allocation of their exact number when it closes,
    /// instead of a vector growing child by child (a ParameterList's twelve took three).
    closed: Vec<Element<'a>>,
    /// Namespace declarations per open element: (prefix or "" for the default, URI).
    scopes: Vec<Vec<(Cow<'a, str>, Arc<str>)>>,
    /// Blank text the open element has shown so far and nothing else: indentation if a
    /// child follows, the element's text if none does (`<Value> </Value>`). Held here, not
    /// in the element, so that indentation is never copied.
    blank: Cow<'a, str>,
    root: Option<Element<'a>>,
    elements: usize,
}

impl<'a> TreeBuilder<'a> {
    fn new(document: &'a str, limits: Limits) -> TreeBuilder<'a> {
        TreeBuilder {
            document,
            limits,
            stack: Vec::new(),
            closed: Vec::new(),
            scopes: Vec::new(),
            blank: Cow::Borrowed(""),
            root: None,
            elements: 0,
        }
    }

    fn resolve(&self, prefix: &str) -> Option<Arc<str>> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|scope| scope.iter())
            .find(|(declared, _)| declared.as_ref() == prefix)
            .map(|(_, uri)| Arc::clone(uri))
    }

    fn finish(self, position: u64) -> Result<Element<'a>, XmlError> {
        if !self.stack.is_empty() {
            return Err(XmlError::Malformed {
                position,
                message: format!(
                    "the document ends inside <{}>",
                    self.stack.last().map_or("", |(e, _)| e.name.as_ref())
                ),
            });
        }
        self.root.ok_or(XmlError::Empty)
    }
}

impl<'a> ElementSink<'a> for TreeBuilder<'a> {
    type Error = XmlError;

    fn open(&mut self, start: &BytesStart<'_>) -> Result<(), XmlError> {
        if self.root.is_some() {
            return Err(XmlError::Malformed {
                position: 0,
                message: "content after the root element".to_owned(),
            });
        }
        if self.stack.len() >= self.limits.max_depth {
            return Err(XmlError::TooDeep(self.limits.max_depth));
        }
        self.elements += 1;
        if self.elements > self.limits.max_elements {
            return Err(XmlError::TooManyElements(self.limits.max_elements));
        }
        // Blank text before a child is the parent's indentation.
        self.blank = Cow::Borrowed("");

        let document = self.document;
        let mut declarations = Vec::new();
        let mut attributes = Vec::new();
        for attribute in start.attributes().with_checks(false) {
            let attribute = attribute.map_err(|e| XmlError::Malformed {
                position: 0,
                message: e.to_string(),
            })?;
            let key: &str = attribute.key.as_ref();
            let value = attribute_value(document, &attribute);
            if key == "xmlns" {
                declarations.push((Cow::Borrowed(""), Arc::from(value.as_ref())));
            } else if let Some(prefix) = key.strip_prefix("xmlns:") {
                declarations.push((borrowed(document, prefix), Arc::from(value.as_ref())));
            } else {
                attributes.push((borrowed(document, local_part(key)), value));
            }
        }
        self.scopes.push(declarations);

        let name = start.name();
        let qualified: &str = name.as_ref();
        let (prefix, name) = qualified.split_once(':').unwrap_or(("", qualified));
        let namespace = self.resolve(prefix);
        self.stack.push((
            Element {
                name: borrowed(document, name),
                namespace,
                attributes,
                children: Vec::new(),
                text: Cow::Borrowed(""),
            },
            self.closed.len(),
        ));
        Ok(())
    }

    fn close(&mut self) -> Result<(), XmlError> {
        let (mut element, first_child) = self.stack.pop().ok_or_else(|| XmlError::Malformed {
            position: 0,
            message: "an end tag without a start".to_owned(),
        })?;
        self.scopes.pop();
        let blank = std::mem::take(&mut self.blank);
        if first_child == self.closed.len() {
            append(&mut element.text, blank);
        } else {
            element.children = self.closed.drain(first_child..).collect();
        }
        if self.stack.is_empty() {
            self.root = Some(element);
        } else {
            self.closed.push(element);
        }
        Ok(())
    }

    fn text(&mut self, text: Cow<'a, str>) {
        // Text outside the root (whitespace between declarations) is ignored.
        let Some((current, _)) = self.stack.last_mut() else {
            return;
        };
        let blank = text.bytes().all(|byte| byte.is_ascii_whitespace());
        if blank && current.text.is_empty() {
            append(&mut self.blank, text);
        } else {
            append(&mut current.text, std::mem::take(&mut self.blank));
            append(&mut current.text, text);
        }
    }
}

pub(super) fn local_part(qualified: &str) -> &str {
    qualified
        .split_once(':')
        .map_or(qualified, |(_, local)| local)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Element<'_>, XmlError> {
        parse(text, Limits::default())
    }

    /// Bytes as the server reads them: decoded, then parsed.
    fn read_bytes(input: &[u8], limits: Limits) -> Result<String, XmlError> {
        let text = decode_text(input)?;
        Ok(parse(&text, limits)?.text.into_owned())
    }

    #[test]
    fn prefixes_resolve_to_namespaces() {
        let root = read(
            r#"<?xml version="1.0"?>
            <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="urn:dslforum-org:cwmp-1-2">
              <soap:Body><cwmp:Inform><DeviceId/></cwmp:Inform></soap:Body>
            </soap:Envelope>"#,
        )
        .unwrap();
        assert_eq!(root.name, "Envelope");
        assert_eq!(
            root.namespace.as_deref(),
            Some("http://schemas.xmlsoap.org/soap/envelope/")
        );
        let inform = &root.child("Body").unwrap().children[0];
        assert_eq!(inform.name, "Inform");
        assert_eq!(
            inform.namespace.as_deref(),
            Some("urn:dslforum-org:cwmp-1-2")
        );
        assert_eq!(inform.child("DeviceId").unwrap().namespace, None);
    }

    #[test]
    fn text_keeps_entities_cdata_and_latin1() {
        let root = read("<a>x &amp; y &lt;z&gt; &#233;&#x41;<![CDATA[<raw>]]></a>").unwrap();
        assert_eq!(root.text, "x & y <z> éA<raw>");
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>caf\xe9</a>";
        assert_eq!(read_bytes(latin1, Limits::default()).unwrap(), "café");
        let bom = "\u{feff}<a>1</a>";
        assert_eq!(read(bom).unwrap().text, "1");
    }

    #[test]
    fn names_and_plain_text_are_borrowed_from_the_document() {
        let document =
            r#"<a xmlns:x="urn:x"><x:Name k="v">Device.Info</x:Name><b>1 &amp; 2</b></a>"#;
        let root = read(document).unwrap();
        let name = &root.children[0];
        assert!(matches!(name.name, Cow::Borrowed("Name")));
        assert!(matches!(name.text, Cow::Borrowed("Device.Info")));
        assert!(matches!(
            name.attributes[0],
            (Cow::Borrowed("k"), Cow::Borrowed("v"))
        ));
        assert_eq!(name.namespace.as_deref(), Some("urn:x"));
        // Text that reading changed is owned.
        assert!(matches!(&root.children[1].text, Cow::Owned(text) if text == "1 & 2"));
        assert_eq!(within(document, &document[1..2]), Some("a"));
        let copy = String::from("Device.Info");
        assert_eq!(within(document, &copy), None, "not a slice of the document");
    }

    #[test]
    fn children_stay_with_their_parents_in_document_order() {
        let root = read("<a><b><c>1</c><d/></b><e><f><g/></f></e><h>2</h></a>").unwrap();
        let names = |element: &Element<'_>| -> Vec<String> {
            element
                .children
                .iter()
                .map(|c| c.name.to_string())
                .collect()
        };
        assert_eq!(names(&root), ["b", "e", "h"]);
        assert_eq!(names(&root.children[0]), ["c", "d"]);
        assert_eq!(root.children[0].children[0].text, "1");
        assert_eq!(names(&root.children[1]), ["f"]);
        assert_eq!(names(&root.children[1].children[0]), ["g"]);
        assert!(root.children[1].children[0].children[0].children.is_empty());
        assert_eq!(root.children[2].text, "2");
    }

    #[test]
    fn indentation_is_not_text_but_a_blank_value_is() {
        let root =
            read("<a>\n  <Value> </Value>\n  <b>&#32;</b>\n  <c> x <d/> y</c><e>\t</e>\n</a>")
                .unwrap();
        assert_eq!(root.text, "");
        assert_eq!(root.children[0].text, " ");
        assert_eq!(root.children[1].text, " ");
        // Text around a child stays, its leading blank too once text follows it.
        assert_eq!(root.children[2].text, " x  y");
        assert_eq!(root.children[3].text, "\t");
    }

    #[test]
    fn hostile_or_broken_documents_are_refused() {
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><a>&lol2;</a>"#;
        assert_eq!(read(bomb), Err(XmlError::DocType));
        assert_eq!(
            read("<a>&custom;</a>"),
            Err(XmlError::UnknownEntity("custom".into()))
        );
        assert_eq!(read(""), Err(XmlError::Empty));
        assert_eq!(read("   \n"), Err(XmlError::Empty));
        assert!(matches!(
            read("<a><b></a>"),
            Err(XmlError::Malformed { .. })
        ));
        assert!(matches!(read("<a><b>"), Err(XmlError::Malformed { .. })));
        assert!(matches!(read("<a/><b/>"), Err(XmlError::Malformed { .. })));
        assert_eq!(
            read_bytes(&[0x3c, 0x61, 0x3e, 0xff, 0x3c], Limits::default()),
            Err(XmlError::NotUtf8)
        );
    }

    #[test]
    fn depth_and_size_are_bounded() {
        let deep = format!("{}{}", "<a>".repeat(40), "</a>".repeat(40));
        assert_eq!(read(&deep), Err(XmlError::TooDeep(32)));
        let wide = format!("<a>{}</a>", "<b/>".repeat(20));
        let limits = Limits {
            max_depth: 32,
            max_elements: 10,
        };
        assert_eq!(parse(&wide, limits), Err(XmlError::TooManyElements(10)));
    }

    #[test]
    fn lookups_forgive_case_and_whitespace() {
        let root =
            read("<Inform><MaxEnvelopes> 1 </MaxEnvelopes><currenttime>x</currenttime></Inform>")
                .unwrap();
        assert_eq!(root.child_text("MaxEnvelopes"), Some("1"));
        assert_eq!(root.child_text("CurrentTime"), Some("x"));
        assert_eq!(root.child_text("RetryCount"), None);
    }
}
