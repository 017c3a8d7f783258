//! The portal's dashboard, device page and customer view through their server functions,
//! against a real server and simulated devices that can be woken, on SQLite and PostgreSQL:
//! what staff see and do on one device, that customers reach their own devices and nothing
//! else, and that the dashboard counts what devices do.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::{ADMIN_PASSWORD, Backend, Reply, TestDb, http, start_server};
use serde_json::{Value, json};
use server::{
    sim::{
        client::{Chaos, Dice, SimClient},
        device::SimDevice,
        model::DataModel,
        wakeable::WakeableDevice,
    },
    startup::Running,
};

/// Someone signed in to the portal.
struct Portal {
    base: String,
    cookie: String,
}

impl Portal {
    async fn sign_in(base: &str, username: &str, password: &str) -> Portal {
        let reply = http(
            "POST",
            &format!("{base}/api/login"),
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(format!("username={username}&password={password}")),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        Portal {
            base: base.to_owned(),
            cookie: reply.session_cookie().expect("a session cookie"),
        }
    }

    /// A server function with form-encoded arguments.
    async fn call(&self, function: &str, form: &str) -> Reply {
        http(
            "POST",
            &format!("{}/api/{function}", self.base),
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("accept", "application/json"),
                ("cookie", &self.cookie),
            ],
            Some(form.to_owned()),
        )
        .await
    }

    /// A server function with JSON arguments.
    async fn call_json(&self, function: &str, arguments: Value) -> Reply {
        http(
            "POST",
            &format!("{}/api/{function}", self.base),
            &[("accept", "application/json"), ("cookie", &self.cookie)],
            Some(arguments.to_string()),
        )
        .await
    }

    async fn get(&self, path: &str) -> Reply {
        http(
            "GET",
            &format!("{}{path}", self.base),
            &[("accept", "text/html"), ("cookie", &self.cookie)],
            None,
        )
        .await
    }

