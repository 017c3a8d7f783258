//! Recording a periodic Inform without making its session wait for the database.
//!
//! A session's InformResponse says nothing the database decides, and what the session does
//! next (take its device's tasks, read its tree) waits for the device's next POST anyway.
//! So a heartbeat on the cheap path (`Store::remembered_unchanged`) is handed to the
//! summary writer and answered at once; the session asks how the write went when the
//! device comes back (`finish_inform`), by which time its batch has usually committed.
//! A session's database work then overlaps its own HTTP round trip instead of following
//! it: with a fixed number of sessions in flight, fewer wait on the batch being written.
//!
//! Only Informs whose every event is `2 PERIODIC` go this way. The device forgets the
//! events of an answered Inform (TR-069 3.7.1.5), so an answer before the commit risks
//! losing what it reported if the process dies in between; a heartbeat loses nothing
//! then (the next one says the same), a BOOT, a VALUE CHANGE or a TRANSFER COMPLETE would.

use chrono::{DateTime, Utc};

use super::{
    DeviceKey, InformOutcome, InformRecord, InformedDevice, Store, StoreError,
    devices::inform_digest, summary_writer::UnchangedReceipt,
};

/// What `Store::begin_inform` did with an Inform.
#[derive(Debug)]
pub enum InformStart {
    /// Recorded and committed.
    Recorded(InformOutcome),
    /// Handed to the writer; `Store::finish_inform` waits for it.
    Checking(Box<InformCheck>),
}

/// A periodic Inform being written, and what is needed to record it the full way should
/// its device turn out not to be as remembered.
#[derive(Debug)]
pub struct InformCheck {
    key: DeviceKey,
    record: InformRecord,
    digest: String,
    device: InformedDevice,
    register_unknown: bool,
    at: DateTime<Utc>,
    receipt: UnchangedReceipt,
}

impl InformCheck {
    /// The device as this process remembers it (what the session will be told, unless the
    /// database says otherwise).
    pub fn device(&self) -> &InformedDevice {
        &self.device
    }
}

/// Whether an Inform reports nothing but the periodic heartbeat.
fn only_periodic(record: &InformRecord) -> bool {
    !record.events.is_empty() && record.events.iter().all(|(code, _)| code == "2 PERIODIC")
}

impl Store {
    /// Records an Inform like `record_inform`, except a heartbeat from a remembered device
    /// with nothing changed, which is only handed to the writer (see the module's note).
    pub async fn begin_inform(
        &self,
        key: &DeviceKey,
        record: InformRecord,
        register_unknown: bool,
        now: DateTime<Utc>,
    ) -> Result<InformStart, StoreError> {
        let digest = inform_digest(&record.parameters);
        if only_periodic(&record) {
            let Some((device, unchanged)) = self.remembered_unchanged(key, &record, &digest, now)
            else {
                // Not remembered as it stands: the cheap path has nothing to try.
                return Box::pin(self.record_inform_fully(
                    key,
                    &record,
                    &digest,
                    register_unknown,
                    now,
                ))
                .await
                .map(InformStart::Recorded);
            };
            let receipt = self.summaries.submit_unchanged(unchanged).await;
            return Ok(InformStart::Checking(Box::new(InformCheck {
                key: key.clone(),
                record,
                digest,
                device,
                register_unknown,
                at: now,
                receipt,
            })));
        }
        // Boxed, like every path a heartbeat does not take: an async call's state is part
        // of its caller's, and a database path's state is kilobytes, which every future up
        // to the HTTP handler then carried and copied (13 KB for each POST before).
        Box::pin(self.record_digested_inform(key, &record, &digest, register_unknown, now))
            .await
            .map(InformStart::Recorded)
    }

    /// Waits for the write `begin_inform` started; if the device was not as remembered
    /// (changed elsewhere, deleted), records the Inform the full way, as of when it came.
    pub async fn finish_inform(&self, check: InformCheck) -> Result<InformOutcome, StoreError> {
        match check.receipt.committed().await? {
            Some(open_tasks) => Ok(InformOutcome::Known {
                device: check.device,
                open_tasks,
            }),
            None => {
                self.inform_cache.forget(&check.key);
                Box::pin(self.record_inform_fully(
                    &check.key,
                    &check.record,
                    &check.digest,
                    check.register_unknown,
                    check.at,
                ))
                .await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record_with(events: &[&str]) -> InformRecord {
        InformRecord {
            events: events
                .iter()
                .map(|code| ((*code).to_owned(), String::new()))
                .collect(),
            ..InformRecord::default()
        }
    }

    #[test]
    fn only_heartbeats_are_answered_before_their_commit() {
        assert!(only_periodic(&record_with(&["2 PERIODIC"])));
        assert!(!only_periodic(&record_with(&[])));
        assert!(!only_periodic(&record_with(&[
            "2 PERIODIC",
            "4 VALUE CHANGE"
        ])));
        assert!(!only_periodic(&record_with(&["6 CONNECTION REQUEST"])));
        assert!(!only_periodic(&record_with(&["7 TRANSFER COMPLETE"])));
    }
}
