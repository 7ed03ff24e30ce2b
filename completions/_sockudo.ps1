
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
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Generate load against a Pusher-compatible server')
            [CompletionResult]::new('top', 'top', [CompletionResultType]::ParameterValue, 'Live terminal dashboard of a running server')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sockudo;serve' {
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Address to bind (overrides `host` and HOST)')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port for WebSocket and HTTP API (overrides `port` and PORT)')
            [CompletionResult]::new('--metrics-port', '--metrics-port', [CompletionResultType]::ParameterName, 'Port for Prometheus metrics (overrides `metrics.port` and METRICS_PORT)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
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
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'id')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'key')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'secret')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'name')
            [CompletionResult]::new('--enabled', '--enabled', [CompletionResultType]::ParameterName, 'enabled')
            [CompletionResult]::new('--client-messages', '--client-messages', [CompletionResultType]::ParameterName, 'Allow client- events on private and presence channels')
            [CompletionResult]::new('--user-authentication', '--user-authentication', [CompletionResultType]::ParameterName, 'Allow pusher:signin')
            [CompletionResult]::new('--watchlist-events', '--watchlist-events', [CompletionResultType]::ParameterName, 'watchlist-events')
            [CompletionResult]::new('--subscription-count', '--subscription-count', [CompletionResultType]::ParameterName, 'subscription-count')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'max-connections')
            [CompletionResult]::new('--max-client-events-per-second', '--max-client-events-per-second', [CompletionResultType]::ParameterName, 'max-client-events-per-second')
            [CompletionResult]::new('--max-backend-events-per-second', '--max-backend-events-per-second', [CompletionResultType]::ParameterName, 'max-backend-events-per-second')
            [CompletionResult]::new('--max-read-requests-per-second', '--max-read-requests-per-second', [CompletionResultType]::ParameterName, 'max-read-requests-per-second')
            [CompletionResult]::new('--max-presence-members-per-channel', '--max-presence-members-per-channel', [CompletionResultType]::ParameterName, 'max-presence-members-per-channel')
            [CompletionResult]::new('--max-presence-member-size-in-kb', '--max-presence-member-size-in-kb', [CompletionResultType]::ParameterName, 'max-presence-member-size-in-kb')
            [CompletionResult]::new('--max-channel-name-length', '--max-channel-name-length', [CompletionResultType]::ParameterName, 'max-channel-name-length')
            [CompletionResult]::new('--max-event-channels-at-once', '--max-event-channels-at-once', [CompletionResultType]::ParameterName, 'max-event-channels-at-once')
            [CompletionResult]::new('--max-event-name-length', '--max-event-name-length', [CompletionResultType]::ParameterName, 'max-event-name-length')
            [CompletionResult]::new('--max-event-payload-in-kb', '--max-event-payload-in-kb', [CompletionResultType]::ParameterName, 'max-event-payload-in-kb')
            [CompletionResult]::new('--max-event-batch-size', '--max-event-batch-size', [CompletionResultType]::ParameterName, 'max-event-batch-size')
            [CompletionResult]::new('--allowed-origins', '--allowed-origins', [CompletionResultType]::ParameterName, 'Allowed origins, comma-separated (`*` wildcards); an empty value clears them')
            [CompletionResult]::new('--add-webhook', '--add-webhook', [CompletionResultType]::ParameterName, 'Add a webhook URL (with --webhook-events and --webhook-channel-prefix)')
            [CompletionResult]::new('--webhook-events', '--webhook-events', [CompletionResultType]::ParameterName, 'Event types for --add-webhook, comma-separated (e.g. channel_occupied,channel_vacated)')
            [CompletionResult]::new('--webhook-channel-prefix', '--webhook-channel-prefix', [CompletionResultType]::ParameterName, 'Only send channels with this prefix to the --add-webhook URL')
            [CompletionResult]::new('--remove-webhook', '--remove-webhook', [CompletionResultType]::ParameterName, 'Remove every webhook with this URL')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'json')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;apps;list' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--show-secrets', '--show-secrets', [CompletionResultType]::ParameterName, 'show-secrets')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'json')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;apps;show' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--show-secrets', '--show-secrets', [CompletionResultType]::ParameterName, 'show-secrets')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'json')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;apps;update' {
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'A new key')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'name')
            [CompletionResult]::new('--enabled', '--enabled', [CompletionResultType]::ParameterName, 'enabled')
            [CompletionResult]::new('--client-messages', '--client-messages', [CompletionResultType]::ParameterName, 'Allow client- events on private and presence channels')
            [CompletionResult]::new('--user-authentication', '--user-authentication', [CompletionResultType]::ParameterName, 'Allow pusher:signin')
            [CompletionResult]::new('--watchlist-events', '--watchlist-events', [CompletionResultType]::ParameterName, 'watchlist-events')
            [CompletionResult]::new('--subscription-count', '--subscription-count', [CompletionResultType]::ParameterName, 'subscription-count')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'max-connections')
            [CompletionResult]::new('--max-client-events-per-second', '--max-client-events-per-second', [CompletionResultType]::ParameterName, 'max-client-events-per-second')
            [CompletionResult]::new('--max-backend-events-per-second', '--max-backend-events-per-second', [CompletionResultType]::ParameterName, 'max-backend-events-per-second')
            [CompletionResult]::new('--max-read-requests-per-second', '--max-read-requests-per-second', [CompletionResultType]::ParameterName, 'max-read-requests-per-second')
            [CompletionResult]::new('--max-presence-members-per-channel', '--max-presence-members-per-channel', [CompletionResultType]::ParameterName, 'max-presence-members-per-channel')
            [CompletionResult]::new('--max-presence-member-size-in-kb', '--max-presence-member-size-in-kb', [CompletionResultType]::ParameterName, 'max-presence-member-size-in-kb')
            [CompletionResult]::new('--max-channel-name-length', '--max-channel-name-length', [CompletionResultType]::ParameterName, 'max-channel-name-length')
            [CompletionResult]::new('--max-event-channels-at-once', '--max-event-channels-at-once', [CompletionResultType]::ParameterName, 'max-event-channels-at-once')
            [CompletionResult]::new('--max-event-name-length', '--max-event-name-length', [CompletionResultType]::ParameterName, 'max-event-name-length')
            [CompletionResult]::new('--max-event-payload-in-kb', '--max-event-payload-in-kb', [CompletionResultType]::ParameterName, 'max-event-payload-in-kb')
            [CompletionResult]::new('--max-event-batch-size', '--max-event-batch-size', [CompletionResultType]::ParameterName, 'max-event-batch-size')
            [CompletionResult]::new('--allowed-origins', '--allowed-origins', [CompletionResultType]::ParameterName, 'Allowed origins, comma-separated (`*` wildcards); an empty value clears them')
            [CompletionResult]::new('--add-webhook', '--add-webhook', [CompletionResultType]::ParameterName, 'Add a webhook URL (with --webhook-events and --webhook-channel-prefix)')
            [CompletionResult]::new('--webhook-events', '--webhook-events', [CompletionResultType]::ParameterName, 'Event types for --add-webhook, comma-separated (e.g. channel_occupied,channel_vacated)')
            [CompletionResult]::new('--webhook-channel-prefix', '--webhook-channel-prefix', [CompletionResultType]::ParameterName, 'Only send channels with this prefix to the --add-webhook URL')
            [CompletionResult]::new('--remove-webhook', '--remove-webhook', [CompletionResultType]::ParameterName, 'Remove every webhook with this URL')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'json')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;apps;enable' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'json')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;apps;disable' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'json')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;apps;delete' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'yes')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'json')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;apps;rotate-secret' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'json')
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
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'json')
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
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'sockudo;top' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (.toml, or Sockudo''s config.json). Without one, embedded defaults are used')
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
        'sockudo;help' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run the server: WebSocket + HTTP API on one port, metrics on another')
            [CompletionResult]::new('apps', 'apps', [CompletionResultType]::ParameterValue, 'Manage apps in the configured store')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Prepare or upgrade the app store''s schema')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Validate or print the configuration')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Generate load against a Pusher-compatible server')
            [CompletionResult]::new('top', 'top', [CompletionResultType]::ParameterValue, 'Live terminal dashboard of a running server')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions')
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
            break
        }
        'sockudo;help;top' {
            break
        }
        'sockudo;help;completions' {
            break
        }
        'sockudo;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
