//! TLS on the main listener (`ssl`): wss and https with certificates made at test time, the http
//! redirect, certificate reload on SIGHUP with connections kept, client certificates
//! (`ca_path`), encrypted keys, and broken files refused by `serve` and `config check`.

use crate::support::{
    default_config, eventually_metric_at, free_port, free_ports, server_nodelay_on_new_connection,
    signed_url, sockudo, spawn_serve, Client, APP1, WAIT,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use serde_json::{json, Value};
use sockudo_ws::client::WebSocketClient;
use sockudo_ws::{Config, Http1};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// A certificate for localhost and 127.0.0.1 with its key, as PEM.
struct Cert {
    cert_pem: String,
    key_pem: String,
    der: Vec<u8>,
}

impl Cert {
    fn self_signed() -> Cert {
        let key = rcgen::KeyPair::generate().unwrap();
        let params =
            rcgen::CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
        let cert = params.self_signed(&key).unwrap();
        Cert {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            der: cert.der().to_vec(),
        }
    }

    /// A CA, and a client certificate it signed.
    fn ca_and_client() -> (Cert, Cert) {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let ca = Cert {
            cert_pem: ca_cert.pem(),
            key_pem: ca_key.serialize_pem(),
            der: ca_cert.der().to_vec(),
        };
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let client_key = rcgen::KeyPair::generate().unwrap();
        let mut client_params = rcgen::CertificateParams::new(vec!["client".into()]).unwrap();
        client_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        let client_cert = client_params.signed_by(&client_key, &issuer).unwrap();
        let client = Cert {
            cert_pem: client_cert.pem(),
            key_pem: client_key.serialize_pem(),
            der: client_cert.der().to_vec(),
        };
        (ca, client)
    }

    /// Writes the pair where `cert` and `key` are, replacing them atomically.
    fn install(&self, cert: &Path, key: &Path) {
        for (path, text) in [(cert, &self.cert_pem), (key, &self.key_pem)] {
            let staged = path.with_extension("new");
            std::fs::write(&staged, text).unwrap();
            std::fs::rename(&staged, path).unwrap();
        }
    }
}

fn client_config(trusted: &[&Cert], identity: Option<&Cert>) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in trusted {
        roots.add(CertificateDer::from(cert.der.clone())).unwrap();
    }
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots);
    let config = match identity {
        Some(identity) => builder
            .with_client_auth_cert(
                vec![CertificateDer::from(identity.der.clone())],
                PrivateKeyDer::from_pem_slice(identity.key_pem.as_bytes()).unwrap(),
            )
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    Arc::new(config)
}

/// An https client trusting only `trusted`; redirects are not followed.
fn https(trusted: &[&Cert]) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(WAIT);
    for cert in trusted {
        builder = builder.add_root_certificate(
            reqwest::Certificate::from_pem(cert.cert_pem.as_bytes()).unwrap(),
        );
    }
    builder.build().unwrap()
}

/// Opens a TLS connection to `port` as `localhost`; returns it and the certificate the server
/// presented.
async fn tls_connect(
    port: u16,
    config: Arc<rustls::ClientConfig>,
) -> std::io::Result<(tokio_rustls::client::TlsStream<TcpStream>, Vec<u8>)> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    let name = ServerName::try_from("localhost").unwrap();
    let stream = tokio::time::timeout(WAIT, TlsConnector::from(config).connect(name, tcp))
        .await
        .map_err(|_| std::io::Error::other("TLS handshake timed out"))??;
    let presented = stream.get_ref().1.peer_certificates().unwrap()[0].to_vec();
    Ok((stream, presented))
}

/// A Pusher client over wss; returns it and the certificate the server presented.
async fn wss(
    port: u16,
    key: &str,
    config: Arc<rustls::ClientConfig>,
) -> Result<(Client, Vec<u8>), String> {
    let (stream, presented) = tls_connect(port, config).await.map_err(|e| e.to_string())?;
    let transport = Config {
        auto_ping: false,
        idle_timeout: 0,
        ..Config::default()
    };
    let path = format!("/app/{key}?protocol=7&client=js&version=8.4.0");
    let (ws, _) = WebSocketClient::<Http1>::new(transport)
        .connect(stream, &format!("localhost:{port}"), &path, None)
        .await
        .map_err(|e| e.to_string())?;
    Ok((Client::over(ws), presented))
}

