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
        let body = Json(json!({ "items": self.items }));
        let Some(next) = self.next else {
            return body.into_response();
        };
        let mut parameters: Vec<&str> = query
            .unwrap_or_default()
            .split('&')
            .filter(|pair| !pair.is_empty())
            .filter(|pair| !(pair.starts_with("max=") || pair.starts_with("cursor=")))
            .collect();
        let paging = format!("max={}&cursor={next}", request.max);
        parameters.push(&paging);
        let link = format!("<{list_url}?{}>; rel=\"next\"", parameters.join("&"));
        ([(LINK, link)], body).into_response()
    }
}
