//! One CWMP session as a state machine, without I/O (TR-069 3.7 and A.2).
//!
//! `Session::handle(incoming, now) -> Step { reply, effects }`: the HTTP adapter decodes the
//! device's POST, calls `handle`, applies the effects through the store, encodes the reply.
//! The work the ACS wants done is fed in with `enqueue` (the adapter looks it up when the
//! `Informed` effect tells it who the device is) and goes out one RPC at a time.
//!
//! The flow: Inform → InformResponse; the device's own requests (TransferComplete, ...) are
//! answered; its empty POST hands the turn to the ACS, which sends its requests one by one,
//! each answered by a response or a fault; with nothing left, an empty 204 ends the session.

use std::collections::VecDeque;

use chrono::{DateTime, Duration, Utc};

use super::discovery;
use crate::cwmp::{
    CwmpFault, CwmpVersion, Decoded, FaultCode, Header, Message, message::Inform, types::DeviceId,
};

/// The newest version Osprey speaks.
pub const NEWEST_VERSION: CwmpVersion = CwmpVersion::V1_4;

/// Why the ACS sends a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A task someone queued; its outcome is recorded against it.
    Task(i64),
    /// Reading the device's parameter tree (`discovery`).
    Discovery,
    /// What the ACS sets on every device at BOOTSTRAP (`provisioning`).
    Provisioning,
}

/// Something the ACS wants the device to do, as one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRpc {
    pub purpose: Purpose,
    pub request: Message,
}

/// What arrived in one HTTP POST.
// One value per HTTP request, moved once: boxing the large variant would only add an
// allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// An empty body: the device has no (more) requests and hands the turn to the ACS.
    Empty,
    Message(Decoded),
}

/// What to answer the POST with.
#[allow(clippy::large_enum_variant)] // as for `Incoming`
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// An envelope with this header and message (written in `version`).
    Send {
        version: CwmpVersion,
        header: Header,
        message: Message,
    },
    /// HTTP 204 with no body: the session is over.
    End,
    /// HTTP 400: the POST makes no sense in this session.
    Reject { reason: String },
}

/// What the adapter must record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// The device introduced itself: upsert it, store the Inform's parameters and events,
    /// then `enqueue` whatever it should do.
    Informed(Box<Inform>),
    /// The device reported something in a request of its own (TransferComplete, ...).
    Reported(Message),
    /// A request was answered.
    Completed { rpc: PendingRpc, response: Message },
    /// A request was refused with a fault.
    Faulted { rpc: PendingRpc, fault: CwmpFault },
    /// The session ended normally.
    Ended,
    /// Something odd but survivable, for the log.
    Warning(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub reply: Reply,
    pub effects: Vec<Effect>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Nothing yet: only an Inform may start the session.
    AwaitingInform,
    /// After InformResponse: the device sends its requests, then an empty POST.
    DeviceTurn,
    /// The ACS sends its requests; the device answers each.
    AcsTurn,
    Ended,
}

#[derive(Debug, Clone)]
pub struct Session {
    phase: Phase,
    version: CwmpVersion,
    device: Option<DeviceId>,
    queue: VecDeque<PendingRpc>,
    /// The request the device is answering, and the cwmp:ID it was sent with.
    in_flight: Option<(PendingRpc, String)>,
    next_request_id: u64,
    last_activity: DateTime<Utc>,
    idle_timeout: Duration,
}

impl Session {
    pub fn new(now: DateTime<Utc>, idle_timeout: Duration) -> Session {
        Session {
            phase: Phase::AwaitingInform,
            version: CwmpVersion::V1_0,
            device: None,
            queue: VecDeque::new(),
            in_flight: None,
            next_request_id: 1,
            last_activity: now,
            idle_timeout,
        }
    }

    pub fn device(&self) -> Option<&DeviceId> {
        self.device.as_ref()
    }

    pub fn version(&self) -> CwmpVersion {
        self.version
    }

