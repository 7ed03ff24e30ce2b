# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_sockudo_global_optspecs
    string join \n config= h/help V/version
end

function __fish_sockudo_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_sockudo_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_sockudo_using_subcommand
    set -l cmd (__fish_sockudo_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c sockudo -n "__fish_sockudo_needs_command" -l config -d 'Config file (.toml, or Sockudo\'s config.json). Without one, embedded defaults are used' -r -F
complete -c sockudo -n "__fish_sockudo_needs_command" -s h -l help -d 'Print help'
complete -c sockudo -n "__fish_sockudo_needs_command" -s V -l version -d 'Print version'
complete -c sockudo -n "__fish_sockudo_needs_command" -f -a "serve" -d 'Run the server: WebSocket + HTTP API on one port, metrics on another'
complete -c sockudo -n "__fish_sockudo_needs_command" -f -a "apps" -d 'Manage apps in the configured store'
complete -c sockudo -n "__fish_sockudo_needs_command" -f -a "migrate" -d 'Prepare or upgrade the app store\'s schema'
complete -c sockudo -n "__fish_sockudo_needs_command" -f -a "config" -d 'Validate or print the configuration'
complete -c sockudo -n "__fish_sockudo_needs_command" -f -a "bench" -d 'Generate load against a Pusher-compatible server and report what it measured'
complete -c sockudo -n "__fish_sockudo_needs_command" -f -a "top" -d 'Live terminal dashboard of a running server'
complete -c sockudo -n "__fish_sockudo_needs_command" -f -a "completions" -d 'Print shell completions'
complete -c sockudo -n "__fish_sockudo_needs_command" -f -a "man" -d 'Write the man pages, one per command, into a directory'
complete -c sockudo -n "__fish_sockudo_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sockudo -n "__fish_sockudo_using_subcommand serve" -l host -d 'Address to bind (overrides `host` and HOST)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand serve" -l port -d 'Port for WebSocket and HTTP API (overrides `port` and PORT)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand serve" -l metrics-port -d 'Port for Prometheus metrics (overrides `metrics.port` and METRICS_PORT)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand serve" -l config -d 'Config file (.toml, or Sockudo\'s config.json). Without one, embedded defaults are used' -r -F
complete -c sockudo -n "__fish_sockudo_using_subcommand serve" -l console -d 'Serve the web console at `console.path` (/console), loopback clients only unless `console.token` is set (overrides `console.enabled` and CONSOLE_ENABLED)'
complete -c sockudo -n "__fish_sockudo_using_subcommand serve" -s h -l help -d 'Print help'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and not __fish_seen_subcommand_from create list show update enable disable delete rotate-secret export import help" -l config -d 'Config file (.toml, or Sockudo\'s config.json). Without one, embedded defaults are used' -r -F
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and not __fish_seen_subcommand_from create list show update enable disable delete rotate-secret export import help" -s h -l help -d 'Print help'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and not __fish_seen_subcommand_from create list show update enable disable delete rotate-secret export import help" -f -a "create" -d 'Create an app; id, key and secret are generated when not given. The secret is shown once'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and not __fish_seen_subcommand_from create list show update enable disable delete rotate-secret export import help" -f -a "list" -d 'List apps (secrets masked unless --show-secrets)'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and not __fish_seen_subcommand_from create list show update enable disable delete rotate-secret export import help" -f -a "show" -d 'Show one app'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and not __fish_seen_subcommand_from create list show update enable disable delete rotate-secret export import help" -f -a "update" -d 'Change any field of an app'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and not __fish_seen_subcommand_from create list show update enable disable delete rotate-secret export import help" -f -a "enable" -d 'Enable an app'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and not __fish_seen_subcommand_from create list show update enable disable delete rotate-secret export import help" -f -a "disable" -d 'Disable an app: its sockets are closed (4003) and new ones refused'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and not __fish_seen_subcommand_from create list show update enable disable delete rotate-secret export import help" -f -a "delete" -d 'Delete an app (asks first unless --yes)'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and not __fish_seen_subcommand_from create list show update enable disable delete rotate-secret export import help" -f -a "rotate-secret" -d 'Replace an app\'s secret with a new random one, shown once'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and not __fish_seen_subcommand_from create list show update enable disable delete rotate-secret export import help" -f -a "export" -d 'Print every app, with secrets, as JSON (the format `import` reads)'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and not __fish_seen_subcommand_from create list show update enable disable delete rotate-secret export import help" -f -a "import" -d 'Create apps from JSON: our export, or a Sockudo/soketi config\'s app list'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and not __fish_seen_subcommand_from create list show update enable disable delete rotate-secret export import help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -l id -d 'The app id (default: a random number)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -l key -d 'The key clients connect with (default: random)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -l secret -d 'The secret that signs (default: random; shown once)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -l name -d 'A name for people' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -l enabled -d 'Accept connections and API calls (false: refuse them)' -r -f -a "true\t''
false\t''"
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -l client-messages -d 'Allow client- events on private and presence channels' -r -f -a "true\t''
false\t''"
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -l user-authentication -d 'Allow pusher:signin' -r -f -a "true\t''
false\t''"
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -l watchlist-events -d 'Send online/offline events of watched users' -r -f -a "true\t''
false\t''"
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -l subscription-count -d 'Send pusher_internal:subscription_count to subscribers' -r -f -a "true\t''
false\t''"
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -l max-connections -d 'Sockets the app may have at once (none: no limit)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -l max-client-events-per-second -d 'Client events one socket may send per second (none: the global default)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -l max-backend-events-per-second -d 'Events the HTTP API may publish per second (none: no limit)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -l max-read-requests-per-second -d 'HTTP API reads per second (none: no limit)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -l max-presence-members-per-channel -d 'Members one presence channel may have (none: the global default)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -l max-presence-member-size-in-kb -d 'Size of one member\'s user_info in KiB (none: the global default)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -l max-channel-name-length -d 'Longest channel name (none: the global default)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -l max-channels-per-connection -d 'Channels one connection may be subscribed to at once (none: the global default)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -l max-event-channels-at-once -d 'Channels one API event may name (none: the global default)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -l max-event-name-length -d 'Longest event name (none: the global default)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -l max-event-payload-in-kb -d 'Largest event data in KiB (none: the global default)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -l max-event-batch-size -d 'Events one batch call may carry (none: the global default)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -l allowed-origins -d 'Allowed origins, comma-separated (`*` wildcards); an empty value clears them' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -l add-webhook -d 'Add a webhook URL (with --webhook-events and --webhook-channel-prefix)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -l webhook-events -d 'Event types for --add-webhook, comma-separated (e.g. channel_occupied,channel_vacated)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -l webhook-channel-prefix -d 'Only send channels with this prefix to the --add-webhook URL' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -l remove-webhook -d 'Remove every webhook with this URL' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -l config -d 'Config file (.toml, or Sockudo\'s config.json). Without one, embedded defaults are used' -r -F
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -l json -d 'Print the result as JSON, for scripts'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from list" -l config -d 'Config file (.toml, or Sockudo\'s config.json). Without one, embedded defaults are used' -r -F
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from list" -l show-secrets -d 'Show secrets instead of masking them'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from list" -l json -d 'Print the result as JSON, for scripts'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from show" -l config -d 'Config file (.toml, or Sockudo\'s config.json). Without one, embedded defaults are used' -r -F
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from show" -l show-secrets -d 'Show secrets instead of masking them'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from show" -l json -d 'Print the result as JSON, for scripts'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from update" -l key -d 'A new key' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from update" -l name -d 'A name for people' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from update" -l enabled -d 'Accept connections and API calls (false: refuse them)' -r -f -a "true\t''
false\t''"
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from update" -l client-messages -d 'Allow client- events on private and presence channels' -r -f -a "true\t''
false\t''"
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from update" -l user-authentication -d 'Allow pusher:signin' -r -f -a "true\t''
false\t''"
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from update" -l watchlist-events -d 'Send online/offline events of watched users' -r -f -a "true\t''
false\t''"
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from update" -l subscription-count -d 'Send pusher_internal:subscription_count to subscribers' -r -f -a "true\t''
false\t''"
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from update" -l max-connections -d 'Sockets the app may have at once (none: no limit)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from update" -l max-client-events-per-second -d 'Client events one socket may send per second (none: the global default)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from update" -l max-backend-events-per-second -d 'Events the HTTP API may publish per second (none: no limit)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from update" -l max-read-requests-per-second -d 'HTTP API reads per second (none: no limit)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from update" -l max-presence-members-per-channel -d 'Members one presence channel may have (none: the global default)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from update" -l max-presence-member-size-in-kb -d 'Size of one member\'s user_info in KiB (none: the global default)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from update" -l max-channel-name-length -d 'Longest channel name (none: the global default)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from update" -l max-channels-per-connection -d 'Channels one connection may be subscribed to at once (none: the global default)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from update" -l max-event-channels-at-once -d 'Channels one API event may name (none: the global default)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from update" -l max-event-name-length -d 'Longest event name (none: the global default)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from update" -l max-event-payload-in-kb -d 'Largest event data in KiB (none: the global default)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from update" -l max-event-batch-size -d 'Events one batch call may carry (none: the global default)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from update" -l allowed-origins -d 'Allowed origins, comma-separated (`*` wildcards); an empty value clears them' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from update" -l add-webhook -d 'Add a webhook URL (with --webhook-events and --webhook-channel-prefix)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from update" -l webhook-events -d 'Event types for --add-webhook, comma-separated (e.g. channel_occupied,channel_vacated)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from update" -l webhook-channel-prefix -d 'Only send channels with this prefix to the --add-webhook URL' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from update" -l remove-webhook -d 'Remove every webhook with this URL' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from update" -l config -d 'Config file (.toml, or Sockudo\'s config.json). Without one, embedded defaults are used' -r -F
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from update" -l json -d 'Print the result as JSON, for scripts'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from update" -s h -l help -d 'Print help'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from enable" -l config -d 'Config file (.toml, or Sockudo\'s config.json). Without one, embedded defaults are used' -r -F
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from enable" -l json -d 'Print the result as JSON, for scripts'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from enable" -s h -l help -d 'Print help'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from disable" -l config -d 'Config file (.toml, or Sockudo\'s config.json). Without one, embedded defaults are used' -r -F
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from disable" -l json -d 'Print the result as JSON, for scripts'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from disable" -s h -l help -d 'Print help'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from delete" -l config -d 'Config file (.toml, or Sockudo\'s config.json). Without one, embedded defaults are used' -r -F
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from delete" -l yes -d 'Do not ask for confirmation'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from delete" -l json -d 'Print the result as JSON, for scripts'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from rotate-secret" -l config -d 'Config file (.toml, or Sockudo\'s config.json). Without one, embedded defaults are used' -r -F
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from rotate-secret" -l json -d 'Print the result as JSON, for scripts'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from rotate-secret" -s h -l help -d 'Print help'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from export" -s o -l output -d 'Write to this file instead of standard output' -r -F
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from export" -l config -d 'Config file (.toml, or Sockudo\'s config.json). Without one, embedded defaults are used' -r -F
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from import" -l config -d 'Config file (.toml, or Sockudo\'s config.json). Without one, embedded defaults are used' -r -F
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from import" -l overwrite -d 'Update apps whose id already exists instead of refusing'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from import" -l json -d 'Print the result as JSON, for scripts'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create an app; id, key and secret are generated when not given. The secret is shown once'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from help" -f -a "list" -d 'List apps (secrets masked unless --show-secrets)'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show one app'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from help" -f -a "update" -d 'Change any field of an app'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from help" -f -a "enable" -d 'Enable an app'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from help" -f -a "disable" -d 'Disable an app: its sockets are closed (4003) and new ones refused'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete an app (asks first unless --yes)'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from help" -f -a "rotate-secret" -d 'Replace an app\'s secret with a new random one, shown once'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from help" -f -a "export" -d 'Print every app, with secrets, as JSON (the format `import` reads)'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from help" -f -a "import" -d 'Create apps from JSON: our export, or a Sockudo/soketi config\'s app list'
complete -c sockudo -n "__fish_sockudo_using_subcommand apps; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sockudo -n "__fish_sockudo_using_subcommand migrate" -l config -d 'Config file (.toml, or Sockudo\'s config.json). Without one, embedded defaults are used' -r -F
complete -c sockudo -n "__fish_sockudo_using_subcommand migrate" -l status -d 'List applied and pending migrations instead of applying'
complete -c sockudo -n "__fish_sockudo_using_subcommand migrate" -l dry-run -d 'Print the SQL of pending migrations without applying it'
complete -c sockudo -n "__fish_sockudo_using_subcommand migrate" -l json -d 'Machine-readable output'
complete -c sockudo -n "__fish_sockudo_using_subcommand migrate" -s h -l help -d 'Print help'
complete -c sockudo -n "__fish_sockudo_using_subcommand config; and not __fish_seen_subcommand_from check print help" -l config -d 'Config file (.toml, or Sockudo\'s config.json). Without one, embedded defaults are used' -r -F
complete -c sockudo -n "__fish_sockudo_using_subcommand config; and not __fish_seen_subcommand_from check print help" -s h -l help -d 'Print help'
complete -c sockudo -n "__fish_sockudo_using_subcommand config; and not __fish_seen_subcommand_from check print help" -f -a "check" -d 'Load the configuration as `serve` would and report every problem (exit 1 if any)'
complete -c sockudo -n "__fish_sockudo_using_subcommand config; and not __fish_seen_subcommand_from check print help" -f -a "print" -d 'Print the effective configuration (file, environment and defaults) with secrets masked'
complete -c sockudo -n "__fish_sockudo_using_subcommand config; and not __fish_seen_subcommand_from check print help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sockudo -n "__fish_sockudo_using_subcommand config; and __fish_seen_subcommand_from check" -l config -d 'Config file (.toml, or Sockudo\'s config.json). Without one, embedded defaults are used' -r -F
complete -c sockudo -n "__fish_sockudo_using_subcommand config; and __fish_seen_subcommand_from check" -l strict -d 'Also reject keys sockudo does not use'
complete -c sockudo -n "__fish_sockudo_using_subcommand config; and __fish_seen_subcommand_from check" -l connect -d 'Also check that the configured app store answers and its schema is current'
complete -c sockudo -n "__fish_sockudo_using_subcommand config; and __fish_seen_subcommand_from check" -l json -d 'Print the outcome as JSON: {"valid", "problems": [{"key", "line", "message", "severity"}]}; the exit code is the same'
complete -c sockudo -n "__fish_sockudo_using_subcommand config; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c sockudo -n "__fish_sockudo_using_subcommand config; and __fish_seen_subcommand_from print" -l config -d 'Config file (.toml, or Sockudo\'s config.json). Without one, embedded defaults are used' -r -F
complete -c sockudo -n "__fish_sockudo_using_subcommand config; and __fish_seen_subcommand_from print" -l json -d 'Print JSON instead of TOML'
complete -c sockudo -n "__fish_sockudo_using_subcommand config; and __fish_seen_subcommand_from print" -s h -l help -d 'Print help'
complete -c sockudo -n "__fish_sockudo_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "check" -d 'Load the configuration as `serve` would and report every problem (exit 1 if any)'
complete -c sockudo -n "__fish_sockudo_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "print" -d 'Print the effective configuration (file, environment and defaults) with secrets masked'
complete -c sockudo -n "__fish_sockudo_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and not __fish_seen_subcommand_from connect idle fanout publish churn presence delta help" -l url -d 'The server\'s HTTP address; the WebSocket URL is derived from it' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and not __fish_seen_subcommand_from connect idle fanout publish churn presence delta help" -l app-id -d 'App id (default: the first app of the configuration, else the development app)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and not __fish_seen_subcommand_from connect idle fanout publish churn presence delta help" -l key -d 'App key (default: like --app-id)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and not __fish_seen_subcommand_from connect idle fanout publish churn presence delta help" -l secret -d 'App secret (default: like --app-id)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and not __fish_seen_subcommand_from connect idle fanout publish churn presence delta help" -l duration -d 'Seconds to publish, hold or churn' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and not __fish_seen_subcommand_from connect idle fanout publish churn presence delta help" -l max-p99-ms -d 'Exit 1 when the scenario\'s main latency p99 is above this many milliseconds' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and not __fish_seen_subcommand_from connect idle fanout publish churn presence delta help" -l max-lost -d 'Exit 1 when more messages than this were lost' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and not __fish_seen_subcommand_from connect idle fanout publish churn presence delta help" -l max-errors -d 'Exit 1 when more than this many connections or publishes failed' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and not __fish_seen_subcommand_from connect idle fanout publish churn presence delta help" -l workers -d 'Run the sockets in N worker processes (connect, idle, fanout) to pass one process\'s open-files limit' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and not __fish_seen_subcommand_from connect idle fanout publish churn presence delta help" -l source-ips -d 'Spread client sockets over these source addresses, e.g. 127.0.0.1-127.0.0.8' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and not __fish_seen_subcommand_from connect idle fanout publish churn presence delta help" -l server-pid -d 'The server\'s pid on this host: report its CPU and memory' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and not __fish_seen_subcommand_from connect idle fanout publish churn presence delta help" -l ramp-timeout -d 'Seconds allowed for opening all connections' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and not __fish_seen_subcommand_from connect idle fanout publish churn presence delta help" -l worker-index -d 'Internal: this worker\'s number, from 0' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and not __fish_seen_subcommand_from connect idle fanout publish churn presence delta help" -l worker-count -d 'Internal: how many workers share the sockets' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and not __fish_seen_subcommand_from connect idle fanout publish churn presence delta help" -l config -d 'Config file (.toml, or Sockudo\'s config.json). Without one, embedded defaults are used' -r -F
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and not __fish_seen_subcommand_from connect idle fanout publish churn presence delta help" -l json -d 'Print one JSON document on stdout instead of the table'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and not __fish_seen_subcommand_from connect idle fanout publish churn presence delta help" -l worker -d 'Internal: run as one of the worker processes of --workers'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and not __fish_seen_subcommand_from connect idle fanout publish churn presence delta help" -s h -l help -d 'Print help'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and not __fish_seen_subcommand_from connect idle fanout publish churn presence delta help" -f -a "connect" -d 'Ramp N connections, each subscribing to one of C channels: time to connected and subscribed'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and not __fish_seen_subcommand_from connect idle fanout publish churn presence delta help" -f -a "idle" -d 'Hold N subscribed sockets for --duration; with --server-pid, the server\'s memory per socket'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and not __fish_seen_subcommand_from connect idle fanout publish churn presence delta help" -f -a "fanout" -d 'N subscribers over C channels, a publisher at R publishes/s: end-to-end latency, lost, duplicates'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and not __fish_seen_subcommand_from connect idle fanout publish churn presence delta help" -f -a "publish" -d 'The most signed HTTP publishes/s at concurrency K, to a channel with one subscriber'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and not __fish_seen_subcommand_from connect idle fanout publish churn presence delta help" -f -a "churn" -d 'Connect, subscribe, disconnect cycles from K concurrent loops'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and not __fish_seen_subcommand_from connect idle fanout publish churn presence delta help" -f -a "presence" -d 'Join/leave churn on presence channels, watched by one member per channel'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and not __fish_seen_subcommand_from connect idle fanout publish churn presence delta help" -f -a "delta" -d 'A ticker stream with delta compression on: bytes on the wire vs bytes of the messages'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and not __fish_seen_subcommand_from connect idle fanout publish churn presence delta help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from connect" -l connections -d 'Connections to open' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from connect" -l channels -d 'Channels they subscribe to, round robin' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from connect" -l hold -d 'Seconds to keep them open once all are subscribed' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from connect" -l connect-rate -d 'New connections per second (0 = as fast as --concurrency allows)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from connect" -l connect-concurrency -d 'Connections being opened at once' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from connect" -l url -d 'The server\'s HTTP address; the WebSocket URL is derived from it' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from connect" -l app-id -d 'App id (default: the first app of the configuration, else the development app)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from connect" -l key -d 'App key (default: like --app-id)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from connect" -l secret -d 'App secret (default: like --app-id)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from connect" -l duration -d 'Seconds to publish, hold or churn' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from connect" -l max-p99-ms -d 'Exit 1 when the scenario\'s main latency p99 is above this many milliseconds' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from connect" -l max-lost -d 'Exit 1 when more messages than this were lost' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from connect" -l max-errors -d 'Exit 1 when more than this many connections or publishes failed' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from connect" -l workers -d 'Run the sockets in N worker processes (connect, idle, fanout) to pass one process\'s open-files limit' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from connect" -l source-ips -d 'Spread client sockets over these source addresses, e.g. 127.0.0.1-127.0.0.8' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from connect" -l server-pid -d 'The server\'s pid on this host: report its CPU and memory' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from connect" -l ramp-timeout -d 'Seconds allowed for opening all connections' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from connect" -l worker-index -d 'Internal: this worker\'s number, from 0' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from connect" -l worker-count -d 'Internal: how many workers share the sockets' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from connect" -l config -d 'Config file (.toml, or Sockudo\'s config.json). Without one, embedded defaults are used' -r -F
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from connect" -l json -d 'Print one JSON document on stdout instead of the table'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from connect" -l worker -d 'Internal: run as one of the worker processes of --workers'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from connect" -s h -l help -d 'Print help'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from idle" -l connections -d 'Sockets to hold' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from idle" -l channels -d 'Channels they subscribe to, round robin' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from idle" -l connect-rate -d 'New connections per second (0 = as fast as --concurrency allows)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from idle" -l connect-concurrency -d 'Connections being opened at once' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from idle" -l url -d 'The server\'s HTTP address; the WebSocket URL is derived from it' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from idle" -l app-id -d 'App id (default: the first app of the configuration, else the development app)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from idle" -l key -d 'App key (default: like --app-id)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from idle" -l secret -d 'App secret (default: like --app-id)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from idle" -l duration -d 'Seconds to publish, hold or churn' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from idle" -l max-p99-ms -d 'Exit 1 when the scenario\'s main latency p99 is above this many milliseconds' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from idle" -l max-lost -d 'Exit 1 when more messages than this were lost' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from idle" -l max-errors -d 'Exit 1 when more than this many connections or publishes failed' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from idle" -l workers -d 'Run the sockets in N worker processes (connect, idle, fanout) to pass one process\'s open-files limit' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from idle" -l source-ips -d 'Spread client sockets over these source addresses, e.g. 127.0.0.1-127.0.0.8' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from idle" -l server-pid -d 'The server\'s pid on this host: report its CPU and memory' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from idle" -l ramp-timeout -d 'Seconds allowed for opening all connections' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from idle" -l worker-index -d 'Internal: this worker\'s number, from 0' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from idle" -l worker-count -d 'Internal: how many workers share the sockets' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from idle" -l config -d 'Config file (.toml, or Sockudo\'s config.json). Without one, embedded defaults are used' -r -F
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from idle" -l json -d 'Print one JSON document on stdout instead of the table'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from idle" -l worker -d 'Internal: run as one of the worker processes of --workers'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from idle" -s h -l help -d 'Print help'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from fanout" -l subscribers -d 'Subscribed sockets' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from fanout" -l channels -d 'Channels, subscribers spread round robin; publishes go round robin too' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from fanout" -l rate -d 'Publishes per second, all channels together' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from fanout" -l payload -d 'Bytes of each event\'s data' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from fanout" -l publishers -d 'Keep-alive HTTP connections publishing' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from fanout" -l drain -d 'Seconds to wait for owed messages after publishing stops' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from fanout" -l publish-url -d 'Publish through this server instead of --url (subscribers stay on --url): measures fan-out across the nodes of a cluster' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from fanout" -l connect-rate -d 'New connections per second (0 = as fast as --concurrency allows)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from fanout" -l connect-concurrency -d 'Connections being opened at once' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from fanout" -l url -d 'The server\'s HTTP address; the WebSocket URL is derived from it' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from fanout" -l app-id -d 'App id (default: the first app of the configuration, else the development app)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from fanout" -l key -d 'App key (default: like --app-id)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from fanout" -l secret -d 'App secret (default: like --app-id)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from fanout" -l duration -d 'Seconds to publish, hold or churn' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from fanout" -l max-p99-ms -d 'Exit 1 when the scenario\'s main latency p99 is above this many milliseconds' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from fanout" -l max-lost -d 'Exit 1 when more messages than this were lost' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from fanout" -l max-errors -d 'Exit 1 when more than this many connections or publishes failed' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from fanout" -l workers -d 'Run the sockets in N worker processes (connect, idle, fanout) to pass one process\'s open-files limit' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from fanout" -l source-ips -d 'Spread client sockets over these source addresses, e.g. 127.0.0.1-127.0.0.8' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from fanout" -l server-pid -d 'The server\'s pid on this host: report its CPU and memory' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from fanout" -l ramp-timeout -d 'Seconds allowed for opening all connections' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from fanout" -l worker-index -d 'Internal: this worker\'s number, from 0' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from fanout" -l worker-count -d 'Internal: how many workers share the sockets' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from fanout" -l config -d 'Config file (.toml, or Sockudo\'s config.json). Without one, embedded defaults are used' -r -F
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from fanout" -l json -d 'Print one JSON document on stdout instead of the table'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from fanout" -l worker -d 'Internal: run as one of the worker processes of --workers'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from fanout" -s h -l help -d 'Print help'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from publish" -l concurrency -d 'Requests in flight at once, one keep-alive connection each' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from publish" -l payload -d 'Bytes of each event\'s data' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from publish" -l drain -d 'Seconds to wait for owed messages after publishing stops' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from publish" -l url -d 'The server\'s HTTP address; the WebSocket URL is derived from it' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from publish" -l app-id -d 'App id (default: the first app of the configuration, else the development app)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from publish" -l key -d 'App key (default: like --app-id)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from publish" -l secret -d 'App secret (default: like --app-id)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from publish" -l duration -d 'Seconds to publish, hold or churn' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from publish" -l max-p99-ms -d 'Exit 1 when the scenario\'s main latency p99 is above this many milliseconds' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from publish" -l max-lost -d 'Exit 1 when more messages than this were lost' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from publish" -l max-errors -d 'Exit 1 when more than this many connections or publishes failed' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from publish" -l workers -d 'Run the sockets in N worker processes (connect, idle, fanout) to pass one process\'s open-files limit' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from publish" -l source-ips -d 'Spread client sockets over these source addresses, e.g. 127.0.0.1-127.0.0.8' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from publish" -l server-pid -d 'The server\'s pid on this host: report its CPU and memory' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from publish" -l ramp-timeout -d 'Seconds allowed for opening all connections' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from publish" -l worker-index -d 'Internal: this worker\'s number, from 0' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from publish" -l worker-count -d 'Internal: how many workers share the sockets' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from publish" -l config -d 'Config file (.toml, or Sockudo\'s config.json). Without one, embedded defaults are used' -r -F
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from publish" -l json -d 'Print one JSON document on stdout instead of the table'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from publish" -l worker -d 'Internal: run as one of the worker processes of --workers'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from publish" -s h -l help -d 'Print help'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from churn" -l concurrency -d 'Loops cycling at once' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from churn" -l channels -d 'Channels the cycles subscribe to, round robin' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from churn" -l url -d 'The server\'s HTTP address; the WebSocket URL is derived from it' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from churn" -l app-id -d 'App id (default: the first app of the configuration, else the development app)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from churn" -l key -d 'App key (default: like --app-id)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from churn" -l secret -d 'App secret (default: like --app-id)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from churn" -l duration -d 'Seconds to publish, hold or churn' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from churn" -l max-p99-ms -d 'Exit 1 when the scenario\'s main latency p99 is above this many milliseconds' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from churn" -l max-lost -d 'Exit 1 when more messages than this were lost' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from churn" -l max-errors -d 'Exit 1 when more than this many connections or publishes failed' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from churn" -l workers -d 'Run the sockets in N worker processes (connect, idle, fanout) to pass one process\'s open-files limit' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from churn" -l source-ips -d 'Spread client sockets over these source addresses, e.g. 127.0.0.1-127.0.0.8' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from churn" -l server-pid -d 'The server\'s pid on this host: report its CPU and memory' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from churn" -l ramp-timeout -d 'Seconds allowed for opening all connections' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from churn" -l worker-index -d 'Internal: this worker\'s number, from 0' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from churn" -l worker-count -d 'Internal: how many workers share the sockets' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from churn" -l config -d 'Config file (.toml, or Sockudo\'s config.json). Without one, embedded defaults are used' -r -F
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from churn" -l json -d 'Print one JSON document on stdout instead of the table'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from churn" -l worker -d 'Internal: run as one of the worker processes of --workers'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from churn" -s h -l help -d 'Print help'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from presence" -l concurrency -d 'Loops joining and leaving at once' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from presence" -l channels -d 'Presence channels' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from presence" -l watchers -d 'Members that stay on each channel and count member_added / member_removed' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from presence" -l url -d 'The server\'s HTTP address; the WebSocket URL is derived from it' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from presence" -l app-id -d 'App id (default: the first app of the configuration, else the development app)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from presence" -l key -d 'App key (default: like --app-id)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from presence" -l secret -d 'App secret (default: like --app-id)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from presence" -l duration -d 'Seconds to publish, hold or churn' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from presence" -l max-p99-ms -d 'Exit 1 when the scenario\'s main latency p99 is above this many milliseconds' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from presence" -l max-lost -d 'Exit 1 when more messages than this were lost' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from presence" -l max-errors -d 'Exit 1 when more than this many connections or publishes failed' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from presence" -l workers -d 'Run the sockets in N worker processes (connect, idle, fanout) to pass one process\'s open-files limit' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from presence" -l source-ips -d 'Spread client sockets over these source addresses, e.g. 127.0.0.1-127.0.0.8' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from presence" -l server-pid -d 'The server\'s pid on this host: report its CPU and memory' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from presence" -l ramp-timeout -d 'Seconds allowed for opening all connections' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from presence" -l worker-index -d 'Internal: this worker\'s number, from 0' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from presence" -l worker-count -d 'Internal: how many workers share the sockets' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from presence" -l config -d 'Config file (.toml, or Sockudo\'s config.json). Without one, embedded defaults are used' -r -F
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from presence" -l json -d 'Print one JSON document on stdout instead of the table'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from presence" -l worker -d 'Internal: run as one of the worker processes of --workers'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from presence" -s h -l help -d 'Print help'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from delta" -l subscribers -d 'Subscribers with delta compression on, all on one channel' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from delta" -l rate -d 'Publishes per second' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from delta" -l symbols -d 'Instruments in the ticker; quotes cycle through them' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from delta" -l algorithm -d 'Algorithm to ask for: fossil or xdelta3' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from delta" -l url -d 'The server\'s HTTP address; the WebSocket URL is derived from it' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from delta" -l app-id -d 'App id (default: the first app of the configuration, else the development app)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from delta" -l key -d 'App key (default: like --app-id)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from delta" -l secret -d 'App secret (default: like --app-id)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from delta" -l duration -d 'Seconds to publish, hold or churn' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from delta" -l max-p99-ms -d 'Exit 1 when the scenario\'s main latency p99 is above this many milliseconds' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from delta" -l max-lost -d 'Exit 1 when more messages than this were lost' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from delta" -l max-errors -d 'Exit 1 when more than this many connections or publishes failed' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from delta" -l workers -d 'Run the sockets in N worker processes (connect, idle, fanout) to pass one process\'s open-files limit' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from delta" -l source-ips -d 'Spread client sockets over these source addresses, e.g. 127.0.0.1-127.0.0.8' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from delta" -l server-pid -d 'The server\'s pid on this host: report its CPU and memory' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from delta" -l ramp-timeout -d 'Seconds allowed for opening all connections' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from delta" -l worker-index -d 'Internal: this worker\'s number, from 0' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from delta" -l worker-count -d 'Internal: how many workers share the sockets' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from delta" -l config -d 'Config file (.toml, or Sockudo\'s config.json). Without one, embedded defaults are used' -r -F
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from delta" -l no-delta -d 'Subscribe without delta compression: the baseline for deliveries per second'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from delta" -l json -d 'Print one JSON document on stdout instead of the table'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from delta" -l worker -d 'Internal: run as one of the worker processes of --workers'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from delta" -s h -l help -d 'Print help'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "connect" -d 'Ramp N connections, each subscribing to one of C channels: time to connected and subscribed'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "idle" -d 'Hold N subscribed sockets for --duration; with --server-pid, the server\'s memory per socket'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "fanout" -d 'N subscribers over C channels, a publisher at R publishes/s: end-to-end latency, lost, duplicates'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "publish" -d 'The most signed HTTP publishes/s at concurrency K, to a channel with one subscriber'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "churn" -d 'Connect, subscribe, disconnect cycles from K concurrent loops'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "presence" -d 'Join/leave churn on presence channels, watched by one member per channel'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "delta" -d 'A ticker stream with delta compression on: bytes on the wire vs bytes of the messages'
complete -c sockudo -n "__fish_sockudo_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sockudo -n "__fish_sockudo_using_subcommand top" -l url -d 'The server\'s metrics listener (default: from the config\'s metrics.host/port, on loopback)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand top" -l token -d 'Bearer token for /stats (default: the config\'s metrics.stats_token)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand top" -l app -d 'Start with this app selected (the `a` key changes it)' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand top" -l interval -d 'Seconds between snapshots' -r
complete -c sockudo -n "__fish_sockudo_using_subcommand top" -l config -d 'Config file (.toml, or Sockudo\'s config.json). Without one, embedded defaults are used' -r -F
complete -c sockudo -n "__fish_sockudo_using_subcommand top" -l once -d 'Print one snapshot and exit'
complete -c sockudo -n "__fish_sockudo_using_subcommand top" -l json -d 'With --once: print the snapshot as JSON'
complete -c sockudo -n "__fish_sockudo_using_subcommand top" -s h -l help -d 'Print help'
complete -c sockudo -n "__fish_sockudo_using_subcommand completions" -l config -d 'Config file (.toml, or Sockudo\'s config.json). Without one, embedded defaults are used' -r -F
complete -c sockudo -n "__fish_sockudo_using_subcommand completions" -s h -l help -d 'Print help'
complete -c sockudo -n "__fish_sockudo_using_subcommand man" -l config -d 'Config file (.toml, or Sockudo\'s config.json). Without one, embedded defaults are used' -r -F
complete -c sockudo -n "__fish_sockudo_using_subcommand man" -s h -l help -d 'Print help'
complete -c sockudo -n "__fish_sockudo_using_subcommand help; and not __fish_seen_subcommand_from serve apps migrate config bench top completions man help" -f -a "serve" -d 'Run the server: WebSocket + HTTP API on one port, metrics on another'
complete -c sockudo -n "__fish_sockudo_using_subcommand help; and not __fish_seen_subcommand_from serve apps migrate config bench top completions man help" -f -a "apps" -d 'Manage apps in the configured store'
complete -c sockudo -n "__fish_sockudo_using_subcommand help; and not __fish_seen_subcommand_from serve apps migrate config bench top completions man help" -f -a "migrate" -d 'Prepare or upgrade the app store\'s schema'
complete -c sockudo -n "__fish_sockudo_using_subcommand help; and not __fish_seen_subcommand_from serve apps migrate config bench top completions man help" -f -a "config" -d 'Validate or print the configuration'
complete -c sockudo -n "__fish_sockudo_using_subcommand help; and not __fish_seen_subcommand_from serve apps migrate config bench top completions man help" -f -a "bench" -d 'Generate load against a Pusher-compatible server and report what it measured'
complete -c sockudo -n "__fish_sockudo_using_subcommand help; and not __fish_seen_subcommand_from serve apps migrate config bench top completions man help" -f -a "top" -d 'Live terminal dashboard of a running server'
complete -c sockudo -n "__fish_sockudo_using_subcommand help; and not __fish_seen_subcommand_from serve apps migrate config bench top completions man help" -f -a "completions" -d 'Print shell completions'
complete -c sockudo -n "__fish_sockudo_using_subcommand help; and not __fish_seen_subcommand_from serve apps migrate config bench top completions man help" -f -a "man" -d 'Write the man pages, one per command, into a directory'
complete -c sockudo -n "__fish_sockudo_using_subcommand help; and not __fish_seen_subcommand_from serve apps migrate config bench top completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sockudo -n "__fish_sockudo_using_subcommand help; and __fish_seen_subcommand_from apps" -f -a "create" -d 'Create an app; id, key and secret are generated when not given. The secret is shown once'
complete -c sockudo -n "__fish_sockudo_using_subcommand help; and __fish_seen_subcommand_from apps" -f -a "list" -d 'List apps (secrets masked unless --show-secrets)'
complete -c sockudo -n "__fish_sockudo_using_subcommand help; and __fish_seen_subcommand_from apps" -f -a "show" -d 'Show one app'
complete -c sockudo -n "__fish_sockudo_using_subcommand help; and __fish_seen_subcommand_from apps" -f -a "update" -d 'Change any field of an app'
complete -c sockudo -n "__fish_sockudo_using_subcommand help; and __fish_seen_subcommand_from apps" -f -a "enable" -d 'Enable an app'
complete -c sockudo -n "__fish_sockudo_using_subcommand help; and __fish_seen_subcommand_from apps" -f -a "disable" -d 'Disable an app: its sockets are closed (4003) and new ones refused'
complete -c sockudo -n "__fish_sockudo_using_subcommand help; and __fish_seen_subcommand_from apps" -f -a "delete" -d 'Delete an app (asks first unless --yes)'
complete -c sockudo -n "__fish_sockudo_using_subcommand help; and __fish_seen_subcommand_from apps" -f -a "rotate-secret" -d 'Replace an app\'s secret with a new random one, shown once'
complete -c sockudo -n "__fish_sockudo_using_subcommand help; and __fish_seen_subcommand_from apps" -f -a "export" -d 'Print every app, with secrets, as JSON (the format `import` reads)'
complete -c sockudo -n "__fish_sockudo_using_subcommand help; and __fish_seen_subcommand_from apps" -f -a "import" -d 'Create apps from JSON: our export, or a Sockudo/soketi config\'s app list'
complete -c sockudo -n "__fish_sockudo_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "check" -d 'Load the configuration as `serve` would and report every problem (exit 1 if any)'
complete -c sockudo -n "__fish_sockudo_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "print" -d 'Print the effective configuration (file, environment and defaults) with secrets masked'
complete -c sockudo -n "__fish_sockudo_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "connect" -d 'Ramp N connections, each subscribing to one of C channels: time to connected and subscribed'
complete -c sockudo -n "__fish_sockudo_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "idle" -d 'Hold N subscribed sockets for --duration; with --server-pid, the server\'s memory per socket'
complete -c sockudo -n "__fish_sockudo_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "fanout" -d 'N subscribers over C channels, a publisher at R publishes/s: end-to-end latency, lost, duplicates'
complete -c sockudo -n "__fish_sockudo_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "publish" -d 'The most signed HTTP publishes/s at concurrency K, to a channel with one subscriber'
complete -c sockudo -n "__fish_sockudo_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "churn" -d 'Connect, subscribe, disconnect cycles from K concurrent loops'
complete -c sockudo -n "__fish_sockudo_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "presence" -d 'Join/leave churn on presence channels, watched by one member per channel'
complete -c sockudo -n "__fish_sockudo_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "delta" -d 'A ticker stream with delta compression on: bytes on the wire vs bytes of the messages'
