-- claimdesk schema v12 (issue 19): several processes on one database. A feed's poll and a planned message are
-- leased to one process at a time: lease_owner is the process's owner number (a session advisory lock it holds
-- on its own connection while it lives, in the space LEASE_SPACE below), lease_until an ISO time after which the
-- lease lapses even if that process still lives. A lease whose owner's lock is gone (the process died: its
-- connection closed) is free at once. SQLite's V12 adds the same columns, which one process never needs to read.

ALTER TABLE feeds ADD COLUMN lease_owner BIGINT;
ALTER TABLE feeds ADD COLUMN lease_until TEXT COLLATE "C";
ALTER TABLE deliveries ADD COLUMN lease_owner BIGINT;
ALTER TABLE deliveries ADD COLUMN lease_until TEXT COLLATE "C";

-- whether the process that took a lease still holds its presence lock (pg_advisory_lock(4408395, owner), where
-- 4408395 is 'CDK'): pg_locks shows a two-key advisory lock as classid = key 1, objid = key 2, objsubid = 2
CREATE FUNCTION claimdesk_alive(owner BIGINT) RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid = 4408395::oid
          AND objid = owner::oid
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
    )
$$;
