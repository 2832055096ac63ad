//! `application/x-www-form-urlencoded`, as query strings, webhook filters and the OAuth
//! token form are written.

use crate::error::ApiError;

/// Decodes `application/x-www-form-urlencoded` text: `+` is a space, `%XX` a byte.
pub(crate) fn decode(text: &str) -> Result<String, ApiError> {
    let invalid = || ApiError::bad_request(format!("{text:?} is not validly URL-encoded."));
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'+' => decoded.push(b' '),
            b'%' => {
                let hex = bytes.get(index + 1..index + 3).ok_or_else(invalid)?;
                let hex = std::str::from_utf8(hex).map_err(|_| invalid())?;
                decoded.push(u8::from_str_radix(hex, 16).map_err(|_| invalid())?);
                index += 2;
            }
            other => decoded.push(other),
        }
        index += 1;
    }
    String::from_utf8(decoded).map_err(|_| invalid())
}

/// The `name=value` pairs of form-encoded text, decoded, in order.
pub(crate) fn pairs(text: &str) -> Result<Vec<(String, String)>, ApiError> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((decode(name)?, decode(value)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plus_is_a_space_and_percent_escapes_are_bytes() {
        assert_eq!(decode("a+b%40c%2Cd").ok().as_deref(), Some("a b@c,d"));
        assert_eq!(decode("%C3%A9").ok().as_deref(), Some("é"));
        assert!(decode("%4").is_err());
        assert!(decode("%FF").is_err());
        let decoded = pairs("x=1&&y=a%26b&z").expect("valid pairs");
        let expected =
            [("x", "1"), ("y", "a&b"), ("z", "")].map(|(n, v)| (n.to_owned(), v.to_owned()));
        assert_eq!(decoded, expected);
    }
}
