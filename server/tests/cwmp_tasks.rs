//! Tasks carried out in devices' sessions: results and faults recorded, retries with
//! back-off for faults that retrying can cure, tasks surviving a restart.

mod common;

use app::{
    acs::tasks,
    cwmp::{
        FaultCode, Message,
        types::{ParameterValue, XsdType},
    },
    events::EventKind,
    store::{DeviceKey, Store, TaskStatus},
};
use chrono::{Duration, Utc};
use common::{Backend, TestDb, start_server};
use server::{
    sim::{
        client::{Chaos, Dice, SimClient},
        device::SimDevice,
        model::DataModel,
    },
    startup::Running,
};

async fn device_id(store: &Store, device: &SimDevice) -> i64 {
    let key = DeviceKey {
        oui: device.id.oui.clone(),
        product_class: device.id.product_class.clone(),
        serial_number: device.id.serial_number.clone(),
    };
    store
        .device_by_key(&key)
        .await
        .unwrap()
        .expect("registered")
        .id
}

/// Queues `request` for device `id`, as a person would through the API.
async fn queue(store: &Store, id: i64, request: Message) -> i64 {
    tasks::queue(store, id, &request, "test", None, Utc::now())
        .await
        .expect("queue a task")
        .expect("the device exists")
        .id
}

/// A started server and device `index`, registered by its first session.
async fn registered_device(
    backend: Backend,
    index: u32,
) -> (TestDb, Running, SimClient, SimDevice, Dice, i64) {
    let db = TestDb::new(backend).await;
    let running = start_server(&db, &[]).await;
    let client = SimClient::new(&format!("http://{}/", running.cwmp_address)).unwrap();
    let mut device = SimDevice::new(index, DataModel::Tr181);
    let mut dice = Dice::new(u64::from(index));
    client
        .run_session(&mut device, Chaos::default(), &mut dice)
        .await
        .unwrap();
    let id = device_id(&running.services.store, &device).await;
    (db, running, client, device, dice, id)
}

