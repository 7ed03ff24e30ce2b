//! The address a request came from, seen through a known number of proxies.

use axum::http::HeaderMap;
use std::net::{IpAddr, SocketAddr};

/// The client's address: the peer's, or with `trust_hops` proxies in front of the server, the
/// address the outermost trusted proxy recorded in `X-Forwarded-For` (the `trust_hops`-th entry
/// from the right; entries further left are the client's own claims and cannot be trusted). A
/// header with fewer entries than `trust_hops` did not come through all the proxies, so none of
/// it can be trusted: the peer's address is used.
pub fn client_ip(peer: SocketAddr, headers: &HeaderMap, trust_hops: usize) -> IpAddr {
    if trust_hops == 0 {
        return peer.ip();
    }
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    forwarded
        .len()
        .checked_sub(trust_hops)
        .and_then(|i| forwarded.get(i))
        .and_then(|text| text.parse().ok())
        .unwrap_or(peer.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in xff {
            headers.append("x-forwarded-for", value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn trusts_exactly_as_many_hops_as_configured() {
        let peer: SocketAddr = "10.0.0.9:5000".parse().unwrap();
        let chain = headers(&["6.6.6.6, 1.2.3.4", "10.0.0.2"]);
        assert_eq!(client_ip(peer, &chain, 0).to_string(), "10.0.0.9");
        assert_eq!(client_ip(peer, &chain, 1).to_string(), "10.0.0.2");
        assert_eq!(client_ip(peer, &chain, 2).to_string(), "1.2.3.4");
        // Fewer entries than hops: the first one is whatever the client claimed.
        assert_eq!(
            client_ip(peer, &headers(&["1.2.3.4"]), 3).to_string(),
            "10.0.0.9"
        );
        assert_eq!(
            client_ip(peer, &headers(&["garbage"]), 1).to_string(),
            "10.0.0.9"
        );
        assert_eq!(
            client_ip(peer, &HeaderMap::new(), 1).to_string(),
            "10.0.0.9"
        );
    }
}
