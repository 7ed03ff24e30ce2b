//! The channels table: sortable, filterable by name, scrollable, per app.

use super::human;
use crate::state::State;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Block, Borders, Row, Table};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, state: &State) {
    let rows = state.channels();
    let visible = area.height.saturating_sub(3) as usize;
    let scroll = state.scroll.min(rows.len().saturating_sub(visible));
    let body: Vec<Row> = rows
        .iter()
        .skip(scroll)
        .take(visible)
        .map(|(c, rate)| {
            Row::new(vec![
                c.name.clone(),
                c.app.clone(),
                c.kind.clone(),
                human(c.subscribers as f64),
                if c.kind == "presence" {
                    human(c.members as f64)
                } else {
                    "-".into()
                },
                human(*rate),
                match c.delta_bytes_saved {
                    0 => "-".into(),
                    saved => human(saved as f64),
                },
            ])
        })
        .collect();
    let title = format!(
        " channels: {} shown, sorted by {}{}{} ",
        rows.len(),
        state.sort.label(),
        state
            .selected_app()
            .map(|a| format!(", app {a}"))
            .unwrap_or_default(),
        if state.filter.is_empty() {
            String::new()
        } else {
            format!(", filter \"{}\"", state.filter)
        },
    );
    let header = Row::new([
        "CHANNEL",
        "APP",
        "TYPE",
        "SUBSCRIBERS",
        "MEMBERS",
        "MSG/S",
        "DELTA SAVED",
    ])
    .style(Style::default().add_modifier(Modifier::BOLD));
    let widths = [
        Constraint::Min(20),
        Constraint::Length(12),
        Constraint::Length(18),
        Constraint::Length(11),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(11),
    ];
    frame.render_widget(
        Table::new(body, widths)
            .header(header)
            .block(Block::default().borders(Borders::ALL).title(title)),
        area,
    );
}
