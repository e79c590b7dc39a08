-- claimdesk schema v1: feeds, articles, claims grouped into clusters, teams with their watches, and the alerts
-- outbox. Applied in one transaction together with PRAGMA user_version = 1.

CREATE TABLE feeds (
    id              INTEGER PRIMARY KEY,
    url             TEXT NOT NULL UNIQUE,          -- http(s) URL, absolute local path, or 'import:' pseudo-feed
    name            TEXT NOT NULL,
    title           TEXT,                          -- as the feed itself names it
    added_at        TEXT NOT NULL,
    last_polled_at  TEXT,
    last_ok_at      TEXT,                          -- NULL until the first successful poll: "first add"
    last_error      TEXT,
    failures        INTEGER NOT NULL DEFAULT 0     -- consecutive failed polls
);

CREATE TABLE articles (
    id             INTEGER PRIMARY KEY,
    feed_id        INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    entry_key      TEXT NOT NULL,                  -- guid, else normalised link, else hash of title and date
    url            TEXT,
    title          TEXT NOT NULL,
    source         TEXT NOT NULL,                  -- the outlet, for "first seen in ..."
    published_at   TEXT,
    stored_at      TEXT NOT NULL,
    body           TEXT NOT NULL,
    summary        TEXT NOT NULL DEFAULT '',
    extract_error  TEXT,                           -- set when extraction failed; the article is kept
    alerted        INTEGER NOT NULL DEFAULT 1,     -- 0: stored silently (first add beyond the backfill)
    UNIQUE (feed_id, entry_key)
);

CREATE TABLE clusters (
    id                INTEGER PRIMARY KEY,
    kind              TEXT NOT NULL CHECK (kind IN ('figure', 'quote')),
    key               TEXT NOT NULL,               -- what makes two claims "the same" (bot.core.claims)
    label             TEXT NOT NULL,
    first_article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    first_seen_at     TEXT NOT NULL,
    UNIQUE (kind, key)
);

CREATE TABLE claims (
    id            INTEGER PRIMARY KEY,
    article_id    INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    cluster_id    INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('figure', 'quote')),
    text          TEXT NOT NULL,
    start_offset  INTEGER NOT NULL,
    end_offset    INTEGER NOT NULL,
    speaker       TEXT,
    direct        INTEGER,
    value         REAL,
    low           REAL,
    high          REAL,
    unit          TEXT,
    counted       TEXT,
    subject       TEXT,
    context       TEXT NOT NULL DEFAULT '',        -- the sentence the claim stands in
    data          TEXT NOT NULL                    -- the extractor's full JSON for this claim
);
CREATE INDEX claims_article ON claims (article_id);
CREATE INDEX claims_cluster ON claims (cluster_id);

-- full-text search for /claims; rowid = claims.id
CREATE VIRTUAL TABLE claim_search USING fts5 (
    text, speaker, subject, title, context,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE teams (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    channel      TEXT NOT NULL,
    alert_kinds  TEXT NOT NULL                     -- JSON list of alert kinds
);

CREATE TABLE watches (
    id       INTEGER PRIMARY KEY,
    team_id  INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    keyword  TEXT NOT NULL,
    UNIQUE (team_id, keyword)
);

-- the outbox: written in the same transaction as the claims it announces, marked sent by delivery
CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    team_id     INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    channel     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    cluster_id  INTEGER REFERENCES clusters(id) ON DELETE CASCADE,
    dedupe_key  TEXT NOT NULL UNIQUE,               -- channel | kind | cluster or article
    payload     TEXT NOT NULL,                      -- JSON: everything a sink needs to render it
    created_at  TEXT NOT NULL,
    sent_at     TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT
);
CREATE INDEX alerts_pending ON alerts (id) WHERE sent_at IS NULL;
