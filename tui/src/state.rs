//! The dashboard's state and its pure update: every input (a snapshot, a failed fetch, a key, a
//! tick) is an [`Event`]; [`State::update`] applies it and says whether to redraw or quit.

use crate::snapshot::{ChannelStats, Snapshot};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Samples kept for sparklines (one per snapshot).
const HISTORY: usize = 120;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Overview,
    Channels,
    Apps,
}

impl View {
    fn next(self) -> View {
        match self {
            View::Overview => View::Channels,
            View::Channels => View::Apps,
            View::Apps => View::Overview,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    Subscribers,
    Members,
    Rate,
    Name,
    Kind,
}

impl SortBy {
    fn next(self) -> SortBy {
        match self {
            SortBy::Subscribers => SortBy::Members,
            SortBy::Members => SortBy::Rate,
            SortBy::Rate => SortBy::Name,
            SortBy::Name => SortBy::Kind,
            SortBy::Kind => SortBy::Subscribers,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortBy::Subscribers => "subscribers",
            SortBy::Members => "members",
            SortBy::Rate => "msg/s",
            SortBy::Name => "name",
            SortBy::Kind => "type",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Link {
    Connecting,
    Connected,
    /// The last fetch failed; the next try is after a backoff.
    Retrying {
        attempts: u32,
        error: String,
    },
}

pub enum Event {
    Snapshot(Box<Snapshot>, Instant),
    FetchFailed(String),
    Key(KeyEvent),
    Resize,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Redraw,
    Nothing,
    Quit,
}

/// Per-second rates between the last two snapshots.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Rates {
    pub connects: f64,
    pub disconnects: f64,
    pub messages_in: f64,
    pub messages_out: f64,
    pub bytes_in: f64,
    pub bytes_out: f64,
    pub http_calls: f64,
}

pub struct State {
    pub address: String,
    pub link: Link,
    pub view: View,
    pub sort: SortBy,
    pub filter: String,
    pub editing_filter: bool,
    pub scroll: usize,
    pub paused: bool,
    pub help: bool,
    /// Index into the app list; None = all apps.
    pub app: Option<usize>,
    /// The app asked for on the command line, selected once it appears.
    wanted_app: Option<String>,
    pub snapshot: Option<Snapshot>,
    previous: Option<(Snapshot, Instant)>,
    received_at: Option<Instant>,
    pub rates: Rates,
    pub channel_rates: HashMap<(String, String), f64>,
    pub peak_connections: u64,
    pub history_connections: VecDeque<u64>,
    pub history_messages_out: VecDeque<u64>,
    pub history_messages_in: VecDeque<u64>,
}

impl State {
    pub fn new(address: &str) -> State {
        State {
            address: address.to_owned(),
            link: Link::Connecting,
            view: View::Overview,
            sort: SortBy::Subscribers,
            filter: String::new(),
            editing_filter: false,
            scroll: 0,
            paused: false,
            help: false,
            app: None,
            wanted_app: None,
            snapshot: None,
            previous: None,
            received_at: None,
            rates: Rates::default(),
            channel_rates: HashMap::new(),
            peak_connections: 0,
            history_connections: VecDeque::new(),
            history_messages_out: VecDeque::new(),
            history_messages_in: VecDeque::new(),
        }
    }

    pub fn update(&mut self, event: Event) -> Outcome {
        match event {
            Event::Snapshot(snapshot, at) => {
                self.link = Link::Connected;
                if self.paused {
                    return Outcome::Redraw;
                }
                self.take(*snapshot, at);
                Outcome::Redraw
            }
            Event::FetchFailed(error) => {
                let attempts = match &self.link {
                    Link::Retrying { attempts, .. } => attempts + 1,
                    _ => 1,
                };
                self.link = Link::Retrying { attempts, error };
                Outcome::Redraw
            }
            Event::Resize => Outcome::Redraw,
            Event::Key(key) => self.key(key),
        }
    }

    fn take(&mut self, snapshot: Snapshot, at: Instant) {
        if let (Some(previous), Some(then)) = (&self.snapshot, self.received_at) {
            let seconds = at
                .duration_since(then)
                .max(Duration::from_millis(1))
                .as_secs_f64();
            let rate = |now: u64, before: u64| now.saturating_sub(before) as f64 / seconds;
            let (t, p) = (&snapshot.totals, &previous.totals);
            self.rates = Rates {
                connects: rate(t.connections, p.connections),
                disconnects: rate(t.disconnections, p.disconnections),
                messages_in: rate(t.messages_in, p.messages_in),
                messages_out: rate(t.messages_out, p.messages_out),
                bytes_in: rate(t.bytes_in, p.bytes_in),
                bytes_out: rate(t.bytes_out, p.bytes_out),
                http_calls: rate(t.http_calls, p.http_calls),
            };
            let before: HashMap<(&str, &str), u64> = previous
                .channels
                .iter()
                .map(|c| ((c.app.as_str(), c.name.as_str()), c.messages))
                .collect();
            self.channel_rates = snapshot
                .channels
                .iter()
                .map(|c| {
                    let then = before
                        .get(&(c.app.as_str(), c.name.as_str()))
                        .copied()
                        .unwrap_or(c.messages);
                    ((c.app.clone(), c.name.clone()), rate(c.messages, then))
                })
                .collect();
            self.previous = Some((previous.clone(), then));
        }
        if let Some(wanted) = &self.wanted_app {
            if let Some(index) = snapshot.apps.iter().position(|a| &a.id == wanted) {
                self.app = Some(index);
                self.wanted_app = None;
            }
        }
        self.peak_connections = self.peak_connections.max(snapshot.connections);
        push(&mut self.history_connections, snapshot.connections);
        push(
            &mut self.history_messages_out,
            self.rates.messages_out.round() as u64,
        );
        push(
            &mut self.history_messages_in,
            self.rates.messages_in.round() as u64,
        );
        self.received_at = Some(at);
        self.snapshot = Some(snapshot);
    }

    fn key(&mut self, key: KeyEvent) -> Outcome {
        if self.editing_filter {
            match key.code {
                KeyCode::Enter | KeyCode::Esc => self.editing_filter = false,
                KeyCode::Backspace => {
                    self.filter.pop();
                }
                KeyCode::Char(c) => self.filter.push(c),
                _ => return Outcome::Nothing,
            }
            self.scroll = 0;
            return Outcome::Redraw;
        }
        match key.code {
            KeyCode::Char('q') | KeyCode::Esc => return Outcome::Quit,
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                return Outcome::Quit
            }
            KeyCode::Tab => {
                self.view = self.view.next();
                self.scroll = 0;
            }
            KeyCode::Char('s') => self.sort = self.sort.next(),
            KeyCode::Char('/') => {
                self.view = View::Channels;
                self.editing_filter = true;
            }
            KeyCode::Char('p') => self.paused = !self.paused,
            KeyCode::Char('?') => self.help = !self.help,
            KeyCode::Char('a') => self.next_app(),
            KeyCode::Down => self.scroll = self.scroll.saturating_add(1),
            KeyCode::Up => self.scroll = self.scroll.saturating_sub(1),
            KeyCode::PageDown => self.scroll = self.scroll.saturating_add(10),
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(10),
            _ => return Outcome::Nothing,
        }
        Outcome::Redraw
    }

    fn next_app(&mut self) {
        let count = self.snapshot.as_ref().map_or(0, |s| s.apps.len());
        self.app = match self.app {
            None if count > 0 => Some(0),
            Some(i) if i + 1 < count => Some(i + 1),
            _ => None,
        };
        self.scroll = 0;
    }

    /// Starts with `app` selected (from `sockudo top --app`).
    pub fn select_app(&mut self, app: &str) {
        self.wanted_app = Some(app.to_owned());
    }

    pub fn selected_app(&self) -> Option<&str> {
        let snapshot = self.snapshot.as_ref()?;
        self.app
            .and_then(|i| snapshot.apps.get(i))
            .map(|a| a.id.as_str())
    }

    /// The channels table: filtered by app and typed text, sorted, not yet scrolled.
    pub fn channels(&self) -> Vec<(&ChannelStats, f64)> {
        let Some(snapshot) = &self.snapshot else {
            return Vec::new();
        };
        let app = self.selected_app();
        let mut rows: Vec<(&ChannelStats, f64)> = snapshot
            .channels
            .iter()
            .filter(|c| app.is_none_or(|a| a == c.app))
            .filter(|c| self.filter.is_empty() || c.name.contains(&self.filter))
            .map(|c| {
                let rate = self
                    .channel_rates
                    .get(&(c.app.clone(), c.name.clone()))
                    .copied()
                    .unwrap_or(0.0);
                (c, rate)
            })
            .collect();
        match self.sort {
            SortBy::Subscribers => rows.sort_by(|a, b| {
                b.0.subscribers
                    .cmp(&a.0.subscribers)
                    .then(a.0.name.cmp(&b.0.name))
            }),
            SortBy::Members => {
                rows.sort_by(|a, b| b.0.members.cmp(&a.0.members).then(a.0.name.cmp(&b.0.name)))
            }
            SortBy::Rate => rows.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.name.cmp(&b.0.name))),
            SortBy::Name => rows.sort_by(|a, b| a.0.name.cmp(&b.0.name)),
            SortBy::Kind => {
                rows.sort_by(|a, b| a.0.kind.cmp(&b.0.kind).then(a.0.name.cmp(&b.0.name)))
            }
        }
        rows
    }

    /// Percent of bytes delta compression saved, when it was used.
    pub fn delta_savings(&self) -> Option<(u64, f64)> {
        let totals = &self.snapshot.as_ref()?.totals;
        if totals.delta_bytes_original == 0 {
            return None;
        }
        let saved = totals
            .delta_bytes_original
            .saturating_sub(totals.delta_bytes_sent);
        Some((
            saved,
            saved as f64 * 100.0 / totals.delta_bytes_original as f64,
        ))
    }
}

fn push(history: &mut VecDeque<u64>, value: u64) {
    if history.len() == HISTORY {
        history.pop_front();
    }
    history.push_back(value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{AppStats, Totals};

    pub fn sample(messages_out: u64, channel_messages: u64) -> Snapshot {
        Snapshot {
            version: "0.1.0".into(),
            node_id: "abc".into(),
            nodes: 1,
            uptime_secs: 60,
            connections: 12,
            totals: Totals {
                connections: 20,
                disconnections: 8,
                messages_out,
                ..Totals::default()
            },
            apps: vec![AppStats {
                id: "app-1".into(),
                connections: 12,
                channels: 2,
                ..AppStats::default()
            }],
            channels: vec![
                ChannelStats {
                    app: "app-1".into(),
                    name: "news".into(),
                    kind: "public".into(),
                    subscribers: 10,
                    members: 0,
                    messages: channel_messages,
                    delta_bytes_saved: 0,
                },
                ChannelStats {
                    app: "app-1".into(),
                    name: "presence-room".into(),
                    kind: "presence".into(),
                    subscribers: 2,
                    members: 2,
                    messages: 0,
                    delta_bytes_saved: 0,
                },
            ],
        }
    }

    fn key(code: KeyCode) -> Event {
        Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn rates_come_from_consecutive_snapshots() {
        let mut state = State::new("x");
        let start = Instant::now();
        state.update(Event::Snapshot(Box::new(sample(100, 10)), start));
        state.update(Event::Snapshot(
            Box::new(sample(300, 30)),
            start + Duration::from_secs(2),
        ));
        assert_eq!(state.rates.messages_out, 100.0);
        assert_eq!(
            state.channel_rates[&("app-1".to_string(), "news".to_string())],
            10.0
        );
        assert_eq!(state.peak_connections, 12);
        assert_eq!(state.history_connections.len(), 2);
    }

    #[test]
    fn keys_switch_views_sort_filter_pause_and_quit() {
        let mut state = State::new("x");
        state.update(Event::Snapshot(Box::new(sample(0, 0)), Instant::now()));
        assert_eq!(state.update(key(KeyCode::Tab)), Outcome::Redraw);
        assert_eq!(state.view, View::Channels);
        state.update(key(KeyCode::Char('s')));
        assert_eq!(state.sort, SortBy::Members);
        assert_eq!(state.channels()[0].0.name, "presence-room");
        state.update(key(KeyCode::Char('/')));
        for c in "new".chars() {
            state.update(key(KeyCode::Char(c)));
        }
        state.update(key(KeyCode::Enter));
        assert_eq!(state.channels().len(), 1);
        assert_eq!(state.update(key(KeyCode::Char('q'))), Outcome::Quit);
    }

    #[test]
    fn pause_freezes_numbers_and_failures_count_retries() {
        let mut state = State::new("x");
        state.update(Event::Snapshot(Box::new(sample(1, 1)), Instant::now()));
        state.update(key(KeyCode::Char('p')));
        state.update(Event::Snapshot(Box::new(sample(999, 1)), Instant::now()));
        assert_eq!(state.snapshot.as_ref().unwrap().totals.messages_out, 1);
        state.update(Event::FetchFailed("refused".into()));
        state.update(Event::FetchFailed("refused".into()));
        assert_eq!(
            state.link,
            Link::Retrying {
                attempts: 2,
                error: "refused".into()
            }
        );
        state.update(key(KeyCode::Char('a')));
        assert_eq!(state.selected_app(), Some("app-1"));
        let mut chosen = State::new("x");
        chosen.select_app("app-1");
        chosen.update(Event::Snapshot(Box::new(sample(0, 0)), Instant::now()));
        assert_eq!(chosen.selected_app(), Some("app-1"));
        state.update(key(KeyCode::Char('a')));
        assert_eq!(state.selected_app(), None);
    }
}
