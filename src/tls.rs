//! TLS on the main listener (the `ssl` section): PEM certificates and keys read with rustls
//! (on ring, as reqwest already builds it), a listener that completes handshakes off the accept
//! loop, certificate reload (SIGHUP) for new handshakes only, and the plain-HTTP redirect.
//!
//! Problems are reported as the config's are: one line per problem, each naming its key
//! (`ssl.cert_path: ...`), all of them at once.

use crate::config::{Config, SslConfig};
use crate::metrics::{ConnectionError, Metrics};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use parking_lot::RwLock;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ParsedCertificate, ResolvesServerCert, WebPkiClientVerifier};
use rustls::sign::CertifiedKey;
use rustls::{RootCertStore, ServerConfig};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

/// The files of a TLS setup, as `ssl` names them.
#[derive(Debug, Clone, Default)]
pub struct Files {
    /// PEM certificate chain, leaf first.
    pub cert_path: PathBuf,
    /// PEM private key; PKCS#8-encrypted (`ENCRYPTED PRIVATE KEY`) with `passphrase`.
    pub key_path: PathBuf,
    pub passphrase: Option<String>,
    /// PEM CA bundle: clients must present a certificate one of these signed.
    pub ca_path: Option<PathBuf>,
}

impl Files {
    /// The files `ssl` names (an empty `passphrase` or `ca_path` is none).
    pub fn of(ssl: &SslConfig) -> Files {
        let set = |value: &Option<String>| value.clone().filter(|v| !v.is_empty());
        Files {
            cert_path: ssl.cert_path.clone().into(),
            key_path: ssl.key_path.clone().into(),
            passphrase: set(&ssl.passphrase),
            ca_path: set(&ssl.ca_path).map(Into::into),
        }
    }
}

/// With TLS on: every problem with the files `ssl` names, read and parsed now. `serve` and
/// `config check` give it to [`crate::config::load_checked`], so both report these with the
/// config's other problems.
pub fn file_problems(config: &Config) -> Vec<String> {
    if !config.ssl.enabled {
        return Vec::new();
    }
    server_config(&Files::of(&config.ssl))
        .err()
        .unwrap_or_default()
}

/// Larger than any certificate chain or key; a bigger "PEM file" is a wrong path.
const MAX_PEM_BYTES: u64 = 1 << 20;

