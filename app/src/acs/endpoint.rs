//! The CWMP endpoint's logic behind HTTP: finds or starts the session a POST belongs to,
//! runs it through the session engine, records what it learned, and says what to answer.
//! The HTTP adapter (`server/src/routes/cwmp.rs`) only moves bytes and headers.
//!
//! Sessions live in this process, keyed by a cookie; a device has at most one: a new Inform
//! supersedes the old session. Idle sessions are swept after `idle_timeout`.

use std::{collections::HashMap, sync::Mutex};

use chrono::{DateTime, Duration, Utc};

use super::{
    cwmp_auth::{Admitted, CwmpAuthPolicy, CwmpGate, GateRefusal},
    discovery,
    learn::learn,
    provisioning, retry,
    session::{Effect, Incoming, Purpose, Reply, Session},
    tasks,
};
use crate::{
    cwmp::{self, Message, message::Inform},
    events::{DeviceEvent, EventBus, EventKind},
    http_auth::Credentials,
    store::{
        DeviceKey, InformCheck, InformOutcome, InformRecord, InformStart, Store, StoreError,
        TreeChanges,
    },
};

pub const SESSION_COOKIE: &str = "osprey_cwmp";

/// Tasks taken into one session at most; the rest wait for the next.
const TASKS_PER_SESSION: u64 = 32;

#[derive(Debug, Clone)]
pub struct EndpointConfig {
    /// Register devices on their first Inform (true), or refuse unknown ones.
    pub register_unknown: bool,
    pub idle_timeout: Duration,
    /// Who may open a session.
    pub gate: CwmpGate,
    /// Give each device Connection Request credentials of its own at BOOTSTRAP.
    pub provision_connection_requests: bool,
}

impl Default for EndpointConfig {
    fn default() -> Self {
        EndpointConfig {
            register_unknown: true,
            idle_timeout: Duration::seconds(30),
            gate: CwmpGate::new(CwmpAuthPolicy::Open, "Osprey", b"", false),
            provision_connection_requests: true,
        }
    }
}

/// What to send back over HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// `text/xml` for envelopes, `text/plain` for refusals.
    pub content_type: &'static str,
    pub body: String,
    /// The session cookie to set (on the first response of a session).
    pub session_cookie: Option<String>,
    /// `WWW-Authenticate` values, with a 401.
    pub challenges: Vec<String>,
}

impl Answer {
    fn refuse(status: u16, reason: impl Into<String>) -> Answer {
        Answer {
            status,
            content_type: "text/plain; charset=utf-8",
            body: reason.into(),
            session_cookie: None,
            challenges: Vec::new(),
        }
    }

    fn challenge(challenges: Vec<String>) -> Answer {
        Answer {
            challenges,
            ..Answer::refuse(401, "Authentication required.")
        }
    }
}

/// A session and what it has learned so far.
struct LiveSession {
    session: Session,
    started: DateTime<Utc>,
    /// Requests the device answered (or faulted) in this session.
    answered: u32,
    device_id: Option<i64>,
    learned: TreeChanges,
    /// Parameters of `learned` stored already (a task's changes are stored when it ends).
    stored_parameters: usize,
    discovering: bool,
    discovery_failed: bool,
    /// Attempts already made, per task taken into this session and not yet answered.
    task_attempts: HashMap<i64, i32>,
    /// How the session's first request passed the gate.
    admitted: Admitted,
    /// Connection Request credentials sent to the device in this session, recorded once it
    /// accepts them.
    provisioned: Option<Credentials>,
    /// The session's Inform, answered before its write committed: settled when the device
    /// comes back, or when the session ends without it.
    pending_inform: Option<(Box<Inform>, Box<InformCheck>)>,
}

#[derive(Default)]
struct Registry {
    sessions: HashMap<String, LiveSession>,
    by_device: HashMap<i64, String>,
    last_sweep: Option<DateTime<Utc>>,
}

