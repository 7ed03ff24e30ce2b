//! Integration tests: each one runs the built `sockudo` binary on fresh ports and talks to it over
//! real sockets. Timeouts only bound waiting; no test asserts how long anything took.

#[cfg(feature = "aws")]
mod aws;
mod backing_tls;
mod bench;
mod channels;
mod cli;
mod client_events;
mod cluster;
mod connection;
mod console;
mod databases;
mod extensions;
mod frames;
mod hostile;
mod http_api;
mod lifecycle;
mod packaging;
mod rate_limits;
mod stores;
mod support;
mod tls;
mod top;
mod users;
mod webhooks;
