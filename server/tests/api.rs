//! The REST API against a real server and simulated devices, on SQLite and PostgreSQL:
//! authentication and roles, the device list and its query language, every task kind from
//! queue to result, waiting, cancel/retry/faults, events, bad input.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::{ADMIN_PASSWORD, Backend, Reply, TestDb, http, http_response, start_server};
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

/// A client of the API with one credential.
struct Api {
    base: String,
    authorization: Option<String>,
    cookie: Option<String>,
}

impl Api {
    fn headers(&self) -> Vec<(&str, &str)> {
        let mut headers = vec![("accept", "application/json")];
        if let Some(value) = &self.authorization {
            headers.push(("authorization", value));
        }
        if let Some(value) = &self.cookie {
            headers.push(("cookie", value));
        }
        headers
    }

    async fn get(&self, path: &str) -> Reply {
        http(
            "GET",
            &format!("{}{path}", self.base),
            &self.headers(),
            None,
        )
        .await
    }

    async fn post(&self, path: &str, body: Value) -> Reply {
        http(
            "POST",
            &format!("{}{path}", self.base),
            &self.headers(),
            Some(body.to_string()),
        )
        .await
    }

    async fn put(&self, path: &str, body: Value) -> Reply {
        http(
            "PUT",
            &format!("{}{path}", self.base),
            &self.headers(),
            Some(body.to_string()),
        )
        .await
    }

    async fn delete(&self, path: &str) -> Reply {
        http(
            "DELETE",
            &format!("{}{path}", self.base),
            &self.headers(),
            None,
        )
        .await
    }
}

