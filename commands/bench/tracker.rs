//! Counting what one subscriber received, to tell lost from duplicated messages, and the
//! benchmark payload that carries the sequence number and send time.
//!
//! Every publish carries a sequence number that counts per channel from 0. A subscriber keeps a
//! bitset of the numbers it has seen: a number seen again is a duplicate; what was accepted by the
//! HTTP API but never seen is lost. Totals: `expected = Σ subscribers(channel) × accepted(channel)`,
//! `lost = expected - unique`.
//!
//! This file only depends on std: the integration tests include it with `#[path]`.

/// What one subscriber saw.
#[derive(Debug, Default, Clone)]
pub struct Seen {
    bits: Vec<u64>,
    /// Distinct sequence numbers received.
    pub unique: u64,
    /// Frames whose sequence number had already been received.
    pub duplicates: u64,
}

impl Seen {
    /// Records sequence number `seq`; returns false when it is a duplicate.
    pub fn record(&mut self, seq: u64) -> bool {
        let word = (seq / 64) as usize;
        let bit = 1u64 << (seq % 64);
        if word >= self.bits.len() {
            self.bits.resize(word + 1, 0);
        }
        if self.bits[word] & bit != 0 {
            self.duplicates += 1;
            false
        } else {
            self.bits[word] |= bit;
            self.unique += 1;
            true
        }
    }
}

/// Lost messages over all channels: for each channel, what its subscribers should have received
/// (`subscribers × accepted`) minus the distinct messages they did receive. Extra messages (a
/// publish the API answered with an error but still delivered) never make the count negative.
pub fn lost(channels: &[(u64, u64, u64)]) -> u64 {
    channels
        .iter()
        .map(|&(subscribers, accepted, unique)| (subscribers * accepted).saturating_sub(unique))
        .sum()
}

/// The `data` string of a benchmark publish: `s={seq};t={unix micros};p={padding}`, padded with
/// `x` to at least `size` bytes. Only `[a-z0-9=;]`, so it needs no JSON escaping.
pub fn payload(seq: u64, sent_micros: u64, size: usize) -> String {
    let mut data = format!("s={seq};t={sent_micros};p=");
    if data.len() < size {
        let pad = size - data.len();
        data.extend(std::iter::repeat_n('x', pad));
    }
    data
}

/// Finds the sequence number and send time in a raw frame that carries a benchmark payload, without
/// parsing the JSON: the receiving side must stay cheap at 100,000 frames per second.
pub fn parse_frame(frame: &[u8]) -> Option<(u64, u64)> {
    let start = find(frame, b"\"s=")?;
    let (seq, rest) = digits(&frame[start + 3..])?;
    let rest = rest.strip_prefix(b";t=")?;
    let (sent, _) = digits(rest)?;
    Some((seq, sent))
}

fn digits(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let end = bytes
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(bytes.len());
    if end == 0 || end > 19 {
        return None;
    }
    let value = bytes[..end]
        .iter()
        .fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'));
    Some((value, &bytes[end..]))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
