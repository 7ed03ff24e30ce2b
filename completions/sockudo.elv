
use builtin;
use str;

set edit:completion:arg-completer[sockudo] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'sockudo'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'sockudo'= {
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand serve 'Run the server: WebSocket + HTTP API on one port, metrics on another'
            cand apps 'Manage apps in the configured store'
            cand migrate 'Prepare or upgrade the app store''s schema'
            cand config 'Validate or print the configuration'
            cand bench 'Generate load against a Pusher-compatible server and report what it measured'
            cand top 'Live terminal dashboard of a running server'
            cand completions 'Print shell completions'
            cand man 'Write the man pages, one per command, into a directory'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sockudo;serve'= {
            cand --host 'Address to bind (overrides `host` and HOST)'
            cand --port 'Port for WebSocket and HTTP API (overrides `port` and PORT)'
            cand --metrics-port 'Port for Prometheus metrics (overrides `metrics.port` and METRICS_PORT)'
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --console 'Serve the web console at `console.path` (/console), loopback clients only unless `console.token` is set (overrides `console.enabled` and CONSOLE_ENABLED)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;apps'= {
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand -h 'Print help'
            cand --help 'Print help'
            cand create 'Create an app; id, key and secret are generated when not given. The secret is shown once'
            cand list 'List apps (secrets masked unless --show-secrets)'
            cand show 'Show one app'
            cand update 'Change any field of an app'
            cand enable 'Enable an app'
            cand disable 'Disable an app: its sockets are closed (4003) and new ones refused'
            cand delete 'Delete an app (asks first unless --yes)'
            cand rotate-secret 'Replace an app''s secret with a new random one, shown once'
            cand export 'Print every app, with secrets, as JSON (the format `import` reads)'
            cand import 'Create apps from JSON: our export, or a Sockudo/soketi config''s app list'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sockudo;apps;create'= {
            cand --id 'The app id (default: a random number)'
            cand --key 'The key clients connect with (default: random)'
            cand --secret 'The secret that signs (default: random; shown once)'
            cand --name 'A name for people'
            cand --enabled 'Accept connections and API calls (false: refuse them)'
            cand --client-messages 'Allow client- events on private and presence channels'
            cand --user-authentication 'Allow pusher:signin'
            cand --watchlist-events 'Send online/offline events of watched users'
            cand --subscription-count 'Send pusher_internal:subscription_count to subscribers'
            cand --max-connections 'Sockets the app may have at once (none: no limit)'
            cand --max-client-events-per-second 'Client events one socket may send per second (none: the global default)'
            cand --max-backend-events-per-second 'Events the HTTP API may publish per second (none: no limit)'
            cand --max-read-requests-per-second 'HTTP API reads per second (none: no limit)'
            cand --max-presence-members-per-channel 'Members one presence channel may have (none: the global default)'
            cand --max-presence-member-size-in-kb 'Size of one member''s user_info in KiB (none: the global default)'
            cand --max-channel-name-length 'Longest channel name (none: the global default)'
            cand --max-channels-per-connection 'Channels one connection may be subscribed to at once (none: the global default)'
            cand --max-event-channels-at-once 'Channels one API event may name (none: the global default)'
            cand --max-event-name-length 'Longest event name (none: the global default)'
            cand --max-event-payload-in-kb 'Largest event data in KiB (none: the global default)'
            cand --max-event-batch-size 'Events one batch call may carry (none: the global default)'
            cand --allowed-origins 'Allowed origins, comma-separated (`*` wildcards); an empty value clears them'
            cand --add-webhook 'Add a webhook URL (with --webhook-events and --webhook-channel-prefix)'
            cand --webhook-events 'Event types for --add-webhook, comma-separated (e.g. channel_occupied,channel_vacated)'
            cand --webhook-channel-prefix 'Only send channels with this prefix to the --add-webhook URL'
            cand --remove-webhook 'Remove every webhook with this URL'
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --json 'Print the result as JSON, for scripts'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;apps;list'= {
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --show-secrets 'Show secrets instead of masking them'
            cand --json 'Print the result as JSON, for scripts'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;apps;show'= {
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --show-secrets 'Show secrets instead of masking them'
            cand --json 'Print the result as JSON, for scripts'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;apps;update'= {
            cand --key 'A new key'
            cand --name 'A name for people'
            cand --enabled 'Accept connections and API calls (false: refuse them)'
            cand --client-messages 'Allow client- events on private and presence channels'
            cand --user-authentication 'Allow pusher:signin'
            cand --watchlist-events 'Send online/offline events of watched users'
            cand --subscription-count 'Send pusher_internal:subscription_count to subscribers'
            cand --max-connections 'Sockets the app may have at once (none: no limit)'
            cand --max-client-events-per-second 'Client events one socket may send per second (none: the global default)'
            cand --max-backend-events-per-second 'Events the HTTP API may publish per second (none: no limit)'
            cand --max-read-requests-per-second 'HTTP API reads per second (none: no limit)'
            cand --max-presence-members-per-channel 'Members one presence channel may have (none: the global default)'
            cand --max-presence-member-size-in-kb 'Size of one member''s user_info in KiB (none: the global default)'
            cand --max-channel-name-length 'Longest channel name (none: the global default)'
            cand --max-channels-per-connection 'Channels one connection may be subscribed to at once (none: the global default)'
            cand --max-event-channels-at-once 'Channels one API event may name (none: the global default)'
            cand --max-event-name-length 'Longest event name (none: the global default)'
            cand --max-event-payload-in-kb 'Largest event data in KiB (none: the global default)'
            cand --max-event-batch-size 'Events one batch call may carry (none: the global default)'
            cand --allowed-origins 'Allowed origins, comma-separated (`*` wildcards); an empty value clears them'
            cand --add-webhook 'Add a webhook URL (with --webhook-events and --webhook-channel-prefix)'
            cand --webhook-events 'Event types for --add-webhook, comma-separated (e.g. channel_occupied,channel_vacated)'
            cand --webhook-channel-prefix 'Only send channels with this prefix to the --add-webhook URL'
            cand --remove-webhook 'Remove every webhook with this URL'
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --json 'Print the result as JSON, for scripts'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;apps;enable'= {
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --json 'Print the result as JSON, for scripts'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;apps;disable'= {
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --json 'Print the result as JSON, for scripts'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;apps;delete'= {
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --yes 'Do not ask for confirmation'
            cand --json 'Print the result as JSON, for scripts'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;apps;rotate-secret'= {
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --json 'Print the result as JSON, for scripts'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;apps;export'= {
            cand -o 'Write to this file instead of standard output'
            cand --output 'Write to this file instead of standard output'
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;apps;import'= {
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --overwrite 'Update apps whose id already exists instead of refusing'
            cand --json 'Print the result as JSON, for scripts'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;apps;help'= {
            cand create 'Create an app; id, key and secret are generated when not given. The secret is shown once'
            cand list 'List apps (secrets masked unless --show-secrets)'
            cand show 'Show one app'
            cand update 'Change any field of an app'
            cand enable 'Enable an app'
            cand disable 'Disable an app: its sockets are closed (4003) and new ones refused'
            cand delete 'Delete an app (asks first unless --yes)'
            cand rotate-secret 'Replace an app''s secret with a new random one, shown once'
            cand export 'Print every app, with secrets, as JSON (the format `import` reads)'
            cand import 'Create apps from JSON: our export, or a Sockudo/soketi config''s app list'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sockudo;apps;help;create'= {
        }
        &'sockudo;apps;help;list'= {
        }
        &'sockudo;apps;help;show'= {
        }
        &'sockudo;apps;help;update'= {
        }
        &'sockudo;apps;help;enable'= {
        }
        &'sockudo;apps;help;disable'= {
        }
        &'sockudo;apps;help;delete'= {
        }
        &'sockudo;apps;help;rotate-secret'= {
        }
        &'sockudo;apps;help;export'= {
        }
        &'sockudo;apps;help;import'= {
        }
        &'sockudo;apps;help;help'= {
        }
        &'sockudo;migrate'= {
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --status 'List applied and pending migrations instead of applying'
            cand --dry-run 'Print the SQL of pending migrations without applying it'
            cand --json 'Machine-readable output'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;config'= {
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand -h 'Print help'
            cand --help 'Print help'
            cand check 'Load the configuration as `serve` would and report every problem (exit 1 if any)'
            cand print 'Print the effective configuration (file, environment and defaults) with secrets masked'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sockudo;config;check'= {
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --strict 'Also reject keys sockudo does not use'
            cand --connect 'Also check that the configured app store answers and its schema is current'
            cand --json 'Print the outcome as JSON: {"valid", "problems": [{"key", "line", "message", "severity"}]}; the exit code is the same'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;config;print'= {
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --json 'Print JSON instead of TOML'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;config;help'= {
            cand check 'Load the configuration as `serve` would and report every problem (exit 1 if any)'
            cand print 'Print the effective configuration (file, environment and defaults) with secrets masked'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sockudo;config;help;check'= {
        }
        &'sockudo;config;help;print'= {
        }
        &'sockudo;config;help;help'= {
        }
        &'sockudo;bench'= {
            cand --url 'The server''s HTTP address; the WebSocket URL is derived from it'
            cand --app-id 'App id (default: the first app of the configuration, else the development app)'
            cand --key 'App key (default: like --app-id)'
            cand --secret 'App secret (default: like --app-id)'
            cand --duration 'Seconds to publish, hold or churn'
            cand --max-p99-ms 'Exit 1 when the scenario''s main latency p99 is above this many milliseconds'
            cand --max-lost 'Exit 1 when more messages than this were lost'
            cand --max-errors 'Exit 1 when more than this many connections or publishes failed'
            cand --workers 'Run the sockets in N worker processes (connect, idle, fanout) to pass one process''s open-files limit'
            cand --source-ips 'Spread client sockets over these source addresses, e.g. 127.0.0.1-127.0.0.8'
            cand --server-pid 'The server''s pid on this host: report its CPU and memory'
            cand --ramp-timeout 'Seconds allowed for opening all connections'
            cand --worker-index 'Internal: this worker''s number, from 0'
            cand --worker-count 'Internal: how many workers share the sockets'
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --json 'Print one JSON document on stdout instead of the table'
            cand --worker 'Internal: run as one of the worker processes of --workers'
            cand -h 'Print help'
            cand --help 'Print help'
            cand connect 'Ramp N connections, each subscribing to one of C channels: time to connected and subscribed'
            cand idle 'Hold N subscribed sockets for --duration; with --server-pid, the server''s memory per socket'
            cand fanout 'N subscribers over C channels, a publisher at R publishes/s: end-to-end latency, lost, duplicates'
            cand publish 'The most signed HTTP publishes/s at concurrency K, to a channel with one subscriber'
            cand churn 'Connect, subscribe, disconnect cycles from K concurrent loops'
            cand presence 'Join/leave churn on presence channels, watched by one member per channel'
            cand delta 'A ticker stream with delta compression on: bytes on the wire vs bytes of the messages'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sockudo;bench;connect'= {
            cand --connections 'Connections to open'
            cand --channels 'Channels they subscribe to, round robin'
            cand --hold 'Seconds to keep them open once all are subscribed'
            cand --connect-rate 'New connections per second (0 = as fast as --concurrency allows)'
            cand --connect-concurrency 'Connections being opened at once'
            cand --url 'The server''s HTTP address; the WebSocket URL is derived from it'
            cand --app-id 'App id (default: the first app of the configuration, else the development app)'
            cand --key 'App key (default: like --app-id)'
            cand --secret 'App secret (default: like --app-id)'
            cand --duration 'Seconds to publish, hold or churn'
            cand --max-p99-ms 'Exit 1 when the scenario''s main latency p99 is above this many milliseconds'
            cand --max-lost 'Exit 1 when more messages than this were lost'
            cand --max-errors 'Exit 1 when more than this many connections or publishes failed'
            cand --workers 'Run the sockets in N worker processes (connect, idle, fanout) to pass one process''s open-files limit'
            cand --source-ips 'Spread client sockets over these source addresses, e.g. 127.0.0.1-127.0.0.8'
            cand --server-pid 'The server''s pid on this host: report its CPU and memory'
            cand --ramp-timeout 'Seconds allowed for opening all connections'
            cand --worker-index 'Internal: this worker''s number, from 0'
            cand --worker-count 'Internal: how many workers share the sockets'
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --json 'Print one JSON document on stdout instead of the table'
            cand --worker 'Internal: run as one of the worker processes of --workers'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;bench;idle'= {
            cand --connections 'Sockets to hold'
            cand --channels 'Channels they subscribe to, round robin'
            cand --connect-rate 'New connections per second (0 = as fast as --concurrency allows)'
            cand --connect-concurrency 'Connections being opened at once'
            cand --url 'The server''s HTTP address; the WebSocket URL is derived from it'
            cand --app-id 'App id (default: the first app of the configuration, else the development app)'
            cand --key 'App key (default: like --app-id)'
            cand --secret 'App secret (default: like --app-id)'
            cand --duration 'Seconds to publish, hold or churn'
            cand --max-p99-ms 'Exit 1 when the scenario''s main latency p99 is above this many milliseconds'
            cand --max-lost 'Exit 1 when more messages than this were lost'
            cand --max-errors 'Exit 1 when more than this many connections or publishes failed'
            cand --workers 'Run the sockets in N worker processes (connect, idle, fanout) to pass one process''s open-files limit'
            cand --source-ips 'Spread client sockets over these source addresses, e.g. 127.0.0.1-127.0.0.8'
            cand --server-pid 'The server''s pid on this host: report its CPU and memory'
            cand --ramp-timeout 'Seconds allowed for opening all connections'
            cand --worker-index 'Internal: this worker''s number, from 0'
            cand --worker-count 'Internal: how many workers share the sockets'
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --json 'Print one JSON document on stdout instead of the table'
            cand --worker 'Internal: run as one of the worker processes of --workers'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;bench;fanout'= {
            cand --subscribers 'Subscribed sockets'
            cand --channels 'Channels, subscribers spread round robin; publishes go round robin too'
            cand --rate 'Publishes per second, all channels together'
            cand --payload 'Bytes of each event''s data'
            cand --publishers 'Keep-alive HTTP connections publishing'
            cand --drain 'Seconds to wait for owed messages after publishing stops'
            cand --publish-url 'Publish through this server instead of --url (subscribers stay on --url): measures fan-out across the nodes of a cluster'
            cand --connect-rate 'New connections per second (0 = as fast as --concurrency allows)'
            cand --connect-concurrency 'Connections being opened at once'
            cand --url 'The server''s HTTP address; the WebSocket URL is derived from it'
            cand --app-id 'App id (default: the first app of the configuration, else the development app)'
            cand --key 'App key (default: like --app-id)'
            cand --secret 'App secret (default: like --app-id)'
            cand --duration 'Seconds to publish, hold or churn'
            cand --max-p99-ms 'Exit 1 when the scenario''s main latency p99 is above this many milliseconds'
            cand --max-lost 'Exit 1 when more messages than this were lost'
            cand --max-errors 'Exit 1 when more than this many connections or publishes failed'
            cand --workers 'Run the sockets in N worker processes (connect, idle, fanout) to pass one process''s open-files limit'
            cand --source-ips 'Spread client sockets over these source addresses, e.g. 127.0.0.1-127.0.0.8'
            cand --server-pid 'The server''s pid on this host: report its CPU and memory'
            cand --ramp-timeout 'Seconds allowed for opening all connections'
            cand --worker-index 'Internal: this worker''s number, from 0'
            cand --worker-count 'Internal: how many workers share the sockets'
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --json 'Print one JSON document on stdout instead of the table'
            cand --worker 'Internal: run as one of the worker processes of --workers'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;bench;publish'= {
            cand --concurrency 'Requests in flight at once, one keep-alive connection each'
            cand --payload 'Bytes of each event''s data'
            cand --drain 'Seconds to wait for owed messages after publishing stops'
            cand --url 'The server''s HTTP address; the WebSocket URL is derived from it'
            cand --app-id 'App id (default: the first app of the configuration, else the development app)'
            cand --key 'App key (default: like --app-id)'
            cand --secret 'App secret (default: like --app-id)'
            cand --duration 'Seconds to publish, hold or churn'
            cand --max-p99-ms 'Exit 1 when the scenario''s main latency p99 is above this many milliseconds'
            cand --max-lost 'Exit 1 when more messages than this were lost'
            cand --max-errors 'Exit 1 when more than this many connections or publishes failed'
            cand --workers 'Run the sockets in N worker processes (connect, idle, fanout) to pass one process''s open-files limit'
            cand --source-ips 'Spread client sockets over these source addresses, e.g. 127.0.0.1-127.0.0.8'
            cand --server-pid 'The server''s pid on this host: report its CPU and memory'
            cand --ramp-timeout 'Seconds allowed for opening all connections'
            cand --worker-index 'Internal: this worker''s number, from 0'
            cand --worker-count 'Internal: how many workers share the sockets'
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --json 'Print one JSON document on stdout instead of the table'
            cand --worker 'Internal: run as one of the worker processes of --workers'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;bench;churn'= {
            cand --concurrency 'Loops cycling at once'
            cand --channels 'Channels the cycles subscribe to, round robin'
            cand --url 'The server''s HTTP address; the WebSocket URL is derived from it'
            cand --app-id 'App id (default: the first app of the configuration, else the development app)'
            cand --key 'App key (default: like --app-id)'
            cand --secret 'App secret (default: like --app-id)'
            cand --duration 'Seconds to publish, hold or churn'
            cand --max-p99-ms 'Exit 1 when the scenario''s main latency p99 is above this many milliseconds'
            cand --max-lost 'Exit 1 when more messages than this were lost'
            cand --max-errors 'Exit 1 when more than this many connections or publishes failed'
            cand --workers 'Run the sockets in N worker processes (connect, idle, fanout) to pass one process''s open-files limit'
            cand --source-ips 'Spread client sockets over these source addresses, e.g. 127.0.0.1-127.0.0.8'
            cand --server-pid 'The server''s pid on this host: report its CPU and memory'
            cand --ramp-timeout 'Seconds allowed for opening all connections'
            cand --worker-index 'Internal: this worker''s number, from 0'
            cand --worker-count 'Internal: how many workers share the sockets'
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --json 'Print one JSON document on stdout instead of the table'
            cand --worker 'Internal: run as one of the worker processes of --workers'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;bench;presence'= {
            cand --concurrency 'Loops joining and leaving at once'
            cand --channels 'Presence channels'
            cand --watchers 'Members that stay on each channel and count member_added / member_removed'
            cand --url 'The server''s HTTP address; the WebSocket URL is derived from it'
            cand --app-id 'App id (default: the first app of the configuration, else the development app)'
            cand --key 'App key (default: like --app-id)'
            cand --secret 'App secret (default: like --app-id)'
            cand --duration 'Seconds to publish, hold or churn'
            cand --max-p99-ms 'Exit 1 when the scenario''s main latency p99 is above this many milliseconds'
            cand --max-lost 'Exit 1 when more messages than this were lost'
            cand --max-errors 'Exit 1 when more than this many connections or publishes failed'
            cand --workers 'Run the sockets in N worker processes (connect, idle, fanout) to pass one process''s open-files limit'
            cand --source-ips 'Spread client sockets over these source addresses, e.g. 127.0.0.1-127.0.0.8'
            cand --server-pid 'The server''s pid on this host: report its CPU and memory'
            cand --ramp-timeout 'Seconds allowed for opening all connections'
            cand --worker-index 'Internal: this worker''s number, from 0'
            cand --worker-count 'Internal: how many workers share the sockets'
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --json 'Print one JSON document on stdout instead of the table'
            cand --worker 'Internal: run as one of the worker processes of --workers'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;bench;delta'= {
            cand --subscribers 'Subscribers with delta compression on, all on one channel'
            cand --rate 'Publishes per second'
            cand --symbols 'Instruments in the ticker; quotes cycle through them'
            cand --algorithm 'Algorithm to ask for: fossil or xdelta3'
            cand --url 'The server''s HTTP address; the WebSocket URL is derived from it'
            cand --app-id 'App id (default: the first app of the configuration, else the development app)'
            cand --key 'App key (default: like --app-id)'
            cand --secret 'App secret (default: like --app-id)'
            cand --duration 'Seconds to publish, hold or churn'
            cand --max-p99-ms 'Exit 1 when the scenario''s main latency p99 is above this many milliseconds'
            cand --max-lost 'Exit 1 when more messages than this were lost'
            cand --max-errors 'Exit 1 when more than this many connections or publishes failed'
            cand --workers 'Run the sockets in N worker processes (connect, idle, fanout) to pass one process''s open-files limit'
            cand --source-ips 'Spread client sockets over these source addresses, e.g. 127.0.0.1-127.0.0.8'
            cand --server-pid 'The server''s pid on this host: report its CPU and memory'
            cand --ramp-timeout 'Seconds allowed for opening all connections'
            cand --worker-index 'Internal: this worker''s number, from 0'
            cand --worker-count 'Internal: how many workers share the sockets'
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --no-delta 'Subscribe without delta compression: the baseline for deliveries per second'
            cand --json 'Print one JSON document on stdout instead of the table'
            cand --worker 'Internal: run as one of the worker processes of --workers'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;bench;help'= {
            cand connect 'Ramp N connections, each subscribing to one of C channels: time to connected and subscribed'
            cand idle 'Hold N subscribed sockets for --duration; with --server-pid, the server''s memory per socket'
            cand fanout 'N subscribers over C channels, a publisher at R publishes/s: end-to-end latency, lost, duplicates'
            cand publish 'The most signed HTTP publishes/s at concurrency K, to a channel with one subscriber'
            cand churn 'Connect, subscribe, disconnect cycles from K concurrent loops'
            cand presence 'Join/leave churn on presence channels, watched by one member per channel'
            cand delta 'A ticker stream with delta compression on: bytes on the wire vs bytes of the messages'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sockudo;bench;help;connect'= {
        }
        &'sockudo;bench;help;idle'= {
        }
        &'sockudo;bench;help;fanout'= {
        }
        &'sockudo;bench;help;publish'= {
        }
        &'sockudo;bench;help;churn'= {
        }
        &'sockudo;bench;help;presence'= {
        }
        &'sockudo;bench;help;delta'= {
        }
        &'sockudo;bench;help;help'= {
        }
        &'sockudo;top'= {
            cand --url 'The server''s metrics listener (default: from the config''s metrics.host/port, on loopback)'
            cand --token 'Bearer token for /stats (default: the config''s metrics.stats_token)'
            cand --app 'Start with this app selected (the `a` key changes it)'
            cand --interval 'Seconds between snapshots'
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --once 'Print one snapshot and exit'
            cand --json 'With --once: print the snapshot as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;completions'= {
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;man'= {
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;help'= {
            cand serve 'Run the server: WebSocket + HTTP API on one port, metrics on another'
            cand apps 'Manage apps in the configured store'
            cand migrate 'Prepare or upgrade the app store''s schema'
            cand config 'Validate or print the configuration'
            cand bench 'Generate load against a Pusher-compatible server and report what it measured'
            cand top 'Live terminal dashboard of a running server'
            cand completions 'Print shell completions'
            cand man 'Write the man pages, one per command, into a directory'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sockudo;help;serve'= {
        }
        &'sockudo;help;apps'= {
            cand create 'Create an app; id, key and secret are generated when not given. The secret is shown once'
            cand list 'List apps (secrets masked unless --show-secrets)'
            cand show 'Show one app'
            cand update 'Change any field of an app'
            cand enable 'Enable an app'
            cand disable 'Disable an app: its sockets are closed (4003) and new ones refused'
            cand delete 'Delete an app (asks first unless --yes)'
            cand rotate-secret 'Replace an app''s secret with a new random one, shown once'
            cand export 'Print every app, with secrets, as JSON (the format `import` reads)'
            cand import 'Create apps from JSON: our export, or a Sockudo/soketi config''s app list'
        }
        &'sockudo;help;apps;create'= {
        }
        &'sockudo;help;apps;list'= {
        }
        &'sockudo;help;apps;show'= {
        }
        &'sockudo;help;apps;update'= {
        }
        &'sockudo;help;apps;enable'= {
        }
        &'sockudo;help;apps;disable'= {
        }
        &'sockudo;help;apps;delete'= {
        }
        &'sockudo;help;apps;rotate-secret'= {
        }
        &'sockudo;help;apps;export'= {
        }
        &'sockudo;help;apps;import'= {
        }
        &'sockudo;help;migrate'= {
        }
        &'sockudo;help;config'= {
            cand check 'Load the configuration as `serve` would and report every problem (exit 1 if any)'
            cand print 'Print the effective configuration (file, environment and defaults) with secrets masked'
        }
        &'sockudo;help;config;check'= {
        }
        &'sockudo;help;config;print'= {
        }
        &'sockudo;help;bench'= {
            cand connect 'Ramp N connections, each subscribing to one of C channels: time to connected and subscribed'
            cand idle 'Hold N subscribed sockets for --duration; with --server-pid, the server''s memory per socket'
            cand fanout 'N subscribers over C channels, a publisher at R publishes/s: end-to-end latency, lost, duplicates'
            cand publish 'The most signed HTTP publishes/s at concurrency K, to a channel with one subscriber'
            cand churn 'Connect, subscribe, disconnect cycles from K concurrent loops'
            cand presence 'Join/leave churn on presence channels, watched by one member per channel'
            cand delta 'A ticker stream with delta compression on: bytes on the wire vs bytes of the messages'
        }
        &'sockudo;help;bench;connect'= {
        }
        &'sockudo;help;bench;idle'= {
        }
        &'sockudo;help;bench;fanout'= {
        }
        &'sockudo;help;bench;publish'= {
        }
        &'sockudo;help;bench;churn'= {
        }
        &'sockudo;help;bench;presence'= {
        }
        &'sockudo;help;bench;delta'= {
        }
        &'sockudo;help;top'= {
        }
        &'sockudo;help;completions'= {
        }
        &'sockudo;help;man'= {
        }
        &'sockudo;help;help'= {
        }
    ]
    $completions[$command]
}
