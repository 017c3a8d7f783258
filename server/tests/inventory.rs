//! The inventory's Inform paths on SQLite and PostgreSQL: an Inform that changes nothing
//! touches only the summary (the tree is neither read nor written), one that changes a
//! value goes the full way, and odd names never break either.

mod common;

use app::store::{DeviceKey, InformOutcome, InformRecord, Store, StoredParameter, TreeChanges};
use chrono::{Duration, Utc};
use common::{Backend, TestDb};

fn inform(software: &str, extra: &[(&str, &str)]) -> InformRecord {
    let mut parameters = vec![
        (
            "Device.DeviceInfo.SoftwareVersion".to_owned(),
            software.to_owned(),
            "xsd:string".to_owned(),
        ),
        (
            "Device.ManagementServer.PeriodicInformInterval".to_owned(),
            "600".to_owned(),
            "xsd:unsignedInt".to_owned(),
        ),
    ];
    parameters.extend(
        extra
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned(), "xsd:string".to_owned())),
    );
    InformRecord {
        manufacturer: "Acme".into(),
        software_version: Some(software.into()),
        hardware_version: None,
        data_model: Some("Device".into()),
        ip_address: Some("192.0.2.7".into()),
        connection_request_url: None,
        cwmp_version: "cwmp-1-2".into(),
        booted: false,
        bootstrap: false,
        events: vec![("2 PERIODIC".into(), String::new())],
        parameters,
    }
}

async fn record(
    store: &Store,
    key: &DeviceKey,
    record: &InformRecord,
    at: chrono::DateTime<Utc>,
) -> app::store::StoredDevice {
    match store
        .record_inform(key, record, true, at)
        .await
        .expect("recorded")
    {
        InformOutcome::Known { device, .. } | InformOutcome::Registered(device) => device,
        InformOutcome::Refused => panic!("refused"),
    }
}

async fn informs_that_change_nothing_leave_the_tree_alone(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = Store::open(&db.url, db.schema.as_deref()).await.unwrap();
    let key = DeviceKey {
        oui: "00D09E".into(),
        product_class: "GW".into(),
        serial_number: "S1".into(),
    };
    let start = Utc::now();
    let first = record(&store, &key, &inform("1.0", &[]), start).await;
    let version = "Device.DeviceInfo.SoftwareVersion";

    // Unchanged: the summary moves on, the stored value keeps the time it was read.
    let later = start + Duration::seconds(600);
    let second = record(&store, &key, &inform("1.0", &[]), later).await;
    assert_eq!(second.id, first.id);
    assert_eq!(second.last_inform_at, later);
    assert_eq!(
        second.online_until,
        Some(later + Duration::seconds(600 + 300 + 60)),
        "the interval read from the tree"
    );
    let tree = store.device_parameters(first.id).await.unwrap();
    assert_eq!(tree[version].read_at, start.timestamp());
    let events = store.device_events(first.id, 10).await.unwrap();
    assert_eq!(events.len(), 2, "events are recorded on both paths");

    // Changed: the full path stores the new value with its time.
    let third_at = later + Duration::seconds(600);
    let third = record(&store, &key, &inform("2.0", &[]), third_at).await;
    assert_eq!(third.software_version.as_deref(), Some("2.0"));
    let tree = store.device_parameters(first.id).await.unwrap();
    assert_eq!(tree[version].value.as_deref(), Some("2.0"));
    assert_eq!(tree[version].read_at, third_at.timestamp());

    // A name no JSON path should carry takes the full path, and is stored as sent.
    let odd = "Device.X_VENDOR.Odd\"Name";
    record(&store, &key, &inform("2.0", &[(odd, "v")]), third_at).await;
    record(
        &store,
        &key,
        &inform("2.0", &[(odd, "v")]),
        third_at + Duration::seconds(1),
    )
    .await;
    let tree = store.device_parameters(first.id).await.unwrap();
    assert_eq!(tree[odd].value.as_deref(), Some("v"));
    db.cleanup().await;
}

