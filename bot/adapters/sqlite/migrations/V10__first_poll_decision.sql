-- claimdesk schema v10 (issue 20): a feed's first poll decides which of its entries may alert (the newest
-- `backfill`), and that decision is stored before the first article of the poll, so a poll cut short by a crash
-- or a stop is finished, after a restart, with the very same decision. The rows go when the poll is done
-- (the feed's first last_ok_at).

CREATE TABLE first_poll (
    feed_id  INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    key      TEXT NOT NULL,     -- an entry key the first poll saw as new
    loud     INTEGER NOT NULL,  -- 1: among the newest `backfill`, may alert; 0: stored silently
    PRIMARY KEY (feed_id, key)
) WITHOUT ROWID;
