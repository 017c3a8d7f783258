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

/// A CA, a server certificate for `localhost` and a client certificate, made for the test.
struct Pki {
    directory: std::path::PathBuf,
    ca: String,
    client_chain: Vec<rustls_pki_types::CertificateDer<'static>>,
    client_key: rustls_pki_types::PrivateKeyDer<'static>,
}

impl Pki {
    fn new() -> Pki {
        use rcgen::{
            BasicConstraints, CertificateParams, CertifiedIssuer, ExtendedKeyUsagePurpose, IsCa,
            KeyPair,
        };
        let directory = std::env::temp_dir().join(format!(
            "osprey-tls-{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
        ));
        std::fs::create_dir_all(&directory).unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let issue = |name: &str, purpose| {
            let mut params = CertificateParams::new(vec![name.to_owned()]).unwrap();
            params.extended_key_usages = vec![purpose];
            let key = KeyPair::generate().unwrap();
            let certificate = params.signed_by(&key, &ca).unwrap();
            (certificate, key)
        };
        let (server, server_key) = issue("localhost", ExtendedKeyUsagePurpose::ServerAuth);
        let (client, client_key) = issue("cpe-1.example", ExtendedKeyUsagePurpose::ClientAuth);
        for (file, content) in [
            ("ca.pem", ca.pem()),
            ("server.pem", server.pem()),
            ("server.key", server_key.serialize_pem()),
        ] {
            std::fs::write(directory.join(file), content).unwrap();
        }
        Pki {
            ca: ca.pem(),
            client_chain: vec![client.der().clone()],
            client_key: rustls_pki_types::PrivateKeyDer::Pkcs8(client_key.serialize_der().into()),
            directory,
        }
    }

    fn path(&self, file: &str) -> String {
        self.directory.join(file).display().to_string()
    }

    /// A TLS client trusting the test CA, with the client certificate or without.
    fn connector(&self, with_certificate: bool) -> tokio_rustls::TlsConnector {
        use rustls_pki_types::pem::PemObject;
        use tokio_rustls::rustls::{ClientConfig, RootCertStore};
        let mut roots = RootCertStore::empty();
        roots
            .add(rustls_pki_types::CertificateDer::from_pem_slice(self.ca.as_bytes()).unwrap())
            .unwrap();
        let builder = ClientConfig::builder_with_provider(std::sync::Arc::new(
            tokio_rustls::rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
        let config = if with_certificate {
            builder
                .with_client_auth_cert(self.client_chain.clone(), self.client_key.clone_key())
                .unwrap()
        } else {
            builder.with_no_client_auth()
        };
        tokio_rustls::TlsConnector::from(std::sync::Arc::new(config))
    }
}

/// One HTTP/1.1 exchange over TLS; `Err` when the handshake or the exchange failed.
async fn tls_request(
    connector: &tokio_rustls::TlsConnector,
    address: std::net::SocketAddr,
    request: &str,
) -> std::io::Result<String> {
    let tcp = TcpStream::connect(address).await?;
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let mut stream = connector.connect(name, tcp).await?;
    stream.write_all(request.as_bytes()).await?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).await?;
    Ok(String::from_utf8_lossy(&reply).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_and_people_can_use_tls() {
    let pki = Pki::new();
    let db = TestDb::new(Backend::Sqlite).await;
    let layer = [
        ("database_url", db.url.clone()),
        ("ui_listen", "127.0.0.1:0".to_owned()),
        ("cwmp_listen", "127.0.0.1:0".to_owned()),
        ("admin_password", ADMIN_PASSWORD.to_owned()),
        ("cwmp_tls_certificate", pki.path("server.pem")),
        ("cwmp_tls_key", pki.path("server.key")),
        ("cwmp_tls_client_ca", pki.path("ca.pem")),
        ("ui_tls_certificate", pki.path("server.pem")),
        ("ui_tls_key", pki.path("server.key")),
    ]
    .into_iter()
    .collect();
    let config = Config::resolve(&[layer]).expect("configuration");
    let running = startup::start(&config).await.expect("start");
    assert!(running.services.cwmp_url.starts_with("https://"));

    // A device with a certificate from the CA opens a session over TLS.
    let mut device = server::sim::device::SimDevice::new(1, server::sim::model::DataModel::Tr181);
    let inform = app::cwmp::encode(
        app::cwmp::CwmpVersion::V1_2,
        &app::cwmp::Header::default(),
        Some(&device.inform(chrono::Utc::now(), 0)),
    );
    let post = format!(
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{inform}",
        inform.len()
    );
    let reply = tls_request(&pki.connector(true), running.cwmp_address, &post)
        .await
        .expect("a TLS session");
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.contains("InformResponse"), "{reply}");

    // Without a client certificate, or without TLS, nothing gets through.
    let refused = tls_request(&pki.connector(false), running.cwmp_address, &post).await;
    assert!(
        refused
            .as_ref()
            .map_or(true, |reply| !reply.contains("200")),
        "{refused:?}"
    );
    let plain = raw_request(running.cwmp_address, &post).await;
    assert!(!plain.contains("InformResponse"), "{plain}");

    // The portal over TLS (no client certificate needed there).
    let health = tls_request(
        &pki.connector(false),
        running.ui_address,
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await
    .expect("the portal over TLS");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    running.shutdown().await;
    db.cleanup().await;
    let _ = std::fs::remove_dir_all(&pki.directory);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_mistakes_stop_the_start_with_a_clear_error() {
    let pki = Pki::new();
    let db = TestDb::new(Backend::Sqlite).await;
    let base = |extra: &[(&'static str, String)]| {
        let mut layer: server::config::Layer = [
            ("database_url", db.url.clone()),
            ("ui_listen", "127.0.0.1:0".to_owned()),
            ("cwmp_listen", "127.0.0.1:0".to_owned()),
            ("admin_password", ADMIN_PASSWORD.to_owned()),
        ]
        .into_iter()
        .collect();
        layer.extend(extra.iter().cloned());
        layer
    };
    let half = Config::resolve(&[base(&[("cwmp_tls_certificate", pki.path("server.pem"))])]);
    assert!(half.unwrap_err().to_string().contains("cwmp_tls_key"));
    let swapped = Config::resolve(&[base(&[
        ("cwmp_tls_certificate", pki.path("server.key")),
        ("cwmp_tls_key", pki.path("server.pem")),
    ])])
    .unwrap();
    let error = startup::start(&swapped).await.err().expect("a refusal");
    assert!(
        error.to_string().contains("TLS for the CWMP listener"),
        "{error}"
    );
    let missing = Config::resolve(&[base(&[
        ("ui_tls_certificate", pki.path("nowhere.pem")),
        ("ui_tls_key", pki.path("server.key")),
    ])])
    .unwrap();
    let error = startup::start(&missing).await.err().expect("a refusal");
    assert!(error.to_string().contains("nowhere.pem"), "{error}");
    db.cleanup().await;
    let _ = std::fs::remove_dir_all(&pki.directory);
}
