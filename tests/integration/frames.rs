//! Frame-level edge cases of RFC 6455 on the raw transport: fragmentation, control frames in
//! between, invalid UTF-8, unmasked frames, reserved opcodes, close codes. Each test speaks raw
//! bytes over TCP, so nothing in a client library can smooth the input over.
//!
//! On a protocol violation the transport (sockudo-ws) *fails the connection* by closing TCP
//! without a close frame, which RFC 6455 7.1.7 allows; the tests check that it does so at once,
//! and that nothing else is disturbed.

use crate::support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TEXT: u8 = 0x1;
const CONTINUATION: u8 = 0x0;
const CLOSE: u8 = 0x8;
const PING: u8 = 0x9;
const PONG: u8 = 0xA;

/// Upgrades a raw TCP connection and reads past `pusher:connection_established`.
async fn raw(server: &Server) -> TcpStream {
    let (mut stream, head) = upgrade_by_hand(server.port, "").await;
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    let (opcode, payload) = read_frame(&mut stream)
        .await
        .expect("connection_established");
    assert_eq!(opcode, TEXT);
    assert!(String::from_utf8_lossy(&payload).contains("connection_established"));
    stream
}

/// A client frame: masked unless `masked` is false.
fn frame(fin: bool, opcode: u8, payload: &[u8], masked: bool) -> Vec<u8> {
    let mut out = vec![(u8::from(fin) << 7) | opcode];
    let mask_bit = if masked { 0x80 } else { 0 };
    match payload.len() {
        n if n < 126 => out.push(mask_bit | n as u8),
        n if n < 65536 => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    if !masked {
        out.extend_from_slice(payload);
        return out;
    }
    let mask = [0x12, 0x34, 0x56, 0x78];
    out.extend_from_slice(&mask);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    out
}

/// The next server frame (opcode, payload), or None once the connection is gone.
async fn read_frame(stream: &mut TcpStream) -> Option<(u8, Vec<u8>)> {
    let read = async {
        let mut head = [0u8; 2];
        stream.read_exact(&mut head).await.ok()?;
        let len = match head[1] & 0x7f {
            126 => {
                let mut n = [0u8; 2];
                stream.read_exact(&mut n).await.ok()?;
                u16::from_be_bytes(n) as usize
            }
            127 => {
                let mut n = [0u8; 8];
                stream.read_exact(&mut n).await.ok()?;
                u64::from_be_bytes(n) as usize
            }
            n => n as usize,
        };
        let mut payload = vec![0u8; len];
        stream.read_exact(&mut payload).await.ok()?;
        Some((head[0] & 0x0f, payload))
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), read)
        .await
        .expect("the server answered or closed in time")
}

/// Reads until a close frame; returns its code (None: no code, or the socket just ended).
async fn close_code(stream: &mut TcpStream) -> Option<u16> {
    while let Some((opcode, payload)) = read_frame(stream).await {
        if opcode == CLOSE {
            return (payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]]));
        }
    }
    None
}

const PING_EVENT: &[u8] = br#"{"event":"pusher:ping","data":{}}"#;

#[tokio::test]
async fn a_fragmented_message_with_a_ping_in_between_is_reassembled() {
    let server = Server::start().await;
    let mut stream = raw(&server).await;
    let (first, rest) = PING_EVENT.split_at(12);
    stream
        .write_all(&frame(false, TEXT, first, true))
        .await
        .unwrap();
    stream
        .write_all(&frame(true, PING, b"hb", true))
        .await
        .unwrap();
    stream
        .write_all(&frame(true, CONTINUATION, rest, true))
        .await
        .unwrap();
    let (opcode, payload) = read_frame(&mut stream).await.unwrap();
    assert_eq!(
        (opcode, payload.as_slice()),
        (PONG, &b"hb"[..]),
        "control frames may interleave"
    );
    let (opcode, payload) = read_frame(&mut stream).await.unwrap();
    assert_eq!(opcode, TEXT);
    assert!(String::from_utf8_lossy(&payload).contains("pusher:pong"));
}

#[tokio::test]
async fn protocol_violations_fail_the_connection_at_once() {
    let server = Server::start().await;
    let cases: [(&str, Vec<u8>); 6] = [
        (
            "invalid UTF-8",
            frame(true, TEXT, b"{\"event\":\"\xff\xfe\"}", true),
        ),
        (
            "unmasked client frame",
            frame(true, TEXT, PING_EVENT, false),
        ),
        ("reserved opcode 0x3", frame(true, 0x3, b"x", true)),
        ("fragmented control frame", frame(false, PING, b"x", true)),
        (
            "control frame over 125 bytes",
            frame(true, PING, &[b'x'; 126], true),
        ),
        (
            "continuation without a start",
            frame(true, CONTINUATION, b"x", true),
        ),
    ];
    for (name, bytes) in cases {
        let mut stream = raw(&server).await;
        stream.write_all(&bytes).await.unwrap();
        // Ends (within read_frame's bound) without processing the frame.
        assert_eq!(close_code(&mut stream).await, None, "{name}");
    }
    let errors = "sockudo_connection_errors_total{type=\"protocol\"}";
    assert_eq!(eventually_metric(&server, errors, 6.0).await, 6.0);
    // The server is unharmed.
    let (mut client, _) = server.connected("key-1").await;
    client
        .send(serde_json::json!({"event": "pusher:ping"}))
        .await;
    assert_eq!(client.next().await["event"], "pusher:pong");
}

#[tokio::test]
async fn close_frames_are_answered_and_bad_close_frames_fail_the_connection() {
    let server = Server::start().await;
    let mut stream = raw(&server).await;
    stream
        .write_all(&frame(true, CLOSE, &1000u16.to_be_bytes(), true))
        .await
        .unwrap();
    assert_eq!(
        close_code(&mut stream).await,
        Some(1000),
        "a clean close is echoed"
    );

    let mut stream = raw(&server).await;
    stream
        .write_all(&frame(true, CLOSE, &999u16.to_be_bytes(), true))
        .await
        .unwrap();
    assert_eq!(
        close_code(&mut stream).await,
        None,
        "999 is not a valid close code"
    );

    let mut stream = raw(&server).await;
    stream
        .write_all(&frame(true, CLOSE, &[0x03], true))
        .await
        .unwrap();
    assert_eq!(
        close_code(&mut stream).await,
        None,
        "a one-byte close payload"
    );
}
