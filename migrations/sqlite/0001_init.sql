-- Every accepted webhook delivery and every reply is a job; the unique key deduplicates redeliveries.
CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT    NOT NULL,
    dedupe_key  TEXT    NOT NULL UNIQUE,
    payload     TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    run_after   INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until INTEGER,
    last_error  TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX jobs_ready ON jobs (state, run_after);

-- Cards the bot sent: a submission of any other message id is forged or foreign.
CREATE TABLE cards (
    message_id   TEXT    PRIMARY KEY,
    room_id      TEXT    NOT NULL,
    requested_by TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);

-- One onboarding request per card: the unique card id is what makes a card single-use.
CREATE TABLE requests (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    card_message_id TEXT    NOT NULL UNIQUE,
    action_id       TEXT    NOT NULL,
    room_id         TEXT    NOT NULL,
    requester_id    TEXT    NOT NULL,
    requester_email TEXT    NOT NULL,
    email           TEXT    NOT NULL,
    draft           TEXT    NOT NULL,
    state           TEXT    NOT NULL,
    create_calls    INTEGER NOT NULL DEFAULT 0,
    last_status     INTEGER,
    person_id       TEXT,
    outcome         TEXT,
    tracking_id     TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
