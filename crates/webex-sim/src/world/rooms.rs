//! Spaces and who is in them: 1:1 spaces, group spaces, and their memberships.

use serde::Deserialize;
use serde_json::{Value, json};

use super::World;
use super::people::Person;
use crate::error::ApiError;
use crate::gateway::Caller;
use crate::ids;

/// A space, as tests address it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimRoom {
    pub id: String,
    /// "direct" or "group".
    pub room_type: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RoomKind {
    Direct,
    Group,
}

impl RoomKind {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::Group => "group",
        }
    }
}

/// A person's place in a room: Webex lists these as memberships.
pub(super) struct Member {
    /// The membership's own id, not the person's.
    id: String,
    pub(super) person_id: String,
    is_moderator: bool,
    created: String,
}

/// The body of `POST /v1/memberships`: the fields of the spec's request schema, no others.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct NewMembership {
    room_id: String,
    person_id: Option<String>,
    person_email: Option<String>,
    #[serde(default)]
    is_moderator: bool,
}

pub(super) struct Room {
    pub(super) id: String,
    pub(super) kind: RoomKind,
    title: String,
    /// In the order they joined.
    pub(super) members: Vec<Member>,
    creator_id: String,
    created: String,
}

impl Room {
    pub(super) fn has_member(&self, person_id: &str) -> bool {
        self.members
            .iter()
            .any(|member| member.person_id == person_id)
    }

    fn join(&mut self, person_id: &str, is_moderator: bool) {
        if !self.has_member(person_id) {
            self.members.push(Member {
                id: ids::webex_id("MEMBERSHIP"),
                person_id: person_id.to_owned(),
                is_moderator,
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

impl World {
    /// The 1:1 space between two people, created on first use.
    pub(crate) fn direct_room(&mut self, person_id: &str, other_id: &str) -> SimRoom {
        if let Some(room) = self.existing_direct_room(person_id, other_id) {
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

    /// The 1:1 space between two people, when they have one.
    pub(super) fn existing_direct_room(&self, person_id: &str, other_id: &str) -> Option<&Room> {
        self.rooms.iter().find(|room| {
            room.kind == RoomKind::Direct && room.has_member(person_id) && room.has_member(other_id)
        })
    }

    /// A group space of these people and the bot.
    pub(crate) fn group_room(&mut self, title: &str, mut member_ids: Vec<String>) -> SimRoom {
        if !member_ids.contains(&self.bot.id) {
            member_ids.push(self.bot.id.clone());
        }
        self.add_room(RoomKind::Group, title.to_owned(), member_ids)
    }

    /// A group space of these people only: the bot is not in it.
    pub(crate) fn room_without_bot(&mut self, title: &str, member_ids: Vec<String>) -> SimRoom {
        self.add_room(RoomKind::Group, title.to_owned(), member_ids)
    }

    /// The ids of a room's members, in the order they joined; none for an unknown room.
    pub(crate) fn room_members(&self, room_id: &str) -> Vec<String> {
        self.room(room_id)
            .map(|room| {
                room.members
                    .iter()
                    .map(|member| member.person_id.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `POST /v1/memberships`: the caller, a member of the group space, adds someone to it.
    ///
    /// # Errors
    /// 404 for an unknown room or person, 403 when the caller is not in the room (whether
    /// Webex says 403 or 404 is unverified), 400 for a 1:1 space, 409 when the person is in
    /// it already.
    pub(crate) fn add_membership(
        &mut self,
        caller: &Caller,
        new: NewMembership,
    ) -> Result<Value, ApiError> {
        let person = self.person_named(new.person_id.as_deref(), new.person_email.as_deref())?;
        let index = self
            .rooms
            .iter()
            .position(|room| room.id == new.room_id)
            .ok_or_else(room_not_found)?;
        let room = &self.rooms[index];
        if !room.has_member(&caller.id) {
            return Err(ApiError::forbidden(
                "Only a member of the room may add people to it.",
            ));
        }
        if room.kind == RoomKind::Direct {
            return Err(ApiError::bad_request("A 1:1 space never gains members."));
        }
        if room.has_member(&person.id) {
            return Err(ApiError::conflict(
                "The person is a member of the room already.",
            ));
        }
        let person_id = person.id.clone();
        self.rooms[index].join(&person_id, new.is_moderator);
        let room = &self.rooms[index];
        let member = room.members.last().ok_or_else(room_not_found)?;
        let person = self.person_named(Some(&person_id), None)?;
        Ok(membership_json(room, member, person))
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
            room.join(person_id, false);
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
        room.join(person_id, false);
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

    pub(super) fn room(&self, id: &str) -> Option<&Room> {
        self.rooms.iter().find(|room| room.id == id)
    }

    pub(super) fn is_member(&self, person_id: &str, room_id: &str) -> bool {
        self.room(room_id)
            .is_some_and(|room| room.has_member(person_id))
    }
}

/// The filters of `GET /v1/memberships`.
#[derive(Debug, Default)]
pub(crate) struct MembershipFilter {
    pub(crate) room_id: Option<String>,
    pub(crate) person_id: Option<String>,
    /// Compared without regard to case, as Webex compares emails.
    pub(crate) person_email: Option<String>,
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
        "isModerator": member.is_moderator,
        "isMonitor": false,
        "created": member.created,
    })
}

pub(super) fn room_not_found() -> ApiError {
    ApiError::not_found("The requested room was not found.")
}
