
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
            cand bench 'Generate load against a Pusher-compatible server'
            cand top 'Live terminal dashboard of a running server'
            cand completions 'Print shell completions'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sockudo;serve'= {
            cand --host 'Address to bind (overrides `host` and HOST)'
            cand --port 'Port for WebSocket and HTTP API (overrides `port` and PORT)'
            cand --metrics-port 'Port for Prometheus metrics (overrides `metrics.port` and METRICS_PORT)'
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
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
            cand --id 'id'
            cand --key 'key'
            cand --secret 'secret'
            cand --name 'name'
            cand --enabled 'enabled'
            cand --client-messages 'Allow client- events on private and presence channels'
            cand --user-authentication 'Allow pusher:signin'
            cand --watchlist-events 'watchlist-events'
            cand --subscription-count 'subscription-count'
            cand --max-connections 'max-connections'
            cand --max-client-events-per-second 'max-client-events-per-second'
            cand --max-backend-events-per-second 'max-backend-events-per-second'
            cand --max-read-requests-per-second 'max-read-requests-per-second'
            cand --max-presence-members-per-channel 'max-presence-members-per-channel'
            cand --max-presence-member-size-in-kb 'max-presence-member-size-in-kb'
            cand --max-channel-name-length 'max-channel-name-length'
            cand --max-event-channels-at-once 'max-event-channels-at-once'
            cand --max-event-name-length 'max-event-name-length'
            cand --max-event-payload-in-kb 'max-event-payload-in-kb'
            cand --max-event-batch-size 'max-event-batch-size'
            cand --allowed-origins 'Allowed origins, comma-separated (`*` wildcards); an empty value clears them'
            cand --add-webhook 'Add a webhook URL (with --webhook-events and --webhook-channel-prefix)'
            cand --webhook-events 'Event types for --add-webhook, comma-separated (e.g. channel_occupied,channel_vacated)'
            cand --webhook-channel-prefix 'Only send channels with this prefix to the --add-webhook URL'
            cand --remove-webhook 'Remove every webhook with this URL'
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --json 'json'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;apps;list'= {
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --show-secrets 'show-secrets'
            cand --json 'json'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;apps;show'= {
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --show-secrets 'show-secrets'
            cand --json 'json'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;apps;update'= {
            cand --key 'A new key'
            cand --name 'name'
            cand --enabled 'enabled'
            cand --client-messages 'Allow client- events on private and presence channels'
            cand --user-authentication 'Allow pusher:signin'
            cand --watchlist-events 'watchlist-events'
            cand --subscription-count 'subscription-count'
            cand --max-connections 'max-connections'
            cand --max-client-events-per-second 'max-client-events-per-second'
            cand --max-backend-events-per-second 'max-backend-events-per-second'
            cand --max-read-requests-per-second 'max-read-requests-per-second'
            cand --max-presence-members-per-channel 'max-presence-members-per-channel'
            cand --max-presence-member-size-in-kb 'max-presence-member-size-in-kb'
            cand --max-channel-name-length 'max-channel-name-length'
            cand --max-event-channels-at-once 'max-event-channels-at-once'
            cand --max-event-name-length 'max-event-name-length'
            cand --max-event-payload-in-kb 'max-event-payload-in-kb'
            cand --max-event-batch-size 'max-event-batch-size'
            cand --allowed-origins 'Allowed origins, comma-separated (`*` wildcards); an empty value clears them'
            cand --add-webhook 'Add a webhook URL (with --webhook-events and --webhook-channel-prefix)'
            cand --webhook-events 'Event types for --add-webhook, comma-separated (e.g. channel_occupied,channel_vacated)'
            cand --webhook-channel-prefix 'Only send channels with this prefix to the --add-webhook URL'
            cand --remove-webhook 'Remove every webhook with this URL'
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --json 'json'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;apps;enable'= {
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --json 'json'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;apps;disable'= {
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --json 'json'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;apps;delete'= {
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --yes 'yes'
            cand --json 'json'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;apps;rotate-secret'= {
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand --json 'json'
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
            cand --json 'json'
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
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;top'= {
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;completions'= {
            cand --config 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'sockudo;help'= {
            cand serve 'Run the server: WebSocket + HTTP API on one port, metrics on another'
            cand apps 'Manage apps in the configured store'
            cand migrate 'Prepare or upgrade the app store''s schema'
            cand config 'Validate or print the configuration'
            cand bench 'Generate load against a Pusher-compatible server'
            cand top 'Live terminal dashboard of a running server'
            cand completions 'Print shell completions'
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
        }
        &'sockudo;help;top'= {
        }
        &'sockudo;help;completions'= {
        }
        &'sockudo;help;help'= {
        }
    ]
    $completions[$command]
}
