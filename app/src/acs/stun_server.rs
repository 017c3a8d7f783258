//! The ACS's STUN server (TR-111 Part 2): answers Binding Requests with the address it saw,
//! and remembers where each STUN username is, so a device behind NAT can be sent UDP
//! Connection Requests. UDP Connection Requests leave from this same socket: a NAT that only
//! lets in packets from where the device's own packets went lets them through.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use chrono::Utc;
use tokio::{net::UdpSocket, sync::watch};

use crate::{
    store::Store,
    stun::{binding_response, parse_binding_request},
};

/// An unchanged binding is written again after this long (so its time stays meaningful);
/// keepalives in between cost no database write.
const REWRITE_AFTER: Duration = Duration::from_secs(600);
/// Bindings remembered in memory at most; past it the cache starts over (more writes only).
const MAX_CACHED: usize = 200_000;

pub struct StunServer {
    socket: Arc<UdpSocket>,
    store: Store,
    seen: Mutex<HashMap<String, (SocketAddr, Instant)>>,
}

impl StunServer {
    pub fn new(socket: Arc<UdpSocket>, store: Store) -> StunServer {
        StunServer {
            socket,
            store,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Serves until `stopped` turns true.
    pub async fn serve(self, mut stopped: watch::Receiver<bool>) {
        let mut buffer = [0u8; 1500];
        loop {
            let received = tokio::select! {
                received = self.socket.recv_from(&mut buffer) => received,
                _ = stopped.changed() => {
                    if *stopped.borrow() { return; }
                    continue;
                }
            };
            let (length, from) = match received {
                Ok(received) => received,
                Err(error) => {
                    // ICMP errors from earlier sends surface here on some systems.
                    tracing::debug!(%error, "STUN socket error");
                    continue;
                }
            };
            self.answer(&buffer[..length], from).await;
        }
    }

    async fn answer(&self, packet: &[u8], from: SocketAddr) {
        let request = match parse_binding_request(packet) {
            Ok(request) => request,
            Err(error) => {
                tracing::debug!(%error, %from, "not a STUN Binding Request");
                return;
            }
        };
        let response = binding_response(request.transaction, from);
        if let Err(error) = self.socket.send_to(&response, from).await {
            tracing::debug!(%error, %from, "STUN answer not sent");
        }
        let Some(username) = request.username.filter(|name| !name.is_empty()) else {
            return;
        };
        if self.is_fresh(&username, from) && !request.binding_change {
            return;
        }
        match self
            .store
            .record_stun_binding(&username, &from.to_string(), Utc::now())
            .await
        {
            Ok(()) => {
                tracing::debug!(%from, "STUN binding recorded");
            }
            Err(error) => {
                tracing::warn!(%error, "recording a STUN binding failed");
                self.forget(&username);
            }
        }
    }

    /// True when `username` was recorded at `from` recently; otherwise notes it now.
    fn is_fresh(&self, username: &str, from: SocketAddr) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if let Some((address, at)) = seen.get(username)
            && *address == from
            && now.duration_since(*at) < REWRITE_AFTER
        {
            return true;
        }
        if seen.len() >= MAX_CACHED {
            seen.clear();
        }
        seen.insert(username.to_owned(), (from, now));
        false
    }

    fn forget(&self, username: &str) {
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(username);
    }
}
