-- Approval cards point at their request; a corrected form retires the card it replaces.
ALTER TABLE cards ADD COLUMN kind TEXT NOT NULL DEFAULT 'onboarding';
ALTER TABLE cards ADD COLUMN request_id INTEGER;
ALTER TABLE cards ADD COLUMN retired_at INTEGER;

-- Who decided a request, with which click, and why.
ALTER TABLE requests ADD COLUMN decision TEXT;
ALTER TABLE requests ADD COLUMN decided_by TEXT;
ALTER TABLE requests ADD COLUMN decided_by_id TEXT;
ALTER TABLE requests ADD COLUMN decision_action_id TEXT;
ALTER TABLE requests ADD COLUMN reason TEXT;
CREATE INDEX requests_state ON requests (state);
CREATE INDEX requests_action ON requests (action_id);
CREATE INDEX requests_decision_action ON requests (decision_action_id);

-- What happened to each request, for people: who asked, who decided, what Webex was sent and said.
CREATE TABLE audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    request_id  INTEGER,
    email       TEXT,
    detail      TEXT,
    result      TEXT,
    tracking_id TEXT
);
