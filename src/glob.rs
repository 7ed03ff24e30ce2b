//! `*` wildcards, as operators write them in allowed origins and channel patterns.

/// True when `text` matches `pattern`, where `*` stands for any run of characters (including
/// none) and everything else must match exactly.
pub fn matches(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if parts.len() == 1 {
        return pattern == text;
    }
    if text.len() < first.len() + last.len() || !text.starts_with(first) || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn stars_match_any_run() {
        assert!(matches("a*b*c", "axxbyyc"));
        assert!(!matches("a*b*c", "axxcyyb"));
        assert!(matches("ticker-*", "ticker-"));
        assert!(matches("*", ""));
        assert!(!matches("ab*ba", "aba"));
        assert!(!matches("Ticker", "ticker"));
    }
}
