-- claimdesk schema v3 (issue: Claims across sources): delivery in messages that may fold several alerts into a
-- digest, per-team quiet hours and hourly cap, and teams and watches that commands manage.
--
-- An alert is planned into exactly one delivery (alerts.delivery_id); a delivery is one message to one channel,
-- sent with a stable idempotency key ('{meta.instance}-{deliveries.id}') so a sink that honours it never shows a
-- message twice after a crash between sending and marking it sent.

CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('instance', lower(hex(randomblob(5))));

ALTER TABLE teams ADD COLUMN origin TEXT NOT NULL DEFAULT 'config' CHECK (origin IN ('config', 'command'));
ALTER TABLE teams ADD COLUMN quiet_hours TEXT;                     -- 'HH:MM-HH:MM' in the team's timezone
ALTER TABLE teams ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE teams ADD COLUMN hourly_cap INTEGER;                   -- messages per channel per hour; NULL: none

ALTER TABLE watches ADD COLUMN channel TEXT;                       -- NULL: the team's channel
ALTER TABLE watches ADD COLUMN origin TEXT NOT NULL DEFAULT 'config' CHECK (origin IN ('config', 'command'));

CREATE TABLE deliveries (
    id          INTEGER PRIMARY KEY,
    team_id     INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    channel     TEXT NOT NULL,
    kind        TEXT NOT NULL,                     -- the alert's kind, or 'digest'
    payload     TEXT NOT NULL,                     -- JSON, fixed when planned: a resend is the same message
    created_at  TEXT NOT NULL,
    sent_at     TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT
);
CREATE INDEX deliveries_pending ON deliveries (id) WHERE sent_at IS NULL;
CREATE INDEX deliveries_channel_sent ON deliveries (channel, sent_at);

ALTER TABLE alerts ADD COLUMN delivery_id INTEGER REFERENCES deliveries(id) ON DELETE SET NULL;
ALTER TABLE alerts ADD COLUMN held TEXT;                           -- why it waits: 'quiet hours' or 'hourly cap'
CREATE INDEX alerts_unplanned ON alerts (team_id, channel, id) WHERE delivery_id IS NULL AND sent_at IS NULL;
CREATE INDEX alerts_delivery ON alerts (delivery_id);
