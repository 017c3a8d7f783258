//! The CWMP endpoint under bad input: every case gets a clear HTTP status or a SOAP Fault,
//! and the server keeps serving everyone else.

mod common;

use common::{Backend, TestDb, start_server};
use server::{
    sim::{
        client::{Chaos, Dice, SimClient},
        device::SimDevice,
        model::DataModel,
    },
    startup::Running,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// One raw POST; returns the status code and the whole response text.
async fn post(running: &Running, extra_headers: &str, body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(running.cwmp_address).await.unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: acs\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n{extra_headers}Connection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // The server may answer (413) and close before the whole body is sent.
    let _ = stream.write_all(body).await;
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply).await;
    let text = String::from_utf8_lossy(&reply).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    (status, text)
}

fn inform(serial: &str) -> String {
    format!(
        r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="urn:dslforum-org:cwmp-1-0">
<soap:Header><cwmp:ID soap:mustUnderstand="1">1</cwmp:ID></soap:Header>
<soap:Body><cwmp:Inform><DeviceId><Manufacturer>Acme</Manufacturer><OUI>001122</OUI><ProductClass>Box</ProductClass><SerialNumber>{serial}</SerialNumber></DeviceId>
<Event><EventStruct><EventCode>2 PERIODIC</EventCode><CommandKey/></EventStruct></Event><MaxEnvelopes>1</MaxEnvelopes><CurrentTime>2026-11-24T10:00:00Z</CurrentTime><RetryCount>0</RetryCount>
<ParameterList><ParameterValueStruct><Name>Device.DeviceInfo.SoftwareVersion</Name><Value>1.0</Value></ParameterValueStruct></ParameterList></cwmp:Inform></soap:Body></soap:Envelope>"#
    )
}

fn cookie_of(response: &str) -> String {
    response
        .lines()
        .find_map(|line| line.strip_prefix("set-cookie: "))
        .and_then(|value| value.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_clear_answers_and_harms_nobody() {
    let db = TestDb::new(Backend::Sqlite).await;
    let running = start_server(&db, &[("cwmp_max_body_bytes", "1048576")]).await;

    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "malformed",
            b"<soap:Envelope><oops".to_vec(),
            400,
            "Malformed CWMP message",
        ),
        (
            "not XML",
            b"GET / HTTP/1.0".to_vec(),
            400,
            "Malformed CWMP message",
        ),
        (
            "truncated",
            inform("T1").as_bytes()[..200].to_vec(),
            400,
            "Malformed CWMP message",
        ),
        (
            "DOCTYPE",
            br#"<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>"#.to_vec(),
            400,
            "DOCTYPE",
        ),
        (
            "non-UTF-8",
            vec![0x3c, 0x61, 0x3e, 0xff, 0xfe, 0x3c, 0x2f, 0x61, 0x3e],
            400,
            "UTF-8",
        ),
        (
            "no session, empty",
            Vec::new(),
            400,
            "must start with an Inform",
        ),
        (
            "no session, a response",
            inform("X")
                .replace("cwmp:Inform>", "cwmp:RebootResponse>")
                .into_bytes(),
            400,
            "",
        ),
        (
            "not an envelope",
            b"<html><body>hi</body></html>".to_vec(),
            400,
            "not a SOAP Envelope",
        ),
    ];
    for (what, body, status, says) in cases {
        let (got, text) = post(&running, "", &body).await;
        assert_eq!(got, status, "{what}: {text}");
        assert!(text.contains(says), "{what}: {text}");
    }

    // 50 MB: refused from its Content-Length, before it is read.
    let huge = vec![b'x'; 50 * 1024 * 1024];
    let (status, text) = post(&running, "", &huge).await;
    assert_eq!(status, 413, "{}", &text[..text.len().min(300)]);

    // A response nobody asked for, inside a session: a SOAP Fault, not a dropped connection.
    let (status, text) = post(&running, "", inform("S1").as_bytes()).await;
    assert_eq!(status, 200, "{text}");
    let cookie = cookie_of(&text);
    let stray = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="urn:dslforum-org:cwmp-1-0"><soap:Body><cwmp:RebootResponse/></soap:Body></soap:Envelope>"#;
    let (status, text) = post(&running, &format!("Cookie: {cookie}\r\n"), stray.as_bytes()).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("<FaultCode>8003</FaultCode>"), "{text}");
    // An unknown method gets 8000.
    let vendor = stray.replace("cwmp:RebootResponse", "cwmp:X_ACME_Hello");
    let (_, text) = post(
        &running,
        &format!("Cookie: {cookie}\r\n"),
        vendor.as_bytes(),
    )
    .await;
    assert!(text.contains("<FaultCode>8000</FaultCode>"), "{text}");

    // After all that, a real fleet still gets through cleanly.
    let client = SimClient::new(&format!("http://{}/", running.cwmp_address)).unwrap();
    for index in 0..5 {
        let mut device = SimDevice::new(index, DataModel::Tr181);
        client
            .run_session(&mut device, Chaos::default(), &mut Dice::new(1))
            .await
            .expect("a clean session");
    }
    running.shutdown().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compressed_bodies_are_accepted() {
    use std::io::Write;
    let db = TestDb::new(Backend::Sqlite).await;
    let running = start_server(&db, &[]).await;
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(inform("GZ1").as_bytes()).unwrap();
    let body = gzip.finish().unwrap();
    let (status, text) = post(&running, "Content-Encoding: gzip\r\n", &body).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("InformResponse"), "{text}");
    running.shutdown().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_devices_are_refused_when_registration_is_off() {
    let db = TestDb::new(Backend::Sqlite).await;
    let running = start_server(&db, &[("register_unknown_devices", "false")]).await;
    let (status, text) = post(&running, "", inform("NEW1").as_bytes()).await;
    assert_eq!(status, 403, "{text}");
    assert!(text.contains("not registered"), "{text}");
    assert_eq!(running.services.store.count_devices().await.unwrap(), 0);
    assert_eq!(running.cwmp_live_sessions(), 0);
    running.shutdown().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_inform_supersedes_a_stale_session() {
    let db = TestDb::new(Backend::Sqlite).await;
    let running = start_server(&db, &[]).await;
    let (status, _) = post(&running, "", inform("SUP1").as_bytes()).await;
    assert_eq!(status, 200);
    assert_eq!(running.cwmp_live_sessions(), 1);
    // The device restarts and informs again without the cookie.
    let (status, _) = post(&running, "", inform("SUP1").as_bytes()).await;
    assert_eq!(status, 200);
    assert_eq!(
        running.cwmp_live_sessions(),
        1,
        "one live session per device"
    );
    running.shutdown().await;
    db.cleanup().await;
}
