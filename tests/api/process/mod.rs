//! The real binary, killed and restarted: an acknowledged request is never lost.

mod crashes;

use std::net::SocketAddr;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};
use webex_sim::{Fault, FaultKind, SimMessage, SimPerson, SimRoom, Simulator};

use crate::helpers::{ANSWER, fresh_database, jane, text_of};

/// `webex-onboard serve` in its own process, pointed at the simulator.
pub(crate) struct BotProcess {
    child: Child,
}

impl BotProcess {
    pub(crate) async fn spawn(
        sim: &Simulator,
        database_url: &str,
        addr: SocketAddr,
        secret: &str,
    ) -> Self {
        Self::spawn_behind(sim, database_url, addr, secret, &format!("http://{addr}")).await
    }

    /// A bot whose webhooks deliver to `public_url`, as behind a load balancer.
    pub(crate) async fn spawn_behind(
        sim: &Simulator,
        database_url: &str,
        addr: SocketAddr,
        secret: &str,
        public_url: &str,
    ) -> Self {
        Self::launch(sim, database_url, addr, secret, public_url, &[]).await
    }

    /// A bot for a volume test: one requester may make `requests` requests at once and in an
    /// hour, where the limits on abuse would stop them.
    pub(crate) async fn spawn_for_volume(
        sim: &Simulator,
        database_url: &str,
        addr: SocketAddr,
        secret: &str,
        requests: usize,
    ) -> Self {
        let requests = requests.to_string();
        let limits = [
            ("ONBOARD_MAX_OPEN_REQUESTS", requests.as_str()),
            ("ONBOARD_MAX_REQUESTS_PER_HOUR", requests.as_str()),
        ];
        let public_url = format!("http://{addr}");
        Self::launch(sim, database_url, addr, secret, &public_url, &limits).await
    }

    pub(crate) async fn launch(
        sim: &Simulator,
        database_url: &str,
        addr: SocketAddr,
        secret: &str,
        public_url: &str,
        extra: &[(&str, &str)],
    ) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_webex-onboard"))
            .arg("serve")
            .env_clear()
            .env("WEBEX_BOT_TOKEN", sim.bot().token)
            .env("WEBEX_ADMIN_TOKEN", sim.admin().token)
            .env("WEBEX_WEBHOOK_SECRET", secret)
            .env("WEBEX_API_URL", sim.api_url())
            .env("WEBEX_PUBLIC_URL", public_url)
            .env("LISTEN_ADDR", addr.to_string())
            .env("METRICS_ADDR", "127.0.0.1:0")
            .env("DATABASE_URL", database_url)
            .env("ONBOARD_REQUESTERS", "@example.com")
            .env("RUST_LOG", "warn")
            .envs(extra.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("the binary starts");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + ANSWER;
        while Instant::now() < deadline {
            let ready = http.get(format!("http://{addr}/readyz")).send().await;
            if ready.is_ok_and(|r| r.status() == 200) {
                return Self { child };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the bot did not become ready at {addr}");
    }

    /// The process id, to read its memory from `/proc`.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id().expect("running")
    }

    pub(crate) async fn kill_9(mut self) {
        self.child.kill().await.expect("SIGKILL");
    }

    fn sigterm(&self) {
        let pid = self.child.id().expect("running").to_string();
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    async fn exit_within(&mut self, limit: Duration) -> ExitStatus {
        tokio::time::timeout(limit, self.child.wait())
            .await
            .unwrap_or_else(|_| panic!("the bot did not exit within {limit:?}"))
            .expect("waits")
    }
}

/// A simulator, a database and an address for bot processes.
pub(crate) struct World {
    pub(crate) sim: Simulator,
    database_url: String,
    pub(crate) addr: SocketAddr,
    pub(crate) secret: String,
    _temp: Option<TempDb>,
    _database: Option<crate::helpers::TestDatabase>,
}

struct TempDb(std::path::PathBuf);

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(crate) async fn world() -> World {
    crate::helpers::logs();
    let sim = Simulator::start().await.expect("simulator");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("addr");
    let database = fresh_database().await;
    let (database_url, temp) = match &database {
        Some(db) => (db.url(), None),
        None => {
            let dir =
                std::env::temp_dir().join(format!("webex-onboard-proc-{:016x}", fastrand::u64(..)));
            std::fs::create_dir_all(&dir).expect("temp dir");
            (
                format!("sqlite://{}/bot.db", dir.display()),
                Some(TempDb(dir)),
            )
        }
    };
    World {
        sim,
        database_url,
        addr: port,
        secret: format!("{:032x}", fastrand::u128(..)),
        _temp: temp,
        _database: database,
    }
}

impl World {
    pub(crate) async fn bot(&self) -> BotProcess {
        BotProcess::spawn(&self.sim, &self.database_url, self.addr, &self.secret).await
    }

    /// A bot with these variables set besides the usual ones.
    pub(crate) async fn bot_with(&self, extra: &[(&str, &str)]) -> BotProcess {
        let public_url = format!("http://{}", self.addr);
        BotProcess::launch(
            &self.sim,
            &self.database_url,
            self.addr,
            &self.secret,
            &public_url,
            extra,
        )
        .await
    }

    /// Another replica on the same database, at an address of its own, with these variables set.
    pub(crate) async fn replica_with(&self, extra: &[(&str, &str)]) -> BotProcess {
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("a free port")
            .local_addr()
            .expect("addr");
        let public_url = format!("http://{addr}");
        BotProcess::launch(
            &self.sim,
            &self.database_url,
            addr,
            &self.secret,
            &public_url,
            extra,
        )
        .await
    }

    /// Waits until a call to `path` has arrived but not been answered.
    pub(crate) async fn call_under_way(&self, method: &str, path: &str) {
        let deadline = Instant::now() + ANSWER;
        while Instant::now() < deadline {
            if self
                .sim
                .calls()
                .iter()
                .any(|c| c.method == method && c.path.starts_with(path) && c.status == 0)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("no {method} {path} call arrived");
    }

    pub(crate) fn creates(&self) -> usize {
        self.sim
            .calls()
            .iter()
            .filter(|c| c.method == "POST" && c.path == "/v1/people")
            .count()
    }
}

/// A manager in a 1:1 space with the bot, holding a card.
struct Conversation {
    manager: SimPerson,
    room: SimRoom,
    card: SimMessage,
}

impl World {
    /// Starts a bot and has a manager ask it for a card.
    async fn bot_with_card(&self) -> (BotProcess, Conversation) {
        let manager = self
            .sim
            .add_person("mia.manager@example.com", "Mia Manager");
        let room = self.sim.direct_room(&manager);
        let bot = self.bot().await;
        self.sim.say(&manager, &room, "onboard").await;
        let card = self
            .sim
            .wait_for_bot_messages(&room.id, 1, ANSWER)
            .await
            .remove(0);
        (
            bot,
            Conversation {
                manager,
                room,
                card,
            },
        )
    }
}

pub(crate) fn delay(method: &str, path: &str) -> Fault {
    Fault {
        method: method.into(),
        path_prefix: path.into(),
        kind: FaultKind::Delay(Duration::from_secs(60)),
        times: 1,
    }
}
