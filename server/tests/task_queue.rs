//! The task queue on SQLite and PostgreSQL: a session claims a device's due tasks in one
//! statement, oldest first, and two sessions claiming at once never take the same task.

mod common;

use app::store::{DeviceKey, InformOutcome, InformRecord, Store, TaskStatus};
use chrono::{Duration, Utc};
use common::{Backend, TestDb};

async fn registered_device(store: &Store, serial: &str) -> i64 {
    let key = DeviceKey {
        oui: "00D09E".into(),
        product_class: "GW".into(),
        serial_number: serial.into(),
    };
    let inform = InformRecord {
        manufacturer: "Acme".into(),
        software_version: None,
        hardware_version: None,
        data_model: None,
        ip_address: None,
        connection_request_url: None,
        cwmp_version: "cwmp-1-2".into(),
        booted: false,
        bootstrap: true,
        events: Vec::new(),
        parameters: Vec::new(),
    };
    match store
        .record_inform(&key, &inform, true, Utc::now())
        .await
        .unwrap()
    {
        InformOutcome::Registered(device) => device.id,
        other => panic!("not registered: {other:?}"),
    }
}

async fn due_tasks_are_claimed_once_oldest_first(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = Store::open(&db.url, db.schema.as_deref()).await.unwrap();
    let device = registered_device(&store, "Q1").await;
    let other = registered_device(&store, "Q2").await;
    let now = Utc::now();
    let queue = |device, expires_at| {
        let store = store.clone();
        async move {
            store
                .queue_task(device, "Reboot", "<cwmp:Reboot/>", "test", expires_at, now)
                .await
                .unwrap()
                .expect("the device exists")
                .id
        }
    };
    // A device that is not there: the insert says so, and nothing is queued.
    assert!(
        store
            .queue_task(999_999, "Reboot", "<cwmp:Reboot/>", "test", None, now)
            .await
            .unwrap()
            .is_none()
    );
    let mut ids = Vec::new();
    for _ in 0..6 {
        ids.push(queue(device, None).await);
    }
    let expired = queue(device, Some(now - Duration::seconds(1))).await;
    let elsewhere = queue(other, None).await;
    // Not due yet: a retry waiting for its time.
    let later = queue(device, None).await;
    store
        .record_task_fault(later, 9002, "busy", Some(now + Duration::hours(1)), now)
        .await
        .unwrap();

    let first = store.claim_due_tasks(device, now, 4).await.unwrap();
    let first_ids: Vec<i64> = first.iter().map(|task| task.id).collect();
    assert_eq!(first_ids, ids[..4], "oldest first, at most the limit");
    assert!(first.iter().all(|task| task.status == TaskStatus::Running));

    // Two sessions at once share out what is left, without overlap.
    let (a, b) = tokio::join!(
        store.claim_due_tasks(device, now, 4),
        store.claim_due_tasks(device, now, 4)
    );
    let mut rest: Vec<i64> = a
        .unwrap()
        .into_iter()
        .chain(b.unwrap())
        .map(|t| t.id)
        .collect();
    rest.sort_unstable();
    assert_eq!(rest, ids[4..]);
    assert!(
        store
            .claim_due_tasks(device, now, 4)
            .await
            .unwrap()
            .is_empty()
    );

    // A running task whose lease ran out (its instance is gone) is due again.
    let much_later = now + Duration::minutes(10);
    let retaken = store.claim_due_tasks(device, much_later, 10).await.unwrap();
    let retaken: Vec<i64> = retaken.iter().map(|task| task.id).collect();
    assert_eq!(retaken, ids, "the expired and the waiting task stay behind");
    assert!(!retaken.contains(&expired) && !retaken.contains(&later));
    let task = store.task(elsewhere).await.unwrap().unwrap();
    assert_eq!(
        task.status,
        TaskStatus::Queued,
        "another device's task is untouched"
    );
    db.cleanup().await;
}

on_both_databases!(due_tasks_are_claimed_once_oldest_first);