    pub fn is_over(&self) -> bool {
        self.phase == Phase::Ended
    }

    /// Idle longer than the timeout: the device went away mid-session.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        now - self.last_activity > self.idle_timeout
    }

    /// Adds a request to send, after those already queued.
    pub fn enqueue(&mut self, rpc: PendingRpc) {
        self.queue.push_back(rpc);
    }

    /// Requests not yet sent (and the one in flight), for re-queueing when a session dies.
    pub fn unfinished(&self) -> Vec<PendingRpc> {
        self.in_flight
            .iter()
            .map(|(rpc, _)| rpc.clone())
            .chain(self.queue.iter().cloned())
            .collect()
    }

    pub fn handle(&mut self, incoming: Incoming, now: DateTime<Utc>) -> Step {
        self.last_activity = now;
        let mut effects = Vec::new();
        let reply = match (self.phase, incoming) {
            (Phase::Ended, _) => Reply::Reject {
                reason: "the session is over; start a new one with an Inform".to_owned(),
            },
            (Phase::AwaitingInform, Incoming::Message(decoded)) => {
                self.start(decoded, &mut effects)
            }
            (Phase::AwaitingInform, Incoming::Empty) => Reply::Reject {
                reason: "a session must start with an Inform".to_owned(),
            },
            (_, Incoming::Empty) => {
                if self.in_flight.is_some() {
                    effects.push(Effect::Warning(
                        "empty POST while a request was outstanding; it is given up".to_owned(),
                    ));
                    self.give_up_in_flight(&mut effects);
                }
                self.phase = Phase::AcsTurn;
                self.next_request()
            }
            (_, Incoming::Message(decoded)) => self.on_message(decoded, &mut effects),
        };
        if reply == Reply::End {
            self.phase = Phase::Ended;
            effects.push(Effect::Ended);
        }
        Step { reply, effects }
    }

    fn start(&mut self, decoded: Decoded, effects: &mut Vec<Effect>) -> Reply {
        let Some(Message::Inform(inform)) = decoded.message else {
            return Reply::Reject {
                reason: "a session must start with an Inform".to_owned(),
            };
        };
        self.version = negotiate(decoded.version, &decoded.header);
        self.device = Some(inform.device_id.clone());
        self.phase = Phase::DeviceTurn;
        let use_version = (!decoded.header.supported_versions.is_empty()).then_some(self.version);
        effects.extend(decoded.warnings.into_iter().map(Effect::Warning));
        effects.push(Effect::Informed(Box::new(inform)));
        Reply::Send {
            version: self.version,
            header: Header {
                id: decoded.header.id,
                use_version,
                ..Header::default()
            },
            // MaxEnvelopes is always 1 (TR-069 A.3.3.1).
            message: Message::InformResponse { max_envelopes: 1 },
        }
    }

    fn on_message(&mut self, decoded: Decoded, effects: &mut Vec<Effect>) -> Reply {
        let id = decoded.header.id.clone();
        effects.extend(decoded.warnings.into_iter().map(Effect::Warning));
        let Some(message) = decoded.message else {
            return Reply::Reject {
                reason: "the envelope has an empty Body".to_owned(),
            };
        };
        match device_request_answer(&message) {
            DeviceMessage::Request(answer) => {
                effects.push(Effect::Reported(message));
                self.answer(id, answer)
            }
            DeviceMessage::Unknown(method) => {
                effects.push(Effect::Warning(format!("unknown method {method} refused")));
                self.answer(
                    id,
                    Message::Fault(CwmpFault::with_message(
                        FaultCode::ACS_METHOD_NOT_SUPPORTED,
                        format!("Method not supported: {method}"),
                    )),
                )
            }
            DeviceMessage::Inform => {
                // A second Inform in one session breaks the protocol; answer it anyway
                // rather than leave the device hanging.
                effects.push(Effect::Warning("a second Inform in one session".to_owned()));
                if let Message::Inform(inform) = message {
                    effects.push(Effect::Informed(Box::new(inform)));
                }
                self.answer(id, Message::InformResponse { max_envelopes: 1 })
            }
            DeviceMessage::Response => self.on_response(message, id, effects),
        }
    }

    /// The device answered (or faulted) the request in flight.
    fn on_response(
        &mut self,
        message: Message,
        id: Option<String>,
        effects: &mut Vec<Effect>,
    ) -> Reply {
        let Some((rpc, sent_id)) = self.in_flight.take() else {
            effects.push(Effect::Warning(format!(
                "{} arrived with no request outstanding",
                message.method()
            )));
            return self.answer(
                id,
                Message::Fault(CwmpFault::with_message(
                    FaultCode::ACS_INVALID_ARGUMENTS,
                    format!(
                        "Unexpected {}: no request was outstanding",
                        message.method()
                    ),
                )),
            );
        };
        if id.as_deref().is_some_and(|id| id != sent_id) {
            effects.push(Effect::Warning(format!(
                "response ID {:?} does not match request ID {sent_id:?}",
                id.unwrap_or_default()
            )));
        }
        match message {
            Message::Fault(fault) => effects.push(Effect::Faulted { rpc, fault }),
            response if response_matches(&rpc.request, &response) => {
                // Follow-ups go first, so a discovery finishes before other work.
                for next in discovery::follow_up(&rpc, &response).into_iter().rev() {
                    self.queue.push_front(next);
                }
                effects.push(Effect::Completed { rpc, response })
            }
            other => {
                let method = other.method().to_owned();
                effects.push(Effect::Faulted {
                    rpc,
                    fault: CwmpFault::with_message(
                        FaultCode::ACS_INVALID_ARGUMENTS,
                        format!("The device answered with {method}"),
                    ),
                });
            }
        }
        self.phase = Phase::AcsTurn;
        self.next_request()
    }

    fn next_request(&mut self) -> Reply {
        let Some(rpc) = self.queue.pop_front() else {
            return Reply::End;
        };
        let id = format!("osprey-{}", self.next_request_id);
        self.next_request_id += 1;
        let message = rpc.request.clone();
        self.in_flight = Some((rpc, id.clone()));
        Reply::Send {
            version: self.version,
            header: Header {
                id: Some(id),
                ..Header::default()
            },
            message,
        }
    }

    fn give_up_in_flight(&mut self, effects: &mut Vec<Effect>) {
        if let Some((rpc, _)) = self.in_flight.take() {
            effects.push(Effect::Faulted {
                rpc,
                fault: CwmpFault::with_message(
                    FaultCode::ACS_REQUEST_DENIED,
                    "The device did not answer the request",
                ),
            });
        }
    }

    fn answer(&self, id: Option<String>, message: Message) -> Reply {
        Reply::Send {
            version: self.version,
            header: Header {
                id,
                ..Header::default()
            },
            message,
        }
    }
}

