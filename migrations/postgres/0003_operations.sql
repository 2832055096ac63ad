-- The admin token's OAuth state, one row per token ('admin'): the newest refresh token Webex
-- gave, stored before it is used, and the access token every replica shares. A replica
-- refreshes only while it holds the row's lease, so a refresh token is spent once.
CREATE TABLE oauth_tokens (
    name               TEXT    PRIMARY KEY,
    -- SHA-256 of the WEBEX_ADMIN_REFRESH_TOKEN this chain started from: another configured
    -- token starts a new chain.
    configured_hash    TEXT    NOT NULL,
    refresh_token      TEXT    NOT NULL,
    refresh_expires_at BIGINT,
    access_token       TEXT,
    access_expires_at  BIGINT,
    -- Grows with every refresh, so a replica can tell a token newer than the one it used.
    generation         BIGINT NOT NULL,
    refreshing_by      TEXT,
    refreshing_until   BIGINT,
    -- When Webex refused the refresh token, and why: nobody tries it again.
    refused_at         BIGINT,
    refused_reason     TEXT,
    updated_at         BIGINT NOT NULL
);

-- Every refresh token an operator configured, by its hash: a configured token starts the
-- chain over only the first time it is seen, so that a replica or a check still holding an
-- older configuration cannot take the chain back to a token Webex has spent.
CREATE TABLE oauth_configured (
    name  TEXT NOT NULL,
    hash  TEXT NOT NULL,
    PRIMARY KEY (name, hash)
);

-- Alerts posted, by cause: one cause is posted at most once an hour, by all replicas together.
CREATE TABLE alerts (
    cause      TEXT    PRIMARY KEY,
    posted_at  BIGINT NOT NULL,
    message    TEXT    NOT NULL
);

-- Deliveries whose jobs retention deleted: a redelivery of one is still recognised.
CREATE TABLE seen_deliveries (
    dedupe_key TEXT    PRIMARY KEY,
    seen_at    BIGINT NOT NULL
);
CREATE INDEX seen_deliveries_at ON seen_deliveries (seen_at);

-- Retention deletes finished jobs by age.
CREATE INDEX jobs_finished ON jobs (state, updated_at);

-- Named leases, for work only one replica should do at a time (registering webhooks).
CREATE TABLE leases (
    name   TEXT    PRIMARY KEY,
    holder TEXT    NOT NULL,
    until  BIGINT NOT NULL
);

-- A requester's open and recent requests, counted before each new one (the limits on abuse).
CREATE INDEX requests_requester ON requests (requester_id, created_at);