/// The cheap path trusts a digest of the last Inform's values: a task that changed one of
/// them in the stored tree must send the next Inform the full way (so the tree shows what
/// the device says again), while a refresh that read the same values keeps it cheap. And it
/// says whether the device has open tasks, so a session without any need not look.
async fn the_cheap_path_follows_what_tasks_change(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = Store::open(&db.url, db.schema.as_deref()).await.unwrap();
    let key = DeviceKey {
        oui: "00D09E".into(),
        product_class: "GW".into(),
        serial_number: "S2".into(),
    };
    let version = "Device.DeviceInfo.SoftwareVersion";
    let start = Utc::now();
    let device = record(&store, &key, &inform("1.0", &[]), start).await;
    let outcome = |at| {
        let store = store.clone();
        let key = key.clone();
        async move {
            store
                .record_inform(&key, &inform("1.0", &[]), true, at)
                .await
                .unwrap()
        }
    };
    let changes = |value: &str, at: chrono::DateTime<Utc>| TreeChanges {
        updates: [(
            version.to_owned(),
            StoredParameter {
                value: Some(value.to_owned()),
                kind: Some("xsd:string".to_owned()),
                writable: Some(false),
                read_at: at.timestamp(),
            },
        )]
        .into(),
        removed: Vec::new(),
    };

    // No task: the database says so, on the cheap path.
    let second = start + Duration::seconds(10);
    assert!(matches!(
        outcome(second).await,
        InformOutcome::Known {
            open_tasks: false,
            ..
        }
    ));

    // A refresh reading the same value (and a task changing a parameter no Inform carries)
    // keeps the cheap path: the Inform leaves the value's time alone.
    let refreshed = start + Duration::seconds(20);
    let mut refresh = changes("1.0", refreshed);
    let mut other = refresh.updates[version].clone();
    other.value = Some("cr-S2".to_owned());
    refresh.updates.insert(
        "Device.ManagementServer.ConnectionRequestUsername".to_owned(),
        other,
    );
    store
        .merge_parameters(device.id, &refresh, false)
        .await
        .unwrap();
    outcome(start + Duration::seconds(30)).await;
    let tree = store.device_parameters(device.id).await.unwrap();
    assert_eq!(tree[version].read_at, refreshed.timestamp());

    // A task wrote another value into the tree: the next Inform (the device still says 1.0)
    // takes the full path and the tree follows the device again.
    store
        .merge_parameters(device.id, &changes("9.9", refreshed), false)
        .await
        .unwrap();
    let fourth = start + Duration::seconds(40);
    outcome(fourth).await;
    let tree = store.device_parameters(device.id).await.unwrap();
    assert_eq!(tree[version].value.as_deref(), Some("1.0"));
    assert_eq!(tree[version].read_at, fourth.timestamp());

    // A queued task shows on the cheap path.
    store
        .queue_task(device.id, "Reboot", "<cwmp:Reboot/>", "test", None, fourth)
        .await
        .unwrap();
    assert!(matches!(
        outcome(start + Duration::seconds(50)).await,
        InformOutcome::Known {
            open_tasks: true,
            ..
        }
    ));
    db.cleanup().await;
}

/// Periodic Informs arriving together are committed together: every device's own summary
/// and events are stored, whichever batch carried them.
async fn informs_arriving_together_are_each_stored(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = Store::open(&db.url, db.schema.as_deref()).await.unwrap();
    // Whole seconds: PostgreSQL keeps microseconds, and the times are read back here.
    let start = chrono::DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap();
    let later = start + Duration::seconds(600);
    let keys: Vec<DeviceKey> = (0..40)
        .map(|i| DeviceKey {
            oui: "00D09E".into(),
            product_class: "GW".into(),
            serial_number: format!("T{i:03}"),
        })
        .collect();
    for key in &keys {
        record(&store, key, &inform("1.0", &[]), start).await;
    }
    let mut informs = tokio::task::JoinSet::new();
    for (i, key) in keys.iter().enumerate() {
        let (store, key) = (store.clone(), key.clone());
        let mut record = inform("1.0", &[]);
        record.ip_address = Some(format!("192.0.2.{i}"));
        record.booted = i % 2 == 0;
        informs.spawn(async move { store.record_inform(&key, &record, true, later).await });
    }
    while let Some(outcome) = informs.join_next().await {
        assert!(matches!(
            outcome.unwrap().unwrap(),
            InformOutcome::Known { .. }
        ));
    }
    for (i, key) in keys.iter().enumerate() {
        let stored = store.device_by_key(key).await.unwrap().expect("stored");
        assert_eq!(stored.last_inform_at, later, "{key:?}");
        assert_eq!(stored.ip_address, Some(format!("192.0.2.{i}")));
        assert_eq!(stored.software_version.as_deref(), Some("1.0"), "kept");
        assert_eq!(
            stored.online_until,
            Some(later + Duration::seconds(600 + 300 + 60))
        );
        let booted = (i % 2 == 0).then_some(later);
        assert_eq!(stored.last_boot_at, booted, "{key:?}");
        let events = store.device_events(stored.id, 10).await.unwrap();
        assert_eq!(events.len(), 2, "{key:?}");
    }
    db.cleanup().await;
}

on_both_databases!(informs_that_change_nothing_leave_the_tree_alone);
on_both_databases!(informs_arriving_together_are_each_stored);
on_both_databases!(the_cheap_path_follows_what_tasks_change);
