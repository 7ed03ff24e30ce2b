//! The `driver` keys, parsed once into enums (in any letter case). A name no driver has is kept
//! as `Unknown` so that `Config::problems` reports it with the key path, beside every other
//! problem, instead of failing the parse on the first.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! driver {
    ($(#[$doc:meta])* $name:ident {
        $($(#[$variant_doc:meta])* $variant:ident = $text:literal $(| $alias:literal)*),+ $(,)?
    }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum $name {
            $($(#[$variant_doc])* $variant,)+
            /// A name no driver has.
            Unknown(String),
        }

        impl $name {
            /// The name as the config writes it (an alias reads as the driver's main name).
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)+
                    Self::Unknown(name) => name,
                }
            }
        }

        impl From<&str> for $name {
            fn from(name: &str) -> Self {
                $(if name.eq_ignore_ascii_case($text) $(|| name.eq_ignore_ascii_case($alias))* {
                    return Self::$variant;
                })+
                Self::Unknown(name.to_owned())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(|name| Self::from(name.as_str()))
            }
        }
    };
}

driver! {
    /// `adapter.driver`: how nodes reach each other.
    AdapterDriver {
        /// One node, no bus.
        Local = "local",
        Redis = "redis",
        RedisCluster = "redis-cluster",
        Nats = "nats",
    }
}

driver! {
    /// `app_manager.driver`: where apps are kept.
    AppStoreDriver {
        Sqlite = "sqlite",
        Postgres = "postgres" | "postgresql" | "pgsql",
        Mysql = "mysql" | "mariadb",
        /// Amazon DynamoDB (a build with the `aws` feature).
        Dynamodb = "dynamodb",
        /// The config's apps only (Sockudo calls it `array`).
        Memory = "memory" | "array",
    }
}

driver! {
    /// `cache.driver`: where cache channels keep their last event.
    CacheDriver {
        Memory = "memory",
        Redis = "redis",
        RedisCluster = "redis-cluster",
        /// Cache channels off.
        None = "none",
    }
}

driver! {
    /// `queue.driver`: where webhook jobs wait.
    QueueDriver {
        Memory = "memory",
        Redis = "redis",
        /// Amazon SQS (a build with the `aws` feature).
        Sqs = "sqs",
        /// Webhooks off.
        None = "none",
    }
}

driver! {
    /// `rate_limiter.driver`: where the rate-limit counters live.
    RateLimiterDriver {
        Memory = "memory",
        Redis = "redis",
        RedisCluster = "redis-cluster",
    }
}

driver! {
    /// `metrics.driver`.
    MetricsDriver {
        Prometheus = "prometheus",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drivers_parse_in_any_letter_case_and_keep_unknown_names() {
        assert_eq!(
            AdapterDriver::from("Redis-Cluster"),
            AdapterDriver::RedisCluster
        );
        assert_eq!(CacheDriver::from("NONE"), CacheDriver::None);
        let unknown = QueueDriver::from("Kafka");
        assert_eq!(unknown, QueueDriver::Unknown("Kafka".into()));
        assert_eq!(unknown.as_str(), "Kafka");
        let json: AppStoreDriver = serde_json::from_str("\"PgSQL\"").unwrap();
        assert_eq!(json, AppStoreDriver::Postgres);
        assert_eq!(serde_json::to_string(&json).unwrap(), "\"postgres\"");
    }
}