pub struct CwmpEndpoint {
    store: Store,
    events: EventBus,
    config: EndpointConfig,
    registry: Mutex<Registry>,
}

impl CwmpEndpoint {
    pub fn new(store: Store, events: EventBus, config: EndpointConfig) -> CwmpEndpoint {
        CwmpEndpoint {
            store,
            events,
            config,
            registry: Mutex::new(Registry::default()),
        }
    }

    /// Live sessions, for metrics and tests.
    pub fn live_sessions(&self) -> usize {
        self.lock().sessions.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Registry> {
        // A panic while holding the lock cannot leave the map half-updated in a way that
        // matters more than refusing every device from then on.
        self.registry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Checks who is asking, unless `cookie` names a live session (whose first request was
    /// checked). `Ok(None)`: a session goes on; `Err`: answer this (401, 503).
    pub async fn admit(
        &self,
        cookie: Option<&str>,
        authorization: Option<&str>,
        peer: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Option<Admitted>, Answer> {
        let live = cookie.is_some_and(|key| {
            self.lock()
                .sessions
                .get(key)
                .is_some_and(|live| !live.session.is_expired(now))
        });
        if live {
            return Ok(None);
        }
        match self
            .config
            .gate
            .admit(&self.store, authorization, peer, now)
            .await
        {
            Ok(admitted) => Ok(Some(admitted)),
            Err(GateRefusal::Challenge(challenges)) => Err(Answer::challenge(challenges)),
            Err(GateRefusal::Unavailable(error)) => {
                tracing::error!(%error, "checking a device's credentials failed");
                Err(Answer::refuse(
                    503,
                    "The ACS cannot check credentials right now; retry later.",
                ))
            }
        }
    }

    /// Handles one POST: `cookie` is the session cookie's value, `peer` the client address,
    /// `admitted` what `admit` said of it.
    ///
    /// The calls a periodic session does not make are boxed (`Box::pin`) where they are
    /// awaited: an async call's state is part of its caller's, so every database path this
    /// reaches made this future, and each one around it up to the HTTP handler, as large as
    /// the largest (13,464 bytes, copied several times per POST; now 5,704).
    pub async fn handle(
        &self,
        cookie: Option<&str>,
        peer: Option<String>,
        admitted: Option<Admitted>,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Answer {
        let incoming = if body.iter().all(u8::is_ascii_whitespace) {
            Incoming::Empty
        } else {
            match cwmp::decode(body) {
                Ok(decoded) => Incoming::Message(decoded),
                Err(error) => {
                    let device_id = cookie.and_then(|key| {
                        self.lock()
                            .sessions
                            .get(key)
                            .and_then(|live| live.device_id)
                    });
                    tracing::warn!(%error, ?peer, ?device_id, "malformed CWMP message");
                    return Answer::refuse(400, format!("Malformed CWMP message: {error}"));
                }
            }
        };

        let (key, mut live, is_new) = match self.take_session(cookie, now).await {
            Some((key, live)) => (key, live, false),
            None => {
                if !matches!(&incoming, Incoming::Message(d) if matches!(d.message, Some(Message::Inform(_))))
                {
                    return Answer::refuse(
                        400,
                        "No CWMP session: a session must start with an Inform.",
                    );
                }
                // The session `admit` saw may have ended since: a new one needs the gate.
                let admitted = match (admitted, self.config.gate.policy()) {
                    (Some(admitted), _) => admitted,
                    (None, CwmpAuthPolicy::Open) => Admitted::Anyone,
                    (None, _) => {
                        return Answer::challenge(self.config.gate.challenges(now));
                    }
                };
                let live = LiveSession {
                    session: Session::new(now, self.config.idle_timeout),
                    started: now,
                    answered: 0,
                    device_id: None,
                    learned: TreeChanges::default(),
                    stored_parameters: 0,
                    discovering: false,
                    discovery_failed: false,
                    task_attempts: HashMap::new(),
                    admitted,
                    provisioned: None,
                    pending_inform: None,
                };
                (new_session_key(), live, true)
            }
        };

        if let Err(answer) = self.finish_inform(&mut live, &key, now).await {
            forget_device(&mut self.lock(), &live, &key);
            return answer;
        }
        let step = live.session.handle(incoming, now);
        for effect in step.effects {
            if let Err(answer) = self
                .apply(&mut live, &key, effect, peer.as_deref(), now)
                .await
            {
                return answer;
            }
        }

        let answer = match step.reply {
            Reply::Send {
                version,
                header,
                message,
            } => Answer {
                status: 200,
                content_type: "text/xml; charset=utf-8",
                body: cwmp::encode(version, &header, Some(&message)),
                session_cookie: is_new.then(|| key.clone()),
                challenges: Vec::new(),
            },
            Reply::End => Answer {
                status: 204,
                content_type: "text/plain; charset=utf-8",
                body: String::new(),
                session_cookie: None,
                challenges: Vec::new(),
            },
            Reply::Reject { reason } => Answer::refuse(400, reason),
        };
        if !live.session.is_over() {
            self.put_session(key, live);
        }
        answer
    }

    /// What a session does once its Inform is recorded: tells the live pages, takes over
    /// from a stale session of the device, and queues what the device needs first
    /// (Connection Request credentials, discovery of its tree, its due tasks).
    async fn informed(
        &self,
        live: &mut LiveSession,
        key: &str,
        inform: &Inform,
        outcome: InformOutcome,
        now: DateTime<Utc>,
    ) -> Result<(), Answer> {
        let (device, open_tasks) = match outcome {
            InformOutcome::Refused => {
                tracing::warn!(serial = %inform.device_id.serial_number, oui = %inform.device_id.oui, "unknown device refused");
                return Err(Answer::refuse(
                    403,
                    "This device is not registered with the ACS.",
                ));
            }
            InformOutcome::Registered(device) => {
                tracing::info!(device_id = device.id, serial = %device.key.serial_number, "device registered");
                self.publish(EventKind::Registered, device.id, None, now, || {
                    serde_json::json!({
                        "serial_number": device.key.serial_number,
                        "oui": device.key.oui,
                        "product_class": device.key.product_class,
                    })
                });
                // A device registered just now has no tasks yet.
                (device, false)
            }
            InformOutcome::Known { device, open_tasks } => (device, open_tasks),
        };
        self.publish(
            EventKind::Inform,
            device.id,
            None,
            now,
            || {
                serde_json::json!({
                    "serial_number": device.key.serial_number,
                    "events": inform.events.iter().map(|event| event.code.as_text()).collect::<Vec<_>>(),
                })
            },
        );
        if inform
            .events
            .iter()
            .any(|e| e.code == cwmp::types::EventCode::ValueChange)
        {
            self.publish(EventKind::ValueChange, device.id, None, now, || serde_json::json!({
                "parameters": inform.parameters.iter().map(|p| serde_json::json!({"name": p.name, "value": p.value})).collect::<Vec<_>>(),
            }));
        }
        live.device_id = Some(device.id);
        if let Admitted::Device {
            username,
            bound_to: None,
        } = &live.admitted
            && let Err(error) = self.store.bind_cwmp_credential(username, device.id).await
        {
            tracing::error!(%error, device_id = device.id, "binding a credential to its device failed");
        }
        self.supersede(device.id, key, now).await;
        let bootstrapped = inform
            .events
            .iter()
            .any(|e| e.code == cwmp::types::EventCode::Bootstrap);
        if self.config.provision_connection_requests && bootstrapped && live.provisioned.is_none() {
            let credentials =
                provisioning::new_connection_request_credentials(&device.key.serial_number);
            live.session
                .enqueue(provisioning::set_connection_request_credentials(
                    discovery::root_of(inform),
                    &credentials,
                ));
            live.provisioned = Some(credentials);
        }
        if !device.tree_complete && !live.discovering {
            live.discovering = true;
            live.session
                .enqueue(discovery::start(discovery::root_of(inform)));
        }
        if open_tasks {
            Box::pin(self.take_due_tasks(live, device.id, now)).await;
        }
        tracing::debug!(device_id = device.id, "inform recorded");
        Ok(())
    }

    /// Settles the session's Inform if it was answered before its write committed
    /// (`InformStart::Checking`): before anything else the device sends is handled.
    async fn finish_inform(
        &self,
        live: &mut LiveSession,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<(), Answer> {
        let Some((inform, check)) = live.pending_inform.take() else {
            return Ok(());
        };
        let device_key = check.device().key.clone();
        let outcome = self
            .store
            .finish_inform(*check)
            .await
            .map_err(|error| inform_not_recorded(&error, &device_key))?;
        self.informed(live, key, &inform, outcome, now).await
    }

    /// Applies one effect; `Err` carries an answer that ends the exchange early.
    async fn apply(
        &self,
        live: &mut LiveSession,
        key: &str,
        effect: Effect,
        peer: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), Answer> {
        match effect {
            Effect::Informed(inform) => {
                let (device_key, record) = inform_record(&inform, live.session.version(), peer);
                self.check_credential_owner(&live.admitted, &device_key)
                    .await?;
                let start = self
                    .store
                    .begin_inform(&device_key, record, self.config.register_unknown, now)
                    .await
                    .map_err(|error| inform_not_recorded(&error, &device_key))?;
                match start {
                    InformStart::Recorded(outcome) => {
                        self.informed(live, key, &inform, outcome, now).await?;
                    }
                    // Answered now; settled when the device comes back (`finish_inform`).
                    InformStart::Checking(check) => {
                        let device_id = check.device().id;
                        live.device_id = Some(device_id);
                        self.supersede(device_id, key, now).await;
                        live.pending_inform = Some((inform, check));
                    }
                }
            }
            Effect::Completed { rpc, response } => {
                live.answered += 1;
                if rpc.purpose == Purpose::Provisioning
                    && let (Some(device_id), Some(credentials)) =
                        (live.device_id, live.provisioned.as_ref())
                {
                    match Box::pin(self.store.set_connection_request_credentials(
                        device_id,
                        credentials,
                        now,
                    ))
                    .await
                    {
                        Ok(()) => tracing::info!(device_id, "Connection Request credentials set"),
                        Err(error) => {
                            tracing::error!(%error, device_id, "recording provisioned credentials failed");
                        }
                    }
                }
                if let Some(object) = learn(&mut live.learned, &rpc, &response, now) {
                    live.session.enqueue(discovery::start(&object));
                }
                if let Purpose::Task(id) = rpc.purpose {
                    live.task_attempts.remove(&id);
                    let result = cwmp::encode::write_message(&response);
                    // What the task changed is stored before it counts as done: whoever
                    // reacts to "done" (a page, an API caller) then reads the new values.
                    self.store_learned(live, false).await;
                    if let Err(error) = Box::pin(self.store.complete_task(id, &result, now)).await {
                        tracing::error!(%error, task_id = id, "recording a task's result failed");
                    }
                    if let Some(device_id) = live.device_id {
                        self.publish(
                            EventKind::TaskDone,
                            device_id,
                            Some(id),
                            now,
                            || serde_json::json!({ "method": rpc.request.method() }),
                        );
                    }
                }
            }
            Effect::Faulted { rpc, fault } => {
                live.answered += 1;
                if rpc.purpose == Purpose::Provisioning {
                    // The device keeps what it had; the configured default still applies.
                    tracing::warn!(device_id = ?live.device_id, fault = %fault.code, message = %fault.message, "the device refused its Connection Request credentials");
                }
                if rpc.purpose == Purpose::Discovery {
                    live.discovery_failed = true;
                }
                if let Purpose::Task(id) = rpc.purpose {
                    let attempts = live.task_attempts.remove(&id).unwrap_or(0) + 1;
                    let retry_at = retry::next_attempt(fault.code, attempts, now);
                    if let Err(error) = Box::pin(self.store.record_task_fault(
                        id,
                        fault.code.0,
                        &fault.message,
                        retry_at,
                        now,
                    ))
                    .await
                    {
                        tracing::error!(%error, task_id = id, "recording a task's fault failed");
                    }
                    if let Some(device_id) = live.device_id {
                        let detail = serde_json::json!({
                            "method": rpc.request.method(),
                            "code": fault.code.0,
                            "message": fault.message,
                            "retry_at": retry_at.map(|at| at.to_rfc3339()),
                        });
                        self.publish(EventKind::Fault, device_id, Some(id), now, || {
                            detail.clone()
                        });
                        if retry_at.is_none() {
                            self.publish(EventKind::TaskFailed, device_id, Some(id), now, || {
                                detail
                            });
                        }
                    }
                }
                tracing::info!(device_id = ?live.device_id, method = rpc.request.method(), fault = %fault.code, message = %fault.message, "device refused a request");
            }
            Effect::Reported(message) => {
                tracing::info!(device_id = ?live.device_id, method = message.method(), "device report");
            }
            Effect::Ended => {
                // One line per session at info; the details are at debug.
                tracing::info!(
                    device_id = ?live.device_id,
                    serial = live.session.device().map_or("", |d| d.serial_number.as_str()),
                    requests = live.answered,
                    parameters_read = live.stored_parameters + live.learned.updates.len(),
                    ms = (now - live.started).num_milliseconds(),
                    "CWMP session ended"
                );
                self.settle(live, now, true).await;
                forget_device(&mut self.lock(), live, key);
            }
            Effect::Warning(warning) => {
                tracing::debug!(device_id = ?live.device_id, %warning, "CWMP oddity");
            }
        }
        Ok(())
    }

    /// Counts the event and sends it to whoever listens; `detail` is built only if someone
    /// does (most sessions run with no page or event stream open).
    fn publish(
        &self,
        kind: EventKind,
        device_id: i64,
        task_id: Option<i64>,
        at: DateTime<Utc>,
        detail: impl FnOnce() -> serde_json::Value,
    ) {
        self.events.publish_with(kind, || DeviceEvent {
            kind,
            device_id,
            at,
            task_id,
            detail: detail(),
        });
    }

    /// Puts the device's due tasks into the session, in the order they were queued.
    async fn take_due_tasks(&self, live: &mut LiveSession, device_id: i64, now: DateTime<Utc>) {
        let claimed = match self
            .store
            .claim_due_tasks(device_id, now, TASKS_PER_SESSION)
            .await
        {
            Ok(claimed) => claimed,
            Err(error) => {
                tracing::error!(%error, device_id, "claiming due tasks failed; they wait for the next session");
                return;
            }
        };
        for task in claimed {
            match tasks::pending_rpc(&task) {
                Some(rpc) => {
                    live.task_attempts.insert(task.id, task.attempts);
                    live.session.enqueue(rpc);
                }
                None => {
                    let _ = self
                        .store
                        .record_task_fault(
                            task.id,
                            8002,
                            "The stored request could not be read",
                            None,
                            now,
                        )
                        .await;
                }
            }
        }
    }

    /// What a session leaves behind, whether it ended well, expired or was superseded: its
    /// unanswered tasks go back to the queue and what it learned is stored (the tree counts
    /// as complete only after a whole discovery in a session that ended well).
    async fn settle(&self, live: &mut LiveSession, now: DateTime<Utc>, ended_well: bool) {
        // The device never came back after its InformResponse: its Inform is recorded all
        // the same (the full way, if the database turned the cheap write down).
        if let Some((_, check)) = live.pending_inform.take() {
            let device_id = check.device().id;
            if let Err(error) = Box::pin(self.store.finish_inform(*check)).await {
                tracing::error!(%error, device_id, "recording an Inform failed");
            }
        }
        self.release_unanswered(live, now).await;
        self.store_learned(
            live,
            ended_well && live.discovering && !live.discovery_failed,
        )
        .await;
    }

    /// Stores the parameters learned so far in the session (merging is incremental, so a
    /// session may store several times).
    async fn store_learned(&self, live: &mut LiveSession, tree_complete: bool) {
        let Some(device_id) = live.device_id else {
            return;
        };
        let learned = std::mem::take(&mut live.learned);
        live.stored_parameters += learned.updates.len();
        if let Err(error) = self
            .store
            .merge_parameters(device_id, &learned, tree_complete)
            .await
        {
            tracing::error!(%error, device_id, "storing parameters failed");
        }
    }

    /// Hands the tasks a session took but the device never answered back to the queue.
    async fn release_unanswered(&self, live: &mut LiveSession, now: DateTime<Utc>) {
        let ids: Vec<i64> = live.task_attempts.drain().map(|(id, _)| id).collect();
        if let Err(error) = self.store.release_tasks(&ids, now).await {
            tracing::error!(%error, ?ids, "releasing unanswered tasks failed; their lease frees them");
        }
    }

    /// Takes the session for `cookie` out of the registry (it goes back after the POST).
    /// Sessions that expired meanwhile give their unanswered tasks back.
    /// A per-device credential already bound to a device admits that device only.
    async fn check_credential_owner(
        &self,
        admitted: &Admitted,
        device_key: &DeviceKey,
    ) -> Result<(), Answer> {
        let Admitted::Device {
            username: _,
            bound_to: Some(owner),
        } = admitted
        else {
            return Ok(());
        };
        let owner_key = self.store.device_key(*owner).await.map_err(|error| {
            tracing::error!(%error, "reading a credential's device failed");
            Answer::refuse(
                503,
                "The ACS cannot check credentials right now; retry later.",
            )
        })?;
        match owner_key {
            Some(key) if key == *device_key => Ok(()),
            // Its device was deleted: the credential is free again (the FK cleared it).
            None => Ok(()),
            Some(_) => {
                tracing::warn!(
                    owner = *owner,
                    claimed = %device_key.serial_number,
                    "CWMP session refused: credentials of another device"
                );
                Err(Answer::refuse(
                    403,
                    "These credentials belong to another device.",
                ))
            }
        }
    }

    async fn take_session(
        &self,
        cookie: Option<&str>,
        now: DateTime<Utc>,
    ) -> Option<(String, LiveSession)> {
        let (found, mut expired) = {
            let mut registry = self.lock();
            let mut expired = sweep(&mut registry, now);
            let found = match cookie
                .and_then(|key| registry.sessions.remove(key).map(|live| (key, live)))
            {
                Some((key, live)) if live.session.is_expired(now) => {
                    forget_device(&mut registry, &live, key);
                    expired.push(live);
                    None
                }
                Some((key, live)) => Some((key.to_owned(), live)),
                None => None,
            };
            (found, expired)
        };
        for live in &mut expired {
            Box::pin(self.settle(live, now, false)).await;
        }
        found
    }

    fn put_session(&self, key: String, live: LiveSession) {
        let mut registry = self.lock();
        if let Some(device_id) = live.device_id {
            registry.by_device.insert(device_id, key.clone());
        }
        registry.sessions.insert(key, live);
    }

    /// Drops another live session of the same device (the device started over) and gives
    /// its unanswered tasks back, so this session can take them.
    async fn supersede(&self, device_id: i64, key: &str, now: DateTime<Utc>) {
        let old = {
            let mut registry = self.lock();
            match registry.by_device.get(&device_id).cloned() {
                Some(old) if old != key => {
                    registry.by_device.remove(&device_id);
                    registry.sessions.remove(&old)
                }
                _ => None,
            }
        };
        if let Some(mut old) = old {
            tracing::debug!(device_id, "a new Inform superseded a stale session");
            Box::pin(self.settle(&mut old, now, false)).await;
        }
    }
}

/// Removes idle sessions, at most once a second; returns them.
fn sweep(registry: &mut Registry, now: DateTime<Utc>) -> Vec<LiveSession> {
    if registry
        .last_sweep
        .is_some_and(|last| now - last < Duration::seconds(1))
    {
        return Vec::new();
    }
    registry.last_sweep = Some(now);
    let expired: Vec<String> = registry
        .sessions
        .iter()
        .filter(|(_, live)| live.session.is_expired(now))
        .map(|(key, _)| key.clone())
        .collect();
    expired
        .into_iter()
        .filter_map(|key| {
            let live = registry.sessions.remove(&key)?;
            forget_device(registry, &live, &key);
            Some(live)
        })
        .collect()
}

/// Unlinks a device from session `key`, unless a newer session has taken over.
fn forget_device(registry: &mut Registry, live: &LiveSession, key: &str) {
    if let Some(device_id) = live.device_id
        && registry.by_device.get(&device_id).map(String::as_str) == Some(key)
    {
        registry.by_device.remove(&device_id);
    }
}

/// The answer when the store could not record an Inform: the device retries later.
fn inform_not_recorded(error: &StoreError, device_key: &DeviceKey) -> Answer {
    tracing::error!(%error, serial = %device_key.serial_number, "recording an Inform failed");
    Answer::refuse(
        503,
        "The ACS cannot record this session right now; retry later.",
    )
}

fn new_session_key() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    crate::hex::to_hex(&bytes)
}

/// What the Inform tells the inventory: identity, summary columns, events, parameters.
fn inform_record(
    inform: &Inform,
    version: cwmp::CwmpVersion,
    peer: Option<&str>,
) -> (DeviceKey, InformRecord) {
    let find = |suffix: &str| {
        inform
            .parameters
            .iter()
            .find(|parameter| parameter.name.ends_with(suffix))
            .map(|parameter| parameter.value.trim().to_owned())
            .filter(|value| !value.is_empty())
    };
    let ip_address = find(".ExternalIPAddress")
        .or_else(|| find(".IPv4Address.1.IPAddress"))
        .or_else(|| peer.map(str::to_owned));
    let key = DeviceKey {
        oui: inform.device_id.oui.clone(),
        product_class: inform.device_id.product_class.clone(),
        serial_number: inform.device_id.serial_number.clone(),
    };
    let record = InformRecord {
        manufacturer: inform.device_id.manufacturer.clone(),
        software_version: find(".DeviceInfo.SoftwareVersion"),
        hardware_version: find(".DeviceInfo.HardwareVersion"),
        data_model: Some(discovery::root_of(inform).trim_end_matches('.').to_owned()),
        ip_address,
        connection_request_url: find(".ManagementServer.ConnectionRequestURL"),
        cwmp_version: version.label().to_owned(),
        booted: inform.events.iter().any(|event| {
            matches!(
                event.code,
                cwmp::types::EventCode::Boot | cwmp::types::EventCode::Bootstrap
            )
        }),
        bootstrap: inform
            .events
            .iter()
            .any(|event| event.code == cwmp::types::EventCode::Bootstrap),
        events: inform
            .events
            .iter()
            .map(|event| (event.code.as_text().into_owned(), event.command_key.clone()))
            .collect(),
        parameters: inform
            .parameters
            .iter()
            .map(|p| (p.name.clone(), p.value.clone(), p.kind.as_xsi()))
            .collect(),
    };
    (key, record)
}
