//! The WebSocket upgrade of a plain-TCP connection, taken by us rather than by sockudo-ws's axum
//! extractor so that the socket's task gets the `TcpStream` itself (which direct writes need)
//! instead of a boxed stream. The checks and answers match the extractor's.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, Method, StatusCode};
use axum::response::Response;
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// A checked upgrade request, ready to be answered.
pub struct Upgrade {
    accept_key: String,
    /// The first subprotocol the client offered, echoed back as sockudo-ws does.
    protocol: Option<String>,
    on_upgrade: OnUpgrade,
}

/// The upgraded connection: its TCP stream and any bytes the client sent after its request.
pub struct Upgraded {
    pub tcp: TcpStream,
    pub leftover: Option<bytes::Bytes>,
}

/// Why an upgrade request was refused: the 4xx status and a plain-text body.
pub type Refusal = (StatusCode, &'static str);

/// Checks that `request` asks for a WebSocket (RFC 6455 4.2.1); otherwise the 4xx to send.
pub fn check(request: &mut Request) -> Result<Upgrade, Refusal> {
    if request.method() != Method::GET {
        return Err((StatusCode::METHOD_NOT_ALLOWED, "Method must be GET"));
    }
    let headers = request.headers();
    let value = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let contains = |name, token: &str| value(name).map(|v| v.to_ascii_lowercase().contains(token));
    match contains(header::UPGRADE, "websocket") {
        None => return Err(bad_request("Missing Upgrade header")),
        Some(false) => return Err(bad_request("Invalid Upgrade header")),
        Some(true) => {}
    }
    match contains(header::CONNECTION, "upgrade") {
        None => return Err(bad_request("Missing Connection header")),
        Some(false) => return Err(bad_request("Invalid Connection header")),
        Some(true) => {}
    }
    let key =
        value(header::SEC_WEBSOCKET_KEY).ok_or_else(|| bad_request("Missing Sec-WebSocket-Key"))?;
    match value(header::SEC_WEBSOCKET_VERSION) {
        None => return Err(bad_request("Missing Sec-WebSocket-Version")),
        Some("13") => {}
        Some(_) => return Err(bad_request("Unsupported WebSocket version")),
    }
    let accept_key = sockudo_ws::handshake::generate_accept_key(key);
    let protocol = value(header::SEC_WEBSOCKET_PROTOCOL)
        .map(|offers| offers.split(',').next().unwrap_or("").trim().to_string());
    let on_upgrade = request
        .extensions_mut()
        .remove::<OnUpgrade>()
        .ok_or_else(|| bad_request("Missing upgrade in request extensions"))?;
    Ok(Upgrade {
        accept_key,
        protocol,
        on_upgrade,
    })
}

impl Upgrade {
    /// The `101 Switching Protocols` answer, and the connection once hyper has sent it. The
    /// connection is `None` when the client went away first, or when the listener's streams are
    /// not plain TCP (the caller only takes this path for a plain listener).
    pub fn accept(
        self,
    ) -> (
        Response,
        impl std::future::Future<Output = Option<Upgraded>>,
    ) {
        let mut response = Response::builder()
            .status(StatusCode::SWITCHING_PROTOCOLS)
            .header(header::UPGRADE, "websocket")
            .header(header::CONNECTION, "Upgrade")
            .header(header::SEC_WEBSOCKET_ACCEPT, self.accept_key);
        if let Some(protocol) = &self.protocol {
            response = response.header(header::SEC_WEBSOCKET_PROTOCOL, protocol.as_str());
        }
        let response = response.body(Body::empty()).unwrap_or_default();
        let upgraded = async move {
            let upgraded = self.on_upgrade.await.ok()?;
            match upgraded.downcast::<TokioIo<TcpStream>>() {
                Ok(parts) => Some(Upgraded {
                    tcp: parts.io.into_inner(),
                    leftover: (!parts.read_buf.is_empty()).then_some(parts.read_buf),
                }),
                Err(_) => {
                    tracing::error!("an upgraded connection is not plain TCP; dropping it");
                    None
                }
            }
        };
        (response, upgraded)
    }
}

fn bad_request(message: &'static str) -> Refusal {
    (StatusCode::BAD_REQUEST, message)
}
