-- claimdesk schema v6 (issue: Discord): a delivery route (channel) that the chat service refuses (403, 404) is
-- paused with its reason, its messages kept, and retried now and then until it works; feeds added by a team.

CREATE TABLE routes (
    channel    TEXT PRIMARY KEY,
    paused_at  TEXT NOT NULL,
    reason     TEXT NOT NULL,
    retry_at   TEXT NOT NULL          -- the next delivery attempt to this channel (UTC)
) WITHOUT ROWID;

ALTER TABLE feeds ADD COLUMN team_id INTEGER REFERENCES teams(id) ON DELETE CASCADE;  -- NULL: from the config
