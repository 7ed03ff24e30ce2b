//! The header: which server, how long it has run, how many nodes, and whether we reach it.

use crate::state::{Link, State};
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, state: &State) {
    let link = match &state.link {
        Link::Connecting => Span::styled("connecting…", Style::default().fg(Color::Yellow)),
        Link::Connected if state.paused => {
            Span::styled("paused", Style::default().fg(Color::Yellow))
        }
        Link::Connected => Span::styled("live", Style::default().fg(Color::Green)),
        Link::Retrying { attempts, error } => Span::styled(
            format!("unreachable ({error}); retry #{attempts}"),
            Style::default().fg(Color::Red),
        ),
    };
    let mut spans = vec![
        Span::raw(format!(" sockudo top  {}  ", state.address)),
        link,
    ];
    if let Some(snapshot) = &state.snapshot {
        let up = snapshot.uptime_secs;
        spans.push(Span::raw(format!(
            "   v{}  node {}  nodes {}  up {}h{:02}m{:02}s",
            snapshot.version,
            snapshot.node_id,
            snapshot.nodes,
            up / 3600,
            up / 60 % 60,
            up % 60
        )));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).block(Block::default().borders(Borders::ALL)),
        area,
    );
}
