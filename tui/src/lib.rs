//! `sockudo top`: a live terminal dashboard of a sockudo server.
//!
//! # Layout
//! - [`snapshot`]: the `/stats` wire format, from the `sockudo-snapshot` crate the server
//!   builds it with (the dashboard reads the server's type; the server never depends on this crate).
//! - [`state`]: all the dashboard knows, and the pure `update(Event)`.
//! - [`views`]: drawing, a pure function of the state (snapshot-tested on `TestBackend`).
//! - [`connection`]: polling the server.
//! - this file: the terminal and the event loop (redraw only when something changed).

pub mod connection;
pub use sockudo_snapshot as snapshot;
pub mod state;
pub mod views;

use connection::Source;
use ratatui::crossterm::event::{self, Event as TermEvent, KeyEventKind};
use state::{Event, Outcome, State};
use std::time::Duration;
use tokio::sync::mpsc;

pub struct Options {
    /// The server's metrics listener, e.g. `http://127.0.0.1:9601`.
    pub url: String,
    pub token: Option<String>,
    pub interval: Duration,
    /// Start with this app selected.
    pub app: Option<String>,
}

/// One snapshot, for scripts (`sockudo top --once --json`).
pub async fn once(options: &Options) -> anyhow::Result<snapshot::Snapshot> {
    Source::new(&options.url, options.token.clone())
        .fetch()
        .await
}

/// Runs the dashboard until the user quits. The terminal is restored on every exit, panics
/// included.
pub async fn run(options: Options) -> anyhow::Result<()> {
    let (events, mut inbox) = mpsc::channel(64);
    tokio::spawn(
        Source::new(&options.url, options.token.clone()).poll(options.interval, events.clone()),
    );
    let keys = events.clone();
    // Terminal input is blocking; it gets its own thread.
    std::thread::spawn(move || loop {
        match event::read() {
            Ok(TermEvent::Key(key)) if key.kind == KeyEventKind::Press => {
                if keys.blocking_send(Event::Key(key)).is_err() {
                    return;
                }
            }
            Ok(TermEvent::Resize(..)) => {
                if keys.blocking_send(Event::Resize).is_err() {
                    return;
                }
            }
            Ok(_) => {}
            Err(_) => return,
        }
    });

    let mut terminal = ratatui::init();
    let mut state = State::new(&options.url);
    if let Some(app) = &options.app {
        state.select_app(app);
    }
    let result = (|| -> anyhow::Result<()> {
        terminal.draw(|frame| views::draw(frame, &state))?;
        Ok(())
    })();
    if result.is_ok() {
        while let Some(event) = inbox.recv().await {
            match state.update(event) {
                Outcome::Quit => break,
                Outcome::Redraw => {
                    if let Err(error) = terminal.draw(|frame| views::draw(frame, &state)) {
                        ratatui::restore();
                        return Err(error.into());
                    }
                }
                Outcome::Nothing => {}
            }
        }
    }
    ratatui::restore();
    result
}
