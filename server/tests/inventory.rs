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
            "xsd:string".into(),
        ),
        (
            "Device.ManagementServer.PeriodicInformInterval".to_owned(),
            "600".to_owned(),
            "xsd:unsignedInt".into(),
        ),
    ];
    parameters.extend(
        extra
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned(), "xsd:string".into())),
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
        InformOutcome::Known { .. } | InformOutcome::Registered(_) => {}
        InformOutcome::Refused => panic!("refused"),
    }
    // What was stored, not what the session was told.
    store
        .device_by_key(key)
        .await
        .expect("read")
        .expect("stored")
}

async fn informs_that_change_nothing_leave_the_tree_alone(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = Store::open(&db.url, db.schema.as_deref()).await.unwrap();
    let key = DeviceKey {
        oui: "00D09E".into(),
        product_class: "GW".into(),
        serial_number: "S1".into(),
    };
    // Whole seconds: PostgreSQL keeps microseconds, and the times are read back here.
    let start = chrono::DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap();
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
    assert_eq!(
        events.len(),
        1,
        "the registration's; a heartbeat of a device online leaves none"
    );

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
/// and events are stored, whichever batch carried them; an unknown device among them (one
/// whose serial number a known one has, under another product class) is registered, not
/// taken for that one.
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
        if record.booted {
            record.events.insert(0, ("1 BOOT".into(), String::new()));
        }
        informs.spawn(async move { store.record_inform(&key, &record, true, later).await });
    }
    let stranger = DeviceKey {
        product_class: "GW2".into(),
        ..keys[1].clone()
    };
    {
        let (store, key) = (store.clone(), stranger.clone());
        informs.spawn(async move {
            store
                .record_inform(&key, &inform("2.0", &[]), true, later)
                .await
        });
    }
    let (mut known, mut registered) = (0, 0);
    while let Some(outcome) = informs.join_next().await {
        match outcome.unwrap().unwrap() {
            InformOutcome::Known { device, .. } => {
                assert_ne!(device.key, stranger);
                known += 1;
            }
            InformOutcome::Registered(device) => {
                assert_eq!(device.key, stranger);
                registered += 1;
            }
            InformOutcome::Refused => panic!("refused"),
        }
    }
    assert_eq!((known, registered), (keys.len(), 1));
    let stored = store.device_by_key(&stranger).await.unwrap().expect("new");
    assert_eq!(stored.software_version.as_deref(), Some("2.0"));
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
        // The registration's, and a boot's (the heartbeats of devices online leave none).
        let events = store.device_events(stored.id, 10).await.unwrap();
        assert_eq!(events.len(), 1 + usize::from(i % 2 == 0), "{key:?}");
    }
    db.cleanup().await;
}

fn parameter(
    value: Option<&str>,
    kind: Option<&str>,
    writable: Option<bool>,
    at: i64,
) -> StoredParameter {
    StoredParameter {
        value: value.map(str::to_owned),
        kind: kind.map(str::to_owned),
        writable,
        read_at: at,
    }
}

fn updates(entries: &[(&str, StoredParameter)]) -> TreeChanges {
    TreeChanges {
        updates: entries
            .iter()
            .map(|(name, p)| ((*name).to_owned(), p.clone()))
            .collect(),
        removed: Vec::new(),
    }
}

