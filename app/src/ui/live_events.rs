//! The "live activity" feed: device events as they happen, from the REST API's event
//! stream (`/api/v1/events`, Server-Sent Events; the portal session authenticates it). The
//! server renders an empty feed; the browser opens the stream once the page is hydrated.

use leptos::prelude::*;

/// One event as the feed shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveEvent {
    /// Unique within the page: the order the events arrived in.
    pub sequence: u64,
    pub kind: String,
    pub device_id: i64,
    /// `HH:MM:SS` (UTC).
    pub time: String,
    pub summary: String,
}

/// The words people read for an event kind.
pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "inform" => "Inform",
        "registered" => "New device",
        "task_done" => "Task done",
        "task_failed" => "Task failed",
        "fault" => "Fault",
        "value_change" => "Value change",
        _ => "Event",
    }
}

#[component]
pub fn LiveEvents() -> impl IntoView {
    /// How many events the feed keeps on screen.
    const KEPT: usize = 20;
    let events = RwSignal::new(Vec::<LiveEvent>::new());
    let connected = RwSignal::new(false);
    let sequence = StoredValue::new(0u64);
    open_event_stream("/api/v1/events".to_owned(), connected, move |kind, data| {
        let next = sequence.get_value() + 1;
        sequence.set_value(next);
        if let Some(event) = read_event(next, kind, &data) {
            events.update(|list| {
                list.insert(0, event);
                list.truncate(KEPT);
            });
        }
    });
    let status = move || {
        if connected.get() {
            "Connected: events appear as they happen."
        } else {
            "Connecting to the event stream…"
        }
    };
    view! {
        <section class="card card-wide" aria-live="polite">
            <h2>"Live activity"</h2>
            <p class="muted small" data-testid="live-status">{status}</p>
            <Show
                when=move || !events.with(Vec::is_empty)
                fallback=|| view! { <p class="muted">"No device activity since this page opened."</p> }
            >
                <ul class="event-list" data-testid="live-events">
                    <For
                        each=move || events.get()
                        key=|event| event.sequence
                        children=|event| {
                            view! {
                                <li class=format!("event event-{}", event.kind)>
                                    <time class="muted small">{event.time}</time>
                                    <span class="event-kind">{kind_label(&event.kind)}</span>
                                    <span>{event.summary}</span>
                                </li>
                            }
                            .into_any()
                        }
                    />
                </ul>
            </Show>
        </section>
    }
}

