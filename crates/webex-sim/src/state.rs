//! The world Webex stores (people, rooms and their memberships, messages, card
//! submissions) and the rules it enforces on what clients ask of it.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::delivery::Delivery;
use super::error::ApiError;
use super::faults::FaultPlan;
use super::gateway::{Call, Caller};
use super::ids;
use super::json::{non_empty, present_fields};
use super::org::{Catalog, FULL_ADMIN_ROLE};
use super::people::{self, Person, SimPerson};
use super::webhooks::Webhooks;

/// The most bytes Webex accepts in a message's `text`, and separately in its `markdown`.
const MAX_MESSAGE_BYTES: usize = 7439;
const ADAPTIVE_CARD: &str = "application/vnd.microsoft.card.adaptive";
const BOT_EMAIL: &str = "onboard-bot@webex.bot";
const BOT_NAME: &str = "Onboarding Bot";
const ADMIN_EMAIL: &str = "admin@example.com";
const ADMIN_NAME: &str = "Org Admin";

/// A space, as tests address it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimRoom {
    pub id: String,
    /// "direct" or "group".
    pub room_type: String,
}

/// A message as Webex stores it.
#[derive(Clone, Debug, PartialEq)]
pub struct SimMessage {
    pub id: String,
    pub room_id: String,
    pub person_id: String,
    pub person_email: String,
    pub text: Option<String>,
    pub markdown: Option<String>,
    /// The rendered rich text; a mention shows in it as a `<spark-mention>`.
    pub html: Option<String>,
    pub attachments: Vec<Value>,
    pub parent_id: Option<String>,
    /// The people the message @mentions: a bot sees group messages only when it is one.
    pub mentioned_people: Vec<String>,
    pub created: String,
}

/// A message about to be stored: checked already, when it came through the API.
#[derive(Debug, Default)]
pub(crate) struct NewMessage {
    pub(crate) room_id: String,
    pub(crate) person_id: String,
    pub(crate) person_email: String,
    pub(crate) text: Option<String>,
    pub(crate) markdown: Option<String>,
    pub(crate) html: Option<String>,
    pub(crate) attachments: Vec<Value>,
    pub(crate) parent_id: Option<String>,
    pub(crate) mentioned_people: Vec<String>,
}

/// The body of `POST /v1/messages`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MessageRequest {
    room_id: Option<String>,
    to_person_id: Option<String>,
    to_person_email: Option<String>,
    text: Option<String>,
    markdown: Option<String>,
    #[serde(default)]
    attachments: Vec<Value>,
    parent_id: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RoomKind {
    Direct,
    Group,
}

impl RoomKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::Group => "group",
        }
    }
}

/// A person's place in a room: Webex lists these as memberships.
struct Member {
    /// The membership's own id, not the person's.
    id: String,
    person_id: String,
    created: String,
}

struct Room {
    id: String,
    kind: RoomKind,
    title: String,
    /// In the order they joined.
    members: Vec<Member>,
    creator_id: String,
    created: String,
}

impl Room {
    fn has_member(&self, person_id: &str) -> bool {
        self.members
            .iter()
            .any(|member| member.person_id == person_id)
    }

    fn join(&mut self, person_id: &str) {
        if !self.has_member(person_id) {
            self.members.push(Member {
                id: ids::webex_id("MEMBERSHIP"),
                person_id: person_id.to_owned(),
                created: ids::timestamp(),
            });
        }
    }

    fn sim(&self) -> SimRoom {
        SimRoom {
            id: self.id.clone(),
            room_type: self.kind.as_str().to_owned(),
        }
    }

    fn json(&self) -> Value {
        json!({
            "id": self.id,
            "title": self.title,
            "type": self.kind.as_str(),
            "isLocked": false,
            "creatorId": self.creator_id,
            "created": self.created,
        })
    }
}

/// A card submission.
struct AttachmentAction {
    id: String,
    message_id: String,
    person_id: String,
    room_id: String,
    /// Every value a string, as Webex sends them.
    inputs: Map<String, Value>,
    created: String,
}