/// The version to speak: the device's, or with a SupportedCWMPVersions header the newest
/// both sides know.
fn negotiate(spoken: Option<CwmpVersion>, header: &Header) -> CwmpVersion {
    header
        .supported_versions
        .iter()
        .copied()
        .filter(|version| *version <= NEWEST_VERSION)
        .max()
        .or(spoken)
        .unwrap_or(CwmpVersion::V1_0)
        .min(NEWEST_VERSION)
}

enum DeviceMessage {
    /// A request of the device's, with the ACS's answer.
    Request(Message),
    Inform,
    Unknown(String),
    /// A response or fault to one of the ACS's requests.
    Response,
}

fn device_request_answer(message: &Message) -> DeviceMessage {
    DeviceMessage::Request(match message {
        Message::Inform(_) => return DeviceMessage::Inform,
        Message::TransferComplete(_) => Message::TransferCompleteResponse,
        Message::AutonomousTransferComplete(_) => Message::AutonomousTransferCompleteResponse,
        Message::RequestDownload(_) => Message::RequestDownloadResponse,
        Message::DuStateChangeComplete { .. } => Message::DuStateChangeCompleteResponse,
        Message::AutonomousDuStateChangeComplete { .. } => {
            Message::AutonomousDuStateChangeCompleteResponse
        }
        Message::Kicked(_) => Message::KickedResponse {
            next_url: String::new(),
        },
        Message::GetRpcMethods => Message::GetRpcMethodsResponse {
            methods: ACS_METHODS.iter().map(|m| (*m).to_owned()).collect(),
        },
        Message::Unknown { method } => return DeviceMessage::Unknown(method.clone()),
        _ => return DeviceMessage::Response,
    })
}

