//! Files posted with messages: each is kept under a content URL on the API host, which
//! the members of its room may download.

use super::World;
use crate::error::ApiError;
use crate::gateway::Caller;
use crate::ids;

/// A file as posted: its name, type and bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimFile {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A file and the room it was posted in, which decides who may download it.
pub(super) struct StoredFile {
    id: String,
    room_id: String,
    file: SimFile,
}

impl World {
    /// Keeps a file posted in this room, and returns its content URL,
    /// `{api_url}/contents/{id}`, as Webex lists it in the message's `files`.
    pub(crate) fn store_file(&mut self, room_id: &str, file: SimFile) -> String {
        let id = ids::webex_id("CONTENT");
        let url = self.content_url(&id);
        self.files.push(StoredFile {
            id,
            room_id: room_id.to_owned(),
            file,
        });
        url
    }

    fn content_url(&self, id: &str) -> String {
        format!("{}/contents/{id}", self.api_url)
    }

    /// The file behind a content URL the simulator handed out.
    pub(crate) fn file_at(&self, url: &str) -> Option<SimFile> {
        self.files
            .iter()
            .find(|stored| self.content_url(&stored.id) == url)
            .map(|stored| stored.file.clone())
    }

    /// `GET /v1/contents/{id}`: the file, to a member of its room; 404 to anyone else, as
    /// for a file that does not exist.
    pub(crate) fn content_for(&self, caller: &Caller, id: &str) -> Result<SimFile, ApiError> {
        self.files
            .iter()
            .find(|stored| stored.id == id && self.is_member(&caller.id, &stored.room_id))
            .map(|stored| stored.file.clone())
            .ok_or_else(|| ApiError::not_found("The requested content was not found."))
    }
}