/// A merge patches the stored tree in the database (the tree is not read): each field of an
/// entry follows what the update knew, as assigning them in memory did, and the summary
/// columns that follow the tree (digest, interval) follow the patch.
async fn merges_patch_the_tree_field_by_field(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = Store::open(&db.url, db.schema.as_deref()).await.unwrap();
    let key = DeviceKey {
        oui: "00D09E".into(),
        product_class: "GW".into(),
        serial_number: "S3".into(),
    };
    // Whole seconds: PostgreSQL keeps microseconds, and the times are read back here.
    let start = chrono::DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap();
    let device = record(&store, &key, &inform("1.0", &[]), start).await;
    let (ssid, channel) = ("Device.WiFi.SSID.1.SSID", "Device.WiFi.Radio.1.Channel");
    let t = start.timestamp();

    // GetParameterNames: new entries with their writable flag and no value.
    store
        .merge_parameters(
            device.id,
            &updates(&[
                (ssid, parameter(None, None, Some(true), t + 1)),
                (channel, parameter(None, None, Some(false), t + 1)),
            ]),
            false,
        )
        .await
        .unwrap();
    // GetParameterValues: values and types; the flags stay.
    store
        .merge_parameters(
            device.id,
            &updates(&[
                (
                    ssid,
                    parameter(Some("Home \"5G\" ñ"), Some("xsd:string"), None, t + 2),
                ),
                (
                    channel,
                    parameter(Some("36"), Some("xsd:unsignedInt"), None, t + 2),
                ),
            ]),
            true,
        )
        .await
        .unwrap();
    // A value read without its type drops the type it had.
    store
        .merge_parameters(
            device.id,
            &updates(&[(channel, parameter(Some("40"), None, None, t + 3))]),
            false,
        )
        .await
        .unwrap();
    let tree = store.device_parameters(device.id).await.unwrap();
    assert_eq!(
        tree[ssid],
        parameter(Some("Home \"5G\" ñ"), Some("xsd:string"), Some(true), t + 2)
    );
    assert_eq!(
        tree[channel],
        parameter(Some("40"), None, Some(false), t + 3)
    );
    assert_eq!(
        tree["Device.DeviceInfo.SoftwareVersion"].value.as_deref(),
        Some("1.0"),
        "entries the patch does not name are kept"
    );
    let stored = store.device_by_key(&key).await.unwrap().unwrap();
    assert!(stored.tree_complete);

    // An Inform carrying a parameter patches it too: its value and time follow, the flag
    // GetParameterNames found stays. A BOOTSTRAP keeps the tree but asks for it again.
    let at = start + Duration::seconds(5);
    let mut reset = inform("1.0", &[(ssid, "Reset")]);
    reset.bootstrap = true;
    let informed = record(&store, &key, &reset, at).await;
    assert!(!informed.tree_complete);
    let tree = store.device_parameters(device.id).await.unwrap();
    assert_eq!(
        tree[ssid],
        parameter(
            Some("Reset"),
            Some("xsd:string"),
            Some(true),
            at.timestamp()
        )
    );
    assert!(tree.contains_key(channel));
    record(&store, &key, &inform("1.0", &[]), at).await;
    store
        .merge_parameters(device.id, &TreeChanges::default(), true)
        .await
        .unwrap();

    // A discovery read every value the Inform carries, one of them changed since the
    // Inform: the next Inform saying the same stays on the cheap path.
    let software = "Device.DeviceInfo.SoftwareVersion";
    let interval = "Device.ManagementServer.PeriodicInformInterval";
    store
        .merge_parameters(
            device.id,
            &updates(&[
                (
                    software,
                    parameter(Some("1.1"), Some("xsd:string"), None, t + 3),
                ),
                (
                    interval,
                    parameter(Some("600"), Some("xsd:unsignedInt"), None, t + 3),
                ),
            ]),
            false,
        )
        .await
        .unwrap();
    record(
        &store,
        &key,
        &inform("1.1", &[]),
        start + Duration::seconds(30),
    )
    .await;
    let tree = store.device_parameters(device.id).await.unwrap();
    assert_eq!(
        tree[software].read_at,
        t + 3,
        "the cheap path left the tree alone"
    );

    // A task set the periodic interval: the next Inform carrying it stays on the cheap path
    // (the digest followed) and counts the new interval.
    store
        .merge_parameters(
            device.id,
            &updates(&[(
                interval,
                parameter(Some("300"), Some("xsd:unsignedInt"), None, t + 4),
            )]),
            false,
        )
        .await
        .unwrap();
    let mut next = inform("1.1", &[]);
    next.parameters[1].1 = "300".to_owned();
    let at = start + Duration::seconds(60);
    let informed = record(&store, &key, &next, at).await;
    assert_eq!(
        informed.online_until,
        Some(at + Duration::seconds(300 + 150 + 60))
    );
    let tree = store.device_parameters(device.id).await.unwrap();
    assert_eq!(
        tree[interval].read_at,
        t + 4,
        "the cheap path left the tree alone"
    );

    // Removing an object rewrites the tree without it.
    store
        .merge_parameters(
            device.id,
            &TreeChanges {
                updates: Default::default(),
                removed: vec!["Device.WiFi.SSID.1.".to_owned()],
            },
            false,
        )
        .await
        .unwrap();
    let tree = store.device_parameters(device.id).await.unwrap();
    assert!(!tree.contains_key(ssid));
    assert!(tree.contains_key(channel));

    // An Inform name no JSON path can spell: a task changing an Inform value leaves no
    // digest, so the next Inform takes the full path and stores what the device says.
    let odd = "Device.X_VENDOR.Odd\"Name";
    let odd_inform = inform("1.0", &[(odd, "v")]);
    record(&store, &key, &odd_inform, at).await;
    store
        .merge_parameters(
            device.id,
            &updates(&[(
                "Device.DeviceInfo.SoftwareVersion",
                parameter(Some("1.0"), Some("xsd:string"), None, t + 5),
            )]),
            false,
        )
        .await
        .unwrap();
    let last = at + Duration::seconds(60);
    record(&store, &key, &odd_inform, last).await;
    let tree = store.device_parameters(device.id).await.unwrap();
    assert_eq!(tree[odd].read_at, last.timestamp());
    db.cleanup().await;
}

