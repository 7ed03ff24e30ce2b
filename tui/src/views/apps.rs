//! The apps table: connections, channels, message counts and limits hit, per app.

use super::human;
use crate::state::State;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Block, Borders, Row, Table};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, state: &State) {
    let apps = state
        .snapshot
        .as_ref()
        .map(|s| s.apps.as_slice())
        .unwrap_or_default();
    let rows: Vec<Row> = apps
        .iter()
        .skip(state.scroll)
        .map(|a| {
            let selected = state.selected_app() == Some(a.id.as_str());
            let row = Row::new(vec![
                a.id.clone(),
                human(a.connections as f64),
                human(a.channels as f64),
                human(a.messages_in as f64),
                human(a.messages_out as f64),
                human(a.limits_hit as f64),
            ]);
            if selected {
                row.style(Style::default().add_modifier(Modifier::REVERSED))
            } else {
                row
            }
        })
        .collect();
    let header = Row::new([
        "APP",
        "CONNECTIONS",
        "CHANNELS",
        "MSGS IN",
        "MSGS OUT",
        "LIMITS HIT",
    ])
    .style(Style::default().add_modifier(Modifier::BOLD));
    let widths = [
        Constraint::Min(16),
        Constraint::Length(12),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(11),
    ];
    frame.render_widget(
        Table::new(rows, widths)
            .header(header)
            .block(Block::default().borders(Borders::ALL).title(" apps ")),
        area,
    );
}
