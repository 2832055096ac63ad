//! Teams and their memberships: a new hire joins their team as well as its spaces.
//!
//! A Webex team also has spaces of its own (a "General" space first); they are not
//! simulated: team membership here is the list `GET /v1/team/memberships` gives.

use serde::Deserialize;
use serde_json::{Value, json};

use super::World;
use super::people::Person;
use crate::error::ApiError;
use crate::gateway::Caller;
use crate::ids;

/// A team, as tests address it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimTeam {
    pub id: String,
    pub name: String,
}

/// A person's place in a team.
struct TeamMember {
    /// The team membership's own id, not the person's.
    id: String,
    person_id: String,
    is_moderator: bool,
    created: String,
}

pub(super) struct Team {
    id: String,
    name: String,
    /// In the order they joined.
    members: Vec<TeamMember>,
    created: String,
}

impl Team {
    fn has_member(&self, person_id: &str) -> bool {
        self.members
            .iter()
            .any(|member| member.person_id == person_id)
    }

    fn join(&mut self, person_id: &str, is_moderator: bool) {
        self.members.push(TeamMember {
            id: ids::webex_id("TEAM_MEMBERSHIP"),
            person_id: person_id.to_owned(),
            is_moderator,
            created: ids::timestamp(),
        });
    }

    fn json(&self) -> Value {
        json!({ "id": self.id, "name": self.name, "created": self.created })
    }

    fn membership_json(&self, member: &TeamMember, person: &Person) -> Value {
        json!({
            "id": member.id,
            "teamId": self.id,
            "personId": person.id,
            "personEmail": person.email(),
            "personDisplayName": person.display_name(),
            "personOrgId": person.org_id(),
            "isModerator": member.is_moderator,
            "created": member.created,
        })
    }
}

/// The body of `POST /v1/team/memberships`: the fields of the spec's request schema only.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct NewTeamMembership {
    team_id: String,
    person_id: Option<String>,
    person_email: Option<String>,
    #[serde(default)]
    is_moderator: bool,
}

impl World {
    /// A new team of these people.
    pub(crate) fn add_team(&mut self, name: &str, member_ids: &[String]) -> SimTeam {
        let mut team = Team {
            id: ids::webex_id("TEAM"),
            name: name.to_owned(),
            members: Vec::new(),
            created: ids::timestamp(),
        };
        for person_id in member_ids {
            if !team.has_member(person_id) {
                team.join(person_id, false);
            }
        }
        let sim = SimTeam {
            id: team.id.clone(),
            name: team.name.clone(),
        };
        self.teams.push(team);
        sim
    }

    /// The ids of a team's members, in the order they joined; none for an unknown team.
    pub(crate) fn team_members(&self, team_id: &str) -> Vec<String> {
        self.team(team_id)
            .map(|team| {
                team.members
                    .iter()
                    .map(|member| member.person_id.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn team(&self, id: &str) -> Option<&Team> {
        self.teams.iter().find(|team| team.id == id)
    }

    /// A team its member asks for; 404 for anyone else, as for a team that does not exist.
    fn team_of(&self, caller: &Caller, id: &str) -> Result<&Team, ApiError> {
        self.team(id)
            .filter(|team| team.has_member(&caller.id))
            .ok_or_else(team_not_found)
    }

    /// `GET /v1/teams/{teamId}`.
    pub(crate) fn team_json(&self, caller: &Caller, id: &str) -> Result<Value, ApiError> {
        self.team_of(caller, id).map(Team::json)
    }

    /// `GET /v1/team/memberships?teamId=`: the team's memberships, to its members.
    pub(crate) fn team_memberships_json(
        &self,
        caller: &Caller,
        team_id: &str,
    ) -> Result<Vec<Value>, ApiError> {
        let team = self.team_of(caller, team_id)?;
        Ok(team
            .members
            .iter()
            .filter_map(|member| {
                Some(team.membership_json(member, self.person(&member.person_id)?))
            })
            .collect())
    }

    /// `POST /v1/team/memberships`: a member of the team adds someone to it.
    ///
    /// # Errors
    /// 404 for an unknown team or person, 403 when the caller is not in the team (whether
    /// Webex says 403 or 404 is unverified), 409 when the person is in it already.
    pub(crate) fn add_team_membership(
        &mut self,
        caller: &Caller,
        new: NewTeamMembership,
    ) -> Result<Value, ApiError> {
        let person = self.person_named(new.person_id.as_deref(), new.person_email.as_deref())?;
        let person_id = person.id.clone();
        let index = self
            .teams
            .iter()
            .position(|team| team.id == new.team_id)
            .ok_or_else(team_not_found)?;
        let team = &self.teams[index];
        if !team.has_member(&caller.id) {
            return Err(ApiError::forbidden(
                "Only a member of the team may add people to it.",
            ));
        }
        if team.has_member(&person_id) {
            return Err(ApiError::conflict(
                "The person is a member of the team already.",
            ));
        }
        self.teams[index].join(&person_id, new.is_moderator);
        let team = &self.teams[index];
        let member = team.members.last().ok_or_else(team_not_found)?;
        let person = self.person_named(Some(&person_id), None)?;
        Ok(team.membership_json(member, person))
    }
}

fn team_not_found() -> ApiError {
    ApiError::not_found("The requested team was not found.")
}
