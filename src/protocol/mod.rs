//! Pusher protocol v7 as data: close codes, channel names, inbound frames, outbound frames and
//! signatures. Nothing here does I/O, so all of it is unit-tested without sockets.

pub mod channel;
pub mod close;
pub mod inbound;
pub mod outbound;
pub mod signature;
pub mod socket_id;

pub use channel::{ChannelKind, ChannelName};
pub use close::CloseCode;
pub use socket_id::SocketId;
