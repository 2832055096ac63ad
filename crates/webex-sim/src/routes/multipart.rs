//! `multipart/form-data` (RFC 7578), as a client uploads a file with a message.
//!
//! Parsed here rather than with axum's multipart extractor: one form with one file does
//! not need a streaming parser and its dependencies.

use crate::error::ApiError;

/// One part of a form.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Part {
    pub(super) name: String,
    /// Present on a file part.
    pub(super) filename: Option<String>,
    pub(super) content_type: Option<String>,
    pub(super) body: Vec<u8>,
}

/// The boundary of a `multipart/form-data` content type; None for another type.
pub(super) fn boundary(content_type: &str) -> Option<String> {
    let (kind, parameters) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    parameters.split(';').find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// The parts of a form body with this boundary, in order.
pub(super) fn parse(boundary: &str, body: &[u8]) -> Result<Vec<Part>, ApiError> {
    let invalid = || ApiError::bad_request("The multipart/form-data body is malformed.");
    let delimiter = format!("--{boundary}").into_bytes();
    let mut rest = after(body, &delimiter).ok_or_else(invalid)?;
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        rest = rest.strip_prefix(b"\r\n").ok_or_else(invalid)?;
        let headers_end = find(rest, b"\r\n\r\n").ok_or_else(invalid)?;
        let headers = std::str::from_utf8(&rest[..headers_end]).map_err(|_| invalid())?;
        rest = &rest[headers_end + 4..];
        let mut closing = b"\r\n".to_vec();
        closing.extend_from_slice(&delimiter);
        let body_end = find(rest, &closing).ok_or_else(invalid)?;
        parts.push(part(headers, rest[..body_end].to_vec()).ok_or_else(invalid)?);
        rest = &rest[body_end + closing.len()..];
    }
}

/// A part from its header lines and body; None when it names no field.
fn part(headers: &str, body: Vec<u8>) -> Option<Part> {
    let mut name = None;
    let mut filename = None;
    let mut content_type = None;
    for line in headers.split("\r\n") {
        let (header, value) = line.split_once(':')?;
        if header.trim().eq_ignore_ascii_case("content-type") {
            content_type = Some(value.trim().to_owned());
        } else if header.trim().eq_ignore_ascii_case("content-disposition") {
            name = parameter(value, "name");
            filename = parameter(value, "filename");
        }
    }
    Some(Part {
        name: name?,
        filename,
        content_type,
        body,
    })
}

/// A quoted parameter of a `Content-Disposition` value, such as `name="roomId"`.
fn parameter(value: &str, wanted: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        (name.trim() == wanted).then(|| {
            value
                .trim()
                .trim_matches('"')
                .replace("\\\"", "\"")
                .replace("\\\\", "\\")
        })
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn after<'a>(haystack: &'a [u8], needle: &[u8]) -> Option<&'a [u8]> {
    find(haystack, needle).map(|at| &haystack[at + needle.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_with_fields_and_a_file_is_parsed_into_its_parts() {
        let body = b"--XyZ\r\n\
            Content-Disposition: form-data; name=\"roomId\"\r\n\r\n\
            room-1\r\n\
            --XyZ\r\n\
            Content-Disposition: form-data; name=\"files\"; filename=\"hires.csv\"\r\n\
            Content-Type: text/csv\r\n\r\n\
            a,b\r\nc,d\r\n\
            --XyZ--\r\n";

        let parts = parse("XyZ", body).expect("a valid form");

        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "roomId");
        assert_eq!(parts[0].body, b"room-1");
        assert_eq!(parts[0].filename, None);
        assert_eq!(parts[1].filename.as_deref(), Some("hires.csv"));
        assert_eq!(parts[1].content_type.as_deref(), Some("text/csv"));
        assert_eq!(parts[1].body, b"a,b\r\nc,d");
    }

    #[test]
    fn the_boundary_comes_from_the_content_type_and_malformed_bodies_are_refused() {
        assert_eq!(
            boundary("multipart/form-data; boundary=\"a b\"").as_deref(),
            Some("a b")
        );
        assert_eq!(boundary("application/json"), None);
        assert!(parse("XyZ", b"no delimiter at all").is_err());
        assert!(
            parse(
                "XyZ",
                b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--"
            )
            .is_err()
        );
        assert!(
            parse(
                "XyZ",
                b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated"
            )
            .is_err()
        );
    }
}