/// `sockudo serve` with TLS on; up once `/up` answers over https.
struct TlsServer {
    port: u16,
    http_port: u16,
    metrics_port: u16,
    child: Child,
    dir: tempfile::TempDir,
}

impl TlsServer {
    fn cert_path(dir: &Path) -> PathBuf {
        dir.join("cert.pem")
    }

    fn key_path(dir: &Path) -> PathBuf {
        dir.join("key.pem")
    }

    /// Serves `cert` with `ssl` merged over the certificate's paths and `redirect_http` on.
    async fn start(cert: &Cert, ssl: Value, env: &[(&str, &str)]) -> TlsServer {
        for _ in 0..5 {
            let dir = tempfile::tempdir().unwrap();
            cert.install(&Self::cert_path(dir.path()), &Self::key_path(dir.path()));
            match Self::try_start(dir, cert, ssl.clone(), env).await {
                Ok(server) => return server,
                Err(log) if log.contains("Address already in use") => continue,
                Err(log) => panic!("sockudo did not come up: {log}"),
            }
        }
        panic!("sockudo could not find free ports");
    }

    async fn try_start(
        dir: tempfile::TempDir,
        cert: &Cert,
        ssl: Value,
        env: &[(&str, &str)],
    ) -> Result<TlsServer, String> {
        let [port, http_port, metrics_port] = free_ports();
        let mut config = default_config();
        config["ssl"] = json!({
            "enabled": true,
            "cert_path": Self::cert_path(dir.path()),
            "key_path": Self::key_path(dir.path()),
            "redirect_http": true,
            "http_port": http_port,
        });
        for (key, value) in ssl.as_object().cloned().unwrap_or_default() {
            config["ssl"][key] = value;
        }
        let path = dir.path().join("config.json");
        std::fs::write(&path, config.to_string()).unwrap();
        let child = spawn_serve(dir.path(), &path, (port, metrics_port), env);
        let mut server = TlsServer {
            port,
            http_port,
            metrics_port,
            child,
            dir,
        };
        // With client certificates required, /up cannot be asked without one: wait for the
        // listener instead.
        let mutual = config["ssl"]["ca_path"].is_string();
        let client = https(&[cert]);
        for _ in 0..300 {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("exited with {status}: {}", server.log()));
            }
            let up = if mutual {
                TcpStream::connect(("127.0.0.1", port)).await.is_ok()
            } else {
                let url = format!("https://localhost:{port}/up");
                matches!(client.get(url).send().await, Ok(r) if r.status() == 200)
            };
            if up {
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(format!("not up after 15 s: {}", server.log()))
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    fn hangup(&self) {
        // SAFETY: kill(2) with a pid we spawned.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGHUP) };
    }

    /// Publishes `event` on `channel` through the HTTP API over https.
    async fn publish(&self, client: &reqwest::Client, channel: &str, event: &str) -> u16 {
        let body = json!({"name": event, "channels": [channel], "data": "{}"}).to_string();
        let url = signed_url(
            self.port,
            APP1,
            "POST",
            "/events",
            &[],
            Some(&body),
            crate::support::now(),
        )
        .replacen("http://127.0.0.1", "https://localhost", 1);
        client
            .post(url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn established(client: &mut Client) {
    client.expect_event("pusher:connection_established").await;
}

#[tokio::test]
async fn pusher_over_wss_api_over_https_and_http_redirects() {
    let cert = Cert::self_signed();
    let server = TlsServer::start(&cert, json!({}), &[]).await;
    let trusted = client_config(&[&cert], None);

    let (mut client, presented) = wss(server.port, "key-1", trusted.clone()).await.unwrap();
    assert_eq!(presented, cert.der);
    established(&mut client).await;
    let subscribed = client.subscribe("news").await;
    assert_eq!(
        subscribed["event"],
        "pusher_internal:subscription_succeeded"
    );
    let api = https(&[&cert]);
    assert_eq!(server.publish(&api, "news", "headline").await, 200);
    let frame = client.expect_event("headline").await;
    assert_eq!(frame["channel"], "news");

    // Nagle is off on the TLS listener too, from before the handshake. This probe hangs up
    // without one.
    let pid = server.child.id() as i32;
    let nodelay = server_nodelay_on_new_connection(pid, server.port).await;
    assert_eq!(nodelay, Some(true));

    // The TLS port speaks nothing but TLS.
    let plain = reqwest::Client::builder().timeout(WAIT).build().unwrap();
    let answer = plain
        .get(format!("http://127.0.0.1:{}/up", server.port))
        .send()
        .await;
    assert!(!matches!(&answer, Ok(r) if r.status() == 200), "{answer:?}");

    // A client that does not trust the certificate is refused.
    let stranger = Cert::self_signed();
    assert!(tls_connect(server.port, client_config(&[&stranger], None))
        .await
        .is_err());
    // The three failed handshakes (the probe that hung up, plain HTTP, an untrusted certificate)
    // are counted.
    let failed = "sockudo_connection_errors_total{type=\"tls_handshake\"}";
    assert_eq!(
        eventually_metric_at(server.metrics_port, failed, 3.0).await,
        3.0
    );

    // The redirect listener sends every request to the same host and path on https.
    let no_follow = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(WAIT)
        .build()
        .unwrap();
    let response = no_follow
        .get(format!(
            "http://127.0.0.1:{}/app/key-1?protocol=7",
            server.http_port
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 301);
    assert_eq!(
        response.headers()["location"],
        format!("https://127.0.0.1:{}/app/key-1?protocol=7", server.port)
    );
    let response = no_follow
        .post(format!(
            "http://localhost:{}/apps/app-1/events",
            server.http_port
        ))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 308, "POST keeps its method");
    assert_eq!(
        response.headers()["location"],
        format!("https://localhost:{}/apps/app-1/events", server.port)
    );
    // Followed by a client that trusts the certificate, it lands on the server.
    let follows = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert.cert_pem.as_bytes()).unwrap())
        .timeout(WAIT)
        .build()
        .unwrap();
    let landed = follows
        .get(format!("http://localhost:{}/up", server.http_port))
        .send()
        .await
        .unwrap();
    assert_eq!(landed.status(), 200);
    assert_eq!(landed.url().scheme(), "https");

    // Metrics stay plain HTTP.
    let metrics = plain
        .get(format!("http://127.0.0.1:{}/metrics", server.metrics_port))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
}

#[tokio::test]
async fn sighup_reloads_the_certificate_for_new_connections_and_keeps_the_old_ones() {
    let first = Cert::self_signed();
    let second = Cert::self_signed();
    let server = TlsServer::start(&first, json!({}), &[]).await;
    let either = client_config(&[&first, &second], None);
    let api = https(&[&first, &second]);

    let (mut old, presented) = wss(server.port, "key-1", either.clone()).await.unwrap();
    assert_eq!(presented, first.der);
    established(&mut old).await;
    old.subscribe("before").await;

    let cert_path = TlsServer::cert_path(server.dir.path());
    let key_path = TlsServer::key_path(server.dir.path());
    second.install(&cert_path, &key_path);
    server.hangup();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (_, presented) = tls_connect(server.port, either.clone()).await.unwrap();
        if presented == second.der {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still the old certificate after SIGHUP: {}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(server.log().contains("TLS certificate reloaded"));

    // The connection made before the reload is still up, both ways.
    assert_eq!(server.publish(&api, "before", "after-reload").await, 200);
    old.expect_event("after-reload").await;
    old.send(json!({"event": "pusher:ping", "data": {}})).await;
    old.expect_event("pusher:pong").await;

    // A new wss client gets the new certificate and a working session.
    let (mut new, presented) = wss(server.port, "key-1", either.clone()).await.unwrap();
    assert_eq!(presented, second.der);
    established(&mut new).await;

    // A reload that fails keeps the current certificate.
    std::fs::write(&cert_path, "not a certificate").unwrap();
    server.hangup();
    let deadline = tokio::time::Instant::now() + WAIT;
    while !server.log().contains("keeping the current certificate") {
        assert!(tokio::time::Instant::now() < deadline, "{}", server.log());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(server.log().contains("ssl.cert_path"), "{}", server.log());
    let (_, presented) = tls_connect(server.port, either.clone()).await.unwrap();
    assert_eq!(presented, second.der);
    assert_eq!(server.publish(&api, "before", "still-here").await, 200);
    old.expect_event("still-here").await;
}

#[tokio::test]
async fn client_certificates_are_required_with_ca_path_and_encrypted_keys_load() {
    let server_cert = Cert::self_signed();
    let (ca, client) = Cert::ca_and_client();
    let dir = tempfile::tempdir().unwrap();
    let ca_path = dir.path().join("ca.pem");
    std::fs::write(&ca_path, &ca.cert_pem).unwrap();
    let server = TlsServer::start(&server_cert, json!({"ca_path": ca_path}), &[]).await;

    let (mut with_cert, _) = wss(
        server.port,
        "key-1",
        client_config(&[&server_cert], Some(&client)),
    )
    .await
    .unwrap();
    established(&mut with_cert).await;
    // TLS 1.3 finishes the client's side of the handshake before the server checks its
    // certificate, so the refusal shows on the first exchange.
    let without = wss(server.port, "key-1", client_config(&[&server_cert], None)).await;
    assert!(without.is_err(), "a client without a certificate got in");
    drop(server);

    // A PKCS#8-encrypted key with its passphrase from SSL_PASSPHRASE.
    let mut encrypted = Cert::self_signed();
    encrypted.key_pem = encrypt(&encrypted.key_pem, "open sesame");
    let server =
        TlsServer::start(&encrypted, json!({}), &[("SSL_PASSPHRASE", "open sesame")]).await;
    let (mut client, presented) = wss(server.port, "key-1", client_config(&[&encrypted], None))
        .await
        .unwrap();
    assert_eq!(presented, encrypted.der);
    established(&mut client).await;
}

fn encrypt(key_pem: &str, passphrase: &str) -> String {
    use pkcs8::der::Decode;
    let (_, der) = pkcs8::der::pem::decode_vec(key_pem.as_bytes()).unwrap();
    let info = pkcs8::PrivateKeyInfo::from_der(&der).unwrap();
    let salt: [u8; 16] = rand::random();
    let iv: [u8; 16] = rand::random();
    let params =
        pkcs8::pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(10_000, &salt, &iv).unwrap();
    info.encrypt_with_params(params, passphrase)
        .unwrap()
        .to_pem("ENCRYPTED PRIVATE KEY", pkcs8::LineEnding::LF)
        .unwrap()
        .to_string()
}

#[test]
fn broken_tls_files_stop_serve_and_fail_config_check() {
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("key.pem");
    std::fs::write(
        &key_path,
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let mut config = default_config();
    config["ssl"] = json!({
        "enabled": true,
        "cert_path": dir.path().join("missing.pem"),
        "key_path": key_path,
    });
    let path = dir.path().join("config.json");
    std::fs::File::create(&path)
        .unwrap()
        .write_all(config.to_string().as_bytes())
        .unwrap();
    let missing = format!(
        "ssl.cert_path: cannot read {}",
        dir.path().join("missing.pem").display()
    );
    for args in [&["serve"][..], &["config", "check"][..]] {
        let output = sockudo()
            .args(args)
            .arg("--config")
            .arg(&path)
            .env("PORT", free_port().to_string())
            .env("METRICS_ENABLED", "false")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(&missing), "{args:?}: {stderr}");
        assert!(
            stderr.contains("ssl.key_path: ") && stderr.contains("holds no private key"),
            "{args:?}: {stderr}"
        );
    }
}