impl AttachmentAction {
    fn json(&self) -> Value {
        json!({
            "id": self.id,
            "type": "submit",
            "messageId": self.message_id,
            "inputs": self.inputs,
            "personId": self.person_id,
            "roomId": self.room_id,
            "created": self.created,
        })
    }

    /// What the webhook says of it: no inputs, so the bot must fetch them with its token.
    fn webhook_data(&self) -> Value {
        let mut data = self.json();
        if let Some(fields) = data.as_object_mut() {
            fields.remove("inputs");
        }
        data
    }
}

/// Everything the simulated Webex holds, behind one lock.
pub(crate) struct World {
    org_id: String,
    bot: SimPerson,
    admin: SimPerson,
    /// In creation order.
    people: Vec<Person>,
    /// The licenses, locations and roles people may be given.
    pub(crate) catalog: Catalog,
    rooms: Vec<Room>,
    /// In creation order, which is the order Webex lists a room's messages in.
    messages: Vec<SimMessage>,
    /// Messages their senders deleted, in the order they went: the API no longer shows
    /// them, but tests need to see that they were deleted rather than never sent.
    pub(crate) deleted_messages: Vec<SimMessage>,
    actions: Vec<AttachmentAction>,
    pub(crate) webhooks: Webhooks,
    /// Every API call, in the order they were answered.
    pub(crate) calls: Vec<Call>,
    /// Every webhook post, in the order they were answered.
    pub(crate) deliveries: Vec<Delivery>,
    pub(crate) faults: FaultPlan,
}

