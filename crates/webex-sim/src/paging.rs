//! Paged lists as Webex serves them: `max` caps a page, and while more remain the answer
//! carries `Link: <url>; rel="next"` (RFC 5988), which clients follow without reading it.

use axum::Json;
use axum::http::header::LINK;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::ApiError;

/// The page size Webex uses when a list call gives no `max`.
const DEFAULT_PAGE_SIZE: usize = 100;

/// Which page a list call asked for.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PageRequest {
    pub(crate) max: usize,
    /// Where the page starts; opaque to clients, which only follow the `Link` header.
    pub(crate) from: u64,
}

impl PageRequest {
    /// Reads the `max` and `cursor` query parameters, answering 400 when either is malformed.
    pub(crate) fn parse(max: Option<&str>, cursor: Option<&str>) -> Result<Self, ApiError> {
        let max = match max {
            None => DEFAULT_PAGE_SIZE,
            Some(text) => text.parse().ok().filter(|&max| max > 0).ok_or_else(|| {
                ApiError::bad_request(format!("max must be a positive integer, not {text:?}."))
            })?,
        };
        let from = match cursor {
            None => 0,
            Some(text) => text
                .parse()
                .map_err(|_| ApiError::bad_request(format!("The cursor {text:?} is not valid.")))?,
        };
        Ok(Self { max, from })
    }
}

/// One page of a list.
pub(crate) struct Page {
    pub(crate) items: Vec<Value>,
    /// The cursor of the next page, when more remain.
    pub(crate) next: Option<u64>,
}

impl Page {
    /// The requested page of a list that only ever grows, so that a position stays valid as
    /// a cursor between calls.
    pub(crate) fn of_growing(all: Vec<Value>, request: PageRequest) -> Self {
        let from = usize::try_from(request.from).unwrap_or(usize::MAX);
        let next = from.saturating_add(request.max);
        let more = all.len() > next;
        Self {
            items: all.into_iter().skip(from).take(request.max).collect(),
            next: more.then(|| u64::try_from(next).unwrap_or(u64::MAX)),
        }
    }

    /// `{"items": [...]}`, with a `Link` to the next page when there is one.
    ///
    /// The link repeats the call's other query parameters (its filters), so that following
    /// it pages through the same list.
    pub(crate) fn respond(
        self,
        list_url: &str,
        query: Option<&str>,
        request: PageRequest,
    ) -> Response {
        let next = self.next.map(|next| {
            let paging = format!("max={}&cursor={next}", request.max);
            next_link(list_url, query, &["max", "cursor"], &paging)
        });
        list_response(self.items, next)
    }
}

/// `{"items": [...]}`, with `Link: <next>; rel="next"` when there is a next page.
pub(crate) fn list_response(items: Vec<Value>, next: Option<String>) -> Response {
    let body = Json(json!({ "items": items }));
    match next {
        Some(url) => ([(LINK, format!("<{url}>; rel=\"next\""))], body).into_response(),
        None => body.into_response(),
    }
}

/// The URL of the next page: the call's query string less the paging parameters named in
/// `replaced`, followed by `paging`.
pub(crate) fn next_link(
    list_url: &str,
    query: Option<&str>,
    replaced: &[&str],
    paging: &str,
) -> String {
    let mut parameters: Vec<&str> = query
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| {
            let name = pair.split_once('=').map_or(*pair, |(name, _)| name);
            !replaced.contains(&name)
        })
        .collect();
    parameters.push(paging);
    format!("{list_url}?{}", parameters.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_link_keeps_the_filters_and_replaces_the_paging() {
        let link = next_link(
            "http://x/v1/messages",
            Some("roomId=r1&max=2&maxAge=9&beforeMessage=m1"),
            &["max", "beforeMessage"],
            "max=2&beforeMessage=m3",
        );
        assert_eq!(
            link,
            "http://x/v1/messages?roomId=r1&maxAge=9&max=2&beforeMessage=m3"
        );
    }
}