/// A client has this long to finish its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The server configuration `files` describe, or every problem with them.
pub fn server_config(files: &Files) -> Result<Arc<ServerConfig>, Vec<String>> {
    let provider = provider();
    let mut problems = Vec::new();
    let chain = certificates(&files.cert_path)
        .map_err(|e| problems.push(format!("ssl.cert_path: {e}")))
        .ok();
    let key = private_key(&files.key_path, files.passphrase.as_deref())
        .map_err(|(key, e)| problems.push(format!("{key}: {e}")))
        .ok();
    let verifier = match files.ca_path.as_deref() {
        None => Some(None),
        Some(ca) => client_verifier(ca, &provider)
            .map_err(|e| problems.push(format!("ssl.ca_path: {e}")))
            .ok()
            .map(Some),
    };
    let (Some(chain), Some(key), Some(verifier)) = (chain, key, verifier) else {
        return Err(problems);
    };
    let certified = CertifiedKey::from_der(chain, key, &provider).map_err(|error| {
        vec![match error {
            rustls::Error::InconsistentKeys(_) => format!(
                "ssl.key_path: {} is not the key of the certificate in {}",
                files.key_path.display(),
                files.cert_path.display()
            ),
            other => format!(
                "ssl.key_path: {}: unusable key ({other}); use an RSA, ECDSA (P-256/P-384) or Ed25519 key",
                files.key_path.display()
            ),
        }]
    })?;
    let builder = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| vec![format!("ssl: {e}")])?;
    let builder = match verifier {
        Some(verifier) => builder.with_client_cert_verifier(verifier),
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_cert_resolver(Arc::new(Fixed(Arc::new(certified))));
    // The WebSocket upgrade is an HTTP/1.1 request; the server speaks nothing else.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Hands every handshake the one certificate; a reload swaps the whole [`ServerConfig`].
#[derive(Debug)]
struct Fixed(Arc<CertifiedKey>);

impl ResolvesServerCert for Fixed {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

fn read_pem(path: &Path) -> Result<Vec<u8>, String> {
    if path.as_os_str().is_empty() {
        return Err("not set (required when ssl.enabled is true)".into());
    }
    let shown = path.display();
    // Metadata first: a directory, a FIFO or /dev/zero is refused without being opened.
    let metadata = std::fs::metadata(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    if !metadata.is_file() {
        return Err(format!("{shown} is not a file"));
    }
    if metadata.len() > MAX_PEM_BYTES {
        return Err(format!(
            "{shown} is {} bytes, too large for a PEM file",
            metadata.len()
        ));
    }
    std::fs::read(path).map_err(|e| format!("cannot read {shown}: {e}"))
}

/// The certificate chain in the PEM file at `path`, leaf first.
fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let bytes = read_pem(path)?;
    let shown = path.display();
    let chain = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{shown} is not valid PEM: {e}"))?;
    if chain.is_empty() {
        return Err(format!(
            "{shown} holds no certificate (expected PEM blocks \"BEGIN CERTIFICATE\")"
        ));
    }
    ParsedCertificate::try_from(&chain[0])
        .map_err(|e| format!("{shown}: the first certificate cannot be parsed: {e}"))?;
    Ok(chain)
}

/// The private key in the PEM file at `path`; on error, the key to blame and why.
fn private_key(
    path: &Path,
    passphrase: Option<&str>,
) -> Result<PrivateKeyDer<'static>, (&'static str, String)> {
    let bytes = read_pem(path).map_err(|e| ("ssl.key_path", e))?;
    let shown = path.display();
    let text = String::from_utf8_lossy(&bytes);
    if let Some(block) = pem_block(&text, "ENCRYPTED PRIVATE KEY") {
        let Some(passphrase) = passphrase.filter(|p| !p.is_empty()) else {
            return Err((
                "ssl.key_path",
                format!("{shown} is encrypted: set ssl.passphrase (env SSL_PASSPHRASE)"),
            ));
        };
        return decrypt(block, passphrase).map_err(|(key, e)| (key, format!("{shown}: {e}")));
    }
    if text.contains("Proc-Type: 4,ENCRYPTED") {
        return Err((
            "ssl.key_path",
            format!(
                "{shown} is encrypted in the legacy OpenSSL format, which is not supported; convert it with `openssl pkcs8 -topk8 -v2 aes-256-cbc -in OLD -out NEW` (PKCS#8, keeps a passphrase) or `openssl pkey -in OLD -out NEW` (unencrypted)"
            ),
        ));
    }
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|error| {
        let message = match error {
            pem::Error::NoItemsFound => format!(
                "{shown} holds no private key (expected a PEM block \"BEGIN PRIVATE KEY\", \"BEGIN RSA PRIVATE KEY\" or \"BEGIN EC PRIVATE KEY\")"
            ),
            other => format!("{shown} is not valid PEM: {other}"),
        };
        ("ssl.key_path", message)
    })
}

/// The text of the first PEM block labelled `label`, BEGIN and END lines included.
fn pem_block<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)?;
    let stop = start + text[start..].find(&end)? + end.len();
    Some(&text[start..stop])
}

