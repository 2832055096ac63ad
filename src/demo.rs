//! `webex-onboard demo`: the bot and the simulator on loopback, and a manager who onboards a
//! new hire, submits the same card twice, and then submits a form with mistakes.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::cards;
use crate::domain::Templates;
use crate::sandbox::{Sandbox, SandboxOptions};
use webex_sim::{SimMessage, SimPerson, SimRoom, Simulator};

/// How long the demo waits for any one answer of the bot.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(15);

/// Why the demo did not play to the end.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("cannot start: {0}")]
    Start(String),
    #[error("cannot write the transcript: {0}")]
    Output(#[from] std::io::Error),
    #[error("the bot did not answer \"{0}\" in time")]
    NoAnswer(String),
    #[error("the conversation went wrong: {0}")]
    Unexpected(String),
}

/// One side of the conversation, with what it has seen so far.
struct Conversation<'a, W: Write> {
    sim: &'a Simulator,
    room: SimRoom,
    manager: SimPerson,
    /// The bot's messages printed so far.
    seen: HashSet<String>,
    out: &'a mut W,
}

impl<W: Write> Conversation<'_, W> {
    async fn say(&mut self, text: &str) -> Result<Vec<SimMessage>, DemoError> {
        writeln!(self.out, "{} › {text}", self.manager.display_name)?;
        self.sim.say(&self.manager, &self.room, text).await;
        self.answers(text).await
    }

    async fn submit(
        &mut self,
        card: &SimMessage,
        inputs: Value,
    ) -> Result<Vec<SimMessage>, DemoError> {
        let fields: Vec<String> = inputs
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
            .collect();
        writeln!(
            self.out,
            "{} ▸ submits the card: {}",
            self.manager.display_name,
            fields.join(", ")
        )?;
        self.sim.submit(&self.manager, &card.id, inputs).await;
        self.answers("the card").await
    }

    /// The approver decides on the newest approval card in the approvers' space, and the
    /// approvers' answer is printed; the conversation goes on in the requester's space.
    async fn approve(
        &mut self,
        approver: &SimPerson,
        approvers: &SimRoom,
        action: &str,
        reason: &str,
    ) -> Result<(), DemoError> {
        let (room, requester) = (self.room.clone(), self.manager.clone());
        writeln!(self.out, "(in the approvers' space)")?;
        self.room = approvers.clone();
        self.manager = approver.clone();
        let result = async {
            let cards = self.answers("the request").await?;
            let card = card_in(&cards)?;
            self.submit(&card, json!({"action": action, "reason": reason}))
                .await
        }
        .await;
        self.room = room;
        self.manager = requester;
        writeln!(self.out, "(back in {}'s space)", self.manager.display_name)?;
        result.map(|_| ())
    }

    /// Waits for the bot's next message and prints it.
    async fn answers(&mut self, to: &str) -> Result<Vec<SimMessage>, DemoError> {
        self.answers_at_least(1, to).await
    }

    /// Waits until the bot has said `count` new things, and prints them.
    async fn answers_at_least(
        &mut self,
        count: usize,
        to: &str,
    ) -> Result<Vec<SimMessage>, DemoError> {
        let bot = self.sim.bot().id;
        let deadline = tokio::time::Instant::now() + ANSWER_TIMEOUT;
        let new = loop {
            let new: Vec<SimMessage> = self
                .sim
                .messages_in(&self.room.id)
                .into_iter()
                .filter(|m| m.person_id == bot && !self.seen.contains(&m.id))
                .collect();
            if new.len() >= count {
                break new;
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(DemoError::NoAnswer(to.to_owned()));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        for message in &new {
            self.seen.insert(message.id.clone());
            self.print_bot(message)?;
        }
        Ok(new)
    }

    fn print_bot(&mut self, message: &SimMessage) -> Result<(), DemoError> {
        let name = self.sim.bot().display_name;
        let indent = " ".repeat(name.chars().count() + 3);
        if let Some(card) = message.attachments.first() {
            let content = &card["content"];
            let title = content["body"][0]["text"].as_str().unwrap_or("a form");
            writeln!(self.out, "{name} › [card] {title}")?;
            let fields: Vec<String> = cards::inputs(content)
                .into_iter()
                .map(|input| {
                    let required = if input["isRequired"] == true { "*" } else { "" };
                    let label = input["label"].as_str().unwrap_or("?");
                    format!(
                        "{label}{required} ({})",
                        input["id"].as_str().unwrap_or("?")
                    )
                })
                .collect();
            writeln!(self.out, "{indent}fields: {}", fields.join(" · "))?;
            // A form sent again says why; the first form's text is only the fallback.
            let text = message.markdown.as_deref().unwrap_or("");
            if text != crate::replies::ONBOARDING_FALLBACK {
                for line in text.lines().filter(|l| !l.is_empty()) {
                    writeln!(self.out, "{indent}{line}")?;
                }
            }
            return Ok(());
        }
        let text = message
            .markdown
            .as_deref()
            .or(message.text.as_deref())
            .unwrap_or("");
        let threaded = if message.parent_id.is_some() {
            " (in the card's thread)"
        } else {
            ""
        };
        for (n, line) in text.lines().enumerate() {
            if line.is_empty() {
                writeln!(self.out)?;
                continue;
            }
            let lead = if n == 0 {
                format!("{name} › ")
            } else {
                indent.clone()
            };
            writeln!(
                self.out,
                "{lead}{line}{}",
                if n == 0 { threaded } else { "" }
            )?;
        }
        Ok(())
    }
}

fn card_in(messages: &[SimMessage]) -> Result<SimMessage, DemoError> {
    messages
        .iter()
        .find(|m| !m.attachments.is_empty())
        .cloned()
        .ok_or_else(|| DemoError::Unexpected("the bot sent no card".to_owned()))
}

/// Plays the conversation and writes its transcript to `out`; with `keep_db`, the bot's
/// database is written there and left for `audit`.
pub async fn run(out: &mut impl Write, keep_db: Option<&Path>) -> Result<(), DemoError> {
    if let Some(path) = keep_db
        && path.exists()
    {
        return Err(DemoError::Start(format!(
            "{} exists already: give --keep-db a new file",
            path.display()
        )));
    }
    let sim = Simulator::start()
        .await
        .map_err(|e| DemoError::Start(e.to_string()))?;
    let manager = sim.add_person("mia.manager@example.com", "Mia Manager");
    // The engineering template: a space, a team, a license and a welcome. The simulated Webex
    // leaves that license out at the create, as Webex sometimes does, for the bot to repair.
    let space = sim.group_room("Engineering", &[&manager]);
    let team = sim.team("Platform", &[&manager]);
    let meetings = sim.add_license("Webex Meetings", 100);
    sim.leave_license_unassigned(&meetings);
    let templates = Templates::parse(&format!(
        "[[template]]\nname = \"Engineering\"\ndepartments = [\"Engineering\"]\n\
         licenses = [\"Webex Meetings\"]\nrooms = [\"{}\"]\nteams = [\"{}\"]\n\
         welcome = \"Welcome to the team, {{firstName}}! {{managerName}} will meet you on \
         {{startDate}}.\"\n",
        space.id, team.id
    ))
    .map_err(|e| DemoError::Start(e.to_string()))?;
    let ana = sim.add_person("ana.approver@example.com", "Ana Approver");
    let approvers = sim.group_room("Onboarding approvers", &[&ana]);
    let options = SandboxOptions {
        templates,
        approvers_room: Some(approvers.id.clone()),
        database_url: keep_db.map(|path| format!("sqlite://{}", path.display())),
        ..SandboxOptions::default()
    };
    let sandbox = Sandbox::start(sim.clone(), options)
        .await
        .map_err(|e| DemoError::Start(e.to_string()))?;
    writeln!(out, "webex-onboard demo")?;
    writeln!(out, "  simulated Webex: {}", sim.api_url())?;
    writeln!(
        out,
        "  bot:             {} (webhooks registered there)",
        sandbox.bot_url
    )?;
    writeln!(out, "  allowed to onboard: anyone @example.com")?;
    writeln!(
        out,
        "  approvers: the space \"Onboarding approvers\" (Ana Approver)\n"
    )?;
    let room = sim.direct_room(&manager);
    let mut talk = Conversation {
        sim: &sim,
        room,
        manager,
        seen: HashSet::new(),
        out,
    };

    let card = card_in(&talk.say("onboard").await?)?;
    let new_hire = json!({
        "email": "jane.doe@example.com", "firstName": "Jane", "lastName": "Doe",
        "department": "Engineering", "title": "Site Reliability Engineer"
    });
    let fields = "the card";
    writeln!(
        talk.out,
        "{} ▸ submits {fields}: Jane Doe, jane.doe@example.com, Engineering",
        talk.manager.display_name
    )?;
    talk.sim
        .submit(&talk.manager, &card.id, new_hire.clone())
        .await;
    talk.answers(fields).await?;
    talk.approve(&ana, &approvers, "approve", "").await?;
    writeln!(
        talk.out,
        "(the Engineering template applies: a license, a space, a team and a welcome, each \
         a step of its own)"
    )?;
    // The result, the repaired license, the space, the team and the welcome.
    talk.answers_at_least(5, fields).await?;
    for welcome in sim.direct_messages_with("jane.doe@example.com") {
        writeln!(
            talk.out,
            "(Jane's 1:1 space) {} › {}",
            sim.bot().display_name,
            welcome.markdown.as_deref().unwrap_or("")
        )?;
    }
    writeln!(talk.out, "\n(the same card, submitted a second time)")?;
    talk.submit(&card, new_hire).await?;
    writeln!(talk.out)?;
    let card = card_in(&talk.say("onboard").await?)?;
    let bad = json!({"email": "john.smith@", "firstName": " "});
    let again = card_in(&talk.submit(&card, bad).await?)?;
    writeln!(
        talk.out,
        "\n(the form came back with the values entered; corrected, it goes through)"
    )?;
    let fixed =
        json!({"email": "john.smith@example.com", "firstName": "John", "lastName": "Smith"});
    talk.submit(&again, fixed).await?;
    talk.approve(&ana, &approvers, "approve", "").await?;
    talk.answers("the approval").await?;
    writeln!(talk.out)?;
    let card = card_in(&talk.say("onboard").await?)?;
    let dropped = json!({"email": "max.mustermann@example.com", "firstName": "Max"});
    talk.submit(&card, dropped).await?;
    talk.approve(
        &ana,
        &approvers,
        "reject",
        "Max's contract is not signed yet",
    )
    .await?;
    talk.answers("the rejection").await?;

    let jane = sim.people_with_email("jane.doe@example.com").len();
    let john = sim.people_with_email("john.smith@example.com").len();
    let jane_licensed = sim
        .person_licenses("jane.doe@example.com")
        .contains(&meetings);
    let welcomes = sim.direct_messages_with("jane.doe@example.com").len();
    let in_space = sim.room_members(&space.id).len();
    writeln!(
        talk.out,
        "\nResult: {jane} account for jane.doe@example.com and {john} for john.smith@example.com \
         in the simulated Webex; {} people in its directory.",
        sim.person_count()
    )?;
    sandbox.stop().await?;
    if (jane, john) != (1, 1) {
        return Err(DemoError::Unexpected(format!(
            "{jane} and {john} accounts were created instead of one each"
        )));
    }
    if !jane_licensed || welcomes != 1 {
        return Err(DemoError::Unexpected(format!(
            "Jane has the license: {jane_licensed}; welcomes sent: {welcomes}; {in_space} in \
             the space"
        )));
    }
    Ok(())
}
