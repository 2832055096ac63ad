//! Files: posting them as people do, and reading those the bot or anyone posted.

use crate::world::NewMessage;
use crate::{SimFile, SimPerson, SimRoom, Simulator};

impl Simulator {
    /// Posts a message with a file as this person, waits until its webhooks are delivered,
    /// and returns its id. The message's `files` (and its webhook's `data`) hold the file's
    /// content URL, `{api_url}/contents/{id}`, which members of the room may download.
    pub async fn say_with_file(
        &self,
        from: &SimPerson,
        room: &SimRoom,
        text: &str,
        file_name: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> String {
        let url = self.store_file(room, file_name, content_type, bytes);
        self.post(NewMessage {
            files: vec![url],
            ..self.plain(from, room, text)
        })
        .await
    }

    /// Like [`Simulator::say_with_file`], with the bot @mentioned first, as in a group room.
    pub async fn mention_bot_with_file(
        &self,
        from: &SimPerson,
        room: &SimRoom,
        text: &str,
        file_name: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> String {
        let url = self.store_file(room, file_name, content_type, bytes);
        self.post(NewMessage {
            files: vec![url],
            ..self.mention(from, room, text)
        })
        .await
    }

    /// Posts a message whose `files` holds this URL as given, wherever it points: to test a
    /// bot that must download only from the Webex API host.
    pub async fn say_with_file_url(
        &self,
        from: &SimPerson,
        room: &SimRoom,
        text: &str,
        url: &str,
    ) -> String {
        self.post(NewMessage {
            files: vec![url.to_owned()],
            ..self.plain(from, room, text)
        })
        .await
    }

    /// The file behind a content URL the simulator handed out, whoever posted it.
    pub fn file(&self, url: &str) -> Option<SimFile> {
        self.shared.world().file_at(url)
    }

    fn store_file(&self, room: &SimRoom, name: &str, content_type: &str, bytes: Vec<u8>) -> String {
        let file = SimFile {
            name: name.to_owned(),
            content_type: content_type.to_owned(),
            bytes,
        };
        self.shared.world().store_file(&room.id, file)
    }
}
