//! Messages: sending, reading, listing, editing and deleting them.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;

use super::multipart::{self, Part};
use super::query::Params;
use super::{ApiResult, Sim, parse_json};
use crate::SimFile;
use crate::error::ApiError;
use crate::gateway::Caller;
use crate::paging::{list_response, next_link};
use crate::world::{MessageEdit, MessageFilter, MessageRequest};

/// `POST /v1/messages` takes no query parameters, per the spec.
const CREATE_QUERY: &[&str] = &[];

pub(super) async fn create_message(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    Params::parse(query, CREATE_QUERY)?;
    let request = message_request(&headers, &body)?;
    let (json, deliveries) = {
        let mut world = sim.world();
        let new = world.message_from_request(&caller, request)?;
        let (message, deliveries) = world.create_message(new);
        (world.message_json(&message), deliveries)
    };
    // Webex answers the sender before it posts webhooks, so the call must not wait on them.
    tokio::spawn(async move { sim.announce_message(deliveries).await });
    Ok(Json(json))
}

/// The fields of a multipart message, and the one file part's name.
const FORM_FIELDS: [&str; 6] = [
    "roomId",
    "toPersonId",
    "toPersonEmail",
    "text",
    "markdown",
    "parentId",
];
const FILE_PART: &str = "files";

/// A message request as JSON, or as a multipart form with one file; 415 for anything else.
fn message_request(headers: &HeaderMap, body: &[u8]) -> Result<MessageRequest, ApiError> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if let Some(boundary) = multipart::boundary(content_type) {
        return form_request(multipart::parse(&boundary, body)?);
    }
    if content_type.starts_with("application/json") {
        return parse_json(body);
    }
    Err(ApiError::unsupported_media_type(format!(
        "A message is sent as application/json or multipart/form-data, not {content_type:?}."
    )))
}

fn form_request(parts: Vec<Part>) -> Result<MessageRequest, ApiError> {
    let mut request = MessageRequest::default();
    for part in parts {
        if part.name == FILE_PART {
            let file = uploaded_file(part)?;
            if request.upload.replace(file).is_some() {
                return Err(ApiError::bad_request("A message carries one file at most."));
            }
            continue;
        }
        let value = String::from_utf8(part.body)
            .map_err(|_| ApiError::bad_request(format!("{} is not UTF-8 text.", part.name)))?;
        let slot = match part.name.as_str() {
            "roomId" => &mut request.room_id,
            "toPersonId" => &mut request.to_person_id,
            "toPersonEmail" => &mut request.to_person_email,
            "text" => &mut request.text,
            "markdown" => &mut request.markdown,
            "parentId" => &mut request.parent_id,
            other => {
                return Err(ApiError::bad_request(format!(
                    "A multipart message takes {FORM_FIELDS:?} and one {FILE_PART:?} part, not {other:?}."
                )));
            }
        };
        if slot.replace(value).is_some() {
            return Err(ApiError::bad_request(format!(
                "{} is given more than once.",
                part.name
            )));
        }
    }
    Ok(request)
}

/// The file of a `files` part, which must name the file and its type.
fn uploaded_file(part: Part) -> Result<SimFile, ApiError> {
    let (Some(name), Some(content_type)) = (part.filename, part.content_type) else {
        return Err(ApiError::bad_request(
            "The files part must be a file, with a filename and a Content-Type.",
        ));
    };
    Ok(SimFile {
        name,
        content_type,
        bytes: part.body,
    })
}

/// `GET /v1/messages/{messageId}` takes no query parameters, per the spec.
const GET_QUERY: &[&str] = &[];

pub(super) async fn get_message(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    Params::parse(query, GET_QUERY)?;
    Ok(Json(sim.world().message_for(&caller, &id)?))
}

/// `DELETE /v1/messages/{messageId}` takes no query parameters, per the spec.
const DELETE_QUERY: &[&str] = &[];

pub(super) async fn delete_message(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<StatusCode, ApiError> {
    Params::parse(query, DELETE_QUERY)?;
    let deliveries = sim.world().delete_message(&caller, &id)?;
    tokio::spawn(async move { sim.deliver_all(deliveries).await });
    Ok(StatusCode::NO_CONTENT)
}

/// The query parameters of `GET /v1/messages/direct`, per the spec: no `max`, no paging.
const DIRECT_QUERY: &[&str] = &["parentId", "personId", "personEmail"];

pub(super) async fn list_direct_messages(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let params = Params::parse(query, DIRECT_QUERY)?;
    let messages = sim.world().direct_messages_json(
        &caller,
        params.get("personId"),
        params.get("personEmail"),
        params.get("parentId"),
    )?;
    Ok(Json(json!({ "items": messages })))
}

/// `PUT /v1/messages/{messageId}` takes no query parameters, per the spec.
const EDIT_QUERY: &[&str] = &[];

pub(super) async fn edit_message(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult {
    Params::parse(query, EDIT_QUERY)?;
    let edit: MessageEdit = parse_json(&body)?;
    let (json, deliveries) = sim.world().edit_message(&caller, &id, edit)?;
    tokio::spawn(async move { sim.announce_message(deliveries).await });
    Ok(Json(json))
}

/// The query parameters of `GET /v1/messages`, per the spec: its next pages are asked
/// for with `beforeMessage`, so it takes no cursor.
const LIST_QUERY: &[&str] = &[
    "roomId",
    "parentId",
    "mentionedPeople",
    "before",
    "beforeMessage",
    "max",
];

/// How many messages a page holds unless `max` says otherwise, as Webex documents.
const DEFAULT_PAGE_SIZE: usize = 50;

pub(super) async fn list_messages(
    State(sim): Sim,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(query, LIST_QUERY)?;
    let max = match params.get("max") {
        None => DEFAULT_PAGE_SIZE,
        Some(_) => params.page()?.max,
    };
    let filter = MessageFilter {
        room_id: params.get("roomId").map(str::to_owned),
        parent_id: params.get("parentId").map(str::to_owned),
        mentioned_people: params.get("mentionedPeople").map(str::to_owned),
        before: params.get("before").map(str::to_owned),
        before_message: params.get("beforeMessage").map(str::to_owned),
        max,
    };
    let (messages, last) = sim.world().list_messages(&caller, &filter)?;
    let next = last.map(|last| {
        let list_url = format!("{}/messages", sim.api_url);
        let paging = format!("max={max}&beforeMessage={last}");
        next_link(&list_url, params.raw(), &["max", "beforeMessage"], &paging)
    });
    Ok(list_response(messages, next))
}
