//! Close and error codes of the Pusher protocol (PROTOCOL.md, "Close / error codes").
//!
//! The range a code falls in tells the client what to do: 4000-4099 do not reconnect unchanged,
//! 4100-4199 reconnect after backoff, 4200-4299 reconnect now.

/// A Pusher close/error code with the reason text we send beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseCode {
    /// 4001: the key in the URL names no app.
    AppNotFound,
    /// 4003: the app exists but is disabled.
    AppDisabled,
    /// 4004: the app is over its connection quota.
    OverConnectionQuota,
    /// 4005: the path is not `/app/{key}`.
    PathNotFound,
    /// 4006: the `protocol` query parameter is not a version we speak.
    InvalidVersion,
    /// 4007: a protocol version we no longer support.
    UnsupportedProtocol,
    /// 4008: no `protocol` query parameter.
    NoProtocol,
    /// 4009: unauthorized (terminated by the HTTP API, origin refused).
    Unauthorized,
    /// 4100: the server is over capacity or the socket's outbound buffer overflowed.
    OverCapacity,
    /// 4200: generic "reconnect now", used on shutdown.
    Reconnect,
    /// 4201: the client did not answer our ping in time.
    PongNotReceived,
    /// 4202: closed after inactivity.
    ClosedAfterInactivity,
    /// 4301: client event rate limit exceeded.
    ClientEventRateLimit,
    /// 4302: the watchlist is over its limit.
    WatchlistOverLimit,
}

impl CloseCode {
    const ALL: [CloseCode; 14] = [
        CloseCode::AppNotFound,
        CloseCode::AppDisabled,
        CloseCode::OverConnectionQuota,
        CloseCode::PathNotFound,
        CloseCode::InvalidVersion,
        CloseCode::UnsupportedProtocol,
        CloseCode::NoProtocol,
        CloseCode::Unauthorized,
        CloseCode::OverCapacity,
        CloseCode::Reconnect,
        CloseCode::PongNotReceived,
        CloseCode::ClosedAfterInactivity,
        CloseCode::ClientEventRateLimit,
        CloseCode::WatchlistOverLimit,
    ];

    pub fn from_code(code: u16) -> Option<CloseCode> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    pub fn code(self) -> u16 {
        match self {
            CloseCode::AppNotFound => 4001,
            CloseCode::AppDisabled => 4003,
            CloseCode::OverConnectionQuota => 4004,
            CloseCode::PathNotFound => 4005,
            CloseCode::InvalidVersion => 4006,
            CloseCode::UnsupportedProtocol => 4007,
            CloseCode::NoProtocol => 4008,
            CloseCode::Unauthorized => 4009,
            CloseCode::OverCapacity => 4100,
            CloseCode::Reconnect => 4200,
            CloseCode::PongNotReceived => 4201,
            CloseCode::ClosedAfterInactivity => 4202,
            CloseCode::ClientEventRateLimit => 4301,
            CloseCode::WatchlistOverLimit => 4302,
        }
    }

    pub fn reason(self) -> &'static str {
        match self {
            CloseCode::AppNotFound => "App not found",
            CloseCode::AppDisabled => "App is disabled",
            CloseCode::OverConnectionQuota => "App is over its connection quota",
            CloseCode::PathNotFound => "Path not found",
            CloseCode::InvalidVersion => "Invalid protocol version",
            CloseCode::UnsupportedProtocol => "Unsupported protocol version",
            CloseCode::NoProtocol => "No protocol version supplied",
            CloseCode::Unauthorized => "Unauthorized",
            CloseCode::OverCapacity => "Over capacity",
            CloseCode::Reconnect => "Server is restarting, reconnect",
            CloseCode::PongNotReceived => "Pong reply not received",
            CloseCode::ClosedAfterInactivity => "Closed after inactivity",
            CloseCode::ClientEventRateLimit => "Client event rate limit exceeded",
            CloseCode::WatchlistOverLimit => "Watchlist over limit",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_fall_in_their_documented_ranges() {
        assert_eq!(CloseCode::AppNotFound.code(), 4001);
        assert!((4100..4200).contains(&CloseCode::OverCapacity.code()));
        assert!((4200..4300).contains(&CloseCode::Reconnect.code()));
        assert_eq!(CloseCode::PongNotReceived.code(), 4201);
        assert_eq!(CloseCode::ClientEventRateLimit.code(), 4301);
    }

    #[test]
    fn every_code_round_trips() {
        for code in CloseCode::ALL {
            assert_eq!(CloseCode::from_code(code.code()), Some(code));
        }
        assert_eq!(CloseCode::from_code(1000), None);
    }
}
