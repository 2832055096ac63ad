//! Query parameters as Webex's operations define them. Each handler names the parameters
//! its operation takes in the OpenAPI specs, in a list beside it; any other is refused with
//! 400, so that a client relying on a parameter Webex does not have finds out here.

use crate::error::ApiError;
use crate::form;
use crate::paging::PageRequest;

/// The paging cursor of the `Link` URLs Webex hands out. The specs do not list it, because
/// clients never write it: they follow the link. Paged operations accept it besides their own.
pub(super) const CURSOR: &str = "cursor";

/// The parameters of one call, checked against those its operation defines.
pub(super) struct Params {
    /// As given, for the `Link` of the next page, which repeats the call's filters.
    raw: Option<String>,
    /// Decoded, in order.
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Decodes the query string, refusing with 400 a parameter the operation does not
    /// define, one given twice, or one that cannot be decoded.
    pub(super) fn parse(raw: Option<String>, defined: &[&str]) -> Result<Self, ApiError> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (name, value) in form::pairs(raw.as_deref().unwrap_or_default())? {
            if !defined.contains(&name.as_str()) {
                return Err(ApiError::bad_request(format!(
                    "The query parameter {name:?} is not defined for this operation; it takes {defined:?}."
                )));
            }
            if pairs.iter().any(|(known, _)| *known == name) {
                return Err(ApiError::bad_request(format!(
                    "The query parameter {name:?} is given more than once."
                )));
            }
            pairs.push((name, value));
        }
        Ok(Self { raw, pairs })
    }

    /// The value of a parameter, when given.
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(known, _)| known == name)
            .map(|(_, value)| value.as_str())
    }

    /// A boolean parameter: absent is false; anything but true or false is a 400.
    pub(super) fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.get(name) {
            None => Ok(false),
            Some(text) if text.eq_ignore_ascii_case("true") => Ok(true),
            Some(text) if text.eq_ignore_ascii_case("false") => Ok(false),
            Some(text) => Err(ApiError::bad_request(format!(
                "{name} must be true or false, not {text:?}."
            ))),
        }
    }

    /// The page asked for with `max` and the cursor of a `Link`.
    pub(super) fn page(&self) -> Result<PageRequest, ApiError> {
        PageRequest::parse(self.get("max"), self.get(CURSOR))
    }

    /// The query string as given, for the `Link` of the next page.
    pub(super) fn raw(&self) -> Option<&str> {
        self.raw.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_decoded_and_only_defined_ones_accepted_once() {
        let params = Params::parse(
            Some("email=jane.doe%40example.com&displayName=Jane+Doe&max=".to_owned()),
            &["email", "displayName", "max"],
        )
        .expect("defined parameters");
        assert_eq!(params.get("email"), Some("jane.doe@example.com"));
        assert_eq!(params.get("displayName"), Some("Jane Doe"));
        assert_eq!(params.get("max"), Some(""));
        assert_eq!(params.get("id"), None);

        assert!(Params::parse(Some("max=1".to_owned()), &["orgId"]).is_err());
        assert!(Params::parse(Some("max=1&max=2".to_owned()), &["max"]).is_err());
        assert!(Params::parse(Some("max=%zz".to_owned()), &["max"]).is_err());
        assert!(Params::parse(None, &[]).is_ok());
    }
}
