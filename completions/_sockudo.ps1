
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'sockudo' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'sockudo'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'sockudo' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run the server: WebSocket + HTTP API on one port, metrics on another')
            [CompletionResult]::new('apps', 'apps', [CompletionResultType]::ParameterValue, 'Manage apps in the configured store')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Prepare or upgrade the app store''s schema')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Validate or print the configuration')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Generate load against a Pusher-compatible server and report what it measured')
            [CompletionResult]::new('top', 'top', [CompletionResultType]::ParameterValue, 'Live terminal dashboard of a running server')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write the man pages, one per command, into a directory')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sockudo;serve' {
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Address to bind (overrides `host` and HOST)')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port for WebSocket and HTTP API (overrides `port` and PORT)')
            [CompletionResult]::new('--metrics-port', '--metrics-port', [CompletionResultType]::ParameterName, 'Port for Prometheus metrics (overrides `metrics.port` and METRICS_PORT)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--console', '--console', [CompletionResultType]::ParameterName, 'Serve the web console at `console.path` (/console), loopback clients only unless `console.token` is set (overrides `console.enabled` and CONSOLE_ENABLED)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;apps' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create an app; id, key and secret are generated when not given. The secret is shown once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List apps (secrets masked unless --show-secrets)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one app')
            [CompletionResult]::new('update', 'update', [CompletionResultType]::ParameterValue, 'Change any field of an app')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Enable an app')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Disable an app: its sockets are closed (4003) and new ones refused')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete an app (asks first unless --yes)')
            [CompletionResult]::new('rotate-secret', 'rotate-secret', [CompletionResultType]::ParameterValue, 'Replace an app''s secret with a new random one, shown once')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Print every app, with secrets, as JSON (the format `import` reads)')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Create apps from JSON: our export, or a Sockudo/soketi config''s app list')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sockudo;apps;create' {
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'The app id (default: a random number)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The key clients connect with (default: random)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'The secret that signs (default: random; shown once)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'A name for people')
            [CompletionResult]::new('--enabled', '--enabled', [CompletionResultType]::ParameterName, 'Accept connections and API calls (false: refuse them)')
            [CompletionResult]::new('--client-messages', '--client-messages', [CompletionResultType]::ParameterName, 'Allow client- events on private and presence channels')
            [CompletionResult]::new('--user-authentication', '--user-authentication', [CompletionResultType]::ParameterName, 'Allow pusher:signin')
            [CompletionResult]::new('--watchlist-events', '--watchlist-events', [CompletionResultType]::ParameterName, 'Send online/offline events of watched users')
            [CompletionResult]::new('--subscription-count', '--subscription-count', [CompletionResultType]::ParameterName, 'Send pusher_internal:subscription_count to subscribers')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Sockets the app may have at once (none: no limit)')
            [CompletionResult]::new('--max-client-events-per-second', '--max-client-events-per-second', [CompletionResultType]::ParameterName, 'Client events one socket may send per second (none: the global default)')
            [CompletionResult]::new('--max-backend-events-per-second', '--max-backend-events-per-second', [CompletionResultType]::ParameterName, 'Events the HTTP API may publish per second (none: no limit)')
            [CompletionResult]::new('--max-read-requests-per-second', '--max-read-requests-per-second', [CompletionResultType]::ParameterName, 'HTTP API reads per second (none: no limit)')
            [CompletionResult]::new('--max-presence-members-per-channel', '--max-presence-members-per-channel', [CompletionResultType]::ParameterName, 'Members one presence channel may have (none: the global default)')
            [CompletionResult]::new('--max-presence-member-size-in-kb', '--max-presence-member-size-in-kb', [CompletionResultType]::ParameterName, 'Size of one member''s user_info in KiB (none: the global default)')
            [CompletionResult]::new('--max-channel-name-length', '--max-channel-name-length', [CompletionResultType]::ParameterName, 'Longest channel name (none: the global default)')
            [CompletionResult]::new('--max-channels-per-connection', '--max-channels-per-connection', [CompletionResultType]::ParameterName, 'Channels one connection may be subscribed to at once (none: the global default)')
            [CompletionResult]::new('--max-event-channels-at-once', '--max-event-channels-at-once', [CompletionResultType]::ParameterName, 'Channels one API event may name (none: the global default)')
            [CompletionResult]::new('--max-event-name-length', '--max-event-name-length', [CompletionResultType]::ParameterName, 'Longest event name (none: the global default)')
            [CompletionResult]::new('--max-event-payload-in-kb', '--max-event-payload-in-kb', [CompletionResultType]::ParameterName, 'Largest event data in KiB (none: the global default)')
            [CompletionResult]::new('--max-event-batch-size', '--max-event-batch-size', [CompletionResultType]::ParameterName, 'Events one batch call may carry (none: the global default)')
            [CompletionResult]::new('--allowed-origins', '--allowed-origins', [CompletionResultType]::ParameterName, 'Allowed origins, comma-separated (`*` wildcards); an empty value clears them')
            [CompletionResult]::new('--add-webhook', '--add-webhook', [CompletionResultType]::ParameterName, 'Add a webhook URL (with --webhook-events and --webhook-channel-prefix)')
            [CompletionResult]::new('--webhook-events', '--webhook-events', [CompletionResultType]::ParameterName, 'Event types for --add-webhook, comma-separated (e.g. channel_occupied,channel_vacated)')
            [CompletionResult]::new('--webhook-channel-prefix', '--webhook-channel-prefix', [CompletionResultType]::ParameterName, 'Only send channels with this prefix to the --add-webhook URL')
            [CompletionResult]::new('--remove-webhook', '--remove-webhook', [CompletionResultType]::ParameterName, 'Remove every webhook with this URL')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON, for scripts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;apps;list' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--show-secrets', '--show-secrets', [CompletionResultType]::ParameterName, 'Show secrets instead of masking them')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON, for scripts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;apps;show' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--show-secrets', '--show-secrets', [CompletionResultType]::ParameterName, 'Show secrets instead of masking them')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON, for scripts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;apps;update' {
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'A new key')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'A name for people')
            [CompletionResult]::new('--enabled', '--enabled', [CompletionResultType]::ParameterName, 'Accept connections and API calls (false: refuse them)')
            [CompletionResult]::new('--client-messages', '--client-messages', [CompletionResultType]::ParameterName, 'Allow client- events on private and presence channels')
            [CompletionResult]::new('--user-authentication', '--user-authentication', [CompletionResultType]::ParameterName, 'Allow pusher:signin')
            [CompletionResult]::new('--watchlist-events', '--watchlist-events', [CompletionResultType]::ParameterName, 'Send online/offline events of watched users')
            [CompletionResult]::new('--subscription-count', '--subscription-count', [CompletionResultType]::ParameterName, 'Send pusher_internal:subscription_count to subscribers')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Sockets the app may have at once (none: no limit)')
            [CompletionResult]::new('--max-client-events-per-second', '--max-client-events-per-second', [CompletionResultType]::ParameterName, 'Client events one socket may send per second (none: the global default)')
            [CompletionResult]::new('--max-backend-events-per-second', '--max-backend-events-per-second', [CompletionResultType]::ParameterName, 'Events the HTTP API may publish per second (none: no limit)')
            [CompletionResult]::new('--max-read-requests-per-second', '--max-read-requests-per-second', [CompletionResultType]::ParameterName, 'HTTP API reads per second (none: no limit)')
            [CompletionResult]::new('--max-presence-members-per-channel', '--max-presence-members-per-channel', [CompletionResultType]::ParameterName, 'Members one presence channel may have (none: the global default)')
            [CompletionResult]::new('--max-presence-member-size-in-kb', '--max-presence-member-size-in-kb', [CompletionResultType]::ParameterName, 'Size of one member''s user_info in KiB (none: the global default)')
            [CompletionResult]::new('--max-channel-name-length', '--max-channel-name-length', [CompletionResultType]::ParameterName, 'Longest channel name (none: the global default)')
            [CompletionResult]::new('--max-channels-per-connection', '--max-channels-per-connection', [CompletionResultType]::ParameterName, 'Channels one connection may be subscribed to at once (none: the global default)')
            [CompletionResult]::new('--max-event-channels-at-once', '--max-event-channels-at-once', [CompletionResultType]::ParameterName, 'Channels one API event may name (none: the global default)')
            [CompletionResult]::new('--max-event-name-length', '--max-event-name-length', [CompletionResultType]::ParameterName, 'Longest event name (none: the global default)')
            [CompletionResult]::new('--max-event-payload-in-kb', '--max-event-payload-in-kb', [CompletionResultType]::ParameterName, 'Largest event data in KiB (none: the global default)')
            [CompletionResult]::new('--max-event-batch-size', '--max-event-batch-size', [CompletionResultType]::ParameterName, 'Events one batch call may carry (none: the global default)')
            [CompletionResult]::new('--allowed-origins', '--allowed-origins', [CompletionResultType]::ParameterName, 'Allowed origins, comma-separated (`*` wildcards); an empty value clears them')
            [CompletionResult]::new('--add-webhook', '--add-webhook', [CompletionResultType]::ParameterName, 'Add a webhook URL (with --webhook-events and --webhook-channel-prefix)')
            [CompletionResult]::new('--webhook-events', '--webhook-events', [CompletionResultType]::ParameterName, 'Event types for --add-webhook, comma-separated (e.g. channel_occupied,channel_vacated)')
            [CompletionResult]::new('--webhook-channel-prefix', '--webhook-channel-prefix', [CompletionResultType]::ParameterName, 'Only send channels with this prefix to the --add-webhook URL')
            [CompletionResult]::new('--remove-webhook', '--remove-webhook', [CompletionResultType]::ParameterName, 'Remove every webhook with this URL')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON, for scripts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;apps;enable' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON, for scripts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;apps;disable' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON, for scripts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;apps;delete' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON, for scripts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;apps;rotate-secret' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON, for scripts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;apps;export' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write to this file instead of standard output')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write to this file instead of standard output')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;apps;import' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--overwrite', '--overwrite', [CompletionResultType]::ParameterName, 'Update apps whose id already exists instead of refusing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON, for scripts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;apps;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create an app; id, key and secret are generated when not given. The secret is shown once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List apps (secrets masked unless --show-secrets)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one app')
            [CompletionResult]::new('update', 'update', [CompletionResultType]::ParameterValue, 'Change any field of an app')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Enable an app')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Disable an app: its sockets are closed (4003) and new ones refused')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete an app (asks first unless --yes)')
            [CompletionResult]::new('rotate-secret', 'rotate-secret', [CompletionResultType]::ParameterValue, 'Replace an app''s secret with a new random one, shown once')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Print every app, with secrets, as JSON (the format `import` reads)')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Create apps from JSON: our export, or a Sockudo/soketi config''s app list')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sockudo;apps;help;create' {
            break
        }
        'sockudo;apps;help;list' {
            break
        }
        'sockudo;apps;help;show' {
            break
        }
        'sockudo;apps;help;update' {
            break
        }
        'sockudo;apps;help;enable' {
            break
        }
        'sockudo;apps;help;disable' {
            break
        }
        'sockudo;apps;help;delete' {
            break
        }
        'sockudo;apps;help;rotate-secret' {
            break
        }
        'sockudo;apps;help;export' {
            break
        }
        'sockudo;apps;help;import' {
            break
        }
        'sockudo;apps;help;help' {
            break
        }
        'sockudo;migrate' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'List applied and pending migrations instead of applying')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the SQL of pending migrations without applying it')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;config' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Load the configuration as `serve` would and report every problem (exit 1 if any)')
            [CompletionResult]::new('print', 'print', [CompletionResultType]::ParameterValue, 'Print the effective configuration (file, environment and defaults) with secrets masked')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sockudo;config;check' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Also reject keys sockudo does not use')
            [CompletionResult]::new('--connect', '--connect', [CompletionResultType]::ParameterName, 'Also check that the configured app store answers and its schema is current')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the outcome as JSON: {"valid", "problems": [{"key", "line", "message", "severity"}]}; the exit code is the same')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;config;print' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of TOML')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;config;help' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Load the configuration as `serve` would and report every problem (exit 1 if any)')
            [CompletionResult]::new('print', 'print', [CompletionResultType]::ParameterValue, 'Print the effective configuration (file, environment and defaults) with secrets masked')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sockudo;config;help;check' {
            break
        }
        'sockudo;config;help;print' {
            break
        }
        'sockudo;config;help;help' {
            break
        }
        'sockudo;bench' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'The server''s HTTP address; the WebSocket URL is derived from it')
            [CompletionResult]::new('--app-id', '--app-id', [CompletionResultType]::ParameterName, 'App id (default: the first app of the configuration, else the development app)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'App key (default: like --app-id)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'App secret (default: like --app-id)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Seconds to publish, hold or churn')
            [CompletionResult]::new('--max-p99-ms', '--max-p99-ms', [CompletionResultType]::ParameterName, 'Exit 1 when the scenario''s main latency p99 is above this many milliseconds')
            [CompletionResult]::new('--max-lost', '--max-lost', [CompletionResultType]::ParameterName, 'Exit 1 when more messages than this were lost')
            [CompletionResult]::new('--max-errors', '--max-errors', [CompletionResultType]::ParameterName, 'Exit 1 when more than this many connections or publishes failed')
            [CompletionResult]::new('--workers', '--workers', [CompletionResultType]::ParameterName, 'Run the sockets in N worker processes (connect, idle, fanout) to pass one process''s open-files limit')
            [CompletionResult]::new('--source-ips', '--source-ips', [CompletionResultType]::ParameterName, 'Spread client sockets over these source addresses, e.g. 127.0.0.1-127.0.0.8')
            [CompletionResult]::new('--server-pid', '--server-pid', [CompletionResultType]::ParameterName, 'The server''s pid on this host: report its CPU and memory')
            [CompletionResult]::new('--ramp-timeout', '--ramp-timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for opening all connections')
            [CompletionResult]::new('--worker-index', '--worker-index', [CompletionResultType]::ParameterName, 'Internal: this worker''s number, from 0')
            [CompletionResult]::new('--worker-count', '--worker-count', [CompletionResultType]::ParameterName, 'Internal: how many workers share the sockets')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of the table')
            [CompletionResult]::new('--worker', '--worker', [CompletionResultType]::ParameterName, 'Internal: run as one of the worker processes of --workers')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('connect', 'connect', [CompletionResultType]::ParameterValue, 'Ramp N connections, each subscribing to one of C channels: time to connected and subscribed')
            [CompletionResult]::new('idle', 'idle', [CompletionResultType]::ParameterValue, 'Hold N subscribed sockets for --duration; with --server-pid, the server''s memory per socket')
            [CompletionResult]::new('fanout', 'fanout', [CompletionResultType]::ParameterValue, 'N subscribers over C channels, a publisher at R publishes/s: end-to-end latency, lost, duplicates')
            [CompletionResult]::new('publish', 'publish', [CompletionResultType]::ParameterValue, 'The most signed HTTP publishes/s at concurrency K, to a channel with one subscriber')
            [CompletionResult]::new('churn', 'churn', [CompletionResultType]::ParameterValue, 'Connect, subscribe, disconnect cycles from K concurrent loops')
            [CompletionResult]::new('presence', 'presence', [CompletionResultType]::ParameterValue, 'Join/leave churn on presence channels, watched by one member per channel')
            [CompletionResult]::new('delta', 'delta', [CompletionResultType]::ParameterValue, 'A ticker stream with delta compression on: bytes on the wire vs bytes of the messages')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sockudo;bench;connect' {
            [CompletionResult]::new('--connections', '--connections', [CompletionResultType]::ParameterName, 'Connections to open')
            [CompletionResult]::new('--channels', '--channels', [CompletionResultType]::ParameterName, 'Channels they subscribe to, round robin')
            [CompletionResult]::new('--hold', '--hold', [CompletionResultType]::ParameterName, 'Seconds to keep them open once all are subscribed')
            [CompletionResult]::new('--connect-rate', '--connect-rate', [CompletionResultType]::ParameterName, 'New connections per second (0 = as fast as --concurrency allows)')
            [CompletionResult]::new('--connect-concurrency', '--connect-concurrency', [CompletionResultType]::ParameterName, 'Connections being opened at once')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'The server''s HTTP address; the WebSocket URL is derived from it')
            [CompletionResult]::new('--app-id', '--app-id', [CompletionResultType]::ParameterName, 'App id (default: the first app of the configuration, else the development app)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'App key (default: like --app-id)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'App secret (default: like --app-id)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Seconds to publish, hold or churn')
            [CompletionResult]::new('--max-p99-ms', '--max-p99-ms', [CompletionResultType]::ParameterName, 'Exit 1 when the scenario''s main latency p99 is above this many milliseconds')
            [CompletionResult]::new('--max-lost', '--max-lost', [CompletionResultType]::ParameterName, 'Exit 1 when more messages than this were lost')
            [CompletionResult]::new('--max-errors', '--max-errors', [CompletionResultType]::ParameterName, 'Exit 1 when more than this many connections or publishes failed')
            [CompletionResult]::new('--workers', '--workers', [CompletionResultType]::ParameterName, 'Run the sockets in N worker processes (connect, idle, fanout) to pass one process''s open-files limit')
            [CompletionResult]::new('--source-ips', '--source-ips', [CompletionResultType]::ParameterName, 'Spread client sockets over these source addresses, e.g. 127.0.0.1-127.0.0.8')
            [CompletionResult]::new('--server-pid', '--server-pid', [CompletionResultType]::ParameterName, 'The server''s pid on this host: report its CPU and memory')
            [CompletionResult]::new('--ramp-timeout', '--ramp-timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for opening all connections')
            [CompletionResult]::new('--worker-index', '--worker-index', [CompletionResultType]::ParameterName, 'Internal: this worker''s number, from 0')
            [CompletionResult]::new('--worker-count', '--worker-count', [CompletionResultType]::ParameterName, 'Internal: how many workers share the sockets')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of the table')
            [CompletionResult]::new('--worker', '--worker', [CompletionResultType]::ParameterName, 'Internal: run as one of the worker processes of --workers')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;bench;idle' {
            [CompletionResult]::new('--connections', '--connections', [CompletionResultType]::ParameterName, 'Sockets to hold')
            [CompletionResult]::new('--channels', '--channels', [CompletionResultType]::ParameterName, 'Channels they subscribe to, round robin')
            [CompletionResult]::new('--connect-rate', '--connect-rate', [CompletionResultType]::ParameterName, 'New connections per second (0 = as fast as --concurrency allows)')
            [CompletionResult]::new('--connect-concurrency', '--connect-concurrency', [CompletionResultType]::ParameterName, 'Connections being opened at once')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'The server''s HTTP address; the WebSocket URL is derived from it')
            [CompletionResult]::new('--app-id', '--app-id', [CompletionResultType]::ParameterName, 'App id (default: the first app of the configuration, else the development app)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'App key (default: like --app-id)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'App secret (default: like --app-id)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Seconds to publish, hold or churn')
            [CompletionResult]::new('--max-p99-ms', '--max-p99-ms', [CompletionResultType]::ParameterName, 'Exit 1 when the scenario''s main latency p99 is above this many milliseconds')
            [CompletionResult]::new('--max-lost', '--max-lost', [CompletionResultType]::ParameterName, 'Exit 1 when more messages than this were lost')
            [CompletionResult]::new('--max-errors', '--max-errors', [CompletionResultType]::ParameterName, 'Exit 1 when more than this many connections or publishes failed')
            [CompletionResult]::new('--workers', '--workers', [CompletionResultType]::ParameterName, 'Run the sockets in N worker processes (connect, idle, fanout) to pass one process''s open-files limit')
            [CompletionResult]::new('--source-ips', '--source-ips', [CompletionResultType]::ParameterName, 'Spread client sockets over these source addresses, e.g. 127.0.0.1-127.0.0.8')
            [CompletionResult]::new('--server-pid', '--server-pid', [CompletionResultType]::ParameterName, 'The server''s pid on this host: report its CPU and memory')
            [CompletionResult]::new('--ramp-timeout', '--ramp-timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for opening all connections')
            [CompletionResult]::new('--worker-index', '--worker-index', [CompletionResultType]::ParameterName, 'Internal: this worker''s number, from 0')
            [CompletionResult]::new('--worker-count', '--worker-count', [CompletionResultType]::ParameterName, 'Internal: how many workers share the sockets')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of the table')
            [CompletionResult]::new('--worker', '--worker', [CompletionResultType]::ParameterName, 'Internal: run as one of the worker processes of --workers')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;bench;fanout' {
            [CompletionResult]::new('--subscribers', '--subscribers', [CompletionResultType]::ParameterName, 'Subscribed sockets')
            [CompletionResult]::new('--channels', '--channels', [CompletionResultType]::ParameterName, 'Channels, subscribers spread round robin; publishes go round robin too')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Publishes per second, all channels together')
            [CompletionResult]::new('--payload', '--payload', [CompletionResultType]::ParameterName, 'Bytes of each event''s data')
            [CompletionResult]::new('--publishers', '--publishers', [CompletionResultType]::ParameterName, 'Keep-alive HTTP connections publishing')
            [CompletionResult]::new('--drain', '--drain', [CompletionResultType]::ParameterName, 'Seconds to wait for owed messages after publishing stops')
            [CompletionResult]::new('--publish-url', '--publish-url', [CompletionResultType]::ParameterName, 'Publish through this server instead of --url (subscribers stay on --url): measures fan-out across the nodes of a cluster')
            [CompletionResult]::new('--connect-rate', '--connect-rate', [CompletionResultType]::ParameterName, 'New connections per second (0 = as fast as --concurrency allows)')
            [CompletionResult]::new('--connect-concurrency', '--connect-concurrency', [CompletionResultType]::ParameterName, 'Connections being opened at once')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'The server''s HTTP address; the WebSocket URL is derived from it')
            [CompletionResult]::new('--app-id', '--app-id', [CompletionResultType]::ParameterName, 'App id (default: the first app of the configuration, else the development app)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'App key (default: like --app-id)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'App secret (default: like --app-id)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Seconds to publish, hold or churn')
            [CompletionResult]::new('--max-p99-ms', '--max-p99-ms', [CompletionResultType]::ParameterName, 'Exit 1 when the scenario''s main latency p99 is above this many milliseconds')
            [CompletionResult]::new('--max-lost', '--max-lost', [CompletionResultType]::ParameterName, 'Exit 1 when more messages than this were lost')
            [CompletionResult]::new('--max-errors', '--max-errors', [CompletionResultType]::ParameterName, 'Exit 1 when more than this many connections or publishes failed')
            [CompletionResult]::new('--workers', '--workers', [CompletionResultType]::ParameterName, 'Run the sockets in N worker processes (connect, idle, fanout) to pass one process''s open-files limit')
            [CompletionResult]::new('--source-ips', '--source-ips', [CompletionResultType]::ParameterName, 'Spread client sockets over these source addresses, e.g. 127.0.0.1-127.0.0.8')
            [CompletionResult]::new('--server-pid', '--server-pid', [CompletionResultType]::ParameterName, 'The server''s pid on this host: report its CPU and memory')
            [CompletionResult]::new('--ramp-timeout', '--ramp-timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for opening all connections')
            [CompletionResult]::new('--worker-index', '--worker-index', [CompletionResultType]::ParameterName, 'Internal: this worker''s number, from 0')
            [CompletionResult]::new('--worker-count', '--worker-count', [CompletionResultType]::ParameterName, 'Internal: how many workers share the sockets')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of the table')
            [CompletionResult]::new('--worker', '--worker', [CompletionResultType]::ParameterName, 'Internal: run as one of the worker processes of --workers')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;bench;publish' {
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Requests in flight at once, one keep-alive connection each')
            [CompletionResult]::new('--payload', '--payload', [CompletionResultType]::ParameterName, 'Bytes of each event''s data')
            [CompletionResult]::new('--drain', '--drain', [CompletionResultType]::ParameterName, 'Seconds to wait for owed messages after publishing stops')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'The server''s HTTP address; the WebSocket URL is derived from it')
            [CompletionResult]::new('--app-id', '--app-id', [CompletionResultType]::ParameterName, 'App id (default: the first app of the configuration, else the development app)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'App key (default: like --app-id)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'App secret (default: like --app-id)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Seconds to publish, hold or churn')
            [CompletionResult]::new('--max-p99-ms', '--max-p99-ms', [CompletionResultType]::ParameterName, 'Exit 1 when the scenario''s main latency p99 is above this many milliseconds')
            [CompletionResult]::new('--max-lost', '--max-lost', [CompletionResultType]::ParameterName, 'Exit 1 when more messages than this were lost')
            [CompletionResult]::new('--max-errors', '--max-errors', [CompletionResultType]::ParameterName, 'Exit 1 when more than this many connections or publishes failed')
            [CompletionResult]::new('--workers', '--workers', [CompletionResultType]::ParameterName, 'Run the sockets in N worker processes (connect, idle, fanout) to pass one process''s open-files limit')
            [CompletionResult]::new('--source-ips', '--source-ips', [CompletionResultType]::ParameterName, 'Spread client sockets over these source addresses, e.g. 127.0.0.1-127.0.0.8')
            [CompletionResult]::new('--server-pid', '--server-pid', [CompletionResultType]::ParameterName, 'The server''s pid on this host: report its CPU and memory')
            [CompletionResult]::new('--ramp-timeout', '--ramp-timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for opening all connections')
            [CompletionResult]::new('--worker-index', '--worker-index', [CompletionResultType]::ParameterName, 'Internal: this worker''s number, from 0')
            [CompletionResult]::new('--worker-count', '--worker-count', [CompletionResultType]::ParameterName, 'Internal: how many workers share the sockets')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of the table')
            [CompletionResult]::new('--worker', '--worker', [CompletionResultType]::ParameterName, 'Internal: run as one of the worker processes of --workers')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;bench;churn' {
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Loops cycling at once')
            [CompletionResult]::new('--channels', '--channels', [CompletionResultType]::ParameterName, 'Channels the cycles subscribe to, round robin')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'The server''s HTTP address; the WebSocket URL is derived from it')
            [CompletionResult]::new('--app-id', '--app-id', [CompletionResultType]::ParameterName, 'App id (default: the first app of the configuration, else the development app)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'App key (default: like --app-id)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'App secret (default: like --app-id)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Seconds to publish, hold or churn')
            [CompletionResult]::new('--max-p99-ms', '--max-p99-ms', [CompletionResultType]::ParameterName, 'Exit 1 when the scenario''s main latency p99 is above this many milliseconds')
            [CompletionResult]::new('--max-lost', '--max-lost', [CompletionResultType]::ParameterName, 'Exit 1 when more messages than this were lost')
            [CompletionResult]::new('--max-errors', '--max-errors', [CompletionResultType]::ParameterName, 'Exit 1 when more than this many connections or publishes failed')
            [CompletionResult]::new('--workers', '--workers', [CompletionResultType]::ParameterName, 'Run the sockets in N worker processes (connect, idle, fanout) to pass one process''s open-files limit')
            [CompletionResult]::new('--source-ips', '--source-ips', [CompletionResultType]::ParameterName, 'Spread client sockets over these source addresses, e.g. 127.0.0.1-127.0.0.8')
            [CompletionResult]::new('--server-pid', '--server-pid', [CompletionResultType]::ParameterName, 'The server''s pid on this host: report its CPU and memory')
            [CompletionResult]::new('--ramp-timeout', '--ramp-timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for opening all connections')
            [CompletionResult]::new('--worker-index', '--worker-index', [CompletionResultType]::ParameterName, 'Internal: this worker''s number, from 0')
            [CompletionResult]::new('--worker-count', '--worker-count', [CompletionResultType]::ParameterName, 'Internal: how many workers share the sockets')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of the table')
            [CompletionResult]::new('--worker', '--worker', [CompletionResultType]::ParameterName, 'Internal: run as one of the worker processes of --workers')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;bench;presence' {
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Loops joining and leaving at once')
            [CompletionResult]::new('--channels', '--channels', [CompletionResultType]::ParameterName, 'Presence channels')
            [CompletionResult]::new('--watchers', '--watchers', [CompletionResultType]::ParameterName, 'Members that stay on each channel and count member_added / member_removed')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'The server''s HTTP address; the WebSocket URL is derived from it')
            [CompletionResult]::new('--app-id', '--app-id', [CompletionResultType]::ParameterName, 'App id (default: the first app of the configuration, else the development app)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'App key (default: like --app-id)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'App secret (default: like --app-id)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Seconds to publish, hold or churn')
            [CompletionResult]::new('--max-p99-ms', '--max-p99-ms', [CompletionResultType]::ParameterName, 'Exit 1 when the scenario''s main latency p99 is above this many milliseconds')
            [CompletionResult]::new('--max-lost', '--max-lost', [CompletionResultType]::ParameterName, 'Exit 1 when more messages than this were lost')
            [CompletionResult]::new('--max-errors', '--max-errors', [CompletionResultType]::ParameterName, 'Exit 1 when more than this many connections or publishes failed')
            [CompletionResult]::new('--workers', '--workers', [CompletionResultType]::ParameterName, 'Run the sockets in N worker processes (connect, idle, fanout) to pass one process''s open-files limit')
            [CompletionResult]::new('--source-ips', '--source-ips', [CompletionResultType]::ParameterName, 'Spread client sockets over these source addresses, e.g. 127.0.0.1-127.0.0.8')
            [CompletionResult]::new('--server-pid', '--server-pid', [CompletionResultType]::ParameterName, 'The server''s pid on this host: report its CPU and memory')
            [CompletionResult]::new('--ramp-timeout', '--ramp-timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for opening all connections')
            [CompletionResult]::new('--worker-index', '--worker-index', [CompletionResultType]::ParameterName, 'Internal: this worker''s number, from 0')
            [CompletionResult]::new('--worker-count', '--worker-count', [CompletionResultType]::ParameterName, 'Internal: how many workers share the sockets')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of the table')
            [CompletionResult]::new('--worker', '--worker', [CompletionResultType]::ParameterName, 'Internal: run as one of the worker processes of --workers')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;bench;delta' {
            [CompletionResult]::new('--subscribers', '--subscribers', [CompletionResultType]::ParameterName, 'Subscribers with delta compression on, all on one channel')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Publishes per second')
            [CompletionResult]::new('--symbols', '--symbols', [CompletionResultType]::ParameterName, 'Instruments in the ticker; quotes cycle through them')
            [CompletionResult]::new('--algorithm', '--algorithm', [CompletionResultType]::ParameterName, 'Algorithm to ask for: fossil or xdelta3')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'The server''s HTTP address; the WebSocket URL is derived from it')
            [CompletionResult]::new('--app-id', '--app-id', [CompletionResultType]::ParameterName, 'App id (default: the first app of the configuration, else the development app)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'App key (default: like --app-id)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'App secret (default: like --app-id)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Seconds to publish, hold or churn')
            [CompletionResult]::new('--max-p99-ms', '--max-p99-ms', [CompletionResultType]::ParameterName, 'Exit 1 when the scenario''s main latency p99 is above this many milliseconds')
            [CompletionResult]::new('--max-lost', '--max-lost', [CompletionResultType]::ParameterName, 'Exit 1 when more messages than this were lost')
            [CompletionResult]::new('--max-errors', '--max-errors', [CompletionResultType]::ParameterName, 'Exit 1 when more than this many connections or publishes failed')
            [CompletionResult]::new('--workers', '--workers', [CompletionResultType]::ParameterName, 'Run the sockets in N worker processes (connect, idle, fanout) to pass one process''s open-files limit')
            [CompletionResult]::new('--source-ips', '--source-ips', [CompletionResultType]::ParameterName, 'Spread client sockets over these source addresses, e.g. 127.0.0.1-127.0.0.8')
            [CompletionResult]::new('--server-pid', '--server-pid', [CompletionResultType]::ParameterName, 'The server''s pid on this host: report its CPU and memory')
            [CompletionResult]::new('--ramp-timeout', '--ramp-timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for opening all connections')
            [CompletionResult]::new('--worker-index', '--worker-index', [CompletionResultType]::ParameterName, 'Internal: this worker''s number, from 0')
            [CompletionResult]::new('--worker-count', '--worker-count', [CompletionResultType]::ParameterName, 'Internal: how many workers share the sockets')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--no-delta', '--no-delta', [CompletionResultType]::ParameterName, 'Subscribe without delta compression: the baseline for deliveries per second')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of the table')
            [CompletionResult]::new('--worker', '--worker', [CompletionResultType]::ParameterName, 'Internal: run as one of the worker processes of --workers')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;bench;help' {
            [CompletionResult]::new('connect', 'connect', [CompletionResultType]::ParameterValue, 'Ramp N connections, each subscribing to one of C channels: time to connected and subscribed')
            [CompletionResult]::new('idle', 'idle', [CompletionResultType]::ParameterValue, 'Hold N subscribed sockets for --duration; with --server-pid, the server''s memory per socket')
            [CompletionResult]::new('fanout', 'fanout', [CompletionResultType]::ParameterValue, 'N subscribers over C channels, a publisher at R publishes/s: end-to-end latency, lost, duplicates')
            [CompletionResult]::new('publish', 'publish', [CompletionResultType]::ParameterValue, 'The most signed HTTP publishes/s at concurrency K, to a channel with one subscriber')
            [CompletionResult]::new('churn', 'churn', [CompletionResultType]::ParameterValue, 'Connect, subscribe, disconnect cycles from K concurrent loops')
            [CompletionResult]::new('presence', 'presence', [CompletionResultType]::ParameterValue, 'Join/leave churn on presence channels, watched by one member per channel')
            [CompletionResult]::new('delta', 'delta', [CompletionResultType]::ParameterValue, 'A ticker stream with delta compression on: bytes on the wire vs bytes of the messages')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sockudo;bench;help;connect' {
            break
        }
        'sockudo;bench;help;idle' {
            break
        }
        'sockudo;bench;help;fanout' {
            break
        }
        'sockudo;bench;help;publish' {
            break
        }
        'sockudo;bench;help;churn' {
            break
        }
        'sockudo;bench;help;presence' {
            break
        }
        'sockudo;bench;help;delta' {
            break
        }
        'sockudo;bench;help;help' {
            break
        }
        'sockudo;top' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'The server''s metrics listener (default: from the config''s metrics.host/port, on loopback)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for /stats (default: the config''s metrics.stats_token)')
            [CompletionResult]::new('--app', '--app', [CompletionResultType]::ParameterName, 'Start with this app selected (the `a` key changes it)')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Seconds between snapshots')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--once', '--once', [CompletionResultType]::ParameterName, 'Print one snapshot and exit')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'With --once: print the snapshot as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;completions' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;man' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;help' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run the server: WebSocket + HTTP API on one port, metrics on another')
            [CompletionResult]::new('apps', 'apps', [CompletionResultType]::ParameterValue, 'Manage apps in the configured store')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Prepare or upgrade the app store''s schema')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Validate or print the configuration')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Generate load against a Pusher-compatible server and report what it measured')
            [CompletionResult]::new('top', 'top', [CompletionResultType]::ParameterValue, 'Live terminal dashboard of a running server')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write the man pages, one per command, into a directory')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sockudo;help;serve' {
            break
        }
        'sockudo;help;apps' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create an app; id, key and secret are generated when not given. The secret is shown once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List apps (secrets masked unless --show-secrets)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one app')
            [CompletionResult]::new('update', 'update', [CompletionResultType]::ParameterValue, 'Change any field of an app')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Enable an app')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Disable an app: its sockets are closed (4003) and new ones refused')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete an app (asks first unless --yes)')
            [CompletionResult]::new('rotate-secret', 'rotate-secret', [CompletionResultType]::ParameterValue, 'Replace an app''s secret with a new random one, shown once')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Print every app, with secrets, as JSON (the format `import` reads)')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Create apps from JSON: our export, or a Sockudo/soketi config''s app list')
            break
        }
        'sockudo;help;apps;create' {
            break
        }
        'sockudo;help;apps;list' {
            break
        }
        'sockudo;help;apps;show' {
            break
        }
        'sockudo;help;apps;update' {
            break
        }
        'sockudo;help;apps;enable' {
            break
        }
        'sockudo;help;apps;disable' {
            break
        }
        'sockudo;help;apps;delete' {
            break
        }
        'sockudo;help;apps;rotate-secret' {
            break
        }
        'sockudo;help;apps;export' {
            break
        }
        'sockudo;help;apps;import' {
            break
        }
        'sockudo;help;migrate' {
            break
        }
        'sockudo;help;config' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Load the configuration as `serve` would and report every problem (exit 1 if any)')
            [CompletionResult]::new('print', 'print', [CompletionResultType]::ParameterValue, 'Print the effective configuration (file, environment and defaults) with secrets masked')
            break
        }
        'sockudo;help;config;check' {
            break
        }
        'sockudo;help;config;print' {
            break
        }
        'sockudo;help;bench' {
            [CompletionResult]::new('connect', 'connect', [CompletionResultType]::ParameterValue, 'Ramp N connections, each subscribing to one of C channels: time to connected and subscribed')
            [CompletionResult]::new('idle', 'idle', [CompletionResultType]::ParameterValue, 'Hold N subscribed sockets for --duration; with --server-pid, the server''s memory per socket')
            [CompletionResult]::new('fanout', 'fanout', [CompletionResultType]::ParameterValue, 'N subscribers over C channels, a publisher at R publishes/s: end-to-end latency, lost, duplicates')
            [CompletionResult]::new('publish', 'publish', [CompletionResultType]::ParameterValue, 'The most signed HTTP publishes/s at concurrency K, to a channel with one subscriber')
            [CompletionResult]::new('churn', 'churn', [CompletionResultType]::ParameterValue, 'Connect, subscribe, disconnect cycles from K concurrent loops')
            [CompletionResult]::new('presence', 'presence', [CompletionResultType]::ParameterValue, 'Join/leave churn on presence channels, watched by one member per channel')
            [CompletionResult]::new('delta', 'delta', [CompletionResultType]::ParameterValue, 'A ticker stream with delta compression on: bytes on the wire vs bytes of the messages')
            break
        }
        'sockudo;help;bench;connect' {
            break
        }
        'sockudo;help;bench;idle' {
            break
        }
        'sockudo;help;bench;fanout' {
            break
        }
        'sockudo;help;bench;publish' {
            break
        }
        'sockudo;help;bench;churn' {
            break
        }
        'sockudo;help;bench;presence' {
            break
        }
        'sockudo;help;bench;delta' {
            break
        }
        'sockudo;help;top' {
            break
        }
        'sockudo;help;completions' {
            break
        }
        'sockudo;help;man' {
            break
        }
        'sockudo;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