impl World {
    /// An organization holding only the bot and an admin.
    pub(crate) fn new() -> Self {
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
            webhooks: Webhooks::new(&org_id),
            catalog: Catalog::new(&org_id),
            org_id,
            bot,
            admin,
            people: vec![bot_person, admin_person],
            rooms: Vec::new(),
            messages: Vec::new(),
            deleted_messages: Vec::new(),
            actions: Vec::new(),
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

    // People

    /// A regular member of the organization who can sign in.
    pub(crate) fn add_person(&mut self, email: &str, display_name: &str) -> SimPerson {
        let (sim, person) =
            Person::signed_in(&self.org_id, email, display_name, "person", json!([]));
        self.people.push(person);
        sim
    }

    /// The person a bearer token belongs to.
    pub(crate) fn caller_with_token(&self, token: &str) -> Option<Caller> {
        let person = self
            .people
            .iter()
            .find(|person| person.token.as_deref() == Some(token))?;
        Some(Caller {
            id: person.id.clone(),
            email: person.email().to_owned(),
        })
    }

    /// Whether Person objects for this caller include the Webex Calling fields: only an
    /// admin's, and only when asked for with `callingData=true`.
    pub(crate) fn shows_calling_data(&self, caller: &Caller, calling_data: bool) -> bool {
        calling_data && caller.id == self.admin.id
    }

    pub(crate) fn person_json(&self, id: &str, calling_data: bool) -> Result<Value, ApiError> {
        self.person(id)
            .map(|person| person.json(calling_data))
            .ok_or_else(|| ApiError::not_found("The requested person was not found."))
    }

    /// People with this email, ignoring case; everyone when no email is given.
    pub(crate) fn people_json(&self, email: Option<&str>, calling_data: bool) -> Vec<Value> {
        self.people
            .iter()
            .filter(|person| email.is_none_or(|email| person.has_email(email)))
            .map(|person| person.json(calling_data))
            .collect()
    }

    fn person(&self, id: &str) -> Option<&Person> {
        self.people.iter().find(|person| person.id == id)
    }

    pub(crate) fn person_count(&self) -> usize {
        self.people.len()
    }

    /// Create a Person: only an admin may, every license, role, location and manager it
    /// names must exist, a Webex Calling user must come whole, and an email may belong to
    /// one person only.
    ///
    /// Unknown fields are kept and echoed, as Webex keeps what it does not check here.
    pub(crate) fn create_person(
        &mut self,
        caller: &Caller,
        mut fields: Map<String, Value>,
        calling_data: bool,
    ) -> Result<Value, ApiError> {
        if caller.id != self.admin.id {
            return Err(ApiError::forbidden(
                "Only an administrator of the organization may create people.",
            ));
        }
        let emails = people::required_emails(&fields)?;
        if ["displayName", "firstName", "lastName"]
            .iter()
            .all(|key| people::trimmed_text(&fields, key).is_empty())
        {
            return Err(ApiError::bad_request(
                "At least one of displayName, firstName or lastName is required.",
            ));
        }
        people::check_assignments(&fields, &self.catalog, |id| self.person(id).is_some())?;
        if let Some(taken) = emails.iter().find(|email| self.has_person_with(email)) {
            return Err(ApiError::conflict(format!(
                "A person with the email {taken} already exists."
            )));
        }
        if people::trimmed_text(&fields, "displayName").is_empty() {
            let full_name = format!(
                "{} {}",
                people::trimmed_text(&fields, "firstName"),
                people::trimmed_text(&fields, "lastName")
            );
            fields.insert("displayName".to_owned(), full_name.trim().into());
        }
        let id = ids::webex_id("PEOPLE");
        fields.insert("id".to_owned(), id.clone().into());
        fields.insert("created".to_owned(), ids::timestamp().into());
        fields.insert("type".to_owned(), "person".into());
        fields.insert("invitePending".to_owned(), "true".into());
        fields.insert("loginEnabled".to_owned(), "false".into());
        fields
            .entry("orgId")
            .or_insert_with(|| self.org_id.clone().into());
        fields.entry("licenses").or_insert_with(|| json!([]));
        fields.entry("roles").or_insert_with(|| json!([]));
        let person = Person::created(id, emails, fields);
        let json = person.json(calling_data);
        self.people.push(person);
        Ok(json)
    }

    /// How many people hold this license: its `consumedUnits`.
    pub(crate) fn license_holders(&self, license_id: &str) -> usize {
        self.people
            .iter()
            .filter(|person| person.holds_license(license_id))
            .count()
    }

    fn has_person_with(&self, email: &str) -> bool {
        self.people.iter().any(|person| person.has_email(email))
    }

    // Rooms

    /// The 1:1 space between two people, created on first use.
    pub(crate) fn direct_room(&mut self, person_id: &str, other_id: &str) -> SimRoom {
        let existing = self.rooms.iter().find(|room| {
            room.kind == RoomKind::Direct && room.has_member(person_id) && room.has_member(other_id)
        });
        if let Some(room) = existing {
            return room.sim();
        }
        let title = self
            .person(other_id)
            .map(Person::display_name)
            .unwrap_or_default()
            .to_owned();
        self.add_room(
            RoomKind::Direct,
            title,
            vec![person_id.to_owned(), other_id.to_owned()],
        )
    }

    /// A group space of these people and the bot.
    pub(crate) fn group_room(&mut self, title: &str, mut member_ids: Vec<String>) -> SimRoom {
        if !member_ids.contains(&self.bot.id) {
            member_ids.push(self.bot.id.clone());
        }
        self.add_room(RoomKind::Group, title.to_owned(), member_ids)
    }

    fn add_room(&mut self, kind: RoomKind, title: String, member_ids: Vec<String>) -> SimRoom {
        let mut room = Room {
            id: ids::webex_id("ROOM"),
            kind,
            title,
            creator_id: member_ids.first().cloned().unwrap_or_default(),
            members: Vec::new(),
            created: ids::timestamp(),
        };
        for person_id in &member_ids {
            room.join(person_id);
        }
        let sim = room.sim();
        self.rooms.push(room);
        sim
    }

    /// Adds a person to a group room; nothing changes when they are in it already.
    ///
    /// # Errors
    /// When the room is unknown or direct: a 1:1 space never gains members.
    pub(crate) fn add_member(&mut self, room_id: &str, person_id: &str) -> Result<(), String> {
        let room = self
            .rooms
            .iter_mut()
            .find(|room| room.id == room_id)
            .ok_or_else(|| format!("the simulator holds no room {room_id}"))?;
        if room.kind == RoomKind::Direct {
            return Err(format!(
                "{room_id} is a 1:1 space, which never gains members"
            ));
        }
        room.join(person_id);
        Ok(())
    }

    /// `GET /v1/memberships`: the memberships of one room, which the caller must be in, or
    /// with no room the caller's own in every room.
    pub(crate) fn memberships_json(
        &self,
        caller: &Caller,
        filter: &MembershipFilter,
    ) -> Result<Vec<Value>, ApiError> {
        let Some(room_id) = &filter.room_id else {
            if filter.person_id.is_some() || filter.person_email.is_some() {
                return Err(ApiError::bad_request(
                    "personId and personEmail filter a room's memberships: give roomId too.",
                ));
            }
            return Ok(self.memberships_of(&caller.id));
        };
        let room = self
            .room(room_id)
            .filter(|room| room.has_member(&caller.id))
            .ok_or_else(room_not_found)?;
        Ok(room
            .members
            .iter()
            .filter_map(|member| Some((member, self.person(&member.person_id)?)))
            .filter(|(_, person)| filter.matches(person))
            .map(|(member, person)| membership_json(room, member, person))
            .collect())
    }

    fn memberships_of(&self, person_id: &str) -> Vec<Value> {
        let Some(person) = self.person(person_id) else {
            return Vec::new();
        };
        self.rooms
            .iter()
            .filter_map(|room| {
                let member = room
                    .members
                    .iter()
                    .find(|member| member.person_id == person_id)?;
                Some(membership_json(room, member, person))
            })
            .collect()
    }

    pub(crate) fn room_json(&self, caller: &Caller, id: &str) -> Result<Value, ApiError> {
        self.room(id)
            .filter(|room| room.has_member(&caller.id))
            .map(Room::json)
            .ok_or_else(room_not_found)
    }

    fn room(&self, id: &str) -> Option<&Room> {
        self.rooms.iter().find(|room| room.id == id)
    }

    fn is_member(&self, person_id: &str, room_id: &str) -> bool {
        self.room(room_id)
            .is_some_and(|room| room.has_member(person_id))
    }

    // Messages

    /// Checks a `POST /v1/messages` as Webex does; the direct room it names is created on first use.
    pub(crate) fn message_from_request(
        &mut self,
        caller: &Caller,
        request: MessageRequest,
    ) -> Result<NewMessage, ApiError> {
        let MessageRequest {
            room_id,
            to_person_id,
            to_person_email,
            text,
            markdown,
            attachments,
            parent_id,
        } = request;
        check_length("text", text.as_deref())?;
        check_length("markdown", markdown.as_deref())?;
        check_attachments(&attachments)?;
        let text = text.filter(|text| !text.trim().is_empty());
        let markdown = markdown.filter(|markdown| !markdown.trim().is_empty());
        if text.is_none() && markdown.is_none() && attachments.is_empty() {
            return Err(ApiError::bad_request(
                "A message needs text, markdown or an attachment.",
            ));
        }
        let room_id = self.target_room(caller, room_id, to_person_id, to_person_email)?;
        if let Some(parent_id) = &parent_id {
            self.check_parent(parent_id, &room_id)?;
        }
        Ok(NewMessage {
            room_id,
            person_id: caller.id.clone(),
            person_email: caller.email.clone(),
            text,
            markdown,
            attachments,
            parent_id,
            ..NewMessage::default()
        })
    }

    fn target_room(
        &mut self,
        caller: &Caller,
        room_id: Option<String>,
        to_person_id: Option<String>,
        to_person_email: Option<String>,
    ) -> Result<String, ApiError> {
        let recipient = match (room_id, to_person_id, to_person_email) {
            (Some(room_id), None, None) => {
                return if self.is_member(&caller.id, &room_id) {
                    Ok(room_id)
                } else {
                    Err(room_not_found())
                };
            }
            (None, Some(person_id), None) => {
                self.people.iter().find(|person| person.id == person_id)
            }
            (None, None, Some(email)) => self.people.iter().find(|person| person.has_email(&email)),
            (None, None, None) => {
                return Err(ApiError::bad_request(
                    "One of roomId, toPersonId or toPersonEmail is required.",
                ));
            }
            _ => {
                return Err(ApiError::bad_request(
                    "Give only one of roomId, toPersonId and toPersonEmail.",
                ));
            }
        };
        let recipient_id = recipient
            .map(|person| person.id.clone())
            .ok_or_else(|| ApiError::not_found("The person to message was not found."))?;
        Ok(self.direct_room(&caller.id, &recipient_id).id)
    }

    fn check_parent(&self, parent_id: &str, room_id: &str) -> Result<(), ApiError> {
        let is_thread_start = self
            .message(parent_id)
            .is_some_and(|parent| parent.room_id == room_id && parent.parent_id.is_none());
        if is_thread_start {
            return Ok(());
        }
        Err(ApiError::bad_request(
            "parentId must name a top-level message in the same room.",
        ))
    }

    /// Stores the message and returns it with the webhook deliveries it causes.
    pub(crate) fn create_message(&mut self, new: NewMessage) -> (SimMessage, Vec<Delivery>) {
        let message = SimMessage {
            id: ids::webex_id("MESSAGE"),
            room_id: new.room_id,
            person_id: new.person_id,
            person_email: new.person_email,
            text: new.text,
            markdown: new.markdown,
            html: new.html,
            attachments: new.attachments,
            parent_id: new.parent_id,
            mentioned_people: new.mentioned_people,
            created: ids::timestamp(),
        };
        self.messages.push(message.clone());
        let data = self.message_webhook_data(&message);
        let deliveries =
            self.webhooks
                .on_created("messages", &message.person_id, &data, |owner_id| {
                    self.sees(owner_id, &message)
                });
        (message, deliveries)
    }

    pub(crate) fn message_json(&self, message: &SimMessage) -> Value {
        Value::Object(present_fields(json!({
            "id": message.id,
            "roomId": message.room_id,
            "roomType": self.room_type(&message.room_id),
            "text": message.text,
            "markdown": message.markdown,
            "html": message.html,
            "attachments": non_empty(&message.attachments),
            "parentId": message.parent_id,
            "personId": message.person_id,
            "personEmail": message.person_email,
            "mentionedPeople": non_empty(&message.mentioned_people),
            "created": message.created,
        })))
    }

    /// What the webhook says of a message: no text, so the bot must fetch it with its token.
    fn message_webhook_data(&self, message: &SimMessage) -> Value {
        Value::Object(present_fields(json!({
            "id": message.id,
            "roomId": message.room_id,
            "roomType": self.room_type(&message.room_id),
            "personId": message.person_id,
            "personEmail": message.person_email,
            "mentionedPeople": non_empty(&message.mentioned_people),
            "created": message.created,
        })))
    }

    fn room_type(&self, room_id: &str) -> Option<&'static str> {
        self.room(room_id).map(|room| room.kind.as_str())
    }