/// Reading the JSON of one event into what the feed shows (pure; used by the browser).
pub fn read_event(sequence: u64, kind: &str, data: &str) -> Option<LiveEvent> {
    {
        let value: serde_json::Value = serde_json::from_str(data).ok()?;
        let device_id = value.get("device_id")?.as_i64()?;
        let time = value
            .get("at")
            .and_then(|at| at.as_str())
            .and_then(|at| at.get(11..19))
            .unwrap_or_default()
            .to_owned();
        let detail = value.get("detail");
        let text = |name: &str| {
            detail
                .and_then(|d| d.get(name))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        let serial = text("serial_number").unwrap_or_else(|| format!("device {device_id}"));
        let summary = match kind {
            "inform" => {
                let events: Vec<String> = detail
                    .and_then(|d| d.get("events"))
                    .and_then(|e| e.as_array())
                    .map(|list| {
                        list.iter()
                            .filter_map(|e| e.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                format!("{serial}: {}", events.join(", "))
            }
            "registered" => format!("{serial} ({})", text("product_class").unwrap_or_default()),
            "task_done" | "task_failed" | "fault" => {
                let method = text("method").unwrap_or_else(|| "a task".to_owned());
                match text("message") {
                    Some(message) => format!("device {device_id}: {method}: {message}"),
                    None => format!("device {device_id}: {method}"),
                }
            }
            _ => format!("device {device_id}"),
        };
        Some(LiveEvent {
            sequence,
            kind: kind.to_owned(),
            device_id,
            time,
            summary,
        })
    }
}

/// What a device page needs of an event: which task it concerns and, for an Inform, its
/// event codes (to tell a reboot's "1 BOOT").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceActivity {
    pub kind: String,
    pub task_id: Option<i64>,
    pub events: Vec<String>,
    /// The device's fault message, for faults.
    pub message: Option<String>,
}

/// Reads an event's JSON for a device page (pure).
pub fn read_activity(kind: &str, data: &str) -> Option<DeviceActivity> {
    let value: serde_json::Value = serde_json::from_str(data).ok()?;
    let detail = value.get("detail");
    Some(DeviceActivity {
        kind: kind.to_owned(),
        task_id: value.get("task_id").and_then(|id| id.as_i64()),
        events: detail
            .and_then(|d| d.get("events"))
            .and_then(|e| e.as_array())
            .map(|list| {
                list.iter()
                    .filter_map(|e| e.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        message: detail
            .and_then(|d| d.get("message"))
            .and_then(|m| m.as_str())
            .map(str::to_owned),
    })
}

/// Opens the event stream at `url` once the page is hydrated; calls `on_event(kind, data)`
/// for each event; closes when the calling component goes away. Does nothing on the server.
pub fn open_event_stream(
    url: String,
    connected: RwSignal<bool>,
    on_event: impl Fn(&'static str, String) + Clone + 'static,
) {
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        stream::open(&url, connected, on_event.clone());
        #[cfg(not(feature = "hydrate"))]
        let _ = (&url, connected, &on_event);
    });
}

#[cfg(feature = "hydrate")]
mod stream {
    use leptos::prelude::*;
    use wasm_bindgen::{JsCast, closure::Closure};
    use web_sys::{Event, EventSource, MessageEvent};

    /// The kinds the stream names its events by (SSE `event:` lines).
    const EVENT_KINDS: [&str; 6] = [
        "inform",
        "registered",
        "task_done",
        "task_failed",
        "fault",
        "value_change",
    ];

    pub fn open(
        url: &str,
        connected: RwSignal<bool>,
        on_event: impl Fn(&'static str, String) + Clone + 'static,
    ) {
        let Ok(source) = EventSource::new(url) else {
            return;
        };
        let mut handlers: Vec<Closure<dyn FnMut(MessageEvent)>> = Vec::new();
        for kind in EVENT_KINDS {
            let on_event = on_event.clone();
            let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
                if let Some(data) = message.data().as_string() {
                    on_event(kind, data);
                }
            });
            let _ = source.add_event_listener_with_callback(kind, handler.as_ref().unchecked_ref());
            handlers.push(handler);
        }
        let on_open = Closure::<dyn FnMut(Event)>::new(move |_| connected.set(true));
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        // The browser reconnects by itself after an error; say so meanwhile.
        let on_error = Closure::<dyn FnMut(Event)>::new(move |_| connected.set(false));
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let kept = StoredValue::new_local((source, handlers, on_open, on_error));
        on_cleanup(move || {
            kept.with_value(|(source, ..)| source.close());
            kept.dispose();
        });
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn events_read_as_people_say_them() {
        let inform = read_event(
            1,
            "inform",
            r#"{"kind":"inform","device_id":4,"at":"2026-11-24T11:02:03.5Z","task_id":null,"detail":{"serial_number":"SIM000004","events":["2 PERIODIC"]}}"#,
        )
        .unwrap();
        assert_eq!(
            (inform.time.as_str(), inform.summary.as_str()),
            ("11:02:03", "SIM000004: 2 PERIODIC")
        );
        let fault = read_event(
            2,
            "fault",
            r#"{"kind":"fault","device_id":4,"at":"2026-11-24T11:02:04Z","task_id":9,"detail":{"method":"SetParameterValues","code":9007,"message":"Invalid parameter value"}}"#,
        )
        .unwrap();
        assert_eq!(
            fault.summary,
            "device 4: SetParameterValues: Invalid parameter value"
        );
        assert_eq!(kind_label("registered"), "New device");
        assert_eq!(read_event(3, "inform", "not json"), None);
    }
}