/// The methods the ACS supports, for GetRPCMethods from a device.
pub const ACS_METHODS: &[&str] = &[
    "Inform",
    "GetRPCMethods",
    "TransferComplete",
    "AutonomousTransferComplete",
    "RequestDownload",
    "Kicked",
    "DUStateChangeComplete",
    "AutonomousDUStateChangeComplete",
];

/// Whether `response` is the answer to `request` (GetParameterValues → …Response, …).
fn response_matches(request: &Message, response: &Message) -> bool {
    response.method().strip_suffix("Response") == Some(request.method())
}

#[cfg(test)]
mod tests {
    use super::discovery;
    use super::*;
    use crate::cwmp::{
        message::TransferComplete,
        types::{Event, EventCode, ParameterValue, TransferFault, XsdType},
    };

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    fn session() -> Session {
        Session::new(at(0), Duration::seconds(30))
    }

    fn decoded(version: CwmpVersion, id: &str, message: Message) -> Incoming {
        Incoming::Message(Decoded {
            version: Some(version),
            header: Header {
                id: Some(id.to_owned()),
                ..Header::default()
            },
            message: Some(message),
            warnings: Vec::new(),
        })
    }

    fn inform() -> Message {
        Message::Inform(Inform {
            device_id: DeviceId {
                manufacturer: "Acme".into(),
                oui: "001122".into(),
                product_class: "Box".into(),
                serial_number: "SN1".into(),
            },
            events: vec![Event {
                code: EventCode::Periodic,
                command_key: String::new(),
            }],
            max_envelopes: 1,
            current_time: None,
            retry_count: 0,
            parameters: vec![],
        })
    }

    fn get_values() -> PendingRpc {
        PendingRpc {
            purpose: Purpose::Task(7),
            request: Message::GetParameterValues {
                names: vec!["Device.DeviceInfo.".into()],
            },
        }
    }

    fn sent(step: &Step) -> (&Header, &Message) {
        match &step.reply {
            Reply::Send {
                header, message, ..
            } => (header, message),
            other => panic!("expected a message, got {other:?}"),
        }
    }

    #[test]
    fn a_periodic_inform_with_nothing_to_do() {
        let mut session = session();
        let step = session.handle(decoded(CwmpVersion::V1_2, "1", inform()), at(1));
        let (header, message) = sent(&step);
        assert_eq!(header.id.as_deref(), Some("1"));
        assert_eq!(message, &Message::InformResponse { max_envelopes: 1 });
        assert!(matches!(step.effects[0], Effect::Informed(_)));
        assert_eq!(session.version(), CwmpVersion::V1_2);

        let step = session.handle(Incoming::Empty, at(2));
        assert_eq!(step.reply, Reply::End);
        assert_eq!(step.effects, vec![Effect::Ended]);
        assert!(session.is_over());
    }

