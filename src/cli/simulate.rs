//! `webex-onboard simulate`: the built-in Webex simulator on a port, with a manager, an
//! approver and an approvers' space, and the variables that point `serve` and `say` at it.

use std::net::SocketAddr;
use std::process::ExitCode;

use super::failure::{Class, Failure};
use crate::startup::shutdown_signal;
use webex_sim::Simulator;

/// Runs the simulator on `addr` until Ctrl-C; `bot` is where `serve` will listen.
pub(super) async fn run(addr: SocketAddr, bot: SocketAddr) -> ExitCode {
    let sim = match Simulator::start_on(addr).await {
        Ok(sim) => sim,
        Err(error) => {
            return Failure::new(
                Class::Network,
                format!("cannot listen on {addr}: {error}; choose another --port"),
            )
            .report("simulate");
        }
    };
    let mia = sim.add_person("mia.manager@example.com", "Mia Manager");
    let ana = sim.add_person("ana.approver@example.com", "Ana Approver");
    let approvers = sim.group_room("Onboarding approvers", &[&ana]);
    sim.add_license("Webex Meetings", 100);
    sim.add_license("Webex Calling - Professional", 20);
    sim.add_location("Berlin HQ");
    let api = sim.api_url();
    println!(
        "The simulated Webex runs at {api} (Ctrl-C stops it; nothing is kept).

Run the bot against it, in another terminal:

  export WEBEX_API_URL={api}
  export WEBEX_BOT_TOKEN={bot_token}
  export WEBEX_ADMIN_TOKEN={admin_token}
  export WEBEX_WEBHOOK_SECRET=sandbox-secret
  export LISTEN_ADDR={bot}
  export WEBEX_PUBLIC_URL=http://{bot}
  export METRICS_ADDR=127.0.0.1:0
  export DATABASE_URL=sqlite://sandbox.db
  export ONBOARD_REQUESTERS=@example.com
  export ONBOARD_APPROVERS_ROOM={room}
  export ONBOARD_LICENSES='Webex Meetings'
  webex-onboard serve

Talk to the bot, in a third terminal (WEBEX_API_URL as above):

  export MIA={mia_token}   # mia.manager@example.com, who may onboard
  export ANA={ana_token}   # ana.approver@example.com, in the approvers' space
  webex-onboard say --as $MIA onboard
  webex-onboard say --as $MIA --submit CARD_ID email=jane.doe@example.com firstName=Jane
  webex-onboard say --as $ANA --submit APPROVAL_CARD_ID action=approve
  webex-onboard say --as $MIA        # what the bot said since
",
        bot_token = sim.bot().token,
        admin_token = sim.admin().token,
        room = approvers.id,
        mia_token = mia.token,
        ana_token = ana.token,
    );
    shutdown_signal().await;
    ExitCode::SUCCESS
}
