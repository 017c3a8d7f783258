//! Real CWMP sessions over HTTP: the server on port 0, simulated devices from this process.

mod common;

use std::sync::Arc;

use app::store::DeviceKey;
use common::{Backend, TestDb, start_server};
use server::{
    sim::{
        client::{Chaos, Dice, SimClient},
        device::SimDevice,
        model::DataModel,
    },
    startup::Running,
};
use tokio::{sync::Semaphore, task::JoinSet};

/// Runs `cycles` sessions for each of `count` devices, `concurrency` at a time; returns
/// the devices and the number of failed sessions.
async fn run_fleet(
    url: &str,
    count: u32,
    cycles: u32,
    concurrency: usize,
) -> (Vec<SimDevice>, Vec<String>) {
    let client = SimClient::new(url).unwrap();
    let limit = Arc::new(Semaphore::new(concurrency));
    let mut devices: Vec<SimDevice> = (0..count)
        .map(|i| {
            SimDevice::new(
                i,
                if i % 2 == 0 {
                    DataModel::Tr098
                } else {
                    DataModel::Tr181
                },
            )
        })
        .collect();
    let mut errors = Vec::new();
    for cycle in 0..cycles {
        let mut tasks = JoinSet::new();
        for (index, mut device) in devices.drain(..).enumerate() {
            let client = client.clone();
            let limit = limit.clone();
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await.unwrap();
                let mut dice = Dice::new(u64::from(cycle) * 1_000_003 + index as u64);
                let outcome = client
                    .run_session(&mut device, Chaos::default(), &mut dice)
                    .await;
                (index, device, outcome)
            });
        }
        let mut finished = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            let (index, device, outcome) = joined.expect("session task");
            if let Err(error) = outcome {
                errors.push(format!("{}: {error}", device.id.serial_number));
            }
            finished.push((index, device));
        }
        finished.sort_by_key(|(index, _)| *index);
        devices = finished.into_iter().map(|(_, device)| device).collect();
    }
    (devices, errors)
}

fn cwmp_url(running: &Running) -> String {
    format!("http://{}/", running.cwmp_address)
}

async fn a_fleet_bootstraps_and_informs_periodically(backend: Backend) {
    let db = TestDb::new(backend).await;
    let running = start_server(&db, &[]).await;
    let count = 1_000;
    let (devices, errors) = run_fleet(&cwmp_url(&running), count, 3, 32).await;
    assert!(
        errors.is_empty(),
        "{} failed sessions, e.g. {:?}",
        errors.len(),
        &errors[..errors.len().min(5)]
    );

    let store = &running.services.store;
    assert_eq!(store.count_devices().await.unwrap(), u64::from(count));
    assert_eq!(
        store.count_complete_devices().await.unwrap(),
        u64::from(count),
        "every tree stored"
    );
    for device in devices.iter().step_by(97) {
        let key = DeviceKey {
            oui: device.id.oui.clone(),
            product_class: device.id.product_class.clone(),
            serial_number: device.id.serial_number.clone(),
        };
        let stored = store
            .device_by_key(&key)
            .await
            .unwrap()
            .expect("registered");
        assert!(stored.last_boot_at.is_some());
        assert!(stored.software_version.as_deref() == Some("1.0.0"));
        let tree = store.device_parameters(stored.id).await.unwrap();
        for (name, parameter) in &device.tree {
            let kept = tree.get(name).unwrap_or_else(|| panic!("{name} missing"));
            // Passwords read back empty (the ACS set a Connection Request password at
            // BOOTSTRAP; it is kept apart, not in the tree).
            let expected = if name.ends_with("Password") {
                ""
            } else {
                parameter.value.as_str()
            };
            assert_eq!(kept.value.as_deref(), Some(expected), "{name}");
            assert_eq!(kept.writable, Some(parameter.writable), "{name}");
        }
        let events = store.device_events(stored.id, 10).await.unwrap();
        let codes: Vec<&str> = events.iter().map(|(code, _, _)| code.as_str()).collect();
        // The heartbeats of a device online leave no event (its presence has the time).
        assert_eq!(codes, ["1 BOOT", "0 BOOTSTRAP"]);
    }
    assert_eq!(running.cwmp_live_sessions(), 0, "every session ended");
    running.shutdown().await;
    db.cleanup().await;
}

