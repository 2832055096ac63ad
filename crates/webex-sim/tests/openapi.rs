//! Every route the simulator serves, walked over real HTTP, each answer (successes and the
//! typical errors) checked against the response schema of its operation in Webex's own
//! OpenAPI specs. Routes the specs lack are checked against CONTRACT.md's shapes.
//!
//! The specs live beside the repository, in `shared/webex/openapi`. Without them the test
//! says loudly that it skipped, and passes, unless `WEBEX_OPENAPI_REQUIRED=1` demands them.

#[path = "openapi/validator.rs"]
mod validator;
#[path = "openapi/walk.rs"]
mod walk;
#[path = "openapi/walk_messages.rs"]
mod walk_messages;
#[path = "openapi/walk_people.rs"]
mod walk_people;

use std::io::Write;
use std::path::PathBuf;

use serde_json::json;
use webex_sim::{SimPerson, Simulator};

use self::validator::Specs;
use self::walk::Walk;

fn specs_folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/webex/openapi")
}

/// Loads the specs, or says loudly why the test does not run (straight to the terminal,
/// past the test harness's capture).
fn specs() -> Option<Specs> {
    let folder = specs_folder();
    if let Some(specs) = Specs::load(&folder) {
        return Some(specs);
    }
    let required = std::env::var("WEBEX_OPENAPI_REQUIRED").is_ok_and(|value| value == "1");
    assert!(
        !required,
        "WEBEX_OPENAPI_REQUIRED=1, but the OpenAPI specs are not in {}",
        folder.display()
    );
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED: the Webex OpenAPI specs are not in {}; no answer was checked against them. ***\n",
        folder.display()
    );
    None
}

#[tokio::test]
async fn every_answer_fits_the_response_schema_of_its_operation() {
    let Some(specs) = specs() else {
        return;
    };
    let mut walk = Walk::new(specs).await;
    let people = People::of(&walk.sim);

    walk_people::people(&mut walk, &people).await;
    walk_people::organization(&mut walk, &people).await;
    walk_messages::messages_and_rooms(&mut walk, &people).await;
    walk_people::teams(&mut walk, &people).await;
    walk_messages::webhooks(&mut walk, &people).await;
    walk_people::tokens(&mut walk).await;
    walk_messages::contents(&mut walk, &people).await;

    walk.finish();
}

/// Who the walk speaks as.
pub struct People {
    pub admin: SimPerson,
    pub bot: SimPerson,
    pub manager: SimPerson,
}

impl People {
    fn of(sim: &Simulator) -> Self {
        Self {
            admin: sim.admin(),
            bot: sim.bot(),
            manager: sim.add_person("manager@example.com", "Maria Manager"),
        }
    }
}

#[test]
fn the_validator_finds_what_does_not_fit() {
    let Some(specs) = specs() else {
        return;
    };
    let person = json!({
        "id": "x",
        "emails": "jane@example.com",
        "invitePending": true,
        "type": "robot",
        "phoneNumbers": [{ "type": "home" }]
    });

    let expected = specs
        .expected("GET", "/people/{personId}", 200)
        .expect("the operation exists");
    let errors: Vec<String> = expected.iter().flat_map(|e| e.errors(&person)).collect();

    for field in ["emails", "invitePending", "type", "phoneNumbers[0].type"] {
        assert!(
            errors
                .iter()
                .any(|error| error.contains(&format!("$.{field}"))),
            "{field}: {errors:?}"
        );
    }
    assert!(specs.expected("GET", "/licenses", 299).is_err());
    assert!(specs.expected("GET", "/no-such-route", 200).is_err());
    let attachment = json!({ "attachments": [{ "contentType": "image/png", "content": {} }] });
    let message = specs
        .expected("GET", "/messages/{messageId}", 200)
        .expect("the operation exists");
    assert!(!message[0].errors(&attachment).is_empty());
}