/// The bundled SQLite is built to plan from the SQL text alone (`.cargo/config.toml`):
/// without it every `LIMIT ?` query is compiled again on each run.
#[tokio::test]
async fn sqlite_plans_do_not_follow_bound_values() {
    let db = TestDb::new(Backend::Sqlite).await;
    let store = Store::open(&db.url, db.schema.as_deref()).await.unwrap();
    assert!(store.has_stable_plans().await.unwrap());
    db.cleanup().await;
}

/// Migration 10 moves SQLite's tree column to the end of the row, so that a read of the
/// small columns stops before it; a device stored before it keeps its tree and its events.
#[tokio::test]
async fn sqlite_keeps_the_tree_last_in_the_row() {
    use migrations::{Migrator, MigratorTrait};
    use sea_orm::{ConnectionTrait, Database, Statement};

    let db = TestDb::new(Backend::Sqlite).await;
    let raw = Database::connect(&db.url).await.unwrap();
    Migrator::up(&raw, Some(9)).await.unwrap();
    let tree = r#"{"Device.DeviceInfo.SoftwareVersion":{"v":"1.0","t":"xsd:string","at":7}}"#;
    raw.execute_unprepared(&format!(
        "INSERT INTO device (oui, product_class, serial_number, manufacturer, cwmp_version, \
         registered_at, last_inform_at, parameters) VALUES ('001122', 'Box', 'OLD1', 'Acme', \
         'cwmp-1-2', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '{tree}')"
    ))
    .await
    .unwrap();
    raw.execute_unprepared(
        "INSERT INTO device_event (device_id, at, code, command_key) \
         VALUES (1, '2026-01-01T00:00:00Z', '1 BOOT', '')",
    )
    .await
    .unwrap();
    Migrator::up(&raw, None).await.unwrap();

    let columns = raw
        .query_all_raw(Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT name FROM pragma_table_info('device') ORDER BY cid",
        ))
        .await
        .unwrap();
    let last: String = columns.last().unwrap().try_get_by_index(0).unwrap();
    assert_eq!(last, "parameters");
    let events = raw
        .query_one_raw(Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT count(*) FROM device_event",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(events.try_get_by_index::<i64>(0).unwrap(), 1);
    drop(raw);

    let store = Store::open(&db.url, None).await.unwrap();
    let tree = store.device_parameters(1).await.unwrap();
    assert_eq!(
        tree["Device.DeviceInfo.SoftwareVersion"].value.as_deref(),
        Some("1.0")
    );
    // Migration 11 carried its last inform over into `device_presence`.
    let device = store.device(1).await.unwrap().unwrap().device;
    assert_eq!(
        device.last_inform_at.to_rfc3339(),
        "2026-01-01T00:00:00+00:00"
    );
    assert_eq!(device.online_until, None);
    db.cleanup().await;
}

