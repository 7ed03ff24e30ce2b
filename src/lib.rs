//! sockudo: a realtime WebSocket server that speaks the Pusher Channels protocol.
//!
//! # Layout
//! Modules import downwards only:
//! - [`protocol`]: wire types, close codes, channel names, signatures. Pure, no I/O.
//! - [`config`]: typed configuration and its loader (defaults <- file <- env).
//! - [`app`]: the app model and the [`app::AppStore`] trait.
//! - [`socket`]: one socket's bounded outbound queue and close signal.
//! - [`channels`]: per-app subscriptions, presence members, users, cache channels.
//! - [`metrics`]: the Prometheus registry.
//! - [`cleanup`]: closed sockets leave their channels on worker threads.
//! - [`state`]: what the handlers share.
//! - [`connection`]: a socket's life, with its I/O-free protocol [`connection::session`].
//! - [`http`]: the Pusher HTTP API, health checks, and the upgrade route.
//! - [`tls`]: TLS for the main listener: certificates and keys, reload, the https redirect.
//! - `net`: socket settings shared by the plain and the TLS listener (`TCP_NODELAY`).
//! - `accept`: the main port's accept loop: header timeout, HTTP connection cap, bounded
//!   graceful shutdown.
//! - [`server`]: listeners and graceful shutdown.
//!
//! # The path of one message
//! `POST /apps/{id}/events` -> [`http`] verifies the signature and limits -> the app's
//! [`channels::Namespace`] gives the subscribers -> the frame is serialised once into shared bytes
//! -> each subscriber's bounded queue ([`socket`]) -> that socket's task writes it.

mod accept;
pub mod adapter;
pub mod app;
pub mod channels;
pub mod cleanup;
pub mod config;
pub mod connection;
pub mod console;
pub mod delta;
pub mod filter;
mod glob;
pub mod http;
mod lenient;
pub mod lifecycle;
pub mod limits;
pub mod metrics;
mod net;
pub mod protocol;
pub mod publish;
pub mod ratelimit;
pub mod server;
pub mod socket;
pub mod state;
mod throttle;
pub mod tls;

pub mod webhooks;