    /// Runs an action and waits until its task ends; returns the final progress.
    async fn run_until_done(&self, function: &str, arguments: Value) -> Value {
        let reply = self.call_json(function, arguments).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let task_id = reply.json()["task_id"].as_i64().expect("a task");
        let mut progress = Value::Null;
        for _ in 0..100 {
            progress = self
                .call("task_progress", &format!("task_id={task_id}"))
                .await
                .json();
            if matches!(
                progress["stage"].as_str(),
                Some("Done" | "Failed" | "Dropped")
            ) {
                return progress;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("task {task_id} did not end: {progress}");
    }
}

struct Fixture {
    running: Running,
    db: TestDb,
    client: SimClient,
    base: String,
    admin: Portal,
}

impl Fixture {
    async fn new(backend: Backend) -> Fixture {
        let db = TestDb::new(backend).await;
        let running = start_server(&db, &[]).await;
        let client = SimClient::new(&format!("http://{}/", running.cwmp_address)).unwrap();
        let base = format!("http://{}", running.ui_address);
        let admin = Portal::sign_in(&base, "admin", ADMIN_PASSWORD).await;
        Fixture {
            running,
            db,
            client,
            base,
            admin,
        }
    }

    async fn user(&self, username: &str, role: &str) -> Portal {
        let password = format!("{username}-password-1");
        let reply = self
            .admin
            .call(
                "create_user",
                &format!("username={username}&role={role}&password={password}"),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        Portal::sign_in(&self.base, username, &password).await
    }

    /// A device that can be woken, registered by its first session (the ACS gives it
    /// Connection Request credentials of its own then).
    async fn wakeable(&self, index: u32, model: DataModel) -> (WakeableDevice, i64) {
        let mut wakeable =
            WakeableDevice::spawn(self.client.clone(), SimDevice::new(index, model), None)
                .await
                .unwrap();
        wakeable
            .wait_for(Duration::from_secs(30), |report| report.sessions >= 1)
            .await
            .expect("the first session");
        let id = self.id_of(&*wakeable.device().await).await;
        (wakeable, id)
    }

    async fn id_of(&self, device: &SimDevice) -> i64 {
        common::registered_device_id(&self.running.services, device).await
    }

    async fn finish(self) {
        self.running.shutdown().await;
        self.db.cleanup().await;
    }
}

async fn staff_see_and_work_a_device(backend: Backend) {
    let fixture = Fixture::new(backend).await;
    let helpdesk = fixture.user("helen", "helpdesk").await;
    let customer = fixture.user("carol", "customer").await;
    let (mut wakeable, id) = fixture.wakeable(5, DataModel::Tr181).await;
    let serial = wakeable.device().await.id.serial_number.clone();

    // The summary and the overview.
    let reply = helpdesk.call("device_detail", &format!("id={id}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let detail = reply.json();
    assert_eq!(detail["serial_number"], serial.as_str());
    assert_eq!(detail["online"], true);
    assert_eq!(detail["wakeable"], true);
    assert_eq!(detail["data_model"], "TR-181 (Device:2)");
    assert!(
        detail["uptime"].as_str().unwrap().contains(" h "),
        "{detail}"
    );
    let overview = &detail["overview"];
    assert_eq!(overview["wifi"].as_array().unwrap().len(), 4, "{overview}");
    assert_eq!(overview["wifi"][1]["band"], "5 GHz", "{overview}");
    assert_eq!(overview["wan"][0]["facts"][0]["value"], "wan", "{overview}");
    assert_eq!(
        overview["lan"][0]["facts"][0]["value"], "br-lan",
        "{overview}"
    );

    // The tree, a level at a time, and searched.
    let reply = helpdesk
        .call("device_tree", &format!("id={id}&path=&search="))
        .await;
    assert_eq!(
        reply.json()["entries"][0]["name"],
        "Device.",
        "{}",
        reply.body
    );
    let reply = helpdesk
        .call(
            "device_tree",
            &format!("id={id}&path=Device.WiFi.SSID.1.&search="),
        )
        .await;
    let ssid = reply.json()["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "Device.WiFi.SSID.1.SSID")
        .cloned()
        .expect("the SSID parameter");
    assert_eq!(ssid["node"]["Parameter"]["writable"], true, "{ssid}");
    let reply = helpdesk
        .call("device_tree", &format!("id={id}&path=&search=home-5-"))
        .await;
    assert_eq!(reply.json()["entries"].as_array().unwrap().len(), 4);
    let reply = helpdesk
        .call("device_tree", &format!("id={id}&path=Device.WiFi&search="))
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);

    // An inline edit reaches the device at once (it is woken) and is stored.
    let progress = helpdesk
        .run_until_done(
            "run_device_action",
            json!({"id": id, "action": {"SetValue": {"name": "Device.WiFi.SSID.1.SSID", "value": "Helpdesk-Set"}}}),
        )
        .await;
    assert_eq!(progress["stage"], "Done", "{progress}");
    assert_eq!(
        wakeable.device().await.value_ending("WiFi.SSID.1.SSID"),
        Some("Helpdesk-Set")
    );
    let detail = helpdesk
        .call("device_detail", &format!("id={id}"))
        .await
        .json();
    assert_eq!(detail["overview"]["wifi"][0]["ssid"], "Helpdesk-Set");

    // Bad edits are refused in words before anything is queued.
    for (name, value, expected) in [
        (
            "Device.ManagementServer.PeriodicInformInterval",
            "soon",
            "whole number",
        ),
        ("Device.DeviceInfo.SerialNumber", "X", "read-only"),
    ] {
        let reply = helpdesk
            .call_json(
                "run_device_action",
                json!({"id": id, "action": {"SetValue": {"name": name, "value": value}}}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(reply.body.contains(expected), "{}", reply.body);
    }
    // A factory reset needs the serial number typed again.
    let reply = helpdesk
        .call_json(
            "run_device_action",
            json!({"id": id, "action": {"FactoryReset": {"confirm_serial": "nope"}}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("serial number"), "{}", reply.body);

    // A reboot: done, and the device comes back with "1 BOOT".
    let sessions = wakeable.report().sessions;
    let progress = helpdesk
        .run_until_done("run_device_action", json!({"id": id, "action": "Reboot"}))
        .await;
    assert_eq!(progress["stage"], "Done", "{progress}");
    wakeable
        .wait_for(Duration::from_secs(10), |report| {
            report.sessions >= sessions + 2
        })
        .await
        .expect("the device comes back after its reboot");
    let events = helpdesk
        .call("device_history", &format!("id={id}&kind=Events"))
        .await
        .json();
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["title"] == "1 BOOT"),
        "{events}"
    );
    let tasks = helpdesk
        .call("device_history", &format!("id={id}&kind=Tasks"))
        .await
        .json();
    let titles: Vec<&str> = tasks
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        ["Reboot · by helen", "SetParameterValues · by helen"],
        "{tasks}"
    );
    assert_eq!(tasks[1]["detail"], "Device.WiFi.SSID.1.SSID = Helpdesk-Set");

    // The page itself, server-rendered.
    let page = helpdesk.get(&format!("/devices/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [serial.as_str(), "Helpdesk-Set", "br-lan", "Factory reset"] {
        assert!(page.body.contains(text), "{text} missing from the page");
    }
    let missing = helpdesk.get("/devices/999999").await;
    assert!(missing.body.contains("There is no device 999999"));

    // Customers get none of it.
    assert_eq!(
        customer
            .call("device_detail", &format!("id={id}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        customer.get(&format!("/devices/{id}")).await.status,
        StatusCode::FORBIDDEN
    );
    wakeable.stop().await;
    fixture.finish().await;
}

async fn customers_reach_their_own_devices_only(backend: Backend) {
    let fixture = Fixture::new(backend).await;
    let carol = fixture.user("carol", "customer").await;
    let dave = fixture.user("dave", "customer").await;
    let helpdesk = fixture.user("helen", "helpdesk").await;
    let (mine, mine_id) = fixture.wakeable(7, DataModel::Tr098).await;
    let mut other = SimDevice::new(8, DataModel::Tr181);
    fixture
        .client
        .run_session(&mut other, Chaos::default(), &mut Dice::new(3))
        .await
        .unwrap();
    let other_id = fixture.id_of(&other).await;

    // Nothing linked yet.
    assert_eq!(carol.call("my_devices", "").await.json(), json!([]));
    // Only admins link accounts, and only customer accounts.
    let link = format!("id={mine_id}&username=carol");
    assert_eq!(
        helpdesk.call("link_customer", &link).await.status,
        StatusCode::FORBIDDEN
    );
    let reply = fixture
        .admin
        .call("link_customer", &format!("id={mine_id}&username=helen"))
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("no customer account"), "{}", reply.body);
    let reply = fixture.admin.call("link_customer", &link).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // Staff find a customer's devices by the customer's name.
    for (query, found) in [
        ("customer%20%3D%20Carol", 1),
        ("customer%20~%20car", 1),
        ("customer%20%3D%20dave", 0),
    ] {
        let listed = fixture
            .admin
            .call("list_devices", &format!("q={query}&sort="))
            .await
            .json();
        assert_eq!(
            listed["devices"].as_array().map(Vec::len),
            Some(found),
            "{query}: {listed}"
        );
    }

    let devices = carol.call("my_devices", "").await.json();
    assert_eq!(devices.as_array().unwrap().len(), 1, "{devices}");
    assert_eq!(devices[0]["id"], mine_id);
    assert_eq!(devices[0]["wifi"].as_array().unwrap().len(), 4);
    assert_eq!(devices[0]["wifi"][0]["can_set_password"], true);
    let staff_view = helpdesk
        .call("device_detail", &format!("id={mine_id}"))
        .await
        .json();
    assert_eq!(staff_view["customers"], json!(["carol"]));

    // Another customer's device, or none at all: the same refusal, everywhere.
    for id in [other_id, 999_999] {
        let reply = carol.call("my_device", &format!("id={id}")).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
        assert!(reply.body.contains("not linked to your account"));
        let reply = carol
            .call_json("run_customer_action", json!({"id": id, "action": "Reboot"}))
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
        let page = carol.get(&format!("/my/devices/{id}")).await;
        assert!(page.body.contains("not linked to your account"));
        let events = carol.get(&format!("/api/v1/events?device={id}")).await;
        assert_eq!(events.status, StatusCode::NOT_FOUND);
    }
    for path in [
        format!("/api/v1/devices/{other_id}"),
        format!("/api/v1/devices/{mine_id}/parameters"),
        "/api/v1/events".to_owned(),
    ] {
        let reply = carol.get(&path).await;
        assert!(
            matches!(reply.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{path}: {}",
            reply.status
        );
    }
    // A task on someone else's device is not theirs to follow.
    let other_task = fixture
        .admin
        .call_json(
            "run_device_action",
            json!({"id": other_id, "action": "Reboot"}),
        )
        .await
        .json()["task_id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        carol
            .call("task_progress", &format!("task_id={other_task}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The Wi-Fi password: checked, then set on the device.
    let reply = carol
        .call_json(
            "run_customer_action",
            json!({"id": mine_id, "action": {"SetWifiPassword": {"network": 0, "password": "short"}}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("8 to 63"), "{}", reply.body);
    let progress = carol
        .run_until_done(
            "run_customer_action",
            json!({"id": mine_id, "action": {"SetWifiPassword": {"network": 0, "password": "correct horse battery"}}}),
        )
        .await;
    assert_eq!(progress["stage"], "Done", "{progress}");
    assert_eq!(
        mine.device()
            .await
            .value_ending("WLANConfiguration.1.KeyPassphrase"),
        Some("correct horse battery")
    );
    let page = carol.get(&format!("/my/devices/{mine_id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Change password"));
    assert!(!page.body.contains("correct horse battery"));

    // A claim code links the other device to dave, once.
    let reply = helpdesk
        .call("create_claim_code", &format!("id={other_id}"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let code = reply.json()["code"].as_str().unwrap().to_owned();
    let serial = other.id.serial_number.clone();
    let wrong = dave
        .call(
            "claim_device",
            &format!("serial_number={serial}&code=AAAA-BBBB-CCCC"),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let typed = code.replace('-', "").to_lowercase();
    let reply = dave
        .call(
            "claim_device",
            &format!("serial_number={serial}&code={typed}"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json(), json!(other_id));
    assert_eq!(dave.call("my_devices", "").await.json()[0]["id"], other_id);
    let again = carol
        .call(
            "claim_device",
            &format!("serial_number={serial}&code={code}"),
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a code works once"
    );
    // Guessing is cut short.
    for _ in 0..10 {
        dave.call(
            "claim_device",
            &format!("serial_number={serial}&code=WRONG-CODE"),
        )
        .await;
    }
    let throttled = dave
        .call("claim_device", &format!("serial_number={serial}&code=x"))
        .await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);

    // Unlinking ends carol's access.
    let reply = fixture.admin.call("unlink_customer", &link).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        carol
            .call("my_device", &format!("id={mine_id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    mine.stop().await;
    fixture.finish().await;
}

async fn the_dashboard_counts_what_devices_do(backend: Backend) {
    let fixture = Fixture::new(backend).await;
    let helpdesk = fixture.user("helen", "helpdesk").await;
    let customer = fixture.user("carol", "customer").await;
    let mut devices: Vec<SimDevice> = (1..=3)
        .map(|index| SimDevice::new(index, DataModel::Tr098))
        .collect();
    for device in &mut devices {
        for _ in 0..2 {
            fixture
                .client
                .run_session(device, Chaos::default(), &mut Dice::new(3))
                .await
                .expect("a clean session");
        }
    }

    // The background job adds the counts every few seconds and counts the fleet again
    // once its last figures are 10 s old.
    let mut data = Value::Null;
    for _ in 0..300 {
        data = helpdesk.call("dashboard", "").await.json();
        let informs: u64 = data["informs_per_minute"]["values"]
            .as_array()
            .map(|values| values.iter().filter_map(Value::as_u64).sum())
            .unwrap_or(0);
        if data["figures"]["total"] == 3 && informs == 6 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let figures = &data["figures"];
    assert_eq!(figures["total"], 3, "{data}");
    assert_eq!(figures["online"], 3, "{data}");
    assert_eq!(figures["new_today"], 3, "{data}");
    assert_eq!(figures["discovered"], 3, "{data}");
    assert_eq!(figures["with_open_faults"], 0, "{data}");
    assert_eq!(figures["versions"][0]["devices"], 3, "{data}");
    assert_eq!(
        data["informs_per_minute"]["values"]
            .as_array()
            .unwrap()
            .len(),
        180
    );
    assert_eq!(
        data["faults_per_hour"]["values"].as_array().unwrap().len(),
        24
    );
    assert!(data["figures_at"].as_str().unwrap().ends_with(" UTC"));

    // The server-rendered page shows them; customers get neither.
    let page = helpdesk.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Software versions by product class"));
    assert_eq!(
        customer.call("dashboard", "").await.status,
        StatusCode::FORBIDDEN
    );
    fixture.finish().await;
}

async fn staff_act_on_many_devices_at_once(backend: Backend) {
    let fixture = Fixture::new(backend).await;
    let customer = fixture.user("carol", "customer").await;
    let mut ids = Vec::new();
    for index in 1..=3 {
        let mut device = SimDevice::new(index, DataModel::Tr181);
        fixture
            .client
            .run_session(&mut device, Chaos::default(), &mut Dice::new(5))
            .await
            .expect("a clean session");
        ids.push(common::registered_device_id(&fixture.running.services, &device).await);
    }
    let admin = &fixture.admin;
    let tag =
        |ids: &[i64], tag: &str| json!({ "ids": ids, "action": { "AddTag": { "tag": tag } } });

    let reply = admin
        .call_json("run_bulk_action", tag(&ids[..2], "north"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["applied"], 2);
    let listed = admin
        .call("list_devices", "q=tag%20%3D%20north&sort=")
        .await
        .json();
    assert_eq!(listed["devices"].as_array().unwrap().len(), 2, "{listed}");

    // A vanished device is reported, the others are done; reboots are queued as tasks.
    let mut with_missing = ids.clone();
    with_missing.push(999_999);
    let reply = admin
        .call_json(
            "run_bulk_action",
            json!({ "ids": with_missing, "action": "Reboot" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let outcome = reply.json();
    assert_eq!(outcome["applied"], 3, "{outcome}");
    assert_eq!(outcome["failed"][0], "device 999999: it no longer exists");
    for id in &ids {
        let tasks = admin
            .call("device_history", &format!("id={id}&kind=Tasks"))
            .await
            .json();
        assert!(tasks.to_string().contains("Reboot"), "{tasks}");
    }

    // Bad requests get words, not a partial change.
    for (arguments, message) in [
        (
            json!({ "ids": [], "action": "Reboot" }),
            "Select at least one device.",
        ),
        (tag(&ids, "no spaces"), "is not a tag"),
        (
            json!({ "ids": (1..=1001).collect::<Vec<i64>>(), "action": "Refresh" }),
            "At most 1000 devices at once.",
        ),
    ] {
        let reply = admin.call_json("run_bulk_action", arguments).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.body
        );
        assert!(reply.body.contains(message), "{}", reply.body);
    }
    assert_eq!(
        customer
            .call_json("run_bulk_action", tag(&ids, "mine"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    fixture.finish().await;
}

on_both_databases!(
    staff_see_and_work_a_device,
    customers_reach_their_own_devices_only,
    the_dashboard_counts_what_devices_do,
    staff_act_on_many_devices_at_once
);
