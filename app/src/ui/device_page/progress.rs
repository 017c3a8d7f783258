//! Actions in flight on one device and how far each has come, fed by the server's answers
//! and the device's live events. Shared by the staff device page and the customer view.

use leptos::prelude::*;

use crate::{
    error::AppError,
    model::{ActionStarted, TaskProgress, TaskStage},
    ui::live_events::DeviceActivity,
};

/// One action the person started on this page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracked {
    pub key: u64,
    pub label: String,
    /// `None` while the server has not answered, and for a bare Connection Request.
    pub task_id: Option<i64>,
    pub stage: TaskStage,
    /// What waking the device met, then the device's answer or fault.
    pub note: Option<String>,
    /// A reboot or factory reset: followed until the device informs again after it.
    pub restarts: bool,
    pub back_online: bool,
    /// The server refused the action (bad value, not allowed, ...).
    pub refused: bool,
}

/// The actions of a page and what happens to them.
#[derive(Debug, Clone, Copy)]
pub struct Tracker {
    pub items: RwSignal<Vec<Tracked>>,
    next: StoredValue<u64>,
    /// Bumped when a task ends well: views of the device's data read it again.
    pub changed: RwSignal<u32>,
}

impl Tracker {
    pub fn new() -> Tracker {
        Tracker {
            items: RwSignal::new(Vec::new()),
            next: StoredValue::new(0),
            changed: RwSignal::new(0),
        }
    }

    /// Starts following an action; returns its key.
    pub fn start(&self, label: String, restarts: bool) -> u64 {
        let key = self.next.get_value() + 1;
        self.next.set_value(key);
        self.items.update(|items| {
            items.insert(
                0,
                Tracked {
                    key,
                    label,
                    task_id: None,
                    stage: TaskStage::Queued,
                    note: Some("Sending…".to_owned()),
                    restarts,
                    back_online: false,
                    refused: false,
                },
            );
            items.truncate(8);
        });
        key
    }

    /// The server's answer to the action.
    pub fn answered(&self, key: u64, answer: Result<ActionStarted, AppError>) {
        self.items.update(|items| {
            let Some(item) = items.iter_mut().find(|item| item.key == key) else {
                return;
            };
            match answer {
                Ok(started) => {
                    item.task_id = started.task_id;
                    // The device may have done it already (the stream told first): keep
                    // that news rather than how waking it went.
                    if item.stage == TaskStage::Queued {
                        item.note = Some(started.wake.message);
                    }
                }
                Err(error) => {
                    item.refused = true;
                    item.stage = TaskStage::Failed;
                    item.note = Some(error.to_string());
                }
            }
        });
    }

    /// The task's stage as the server reads it (catches what happened before the stream
    /// saw the task's id). Stages only move forward.
    pub fn progressed(&self, progress: TaskProgress) {
        let mut ended_well = false;
        self.items.update(|items| {
            for item in items
                .iter_mut()
                .filter(|item| item.task_id == Some(progress.task_id))
            {
                if progress.stage > item.stage {
                    item.stage = progress.stage;
                    ended_well |= progress.stage == TaskStage::Done;
                    if let Some(message) = &progress.message {
                        item.note = Some(message.clone());
                    }
                }
            }
        });
        if ended_well {
            self.changed.update(|n| *n += 1);
        }
    }

    /// A live event of this device.
    pub fn observed(&self, activity: &DeviceActivity) {
        let mut ended_well = false;
        self.items.update(|items| {
            for item in items.iter_mut() {
                match activity.kind.as_str() {
                    "inform" => {
                        if item.stage == TaskStage::Queued && !item.refused {
                            item.stage = TaskStage::DeviceContacted;
                            item.note = Some("The device opened a session.".to_owned());
                        } else if item.restarts
                            && item.stage == TaskStage::Done
                            && activity
                                .events
                                .iter()
                                .any(|e| e == "1 BOOT" || e == "0 BOOTSTRAP")
                        {
                            item.back_online = true;
                            item.note = Some("The device restarted and is back online.".to_owned());
                            ended_well = true;
                        }
                    }
                    "task_done"
                        if activity.task_id.is_some() && item.task_id == activity.task_id =>
                    {
                        item.stage = TaskStage::Done;
                        item.note = Some(if item.restarts {
                            "The device accepted; waiting for it to come back…".to_owned()
                        } else {
                            "The device did it.".to_owned()
                        });
                        ended_well = true;
                    }
                    "task_failed"
                        if activity.task_id.is_some() && item.task_id == activity.task_id =>
                    {
                        item.stage = TaskStage::Failed;
                        item.note = Some(format!(
                            "The device refused: {}",
                            activity.message.as_deref().unwrap_or("no reason given")
                        ));
                    }
                    "fault" if activity.task_id.is_some() && item.task_id == activity.task_id => {
                        item.note = Some(format!(
                            "The device answered with a fault ({}); Osprey will try again.",
                            activity.message.as_deref().unwrap_or("no reason given")
                        ));
                    }
                    _ => {}
                }
            }
        });
        if ended_well {
            self.changed.update(|n| *n += 1);
        }
    }
}

impl Default for Tracker {
    fn default() -> Self {
        Tracker::new()
    }
}

/// The list of actions and their stages.
#[component]
pub fn ProgressList(tracker: Tracker) -> impl IntoView {
    view! {
        <ul class="progress-list" aria-live="polite" data-testid="action-progress">
            <For
                each=move || tracker.items.get()
                key=|item| (item.key, item.stage, item.back_online, item.note.clone())
                children=|item| {
                    let stage = if item.back_online { "Back online" } else { item.stage.label() };
                    let class = match (item.stage, item.back_online) {
                        (_, true) | (TaskStage::Done, _) => "stage stage-done",
                        (TaskStage::Failed | TaskStage::Dropped, _) => "stage stage-failed",
                        _ => "stage stage-pending",
                    };
                    view! {
                        <li class="progress-item">
                            <span class="progress-label">{item.label}</span>
                            <span class=class data-testid="action-stage">{stage}</span>
                            {item.note.map(|note| view! { <span class="muted small">{note}</span> })}
                        </li>
                    }
                }
            />
        </ul>
    }
}
