//! What list answers and throttled answers carry in their headers: the `Link` to the next page
//! and `Retry-After`.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, LINK, RETRY_AFTER};

/// The target of the `rel="next"` link of the `Link` headers (RFC 8288): a link value is
/// `<URI>` followed by `;`-separated parameters, `rel` holds space-separated relation types,
/// compared without case, quoted or not. A comma inside `<...>` or a quoted value does not end
/// a link.
pub(super) fn next_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(LINK)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(link_values)
        .find(|(_, params)| is_next(params))
        .map(|(target, _)| target.to_owned())
}

/// Splits a `Link` header into `(target, parameters)` pairs.
fn link_values(header: &str) -> Vec<(&str, &str)> {
    let mut links = Vec::new();
    let mut rest = header;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>').map(|n| open + n) else {
            break;
        };
        let target = rest[open + 1..close].trim();
        let after = &rest[close + 1..];
        let end = parameters_end(after);
        links.push((target, &after[..end]));
        rest = &after[end..];
    }
    links
}

/// Where the parameters after a link's `>` end: at the first comma outside quotes.
fn parameters_end(params: &str) -> usize {
    let mut quoted = false;
    for (i, c) in params.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => return i,
            _ => {}
        }
    }
    params.len()
}

/// Whether one of the parameters is `rel` naming `next`.
fn is_next(params: &str) -> bool {
    params.split(';').any(|param| {
        let Some((name, value)) = param.split_once('=') else {
            return false;
        };
        name.trim().eq_ignore_ascii_case("rel")
            && value
                .trim()
                .trim_matches('"')
                .split_ascii_whitespace()
                .any(|rel| rel.eq_ignore_ascii_case("next"))
    })
}

/// How long `Retry-After` asks to wait: delay-seconds, or an HTTP-date (then the time until
/// it, nothing when it has passed).
pub(super) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn headers(name: reqwest::header::HeaderName, values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append(
                name.clone(),
                HeaderValue::from_str(value).expect("a header value"),
            );
        }
        map
    }

    #[test]
    fn the_next_link_is_found_however_the_header_is_written() {
        let cases = [
            (
                "<https://x/v1/webhooks?cursor=abc>; rel=\"next\"",
                Some("https://x/v1/webhooks?cursor=abc"),
            ),
            ("<https://x/a>; rel=next", Some("https://x/a")),
            (
                "<https://x/p>; rel=\"prev\", <https://x/n>; rel=\"next\"",
                Some("https://x/n"),
            ),
            (
                "<https://x/n?a=1,2>;title=\"a, b\";REL=\"prev NEXT\"",
                Some("https://x/n?a=1,2"),
            ),
            ("<https://x/p>; rel=\"prev\"", None),
            ("https://x/n; rel=next", None),
            ("", None),
        ];
        for (header, next) in cases {
            assert_eq!(
                next_link(&headers(LINK, &[header])).as_deref(),
                next,
                "{header}"
            );
        }
        let two = headers(
            LINK,
            &["<https://x/p>; rel=prev", "<https://x/n>; rel=next"],
        );
        assert_eq!(next_link(&two).as_deref(), Some("https://x/n"));
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_as_a_date() {
        let now = httpdate::parse_http_date("Tue, 01 Dec 2026 10:00:00 GMT").expect("a date");
        let read = |value: &str| retry_after(&headers(RETRY_AFTER, &[value]), now);
        assert_eq!(read("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            read("Tue, 01 Dec 2026 10:00:30 GMT"),
            Some(Duration::from_secs(30))
        );
        assert_eq!(read("Tue, 01 Dec 2026 09:00:00 GMT"), Some(Duration::ZERO));
        assert_eq!(read("soon"), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }
}