    /// Whether a person may see a message: a member sees all of a room, except that a bot
    /// sees only the group messages that mention it, and its own.
    fn sees(&self, viewer_id: &str, message: &SimMessage) -> bool {
        let Some(room) = self.room(&message.room_id) else {
            return false;
        };
        room.has_member(viewer_id)
            && (room.kind == RoomKind::Direct
                || viewer_id != self.bot.id
                || message.person_id == viewer_id
                || message.mentioned_people.iter().any(|id| id == viewer_id))
    }

    fn message(&self, id: &str) -> Option<&SimMessage> {
        self.messages.iter().find(|message| message.id == id)
    }

    pub(crate) fn message_for(&self, caller: &Caller, id: &str) -> Result<Value, ApiError> {
        self.message(id)
            .filter(|message| self.sees(&caller.id, message))
            .map(|message| self.message_json(message))
            .ok_or_else(message_not_found)
    }

    pub(crate) fn delete_message(&mut self, caller: &Caller, id: &str) -> Result<(), ApiError> {
        let index = self
            .messages
            .iter()
            .position(|message| message.id == id && self.sees(&caller.id, message))
            .ok_or_else(message_not_found)?;
        if self.messages[index].person_id != caller.id {
            return Err(ApiError::forbidden(
                "Only the sender of a message may delete it.",
            ));
        }
        let deleted = self.messages.remove(index);
        self.deleted_messages.push(deleted);
        Ok(())
    }

