//! People and what the organization offers them, as tests set them up and look at them.

use serde_json::Value;

use crate::{SimPerson, Simulator};

impl Simulator {
    /// The bot: display name "Onboarding Bot", email "onboard-bot@webex.bot".
    pub fn bot(&self) -> SimPerson {
        self.shared.world().bot().clone()
    }

    /// An administrator of the organization, whose token may create people.
    pub fn admin(&self) -> SimPerson {
        self.shared.world().admin().clone()
    }

    /// A regular member of the organization, with a token of their own.
    pub fn add_person(&self, email: &str, display_name: &str) -> SimPerson {
        self.shared.world().add_person(email, display_name)
    }

    /// The Person objects with this email, ignoring case, with every field Webex stores:
    /// the Webex Calling ones too, as an admin sees them with `callingData=true`.
    pub fn people_with_email(&self, email: &str) -> Vec<Value> {
        self.shared.world().people_with_email(email)
    }

    /// How many people the organization holds, the bot and the admin included.
    pub fn person_count(&self) -> usize {
        self.shared.world().person_count()
    }

    /// Offers a license with this many units, and returns its id. A name containing
    /// "Calling" makes it a Webex Calling license.
    pub fn add_license(&self, name: &str, total_units: u64) -> String {
        self.shared.world().catalog.add_license(name, total_units)
    }

    /// Adds a location of the organization, and returns its id.
    pub fn add_location(&self, name: &str) -> String {
        self.shared.world().catalog.add_location(name)
    }

    /// Adds a role people may be given, and returns its id. The organization starts with
    /// "Full Administrator", the admin's role.
    pub fn add_role(&self, name: &str) -> String {
        self.shared.world().catalog.add_role(name)
    }

    /// From now on, Create a Person silently leaves this license unassigned although it
    /// was asked for, as Webex documents it may: the answer still echoes the request, and
    /// reading the person back shows the truth.
    pub fn leave_license_unassigned(&self, license_id: &str) {
        self.shared.world().leave_license_unassigned(license_id);
    }

    /// The ids of the licenses the person with this email holds; empty when there is no
    /// such person.
    pub fn person_licenses(&self, email: &str) -> Vec<String> {
        self.shared.world().person_licenses(email)
    }

    /// From now on, at most `rate` Create a Person calls succeed in any one-second window;
    /// beyond it they answer 429 with `Retry-After: retry_after_secs` and create no one.
    /// 0 turns the limit off.
    pub fn limit_creates_per_second(&self, rate: u32, retry_after_secs: u64) {
        self.shared
            .world()
            .limit_creates_per_second(rate, retry_after_secs);
    }
}