    #[test]
    fn queued_requests_go_out_one_at_a_time() {
        let mut session = session();
        session.handle(decoded(CwmpVersion::V1_0, "1", inform()), at(1));
        session.enqueue(get_values());
        session.enqueue(PendingRpc {
            purpose: Purpose::Task(8),
            request: Message::Reboot {
                command_key: "rb".into(),
            },
        });

        let step = session.handle(Incoming::Empty, at(2));
        let (header, message) = sent(&step);
        assert_eq!(header.id.as_deref(), Some("osprey-1"));
        assert!(matches!(message, Message::GetParameterValues { .. }));

        let response = Message::GetParameterValuesResponse {
            parameters: vec![ParameterValue::new(
                "Device.DeviceInfo.UpTime",
                "5",
                XsdType::UnsignedInt,
            )],
        };
        let step = session.handle(
            decoded(CwmpVersion::V1_0, "osprey-1", response.clone()),
            at(3),
        );
        assert_eq!(
            step.effects,
            vec![Effect::Completed {
                rpc: get_values(),
                response
            }]
        );
        let (header, message) = sent(&step);
        assert_eq!(header.id.as_deref(), Some("osprey-2"));
        assert!(matches!(message, Message::Reboot { .. }));

        let step = session.handle(
            decoded(CwmpVersion::V1_0, "osprey-2", Message::RebootResponse),
            at(4),
        );
        assert!(matches!(step.effects[0], Effect::Completed { .. }));
        assert_eq!(step.reply, Reply::End);
    }

    #[test]
    fn faults_are_recorded_against_the_request_and_the_session_goes_on() {
        let mut session = session();
        session.handle(decoded(CwmpVersion::V1_0, "1", inform()), at(1));
        session.enqueue(get_values());
        session.handle(Incoming::Empty, at(2));
        let fault = CwmpFault::new(FaultCode::INVALID_PARAMETER_NAME);
        let step = session.handle(
            decoded(CwmpVersion::V1_0, "osprey-1", Message::Fault(fault.clone())),
            at(3),
        );
        assert_eq!(
            step.effects[0],
            Effect::Faulted {
                rpc: get_values(),
                fault
            }
        );
        assert_eq!(step.reply, Reply::End);
    }

    #[test]
    fn device_requests_are_answered_before_the_acs_turn() {
        let mut session = session();
        session.handle(decoded(CwmpVersion::V1_0, "1", inform()), at(1));
        session.enqueue(get_values());
        let complete = Message::TransferComplete(TransferComplete {
            command_key: "fw".into(),
            fault: TransferFault::default(),
            start_time: None,
            complete_time: None,
        });
        let step = session.handle(decoded(CwmpVersion::V1_0, "2", complete.clone()), at(2));
        let (header, message) = sent(&step);
        assert_eq!(
            (header.id.as_deref(), message),
            (Some("2"), &Message::TransferCompleteResponse)
        );
        assert_eq!(step.effects, vec![Effect::Reported(complete)]);

        let step = session.handle(
            decoded(CwmpVersion::V1_0, "3", Message::GetRpcMethods),
            at(3),
        );
        assert!(
            matches!(sent(&step).1, Message::GetRpcMethodsResponse { methods } if methods.contains(&"Inform".to_owned()))
        );
        // Only the empty POST hands the turn to the ACS.
        let step = session.handle(Incoming::Empty, at(4));
        assert!(matches!(sent(&step).1, Message::GetParameterValues { .. }));
    }

    #[test]
    fn unknown_methods_get_a_fault_not_a_dropped_connection() {
        let mut session = session();
        session.handle(decoded(CwmpVersion::V1_0, "1", inform()), at(1));
        let step = session.handle(
            decoded(
                CwmpVersion::V1_0,
                "9",
                Message::Unknown {
                    method: "X_Hello".into(),
                },
            ),
            at(2),
        );
        match sent(&step) {
            (header, Message::Fault(fault)) => {
                assert_eq!(header.id.as_deref(), Some("9"));
                assert_eq!(fault.code, FaultCode::ACS_METHOD_NOT_SUPPORTED);
            }
            other => panic!("{other:?}"),
        }
        assert!(!session.is_over());
    }

