//! Drawing: a pure function of [`State`]. Header on top, the current view in the middle, the keys
//! at the bottom, and the help over everything when asked.

mod apps;
mod channels;
mod header;
mod overview;

use crate::state::{State, View};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, state: &State) {
    let [top, body, bottom] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(5),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    header::draw(frame, top, state);
    match state.view {
        View::Overview => overview::draw(frame, body, state),
        View::Channels => channels::draw(frame, body, state),
        View::Apps => apps::draw(frame, body, state),
    }
    let keys = if state.editing_filter {
        format!(" filter: {}_   Enter/Esc done", state.filter)
    } else {
        " q quit  Tab view  s sort  / filter  a app  p pause  ↑↓ PgUp PgDn scroll  ? help"
            .to_owned()
    };
    frame.render_widget(
        Paragraph::new(keys).style(Style::default().add_modifier(Modifier::DIM)),
        bottom,
    );
    if state.help {
        help(frame, frame.area());
    }
}

fn help(frame: &mut Frame, area: Rect) {
    let lines = [
        "q / Esc      quit",
        "Tab          next view: overview, channels, apps",
        "s            sort channels by subscribers, members, msg/s, name",
        "/            filter channels by name (Enter to finish)",
        "a            select the next app (all apps after the last)",
        "p            pause / resume updates",
        "↑ ↓ PgUp PgDn  scroll",
        "?            this help",
    ];
    let width = 70.min(area.width);
    let height = (lines.len() as u16 + 2).min(area.height);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, popup);
    let text: Vec<Line> = lines.iter().map(|l| Line::from(*l)).collect();
    frame.render_widget(
        Paragraph::new(text).block(Block::default().borders(Borders::ALL).title(" help ")),
        popup,
    );
}

/// `1234567` -> `1.2M`: numbers that fit narrow columns.
pub fn human(value: f64) -> String {
    match value {
        v if v >= 1e9 => format!("{:.1}G", v / 1e9),
        v if v >= 1e6 => format!("{:.1}M", v / 1e6),
        v if v >= 1e4 => format!("{:.1}k", v / 1e3),
        v if v.fract() == 0.0 => format!("{v:.0}"),
        v => format!("{v:.1}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::*;
    use crate::state::Event;
    use ratatui::backend::TestBackend;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::Terminal;
    use std::time::{Duration, Instant};

    fn snapshot(messages_out: u64, news_messages: u64) -> Snapshot {
        Snapshot {
            version: "0.1.0".into(),
            node_id: "4f2a".into(),
            nodes: 2,
            uptime_secs: 3725,
            connections: 1520,
            totals: Totals {
                connections: 1800,
                disconnections: 280,
                messages_in: 420,
                messages_out,
                bytes_in: 50_000,
                bytes_out: 9_000_000,
                http_calls: 64,
                webhooks_sent: 12,
                webhooks_failed: 1,
                webhooks_queued: 3,
                delta_bytes_original: 0,
                delta_bytes_sent: 0,
            },
            apps: vec![
                AppStats {
                    id: "app-1".into(),
                    connections: 1500,
                    channels: 3,
                    messages_in: 400,
                    messages_out,
                    limits_hit: 2,
                },
                AppStats {
                    id: "shop".into(),
                    connections: 20,
                    channels: 1,
                    messages_in: 20,
                    messages_out: 40,
                    limits_hit: 0,
                },
            ],
            channels: vec![
                ChannelStats {
                    app: "app-1".into(),
                    name: "prices".into(),
                    kind: "public".into(),
                    subscribers: 1200,
                    members: 0,
                    messages: news_messages,
                    delta_bytes_saved: 52_000,
                },
                ChannelStats {
                    app: "app-1".into(),
                    name: "presence-lobby".into(),
                    kind: "presence".into(),
                    subscribers: 300,
                    members: 250,
                    messages: 12,
                    delta_bytes_saved: 0,
                },
                ChannelStats {
                    app: "shop".into(),
                    name: "private-orders".into(),
                    kind: "private".into(),
                    subscribers: 20,
                    members: 0,
                    messages: 40,
                    delta_bytes_saved: 0,
                },
            ],
        }
    }

    fn state_with_two_snapshots() -> State {
        let mut state = State::new("http://127.0.0.1:9601");
        let start = Instant::now();
        state.update(Event::Snapshot(Box::new(snapshot(10_000, 100)), start));
        state.update(Event::Snapshot(
            Box::new(snapshot(30_000, 300)),
            start + Duration::from_secs(2),
        ));
        state
    }

    fn render(state: &State) -> String {
        let mut terminal = Terminal::new(TestBackend::new(100, 24)).unwrap();
        terminal.draw(|frame| draw(frame, state)).unwrap();
        let buffer = terminal.backend().buffer().clone();
        let mut text = String::new();
        for y in 0..buffer.area.height {
            let line: String = (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect();
            text.push_str(line.trim_end());
            text.push('\n');
        }
        text
    }

    fn key(state: &mut State, code: KeyCode) {
        state.update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    #[test]
    fn overview() {
        insta::assert_snapshot!(render(&state_with_two_snapshots()));
    }

    #[test]
    fn channels_sorted_by_rate() {
        let mut state = state_with_two_snapshots();
        key(&mut state, KeyCode::Tab);
        key(&mut state, KeyCode::Char('s'));
        key(&mut state, KeyCode::Char('s'));
        insta::assert_snapshot!(render(&state));
    }

    #[test]
    fn apps() {
        let mut state = state_with_two_snapshots();
        key(&mut state, KeyCode::Tab);
        key(&mut state, KeyCode::Tab);
        insta::assert_snapshot!(render(&state));
    }

    #[test]
    fn help_and_waiting_for_the_server() {
        let mut state = State::new("http://127.0.0.1:9601");
        state.update(Event::FetchFailed("connection refused".into()));
        key(&mut state, KeyCode::Char('?'));
        insta::assert_snapshot!(render(&state));
    }

    #[test]
    fn a_tiny_terminal_does_not_panic() {
        let state = state_with_two_snapshots();
        for (w, h) in [(10, 5), (30, 8), (1, 1)] {
            let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
            terminal.draw(|frame| draw(frame, &state)).unwrap();
        }
    }
}
