//! Properties of what reads untrusted input, over generated inputs: the signature check, the
//! envelope parser, the form's input parser and the Markdown escaper.

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use webex_onboard::domain::text::{MAX_NAME, clean, is_hidden};
use webex_onboard::domain::{Choice, OrgChoices, PersonDraft};
use webex_onboard::http::{envelope, signature};
use webex_onboard::replies::md;

/// Text as people type it: any characters, with markup, mentions, links, escapes, line
/// breaks and hidden characters much more often than chance.
fn typed() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        any::<char>().prop_map(String::from),
        Just("<@all>".to_owned()),
        Just("<@personEmail:boss@example.com|Boss>".to_owned()),
        Just("[Approve here](https://evil.example/login)".to_owned()),
        Just("<https://evil.example>".to_owned()),
        Just("# ".to_owned()),
        Just("**".to_owned()),
        Just("__".to_owned()),
        Just("_".to_owned()),
        Just("`".to_owned()),
        Just("\\".to_owned()),
        Just("\n".to_owned()),
        Just("\u{202E}".to_owned()),
        Just("\u{200B}".to_owned()),
        Just("1. ".to_owned()),
        Just("- ".to_owned()),
        Just("&lt;".to_owned()),
        "[a-zA-Z0-9 .@]{0,6}",
    ];
    proptest::collection::vec(piece, 0..16).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whatever was typed, a reader of the escaped Markdown sees it as typed (on one line,
    /// without hidden characters): no mention, link, heading, emphasis or code was made of it.
    #[test]
    fn escaped_text_reads_as_typed_and_makes_no_markup(text in typed()) {
        let escaped = md(&text);
        prop_assert_eq!(webex_sim::plain_text(&escaped), clean(&text));
        prop_assert!(!escaped.contains('\n'));
        // Every character that can open markup is escaped.
        let chars: Vec<char> = escaped.chars().collect();
        let mut at = 0;
        while at < chars.len() {
            if chars[at] == '\\' {
                prop_assert!(chars.get(at + 1).is_some_and(char::is_ascii_punctuation), "{escaped}");
                at += 2;
                continue;
            }
            prop_assert!(!"<>[]()#*`~|!&{}\\".contains(chars[at]), "{escaped}");
            at += 1;
        }
    }

    /// A signature made with the secret over the exact bytes is taken; any change to a byte of
    /// the body, to the signature or to the secret is refused.
    #[test]
    fn only_the_exact_bytes_signed_with_the_secret_pass(
        secret in "[ -~]{1,64}",
        body in proptest::collection::vec(any::<u8>(), 0..512),
        flip in any::<proptest::sample::Index>(),
        bit in 0..8_u8,
    ) {
        let signed = webex_sim::sign_webhook_body(&secret, &body);
        let secret = secret.into_bytes();
        prop_assert_eq!(signature::verify(&secret, &body, Some(signed.as_bytes())), Ok(()));
        if !body.is_empty() {
            let mut changed = body.clone();
            changed[flip.index(body.len())] ^= 1 << bit;
            prop_assert!(signature::verify(&secret, &changed, Some(signed.as_bytes())).is_err());
        }
        let mut other = secret.clone();
        other[flip.index(secret.len())] ^= 1 << bit;
        prop_assert!(signature::verify(&other, &body, Some(signed.as_bytes())).is_err());
        let mut forged = signed.clone().into_bytes();
        let at = flip.index(forged.len());
        forged[at] = if forged[at] == b'0' { b'1' } else { b'0' };
        prop_assert!(signature::verify(&secret, &body, Some(&forged)).is_err());
    }

    /// Any bytes at all: the parser answers, and never panics.
    #[test]
    fn any_body_is_read_or_refused(body in proptest::collection::vec(any::<u8>(), 0..1024)) {
        let _ = envelope::parse(&body);
    }

    /// An envelope of a handled event is keyed on its resource, event and data id; an id that
    /// is not a Webex id (a path, a query, a space) is refused before anything uses it.
    #[test]
    fn an_envelope_is_keyed_on_its_data_id_and_strange_ids_are_refused(
        id in prop_oneof!["[A-Za-z0-9_=-]{1,80}", ".{0,40}"],
        actions in any::<bool>(),
        extra in proptest::collection::hash_map("[a-z]{1,8}", ".{0,12}", 0..4),
    ) {
        let resource = if actions { "attachmentActions" } else { "messages" };
        let mut body = json!({"resource": resource, "event": "created", "data": {"id": id}});
        for (key, value) in &extra {
            if !matches!(key.as_str(), "resource" | "event" | "data") {
                body[key] = Value::from(value.clone());
            }
        }
        let parsed = envelope::parse(body.to_string().as_bytes());
        let is_id = !id.is_empty()
            && id.len() <= 256
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'='));
        match parsed {
            Ok(envelope::Delivery::Event { dedupe_key, .. }) => {
                prop_assert!(is_id, "{id:?} was taken");
                prop_assert_eq!(dedupe_key, format!("{resource}/created/{id}"));
            }
            other => prop_assert!(!is_id, "{id:?} was refused: {other:?}"),
        }
    }

    /// Any inputs: the form is read or refused field by field, and what is accepted is data:
    /// capped, one line, no hidden characters, and only choices that were offered.
    #[test]
    fn a_form_is_read_as_capped_plain_data_or_refused(
        values in proptest::collection::vec(typed(), 14),
        email_local in "[a-z0-9._+'-]{0,70}",
        pick in proptest::collection::vec(any::<bool>(), 3),
    ) {
        let fields = [
            "firstName", "lastName", "displayName", "department", "title", "managerEmail",
            "phoneNumbers", "extension", "licenses", "roles", "locationId", "action", "other",
        ];
        let mut inputs: Map<String, Value> = fields
            .iter()
            .zip(&values)
            .map(|(field, value)| ((*field).to_owned(), Value::from(value.clone())))
            .collect();
        inputs.insert("email".into(), Value::from(format!("{email_local}@example.com{}", values[13])));
        if pick[0] { inputs.insert("licenses".into(), Value::from("L-1,L-2")); }
        if pick[1] { inputs.insert("locationId".into(), Value::from("LOC-1")); }
        if pick[2] { inputs.remove("phoneNumbers"); inputs.remove("extension"); }
        let choice = |id: &str, name: &str| Choice { id: id.into(), name: name.into() };
        let choices = OrgChoices {
            licenses: vec![choice("L-1", "Webex Meetings"), choice("L-2", "Webex Calling - Professional")],
            locations: vec![choice("LOC-1", "Berlin")],
            roles: Vec::new(),
            all_licenses: Vec::new(),
            templates: Vec::new(),
            templates_grant_calling: false,
        };
        match PersonDraft::from_inputs(&inputs, &choices) {
            Ok(draft) => {
                for text in [&draft.first_name, &draft.last_name, &draft.display_name, &draft.department, &draft.title]
                    .into_iter()
                    .flatten()
                {
                    prop_assert!(text.chars().count() <= MAX_NAME);
                    prop_assert!(!text.chars().any(is_hidden), "{text:?}");
                    prop_assert_eq!(text.trim(), text.as_str());
                }
                let email = draft.emails[0].as_str();
                prop_assert!(email.len() <= 254 && !email.chars().any(|c| "<>[]() \"".contains(c)));
                prop_assert!(draft.licenses.iter().all(|l| l == "L-1" || l == "L-2"));
                prop_assert!(draft.roles.is_empty());
                let _ = draft.body();
            }
            Err(errors) => prop_assert!(!errors.is_empty()),
        }
    }
}
