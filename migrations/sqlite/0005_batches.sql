-- A cohort's file sent in chat: one batch per message that carried it, whatever redelivers it.
CREATE TABLE batches (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id        TEXT    NOT NULL UNIQUE,
    room_id           TEXT    NOT NULL,
    requester_id      TEXT    NOT NULL,
    requester_email   TEXT    NOT NULL,
    file_name         TEXT    NOT NULL,
    state             TEXT    NOT NULL,
    preview_id        TEXT,
    confirm_action_id TEXT,
    decided_by        TEXT,
    decision_action_id TEXT,
    reason            TEXT,
    progress_id       TEXT,
    progress_edits    INTEGER NOT NULL DEFAULT 0,
    looked_at         INTEGER,
    started_at        INTEGER,
    finished_at       INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX batches_state ON batches (state);

-- Each line of the file, checked: a valid new person becomes a request of the batch.
CREATE TABLE batch_rows (
    batch_id   INTEGER NOT NULL,
    line       INTEGER NOT NULL,
    email      TEXT    NOT NULL,
    draft      TEXT,
    outcome    TEXT    NOT NULL,
    error      TEXT,
    person_id  TEXT,
    request_id INTEGER,
    PRIMARY KEY (batch_id, line)
);
-- `status EMAIL` finds a person's lines whatever the case of the email.
CREATE INDEX batch_rows_email ON batch_rows (LOWER(email));

-- The pace of creates every replica shares: the earliest time the next create may start, and
-- until when Webex asked every create to wait (a turn taken before that is void).
CREATE TABLE pace (
    name       TEXT    PRIMARY KEY,
    next_at    INTEGER NOT NULL,
    held_until INTEGER NOT NULL DEFAULT 0
);

-- A batch's request answers in the batch's thread, not under a card of its own.
ALTER TABLE requests ADD COLUMN thread_id TEXT;
ALTER TABLE requests ADD COLUMN batch_id INTEGER;
CREATE INDEX requests_batch ON requests (batch_id);
ALTER TABLE cards ADD COLUMN batch_id INTEGER;
ALTER TABLE audit ADD COLUMN batch_id INTEGER;