    pub(crate) fn messages_in(&self, room_id: &str) -> Vec<SimMessage> {
        self.messages
            .iter()
            .filter(|message| message.room_id == room_id)
            .cloned()
            .collect()
    }

    // Card submissions

    /// Submits the card on a message as this person, and returns the action's id with the
    /// webhook deliveries it causes; None when there is no such message, deleted or not.
    ///
    /// As in Webex, the `data` of the card's first `Action.Submit` is merged into the
    /// inputs (a submitted input with the same key wins) and every value becomes a string.
    ///
    /// A deleted card can still be submitted, as from a client that has not yet noticed it
    /// is gone: whether Webex accepts that is unverified, and the bot must cope if it does.
    pub(crate) fn submit(
        &mut self,
        person: &SimPerson,
        card_message_id: &str,
        submitted: &Value,
    ) -> Option<(String, Vec<Delivery>)> {
        let card_message = self.message(card_message_id).or_else(|| {
            self.deleted_messages
                .iter()
                .find(|message| message.id == card_message_id)
        })?;
        let mut merged = card_message
            .attachments
            .first()
            .and_then(|attachment| attachment.get("content"))
            .and_then(first_submit_data)
            .unwrap_or_default();
        if let Some(submitted) = submitted.as_object() {
            merged.extend(submitted.clone());
        }
        let action = AttachmentAction {
            id: ids::webex_id("ATTACHMENT_ACTION"),
            message_id: card_message_id.to_owned(),
            person_id: person.id.clone(),
            room_id: card_message.room_id.clone(),
            inputs: merged
                .into_iter()
                .map(|(key, value)| (key, Value::String(into_text(value))))
                .collect(),
            created: ids::timestamp(),
        };
        // Unverified in Webex: here every member of the room with a webhook hears of it.
        let deliveries = self.webhooks.on_created(
            "attachmentActions",
            &person.id,
            &action.webhook_data(),
            |owner_id| self.is_member(owner_id, &action.room_id),
        );
        let id = action.id.clone();
        self.actions.push(action);
        Some((id, deliveries))
    }

