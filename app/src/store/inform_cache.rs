//! What this process remembers of the devices that informed it: enough for a periodic Inform
//! to skip reading its device first (see `unchanged_inform`).
//!
//! A hint, never the truth. Another instance, an API call or a task may change the device
//! at any time; nothing here is told. The write that trusts an entry states in SQL what the
//! entry says (identity, digest, interval, tree state) and the database writes only where
//! it agrees; where it does not, the session takes the full path, which reads the device and
//! remembers it anew. So a stale entry costs one wasted row in a batch, never a wrong write.
//!
//! An entry is three machine words (the key is kept as a hash; the SQL checks the identity
//! itself): with the table's own overhead about 69 MB a million devices (worked out from
//! the layout, not measured). When it holds `capacity` devices it starts over empty,
//! rather than keep entries that may be dead (devices deleted through another instance, or
//! gone from the field) and turn live ones away for ever; a fleet within the capacity
//! never gets there.

use std::{
    collections::HashMap,
    hash::{BuildHasher, RandomState},
    sync::Mutex,
};

use super::DeviceKey;

/// Devices remembered at most: about 140 MB when full.
pub(super) const DEFAULT_CAPACITY: usize = 2_000_000;

/// What an Inform's full path last found (or wrote) for a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct KnownDevice {
    pub device_id: i64,
    /// The stored periodic interval, in seconds.
    pub interval: Option<i64>,
    pub tree_complete: bool,
}

/// An entry as kept: `KnownDevice` packed (the interval is at most 31 days).
#[derive(Debug, Clone, Copy)]
struct Entry {
    device_id: i64,
    digest_hash: u64,
    /// Seconds; negative: unknown.
    interval: i32,
    tree_complete: bool,
}

#[derive(Debug)]
pub(super) struct InformCache {
    entries: Mutex<HashMap<u64, Entry>>,
    hasher: RandomState,
    capacity: usize,
}

impl Default for InformCache {
    fn default() -> Self {
        InformCache::with_capacity(DEFAULT_CAPACITY)
    }
}

impl InformCache {
    pub fn with_capacity(capacity: usize) -> InformCache {
        InformCache {
            entries: Mutex::new(HashMap::new()),
            hasher: RandomState::new(),
            capacity,
        }
    }

    /// The device `key` names, if remembered with an Inform of this `digest` last (an
    /// Inform with other values is not tried on the cheap path at all).
    pub fn get(&self, key: &DeviceKey, digest: &str) -> Option<KnownDevice> {
        let entry = *self.lock().get(&self.hash_key(key))?;
        (entry.digest_hash == self.hasher.hash_one(digest)).then(|| KnownDevice {
            device_id: entry.device_id,
            interval: (entry.interval >= 0).then_some(i64::from(entry.interval)),
            tree_complete: entry.tree_complete,
        })
    }

    /// Remembers what the device stands at now: its id, the digest of the Inform just
    /// stored, its interval and tree state.
    pub fn remember(
        &self,
        key: &DeviceKey,
        device_id: i64,
        digest: &str,
        interval: Option<i64>,
        tree_complete: bool,
    ) {
        let interval = match interval.map(i32::try_from) {
            None => -1,
            Some(Ok(seconds)) if seconds >= 0 => seconds,
            // Not a sensible interval (the store keeps none over 31 days): not kept.
            Some(_) => return self.forget(key),
        };
        let entry = Entry {
            device_id,
            digest_hash: self.hasher.hash_one(digest),
            interval,
            tree_complete,
        };
        let hash = self.hash_key(key);
        let mut entries = self.lock();
        if entries.len() >= self.capacity && !entries.contains_key(&hash) {
            tracing::info!(
                devices = entries.len(),
                "the Inform cache is full; it starts over (periodic Informs read their device until remembered again)"
            );
            entries.clear();
        }
        entries.insert(hash, entry);
    }

    /// Forgets the device `key` names: what was remembered proved stale.
    pub fn forget(&self, key: &DeviceKey) {
        let hash = self.hash_key(key);
        self.lock().remove(&hash);
    }

    /// Whether the device `key` names is remembered, whatever its digest.
    pub fn contains(&self, key: &DeviceKey) -> bool {
        let hash = self.hash_key(key);
        self.lock().contains_key(&hash)
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    fn hash_key(&self, key: &DeviceKey) -> u64 {
        self.hasher.hash_one(key)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Entry>> {
        // A panic under the lock leaves at worst a stale hint, which the database corrects.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(serial: &str) -> DeviceKey {
        DeviceKey {
            oui: "001122".into(),
            product_class: "Box".into(),
            serial_number: serial.into(),
        }
    }

    #[test]
    fn a_device_is_known_only_with_the_digest_it_was_remembered_with() {
        let cache = InformCache::default();
        assert_eq!(cache.get(&key("A"), "d1"), None);
        cache.remember(&key("A"), 7, "d1", Some(600), true);
        let known = cache.get(&key("A"), "d1").expect("remembered");
        assert_eq!(
            (known.device_id, known.interval, known.tree_complete),
            (7, Some(600), true)
        );
        // Another digest: the values changed, so the full path it is.
        assert_eq!(cache.get(&key("A"), "d2"), None);
        // Another device with the same serial number is another key.
        let other = DeviceKey {
            product_class: "Other".into(),
            ..key("A")
        };
        assert_eq!(cache.get(&other, "d1"), None);
        cache.remember(&key("A"), 7, "d2", None, false);
        let known = cache.get(&key("A"), "d2").expect("remembered again");
        assert_eq!((known.interval, known.tree_complete), (None, false));
        cache.forget(&key("A"));
        assert_eq!(cache.get(&key("A"), "d2"), None);
    }

    #[test]
    fn a_full_cache_starts_over() {
        let cache = InformCache::with_capacity(2);
        cache.remember(&key("A"), 1, "d", None, true);
        cache.remember(&key("B"), 2, "d", None, true);
        // A device already there is updated in place.
        cache.remember(&key("B"), 2, "e", None, true);
        assert_eq!(cache.len(), 2);
        assert!(cache.get(&key("B"), "e").is_some());
        // A third one: the others (perhaps long gone) are dropped.
        cache.remember(&key("C"), 3, "d", None, true);
        assert_eq!(cache.len(), 1);
        assert!(cache.get(&key("C"), "d").is_some());
        assert_eq!(cache.get(&key("A"), "d"), None);
    }

    #[test]
    fn an_interval_out_of_range_is_not_kept() {
        let cache = InformCache::default();
        cache.remember(&key("A"), 1, "d", Some(600), true);
        cache.remember(&key("A"), 1, "d", Some(i64::MAX), true);
        assert_eq!(cache.get(&key("A"), "d"), None);
    }
}
