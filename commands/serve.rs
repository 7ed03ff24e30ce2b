//! `sockudo serve`: load the config, raise the file limit, bind, run until SIGTERM/SIGINT
//! (SIGHUP clears the app cache and reloads the TLS certificate; it never stops the server).

use anyhow::{anyhow, Context};
use sockudo::app::AppStore;
use sockudo::config::{self, Config};
use sockudo::server::Secure;
use sockudo::tls::{self, Files, Tls};
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, Signal, SignalKind};

#[derive(clap::Args)]
pub struct Args {
    /// Address to bind (overrides `host` and HOST).
    #[arg(long)]
    host: Option<String>,
    /// Port for WebSocket and HTTP API (overrides `port` and PORT).
    #[arg(long)]
    port: Option<u16>,
    /// Port for Prometheus metrics (overrides `metrics.port` and METRICS_PORT).
    #[arg(long)]
    metrics_port: Option<u16>,
    /// Serve the web console at `console.path` (/console), loopback clients only unless
    /// `console.token` is set (overrides `console.enabled` and CONSOLE_ENABLED).
    #[arg(long)]
    console: bool,
}

pub fn run(file: Option<&Path>, args: Args) -> anyhow::Result<()> {
    let lookup = |name: &str| std::env::var(name).ok();
    let host_given = args.host.is_some() || lookup("HOST").is_some();
    let mut loaded = config::load_checked(file, &lookup, &tls::file_problems)?;
    let config = &mut loaded.config;
    if let Some(host) = args.host {
        config.host = host;
    }
    if let Some(port) = args.port {
        config.port = port;
    }
    if let Some(port) = args.metrics_port {
        config.metrics.port = port;
    }
    if args.console {
        config.console.enabled = true;
    }
    init_logging(config);
    for key in &loaded.unknown_keys {
        tracing::warn!(key, "unknown config key is ignored");
    }
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(serve(loaded.config, host_given))
}

/// `host_given`: the address came from `--host` or HOST, so it stands even for the development
/// app, which otherwise listens on loopback only (its secret is public).
async fn serve(config: Config, host_given: bool) -> anyhow::Result<()> {
    // Watched from the start: SIGHUP's default action ends the process, and operators send it
    // expecting a reload (logrotate, `systemctl reload`).
    let hangup = signal(SignalKind::hangup()).context("cannot watch SIGHUP")?;
    let file_limit = sockudo::limits::raise_open_file_limit();
    tracing::info!(file_limit, "open-file limit (caps concurrent connections)");
    let mut state = sockudo::server::prepare(config).await?;
    if state.development_app && !host_given {
        tracing::warn!(
            "the development app listens on 127.0.0.1 only; give --host or HOST to listen elsewhere"
        );
        state.config.host = "127.0.0.1".into();
    }
    state.metrics.open_files_limit.set(file_limit as i64);
    let config = &state.config;
    let address = format!("{}:{}", config.host, config.port);
    let listener = TcpListener::bind(&address)
        .await
        .with_context(|| format!("cannot listen on {address}"))?;
    let metrics_listener = if config.metrics.enabled {
        let address = format!("{}:{}", config.metrics.host, config.metrics.port);
        let listener = TcpListener::bind(&address)
            .await
            .with_context(|| format!("cannot listen for metrics on {address}"))?;
        tracing::info!(%address, "metrics at http://{address}/metrics");
        Some(listener)
    } else {
        None
    };
    let secure = if config.ssl.enabled {
        Some(secure(config).await?)
    } else {
        None
    };
    let scheme = if secure.is_some() { "https" } else { "http" };
    tracing::info!(%address, tls = secure.is_some(), "sockudo listening");
    if config.console.enabled {
        let path = sockudo::console::base_path(&config.console.path);
        let host = match config.host.as_str() {
            "0.0.0.0" | "::" | "[::]" => "127.0.0.1",
            host => host,
        };
        tracing::info!("web console at {scheme}://{host}:{}{path}", config.port);
    }
    let tls = secure.as_ref().map(|secure| secure.tls.clone());
    tokio::spawn(reload_on_hangup(hangup, state.apps.clone(), tls));
    // Bound: connections queue in the kernel from now on, so systemd may route clients here.
    crate::notify::notify("READY=1");
    let shutdown = async {
        shutdown_signal().await;
        crate::notify::notify("STOPPING=1");
    };
    sockudo::server::run(
        Arc::new(state),
        listener,
        metrics_listener,
        secure,
        shutdown,
    )
    .await?;
    tracing::info!("sockudo stopped");
    Ok(())
}

/// The certificate (checked with the config at load, read again here) and the redirect listener.
async fn secure(config: &Config) -> anyhow::Result<Secure> {
    let tls = Tls::load(Files::of(&config.ssl))
        .map_err(|problems| anyhow!("invalid TLS setup:\n  - {}", problems.join("\n  - ")))?;
    let redirect = if config.ssl.redirect_http {
        let address = format!("{}:{}", config.host, config.ssl.http_port);
        let listener = TcpListener::bind(&address)
            .await
            .with_context(|| format!("cannot listen for the http redirect on {address}"))?;
        tracing::info!(%address, "redirecting http://{address} to https");
        Some(listener)
    } else {
        None
    };
    tracing::info!(
        cert = %config.ssl.cert_path,
        "TLS on; SIGHUP reloads the certificate and key"
    );
    Ok(Secure { tls, redirect })
}

/// On each SIGHUP: forgets the cached app lookups, so store edits apply at once instead of after
/// `app_manager.cache.ttl`; with TLS, reads the certificate and key again (new handshakes use
/// them, connections already up are untouched; a reload that fails keeps the current one).
async fn reload_on_hangup(mut hangup: Signal, apps: Arc<dyn AppStore>, tls: Option<Arc<Tls>>) {
    while hangup.recv().await.is_some() {
        apps.forget_cached();
        tracing::info!("SIGHUP: app cache cleared; apps are read from the store again");
        let Some(tls) = &tls else { continue };
        let reloading = tls.clone();
        let reloaded = tokio::task::spawn_blocking(move || reloading.reload()).await;
        match reloaded {
            Ok(Ok(())) => tracing::info!(
                cert = %tls.files().cert_path.display(),
                "SIGHUP: TLS certificate reloaded"
            ),
            Ok(Err(problems)) => tracing::error!(
                problems = %problems.join("; "),
                "SIGHUP: TLS reload failed; keeping the current certificate"
            ),
            Err(error) => tracing::error!(%error, "SIGHUP: TLS reload failed"),
        }
    }
}

async fn shutdown_signal() {
    let terminate = async {
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
}

fn init_logging(config: &Config) {
    let default = if config.debug { "debug" } else { "info" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // A closed stderr (the parent went away) must not panic the task that logs: that task may be
    // the one waiting for SIGTERM.
    // Colour codes only for a person at a terminal: journald, `docker logs` and files get plain
    // text, and NO_COLOR (no-color.org) turns colour off everywhere.
    let colour = config.logging.colour(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").is_some(),
    );
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .with_target(config.logging.include_target)
        .log_internal_errors(false);

    if config
        .logging
        .format
        .as_deref()
        .is_some_and(|format| format.eq_ignore_ascii_case("json"))
    {
        builder.json().init();
    } else {
        builder.init();
    }
}
