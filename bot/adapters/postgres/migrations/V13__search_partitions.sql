-- claimdesk schema v13 (issue 19): claim_search partitioned by claim id range, each partition with its own GIN
-- index, so a search reads the newest range first and stops once its window is full (bot.adapters.postgres.search)
-- instead of reading every match of its words in the whole store through one GIN index. Ranges are
-- [start, start + size) named claim_search_{start}; claimdesk_search_ranges(size, upto) adds the missing ones up to
-- the id `upto` (the writers call it ahead of need, one at a time); ids beyond the ranges land in
-- claim_search_default, whose rows a new range takes over. Each row carries its claim's cluster and kind (a claim
-- never changes either), so a search's window is read without a lookup in claims per match. SQLite's V13 changes
-- nothing (FTS5 reads newest first).

CREATE FUNCTION claimdesk_search_ranges(size BIGINT, upto BIGINT) RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
    top BIGINT;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('claimdesk:search-ranges', 0));  -- one process at a time
    -- a range's size is the one it was made with: the next starts at the highest one's end (its bound, not `size`)
    SELECT coalesce(max((regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''?(\d+)''?\)'))[1]::bigint), 0)
        INTO top
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'claim_search'::regclass AND NOT c.relpartbound IS NULL
          AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT';
    IF top <= upto THEN
        -- no writer mid-transaction: a row it put in the default partition is moved below, not left there
        LOCK TABLE claim_search IN ACCESS EXCLUSIVE MODE;
    END IF;
    WHILE top <= upto LOOP
        -- rows the default partition took in this range move into it (none when ranges are made ahead)
        CREATE TEMP TABLE claimdesk_moving ON COMMIT DROP AS
            SELECT * FROM claim_search_default WHERE claim_id >= top AND claim_id < top + size;
        DELETE FROM claim_search_default WHERE claim_id >= top AND claim_id < top + size;
        EXECUTE format('CREATE TABLE %I PARTITION OF claim_search FOR VALUES FROM (%s) TO (%s)',
                       'claim_search_' || top, top, top + size);
        INSERT INTO claim_search SELECT * FROM claimdesk_moving;
        DROP TABLE claimdesk_moving;
        top := top + size;
    END LOOP;
    RETURN top;
END
$$;

ALTER TABLE claim_search RENAME TO claim_search_v12;
ALTER INDEX claim_search_doc RENAME TO claim_search_v12_doc;
ALTER TABLE claim_search_v12 RENAME CONSTRAINT claim_search_pkey TO claim_search_v12_pkey;
ALTER TABLE claim_search_v12 RENAME CONSTRAINT claim_search_claim_id_fkey TO claim_search_v12_claim_id_fkey;

CREATE TABLE claim_search (
    claim_id    BIGINT PRIMARY KEY REFERENCES claims(id) ON DELETE CASCADE,
    doc         TSVECTOR NOT NULL,
    cluster_id  BIGINT NOT NULL,                -- the claim's (deleted with it: claims cascade from clusters)
    kind        TEXT NOT NULL                   -- the claim's
) PARTITION BY RANGE (claim_id);
CREATE TABLE claim_search_default PARTITION OF claim_search DEFAULT;
-- the stored rows' ranges, 100,000 ids each (bot.adapters.postgres.search.PARTITION), filled before their indexes
SELECT claimdesk_search_ranges(100000, (SELECT max(claim_id) FROM claim_search_v12));
INSERT INTO claim_search (claim_id, doc, cluster_id, kind)
    SELECT s.claim_id, s.doc, c.cluster_id, c.kind FROM claim_search_v12 s JOIN claims c ON c.id = s.claim_id
    ORDER BY s.claim_id;
DROP TABLE claim_search_v12;
SET LOCAL maintenance_work_mem = '256MB';
CREATE INDEX claim_search_doc ON claim_search USING GIN (doc);
-- the planner's statistics of the new partitions now, not when autovacuum comes round
ANALYZE claim_search;
