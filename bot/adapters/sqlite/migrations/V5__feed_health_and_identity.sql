-- claimdesk schema v5 (issue: Feed ingestion): conditional GET, back-off and pausing per feed, a feed that moved
-- (301), and article identity that survives guid churn, http→https, rewritten dates and a second feed.

ALTER TABLE feeds ADD COLUMN fetch_url TEXT;       -- where a permanent redirect moved the feed (NULL: url)
ALTER TABLE feeds ADD COLUMN etag TEXT;            -- validators for conditional GET, as the server sent them
ALTER TABLE feeds ADD COLUMN last_modified TEXT;
ALTER TABLE feeds ADD COLUMN next_poll_at TEXT;    -- back-off / Retry-After / paused: no poll before this (UTC)
ALTER TABLE feeds ADD COLUMN paused_at TEXT;       -- set after too many failures in a row; cleared on recovery
ALTER TABLE feeds ADD COLUMN paused_reason TEXT;

ALTER TABLE articles ADD COLUMN link_key TEXT;     -- normalised link (bot.core.identity)
ALTER TABLE articles ADD COLUMN fingerprint TEXT;  -- hash of title and opening text
CREATE INDEX articles_link_key ON articles (link_key) WHERE link_key IS NOT NULL;
CREATE INDEX articles_fingerprint ON articles (fingerprint) WHERE fingerprint IS NOT NULL;

-- every key under which a feed has shown an article: its own, a churned guid, the same article in a second feed
CREATE TABLE entry_keys (
    feed_id     INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    PRIMARY KEY (feed_id, key)
) WITHOUT ROWID;
CREATE INDEX entry_keys_key ON entry_keys (key);
CREATE INDEX entry_keys_article ON entry_keys (article_id);
INSERT INTO entry_keys (feed_id, key, article_id) SELECT feed_id, entry_key, id FROM articles;
