-- claimdesk schema v13: nothing changes here. PostgreSQL's V13 partitions its claim_search by claim id range (its
-- GIN index cannot read newest first as FTS5 does); the version numbers stay equal in both folders.
SELECT 1;
