//! The world Webex stores, and the rules it enforces on what clients ask of it: one file
//! per concern, each adding to [`World`] what that concern needs.

mod actions;
mod cards;
mod create_person;
mod edits;
mod files;
mod licenses;
mod markdown;
pub use markdown::plain_text;
mod message_lists;
mod messages;
pub(crate) mod org;
mod people;
mod person_body;
mod rate_limit;
mod rooms;
mod teams;
mod tokens;

use serde_json::json;

use super::delivery::Delivery;
use super::error::ApiError;
use super::faults::FaultPlan;
use super::gateway::Call;
use super::ids;
use super::webhooks::Webhooks;

pub use self::files::SimFile;
pub use self::messages::SimMessage;
pub use self::people::SimPerson;
pub use self::rooms::SimRoom;
pub use self::teams::SimTeam;
pub use self::tokens::{OAuthApp, Refresh};

pub(crate) use self::actions::NewAction;
pub(crate) use self::edits::MessageEdit;
pub(crate) use self::licenses::LicenseAssignment;
pub(crate) use self::message_lists::MessageFilter;
pub(crate) use self::messages::{MessageRequest, NewMessage};
pub(crate) use self::people::PeopleFilter;
pub(crate) use self::rooms::{MembershipFilter, NewMembership};
pub(crate) use self::teams::NewTeamMembership;
pub(crate) use self::tokens::RefreshRequest;

use self::actions::AttachmentAction;
use self::files::StoredFile;
use self::org::{Catalog, FULL_ADMIN_ROLE};
use self::people::Person;
use self::rate_limit::CreateLimit;
use self::rooms::Room;
use self::teams::Team;
use self::tokens::Tokens;

const BOT_EMAIL: &str = "onboard-bot@webex.bot";
const BOT_NAME: &str = "Onboarding Bot";
const ADMIN_EMAIL: &str = "admin@example.com";
const ADMIN_NAME: &str = "Org Admin";

/// Everything the simulated Webex holds, behind one lock.
pub(crate) struct World {
    /// "http://HOST:PORT/v1": the base of the content URLs of files.
    api_url: String,
    org_id: String,
    bot: SimPerson,
    admin: SimPerson,
    /// In creation order.
    people: Vec<Person>,
    /// The licenses, locations and roles people may be given.
    pub(crate) catalog: Catalog,
    /// Licenses Create a Person leaves unassigned although asked for.
    unassigned_licenses: Vec<String>,
    /// The rate Create a Person is held to, when a test sets one.
    create_limit: Option<CreateLimit>,
    rooms: Vec<Room>,
    teams: Vec<Team>,
    /// In creation order, which is the order Webex lists a room's messages in.
    messages: Vec<SimMessage>,
    /// Messages their senders deleted, in the order they went: the API no longer shows
    /// them, but tests need to see that they were deleted rather than never sent.
    pub(crate) deleted_messages: Vec<SimMessage>,
    actions: Vec<AttachmentAction>,
    /// Files posted with messages, in the order they came.
    files: Vec<StoredFile>,
    pub(crate) webhooks: Webhooks,
    /// The admin's OAuth integration and scopes.
    pub(crate) tokens: Tokens,
    /// Every API call, in the order they were answered.
    pub(crate) calls: Vec<Call>,
    /// Every webhook post, in the order they were answered.
    pub(crate) deliveries: Vec<Delivery>,
    pub(crate) faults: FaultPlan,
}

impl World {
    /// An organization holding only the bot and an admin, served at this API base.
    pub(crate) fn new(api_url: &str) -> Self {
        let org_id = ids::webex_id("ORGANIZATION");
        let (bot, bot_person) = Person::signed_in(&org_id, BOT_EMAIL, BOT_NAME, "bot", json!([]));
        let (admin, admin_person) = Person::signed_in(
            &org_id,
            ADMIN_EMAIL,
            ADMIN_NAME,
            "person",
            json!([FULL_ADMIN_ROLE]),
        );
        Self {
            api_url: api_url.to_owned(),
            webhooks: Webhooks::new(&org_id),
            tokens: Tokens::new(),
            catalog: Catalog::new(&org_id),
            unassigned_licenses: Vec::new(),
            create_limit: None,
            org_id,
            bot,
            admin,
            people: vec![bot_person, admin_person],
            rooms: Vec::new(),
            teams: Vec::new(),
            messages: Vec::new(),
            deleted_messages: Vec::new(),
            actions: Vec::new(),
            files: Vec::new(),
            calls: Vec::new(),
            deliveries: Vec::new(),
            faults: FaultPlan::default(),
        }
    }

    pub(crate) fn bot(&self) -> &SimPerson {
        &self.bot
    }

    pub(crate) fn admin(&self) -> &SimPerson {
        &self.admin
    }

    /// Refuses an `orgId` parameter naming another organization: only partner
    /// administrators may, and the simulated Webex has no partners.
    pub(crate) fn check_org(&self, org_id: Option<&str>) -> Result<(), ApiError> {
        match org_id {
            Some(other) if other != self.org_id => Err(ApiError::forbidden(format!(
                "Only a partner administrator may name the organization {other}."
            ))),
            _ => Ok(()),
        }
    }
}
