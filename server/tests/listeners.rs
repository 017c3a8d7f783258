//! The real process path: `start` binds both listeners and serves on real sockets.

mod common;

use common::{ADMIN_PASSWORD, Backend, TestDb};
use server::{config::Config, startup};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

async fn raw_request(address: std::net::SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut reply = String::new();
    stream.read_to_string(&mut reply).await.expect("read");
    reply
}

fn config_for(db: &TestDb, ui_listen: &str) -> Config {
    let layer = [
        ("database_url", db.url.clone()),
        ("ui_listen", ui_listen.to_owned()),
        ("cwmp_listen", "127.0.0.1:0".to_owned()),
        ("admin_password", ADMIN_PASSWORD.to_owned()),
    ]
    .into_iter()
    .collect();
    Config::resolve(&[layer]).expect("configuration")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_listeners_serve_on_real_sockets() {
    let db = TestDb::new(Backend::Sqlite).await;
    let running = startup::start(&config_for(&db, "127.0.0.1:0"))
        .await
        .expect("start");
    assert!(running.first_admin.is_some());
    assert_eq!(
        &*running.services.cwmp_url,
        format!("http://{}/", running.cwmp_address)
    );

    let ui = raw_request(
        running.ui_address,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(ui.starts_with("HTTP/1.1 200"), "{ui}");
    assert!(ui.ends_with("ok"), "{ui}");
    let cwmp = raw_request(
        running.cwmp_address,
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(cwmp.starts_with("HTTP/1.1 400"), "{cwmp}");
    assert!(cwmp.contains("must start with an Inform"), "{cwmp}");

    // A second server on the same portal address fails with a clear error.
    let taken = running.ui_address.to_string();
    let error = startup::start(&config_for(&db, &taken))
        .await
        .err()
        .expect("address in use");
    assert!(
        error
            .to_string()
            .contains(&format!("cannot listen on {taken} (portal)")),
        "{error}"
    );

    running.shutdown().await;
    db.cleanup().await;
}
