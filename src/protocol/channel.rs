//! Channel names and kinds (PROTOCOL.md, "Channels").

use std::fmt;

/// The default and maximum channel name length of the Pusher protocol.
pub const MAX_CHANNEL_NAME_LENGTH: usize = 164;

/// The prefix of the internal per-user channel pusher-js joins after sign-in.
pub const SERVER_TO_USER_PREFIX: &str = "#server-to-user-";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelKind {
    Public,
    Private,
    PrivateEncrypted,
    Presence,
    /// `#server-to-user-{id}`: only a socket signed in as `{id}` may subscribe.
    ServerToUser,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 5] = [
        ChannelKind::Public,
        ChannelKind::Private,
        ChannelKind::PrivateEncrypted,
        ChannelKind::Presence,
        ChannelKind::ServerToUser,
    ];

    /// Private, encrypted and presence channels need a signed `auth` to subscribe.
    pub fn requires_auth(self) -> bool {
        matches!(
            self,
            ChannelKind::Private | ChannelKind::PrivateEncrypted | ChannelKind::Presence
        )
    }

    /// Client events are only allowed where the sender is authenticated.
    pub fn allows_client_events(self) -> bool {
        matches!(self, ChannelKind::Private | ChannelKind::Presence)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Public => "public",
            ChannelKind::Private => "private",
            ChannelKind::PrivateEncrypted => "private-encrypted",
            ChannelKind::Presence => "presence",
            ChannelKind::ServerToUser => "server-to-user",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelNameError {
    #[error("channel name is empty")]
    Empty,
    #[error("channel name is longer than {max} characters")]
    TooLong { max: usize },
    #[error(
        "channel name contains an invalid character {0:?}; allowed are A-Z a-z 0-9 _ - = @ , . ;"
    )]
    InvalidCharacter(char),
}

/// A validated channel name with its kind and whether it is a cache channel.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChannelName {
    name: String,
    kind: ChannelKind,
    cache: bool,
}

impl ChannelName {
    /// Validates `name` against the protocol's character set and `max_len`.
    pub fn parse(name: &str, max_len: usize) -> Result<Self, ChannelNameError> {
        if name.is_empty() {
            return Err(ChannelNameError::Empty);
        }
        if name.chars().count() > max_len {
            return Err(ChannelNameError::TooLong { max: max_len });
        }
        if let Some(user_id) = name.strip_prefix(SERVER_TO_USER_PREFIX) {
            // The user id part comes from the app's sign-in data; only its length is ours to limit.
            if user_id.is_empty() {
                return Err(ChannelNameError::Empty);
            }
            return Ok(ChannelName {
                name: name.to_owned(),
                kind: ChannelKind::ServerToUser,
                cache: false,
            });
        }
        if let Some(bad) = name.chars().find(|c| !is_channel_char(*c)) {
            return Err(ChannelNameError::InvalidCharacter(bad));
        }
        let (kind, cache) = classify(name);
        Ok(ChannelName {
            name: name.to_owned(),
            kind,
            cache,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.name
    }

    pub fn kind(&self) -> ChannelKind {
        self.kind
    }

    pub fn is_cache(&self) -> bool {
        self.cache
    }

    /// For `#server-to-user-{id}`, the user id.
    pub fn server_to_user_id(&self) -> Option<&str> {
        self.name.strip_prefix(SERVER_TO_USER_PREFIX)
    }
}

impl fmt::Display for ChannelName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

fn is_channel_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '=' | '@' | ',' | '.' | ';')
}

/// The kind of a (valid, non-internal) channel name, from its prefix. Prefixes match at the start
/// only, longest first, so `private-encrypted-` wins over `private-`.
pub fn classify(name: &str) -> (ChannelKind, bool) {
    const PREFIXES: [(&str, ChannelKind, bool); 8] = [
        (
            "private-encrypted-cache-",
            ChannelKind::PrivateEncrypted,
            true,
        ),
        ("private-encrypted-", ChannelKind::PrivateEncrypted, false),
        ("private-cache-", ChannelKind::Private, true),
        ("private-", ChannelKind::Private, false),
        ("presence-cache-", ChannelKind::Presence, true),
        ("presence-", ChannelKind::Presence, false),
        ("cache-", ChannelKind::Public, true),
        ("#server-to-user-", ChannelKind::ServerToUser, false),
    ];
    PREFIXES
        .iter()
        .find(|(prefix, _, _)| name.starts_with(prefix))
        .map(|(_, kind, cache)| (*kind, *cache))
        .unwrap_or((ChannelKind::Public, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(name: &str) -> Result<ChannelName, ChannelNameError> {
        ChannelName::parse(name, MAX_CHANNEL_NAME_LENGTH)
    }

    #[test]
    fn kinds_come_from_prefixes() {
        let cases = [
            ("chat", ChannelKind::Public, false),
            ("cache-prices", ChannelKind::Public, true),
            ("private-a", ChannelKind::Private, false),
            ("private-cache-a", ChannelKind::Private, true),
            ("private-encrypted-a", ChannelKind::PrivateEncrypted, false),
            (
                "private-encrypted-cache-a",
                ChannelKind::PrivateEncrypted,
                true,
            ),
            ("presence-room", ChannelKind::Presence, false),
            ("presence-cache-room", ChannelKind::Presence, true),
            ("#server-to-user-42", ChannelKind::ServerToUser, false),
            // Prefixes only count at the start.
            ("my-private-a", ChannelKind::Public, false),
            ("xpresence-a", ChannelKind::Public, false),
        ];
        for (name, kind, cache) in cases {
            let parsed = parse(name).unwrap();
            assert_eq!((parsed.kind(), parsed.is_cache()), (kind, cache), "{name}");
        }
    }

    #[test]
    fn rejects_bad_names() {
        assert_eq!(parse(""), Err(ChannelNameError::Empty));
        assert_eq!(parse("a b"), Err(ChannelNameError::InvalidCharacter(' ')));
        assert_eq!(
            parse("chat#1"),
            Err(ChannelNameError::InvalidCharacter('#'))
        );
        assert_eq!(parse("é"), Err(ChannelNameError::InvalidCharacter('é')));
        assert!(parse(&"a".repeat(164)).is_ok());
        assert_eq!(
            parse(&"a".repeat(165)),
            Err(ChannelNameError::TooLong { max: 164 })
        );
        assert!(parse("#server-to-user-").is_err());
        assert!(parse("Az09_-=@,.;").is_ok());
    }
}