/// A device that reports `0 BOOTSTRAP` again (factory reset) has its tree read again; a
/// periodic session of a known device asks for nothing.
async fn a_bootstrap_rereads_the_tree(backend: Backend) {
    use app::cwmp::Message;
    let db = TestDb::new(backend).await;
    let running = start_server(&db, &[]).await;
    let client = SimClient::new(&cwmp_url(&running)).unwrap();
    let mut device = SimDevice::new(5, DataModel::Tr181);
    let mut dice = Dice::new(5);
    let first = client
        .run_session(&mut device, Chaos::default(), &mut dice)
        .await
        .unwrap();
    assert!(
        first.requests_answered >= 2,
        "names, then values: {first:?}"
    );
    let periodic = client
        .run_session(&mut device, Chaos::default(), &mut dice)
        .await
        .unwrap();
    assert_eq!(periodic.requests_answered, 0);

    device.answer(&Message::FactoryReset);
    device.session_succeeded();
    let again = client
        .run_session(&mut device, Chaos::default(), &mut dice)
        .await
        .unwrap();
    assert_eq!(again.requests_answered, first.requests_answered);
    assert_eq!(
        running
            .services
            .store
            .count_complete_devices()
            .await
            .unwrap(),
        1
    );
    running.shutdown().await;
    db.cleanup().await;
}

/// A heartbeat is answered before its write commits. A device that never comes back for
/// the rest of its session still has it recorded: the session that supersedes it settles
/// it, and a session's next POST waits for it before going on.
async fn an_abandoned_heartbeat_is_recorded(backend: Backend) {
    use app::cwmp::{CwmpVersion, encode, envelope::Header};
    let db = TestDb::new(backend).await;
    let running = start_server(&db, &[]).await;
    let url = cwmp_url(&running);
    let client = SimClient::new(&url).unwrap();
    let mut device = SimDevice::new(9, DataModel::Tr181);
    let mut dice = Dice::new(9);
    for _ in 0..2 {
        client
            .run_session(&mut device, Chaos::default(), &mut dice)
            .await
            .unwrap();
    }
    let store = &running.services.store;
    let key = app::store::DeviceKey {
        oui: device.id.oui.clone(),
        product_class: device.id.product_class.clone(),
        serial_number: device.id.serial_number.clone(),
    };
    let last_inform = || async {
        let stored = store
            .device_by_key(&key)
            .await
            .unwrap()
            .expect("registered");
        stored.last_inform_at
    };
    let before = last_inform().await;

    // The Inform alone: answered, and the device goes quiet.
    let inform = device.inform(chrono::Utc::now(), 0);
    let header = Header {
        id: Some("1".to_owned()),
        ..Header::default()
    };
    let reply = common::http(
        "POST",
        &url,
        &[("content-type", "text/xml")],
        Some(encode(CwmpVersion::V1_2, &header, Some(&inform))),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.contains("InformResponse"), "{}", reply.body);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while last_inform().await == before {
        assert!(std::time::Instant::now() < deadline, "never recorded");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(running.cwmp_live_sessions(), 1, "the quiet session waits");

    // Its next session supersedes the quiet one, which is settled.
    let abandoned = last_inform().await;
    client
        .run_session(&mut device, Chaos::default(), &mut dice)
        .await
        .unwrap();
    assert!(last_inform().await > abandoned);
    assert_eq!(running.cwmp_live_sessions(), 0, "every session ended");
    running.shutdown().await;
    db.cleanup().await;
}

on_both_databases!(
    a_fleet_bootstraps_and_informs_periodically,
    a_bootstrap_rereads_the_tree,
    an_abandoned_heartbeat_is_recorded,
);