/// Migration 11 moves the last inform and the online deadline out of `device` into
/// `device_presence`: a device stored before keeps both, and going back down brings the
/// columns back with their values.
async fn presence_moves_out_of_the_device_row(backend: Backend) {
    use migrations::{Migrator, MigratorTrait};
    use sea_orm::{ConnectOptions, ConnectionTrait, Database, Statement};

    let db = TestDb::new(backend).await;
    let mut options = ConnectOptions::new(db.url.clone());
    if let Some(schema) = &db.schema {
        options.set_schema_search_path(schema.clone());
    }
    let raw = Database::connect(options).await.unwrap();
    Migrator::up(&raw, Some(10)).await.unwrap();
    raw.execute_unprepared(
        "INSERT INTO device (oui, product_class, serial_number, manufacturer, cwmp_version, \
         registered_at, last_inform_at, online_until, parameters) VALUES ('001122', 'Box', \
         'OLD1', 'Acme', 'cwmp-1-2', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', \
         '2026-01-02T01:00:00Z', '{}')",
    )
    .await
    .unwrap();
    Migrator::up(&raw, None).await.unwrap();

    let store = Store::open(&db.url, db.schema.as_deref()).await.unwrap();
    let at = |text: &str| {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    };
    let device = store.device(1).await.unwrap().unwrap().device;
    assert_eq!(device.last_inform_at, at("2026-01-02T00:00:00Z"));
    assert_eq!(device.online_until, Some(at("2026-01-02T01:00:00Z")));
    let online = app::inventory::query::parse("online = true")
        .unwrap()
        .unwrap();
    assert_eq!(
        store
            .count_matching_devices(Some(&online), at("2026-01-02T00:30:00Z"))
            .await
            .unwrap(),
        1
    );
    drop(store);

    // Down to 10: the migrations after 11 first.
    let after_eleven = Migrator::migrations().len() as u32 - 11;
    Migrator::down(&raw, Some(after_eleven + 1)).await.unwrap();
    let row = raw
        .query_one_raw(Statement::from_string(
            raw.get_database_backend(),
            "SELECT last_inform_at, online_until FROM device",
        ))
        .await
        .unwrap()
        .unwrap();
    let back: (chrono::DateTime<Utc>, Option<chrono::DateTime<Utc>>) = (
        row.try_get_by_index(0).unwrap(),
        row.try_get_by_index(1).unwrap(),
    );
    assert_eq!(
        back,
        (at("2026-01-02T00:00:00Z"), Some(at("2026-01-02T01:00:00Z")))
    );
    drop(raw);
    db.cleanup().await;
}

/// Two instances sharing one database, as behind a load balancer, one device's key, and a
/// clock starting on a whole second.
struct TwoInstances {
    db: TestDb,
    one: Store,
    two: Store,
    key: DeviceKey,
    start: chrono::DateTime<Utc>,
}

impl TwoInstances {
    async fn new(backend: Backend, serial_number: &str) -> TwoInstances {
        let db = TestDb::new(backend).await;
        let one = Store::open(&db.url, db.schema.as_deref()).await.unwrap();
        let two = Store::open(&db.url, db.schema.as_deref()).await.unwrap();
        TwoInstances {
            db,
            one,
            two,
            key: DeviceKey {
                oui: "00D09E".into(),
                product_class: "GW".into(),
                serial_number: serial_number.into(),
            },
            start: chrono::DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap(),
        }
    }
}

/// A periodic Inform from a device the process remembers is written without reading the
/// device first; the database checks the memory. Two instances share one database, as
/// behind a load balancer: whatever one of them (or a task, or an API call) changes, the
/// other's stale memory never writes over it, and every Inform is stored as the device said.
async fn remembered_devices_are_checked_by_the_database(backend: Backend) {
    let TwoInstances {
        db,
        one,
        two,
        key,
        start,
    } = TwoInstances::new(backend, "R1").await;
    let at = |minutes: i64| start + Duration::minutes(minutes);
    let first = record(&one, &key, &inform("1.0", &[]), at(0)).await;
    assert!(one.is_remembered(&key), "registration remembers the device");

    // The cheap path: presence and events are written, nothing else.
    let device = record(&one, &key, &inform("1.0", &[]), at(10)).await;
    assert_eq!(device.last_inform_at, at(10));
    assert_eq!(
        device.online_until,
        Some(at(10) + Duration::seconds(600 + 300 + 60))
    );
    // The registration's event; this heartbeat (the device was online) leaves none.
    let events = one.device_events(first.id, 10).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].2, at(0));

    // The other instance stores an upgrade; the first still remembers 1.0, and the device
    // (say, a rollback) informs it with 1.0 again: stored as said, not taken for unchanged.
    let device = record(&two, &key, &inform("2.0", &[]), at(20)).await;
    assert_eq!(device.software_version.as_deref(), Some("2.0"));
    let device = record(&one, &key, &inform("1.0", &[]), at(30)).await;
    assert_eq!(device.software_version.as_deref(), Some("1.0"));
    assert_eq!(device.last_inform_at, at(30));
    let tree = one.device_parameters(first.id).await.unwrap();
    assert_eq!(
        tree["Device.DeviceInfo.SoftwareVersion"].value.as_deref(),
        Some("1.0")
    );

    // A summary value outside the parameters (the address it came from) changed: written.
    let mut moved = inform("1.0", &[]);
    moved.ip_address = Some("198.51.100.9".into());
    let device = record(&one, &key, &moved, at(40)).await;
    assert_eq!(device.ip_address.as_deref(), Some("198.51.100.9"));

    // The tree was read in full elsewhere: the session hears it is complete.
    one.merge_parameters(first.id, &TreeChanges::default(), true)
        .await
        .unwrap();
    match one.record_inform(&key, &moved, true, at(50)).await.unwrap() {
        InformOutcome::Known { device, open_tasks } => {
            assert!(device.tree_complete);
            assert!(!open_tasks);
        }
        other => panic!("not known: {other:?}"),
    }

    // A task queued through the other instance shows on the cheap path.
    two.queue_task(first.id, "Reboot", "<cwmp:Reboot/>", "test", None, at(55))
        .await
        .unwrap();
    assert!(matches!(
        one.record_inform(&key, &moved, true, at(60)).await.unwrap(),
        InformOutcome::Known {
            open_tasks: true,
            ..
        }
    ));

    // Deleted through the other instance: the remembered id is gone, and the device is
    // registered anew with its events, not written into a row that no longer exists.
    assert!(two.delete_device(first.id).await.unwrap());
    // Its events go with it (on PostgreSQL by the store itself: no foreign key does).
    assert!(one.device_events(first.id, 10).await.unwrap().is_empty());
    let outcome = one.record_inform(&key, &moved, true, at(70)).await.unwrap();
    let InformOutcome::Registered(again) = outcome else {
        panic!("not registered again: {outcome:?}");
    };
    assert_ne!(again.id, first.id);
    let device = one.device_by_key(&key).await.unwrap().expect("registered");
    assert_eq!(device.last_inform_at, at(70));
    let events = one.device_events(again.id, 10).await.unwrap();
    assert_eq!(events.len(), 1);
    db.cleanup().await;
}

