//! Spaces and teams, as tests set them up and look at them.

use crate::{SimPerson, SimRoom, SimTeam, Simulator};

impl Simulator {
    /// The 1:1 space between this person and the bot; the same room on every call.
    pub fn direct_room(&self, person: &SimPerson) -> SimRoom {
        let mut world = self.shared.world();
        let bot_id = world.bot().id.clone();
        world.direct_room(&person.id, &bot_id)
    }

    /// A new group space of these people and the bot.
    pub fn group_room(&self, title: &str, members: &[&SimPerson]) -> SimRoom {
        let member_ids = members.iter().map(|person| person.id.clone()).collect();
        self.shared.world().group_room(title, member_ids)
    }

    /// Adds a person to a group space; nothing changes when they are in it already.
    ///
    /// # Panics
    /// When the room is a 1:1 space, which never gains members, or unknown: the test is wrong.
    pub fn add_member(&self, room: &SimRoom, person: &SimPerson) {
        if let Err(reason) = self.shared.world().add_member(&room.id, &person.id) {
            panic!("add_member: {reason}");
        }
    }

    /// A new group space of these people, without the bot: the bot can neither read it nor
    /// add anyone to it.
    pub fn room_without_bot(&self, title: &str, members: &[&SimPerson]) -> SimRoom {
        let member_ids = members.iter().map(|person| person.id.clone()).collect();
        self.shared.world().room_without_bot(title, member_ids)
    }

    /// The ids of the room's members, in the order they joined; empty for an unknown room.
    pub fn room_members(&self, room_id: &str) -> Vec<String> {
        self.shared.world().room_members(room_id)
    }

    /// A new team of these people and the bot, as [`Simulator::group_room`] makes a space.
    pub fn team(&self, name: &str, members: &[&SimPerson]) -> SimTeam {
        let mut member_ids: Vec<String> = members.iter().map(|person| person.id.clone()).collect();
        member_ids.push(self.bot().id);
        self.shared.world().add_team(name, &member_ids)
    }

    /// A new team of these people, without the bot.
    pub fn team_without_bot(&self, name: &str, members: &[&SimPerson]) -> SimTeam {
        let member_ids: Vec<String> = members.iter().map(|person| person.id.clone()).collect();
        self.shared.world().add_team(name, &member_ids)
    }

    /// The ids of the team's members, in the order they joined; empty for an unknown team.
    pub fn team_members(&self, team_id: &str) -> Vec<String> {
        self.shared.world().team_members(team_id)
    }
}
