-- Apps. Lookup columns (id, key, secret, enabled) are columns so operators can query and toggle
-- them with SQL; everything else an app carries (name, limits, feature flags, origins, webhooks,
-- delta settings) is the JSON object in `settings`, in the same flat shape as a config file.
CREATE TABLE apps (
    id VARCHAR(255) PRIMARY KEY,
    app_key VARCHAR(255) NOT NULL UNIQUE,
    secret VARCHAR(255) NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    settings TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