/// A heartbeat from a remembered device is handed to the writer and settled later; one
/// whose device changed or went meanwhile is then recorded the full way, as of when it
/// came. Anything but a heartbeat is recorded before `begin_inform` returns.
async fn heartbeats_are_settled_after_their_answer(backend: Backend) {
    use app::store::InformStart;
    let TwoInstances {
        db,
        one,
        two,
        key,
        start,
    } = TwoInstances::new(backend, "H1").await;
    let at = |minutes: i64| start + Duration::minutes(minutes);
    let first = record(&one, &key, &inform("1.0", &[]), at(0)).await;
    let begin = |record: InformRecord, minutes: i64| {
        let (one, key) = (&one, &key);
        async move {
            one.begin_inform(key, record, true, at(minutes))
                .await
                .unwrap()
        }
    };

    let InformStart::Checking(check) = begin(inform("1.0", &[]), 10).await else {
        panic!("a heartbeat of a remembered device waits for nothing");
    };
    assert_eq!(check.device().id, first.id);
    assert!(matches!(
        one.finish_inform(*check).await.unwrap(),
        InformOutcome::Known {
            open_tasks: false,
            ..
        }
    ));
    let device = one.device_by_key(&key).await.unwrap().unwrap();
    assert_eq!(device.last_inform_at, at(10));
    assert_eq!(one.device_events(first.id, 10).await.unwrap().len(), 1);

    // Two heartbeats in flight at once (a session superseding another): the later stands.
    let (a, b) = (
        begin(inform("1.0", &[]), 11).await,
        begin(inform("1.0", &[]), 12).await,
    );
    for start in [a, b] {
        let InformStart::Checking(check) = start else {
            panic!("not deferred");
        };
        one.finish_inform(*check).await.unwrap();
    }
    let device = one.device_by_key(&key).await.unwrap().unwrap();
    assert_eq!(device.last_inform_at, at(12));

    // A boot is recorded before the answer.
    let mut booted = inform("1.0", &[]);
    booted.booted = true;
    booted.events = vec![("1 BOOT".into(), String::new())];
    assert!(matches!(
        begin(booted, 20).await,
        InformStart::Recorded(InformOutcome::Known { .. })
    ));
    assert_eq!(one.device_events(first.id, 10).await.unwrap().len(), 2);

    // Changed through the other instance: the check turns the write down, and the Inform
    // is stored as said, at the time it came.
    record(&two, &key, &inform("2.0", &[]), at(30)).await;
    let InformStart::Checking(check) = begin(inform("1.0", &[]), 40).await else {
        panic!("not deferred");
    };
    assert!(matches!(
        one.finish_inform(*check).await.unwrap(),
        InformOutcome::Known { .. }
    ));
    let device = one.device_by_key(&key).await.unwrap().unwrap();
    assert_eq!(device.software_version.as_deref(), Some("1.0"));
    assert_eq!(device.last_inform_at, at(40));
    assert_eq!(one.device_events(first.id, 10).await.unwrap().len(), 2);

    // Deleted meanwhile: registered anew, with its event.
    assert!(one.is_remembered(&key));
    assert!(two.delete_device(first.id).await.unwrap());
    let InformStart::Checking(check) = begin(inform("1.0", &[]), 50).await else {
        panic!("not deferred");
    };
    let InformOutcome::Registered(again) = one.finish_inform(*check).await.unwrap() else {
        panic!("not registered again");
    };
    assert_ne!(again.id, first.id);
    assert_eq!(one.device_events(again.id, 10).await.unwrap().len(), 1);
    db.cleanup().await;
}