async fn tasks_are_carried_out_and_faults_kept(backend: Backend) {
    let (db, running, client, mut device, mut dice, id) = registered_device(backend, 1).await;
    let store = running.services.store.clone();

    let read = queue(
        &store,
        id,
        Message::GetParameterValues {
            names: vec!["Device.DeviceInfo.SoftwareVersion".into()],
        },
    )
    .await;
    let write = queue(
        &store,
        id,
        Message::SetParameterValues {
            parameters: vec![ParameterValue::new(
                "Device.WiFi.SSID.1.SSID",
                "Osprey Home",
                XsdType::String,
            )],
            parameter_key: "t1".into(),
        },
    )
    .await;
    let wrong = queue(
        &store,
        id,
        Message::GetParameterValues {
            names: vec!["Device.NoSuchThing".into()],
        },
    )
    .await;
    let reboot = queue(
        &store,
        id,
        Message::Reboot {
            command_key: "rb-1".into(),
        },
    )
    .await;

    let report = client
        .run_session(&mut device, Chaos::default(), &mut dice)
        .await
        .unwrap();
    assert_eq!(report.requests_answered, 4);

    let done = store.task(read).await.unwrap().unwrap();
    assert_eq!(done.status, TaskStatus::Done);
    match tasks::read_message(done.result.as_deref().unwrap()) {
        Some(Message::GetParameterValuesResponse { parameters }) => {
            assert_eq!(parameters[0].value, "1.0.0")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        store.task(write).await.unwrap().unwrap().status,
        TaskStatus::Done
    );
    assert_eq!(device.tree["Device.WiFi.SSID.1.SSID"].value, "Osprey Home");

    let refused = store.task(wrong).await.unwrap().unwrap();
    assert_eq!(
        refused.status,
        TaskStatus::Fault,
        "a wrong name is not retried"
    );
    assert_eq!(refused.fault_code, Some(9005));
    assert_eq!(refused.attempts, 1);

    assert_eq!(
        store.task(reboot).await.unwrap().unwrap().status,
        TaskStatus::Done
    );
    let Message::Inform(inform) = device.inform(Utc::now(), 0) else {
        panic!()
    };
    let codes: Vec<String> = inform
        .events
        .iter()
        .map(|e| e.code.as_text().into_owned())
        .collect();
    assert_eq!(
        codes,
        ["1 BOOT", "M Reboot"],
        "the device rebooted after the session"
    );

    running.shutdown().await;
    db.cleanup().await;
}

async fn faults_that_may_pass_are_retried_later(backend: Backend) {
    let db = TestDb::new(backend).await;
    let running = start_server(&db, &[]).await;
    let client = SimClient::new(&format!("http://{}/", running.cwmp_address)).unwrap();
    let store = running.services.store.clone();
    let mut device = SimDevice::new(2, DataModel::Tr098);
    let mut dice = Dice::new(2);
    client
        .run_session(&mut device, Chaos::default(), &mut dice)
        .await
        .unwrap();
    let id = device_id(&store, &device).await;

    let task = queue(
        &store,
        id,
        Message::GetParameterValues {
            names: vec!["InternetGatewayDevice.DeviceInfo.UpTime".into()],
        },
    )
    .await;
    let busy = Chaos {
        fault_percent: 100,
        drop_percent: 0,
    };
    client
        .run_session(&mut device, busy, &mut dice)
        .await
        .unwrap();
    let waiting = store.task(task).await.unwrap().unwrap();
    assert_eq!(waiting.status, TaskStatus::Queued);
    assert_eq!(
        (waiting.fault_code, waiting.attempts),
        (Some(FaultCode::INTERNAL_ERROR.0 as i32), 1)
    );
    let pause = waiting.next_attempt_at - Utc::now();
    assert!(
        pause > Duration::seconds(50) && pause <= Duration::seconds(60),
        "{pause}"
    );

    // Not due yet: the next session leaves it alone.
    let report = client
        .run_session(&mut device, Chaos::default(), &mut dice)
        .await
        .unwrap();
    assert_eq!(report.requests_answered, 0);

    // Once due, it goes out again and succeeds.
    store
        .record_task_fault(
            task,
            9002,
            "Internal error",
            Some(Utc::now() - Duration::seconds(1)),
            Utc::now(),
        )
        .await
        .unwrap();
    let report = client
        .run_session(&mut device, Chaos::default(), &mut dice)
        .await
        .unwrap();
    assert_eq!(report.requests_answered, 1);
    let done = store.task(task).await.unwrap().unwrap();
    assert_eq!((done.status, done.attempts), (TaskStatus::Done, 3));

    running.shutdown().await;
    db.cleanup().await;
}

async fn tasks_survive_a_restart(backend: Backend) {
    let db = TestDb::new(backend).await;
    let first = start_server(&db, &[]).await;
    let mut device = SimDevice::new(3, DataModel::Tr181);
    let mut dice = Dice::new(3);
    SimClient::new(&format!("http://{}/", first.cwmp_address))
        .unwrap()
        .run_session(&mut device, Chaos::default(), &mut dice)
        .await
        .unwrap();
    let id = device_id(&first.services.store, &device).await;
    let task = queue(&first.services.store, id, Message::FactoryReset).await;
    first.shutdown().await;

    let second = start_server(&db, &[]).await;
    SimClient::new(&format!("http://{}/", second.cwmp_address))
        .unwrap()
        .run_session(&mut device, Chaos::default(), &mut dice)
        .await
        .unwrap();
    assert_eq!(
        second
            .services
            .store
            .task(task)
            .await
            .unwrap()
            .unwrap()
            .status,
        TaskStatus::Done
    );
    second.shutdown().await;
    db.cleanup().await;
}

/// Whoever reacts to a task's "done" (a live page, an API caller) reads the values it set,
/// even while the device's session goes on.
async fn a_task_is_announced_after_its_values_are_stored(backend: Backend) {
    let (db, running, client, mut device, mut dice, id) = registered_device(backend, 2).await;
    let store = running.services.store.clone();
    let write = queue(
        &store,
        id,
        Message::SetParameterValues {
            parameters: vec![ParameterValue::new(
                "Device.WiFi.SSID.1.SSID",
                "Announced",
                XsdType::String,
            )],
            parameter_key: "t2".into(),
        },
    )
    .await;
    let mut events = running.services.events.subscribe();
    let reader = {
        let store = store.clone();
        tokio::spawn(async move {
            loop {
                let event = events.recv().await.expect("the bus");
                if event.kind == EventKind::TaskDone && event.task_id == Some(write) {
                    let tree = store.device_parameters(id).await.unwrap();
                    return tree
                        .get("Device.WiFi.SSID.1.SSID")
                        .and_then(|parameter| parameter.value.clone());
                }
            }
        })
    };
    client
        .run_session(&mut device, Chaos::default(), &mut dice)
        .await
        .unwrap();
    let seen = tokio::time::timeout(std::time::Duration::from_secs(30), reader)
        .await
        .expect("the task was announced")
        .unwrap();
    assert_eq!(seen.as_deref(), Some("Announced"));
    running.shutdown().await;
    db.cleanup().await;
}

on_both_databases!(
    tasks_are_carried_out_and_faults_kept,
    a_task_is_announced_after_its_values_are_stored,
    faults_that_may_pass_are_retried_later,
    tasks_survive_a_restart,
);