    pub(crate) fn action_json(&self, caller: &Caller, id: &str) -> Result<Value, ApiError> {
        self.actions
            .iter()
            .find(|action| action.id == id && self.is_member(&caller.id, &action.room_id))
            .map(AttachmentAction::json)
            .ok_or_else(|| ApiError::not_found("The requested attachment action was not found."))
    }
}

/// The filters of `GET /v1/memberships`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MembershipFilter {
    room_id: Option<String>,
    person_id: Option<String>,
    /// Compared without regard to case, as Webex compares emails.
    person_email: Option<String>,
}

impl MembershipFilter {
    fn matches(&self, person: &Person) -> bool {
        self.person_id.as_ref().is_none_or(|id| *id == person.id)
            && self
                .person_email
                .as_ref()
                .is_none_or(|email| person.has_email(email))
    }
}

fn membership_json(room: &Room, member: &Member, person: &Person) -> Value {
    json!({
        "id": member.id,
        "roomId": room.id,
        "roomType": room.kind.as_str(),
        "personId": person.id,
        "personEmail": person.email(),
        "personDisplayName": person.display_name(),
        "personOrgId": person.org_id(),
        "isModerator": false,
        "isMonitor": false,
        "created": member.created,
    })
}

fn room_not_found() -> ApiError {
    ApiError::not_found("The requested room was not found.")
}

