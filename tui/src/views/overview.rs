//! The overview: connections and rates, with sparklines of the last minutes.

use super::human;
use crate::state::State;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Sparkline};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, state: &State) {
    let [numbers, charts] =
        Layout::horizontal([Constraint::Length(50), Constraint::Min(10)]).areas(area);
    let Some(snapshot) = &state.snapshot else {
        frame.render_widget(
            Paragraph::new(" waiting for the first snapshot…")
                .block(Block::default().borders(Borders::ALL)),
            area,
        );
        return;
    };
    let r = &state.rates;
    let t = &snapshot.totals;
    let delta = match state.delta_savings() {
        Some((saved, percent)) => format!("{} bytes ({percent:.1}%)", human(saved as f64)),
        None => "not in use".to_owned(),
    };
    let lines = vec![
        Line::from(format!(
            " connections      {} (peak {})",
            human(snapshot.connections as f64),
            human(state.peak_connections as f64)
        )),
        Line::from(format!(" connects/s       {}", human(r.connects))),
        Line::from(format!(" disconnects/s    {}", human(r.disconnects))),
        Line::from(format!(" messages in/s    {}", human(r.messages_in))),
        Line::from(format!(" messages out/s   {}", human(r.messages_out))),
        Line::from(format!(" bytes in/s       {}", human(r.bytes_in))),
        Line::from(format!(" bytes out/s      {}", human(r.bytes_out))),
        Line::from(format!(" HTTP calls/s     {}", human(r.http_calls))),
        Line::from(format!(
            " webhooks         {} sent, {} queued, {} failed",
            human(t.webhooks_sent as f64),
            t.webhooks_queued,
            t.webhooks_failed
        )),
        Line::from(format!(" delta savings    {delta}")),
    ];
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(" now ")),
        numbers,
    );
    let rows = Layout::vertical([Constraint::Ratio(1, 3); 3]).split(charts);
    let series = [
        (" connections ", &state.history_connections),
        (" messages out/s ", &state.history_messages_out),
        (" messages in/s ", &state.history_messages_in),
    ];
    for ((title, history), row) in series.into_iter().zip(rows.iter()) {
        let width = row.width.saturating_sub(2) as usize;
        let data: Vec<u64> = history.iter().rev().take(width).rev().copied().collect();
        frame.render_widget(
            Sparkline::default()
                .data(&data)
                .block(Block::default().borders(Borders::ALL).title(title)),
            *row,
        );
    }
}