/// Signs in to the portal over HTTP; returns the cookie.
async fn sign_in(base: &str, username: &str, password: &str) -> String {
    let reply = http(
        "POST",
        &format!("{base}/api/login"),
        &[("content-type", "application/x-www-form-urlencoded")],
        Some(format!("username={username}&password={password}")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.session_cookie().expect("a session cookie")
}

/// Creates an API token through the admin's server function; returns its secret.
async fn create_token(base: &str, admin_cookie: &str, name: &str, role: &str) -> Reply {
    http(
        "POST",
        &format!("{base}/api/create_api_token"),
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("cookie", admin_cookie),
        ],
        Some(format!("name={name}&role={role}")),
    )
    .await
}

struct Fixture {
    running: Running,
    db: TestDb,
    client: SimClient,
    base: String,
    admin_cookie: String,
    admin: Api,
}

impl Fixture {
    async fn new(backend: Backend) -> Fixture {
        Fixture::with_settings(backend, &[]).await
    }

    async fn with_settings(backend: Backend, settings: &[(&'static str, &str)]) -> Fixture {
        let db = TestDb::new(backend).await;
        let running = start_server(&db, settings).await;
        let client = SimClient::new(&format!("http://{}/", running.cwmp_address)).unwrap();
        let base = format!("http://{}", running.ui_address);
        let admin_cookie = sign_in(&base, "admin", ADMIN_PASSWORD).await;
        let reply = create_token(&base, &admin_cookie, "tests", "admin").await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let secret = reply.json()["secret"].as_str().unwrap().to_owned();
        let admin = Api {
            base: base.clone(),
            authorization: Some(format!("Bearer {secret}")),
            cookie: None,
        };
        Fixture {
            running,
            db,
            client,
            base,
            admin_cookie,
            admin,
        }
    }

    fn anonymous(&self) -> Api {
        Api {
            base: self.base.clone(),
            authorization: None,
            cookie: None,
        }
    }

    async fn token(&self, name: &str, role: &str) -> Api {
        let reply = create_token(&self.base, &self.admin_cookie, name, role).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        Api {
            base: self.base.clone(),
            authorization: Some(format!(
                "Bearer {}",
                reply.json()["secret"].as_str().unwrap()
            )),
            cookie: None,
        }
    }

    /// Runs one session of `device`; returns how many requests it answered.
    async fn session(&self, device: &mut SimDevice) -> u32 {
        self.client
            .run_session(device, Chaos::default(), &mut Dice::new(7))
            .await
            .expect("a clean session")
            .requests_answered
    }

    async fn id_of(&self, device: &SimDevice) -> i64 {
        common::registered_device_id(&self.running.services, device).await
    }

    async fn finish(self) {
        self.running.shutdown().await;
        self.db.cleanup().await;
    }
}

fn error_of(reply: &Reply) -> (String, Option<String>) {
    let json = reply.json();
    (
        json["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        json["error"]["field"].as_str().map(str::to_owned),
    )
}

async fn callers_are_authenticated_and_role_checked(backend: Backend) {
    let fixture = Fixture::new(backend).await;
    let mut device = SimDevice::new(1, DataModel::Tr181);
    fixture.session(&mut device).await;
    let id = fixture.id_of(&device).await;

    let nobody = fixture.anonymous().get("/api/v1/devices").await;
    assert_eq!(nobody.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_of(&nobody).0, "unauthenticated");

    let forged = Api {
        authorization: Some(format!("Bearer osp_{}", "0".repeat(40))),
        ..fixture.anonymous()
    };
    assert_eq!(
        forged.get("/api/v1/devices").await.status,
        StatusCode::UNAUTHORIZED
    );
    let basic = Api {
        authorization: Some("Basic YWRtaW46eA==".into()),
        ..fixture.anonymous()
    };
    assert_eq!(
        basic.get("/api/v1/devices").await.status,
        StatusCode::UNAUTHORIZED
    );

    // The portal's session works too, and a customer may not use the API.
    let session = Api {
        cookie: Some(fixture.admin_cookie.clone()),
        ..fixture.anonymous()
    };
    assert_eq!(
        session.get("/api/v1/devices/count").await.status,
        StatusCode::OK
    );
    let reply = http(
        "POST",
        &format!("{}/api/create_user", fixture.base),
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("cookie", &fixture.admin_cookie),
        ],
        Some("username=carol&role=customer&password=carol-password-1".into()),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let customer = Api {
        cookie: Some(sign_in(&fixture.base, "carol", "carol-password-1").await),
        ..fixture.anonymous()
    };
    assert_eq!(
        customer.get("/api/v1/devices").await.status,
        StatusCode::FORBIDDEN
    );

    // Helpdesk reads and queues, but deletes nothing.
    let helpdesk = fixture.token("helpdesk-bot", "helpdesk").await;
    assert_eq!(
        helpdesk.get(&format!("/api/v1/devices/{id}")).await.status,
        StatusCode::OK
    );
    let refused = helpdesk.delete(&format!("/api/v1/devices/{id}")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(error_of(&refused).0, "forbidden");
    let customer_token = create_token(&fixture.base, &fixture.admin_cookie, "c", "customer").await;
    assert_eq!(customer_token.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Revoked tokens stop working at once; the last use is recorded.
    let tokens = fixture
        .running
        .services
        .store
        .list_api_tokens()
        .await
        .unwrap();
    let bot = tokens.iter().find(|t| t.name == "helpdesk-bot").unwrap();
    assert!(bot.last_used_at.is_some());
    let reply = http(
        "POST",
        &format!("{}/api/revoke_api_token", fixture.base),
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("cookie", &fixture.admin_cookie),
        ],
        Some(format!("id={}", bot.id)),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        helpdesk.get("/api/v1/devices").await.status,
        StatusCode::UNAUTHORIZED
    );

    // Changes are audited under the token's name.
    assert_eq!(
        fixture
            .admin
            .delete(&format!("/api/v1/devices/{id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        fixture
            .admin
            .get(&format!("/api/v1/devices/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let audit = fixture
        .running
        .services
        .store
        .audit_page(None, 20)
        .await
        .unwrap();
    let deleted = audit
        .iter()
        .find(|e| e.action == "device_deleted")
        .expect("audited");
    assert_eq!(deleted.actor, "token:tests");
    assert_eq!(
        deleted.target.as_deref(),
        Some(format!("device:{id}").as_str())
    );
    assert!(audit.iter().any(|e| e.action == "api_token_revoked"));
    fixture.finish().await;
}

/// Registers devices 1..=count, alternating data models; returns them.
async fn fleet(fixture: &Fixture, count: u32) -> Vec<SimDevice> {
    let mut devices = Vec::new();
    for index in 1..=count {
        let model = if index % 2 == 0 {
            DataModel::Tr098
        } else {
            DataModel::Tr181
        };
        let mut device = SimDevice::new(index, model);
        fixture.session(&mut device).await;
        devices.push(device);
    }
    devices
}

fn serials(reply: &Reply) -> Vec<String> {
    reply.json()["devices"]
        .as_array()
        .unwrap_or_else(|| panic!("a device page: {}", reply.body))
        .iter()
        .map(|d| d["serial_number"].as_str().unwrap().to_owned())
        .collect()
}

/// Every device of the list sorted by `sort`, walked page by page (four to a page).
async fn every_page(api: &Api, sort: &str) -> Vec<serde_json::Value> {
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = api
            .get(&format!(
                "/api/v1/devices?sort={sort}&limit=4&cursor={cursor}"
            ))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let devices = page.json()["devices"].as_array().cloned();
        seen.extend(devices.unwrap_or_else(|| panic!("a device page: {}", page.body)));
        match page.json()["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    seen
}

fn encode(query: &str) -> String {
    query
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn devices_are_listed_filtered_paged_and_exported(backend: Backend) {
    let fixture = Fixture::new(backend).await;
    let devices = fleet(&fixture, 6).await;
    let api = &fixture.admin;
    let serial = |i: usize| devices[i].id.serial_number.clone();
    let first = fixture.id_of(&devices[0]).await;
    let reply = api
        .post(
            &format!("/api/v1/devices/{first}/tags"),
            json!({"add": ["vip", "region:north"]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["tags"], json!(["region:north", "vip"]));

    // Paging walks every device once, in order, whatever the page size.
    let serial_of =
        |device: &serde_json::Value| device["serial_number"].as_str().unwrap().to_owned();
    let seen: Vec<String> = every_page(api, "-serial_number")
        .await
        .iter()
        .map(serial_of)
        .collect();
    let mut expected: Vec<String> = (0..6).map(serial).collect();
    expected.sort();
    expected.reverse();
    assert_eq!(seen, expected);

    // And by last inform (kept in `device_presence`): newest first, each device once.
    let by_last_inform = every_page(api, "-last_inform").await;
    let times: Vec<_> = by_last_inform
        .iter()
        .map(|device| {
            let at = device["last_inform_at"].as_str().unwrap();
            chrono::DateTime::parse_from_rfc3339(at).unwrap()
        })
        .collect();
    let mut seen: Vec<String> = by_last_inform.iter().map(serial_of).collect();
    seen.sort();
    expected.reverse();
    assert_eq!(seen, expected);
    assert!(times.windows(2).all(|pair| pair[0] >= pair[1]), "{times:?}");

    // The query language, on summary fields, tags, online state and parameter values.
    let tr181: Vec<String> = (0..6).step_by(2).map(serial).collect();
    let cases: Vec<(String, Vec<String>)> = vec![
        (format!("serial = {}", serial(1)), vec![serial(1)]),
        (format!("serial != {}", serial(1)), (0..6).filter(|i| *i != 1).map(serial).collect()),
        ("tag = vip".into(), vec![serial(0)]),
        ("tag ~ region".into(), vec![serial(0)]),
        ("tag != vip".into(), (1..6).map(serial).collect()),
        ("data_model = Device".into(), tr181.clone()),
        ("online = true AND last_inform > -1h".into(), (0..6).map(serial).collect()),
        ("online = false OR registered < 2000-01-01".into(), vec![]),
        ("online = true AND data_model = Device".into(), tr181.clone()),
        ("NOT (online = false) AND last_inform > 2000-01-01".into(), (0..6).map(serial).collect()),
        ("Device.DeviceInfo.SoftwareVersion = 1.0.0".into(), tr181.clone()),
        ("Device.ManagementServer.PeriodicInformInterval >= 60 AND Device.ManagementServer.PeriodicInformInterval < 100000".into(), tr181.clone()),
        ("InternetGatewayDevice.DeviceInfo.SoftwareVersion ~ 1.".into(), (1..6).step_by(2).map(serial).collect()),
        (format!("serial ~ \"/{}$/\"", &serial(3)[serial(3).len() - 3..]), vec![serial(3)]),
        (format!("serial ~ {}", &serial(3)[..serial(3).len() - 1]), (0..6).map(serial).collect()),
        (format!("serial ~ {}", serial(3)), vec![serial(3)]),
        ("ip_address ~ 100.".into(), (0..6).map(serial).collect()),
        ("serial ~ ZZZ".into(), vec![]),
        (format!("NOT (serial = {} OR serial = {})", serial(0), serial(1)), (2..6).map(serial).collect()),
        (format!("id = {first}"), vec![serial(0)]),
    ];
    for (query, mut wanted) in cases {
        let reply = api
            .get(&format!(
                "/api/v1/devices?sort=serial_number&q={}",
                encode(&query)
            ))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.body);
        wanted.sort();
        assert_eq!(serials(&reply), wanted, "{query}");
        let count = api
            .get(&format!("/api/v1/devices/count?q={}", encode(&query)))
            .await;
        assert_eq!(count.json()["count"], json!(wanted.len()), "{query}");
    }

    // One device, its parameters (a subtree), the CSV export.
    let one = api.get(&format!("/api/v1/devices/{first}")).await.json();
    assert_eq!(one["serial_number"], json!(serial(0)));
    assert_eq!(one["online"], json!(true));
    let subtree = api
        .get(&format!(
            "/api/v1/devices/{first}/parameters?path=Device.DeviceInfo."
        ))
        .await;
    assert_eq!(subtree.status, StatusCode::OK, "{}", subtree.body);
    let parameters = subtree.json()["parameters"].as_array().unwrap().clone();
    assert!(parameters.len() > 3);
    assert!(parameters.iter().all(|p| {
        p["name"]
            .as_str()
            .unwrap()
            .starts_with("Device.DeviceInfo.")
    }));
    let version = parameters
        .iter()
        .find(|p| p["name"] == "Device.DeviceInfo.SoftwareVersion")
        .unwrap();
    assert_eq!(version["value"], "1.0.0");
    assert_eq!(version["type"], "xsd:string");
    assert_eq!(version["writable"], false);
    assert!(version["read_at"].is_string());

    let csv = api
        .get(&format!(
            "/api/v1/devices/export.csv?q={}&sort=serial_number&columns=Device.DeviceInfo.SoftwareVersion",
            encode("data_model = Device")
        ))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 1 + tr181.len(), "{}", csv.body);
    assert!(lines[0].starts_with("id,oui,product_class,serial_number"));
    assert!(lines[0].ends_with(",tags,Device.DeviceInfo.SoftwareVersion"));
    assert!(
        lines[1].contains(&serial(0)) && lines[1].ends_with(",region:north vip,1.0.0"),
        "{}",
        lines[1]
    );
    fixture.finish().await;
}

async fn bad_input_gets_a_clear_error(backend: Backend) {
    let fixture = Fixture::new(backend).await;
    let mut device = SimDevice::new(1, DataModel::Tr181);
    fixture.session(&mut device).await;
    let id = fixture.id_of(&device).await;
    let api = &fixture.admin;
    let tasks = format!("/api/v1/devices/{id}/tasks");
    let cases: Vec<(Reply, StatusCode, Option<&str>)> = vec![
        (api.get("/api/v1/devices?q=serial%20%3D").await, StatusCode::UNPROCESSABLE_ENTITY, Some("q")),
        (api.get("/api/v1/devices?q=colour%3Dred").await, StatusCode::UNPROCESSABLE_ENTITY, Some("q")),
        (api.get("/api/v1/devices?limit=100000").await, StatusCode::UNPROCESSABLE_ENTITY, Some("limit")),
        (api.get("/api/v1/devices?limit=abc").await, StatusCode::UNPROCESSABLE_ENTITY, Some("limit")),
        (api.get("/api/v1/devices?sort=colour").await, StatusCode::UNPROCESSABLE_ENTITY, Some("sort")),
        (api.get("/api/v1/devices?cursor=zzzz").await, StatusCode::UNPROCESSABLE_ENTITY, Some("cursor")),
        (api.get("/api/v1/devices/abc").await, StatusCode::UNPROCESSABLE_ENTITY, Some("id")),
        (api.get("/api/v1/devices/999999").await, StatusCode::NOT_FOUND, None),
        (api.get(&format!("/api/v1/devices/{id}/parameters?path=Device..X")).await, StatusCode::UNPROCESSABLE_ENTITY, Some("path")),
        (api.get("/api/v1/nothing/here").await, StatusCode::NOT_FOUND, None),
        (api.post("/api/v1/devices/999999/tasks", json!({"kind": "reboot"})).await, StatusCode::NOT_FOUND, None),
        (api.post("/api/v1/devices/999999/tasks", json!({"kind": "get", "names": ["Device."]})).await, StatusCode::NOT_FOUND, None),
        (
            api.post("/api/v1/devices/999999/tasks", json!({"kind": "set", "values": [{"name": "Device.X", "value": "1"}]})).await,
            StatusCode::NOT_FOUND,
            None,
        ),
        (api.post(&tasks, json!({"kind": "explode"})).await, StatusCode::UNPROCESSABLE_ENTITY, Some("body")),
        (api.post(&tasks, json!({"kind": "get", "names": ["Device..X"]})).await, StatusCode::UNPROCESSABLE_ENTITY, Some("names[0]")),
        (
            api.post(&tasks, json!({"kind": "set", "values": [{"name": "Device.ManagementServer.PeriodicInformInterval", "value": "soon"}]})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("values[0].value"),
        ),
        (
            api.post(&tasks, json!({"kind": "set", "values": [{"name": "Device.DeviceInfo.SerialNumber", "value": "X"}]})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("values[0].name"),
        ),
        (api.post(&format!("{tasks}?wait=9999"), json!({"kind": "reboot"})).await, StatusCode::UNPROCESSABLE_ENTITY, Some("wait")),
        (api.post(&format!("/api/v1/devices/{id}/tags"), json!({"add": ["two words"]})).await, StatusCode::UNPROCESSABLE_ENTITY, Some("add[0]")),
        (api.get("/api/v1/tasks?status=sleeping").await, StatusCode::UNPROCESSABLE_ENTITY, Some("status")),
        (api.get("/api/v1/events?kind=weather").await, StatusCode::UNPROCESSABLE_ENTITY, Some("kind")),
        (api.post("/api/v1/tasks/999999/cancel", json!({})).await, StatusCode::NOT_FOUND, None),
    ];
    for (i, (reply, status, field)) in cases.into_iter().enumerate() {
        assert_eq!(reply.status, status, "case {i}: {}", reply.body);
        let (code, named) = error_of(&reply);
        assert!(!code.is_empty(), "case {i}: {}", reply.body);
        assert!(
            !reply.json()["error"]["message"]
                .as_str()
                .unwrap()
                .is_empty()
        );
        assert_eq!(named.as_deref(), field, "case {i}: {}", reply.body);
    }
    // Not JSON at all.
    let raw = http(
        "POST",
        &format!("{}{tasks}", fixture.base),
        &[
            (
                "authorization",
                fixture.admin.authorization.as_deref().unwrap(),
            ),
            ("content-type", "text/plain"),
        ],
        Some("reboot please".into()),
    )
    .await;
    assert_eq!(
        raw.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "{}",
        raw.body
    );
    let broken = api.post(&tasks, Value::String("{".into())).await;
    assert_eq!(
        broken.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        broken.body
    );
    fixture.finish().await;
}

/// Queues a task; returns its id.
async fn queue(api: &Api, device_id: i64, spec: Value) -> i64 {
    let reply = api
        .post(&format!("/api/v1/devices/{device_id}/tasks"), spec.clone())
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{spec}: {}", reply.body);
    assert_eq!(reply.json()["status"], "queued");
    reply.json()["id"].as_i64().unwrap()
}

async fn every_task_kind_reaches_the_device(backend: Backend) {
    let fixture = Fixture::new(backend).await;
    let mut device = SimDevice::new(3, DataModel::Tr181);
    fixture.session(&mut device).await;
    let id = fixture.id_of(&device).await;
    let api = &fixture.admin;
    let specs = [
        json!({"kind": "get", "names": ["Device.DeviceInfo."]}),
        json!({"kind": "set", "values": [{"name": "Device.WiFi.SSID.1.SSID", "value": "Osprey Home"}], "parameter_key": "k1"}),
        json!({"kind": "add_object", "object": "Device.IP.Interface."}),
        json!({"kind": "get_names", "path": "Device.DeviceInfo.", "next_level": true}),
        json!({"kind": "set_attributes", "attributes": [{"name": "Device.DeviceInfo.SoftwareVersion", "notification": 2}]}),
        json!({"kind": "schedule_inform", "delay_seconds": 30}),
        json!({"kind": "download", "url": "https://fw.example/v2.bin", "file_type": "1 Firmware Upgrade Image", "file_size": 1024}),
        json!({"kind": "upload", "file_type": "2 Vendor Log File"}),
        json!({"kind": "reboot", "command_key": "api-reboot"}),
    ];
    let mut ids = Vec::new();
    for spec in &specs {
        ids.push(queue(api, id, spec.clone()).await);
    }
    fixture.session(&mut device).await;
    for (task_id, spec) in ids.iter().zip(&specs) {
        let task = api.get(&format!("/api/v1/tasks/{task_id}")).await.json();
        assert_eq!(task["status"], "done", "{spec}: {task}");
        assert_eq!(task["request"]["kind"], spec["kind"], "{task}");
        assert!(task["result"].is_object(), "{task}");
    }
    // The upload arrived in the file store through its signed URL; a forged one does not.
    let files = api.get(&format!("/api/v1/devices/{id}/files")).await.json();
    assert_eq!(files["files"].as_array().unwrap().len(), 1, "{files}");
    assert_eq!(files["files"][0]["kind"], "log");
    let file = api
        .get(&format!("/api/v1/files/{}", files["files"][0]["id"]))
        .await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(
        file.body.contains(&device.id.serial_number),
        "{}",
        file.body
    );
    let forged = http(
        "PUT",
        &format!(
            "http://{}/upload/{id}/log/abcdef/{}",
            fixture.running.cwmp_address,
            "0".repeat(32)
        ),
        &[],
        Some("junk".into()),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    let get = api.get(&format!("/api/v1/tasks/{}", ids[0])).await.json();
    assert!(
        get["result"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "Device.DeviceInfo.SoftwareVersion")
    );
    let added = api.get(&format!("/api/v1/tasks/{}", ids[2])).await.json();
    let instance = added["result"]["instance_number"].as_u64().unwrap();
    // What the tasks did is in the stored tree: the value set, the new object read.
    let ssid = api
        .get(&format!(
            "/api/v1/devices/{id}/parameters?path=Device.WiFi.SSID.1.SSID"
        ))
        .await
        .json();
    assert_eq!(ssid["parameters"][0]["value"], "Osprey Home");
    let new_object = api
        .get(&format!(
            "/api/v1/devices/{id}/parameters?path=Device.IP.Interface.{instance}."
        ))
        .await;
    assert_eq!(new_object.status, StatusCode::OK, "{}", new_object.body);

    // Delete the new object; the device's tree loses it too. Factory reset last (it reboots).
    let delete = queue(
        api,
        id,
        json!({"kind": "delete_object", "object": format!("Device.IP.Interface.{instance}.")}),
    )
    .await;
    let reset = queue(api, id, json!({"kind": "factory_reset"})).await;
    fixture.session(&mut device).await;
    assert_eq!(
        api.get(&format!("/api/v1/tasks/{delete}")).await.json()["status"],
        "done"
    );
    assert_eq!(
        api.get(&format!("/api/v1/tasks/{reset}")).await.json()["status"],
        "done"
    );
    let gone = api
        .get(&format!(
            "/api/v1/devices/{id}/parameters?path=Device.IP.Interface.{instance}."
        ))
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND, "{}", gone.body);

    let listed = api
        .get(&format!("/api/v1/devices/{id}/tasks?limit=5"))
        .await
        .json();
    assert_eq!(listed["tasks"].as_array().unwrap().len(), 5);
    assert_eq!(listed["tasks"][0]["id"], json!(reset), "newest first");
    let older = listed["next_before"].as_i64().unwrap();
    let rest = api
        .get(&format!("/api/v1/devices/{id}/tasks?before={older}"))
        .await
        .json();
    assert_eq!(rest["tasks"].as_array().unwrap().len(), ids.len() + 2 - 5);
    fixture.finish().await;
}

async fn callers_can_wait_for_the_result(backend: Backend) {
    let fixture = Fixture::new(backend).await;
    let mut device = SimDevice::new(4, DataModel::Tr098);
    fixture.session(&mut device).await;
    let id = fixture.id_of(&device).await;

    // Nobody connects: the wait runs out and the task is still queued (202).
    let started = std::time::Instant::now();
    let reply = fixture
        .admin
        .post(
            &format!("/api/v1/devices/{id}/tasks?wait=1"),
            json!({"kind": "get", "names": ["InternetGatewayDevice.DeviceInfo.UpTime"]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    assert!(started.elapsed() >= Duration::from_millis(900));
    let waiting = reply.json()["id"].as_i64().unwrap();
    assert_eq!(
        reply.headers["location"],
        format!("/api/v1/tasks/{waiting}")
    );

    // The device connects while a caller waits: the answer carries the result.
    let api = fixture.admin_api();
    let path = format!("/api/v1/devices/{id}/tasks?wait=20");
    let waiter = tokio::spawn(async move {
        api.post(
            &path,
            json!({"kind": "get", "names": ["InternetGatewayDevice.DeviceInfo.SoftwareVersion"]}),
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        fixture.session(&mut device).await,
        2,
        "both tasks in one session"
    );
    let reply = waiter.await.unwrap();
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["status"], "done");
    assert_eq!(reply.json()["result"]["parameters"][0]["value"], "1.0.0");
    let earlier = fixture
        .admin
        .get(&format!("/api/v1/tasks/{waiting}?wait=5"))
        .await;
    assert_eq!(earlier.status, StatusCode::OK);
    assert_eq!(earlier.json()["status"], "done");
    fixture.finish().await;
}

impl Fixture {
    fn admin_api(&self) -> Api {
        Api {
            base: self.base.clone(),
            authorization: self.admin.authorization.clone(),
            cookie: None,
        }
    }
}

async fn faults_are_listed_retried_and_cleared(backend: Backend) {
    let fixture = Fixture::new(backend).await;
    let mut device = SimDevice::new(5, DataModel::Tr181);
    fixture.session(&mut device).await;
    let id = fixture.id_of(&device).await;
    let api = &fixture.admin;
    let wrong = queue(
        api,
        id,
        json!({"kind": "get", "names": ["Device.NoSuchThing"]}),
    )
    .await;
    let later = queue(api, id, json!({"kind": "reboot"})).await;
    assert_eq!(
        api.post(&format!("/api/v1/tasks/{later}/cancel"), json!({}))
            .await
            .status,
        StatusCode::OK
    );
    let again = api
        .post(&format!("/api/v1/tasks/{later}/cancel"), json!({}))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    fixture.session(&mut device).await;

    let faults = api.get("/api/v1/faults").await.json();
    assert_eq!(faults["tasks"].as_array().unwrap().len(), 1);
    assert_eq!(faults["tasks"][0]["id"], json!(wrong));
    assert_eq!(faults["tasks"][0]["fault"]["code"], 9005);
    let mine = api
        .get(&format!("/api/v1/devices/{id}/faults"))
        .await
        .json();
    assert_eq!(mine["tasks"].as_array().unwrap().len(), 1);

    let retried = api
        .post(&format!("/api/v1/faults/{wrong}/retry"), json!({}))
        .await;
    assert_eq!(retried.status, StatusCode::OK, "{}", retried.body);
    assert_eq!(retried.json()["status"], "queued");
    assert_eq!(retried.json()["attempts"], 0);
    fixture.session(&mut device).await;
    let cleared = api
        .post(&format!("/api/v1/faults/{wrong}/clear"), json!({}))
        .await;
    assert_eq!(cleared.status, StatusCode::OK, "{}", cleared.body);
    assert_eq!(cleared.json()["status"], "cancelled");
    assert_eq!(
        cleared.json()["fault"]["code"],
        9005,
        "the fault stays on record"
    );
    assert!(
        api.get("/api/v1/faults").await.json()["tasks"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let retry_cancelled = api
        .post(&format!("/api/v1/tasks/{later}/retry"), json!({}))
        .await;
    assert_eq!(retry_cancelled.json()["status"], "queued");

    // A queued task past its deadline expires.
    let stale = queue(api, id, json!({"kind": "reboot"})).await;
    let store = &fixture.running.services.store;
    store.cancel_task(later, chrono::Utc::now()).await.unwrap();
    assert!(
        store
            .expire_tasks(chrono::Utc::now() + chrono::Duration::days(8))
            .await
            .unwrap()
            >= 1
    );
    assert_eq!(
        api.get(&format!("/api/v1/tasks/{stale}")).await.json()["status"],
        "expired"
    );
    let statuses = api.get("/api/v1/tasks?status=expired").await.json();
    assert_eq!(statuses["tasks"][0]["id"], json!(stale));
    fixture.finish().await;
}

async fn events_stream_as_server_sent_events(backend: Backend) {
    let fixture = Fixture::new(backend).await;
    let mut device = SimDevice::new(6, DataModel::Tr181);
    fixture.session(&mut device).await;
    let id = fixture.id_of(&device).await;
    let response = http_response(
        "GET",
        &format!(
            "{}/api/v1/events?device={id}&kind=inform,task_done",
            fixture.base
        ),
        &[(
            "authorization",
            fixture.admin.authorization.as_deref().unwrap(),
        )],
        None,
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let task = queue(&fixture.admin, id, json!({"kind": "reboot"})).await;
    let mut other = SimDevice::new(7, DataModel::Tr181);
    fixture.session(&mut other).await;
    fixture.session(&mut device).await;

    let mut body = response.into_body();
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !text.contains("event: task_done") {
        let frame = tokio::time::timeout_at(deadline, http_body_util::BodyExt::frame(&mut body))
            .await
            .expect("events arrive in time")
            .expect("the stream stays open")
            .expect("a frame");
        if let Ok(data) = frame.into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
    }
    let events: Vec<&str> = text.lines().filter(|l| l.starts_with("event: ")).collect();
    assert_eq!(events, ["event: inform", "event: task_done"], "{text}");
    assert!(text.contains(&format!("\"task_id\":{task}")), "{text}");
    assert!(
        !text.contains(&other.id.serial_number),
        "only the device asked for: {text}"
    );
    fixture.finish().await;
}

async fn the_openapi_document_is_served(backend: Backend) {
    let fixture = Fixture::new(backend).await;
    let document = fixture.anonymous().get("/api/v1/openapi.json").await;
    assert_eq!(document.status, StatusCode::OK);
    let json = document.json();
    assert_eq!(json["openapi"], "3.1.0");
    // Every documented route answers (not 404/405) for an admin.
    for (method, path) in server::routes::api::ROUTES {
        let path = path
            .replace("{id}", "1")
            .replace("{username}", "someone")
            .replace("{product_class}", "SimGW");
        let reply = match *method {
            "get" if path.ends_with("/events") => continue,
            "get" => fixture.admin.get(&path).await,
            "post" => fixture.admin.post(&path, json!({})).await,
            "put" => fixture.admin.put(&path, json!({})).await,
            "delete" => fixture.admin.delete(&path).await,
            other => panic!("method {other}"),
        };
        assert_ne!(
            reply.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        if reply.status == StatusCode::NOT_FOUND {
            assert!(
                !error_of(&reply).0.is_empty() && !reply.body.contains("no such API endpoint"),
                "{method} {path}: {}",
                reply.body
            );
        }
    }
    fixture.finish().await;
}

/// A device that serves Connection Requests with Digest, registered by its first session.
async fn wakeable_device(fixture: &Fixture, index: u32) -> (WakeableDevice, i64) {
    let mut device = SimDevice::new(index, DataModel::Tr181);
    device.set_connection_request_credentials("cr-user", "cr-secret");
    let mut wakeable = WakeableDevice::spawn(fixture.client.clone(), device, None)
        .await
        .unwrap();
    let report = wakeable
        .wait_for(Duration::from_secs(30), |report| report.sessions >= 1)
        .await
        .expect("the first session");
    assert_eq!(report.last_error, None);
    let id = fixture.id_of(&*wakeable.device().await).await;
    (wakeable, id)
}

/// Credentials managed by hand in these tests: the ACS does not set its own at BOOTSTRAP.
const NO_PROVISIONING: (&str, &str) = ("provision_connection_request_credentials", "false");

async fn a_woken_device_runs_its_task_at_once(backend: Backend) {
    let fixture = Fixture::with_settings(backend, &[NO_PROVISIONING]).await;
    let (mut wakeable, id) = wakeable_device(&fixture, 1).await;
    let credentials = format!("/api/v1/devices/{id}/connection-request-credentials");
    let reply = fixture
        .admin
        .put(
            &credentials,
            json!({"username": "cr-user", "password": "cr-secret"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);

    // Waking alone, waiting one second for the session to begin: the API bounds the time.
    let reply = fixture
        .admin
        .post(&format!("/api/v1/devices/{id}/wake?wait=1"), json!({}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["woken"], true);
    assert_eq!(reply.json()["method"], "http");
    wakeable
        .wait_for(Duration::from_secs(10), |report| report.sessions >= 2)
        .await
        .expect("the woken session");

    // A task queued with `wait` wakes the device and comes back done.
    let reply = fixture
        .admin
        .post(
            &format!("/api/v1/devices/{id}/tasks?wait=30"),
            json!({"kind": "get", "names": ["Device.DeviceInfo.UpTime"]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let task = reply.json();
    assert_eq!(task["status"], "done", "{task}");
    assert_eq!(task["wake"]["woken"], true, "{task}");
    let report = wakeable.report();
    assert_eq!((report.woken, report.refused), (2, 0), "{report:?}");
    // The last session reported why it happened.
    assert!(
        fixture
            .running
            .services
            .store
            .device_events(id, 10)
            .await
            .unwrap()
            .iter()
            .any(|(code, _, _)| code == "6 CONNECTION REQUEST")
    );
    wakeable.stop().await;
    fixture.finish().await;
}

async fn failed_wake_ups_say_why(backend: Backend) {
    let fixture = Fixture::with_settings(backend, &[NO_PROVISIONING]).await;
    let (wakeable, id) = wakeable_device(&fixture, 2).await;
    let wake = format!("/api/v1/devices/{id}/wake");

    // The device asks for credentials and the ACS has none for it.
    let reply = fixture.admin.post(&wake, json!({})).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert_eq!(error_of(&reply).0, "no_credentials");

    // Wrong ones: the device refuses, and says so.
    let credentials = format!("/api/v1/devices/{id}/connection-request-credentials");
    let reply = fixture
        .admin
        .put(
            &credentials,
            json!({"username": "cr-user", "password": "guess"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    let reply = fixture.admin.post(&wake, json!({})).await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY, "{}", reply.body);
    assert_eq!(error_of(&reply).0, "auth_failed");
    assert_eq!(wakeable.report().refused, 1);

    // A task queued with `wait` says why the device was not woken when the wait runs out.
    let reply = fixture
        .admin
        .post(
            &format!("/api/v1/devices/{id}/tasks?wait=1"),
            json!({"kind": "reboot"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    assert_eq!(reply.json()["status"], "queued");
    assert_eq!(reply.json()["wake"]["code"], "auth_failed");

    // Credentials are for admins, checked, and never shown back.
    let helpdesk = fixture.token("helpdesk", "helpdesk").await;
    let reply = helpdesk
        .put(&credentials, json!({"username": "x", "password": "y"}))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = fixture
        .admin
        .put(&credentials, json!({"username": "", "password": "y"}))
        .await;
    assert_eq!(
        error_of(&reply),
        ("invalid".to_owned(), Some("username".to_owned()))
    );
    let device = fixture.admin.get(&format!("/api/v1/devices/{id}")).await;
    assert!(!device.body.contains("guess"), "{}", device.body);

    // A device that is gone: its endpoint no longer answers.
    wakeable.stop().await;
    let reply = fixture.admin.delete(&credentials).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let reply = fixture.admin.post(&wake, json!({})).await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY, "{}", reply.body);
    assert_eq!(error_of(&reply).0, "unreachable");

    let reply = fixture
        .admin
        .post("/api/v1/devices/999999/wake", json!({}))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    fixture.finish().await;
}

async fn the_default_credentials_wake_devices_without_their_own(backend: Backend) {
    // The global default is wrong for these devices; their product class's is right.
    let fixture = Fixture::with_settings(
        backend,
        &[
            ("connection_request_username", "cr-user"),
            ("connection_request_password", "not-this-one"),
            NO_PROVISIONING,
        ],
    )
    .await;
    let (mut wakeable, id) = wakeable_device(&fixture, 3).await;
    let wake = format!("/api/v1/devices/{id}/wake");
    let reply = fixture.admin.post(&wake, json!({})).await;
    assert_eq!(error_of(&reply).0, "auth_failed", "{}", reply.body);

    let class_default = "/api/v1/connection-request-defaults/SimGW";
    let reply = fixture
        .admin
        .put(
            class_default,
            json!({"username": "cr-user", "password": "cr-secret"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    let listed = fixture
        .admin
        .get("/api/v1/connection-request-defaults")
        .await;
    assert_eq!(listed.json()["defaults"][0]["product_class"], "SimGW");
    assert!(!listed.body.contains("cr-secret"));
    let reply = fixture
        .admin
        .post(&format!("{wake}?wait=10"), json!({}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    wakeable
        .wait_for(Duration::from_secs(10), |report| report.sessions >= 2)
        .await
        .expect("the woken session");

    // The device's own credentials come before its class's.
    let own = format!("/api/v1/devices/{id}/connection-request-credentials");
    fixture
        .admin
        .put(&own, json!({"username": "cr-user", "password": "stale"}))
        .await;
    let reply = fixture.admin.post(&wake, json!({})).await;
    assert_eq!(error_of(&reply).0, "auth_failed", "{}", reply.body);
    fixture.admin.delete(&own).await;
    // Its session began since the last wake-up, so this is a new request, not "already".
    let reply = fixture.admin.post(&wake, json!({})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["already_woken"], false, "{}", reply.body);
    assert_eq!(
        fixture.admin.delete(class_default).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        fixture.admin.delete(class_default).await.status,
        StatusCode::NOT_FOUND
    );
    wakeable.stop().await;
    fixture.finish().await;
}

/// A session's outcome for a device presenting `username` / `password` to the ACS.
async fn session_as(
    fixture: &Fixture,
    device: &mut SimDevice,
    username: &str,
    password: &str,
) -> Result<(), server::sim::client::SimError> {
    device.set_acs_credentials(username, password);
    fixture
        .client
        .run_session(device, Chaos::default(), &mut Dice::new(3))
        .await
        .map(|_| ())
}

fn refused_with(outcome: Result<(), server::sim::client::SimError>) -> u16 {
    match outcome {
        Err(server::sim::client::SimError::Status { status, .. }) => status,
        other => panic!("a refusal: {other:?}"),
    }
}

async fn devices_prove_who_they_are(backend: Backend) {
    let fixture = Fixture::with_settings(backend, &[("cwmp_auth", "per_device")]).await;
    let mut device = SimDevice::new(11, DataModel::Tr181);
    let username = device.id.serial_number.clone();

    // Unknown: refused, and listed for an admin to approve.
    assert_eq!(
        refused_with(session_as(&fixture, &mut device, &username, "pw-a").await),
        401
    );
    assert_eq!(
        refused_with(session_as(&fixture, &mut device, &username, "pw-a").await),
        401
    );
    let attempts = fixture.admin.get("/api/v1/cwmp-auth-attempts").await.json();
    assert_eq!(
        attempts["attempts"][0]["username"],
        username.as_str(),
        "{attempts}"
    );
    assert_eq!(attempts["attempts"][0]["attempts"], 2, "{attempts}");
    assert_eq!(
        attempts["attempts"][0]["address"], "127.0.0.1",
        "{attempts}"
    );
    assert_eq!(
        fixture
            .running
            .services
            .store
            .count_devices()
            .await
            .unwrap(),
        0
    );

    // Approved by adding its credential: the session goes through, the credential binds.
    let reply = fixture
        .admin
        .post(
            "/api/v1/cwmp-credentials",
            json!({"username": username, "password": "pw-a"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let attempts = fixture.admin.get("/api/v1/cwmp-auth-attempts").await.json();
    assert_eq!(
        attempts["attempts"],
        json!([]),
        "approved attempts leave the list"
    );
    session_as(&fixture, &mut device, &username, "pw-a")
        .await
        .expect("an approved device opens sessions");
    let id = fixture.id_of(&device).await;
    let listed = fixture.admin.get("/api/v1/cwmp-credentials").await.json();
    assert_eq!(listed["policy"], "per_device");
    assert_eq!(listed["credentials"][0]["device_id"], id, "{listed}");
    assert!(!listed.to_string().contains("pw-a"));

    // A wrong password, and another device with this one's credentials, are refused.
    assert_eq!(
        refused_with(session_as(&fixture, &mut device, &username, "guess").await),
        401
    );
    let mut clone = SimDevice::new(12, DataModel::Tr181);
    assert_eq!(
        refused_with(session_as(&fixture, &mut clone, &username, "pw-a").await),
        403
    );
    assert_eq!(
        fixture
            .running
            .services
            .store
            .count_devices()
            .await
            .unwrap(),
        1
    );

    // Without credentials at all: the challenge offers SHA-256 and MD5 Digest.
    let envelope = app::cwmp::encode(
        app::cwmp::CwmpVersion::V1_2,
        &app::cwmp::Header::default(),
        Some(&clone.inform(chrono::Utc::now(), 0)),
    );
    let reply = http(
        "POST",
        &format!("http://{}/", fixture.running.cwmp_address),
        &[("content-type", "text/xml")],
        Some(envelope),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let challenges: Vec<&str> = reply
        .headers
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(
        challenges[0].contains("algorithm=SHA-256"),
        "{challenges:?}"
    );
    assert!(challenges[1].contains("algorithm=MD5"), "{challenges:?}");

    // Credentials are for admins; duplicates are a conflict; bad ones say which field.
    let helpdesk = fixture.token("helpdesk", "helpdesk").await;
    assert_eq!(
        helpdesk.get("/api/v1/cwmp-credentials").await.status,
        StatusCode::FORBIDDEN
    );
    let again = fixture
        .admin
        .post(
            "/api/v1/cwmp-credentials",
            json!({"username": username, "password": "x"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let bad = fixture
        .admin
        .post(
            "/api/v1/cwmp-credentials",
            json!({"username": "a:b", "password": "x"}),
        )
        .await;
    assert_eq!(
        error_of(&bad),
        ("invalid".to_owned(), Some("username".to_owned()))
    );

    // Deleting the credential shuts the door again.
    let reply = fixture
        .admin
        .delete(&format!("/api/v1/cwmp-credentials/{username}"))
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(
        refused_with(session_as(&fixture, &mut device, &username, "pw-a").await),
        401
    );
    fixture.finish().await;
}

async fn a_shared_secret_admits_every_device(backend: Backend) {
    let fixture = Fixture::with_settings(
        backend,
        &[
            ("cwmp_auth", "shared"),
            ("cwmp_username", "fleet"),
            ("cwmp_password", "fleet-secret"),
        ],
    )
    .await;
    let mut first = SimDevice::new(21, DataModel::Tr098);
    let mut second = SimDevice::new(22, DataModel::Tr181);
    session_as(&fixture, &mut first, "fleet", "fleet-secret")
        .await
        .unwrap();
    session_as(&fixture, &mut second, "fleet", "fleet-secret")
        .await
        .unwrap();
    assert_eq!(
        refused_with(session_as(&fixture, &mut first, "fleet", "nope").await),
        401
    );
    // Nothing is recorded for approval under the shared policy.
    let attempts = fixture.admin.get("/api/v1/cwmp-auth-attempts").await.json();
    assert_eq!(attempts["attempts"], json!([]));
    fixture.finish().await;
}

async fn a_device_behind_nat_is_woken_over_udp(backend: Backend) {
    let fixture = Fixture::with_settings(
        backend,
        &[
            ("stun_listen", "127.0.0.1:0"),
            ("connection_request_timeout_seconds", "2"),
            NO_PROVISIONING,
        ],
    )
    .await;
    let stun = fixture.running.stun_address.expect("the STUN server runs");
    let mut device = SimDevice::new(31, DataModel::Tr098);
    device.set_connection_request_credentials("cr-user", "cr-secret");
    let mut wakeable = WakeableDevice::spawn_behind_nat(fixture.client.clone(), device, stun, None)
        .await
        .expect("a STUN binding");
    wakeable
        .wait_for(Duration::from_secs(30), |report| report.sessions >= 1)
        .await
        .expect("the first session");
    let id = fixture.id_of(&*wakeable.device().await).await;
    let credentials = format!("/api/v1/devices/{id}/connection-request-credentials");
    fixture
        .admin
        .put(
            &credentials,
            json!({"username": "cr-user", "password": "cr-secret"}),
        )
        .await;

    // Its HTTP URL is a private address: only the UDP request through the binding works.
    let reply = fixture
        .admin
        .post(&format!("/api/v1/devices/{id}/wake"), json!({}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["method"], "udp", "{}", reply.body);
    let report = wakeable
        .wait_for(Duration::from_secs(10), |report| report.sessions >= 2)
        .await
        .expect("the woken session");
    // Repeats of one request wake the device once.
    assert_eq!((report.woken, report.refused), (1, 0), "{report:?}");

    // With the wrong password the device ignores the requests: no session, a timeout.
    fixture
        .admin
        .put(
            &credentials,
            json!({"username": "cr-user", "password": "guess"}),
        )
        .await;
    let reply = fixture
        .admin
        .post(&format!("/api/v1/devices/{id}/wake"), json!({}))
        .await;
    assert_eq!(reply.status, StatusCode::GATEWAY_TIMEOUT, "{}", reply.body);
    assert_eq!(error_of(&reply).0, "timeout");
    assert!(wakeable.report().refused >= 1);
    wakeable.stop().await;
    fixture.finish().await;
}

async fn bootstrap_gives_each_device_its_own_credentials(backend: Backend) {
    let fixture = Fixture::new(backend).await;
    let (mut first, first_id) = wakeable_device(&fixture, 41).await;
    let (second, _) = wakeable_device(&fixture, 42).await;
    // The BOOTSTRAP session replaced what the devices shipped with, each with its own.
    let (username, password) = first.device().await.connection_request_credentials();
    let (_, other_password) = second.device().await.connection_request_credentials();
    assert_eq!(
        username,
        format!("cr-{}", first.device().await.id.serial_number)
    );
    assert_ne!(password, "cr-secret");
    assert_ne!(password, other_password);
    // The tree and the task-free session keep the password out of sight.
    let parameters = fixture
        .admin
        .get(&format!("/api/v1/devices/{first_id}/parameters"))
        .await;
    assert!(!parameters.body.contains(&password), "{}", parameters.body);

    // Nobody configured anything, and the device can be woken.
    let reply = fixture
        .admin
        .post(
            &format!("/api/v1/devices/{first_id}/wake?wait=10"),
            json!({}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    first
        .wait_for(Duration::from_secs(10), |report| report.sessions >= 2)
        .await
        .expect("the woken session");
    // A later periodic session does not set them again.
    assert_eq!(
        first.device().await.connection_request_credentials().1,
        password
    );
    first.stop().await;
    second.stop().await;
    fixture.finish().await;
}

on_both_databases!(
    bootstrap_gives_each_device_its_own_credentials,
    a_device_behind_nat_is_woken_over_udp,
    devices_prove_who_they_are,
    a_shared_secret_admits_every_device,
    a_woken_device_runs_its_task_at_once,
    the_default_credentials_wake_devices_without_their_own,
    failed_wake_ups_say_why,
    callers_are_authenticated_and_role_checked,
    devices_are_listed_filtered_paged_and_exported,
    bad_input_gets_a_clear_error,
    every_task_kind_reaches_the_device,
    callers_can_wait_for_the_result,
    faults_are_listed_retried_and_cleared,
    events_stream_as_server_sent_events,
    the_openapi_document_is_served,
);