/// Decrypts a PKCS#8 `ENCRYPTED PRIVATE KEY` block (PBES2: PBKDF2 or scrypt, AES-CBC or 3DES).
fn decrypt(
    block: &str,
    passphrase: &str,
) -> Result<PrivateKeyDer<'static>, (&'static str, String)> {
    use pkcs8::{pkcs5, EncryptedPrivateKeyInfo};
    let (_, der) = pkcs8::der::pem::decode_vec(block.as_bytes()).map_err(|e| {
        (
            "ssl.key_path",
            format!("the encrypted key is not valid PEM: {e}"),
        )
    })?;
    let info = EncryptedPrivateKeyInfo::try_from(der.as_slice()).map_err(|e| {
        (
            "ssl.key_path",
            format!("the encrypted key cannot be parsed: {e}"),
        )
    })?;
    let decrypted = info.decrypt(passphrase).map_err(|error| match error {
        pkcs8::Error::EncryptedPrivateKey(pkcs5::Error::UnsupportedAlgorithm { oid }) => (
            "ssl.key_path",
            format!("encrypted with an unsupported scheme ({oid}); re-encrypt it with `openssl pkcs8 -topk8 -v2 aes-256-cbc`"),
        ),
        pkcs8::Error::EncryptedPrivateKey(pkcs5::Error::NoPbes1CryptSupport) => (
            "ssl.key_path",
            "encrypted with PBES1, which is not supported; re-encrypt it with `openssl pkcs8 -topk8 -v2 aes-256-cbc`".into(),
        ),
        _ => (
            "ssl.passphrase",
            "cannot decrypt the key with this passphrase".into(),
        ),
    })?;
    Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        decrypted.as_bytes().to_vec(),
    )))
}

/// Client-certificate checking against the CA bundle at `path`.
fn client_verifier(
    path: &Path,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<dyn rustls::server::danger::ClientCertVerifier>, String> {
    let bytes = read_pem(path)?;
    let shown = path.display();
    let cas = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{shown} is not valid PEM: {e}"))?;
    let mut roots = RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(cas);
    if added == 0 {
        return Err(format!("{shown} holds no usable CA certificate"));
    }
    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| format!("{shown}: {e}"))
}

/// The live TLS configuration of the main listener: what new handshakes use.
pub struct Tls {
    files: Files,
    config: RwLock<Arc<ServerConfig>>,
}

impl Tls {
    pub fn load(files: Files) -> Result<Arc<Tls>, Vec<String>> {
        let config = server_config(&files)?;
        Ok(Arc::new(Tls {
            files,
            config: RwLock::new(config),
        }))
    }

    /// Reads the files again. New handshakes get the new certificate; connections already up
    /// keep theirs. On error the current configuration stays.
    pub fn reload(&self) -> Result<(), Vec<String>> {
        let config = server_config(&self.files)?;
        *self.config.write() = config;
        Ok(())
    }

    pub fn files(&self) -> &Files {
        &self.files
    }

    fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(self.config.read().clone())
    }
}

