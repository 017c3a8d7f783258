//! The load: `concurrency` workers running simulated devices' sessions back to back, either
//! each device once (a storm) or round and round until a deadline (periodic informs).

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use tokio::{sync::Mutex, task::JoinSet};

use super::http::HttpClient;
use crate::sim::{
    client::{Chaos, Dice, SimClient},
    device::SimDevice,
    model::DataModel,
};

pub struct Fleet {
    devices: Vec<Mutex<SimDevice>>,
    /// The next device to inform in periodic load. It carries on from one run to the next,
    /// so that runs in slices take turns over the whole fleet, as one long run would.
    next_periodic: AtomicUsize,
}

impl Fleet {
    /// Devices `first..first + count`, half TR-098 and half TR-181.
    pub fn new(first: u32, count: u32) -> Fleet {
        Fleet {
            devices: (first..first + count)
                .map(|index| {
                    let model = if index % 2 == 0 {
                        DataModel::Tr098
                    } else {
                        DataModel::Tr181
                    };
                    Mutex::new(SimDevice::new(index, model))
                })
                .collect(),
            next_periodic: AtomicUsize::new(0),
        }
    }

    pub fn len(&self) -> usize {
        self.devices.len()
    }

    pub async fn serial(&self, slot: usize) -> String {
        self.devices[slot].lock().await.id.serial_number.clone()
    }

    pub async fn root(&self, slot: usize) -> &'static str {
        self.devices[slot].lock().await.model.root()
    }
}

#[derive(Debug, Clone, Copy)]
pub enum Until {
    /// Every device once.
    EachOnce,
    /// Round and round until then.
    Deadline(Instant),
}

/// Queues one GetParameterValues through the API before each session (scenario 2).
pub struct TaskQueuer {
    pub http: HttpClient,
    pub url: String,
    pub token: String,
    /// The device id of each fleet slot, and the name to read.
    pub targets: Vec<(i64, String)>,
}

impl TaskQueuer {
    async fn queue(&self, slot: usize) -> Result<(), String> {
        let (id, name) = &self.targets[slot];
        let answer = self
            .http
            .send(
                "POST",
                &format!("{}/api/v1/devices/{id}/tasks", self.url),
                &[
                    ("authorization", &format!("Bearer {}", self.token)),
                    ("content-type", "application/json"),
                ],
                format!(r#"{{"kind":"get","names":["{name}"]}}"#),
            )
            .await
            .map_err(|e| e.to_string())?;
        if answer.status == 201 {
            Ok(())
        } else {
            Err(format!(
                "queueing a task: {} {}",
                answer.status, answer.body
            ))
        }
    }
}

#[derive(Debug, Default)]
pub struct LoadStats {
    pub sessions: usize,
    pub errors: usize,
    pub elapsed: Duration,
    pub latencies: Vec<Duration>,
    pub requests_answered: u64,
    pub first_errors: Vec<String>,
}

impl LoadStats {
    pub fn per_second(&self) -> f64 {
        self.sessions as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    /// Adds another run's figures to these, as if both had been one run (the slices of
    /// a scenario measured in turns with the ceiling).
    pub fn absorb(&mut self, other: LoadStats) {
        self.sessions += other.sessions;
        self.errors += other.errors;
        self.elapsed += other.elapsed;
        self.latencies.extend(other.latencies);
        self.requests_answered += other.requests_answered;
        let room = 5usize.saturating_sub(self.first_errors.len());
        self.first_errors
            .extend(other.first_errors.into_iter().take(room));
    }

    /// The `p`-quantile of session latency, in milliseconds.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        sorted
            .get(((sorted.len() as f64 - 1.0) * p).round() as usize)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    }
}

/// One worker's tally.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: usize,
    requests_answered: u64,
    first_errors: Vec<String>,
}

pub async fn run(
    client: &SimClient,
    fleet: Arc<Fleet>,
    concurrency: usize,
    until: Until,
    queuer: Option<Arc<TaskQueuer>>,
) -> LoadStats {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = JoinSet::new();
    for worker in 0..concurrency.max(1) {
        let (client, fleet, next, queuer) =
            (client.clone(), fleet.clone(), next.clone(), queuer.clone());
        workers.spawn(async move {
            let mut tally = Tally::default();
            let mut dice = Dice::new(worker as u64);
            loop {
                let turn = next.fetch_add(1, Ordering::Relaxed);
                let slot = match until {
                    Until::EachOnce if turn >= fleet.len() => break,
                    Until::EachOnce => turn,
                    Until::Deadline(deadline) if Instant::now() >= deadline => break,
                    Until::Deadline(_) => {
                        fleet.next_periodic.fetch_add(1, Ordering::Relaxed) % fleet.len()
                    }
                };
                if let Some(queuer) = &queuer
                    && let Err(error) = queuer.queue(slot).await
                {
                    tally.errors += 1;
                    if tally.first_errors.len() < 3 {
                        tally.first_errors.push(error);
                    }
                    continue;
                }
                let mut device = fleet.devices[slot].lock().await;
                let began = Instant::now();
                let outcome = client
                    .run_session(&mut device, Chaos::default(), &mut dice)
                    .await;
                tally.latencies.push(began.elapsed());
                match outcome {
                    Ok(report) => tally.requests_answered += u64::from(report.requests_answered),
                    Err(error) => {
                        tally.errors += 1;
                        if tally.first_errors.len() < 3 {
                            tally
                                .first_errors
                                .push(format!("{}: {error}", device.id.serial_number));
                        }
                    }
                }
            }
            tally
        });
    }
    let mut stats = LoadStats::default();
    while let Some(joined) = workers.join_next().await {
        let Ok(tally) = joined else {
            stats.errors += 1;
            continue;
        };
        stats.sessions += tally.latencies.len();
        stats.latencies.extend(tally.latencies);
        stats.errors += tally.errors;
        stats.requests_answered += tally.requests_answered;
        stats.first_errors.extend(tally.first_errors);
    }
    stats.elapsed = started.elapsed();
    stats
}
