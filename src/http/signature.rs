//! `X-Spark-Signature`: hex HMAC-SHA1 of the raw body, keyed with the webhook secret.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// The header Webex signs deliveries with.
pub const HEADER: &str = "x-spark-signature";

/// Why a delivery's signature was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no X-Spark-Signature header")]
    Missing,
    #[error("X-Spark-Signature is not hex")]
    Malformed,
    #[error("X-Spark-Signature does not match the body")]
    Mismatch,
}

fn mac(secret: &[u8]) -> Hmac<Sha1> {
    // HMAC takes keys of any length, so this cannot fail.
    <Hmac<Sha1> as KeyInit>::new_from_slice(secret).unwrap_or_else(|_| unreachable!())
}

/// The lowercase hex signature of `body`.
#[cfg(test)]
fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = mac(secret);
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Checks `header` against the bytes exactly as received, in constant time.
pub fn verify(secret: &[u8], body: &[u8], header: Option<&[u8]>) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let claimed = hex::decode(header.trim_ascii()).map_err(|_| SignatureError::Malformed)?;
    let mut mac = mac(secret);
    mac.update(body);
    mac.verify_slice(&claimed)
        .map_err(|_| SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"myBongoSecret";
    const BODY: &[u8] = br#"{"a":1,"b":2,"c":{"d":3}}"#;
    const SIGNATURE: &str = "01e0cb6a53731b9615b483335d77d97023410c72";

    #[test]
    fn the_public_vector_signs_and_verifies() {
        assert_eq!(sign(SECRET, BODY), SIGNATURE);
        assert_eq!(verify(SECRET, BODY, Some(SIGNATURE.as_bytes())), Ok(()));
    }

    #[test]
    fn upper_case_hex_is_accepted() {
        let upper = SIGNATURE.to_ascii_uppercase();
        assert_eq!(verify(SECRET, BODY, Some(upper.as_bytes())), Ok(()));
    }

    #[test]
    fn a_missing_malformed_or_wrong_signature_is_refused() {
        assert_eq!(verify(SECRET, BODY, None), Err(SignatureError::Missing));
        assert_eq!(
            verify(SECRET, BODY, Some(b"zz")),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(b"otherSecret", BODY, Some(SIGNATURE.as_bytes())),
            Err(SignatureError::Mismatch)
        );
        let reserialized = br#"{"a": 1, "b": 2, "c": {"d": 3}}"#;
        assert_eq!(
            verify(SECRET, reserialized, Some(SIGNATURE.as_bytes())),
            Err(SignatureError::Mismatch)
        );
    }
}