/// Accepts TCP connections and runs each TLS handshake in its own task (bounded by
/// [`HANDSHAKE_TIMEOUT`]), so a slow or silent client holds up nobody; axum serves the streams
/// whose handshake finished. Use with `axum::serve(listener.tap_io(|_| {}), ...)` so
/// `ConnectInfo<SocketAddr>` works as on a plain listener.
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    /// Starts accepting on `tcp`; stops when `shutdown` is cancelled.
    pub fn new(
        tcp: TcpListener,
        tls: Arc<Tls>,
        metrics: Metrics,
        shutdown: CancellationToken,
    ) -> std::io::Result<TlsListener> {
        let local = tcp.local_addr()?;
        let (sender, ready) = mpsc::channel(256);
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    accepted = tcp.accept() => accepted,
                    _ = shutdown.cancelled() => return,
                };
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // As axum does: per-connection errors are skipped, others (out of file
                        // descriptors) pause accepting a moment.
                        if !matches!(
                            error.kind(),
                            std::io::ErrorKind::ConnectionRefused
                                | std::io::ErrorKind::ConnectionAborted
                                | std::io::ErrorKind::ConnectionReset
                        ) {
                            tracing::error!(%error, "accept failed");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                        continue;
                    }
                };
                crate::net::send_without_delay(&stream);
                let acceptor = tls.acceptor();
                let sender = sender.clone();
                let metrics = metrics.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => {
                            let _ = sender.send((stream, peer)).await;
                        }
                        Ok(Err(error)) => {
                            metrics.connection_failed(ConnectionError::TlsHandshake);
                            tracing::debug!(%peer, %error, "TLS handshake failed");
                        }
                        Err(_) => {
                            metrics.connection_failed(ConnectionError::TlsTimeout);
                            tracing::debug!(%peer, "TLS handshake timed out");
                        }
                    }
                });
            }
        });
        Ok(TlsListener { ready, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(ready) => ready,
            // Accepting stopped (shutdown): nothing more will come.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// The plain-HTTP listener of `ssl.redirect_http`: every request is sent to the same host and
/// path on https and `https_port` (301 for GET and HEAD, 308, which keeps the method, otherwise).
pub fn redirect_router(https_port: u16) -> Router {
    Router::new().fallback(
        move |method: Method, headers: HeaderMap, uri: Uri| async move {
            redirect(&method, &headers, &uri, https_port)
        },
    )
}

fn redirect(method: &Method, headers: &HeaderMap, uri: &Uri, https_port: u16) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.parse::<axum::http::uri::Authority>().ok());
    let Some(host) = host else {
        return (StatusCode::BAD_REQUEST, "use https\n").into_response();
    };
    let port = match https_port {
        443 => String::new(),
        port => format!(":{port}"),
    };
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let location = format!("https://{}{port}{path}", host.host());
    let status = if method == Method::GET || method == Method::HEAD {
        StatusCode::MOVED_PERMANENTLY
    } else {
        StatusCode::PERMANENT_REDIRECT
    };
    (status, [(header::LOCATION, location)]).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Made {
        _dir: tempfile::TempDir,
        files: Files,
        key_pem: String,
    }

    fn make(names: &[&str]) -> Made {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert =
            rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap()
                .self_signed(&key)
                .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let cert_path = dir.path().join("cert.pem");
        let key_path = dir.path().join("key.pem");
        std::fs::write(&cert_path, cert.pem()).unwrap();
        std::fs::write(&key_path, key.serialize_pem()).unwrap();
        Made {
            files: Files {
                cert_path,
                key_path,
                passphrase: None,
                ca_path: None,
            },
            key_pem: key.serialize_pem(),
            _dir: dir,
        }
    }

    fn encrypted(key_pem: &str, passphrase: &str) -> String {
        use pkcs8::der::Decode;
        let (_, der) = pkcs8::der::pem::decode_vec(key_pem.as_bytes()).unwrap();
        let info = pkcs8::PrivateKeyInfo::from_der(&der).unwrap();
        let params =
            pkcs8::pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(2048, &[7; 16], &[9; 16])
                .unwrap();
        let document = info.encrypt_with_params(params, passphrase).unwrap();
        document
            .to_pem("ENCRYPTED PRIVATE KEY", pkcs8::LineEnding::LF)
            .unwrap()
            .to_string()
    }

    fn problems(files: &Files) -> String {
        server_config(files).err().unwrap_or_default().join("\n")
    }

    #[test]
    fn a_certificate_and_its_key_load() {
        let made = make(&["localhost"]);
        let config = server_config(&made.files).unwrap();
        assert_eq!(config.alpn_protocols, [b"http/1.1".to_vec()]);
    }

    #[test]
    fn every_missing_file_is_reported_with_its_key() {
        let files = Files {
            cert_path: "/nonexistent/cert.pem".into(),
            key_path: "".into(),
            passphrase: None,
            ca_path: Some("/nonexistent/ca.pem".into()),
        };
        let message = problems(&files);
        assert!(
            message.contains("ssl.cert_path: cannot read /nonexistent/cert.pem"),
            "{message}"
        );
        assert!(message.contains("ssl.key_path: not set"), "{message}");
        assert!(
            message.contains("ssl.ca_path: cannot read /nonexistent/ca.pem"),
            "{message}"
        );
    }

    #[test]
    fn files_that_are_not_pem_are_refused() {
        let made = make(&["localhost"]);
        let mut files = made.files.clone();
        std::fs::write(&files.cert_path, "hello").unwrap();
        assert!(problems(&files).contains("holds no certificate"));
        files.cert_path = made.files.key_path.clone();
        assert!(problems(&files).contains("holds no certificate"));
        let mut files = made.files.clone();
        files.key_path = made.files.cert_path.clone();
        assert!(problems(&files).contains("holds no private key"));
        files.key_path = "/dev".into();
        assert!(problems(&files).contains("is not a file"));
        files.key_path = "/dev/zero".into();
        assert!(problems(&files).contains("is not a file"));
    }

    #[test]
    fn a_key_of_another_certificate_is_refused() {
        let one = make(&["localhost"]);
        let other = make(&["localhost"]);
        let files = Files {
            key_path: other.files.key_path.clone(),
            ..one.files.clone()
        };
        let message = problems(&files);
        assert!(
            message.contains("is not the key of the certificate"),
            "{message}"
        );
    }

    #[test]
    fn encrypted_keys_need_the_right_passphrase() {
        let made = make(&["localhost"]);
        let mut files = made.files.clone();
        std::fs::write(&files.key_path, encrypted(&made.key_pem, "s3cret")).unwrap();
        let message = problems(&files);
        assert!(
            message.contains("ssl.key_path") && message.contains("set ssl.passphrase"),
            "{message}"
        );
        files.passphrase = Some("wrong".into());
        let message = problems(&files);
        assert!(message.contains("ssl.passphrase: "), "{message}");
        files.passphrase = Some("s3cret".into());
        server_config(&files).unwrap();
    }

    #[test]
    fn legacy_encrypted_keys_are_refused_with_a_way_out() {
        let made = make(&["localhost"]);
        let files = made.files.clone();
        std::fs::write(
            &files.key_path,
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n",
        )
        .unwrap();
        let message = problems(&files);
        assert!(
            message.contains("legacy OpenSSL format") && message.contains("openssl pkcs8"),
            "{message}"
        );
    }

    #[test]
    fn a_ca_bundle_turns_on_client_certificates() {
        let made = make(&["localhost"]);
        let files = Files {
            ca_path: Some(made.files.cert_path.clone()),
            ..made.files.clone()
        };
        server_config(&files).unwrap();
        let files = Files {
            ca_path: Some(made.files.key_path.clone()),
            ..made.files.clone()
        };
        assert!(problems(&files).contains("ssl.ca_path: "));
    }

    #[test]
    fn redirects_keep_host_and_path() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, "example.com:8080".parse().unwrap());
        let uri: Uri = "/app/key?protocol=7".parse().unwrap();
        let response = redirect(&Method::GET, &headers, &uri, 6001);
        assert_eq!(response.status(), StatusCode::MOVED_PERMANENTLY);
        assert_eq!(
            response.headers()[header::LOCATION],
            "https://example.com:6001/app/key?protocol=7"
        );
        let response = redirect(&Method::POST, &headers, &uri, 443);
        assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT);
        assert_eq!(
            response.headers()[header::LOCATION],
            "https://example.com/app/key?protocol=7"
        );
        headers.insert(header::HOST, "[::1]:80".parse().unwrap());
        let response = redirect(&Method::GET, &headers, &uri, 6001);
        assert_eq!(
            response.headers()[header::LOCATION],
            "https://[::1]:6001/app/key?protocol=7"
        );
        let response = redirect(&Method::GET, &HeaderMap::new(), &uri, 6001);
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }
}