    #[test]
    fn protocol_violations_are_rejected_or_faulted() {
        let mut fresh = session();
        assert!(matches!(
            fresh.handle(Incoming::Empty, at(1)).reply,
            Reply::Reject { .. }
        ));
        assert!(matches!(
            fresh
                .handle(
                    decoded(CwmpVersion::V1_0, "1", Message::RebootResponse),
                    at(1)
                )
                .reply,
            Reply::Reject { .. }
        ));

        let mut session = session();
        session.handle(decoded(CwmpVersion::V1_0, "1", inform()), at(1));
        let step = session.handle(
            decoded(CwmpVersion::V1_0, "2", Message::RebootResponse),
            at(2),
        );
        assert!(
            matches!(sent(&step).1, Message::Fault(f) if f.code == FaultCode::ACS_INVALID_ARGUMENTS)
        );

        session.handle(Incoming::Empty, at(3));
        assert!(session.is_over());
        assert!(matches!(
            session.handle(Incoming::Empty, at(4)).reply,
            Reply::Reject { .. }
        ));
    }

    #[test]
    fn a_wrong_response_faults_the_request() {
        let mut session = session();
        session.handle(decoded(CwmpVersion::V1_0, "1", inform()), at(1));
        session.enqueue(get_values());
        session.handle(Incoming::Empty, at(2));
        let step = session.handle(
            decoded(CwmpVersion::V1_0, "osprey-1", Message::RebootResponse),
            at(3),
        );
        assert!(
            matches!(&step.effects[0], Effect::Faulted { rpc, .. } if rpc.purpose == Purpose::Task(7))
        );
    }

    #[test]
    fn version_follows_the_device_and_negotiation() {
        let mut session = session();
        let incoming = Incoming::Message(Decoded {
            version: Some(CwmpVersion::V1_4),
            header: Header {
                id: Some("1".into()),
                supported_versions: vec![CwmpVersion::V1_0, CwmpVersion::V1_3],
                ..Header::default()
            },
            message: Some(inform()),
            warnings: vec![],
        });
        let step = session.handle(incoming, at(1));
        match &step.reply {
            Reply::Send {
                version, header, ..
            } => {
                assert_eq!(*version, CwmpVersion::V1_3);
                assert_eq!(header.use_version, Some(CwmpVersion::V1_3));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_discovery_reads_names_then_values_before_other_work() {
        use crate::cwmp::types::ParameterInfo;
        let mut session = session();
        session.handle(decoded(CwmpVersion::V1_0, "1", inform()), at(1));
        session.enqueue(discovery::start("Device."));
        session.enqueue(get_values());
        let step = session.handle(Incoming::Empty, at(2));
        assert!(matches!(sent(&step).1, Message::GetParameterNames { .. }));
        let names = Message::GetParameterNamesResponse {
            parameters: vec![
                ParameterInfo {
                    name: "Device.DeviceInfo.".into(),
                    writable: false,
                },
                ParameterInfo {
                    name: "Device.DeviceInfo.UpTime".into(),
                    writable: false,
                },
            ],
        };
        let step = session.handle(decoded(CwmpVersion::V1_0, "osprey-1", names), at(3));
        match sent(&step).1 {
            Message::GetParameterValues { names } => {
                assert_eq!(names, &["Device.DeviceInfo.UpTime"])
            }
            other => panic!("{other:?}"),
        }
        let values = Message::GetParameterValuesResponse { parameters: vec![] };
        let step = session.handle(decoded(CwmpVersion::V1_0, "osprey-2", values), at(4));
        assert_eq!(sent(&step).1, &get_values().request, "then the queued task");
    }

    #[test]
    fn idle_sessions_expire_and_hand_back_their_work() {
        let mut session = session();
        session.handle(decoded(CwmpVersion::V1_0, "1", inform()), at(1));
        session.enqueue(get_values());
        session.handle(Incoming::Empty, at(2));
        assert!(!session.is_expired(at(20)));
        assert!(session.is_expired(at(40)));
        assert_eq!(session.unfinished(), vec![get_values()]);
    }
}