fn message_not_found() -> ApiError {
    ApiError::not_found("The requested message was not found.")
}

fn check_length(field: &str, value: Option<&str>) -> Result<(), ApiError> {
    let length = value.map_or(0, str::len);
    if length > MAX_MESSAGE_BYTES {
        return Err(ApiError::bad_request(format!(
            "{field} is {length} bytes long; Webex accepts at most {MAX_MESSAGE_BYTES}."
        )));
    }
    Ok(())
}

fn check_attachments(attachments: &[Value]) -> Result<(), ApiError> {
    if attachments.len() > 1 {
        return Err(ApiError::bad_request(
            "Only one attachment is allowed per message.",
        ));
    }
    let is_card = |attachment: &Value| {
        attachment.get("contentType").and_then(Value::as_str) == Some(ADAPTIVE_CARD)
            && attachment.get("content").is_some_and(Value::is_object)
    };
    if !attachments.iter().all(is_card) {
        return Err(ApiError::bad_request(format!(
            "An attachment must be {{\"contentType\": \"{ADAPTIVE_CARD}\", \"content\": {{card}}}}."
        )));
    }
    Ok(())
}

/// The `data` of a card's first `Action.Submit`: among its top-level actions first, where
/// a submit button usually is, then in the body's action sets.
fn first_submit_data(card: &Value) -> Option<Map<String, Value>> {
    ["actions", "body"]
        .iter()
        .find_map(|key| card.get(key).and_then(find_submit_data))
}

fn find_submit_data(value: &Value) -> Option<Map<String, Value>> {
    match value {
        Value::Object(fields) if fields.get("type") == Some(&json!("Action.Submit")) => Some(
            fields
                .get("data")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
        ),
        Value::Object(fields) => fields.values().find_map(find_submit_data),
        Value::Array(items) => items.iter().find_map(find_submit_data),
        _ => None,
    }
}

/// A submitted value as the string Webex turns every input into.
fn into_text(value: Value) -> String {
    match value {
        Value::String(text) => text,
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn submit_data_comes_from_the_first_submit_action_of_the_card() {
        let card = json!({
            "type": "AdaptiveCard",
            "body": [{ "type": "ActionSet", "actions": [
                { "type": "Action.Submit", "data": { "from": "body" } }
            ]}],
            "actions": [
                { "type": "Action.OpenUrl", "url": "https://example.com" },
                { "type": "Action.Submit", "data": { "action": "onboard", "n": 1 } },
                { "type": "Action.Submit", "data": { "action": "cancel" } }
            ]
        });
        let data = first_submit_data(&card).expect("the card has a submit action");
        assert_eq!(Value::Object(data), json!({ "action": "onboard", "n": 1 }));
    }

    #[test]
    fn a_bot_sees_group_messages_only_when_mentioned_or_its_own() {
        let mut world = World::new();
        let alice = world.add_person("alice@example.com", "Alice");
        let bot_id = world.bot().id.clone();
        let room = world.group_room("Team", vec![alice.id.clone()]);
        let message = |person_id: &str, mentioned: Vec<String>| NewMessage {
            room_id: room.id.clone(),
            person_id: person_id.to_owned(),
            text: Some("hello".to_owned()),
            mentioned_people: mentioned,
            ..NewMessage::default()
        };
        let (plain, _) = world.create_message(message(&alice.id, vec![]));
        let (mention, _) = world.create_message(message(&alice.id, vec![bot_id.clone()]));
        let (own, _) = world.create_message(message(&bot_id, vec![]));

        assert!(!world.sees(&bot_id, &plain));
        assert!(world.sees(&bot_id, &mention));
        assert!(world.sees(&bot_id, &own));
        assert!(world.sees(&alice.id, &plain));
    }
}