/// A heartbeat (`2 PERIODIC`) leaves an event only when it ends a silence: the device's
/// online deadline had passed. Every other event is kept. The rule holds on each write
/// path: the remembered device's checked write, the writer's batch (an instance that does
/// not remember the device), and an Inform that changed values.
async fn a_heartbeat_leaves_an_event_only_after_a_silence(backend: Backend) {
    let TwoInstances {
        db,
        one,
        two,
        key,
        start,
    } = TwoInstances::new(backend, "Q1").await;
    // The interval is 10 minutes: online for 16 after an Inform (1.5 intervals and one).
    let at = |minutes: i64| start + Duration::minutes(minutes);
    let first = record(&one, &key, &inform("1.0", &[]), at(0)).await;
    let events = || async { one.device_events(first.id, 20).await.unwrap() };
    let heartbeats =
        |events: &[(String, String, chrono::DateTime<Utc>)]| -> Vec<chrono::DateTime<Utc>> {
            events
                .iter()
                .filter(|(code, _, _)| code == "2 PERIODIC")
                .map(|(_, _, at)| *at)
                .rev()
                .collect()
        };
    assert_eq!(
        heartbeats(&events().await),
        vec![at(0)],
        "a first Inform starts a run"
    );

    // The checked write of a remembered device: on time, then after a silence.
    record(&one, &key, &inform("1.0", &[]), at(10)).await;
    assert_eq!(heartbeats(&events().await), vec![at(0)]);
    record(&one, &key, &inform("1.0", &[]), at(40)).await;
    assert_eq!(heartbeats(&events().await), vec![at(0), at(40)]);

    // Other events are kept whatever the presence; their heartbeat is not, on time.
    let mut changed = inform("1.0", &[]);
    changed
        .events
        .push(("4 VALUE CHANGE".into(), String::new()));
    record(&one, &key, &changed, at(50)).await;
    let now = events().await;
    assert_eq!(heartbeats(&now), vec![at(0), at(40)]);
    assert_eq!((now[0].0.as_str(), now[0].2), ("4 VALUE CHANGE", at(50)));

    // The writer's batch: the other instance does not remember the device.
    record(&two, &key, &inform("1.0", &[]), at(60)).await;
    record(&two, &key, &inform("1.0", &[]), at(90)).await;
    assert_eq!(heartbeats(&events().await), vec![at(0), at(40), at(90)]);

    // An Inform with other values than the last: on time, then after a silence.
    record(&one, &key, &inform("2.0", &[]), at(100)).await;
    assert_eq!(heartbeats(&events().await), vec![at(0), at(40), at(90)]);
    record(&one, &key, &inform("3.0", &[]), at(200)).await;
    assert_eq!(
        heartbeats(&events().await),
        vec![at(0), at(40), at(90), at(200)]
    );

    // A time finer than PostgreSQL keeps (it stores microseconds): still a silence ended.
    let fine = at(300) + Duration::nanoseconds(123_456_789);
    record(&one, &key, &inform("4.0", &[]), fine).await;
    assert_eq!(heartbeats(&events().await).len(), 5);
    db.cleanup().await;
}

