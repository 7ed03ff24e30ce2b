//! sockudo: a realtime WebSocket server that speaks the Pusher Channels protocol.
//!
//! # Layout
//! Each layer imports only its own layer and those below it; no file imports one that imports
//! it back. `tests/layers.rs` checks both on every test run, from the same list.
//!
//! ```text
//! server                          wiring: state, listeners, graceful shutdown
//! connection  http  console       the edges: one socket's life, the HTTP API (and /stats), the
//!                                 web console (which borrows http's event checks)
//! state                           what the handlers share
//! publish                         the one publish path, and cluster-wide channel counts
//! adapter                         the other nodes: the bus, the remote view, ownership
//! lifecycle                       what a subscription change means: occupied, vacated,
//!                                 members, counts (pure), for this node and the bus alike
//! channels  webhooks  tls         per-node channel state; webhook delivery; TLS listener;
//! accept  cleanup                 the accept loop; closed sockets leaving their channels
//! config                          typed configuration: data, built from the leaf services'
//!                                 settings types; it reads no files beyond its own
//! filter  delta  app  ratelimit   leaf services: tag filters, delta compression, the app model
//! metrics  socket                 and stores, rate limits, Prometheus, one socket's queue
//! protocol  lenient  glob         pure: wire types, close codes, channel names, signatures;
//! throttle  net  limits           parsing helpers, socket options, process limits, a bounded
//! redis_link  aws                 Redis connection that says why it failed, the AWS SDK's
//!                                 shared configuration (the `aws` feature)
//! ```
//!
//! Config sits on the leaf services rather than under them because its sections are their
//! settings types (`App`, delta defaults, quotas); it imports no module that does I/O at start
//! (the TLS files are read by [`tls::file_problems`], which `serve` and `config check` hand to
//! [`config::load_checked`]). The lower layers reach upward only through what they are handed:
//! the cluster delivers other nodes' events through [`adapter::Deliver`], which [`publish`]
//! implements. The `top` dashboard (crate `sockudo-tui`) and this library share the `/stats`
//! wire format through the small `sockudo-snapshot` crate; neither depends on the other.
//!
//! # The path of one message
//! `POST /apps/{id}/events` -> [`http`] verifies the signature and limits -> [`publish`] builds
//! the frame once into shared bytes, stores a cache channel's value, and hands it to the app's
//! [`channels::Namespace`], which gives the subscribers (through filters and deltas for those
//! that asked) -> each subscriber's bounded queue ([`socket`]) -> that socket's task writes it;
//! [`publish`] then sends the frame to the other nodes ([`adapter`]), whose bus receivers hand
//! it to the same path. Client events (from [`connection`]) and the console take it too.

mod accept;
pub mod adapter;
pub mod app;
#[cfg(feature = "aws")]
pub mod aws;
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
mod redis_link;
pub mod server;
pub mod socket;
pub mod state;
mod throttle;
pub mod tls;

pub mod webhooks;
