//! A realistic market-data stream for the `delta` scenario: quotes of `symbols` instruments, each
//! about 500 bytes of JSON, whose prices take a random walk. Consecutive quotes of one symbol
//! differ in a few numbers (prices, size, time), which is what delta compression is for.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

pub struct Ticker {
    symbols: Vec<Symbol>,
    rng: StdRng,
}

/// One instrument's day so far. Open and previous close stay put, the day's range only widens,
/// the rest moves on every quote: as on a real feed.
struct Symbol {
    last: f64,
    open: f64,
    prev_close: f64,
    high: f64,
    low: f64,
    volume: u64,
}

impl Ticker {
    pub fn new(symbols: usize) -> Ticker {
        let mut rng = StdRng::from_rng(&mut rand::rng());
        let symbols = (0..symbols.max(1))
            .map(|_| {
                let open: f64 = rng.random_range(10.0..500.0);
                Symbol {
                    last: open,
                    open,
                    prev_close: open * rng.random_range(0.97..1.03),
                    high: open,
                    low: open,
                    volume: rng.random_range(100_000..5_000_000),
                }
            })
            .collect();
        Ticker { symbols, rng }
    }

    /// The next quote, for the symbol after the previous one's; carries the benchmark marker
    /// `s={seq};t={micros}` so full frames can still be tracked.
    pub fn quote(&mut self, seq: u64, sent_micros: u64) -> String {
        let i = (seq % self.symbols.len() as u64) as usize;
        let step = self.rng.random_range(-0.002..0.002);
        let bid_size = self.rng.random_range(1..50) * 100;
        let ask_size = self.rng.random_range(1..50) * 100;
        let traded = self.rng.random_range(1..500);
        let s = &mut self.symbols[i];
        s.last = (s.last * (1.0 + step)).max(0.01);
        s.high = s.high.max(s.last);
        s.low = s.low.min(s.last);
        s.volume += traded;
        let last = s.last;
        let spread = last * 0.0004;
        format!(
            concat!(
                r#"{{"symbol":"SYM{i:03}","name":"Instrument {i:03} Holdings Inc.","exchange":"XNAS","#,
                r#""currency":"USD","isin":"US00000{i:05}","sector":"Information Technology","#,
                r#""bid":"{bid:.2}","ask":"{ask:.2}","last":"{last:.2}","bid_size":{bid_size},"#,
                r#""ask_size":{ask_size},"volume":{volume},"open":"{open:.2}","prev_close":"{prev:.2}","#,
                r#""day_high":"{high:.2}","day_low":"{low:.2}","market_state":"REGULAR","#,
                r#""halted":false,"lot_size":100,"tick_size":"0.01","venue_flags":"TQ-ADV-OPEN","#,
                r#""bench":"s={seq};t={sent}"}}"#
            ),
            i = i,
            bid = last - spread,
            ask = last + spread,
            last = last,
            bid_size = bid_size,
            ask_size = ask_size,
            volume = s.volume,
            open = s.open,
            prev = s.prev_close,
            high = s.high,
            low = s.low,
            seq = seq,
            sent = sent_micros,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_json_of_about_500_bytes_cycling_through_the_symbols() {
        let mut ticker = Ticker::new(100);
        let first: serde_json::Value = serde_json::from_str(&ticker.quote(0, 1)).unwrap();
        assert_eq!(first["symbol"], "SYM000");
        let quote = ticker.quote(101, 2);
        assert!((400..700).contains(&quote.len()), "{}", quote.len());
        let parsed: serde_json::Value = serde_json::from_str(&quote).unwrap();
        assert_eq!(parsed["symbol"], "SYM001");
        assert_eq!(parsed["bench"], "s=101;t=2");
    }
}