/// PostgreSQL's `device_event` has no foreign key (a lock on the device row per event);
/// SQLite's keeps its own. Down, PostgreSQL gets it back once the events it would refuse
/// are gone; up again, it is dropped again.
async fn events_carry_a_foreign_key_on_sqlite_only(backend: Backend) {
    use migrations::{Migrator, MigratorTrait};
    use sea_orm::{ConnectOptions, ConnectionTrait, Database, Statement};

    let db = TestDb::new(backend).await;
    let mut options = ConnectOptions::new(db.url.clone());
    if let Some(schema) = &db.schema {
        options.set_schema_search_path(schema.clone());
    }
    let raw = Database::connect(options).await.unwrap();
    let connection = &raw;
    let foreign_keys = move || async move {
        let sql = match backend {
            Backend::Sqlite => "SELECT COUNT(*) FROM pragma_foreign_key_list('device_event')",
            Backend::Postgres => {
                "SELECT COUNT(*) FROM pg_constraint \
                 WHERE conrelid = 'device_event'::regclass AND contype = 'f'"
            }
        };
        let row = connection
            .query_one_raw(Statement::from_string(
                connection.get_database_backend(),
                sql,
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    };
    Migrator::up(&raw, None).await.unwrap();
    let on_sqlite = i64::from(backend == Backend::Sqlite);
    assert_eq!(foreign_keys().await, on_sqlite);

    if backend == Backend::Postgres {
        // An event left behind by a device deleted while it informed.
        raw.execute_unprepared(
            "INSERT INTO device_event (device_id, at, code, command_key) \
             VALUES (4242, '2026-12-06T00:00:00Z', '2 PERIODIC', '')",
        )
        .await
        .unwrap();
    }
    // Down through migration 13 (the one after it, 14, goes first).
    Migrator::down(&raw, Some(2)).await.unwrap();
    assert_eq!(foreign_keys().await, 1);
    Migrator::up(&raw, None).await.unwrap();
    assert_eq!(foreign_keys().await, on_sqlite);
    drop(raw);
    db.cleanup().await;
}

on_both_databases!(informs_that_change_nothing_leave_the_tree_alone);
on_both_databases!(events_carry_a_foreign_key_on_sqlite_only);
on_both_databases!(presence_moves_out_of_the_device_row);
on_both_databases!(merges_patch_the_tree_field_by_field);
on_both_databases!(informs_arriving_together_are_each_stored);
on_both_databases!(the_cheap_path_follows_what_tasks_change);
on_both_databases!(remembered_devices_are_checked_by_the_database);
on_both_databases!(heartbeats_are_settled_after_their_answer);
on_both_databases!(a_heartbeat_leaves_an_event_only_after_a_silence);

/// The serial numbers of the devices `query` finds, sorted, and whether their count agrees.
async fn found(store: &Store, query: &str) -> Vec<String> {
    use app::store::{DeviceQuery, DeviceSort};
    let filter = app::inventory::query::parse(query).unwrap().unwrap();
    let now = Utc::now();
    let page = store
        .list_devices(&DeviceQuery {
            filter: Some(&filter),
            sort: DeviceSort::default(),
            after: None,
            limit: 100,
            now,
        })
        .await
        .unwrap();
    let mut serials: Vec<String> = page
        .devices
        .iter()
        .map(|listed| listed.device.key.serial_number.clone())
        .collect();
    serials.sort();
    let count = store
        .count_matching_devices(Some(&filter), now)
        .await
        .unwrap();
    assert_eq!(count, serials.len() as u64, "{query}: count and list agree");
    serials
}

/// Each query with the devices it must find, through the index and through the trees.
async fn assert_searches(store: &Store, cases: &[(&str, &[&str])]) {
    for (query, wanted) in cases {
        for index in [true, false] {
            store.use_parameter_index(index);
            assert_eq!(
                found(store, query).await,
                *wanted,
                "{query} (index read: {index})"
            );
        }
    }
    store.use_parameter_index(true);
}

const WAN_IP: &str = "Device.IP.Interface.1.IPv4Address.1.IPAddress";
const SSID: &str = "Device.WiFi.SSID.1.SSID";

async fn indexed_rows(store: &Store) -> i64 {
    use sea_orm::ConnectionTrait;
    let row = store
        .connection()
        .query_one_raw(sea_orm::Statement::from_string(
            store.connection().get_database_backend(),
            "SELECT COUNT(*) AS n FROM indexed_parameter",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "n").unwrap()
}

/// Searches on the indexed parameters (`store::INDEXED_PARAMETERS`) read `indexed_parameter`,
/// which every write of a tree keeps in step: a registration, an Inform with a new value, a
/// merge, a merge that deletes an object, a deleted device. Each answer is the one reading
/// the trees gives. A database whose devices were stored before the index is filled in the
/// background, and searches read the trees until then.
async fn searches_on_indexed_parameters_follow_the_tree(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = Store::open(&db.url, db.schema.as_deref()).await.unwrap();
    assert!(
        store.parameter_index_ready(),
        "an empty database is ready at once"
    );
    let key = |serial: &str| DeviceKey {
        oui: "00D09E".into(),
        product_class: "GW".into(),
        serial_number: serial.into(),
    };
    let start = Utc::now();
    let with_address = |address| inform("1.0", &[(WAN_IP, address)]);
    let a = record(&store, &key("A"), &with_address("198.51.100.1"), start).await;
    let b = record(&store, &key("B"), &with_address("198.51.100.2"), start).await;
    record(&store, &key("C"), &inform("1.0", &[]), start).await;
    let t = start.timestamp();
    for (device, ssid) in [(&a, "10"), (&b, "9")] {
        store
            .merge_parameters(
                device.id,
                &updates(&[(
                    SSID,
                    parameter(Some(ssid), Some("xsd:string"), Some(true), t),
                )]),
                true,
            )
            .await
            .unwrap();
    }
    let ip_a = format!("{WAN_IP} = 198.51.100.1");
    let ip_not_a = format!("{WAN_IP} != 198.51.100.1");
    let ip_prefix = format!("{WAN_IP} ~ 198.51.100.");
    let ip_pattern = format!("{WAN_IP} ~ \"/[.]2$/\"");
    let ip_a_or_ssid = format!("{WAN_IP} = 198.51.100.1 OR {SSID} = 9");
    let ssid_number = format!("{SSID} > 9");
    let ssid_text = format!("{SSID} = 9 AND product_class = GW");
    assert_searches(
        &store,
        &[
            (&ip_a, &["A"]),
            (&ip_not_a, &["B", "C"]),
            (&ip_prefix, &["A", "B"]),
            (&ip_pattern, &["B"]),
            (&ip_a_or_ssid, &["A", "B"]),
            (&ssid_number, &["A"]),
            (&ssid_text, &["B"]),
        ],
    )
    .await;

    // A's next Inform carries a new address: the old one finds nobody.
    let later = start + Duration::seconds(60);
    record(
        &store,
        &key("A"),
        &inform("1.0", &[(WAN_IP, "203.0.113.5")]),
        later,
    )
    .await;
    let ip_new = format!("{WAN_IP} = 203.0.113.5");
    assert_searches(&store, &[(&ip_a, &[]), (&ip_new, &["A"])]).await;

    // B's SSID object is deleted: its tree is written again, and so are its rows.
    let removal = TreeChanges {
        updates: Default::default(),
        removed: vec!["Device.WiFi.SSID.1.".to_owned()],
    };
    store.merge_parameters(b.id, &removal, false).await.unwrap();
    let ssid_any = format!("{SSID} ~ \"/./\"");
    assert_searches(&store, &[(&ssid_text, &[]), (&ssid_any, &["A"])]).await;

    // A deleted device takes its rows along (A: address and SSID; B: address).
    assert_eq!(indexed_rows(&store).await, 3);
    assert!(store.delete_device(a.id).await.unwrap());
    assert_eq!(indexed_rows(&store).await, 1);

    // Devices stored before the index: the rows and the note that it was filled are gone,
    // as after the migration on a database in use. Two instances start: both fill or wait,
    // and both then find what the trees say.
    {
        use sea_orm::ConnectionTrait;
        let raw = store.connection();
        raw.execute_unprepared("DELETE FROM indexed_parameter")
            .await
            .unwrap();
        raw.execute_unprepared("DELETE FROM setting WHERE key = 'parameter_index'")
            .await
            .unwrap();
    }
    drop(store);
    let first = Store::open(&db.url, db.schema.as_deref()).await.unwrap();
    let second = Store::open(&db.url, db.schema.as_deref()).await.unwrap();
    let ip_b = format!("{WAN_IP} = 198.51.100.2");
    for store in [&first, &second] {
        // Before the fill ends, searches read the trees: the answer is whole already.
        assert_eq!(found(store, &ip_b).await, ["B"]);
        let waiting = std::time::Instant::now();
        while !store.parameter_index_ready() {
            assert!(waiting.elapsed().as_secs() < 60, "the index is filled");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_searches(store, &[(&ip_b, &["B"]), (&ip_new, &[])]).await;
    }
    assert_eq!(indexed_rows(&first).await, 1);
    db.cleanup().await;
}

on_both_databases!(searches_on_indexed_parameters_follow_the_tree);
