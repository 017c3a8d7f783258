//! `GET /api/v1/events`: device events as Server-Sent Events, filtered by device and kind.
//! A client that falls behind gets a `lagged` event saying how many it missed.

use std::{convert::Infallible, time::Duration};

use app::{
    events::{EventFilter, EventKind},
    model::Role,
    services::Services,
};
use axum::{
    extract::State,
    response::sse::{Event, KeepAlive, Sse},
};
use futures_util::Stream;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use super::{
    caller::Caller,
    devices::parse_id,
    error::{ApiError, ApiQuery, ApiResult},
};

#[derive(Debug, Deserialize)]
pub struct EventParams {
    device: Option<String>,
    /// Kinds, comma-separated.
    kind: Option<String>,
}

pub fn parse_event_filter(device: Option<&str>, kind: Option<&str>) -> ApiResult<EventFilter> {
    let device_id = match device.filter(|d| !d.is_empty()) {
        Some(device) => Some(
            parse_id(device).map_err(|_| ApiError::invalid("device", "device is a device id"))?,
        ),
        None => None,
    };
    let kinds = kind
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|k| {
            EventKind::parse(k).ok_or_else(|| {
                let names: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
                ApiError::invalid(
                    "kind",
                    format!("'{k}' is not an event kind: {}", names.join(", ")),
                )
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(EventFilter { device_id, kinds })
}

pub async fn stream(
    State(services): State<Services>,
    caller: Caller,
    ApiQuery(params): ApiQuery<EventParams>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let filter = parse_event_filter(params.device.as_deref(), params.kind.as_deref())?;
    // Customers follow their own devices, one at a time (the customer view's live progress);
    // staff see everything.
    if caller.role == Role::Customer {
        let owned = match (filter.device_id, caller.actor.id) {
            (Some(device_id), Some(user_id)) => {
                services
                    .store
                    .customer_has_device(user_id, device_id)
                    .await?
            }
            _ => false,
        };
        if !owned {
            return Err(ApiError::not_found(
                "Name one of your own devices: /api/v1/events?device=<id>.",
            ));
        }
    } else {
        caller.require(Role::STAFF)?;
    }
    let receiver = services.events.subscribe();
    let bus = services.events.clone();
    let events = futures_util::stream::unfold(
        (receiver, filter, bus),
        |(mut receiver, filter, bus)| async move {
            loop {
                let received = tokio::select! {
                    received = receiver.recv() => received,
                    () = bus.closed() => return None,
                };
                let event = match received {
                    Ok(event) if filter.accepts(&event) => Event::default()
                        .event(event.kind.as_str())
                        .json_data(&*event)
                        .unwrap_or_else(|_| Event::default().comment("unserialisable event")),
                    Ok(_) => continue,
                    Err(RecvError::Lagged(missed)) => Event::default()
                        .event("lagged")
                        .data(format!("{{\"missed\":{missed}}}")),
                    Err(RecvError::Closed) => return None,
                };
                return Some((Ok(event), (receiver, filter, bus)));
            }
        },
    );
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
